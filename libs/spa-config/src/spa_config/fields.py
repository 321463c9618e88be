"""The value types every part of a spa file is built from, and the shared model base."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)


class Model(BaseModel):
    """Frozen, and strict about unknown keys so a misspelt setting is an error, not a no-op."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# Ids appear inside NATS subjects (`medspa.evt.<spa_id>....`), so no dots, spaces or capitals.
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} must be 2 to 41 lower-case letters, digits or hyphens, not starting "
            "with a hyphen"
        )
    return value


Slug = Annotated[str, AfterValidator(_slug)]

Text = Annotated[str, StringConstraints(min_length=1)]

# Aliases and keywords are matched against what callers say, so they are kept lower-case.
Keyword = Annotated[str, StringConstraints(min_length=1, to_lower=True)]

# Money is integer minor units (cents) of the spa's currency: floats cannot hold cents exactly.
# Strict, so `14.50` or `"1450"` in a file is an error instead of a silent conversion.
Money = Annotated[int, Field(strict=True, ge=0)]

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}))?$")]

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]

Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+\.[^\s]+$")]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: Any) -> time:
    """'09:30' -> time(9, 30). Only zero-padded 24-hour HH:MM, so a file reads one way."""
    if isinstance(value, time):
        return value
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a 24-hour time like '09:00'")
    return time(int(match[1]), int(match[2]))


def format_clock(moment: time) -> str:
    return moment.strftime("%H:%M")


Clock = Annotated[
    time, BeforeValidator(parse_clock), PlainSerializer(format_clock, return_type=str)
]


def _e164(value: Any) -> str:
    if not isinstance(value, str):
        # An unquoted +1415... reaches us as text, but 1415... is a YAML number.
        raise ValueError(f"{value!r} must be a quoted phone number with its country code")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(
            f"{value!r} is not a phone number with its country code ({error})"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Written in any international format ("+1 (415) 555-0100"), stored as E.164 ("+14155550100").
E164 = Annotated[str, BeforeValidator(_e164)]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{value!r} is not an IANA time zone like 'America/Los_Angeles'") from None
    return value


Timezone = Annotated[str, AfterValidator(_timezone)]
