"""Stripe Checkout through the real `stripe` package against a local fake Stripe:
the exact requests payments makes, and its webhook's verification and idempotency."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fake_stripe import WEBHOOK_SECRET, FakeStripe, event, sign
from payments_harness import SPA, Payments, booking, eventually, held

pytestmark = [
    pytest.mark.integration,
    # stripe's httpx client posts its form through httpx's deprecated `data=` bytes path.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]
LA = ZoneInfo("America/Los_Angeles")
CREDIT_TERMS = (
    "Cancel at least 48 hours before your visit and your $50.00 deposit becomes credit toward a"
    " later visit. Later cancellations and missed visits forfeit it."
)


async def hook(service: Payments, payload: bytes, signature: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    headers["Stripe-Signature"] = sign(payload) if signature is None else signature
    response = await service.http.post("/stripe/webhook", content=payload, headers=headers)
    return response.status_code


async def requested(service: Payments, **fields: Any) -> tuple[Any, Any, Any]:
    item = booking(service.clock, **fields)
    message = held(service.clock, item)
    await service.publish(message)
    [asked] = await service.events("deposit.requested", item.appointment_id)
    return item, message, asked


async def test_the_checkout_session_is_created_with_ids_only_and_a_key_per_hold(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, message, asked = await requested(stripe_payments)

    [call] = [
        c
        for c in fake_stripe.calls_to("POST", "/checkout/sessions")
        if c.form.get("metadata[appointment_id]") == item.appointment_id
    ]
    assert call.idempotency_key == f"hold:{item.appointment_id}:5000"
    start = item.start.ToDatetime().replace(tzinfo=ZoneInfo("UTC")).astimezone(LA)
    expires = message.hold_expires_at.ToDatetime().replace(tzinfo=ZoneInfo("UTC"))
    ids = {
        "deposit_id": asked.deposit_id,
        "appointment_id": item.appointment_id,
        "spa_id": SPA,
    }
    assert call.form == {
        "mode": "payment",
        "client_reference_id": asked.deposit_id,
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "5000",
        "line_items[0][price_data][product_data][name]": (
            f"Lumen Aesthetics appointment deposit, {start.strftime('%a, %b %-d at %-I:%M %p')}"
        ),
        **{f"metadata[{k}]": v for k, v in ids.items()},
        **{f"payment_intent_data[metadata][{k}]": v for k, v in ids.items()},
        "success_url": f"{stripe_payments.url}/pay/return?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{stripe_payments.url}/pay/cancelled",
        "expires_at": str(int((expires + timedelta(hours=1)).timestamp())),
        "custom_text[submit][message]": CREDIT_TERMS,
    }
    session = fake_stripe.session_for(asked.deposit_id)
    assert asked.payment_url == session["url"]


async def test_a_paid_session_reported_by_webhook_and_return_page_at_once_is_paid_once(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, _, asked = await requested(stripe_payments)
    session = fake_stripe.complete(fake_stripe.session_for(asked.deposit_id)["id"])
    payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)

    calls = [hook(stripe_payments, payload) for _ in range(6)]
    calls += [
        stripe_payments.http.get("/pay/return", params={"session_id": session["id"]})
        for _ in range(6)
    ]
    random.Random(3).shuffle(calls)
    answers = await asyncio.gather(*calls)
    codes = [a if isinstance(a, int) else a.status_code for a in answers]
    assert set(codes) == {200}

    row = await stripe_payments.state_of(item.appointment_id, "paid")
    [paid] = await stripe_payments.recorded("deposit.paid", item.appointment_id)
    assert paid.amount.amount_minor == 5000
    assert row["payment_ref"] == session["payment_intent"]
    assert (
        await stripe_payments.count(
            "SELECT count(*) FROM ledger_entries WHERE deposit_id = $1 AND kind = 'collected'",
            row["id"],
        )
        == 1
    )
    page = await stripe_payments.http.get("/pay/return", params={"session_id": session["id"]})
    assert "your $50.00 deposit is paid" in page.text


def _forgeries(payload: bytes) -> list[tuple[str, bytes, str]]:
    now = int(time.time())
    reserialised = json.dumps(json.loads(payload)).encode()
    tampered = payload.replace(b'"amount_total": 5000', b'"amount_total": 1')
    assert tampered != payload and reserialised != payload
    return [
        ("signed with another secret", payload, sign(payload, secret="whsec_forged")),
        ("older than the tolerance", payload, sign(payload, at=now - 301)),
        ("body tampered after signing", tampered, sign(payload)),
        ("JSON re-serialised after signing", reserialised, sign(payload)),
        ("no signature", payload, ""),
        ("signature header garbage", payload, "t=abc,v1=zzz"),
        ("signature from the future", payload, sign(payload, at=now + 3600)),
    ]


async def test_a_forged_or_stale_webhook_gets_400_and_changes_nothing(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, _, asked = await requested(stripe_payments)
    session = fake_stripe.complete(fake_stripe.session_for(asked.deposit_id)["id"])
    payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)
    before = await stripe_payments.count("SELECT count(*) FROM provider_events")

    for what, body, signature in _forgeries(payload):
        assert await hook(stripe_payments, body, signature) == 400, what

    assert await stripe_payments.count("SELECT count(*) FROM provider_events") == before
    row = await stripe_payments.deposit(item.appointment_id)
    assert row is not None and row["state"] == "requested"
    # The genuine one, within tolerance, is accepted.
    assert await hook(stripe_payments, payload, sign(payload, secret=WEBHOOK_SECRET)) == 200
    await stripe_payments.state_of(item.appointment_id, "paid")


async def test_the_same_webhooks_three_times_in_shuffled_order_are_handled_once(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    paid_item, _, paid_asked = await requested(stripe_payments)
    failed_item, _, failed_asked = await requested(stripe_payments)
    lapsed_item, _, lapsed_asked = await requested(stripe_payments)
    paid = fake_stripe.complete(fake_stripe.session_for(paid_asked.deposit_id)["id"])
    failed = fake_stripe.session_for(failed_asked.deposit_id)
    lapsed = fake_stripe.session_for(lapsed_asked.deposit_id)
    payloads = [
        event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", paid),
        event(f"evt_{uuid.uuid4().hex}", "checkout.session.async_payment_failed", failed),
        event(
            f"evt_{uuid.uuid4().hex}", "checkout.session.expired", {**lapsed, "status": "expired"}
        ),
    ]
    deliveries = payloads * 3
    random.Random(11).shuffle(deliveries)
    for payload in deliveries:
        assert await hook(stripe_payments, payload) == 200

    await stripe_payments.state_of(paid_item.appointment_id, "paid")
    await stripe_payments.state_of(failed_item.appointment_id, "declined")
    await stripe_payments.state_of(lapsed_item.appointment_id, "expired")
    assert len(await stripe_payments.recorded("deposit.paid", paid_item.appointment_id)) == 1
    [declined] = await stripe_payments.events("deposit.expired", failed_item.appointment_id)
    [expired] = await stripe_payments.events("deposit.expired", lapsed_item.appointment_id)
    assert (declined.reason, expired.reason) == ("declined", "lapsed")
    ids = [json.loads(p)["id"] for p in payloads]
    assert (
        await stripe_payments.count(
            "SELECT count(*) FROM provider_events WHERE event_id = ANY($1)", ids
        )
        == 3
    )


async def test_events_out_of_order_change_only_what_still_matters(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, _, asked = await requested(stripe_payments)
    session = fake_stripe.session_for(asked.deposit_id)
    # A delayed payment method: completed but not yet paid is not money.
    unpaid = {**session, "status": "complete", "payment_status": "unpaid"}
    assert await hook(stripe_payments, event("evt_u1", "checkout.session.completed", unpaid)) == 200
    paid = fake_stripe.complete(session["id"])
    succeeded = event(f"evt_{uuid.uuid4().hex}", "checkout.session.async_payment_succeeded", paid)
    expired_late = event(
        f"evt_{uuid.uuid4().hex}", "checkout.session.expired", {**paid, "status": "expired"}
    )
    failed_late = event(f"evt_{uuid.uuid4().hex}", "checkout.session.async_payment_failed", paid)
    for payload in (succeeded, expired_late, failed_late):
        assert await hook(stripe_payments, payload) == 200

    await stripe_payments.state_of(item.appointment_id, "paid")
    assert stripe_payments.tap.of("deposit.expired", item.appointment_id) == []
    assert len(await stripe_payments.recorded("deposit.paid", item.appointment_id)) == 1


async def test_events_for_sessions_that_are_not_ours_are_acknowledged(
    stripe_payments: Payments,
) -> None:
    foreign = {
        "id": "cs_live_elsewhere",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 999,
        "currency": "usd",
        "metadata": {},
    }
    assert (
        await hook(stripe_payments, event("evt_f1", "checkout.session.completed", foreign)) == 200
    )
    spoofed = {**foreign, "metadata": {"deposit_id": str(uuid.uuid4())}}
    assert (
        await hook(stripe_payments, event("evt_f2", "checkout.session.completed", spoofed)) == 200
    )
    assert await hook(stripe_payments, event("evt_f3", "customer.created", {"id": "cus_1"})) == 200
    assert await hook(stripe_payments, b'{"id": 1}') == 400
    assert await hook(stripe_payments, b" " * (600 * 1024)) == 413

    async def recorded() -> bool:
        return (
            await stripe_payments.count(
                "SELECT count(*) FROM provider_events WHERE event_id = 'evt_f2' AND deposit_id IS NULL"
            )
            == 1
        )

    await eventually(recorded, "the spoofed event recorded without a deposit")


async def test_a_link_stripe_refuses_to_make_is_not_asked_for_again(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = booking(stripe_payments.clock, deposit_minor=30)
    event_id = await stripe_payments.publish(held(stripe_payments.clock, item))

    async def handled() -> bool:
        n = await stripe_payments.count("SELECT count(*) FROM inbox WHERE event_id = $1", event_id)
        return n == 1

    await eventually(handled, "the refused booking.held handled")
    assert await stripe_payments.deposit(item.appointment_id) is None
    calls = [
        c
        for c in fake_stripe.calls_to("POST", "/checkout/sessions")
        if c.form.get("metadata[appointment_id]") == item.appointment_id
    ]
    assert len(calls) == 1
