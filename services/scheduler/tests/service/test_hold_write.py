"""The hold's one-statement write leaves exactly the rows the kit's own audit and outbox
functions write, so the relay, the audit view and every consumer read them alike."""

from __future__ import annotations

import uuid
from dataclasses import replace

import asyncpg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from scheduler_harness import MONDAY, NAMESPACE, SPA, local, phone

from medspa_kit import outbox
from medspa_kit.audit import audit
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.hold_write import HoldDraft, write_hold
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


def draft(appt: Appointment, consult_ids: tuple[str, ...] = ()) -> HoldDraft:
    """The hold both ways: 50.00 deposit for a new patient, none for a returning one."""
    events = BookingEvents(NAMESPACE)
    returning = replace(appt, deposit_minor=0, new_patient=False)
    return HoldDraft(
        appt, returning, events.held(appt), events.held_payload(returning), consult_ids
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
        hold = draft(appt)
        event = hold.event
        expected = await kit_rows(pool, event, str(row.id), ["phone", "name", "email"])
        async with pool.acquire() as conn:
            assert (
                await write_hold(conn, row, hold, (TEN, TEN + 2400), "r1", b"d", NAMESPACE) == appt
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
        assert await write_hold(
            conn, first, draft(held(str(first.id))), (TEN, TEN + 2400), "a", b"d", NAMESPACE
        )
        late = draft(held(str(second.id)))
        assert (
            await write_hold(conn, second, late, (TEN + 3600, TEN + 6000), "b", b"d", NAMESPACE)
            is None
        )
        assert await conn.fetchval("SELECT count(*) FROM appointments") == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM outbox WHERE event_id = $1", late.event.id)
            == 0
        )
        assert await conn.fetchval("SELECT name_enc FROM patients") is None, "nothing filled in"


async def test_a_remembered_patient_who_is_gone_stops_the_write(calendar, pool, cipher):
    """An id remembered for a phone is written only while that patient is on file."""
    gone = Patients(cipher).row(uuid.uuid4(), phone(79), PatientDetails(), on_file=True)
    async with pool.acquire() as conn:
        hold = draft(held(str(gone.id)))
        assert await write_hold(conn, gone, hold, (TEN, TEN + 2400), "g", b"d", NAMESPACE) is None
        assert await conn.fetchval("SELECT count(*) FROM patients") == 0


async def test_the_patients_history_at_the_write_sets_deposit_and_event(calendar, pool, cipher):
    patients = Patients(cipher)
    first = patients.row(uuid.uuid4(), phone(80), PatientDetails())
    async with pool.acquire() as conn:
        visit = await write_hold(
            conn, first, draft(held(str(first.id))), (TEN, TEN + 2400), "v1", b"d", NAMESPACE
        )
        assert visit is not None and visit.new_patient and visit.deposit_minor == 5000
        await conn.execute(
            "UPDATE appointments SET status = 'completed' WHERE id = $1", uuid.UUID(visit.id)
        )
        again = patients.row(first.id, phone(80), PatientDetails(), on_file=True)
        later = draft(replace(held(str(first.id)), start=TEN + 3600, end=TEN + 5400))
        second = await write_hold(
            conn, again, later, (TEN + 3600, TEN + 6000), "v2", b"d", NAMESPACE
        )
        payload = await conn.fetchval(
            "SELECT payload FROM outbox WHERE event_id = $1", later.event.id
        )
    assert second is not None and not second.new_patient and second.deposit_minor == 0
    assert bytes(payload) == later.returning_payload


async def test_a_new_patient_without_a_consult_is_not_written(calendar, pool, cipher):
    row = Patients(cipher).row(uuid.uuid4(), phone(81), PatientDetails())
    async with pool.acquire() as conn:
        hold = draft(held(str(row.id)), consult_ids=("consult",))
        assert await write_hold(conn, row, hold, (TEN, TEN + 2400), "c", b"d", NAMESPACE) is None
        assert await conn.fetchval("SELECT count(*) FROM patients") == 0
