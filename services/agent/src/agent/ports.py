"""What the conversation needs from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OfferedSlot:
    service_id: str
    provider_id: str
    provider_name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class MenuService:
    id: str
    name: str
    category: str
    aliases: tuple[str, ...]


class CalendarUnavailable(Exception):
    """The calendar did not answer in time; the patient must not wait on it."""


class Calendar(Protocol):
    async def services(self, spa_id: str) -> list[MenuService]: ...

    async def find_slots(
        self, spa_id: str, service_id: str, start: datetime, end: datetime, limit: int
    ) -> list[OfferedSlot]: ...
