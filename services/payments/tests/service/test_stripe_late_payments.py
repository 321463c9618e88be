"""Payments that arrive after their hold lapsed, refunds that fail, and disputes, on Stripe."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

import pytest
from fake_stripe import FakeStripe, event, sign
from payments_harness import (
    INTERNAL_TOKEN,
    Payments,
    booking,
    cancelled,
    eventually,
    held,
    policy_told,
)

from medspa.events.v1 import booking_pb2
from payments.ports import HoldStatus

pytestmark = [
    pytest.mark.integration,
    # stripe's httpx client posts its form through httpx's deprecated `data=` bytes path.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]


async def hook(service: Payments, payload: bytes) -> int:
    response = await service.http.post(
        "/stripe/webhook", content=payload, headers={"Stripe-Signature": sign(payload)}
    )
    return response.status_code


def a_booking(service: Payments, **fields: Any) -> booking_pb2.Booking:
    return booking(service.clock, patient_id=f"p-{uuid.uuid4().hex[:6]}", **fields)


async def paid_by_webhook(service: Payments, fake: FakeStripe, item: booking_pb2.Booking) -> Any:
    await service.publish(held(service.clock, item))
    [asked] = await service.events("deposit.requested", item.appointment_id)
    session = fake.complete(fake.session_for(asked.deposit_id)["id"])
    assert (
        await hook(service, event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session))
        == 200
    )
    return await service.state_of(item.appointment_id, "paid")


async def lapsed_then_paid(
    service: Payments, fake: FakeStripe, item: booking_pb2.Booking, *, told: bool = True
) -> dict[str, Any]:
    """The patient pays on Stripe's page just before payments closes the lapsed
    link: the payment is found when payments tries to close it."""
    if told:
        await service.publish(policy_told(service.clock, service.cipher, item))
    await service.publish(held(service.clock, item))
    [asked] = await service.events("deposit.requested", item.appointment_id)
    session = fake.complete(fake.session_for(asked.deposit_id)["id"])
    await service.tick(minutes=16)
    await service.events("deposit.expired", item.appointment_id)
    return session


async def test_a_late_payment_holds_the_same_slot_again(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = a_booking(stripe_payments)
    session = await lapsed_then_paid(stripe_payments, fake_stripe, item)

    row = await stripe_payments.state_of(item.appointment_id, "paid")
    assert row["appointment_id"] != item.appointment_id
    assert row["payment_ref"] == session["payment_intent"]
    [again] = [
        h for h in stripe_payments.calendar.holds if h.conversation_id == item.conversation_id
    ]
    assert again.request_id == f"rehold:{row['id']}:{item.appointment_id}"
    assert again.patient_phone == "+14155550123"
    assert (again.service_id, again.provider_id) == (item.service_id, item.provider_id)
    assert again.start == item.start.ToDatetime(tzinfo=UTC)
    [paid] = await stripe_payments.events("deposit.paid", row["appointment_id"])
    assert paid.previous_appointment_id == item.appointment_id
    assert paid.amount.amount_minor == 5000
    assert "held for you again" in stripe_payments.open_notice(paid.notice)

    # The scheduler then says booking.held for the new hold: it is this deposit's.
    new_hold = booking(
        stripe_payments.clock,
        appointment_id=row["appointment_id"],
        patient_id=item.patient_id,
        start=item.start.ToDatetime(tzinfo=UTC),
    )
    event_id = await stripe_payments.publish(held(stripe_payments.clock, new_hold))

    async def handled() -> bool:
        n = await stripe_payments.count("SELECT count(*) FROM inbox WHERE event_id = $1", event_id)
        return n == 1

    await eventually(handled, "the new hold's booking.held handled")
    assert stripe_payments.tap.of("deposit.requested", row["appointment_id"]) == []
    assert (
        await stripe_payments.count("SELECT count(*) FROM deposits WHERE id = $1", row["id"]) == 1
    )

    # Stripe's own word of the payment, arriving after all that, changes nothing.
    late = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)
    assert await hook(stripe_payments, late) == 200
    assert len(await stripe_payments.recorded("deposit.paid", row["appointment_id"])) == 1
    assert (
        await stripe_payments.count(
            "SELECT count(*) FROM ledger_entries WHERE deposit_id = $1 AND kind = 'collected'",
            row["id"],
        )
        == 1
    )


@pytest.mark.parametrize("told", [True, False], ids=["slot taken", "no number to hold for"])
async def test_a_late_payment_that_cannot_be_held_again_is_refunded_and_the_patient_told(
    stripe_payments: Payments, fake_stripe: FakeStripe, told: bool
) -> None:
    item = a_booking(stripe_payments)
    stripe_payments.calendar.taken = told
    try:
        session = await lapsed_then_paid(stripe_payments, fake_stripe, item, told=told)
        [refunded] = await stripe_payments.events("deposit.refunded", item.appointment_id)
    finally:
        stripe_payments.calendar.taken = False
    assert (refunded.reason, refunded.amount.amount_minor) == ("late_payment", 5000)
    assert "refunded it in full" in stripe_payments.open_notice(refunded.notice)
    row = await stripe_payments.state_of(item.appointment_id, "refunded")
    [call] = [
        c
        for c in fake_stripe.calls_to("POST", "/refunds")
        if c.form["payment_intent"] == session["payment_intent"]
    ]
    assert call.idempotency_key == f"refund:{row['id']}"
    assert call.form == {
        "payment_intent": session["payment_intent"],
        "amount": "5000",
        "reason": "requested_by_customer",
        "metadata[deposit_id]": str(row["id"]),
    }
    assert stripe_payments.tap.of("deposit.paid", item.appointment_id) == []


async def test_a_payment_the_scheduler_released_before_seeing_is_held_again(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = a_booking(stripe_payments)
    await stripe_payments.publish(
        policy_told(stripe_payments.clock, stripe_payments.cipher, item, with_appointment=False)
    )
    row = await paid_by_webhook(stripe_payments, fake_stripe, item)
    # The scheduler's sweeper let the hold go before it read deposit.paid.
    stripe_payments.calendar.statuses[item.appointment_id] = HoldStatus.HELD
    await stripe_payments.publish(
        booking_pb2.BookingCancelled(booking=item, cancelled_by="system", hold_expired=True)
    )
    await stripe_payments.state_of(item.appointment_id, "late_paid")

    async def asked_again() -> bool:
        return (
            await stripe_payments.count(
                "SELECT count(*) FROM provider_jobs WHERE deposit_id = $1 AND kind = 'rehold'"
                " AND last_error = 'hold_not_released'",
                row["id"],
            )
            == 1
        )

    # Until the scheduler has let the old hold go, payments waits rather than collide with it.
    await eventually(asked_again, "the re-hold waiting for the release")
    stripe_payments.calendar.statuses[item.appointment_id] = HoldStatus.RELEASED
    await stripe_payments.tick(seconds=3)

    moved = await stripe_payments.state_of(item.appointment_id, "paid")
    assert moved["appointment_id"] != item.appointment_id
    paid = await stripe_payments.events("deposit.paid", moved["appointment_id"])
    assert paid[0].previous_appointment_id == item.appointment_id


async def test_a_refund_that_fails_is_retried_and_never_doubled(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = a_booking(stripe_payments, service_id="ipl-photofacial")
    row = await paid_by_webhook(stripe_payments, fake_stripe, item)
    # First attempt: Stripe fails before refunding. Second: Stripe refunds but the
    # answer is lost. Third: Stripe answers the same key with the same refund.
    fake_stripe.fail_before["/refunds"] = 1
    fake_stripe.fail_after["/refunds"] = 1
    await stripe_payments.publish(cancelled(item))

    async def attempts(n: int) -> bool:
        return (
            await stripe_payments.count(
                "SELECT coalesce(max(attempts), -1) FROM provider_jobs"
                " WHERE deposit_id = $1 AND kind = 'refund'",
                row["id"],
            )
            == n
        )

    await eventually(lambda: attempts(1), "the first refund attempt failed")
    await stripe_payments.tick(seconds=2)
    await eventually(lambda: attempts(2), "the second refund attempt failed")
    await stripe_payments.tick(seconds=3)

    [refunded] = await stripe_payments.events("deposit.refunded", item.appointment_id)
    assert (refunded.reason, refunded.amount.amount_minor) == ("cancelled_in_time", 5000)
    done = await stripe_payments.state_of(item.appointment_id, "refunded")
    calls = [
        c
        for c in fake_stripe.calls_to("POST", "/refunds")
        if c.form["metadata[deposit_id]"] == str(row["id"])
    ]
    assert len(calls) == 3
    assert {c.idempotency_key for c in calls} == {f"refund:{row['id']}"}
    assert len({tuple(sorted(c.form.items())) for c in calls}) == 1
    made = [
        r for r in fake_stripe.refunds.values() if r["metadata"]["deposit_id"] == str(row["id"])
    ]
    assert len(made) == 1
    assert done["refund_ref"] == made[0]["id"]


async def test_a_dispute_is_answered_with_what_the_patient_was_told(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = a_booking(stripe_payments)
    await stripe_payments.publish(policy_told(stripe_payments.clock, stripe_payments.cipher, item))
    row = await paid_by_webhook(stripe_payments, fake_stripe, item)
    await stripe_payments.publish(booking_pb2.BookingNoShow(booking=item))
    await stripe_payments.events("deposit.forfeited", item.appointment_id)
    dispute = {"id": "dp_test_1", "object": "dispute", "payment_intent": row["payment_ref"]}
    assert (
        await hook(stripe_payments, event("evt_dispute_1", "charge.dispute.created", dispute))
        == 200
    )

    async def disputed() -> bool:
        found = await stripe_payments.deposit(item.appointment_id)
        return found is not None and found["dispute_ref"] == "dp_test_1"

    await eventually(disputed, "the dispute recorded")
    url = f"/internal/deposits/{row['id']}/evidence"
    assert (await stripe_payments.http.get(url)).status_code == 401

    async def evidence_with_what_was_told() -> dict | None:
        # policy.told has its own consumer: it may be handled after the payment's events.
        answer = await stripe_payments.http.get(
            url, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}
        )
        assert answer.status_code == 200
        body = answer.json()
        return body if body["policy_told"] else None

    evidence = await eventually(evidence_with_what_was_told, "the policy told recorded")
    [told] = evidence["policy_told"]
    assert told["policy_version"] == "faq-cancel-v3"
    assert told["policy_text"] == "Cancel 48 hours ahead or the deposit is kept."
    assert (told["channel"], told["answer"]) == ("sms", "accepted")
    assert told["answer_text"] == "Yes, that's fine"
    assert told["phone_last4"] == "0123"
    assert told["message_ref"].startswith("SM")
    assert evidence["terms_on_payment_page"]["text"].startswith("Cancel at least 48 hours")
    assert [h["to"] for h in evidence["history"]] == ["requested", "paid", "forfeited", "forfeited"]
    assert evidence["deposit"]["dispute_ref"] == "dp_test_1"
    assert (
        await stripe_payments.count(
            "SELECT count(*) FROM audit_log WHERE action = 'dispute_evidence.read' AND subject_id = $1",
            str(row["id"]),
        )
        == 1
    )
