"""The waitlist over gRPC: add (by phone or patient id), list, remove, and slot.opened
naming the entries a freed slot suits, in the order to offer it."""

from __future__ import annotations

import uuid

import grpc
import pytest
from scheduler_harness import (
    MONDAY,
    SPA,
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

DAY = 86_400
THURSDAY_TEN = local(MONDAY, "10:00") + 3 * DAY


def join(n, request_id=None, **fields):
    fields.setdefault("service_id", "botox")
    if "patient_id" not in fields:
        fields.setdefault("patient", pb.PatientRef(phone_e164=phone(n)))
    request_id = f"join-{n}" if request_id is None else request_id
    return pb.AddToWaitlistRequest(spa_id=SPA, request_id=request_id, **fields)


def listing(**fields):
    fields.setdefault("spa_id", SPA)
    return pb.ListWaitlistRequest(**fields)


async def test_a_patient_joins_once_per_service_and_keeps_their_place(stub, clock):
    first = await stub.AddToWaitlist(join(1))
    clock.value += 60
    second = await stub.AddToWaitlist(join(2))
    clock.value += 60
    wishes = pb.WaitlistPreferences(days_of_week=[4], earliest_time="09:30", latest_time="24:00")
    again = await stub.AddToWaitlist(join(1, "join-1-again", preferences=wishes))
    assert again.entry_id == first.entry_id and again.created_at == first.created_at
    assert again.preferences == wishes and again.status == pb.WAITLIST_STATUS_WAITING
    line = await stub.ListWaitlist(listing(service_id="botox"))
    assert [e.entry_id for e in line.entries] == [first.entry_id, second.entry_id]
    assert await stub.AddToWaitlist(join(1)) == again, "a repeat answers its entry as it is"
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await stub.AddToWaitlist(join(1, service_id="dysport"))
    assert reused.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_a_known_patient_joins_by_id_and_leaves(stub):
    held = await stub.HoldSlot(hold_request(THURSDAY_TEN, "maya-chen"))
    added = await stub.AddToWaitlist(
        join(0, patient_id=held.patient_id, service_id="hydrafacial", provider_id="priya-patel")
    )
    assert (added.patient_id, added.provider_id) == (held.patient_id, "priya-patel")
    mine = await stub.ListWaitlist(listing(patient_id=held.patient_id))
    assert [e.entry_id for e in mine.entries] == [added.entry_id]
    remove = pb.RemoveFromWaitlistRequest(spa_id=SPA, entry_id=added.entry_id)
    gone = await stub.RemoveFromWaitlist(remove)
    assert gone.status == pb.WAITLIST_STATUS_REMOVED
    assert await stub.RemoveFromWaitlist(remove) == gone
    assert list((await stub.ListWaitlist(listing(patient_id=held.patient_id))).entries) == []
    back = await stub.AddToWaitlist(
        join(0, "rejoin", patient_id=held.patient_id, service_id="hydrafacial")
    )
    assert back.entry_id != added.entry_id, "a removed entry is history; joining again is new"


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (join(1, request_id=""), ["request_id"]),
        (join(1, service_id="nope"), ["service_id"]),
        (join(1, provider_id="priya-patel"), ["provider_id"]),
        (join(1, provider_id="nobody"), ["provider_id"]),
        (join(1, patient=pb.PatientRef(phone_e164="555")), ["patient.phone_e164"]),
        (join(1, patient=pb.PatientRef(phone_e164=phone(1), email="x")), ["patient.email"]),
        (join(1, patient_id="not-a-uuid"), ["patient_id"]),
        (join(1, patient_id=str(uuid.uuid4())), ["patient_id"]),
        (
            pb.AddToWaitlistRequest(spa_id=SPA, request_id="r", service_id="botox"),
            ["patient"],
        ),
        (
            join(1, preferences=pb.WaitlistPreferences(days_of_week=[8], latest_time="7pm")),
            ["preferences.days_of_week", "preferences.latest_time"],
        ),
        (
            join(1, preferences=pb.WaitlistPreferences(not_after=stamp(local(MONDAY, "05:00")))),
            ["preferences.not_after"],
        ),
    ],
)
async def test_bad_joins_name_the_field_and_change_nothing(stub, pool, request_, fields):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.AddToWaitlist(request_)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(v.field for v in details(refused.value)["BadRequest"].field_violations) == fields
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM waitlist_entries") == 0


async def test_both_a_phone_and_an_id_is_refused(stub):
    request = join(1, patient_id=str(uuid.uuid4()))
    request.patient.phone_e164 = phone(1)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.AddToWaitlist(request)
    assert details(refused.value)["BadRequest"].field_violations[0].field == "patient"


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (listing(service_id="nope"), grpc.StatusCode.INVALID_ARGUMENT),
        (listing(patient_id="x"), grpc.StatusCode.INVALID_ARGUMENT),
        (listing(max_results=-1), grpc.StatusCode.INVALID_ARGUMENT),
        (listing(service_id="botox", start=stamp(THURSDAY_TEN)), grpc.StatusCode.INVALID_ARGUMENT),
        (
            listing(service_id="botox", start=stamp(THURSDAY_TEN), end=stamp(THURSDAY_TEN)),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (listing(spa_id="nowhere"), grpc.StatusCode.NOT_FOUND),
    ],
)
async def test_bad_listings_are_refused(stub, request_, code):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListWaitlist(request_)
    assert refused.value.code() == code


@pytest.mark.parametrize(
    ("entry_id", "code"),
    [("nope", grpc.StatusCode.INVALID_ARGUMENT), (str(uuid.uuid4()), grpc.StatusCode.NOT_FOUND)],
)
async def test_removing_what_is_not_there_is_refused(stub, entry_id, code):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RemoveFromWaitlist(pb.RemoveFromWaitlistRequest(spa_id=SPA, entry_id=entry_id))
    assert refused.value.code() == code


async def test_a_cancelled_visit_names_the_waiting_patients_it_suits_in_order(stub, pool, clock):
    booked = await confirmed(
        stub, THURSDAY_TEN, "maya-chen", patient=pb.PatientRef(phone_e164=phone(50))
    )
    thursdays = pb.WaitlistPreferences(days_of_week=[4], parts_of_day=[pb.PART_OF_DAY_MORNING])
    added = {}
    for n, fields in [
        (51, {"preferences": thursdays}),
        (52, {"preferences": pb.WaitlistPreferences(days_of_week=[5])}),
        (53, {"provider_id": "jordan-blake"}),
        (54, {}),
        (55, {"service_id": "dysport"}),
        (56, {}),
        (50, {}),
    ]:
        added[n] = await stub.AddToWaitlist(join(n, **fields))
        clock.value += 1
    # Already booked for Botox before Thursday: the slot is no use to them.
    await stub.HoldSlot(
        hold_request(
            THURSDAY_TEN - DAY, "sofia-ramirez", patient=pb.PatientRef(phone_e164=phone(56))
        )
    )
    expected = [added[51].entry_id, added[54].entry_id]
    asked = await stub.ListWaitlist(
        listing(
            service_id="botox",
            provider_id="maya-chen",
            start=booked.start,
            end=booked.end,
        )
    )
    await stub.Cancel(pb.CancelRequest(spa_id=SPA, appointment_id=booked.id, request_id="c"))
    [said] = [p for n, p in await outbox_events(pool) if n == "slot.opened"]
    opened = booking_pb2.SlotOpened.FromString(said)
    assert list(opened.waitlist_entry_ids) == expected, "not the patient who cancelled"
    # Asked before the cancel, the slot's own patient is left out as already booked for it.
    assert [e.entry_id for e in asked.entries] == expected
    assert list(opened.resource_ids) == list(booked.resource_ids)


async def test_a_lapsed_entry_is_not_offered_and_rejoins_at_the_end(stub, clock):
    soon = pb.WaitlistPreferences(not_after=stamp(clock.value + 3600))
    first = await stub.AddToWaitlist(join(61, preferences=soon))
    clock.value += 60
    other = await stub.AddToWaitlist(join(62))
    clock.value += 7200
    line = await stub.ListWaitlist(listing(service_id="botox"))
    assert [e.entry_id for e in line.entries] == [other.entry_id]
    back = await stub.AddToWaitlist(join(61, "join-61-again"))
    assert back.entry_id == first.entry_id and back.created_at.seconds == clock.value
    line = await stub.ListWaitlist(listing(service_id="botox"))
    assert [e.entry_id for e in line.entries] == [other.entry_id, first.entry_id]
