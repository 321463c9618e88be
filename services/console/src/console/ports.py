"""What the console needs from outside its own database: the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class CalendarUnavailable(RuntimeError):
    """The scheduler did not answer in time; the page says so instead of failing."""


@dataclass(frozen=True)
class ProviderInfo:
    id: str
    name: str
    credential: str


@dataclass(frozen=True)
class AppointmentInfo:
    id: str
    service_id: str
    service_name: str
    provider_id: str
    provider_name: str
    patient_id: str
    start: datetime
    end: datetime
    status: str
    deposit_required: bool
    conversation_id: str


@dataclass(frozen=True)
class Wishes:
    """When a waiting patient can come; every part is optional, empty means any."""

    # ISO weekdays, 1 = Monday .. 7 = Sunday.
    days_of_week: tuple[int, ...] = ()
    # "morning", "afternoon", "evening".
    parts_of_day: tuple[str, ...] = ()
    # The spa's wall clock, "HH:MM": the visit starts at or after, and ends by.
    earliest_time: str = ""
    latest_time: str = ""
    # Only slots starting in [not_before, not_after); the entry lapses at not_after.
    not_before: datetime | None = None
    not_after: datetime | None = None


@dataclass(frozen=True)
class WaitlistEntryInfo:
    """One patient waiting for a service, named by id only."""

    id: str
    patient_id: str
    service_id: str
    # Empty: any provider.
    provider_id: str
    waiting_since: datetime
    wishes: Wishes


class Calendar(Protocol):
    async def providers(self, spa_id: str) -> list[ProviderInfo]: ...

    async def appointments(
        self,
        spa_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        patient_id: str = "",
        provider_id: str = "",
    ) -> list[AppointmentInfo]: ...

    async def waitlist(
        self, spa_id: str, *, service_id: str = "", max_results: int = 0
    ) -> list[WaitlistEntryInfo]:
        """Waiting entries, first come first; max_results 0 is the scheduler's default."""
        ...

    async def patient_names(
        self, spa_id: str, patient_ids: list[str], purpose: str
    ) -> dict[str, str]:
        """The names on file of these patients (left out when none); the scheduler audits the
        read with `purpose`."""
        ...

    async def close(self) -> None: ...
