"""What outreach does with each answer the agent reads from a patient's text (C, R, YES,
NO, a slot's number), each acted on once, and that a moved visit's old time is never
asked about again, through the real handlers, runner and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from outreach_world import SPA, World, booking, la, stamp

from medspa.events.v1 import booking_pb2, outreach_pb2
from outreach.ports import Slot

pytestmark = pytest.mark.integration
PHONE = "+14155550123"
ASK = "Reply C to confirm or R to reschedule."
STILL = "is still booked for Fri Jun 5 at 11:00 AM. Reply R to pick a new time or C to keep it."
CONFIRM = outreach_pb2.REPLY_ANSWER_CONFIRM
RESCHEDULE = outreach_pb2.REPLY_ANSWER_RESCHEDULE
ACCEPT = outreach_pb2.REPLY_ANSWER_ACCEPT
DECLINE = outreach_pb2.REPLY_ANSWER_DECLINE
CHOOSE = outreach_pb2.REPLY_ANSWER_CHOOSE


def reply(
    world: World, reply_id: str, answer: int, phone: str = PHONE, **fields: Any
) -> outreach_pb2.OutreachReplied:
    return outreach_pb2.OutreachReplied(
        spa_id=SPA.id, reply_id=reply_id, answer=answer, from_phone=world.seal(phone), **fields
    )


async def confirmed(world: World) -> booking_pb2.BookingConfirmed:
    """Patient 1's Botox on Friday June 5 at 11:00, reminded on the 3rd, 4th and 5th."""
    world.scheduler.add_patient("patient-1", PHONE)
    event = booking_pb2.BookingConfirmed(booking=booking(la(5, 11)))
    await world.event(event)
    return event


async def reminders_sent(world: World) -> list[Any]:
    return [s for s in await world.said("outreach.sent") if s.kind == "reminder"]


async def test_an_r_keeps_the_visit_and_later_reminders_stop_asking_to_confirm(
    world: World,
) -> None:
    appointment_id = (await confirmed(world)).booking.appointment_id
    await world.at(la(3, 11))
    [first] = await reminders_sent(world)
    world.clock.set(la(3, 11, 5))
    await world.event(
        reply(world, "SM-R", RESCHEDULE, appointment_id=appointment_id, job_id=first.job_id)
    )
    # The patient never finished moving it: the visit stands, and they are told so.
    await world.at(la(4, 11))
    asked, still = await world.sent(PHONE)
    assert ASK in asked.body
    assert STILL in still.body and "See you then" not in still.body
    assert (await reminders_sent(world))[-1].expects_reply == "confirm_or_reschedule"
    # A C now keeps it: the last reminder just says the time.
    world.clock.set(la(4, 12))
    await world.event(reply(world, "SM-C", CONFIRM, appointment_id=appointment_id))
    await world.at(la(5, 9))
    assert "See you then!" in (await world.sent(PHONE))[-1].body


async def test_once_moved_the_old_time_is_never_asked_about_again(world: World) -> None:
    original = await confirmed(world)
    appointment_id = original.booking.appointment_id
    await world.at(la(3, 11))
    [first] = await reminders_sent(world)
    world.clock.set(la(3, 11, 5))
    await world.event(
        reply(world, "SM-R", RESCHEDULE, appointment_id=appointment_id, job_id=first.job_id)
    )
    # The agent moves it to Monday at 15:00.
    world.clock.set(la(3, 11, 20))
    moved = booking(la(8, 15), appointment_id=appointment_id)
    await world.event(
        booking_pb2.BookingRescheduled(booking=moved, previous_start=stamp(la(5, 11)))
    )
    old_start = int(la(5, 11).timestamp())
    old = [j for j in await world.jobs("reminder") if json.loads(j["data"])["start"] == old_start]
    assert sorted((j["state"], j["outcome"]) for j in old) == [
        ("cancelled", "moved"),
        ("cancelled", "moved"),
        ("done", "sent"),
    ]
    # A C the patient sent to the old reminder reaches outreach only now: it was about
    # Friday, and confirms nothing about Monday.
    await world.event(
        reply(world, "SM-C-late", CONFIRM, appointment_id=appointment_id, job_id=first.job_id)
    )
    # A booking.confirmed from before the move, republished under a new id, brings the
    # old reminders back as jobs; they are still not sent.
    await world.event(original, event_id="confirmed-again")
    for moment in (la(4, 11), la(5, 9)):
        await world.at(moment)
    assert len(await world.sent(PHONE)) == 1
    assert "moved" in {s.reason for s in await world.said("outreach.skipped")}
    for moment in (la(6, 15), la(7, 15), la(8, 13)):
        await world.at(moment)
    texts = await world.sent(PHONE)
    assert len(texts) == 4
    assert all("Mon Jun 8 at 3:00 PM" in t.body and ASK in t.body for t in texts[1:])


async def test_a_reply_said_twice_is_acted_on_once(world: World) -> None:
    appointment_id = (await confirmed(world)).booking.appointment_id
    await world.at(la(3, 11))
    world.clock.set(la(3, 12))
    await world.event(reply(world, "SM1", CONFIRM, appointment_id=appointment_id), event_id="e1")
    world.clock.set(la(3, 13))
    await world.event(reply(world, "SM2", RESCHEDULE, appointment_id=appointment_id))
    # The first C again, in a new envelope: acting on it would undo the later R.
    world.clock.set(la(3, 14))
    await world.event(
        reply(world, "SM1", CONFIRM, appointment_id=appointment_id), event_id="e1-again"
    )
    await world.at(la(4, 11))
    assert STILL in (await world.sent(PHONE))[-1].body
    async with world.pool.acquire() as conn:
        noted = await conn.fetch("SELECT reply_id, answer FROM replies ORDER BY reply_id")
    assert [tuple(r) for r in noted] == [
        ("SM1", "REPLY_ANSWER_CONFIRM"),
        ("SM2", "REPLY_ANSWER_RESCHEDULE"),
    ]


async def open_slot(world: World, patients: list[str]) -> tuple[str, dict[str, str]]:
    """A Botox slot tomorrow at 14:00 offered to the waitlist; answers the offer and phones."""
    phones = {p: f"+1415555030{i}" for i, p in enumerate(patients)}
    for patient, phone in phones.items():
        world.scheduler.add_patient(patient, phone)
    world.scheduler.waiting = list(phones)
    start = la(3, 14)
    await world.event(
        booking_pb2.SlotOpened(
            spa_id=SPA.id,
            service_id="botox",
            provider_id="maya-chen",
            start=stamp(start),
            end=stamp(start + timedelta(minutes=30)),
        )
    )
    await world.run()
    [offer_id] = {s.offer_id for s in await world.said("outreach.sent")}
    return offer_id, phones


async def test_a_yes_said_twice_holds_once(world: World) -> None:
    offer_id, phones = await open_slot(world, ["w1", "w2"])
    yes = reply(world, "SM-yes", ACCEPT, phones["w1"], offer_id=offer_id)
    await world.event(yes, event_id="yes-1")
    await world.event(yes, event_id="yes-1-again")
    await world.run()
    assert len(world.scheduler.holds) == 1
    assert [t.body[:10] for t in await world.sent(phones["w1"])] == ["Good news ", "You're boo"]


async def test_when_a_whole_wave_says_no_the_next_is_offered_at_once(world: World) -> None:
    offer_id, phones = await open_slot(world, ["w1", "w2", "w3", "w4"])
    assert await world.sent(phones["w4"]) == []
    for patient in ("w1", "w2"):
        await world.event(
            reply(world, f"SM-{patient}", DECLINE, phones[patient], offer_id=offer_id)
        )
    await world.run()
    # One of the wave has not answered: the next wave keeps its turn.
    assert await world.sent(phones["w4"]) == []
    await world.event(reply(world, "SM-w3", DECLINE, phones["w3"], offer_id=offer_id))
    await world.run()
    [offered] = await world.sent(phones["w4"])
    assert "just opened" in offered.body
    states = {j["patient_id"]: j["due_at"] for j in await world.jobs("offer")}
    assert states["w4"] == la(2, 10)
    # w4 takes it; those who said no are not told it has gone.
    await world.event(reply(world, "SM-w4", ACCEPT, phones["w4"], offer_id=offer_id))
    await world.run()
    assert (await world.sent(phones["w4"]))[-1].body.startswith("You're booked")
    for patient in ("w1", "w2", "w3"):
        assert len(await world.sent(phones[patient])) == 1


async def test_a_chosen_slot_said_twice_holds_once_and_a_no_closes_nothing(
    world: World,
) -> None:
    world.scheduler.add_patient("patient-1", PHONE, consent=True)
    due = la(2, 9) + timedelta(days=84)
    world.scheduler.slots = [
        Slot("maya-chen", due + timedelta(days=d), due + timedelta(days=d, minutes=30))
        for d in (2, 3)
    ]
    await world.event(booking_pb2.BookingCompleted(booking=booking(la(2, 9))))
    await world.at(due + timedelta(hours=2))
    [said] = [s for s in await world.said("outreach.sent") if s.kind == "recall"]
    # "No" first, then a change of mind: the offer is still theirs to take.
    await world.event(reply(world, "SM-no", DECLINE, offer_id=said.offer_id))
    choose = reply(world, "SM-2", CHOOSE, offer_id=said.offer_id, choice=2)
    await world.event(choose, event_id="choose-1")
    await world.event(choose, event_id="choose-1-again")
    await world.run()
    [hold] = world.scheduler.holds
    assert hold.start == due + timedelta(days=3)
    booked = [t for t in await world.sent(PHONE) if t.body.startswith("You're booked")]
    assert len(booked) == 1
