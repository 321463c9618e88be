"""Provider and calendar work owed by a committed change, as rows.

A job is written in the transaction that decided it and done afterwards by the
worker; its idempotency key is fixed when it is written, so every retry (after
a timeout, an error, or a crash between the provider's answer and our commit)
makes the very same request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from payments.domain.machine import JobKind

# Backoff between attempts; the last repeats, so a job is never abandoned.
BACKOFF_S = (1, 2, 5, 15, 30, 60, 300, 900, 3600)


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    deposit_id: str
    kind: JobKind
    idempotency_key: str
    amount_minor: int | None
    attempts: int


async def enqueue(
    conn: asyncpg.Connection,
    deposit_id: str,
    kind: JobKind,
    idempotency_key: str,
    amount_minor: int | None,
    due_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO provider_jobs (deposit_id, kind, idempotency_key, amount_minor, due_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING",
        uuid.UUID(deposit_id),
        kind.value,
        idempotency_key,
        amount_minor,
        due_at,
    )


async def claim(conn: asyncpg.Connection, now: datetime) -> JobRow | None:
    """The oldest due job, locked for this transaction; other workers skip it."""
    row = await conn.fetchrow(
        "SELECT id, deposit_id, kind, idempotency_key, amount_minor, attempts FROM provider_jobs"
        " WHERE done_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT 1"
        " FOR UPDATE SKIP LOCKED",
        now,
    )
    if row is None:
        return None
    return JobRow(
        row["id"],
        str(row["deposit_id"]),
        JobKind(row["kind"]),
        row["idempotency_key"],
        row["amount_minor"],
        row["attempts"],
    )


async def finish(conn: asyncpg.Connection, job_id: int, now: datetime) -> None:
    await conn.execute("UPDATE provider_jobs SET done_at = $2 WHERE id = $1", job_id, now)


async def retry(
    conn: asyncpg.Connection,
    job: JobRow,
    now: datetime,
    error: str,
    *,
    delay_s: float | None = None,
) -> None:
    wait = delay_s if delay_s is not None else BACKOFF_S[min(job.attempts, len(BACKOFF_S) - 1)]
    await conn.execute(
        "UPDATE provider_jobs SET attempts = attempts + 1, due_at = $2, last_error = $3"
        " WHERE id = $1",
        job.id,
        now + timedelta(seconds=wait),
        error,
    )


async def next_due(conn: asyncpg.Connection) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        "SELECT min(due_at) FROM provider_jobs WHERE done_at IS NULL"
    )
    return value
