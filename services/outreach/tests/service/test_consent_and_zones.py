"""Marketing consent and the patient's zone are the scheduler's, read when a job runs (not
when it was planned): a consent withdrawn meanwhile stops a recall, one given meanwhile
lets it go, quiet hours follow the patient's own zone, and times in a text stay the
spa's (the visit is there, wherever the patient's phone is)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from outreach_world import SPA, Sent, World, booking, la

from medspa.events.v1 import booking_pb2
from outreach.ports import Slot

pytestmark = pytest.mark.integration
PHONE = "+14155550123"
HONOLULU = "Pacific/Honolulu"
# Botox on June 2 at 09:00 is due again 84 days later: Tuesday August 25, 10:00 in
# Los Angeles, which is 07:00 in Honolulu.
DUE = la(25, 10, month=8)


async def visited(world: World, patient_id: str = "patient-1") -> None:
    await world.event(
        booking_pb2.BookingCompleted(booking=booking(la(2, 9), patient_id=patient_id))
    )


def recalls(texts: list[Sent]) -> list[Sent]:
    return [t for t in texts if "next Botox" in t.body]


async def test_consent_withdrawn_after_the_recall_was_planned_stops_it(world: World) -> None:
    world.scheduler.add_patient("patient-1", PHONE, consent=True)
    await visited(world)
    [planned] = await world.jobs("recall")
    assert planned["state"] == "pending"
    # Weeks later the patient says no to marketing texts; the scheduler records it.
    world.scheduler.add_patient("patient-1", PHONE, consent=False)
    world.scheduler.slots = [Slot("maya-chen", DUE + timedelta(days=2), DUE + timedelta(days=2))]
    await world.at(DUE)
    assert recalls(await world.sent(PHONE)) == []
    [skipped] = [s for s in await world.said("outreach.skipped") if s.kind == "recall"]
    assert (skipped.reason, skipped.patient_id) == ("no_consent", "patient-1")
    [job] = await world.jobs("recall")
    assert (job["state"], job["outcome"]) == ("skipped", "no_consent")
    # Nothing was held or looked up for a text that could not go.
    assert world.scheduler.holds == []


async def test_consent_given_after_the_recall_was_planned_lets_it_go(world: World) -> None:
    world.scheduler.add_patient("patient-1", PHONE, consent=False)
    await visited(world)
    world.scheduler.add_patient("patient-1", PHONE, consent=True)
    await world.at(DUE)
    [offer] = recalls(await world.sent(PHONE))
    assert "marketing" in offer.purpose


async def test_quiet_hours_follow_the_patients_zone_and_times_stay_the_spas(
    world: World,
) -> None:
    world.scheduler.add_patient("patient-1", PHONE, consent=True)
    world.scheduler.add_patient("patient-hi", "+18085550123", zone=HONOLULU, consent=True)
    world.scheduler.slots = [
        Slot("maya-chen", DUE + timedelta(days=2), DUE + timedelta(days=2, minutes=30))
    ]
    await visited(world, "patient-1")
    await visited(world, "patient-hi")
    await world.at(DUE)
    # 10:00 in Los Angeles: the Angeleno's recall goes...
    [here] = recalls(await world.sent(PHONE))
    # ...the Honolulu patient's waits for 08:00 there (11:00 in Los Angeles).
    assert recalls(await world.sent("+18085550123")) == []
    [waiting] = [j for j in await world.jobs("recall") if j["patient_id"] == "patient-hi"]
    assert (waiting["state"], waiting["outcome"]) == ("pending", "quiet_hours")
    assert waiting["due_at"] == la(25, 11, month=8)
    await world.at(la(25, 11, month=8))
    [there] = recalls(await world.sent("+18085550123"))
    # The slot is Thursday 10:00 at the spa, and both texts say so.
    for text in (here, there):
        assert "1) Thu Aug 27 at 10:00 AM" in text.body


async def test_a_reminder_names_the_spas_time_to_a_patient_in_another_zone(
    world: World,
) -> None:
    world.scheduler.add_patient("patient-ny", "+12125550123", zone="America/New_York")
    await world.event(
        booking_pb2.BookingConfirmed(booking=booking(la(5, 11), patient_id="patient-ny"))
    )
    await world.at(la(3, 11))
    [text] = await world.sent("+12125550123")
    assert f"{SPA.name}: your Botox with Dr. Maya Chen is Fri Jun 5 at 11:00 AM." in text.body
