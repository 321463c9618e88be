"""A batch's rows written in a few statements instead of several per send.

Outbox rows and audit rows are the kit's tables, written exactly as `outbox.record` and
`audit` write them (the relay and the audit view read them unchanged); only the round
trips are pooled, which is what lets one replica send well over a thousand jobs a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from opentelemetry import trace

from medspa_kit.envelope import Envelope
from medspa_kit.outbox import NOTIFY_CHANNEL


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


@dataclass(frozen=True)
class AuditRow:
    spa_id: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    fields: list[str]
    purpose: str


@dataclass
class Rows:
    outbox: list[tuple[str, str, str, bytes]] = field(default_factory=list)
    sends: list[SendRow] = field(default_factory=list)
    audits: list[AuditRow] = field(default_factory=list)

    def event(self, envelope: Envelope, namespace: str) -> None:
        self.outbox.append(
            (
                envelope.id,
                envelope.subject(namespace),
                json.dumps(envelope.headers()),
                envelope.payload,
            )
        )

    def mark(self) -> tuple[int, int, int]:
        return len(self.outbox), len(self.sends), len(self.audits)

    def undo(self, mark: tuple[int, int, int]) -> None:
        del self.outbox[mark[0] :]
        del self.sends[mark[1] :]
        del self.audits[mark[2] :]


async def write(conn: asyncpg.Connection, rows: Rows) -> None:
    if rows.outbox:
        await conn.executemany(
            "INSERT INTO outbox (event_id, subject, headers, payload) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (event_id) DO NOTHING",
            rows.outbox,
        )
        # Wakes the relay at commit, as outbox.record does.
        await conn.execute("SELECT pg_notify($1, current_schema())", NOTIFY_CHANNEL)
    if rows.sends:
        await conn.executemany(
            "INSERT INTO sends (command_id, job_id, spa_id, kind, purpose, channel, sender,"
            " patient_id, phone_index, appointment_id, offer_id, triggered_at, queued_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            [
                (
                    s.command_id,
                    s.job_id,
                    s.spa_id,
                    s.kind,
                    s.purpose,
                    s.channel,
                    s.sender,
                    s.patient_id,
                    s.phone_index,
                    s.appointment_id,
                    s.offer_id,
                    s.triggered_at,
                    s.queued_at,
                )
                for s in rows.sends
            ],
        )
    if rows.audits:
        span = trace.get_current_span().get_span_context()
        trace_id = format(span.trace_id, "032x") if span.is_valid else None
        await conn.executemany(
            "INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields,"
            " purpose, trace_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (
                    a.spa_id,
                    a.actor,
                    a.action,
                    a.subject_type,
                    a.subject_id,
                    a.fields,
                    a.purpose,
                    trace_id,
                )
                for a in rows.audits
            ],
        )
