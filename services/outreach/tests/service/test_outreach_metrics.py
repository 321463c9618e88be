"""Outreach's own figures on /metrics: jobs by kind and outcome, the jobs due and not yet
run, and the time from a missed call to Twilio taking the callback text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from outreach_world import SPA, World, booking, la
from prometheus_client import REGISTRY

from medspa.events.v1 import booking_pb2, telephony_pb2

pytestmark = pytest.mark.integration
PHONE = "+14155550123"
CALLER = "+14155550177"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def jobs(kind: str, outcome: str) -> float:
    return value("medspa_outreach_jobs_total", kind=kind, outcome=outcome)


async def test_jobs_are_counted_by_kind_and_outcome(world: World) -> None:
    before = {o: jobs("reminder", o) for o in ("sent", "skipped", "failed")}
    world.scheduler.add_patient("patient-1", PHONE)
    for patient in ("patient-1", "ghost"):
        await world.event(
            booking_pb2.BookingConfirmed(booking=booking(la(5, 11), patient_id=patient))
        )
    world.scheduler.unavailable = True
    await world.at(la(3, 11))
    # Two attempts failed (the scheduler away) and wait; nothing sent or skipped yet.
    assert jobs("reminder", "failed") - before["failed"] == 2
    world.scheduler.unavailable = False
    await world.at(la(3, 11, 1))
    assert jobs("reminder", "sent") - before["sent"] == 1
    assert jobs("reminder", "skipped") - before["skipped"] == 1  # the unknown patient
    assert jobs("reminder", "failed") - before["failed"] == 2


async def test_a_deferral_is_not_an_outcome(world: World) -> None:
    before = sum(jobs("reminder", o) for o in ("sent", "skipped", "failed"))
    world.scheduler.add_patient("patient-1", PHONE)
    # 09:00 visit: its 2-hour reminder falls at 07:00, in quiet hours.
    await world.event(booking_pb2.BookingConfirmed(booking=booking(la(5, 9))))
    for moment in (la(3, 9), la(4, 9), la(5, 7)):
        await world.at(moment)
    assert sum(jobs("reminder", o) for o in ("sent", "skipped", "failed")) - before == 2
    [waiting] = [j for j in await world.jobs("reminder") if j["state"] == "pending"]
    assert waiting["outcome"] == "quiet_hours"


async def test_the_due_gauge_counts_what_is_due_and_not_yet_run(world: World) -> None:
    world.scheduler.add_patient("patient-1", PHONE)
    await world.event(booking_pb2.BookingConfirmed(booking=booking(la(5, 11))))
    runner = world.runner()
    # The attribution look is due at once; the reminders later.
    assert await runner.sample_due() == 1
    assert value("medspa_outreach_due_jobs") == 1
    await runner.run_due()
    assert await runner.sample_due() == 0
    world.clock.set(la(4, 12))
    assert await runner.sample_due() == 2
    assert value("medspa_outreach_due_jobs") == 2


async def test_the_callback_time_is_from_the_missed_call_to_twilio_taking_the_text(
    world: World,
) -> None:
    count = value("medspa_outreach_missed_call_callback_seconds_count")
    total = value("medspa_outreach_missed_call_callback_seconds_sum")
    within_10 = value("medspa_outreach_missed_call_callback_seconds_bucket", le="10.0")
    event = telephony_pb2.CallMissed(
        spa_id=SPA.id, call_sid="CA1", from_phone=world.seal(CALLER), reason="unanswered"
    )
    event.missed_at.FromDatetime(la(2, 10))
    await world.event(event)
    await world.run()
    [text] = await world.sent(CALLER)
    accepted = telephony_pb2.MessageSent(spa_id=SPA.id, command_id=text.command_id)
    accepted.sent_at.FromDatetime(la(2, 10) + timedelta(seconds=4))
    await world.event(accepted)
    # Telephony saying it again (a new event id) is not a second callback.
    await world.event(accepted, event_id="sent-again")
    assert value("medspa_outreach_missed_call_callback_seconds_count") - count == 1
    assert value("medspa_outreach_missed_call_callback_seconds_sum") - total == 4.0
    assert value("medspa_outreach_missed_call_callback_seconds_bucket", le="10.0") - within_10 == 1


async def test_texts_other_than_callbacks_are_not_timed(world: World) -> None:
    count = value("medspa_outreach_missed_call_callback_seconds_count")
    world.scheduler.add_patient("patient-1", PHONE)
    await world.event(booking_pb2.BookingConfirmed(booking=booking(la(5, 11))))
    await world.at(la(3, 11))
    [text] = await world.sent(PHONE)
    accepted = telephony_pb2.MessageSent(spa_id=SPA.id, command_id=text.command_id)
    accepted.sent_at.FromDatetime(la(3, 11, 1))
    await world.event(accepted)
    assert value("medspa_outreach_missed_call_callback_seconds_count") == count
