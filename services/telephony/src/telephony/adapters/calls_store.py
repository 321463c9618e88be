"""The calls table: what the voice webhooks remember between one request and the next."""

from __future__ import annotations

import json
from dataclasses import dataclass

import asyncpg

from medspa_kit.envelope import Envelope
from telephony.domain.missed import Phase


@dataclass(frozen=True)
class Call:
    call_sid: str
    spa_id: str
    inbound: bool
    command_id: str | None
    phone: bytes  # encrypted
    phase: Phase
    turn: int
    caller_turns: int
    misses: int
    heard: bytes | None  # encrypted
    staff_missed: bool
    handoff_id: str | None
    conversation_id: str | None
    whisper: bytes | None  # encrypted
    staff_accepted: bool
    answered_by: str | None
    status: str | None
    duration_seconds: int | None

    @property
    def ended(self) -> bool:
        return self.status is not None


def _call(row: asyncpg.Record) -> Call:
    return Call(
        call_sid=row["call_sid"],
        spa_id=row["spa_id"],
        inbound=row["direction"] == "inbound",
        command_id=row["command_id"],
        phone=bytes(row["phone"]),
        phase=Phase(row["phase"]),
        turn=row["turn"],
        caller_turns=row["caller_turns"],
        misses=row["misses"],
        heard=bytes(row["heard"]) if row["heard"] is not None else None,
        staff_missed=row["staff_missed"],
        handoff_id=row["handoff_id"],
        conversation_id=row["conversation_id"],
        whisper=bytes(row["whisper"]) if row["whisper"] is not None else None,
        staff_accepted=row["staff_accepted"],
        answered_by=row["answered_by"],
        status=row["status"],
        duration_seconds=row["duration_seconds"],
    )


async def start(
    conn: asyncpg.Connection,
    *,
    call_sid: str,
    spa_id: str,
    inbound: bool,
    phone: bytes,
    phase: Phase,
    command_id: str | None = None,
) -> bool:
    """Record a new call; False when Twilio retried a webhook for one already recorded."""
    inserted = await conn.fetchval(
        "INSERT INTO calls (call_sid, spa_id, direction, phone, phase, command_id)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        call_sid,
        spa_id,
        "inbound" if inbound else "outbound",
        phone,
        phase.value,
        command_id,
    )
    return bool(inserted)


async def get(conn: asyncpg.Connection, call_sid: str, *, lock: bool = False) -> Call | None:
    query = _GET_FOR_UPDATE if lock else _GET
    row = await conn.fetchrow(query, call_sid)
    return _call(row) if row else None


_GET = "SELECT * FROM calls WHERE call_sid = $1"
_GET_FOR_UPDATE = _GET + " FOR UPDATE"


async def claim_turn(
    conn: asyncpg.Connection, call_sid: str, turn: int, *, heard: bytes | None, spoke: bool
) -> Call | None:
    """Move the call on to `turn`; None when that turn was already claimed (a retry).

    A turn in which the caller spoke clears the misses; a silent or unclear one adds one.
    """
    row = await conn.fetchrow(
        "UPDATE calls SET turn = $2, heard = $3,"
        " caller_turns = caller_turns + CASE WHEN $4 THEN 1 ELSE 0 END,"
        " misses = CASE WHEN $4 THEN 0 ELSE misses + 1 END"
        " WHERE call_sid = $1 AND turn < $2 AND status IS NULL RETURNING *",
        call_sid,
        turn,
        heard,
        spoke,
    )
    return _call(row) if row else None


async def set_phase(conn: asyncpg.Connection, call_sid: str, phase: Phase) -> None:
    await conn.execute("UPDATE calls SET phase = $2 WHERE call_sid = $1", call_sid, phase.value)


async def staff_first_missed(conn: asyncpg.Connection, call_sid: str) -> None:
    await conn.execute(
        "UPDATE calls SET phase = $2, staff_missed = true WHERE call_sid = $1 AND phase = $3",
        call_sid,
        Phase.ASSISTANT.value,
        Phase.STAFF_RING.value,
    )


async def begin_transfer(
    conn: asyncpg.Connection,
    call_sid: str,
    *,
    handoff_id: str,
    conversation_id: str,
    whisper: bytes | None,
) -> None:
    await conn.execute(
        "UPDATE calls SET phase = $2, handoff_id = $3, conversation_id = $4, whisper = $5"
        " WHERE call_sid = $1",
        call_sid,
        Phase.TRANSFER.value,
        handoff_id or None,
        conversation_id or None,
        whisper,
    )


async def accept_transfer(conn: asyncpg.Connection, call_sid: str) -> Call | None:
    """Staff pressed a key in the whisper; None when already recorded (a retry)."""
    row = await conn.fetchrow(
        "UPDATE calls SET staff_accepted = true, phase = $2"
        " WHERE call_sid = $1 AND NOT staff_accepted RETURNING *",
        call_sid,
        Phase.CONNECTED.value,
    )
    return _call(row) if row else None


async def answered_by(conn: asyncpg.Connection, call_sid: str, answer: str, phase: Phase) -> None:
    await conn.execute(
        "UPDATE calls SET answered_by = $2, phase = $3 WHERE call_sid = $1",
        call_sid,
        answer,
        phase.value,
    )


async def end(
    conn: asyncpg.Connection,
    call_sid: str,
    *,
    status: str,
    duration_seconds: int | None,
    answered: str | None,
) -> Call | None:
    """Record Twilio's final status; None when it was already recorded (a retried callback)."""
    row = await conn.fetchrow(
        "UPDATE calls SET status = $2, duration_seconds = $3,"
        " answered_by = COALESCE(answered_by, $4), ended_at = now(), heard = NULL, whisper = NULL"
        " WHERE call_sid = $1 AND status IS NULL RETURNING *",
        call_sid,
        status,
        duration_seconds,
        answered,
    )
    return _call(row) if row else None


async def ensure_outbound(conn: asyncpg.Connection, call_sid: str, command_id: str) -> Call | None:
    """The row of a call we placed, made from its placed_calls row if Twilio's first webhook
    for it beat the handler that placed it to the database."""
    await conn.execute(
        "INSERT INTO calls (call_sid, spa_id, direction, phone, phase, command_id)"
        " SELECT $1, spa_id, 'outbound', phone, $3, command_id FROM placed_calls"
        " WHERE command_id = $2 ON CONFLICT DO NOTHING",
        call_sid,
        command_id,
        Phase.DIALING.value,
    )
    return await get(conn, call_sid, lock=True)


async def outbound_script(conn: asyncpg.Connection, command_id: str) -> str:
    return str(
        await conn.fetchval("SELECT script FROM placed_calls WHERE command_id = $1", command_id)
        or ""
    )


@dataclass(frozen=True, slots=True)
class Facts:
    """What never changes in a call: enough to ask the agent and owe `call.turn`."""

    spa_id: str
    phone: bytes  # encrypted


class CallFacts:
    """The facts of the calls this replica is serving, so a turn need not read its call first.

    Filled when a call is answered (or read once, for a call another replica answered);
    forgotten when the call ends, and the oldest go first past `max_calls`. Only encrypted
    numbers are kept.
    """

    def __init__(self, max_calls: int = 10_000) -> None:
        self._max = max_calls
        self._facts: dict[str, Facts] = {}

    def get(self, call_sid: str) -> Facts | None:
        return self._facts.get(call_sid)

    def remember(self, call_sid: str, facts: Facts) -> None:
        if call_sid not in self._facts and len(self._facts) >= self._max:
            del self._facts[next(iter(self._facts))]
        self._facts[call_sid] = facts

    def forget(self, call_sid: str) -> None:
        self._facts.pop(call_sid, None)


@dataclass(frozen=True, slots=True)
class SpokenTurn:
    """A turn in which the caller said or pressed something, with the `call.turn` it owes."""

    call_sid: str
    turn: int
    heard: bytes  # encrypted
    spa_id: str
    event: Envelope
    trace_id: str | None


@dataclass(frozen=True, slots=True)
class Claimed:
    claimed: bool  # False: Twilio retried the webhook, or the call has ended
    ended: bool


_CLAIM_SPOKEN = """
WITH claimed AS (
    UPDATE calls SET turn = $2, heard = $3, caller_turns = caller_turns + 1, misses = 0
    WHERE call_sid = $1 AND turn < $2 AND status IS NULL
    RETURNING call_sid
), owed AS (
    INSERT INTO outbox (event_id, subject, headers, payload)
    SELECT $4, $5, $6::jsonb, $7 FROM claimed ON CONFLICT (event_id) DO NOTHING
), audited AS (
    INSERT INTO audit_log (spa_id, actor, action, subject_type, subject_id, fields, purpose,
                           trace_id)
    SELECT $8, 'telephony', 'receive', 'call', $1, '{transcript}',
           'relay the caller''s words to the agent', $9
    FROM claimed
)
SELECT EXISTS (SELECT FROM claimed) AS claimed, calls.status IS NOT NULL AS ended,
       CASE WHEN EXISTS (SELECT FROM claimed)
            THEN pg_notify('medspa_outbox', current_schema()) END AS woke
FROM calls WHERE call_sid = $1
"""


async def claim_spoken_turn(
    conn: asyncpg.Connection, turn: SpokenTurn, namespace: str
) -> Claimed | None:
    """Move the call on to a turn in which the caller spoke, owe its `call.turn` and audit it,
    all in one statement (its own transaction); None for a call that does not exist."""
    row = await conn.fetchrow(
        _CLAIM_SPOKEN,
        turn.call_sid,
        turn.turn,
        turn.heard,
        turn.event.id,
        turn.event.subject(namespace),
        json.dumps(turn.event.headers()),
        turn.event.payload,
        turn.spa_id,
        turn.trace_id,
    )
    return Claimed(row["claimed"], row["ended"]) if row else None
