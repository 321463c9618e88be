"""The append-only audit log of every read and write of protected data.

The table refuses UPDATE, DELETE and TRUNCATE (see the kit migration), so a
record once written stays; only the retention purge, itself audited, removes
rows, by disabling the trigger inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from opentelemetry import trace


async def audit(
    conn: asyncpg.Connection,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    fields: Sequence[str] = (),
    purpose: str = "",
    spa_id: str | None = None,
) -> None:
    """Record who touched which protected fields of what, and why (never the values)."""
    span = trace.get_current_span().get_span_context()
    await conn.execute(
        "INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields, purpose,"
        " trace_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        spa_id,
        actor,
        action,
        subject_type,
        subject_id,
        list(fields),
        purpose,
        format(span.trace_id, "032x") if span.is_valid else None,
    )
