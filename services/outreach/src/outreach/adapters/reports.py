"""What the owner (and the console) reads: callback times, recovered revenue, the recall
due-list. Ids, counts and money only; no protected field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

CALLBACK_TARGET_S = 90


async def callbacks(
    conn: asyncpg.Connection, spa_id: str, since: datetime, until: datetime
) -> dict[str, Any]:
    """Missed call to callback text: queued by outreach, and taken by Twilio."""
    row = await conn.fetchrow(
        "WITH c AS (SELECT extract(epoch FROM queued_at - triggered_at) AS queued_s,"
        " extract(epoch FROM accepted_at - triggered_at) AS accepted_s FROM sends"
        " WHERE kind = 'missed_call_text' AND spa_id = $1 AND triggered_at >= $2"
        " AND triggered_at < $3)"
        " SELECT count(*) AS texts, count(accepted_s) AS accepted,"
        " count(*) FILTER (WHERE accepted_s <= $4) AS within_target,"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY accepted_s) AS p50_s,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY accepted_s) AS p90_s,"
        " max(accepted_s) AS max_s, max(queued_s) AS max_queued_s FROM c",
        spa_id,
        since,
        until,
        CALLBACK_TARGET_S,
    )
    missed = await conn.fetchval(
        "SELECT count(*) FROM jobs WHERE kind = 'missed_call_text' AND spa_id = $1"
        " AND triggered_at >= $2 AND triggered_at < $3",
        spa_id,
        since,
        until,
    )
    return {
        "missed_calls": missed,
        "texts": row["texts"],
        "accepted": row["accepted"],
        "within_target": row["within_target"],
        "target_s": CALLBACK_TARGET_S,
        "p50_s": _num(row["p50_s"]),
        "p90_s": _num(row["p90_s"]),
        "max_s": _num(row["max_s"]),
        "max_queued_s": _num(row["max_queued_s"]),
    }


async def recovered(
    conn: asyncpg.Connection, spa_id: str, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Attributed bookings and their value by source; cancelled ones count for nothing."""
    rows = await conn.fetch(
        "SELECT source, currency, count(*) AS bookings,"
        " count(*) FILTER (WHERE status = 'completed') AS completed,"
        " coalesce(sum(value_minor) FILTER (WHERE status IN ('booked', 'completed')), 0)"
        " AS value_minor FROM attributions WHERE spa_id = $1 AND booked_at >= $2"
        " AND booked_at < $3 GROUP BY source, currency ORDER BY value_minor DESC",
        spa_id,
        since,
        until,
    )
    return [dict(r) for r in rows]


async def recall_due(
    conn: asyncpg.Connection, spa_id: str, as_of: datetime, limit: int
) -> list[dict[str, Any]]:
    """Patients whose treatment is due again by `as_of` and not yet offered."""
    rows = await conn.fetch(
        "SELECT patient_id, service_id, due_at, data->>'provider_id' AS provider_id,"
        " (data->>'session')::int AS session, (data->>'sessions')::int AS sessions"
        " FROM jobs WHERE kind = 'recall' AND state = 'pending' AND spa_id = $1"
        " AND due_at <= $2 ORDER BY due_at LIMIT $3",
        spa_id,
        as_of,
        limit,
    )
    return [{**dict(r), "due_at": r["due_at"].isoformat()} for r in rows]


def _num(value: object) -> float | None:
    return None if value is None else round(float(value), 3)  # type: ignore[arg-type]
