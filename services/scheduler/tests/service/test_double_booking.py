"""Two patients can never hold the same provider, room or device at once."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import grpc
import pytest
from scheduler_harness import MONDAY, SPA, details, hold_request, local, phone, utc

from medspa.calendar.v1 import calendar_pb2 as pb

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")


async def test_a_hundred_concurrent_holds_for_one_slot_give_one_hold(stub, pool):
    requests = [
        hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(100 + i))) for i in range(100)
    ]

    async def attempt(request):
        try:
            return await stub.HoldSlot(request)
        except grpc.aio.AioRpcError as error:
            return error

    answers = await asyncio.gather(*(attempt(r) for r in requests))
    held = [a for a in answers if isinstance(a, pb.Appointment)]
    refused = [a for a in answers if isinstance(a, grpc.aio.AioRpcError)]
    assert len(held) == 1 and len(refused) == 99
    for error in refused:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        conflict = details(error)["HoldConflict"]
        assert conflict.reason == "slot_taken"
        assert conflict.alternatives
        for slot in conflict.alternatives:
            assert (slot.provider_id, slot.start.seconds) != ("sofia-ramirez", TEN)
        metadata = dict(error.trailing_metadata())
        assert pb.HoldConflict.FromString(metadata["hold-conflict-bin"]) == conflict
    async with pool.acquire() as conn:
        live = await conn.fetchval(
            "SELECT count(*) FROM appointments WHERE provider_id = 'sofia-ramirez'"
            " AND status = 'held'"
        )
        patients = await conn.fetchval("SELECT count(*) FROM patients")
    assert live == 1
    assert patients == 1, "a refused hold leaves no patient behind"


async def test_two_providers_cannot_share_the_one_laser(stub):
    # Laser hair removal needs the laser room and the GentleMax: Jordan and Alex both do it.
    start = local(MONDAY, "11:00") + 86_400 * 2
    requests = [
        hold_request(
            start,
            provider,
            service_id="laser-hair-removal",
            patient=pb.PatientRef(phone_e164=phone(200 + i)),
        )
        for i, provider in enumerate(["jordan-blake", "alex-kim"] * 5)
    ]

    async def attempt(request):
        try:
            return await stub.HoldSlot(request)
        except grpc.aio.AioRpcError as error:
            return error

    answers = await asyncio.gather(*(attempt(r) for r in requests))
    assert sum(isinstance(a, pb.Appointment) for a in answers) == 1
    for error in (a for a in answers if not isinstance(a, pb.Appointment)):
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_the_database_itself_refuses_an_overlap(stub, pool):
    held = await stub.HoldSlot(hold_request(TEN))
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM appointments WHERE id = $1", uuid.UUID(held.id))
        values = dict(row)
        columns = ", ".join(values)
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        insert = f"INSERT INTO appointments ({columns}) VALUES ({marks})"  # noqa: S608
        values.update(id=uuid.uuid4(), hold_request_id="sneaky")
        with pytest.raises(asyncpg.ExclusionViolationError):
            await conn.execute(insert, *values.values())
        # A cancelled visit does not hold the provider, but cannot take the room either.
        values.update(status="cancelled")
        await conn.execute(insert, *values.values())
        with pytest.raises(asyncpg.ExclusionViolationError):
            await conn.execute(
                "INSERT INTO appointment_resources (appointment_id, spa_id, resource_id, blocked)"
                " VALUES ($1, $2, $3, tstzrange($4, $5))",
                values["id"],
                SPA,
                held.resource_id,
                utc(TEN + 600),
                utc(TEN + 900),
            )
