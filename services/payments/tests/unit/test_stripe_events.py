"""What a verified Stripe event means for a deposit (the webhook's pure part)."""

from __future__ import annotations

from typing import Any

import pytest

from payments.domain.money import Money
from payments.flow.settle import NewsKind
from payments.webhooks import StripeEvent, news_from

DEPOSIT = "0b5f4c9e-2d0e-5f9b-8c51-3c0d9a1e2f33"


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
