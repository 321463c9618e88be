"""Properties of the slot finder over random calendars, checked by hypothesis.

Every returned slot: its provider is qualified, nothing busy for the provider or
its rooms overlaps it, it fits inside a shift and the opening hours, it starts
on the grid inside the window. And nothing is missed: a brute-force search
minute by minute finds exactly the same slots. Stopping a search early, once
later days cannot change its answer, ranks exactly as every slot would. Days
include both daylight-saving changes in Los Angeles. The slot a hold takes is the
one a search of just its start time would find first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduler_spa import LA, local, make_spa

from scheduler.domain.availability import Booked, Busy, DayFinder, SlotFilter, available_slots
from scheduler.domain.booking import check_hold, slot_for
from scheduler.domain.errors import InvalidRequest
from scheduler.domain.model import PARTS_OF_DAY, PartOfDay
from scheduler.domain.ranking import Ranking, gather, rank

SPA = make_spa()
DAYS = [
    date(2026, 11, 30),
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 7),
    date(2026, 11, 26),
]
PEOPLE = ["ana", "ben", "cam"]
RESOURCES = list(SPA.resources)


@st.composite
def calendars(draw):
    day = draw(st.sampled_from(DAYS))
    origin = local(day, "00:00") - 86_400
    booked = [
        Booked(
            draw(st.sampled_from(PEOPLE)),
            tuple(draw(st.lists(st.sampled_from(RESOURCES), max_size=2, unique=True))),
            start := origin + draw(st.integers(0, 3 * 288)) * 300,
            start + draw(st.integers(1, 36)) * 300,
        )
        for _ in range(draw(st.integers(0, 25)))
    ]
    begin = origin + draw(st.integers(0, 2 * 96)) * 900
    end = begin + draw(st.integers(1, 3 * 96)) * 900 + draw(st.integers(0, 899))
    only = SlotFilter(
        days_of_week=frozenset(draw(st.lists(st.integers(1, 7), max_size=3))),
        parts_of_day=frozenset(draw(st.lists(st.sampled_from(list(PartOfDay)), max_size=2))),
        provider_id=draw(st.sampled_from(["", "", "ana", "ben"])),
        avoid_provider_id=draw(st.sampled_from(["", "", "ana", "ben"])),
    )
    service = SPA.services[draw(st.sampled_from(sorted(SPA.services)))]
    return service, Busy.of(booked), (begin, end), only


def local_day(instant: int) -> date:
    return datetime.fromtimestamp(instant, LA).date()


def inside(ranges, day: date, lo: int, hi: int):
    """The range (as instants) of `ranges` on `day` that holds [lo, hi), or None."""
    for r in ranges:
        start, end = local(day, r.start.isoformat()), local(day, r.end.isoformat())
        if start <= lo and hi <= end:
            return start, end
    return None


def clashes(intervals, lo: int, hi: int) -> bool:
    return any(s < hi and lo < e for s, e in intervals)


def part_ok(only: SlotFilter, day: date, start: int) -> bool:
    if not only.parts_of_day:
        return True
    for part in only.parts_of_day:
        wall = PARTS_OF_DAY[part]
        lo = local(day, wall.start.isoformat())
        hi = (
            local(day + timedelta(days=1), "00:00")
            if wall.end.hour == 23
            else local(day, wall.end.isoformat())
        )
        if lo <= start < hi:
            return True
    return False


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars())
def test_every_slot_is_really_free_qualified_and_inside_hours(case):
    service, busy, (begin, end), only = case
    for slot in available_slots(SPA, service, busy, (begin, end), only):
        provider = SPA.providers[slot.provider_id]
        assert provider.credential in service.credentials
        assert service.id in provider.service_ids
        lo, hi = service.blocked(slot.start)
        assert not clashes(busy.providers.get(provider.id, ()), lo, hi)
        assert len(slot.resource_ids) == len(service.resource_needs)
        assert len(set(slot.resource_ids)) == len(slot.resource_ids)
        for resource_id, need in zip(slot.resource_ids, service.resource_needs, strict=True):
            assert resource_id in need
            assert not clashes(busy.resources.get(resource_id, ()), lo, hi)
        day = local_day(lo)
        assert inside(provider.working(day), day, lo, hi), "fits a shift, outside breaks"
        opened = inside(SPA.open_on(day), day, lo, hi)
        assert opened, "fits the opening hours"
        assert (slot.start - opened[0]) % (service.slot_step_minutes * 60) == 0
        assert begin <= slot.start < end
        assert slot.end - slot.start == service.duration_minutes * 60


def brute_force(service, busy, window, only):
    """Try every grid start of every opening range of every day, one by one."""
    begin, end = window
    found = []
    first, last = local_day(begin - 86_400), local_day(end + 86_400)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    step = service.slot_step_minutes * 60
    for day in days:
        if only.days_of_week and day.isoweekday() not in only.days_of_week:
            continue
        for provider in SPA.providers.values():
            if not provider.can_perform(service):
                continue
            if only.provider_id and provider.id != only.provider_id:
                continue
            if provider.id == only.avoid_provider_id:
                continue
            for r in SPA.open_on(day):
                start = local(day, r.start.isoformat())
                while start < local(day, r.end.isoformat()):
                    lo, hi = service.blocked(start)
                    if (
                        begin <= start < end
                        and local_day(lo) == day
                        and inside([r], day, lo, hi)
                        and inside(provider.working(day), day, lo, hi)
                        and not clashes(busy.providers.get(provider.id, ()), lo, hi)
                        and part_ok(only, day, start)
                    ):
                        chosen = []
                        place = list(SPA.providers).index(provider.id)
                        for need in service.resource_needs:
                            turned = need[place % len(need) :] + need[: place % len(need)]
                            free = [
                                x
                                for x in turned
                                if x not in chosen
                                and not clashes(busy.resources.get(x, ()), lo, hi)
                            ]
                            if not free:
                                break
                            chosen.append(free[0])
                        else:
                            found.append((provider.id, start, tuple(chosen)))
                    start += step
    return sorted(found)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars())
def test_nothing_bookable_is_missed(case):
    service, busy, window, only = case
    slots = available_slots(SPA, service, busy, window, only)
    assert sorted((s.provider_id, s.start, s.resource_ids) for s in slots) == brute_force(
        service, busy, window, only
    )


@st.composite
def searches(draw):
    """A busy fortnight (with both daylight-saving changes possible) and a ranking wish."""
    day = draw(st.sampled_from(DAYS))
    origin = local(day, "00:00") - 3 * 86_400
    booked = [
        Booked(
            draw(st.sampled_from(PEOPLE)),
            tuple(draw(st.lists(st.sampled_from(RESOURCES), max_size=1))),
            start := origin + draw(st.integers(0, 14 * 96)) * 900,
            start + draw(st.integers(1, 12)) * 900,
        )
        for _ in range(draw(st.integers(0, 40)))
    ]
    begin = origin + draw(st.integers(0, 3 * 96)) * 900
    window = (begin, begin + draw(st.integers(1, 8 * 96)) * 900)
    near = draw(st.none() | st.integers(origin - 86_400, origin + 16 * 86_400))
    how = Ranking(
        near=near,
        max_results=draw(st.integers(0, 12)),
        spread_across_days=draw(st.booleans()),
        distinct_times=draw(st.booleans()),
    )
    only = SlotFilter(
        days_of_week=frozenset(draw(st.lists(st.integers(1, 7), max_size=2))),
        provider_id=draw(st.sampled_from(["", "", "ana", "ben"])),
    )
    service = SPA.services[draw(st.sampled_from(sorted(SPA.services)))]
    return service, Busy.of(booked), window, only, how


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(searches())
def test_stopping_early_ranks_exactly_as_every_slot_would(case):
    service, busy, window, only, how = case
    order = list(SPA.providers)
    everything = available_slots(SPA, service, busy, window, only)
    early = gather(DayFinder(SPA, service, busy, window, only), how)
    assert rank(early, how, SPA.timezone, order) == rank(everything, how, SPA.timezone, order)


@st.composite
def holds(draw):
    """A busy day (daylight-saving days included) and a hold at a quarter hour of it
    (mostly inside opening hours; the rest are refused by `check_hold`)."""
    day = draw(st.sampled_from(DAYS))
    origin = local(day, "00:00")
    booked = [
        Booked(
            draw(st.sampled_from(PEOPLE)),
            tuple(draw(st.lists(st.sampled_from(RESOURCES), max_size=2, unique=True))),
            start := origin + draw(st.integers(-12, 288)) * 300,
            start + draw(st.integers(1, 36)) * 300,
        )
        for _ in range(draw(st.integers(0, 25)))
    ]
    service = SPA.services[draw(st.sampled_from(sorted(SPA.services)))]
    provider_id = draw(st.sampled_from(["", "", "ana", "ben", "cam"]))
    start = origin + draw(st.integers(32, 80)) * 900
    return service, provider_id, start, Busy.of(booked)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(holds())
def test_the_slot_a_hold_takes_is_the_one_a_search_of_its_time_finds_first(case):
    service, provider_id, start, busy = case
    now = start - 30 * 86_400
    try:
        plan = check_hold(SPA, service.id, provider_id, datetime.fromtimestamp(start, LA), now)
    except InvalidRequest:
        return
    only = SlotFilter(provider_id=provider_id)
    searched = available_slots(SPA, service, busy, (start, start + 1), only)
    assert slot_for(SPA, plan, busy) == (searched[0] if searched else None)
