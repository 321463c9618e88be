"""What can go wrong with a calendar request, typed so each edge can say it its own way.

Every error is raised before anything changes, so a refused request leaves no trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.domain.availability import Slot


class SchedulingError(Exception):
    """Base of every refusal the calendar gives."""


@dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    # A stable machine-readable code (unknown_service, in_past ...) and a sentence for people.
    reason: str
    description: str


class InvalidRequest(SchedulingError):
    """The request can never succeed as written, whatever the calendar holds."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in self.violations))


class NotFound(SchedulingError):
    def __init__(self, kind: str, id: str, description: str = "") -> None:
        self.kind = kind
        # Empty when the thing was looked for by a protected value (a patient by phone),
        # which an error never repeats.
        self.id = id
        super().__init__(description or f"no {kind} {id!r}")


class SlotUnavailable(SchedulingError):
    """The slot is (or just became) taken; here are the nearest that are not."""

    def __init__(self, reason: str, alternatives: Sequence[Slot] = ()) -> None:
        self.reason = reason
        self.alternatives = tuple(alternatives)
        super().__init__(reason)


class WrongState(SchedulingError):
    """The appointment's state does not allow this change (an expired hold, a completed visit)."""

    def __init__(self, reason: str, description: str) -> None:
        self.reason = reason
        self.description = description
        super().__init__(description)


class Contended(SchedulingError):
    """Lost the race for a change too many times in a row; trying again later may succeed."""

    def __init__(self) -> None:
        super().__init__("too many concurrent changes to the same appointment; retry")


class RequestIdReused(SchedulingError):
    """A request id already named a different request: replaying it would change its meaning."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(f"request id {request_id!r} was already used for a different request")


def require(violations: list[FieldViolation]) -> None:
    if violations:
        raise InvalidRequest(violations)
