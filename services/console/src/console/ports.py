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

    async def close(self) -> None: ...
