"""Opening hours, shifts and closed dates: the recurring week and its exceptions."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Self

from pydantic import model_validator

from .errors import ConfigProblems, Loc
from .fields import Clock, Model, Text, format_clock, parse_clock

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_RANGE = re.compile(r"^\s*(\S+)\s*-\s*(\S+)\s*$")


class TimeRange(Model):
    """A stretch of one day, written "09:00-19:00" in a file. The end is exclusive."""

    start: Clock
    end: Clock

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        match = _RANGE.match(data)
        if match:
            try:
                return {"start": parse_clock(match[1]), "end": parse_clock(match[2])}
            except ValueError:
                pass  # reported below, about the whole range as written
        raise ValueError(f"{data!r} is not a time range like '09:00-19:00'")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start >= self.end:
            raise ValueError(f"{self} must end after it starts")
        return self

    def __str__(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"

    def contains(self, other: TimeRange) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: TimeRange) -> bool:
        return self.start < other.end and other.start < self.end


def _overlap_problems(ranges: tuple[TimeRange, ...], loc: Loc) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for i, later in enumerate(ranges):
        for earlier in ranges[:i]:
            if later.overlaps(earlier):
                problems.append(((*loc, i), f"{later} overlaps {earlier}"))
                break
    return problems


class WeeklyHours(Model):
    """When the spa is open, per weekday. A day left out or empty is a closed day."""

    monday: tuple[TimeRange, ...] = ()
    tuesday: tuple[TimeRange, ...] = ()
    wednesday: tuple[TimeRange, ...] = ()
    thursday: tuple[TimeRange, ...] = ()
    friday: tuple[TimeRange, ...] = ()
    saturday: tuple[TimeRange, ...] = ()
    sunday: tuple[TimeRange, ...] = ()

    @model_validator(mode="after")
    def _no_overlaps(self) -> Self:
        problems = [p for day in WEEKDAYS for p in _overlap_problems(getattr(self, day), (day,))]
        if not any(getattr(self, day) for day in WEEKDAYS):
            problems.append(((), "must open on at least one day"))
        if problems:
            raise ConfigProblems(problems)
        return self

    def on(self, day: date) -> tuple[TimeRange, ...]:
        """The open intervals on this calendar day's weekday (closures are not applied)."""
        ranges: tuple[TimeRange, ...] = getattr(self, WEEKDAYS[day.weekday()])
        return ranges


class Shift(Model):
    """One provider's working time on a weekday, with unpaid breaks inside it."""

    start: Clock
    end: Clock
    breaks: tuple[TimeRange, ...] = ()

    @model_validator(mode="after")
    def _breaks_inside(self) -> Self:
        if self.start >= self.end:
            raise ValueError(
                f"shift must end after it starts ({format_clock(self.start)}-{format_clock(self.end)})"
            )
        span = TimeRange(start=self.start, end=self.end)
        problems: list[tuple[Loc, str]] = [
            (("breaks", i), f"break {gap} is outside the shift {span}")
            for i, gap in enumerate(self.breaks)
            if not span.contains(gap)
        ]
        problems += _overlap_problems(self.breaks, ("breaks",))
        if problems:
            raise ConfigProblems(problems)
        return self

    def working_ranges(self) -> tuple[TimeRange, ...]:
        """The shift with its breaks cut out, in order."""
        ranges: list[TimeRange] = []
        cursor = self.start
        for gap in sorted(self.breaks, key=lambda r: r.start):
            if cursor < gap.start:
                ranges.append(TimeRange(start=cursor, end=gap.start))
            cursor = max(cursor, gap.end)
        if cursor < self.end:
            ranges.append(TimeRange(start=cursor, end=self.end))
        return tuple(ranges)


class WeeklyShifts(Model):
    """A provider's regular week. A day left out is a day off."""

    monday: Shift | None = None
    tuesday: Shift | None = None
    wednesday: Shift | None = None
    thursday: Shift | None = None
    friday: Shift | None = None
    saturday: Shift | None = None
    sunday: Shift | None = None

    @model_validator(mode="after")
    def _works_some_day(self) -> Self:
        if not any(getattr(self, day) for day in WEEKDAYS):
            raise ValueError("must have a shift on at least one day")
        return self

    def on(self, day: date) -> Shift | None:
        """The shift on this calendar day's weekday (time off is not applied)."""
        shift: Shift | None = getattr(self, WEEKDAYS[day.weekday()])
        return shift


class DateRange(Model):
    """Whole days from `start` to `end`, both included. Without `end` it is the one day."""

    start: date
    end: date

    @model_validator(mode="before")
    @classmethod
    def _single_day(cls, data: Any) -> Any:
        if isinstance(data, dict) and "end" not in data and "start" in data:
            return {**data, "end": data["start"]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Closure(DateRange):
    """Days the whole spa is closed (holidays, training days)."""

    reason: Text


class TimeOff(DateRange):
    """Days one provider is away."""

    reason: str = ""
