"""Quiet hours and local wall times, in any zone, across daylight-saving changes.

Quiet hours are a stretch of local wall-clock time (21:00 to 08:00 by default, wrapping
midnight). Whether an instant is quiet depends only on its local wall time; the end of a
quiet stretch is the first instant at or after the moment whose wall time reaches the
end. On a spring-forward day that wall time may not exist (the clock jumps past it), and
on a fall-back day it may happen twice; both are handled here, once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from spa_config import QuietHours


def is_quiet(moment: datetime, tz: ZoneInfo, quiet: QuietHours) -> bool:
    quiet_now: bool = quiet.contains(moment.astimezone(tz).time().replace(tzinfo=None))
    return quiet_now


def next_allowed(moment: datetime, tz: ZoneInfo, quiet: QuietHours) -> datetime:
    """`moment` if it is outside quiet hours, else the first instant after they end."""
    while is_quiet(moment, tz, quiet):
        local = moment.astimezone(tz)
        day = local.date()
        if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
            # Late evening of a stretch that wraps midnight: it ends tomorrow morning.
            day += timedelta(days=1)
        # Usually done at once; only when a clock change swallows the whole allowed
        # stretch of a day does the search go on to the next end.
        moment = wall_time_at_or_after(day, quiet.end, tz, moment)
    return moment


def wall_time_at_or_after(day: date, at: time, tz: ZoneInfo, not_before: datetime) -> datetime:
    """The first instant at or after `not_before` when the wall clock on `day` shows `at`
    or later.

    A wall time that happens twice (fall back) answers the first occurrence not before
    `not_before`; a wall time the clock skips (spring forward) answers the instant the
    clock jumps, the first moment the wall time is past `at`.
    """
    first = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
    second = datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(UTC)
    if _shows(first, day, at, tz):
        candidates = sorted({first, second})
        for candidate in candidates:
            if candidate >= not_before:
                return candidate
        return max(not_before, candidates[-1])
    # Skipped: fold=1 reads the wall time with the offset after the jump (an instant
    # before it), fold=0 with the offset before (an instant after it); the jump lies between.
    return max(not_before, _jump_between(min(first, second), max(first, second), tz))


def wall(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the wall clock on `day` first shows `at` (or first passes it)."""
    return wall_time_at_or_after(day, at, tz, datetime.min.replace(tzinfo=UTC))


def _shows(instant: datetime, day: date, at: time, tz: ZoneInfo) -> bool:
    local = instant.astimezone(tz)
    return local.date() == day and local.time().replace(tzinfo=None) == at


def _jump_between(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The first instant in (before, after] whose UTC offset is the later one."""
    target = after.astimezone(tz).utcoffset()
    low, high = before, after
    while high - low > timedelta(microseconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high
