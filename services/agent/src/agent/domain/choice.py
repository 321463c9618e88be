"""Which of the offered slots a patient picked: "2", "the Tuesday one", "the later one".

Every clue the reply carries (a number, a weekday, a date, a clock time, a
provider, earlier or later) narrows the offered list; a pick is made only when
exactly one slot is left. Nothing here can name a slot that was not offered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from agent.domain.text import contains_phrase, normalize, number_in, tokens
from agent.domain.when import MONTHS, WEEKDAYS, clock_of


@dataclass(frozen=True)
class OfferView:
    """An offered slot as the patient saw it: its local start and provider."""

    local_start: datetime
    provider_name: str


@dataclass(frozen=True)
class Choice:
    index: int | None = None
    # Several offered slots fit the words ("the Tuesday one" with two on Tuesday).
    ambiguous: bool = False
    # The patient turned the offers down ("none of those work").
    rejected: bool = False


_REJECT = re.compile(
    r"\b(none( of (those|these|them))?|neither|no good|don'?t work|doesn'?t work|can'?t do "
    r"(any|those|these)|other (times?|options?|days?)|something else|different (time|day))\b"
)
_POSITION = re.compile(
    r"^\s*(?:#|no\.?|number|option|choice|slot)?\s*(?P<n>\d{1,2}|one|two|three|four|five)"
    r"\s*(?:please|pls|plz|thanks|thank you|works|is good|is fine|sounds good|!|\.)*\s*$"
)
_ORDINAL = re.compile(
    r"\b(?:the )?(?P<n>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last)"
    r"(?: one| option| slot| time| choice)?\b"
)
_OPTION_N = re.compile(r"\b(?:option|number|choice|slot|#)\s*(?P<n>\d{1,2}|one|two|three)\b")
_CLOCK = re.compile(
    r"\b(?P<clock>\d{1,2}(?::\d{2})?)\s?(?P<mer>am|pm|a\.m\.|p\.m\.)?(?:\s?(?:one|slot|o'?clock))?\b"
)
_EARLIER = re.compile(r"\b(earlier|earliest|sooner|soonest|first available)\b")
_LATER = re.compile(r"\b(later|latest|last one|the last)\b")
_MORNING = re.compile(r"\bmorning\b")
_AFTERNOON = re.compile(r"\b(afternoon|evening)\b")


def choose(text: str, offered: Sequence[OfferView]) -> Choice:
    if not offered:
        return Choice()
    t = normalize(text)
    words = tokens(t)
    count = len(offered)

    if position := _POSITION.match(t):
        n = number_in(position.group("n"))
        if n is not None and 1 <= n <= count:
            return Choice(n - 1)
    if _REJECT.search(t):
        return Choice(rejected=True)

    remaining = list(range(count))

    def narrow(keep: list[int]) -> None:
        nonlocal remaining
        remaining = [i for i in remaining if i in keep]

    clue = False
    if m := _OPTION_N.search(t):
        n = number_in(m.group("n"))
        if n is not None and 1 <= n <= count:
            return Choice(n - 1)
    # "is 1 still ok?", "I'll take 2": one small number and nothing that reads as a time.
    numbers = [w for w in words if w.isdigit()]
    if len(numbers) == 1 and not re.search(r"\d\s?(am|pm)\b|\d:|\d(st|nd|rd|th)\b|/", t):
        n = int(numbers[0])
        if 1 <= n <= count:
            return Choice(n - 1)
    if m := _ORDINAL.search(t):
        raw = m.group("n")
        n = count if raw == "last" else number_in(raw)
        if n is not None and 1 <= n <= count and not _is_date(t, m):
            clue = True
            narrow([n - 1])
    days = {WEEKDAYS[w] for w in words if w in WEEKDAYS}
    if days:
        clue = True
        narrow([i for i in range(count) if offered[i].local_start.isoweekday() in days])
    dates = _dates_named(t)
    if dates:
        clue = True
        narrow([i for i in range(count) if offered[i].local_start.day in dates])
    clocks = [
        clock_of(m.group("clock"), m.group("mer") or "")
        for m in _CLOCK.finditer(t)
        if m.group("mer") or ":" in m.group("clock")
    ]
    if clocks:
        clue = True
        narrow(
            [
                i
                for i in range(count)
                if any(c is not None and offered[i].local_start.time() == c for c in clocks)
            ]
        )
    named = [
        i
        for i in range(count)
        if any(
            part in words
            for part in tokens(offered[i].provider_name.split(",")[0])
            if part not in ("dr", "the")
        )
    ]
    if named:
        clue = True
        narrow(named)
    if _MORNING.search(t):
        clue = True
        narrow([i for i in range(count) if offered[i].local_start.hour < 12])
    if _AFTERNOON.search(t):
        clue = True
        narrow([i for i in range(count) if offered[i].local_start.hour >= 12])
    if remaining and (_EARLIER.search(t) or _LATER.search(t)):
        clue = True
        pick = min if _EARLIER.search(t) else max
        remaining = [pick(remaining, key=lambda i: offered[i].local_start)]
    if clue and len(remaining) == 1:
        return Choice(remaining[0])
    if clue and len(remaining) > 1:
        return Choice(ambiguous=True)
    if contains_phrase(words, ["that", "one"]) and count == 1:
        return Choice(0)
    return Choice()


def _is_date(text: str, match: re.Match[str]) -> bool:
    """ "the 3rd of December" names a day, not the third offer."""
    tail = text[match.end() : match.end() + 14]
    return bool(re.match(r"\s*(of )?(" + "|".join(MONTHS) + r")\b", tail))


def _dates_named(text: str) -> set[int]:
    found = set()
    for m in re.finditer(r"\b(?:the )?(\d{1,2})(?:st|nd|rd|th)\b(?! one| option)", text):
        day = int(m.group(1))
        # "the 2nd" alone is more likely the second offer; a date needs a month or "of".
        if day > 5 or re.search(r"\b(" + "|".join(MONTHS) + r")\b", text):
            found.add(day)
    return found
