"""Refunds that fail after Stripe accepted them (or at once): recorded once however
Stripe reports it, the money held against the deposit again, staff told, and never
refunded again by itself; a staff retry is a new refund with a new key."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from fake_stripe import FakeStripe, event, sign
from payments_harness import INTERNAL_TOKEN, SPA, Payments, booking, cancelled, eventually, held

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]
STAFF = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


async def hook(service: Payments, payload: bytes, signature: str | None = None) -> int:
    response = await service.http.post(
        "/stripe/webhook",
        content=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(payload) if signature is None else signature,
        },
    )
    return response.status_code


async def refunded(service: Payments, fake: FakeStripe) -> tuple[Any, Any, dict[str, Any]]:
    """A paid, refundable deposit cancelled in time: refunded (as far as Stripe said at once)."""
    item = booking(
        service.clock, service_id="ipl-photofacial", patient_id=f"p-{uuid.uuid4().hex[:8]}"
    )
    await service.publish(held(service.clock, item))
    [asked] = await service.events("deposit.requested", item.appointment_id)
    session = fake.complete(fake.session_for(asked.deposit_id)["id"])
    payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)
    assert await hook(service, payload) == 200
    await service.state_of(item.appointment_id, "paid")
    await service.publish(cancelled(item))
    row = await service.state_of(item.appointment_id, "refunded")
    return item, row, fake.refunds[row["refund_ref"]]


def failure(refund: dict[str, Any], kind: str) -> bytes:
    failed = {**refund, "status": "failed", "failure_reason": "expired_or_canceled_card"}
    return event(f"evt_{uuid.uuid4().hex}", kind, failed)


def refund_posts(fake: FakeStripe, payment_intent: str) -> list[Any]:
    return [
        c for c in fake.calls_to("POST", "/refunds") if c.form["payment_intent"] == payment_intent
    ]


async def test_a_refund_that_fails_later_is_recorded_once_and_not_refunded_again(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, row, refund = await refunded(stripe_payments, fake_stripe)
    # Stripe reports one failure under several event types, each possibly more than once.
    reports = [
        failure(refund, "refund.failed"),
        failure(refund, "charge.refund.updated"),
        failure(refund, "refund.updated"),
    ]
    deliveries = reports * 3
    random.Random(7).shuffle(deliveries)
    for payload in deliveries:
        assert await hook(stripe_payments, payload) == 200

    [failed] = await stripe_payments.events("deposit.refund_failed", item.appointment_id)
    assert (failed.amount.amount_minor, failed.reason) == (5000, "expired_or_canceled_card")
    assert (failed.refund_ref, failed.attempt) == (refund["id"], 1)
    assert failed.conversation_id == item.conversation_id
    row = await stripe_payments.state_of(item.appointment_id, "refund_failed")
    assert row["held_card_minor"] == 5000
    async with stripe_payments.pool.acquire() as conn:
        kinds = await conn.fetch(
            "SELECT kind, source, target, amount_minor FROM ledger_entries"
            " WHERE deposit_id = $1 ORDER BY id",
            row["id"],
        )
    assert [tuple(k) for k in kinds][-2:] == [
        ("refunded", "held_card", "card", 5000),
        ("refund_failed", "card", "held_card", 5000),
    ]
    assert len(await stripe_payments.recorded("deposit.refund_failed", item.appointment_id)) == 1
    # Nothing refunds it again by itself, however long we wait.
    await stripe_payments.tick(hours=2)
    await stripe_payments.tick(hours=2)
    assert len(refund_posts(fake_stripe, refund["payment_intent"])) == 1


async def test_staff_retry_a_failed_refund_with_a_new_key_and_a_stale_failure_changes_nothing(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, row, refund = await refunded(stripe_payments, fake_stripe)
    deposit_id = str(row["id"])
    # Before any failure is recorded there is nothing to retry.
    early = await stripe_payments.http.post(
        f"/internal/deposits/{deposit_id}/refund", headers=STAFF
    )
    assert early.status_code == 409
    assert await hook(stripe_payments, failure(refund, "refund.failed")) == 200
    await stripe_payments.state_of(item.appointment_id, "refund_failed")

    answer = await stripe_payments.http.post(
        f"/internal/deposits/{deposit_id}/refund", headers=STAFF
    )
    assert answer.status_code == 200 and answer.json()["refund_attempt"] == 2
    again = await stripe_payments.http.post(
        f"/internal/deposits/{deposit_id}/refund", headers=STAFF
    )
    assert again.status_code == 409
    assert (
        await stripe_payments.http.post(f"/internal/deposits/{deposit_id}/refund")
    ).status_code == 401

    async def refunded_again() -> Any:
        found = await stripe_payments.deposit(item.appointment_id)
        return (
            found if found["state"] == "refunded" and found["refund_ref"] != refund["id"] else None
        )

    row = await eventually(refunded_again, "the second refund")
    posts = refund_posts(fake_stripe, refund["payment_intent"])
    assert [p.idempotency_key for p in posts] == [f"refund:{deposit_id}", f"refund:{deposit_id}:2"]
    # The first refund's failure reported again, late: already recorded, changes nothing.
    assert await hook(stripe_payments, failure(refund, "charge.refund.updated")) == 200
    await stripe_payments.tick(seconds=1)
    assert (await stripe_payments.deposit(item.appointment_id))["state"] == "refunded"
    assert len(await stripe_payments.recorded("deposit.refund_failed", item.appointment_id)) == 1
    assert len(await stripe_payments.recorded("deposit.refunded", item.appointment_id)) == 2


async def test_a_refund_stripe_fails_at_once_is_recorded_and_not_asked_again(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item = booking(
        stripe_payments.clock,
        service_id="ipl-photofacial",
        patient_id=f"p-{uuid.uuid4().hex[:8]}",
    )
    await stripe_payments.publish(held(stripe_payments.clock, item))
    [asked] = await stripe_payments.events("deposit.requested", item.appointment_id)
    session = fake_stripe.complete(fake_stripe.session_for(asked.deposit_id)["id"])
    payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)
    assert await hook(stripe_payments, payload) == 200
    await stripe_payments.state_of(item.appointment_id, "paid")
    fake_stripe.refund_status = "failed"
    try:
        await stripe_payments.publish(cancelled(item))
        [failed] = await stripe_payments.events("deposit.refund_failed", item.appointment_id)
    finally:
        fake_stripe.refund_status = "succeeded"
    assert failed.amount.amount_minor == 5000
    row = await stripe_payments.state_of(item.appointment_id, "refund_failed")
    assert row["held_card_minor"] == 5000
    await stripe_payments.tick(hours=2)
    assert len(refund_posts(fake_stripe, session["payment_intent"])) == 1
    # The refund's own failure webhook, arriving after, is the same failure.
    refund = fake_stripe.refunds[row["refund_ref"]]
    assert await hook(stripe_payments, failure(refund, "refund.failed")) == 200
    assert len(await stripe_payments.recorded("deposit.refund_failed", item.appointment_id)) == 1


async def test_forged_or_harmless_refund_events_change_nothing(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    item, _, refund = await refunded(stripe_payments, fake_stripe)
    forged = failure(refund, "refund.failed")
    assert await hook(stripe_payments, forged, sign(forged, secret="whsec_forged")) == 400
    tampered = forged.replace(b'"status": "failed"', b'"status": "failed" ')
    assert await hook(stripe_payments, tampered, sign(forged)) == 400
    succeeded = event(f"evt_{uuid.uuid4().hex}", "charge.refund.updated", refund)
    assert await hook(stripe_payments, succeeded) == 200
    # A failure naming a refund that is not this deposit's current one.
    other = {**refund, "id": "re_someone_else"}
    assert await hook(stripe_payments, failure(other, "refund.failed")) == 200
    await stripe_payments.tick(seconds=1)
    assert (await stripe_payments.deposit(item.appointment_id))["state"] == "refunded"
    assert stripe_payments.tap.of("deposit.refund_failed", item.appointment_id) == []


async def test_staff_retry_through_the_consoles_command_once_per_failure(
    stripe_payments: Payments, fake_stripe: FakeStripe
) -> None:
    from medspa.commands.v1 import commands_pb2

    item, row, refund = await refunded(stripe_payments, fake_stripe)
    deposit_id = str(row["id"])
    assert await hook(stripe_payments, failure(refund, "refund.failed")) == 200
    await stripe_payments.state_of(item.appointment_id, "refund_failed")

    def retry(attempt: int) -> commands_pb2.RetryRefund:
        return commands_pb2.RetryRefund(
            spa_id=SPA, command_id=f"refund-{deposit_id}-{attempt}", deposit_id=deposit_id,
            attempt=attempt, staff_id="5f0c1c9e-7d1f-4b7a-9a53-2f1f0b8f3d11",
        )  # fmt: skip

    # Asked twice (a double click, a redelivery): one new refund.
    for _ in range(2):
        await stripe_payments.publish(retry(1), event_id=f"refund-{deposit_id}-1")

    async def refunded_again() -> Any:
        found = await stripe_payments.deposit(item.appointment_id)
        return (
            found if found["state"] == "refunded" and found["refund_ref"] != refund["id"] else None
        )

    await eventually(refunded_again, "the retried refund")
    second = fake_stripe.refunds[(await stripe_payments.deposit(item.appointment_id))["refund_ref"]]
    # The retry fails too: a new failure (attempt 2). A late command about attempt 1 leaves it
    # for staff, who have not seen it yet.
    assert await hook(stripe_payments, failure(second, "refund.failed")) == 200
    [_, again] = await stripe_payments.events("deposit.refund_failed", item.appointment_id, 2)
    assert again.attempt == 2
    late = await stripe_payments.publish(retry(1), event_id=f"late-{uuid.uuid4()}")

    async def taken() -> Any:
        async with stripe_payments.pool.acquire() as conn:
            return await conn.fetchval("SELECT 1 FROM inbox WHERE event_id = $1", late)

    await eventually(taken, "the late command")
    assert (await stripe_payments.deposit(item.appointment_id))["state"] == "refund_failed"
    await stripe_payments.publish(retry(2), event_id=f"refund-{deposit_id}-2")
    await eventually(refunded_again, "the third refund")
    posts = refund_posts(fake_stripe, refund["payment_intent"])
    assert [p.idempotency_key for p in posts] == [
        f"refund:{deposit_id}",
        f"refund:{deposit_id}:2",
        f"refund:{deposit_id}:3",
    ]
    async with stripe_payments.pool.acquire() as conn:
        actors = await conn.fetch(
            "SELECT detail->>'actor' AS actor FROM deposit_history"
            " WHERE deposit_id = $1 AND trigger = 'retry_refund' ORDER BY id",
            row["id"],
        )
    assert [a["actor"] for a in actors] == ["staff:5f0c1c9e-7d1f-4b7a-9a53-2f1f0b8f3d11"] * 2
