"""When a patient wants to come, read from everyday words in the spa's time zone.

"Monday around 2", "next week, evenings", "tomorrow after 5", "the 14th", "asap":
each becomes a `TimeWish` of plain values (a range of days, weekdays, parts of
the day, a clock window, a clock time to be near). Dates are resolved against
`today` in the spa's zone, never the server's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from agent.domain.text import NUMBER_WORDS, ORDINAL_WORDS, normalize


class PartOfDay(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# The spa's wall clock for each part of the day (the scheduler uses the same cut-offs).
PART_RANGES = {
    PartOfDay.MORNING: (time(0, 0), time(12, 0)),
    PartOfDay.AFTERNOON: (time(12, 0), time(17, 0)),
    PartOfDay.EVENING: (time(17, 0), time(23, 59)),
}

WEEKDAYS = {
    "monday": 1, "mon": 1, "mondays": 1,
    "tuesday": 2, "tue": 2, "tues": 2, "tuesdays": 2,
    "wednesday": 3, "wed": 3, "weds": 3, "wednesdays": 3, "wensday": 3, "wendsday": 3,
    "thursday": 4, "thu": 4, "thur": 4, "thurs": 4, "thursdays": 4, "thrusday": 4,
    "friday": 5, "fri": 5, "fridays": 5,
    "saturday": 6, "sat": 6, "saturdays": 6,
    "sunday": 7, "sun": 7, "sundays": 7,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_ORDINAL = "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True))
_HOUR = rf"(?:\d{{1,2}}(?::\d{{2}})?|noon|midday|{_NUMBER})"
_MERIDIEM = r"(?:\s?(?:am|pm|a\.m\.|p\.m\.|in the (?:morning|afternoon|evening)|o'?clock|ish))?"
# "about two weeks" and "2 units" are not clock times.
_NOT_A_TIME = r"(?!\s?(?:weeks?|days?|months?|years?|units?|syringes?|hours?|minutes?|mins?|of)\b)"
_CLOCK = rf"(?P<clock>{_HOUR}){_NOT_A_TIME}{_MERIDIEM}"

ASAP = re.compile(
    r"\b(asap|a\.s\.a\.p|as soon as (?:possible|you can|you have)|soonest|earliest|"
    r"first (?:available|opening)|next (?:available|opening)|whenever|any ?time|"
    r"as early as possible|right away|sooner the better)\b"
)
TODAY = re.compile(r"\b(today|tonight|this (?:morning|afternoon|evening))\b")
TOMORROW = re.compile(r"\b(tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2morrow)\b")
DAY_AFTER = re.compile(r"\bday after (?:tomorrow|tmrw|tomorow|tommorow)\b")
NEXT_WEEK = re.compile(r"\bnext week\b")
THIS_WEEK = re.compile(r"\b(this week|later this week|rest of the week)\b")
WEEKEND = re.compile(r"\b(next )?weekend\b")
WEEKDAYS_ONLY = re.compile(r"\b(weekdays?|during the week)\b")
IN_WEEKS = re.compile(rf"\bin (?:(?P<n>\d+|{_NUMBER}|a couple of|a few) )?weeks?\b")
IN_DAYS = re.compile(rf"\bin (?:(?P<n>\d+|{_NUMBER}|a couple of|a few) )days?\b")
NEXT_MONTH = re.compile(r"\b(next month|in a month)\b")
WEEKDAY = re.compile(rf"\b(?P<next>next |this |on )?(?P<day>{_WEEKDAY})\b")
MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"|\b(?P<day2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month2>{_MONTH})\b"
)
SLASH_DATE = re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{2,4}))?\b")
# Ordinal words count as days only after "the" ("the third"; "first thing" is not a date).
ORDINAL_DAY = re.compile(
    rf"\bthe (?P<day>\d{{1,2}}(?:st|nd|rd|th)|{_ORDINAL})\b|\b(?P<digits>\d{{1,2}}(?:st|nd|rd|th))\b"
)
BETWEEN = re.compile(rf"\b(?:between|from) {_CLOCK} (?:and|to|-) (?P<clock2>{_HOUR}){_MERIDIEM}")
AFTER = re.compile(rf"\b(?:after|past|later than|from) {_CLOCK}")
OR_LATER = re.compile(rf"\b{_CLOCK} or later\b")
BEFORE = re.compile(rf"\b(?:before|by|no later than|earlier than) {_CLOCK}")
NEAR = re.compile(rf"\b(?:around|about|at|near|approx|approximately|ish|like) {_CLOCK}")
BARE_CLOCK = re.compile(
    r"\b(?P<clock>\d{1,2}(?::\d{2})?)\s?(?P<mer>am|pm|a\.m\.|p\.m\.)"
    r"|\b(?P<clock2>\d{1,2}:\d{2})\b|\b(?P<clock3>\d{1,2})ish\b"
)
LUNCH = re.compile(r"\b(lunch ?time|lunch|midday|noon)\b")
AFTER_WORK = re.compile(r"\b(after work|after school)\b")
PARTS = {
    PartOfDay.MORNING: re.compile(r"\b(mornings?|morn|first thing)\b"),
    PartOfDay.AFTERNOON: re.compile(r"\b(afternoons?|arvo)\b"),
    PartOfDay.EVENING: re.compile(r"\b(evenings?|nights?|tonight|late in the day|after dark)\b"),
}
LATE_AFTERNOON = re.compile(r"\blate afternoon\b")


@dataclass(frozen=True)
class TimeWish:
    """A patient's wish; empty fields mean "any"."""

    first_day: date | None = None
    last_day: date | None = None
    weekdays: frozenset[int] = frozenset()
    parts: frozenset[PartOfDay] = frozenset()
    after: time | None = None
    before: time | None = None
    near: time | None = None
    asap: bool = False
    # The words that set it, kept for the handoff summary ("Monday around 2").
    said: str = field(default="", compare=False)

    @property
    def empty(self) -> bool:
        return self == TimeWish()

    @property
    def single_day(self) -> date | None:
        if self.first_day is not None and self.first_day == self.last_day:
            return self.first_day
        return None

    def allows(self, local: datetime) -> bool:
        """Whether a slot starting at this local time fits every part of the wish."""
        day, clock = local.date(), local.time()
        if self.first_day and day < self.first_day:
            return False
        if self.last_day and day > self.last_day:
            return False
        if self.weekdays and day.isoweekday() not in self.weekdays:
            return False
        if self.parts and not any(
            PART_RANGES[p][0] <= clock < PART_RANGES[p][1] for p in self.parts
        ):
            return False
        if self.after and clock < self.after:
            return False
        return not (self.before and clock >= self.before)

    def relaxed(self) -> TimeWish:
        """The same days with any time of day: what to try when the exact wish is full."""
        return replace(self, parts=frozenset(), after=None, before=None, near=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "weekdays": sorted(self.weekdays),
            "parts": sorted(p.value for p in self.parts),
            "after": self.after.isoformat("minutes") if self.after else None,
            "before": self.before.isoformat("minutes") if self.before else None,
            "near": self.near.isoformat("minutes") if self.near else None,
            "asap": self.asap,
            "said": self.said,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> TimeWish:
        if not raw:
            return cls()

        def clock(key: str) -> time | None:
            return time.fromisoformat(raw[key]) if raw.get(key) else None

        def day(key: str) -> date | None:
            return date.fromisoformat(raw[key]) if raw.get(key) else None

        return cls(
            first_day=day("first_day"),
            last_day=day("last_day"),
            weekdays=frozenset(raw.get("weekdays", ())),
            parts=frozenset(PartOfDay(p) for p in raw.get("parts", ())),
            after=clock("after"),
            before=clock("before"),
            near=clock("near"),
            asap=bool(raw.get("asap")),
            said=raw.get("said", ""),
        )


def _count(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if raw.isdigit():
        return int(raw)
    if raw in ("a couple of",):
        return 2
    if raw in ("a few",):
        return 3
    return NUMBER_WORDS.get(raw, default)


def clock_of(raw: str, suffix: str = "", *, part: PartOfDay | None = None) -> time | None:
    """A clock time from "2", "2:30", "two", "noon" and an optional am/pm.

    Without am/pm, 1 to 7 is afternoon (nobody books a 2 AM facial) and 8 to 11 morning,
    unless the patient said which part of the day.
    """
    raw = raw.strip()
    if raw in ("noon", "midday"):
        return time(12, 0)
    minute = 0
    if ":" in raw:
        hour_text, minute_text = raw.split(":", 1)
        hour, minute = int(hour_text), int(minute_text)
    elif raw.isdigit():
        hour = int(raw)
    elif raw in NUMBER_WORDS:
        hour = NUMBER_WORDS[raw]
    else:
        return None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    suffix = suffix.replace(".", "").strip()
    if hour > 12:
        return time(hour, minute)
    pm = suffix.startswith("pm") or "afternoon" in suffix or "evening" in suffix
    am = suffix.startswith("am") or "morning" in suffix
    if not (pm or am) and part is not None:
        pm, am = part is not PartOfDay.MORNING, part is PartOfDay.MORNING
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    elif not (pm or am) and 1 <= hour <= 7:
        hour += 12
    return time(hour, minute)


def _clock_from(match: re.Match[str], group: str, part: PartOfDay | None) -> time | None:
    text = match.group(group)
    if text is None:
        return None
    tail = match.string[match.end(group) : match.end(group) + 17]
    suffix = re.match(r"\s?(am|pm|a\.m\.|p\.m\.|in the (?:morning|afternoon|evening))?", tail)
    return clock_of(text, suffix.group(1) or "" if suffix else "", part=part)


def _next_weekday(today: date, weekday: int, *, next_week: bool, today_counts: bool = True) -> date:
    """The coming `weekday`; with `next_week`, the one in next Monday-to-Sunday week."""
    if next_week:
        monday = today - timedelta(days=today.isoweekday() - 1) + timedelta(days=7)
        return monday + timedelta(days=weekday - 1)
    ahead = (weekday - today.isoweekday()) % 7
    if ahead == 0 and not today_counts:
        ahead = 7
    return today + timedelta(days=ahead)


def _month_day(today: date, month: int | None, day: int, year: int | None = None) -> date | None:
    """The next date with this day of the month (of this month, when named), today counting."""
    if year is not None:
        try:
            return date(year, month or today.month, day)
        except ValueError:
            return None
    if month is not None:
        for y in (today.year, today.year + 1):
            try:
                found = date(y, month, day)
            except ValueError:
                return None
            if found >= today:
                return found
        return None
    for ahead in range(3):
        index = today.month - 1 + ahead
        try:
            found = date(today.year + index // 12, index % 12 + 1, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def parse_when(text: str, today: date) -> TimeWish:
    """Read a time wish out of free text, `today` being the spa's local date."""
    t = normalize(text).replace(",", " ").replace("  ", " ")
    wish = TimeWish()
    pieces: list[str] = []

    def note(match: re.Match[str] | None) -> re.Match[str] | None:
        if match:
            pieces.append(match.group(0).strip())
        return match

    if note(ASAP.search(t)):
        wish = replace(wish, asap=True)

    # Days, most specific first.
    if note(DAY_AFTER.search(t)):
        day = today + timedelta(days=2)
        wish = replace(wish, first_day=day, last_day=day)
    elif note(TOMORROW.search(t)):
        day = today + timedelta(days=1)
        wish = replace(wish, first_day=day, last_day=day)
    elif note(TODAY.search(t)):
        wish = replace(wish, first_day=today, last_day=today)
    elif m := note(MONTH_DAY.search(t)):
        month = MONTHS[m.group("month") or m.group("month2")]
        found = _month_day(today, month, int(m.group("day") or m.group("day2")))
        if found:
            wish = replace(wish, first_day=found, last_day=found)
    elif (m := SLASH_DATE.search(t)) and int(m.group("m")) <= 12:
        note(m)
        year = m.group("y")
        full_year = (2000 + int(year) if len(year) == 2 else int(year)) if year else None
        found = _month_day(today, int(m.group("m")), int(m.group("d")), full_year)
        if found:
            wish = replace(wish, first_day=found, last_day=found)
    else:
        weekdays = [
            (m, WEEKDAYS[m.group("day")])
            for m in WEEKDAY.finditer(t)
            if m.group("day") not in _EVERYDAY_WORDS or m.group("next") or _near_time(t, m)
        ]
        plural = any(m.group("day").endswith("days") for m, _ in weekdays)
        if NEXT_WEEK.search(t) and not weekdays:
            note(NEXT_WEEK.search(t))
            monday = _next_weekday(today, 1, next_week=True)
            wish = replace(wish, first_day=monday, last_day=monday + timedelta(days=6))
        elif len(weekdays) == 1 and not plural:
            m, weekday = weekdays[0]
            note(m)
            said = (m.group("next") or "").strip()
            nxt = said == "next" or bool(NEXT_WEEK.search(t))
            # "Monday" said on a Monday means next Monday; "this Monday" means today.
            day = _next_weekday(today, weekday, next_week=nxt, today_counts=said == "this")
            wish = replace(wish, first_day=day, last_day=day)
        elif weekdays:
            for m, _ in weekdays:
                note(m)
            first = _next_weekday(today, 1, next_week=True) if NEXT_WEEK.search(t) else today
            wish = replace(
                wish,
                weekdays=frozenset(w for _, w in weekdays),
                first_day=first,
                last_day=first + timedelta(days=13),
            )
        elif (m := ORDINAL_DAY.search(t)) and not _looks_like_choice(t, m):
            note(m)
            raw = m.group("day") or m.group("digits")
            number = ORDINAL_WORDS.get(raw) or int(re.sub(r"\D", "", raw))
            found = _month_day(today, None, number)
            if found:
                wish = replace(wish, first_day=found, last_day=found)
        elif note(THIS_WEEK.search(t)):
            sunday = today + timedelta(days=7 - today.isoweekday())
            wish = replace(wish, first_day=today, last_day=sunday)
        elif m := note(WEEKEND.search(t)):
            saturday = _next_weekday(today, 6, next_week=bool(m.group(1)))
            if today.isoweekday() == 7 and not m.group(1):
                saturday = today - timedelta(days=1)
            wish = replace(
                wish,
                first_day=max(saturday, today),
                last_day=saturday + timedelta(days=1),
                weekdays=frozenset({6, 7}),
            )
        elif m := note(IN_WEEKS.search(t)):
            weeks = _count(m.group("n"), 1)
            first = today + timedelta(days=7 * weeks)
            wish = replace(
                wish, first_day=first - timedelta(days=2), last_day=first + timedelta(days=4)
            )
        elif m := note(IN_DAYS.search(t)):
            days = _count(m.group("n"), 3)
            first = today + timedelta(days=days)
            wish = replace(wish, first_day=first, last_day=first + timedelta(days=2))
        elif note(NEXT_MONTH.search(t)):
            first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            wish = replace(wish, first_day=first, last_day=last)
    if note(WEEKDAYS_ONLY.search(t)) and not wish.weekdays:
        wish = replace(wish, weekdays=frozenset({1, 2, 3, 4, 5}))

    # Parts of the day.
    parts = {part for part, pattern in PARTS.items() if pattern.search(t)}
    if LATE_AFTERNOON.search(t):
        parts = {PartOfDay.AFTERNOON}
        wish = replace(wish, after=time(15, 0))
        note(LATE_AFTERNOON.search(t))
    part = next(iter(parts)) if len(parts) == 1 else None
    pieces.extend(p.value for p in parts if not any(p.value in piece for piece in pieces))

    # Clock times.
    if m := note(BETWEEN.search(t)):
        lo, hi = _clock_from(m, "clock", part), _clock_from(m, "clock2", part)
        if lo and hi and hi <= lo and hi.hour < 12:
            hi = time(hi.hour + 12, hi.minute)
        wish = replace(wish, after=lo, before=hi)
    else:
        if m := note(AFTER.search(t) or OR_LATER.search(t)):
            wish = replace(wish, after=_clock_from(m, "clock", part))
        if m := note(BEFORE.search(t)):
            wish = replace(wish, before=_clock_from(m, "clock", part))
        if not (wish.after or wish.before):
            if m := note(NEAR.search(t)):
                wish = replace(wish, near=_clock_from(m, "clock", part))
            elif m := note(BARE_CLOCK.search(t)):
                raw = m.group("clock") or m.group("clock2") or m.group("clock3")
                wish = replace(wish, near=clock_of(raw, m.group("mer") or "", part=part))
            elif note(LUNCH.search(t)):
                wish = replace(wish, near=time(12, 0))
    if note(AFTER_WORK.search(t)) and not wish.after:
        wish = replace(wish, after=time(17, 0))
    if not (wish.after or wish.before or wish.near):
        wish = replace(wish, parts=frozenset(parts))
    elif parts and wish.near is None:
        wish = replace(wish, parts=frozenset(parts))
    return replace(wish, said=" ".join(dict.fromkeys(pieces)))


# Short day names that are also everyday words count only with "on"/"next" or near a time.
_EVERYDAY_WORDS = frozenset({"sat", "sun", "wed"})


def _near_time(text: str, match: re.Match[str]) -> bool:
    around = text[max(0, match.start() - 12) : match.end() + 12]
    return bool(re.search(r"\d|morning|afternoon|evening", around))


def _looks_like_choice(text: str, match: re.Match[str]) -> bool:
    """ "the second one", "the 2nd option": a pick from a list, not a day of the month."""
    tail = text[match.end() : match.end() + 10]
    return bool(re.match(r"\s*(one|option|slot|choice|time|available)\b", tail))
