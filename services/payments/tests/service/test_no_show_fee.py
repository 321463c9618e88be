"""The no-show fee on the sandbox, through the service: a card saved at booking when no
deposit is due (or the card a smaller deposit is paid with), charged on booking.no_show,
a card that refuses it recorded and never charged again, and the ledger and the
owner's totals carrying it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from payments_harness import (
    INTERNAL_TOKEN,
    SPA,
    Payments,
    booking,
    cancelled,
    eventually,
    held,
)

from medspa.events.v1 import booking_pb2

pytestmark = pytest.mark.integration
STAFF = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def patient() -> str:
    return f"patient-{uuid.uuid4().hex[:8]}"


async def card_requested(service: Payments, **fields: Any) -> tuple[booking_pb2.Booking, Any]:
    item = booking(service.clock, service_id="hydrafacial", deposit_minor=0, **fields)
    await service.publish(held(service.clock, item))
    [asked] = await service.events("deposit.card_requested", item.appointment_id)
    return item, asked


async def save_card(service: Payments, asked: Any, card: str = "4242") -> None:
    answer = await service.http.post(
        f"{asked.payment_url}/save", content=f"card={card}".encode(), headers=_FORM
    )
    assert answer.status_code == 303


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def ledger(service: Payments, deposit_id: object) -> list[tuple[str, str, str, int]]:
    async with service.pool.acquire() as conn:
        found = await conn.fetch(
            "SELECT kind, source, target, amount_minor FROM ledger_entries"
            " WHERE deposit_id = $1 ORDER BY id",
            deposit_id,
        )
    return [(r["kind"], r["source"], r["target"], r["amount_minor"]) for r in found]


async def charges(service: Payments, deposit: Any) -> int:
    return await service.count(
        "SELECT count(*) FROM sandbox_charges WHERE card_ref = $1", deposit["card_ref"]
    )


async def test_a_booking_without_a_deposit_asks_for_a_card_that_names_the_fee(
    sandbox: Payments,
) -> None:
    item, asked = await card_requested(sandbox, patient_id=patient())

    assert (asked.no_show_fee.amount_minor, asked.no_show_fee.currency) == (5000, "USD")
    assert asked.conversation_id == item.conversation_id
    assert "$50.00 no-show fee" in asked.terms and "Nothing is charged now" in asked.terms
    # Not a deposit: nothing the agent reads as one, nothing for the scheduler.
    assert sandbox.tap.of("deposit.requested", item.appointment_id) == []
    notice = sandbox.open_notice(asked.notice)
    assert asked.payment_url in notice and "$50.00 no-show fee" in notice
    assert "Nothing is charged now" in notice

    page = await sandbox.http.get(asked.payment_url)
    assert page.status_code == 200
    assert "Save card" in page.text and "No thanks" in page.text and "$50.00" in page.text
    assert "0341: declined when charged later" in page.text

    saved = await sandbox.http.post(
        f"{asked.payment_url}/save", content=b"card=4242", headers=_FORM, follow_redirects=True
    )
    assert "your card is saved" in saved.text
    row = await sandbox.state_of(item.appointment_id, "card_saved")
    assert row["purpose"] == "card" and row["card_ref"].startswith("sbx_card_")
    assert row["no_show_fee_minor"] == 5000
    assert await ledger(sandbox, row["id"]) == []
    # The terms the patient saw are the dispute evidence, and they name the fee.
    evidence = (
        await sandbox.http.get(f"/internal/deposits/{row['id']}/evidence", headers=STAFF)
    ).json()
    assert "$50.00 no-show fee" in evidence["terms_on_payment_page"]["text"]
    assert evidence["deposit"]["no_show_fee_minor"] == 5000
    # Nothing for the scheduler: no deposit.paid, no deposit.expired.
    assert sandbox.tap.of("deposit.paid", item.appointment_id) == []


async def test_a_no_show_charges_the_saved_card_once(sandbox: Payments) -> None:
    item, asked = await card_requested(sandbox, patient_id=patient())
    await save_card(sandbox, asked)
    row = await sandbox.state_of(item.appointment_id, "card_saved")

    no_show = booking_pb2.BookingNoShow(booking=item)
    first = await sandbox.publish(no_show)
    await sandbox.publish(no_show, event_id=first)  # the same event again
    await sandbox.publish(no_show, event_id=first, msg_id=str(uuid.uuid4()))  # after the window
    await sandbox.publish(no_show)  # the scheduler saying it twice

    [charged] = await sandbox.events("deposit.no_show_charged", item.appointment_id)
    assert charged.amount.amount_minor == 5000 and charged.no_show_fee.amount_minor == 5000
    assert charged.deposit_forfeited.amount_minor == 0
    assert "$50.00 no-show fee was charged" in sandbox.open_notice(charged.notice)
    row = await sandbox.state_of(item.appointment_id, "fee_charged")
    assert row["fee_ref"].startswith("sbx_ch_")
    await sandbox.tick(seconds=1)
    assert len(await sandbox.recorded("deposit.no_show_charged", item.appointment_id)) == 1
    assert await charges(sandbox, row) == 1
    assert await ledger(sandbox, row["id"]) == [("fee_charged", "card", "fee", 5000)]
    key = await sandbox.count(
        "SELECT count(*) FROM provider_jobs WHERE idempotency_key = $1 AND done_at IS NOT NULL",
        f"no_show_fee:{item.appointment_id}",
    )
    assert key == 1


@pytest.mark.parametrize(
    ("card", "reason"), [("0341", "card_declined"), ("3184", "authentication_required")]
)
async def test_a_card_that_refuses_the_fee_is_recorded_and_not_charged_again(
    sandbox: Payments, card: str, reason: str
) -> None:
    item, asked = await card_requested(sandbox, patient_id=patient())
    await save_card(sandbox, asked, card)
    await sandbox.state_of(item.appointment_id, "card_saved")

    await sandbox.publish(booking_pb2.BookingNoShow(booking=item))

    [failed] = await sandbox.events("deposit.charge_failed", item.appointment_id)
    assert (failed.reason, failed.amount.amount_minor) == (reason, 5000)
    row = await sandbox.state_of(item.appointment_id, "fee_failed")
    assert row["reason"] == reason
    # The fee stands as owed, in the ledger; the card is never asked again by itself.
    assert await ledger(sandbox, row["id"]) == [("fee_unpaid", "owed", "fee", 5000)]
    await sandbox.tick(hours=2)
    await sandbox.publish(booking_pb2.BookingNoShow(booking=item))
    await sandbox.tick(hours=2)
    assert await charges(sandbox, row) == 1
    assert sandbox.tap.of("deposit.no_show_charged", item.appointment_id) == []


async def test_no_card_saved_means_the_fee_is_owed_and_the_link_closes(sandbox: Payments) -> None:
    item, asked = await card_requested(sandbox, patient_id=patient())

    await sandbox.publish(booking_pb2.BookingNoShow(booking=item))

    [failed] = await sandbox.events("deposit.charge_failed", item.appointment_id)
    assert failed.reason == "no_card"
    token = asked.payment_url.rsplit("/", 1)[1]

    async def closed() -> bool:
        return (
            await sandbox.count(
                "SELECT count(*) FROM sandbox_sessions WHERE token = $1 AND status = 'expired'",
                token,
            )
            == 1
        )

    await eventually(closed, "the card link closed")


async def test_an_unsaved_card_link_lapses_quietly_and_a_visit_ends_it(sandbox: Payments) -> None:
    lapsing, asked = await card_requested(sandbox, patient_id=patient())
    visited, visited_asked = await card_requested(sandbox, patient_id=patient())
    await save_card(sandbox, visited_asked)
    await sandbox.state_of(visited.appointment_id, "card_saved")

    await sandbox.tick(hours=21)
    await sandbox.state_of(lapsing.appointment_id, "expired")
    page = await sandbox.http.get(asked.payment_url)
    assert "Your booking stands" in page.text
    # The booking does not depend on the card: nothing tells the scheduler to let it go.
    assert sandbox.tap.of("deposit.expired", lapsing.appointment_id) == []

    await sandbox.publish(booking_pb2.BookingCompleted(booking=visited))
    await sandbox.publish(cancelled(lapsing))
    await sandbox.state_of(visited.appointment_id, "voided")
    await sandbox.state_of(lapsing.appointment_id, "voided")


async def test_declining_keeps_the_booking(sandbox: Payments) -> None:
    item, asked = await card_requested(sandbox, patient_id=patient())
    page = await sandbox.http.post(f"{asked.payment_url}/decline", follow_redirects=True)
    assert "No card was saved. Your booking stands." in page.text
    await sandbox.state_of(item.appointment_id, "declined")
    assert sandbox.tap.of("deposit.expired", item.appointment_id) == []


async def test_a_deposit_smaller_than_the_fee_keeps_its_card_for_the_rest(
    sandbox: Payments,
) -> None:
    # Laser hair removal: a 20% deposit of $200.00 is $40.00, under the $50.00 fee.
    item = booking(
        sandbox.clock, service_id="laser-hair-removal", deposit_minor=4000, patient_id=patient()
    )
    await sandbox.publish(held(sandbox.clock, item))
    [asked] = await sandbox.events("deposit.requested", item.appointment_id)
    assert asked.amount.amount_minor == 4000
    assert sandbox.tap.of("deposit.card_requested", item.appointment_id) == []
    assert asked.no_show_fee.amount_minor == 5000
    notice = sandbox.open_notice(asked.notice)
    assert "$50.00 no-show fee" in notice and "other $10.00 is charged" in notice
    page = await sandbox.http.get(asked.payment_url)
    assert "Pay $40.00" in page.text and "Test card" in page.text

    paid = await sandbox.http.post(f"{asked.payment_url}/pay", content=b"card=4242", headers=_FORM)
    assert paid.status_code == 303
    row = await sandbox.state_of(item.appointment_id, "paid")
    assert row["card_ref"]

    await sandbox.publish(booking_pb2.BookingNoShow(booking=item))

    [charged] = await sandbox.events("deposit.no_show_charged", item.appointment_id)
    assert (charged.amount.amount_minor, charged.deposit_forfeited.amount_minor) == (1000, 4000)
    notice = sandbox.open_notice(charged.notice)
    assert "$40.00 deposit was kept" in notice and "other $10.00" in notice
    [forfeited] = await sandbox.events("deposit.forfeited", item.appointment_id)
    # One text for both: the fee's.
    assert forfeited.amount.amount_minor == 4000 and not forfeited.notice.ciphertext
    row = await sandbox.state_of(item.appointment_id, "fee_charged")
    assert await ledger(sandbox, row["id"]) == [
        ("collected", "card", "held_card", 4000),
        ("forfeited", "held_card", "forfeit", 4000),
        ("fee_charged", "card", "fee", 1000),
    ]


async def test_a_deposit_that_covers_the_fee_keeps_no_card(sandbox: Payments) -> None:
    item = booking(sandbox.clock, deposit_minor=5000, patient_id=patient())
    await sandbox.publish(held(sandbox.clock, item))
    [asked] = await sandbox.events("deposit.requested", item.appointment_id)
    assert not asked.HasField("no_show_fee")
    assert "no-show" not in sandbox.open_notice(asked.notice)
    page = await sandbox.http.get(asked.payment_url)
    assert "Test card" not in page.text


async def test_the_owner_s_totals_include_the_fees(sandbox: Payments) -> None:
    charged_item, asked = await card_requested(sandbox, patient_id=patient())
    owed_item, owed_asked = await card_requested(sandbox, patient_id=patient())
    await save_card(sandbox, asked)
    await save_card(sandbox, owed_asked, "0341")
    await sandbox.state_of(charged_item.appointment_id, "card_saved")
    await sandbox.state_of(owed_item.appointment_id, "card_saved")
    day = sandbox.clock.now().date()

    async def totals() -> dict[str, int]:
        answer = await sandbox.http.get(
            "/internal/ledger/totals",
            params={
                "spa_id": SPA,
                "start": str(day - timedelta(days=1)),
                "end": str(day + timedelta(days=2)),
            },
            headers=STAFF,
        )
        found: dict[str, int] = {}
        for row in answer.json()["totals"]:
            found[row["kind"]] = found.get(row["kind"], 0) + row["amount_minor"]
        return found

    before = await totals()
    await sandbox.publish(booking_pb2.BookingNoShow(booking=charged_item))
    await sandbox.publish(booking_pb2.BookingNoShow(booking=owed_item))
    await sandbox.state_of(charged_item.appointment_id, "fee_charged")
    await sandbox.state_of(owed_item.appointment_id, "fee_failed")
    after = await totals()
    assert after.get("fee_charged", 0) - before.get("fee_charged", 0) == 5000
    assert after.get("fee_unpaid", 0) - before.get("fee_unpaid", 0) == 5000
