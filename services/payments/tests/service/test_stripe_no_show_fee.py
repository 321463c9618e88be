"""The no-show fee through the real `stripe` package against the local fake Stripe: the
exact requests (a Customer, a Checkout Session in setup mode, the off-session
PaymentIntent), each with its idempotency key, and the webhook saving the card once."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fake_stripe import FakeStripe, event, sign
from payments_harness import SPA, Payments, booking, eventually, held

from medspa.events.v1 import booking_pb2

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]
LA = ZoneInfo("America/Los_Angeles")
CARD_TERMS = (
    "Nothing is charged now. If you miss your visit without cancelling at least 48 hours"
    " before it, the $50.00 no-show fee is charged to this card."
)


def patient() -> str:
    return f"patient-{uuid.uuid4().hex[:8]}"


async def hook(service: Payments, payload: bytes) -> int:
    response = await service.http.post(
        "/stripe/webhook",
        content=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )
    return response.status_code


def when(item: booking_pb2.Booking) -> str:
    start = item.start.ToDatetime(tzinfo=UTC).astimezone(LA)
    return start.strftime("%a, %b %-d at %-I:%M %p")


async def card_on_file(
    service: Payments, fake: FakeStripe, card: str = "4242"
) -> tuple[booking_pb2.Booking, Any, dict[str, Any]]:
    """A booking with no deposit; the patient saves `card` and Stripe's webhook says so."""
    item = booking(service.clock, service_id="hydrafacial", deposit_minor=0, patient_id=patient())
    await service.publish(held(service.clock, item))
    [asked] = await service.events("deposit.card_requested", item.appointment_id)
    session = fake.save(fake.session_for(asked.deposit_id)["id"], card)
    assert (
        await hook(service, event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session))
        == 200
    )
    await service.state_of(item.appointment_id, "card_saved")
    return item, asked, session


async def test_the_card_is_asked_for_with_a_setup_session_a_customer_and_a_key_per_hold(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = booking(
        stripe_payments.clock, service_id="hydrafacial", deposit_minor=0, patient_id=patient()
    )
    message = held(stripe_payments.clock, item)
    await stripe_payments.publish(message)
    [asked] = await stripe_payments.events("deposit.card_requested", item.appointment_id)
    assert asked.no_show_fee.amount_minor == 5000 and asked.terms == CARD_TERMS

    ids = {"deposit_id": asked.deposit_id, "appointment_id": item.appointment_id, "spa_id": SPA}
    [customer] = [
        c
        for c in fake_stripe.calls_to("POST", "/customers")
        if c.form.get("metadata[appointment_id]") == item.appointment_id
    ]
    assert customer.idempotency_key == f"customer:card:{item.appointment_id}"
    assert customer.form == {f"metadata[{k}]": v for k, v in ids.items()}
    [created] = [c for c in fake_stripe.customers.values() if c["metadata"] == ids]

    [call] = [
        c
        for c in fake_stripe.calls_to("POST", "/checkout/sessions")
        if c.form.get("metadata[appointment_id]") == item.appointment_id
    ]
    assert call.idempotency_key == f"card:{item.appointment_id}"
    hold_expires = message.hold_expires_at.ToDatetime(tzinfo=UTC)
    # Payments' own expiry is 20 hours after the hold; Stripe's backstop an hour later.
    stripe_expires = hold_expires + timedelta(hours=21)
    assert call.form == {
        "client_reference_id": asked.deposit_id,
        **{f"metadata[{k}]": v for k, v in ids.items()},
        "mode": "setup",
        "currency": "usd",
        **{f"setup_intent_data[metadata][{k}]": v for k, v in ids.items()},
        "setup_intent_data[description]": (
            f"Lumen Aesthetics card on file for the no-show fee, {when(item)}"
        ),
        "customer": created["id"],
        "success_url": f"{stripe_payments.url}/pay/return?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{stripe_payments.url}/pay/cancelled",
        "expires_at": str(int(stripe_expires.timestamp())),
        "custom_text[submit][message]": CARD_TERMS,
    }
    assert asked.payment_url == fake_stripe.session_for(asked.deposit_id)["url"]


async def test_the_saved_card_reported_by_webhooks_and_the_return_page_is_saved_once(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = booking(
        stripe_payments.clock, service_id="hydrafacial", deposit_minor=0, patient_id=patient()
    )
    await stripe_payments.publish(held(stripe_payments.clock, item))
    [asked] = await stripe_payments.events("deposit.card_requested", item.appointment_id)
    session = fake_stripe.save(fake_stripe.session_for(asked.deposit_id)["id"])
    payloads = [
        event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session),
        # Stripe's own expiry arriving late changes nothing once the card is saved.
        event(
            f"evt_{uuid.uuid4().hex}", "checkout.session.expired", {**session, "status": "expired"}
        ),
    ]
    calls = [hook(stripe_payments, p) for p in payloads * 3]
    calls += [
        stripe_payments.http.get("/pay/return", params={"session_id": session["id"]})
        for _ in range(3)
    ]
    random.Random(5).shuffle(calls)
    answers = await asyncio.gather(*calls)
    assert {a if isinstance(a, int) else a.status_code for a in answers} == {200}

    row = await stripe_payments.state_of(item.appointment_id, "card_saved")
    assert (row["card_ref"], row["customer_ref"]) == (session["setup_intent"], session["customer"])
    async with stripe_payments.pool.acquire() as conn:
        changes = await conn.fetch(
            "SELECT to_state FROM deposit_history WHERE deposit_id = $1 ORDER BY id", row["id"]
        )
    assert [c["to_state"] for c in changes] == ["requested", "card_saved"]
    page = await stripe_payments.http.get("/pay/return", params={"session_id": session["id"]})
    assert "your card is saved" in page.text


async def test_a_no_show_charges_the_saved_card_off_session_with_a_key_per_appointment(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, asked, session = await card_on_file(stripe_payments, fake_stripe)
    # Stripe fails the first attempt before doing anything: the worker asks again, same key.
    fake_stripe.fail_before["/payment_intents"] = 1

    await stripe_payments.publish(booking_pb2.BookingNoShow(booking=item))
    await stripe_payments.publish(booking_pb2.BookingNoShow(booking=item))

    async def charged_after_backoff() -> list[Any]:
        await stripe_payments.tick(seconds=5)  # the retry's backoff passes
        return stripe_payments.tap.of("deposit.no_show_charged", item.appointment_id)

    [charged] = await eventually(charged_after_backoff, "the fee charged on the retry")
    assert charged.amount.amount_minor == 5000
    setup = fake_stripe.setup_intents[session["setup_intent"]]
    assert fake_stripe.calls_to("GET", f"/setup_intents/{session['setup_intent']}")
    posts = [
        c
        for c in fake_stripe.calls_to("POST", "/payment_intents")
        if c.idempotency_key == f"no_show_fee:{item.appointment_id}"
    ]
    assert len(posts) == 2 and posts[0].form == posts[1].form
    ids = {"deposit_id": asked.deposit_id, "appointment_id": item.appointment_id, "spa_id": SPA}
    assert posts[0].form == {
        "amount": "5000",
        "currency": "usd",
        "customer": session["customer"],
        "payment_method": setup["payment_method"],
        "off_session": "true",
        "confirm": "true",
        "description": f"Lumen Aesthetics no-show fee, {when(item)}",
        **{f"metadata[{k}]": v for k, v in ids.items()},
        "metadata[charge]": "no_show_fee",
    }
    made = [
        p
        for p in fake_stripe.payment_intents.values()
        if p["metadata"].get("appointment_id") == item.appointment_id
    ]
    assert len(made) == 1
    row = await stripe_payments.state_of(item.appointment_id, "fee_charged")
    assert row["fee_ref"] == made[0]["id"]
    assert len(await stripe_payments.recorded("deposit.no_show_charged", item.appointment_id)) == 1


@pytest.mark.parametrize(
    ("card", "reason"), [("0341", "card_declined"), ("3184", "authentication_required")]
)
async def test_a_refused_charge_is_recorded_published_and_never_retried(
    stripe_payments: Payments, fake_stripe: FakeStripe, card: str, reason: str
) -> None:
    item, _, _ = await card_on_file(stripe_payments, fake_stripe, card)

    await stripe_payments.publish(booking_pb2.BookingNoShow(booking=item))

    [failed] = await stripe_payments.events("deposit.charge_failed", item.appointment_id)
    assert (failed.reason, failed.amount.amount_minor) == (reason, 5000)
    row = await stripe_payments.state_of(item.appointment_id, "fee_failed")
    refused = [
        p
        for p in fake_stripe.payment_intents.values()
        if p["metadata"].get("appointment_id") == item.appointment_id
    ]
    assert [r["id"] for r in refused] == [row["fee_ref"]]
    await stripe_payments.tick(hours=3)
    await stripe_payments.publish(booking_pb2.BookingNoShow(booking=item))
    await stripe_payments.tick(hours=3)

    async def settled() -> bool:
        return (
            await stripe_payments.count(
                "SELECT count(*) FROM provider_jobs WHERE idempotency_key = $1 AND done_at IS NOT NULL",
                f"no_show_fee:{item.appointment_id}",
            )
            == 1
        )

    await eventually(settled, "the charge job done")
    posts = [
        c
        for c in fake_stripe.calls_to("POST", "/payment_intents")
        if c.idempotency_key == f"no_show_fee:{item.appointment_id}"
    ]
    assert len(posts) == 1
    async with stripe_payments.pool.acquire() as conn:
        entries = await conn.fetch(
            "SELECT kind, amount_minor FROM ledger_entries WHERE deposit_id = $1", row["id"]
        )
    assert [(e["kind"], e["amount_minor"]) for e in entries] == [("fee_unpaid", 5000)]


async def test_a_deposit_smaller_than_the_fee_keeps_the_card_it_is_paid_with(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = booking(
        stripe_payments.clock,
        service_id="laser-hair-removal",
        deposit_minor=4000,
        patient_id=patient(),
    )
    await stripe_payments.publish(held(stripe_payments.clock, item))
    [asked] = await stripe_payments.events("deposit.requested", item.appointment_id)
    [call] = [
        c
        for c in fake_stripe.calls_to("POST", "/checkout/sessions")
        if c.form.get("metadata[appointment_id]") == item.appointment_id
    ]
    assert call.form["mode"] == "payment"
    assert call.form["payment_intent_data[setup_future_usage]"] == "off_session"
    assert call.form["customer"].startswith("cus_")
    assert "the other $10.00 is charged" in call.form["custom_text[submit][message]"]

    session = fake_stripe.complete(fake_stripe.session_for(asked.deposit_id)["id"])
    assert (
        await hook(
            stripe_payments, event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)
        )
        == 200
    )
    row = await stripe_payments.state_of(item.appointment_id, "paid")
    assert row["card_ref"] == session["payment_intent"]

    await stripe_payments.publish(booking_pb2.BookingNoShow(booking=item))

    [charged] = await stripe_payments.events("deposit.no_show_charged", item.appointment_id)
    assert (charged.amount.amount_minor, charged.deposit_forfeited.amount_minor) == (1000, 4000)
    [post] = [
        c
        for c in fake_stripe.calls_to("POST", "/payment_intents")
        if c.idempotency_key == f"no_show_fee:{item.appointment_id}"
    ]
    paid_with = fake_stripe.payment_intents[session["payment_intent"]]
    assert (post.form["amount"], post.form["payment_method"]) == (
        "1000",
        paid_with["payment_method"],
    )
    assert fake_stripe.calls_to("GET", f"/payment_intents/{session['payment_intent']}")
