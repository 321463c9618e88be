"""The hold's one-statement write leaves exactly the rows the kit's own audit and outbox
functions write, so the relay, the audit view and every consumer read them alike."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from scheduler_harness import MONDAY, NAMESPACE, SPA, local, phone

from medspa_kit import outbox
from medspa_kit.audit import audit
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.hold_write import write_hold
from scheduler.adapters.patients import Patients
from scheduler.domain.appointments import Appointment, Status
from scheduler.domain.patients import PatientDetails

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
AUDIT = "SELECT spa_id, actor, action, subject_type, subject_id, fields, purpose, trace_id"
OUTBOX = "SELECT event_id, subject, headers, payload"


def held(patient_id: str) -> Appointment:
    return Appointment(
        id=str(uuid.uuid4()),
        spa_id=SPA,
        service_id="botox",
        provider_id="sofia-ramirez",
        resource_ids=("treatment-room-1",),
        patient_id=patient_id,
        start=TEN,
        end=TEN + 1800,
        status=Status.HELD,
        hold_expires_at=TEN - 3600,
        deposit_minor=5000,
        currency="USD",
        new_patient=True,
    )


async def kit_rows(pool: asyncpg.Pool, event, patient_id: str, fields: list[str]):
    """What the kit writes for the same event and audit record (rolled back after)."""
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            await outbox.record(conn, event, NAMESPACE)
            await audit(
                conn,
                actor="scheduler",
                action="patient.created",
                subject_type="patient",
                subject_id=patient_id,
                fields=fields,
                purpose="hold a slot",
                spa_id=SPA,
            )
            written = await conn.fetchrow(f"{OUTBOX} FROM outbox WHERE event_id = $1", event.id)
            audited = await conn.fetchrow(f"{AUDIT} FROM audit_log ORDER BY id DESC LIMIT 1")
        finally:
            await tx.rollback()
    return dict(written), dict(audited)


async def test_the_hold_writes_the_kits_own_outbox_and_audit_rows(calendar, pool, cipher):
    tracer = TracerProvider().get_tracer("test")
    patients = Patients(cipher)
    row = patients.row(uuid.uuid4(), phone(77), PatientDetails(name="Ana", email="a@b.com"))
    appt = held(str(row.id))
    with tracer.start_as_current_span("hold"):
        assert trace.get_current_span().get_span_context().is_valid
        event = BookingEvents(NAMESPACE).held(appt)
        expected = await kit_rows(pool, event, str(row.id), ["phone", "name", "email"])
        async with pool.acquire() as conn:
            assert await write_hold(
                conn, row, appt, (TEN, TEN + 2400), "r1", b"d", event, NAMESPACE
            )
    async with pool.acquire() as conn:
        written = await conn.fetchrow(f"{OUTBOX} FROM outbox WHERE event_id = $1", event.id)
        audited = await conn.fetchrow(f"{AUDIT} FROM audit_log ORDER BY id DESC LIMIT 1")
    assert (dict(written), dict(audited)) == expected


async def test_a_patient_created_meanwhile_stops_the_write(calendar, pool, cipher):
    patients = Patients(cipher)
    first = patients.row(uuid.uuid4(), phone(78), PatientDetails())
    second = patients.row(uuid.uuid4(), phone(78), PatientDetails(name="Late"))
    async with pool.acquire() as conn:
        event = BookingEvents(NAMESPACE).held(held(str(first.id)))
        assert await write_hold(
            conn, first, held(str(first.id)), (TEN, TEN + 2400), "a", b"d", event, NAMESPACE
        )
        late = held(str(second.id))
        later = BookingEvents(NAMESPACE).held(late)
        assert not await write_hold(
            conn, second, late, (TEN + 3600, TEN + 6000), "b", b"d", later, NAMESPACE
        )
        assert await conn.fetchval("SELECT count(*) FROM appointments") == 1
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE event_id = $1", later.id) == 0
        assert await conn.fetchval("SELECT name_enc FROM patients") is None, "nothing filled in"
