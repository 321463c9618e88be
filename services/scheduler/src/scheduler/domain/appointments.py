"""An appointment's life: held, then confirmed, then completed or a no-show, or cancelled.

Each transition function says whether the change happens (True), is already
done (False: an idempotent repeat), or is refused (WrongState). They decide;
the adapters write.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scheduler.domain.errors import WrongState


class Status(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    EXPIRED = "expired"


# States that keep the provider and resources taken (the database's exclusion
# constraints use the same list).
BLOCKING = frozenset({Status.HELD, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW})


@dataclass(frozen=True, slots=True)
class Appointment:
    id: str
    spa_id: str
    service_id: str
    provider_id: str
    resource_ids: tuple[str, ...]
    patient_id: str
    start: int
    end: int
    status: Status
    hold_expires_at: int | None
    deposit_minor: int
    currency: str
    new_patient: bool
    conversation_id: str = ""
    # The stored row's revision: orders what caches hear about this appointment.
    version: int = 1


def _refuse(status: Status, doing: str) -> WrongState:
    if status is Status.EXPIRED:
        return WrongState("hold_expired", f"cannot {doing}: the hold expired")
    return WrongState(f"appointment_{status.value}", f"cannot {doing} a {status.value} appointment")


def confirm(appointment: Appointment, now: int, *, paid: bool = False) -> bool:
    """`paid`: a deposit paid while the hold is still on the calendar confirms it even a
    moment past its expiry (before the sweeper released it): the money decides."""
    if appointment.status is Status.CONFIRMED:
        return False
    if appointment.status is Status.HELD:
        if not paid and expire(appointment, now):
            raise WrongState("hold_expired", "cannot confirm: the hold expired")
        return True
    raise _refuse(appointment.status, "confirm")


def cancel(appointment: Appointment) -> bool:
    if appointment.status in (Status.CANCELLED, Status.EXPIRED):
        return False
    if appointment.status in (Status.HELD, Status.CONFIRMED):
        return True
    raise _refuse(appointment.status, "cancel")


def expire(appointment: Appointment, now: int) -> bool:
    """A hold past its expiry leaves the calendar; anything else is left alone."""
    return (
        appointment.status is Status.HELD
        and appointment.hold_expires_at is not None
        and appointment.hold_expires_at <= now
    )


def reschedule(appointment: Appointment, now: int) -> None:
    if appointment.status is Status.HELD and not expire(appointment, now):
        return
    if appointment.status is Status.CONFIRMED:
        return
    if appointment.status is Status.HELD:
        raise WrongState("hold_expired", "cannot reschedule: the hold expired")
    raise _refuse(appointment.status, "reschedule")


def close(appointment: Appointment, outcome: Status, now: int) -> bool:
    """Mark a visit completed or a no-show, once it has started."""
    if appointment.status is outcome:
        return False
    if appointment.status is not Status.CONFIRMED:
        raise _refuse(appointment.status, f"mark {outcome.value}")
    if now < appointment.start:
        raise WrongState("not_started", f"cannot mark {outcome.value} before the visit starts")
    return True


def inside_cancellation_window(start: int, now: int, window_hours: int) -> bool:
    """Whether a change now is late by the spa's policy (a deposit may be forfeit)."""
    return start - now < window_hours * 3600
