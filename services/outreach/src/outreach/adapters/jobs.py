"""The durable job table: written by event handlers, claimed by the runner.

Claiming takes due rows with FOR UPDATE SKIP LOCKED inside the transaction that does
their work and records the outcome: replicas never take the same row, a crash rolls the
work back and unlocks the rows for the next claim, and nothing is lost or done twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from medspa_kit.crypto import FieldCipher
from outreach.domain.model import JobKind, JobSpec

# The runner listens here; a handler that writes a job due now wakes it at commit.
CHANNEL = "outreach_jobs"
PHONE = "outreach.phone"
# Claimed first: someone is waiting for these right now.
URGENT = frozenset({JobKind.MISSED_CALL_TEXT, JobKind.MISSED_CALL_CALL, JobKind.OFFER_ACCEPT})
# Waits between failed attempts; the last repeats until the job expires.
BACKOFF_S = (5, 15, 30, 60, 300, 900, 3600)


@dataclass(frozen=True)
class JobRow:
    id: int
    key: str
    spa_id: str
    kind: JobKind
    due_at: datetime
    expires_at: datetime | None
    attempts: int
    appointment_id: str
    patient_id: str
    service_id: str
    triggered_at: datetime | None
    data: dict[str, Any]
    phone: str = field(default="", repr=False)


@dataclass(frozen=True)
class Finished:
    job_id: int
    state: str
    outcome: str


@dataclass(frozen=True)
class Later:
    job_id: int
    due_at: datetime
    outcome: str
    failed: bool = False


def phone_index(cipher: FieldCipher, phone: str) -> bytes:
    index: bytes = cipher.blind_index(phone, PHONE)
    return index


async def add(
    conn: asyncpg.Connection, specs: Sequence[JobSpec], cipher: FieldCipher, now: datetime
) -> None:
    """Write planned jobs. A key already planned is left alone, unless it was cancelled
    (an appointment moved back to a time it had before, perhaps with another provider):
    then it is planned again, as planned now."""
    if not specs:
        return
    await conn.executemany(
        "INSERT INTO jobs (key, spa_id, kind, due_at, expires_at, appointment_id, patient_id,"
        " service_id, phone_enc, phone_index, triggered_at, data, priority)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (key) DO UPDATE SET state = 'pending', due_at = EXCLUDED.due_at,"
        " expires_at = EXCLUDED.expires_at, outcome = '', finished_at = NULL, attempts = 0,"
        " data = EXCLUDED.data WHERE jobs.state = 'cancelled'",
        [
            (
                s.key,
                s.spa_id,
                s.kind.value,
                s.due_at,
                s.expires_at,
                s.appointment_id,
                s.patient_id,
                s.service_id,
                cipher.encrypt(s.phone, PHONE) if s.phone else None,
                phone_index(cipher, s.phone) if s.phone else None,
                s.triggered_at,
                json.dumps(dict(s.data)),
                0 if s.kind in URGENT else 1,
            )
            for s in specs
        ],
    )
    if any(s.due_at <= now for s in specs):
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


async def cancel_for_appointment(
    conn: asyncpg.Connection,
    appointment_id: str,
    kinds: Iterable[JobKind],
    outcome: str,
    now: datetime,
) -> int:
    result = await conn.execute(
        "UPDATE jobs SET state = 'cancelled', outcome = $3, finished_at = $4"
        " WHERE appointment_id = $1 AND kind = ANY($2::text[]) AND state = 'pending'",
        appointment_id,
        [k.value for k in kinds],
        outcome,
        now,
    )
    return int(result.split()[-1])


async def cancel_recalls(
    conn: asyncpg.Connection,
    spa_id: str,
    patient_id: str,
    service_id: str,
    outcome: str,
    now: datetime,
) -> int:
    result = await conn.execute(
        "UPDATE jobs SET state = 'cancelled', outcome = $4, finished_at = $5"
        " WHERE spa_id = $1 AND patient_id = $2 AND kind = 'recall' AND service_id = $3"
        " AND state = 'pending'",
        spa_id,
        patient_id,
        service_id,
        outcome,
        now,
    )
    return int(result.split()[-1])


async def cancel_offer_jobs(
    conn: asyncpg.Connection, offer_id: str, outcome: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE jobs SET state = 'cancelled', outcome = $2, finished_at = $3"
        " WHERE kind = 'offer' AND state = 'pending' AND data->>'offer_id' = $1",
        offer_id,
        outcome,
        now,
    )


async def bring_next_wave(conn: asyncpg.Connection, offer_id: str, now: datetime) -> int:
    """When everyone an open offer has reached so far has declined it, the next wave is
    due now instead of at its turn. Answers how many offers were brought forward."""
    result = await conn.execute(
        "WITH pending AS (SELECT id, due_at FROM jobs WHERE kind = 'offer' AND state = 'pending'"
        " AND data->>'offer_id' = $1)"
        " UPDATE jobs SET due_at = $2 FROM pending p WHERE jobs.id = p.id AND p.due_at > $2"
        " AND p.due_at = (SELECT min(due_at) FROM pending)"
        " AND EXISTS (SELECT 1 FROM offers WHERE id = $1 AND state = 'open')"
        " AND NOT EXISTS (SELECT 1 FROM offer_recipients WHERE offer_id = $1 AND state = 'sent')",
        offer_id,
        now,
    )
    moved = int(result.split()[-1])
    if moved:
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return moved


async def due_count(conn: asyncpg.Connection, now: datetime) -> int:
    """Jobs due and not yet run (rows a runner is working on at this instant included)."""
    value: int = await conn.fetchval(
        "SELECT count(*) FROM jobs WHERE state = 'pending' AND due_at <= $1", now
    )
    return value


async def missed_call_texted_since(
    conn: asyncpg.Connection, spa_id: str, index: bytes, since: datetime
) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = 'missed_call_text' AND spa_id = $1"
            " AND phone_index = $2 AND triggered_at > $3 AND state <> 'cancelled')",
            spa_id,
            index,
            since,
        )
    )


async def claim(
    conn: asyncpg.Connection, now: datetime, limit: int, cipher: FieldCipher
) -> list[JobRow]:
    """Due jobs, urgent ones first, then oldest first, locked for this transaction; other
    replicas skip them."""
    rows = await conn.fetch(
        "SELECT id, key, spa_id, kind, due_at, expires_at, attempts, appointment_id,"
        " patient_id, service_id, triggered_at, data, phone_enc FROM jobs"
        " WHERE state = 'pending' AND due_at <= $1 ORDER BY priority, due_at, id LIMIT $2"
        " FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [
        JobRow(
            id=r["id"],
            key=r["key"],
            spa_id=r["spa_id"],
            kind=JobKind(r["kind"]),
            due_at=r["due_at"],
            expires_at=r["expires_at"],
            attempts=r["attempts"],
            appointment_id=r["appointment_id"],
            patient_id=r["patient_id"],
            service_id=r["service_id"],
            triggered_at=r["triggered_at"],
            data=json.loads(r["data"]),
            phone=cipher.decrypt(bytes(r["phone_enc"]), PHONE) if r["phone_enc"] else "",
        )
        for r in rows
    ]


async def record(
    conn: asyncpg.Connection, finished: Sequence[Finished], later: Sequence[Later], now: datetime
) -> None:
    """Write a batch's outcomes in two statements."""
    if finished:
        await conn.execute(
            "UPDATE jobs SET state = f.state, outcome = f.outcome, finished_at = $4"
            " FROM unnest($1::bigint[], $2::text[], $3::text[]) AS f(id, state, outcome)"
            " WHERE jobs.id = f.id",
            [f.job_id for f in finished],
            [f.state for f in finished],
            [f.outcome for f in finished],
            now,
        )
    if later:
        await conn.execute(
            "UPDATE jobs SET due_at = l.due_at, outcome = l.outcome,"
            " attempts = jobs.attempts + l.failed::int,"
            " last_error = CASE WHEN l.failed THEN l.outcome ELSE jobs.last_error END"
            " FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::bool[])"
            " AS l(id, due_at, outcome, failed) WHERE jobs.id = l.id",
            [x.job_id for x in later],
            [x.due_at for x in later],
            [x.outcome for x in later],
            [x.failed for x in later],
        )


def retry_at(now: datetime, attempts: int) -> datetime:
    return now + timedelta(seconds=BACKOFF_S[min(attempts, len(BACKOFF_S) - 1)])


async def next_due(conn: asyncpg.Connection) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        "SELECT min(due_at) FROM jobs WHERE state = 'pending'"
    )
    return value
