"""Waitlist wishes: checked with the field named, and which entries a freed slot suits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scheduler_spa import LA, MONDAY, NOW, local

from scheduler.domain.model import PartOfDay
from scheduler.domain.waitlist import (
    Entry,
    EntryStatus,
    OpenSlot,
    RawWishes,
    Wishes,
    check_wishes,
    in_line,
    suits,
)

TUESDAY = MONDAY + timedelta(days=1)


def waiting(wishes=Wishes(), provider_id="", n=0, service_id="botox") -> Entry:
    return Entry(
        id=f"e{n}",
        spa_id="glow",
        patient_id=f"p{n}",
        service_id=service_id,
        provider_id=provider_id,
        wishes=wishes,
        status=EntryStatus.WAITING,
        created_at=NOW + n,
    )


def opened(clock="10:00", day=TUESDAY, minutes=30, provider_id="ana") -> OpenSlot:
    start = local(day, clock)
    return OpenSlot("botox", provider_id, start, start + minutes * 60)


def problems(raw: RawWishes) -> list[tuple[str, str]]:
    return [(p.field, p.reason) for p in check_wishes(raw, NOW)[1]]


def test_good_wishes_are_read():
    wishes, bad = check_wishes(
        RawWishes(
            days_of_week=(2, 4),
            parts_of_day=(1,),
            earliest="09:30",
            latest="24:00",
            not_before=NOW,
            not_after=NOW + 86_400,
        ),
        NOW,
    )
    assert bad == []
    assert wishes == Wishes(
        frozenset({2, 4}), frozenset({PartOfDay.MORNING}), time(9, 30), time.max, NOW, NOW + 86_400
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (RawWishes(days_of_week=(0, 8)), [("preferences.days_of_week", "bad_weekday")]),
        (RawWishes(parts_of_day=(9,)), [("preferences.parts_of_day", "bad_part_of_day")]),
        (RawWishes(earliest="9am"), [("preferences.earliest_time", "bad_time")]),
        (RawWishes(latest="25:00"), [("preferences.latest_time", "bad_time")]),
        (RawWishes(earliest="9:5"), [("preferences.earliest_time", "bad_time")]),
        (
            RawWishes(earliest="15:00", latest="14:00"),
            [("preferences.latest_time", "empty_window")],
        ),
        (RawWishes(not_after=NOW), [("preferences.not_after", "in_past")]),
        (
            RawWishes(not_before=NOW + 7200, not_after=NOW + 3600),
            [("preferences.not_after", "empty_window")],
        ),
        (
            RawWishes(days_of_week=(9,), earliest="x", latest="y"),
            [
                ("preferences.days_of_week", "bad_weekday"),
                ("preferences.earliest_time", "bad_time"),
                ("preferences.latest_time", "bad_time"),
            ],
        ),
    ],
)
def test_bad_wishes_name_the_field(raw, expected):
    assert problems(raw) == expected


@pytest.mark.parametrize(
    ("wishes", "slot", "fits"),
    [
        (Wishes(), opened(), True),
        (Wishes(days_of_week=frozenset({2})), opened(), True),
        (Wishes(days_of_week=frozenset({1, 3})), opened(), False),
        (Wishes(parts_of_day=frozenset({PartOfDay.MORNING})), opened("11:45"), True),
        (Wishes(parts_of_day=frozenset({PartOfDay.MORNING})), opened("12:00"), False),
        (Wishes(parts_of_day=frozenset({PartOfDay.EVENING})), opened("17:00"), True),
        (Wishes(earliest=time(10, 0)), opened("10:00"), True),
        (Wishes(earliest=time(10, 0)), opened("09:45"), False),
        (Wishes(latest=time(10, 30)), opened("10:00"), True),
        (Wishes(latest=time(10, 30)), opened("10:15"), False),
        (Wishes(latest=time.max), opened("23:45", minutes=30), False),
        (Wishes(not_before=local(TUESDAY, "10:00")), opened(), True),
        (Wishes(not_before=local(TUESDAY, "10:01")), opened(), False),
        (Wishes(not_after=local(TUESDAY, "10:01")), opened(), True),
        (Wishes(not_after=local(TUESDAY, "10:00")), opened(), False),
    ],
)
def test_a_slot_suits_the_wishes(wishes, slot, fits):
    assert suits(waiting(wishes), slot, LA) is fits


def test_a_named_provider_or_anyone_and_the_same_service_only():
    slot = opened(provider_id="ben")
    assert suits(waiting(provider_id="ben"), slot, LA)
    assert suits(waiting(provider_id=""), slot, LA)
    assert not suits(waiting(provider_id="ana"), slot, LA)
    assert not suits(waiting(service_id="laser"), slot, LA)
    assert not suits(replace(waiting(), status=EntryStatus.REMOVED), slot, LA)


def test_wishes_are_read_on_the_spas_wall_clock_across_daylight_saving():
    # 2027-03-14 springs forward in Los Angeles: 10:00 is still "morning", still 10:00.
    sunday = date(2027, 3, 14)
    morning = Wishes(parts_of_day=frozenset({PartOfDay.MORNING}), earliest=time(10, 0))
    assert suits(waiting(morning), opened("10:00", day=sunday), LA)
    assert not suits(waiting(morning), opened("09:45", day=sunday), LA)


def test_the_line_is_first_come_first_with_a_limit():
    entries = [waiting(n=n) for n in (3, 1, 2)] + [
        waiting(Wishes(days_of_week=frozenset({5})), n=0)
    ]
    assert [e.id for e in in_line(entries, opened(), LA, 10)] == ["e1", "e2", "e3"]
    assert [e.id for e in in_line(entries, opened(), LA, 2)] == ["e1", "e2"]


days = st.frozensets(st.integers(1, 7), max_size=3)
parts = st.frozensets(st.sampled_from(list(PartOfDay)), max_size=2)
minutes = st.integers(0, 24 * 60 - 15).map(lambda m: time(m // 60, m % 60))


@given(
    st.lists(st.tuples(days, parts, st.none() | minutes), max_size=12),
    st.integers(0, 14 * 96 - 1),
    st.integers(1, 5),
)
def test_the_line_only_ever_holds_suited_entries_in_arrival_order(wants, quarter, limit):
    entries = [
        waiting(Wishes(d, p, earliest=e), n=n) for n, (d, p, e) in enumerate(reversed(wants))
    ]
    start = NOW + quarter * 900
    slot = OpenSlot("botox", "ana", start, start + 1800)
    line = in_line(entries, slot, LA, limit)
    assert len(line) <= limit
    assert all(suits(e, slot, LA) for e in line)
    assert [e.created_at for e in line] == sorted(e.created_at for e in line)
    left_out = [e for e in entries if e not in line and suits(e, slot, LA)]
    assert len(line) == limit or not left_out
    assert all(e.created_at > line[-1].created_at for e in left_out)
