"""The waitlist: who waits for which service, when they can come, and which of them a
freed slot suits, first come first.

Wishes are read on the spa's wall clock (a patient who can come "Tuesday mornings
after 9" means the spa's Tuesday), like everything else a caller says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduler.domain.errors import FieldViolation
from scheduler.domain.model import PARTS_OF_DAY, PartOfDay

PREFIX = "preferences"


class EntryStatus(StrEnum):
    WAITING = "waiting"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Wishes:
    """When a waiting patient can come; every bound is optional, an empty set means any."""

    # ISO weekdays, 1 = Monday .. 7 = Sunday.
    days_of_week: frozenset[int] = frozenset()
    parts_of_day: frozenset[PartOfDay] = frozenset()
    # The visit starts at or after `earliest` and ends by `latest`, on the wall clock.
    earliest: time | None = None
    latest: time | None = None
    # Slots starting in [not_before, not_after), epoch seconds; the entry lapses at not_after.
    not_before: int | None = None
    not_after: int | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    spa_id: str
    patient_id: str
    service_id: str
    # Empty: any qualified provider.
    provider_id: str
    wishes: Wishes
    status: EntryStatus
    created_at: int


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """A stretch of a provider's day that became free for a service."""

    service_id: str
    provider_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class RawWishes:
    """Wishes as a caller sends them, before they are checked."""

    days_of_week: Sequence[int] = ()
    parts_of_day: Sequence[int] = ()
    earliest: str = ""
    latest: str = ""
    not_before: int | None = None
    not_after: int | None = None


def _wall_time(raw: str, name: str) -> tuple[time | None, list[FieldViolation]]:
    text = raw.strip()
    if not text:
        return None, []
    hours, colon, minutes = text.partition(":")
    if colon and len(minutes) == 2 and hours.isdigit() and minutes.isdigit():
        h, m = int(hours), int(minutes)
        if h == 24 and m == 0:
            # "24:00" is how people write the end of the day.
            return time.max, []
        if 0 <= h < 24 and 0 <= m < 60:
            return time(h, m), []
    return None, [FieldViolation(f"{PREFIX}.{name}", "bad_time", "a time of day as HH:MM")]


def check_wishes(raw: RawWishes, now: int) -> tuple[Wishes, list[FieldViolation]]:
    """Every bad bound named at once; a window already past is refused, since nothing
    could ever be offered from it."""
    problems: list[FieldViolation] = []
    bad_days = sorted(d for d in raw.days_of_week if not 1 <= d <= 7)
    if bad_days:
        problems.append(
            FieldViolation(f"{PREFIX}.days_of_week", "bad_weekday", f"{bad_days} are not 1-7")
        )
    parts: set[PartOfDay] = set()
    for value in raw.parts_of_day:
        if value in PartOfDay._value2member_map_:
            parts.add(PartOfDay(value))
        else:
            problems.append(
                FieldViolation(f"{PREFIX}.parts_of_day", "bad_part_of_day", f"{value} is unknown")
            )
    earliest, bad = _wall_time(raw.earliest, "earliest_time")
    problems.extend(bad)
    latest, bad = _wall_time(raw.latest, "latest_time")
    problems.extend(bad)
    if earliest is not None and latest is not None and latest <= earliest:
        problems.append(
            FieldViolation(f"{PREFIX}.latest_time", "empty_window", "must be after earliest_time")
        )
    if raw.not_after is not None:
        if raw.not_after <= now:
            problems.append(FieldViolation(f"{PREFIX}.not_after", "in_past", "already past"))
        elif raw.not_before is not None and raw.not_after <= raw.not_before:
            problems.append(
                FieldViolation(f"{PREFIX}.not_after", "empty_window", "must be after not_before")
            )
    wishes = Wishes(
        frozenset(raw.days_of_week),
        frozenset(parts),
        earliest,
        latest,
        raw.not_before,
        raw.not_after,
    )
    return wishes, problems


def _minutes(moment: time) -> int:
    return 24 * 60 if moment == time.max else moment.hour * 60 + moment.minute


def suits(entry: Entry, slot: OpenSlot, tz: ZoneInfo) -> bool:
    """Whether the freed slot is one this entry waits for."""
    if entry.status is not EntryStatus.WAITING or entry.service_id != slot.service_id:
        return False
    if entry.provider_id and entry.provider_id != slot.provider_id:
        return False
    wishes = entry.wishes
    if wishes.not_before is not None and slot.start < wishes.not_before:
        return False
    if wishes.not_after is not None and slot.start >= wishes.not_after:
        return False
    begins = datetime.fromtimestamp(slot.start, tz)
    if wishes.days_of_week and begins.isoweekday() not in wishes.days_of_week:
        return False
    starts_at = begins.hour * 60 + begins.minute
    if wishes.parts_of_day and not any(
        _minutes(PARTS_OF_DAY[p].start) <= starts_at < _minutes(PARTS_OF_DAY[p].end)
        for p in wishes.parts_of_day
    ):
        return False
    if wishes.earliest is not None and starts_at < _minutes(wishes.earliest):
        return False
    if wishes.latest is not None:
        ends = datetime.fromtimestamp(slot.end, tz)
        # A visit running past midnight ends on the next day: later than any wall time.
        days_on = (ends.date() - begins.date()).days
        if days_on * 24 * 60 + ends.hour * 60 + ends.minute > _minutes(wishes.latest):
            return False
    return True


def in_line(entries: Iterable[Entry], slot: OpenSlot, tz: ZoneInfo, limit: int) -> list[Entry]:
    """The entries the slot suits, first come first, at most `limit`."""
    ordered = sorted(entries, key=lambda e: (e.created_at, e.id))
    return [e for e in ordered if suits(e, slot, tz)][:limit]
