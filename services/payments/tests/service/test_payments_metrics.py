"""Payments' figures on /metrics: deposits by the state they reached, and refund
failures, each counted once, when its change commits, however often it is reported."""

from __future__ import annotations

import uuid

import pytest
from fake_stripe import FakeStripe, event, sign
from payments_harness import Payments, booking, cancelled, eventually, held
from prometheus_client import REGISTRY

from medspa.events.v1 import booking_pb2

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def deposits(state: str) -> float:
    return REGISTRY.get_sample_value("medspa_payments_deposits_total", {"state": state}) or 0.0


def refund_failures() -> float:
    return REGISTRY.get_sample_value("medspa_payments_refund_failures_total") or 0.0


async def reached(expected: dict[str, float], before: dict[str, float]) -> None:
    async def counted() -> bool:
        return all(deposits(s) - before[s] == n for s, n in expected.items())

    await eventually(counted, f"counted {expected}")


async def test_each_state_is_counted_once(sandbox: Payments) -> None:
    states = ["requested", "paid", "credited", "card_requested", "card_saved", "no_show_charged"]
    before = {s: deposits(s) for s in states}
    item = booking(sandbox.clock, patient_id=f"p-{uuid.uuid4().hex[:8]}")
    first = await sandbox.publish(held(sandbox.clock, item))
    await sandbox.publish(held(sandbox.clock, item), event_id=first, msg_id=str(uuid.uuid4()))
    [asked] = await sandbox.events("deposit.requested", item.appointment_id)
    for _ in range(3):
        await sandbox.http.post(f"{asked.payment_url}/pay")
    await sandbox.publish(cancelled(item))
    await sandbox.state_of(item.appointment_id, "credited")

    missed = booking(
        sandbox.clock,
        service_id="hydrafacial",
        deposit_minor=0,
        patient_id=f"p-{uuid.uuid4().hex[:8]}",
    )
    await sandbox.publish(held(sandbox.clock, missed))
    [card] = await sandbox.events("deposit.card_requested", missed.appointment_id)
    await sandbox.http.post(f"{card.payment_url}/save", content=b"card=4242", headers=FORM)
    await sandbox.state_of(missed.appointment_id, "card_saved")
    await sandbox.publish(booking_pb2.BookingNoShow(booking=missed))
    await sandbox.publish(booking_pb2.BookingNoShow(booking=missed))
    await sandbox.state_of(missed.appointment_id, "fee_charged")

    await reached(dict.fromkeys(states, 1.0), before)
    page = await sandbox.http.get("/metrics")
    assert 'medspa_payments_deposits_total{state="charge_failed"}' in page.text
    assert "medspa_payments_refund_failures_total" in page.text


async def test_a_refund_failure_is_counted_once(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    before = refund_failures()
    item = booking(
        stripe_payments.clock,
        service_id="ipl-photofacial",
        patient_id=f"p-{uuid.uuid4().hex[:8]}",
    )
    await stripe_payments.publish(held(stripe_payments.clock, item))
    [asked] = await stripe_payments.events("deposit.requested", item.appointment_id)
    session = fake_stripe.complete(fake_stripe.session_for(asked.deposit_id)["id"])

    async def hook(payload: bytes) -> None:
        answer = await stripe_payments.http.post(
            "/stripe/webhook", content=payload, headers={"Stripe-Signature": sign(payload)}
        )
        assert answer.status_code == 200

    await hook(event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session))
    await stripe_payments.publish(cancelled(item))
    row = await stripe_payments.state_of(item.appointment_id, "refunded")
    refund = {**fake_stripe.refunds[row["refund_ref"]], "status": "failed"}
    for kind in ("refund.failed", "charge.refund.updated", "refund.failed"):
        await hook(event(f"evt_{uuid.uuid4().hex}", kind, refund))
    await stripe_payments.state_of(item.appointment_id, "refund_failed")

    await eventually(lambda: refund_failures() - before == 1, "the refund failure counted")
