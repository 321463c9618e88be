"""Marketing consent on file: the standing answer on the patient's row, every answer in
`consent_answers` (migration 0005), each write audited.

An answer is recorded under its request id, so a repeat is answered and not applied
again, and a request id that already carried a different answer is refused. The
patient's row is locked while an answer is weighed against the one on file, so two
answers arriving together are applied in turn and the latest given stands
(`domain.consent.stands`).
"""

from __future__ import annotations

import uuid

import asyncpg

from medspa_kit.audit import audit
from scheduler.adapters.pg_rows import ts
from scheduler.domain.consent import ConsentAnswer, stands
from scheduler.domain.errors import RequestIdReused

ACTOR = "scheduler"
# What a contact is made of (see Patients.contact). The statements below are built from
# constants only, hence the S608 exemptions.
CONTACT_COLUMNS = (
    "id, phone_enc, time_zone, marketing_consent,"
    " extract(epoch FROM marketing_consent_at)::bigint AS consent_s"
)
_BY_ID = f"SELECT {CONTACT_COLUMNS} FROM patients WHERE spa_id = $1 AND id = $2 FOR UPDATE"  # noqa: S608
_BY_PHONE = (
    f"SELECT {CONTACT_COLUMNS} FROM patients WHERE spa_id = $1 AND phone_index = $2"  # noqa: S608
    " FOR UPDATE"
)
_EARLIER = (
    "SELECT patient_id, request_digest FROM consent_answers WHERE spa_id = $1 AND request_id = $2"
)
_ANSWER = (
    "INSERT INTO consent_answers (spa_id, request_id, patient_id, granted, channel, wording_ref,"
    " answered_at, request_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
# The answer stands (it is the latest) or only says the patient was in touch.
_STANDS = (
    "UPDATE patients SET marketing_consent = $2, marketing_consent_at = $3,"  # noqa: S608
    " marketing_consent_channel = $4, marketing_consent_wording = $5,"
    " last_seen_at = greatest(last_seen_at, now()), updated_at = now() WHERE id = $1"
    f" RETURNING {CONTACT_COLUMNS}"
)
_SEEN = (
    "UPDATE patients SET last_seen_at = greatest(last_seen_at, now()) WHERE id = $1"  # noqa: S608
    f" RETURNING {CONTACT_COLUMNS}"
)


async def locked(
    conn: asyncpg.Connection,
    spa_id: str,
    *,
    patient_id: uuid.UUID | None = None,
    phone_index: bytes | None = None,
) -> asyncpg.Record | None:
    """The patient (by id, else by the phone's blind index), locked until the transaction
    ends; None when the spa has no such patient."""
    if patient_id is not None:
        found: asyncpg.Record | None = await conn.fetchrow(_BY_ID, spa_id, patient_id)
    else:
        found = await conn.fetchrow(_BY_PHONE, spa_id, phone_index)
    return found


async def record(
    conn: asyncpg.Connection,
    spa_id: str,
    patient: asyncpg.Record,
    request_id: str,
    answer: ConsentAnswer,
    answered_at: int,
    fingerprint: bytes,
    *,
    purpose: str,
) -> asyncpg.Record:
    """Record the answer of the `locked` patient; returns the patient's row as it now is.

    A repeat of the request changes nothing; a request id that carried another answer
    (or was about another patient) raises RequestIdReused. Raises asyncpg's unique
    violation when the same request id is being recorded concurrently: roll back and
    try again, and the repeat is found.
    """
    earlier = await conn.fetchrow(_EARLIER, spa_id, request_id)
    if earlier is not None:
        if (earlier["patient_id"], bytes(earlier["request_digest"])) != (
            patient["id"],
            fingerprint,
        ):
            raise RequestIdReused(request_id)
        return patient
    await conn.execute(
        _ANSWER,
        spa_id,
        request_id,
        patient["id"],
        answer.granted,
        answer.channel,
        answer.wording_ref,
        ts(answered_at),
        fingerprint,
    )
    if stands(answered_at, patient["consent_s"]):
        row: asyncpg.Record = await conn.fetchrow(
            _STANDS,
            patient["id"],
            answer.granted,
            ts(answered_at),
            answer.channel,
            answer.wording_ref,
        )
    else:
        row = await conn.fetchrow(_SEEN, patient["id"])
    await audit(
        conn,
        actor=ACTOR,
        action="patient.consent_answered",
        subject_type="patient",
        subject_id=str(patient["id"]),
        fields=["marketing_consent"],
        purpose=purpose,
        spa_id=spa_id,
    )
    return row
