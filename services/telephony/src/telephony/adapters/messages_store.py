"""The outbound text queue (`outbound_messages`) and each sender number's pace.

A send command becomes a `pending` row due when its sender's pace allows; a sender worker
claims due rows with SKIP LOCKED, so replicas share the queue. `attempt_started_at` is set
while an attempt's outcome is unknown (in flight, timed out, or cut short by a crash): the next
attempt looks the message up at Twilio before sending it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from telephony.domain.delivery import advances
from telephony.domain.pacing import reserve

WAKE_CHANNEL = "telephony_outbound"


@dataclass(frozen=True)
class Job:
    command_id: str
    spa_id: str
    sender: str
    to_phone: bytes  # encrypted
    body: bytes  # encrypted
    attempts: int
    conversation_id: str
    purpose: str
    # When an earlier attempt whose outcome is unknown began; None when none is.
    uncertain_since: datetime | None


@dataclass(frozen=True)
class StatusChange:
    spa_id: str
    command_id: str
    message_sid: str


async def exists(conn: asyncpg.Connection, command_id: str) -> bool:
    return bool(
        await conn.fetchval("SELECT 1 FROM outbound_messages WHERE command_id = $1", command_id)
    )


async def reserve_slot(
    conn: asyncpg.Connection, sender: str, segments: int, segments_per_second: float
) -> datetime:
    """When a message of `segments` may go from `sender`, holding the sender until then."""
    await conn.execute(
        "INSERT INTO sender_pacing (sender, next_free_at) VALUES ($1, clock_timestamp())"
        " ON CONFLICT DO NOTHING",
        sender,
    )
    row = await conn.fetchrow(
        "SELECT next_free_at, clock_timestamp() AS now FROM sender_pacing"
        " WHERE sender = $1 FOR UPDATE",
        sender,
    )
    slot = reserve(row["next_free_at"], row["now"], segments, segments_per_second)
    await conn.execute(
        "UPDATE sender_pacing SET next_free_at = $2 WHERE sender = $1", sender, slot.next_free_at
    )
    return slot.send_at


async def enqueue(
    conn: asyncpg.Connection,
    *,
    command_id: str,
    spa_id: str,
    conversation_id: str,
    purpose: str,
    sender: str,
    to_phone: bytes,
    body: bytes,
    segments: int,
    not_before: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO outbound_messages (command_id, spa_id, conversation_id, purpose, state,"
        " sender, to_phone, body, num_segments, not_before)"
        " VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9)",
        command_id,
        spa_id,
        conversation_id,
        purpose,
        sender,
        to_phone,
        body,
        segments,
        not_before,
    )
    # Wakes a sender at commit; senders also look for due rows on their own.
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)


async def record_unsent(
    conn: asyncpg.Connection,
    *,
    command_id: str,
    spa_id: str,
    conversation_id: str,
    purpose: str,
    state: str,
    error: str,
) -> None:
    """A command refused before it was queued (an opted-out or invalid number)."""
    await conn.execute(
        "INSERT INTO outbound_messages (command_id, spa_id, conversation_id, purpose, state,"
        " error) VALUES ($1, $2, $3, $4, $5, $6)",
        command_id,
        spa_id,
        conversation_id,
        purpose,
        state,
        error,
    )


async def claim_due(conn: asyncpg.Connection, lease_s: float) -> Job | None:
    """Take one due message for this worker, in one statement (its own transaction).

    A row left `sending` longer than the lease belonged to a worker that died mid-attempt.
    """
    claimed = await conn.fetchrow(
        "WITH due AS (SELECT command_id, attempt_started_at FROM outbound_messages"
        " WHERE (state = 'pending' AND not_before <= now())"
        " OR (state = 'sending' AND updated_at < now() - make_interval(secs => $1))"
        " ORDER BY not_before LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " UPDATE outbound_messages m SET state = 'sending', attempts = m.attempts + 1,"
        " updated_at = now(), attempt_started_at = COALESCE(m.attempt_started_at, now())"
        " FROM due WHERE m.command_id = due.command_id"
        " RETURNING m.*, due.attempt_started_at AS uncertain_since",
        lease_s,
    )
    if claimed is None:
        return None
    return Job(
        command_id=claimed["command_id"],
        spa_id=claimed["spa_id"],
        sender=claimed["sender"],
        to_phone=bytes(claimed["to_phone"]),
        body=bytes(claimed["body"]),
        attempts=claimed["attempts"],
        conversation_id=claimed["conversation_id"],
        purpose=claimed["purpose"],
        uncertain_since=claimed["uncertain_since"],
    )


async def seconds_until_due(conn: asyncpg.Connection) -> float | None:
    """Until the next queued message falls due; None when none is queued."""
    due_in = await conn.fetchval(
        "SELECT EXTRACT(EPOCH FROM min(not_before) - now()) FROM outbound_messages"
        " WHERE state = 'pending'"
    )
    return None if due_in is None else float(due_in)


async def accepted(
    conn: asyncpg.Connection, command_id: str, *, sid: str, status: str, segments: int
) -> None:
    """Twilio took the message. A status callback may have got here first: keep the later one.

    The number and body are dropped once sent: nothing here needs them any more.
    """
    current = await conn.fetchval(
        "SELECT status FROM outbound_messages WHERE command_id = $1 FOR UPDATE", command_id
    )
    await conn.execute(
        "UPDATE outbound_messages SET state = 'sent', message_sid = $2, status = $3,"
        " num_segments = $4, attempt_started_at = NULL, to_phone = NULL, body = NULL,"
        " updated_at = now() WHERE command_id = $1",
        command_id,
        sid,
        status if advances(current, status) else current,
        segments,
    )


async def retry_later(
    conn: asyncpg.Connection, command_id: str, delay_s: float, *, uncertain: bool
) -> None:
    await conn.execute(
        "UPDATE outbound_messages SET state = 'pending',"
        " not_before = now() + make_interval(secs => $2),"
        " attempt_started_at = CASE WHEN $3 THEN attempt_started_at END, updated_at = now()"
        " WHERE command_id = $1",
        command_id,
        delay_s,
        uncertain,
    )


async def give_up(conn: asyncpg.Connection, command_id: str, *, state: str, error: str) -> None:
    await conn.execute(
        "UPDATE outbound_messages SET state = $2, status = COALESCE(status, 'failed'), error = $3,"
        " to_phone = NULL, body = NULL, updated_at = now() WHERE command_id = $1",
        command_id,
        state,
        error,
    )


async def apply_status(
    conn: asyncpg.Connection,
    *,
    command_id: str | None,
    sid: str,
    status: str,
    error: str | None,
) -> StatusChange | None:
    """Apply a status callback if it moves the message forward; None when it does not."""
    row = await conn.fetchrow(
        "SELECT command_id, spa_id, status FROM outbound_messages"
        " WHERE command_id = $1 OR message_sid = $2 LIMIT 1 FOR UPDATE",
        command_id,
        sid,
    )
    if row is None or not advances(row["status"], status):
        return None
    await conn.execute(
        "UPDATE outbound_messages SET status = $2, message_sid = COALESCE(message_sid, $3),"
        " error = COALESCE($4, error), updated_at = now() WHERE command_id = $1",
        row["command_id"],
        status,
        sid,
        error,
    )
    return StatusChange(row["spa_id"], row["command_id"], sid)
