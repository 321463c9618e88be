"""Times and lists said the way a person at a front desk says them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def spoken_time(instant: datetime, tz: ZoneInfo, now: datetime) -> str:
    """'today at 2 PM', 'tomorrow at 10:30 AM', 'Tuesday, Nov 24 at 9 AM'."""
    local = instant.astimezone(tz)
    today = now.astimezone(tz).date()
    clock = local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"{local.strftime('%A, %b')} {local.day}"
    return f"{day} at {clock}"


def spoken_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"
