"""Every text payments can send exists in the catalog, fills in, and says the amount."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from payments.domain.money import Money
from payments.domain.policy import RefundRule, Terms
from payments.words import Words, policy_version

LA = ZoneInfo("America/Los_Angeles")
# Everything the events adapter and the pages hand to a template.
VALUES = {
    "service": "Botox",
    "when": "Tue, Dec 1 at 10:00 AM",
    "amount": "$50.00",
    "credit": "$20.00",
    "balance": "$70.00",
    "url": "https://pay.example/p/abc",
    "expires": "10:15 AM",
    "policy": "Cancel at least 48 hours before.",
    "window": 48,
    "spa": "Lumen Aesthetics",
    "fee": "$50.00",
    "deposit": "$40.00",
}
# Each reason the state machine and the policy can give an event.
NOTICES = [
    "notice.requested",
    "notice.requested_with_credit",
    "notice.paid.credit",
    "notice.paid.reheld",
    *(f"notice.expired.{r}" for r in ("lapsed", "declined")),
    *(
        f"notice.refunded.{r}"
        for r in ("cancelled_in_time", "cancelled_by_spa", "late_payment", "paid_after_cancel")
    ),
    *(f"notice.forfeited.{r}" for r in ("late_cancellation", "no_show", "non_refundable")),
    "notice.credited",
    "notice.card_requested",
    "notice.no_show_charged.fee",
    "notice.no_show_charged.rest",
]


@pytest.fixture(scope="module")
def words() -> Words:
    return Words("en-US", LA)


@pytest.mark.parametrize("key", NOTICES)
def test_every_notice_fills_in_and_stays_logistics(words: Words, key: str) -> None:
    text = words.say(key, **VALUES)
    assert "{" not in text and "}" not in text
    # Texts carry logistics only: no diagnosis, no advice, no patient data.
    assert not re.search(r"\b(diagnos|medical|dose|symptom)", text, re.IGNORECASE)
    # The card request's amount is in its terms ({policy}), which name the fee.
    quiet = ("notice.expired.lapsed", "notice.expired.declined", "notice.paid.credit")
    if key not in (*quiet, "notice.card_requested"):
        assert "$" in text


@pytest.mark.parametrize("rule", list(RefundRule))
def test_the_policy_is_worded_for_each_refund_rule(words: Words, rule: RefundRule) -> None:
    text = words.policy(Terms(rule, 24), Money(7500, "USD"))
    assert "$75.00" in text
    if rule is not RefundRule.NON_REFUNDABLE:
        assert "24 hours" in text


def test_a_fee_larger_than_the_deposit_is_in_its_terms(words: Words) -> None:
    terms = Terms(RefundRule.CREDIT, 48, Money(5000, "USD"))
    text = words.policy(terms, Money(4000, "USD"))
    assert "$50.00 no-show fee" in text and "other $10.00 is charged" in text
    # A deposit that covers the fee says nothing more than before.
    assert "no-show" not in words.policy(terms, Money(5000, "USD"))


def test_the_card_on_file_terms_name_the_fee(words: Words) -> None:
    text = words.card_policy(Terms(RefundRule.REFUNDABLE, 24, Money(5000, "USD")))
    assert "Nothing is charged now" in text
    assert "$50.00 no-show fee" in text and "24" in text


def test_the_policy_version_names_the_exact_words(words: Words) -> None:
    terms = Terms(RefundRule.CREDIT, 48)
    text = words.policy(terms, Money(5000, "USD"))
    assert policy_version(text) == policy_version(words.policy(terms, Money(5000, "USD")))
    assert policy_version(text) != policy_version(words.policy(terms, Money(5001, "USD")))
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", policy_version(text))


def test_times_are_the_spa_s_local_time(words: Words) -> None:
    instant = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert words.when(instant) == "Tue, Dec 1 at 10:00 AM"
    assert words.time(instant) == "10:00 AM"


def test_no_catalog_entry_is_unused(words: Words) -> None:
    pages = {
        "page.title",
        "page.heading",
        "page.when",
        "page.amount",
        "page.credit",
        "page.expires",
        "page.pay",
        "page.decline",
        "page.sandbox",
        "page.paid",
        "page.processing",
        "page.declined",
        "page.expired",
        "page.settled",
        "page.cancelled",
        "page.not_found",
        "page.card_title",
        "page.card_heading",
        "page.card_amount",
        "page.save",
        "page.no_thanks",
        "page.test_card",
        *(f"page.test_card.{card}" for card in ("4242", "0341", "3184")),
        "page.card_saved",
        "page.card_pending",
        "page.card_declined",
        "page.card_expired",
    }
    described = {"payment.description", "card.description", "fee.description"}
    used = {*NOTICES, *pages, "format.when", "format.time", *described}
    used |= {"policy.card", "policy.fee_beyond_deposit"}
    used |= {f"policy.{rule.value}" for rule in RefundRule}
    for key in pages | described:
        words.say(key, **VALUES)
    assert words.keys() == used
