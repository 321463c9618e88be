"""The cancellation policy as a table: who cancelled, when, and the spa's rule."""

from __future__ import annotations

from pathlib import Path

import pytest

import spa_config
from payments.domain.money import Money
from payments.domain.policy import (
    Decision,
    Outcome,
    RefundRule,
    Terms,
    on_cancellation,
    on_completed,
    on_no_show,
    terms_for,
)
from spa_config import UnknownId, load_spas, parse_spa

R, N, C = RefundRule.REFUNDABLE, RefundRule.NON_REFUNDABLE, RefundRule.CREDIT
DEMO = Path(spa_config.__file__).parent / "demo" / "lumen-aesthetics.yaml"


@pytest.mark.parametrize(
    ("rule", "inside_window", "by", "expected"),
    [
        (R, False, "patient", Decision(Outcome.REFUND, "cancelled_in_time")),
        (C, False, "patient", Decision(Outcome.CREDIT, "cancelled_in_time")),
        (N, False, "patient", Decision(Outcome.FORFEIT, "non_refundable")),
        (R, True, "patient", Decision(Outcome.FORFEIT, "late_cancellation")),
        (C, True, "patient", Decision(Outcome.FORFEIT, "late_cancellation")),
        (N, True, "patient", Decision(Outcome.FORFEIT, "late_cancellation")),
        (R, True, "spa", Decision(Outcome.REFUND, "cancelled_by_spa")),
        (C, False, "spa", Decision(Outcome.REFUND, "cancelled_by_spa")),
        (N, True, "system", Decision(Outcome.REFUND, "cancelled_by_spa")),
    ],
)
def test_cancellation(rule: RefundRule, inside_window: bool, by: str, expected: Decision) -> None:
    terms = Terms(rule, 48)
    assert on_cancellation(terms, inside_window=inside_window, cancelled_by=by) == expected


def test_no_show_forfeits_and_a_visit_applies() -> None:
    assert on_no_show() == Decision(Outcome.FORFEIT, "no_show")
    assert on_completed() == Decision(Outcome.APPLY, "visit_completed")


@pytest.mark.parametrize(
    ("service_id", "rule"),
    [
        ("botox", C),  # {refund: credit} in the demo file
        ("lip-filler", C),
        ("ipl-photofacial", R),
        ("hydrafacial", R),  # no deposit configured: the config's default rule
    ],
)
def test_terms_come_from_the_spa_config(service_id: str, rule: RefundRule) -> None:
    spa = load_spas(None).get("lumen-aesthetics")
    fee = Money(spa.policies.no_show_fee, "USD")
    assert terms_for(spa, service_id) == Terms(rule, spa.policies.cancellation_window_hours, fee)


def test_a_non_refundable_deposit_and_a_shorter_window() -> None:
    text = DEMO.read_text()
    text = text.replace("applies_to: new_patients, refund: credit}", "refund: non_refundable}", 1)
    text = text.replace("cancellation_window_hours: 48", "cancellation_window_hours: 24")
    spa = parse_spa(text, source="strict.yaml")
    assert terms_for(spa, "botox") == Terms(N, 24, Money(5000, "USD"))


def test_a_spa_without_a_no_show_fee_has_none() -> None:
    text = DEMO.read_text().replace("no_show_fee: 5000", "no_show_fee: 0")
    spa = parse_spa(text, source="nofee.yaml")
    assert terms_for(spa, "botox").no_show_fee is None


@pytest.mark.parametrize(
    ("fee", "forfeited", "rest"),
    [(5000, 0, 5000), (5000, 4000, 1000), (5000, 5000, 0), (5000, 7000, 0)],
)
def test_the_fee_beyond_a_forfeited_deposit(fee: int, forfeited: int, rest: int) -> None:
    terms = Terms(R, 48, Money(fee, "USD"))
    assert terms.fee_beyond(Money(forfeited, "USD")) == Money(rest, "USD")
    assert Terms(R, 48).fee_beyond(Money(forfeited, "USD")) == Money(0, "USD")


def test_an_unknown_service_is_refused() -> None:
    spa = load_spas(None).get("lumen-aesthetics")
    with pytest.raises(UnknownId):
        terms_for(spa, "no-such-service")
