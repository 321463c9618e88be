"""The scheduler's Prometheus metrics: booking changes counted once they are committed
(never a repeat or a refusal), holds lost to the exclusion constraint, and the time of
every CalendarService call by method."""

from __future__ import annotations

import grpc
import pytest
from prometheus_client import REGISTRY
from scheduler_harness import (
    MONDAY,
    NAMESPACE,
    SPA,
    close,
    confirmed,
    hold_request,
    local,
    phone,
    stamp,
    utc,
)

from medspa.calendar.v1 import calendar_pb2 as pb
from scheduler.adapters.changes import Changes
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.metrics import BOOKING_STATES
from scheduler.adapters.patients import Patients
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.adapters.sweeper import HoldSweeper
from scheduler.domain.commands import HoldRequest

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
THURSDAY = TEN + 3 * 86_400


def bookings() -> dict[str, float]:
    return {
        state: REGISTRY.get_sample_value("medspa_scheduler_bookings_total", {"status": state})
        for state in BOOKING_STATES
    }


def conflicts() -> float:
    return REGISTRY.get_sample_value("medspa_scheduler_hold_conflicts_total")


def calls(method: str) -> float:
    return REGISTRY.get_sample_value("medspa_scheduler_rpc_seconds_count", {"method": method}) or 0


def counted_since(before: dict[str, float]) -> dict[str, float]:
    return {k: v - before[k] for k, v in bookings().items() if v != before[k]}


async def test_each_committed_change_is_counted_once(stub, calendar, clock, pool):
    before = bookings()
    visit = await confirmed(stub, THURSDAY, "maya-chen")
    confirm_again = pb.ConfirmRequest(spa_id=SPA, appointment_id=visit.id, request_id=visit.id)
    await stub.Confirm(confirm_again)
    await stub.Reschedule(
        pb.RescheduleRequest(
            spa_id=SPA, appointment_id=visit.id, request_id="move", start=stamp(THURSDAY + 3600)
        )
    )
    other = await confirmed(stub, THURSDAY, "maya-chen", patient=pb.PatientRef(phone_e164=phone(7)))
    await stub.Cancel(pb.CancelRequest(spa_id=SPA, appointment_id=other.id, request_id="gone"))
    third = await confirmed(
        stub, THURSDAY + 7200, "maya-chen", patient=pb.PatientRef(phone_e164=phone(8))
    )
    clock.value = THURSDAY + 4 * 3600
    await stub.CloseAppointment(close(visit.id, pb.VISIT_OUTCOME_COMPLETED))
    await stub.CloseAppointment(close(third.id, pb.VISIT_OUTCOME_NO_SHOW, "missed"))
    assert counted_since(before) == {
        "held": 3,
        "confirmed": 3,
        "rescheduled": 1,
        "cancelled": 1,
        "completed": 1,
        "no_show": 1,
    }


async def test_an_expired_hold_counts_as_cancelled_and_a_refusal_counts_nothing(
    stub, calendar, clock, pool
):
    held = await stub.HoldSlot(hold_request(TEN, hold_minutes=5))
    before = bookings()
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(9))))
    clock.value += 6 * 60
    assert await HoldSweeper(pool, calendar.changes, clock).sweep() == 1
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.Confirm(pb.ConfirmRequest(spa_id=SPA, appointment_id=held.id, request_id="late"))
    assert counted_since(before) == {"cancelled": 1}


async def test_a_hold_lost_to_the_exclusion_constraint_is_counted(
    stub, pool, catalog, cipher, clock, waitlist
):
    # This replica's cache has the spa, then another replica (telling nobody) takes 10:00:
    # this replica writes where its cache says the time is free, and the database refuses.
    await stub.FindSlots(pb.FindSlotsRequest(spa_id=SPA, service_id="botox"))
    events = BookingEvents(NAMESPACE)
    other = PostgresCalendar(
        pool, catalog, clock, Patients(cipher), events, Changes(catalog, clock, events, waitlist)
    )
    await other.hold(
        HoldRequest(SPA, "first", "botox", utc(TEN), phone(1), provider_id="sofia-ramirez")
    )
    before, calls_before = conflicts(), calls("HoldSlot")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(2))))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert conflicts() - before == 1
    assert calls("HoldSlot") - calls_before == 1
