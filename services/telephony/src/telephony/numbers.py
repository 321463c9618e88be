"""Phone numbers as Twilio and people write them, normalised to E.164."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


# Parsing and validating against the numbering plan is the costliest step of reading a text's
# webhook; the same few numbers (the spa's own, a conversation's patient) come back again and
# again. The flood guard already keeps far more callers' numbers in memory than this does.
@lru_cache(maxsize=4096)
def e164_or_none(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
