"""Phone number checks and the small formatting Twilio does with numbers."""

import re

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")

# Country for the webhook's FromCountry/ToCountry; Twilio looks it up, the sandbox only knows
# a few calling codes and sends "" otherwise, as Twilio does for unknown numbers.
_COUNTRIES = {"1": "US", "44": "GB", "61": "AU", "64": "NZ", "353": "IE", "52": "MX"}


def is_e164(number: str) -> bool:
    return bool(_E164.match(number))


def from_query(raw: str) -> str:
    """A phone number from a query string, where an unencoded '+' arrives as a space."""
    number = raw.strip()
    return number if number.startswith("+") else f"+{number}"


def country_of(number: str) -> str:
    digits = number.removeprefix("+")
    for length in (1, 2, 3):
        country = _COUNTRIES.get(digits[:length])
        if country:
            return country
    return ""


def display_format(number: str) -> str:
    """Twilio's ``*_formatted`` call fields: North American numbers as (415) 555-0100."""
    if len(number) == 12 and number.startswith("+1"):
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number
