"""Quiet hours in local time, across US time zones and daylight-saving edges.

The properties hold for any instant, any US zone and any quiet window (the spa default
21:00-08:00 and arbitrary ones, wrapping midnight or not), with instants drawn both
broadly and within a day and a half of every DST change from 2020 to 2030.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.domain.quiet_hours import is_quiet, next_allowed, wall, wall_time_at_or_after
from spa_config import QuietHours

US_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Indiana/Indianapolis",
    "America/Boise",
    "America/Puerto_Rico",
]
DEFAULT = QuietHours()


def _dst_changes() -> list[datetime]:
    """Every instant a US zone changes its UTC offset, 2020-2030 (found hour by hour)."""
    out: list[datetime] = []
    for name in US_ZONES:
        tz = ZoneInfo(name)
        for year in range(2020, 2031):
            for month in (3, 11):
                moment = datetime(year, month, 1, tzinfo=UTC)
                end = moment + timedelta(days=31)
                while moment < end:
                    step = moment + timedelta(hours=1)
                    if moment.astimezone(tz).utcoffset() != step.astimezone(tz).utcoffset():
                        out.append(step)
                    moment = step
    return out


DST_CHANGES = _dst_changes()
zones = st.sampled_from(US_ZONES).map(ZoneInfo)
clock = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
windows = st.one_of(
    st.just(DEFAULT),
    st.tuples(clock, clock)
    .filter(lambda w: w[0] != w[1])
    .map(lambda w: QuietHours(start=w[0], end=w[1])),
)
anywhere = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
near_dst = st.tuples(st.sampled_from(DST_CHANGES), st.integers(-36 * 3600, 36 * 3600)).map(
    lambda pair: pair[0] + timedelta(seconds=pair[1])
)
instants = st.one_of(anywhere, near_dst)


def test_the_zones_do_change_clocks() -> None:
    # Phoenix, Honolulu and Puerto Rico never change; the other seven do, twice a year.
    assert len(DST_CHANGES) == 7 * 11 * 2


@settings(max_examples=600, deadline=None)
@given(moment=instants, tz=zones, quiet=windows)
def test_the_answer_is_never_quiet_and_never_early(
    moment: datetime, tz: ZoneInfo, quiet: QuietHours
) -> None:
    allowed = next_allowed(moment, tz, quiet)
    assert allowed >= moment
    assert not is_quiet(allowed, tz, quiet)


@settings(max_examples=600, deadline=None)
@given(moment=instants, tz=zones, quiet=windows)
def test_nothing_waits_longer_than_it_must(
    moment: datetime, tz: ZoneInfo, quiet: QuietHours
) -> None:
    allowed = next_allowed(moment, tz, quiet)
    if not is_quiet(moment, tz, quiet):
        assert allowed == moment
        return
    # Queued until the quiet stretch ends: a second earlier it was still quiet.
    assert is_quiet(allowed - timedelta(seconds=1), tz, quiet)
    # And never longer than the stretch itself, give or take a clock change.
    start = datetime.combine(datetime(2000, 1, 1), quiet.start)
    end = datetime.combine(datetime(2000, 1, 1), quiet.end)
    length = (end - start) % timedelta(days=1)
    assert allowed - moment <= length + timedelta(hours=1)


@settings(max_examples=400, deadline=None)
@given(moment=instants, tz=zones)
def test_the_default_window_sends_between_eight_and_nine(moment: datetime, tz: ZoneInfo) -> None:
    local = next_allowed(moment, tz, DEFAULT).astimezone(tz)
    assert time(8, 0) <= local.time().replace(tzinfo=None) < time(21, 0)


@settings(max_examples=500, deadline=None)
@given(change=st.sampled_from(DST_CHANGES), tz=zones, at=clock)
def test_a_wall_time_on_a_clock_change_day_is_met_once_and_never_before(
    change: datetime, tz: ZoneInfo, at: time
) -> None:
    day = change.astimezone(tz).date()
    moment = wall(day, at, tz)
    local = moment.astimezone(tz)
    assert local.date() == day
    # The wall time itself, or (skipped by spring-forward) the first moment past it.
    assert local.time().replace(tzinfo=None) >= at
    before = (moment - timedelta(seconds=1)).astimezone(tz)
    assert before.date() < day or before.time().replace(tzinfo=None) < at


NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("utc", "tz", "quiet", "expected_local"),
    [
        # 22:30 in Los Angeles: queued to 08:00 the next morning.
        (datetime(2026, 6, 2, 5, 30), LA, DEFAULT, datetime(2026, 6, 2, 8, 0)),
        # 07:59 in New York: one minute to wait.
        (datetime(2026, 6, 2, 11, 59), NY, DEFAULT, datetime(2026, 6, 2, 8, 0)),
        # 08:00 exactly: allowed.
        (datetime(2026, 6, 2, 12, 0), NY, DEFAULT, datetime(2026, 6, 2, 8, 0)),
        # 20:59: allowed; 21:00: quiet until tomorrow.
        (datetime(2026, 6, 3, 0, 59), NY, DEFAULT, datetime(2026, 6, 2, 20, 59)),
        (datetime(2026, 6, 3, 1, 0), NY, DEFAULT, datetime(2026, 6, 3, 8, 0)),
        # The night the clocks spring forward (2026-03-08): still 08:00 local.
        (datetime(2026, 3, 8, 6, 30), NY, DEFAULT, datetime(2026, 3, 8, 8, 0)),
        # The night they fall back (2026-11-01): still 08:00 local.
        (datetime(2026, 11, 1, 6, 30), NY, DEFAULT, datetime(2026, 11, 1, 8, 0)),
        # A window ending inside the skipped hour ends when the clock jumps (03:00 EDT).
        (
            datetime(2026, 3, 8, 6, 0),
            NY,
            QuietHours(start=time(21), end=time(2, 30)),
            datetime(2026, 3, 8, 3, 0),
        ),
        # A window ending in the repeated hour, seen during its second pass: the second
        # 01:30 (EST), not the first one, which has already gone by.
        (
            datetime(2026, 11, 1, 6, 10),
            NY,
            QuietHours(start=time(21), end=time(1, 30)),
            datetime(2026, 11, 1, 1, 30),
        ),
    ],
)
def test_quiet_hours_table(
    utc: datetime, tz: ZoneInfo, quiet: QuietHours, expected_local: datetime
) -> None:
    allowed = next_allowed(utc.replace(tzinfo=UTC), tz, quiet)
    assert allowed.astimezone(tz).replace(tzinfo=None) == expected_local


def test_the_repeated_hour_answers_the_occurrence_not_yet_passed() -> None:
    day = datetime(2026, 11, 1).date()
    first = wall_time_at_or_after(day, time(1, 30), NY, datetime(2026, 11, 1, 4, tzinfo=UTC))
    second = wall_time_at_or_after(day, time(1, 30), NY, first + timedelta(minutes=1))
    assert second - first == timedelta(hours=1)
    assert first.astimezone(NY).utcoffset() == timedelta(hours=-4)
    assert second.astimezone(NY).utcoffset() == timedelta(hours=-5)
