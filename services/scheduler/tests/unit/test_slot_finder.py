"""The slot finder over a small Los Angeles spa: table tests, then the daylight-saving days."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduler_spa import BEN, LA, MONDAY, NOW, local, make_spa, week

from scheduler.domain.availability import Booked, Busy, DayFinder, SlotFilter, available_slots
from scheduler.domain.errors import InvalidRequest
from scheduler.domain.model import PartOfDay, ServiceRule
from scheduler.domain.ranking import Ranking, gather, rank
from scheduler.domain.slots import (
    ALTERNATIVES,
    CLOSE_REACH,
    FULL_REACH,
    NEAR_REACH,
    SlotQuery,
    alternatives,
    alternatives_window,
    find_slots,
    search_window,
)


def day_window(day: date, start: str = "00:00", end: str = "23:59") -> tuple[int, int]:
    return local(day, start), local(day, end)


def clock(instant: int) -> str:
    return datetime.fromtimestamp(instant, LA).strftime("%H:%M")


def starts(slots, provider_id: str | None = None) -> list[str]:
    return [clock(s.start) for s in slots if provider_id in (None, s.provider_id)]


def test_a_plain_monday(spa):
    slots = available_slots(spa, spa.services["botox"], Busy(), day_window(MONDAY))
    ana = starts(slots, "ana")
    # Opens 09:00; the morning ends at the 12:00 break: 30 min + 10 min buffer fits at 11:15.
    assert ana[0] == "09:00"
    assert "11:15" in ana and "11:30" not in ana
    assert "12:30" not in ana and "13:00" in ana
    assert ana[-1] == "16:15"
    ben = starts(slots, "ben")
    assert (ben[0], ben[-1]) == ("10:00", "17:15")
    assert not starts(slots, "cam"), "an esthetician never does Botox"


def test_a_busy_provider_is_not_offered_over_the_busy_time(spa):
    busy = Busy.of([Booked("ana", (), local(MONDAY, "10:00"), local(MONDAY, "10:40"))])
    ana = starts(available_slots(spa, spa.services["botox"], busy, day_window(MONDAY)), "ana")
    assert "09:15" in ana
    assert not {"09:30", "09:45", "10:00", "10:15", "10:30"} & set(ana)
    assert "10:45" in ana


def test_the_room_must_be_free_whoever_the_provider(spa):
    rooms = ("room-1", "room-2")
    busy = Busy.of([Booked("other", rooms, local(MONDAY, "14:00"), local(MONDAY, "15:00"))])
    botox = spa.services["botox"]
    slots = available_slots(spa, botox, busy, day_window(MONDAY))
    lo, hi = local(MONDAY, "14:00"), local(MONDAY, "15:00")
    assert slots
    assert not [
        s for s in slots if botox.blocked(s.start)[0] < hi and botox.blocked(s.start)[1] > lo
    ]


def test_a_second_room_is_used_when_the_first_is_taken(spa):
    busy = Busy.of([Booked("other", ("room-1",), local(MONDAY, "09:00"), local(MONDAY, "19:00"))])
    slots = available_slots(spa, spa.services["botox"], busy, day_window(MONDAY))
    assert slots and {s.resource_ids for s in slots} == {("room-2",)}


def test_every_resource_a_service_needs_must_be_free(spa):
    laser = spa.services["laser"]
    busy = Busy.of(
        [Booked("other", ("laser-device",), local(MONDAY, "09:00"), local(MONDAY, "14:00"))]
    )
    slots = available_slots(spa, laser, busy, day_window(MONDAY))
    # 5 min before is part of the block: 14:00 is the device's first free minute.
    assert starts(slots)[0] == "14:15"
    assert all(s.resource_ids == ("laser-room", "laser-device") for s in slots)


def test_buffers_before_push_the_first_slot_onto_the_next_step(spa):
    slots = available_slots(spa, spa.services["laser"], Busy(), day_window(MONDAY))
    assert starts(slots, "ben")[0] == "10:15"


def test_time_off_and_closures_remove_whole_days(spa):
    monday_off = date(2026, 12, 14)
    slots = available_slots(spa, spa.services["botox"], Busy(), day_window(monday_off))
    assert starts(slots) and not starts(slots, "ana")
    thanksgiving = date(2026, 11, 26)
    assert available_slots(spa, spa.services["botox"], Busy(), day_window(thanksgiving)) == []


def test_the_slot_step_is_the_services(spa):
    slots = available_slots(spa, spa.services["filler"], Busy(), day_window(MONDAY))
    assert starts(slots, "ana")[:3] == ["09:00", "09:30", "10:00"]


def query(**fields) -> SlotQuery:
    return SlotQuery(service_id=fields.pop("service_id", "botox"), **fields)


def test_lead_time_and_window(spa):
    now = local(MONDAY, "09:30")
    found = find_slots(spa, query(max_results=1), Busy(), now)
    assert clock(found[0].start) == "11:30"


def test_the_horizon_caps_the_search(spa):
    far = NOW + 59 * 86_400
    found = find_slots(spa, query(start=far, end=far + 10 * 86_400, max_results=100), Busy(), NOW)
    assert found and max(s.start for s in found) <= NOW + 60 * 86_400


@pytest.mark.parametrize(
    ("preference", "check"),
    [
        (
            {"days_of_week": frozenset({2})},
            lambda s: datetime.fromtimestamp(s.start, LA).isoweekday() == 2,
        ),
        (
            {"parts_of_day": frozenset({PartOfDay.AFTERNOON})},
            lambda s: "12:00" <= clock(s.start) < "17:00",
        ),
        ({"parts_of_day": frozenset({PartOfDay.EVENING})}, lambda s: clock(s.start) >= "17:00"),
        ({"provider_id": "ben"}, lambda s: s.provider_id == "ben"),
        ({"avoid_provider_id": "ana"}, lambda s: s.provider_id == "ben"),
    ],
)
def test_preferences_filter(spa, preference, check):
    found = find_slots(spa, query(max_results=50, **preference), Busy(), NOW)
    assert found and all(check(s) for s in found)


def test_results_are_earliest_first_with_one_slot_per_time(spa):
    found = find_slots(spa, query(max_results=20), Busy(), NOW)
    assert [s.start for s in found] == sorted({s.start for s in found})
    assert found[0].provider_id == "ana", "ties go to the provider the spa lists first"


def test_near_ranks_by_distance(spa):
    two_pm = local(MONDAY, "14:00")
    found = find_slots(spa, query(near=two_pm, max_results=3), Busy(), NOW)
    assert [clock(s.start) for s in found] == ["14:00", "13:45", "14:15"]


def test_spread_across_days_gives_one_per_day_first(spa):
    found = find_slots(spa, query(max_results=4, spread_across_days=True), Busy(), NOW)
    days = [datetime.fromtimestamp(s.start, LA).date() for s in found]
    assert len(set(days)) == 4
    assert days == sorted(days)


def test_max_results_defaults_and_caps(spa):
    assert len(find_slots(spa, query(), Busy(), NOW)) == 10
    assert len(find_slots(spa, query(max_results=1000), Busy(), NOW)) == 100


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_id": "nope"}, "service_id"),
        ({"provider_id": "zed"}, "preferences.provider_id"),
        ({"provider_id": "cam"}, "preferences.provider_id"),
        ({"avoid_provider_id": "zed"}, "preferences.avoid_provider_id"),
        ({"days_of_week": frozenset({0, 8})}, "preferences.days_of_week"),
        ({"start": NOW + 100, "end": NOW}, "to"),
    ],
)
def test_bad_queries_name_the_field(spa, fields, field):
    with pytest.raises(InvalidRequest) as refused:
        find_slots(spa, query(**fields), Busy(), NOW)
    assert [v.field for v in refused.value.violations] == [field]


# Daylight saving in Los Angeles: 2026-03-08 springs forward at 02:00, 2026-11-01 falls back.
SPRING = date(2026, 3, 8)
FALL = date(2026, 11, 1)
PLAIN_SUNDAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("day", "utc_open"), [(SPRING, "16:00"), (FALL, "17:00"), (PLAIN_SUNDAY, "16:00")]
)
def test_opening_time_follows_the_wall_clock_across_dst(spa, day, utc_open):
    slots = available_slots(spa, spa.services["botox"], Busy(), day_window(day))
    assert clock(slots[0].start) == "09:00"
    assert datetime.fromtimestamp(slots[0].start, UTC).strftime("%H:%M") == utc_open
    plain = available_slots(spa, spa.services["botox"], Busy(), day_window(PLAIN_SUNDAY))
    assert len(starts(slots)) == len(starts(plain))


NIGHT = ServiceRule(
    id="night",
    name="Night visit",
    duration_minutes=60,
    credentials=frozenset({"RN"}),
    lead_time_hours=0,
    slot_step_minutes=60,
)


def night_spa():
    night_week = week(sunday="00:00-05:00")
    return make_spa(
        hours=night_week,
        services={"night": NIGHT},
        providers={"ben": replace(BEN, service_ids=frozenset({"night"}), week=night_week)},
        closures=(),
    )


def test_spring_forward_night_has_four_real_hours_and_no_two_oclock():
    slots = available_slots(
        night_spa(), NIGHT, Busy(), (local(SPRING, "00:00"), local(SPRING, "05:00"))
    )
    assert starts(slots) == ["00:00", "01:00", "03:00", "04:00"]
    assert [s.end - s.start for s in slots] == [3600] * 4
    assert all(b.start >= a.end for a, b in itertools.pairwise(slots))


def test_fall_back_night_has_six_real_hours_and_one_oclock_twice():
    begin = local(FALL, "00:00")
    end = begin + 6 * 3600
    slots = available_slots(night_spa(), NIGHT, Busy(), (begin, end))
    assert starts(slots) == ["00:00", "01:00", "01:00", "02:00", "03:00", "04:00"]
    assert [b.start - a.start for a, b in itertools.pairwise(slots)] == [3600] * 5


def test_a_filter_only_narrows(spa):
    every = available_slots(spa, spa.services["botox"], Busy(), day_window(MONDAY))
    morning = available_slots(
        spa,
        spa.services["botox"],
        Busy(),
        day_window(MONDAY),
        SlotFilter(parts_of_day=frozenset({PartOfDay.MORNING})),
    )
    assert set(morning) < set(every)
    assert all(clock(s.start) < "12:00" for s in morning)


class CountingFinder(DayFinder):
    """A finder that remembers which days it was asked to work out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.visited: list[date] = []

    def on(self, day):
        self.visited.append(day)
        return super().on(day)


@pytest.mark.parametrize(
    ("busy_days", "how", "visited"),
    [
        (0, Ranking(max_results=10), 1),
        (2, Ranking(max_results=10), 3),
        (0, Ranking(max_results=3, spread_across_days=True), 3),
        (0, Ranking(near=local(MONDAY, "14:00") + 3 * 86_400, max_results=3), 1),
    ],
)
def test_a_search_works_out_only_the_days_its_answer_needs(spa, busy_days, how, visited):
    # Fill the first days completely so the answer has to come from later ones.
    full = [
        Booked(
            p,
            ("room-1", "room-2"),
            local(MONDAY + timedelta(days=d), "00:00"),
            local(MONDAY + timedelta(days=d), "23:59"),
        )
        for d in range(busy_days)
        for p in ("ana", "ben")
    ]
    busy = Busy.of(full)
    botox = spa.services["botox"]
    window = search_window(botox, query(), NOW)
    finder = CountingFinder(spa, botox, busy, window)
    found = rank(gather(finder, how), how, spa.timezone, list(spa.providers))
    everything = rank(
        available_slots(spa, botox, busy, window), how, spa.timezone, list(spa.providers)
    )
    assert found == everything
    assert len(finder.visited) == visited


def test_alternatives_a_day_either_side_are_the_nearest_of_the_week(spa):
    botox = spa.services["botox"]
    two_pm = local(MONDAY, "14:00") + 86_400
    busy = Busy.of([Booked(p, (), two_pm - 3600, two_pm + 3600) for p in ("ana", "ben")])
    found = [
        alternatives(spa, botox, busy, two_pm, alternatives_window(botox, two_pm, NOW, reach))
        for reach in (CLOSE_REACH, NEAR_REACH, FULL_REACH)
    ]
    assert len(found[0]) == 3 and found[0] == found[1] == found[2]
    assert [clock(s.start) for s in found[0]] == ["15:00", "15:15", "15:30"]


def test_a_short_reach_that_finds_too_few_gives_way_to_a_longer_one(spa):
    botox = spa.services["botox"]
    two_pm = local(MONDAY, "14:00") + 86_400
    busy = Busy.of([Booked(p, (), two_pm - 4 * 3600, two_pm + 4 * 3600) for p in ("ana", "ben")])
    close = alternatives_window(botox, two_pm, NOW, CLOSE_REACH)
    assert alternatives(spa, botox, busy, two_pm, close) == []
    near = alternatives(
        spa, botox, busy, two_pm, alternatives_window(botox, two_pm, NOW, NEAR_REACH)
    )
    wide = alternatives(
        spa, botox, busy, two_pm, alternatives_window(botox, two_pm, NOW, FULL_REACH)
    )
    assert len(near) == 3 and near == wide
    assert all(abs(s.start - two_pm) >= 4 * 3600 for s in near)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["ana", "ben"]), st.integers(0, 5 * 96), st.integers(1, 16)),
        max_size=60,
    ),
    st.integers(0, 4 * 96),
)
def test_any_reach_that_finds_enough_gives_the_widest_reachs_answer(taken, at_quarter):
    spa = make_spa()
    botox = spa.services["botox"]
    origin = local(MONDAY, "00:00")
    busy = Busy.of([Booked(p, (), origin + q * 900, origin + (q + n) * 900) for p, q, n in taken])
    near = origin + at_quarter * 900
    now = origin - 7 * 86_400
    widest = alternatives(spa, botox, busy, near, alternatives_window(botox, near, now, FULL_REACH))
    for reach in (CLOSE_REACH, NEAR_REACH):
        found = alternatives(spa, botox, busy, near, alternatives_window(botox, near, now, reach))
        if len(found) == ALTERNATIVES:
            assert found == widest
