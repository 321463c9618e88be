"""Every text and call script outreach sends, composed from the catalog, logistics only.

The composer takes only the spa's own words and logistics (spa, service and provider
names, times, slot lists, the spa's aftercare text): nothing about the patient ever
reaches it, so no name, number, birth date or intake answer can end up in a text.
`leaks` is the last look before sending: a phone number that is not the spa's, an email
address or a date of birth in a body stops the send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import reduce
from typing import Protocol
from zoneinfo import ZoneInfo

# Every placeholder a catalog entry may use; a test holds the catalog to it.
ALLOWED_PLACEHOLDERS = frozenset(
    {
        "spa",
        "service",
        "provider",
        "when",
        "slots",
        "session",
        "total",
        "minutes",
        "instructions",
        "front_desk",
        "number",
        "weekday",
        "month",
        "day",
        "time",
        "hour",
        "minute",
        "meridiem",
        "left",
        "right",
    }
)
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.\-]?)?\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}(?!\d)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+\.[\w.\-]+")
_DATE = re.compile(r"(?<!\d)\d{1,2}[/\-]\d{1,2}[/\-](?:19|20)\d{2}(?!\d)")
_DIGIT = re.compile(r"\d")


class Words(Protocol):
    def say(self, key: str, **values: object) -> str: ...


def digits(text: str) -> str:
    raw = re.sub(r"\D", "", text)
    return raw[1:] if len(raw) == 11 and raw.startswith("1") else raw


def leaks(body: str, spa_numbers: Iterable[str]) -> tuple[str, ...]:
    """What in `body` looks protected: the kind of each finding, never its value."""
    found: list[str] = []
    # A phone number or a date of birth needs at least six digits: most texts (a time,
    # a day) have fewer, and skip the patterns.
    if len(_DIGIT.findall(body)) >= 6:
        own = {digits(n) for n in spa_numbers}
        found += ["phone" for m in _PHONE.finditer(body) if digits(m.group()) not in own]
        found += ["date" for _ in _DATE.finditer(body)]
    if "@" in body:
        found += ["email" for _ in _EMAIL.finditer(body)]
    return tuple(found)


def when(words: Words, instant: datetime, tz: ZoneInfo) -> str:
    local = instant.astimezone(tz)
    clock = words.say(
        "format.time",
        hour=local.hour % 12 or 12,
        minute=f"{local.minute:02d}",
        meridiem=words.say("format.am" if local.hour < 12 else "format.pm"),
    )
    return words.say(
        "format.when",
        weekday=words.say(f"format.weekday.{local.isoweekday()}"),
        month=words.say(f"format.month.{local.month}"),
        day=local.day,
        time=clock,
    )


def slot_list(words: Words, starts: Sequence[datetime], tz: ZoneInfo) -> str:
    items = [
        words.say("recall.slot", number=i, when=when(words, start, tz))
        for i, start in enumerate(starts, 1)
    ]
    return reduce(lambda left, right: words.say("recall.slot_join", left=left, right=right), items)
