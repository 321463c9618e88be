"""Cancel, reschedule, complete; the consult-first and deposit rules; deposit events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import grpc
import pytest
from scheduler_harness import (
    MONDAY,
    SPA,
    close,
    confirmed,
    details,
    hold_request,
    local,
    outbox_events,
    phone,
)

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.events.v1 import booking_pb2, deposit_pb2
from medspa_kit.envelope import Envelope
from scheduler.adapters.pg_rows import load
from scheduler.domain.appointments import Status
from scheduler.domain.commands import RescheduleRequest
from scheduler.domain.errors import SlotUnavailable, WrongState
from scheduler.handlers import DepositHandlers

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
LATER = local(MONDAY, "10:00") + 3 * 86_400  # Thursday, outside the 48-hour window


def cancel(appointment_id, request_id="x", by=pb.CANCELLED_BY_PATIENT):
    return pb.CancelRequest(
        spa_id=SPA, appointment_id=appointment_id, request_id=request_id, cancelled_by=by
    )


async def last(pool, name):
    events = [payload for n, payload in await outbox_events(pool) if n == name]
    return events[-1] if events else None


@pytest.mark.parametrize(("start", "inside"), [(TEN, True), (LATER, False)])
async def test_cancel_says_what_the_policy_makes_of_it(stub, pool, start, inside):
    provider = "sofia-ramirez" if start == TEN else "maya-chen"
    booked = await confirmed(stub, start, provider)
    answer = await stub.Cancel(cancel(booked.id, by=pb.CANCELLED_BY_SPA))
    assert answer.status == pb.APPOINTMENT_STATUS_CANCELLED
    event = booking_pb2.BookingCancelled.FromString(await last(pool, "booking.cancelled"))
    assert event.inside_cancellation_window is inside
    assert event.cancelled_by == "spa" and not event.hold_expired
    opened = booking_pb2.SlotOpened.FromString(await last(pool, "slot.opened"))
    assert opened.start.seconds == start
    again = await stub.Cancel(cancel(booked.id, request_id="y"))
    assert again.status == pb.APPOINTMENT_STATUS_CANCELLED
    assert len([n for n, _ in await outbox_events(pool) if n == "booking.cancelled"]) == 1


async def test_a_completed_visit_cannot_be_cancelled(stub, clock, pool):
    booked = await confirmed(stub, TEN)
    clock.value = TEN + 1800
    await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_COMPLETED))
    before = await outbox_events(pool)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Cancel(cancel(booked.id))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(refused.value)["ErrorInfo"].reason == "APPOINTMENT_COMPLETED"
    assert await outbox_events(pool) == before
    after = await stub.GetAppointment(
        pb.GetAppointmentRequest(spa_id=SPA, appointment_id=booked.id)
    )
    assert after.status == pb.APPOINTMENT_STATUS_COMPLETED
    assert before[-1][0] == "booking.completed"


async def test_a_returning_patient_pays_no_new_patient_deposit(stub, clock):
    first = await confirmed(stub, TEN)
    assert first.deposit.amount_minor == 5000
    clock.value = TEN + 1800
    await stub.CloseAppointment(close(first.id, pb.VISIT_OUTCOME_COMPLETED))
    second = await stub.HoldSlot(hold_request(LATER, "maya-chen"))
    assert second.patient_id == first.patient_id
    assert not second.deposit_required and second.deposit.amount_minor == 0


async def test_a_new_patient_books_the_consult_first(stub):
    filler = hold_request(LATER + 3600, "maya-chen", service_id="lip-filler")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.HoldSlot(filler)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    conflict = details(refused.value)["HoldConflict"]
    assert conflict.reason == "consult_required"
    assert {s.service_id for s in conflict.alternatives} == {"injectables-consult"}
    consult = conflict.alternatives[0]
    await stub.HoldSlot(
        hold_request(consult.start.seconds, consult.provider_id, service_id="injectables-consult")
    )
    held = await stub.HoldSlot(filler)
    assert held.status == pb.APPOINTMENT_STATUS_HELD and held.deposit.amount_minor == 5000


async def test_reschedule_moves_the_booking_and_says_so(stub, calendar, pool):
    booked = await confirmed(stub, LATER, "maya-chen")
    new_start = datetime.fromtimestamp(LATER + 3600, UTC)
    moved = await calendar.reschedule(RescheduleRequest(SPA, booked.id, "r1", new_start))
    assert (moved.start, moved.provider_id, moved.status) == (
        LATER + 3600,
        "maya-chen",
        Status.CONFIRMED,
    )
    event = booking_pb2.BookingRescheduled.FromString(await last(pool, "booking.rescheduled"))
    assert event.previous_start.seconds == LATER and event.booking.start.seconds == LATER + 3600
    assert not event.inside_cancellation_window
    assert booking_pb2.SlotOpened.FromString(await last(pool, "slot.opened")).start.seconds == LATER
    replay = await calendar.reschedule(RescheduleRequest(SPA, booked.id, "r1", new_start))
    assert replay == moved
    other = await stub.HoldSlot(
        hold_request(LATER, "maya-chen", patient=pb.PatientRef(phone_e164=phone(9)))
    )
    with pytest.raises(SlotUnavailable) as refused:
        await calendar.reschedule(
            RescheduleRequest(SPA, booked.id, "r2", datetime.fromtimestamp(LATER, UTC), "maya-chen")
        )
    assert refused.value.reason == "slot_taken" and refused.value.alternatives
    assert other.status == pb.APPOINTMENT_STATUS_HELD


async def test_a_cancelled_booking_cannot_be_rescheduled(stub, calendar):
    booked = await confirmed(stub, LATER, "maya-chen")
    await stub.Cancel(cancel(booked.id))
    with pytest.raises(WrongState):
        await calendar.reschedule(
            RescheduleRequest(SPA, booked.id, "r", datetime.fromtimestamp(LATER + 3600, UTC))
        )


def envelope(message) -> Envelope:
    return Envelope.wrap(SPA, message, "payments")


async def test_a_paid_deposit_confirms_and_a_lapsed_link_releases(stub, calendar, pool):
    handlers = DepositHandlers(calendar.changes)
    paid = await stub.HoldSlot(hold_request(TEN))
    lapsed = await stub.HoldSlot(
        hold_request(LATER, "maya-chen", patient=pb.PatientRef(phone_e164=phone(4)))
    )
    message = deposit_pb2.DepositPaid(spa_id=SPA, deposit_id="d1", appointment_id=paid.id)
    expired = deposit_pb2.DepositExpired(spa_id=SPA, deposit_id="d2", appointment_id=lapsed.id)
    async with pool.acquire() as conn, conn.transaction():
        await handlers.paid(conn, envelope(message), message)
        await handlers.paid(conn, envelope(message), message)
        await handlers.expired(conn, envelope(expired), expired)
    async with pool.acquire() as conn:
        assert (await load(conn, SPA, uuid.UUID(paid.id))).status is Status.CONFIRMED
        assert (await load(conn, SPA, uuid.UUID(lapsed.id))).status is Status.EXPIRED
    names = [n for n, _ in await outbox_events(pool)]
    assert names.count("booking.confirmed") == 1
    released = booking_pb2.BookingCancelled.FromString(await last(pool, "booking.cancelled"))
    assert released.hold_expired and released.booking.appointment_id == lapsed.id


async def test_a_deposit_for_a_released_hold_changes_nothing(stub, calendar, pool):
    handlers = DepositHandlers(calendar.changes)
    held = await stub.HoldSlot(hold_request(TEN))
    await stub.Cancel(cancel(held.id))
    message = deposit_pb2.DepositPaid(spa_id=SPA, deposit_id="d3", appointment_id=held.id)
    async with pool.acquire() as conn, conn.transaction():
        await handlers.paid(conn, envelope(message), message)
        remembered = await conn.fetchval(
            "SELECT count(*) FROM appointment_requests WHERE request_id LIKE 'deposit%'"
        )
    assert remembered == 0


async def test_events_never_carry_the_patients_name_or_phone(stub, pool):
    held = await stub.HoldSlot(
        hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(4242), name="Zelda Quartz"))
    )
    await stub.Confirm(pb.ConfirmRequest(spa_id=SPA, appointment_id=held.id, request_id="c"))
    await stub.Cancel(cancel(held.id))
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT headers::text AS h, payload FROM outbox")
    assert len(rows) == 4
    for row in rows:
        blob = bytes(row["payload"]) + row["h"].encode()
        assert b"4242" not in blob and b"Zelda" not in blob and b"Quartz" not in blob
