"""Money: integer minor units of one ISO 4217 currency, never floats.

Arithmetic across currencies is refused rather than converted: a deposit in
dollars can never be silently netted against credit in euros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"^[A-Z]{3}$")
# ISO 4217 exponents that are not 2; every other code has cents.
_EXPONENT = {"BIF": 0, "CLP": 0, "JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}
_SYMBOL = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; True dollars is a bug, not an amount.
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"money is whole minor units, got {self.minor!r}")
        if not _CODE.match(self.currency):
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    @property
    def positive(self) -> bool:
        return self.minor > 0

    def display(self) -> str:
        """`$50.00`, `¥5000`, `12.500 KWD`: for texts and the payment page."""
        exponent = _EXPONENT.get(self.currency, 2)
        sign = "-" if self.minor < 0 else ""
        major, minor = divmod(abs(self.minor), 10**exponent)
        number = f"{major:,}" + (f".{minor:0{exponent}d}" if exponent else "")
        symbol = _SYMBOL.get(self.currency)
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {self.currency}"
