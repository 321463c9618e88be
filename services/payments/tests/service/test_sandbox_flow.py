"""The deposit flow end to end on the embedded sandbox: link, page, pay or decline, lapse."""

from __future__ import annotations

import pytest
from payments_harness import Payments, booking, eventually, held

pytestmark = pytest.mark.integration


async def test_a_held_booking_gets_a_link_and_paying_it_secures_the_booking(
    sandbox: Payments,
) -> None:
    item = booking(sandbox.clock)
    message = held(sandbox.clock, item)
    await sandbox.publish(message)

    [requested] = await sandbox.events("deposit.requested", item.appointment_id)
    assert (requested.amount.amount_minor, requested.amount.currency) == (5000, "USD")
    assert requested.conversation_id == item.conversation_id
    assert requested.payment_url.startswith(f"{sandbox.url}/pay/")
    assert requested.expires_at == message.hold_expires_at
    notice = sandbox.open_notice(requested.notice)
    assert "Botox" in notice and "$50.00" in notice and requested.payment_url in notice

    page = await sandbox.http.get(requested.payment_url)
    assert page.status_code == 200
    assert "Pay $50.00" in page.text and "no card is charged" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"

    paid_page = await sandbox.http.post(f"{requested.payment_url}/pay", follow_redirects=True)
    assert paid_page.status_code == 200
    assert "your $50.00 deposit is paid" in paid_page.text

    [paid] = await sandbox.events("deposit.paid", item.appointment_id)
    assert paid.amount.amount_minor == 5000
    assert paid.credit_applied.amount_minor == 0
    assert not paid.notice.ciphertext
    row = await sandbox.state_of(item.appointment_id, "paid")
    assert row["held_card_minor"] == 5000
    assert (
        await sandbox.count(
            "SELECT count(*) FROM ledger_entries WHERE deposit_id = $1 AND kind = 'collected'",
            row["id"],
        )
        == 1
    )


async def test_declining_on_the_page_lets_the_time_go(sandbox: Payments) -> None:
    item = booking(sandbox.clock)
    await sandbox.publish(held(sandbox.clock, item))
    [requested] = await sandbox.events("deposit.requested", item.appointment_id)

    page = await sandbox.http.post(f"{requested.payment_url}/decline", follow_redirects=True)
    assert "No payment was taken" in page.text

    [expired] = await sandbox.events("deposit.expired", item.appointment_id)
    assert expired.reason == "declined"
    assert "released" in sandbox.open_notice(expired.notice)
    await sandbox.state_of(item.appointment_id, "declined")


async def test_an_unpaid_link_lapses_with_its_hold(sandbox: Payments) -> None:
    item = booking(sandbox.clock)
    await sandbox.publish(held(sandbox.clock, item, minutes=15))
    [requested] = await sandbox.events("deposit.requested", item.appointment_id)

    await sandbox.tick(minutes=14)
    await sandbox.tick(minutes=2)

    [expired] = await sandbox.events("deposit.expired", item.appointment_id)
    assert expired.reason == "lapsed"
    assert "wasn't paid in time" in sandbox.open_notice(expired.notice)
    await sandbox.state_of(item.appointment_id, "expired")
    token = requested.payment_url.rsplit("/", 1)[1]

    async def link_closed() -> bool:
        status = await sandbox.count(
            "SELECT count(*) FROM sandbox_sessions WHERE token = $1 AND status = 'expired'", token
        )
        return status == 1

    await eventually(link_closed, "the sandbox link closed")
    page = await sandbox.http.get(requested.payment_url)
    assert "expired" in page.text
