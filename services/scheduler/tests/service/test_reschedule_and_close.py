"""Reschedule and CloseAppointment over gRPC, and every room or device a visit takes."""

from __future__ import annotations

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
    stamp,
)

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.events.v1 import booking_pb2

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
THURSDAY = TEN + 3 * 86_400  # outside the 48-hour cancellation window
UNKNOWN = "6b1f6a4e-0000-4000-8000-000000000000"


def move(appointment_id, start, request_id="move-1", provider_id=""):
    return pb.RescheduleRequest(
        spa_id=SPA,
        appointment_id=appointment_id,
        request_id=request_id,
        start=stamp(start),
        provider_id=provider_id,
    )


async def events(pool, name):
    return [payload for n, payload in await outbox_events(pool) if n == name]


async def test_reschedule_moves_a_confirmed_visit_once(stub, pool):
    booked = await confirmed(stub, THURSDAY, "maya-chen")
    moved = await stub.Reschedule(move(booked.id, THURSDAY + 3600))
    assert (moved.start.seconds, moved.provider_id, moved.status) == (
        THURSDAY + 3600,
        "maya-chen",
        pb.APPOINTMENT_STATUS_CONFIRMED,
    )
    assert await stub.Reschedule(move(booked.id, THURSDAY + 3600)) == moved
    [said] = await events(pool, "booking.rescheduled")
    event = booking_pb2.BookingRescheduled.FromString(said)
    assert (event.previous_start.seconds, event.booking.start.seconds) == (
        THURSDAY,
        THURSDAY + 3600,
    )
    assert not event.inside_cancellation_window
    [opened] = await events(pool, "slot.opened")
    assert booking_pb2.SlotOpened.FromString(opened).start.seconds == THURSDAY


async def test_reschedule_onto_a_taken_slot_offers_alternatives(stub, pool):
    booked = await confirmed(stub, THURSDAY, "maya-chen")
    await stub.HoldSlot(
        hold_request(THURSDAY + 3600, "maya-chen", patient=pb.PatientRef(phone_e164=phone(9)))
    )
    before = await outbox_events(pool)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Reschedule(move(booked.id, THURSDAY + 3600, provider_id="maya-chen"))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    conflict = details(refused.value)["HoldConflict"]
    assert conflict.reason == "slot_taken" and conflict.alternatives
    assert await outbox_events(pool) == before


@pytest.mark.parametrize(
    ("request_", "code", "field"),
    [
        (move(UNKNOWN, THURSDAY, request_id=""), grpc.StatusCode.INVALID_ARGUMENT, "request_id"),
        (move("not-a-uuid", THURSDAY), grpc.StatusCode.INVALID_ARGUMENT, "appointment_id"),
        (move(UNKNOWN, THURSDAY), grpc.StatusCode.NOT_FOUND, None),
    ],
)
async def test_bad_reschedules_are_refused(stub, request_, code, field):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Reschedule(request_)
    assert refused.value.code() == code
    if field:
        assert details(refused.value)["BadRequest"].field_violations[0].field == field


@pytest.mark.parametrize(
    ("start", "reason"),
    [(None, "REQUIRED"), (TEN + 300, "OFF_GRID"), (local(MONDAY, "05:00"), "IN_PAST")],
)
async def test_a_reschedule_to_a_bad_time_names_the_start(stub, pool, start, reason):
    booked = await confirmed(stub, THURSDAY, "maya-chen")
    request = move(booked.id, start or 0)
    if start is None:
        request.ClearField("start")
    before = await outbox_events(pool)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Reschedule(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violation = details(refused.value)["BadRequest"].field_violations[0]
    assert (violation.field, violation.reason) == ("start", reason)
    assert await outbox_events(pool) == before


async def test_a_cancelled_visit_cannot_be_rescheduled(stub):
    booked = await confirmed(stub, THURSDAY, "maya-chen")
    await stub.Cancel(pb.CancelRequest(spa_id=SPA, appointment_id=booked.id, request_id="c"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Reschedule(move(booked.id, THURSDAY + 3600))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(refused.value)["ErrorInfo"].reason == "APPOINTMENT_CANCELLED"


async def test_close_marks_a_started_visit_completed_once(stub, pool, clock):
    booked = await confirmed(stub, TEN)
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_COMPLETED))
    assert early.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(early.value)["ErrorInfo"].reason == "NOT_STARTED"
    clock.value = TEN + 600
    done = await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_COMPLETED))
    assert done.status == pb.APPOINTMENT_STATUS_COMPLETED
    again = await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_COMPLETED, "other"))
    assert again == done
    [said] = await events(pool, "booking.completed")
    assert booking_pb2.BookingCompleted.FromString(said).booking.appointment_id == booked.id
    with pytest.raises(grpc.aio.AioRpcError) as changed:
        await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_NO_SHOW, "third"))
    assert changed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(changed.value)["ErrorInfo"].reason == "APPOINTMENT_COMPLETED"
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_NO_SHOW))
    assert reused.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_a_no_show_is_said_and_keeps_the_time_taken(stub, pool, clock):
    booked = await confirmed(stub, TEN)
    clock.value = TEN + 900
    gone = await stub.CloseAppointment(close(booked.id, pb.VISIT_OUTCOME_NO_SHOW))
    assert gone.status == pb.APPOINTMENT_STATUS_NO_SHOW
    [said] = await events(pool, "booking.no_show")
    assert booking_pb2.BookingNoShow.FromString(said).booking.appointment_id == booked.id
    assert await events(pool, "slot.opened") == []


@pytest.mark.parametrize(
    ("outcome", "request_id", "fields"),
    [
        (pb.VISIT_OUTCOME_UNSPECIFIED, "x", ["outcome"]),
        (7, "x", ["outcome"]),
        (pb.VISIT_OUTCOME_COMPLETED, "", ["request_id"]),
    ],
)
async def test_bad_closes_name_the_field(stub, outcome, request_id, fields):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CloseAppointment(close(UNKNOWN, outcome, request_id))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details(refused.value)["BadRequest"].field_violations] == fields


async def test_a_held_visit_cannot_be_closed(stub, clock):
    held = await stub.HoldSlot(hold_request(TEN))
    clock.value = TEN + 60
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CloseAppointment(close(held.id, pb.VISIT_OUTCOME_COMPLETED))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_every_room_and_device_is_named(stub, pool):
    # Laser hair removal takes the laser room and the GentleMax.
    start = local(MONDAY, "11:00") + 2 * 86_400
    found = await stub.FindSlots(
        pb.FindSlotsRequest(
            spa_id=SPA,
            service_id="laser-hair-removal",
            preferences=pb.SlotPreferences(near=stamp(start), max_results=1),
        )
    )
    [slot] = found.slots
    assert list(slot.resource_ids) == ["laser-room", "gentlemax-pro"]
    assert slot.resource_id == "laser-room"
    held = await stub.HoldSlot(
        hold_request(slot.start.seconds, slot.provider_id, service_id="laser-hair-removal")
    )
    assert (held.resource_id, list(held.resource_ids)) == (
        "laser-room",
        ["laser-room", "gentlemax-pro"],
    )
    [said] = await events(pool, "booking.held")
    booking = booking_pb2.BookingHeld.FromString(said).booking
    assert (booking.resource_id, list(booking.resource_ids)) == (
        "laser-room",
        ["laser-room", "gentlemax-pro"],
    )
