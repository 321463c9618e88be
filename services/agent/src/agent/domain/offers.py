"""Which concrete slots to offer for a wish: the searches to run, then two or three picks.

A wish is tried as said, then on the same days at any time, then around the
wished day; the patient is told when the offers are not what they asked for.
Picks are spread (other days first, then at least an hour apart) and listed in
time order, so "the later one" means what it says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.domain.state import Offer
from agent.domain.when import PartOfDay, TimeWish

MIN_GAP = timedelta(minutes=60)
CANDIDATES = 40


@dataclass(frozen=True)
class Search:
    """One FindSlots query, in the spa's local terms."""

    start: datetime
    end: datetime
    weekdays: frozenset[int]
    parts: frozenset[PartOfDay]
    near: datetime | None
    wish: TimeWish
    # False when this search no longer matches what the patient said.
    exact: bool


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def searches(wish: TimeWish, now: datetime, tz: ZoneInfo, search_days: int) -> list[Search]:
    """The searches to try in order: the wish, the same days at any time, around the days."""
    local_now = now.astimezone(tz)
    first = max(_midnight(wish.first_day, tz), local_now) if wish.first_day else local_now
    last = (
        _midnight(wish.last_day + timedelta(days=1), tz)
        if wish.last_day
        else local_now + timedelta(days=search_days)
    )
    day = wish.single_day
    near = datetime.combine(day, wish.near, tzinfo=tz) if day and wish.near else None
    plans = [Search(first, last, wish.weekdays, wish.parts, near, wish, True)]
    relaxed = wish.relaxed()
    if relaxed != wish:
        plans.append(Search(first, last, wish.weekdays, frozenset(), None, relaxed, False))
    anchor = wish.first_day or local_now.date()
    around_start = max(local_now, _midnight(anchor - timedelta(days=3), tz))
    around_end = max(_midnight(anchor + timedelta(days=8), tz), local_now + timedelta(days=7))
    center = datetime.combine(anchor, wish.near or wish.after or time(12, 0), tzinfo=tz)
    # The same time of day on the days around ("after 5" when Thursday is a holiday),
    # before any time at all on those days.
    same_hours = TimeWish(parts=wish.parts, after=wish.after, before=wish.before, near=wish.near)
    if same_hours != TimeWish():
        plans.append(
            Search(around_start, around_end, frozenset(), wish.parts, center, same_hours, False)
        )
    plans.append(
        Search(around_start, around_end, frozenset(), frozenset(), center, TimeWish(), False)
    )
    return plans


def pick(found: Sequence[Offer], wish: TimeWish, tz: ZoneInfo, count: int) -> list[Offer]:
    """Up to `count` offers that fit the wish, spread over days and times, in time order."""
    fitting = [o for o in found if wish.allows(o.start.astimezone(tz))]
    if wish.near is not None:

        def distance(o: Offer) -> tuple[float, datetime]:
            local = o.start.astimezone(tz)
            target = datetime.combine(local.date(), wish.near or time(12), tzinfo=tz)
            return abs((local - target).total_seconds()), o.start

        fitting.sort(key=distance)
    chosen: list[Offer] = []
    days: set[date] = set()
    # Other days first: three choices on three days are easier to fit into a week
    # (not for "as soon as possible", where the earliest times are the point).
    if wish.single_day is None and not wish.asap:
        for offer in fitting:
            day = offer.start.astimezone(tz).date()
            if day not in days and len(chosen) < count:
                chosen.append(offer)
                days.add(day)
    for offer in fitting:
        if len(chosen) >= count:
            break
        if offer in chosen:
            continue
        if all(abs(offer.start - c.start) >= MIN_GAP for c in chosen):
            chosen.append(offer)
    return sorted(chosen, key=lambda o: o.start)
