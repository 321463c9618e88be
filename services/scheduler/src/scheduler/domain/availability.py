"""Where a service can be booked: a pure function of the rules, the busy time and a window.

For each local day in the window: the spa's open hours, intersected with each
qualified provider's working time (breaks and time off removed), minus the
provider's busy time, give free stretches; a treatment fits where its whole
blocked time (buffers included) lies in one stretch, starting on the slot grid
anchored at the opening time; then each room or device it needs must be free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from scheduler.domain.clock import at, local_days, zone
from scheduler.domain.intervals import (
    Interval,
    intersect,
    merge_into,
    normalize,
    overlaps_any,
    subtract,
)
from scheduler.domain.model import PARTS_OF_DAY, PartOfDay, ServiceRule, SpaRules


@dataclass(frozen=True, slots=True)
class Slot:
    service_id: str
    provider_id: str
    # One resource per need of the service, in the order of its needs.
    resource_ids: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Booked:
    """Time already taken (buffers included) by one appointment or hold."""

    provider_id: str
    resource_ids: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Busy:
    """Taken time per provider and per resource, each a disjoint interval list."""

    providers: Mapping[str, Sequence[Interval]] = field(default_factory=dict)
    resources: Mapping[str, Sequence[Interval]] = field(default_factory=dict)

    @classmethod
    def of(cls, booked: Iterable[Booked]) -> Busy:
        providers: dict[str, list[Interval]] = {}
        resources: dict[str, list[Interval]] = {}
        for item in booked:
            providers.setdefault(item.provider_id, []).append((item.start, item.end))
            for resource_id in item.resource_ids:
                resources.setdefault(resource_id, []).append((item.start, item.end))
        return cls(
            {k: normalize(v) for k, v in providers.items()},
            {k: normalize(v) for k, v in resources.items()},
        )

    def merged(self, other: Busy) -> Busy:
        """This busy time and `other` together (two reads of one calendar, overlaps joined)."""
        if not other.providers and not other.resources:
            return self
        providers = dict(self.providers)
        for key, taken in other.providers.items():
            providers[key] = merge_into(providers.get(key, ()), taken)
        resources = dict(self.resources)
        for key, taken in other.resources.items():
            resources[key] = merge_into(resources.get(key, ()), taken)
        return Busy(providers, resources)


@dataclass(frozen=True, slots=True)
class SlotFilter:
    """Which slots to consider at all (ranking is separate, see `ranking.py`)."""

    # ISO weekdays, 1 = Monday .. 7 = Sunday; empty means any day.
    days_of_week: frozenset[int] = frozenset()
    parts_of_day: frozenset[PartOfDay] = frozenset()
    provider_id: str = ""
    avoid_provider_id: str = ""


def free_resources(
    service: ServiceRule, busy: Busy, start: int, end: int, first: int = 0
) -> tuple[str, ...] | None:
    """One free resource per need over [start, end), or None when a need cannot be met.

    Each need's choices are tried from position `first` (the provider's place in the
    spa's list) round: providers booked at the same time reach for different rooms
    first, so concurrent holds rarely collide on a room.
    """
    chosen: list[str] = []
    for need in service.resource_needs:
        shift = first % len(need)
        for resource_id in need[shift:] + need[:shift]:
            if resource_id not in chosen and not overlaps_any(
                busy.resources.get(resource_id, ()), start, end
            ):
                chosen.append(resource_id)
                break
        else:
            return None
    return tuple(chosen)


def _grid_start(anchor: int, earliest: int, step: int) -> int:
    """The first instant at or after `earliest` that is `anchor` plus whole steps."""
    return anchor + -(-(earliest - anchor) // step) * step


class DayFinder:
    """Finds a service's slots one local day at a time, so a search can stop as soon as
    later days can no longer change its answer (see `ranking.gather`)."""

    def __init__(
        self,
        rules: SpaRules,
        service: ServiceRule,
        busy: Busy,
        window: Interval,
        only: SlotFilter = SlotFilter(),
    ) -> None:
        self.rules, self.service, self.busy, self.window, self.only = (
            rules,
            service,
            busy,
            window,
            only,
        )
        self.tz = zone(rules.timezone)
        place = {provider_id: i for i, provider_id in enumerate(rules.providers)}
        self.providers = [
            (p, place[p.id])
            for p in rules.qualified(service)
            if (not only.provider_id or p.id == only.provider_id) and p.id != only.avoid_provider_id
        ]

    def days(self) -> list[date]:
        begin, finish = self.window
        if begin >= finish:
            return []
        return [
            day
            for day in local_days(begin, finish, self.tz)
            if not self.only.days_of_week or day.isoweekday() in self.only.days_of_week
        ]

    def on(self, day: date) -> list[Slot]:
        """Every bookable slot starting on `day` inside the window, by provider, then time."""
        rules, service, busy, tz = self.rules, self.service, self.busy, self.tz
        begin, finish = self.window
        opened = normalize((at(day, r.start, tz), at(day, r.end, tz)) for r in rules.open_on(day))
        if not opened:
            return []
        parts = normalize(
            (at(day, PARTS_OF_DAY[p].start, tz), at(day, PARTS_OF_DAY[p].end, tz))
            for p in self.only.parts_of_day
        )
        step = service.slot_step_minutes * 60
        before, after, length = service.before_s, service.after_s, service.duration_s
        needs = service.resource_needs
        slots: list[Slot] = []
        for provider, place in self.providers:
            working = normalize(
                (at(day, r.start, tz), at(day, r.end, tz)) for r in provider.working(day)
            )
            taken = busy.providers.get(provider.id, ())
            # Per opening range, so the grid's anchor (the opening time) is known outright.
            for anchor, closing in opened:
                free = subtract(intersect(((anchor, closing),), working), taken)
                for lo, hi in free:
                    first = _grid_start(anchor, max(lo + before, begin), step)
                    last = min(hi - length - after, finish - 1)
                    for start in range(first, last + 1, step):
                        if parts and not overlaps_any(parts, start, start + 1):
                            continue
                        if needs:
                            resources = free_resources(
                                service, busy, start - before, start + length + after, place
                            )
                            if resources is None:
                                continue
                        else:
                            resources = ()
                        slots.append(
                            Slot(service.id, provider.id, resources, start, start + length)
                        )
        return slots


def available_slots(
    rules: SpaRules,
    service: ServiceRule,
    busy: Busy,
    window: Interval,
    only: SlotFilter = SlotFilter(),
) -> list[Slot]:
    """Every bookable slot starting inside `window`, in order of day, provider, time.

    `window` should already respect lead time and horizon (see `booking.bookable_window`).
    """
    finder = DayFinder(rules, service, busy, window, only)
    return [slot for day in finder.days() for slot in finder.on(day)]
