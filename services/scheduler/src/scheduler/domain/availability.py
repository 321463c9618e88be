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

from scheduler.domain.clock import at, local_days, zone
from scheduler.domain.intervals import Interval, intersect, normalize, overlaps_any, subtract
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
    tz = zone(rules.timezone)
    begin, finish = window
    if begin >= finish:
        return []
    place = {provider_id: i for i, provider_id in enumerate(rules.providers)}
    providers = [
        p
        for p in rules.qualified(service)
        if (not only.provider_id or p.id == only.provider_id) and p.id != only.avoid_provider_id
    ]
    step = service.slot_step_minutes * 60
    before, after, length = service.before_s, service.after_s, service.duration_s
    slots: list[Slot] = []
    for day in local_days(begin, finish, tz):
        if only.days_of_week and day.isoweekday() not in only.days_of_week:
            continue
        opened = normalize((at(day, r.start, tz), at(day, r.end, tz)) for r in rules.open_on(day))
        if not opened:
            continue
        parts = normalize(
            (at(day, PARTS_OF_DAY[p].start, tz), at(day, PARTS_OF_DAY[p].end, tz))
            for p in only.parts_of_day
        )
        for provider in providers:
            working = normalize(
                (at(day, r.start, tz), at(day, r.end, tz)) for r in provider.working(day)
            )
            free = subtract(intersect(opened, working), busy.providers.get(provider.id, ()))
            for lo, hi in free:
                anchor = next(o for o, c in opened if o <= lo < c)
                start = _grid_start(anchor, max(lo + before, begin), step)
                while start < finish and start + length + after <= hi:
                    if not parts or overlaps_any(parts, start, start + 1):
                        resources = free_resources(
                            service,
                            busy,
                            start - before,
                            start + length + after,
                            place[provider.id],
                        )
                        if resources is not None:
                            slots.append(
                                Slot(service.id, provider.id, resources, start, start + length)
                            )
                    start += step
    return slots
