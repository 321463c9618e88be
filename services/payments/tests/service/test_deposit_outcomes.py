"""Cancellations, no-shows and visits: the spa's policy applied to a paid deposit,
and credit offered on the patient's next booking."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from payments_harness import Payments, booking, cancelled, eventually, held, paid_on_sandbox

from medspa.events.v1 import booking_pb2

pytestmark = pytest.mark.integration


def patient() -> str:
    return f"patient-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("service_id", "inside_window", "by", "event", "reason", "state"),
    [
        ("ipl-photofacial", False, "patient", "deposit.refunded", "cancelled_in_time", "refunded"),
        ("botox", False, "patient", "deposit.credited", "cancelled_in_time", "credited"),
        ("botox", True, "patient", "deposit.forfeited", "late_cancellation", "forfeited"),
        ("ipl-photofacial", True, "spa", "deposit.refunded", "cancelled_by_spa", "refunded"),
    ],
)
async def test_a_cancellation_applies_the_spa_policy(
    sandbox: Payments,
    service_id: str,
    inside_window: bool,
    by: str,
    event: str,
    reason: str,
    state: str,
) -> None:
    item = booking(sandbox.clock, service_id=service_id, patient_id=patient())
    await paid_on_sandbox(sandbox, item)

    await sandbox.publish(cancelled(item, inside_window=inside_window, by=by))

    [outcome] = await sandbox.events(event, item.appointment_id)
    assert outcome.reason == reason
    assert outcome.amount.amount_minor == 5000
    assert outcome.conversation_id == item.conversation_id
    assert "$50.00" in sandbox.open_notice(outcome.notice)
    row = await sandbox.state_of(item.appointment_id, state)
    assert (row["held_card_minor"], row["held_credit_minor"]) == (0, 0)
    refunds = await sandbox.count(
        "SELECT count(*) FROM sandbox_refunds WHERE payment_ref = $1", row["payment_ref"]
    )
    assert refunds == (1 if event == "deposit.refunded" else 0)


async def test_a_no_show_forfeits_and_a_visit_keeps_the_deposit(sandbox: Payments) -> None:
    missed = booking(sandbox.clock, patient_id=patient())
    visited = booking(sandbox.clock, patient_id=patient())
    await paid_on_sandbox(sandbox, missed)
    await paid_on_sandbox(sandbox, visited)

    await sandbox.publish(booking_pb2.BookingNoShow(booking=missed))
    await sandbox.publish(booking_pb2.BookingCompleted(booking=visited))

    [forfeited] = await sandbox.events("deposit.forfeited", missed.appointment_id)
    assert (forfeited.reason, forfeited.amount.amount_minor) == ("no_show", 5000)
    applied = await sandbox.state_of(visited.appointment_id, "applied")
    assert (
        await sandbox.count(
            "SELECT count(*) FROM ledger_entries WHERE deposit_id = $1 AND target = 'visit'",
            applied["id"],
        )
        == 1
    )


async def test_credit_is_offered_on_the_next_booking(sandbox: Payments) -> None:
    who = patient()
    first = booking(sandbox.clock, patient_id=who)
    await paid_on_sandbox(sandbox, first)
    await sandbox.publish(cancelled(first))
    [credited] = await sandbox.events("deposit.credited", first.appointment_id)
    assert credited.credit_balance.amount_minor == 5000
    assert "$50.00" in sandbox.open_notice(credited.notice)

    # Credit covers the whole of the next deposit: nothing to pay, no link.
    covered = booking(sandbox.clock, patient_id=who)
    await sandbox.publish(held(sandbox.clock, covered))
    [paid] = await sandbox.events("deposit.paid", covered.appointment_id)
    assert (paid.amount.amount_minor, paid.credit_applied.amount_minor) == (5000, 5000)
    assert "nothing to pay" in sandbox.open_notice(paid.notice)
    assert sandbox.tap.of("deposit.requested", covered.appointment_id) == []

    # That booking is cancelled in time too, so the credit comes back, and a
    # dearer booking then pays only the difference.
    await sandbox.publish(cancelled(covered))
    await sandbox.events("deposit.credited", covered.appointment_id)
    dearer = booking(sandbox.clock, patient_id=who, deposit_minor=8000)
    await sandbox.publish(held(sandbox.clock, dearer))
    [requested] = await sandbox.events("deposit.requested", dearer.appointment_id)
    assert (requested.amount.amount_minor, requested.credit_applied.amount_minor) == (3000, 5000)
    assert "Your $50.00 credit is applied" in sandbox.open_notice(requested.notice)
    page = await sandbox.http.get(requested.payment_url)
    assert "Pay $30.00" in page.text and "$50.00 credit is already applied" in page.text


async def test_credit_is_never_spent_twice_by_bookings_made_at_once(sandbox: Payments) -> None:
    who = patient()
    first = booking(sandbox.clock, patient_id=who)
    await paid_on_sandbox(sandbox, first)
    await sandbox.publish(cancelled(first))
    await sandbox.events("deposit.credited", first.appointment_id)

    twins = [booking(sandbox.clock, patient_id=who) for _ in range(4)]
    for item in twins:
        await sandbox.publish(held(sandbox.clock, item))

    def answered() -> list[str] | None:
        seen = []
        for item in twins:
            for name in ("deposit.paid", "deposit.requested"):
                seen.extend([name] * len(sandbox.tap.of(name, item.appointment_id)))
        return seen if len(seen) == len(twins) else None

    outcomes = await eventually(answered, "every twin answered")
    assert sorted(outcomes) == ["deposit.paid"] + ["deposit.requested"] * 3


async def test_a_booking_that_ended_before_its_hold_arrived_gets_no_link(
    sandbox: Payments,
) -> None:
    item = booking(sandbox.clock, patient_id=patient())
    await _handled(sandbox, await sandbox.publish(cancelled(item)))
    await _handled(sandbox, await sandbox.publish(held(sandbox.clock, item)))

    assert await sandbox.deposit(item.appointment_id) is None
    assert sandbox.tap.of("deposit.requested", item.appointment_id) == []


async def _handled(service: Payments, event_id: str) -> None:
    async def done() -> bool:
        return await service.count("SELECT count(*) FROM inbox WHERE event_id = $1", event_id) == 1

    await eventually(done, f"event {event_id} handled")


async def test_a_rescheduled_booking_takes_its_deposit_to_the_new_time(sandbox: Payments) -> None:
    item = booking(sandbox.clock, patient_id=patient())
    await paid_on_sandbox(sandbox, item)
    later = booking_pb2.Booking()
    later.CopyFrom(item)
    later.start.FromDatetime(item.start.ToDatetime() + timedelta(days=2))
    await sandbox.publish(
        booking_pb2.BookingRescheduled(
            booking=later, previous_start=item.start, inside_cancellation_window=False
        )
    )

    async def moved() -> bool:
        row = await sandbox.deposit(item.appointment_id)
        return row is not None and row["appointment_start"] == later.start.ToDatetime(tzinfo=UTC)

    await eventually(moved, "the deposit moved with its booking")
    await sandbox.publish(booking_pb2.BookingNoShow(booking=later))
    [forfeited] = await sandbox.events("deposit.forfeited", item.appointment_id)
    when = later.start.ToDatetime(tzinfo=UTC).astimezone(ZoneInfo("America/Los_Angeles"))
    assert when.strftime("%b %-d at %-I:%M %p") in sandbox.open_notice(forfeited.notice)
