"""Times, money and lists said the way a person at a front desk says them.

Texts can carry "Tuesday, Dec 1 at 2:30 PM" and "$14"; on the phone the same
facts are said "Tuesday the 1st at 2:30 in the afternoon" and "14 dollars", and
a link is never read aloud.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _clock(local: datetime) -> str:
    return local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")


def _spoken_clock(local: datetime) -> str:
    if local.hour == 12 and local.minute == 0:
        return "noon"
    hour = local.hour % 12 or 12
    clock = f"{hour}" if local.minute == 0 else f"{hour}:{local.minute:02d}"
    if local.hour < 12:
        part = "in the morning"
    elif local.hour < 17:
        part = "in the afternoon"
    else:
        part = "in the evening"
    return f"{clock} {part}"


def spoken_time(
    instant: datetime, tz: ZoneInfo, now: datetime, channel: Channel = Channel.SMS
) -> str:
    """'today at 2 PM', 'tomorrow at 10:30 AM', 'Tuesday, Nov 24 at 9 AM' (texts);
    'tomorrow at 10:30 in the morning', 'Tuesday the 24th at 9 in the morning' (calls)."""
    local = instant.astimezone(tz)
    today = now.astimezone(tz).date()
    if channel is Channel.VOICE:
        if local.date() == today:
            day = "today"
        elif local.date() == today + timedelta(days=1):
            day = "tomorrow"
        else:
            day = f"{local.strftime('%A')} the {_ordinal(local.day)}"
        clock = _spoken_clock(local)
        return f"{day} at {clock}"
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"{local.strftime('%A, %b')} {local.day}"
    return f"{day} at {_clock(local)}"


def money(minor: int, channel: Channel = Channel.SMS) -> str:
    """$14, $1,500, $14.50 in a text; 14 dollars, 1,500 dollars on a call."""
    dollars, cents = divmod(minor, 100)
    if channel is Channel.VOICE:
        said = f"{dollars:,} dollars"
        return f"{said} and {cents} cents" if cents else said
    return f"${dollars:,}" if not cents else f"${dollars:,}.{cents:02d}"


def spoken_list(items: Sequence[str], conjunction: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} {items[-1]}"


_LINK = re.compile(r"https?://\S+")


def speakable(text: str) -> str:
    """A reply made fit to be read aloud: no links, no list layout, no symbols."""
    text = _LINK.sub("the link", text)
    text = re.sub(r"^\s*(\d)\)\s*", r"\1: ", text, flags=re.MULTILINE)
    text = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return text.replace("&", "and").replace(" / ", " or ")


def first_name(name: str) -> str:
    """The name to greet someone by: 'Dr. Maya Chen' -> 'Dr. Chen', 'Sofia Ramirez, NP' -> 'Sofia'."""
    base = name.split(",")[0].strip()
    parts = base.split()
    if parts and parts[0].rstrip(".").lower() == "dr" and len(parts) > 1:
        return f"Dr. {parts[-1]}"
    return parts[0] if parts else base
