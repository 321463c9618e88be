"""Which slots to offer for a wish: fitting, spread, in time order."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from agent.domain.offers import pick, searches
from agent.domain.state import Offer
from agent.domain.when import PartOfDay, TimeWish

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Monday 10 AM in Los Angeles


def slot(day: int, hour: int, minute: int = 0) -> Offer:
    start = datetime(2026, 11, day, hour, minute, tzinfo=LA)
    return Offer("botox", "p1", "Sofia Ramirez, NP", start, start + timedelta(minutes=30))


FOUND = [slot(d, h, m) for d in (24, 25, 26) for h in range(9, 19) for m in (0, 30)]


def test_other_days_first_then_in_time_order() -> None:
    picked = pick(FOUND, TimeWish(), LA, 3)
    assert [o.start.day for o in picked] == [24, 25, 26]
    assert picked == sorted(picked, key=lambda o: o.start)


def test_one_day_spreads_over_the_day() -> None:
    wish = TimeWish(first_day=date(2026, 11, 25), last_day=date(2026, 11, 25))
    picked = pick(FOUND, wish, LA, 3)
    assert {o.start.day for o in picked} == {25}
    gaps = [b.start - a.start for a, b in itertools.pairwise(picked)]
    assert all(g >= timedelta(hours=1) for g in gaps)


def test_around_a_time_means_nearest_first() -> None:
    wish = TimeWish(first_day=date(2026, 11, 25), last_day=date(2026, 11, 25), near=time(14))
    picked = pick(FOUND, wish, LA, 3)
    assert [o.start.astimezone(LA).hour for o in picked] == [13, 14, 15]


def test_after_five_and_evening_parts() -> None:
    after = TimeWish(after=time(17))
    assert all(o.start.astimezone(LA).hour >= 17 for o in pick(FOUND, after, LA, 3))
    evening = TimeWish(parts=frozenset({PartOfDay.EVENING}))
    assert all(o.start.astimezone(LA).hour >= 17 for o in pick(FOUND, evening, LA, 3))


def test_searches_relax_from_the_wish_to_around_it() -> None:
    wish = TimeWish(first_day=date(2026, 11, 30), last_day=date(2026, 11, 30), near=time(14))
    plans = searches(wish, NOW, LA, 14)
    assert [p.exact for p in plans] == [True, False, False, False]
    assert plans[0].near == datetime(2026, 11, 30, 14, tzinfo=LA)
    # The same day at any time, then the days around at the same time, then at any time.
    assert plans[1].wish.near is None and plans[1].start.date() == date(2026, 11, 30)
    assert plans[2].wish.near == time(14) and plans[2].wish.first_day is None
    assert plans[3].wish == TimeWish()
    assert plans[3].start <= plans[0].start and plans[3].end > plans[0].end


@given(st.lists(st.sampled_from(FOUND), max_size=30), st.integers(1, 4), st.sampled_from([
    TimeWish(), TimeWish(asap=True), TimeWish(after=time(15)), TimeWish(near=time(11)),
    TimeWish(first_day=date(2026, 11, 26), last_day=date(2026, 11, 26)),
]))  # fmt: skip
def test_picks_are_offered_fitting_few_and_ordered(
    found: list[Offer], count: int, wish: TimeWish
) -> None:
    picked = pick(found, wish, LA, count)
    assert len(picked) <= count
    assert all(o in found and wish.allows(o.start.astimezone(LA)) for o in picked)
    assert picked == sorted(picked, key=lambda o: o.start)
    assert len({o.start for o in picked}) == len(picked)
