"""A batch's rows written in a few statements instead of several per send.

Outbox and audit rows go through the kit's batch writers; only the round trips are
pooled, which is what lets one replica send well over a thousand jobs a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from medspa_kit.audit import AuditEntry, audit_many
from medspa_kit.envelope import Envelope
from medspa_kit.outbox import record_many


@dataclass(frozen=True)
class SendRow:
    command_id: str
    job_id: int
    spa_id: str
    kind: str
    purpose: str
    channel: str
    sender: str
    patient_id: str
    phone_index: bytes
    appointment_id: str
    offer_id: str
    triggered_at: datetime | None
    queued_at: datetime


@dataclass
class Rows:
    namespace: str
    outbox: list[Envelope] = field(default_factory=list)
    sends: list[SendRow] = field(default_factory=list)
    audits: list[AuditEntry] = field(default_factory=list)

    def event(self, envelope: Envelope) -> None:
        self.outbox.append(envelope)

    def mark(self) -> tuple[int, int, int]:
        return len(self.outbox), len(self.sends), len(self.audits)

    def undo(self, mark: tuple[int, int, int]) -> None:
        del self.outbox[mark[0] :]
        del self.sends[mark[1] :]
        del self.audits[mark[2] :]


async def write(conn: asyncpg.Connection, rows: Rows) -> None:
    """One INSERT ... SELECT FROM unnest(...) per table: one statement, however many rows."""
    await record_many(conn, rows.outbox, rows.namespace)
    if rows.sends:
        s = rows.sends
        await conn.execute(
            "INSERT INTO sends (command_id, job_id, spa_id, kind, purpose, channel, sender,"
            " patient_id, phone_index, appointment_id, offer_id, triggered_at, queued_at)"
            " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
            " $6::text[], $7::text[], $8::text[], $9::bytea[], $10::text[], $11::text[],"
            " $12::timestamptz[], $13::timestamptz[])",
            [r.command_id for r in s],
            [r.job_id for r in s],
            [r.spa_id for r in s],
            [r.kind for r in s],
            [r.purpose for r in s],
            [r.channel for r in s],
            [r.sender for r in s],
            [r.patient_id for r in s],
            [r.phone_index for r in s],
            [r.appointment_id for r in s],
            [r.offer_id for r in s],
            [r.triggered_at for r in s],
            [r.queued_at for r in s],
        )
    await audit_many(conn, rows.audits)
