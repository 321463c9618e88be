"""The console's audit trail: every staff view of protected data, and the managers' reading of it.

Rows go into the kit's append-only `audit_log` (no values, only who, what, which
fields and why); reading them back is the audit page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from console.auth.principal import Principal
from medspa_kit.audit import audit


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    fields: tuple[str, ...]
    purpose: str


async def viewed(
    conn: asyncpg.Connection,
    who: Principal,
    subject_type: str,
    subject_ids: Sequence[str],
    fields: Sequence[str],
    purpose: str,
    action: str = "view",
) -> None:
    """One row per subject shown: a list of ten handoffs is ten records."""
    for subject_id in subject_ids:
        await audit(
            conn,
            actor=who.actor,
            action=f"{subject_type}.{action}",
            subject_type=subject_type,
            subject_id=subject_id,
            fields=fields,
            purpose=purpose,
            spa_id=who.spa_id,
        )


async def entries(
    conn: asyncpg.Connection,
    spa_id: str,
    *,
    actor: str | None,
    subject_id: str | None,
    limit: int,
    offset: int,
) -> list[AuditEntry]:
    rows = await conn.fetch(
        "SELECT * FROM audit_log WHERE spa_id = $1 AND ($2::text IS NULL OR actor = $2)"
        " AND ($3::text IS NULL OR subject_id = $3) ORDER BY id DESC LIMIT $4 OFFSET $5",
        spa_id,
        actor,
        subject_id,
        limit,
        offset,
    )
    return [
        AuditEntry(
            r["id"],
            r["at"],
            r["actor"],
            r["action"],
            r["subject_type"],
            r["subject_id"],
            tuple(r["fields"]),
            r["purpose"],
        )
        for r in rows
    ]
