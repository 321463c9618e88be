"""Reminders around a booking's life, and every rule on every send, through the real
handlers, runner and PostgreSQL."""

from __future__ import annotations

import pytest
from outreach_world import SPA, World, booking, la

from medspa.events.v1 import booking_pb2, outreach_pb2, telephony_pb2
from outreach.domain.rules import Limits
from spa_config import SpaDirectory

pytestmark = pytest.mark.integration
PHONE = "+14155550123"
NY_PHONE = "+12125550123"


async def confirmed(world: World, start_day: int = 5, hour: int = 11, **kw: object) -> str:
    world.scheduler.add_patient("patient-1", PHONE)
    item = booking(la(start_day, hour), **kw)  # type: ignore[arg-type]
    await world.event(booking_pb2.BookingConfirmed(booking=item))
    return item.appointment_id


async def test_reminders_go_48_24_and_2_hours_before_with_c_and_r(world: World) -> None:
    await confirmed(world)
    await world.run()
    assert await world.sent(PHONE) == []  # only the attribution look ran
    await world.at(la(3, 11))
    await world.at(la(4, 11))
    await world.at(la(5, 9))
    texts = await world.sent(PHONE)
    assert len(texts) == 3
    for text in texts:
        assert "Botox with Dr. Maya Chen is Fri Jun 5 at 11:00 AM" in text.body
        assert "Reply C to confirm or R to reschedule" in text.body
        assert "transactional" in text.purpose
    sent = await world.said("outreach.sent")
    assert {s.expects_reply for s in sent} == {"confirm_or_reschedule"}
    assert all(s.patient_id == "patient-1" for s in sent)


async def test_a_c_reply_turns_later_reminders_into_plain_ones(world: World) -> None:
    appointment_id = await confirmed(world)
    await world.at(la(3, 11))
    await world.event(
        outreach_pb2.OutreachReplied(
            spa_id=SPA.id,
            reply_id="SM1",
            appointment_id=appointment_id,
            answer=outreach_pb2.REPLY_ANSWER_CONFIRM,
            from_phone=world.seal(PHONE),
        )
    )
    await world.at(la(4, 11))
    first, second = await world.sent(PHONE)
    assert "Reply C" in first.body
    assert "See you then!" in second.body and "Reply C" not in second.body


async def test_a_move_moves_the_reminders_and_a_cancel_cancels_them(world: World) -> None:
    appointment_id = await confirmed(world)
    moved = booking(la(8, 15), appointment_id=appointment_id)
    await world.event(booking_pb2.BookingRescheduled(booking=moved))
    pending = [j for j in await world.jobs("reminder") if j["state"] == "pending"]
    assert sorted(j["due_at"] for j in pending) == [la(6, 15), la(7, 15), la(8, 13)]
    await world.at(la(6, 15))
    assert "Mon Jun 8 at 3:00 PM" in (await world.sent(PHONE))[0].body
    await world.event(booking_pb2.BookingCancelled(booking=moved, cancelled_by="patient"))
    assert await world.at(la(8, 14)) == 0
    assert len(await world.sent(PHONE)) == 1


async def test_a_duplicate_event_changes_nothing(world: World) -> None:
    world.scheduler.add_patient("patient-1", PHONE)
    event = booking_pb2.BookingConfirmed(booking=booking(la(5, 11)))
    await world.event(event, event_id="confirmed-1")
    before = [dict(j) for j in await world.jobs()]
    # Redelivered with the same id: the inbox drops it.
    await world.event(event, event_id="confirmed-1")
    # Re-published under a new id: the job keys plan nothing new.
    await world.event(event, event_id="confirmed-1-again")
    assert [dict(j) for j in await world.jobs()] == before
    await world.at(la(5, 10))
    assert len(await world.sent(PHONE)) == 3


async def test_quiet_hours_queue_until_morning_in_the_patients_zone(world: World) -> None:
    # A 09:00 visit: its 2-hour reminder falls at 07:00 in Los Angeles, inside quiet hours.
    world.scheduler.add_patient("patient-1", PHONE)
    world.scheduler.add_patient("patient-ny", NY_PHONE, zone="America/New_York")
    for patient in ("patient-1", "patient-ny"):
        await world.event(
            booking_pb2.BookingConfirmed(booking=booking(la(5, 9), patient_id=patient))
        )
    await world.at(la(3, 9))
    await world.at(la(4, 9))
    await world.at(la(5, 7))
    # 07:00 in Los Angeles is 10:00 in New York: the New Yorker's goes now...
    assert len(await world.sent(NY_PHONE)) == 3
    # ...the Californian's waits until 08:00 there.
    assert len(await world.sent(PHONE)) == 2
    [waiting] = [j for j in await world.jobs("reminder") if j["state"] == "pending"]
    assert (waiting["due_at"], waiting["outcome"]) == (la(5, 8), "quiet_hours")
    await world.at(la(5, 8))
    assert len(await world.sent(PHONE)) == 3


async def test_opted_out_numbers_are_never_texted(world: World) -> None:
    await confirmed(world)
    stop = telephony_pb2.OptoutChanged(
        spa_id=SPA.id, phone=world.seal(PHONE), opted_out=True, keyword="STOP"
    )
    stop.changed_at.FromDatetime(la(2, 10))
    await world.event(stop)
    await world.at(la(3, 11))
    assert await world.sent(PHONE) == []
    [skipped] = await world.said("outreach.skipped")
    assert skipped.reason == "opted_out" and skipped.patient_id == "patient-1"
    # An older START arriving late does not undo the STOP.
    start = telephony_pb2.OptoutChanged(spa_id=SPA.id, phone=world.seal(PHONE), opted_out=False)
    start.changed_at.FromDatetime(la(1, 10))
    await world.event(start)
    await world.at(la(4, 11))
    assert await world.sent(PHONE) == []


async def test_the_per_patient_cap_holds_the_fourth_text(world: World) -> None:
    world.limits = Limits(patient_cap=2)
    world.scheduler.add_patient("patient-1", PHONE)
    # Three visits the same week: their 48-hour reminders all fall on one day.
    for hour in (9, 11, 13):
        await world.event(booking_pb2.BookingConfirmed(booking=booking(la(5, hour))))
    for hour in (9, 11, 13):
        await world.at(la(3, hour))
    assert len(await world.sent(PHONE)) == 2
    # The third waits until the first of the two leaves the 24-hour window.
    held = [j for j in await world.jobs("reminder") if j["outcome"] == "patient_cap"]
    assert len(held) == 1 and held[0]["due_at"] == la(4, 9)


async def test_the_daily_cap_per_spa_number_waits_for_tomorrow_morning(world: World) -> None:
    world.limits = Limits(number_daily_cap=2)
    for n in range(3):
        phone = f"+1415555020{n}"
        world.scheduler.add_patient(f"p{n}", phone)
        await world.event(
            booking_pb2.BookingConfirmed(booking=booking(la(5, 11), patient_id=f"p{n}"))
        )
    await world.at(la(3, 11))
    assert len(await world.sent()) == 2
    [waiting] = [j for j in await world.jobs("reminder") if j["outcome"] == "number_cap"]
    assert waiting["due_at"] == la(4, 8)


async def test_a_text_that_would_carry_a_protected_detail_is_not_sent(world: World) -> None:
    botox = SPA.service("botox")
    leaky = botox.model_copy(
        update={
            "aftercare": botox.aftercare.model_copy(
                update={"instructions": "We'll call you from 415-555-0111 if needed."}
            )
        }
    )
    services = tuple(leaky if s.id == "botox" else s for s in SPA.services)
    world.spas = SpaDirectory([SPA.model_copy(update={"services": services})])
    world.scheduler.add_patient("patient-1", PHONE)
    await world.event(booking_pb2.BookingCompleted(booking=booking(la(2, 9))))
    await world.at(la(2, 11))
    assert await world.sent(PHONE) == []
    [skipped] = await world.said("outreach.skipped")
    assert skipped.reason == "protected_detail"


async def test_an_unknown_patient_is_skipped_and_said(world: World) -> None:
    await world.event(booking_pb2.BookingConfirmed(booking=booking(la(5, 11), patient_id="ghost")))
    await world.at(la(3, 11))
    [skipped] = await world.said("outreach.skipped")
    assert (skipped.reason, skipped.patient_id) == ("no_contact", "ghost")


async def test_when_the_scheduler_is_away_jobs_wait_and_are_not_lost(world: World) -> None:
    await confirmed(world)
    world.scheduler.unavailable = True
    await world.at(la(3, 11))
    assert await world.sent(PHONE) == []
    [job] = [j for j in await world.jobs("reminder") if j["attempts"] == 1]
    assert job["state"] == "pending" and job["due_at"] > la(3, 11)
    world.scheduler.unavailable = False
    await world.at(la(3, 11, 1))
    assert len(await world.sent(PHONE)) == 1
