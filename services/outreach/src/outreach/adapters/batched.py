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
    """A send's audit record: the phone number was used (the only protected field a send
    touches, so `fields` is always ["phone"])."""

    spa_id: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
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
    """One INSERT ... SELECT FROM unnest(...) per table: one statement, however many rows."""
    if rows.outbox:
        ids, subjects, headers, payloads = (list(c) for c in zip(*rows.outbox, strict=True))
        await conn.execute(
            "INSERT INTO outbox (event_id, subject, headers, payload)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[])"
            " ON CONFLICT (event_id) DO NOTHING",
            ids,
            subjects,
            headers,
            payloads,
        )
        # Wakes the relay at commit, as outbox.record does.
        await conn.execute("SELECT pg_notify($1, current_schema())", NOTIFY_CHANNEL)
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
    if rows.audits:
        span = trace.get_current_span().get_span_context()
        a = rows.audits
        await conn.execute(
            "INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields,"
            " purpose, trace_id) SELECT spa_id, actor, action, subject_type, subject_id,"
            " ARRAY['phone'], purpose, $7 FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::text[], $5::text[], $6::text[])"
            " AS r(spa_id, actor, action, subject_type, subject_id, purpose)",
            [r.spa_id for r in a],
            [r.actor for r in a],
            [r.action for r in a],
            [r.subject_type for r in a],
            [r.subject_id for r in a],
            [r.purpose for r in a],
            format(span.trace_id, "032x") if span.is_valid else None,
        )
