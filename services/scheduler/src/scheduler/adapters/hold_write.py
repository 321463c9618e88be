"""A hold's whole write in one SQL statement: the patient, the appointment and the rooms
it takes, the audit record and the booking.held outbox row.

Holds are what a live phone call waits on and what fifty callers race for, and on a
small machine most of a hold's cost is round trips to PostgreSQL (each one a wake-up
of the server and of the event loop). One statement is one round trip and is atomic
by itself, so it needs no BEGIN or COMMIT either: either all of it is written or, if
the exclusion constraints or the unique request id refuse it, none of it is.

The patient row is taken only if it is the one the hold's read found (or is new): if
another call created the same patient in between, nothing is written and the hold is
tried again, so the event never names a patient id that was not stored.

The audit and outbox rows are the same rows `medspa_kit.audit.audit` and
`medspa_kit.outbox.record` write; `test_hold_write` compares them, so the two cannot
drift apart unnoticed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from opentelemetry import trace

from medspa_kit.envelope import Envelope
from medspa_kit.outbox import NOTIFY_CHANNEL
from scheduler.adapters.pg_rows import ts
from scheduler.domain.appointments import Appointment
from scheduler.domain.intervals import Interval

ACTOR = "scheduler"
PURPOSE = "hold a slot"

_HOLD = (
    # The patient: inserted, or details not on file filled in, but only if it is the
    # row this hold read; which details this statement stored is told by comparing the
    # stored ciphertext with the one sent, since every encryption is unique.
    "WITH pat AS (INSERT INTO patients (id, spa_id, phone_index, phone_enc, name_enc,"
    " email_enc, dob_enc) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (spa_id, phone_index) DO UPDATE SET"
    " name_enc = coalesce(patients.name_enc, EXCLUDED.name_enc),"
    " email_enc = coalesce(patients.email_enc, EXCLUDED.email_enc),"
    " dob_enc = coalesce(patients.dob_enc, EXCLUDED.dob_enc),"
    " updated_at = CASE WHEN (patients.name_enc IS NULL AND EXCLUDED.name_enc IS NOT NULL)"
    "   OR (patients.email_enc IS NULL AND EXCLUDED.email_enc IS NOT NULL)"
    "   OR (patients.dob_enc IS NULL AND EXCLUDED.dob_enc IS NOT NULL)"
    "   THEN now() ELSE patients.updated_at END"
    " WHERE patients.id = $1"
    " RETURNING id, (xmax = 0) AS created, array_remove(ARRAY["
    "   CASE WHEN name_enc = $5 THEN 'name' END, CASE WHEN email_enc = $6 THEN 'email' END,"
    "   CASE WHEN dob_enc = $7 THEN 'date_of_birth' END], NULL) AS filled),"
    " appt AS (INSERT INTO appointments (id, spa_id, service_id, provider_id, resource_ids,"
    " patient_id, starts_at, ends_at, blocked, block_lo, block_hi, status, hold_expires_at,"
    " hold_request_id, request_digest, deposit_minor, currency, new_patient, conversation_id)"
    " SELECT $8, $2, $9, $10, $11, pat.id, $12, $13,"
    " tstzrange(to_timestamp($14::bigint), to_timestamp($15::bigint)), $14, $15, 'held', $16,"
    " $17, $18, $19, $20, $21, $22 FROM pat RETURNING id, spa_id, resource_ids, blocked),"
    " res AS (INSERT INTO appointment_resources (appointment_id, spa_id, resource_id, blocked)"
    " SELECT appt.id, appt.spa_id, r, appt.blocked FROM appt, unnest(appt.resource_ids) r),"
    " aud AS (INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields,"
    " purpose, trace_id) SELECT $2, $23, CASE WHEN pat.created THEN 'patient.created'"
    "   WHEN cardinality(pat.filled) > 0 THEN 'patient.updated' ELSE 'patient.matched' END,"
    " 'patient', pat.id::text, CASE WHEN pat.created THEN ARRAY['phone'] || pat.filled"
    "   WHEN cardinality(pat.filled) > 0 THEN pat.filled ELSE ARRAY['phone'] END,"
    " $24, $25 FROM pat),"
    " box AS (INSERT INTO outbox (event_id, subject, headers, payload)"
    " SELECT $26, $27, $28, $29 FROM appt ON CONFLICT (event_id) DO NOTHING)"
    " SELECT pg_notify($30, current_schema()) FROM appt"
)


@dataclass(frozen=True, slots=True)
class PatientRow:
    """The patient as the hold writes it: the id its read found (or a new one), the
    phone's blind index and the sealed details (None where not given)."""

    id: UUID
    phone_index: bytes
    phone_enc: bytes
    name_enc: bytes | None
    email_enc: bytes | None
    dob_enc: bytes | None


def _trace_id() -> str | None:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


async def write_hold(
    conn: asyncpg.Connection,
    patient: PatientRow,
    appt: Appointment,
    blocked: Interval,
    request_id: str,
    digest: bytes,
    event: Envelope,
    namespace: str,
) -> bool:
    """Write the hold; False when the patient row changed since it was read (try again).

    Raises asyncpg's exclusion or unique violation when the slot or the request id is
    already taken; then nothing was written.
    """
    written = await conn.fetch(
        _HOLD,
        patient.id,
        appt.spa_id,
        patient.phone_index,
        patient.phone_enc,
        patient.name_enc,
        patient.email_enc,
        patient.dob_enc,
        UUID(appt.id),
        appt.service_id,
        appt.provider_id,
        list(appt.resource_ids),
        ts(appt.start),
        ts(appt.end),
        blocked[0],
        blocked[1],
        ts(appt.hold_expires_at) if appt.hold_expires_at is not None else None,
        request_id,
        digest,
        appt.deposit_minor,
        appt.currency,
        appt.new_patient,
        appt.conversation_id,
        ACTOR,
        PURPOSE,
        _trace_id(),
        event.id,
        event.subject(namespace),
        json.dumps(event.headers()),
        event.payload,
        NOTIFY_CHANNEL,
    )
    return bool(written)
