"""Missed-call callbacks, aftercare, recall with series and slots, waitlist offers with
the first yes, and attribution, through the real handlers, runner and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from outreach_world import SPA, World, booking, la, spa_with, stamp

from medspa.events.v1 import booking_pb2, outreach_pb2, telephony_pb2
from outreach.adapters import reports
from outreach.ports import Slot
from spa_config import MissedCallCallback

pytestmark = pytest.mark.integration
CALLER = "+14155550177"


def missed(world: World, call_sid: str = "CA1", phone: str = CALLER) -> telephony_pb2.CallMissed:
    event = telephony_pb2.CallMissed(
        spa_id=SPA.id, call_sid=call_sid, from_phone=world.seal(phone), reason="unanswered"
    )
    event.missed_at.FromDatetime(world.clock.now())
    return event


async def test_a_missed_call_is_texted_back_at_once_even_at_night(world: World) -> None:
    world.clock.set(la(2, 23, 15))
    await world.event(missed(world))
    await world.run()
    [text] = await world.sent(CALLER)
    assert text.body.startswith("Sorry we missed your call to Lumen Aesthetics!")
    assert "response" in text.purpose
    [sent] = await world.said("outreach.sent")
    assert sent.triggered_at.ToDatetime() == sent.sent_at.ToDatetime()


async def test_three_quick_missed_calls_get_one_text(world: World) -> None:
    for n in range(3):
        await world.event(missed(world, f"CA{n}"))
        world.clock.set(world.clock.now() + timedelta(minutes=2))
        await world.run()
    assert len(await world.sent(CALLER)) == 1


async def test_the_callback_call_and_its_time_are_recorded_and_reported(
    world: World, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from outreach_world import drop_world, make_world

    calling = await make_world(
        database_url,
        tmp_path_factory.getbasetemp(),
        start=la(2, 10),
        spas=spa_with(missed_call_callback=MissedCallCallback.TEXT_AND_CALL),
        missed_call_call_delay_s=45,
    )
    try:
        await calling.event(missed(calling))
        await calling.run()
        await calling.at(la(2, 10, 1))
        text, call = await calling.sent(CALLER)
        assert (text.name, call.name) == ("message.send", "call.place")
        assert "automated assistant for Lumen Aesthetics" in call.body
        # Telephony says Twilio took the text 4 seconds after the missed call.
        accepted = telephony_pb2.MessageSent(spa_id=SPA.id, command_id=text.command_id)
        accepted.sent_at.FromDatetime(la(2, 10, 0) + timedelta(seconds=4))
        await calling.event(accepted)
        async with calling.pool.acquire() as conn:
            report = await reports.callbacks(conn, SPA.id, la(2, 0), la(3, 0))
        assert report["missed_calls"] == 1 and report["accepted"] == 1
        assert report["within_target"] == 1 and report["max_s"] == 4.0
    finally:
        await drop_world(calling)


async def test_aftercare_follows_the_schedule_by_text_and_call(world: World) -> None:
    world.scheduler.add_patient("patient-1", "+14155550123")
    # Lip filler at 09:00: instructions after, a call on day 1, a text on day 14.
    item = booking(la(2, 9), service_id="lip-filler", minutes=60)
    await world.event(booking_pb2.BookingCompleted(booking=item))
    await world.at(la(2, 11))
    await world.at(la(3, 10))
    await world.at(la(16, 10))
    instructions, call, check_in = await world.sent("+14155550123")
    assert instructions.body.startswith("Lumen Aesthetics aftercare for your Lip filler:")
    assert call.name == "call.place" and "Lip filler" not in call.body
    assert "How are you feeling after your Lip filler?" in check_in.body
    expects = [s.expects_reply for s in await world.said("outreach.sent")]
    assert expects == ["", "check_in", "check_in"]


async def test_recall_needs_consent(world: World) -> None:
    world.scheduler.add_patient("patient-1", "+14155550123", consent=False)
    await world.event(booking_pb2.BookingCompleted(booking=booking(la(2, 9))))
    await world.at(la(2, 9) + timedelta(days=84, hours=2))
    assert not [s for s in await world.sent() if "next Botox" in s.body]
    assert "no_consent" in {s.reason for s in await world.said("outreach.skipped")}


async def test_recall_offers_slots_with_the_usual_provider_and_a_choice_books(
    world: World,
) -> None:
    phone = "+14155550123"
    world.scheduler.add_patient("patient-1", phone, consent=True)
    due = la(2, 9) + timedelta(days=84)
    world.scheduler.slots = [
        Slot("sofia-ramirez", due + timedelta(days=2), due + timedelta(days=2, minutes=30)),
        Slot("maya-chen", due + timedelta(days=3), due + timedelta(days=3, minutes=30)),
        Slot("maya-chen", due + timedelta(days=4), due + timedelta(days=4, minutes=30)),
    ]
    await world.event(booking_pb2.BookingCompleted(booking=booking(la(2, 9))))
    await world.at(due + timedelta(hours=2))
    [offer] = [s for s in await world.sent(phone) if "next Botox" in s.body]
    assert (
        "Dr. Maya Chen has openings: 1) Fri Aug 28 at 9:00 AM, 2) Sat Aug 29 at 9:00 AM"
        in offer.body
    )
    assert "STOP" in offer.body and "marketing" in offer.purpose
    [said] = [s for s in await world.said("outreach.sent") if s.kind == "recall"]
    assert (said.expects_reply, said.choices) == ("choose_slot", 2)
    await world.event(
        outreach_pb2.OutreachReplied(
            spa_id=SPA.id,
            reply_id="SM2",
            offer_id=said.offer_id,
            answer=outreach_pb2.REPLY_ANSWER_CHOOSE,
            choice=2,
            conversation_id="conv-9",
            from_phone=world.seal(phone),
        )
    )
    await world.run()
    [hold] = world.scheduler.holds
    assert (hold.provider_id, hold.start, hold.conversation_id) == (
        "maya-chen",
        due + timedelta(days=4),
        "conv-9",
    )
    assert world.scheduler.confirmed == ["held-1"]
    assert "You're booked: Botox with Dr. Maya Chen" in (await world.sent(phone))[-1].body


async def test_no_recall_once_booked_again(world: World) -> None:
    world.scheduler.add_patient("patient-1", "+14155550123", consent=True)
    await world.event(booking_pb2.BookingCompleted(booking=booking(la(2, 9))))
    await world.event(booking_pb2.BookingConfirmed(booking=booking(la(2, 9) + timedelta(days=80))))
    [recall] = await world.jobs("recall")
    assert (recall["state"], recall["outcome"]) == ("cancelled", "already_booked")


async def test_a_laser_series_counts_its_sessions(world: World) -> None:
    world.scheduler.add_patient("patient-1", "+14155550123", consent=True)
    start = la(2, 9)
    for session in range(6):
        item = booking(
            start + timedelta(days=42 * session),
            service_id="laser-hair-removal",
            provider_id="alex-kim",
        )
        await world.event(booking_pb2.BookingCompleted(booking=item))
    recalls = await world.jobs("recall")
    # Sessions 1-5 each planned the next; each later visit replaced the one before;
    # after session 6 the series is done.
    assert [r["state"] for r in recalls] == ["cancelled"] * 5
    assert [json.loads(r["data"])["session"] for r in recalls] == [2, 3, 4, 5, 6]
    assert {json.loads(r["data"])["sessions"] for r in recalls} == {6}


async def test_a_waitlist_slot_goes_to_the_first_yes(world: World) -> None:
    phones = {p: f"+1415555030{i}" for i, p in enumerate(["w1", "w2", "w3", "w4"])}
    for patient, phone in phones.items():
        world.scheduler.add_patient(patient, phone)
    world.scheduler.waiting = list(phones)
    slot_start = la(3, 14)
    opened = booking_pb2.SlotOpened(
        spa_id=SPA.id,
        service_id="botox",
        provider_id="maya-chen",
        start=stamp(slot_start),
        end=stamp(slot_start + timedelta(minutes=30)),
    )
    await world.event(opened)
    await world.run()
    # The first wave (three, in list order) is offered now; the fourth waits.
    offered = [s for s in await world.sent() if "just opened" in s.body]
    assert [s.phone for s in offered] == [phones["w1"], phones["w2"], phones["w3"]]
    assert "Wed Jun 3 at 2:00 PM with Dr. Maya Chen. Reply YES" in offered[0].body
    [offer_id] = {s.offer_id for s in await world.said("outreach.sent")}

    async def yes(patient: str, reply: str) -> None:
        await world.event(
            outreach_pb2.OutreachReplied(
                spa_id=SPA.id,
                reply_id=reply,
                offer_id=offer_id,
                answer=outreach_pb2.REPLY_ANSWER_ACCEPT,
                from_phone=world.seal(phones[patient]),
            )
        )

    await yes("w2", "SM-w2")
    await yes("w3", "SM-w3")
    world.scheduler.deposit_required = True
    await world.run()
    [hold] = world.scheduler.holds
    assert hold.hold_minutes == 10 and hold.start == slot_start
    winner = (await world.sent(phones["w2"]))[-1].body
    assert winner.startswith("It's yours") and "holding it for 10 minutes" in winner
    assert world.scheduler.confirmed == []  # the deposit confirms it
    late = (await world.sent(phones["w3"]))[-1].body
    assert late.startswith("Sorry, the Botox spot")
    await world.at(la(2, 10, 30))
    told = (await world.sent(phones["w1"]))[-1].body
    assert told.startswith("Sorry, the Botox spot")
    assert await world.sent(phones["w4"]) == []
    [wave_two] = [j for j in await world.jobs("offer") if j["patient_id"] == "w4"]
    assert (wave_two["state"], wave_two["outcome"]) == ("cancelled", "offer_won")


async def test_bookings_are_credited_to_what_earned_them(world: World) -> None:
    world.scheduler.add_patient("caller", CALLER)
    world.scheduler.add_patient("night-owl", "+14155550999")
    await world.event(missed(world))
    await world.run()
    # The caller books the next day (the agent holds, the deposit confirms).
    world.clock.set(la(3, 12))
    await world.event(booking_pb2.BookingConfirmed(booking=booking(la(9, 11), patient_id="caller")))
    # Someone texts at 22:30 and the assistant books them while the spa is closed.
    world.clock.set(la(3, 22, 30))
    night = booking(la(10, 11), patient_id="night-owl", conversation_id="conv-night")
    await world.event(booking_pb2.BookingHeld(booking=night))
    await world.event(booking_pb2.BookingConfirmed(booking=night))
    await world.run()
    credited = {a.patient_id: a for a in await world.said("outreach.attributed")}
    assert credited["caller"].source == "missed_call"
    assert credited["night-owl"].source == "after_hours"
    assert credited["caller"].value.amount_minor == 28000  # Botox, 20 units at $14
    async with world.pool.acquire() as conn:
        report = await reports.recovered(conn, SPA.id, la(1, 0), la(30, 0))
    assert {r["source"]: r["value_minor"] for r in report} == {
        "missed_call": 28000,
        "after_hours": 28000,
    }
