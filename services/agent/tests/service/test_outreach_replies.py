"""A patient's text answering what outreach sent: outreach.replied, the agent's reply, and the
slot outreach holds joining the conversation."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from harness import SPA, Harness

from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import booking_pb2, outreach_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


def _stamp(moment) -> Timestamp:  # type: ignore[no-untyped-def]
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def outreach_sent(harness: Harness, phone: str, expects: str, **fields: object) -> str:
    job_id = f"job-{uuid.uuid4().hex[:8]}"
    await harness.deliver(
        harness.outreach,
        outreach_pb2.OutreachSent(
            spa_id=SPA,
            job_id=job_id,
            kind=fields.pop("kind", "reminder"),
            to_phone=harness.cipher.seal(phone, Purpose.PHONE),
            channel="sms",
            expects_reply=expects,
            sent_at=_stamp(harness.clock.now),
            **fields,
        ),
    )
    return job_id


async def replied(harness: Harness, phone: str) -> list[outreach_pb2.OutreachReplied]:
    found = await harness.outbox("outreach.replied")
    return [r for r in found if harness.cipher.open(r.from_phone, Purpose.PHONE) == phone]


async def test_c_to_a_reminder_confirms_it(harness: Harness, phone: str) -> None:
    job_id = await outreach_sent(harness, phone, "confirm_or_reschedule", appointment_id="a-1")
    event = harness.sms_event(phone, "C")
    await harness.deliver(harness.sms, event)
    assert "you're confirmed" in (await harness.replies(phone))[-1]
    [answer] = await replied(harness, phone)
    assert answer.answer == outreach_pb2.REPLY_ANSWER_CONFIRM
    assert (answer.job_id, answer.appointment_id) == (job_id, "a-1")
    assert answer.reply_id == event.message_sid
    assert answer.conversation_id == await harness.conversation_id(phone)
    # One reply is acted on once: the same text delivered again says nothing new.
    await harness.deliver(harness.sms, event)
    assert len(await replied(harness, phone)) == 1


async def test_r_to_a_reminder_starts_the_reschedule(harness: Harness, phone: str) -> None:
    await harness.converse(phone, "hydrafacial tomorrow", "1", "Ola Berg", "yes")
    visit = next(a for a in harness.calendar.booked.values() if a.status == "confirmed")
    await harness.text(phone, "no")  # the once-only marketing question
    harness.clock.advance(hours=2)
    await outreach_sent(
        harness,
        phone,
        "confirm_or_reschedule",
        appointment_id=visit.id,
        patient_id=visit.patient_id,
    )
    reply = await harness.text(phone, "R")
    assert "Let's move HydraFacial" in reply and "When would you like" in reply
    [answer] = await replied(harness, phone)
    assert answer.answer == outreach_pb2.REPLY_ANSWER_RESCHEDULE
    moved = await harness.converse(phone, "friday afternoon", "1", "yes")
    assert "now booked" in moved[-1]
    assert harness.calendar.booked[visit.id].status == "cancelled"


async def test_yes_to_a_waitlist_offer_and_the_held_slot_joins_the_thread(
    harness: Harness, phone: str
) -> None:
    await outreach_sent(harness, phone, "accept", kind="waitlist_offer", offer_id="offer-9")
    reply = await harness.text(phone, "yes please!")
    assert "grabbing that spot" in reply
    [answer] = await replied(harness, phone)
    assert answer.answer == outreach_pb2.REPLY_ANSWER_ACCEPT and answer.offer_id == "offer-9"
    # Outreach holds the slot with this conversation's id; the deposit confirmation follows here.
    cid = answer.conversation_id
    start = harness.clock.now + timedelta(days=1)
    booking = booking_pb2.Booking(
        appointment_id="appt-w1", spa_id=SPA, service_id="botox", provider_id="sofia-ramirez",
        patient_id="p-w1", start=_stamp(start), end=_stamp(start + timedelta(minutes=30)),
        deposit_required=True, deposit=Money(amount_minor=5000, currency="USD"),
        conversation_id=cid,
    )  # fmt: skip
    await harness.deliver(harness.booking.booking_changed, booking_pb2.BookingHeld(booking=booking))
    await harness.deliver(
        harness.booking.booking_changed, booking_pb2.BookingConfirmed(booking=booking)
    )
    confirmed = (await harness.replies(phone))[-1]
    assert "You're confirmed: Botox with Sofia Ramirez" in confirmed


async def test_no_to_a_waitlist_offer_declines_it(harness: Harness, phone: str) -> None:
    await outreach_sent(harness, phone, "accept", kind="waitlist_offer", offer_id="offer-2")
    assert "still on our list" in await harness.text(phone, "no thanks")
    [answer] = await replied(harness, phone)
    assert answer.answer == outreach_pb2.REPLY_ANSWER_DECLINE and answer.offer_id == "offer-2"


async def test_a_recall_offer_takes_the_number_and_asks_when_a_yes_is_not_enough(
    harness: Harness, phone: str
) -> None:
    await outreach_sent(harness, phone, "choose_slot", kind="recall", offer_id="offer-r", choices=3)
    assert "Reply 1, 2 or 3" in await harness.text(phone, "yes please")
    assert await replied(harness, phone) == []
    assert "option 2" in await harness.text(phone, "the second one")
    [answer] = await replied(harness, phone)
    assert answer.answer == outreach_pb2.REPLY_ANSWER_CHOOSE and answer.choice == 2


async def test_a_check_in_reporting_a_problem_goes_to_staff_and_is_not_reported(
    harness: Harness, phone: str
) -> None:
    await outreach_sent(harness, phone, "check_in", kind="aftercare")
    reply = await harness.text(phone, "I have a hard lump and swelling where the filler went")
    assert "passed this to" in reply
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert handoff.reason == "post_treatment_problem"
    assert await replied(harness, phone) == []


async def test_a_text_about_something_else_is_answered_as_usual(
    harness: Harness, phone: str
) -> None:
    await outreach_sent(harness, phone, "confirm_or_reschedule", appointment_id="a-2")
    assert "Fillmore Street" in await harness.text(phone, "what's your address?")
    assert await replied(harness, phone) == []
    # The reminder can still be answered afterwards.
    await harness.text(phone, "c")
    [answer] = await replied(harness, phone)
    assert answer.answer == outreach_pb2.REPLY_ANSWER_CONFIRM


async def test_an_answer_two_days_late_is_not_read_as_one(harness: Harness, phone: str) -> None:
    await outreach_sent(harness, phone, "accept", kind="waitlist_offer", offer_id="offer-old")
    harness.clock.advance(hours=50)
    await harness.text(phone, "yes")
    assert await replied(harness, phone) == []
