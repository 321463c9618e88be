"""Which of the available slots to offer, best first.

Earliest first, or nearest first to a wished-for time ("around 2pm"); one slot
per start time, since two providers at 2pm is one choice for a caller; and,
when asked, spread across days so the caller hears options on several days.
Ties go to the provider listed first by the spa.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from scheduler.domain.availability import DayFinder, Slot
from scheduler.domain.clock import at, local_date, zone

DEFAULT_MAX_RESULTS = 10
MAX_RESULTS = 100


@dataclass(frozen=True, slots=True)
class Ranking:
    near: int | None = None
    max_results: int = DEFAULT_MAX_RESULTS
    spread_across_days: bool = False
    distinct_times: bool = True


def result_limit(max_results: int) -> int:
    """How many slots a search answers with: the default when unset, never past the cap."""
    return max(1, min(max_results or DEFAULT_MAX_RESULTS, MAX_RESULTS))


def rank(
    slots: Sequence[Slot], how: Ranking, timezone: str, provider_order: Sequence[str]
) -> list[Slot]:
    order = {provider_id: i for i, provider_id in enumerate(provider_order)}
    near = how.near
    if near is None:
        ranked = sorted(slots, key=lambda s: (s.start, order.get(s.provider_id, 0)))
    else:
        ranked = sorted(
            slots, key=lambda s: (abs(s.start - near), s.start, order.get(s.provider_id, 0))
        )
    if how.distinct_times:
        seen: set[int] = set()
        unique = []
        for slot in ranked:
            if slot.start not in seen:
                seen.add(slot.start)
                unique.append(slot)
        ranked = unique
    limit = result_limit(how.max_results)
    if how.spread_across_days:
        ranked = _spread(ranked, timezone, limit)
    return ranked[:limit]


def _spread(ranked: list[Slot], timezone: str, limit: int) -> list[Slot]:
    """Round-robin over days, each day in the order of its best slot."""
    tz = zone(timezone)
    by_day: dict[object, list[Slot]] = {}
    for slot in ranked:
        by_day.setdefault(local_date(slot.start, tz), []).append(slot)
    days = list(by_day.values())
    out: list[Slot] = []
    depth = 0
    while len(out) < limit and any(depth < len(d) for d in days):
        out.extend(d[depth] for d in days if depth < len(d))
        depth += 1
    return out[:limit]


def gather(finder: DayFinder, how: Ranking) -> list[Slot]:
    """Just the days `rank` needs to give the answer it would give over the whole window.

    Days are visited earliest first, or nearest to `near` first; once the answer is
    settled no day still unvisited can change it, so the rest of a long window is never
    worked out. (`test_slot_finder` checks this against ranking every slot.)
    """
    limit = result_limit(how.max_results)
    near = how.near
    days = finder.days()
    if near is not None:
        days.sort(key=lambda day: (_gap(finder, day, near), day))
    found: list[Slot] = []
    # Each choice `rank` can offer so far (a day when spreading, else a start time or a
    # slot) with how far it is from what is wished for (the start itself when earliest).
    keys: dict[object, int] = {}
    for n, day in enumerate(days):
        today = finder.on(day)
        found.extend(today)
        for slot in today:
            key: object = (slot.start, slot.provider_id)
            if how.spread_across_days:
                key = day
            elif how.distinct_times:
                key = slot.start
            distance = abs(slot.start - near) if near is not None else slot.start
            keys[key] = min(distance, keys.get(key, distance))
        if len(keys) < limit:
            continue
        if near is None or n + 1 == len(days):
            break
        # Strictly nearer: a later day's slot at the same distance could still win a tie.
        if sorted(keys.values())[limit - 1] < _gap(finder, days[n + 1], near):
            break
    return found


def _gap(finder: DayFinder, day: date, near: int) -> int:
    """How close to `near` any slot starting on `day` can be."""
    first = at(day, time(0), finder.tz)
    last = at(day, time.max, finder.tz) - 1
    return max(first - near, near - last, 0)
