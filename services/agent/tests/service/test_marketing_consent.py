"""The once-only question about marketing texts after a booking, and the answer reaching the
scheduler (SetMarketingConsent) even when it is away at the time."""

from __future__ import annotations

import pytest
from harness import SPA, Harness

from agent.sweeper import ConsentRetry
from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import booking_pb2, deposit_pb2

pytestmark = pytest.mark.integration
ASKED = "Reply YES or NO"


async def booked_hydrafacial(harness: Harness, phone: str) -> str:
    replies = await harness.converse(phone, "hydrafacial tomorrow", "1", "Ola Berg", "yes")
    return replies[-1]


async def test_asked_once_after_a_booking_by_text_and_the_yes_is_recorded(
    harness: Harness, phone: str
) -> None:
    booked = await booked_hydrafacial(harness, phone)
    assert booked.startswith("You're booked") and ASKED in booked
    assert "we'll text you now and then" in await harness.text(phone, "yes please")
    [consent] = harness.calendar.consents.values()
    assert consent.granted and consent.channel == "sms"
    assert consent.wording_ref == "agent.marketing.ask@en-US"
    assert consent.patient_id and not consent.phone
    # Another booking later: never asked again.
    again = await harness.converse(phone, "hydrafacial next friday", "1", "yes")
    assert again[-1].startswith("You're booked") and ASKED not in again[-1]


async def test_a_no_is_recorded_and_other_words_are_not_an_answer(
    harness: Harness, phone: str
) -> None:
    await booked_hydrafacial(harness, phone)
    reply = await harness.text(phone, "cancel my appointment please")
    assert "cancel" in reply.lower()
    assert harness.calendar.consents == {}
    phone2 = phone[:-1] + ("1" if phone[-1] != "1" else "2")
    await booked_hydrafacial(harness, phone2)
    assert "only text you about your appointments" in await harness.text(phone2, "no")
    [consent] = harness.calendar.consents.values()
    assert not consent.granted


async def test_asked_in_the_confirmation_once_the_deposit_is_paid(
    harness: Harness, phone: str
) -> None:
    held = await harness.converse(
        phone, "botox tomorrow", "1", "Lee Smith", "forehead", "no", "none", "yes"
    )
    assert ASKED not in held[-1]
    [appt] = [a for a in harness.calendar.booked.values() if a.status == "held"]
    cid = await harness.conversation_id(phone)
    await harness.deliver(
        harness.booking.deposit_requested,
        deposit_pb2.DepositRequested(
            spa_id=SPA, appointment_id=appt.id, conversation_id=cid,
            amount=Money(amount_minor=5000, currency="USD"), payment_url="https://pay.example/1",
        ),
    )  # fmt: skip
    booking = booking_pb2.Booking(appointment_id=appt.id, spa_id=SPA, conversation_id=cid)
    await harness.deliver(
        harness.booking.booking_changed, booking_pb2.BookingConfirmed(booking=booking)
    )
    confirmed = (await harness.replies(phone))[-1]
    assert confirmed.startswith("You're confirmed") and ASKED in confirmed
    await harness.text(phone, "YES")
    assert [c.granted for c in harness.calendar.consents.values()] == [True]


async def test_an_answer_the_scheduler_cannot_take_yet_is_sent_later(
    harness: Harness, phone: str
) -> None:
    harness.calendar.consent_unimplemented = True
    await booked_hydrafacial(harness, phone)
    await harness.text(phone, "yes")
    assert harness.calendar.consents == {}
    retry = ConsentRetry(
        harness.pool, harness.records, harness.calendar, every_s=60, clock=harness.clock
    )
    harness.clock.advance(minutes=1)
    assert (await retry.retry_once())["pending"] == 1
    harness.calendar.consent_unimplemented = False
    harness.clock.advance(minutes=5)
    assert (await retry.retry_once())["recorded"] == 1
    [consent] = harness.calendar.consents.values()
    assert consent.granted
    harness.clock.advance(hours=2)
    assert sum((await retry.retry_once()).values()) == 0


async def test_turns_and_handoffs_are_counted(harness: Harness, phone: str) -> None:
    def sample(name: str, labels: dict[str, str]) -> float:
        from prometheus_client import REGISTRY

        return REGISTRY.get_sample_value(name, labels) or 0.0

    turns = sample("medspa_agent_turn_seconds_count", {"channel": "sms", "brain": "rules"})
    handoffs = sample(
        "medspa_agent_handoffs_total", {"reason": "asked_for_person", "priority": "normal"}
    )
    await harness.converse(phone, "hi", "can I talk to a real person")
    assert sample("medspa_agent_turn_seconds_count", {"channel": "sms", "brain": "rules"}) == (
        turns + 2
    )
    assert (
        sample("medspa_agent_handoffs_total", {"reason": "asked_for_person", "priority": "normal"})
        == handoffs + 1
    )
