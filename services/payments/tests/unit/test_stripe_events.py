"""What a verified Stripe event means for a deposit (the webhook's pure part)."""

from __future__ import annotations

from typing import Any

import pytest

from payments.domain.money import Money
from payments.flow.settle import NewsKind
from payments.webhooks import StripeEvent, news_from

DEPOSIT = "0b5f4c9e-2d0e-5f9b-8c51-3c0d9a1e2f33"


SETUP = {
    "mode": "setup",
    "payment_status": "no_payment_required",
    "payment_intent": None,
    "amount_total": None,
    "setup_intent": "seti_1",
    "customer": "cus_1",
}
REFUND = {
    "id": "re_1",
    "object": "refund",
    "status": "failed",
    "failure_reason": "lost_or_stolen_card",
    "amount": 5000,
}


def stripe_event(kind: str, **fields: Any) -> StripeEvent:
    obj = {
        "id": "cs_test_1",
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": "pi_1",
        "amount_total": 5000,
        "currency": "usd",
        "metadata": {"deposit_id": DEPOSIT},
        **fields,
    }
    return StripeEvent.model_validate({"id": "evt_1", "type": kind, "data": {"object": obj}})


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("checkout.session.completed", {}, NewsKind.PAID),
        ("checkout.session.async_payment_succeeded", {}, NewsKind.PAID),
        ("checkout.session.async_payment_failed", {"payment_status": "unpaid"}, NewsKind.DECLINED),
        ("checkout.session.expired", {"status": "expired"}, NewsKind.LAPSED),
        # Completed with a delayed method: not money yet.
        ("checkout.session.completed", {"payment_status": "unpaid"}, None),
        # Not ours: no deposit in the metadata.
        ("checkout.session.completed", {"metadata": {}}, None),
        ("customer.created", {}, None),
        ("charge.dispute.created", {"id": "dp_1"}, NewsKind.DISPUTED),
        ("charge.dispute.created", {"id": "dp_1", "payment_intent": None}, None),
        # A setup session: a card saved for the no-show fee, nothing charged.
        ("checkout.session.completed", SETUP, NewsKind.SAVED),
        ("checkout.session.completed", {**SETUP, "status": "open"}, None),
        ("checkout.session.expired", {**SETUP, "status": "expired"}, NewsKind.LAPSED),
        ("checkout.session.async_payment_failed", SETUP, None),
        # Refunds: only a failure matters.
        ("refund.failed", REFUND, NewsKind.REFUND_FAILED),
        ("charge.refund.updated", REFUND, NewsKind.REFUND_FAILED),
        ("refund.updated", REFUND, NewsKind.REFUND_FAILED),
        ("charge.refund.updated", {**REFUND, "status": "succeeded"}, None),
        ("refund.failed", {**REFUND, "metadata": {}, "payment_intent": None}, None),
    ],
)
def test_event_meaning(kind: str, fields: dict[str, Any], expected: NewsKind | None) -> None:
    news = news_from(stripe_event(kind, **fields))
    assert (news.kind if news else None) == expected


def test_a_paid_session_carries_the_money_and_the_ids() -> None:
    news = news_from(stripe_event("checkout.session.completed"))
    assert news is not None
    assert news.amount == Money(5000, "USD")
    assert (news.deposit_id, news.link_ref, news.payment_ref) == (DEPOSIT, "cs_test_1", "pi_1")
    assert news.event_id == "evt_1"


def test_a_dispute_is_found_by_its_payment() -> None:
    news = news_from(stripe_event("charge.dispute.created", id="dp_1"))
    assert news is not None
    assert (news.payment_ref, news.dispute_ref, news.deposit_id) == ("pi_1", "dp_1", "")


def test_an_amount_in_no_currency_is_refused() -> None:
    with pytest.raises(ValueError):
        news_from(stripe_event("checkout.session.completed", currency="dollars"))


def test_a_saved_card_carries_its_setup_intent_and_customer() -> None:
    news = news_from(stripe_event("checkout.session.completed", **SETUP))
    assert news is not None and news.amount is None
    assert (news.card_ref, news.customer_ref, news.link_ref) == ("seti_1", "cus_1", "cs_test_1")


def test_a_payment_that_keeps_its_card_says_so() -> None:
    kept = news_from(stripe_event("checkout.session.completed", customer="cus_1"))
    plain = news_from(stripe_event("checkout.session.completed"))
    assert kept is not None and plain is not None
    assert (kept.card_ref, kept.customer_ref) == ("pi_1", "cus_1")
    assert (plain.card_ref, plain.customer_ref) == ("", "")


def test_a_failed_refund_names_the_refund_and_its_reason() -> None:
    news = news_from(stripe_event("refund.failed", **REFUND))
    assert news is not None
    assert (news.refund_ref, news.reason, news.deposit_id) == (
        "re_1",
        "lost_or_stolen_card",
        DEPOSIT,
    )
    # Without our metadata it is found by its payment.
    bare = news_from(stripe_event("refund.failed", **{**REFUND, "metadata": {}}))
    assert bare is not None and (bare.deposit_id, bare.payment_ref) == ("", "pi_1")
