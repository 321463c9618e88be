"""The append-only audit log of every read and write of protected data.

The table refuses UPDATE, DELETE and TRUNCATE (see the kit migration), so a
record once written stays; only the retention purge, itself audited, removes
rows, by disabling the trigger inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from opentelemetry import trace

from medspa_kit.deferred import deferred_for


def _trace_id() -> str | None:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


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
    gathering = deferred_for(conn)
    if gathering is not None:
        entry = AuditEntry(actor, action, subject_type, subject_id, tuple(fields), purpose, spa_id)
        gathering.add(audit_many, audit_many, entry)
        return
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
        _trace_id(),
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    subject_type: str
    subject_id: str
    fields: Sequence[str] = ()
    purpose: str = ""
    spa_id: str | None = None


async def audit_many(conn: asyncpg.Connection, entries: Sequence[AuditEntry]) -> None:
    """Record many entries in one statement (a batch job touching many patients)."""
    if not entries:
        return
    # Each row's fields travel as one text (arrays of arrays must be rectangular in
    # PostgreSQL), split back on a separator no field name contains.
    await conn.execute(
        "INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields, purpose,"
        " trace_id) SELECT spa_id, actor, action, subject_type, subject_id,"
        " CASE WHEN fields = '' THEN '{}'::text[] ELSE string_to_array(fields, ',') END,"
        " purpose, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        " $6::text[], $7::text[])"
        " AS r(spa_id, actor, action, subject_type, subject_id, fields, purpose)",
        [e.spa_id for e in entries],
        [e.actor for e in entries],
        [e.action for e in entries],
        [e.subject_type for e in entries],
        [e.subject_id for e in entries],
        [",".join(e.fields) for e in entries],
        [e.purpose for e in entries],
        _trace_id(),
    )
