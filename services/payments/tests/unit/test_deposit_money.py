"""Money stays whole minor units of one currency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.domain.money import CurrencyMismatch, Money


@pytest.mark.parametrize(
    ("money", "shown"),
    [
        (Money(5000, "USD"), "$50.00"),
        (Money(5, "USD"), "$0.05"),
        (Money(123456789, "USD"), "$1,234,567.89"),
        (Money(-250, "EUR"), "-€2.50"),
        (Money(5000, "JPY"), "¥5,000"),
        (Money(12500, "KWD"), "12.500 KWD"),
        (Money(999, "CHF"), "9.99 CHF"),
    ],
)
def test_display(money: Money, shown: str) -> None:
    assert money.display() == shown


@pytest.mark.parametrize("bad", [50.0, True, "5000", None])
def test_refuses_anything_but_whole_minor_units(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(bad, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["usd", "US", "USDX", ""])
def test_refuses_a_bad_currency(code: str) -> None:
    with pytest.raises(ValueError):
        Money(1, code)


def test_currencies_never_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "USD") < Money(1, "EUR")


@given(st.integers(-(10**12), 10**12), st.integers(-(10**12), 10**12))
def test_arithmetic_is_exact(a: int, b: int) -> None:
    total = Money(a, "USD") + Money(b, "USD")
    assert total.minor == a + b
    assert (total - Money(b, "USD")) == Money(a, "USD")
    assert Money(a, "USD").min(Money(b, "USD")).minor == min(a, b)
