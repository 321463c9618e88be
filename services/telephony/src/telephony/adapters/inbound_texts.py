"""Ordinary inbound texts made durable in one statement per batch (see `batching`).

For each text: claim its MessageSid in the inbox (a Twilio retry claims nothing and writes
nothing), read whether the sender opted out, owe `sms.received` in the outbox with that flag,
and audit the access, exactly what the transaction of a single text did, and wake the relay.
Both forms of the event (sender opted out or not) are sealed by the webhook beforehand, so
the opt-out read and the writes that depend on it stay inside the one statement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from opentelemetry import trace

from medspa_kit.envelope import Envelope

# The statement names the inbox consumer ('twilio.sms', shared with keyword texts), the audit
# entry and the relay's channel as literals; a test checks they match the kit's.
INBOX_CONSUMER = "twilio.sms"


@dataclass(frozen=True, slots=True)
class RelayedText:
    sid: str
    spa_id: str
    phone_index: bytes  # the sender's blind index, to find their opt-out
    event: Envelope  # sms.received for a sender who has not opted out
    opted_out_payload: bytes  # the same event with sender_opted_out set
    trace_id: str | None


def current_trace_id() -> str | None:
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


_WRITE = """
WITH texts AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::text[],
                         $6::jsonb[], $7::bytea[], $8::bytea[], $9::text[])
        AS t(sid, spa_id, phone_index, event_id, subject, headers, payload, payload_opted_out,
             trace_id)
), claimed AS (
    INSERT INTO inbox (consumer, event_id) SELECT 'twilio.sms', sid FROM texts
    ON CONFLICT DO NOTHING RETURNING event_id AS sid
), fresh AS (
    SELECT t.*, coalesce(o.opted_out, false) AS opted_out
    FROM texts t JOIN claimed c USING (sid)
    LEFT JOIN optouts o ON o.spa_id = t.spa_id AND o.phone_index = t.phone_index
), owed AS (
    INSERT INTO outbox (event_id, subject, headers, payload)
    SELECT event_id, subject, headers,
           CASE WHEN opted_out THEN payload_opted_out ELSE payload END
    FROM fresh ON CONFLICT (event_id) DO NOTHING
), audited AS (
    INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields, purpose,
                           trace_id)
    SELECT spa_id, 'telephony', 'receive', 'sms', sid, '{phone,body}',
           'relay inbound text to the agent', trace_id
    FROM fresh
)
SELECT sid, pg_notify('medspa_outbox', current_schema()) FROM fresh
"""


async def write(
    conn: asyncpg.Connection, texts: Sequence[RelayedText], namespace: str
) -> list[bool]:
    """One statement for all `texts`; for each, True if new, False if Twilio's retry."""
    rows = await conn.fetch(
        _WRITE,
        [t.sid for t in texts],
        [t.spa_id for t in texts],
        [t.phone_index for t in texts],
        [t.event.id for t in texts],
        [t.event.subject(namespace) for t in texts],
        [json.dumps(t.event.headers()) for t in texts],
        [t.event.payload for t in texts],
        [t.opted_out_payload for t in texts],
        [t.trace_id for t in texts],
    )
    fresh = {row["sid"] for row in rows}
    return [t.sid in fresh for t in texts]
