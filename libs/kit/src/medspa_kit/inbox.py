"""The idempotent inbox: a consumer records each event id with its effect."""

from __future__ import annotations

import asyncpg


async def claim(conn: asyncpg.Connection, consumer: str, event_id: str) -> bool:
    """True the first time; False when this consumer already handled the event.

    Call inside the effect's transaction: if the effect rolls back, so does the
    claim, and the redelivered event is handled again.
    """
    row = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
    )
    return bool(row)
