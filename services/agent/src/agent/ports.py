"""What the conversation needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from agent.domain.state import Offer
from agent.domain.when import PartOfDay


@dataclass(frozen=True)
class MenuService:
    id: str
    name: str
    category: str
    aliases: tuple[str, ...]
    consult_required_for_new: bool = False
    deposit_minor: int = 0


@dataclass(frozen=True)
class ProviderInfo:
    id: str
    name: str
    credential: str


@dataclass(frozen=True)
class SlotSearch:
    service_id: str
    start: datetime
    end: datetime
    days_of_week: frozenset[int] = frozenset()
    parts_of_day: frozenset[PartOfDay] = frozenset()
    near: datetime | None = None
    provider_id: str = ""
    limit: int = 3
    spread_across_days: bool = True


@dataclass(frozen=True)
class Appointment:
    id: str
    service_id: str
    service_name: str
    provider_id: str
    provider_name: str
    patient_id: str
    start: datetime
    end: datetime
    status: str  # held, confirmed, cancelled, completed, no_show, expired
    deposit_minor: int = 0
    hold_expires_at: datetime | None = None
    conversation_id: str = ""


@dataclass(frozen=True)
class HoldRequest:
    spa_id: str
    request_id: str
    offer: Offer
    phone: str
    name: str
    conversation_id: str


@dataclass(frozen=True)
class ConsentRequest:
    """A patient's yes or no to marketing texts, for the scheduler's record of them."""

    spa_id: str
    request_id: str
    granted: bool
    # "sms" or "voice": where the patient answered.
    channel: str
    # The catalog entry and locale the patient answered ("agent.marketing.ask@en-US").
    wording_ref: str
    # Exactly one of these: the scheduler's patient, or the number they wrote from.
    patient_id: str = ""
    phone: str = ""


class CalendarUnavailable(Exception):
    """The calendar did not answer in time; the patient must not wait on it."""


class SlotUnavailable(Exception):
    """The slot was taken (or needs a consultation first); the calendar offers these instead."""

    def __init__(self, reason: str, alternatives: Sequence[Offer]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.alternatives = list(alternatives)


class CalendarRefused(Exception):
    """The calendar refused a request for a reason retrying will not change."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Calendar(Protocol):
    async def services(self, spa_id: str) -> list[MenuService]: ...

    async def providers(self, spa_id: str, service_id: str) -> list[ProviderInfo]: ...

    async def find_slots(self, spa_id: str, search: SlotSearch) -> list[Offer]: ...

    async def hold(self, request: HoldRequest) -> Appointment: ...

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> Appointment: ...

    async def cancel(
        self, spa_id: str, appointment_id: str, request_id: str, reason: str
    ) -> Appointment: ...

    async def appointments(
        self, spa_id: str, patient_id: str, since: datetime
    ) -> list[Appointment]: ...

    async def set_marketing_consent(self, request: ConsentRequest) -> None:
        """Record the answer (idempotent by request id). CalendarUnavailable: try again later
        (a scheduler that does not serve it yet counts); CalendarRefused: it never will."""
        ...


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Completion:
    """One answer from a chat model: words, tool calls, or both."""

    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


class ChatModel(Protocol):
    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout_s: float
    ) -> Completion: ...
