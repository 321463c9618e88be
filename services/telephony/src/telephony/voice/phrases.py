"""Things said aloud that need shaping first: a callback time, a phone number."""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers

from medspa_kit.catalog import Catalog
from spa_config import WEEKDAYS


def spoken_time(catalog: Catalog, moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    half = catalog.say("clock.am" if moment.hour < 12 else "clock.pm")
    if moment.minute == 0:
        return catalog.say("clock.on_the_hour", hour=hour, half=half)
    return catalog.say("clock.with_minutes", hour=hour, minute=f"{moment.minute:02d}", half=half)


def spoken_when(catalog: Catalog, opens_at: datetime, now: datetime) -> str:
    """ "tomorrow, shortly after 9 AM", in the spa's time zone (opens_at carries it)."""
    today = now.astimezone(opens_at.tzinfo).date()
    time = spoken_time(catalog, opens_at)
    if opens_at.date() == today:
        return catalog.say("when.today", time=time)
    if opens_at.date() == today + timedelta(days=1):
        return catalog.say("when.tomorrow", time=time)
    weekday = catalog.say(f"weekday.{WEEKDAYS[opens_at.weekday()]}")
    return catalog.say("when.weekday", weekday=weekday, time=time)


def spoken_phone(e164: str) -> str:
    """Digits in their groups, so text-to-speech reads "4 1 5, 5 5 5, ..." not a large number."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    groups = [g for g in "".join(c if c.isdigit() else " " for c in national).split() if g]
    return ", ".join(" ".join(group) for group in groups)


def written_phone(e164: str) -> str:
    """The way a patient would write the number in a text: (415) 555-0199."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
