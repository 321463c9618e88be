"""The sweeper task expires due holds on its own and says so through the outbox."""

from __future__ import annotations

import asyncio

import pytest
from scheduler_harness import MONDAY, SPA, hold_request, local, outbox_events, phone

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.events.v1 import booking_pb2
from medspa_kit.outbox import NOTIFY_CHANNEL
from scheduler.adapters.sweeper import HoldSweeper

pytestmark = pytest.mark.integration


async def test_the_sweeper_expires_due_holds_and_leaves_the_rest(stub, calendar, clock, pool):
    soon = await stub.HoldSlot(hold_request(local(MONDAY, "10:00"), hold_minutes=5))
    later = await stub.HoldSlot(
        hold_request(local(MONDAY, "11:00"), patient=pb.PatientRef(phone_e164=phone(5)))
    )
    sweeper = HoldSweeper(pool, calendar.changes, clock, batch=1, idle_s=30)
    clock.value += 6 * 60
    recorded = asyncio.Event()

    def on_notify(*_: object) -> None:
        recorded.set()

    listener = await pool.acquire()
    await listener.add_listener(NOTIFY_CHANNEL, on_notify)
    stop = asyncio.Event()
    task = asyncio.create_task(sweeper.run(stop))
    try:
        await asyncio.wait_for(recorded.wait(), timeout=10)
    finally:
        stop.set()
        await task
        await listener.remove_listener(NOTIFY_CHANNEL, on_notify)
        await pool.release(listener)
    statuses = {
        a.id: a.status
        for a in (await stub.ListAppointments(pb.ListAppointmentsRequest(spa_id=SPA))).appointments
    }
    assert statuses == {
        soon.id: pb.APPOINTMENT_STATUS_EXPIRED,
        later.id: pb.APPOINTMENT_STATUS_HELD,
    }
    name, payload = (await outbox_events(pool))[-1]
    event = booking_pb2.BookingCancelled.FromString(payload)
    assert (name, event.booking.appointment_id, event.hold_expired) == (
        "booking.cancelled",
        soon.id,
        True,
    )


async def test_sweep_works_through_every_batch(stub, calendar, clock, pool):
    for i, clock_time in enumerate(["09:00", "10:00", "11:00", "13:00", "14:00"]):
        await stub.HoldSlot(
            hold_request(local(MONDAY, clock_time), patient=pb.PatientRef(phone_e164=phone(i)))
        )
    clock.value += 3600
    assert await HoldSweeper(pool, calendar.changes, clock, batch=2).sweep() == 5
    assert await HoldSweeper(pool, calendar.changes, clock, batch=2).sweep() == 0


async def test_a_hold_of_a_spa_no_longer_configured_still_expires(stub, calendar, clock, pool):
    held = await stub.HoldSlot(hold_request(local(MONDAY, "10:00")))
    async with pool.acquire() as conn:
        await conn.execute("UPDATE appointments SET spa_id = 'closed-down'")
    clock.value += 3600
    assert await HoldSweeper(pool, calendar.changes, clock).sweep() == 1
    async with pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM appointments WHERE id = $1::uuid", held.id)
    assert status == "expired"
