"""Phone numbers as Twilio and people write them, normalised to E.164."""

from __future__ import annotations

import phonenumbers


def e164_or_none(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
