"""The calendar's rules as plain values: the spa, its services, providers and rooms.

Built from the spa configuration (the source of truth) by an adapter, so the
domain never depends on how the configuration is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import IntEnum


@dataclass(frozen=True, slots=True)
class WallRange:
    """A stretch of one local day on the wall clock, end exclusive; `time.max` ends at midnight."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DayRange:
    """Whole local days, both ends included."""

    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


# Monday .. Sunday, as `date.weekday()` indexes them.
Week = tuple[tuple[WallRange, ...], ...]
CLOSED_WEEK: Week = ((),) * 7


@dataclass(frozen=True, slots=True)
class ServiceRule:
    id: str
    name: str
    duration_minutes: int
    credentials: frozenset[str]
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    # Each need is satisfied by any one of its resource ids (the laser room, either
    # treatment room ...); a booking takes one resource per need.
    resource_needs: tuple[tuple[str, ...], ...] = ()
    lead_time_hours: int = 2
    horizon_days: int = 90
    slot_step_minutes: int = 15
    consult_required_for_new: bool = False
    is_consult: bool = False
    # Precomputed from the spa's deposit rule, in minor units of the spa's currency.
    deposit_new_minor: int = 0
    deposit_returning_minor: int = 0

    @property
    def before_s(self) -> int:
        return self.buffer_before_minutes * 60

    @property
    def after_s(self) -> int:
        return self.buffer_after_minutes * 60

    @property
    def duration_s(self) -> int:
        return self.duration_minutes * 60

    def blocked(self, start: int) -> tuple[int, int]:
        """The time a treatment starting at `start` ties up the provider and rooms."""
        return start - self.before_s, start + self.duration_s + self.after_s

    def deposit_minor(self, *, new_patient: bool) -> int:
        return self.deposit_new_minor if new_patient else self.deposit_returning_minor


@dataclass(frozen=True, slots=True)
class ProviderRule:
    id: str
    name: str
    credential: str
    service_ids: frozenset[str]
    # Working ranges per weekday with breaks already cut out.
    week: Week
    time_off: tuple[DayRange, ...] = ()

    def can_perform(self, service: ServiceRule) -> bool:
        return service.id in self.service_ids and self.credential in service.credentials

    def working(self, day: date) -> tuple[WallRange, ...]:
        if any(leave.covers(day) for leave in self.time_off):
            return ()
        return self.week[day.weekday()]


@dataclass(frozen=True)
class SpaRules:
    spa_id: str
    timezone: str
    currency: str
    hours: Week
    services: Mapping[str, ServiceRule]
    # In the spa's own order: ties between equally good slots go to the earlier provider.
    providers: Mapping[str, ProviderRule]
    resources: Mapping[str, str] = field(default_factory=dict)
    closures: tuple[DayRange, ...] = ()
    hold_minutes: int = 15
    cancellation_window_hours: int = 24

    def open_on(self, day: date) -> tuple[WallRange, ...]:
        if any(closure.covers(day) for closure in self.closures):
            return ()
        return self.hours[day.weekday()]

    def qualified(self, service: ServiceRule) -> list[ProviderRule]:
        return [p for p in self.providers.values() if p.can_perform(service)]


class PartOfDay(IntEnum):
    MORNING = 1
    AFTERNOON = 2
    EVENING = 3


# Where each part of the day starts and ends on the spa's wall clock.
PARTS_OF_DAY: Mapping[PartOfDay, WallRange] = {
    PartOfDay.MORNING: WallRange(time(0, 0), time(12, 0)),
    PartOfDay.AFTERNOON: WallRange(time(12, 0), time(17, 0)),
    PartOfDay.EVENING: WallRange(time(17, 0), time.max),
}
