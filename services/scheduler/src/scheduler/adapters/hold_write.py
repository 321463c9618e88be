"""A hold's whole write in one SQL statement: the patient, the appointment and the rooms
it takes, the audit record and the booking.held outbox row.

Holds are what a live phone call waits on and what fifty callers race for, and on a
small machine most of a hold's cost is round trips to PostgreSQL (each one a wake-up
of the server and of the event loop). One statement is one round trip and is atomic
by itself, so it needs no BEGIN or COMMIT either: either all of it is written or, if
the exclusion constraints or the unique request id refuse it, none of it is.

The statement also reads what the hold depends on in the patient's history, as it is
when the write happens: whether they are returning (a completed visit here), which
sets the deposit and the event's `new_patient`, and, when the service wants a consult
first, whether a new patient has one. The caller sends the appointment and the event
both ways (new and returning patient) and the statement keeps the one that applies,
so a hold needs no read of its own when the caller already knows where the slot is
free (see postgres_backend.py).

The patient row is taken only if it is the one the caller expects: the id it read or
remembers for this phone, or, for a phone it believes new, no row at all. Otherwise
(another call created the patient meanwhile, or a remembered patient is gone) nothing
is written and the hold is tried again from a fresh read, so the event never names a
patient id that was not stored.

The statement notifies nobody (no NOTIFY, and migration 0006 took the appointment
insert trigger's away): the caller hands the committed hold to hold_news.py, which
tells the replicas' caches and wakes the outbox relay, batched, after the fact.

The audit and outbox rows are the same rows `medspa_kit.audit.audit` and
`medspa_kit.outbox.record` write; `test_hold_write` compares them, so the two cannot
drift apart unnoticed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from opentelemetry import trace

from medspa_kit.envelope import Envelope
from scheduler.adapters.pg_rows import ts
from scheduler.domain.appointments import Appointment
from scheduler.domain.intervals import Interval

ACTOR = "scheduler"
PURPOSE = "hold a slot"

_HOLD = (
    # What the hold depends on, read in the statement's own snapshot: the patient on
    # file for this phone, and their history here.
    "WITH known AS (SELECT id FROM patients WHERE spa_id = $2 AND phone_index = $3),"
    " past AS (SELECT coalesce(bool_or(status = 'completed'), false) AS returning,"
    "   coalesce(bool_or(service_id = ANY($31::text[]) AND ends_at <= $12"
    "     AND status IN ('held', 'confirmed', 'completed')), false) AS consulted"
    "   FROM appointments WHERE patient_id = (SELECT id FROM known) AND spa_id = $2),"
    # Go on only with the patient the caller expects, and with a consult when one is due.
    " ok AS (SELECT past.returning FROM past"
    "   WHERE coalesce((SELECT id FROM known) = $1, NOT $32::boolean)"
    "   AND (cardinality($31::text[]) = 0 OR past.returning OR past.consulted)),"
    # The patient: inserted, or details not on file filled in, but only if it is the
    # expected row; which details this statement stored is told by comparing the
    # stored ciphertext with the one sent, since every encryption is unique.
    " pat AS (INSERT INTO patients (id, spa_id, phone_index, phone_enc, name_enc,"
    " email_enc, dob_enc) SELECT $1, $2, $3, $4, $5, $6, $7 FROM ok"
    " ON CONFLICT (spa_id, phone_index) DO UPDATE SET"
    " name_enc = coalesce(patients.name_enc, EXCLUDED.name_enc),"
    " email_enc = coalesce(patients.email_enc, EXCLUDED.email_enc),"
    " dob_enc = coalesce(patients.dob_enc, EXCLUDED.dob_enc),"
    " last_seen_at = now(),"
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
    " $17, $18, CASE WHEN ok.returning THEN $21::bigint ELSE $19::bigint END, $20,"
    " NOT ok.returning, $22 FROM pat, ok"
    " RETURNING id, spa_id, resource_ids, blocked, new_patient),"
    " res AS (INSERT INTO appointment_resources (appointment_id, spa_id, resource_id, blocked)"
    " SELECT appt.id, appt.spa_id, r, appt.blocked FROM appt, unnest(appt.resource_ids) r),"
    " aud AS (INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields,"
    " purpose, trace_id) SELECT $2, $23, CASE WHEN pat.created THEN 'patient.created'"
    "   WHEN cardinality(pat.filled) > 0 THEN 'patient.updated' ELSE 'patient.matched' END,"
    " 'patient', pat.id::text, CASE WHEN pat.created THEN ARRAY['phone'] || pat.filled"
    "   WHEN cardinality(pat.filled) > 0 THEN pat.filled ELSE ARRAY['phone'] END,"
    " $24, $25 FROM pat),"
    " box AS (INSERT INTO outbox (event_id, subject, headers, payload)"
    " SELECT $26, $27, $28, CASE WHEN appt.new_patient THEN $29::bytea ELSE $30::bytea END"
    " FROM appt ON CONFLICT (event_id) DO NOTHING)"
    " SELECT appt.new_patient FROM appt"
)


@dataclass(frozen=True, slots=True)
class PatientRow:
    """The patient as the hold writes it: the id the caller expects for this phone (read,
    remembered, or new), the phone's blind index and the sealed details (None where not
    given). The patient's time zone is worked out when first asked for, off this path."""

    id: UUID
    phone_index: bytes
    phone_enc: bytes
    name_enc: bytes | None
    email_enc: bytes | None
    dob_enc: bytes | None
    # True: `id` is the patient on file for this phone; False: the phone is believed new.
    on_file: bool = False


@dataclass(frozen=True, slots=True)
class HoldDraft:
    """A hold as it would be for a new patient and for a returning one, with the
    booking.held event each way (one event id): the statement keeps the one that the
    patient's history, as it then is, calls for."""

    new: Appointment
    returning: Appointment
    event: Envelope
    returning_payload: bytes
    # The consult services that count, when the service wants one before a first visit.
    consult_ids: Sequence[str] = ()

    def kept(self, new_patient: bool) -> Appointment:
        return self.new if new_patient else self.returning


def _trace_id() -> str | None:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


async def write_hold(
    conn: asyncpg.Connection,
    patient: PatientRow,
    draft: HoldDraft,
    blocked: Interval,
    request_id: str,
    digest: bytes,
    namespace: str,
) -> Appointment | None:
    """Write the hold and answer the appointment as written; None when nothing was
    written because the patient row is not the one expected or a consult is missing
    (read again to find out which).

    Raises asyncpg's exclusion or unique violation when the slot or the request id is
    already taken; then nothing was written.
    """
    appt, event = draft.new, draft.event
    written = await conn.fetchrow(
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
        draft.returning.deposit_minor,
        appt.conversation_id,
        ACTOR,
        PURPOSE,
        _trace_id(),
        event.id,
        event.subject(namespace),
        json.dumps(event.headers()),
        event.payload,
        draft.returning_payload,
        list(draft.consult_ids),
        patient.on_file,
    )
    return draft.kept(written["new_patient"]) if written is not None else None
