"""What outreach needs from the world, as Protocols; adapters/ implements them.

The scheduler owns patients, the calendar and the waitlist: outreach reads a patient's
number, zone and consent at the moment it sends (never copies them), and holds slots
through the same CalendarService the agent uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class CalendarUnavailable(Exception):
    """The scheduler did not answer (or does not serve this call yet): try again later."""


class SlotGone(Exception):
    """The slot cannot be held: taken meanwhile, too soon, or otherwise refused."""


@dataclass(frozen=True)
class Contact:
    patient_id: str
    phone: str = field(repr=False)
    time_zone: ZoneInfo | None
    marketing_consent: bool


@dataclass(frozen=True)
class Slot:
    provider_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class HoldRequest:
    spa_id: str
    request_id: str
    service_id: str
    provider_id: str
    start: datetime
    phone: str = field(repr=False)
    hold_minutes: int
    conversation_id: str


@dataclass(frozen=True)
class Held:
    appointment_id: str
    deposit_required: bool


class Contacts(Protocol):
    async def contacts(
        self, spa_id: str, patient_ids: Sequence[str], purpose: str
    ) -> dict[str, Contact]:
        """Known patients' contacts by id; unknown ids are left out."""
        ...


class Calendar(Protocol):
    async def waitlist(
        self, spa_id: str, service_id: str, provider_id: str, start: datetime, end: datetime
    ) -> list[str]:
        """Patient ids waiting for a slot like this, in the list's order."""
        ...

    async def has_upcoming(
        self, spa_id: str, patient_id: str, service_id: str, now: datetime
    ) -> bool: ...

    async def find_slots(
        self,
        spa_id: str,
        service_id: str,
        provider_id: str,
        start: datetime,
        end: datetime,
        count: int,
    ) -> list[Slot]: ...

    async def hold(self, request: HoldRequest) -> Held: ...

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> None: ...
