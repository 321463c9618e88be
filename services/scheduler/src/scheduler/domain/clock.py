"""Wall-clock time on the spa's calendar to absolute seconds, and back.

RFC 5545 (3.3.5) rules apply, as calendar apps read them: a wall time that
happens twice (fall back) means its first occurrence; one that never happens
(spring forward) is read with the offset from before the gap, so 02:30 becomes
03:30. That is exactly Python's `fold=0`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=16_384)
def at(day: date, clock: time, tz: ZoneInfo) -> int:
    """The instant (epoch seconds) the wall clock shows `clock` on `day`."""
    if clock == time.max:
        # The end-of-day marker: midnight that starts the next day.
        return int(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp())
    return int(datetime.combine(day, clock, tzinfo=tz).timestamp())


def local_date(instant: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(instant, tz).date()


def local_days(start: int, end: int, tz: ZoneInfo) -> list[date]:
    """Every local calendar day that [start, end) touches."""
    first, last = local_date(start, tz), local_date(max(start, end - 1), tz)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def to_instant(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time without a time zone is ambiguous")
    return int(moment.timestamp())


def to_datetime(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)
