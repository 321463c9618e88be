"""CalendarService over a real gRPC socket and a real PostgreSQL database."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from scheduler_harness import (
    MONDAY,
    SPA,
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


async def test_health_says_serving(server):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", "medspa.calendar.v1.CalendarService"):
            answer = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_menu_and_providers_come_from_the_config(stub):
    services = (await stub.ListServices(pb.ListServicesRequest(spa_id=SPA))).services
    botox = next(s for s in services if s.id == "botox")
    assert botox.price.kind == pb.PRICE_KIND_PER_UNIT and botox.price.amount.amount_minor == 1400
    assert botox.deposit_required and botox.deposit.amount_minor == 5000
    lip = next(s for s in services if s.id == "lip-filler")
    assert lip.consult_required_for_new
    laser = await stub.ListProviders(
        pb.ListProvidersRequest(spa_id=SPA, service_id="laser-hair-removal")
    )
    assert [p.id for p in laser.providers] == ["jordan-blake", "alex-kim"]


async def test_a_found_slot_can_be_held_and_is_then_not_offered(stub, pool):
    request = pb.FindSlotsRequest(
        spa_id=SPA,
        service_id="botox",
        preferences=pb.SlotPreferences(provider_id="sofia-ramirez", max_results=3),
    )
    found = await stub.FindSlots(request)
    assert found.time_zone == "America/Los_Angeles"
    first = found.slots[0]
    assert (first.provider_id, first.start.seconds) == ("sofia-ramirez", local(MONDAY, "09:00"))
    held = await stub.HoldSlot(hold_request(first.start.seconds))
    assert held.status == pb.APPOINTMENT_STATUS_HELD
    assert held.resource_id == first.resource_id
    assert held.hold_expires_at.seconds == local(MONDAY, "06:15")
    again = await stub.FindSlots(request)
    assert first.start.seconds not in [s.start.seconds for s in again.slots]
    [(name, payload)] = await outbox_events(pool)
    event = booking_pb2.BookingHeld.FromString(payload)
    assert name == "booking.held" and event.booking.appointment_id == held.id
    assert event.booking.new_patient and event.booking.deposit.amount_minor == 5000


async def test_the_same_request_id_returns_the_same_hold(stub, pool):
    request = hold_request(TEN)
    first = await stub.HoldSlot(request)
    second = await stub.HoldSlot(request)
    assert first == second
    assert len(await outbox_events(pool)) == 1
    changed = hold_request(TEN + 900, request_id=request.request_id)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.HoldSlot(changed)
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert details(refused.value)["ErrorInfo"].reason == "REQUEST_ID_REUSED"


async def test_a_returning_caller_is_found_by_phone_and_stored_encrypted(stub, pool):
    first = await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(7))))
    same = pb.PatientRef(phone_e164="+1 (415) 555-0007", name="Ana Lopez")
    second = await stub.HoldSlot(hold_request(TEN + 3600, patient=same))
    assert first.patient_id == second.patient_id
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM patients")
        audits = await conn.fetch(
            "SELECT action, fields FROM audit_log WHERE subject_id = $1", first.patient_id
        )
    stored = b"".join(bytes(v) for v in row.values() if isinstance(v, bytes))
    assert b"5550007" not in stored and b"Ana" not in stored
    assert row["name_enc"] is not None, "the name given later fills the empty one"
    assert [a["action"] for a in audits][:2] == ["patient.created", "patient.updated"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"service_id": "nope"}, ["service_id"]),
        ({"provider_id": "nobody"}, ["provider_id"]),
        ({"provider_id": "priya-patel"}, ["provider_id"]),
        ({"start": local(MONDAY, "05:00")}, ["start"]),
        ({"start": local(MONDAY, "20:00")}, ["start"]),
        ({"start": local(MONDAY, "10:05")}, ["start"]),
        ({"request_id": ""}, ["request_id"]),
        ({"patient": pb.PatientRef(phone_e164="555-0100")}, ["patient.phone_e164"]),
        ({"hold_minutes": -1}, ["hold_minutes"]),
        ({"service_id": "nope", "request_id": ""}, ["request_id", "service_id"]),
    ],
)
async def test_bad_holds_are_invalid_argument_with_the_field(stub, pool, change, fields):
    start = change.pop("start", TEN)
    provider = change.pop("provider_id", "sofia-ramirez")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.HoldSlot(hold_request(start, provider, **change))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = details(refused.value)["BadRequest"]
    assert sorted(v.field for v in bad.field_violations) == fields
    assert all(v.reason and v.description for v in bad.field_violations)
    assert await outbox_events(pool) == []


async def test_a_hold_without_a_start_names_the_field(stub):
    request = hold_request(TEN)
    request.ClearField("start")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.HoldSlot(request)
    violation = details(refused.value)["BadRequest"].field_violations[0]
    assert (violation.field, violation.reason) == ("start", "REQUIRED")


@pytest.mark.parametrize(
    ("call", "request_"),
    [
        ("ListServices", pb.ListServicesRequest(spa_id="nowhere")),
        (
            "GetAppointment",
            pb.GetAppointmentRequest(
                spa_id=SPA, appointment_id="6b1f6a4e-0000-4000-8000-000000000000"
            ),
        ),
    ],
)
async def test_unknown_things_are_not_found(stub, call, request_):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await getattr(stub, call)(request_)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert details(refused.value)["ResourceInfo"].resource_type in ("spa", "appointment")


async def test_a_request_without_a_spa_names_the_field(stub):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListProviders(pb.ListProvidersRequest())
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(refused.value)["BadRequest"].field_violations[0].field == "spa_id"


async def test_find_slots_refuses_unknown_service_and_provider(stub):
    request = pb.FindSlotsRequest(
        spa_id=SPA, service_id="nope", preferences=pb.SlotPreferences(provider_id="x")
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.FindSlots(request)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details(refused.value)["BadRequest"].field_violations] == [
        "service_id"
    ]


async def test_preferences_travel_over_grpc(stub):
    prefs = pb.SlotPreferences(
        days_of_week=[2],
        parts_of_day=[pb.PART_OF_DAY_AFTERNOON],
        near=stamp(local(MONDAY, "15:00") + 86_400),
        avoid_provider_id="jordan-blake",
        max_results=2,
    )
    found = await stub.FindSlots(
        pb.FindSlotsRequest(spa_id=SPA, service_id="botox", preferences=prefs)
    )
    assert [s.start.seconds for s in found.slots] == [
        local(MONDAY, "15:00") + 86_400,
        local(MONDAY, "14:45") + 86_400,
    ]
    assert {s.provider_id for s in found.slots} == {"maya-chen"}


async def test_confirm_three_times_is_one_confirmation(stub, pool):
    held = await stub.HoldSlot(hold_request(TEN))
    answers = [
        await stub.Confirm(pb.ConfirmRequest(spa_id=SPA, appointment_id=held.id, request_id=r))
        for r in ("c1", "c1", "c2")
    ]
    assert {a.status for a in answers} == {pb.APPOINTMENT_STATUS_CONFIRMED}
    assert not answers[0].HasField("hold_expires_at")
    names = [name for name, _ in await outbox_events(pool)]
    assert names == ["booking.held", "booking.confirmed"]


async def test_an_expired_hold_cannot_be_confirmed_and_the_sweeper_releases_it(
    stub, pool, calendar, clock
):
    held = await stub.HoldSlot(hold_request(TEN, hold_minutes=5))
    clock.value += 5 * 60
    confirm = pb.ConfirmRequest(spa_id=SPA, appointment_id=held.id, request_id="late")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Confirm(confirm)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(refused.value)["ErrorInfo"].reason == "HOLD_EXPIRED"
    still = await stub.GetAppointment(pb.GetAppointmentRequest(spa_id=SPA, appointment_id=held.id))
    assert still.status == pb.APPOINTMENT_STATUS_HELD, "a refusal changes nothing"
    async with pool.acquire() as conn, conn.transaction():
        assert await calendar.changes.expire_due(conn, 100) == 1
    gone = await stub.GetAppointment(pb.GetAppointmentRequest(spa_id=SPA, appointment_id=held.id))
    assert gone.status == pb.APPOINTMENT_STATUS_EXPIRED
    name, payload = (await outbox_events(pool))[-1]
    cancelled = booking_pb2.BookingCancelled.FromString(payload)
    assert name == "booking.cancelled" and cancelled.hold_expired
    assert cancelled.cancelled_by == "system"
    again = await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(2))))
    assert again.status == pb.APPOINTMENT_STATUS_HELD, "the released slot can be taken again"


async def test_list_appointments_filters(stub):
    a = await stub.HoldSlot(hold_request(TEN))
    b = await stub.HoldSlot(hold_request(TEN + 3600, patient=pb.PatientRef(phone_e164=phone(3))))
    await stub.Confirm(pb.ConfirmRequest(spa_id=SPA, appointment_id=b.id, request_id="b"))
    mine = await stub.ListAppointments(
        pb.ListAppointmentsRequest(spa_id=SPA, patient_id=a.patient_id)
    )
    assert [x.id for x in mine.appointments] == [a.id]
    confirmed = await stub.ListAppointments(
        pb.ListAppointmentsRequest(spa_id=SPA, statuses=[pb.APPOINTMENT_STATUS_CONFIRMED])
    )
    assert [x.id for x in confirmed.appointments] == [b.id]
    window = await stub.ListAppointments(
        pb.ListAppointmentsRequest(spa_id=SPA, to=stamp(TEN + 1800))
    )
    assert [x.id for x in window.appointments] == [a.id]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListAppointments(pb.ListAppointmentsRequest(spa_id=SPA, patient_id="bad"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_repeat_after_the_hold_was_released_returns_it_not_a_new_one(stub, pool):
    request = hold_request(TEN)
    first = await stub.HoldSlot(request)
    await stub.Cancel(pb.CancelRequest(spa_id=SPA, appointment_id=first.id, request_id="c"))
    repeat = await stub.HoldSlot(request)
    assert (repeat.id, repeat.status) == (first.id, pb.APPOINTMENT_STATUS_CANCELLED)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM appointments") == 1


async def test_concurrent_repeats_of_one_request_give_one_hold(stub):
    request = hold_request(TEN)
    answers = await asyncio.gather(*(stub.HoldSlot(request) for _ in range(10)))
    assert {a.id for a in answers} == {answers[0].id}
