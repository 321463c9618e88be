"""The waitlist as staff read it: a patient's wishes in a few words, and which page of the
line a request asks for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from functools import reduce

from console.ports import Wishes

# The scheduler answers at most this many waiting entries for one query (its MAX_RESULTS):
# the console pages through the first ones in line.
LINE_READ = 500


def describe(wishes: Wishes, tz: tzinfo, say: Callable[..., str]) -> str:
    """The wishes as staff read them, in the spa's zone, with the catalog's words (`wish.*`)."""
    out = []
    if wishes.days_of_week:
        days = sorted(set(wishes.days_of_week))
        if days == [1, 2, 3, 4, 5]:
            out.append(say("wish.weekdays"))
        elif days == [6, 7]:
            out.append(say("wish.weekends"))
        else:
            out.append(", ".join(say(f"wish.day.{d}") for d in days if 1 <= d <= 7))
    if wishes.parts_of_day:
        parts = [say(f"wish.part.{p}") for p in wishes.parts_of_day]
        out.append(reduce(lambda a, b: say("wish.or", first=a, second=b), parts))
    if wishes.earliest_time and wishes.latest_time:
        out.append(say("wish.between", start=wishes.earliest_time, end=wishes.latest_time))
    elif wishes.earliest_time:
        out.append(say("wish.from", time=wishes.earliest_time))
    elif wishes.latest_time:
        out.append(say("wish.by", time=wishes.latest_time))
    if wishes.not_before is not None:
        out.append(say("wish.not_before", date=f"{wishes.not_before.astimezone(tz):%b %d}"))
    if wishes.not_after is not None:
        out.append(say("wish.until", date=f"{wishes.not_after.astimezone(tz):%b %d}"))
    return ", ".join(out) if out else say("wish.any_time")


@dataclass(frozen=True)
class Window:
    """Which entries of the line a page shows, and how many to ask the calendar for."""

    ask: int
    start: int
    stop: int

    def next_offset(self, answered: int) -> int | None:
        """A next page exists when the calendar answered more than this page holds."""
        return self.stop if answered > self.stop else None


def window(limit: int, offset: int) -> Window:
    """One more than the page so the last page knows it is the last; never past LINE_READ."""
    start = min(offset, LINE_READ)
    stop = min(offset + limit, LINE_READ)
    return Window(ask=min(stop + 1, LINE_READ), start=start, stop=stop)
