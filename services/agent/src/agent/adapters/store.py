"""Conversations, turns and what the agent remembers about patients, in the agent's schema.

Protected fields (phones, the state with names and intake answers, every turn's
words) are encrypted; rows are found by keyed blind indexes; every read and
write of them is audited. Callers own the transaction: a conversation is locked
(`FOR UPDATE`) for the length of a turn, so two messages from one patient are
answered one after the other, never interleaved.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from agent.domain.state import State
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, Purpose

STATE = "agent.conversation_state"
ACTOR = "agent"


@dataclass
class Conversation:
    id: uuid.UUID
    spa_id: str
    state: State
    turns: int
    last_activity_at: datetime
    phone: str = ""


@dataclass(frozen=True)
class Closed:
    """A conversation closed for being idle: what its summary event needs."""

    conversation: Conversation
    outcome: str


@dataclass(frozen=True)
class Patient:
    name: str | None
    patient_id: str
    # Asked once whether they want marketing texts (never again, whatever they answered).
    marketing_asked: bool = False


@dataclass(frozen=True)
class TurnRecord:
    """One turn as the transcript keeps it."""

    author: str  # patient, agent, staff
    channel: str  # sms, voice, console
    text: str
    at: datetime | None = None
    intent: str | None = None
    # MessageSid or CallSid of a patient's turn; the command id of a text sent to them.
    ref: str = ""
    staff_id: str | None = None
    # A shadow draft's reply.drafted event id (or, on a staff turn, the draft it sent).
    draft_id: str | None = None


class ConversationStore:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    def _index(self, phone: str) -> bytes:
        return bytes(self._cipher.blind_index(phone, Purpose.PHONE))

    async def _audit(
        self, conn: asyncpg.Connection, spa_id: str, action: str, subject: str, fields: list[str]
    ) -> None:
        await audit(
            conn,
            actor=ACTOR,
            action=action,
            subject_type="conversation",
            subject_id=subject,
            fields=fields,
            purpose="answer the patient",
            spa_id=spa_id,
        )

    def _conversation(self, row: Mapping[str, Any], phone: str = "") -> Conversation:
        raw = self._cipher.decrypt(bytes(row["state_enc"]), STATE) if row["state_enc"] else ""
        return Conversation(
            id=row["id"],
            spa_id=row["spa_id"],
            state=State.from_dict(json.loads(raw) if raw else None),
            turns=int(row["turns"]),
            last_activity_at=row["last_activity_at"],
            phone=phone,
        )

    async def open_for(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, now: datetime, idle_hours: int
    ) -> tuple[Conversation, Closed | None]:
        """The patient's open conversation with this spa, locked; a new one on first contact
        or after `idle_hours` of silence (the old one is closed and returned to summarise)."""
        index = self._index(phone)
        closed = None
        row = await self._locked_open(conn, spa_id, index)
        if row is not None and now - row["last_activity_at"] > timedelta(hours=idle_hours):
            old = self._conversation(row, phone)
            await self._close(conn, old, "idle")
            closed = Closed(old, outcome_of(old.state))
            row = None
        if row is None:
            await conn.execute(
                "INSERT INTO conversations (id, spa_id, phone_index, phone_enc, last_activity_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (spa_id, phone_index)"
                " WHERE status = 'open' DO NOTHING",
                uuid.uuid4(),
                spa_id,
                index,
                self._cipher.encrypt(phone, Purpose.PHONE),
                now,
            )
            await self._audit(conn, spa_id, "conversation.opened", "new", ["phone"])
            row = await self._locked_open(conn, spa_id, index)
            assert row is not None
        conversation = self._conversation(row, phone)
        await self._audit(conn, spa_id, "conversation.read", str(conversation.id), ["state"])
        return conversation, closed

    async def _locked_open(
        self, conn: asyncpg.Connection, spa_id: str, index: bytes
    ) -> dict[str, Any] | None:
        row = await conn.fetchrow(
            "SELECT id, spa_id, state_enc, last_activity_at FROM conversations"
            " WHERE spa_id = $1 AND phone_index = $2 AND status = 'open' FOR UPDATE",
            spa_id,
            index,
        )
        return await _with_turns(conn, row)

    async def by_id(
        self, conn: asyncpg.Connection, spa_id: str, conversation_id: str
    ) -> Conversation | None:
        """A conversation by id, locked, with the patient's phone (to text them)."""
        try:
            key = uuid.UUID(conversation_id)
        except ValueError:
            return None
        row = await _with_turns(
            conn,
            await conn.fetchrow(
                "SELECT id, spa_id, state_enc, last_activity_at, phone_enc FROM conversations"
                " WHERE id = $1 AND spa_id = $2 FOR UPDATE",
                key,
                spa_id,
            ),
        )
        if row is None:
            return None
        phone = self._cipher.decrypt(bytes(row["phone_enc"]), Purpose.PHONE)
        await self._audit(conn, spa_id, "conversation.read", str(key), ["state", "phone"])
        return self._conversation(row, phone)

    async def waiting_card_links(
        self, conn: asyncpg.Connection, quiet_since: datetime, limit: int
    ) -> list[tuple[str, str]]:
        """(spa, conversation) whose kept card link and last word are both older than
        `quiet_since`, locked for this replica (`SKIP LOCKED`)."""
        rows = await conn.fetch(
            "SELECT id, spa_id FROM conversations WHERE status = 'open'"
            " AND card_link_kept_at <= $1 AND last_activity_at <= $1"
            " ORDER BY card_link_kept_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            quiet_since,
            limit,
        )
        return [(r["spa_id"], str(r["id"])) for r in rows]

    async def add_turn(
        self,
        conn: asyncpg.Connection,
        conversation: Conversation,
        turn: TurnRecord,
    ) -> int:
        """Append a turn; returns its place in the conversation (1-based)."""
        conversation.turns += 1
        await conn.execute(
            "INSERT INTO turns (conversation_id, seq, direction, author, channel, text_enc,"
            " intent, ref, at, staff_id, draft_id, draft_status)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()), $10, $11, $12)",
            conversation.id,
            conversation.turns,
            "in" if turn.author == "patient" else "out",
            turn.author,
            turn.channel,
            self._cipher.encrypt(turn.text, Purpose.TRANSCRIPT),
            turn.intent,
            turn.ref,
            turn.at,
            turn.staff_id,
            turn.draft_id,
            "pending" if turn.draft_id and turn.author == "agent" else None,
        )
        await audit(
            conn,
            actor=ACTOR,
            action="write",
            subject_type="conversation_turn",
            subject_id=f"{conversation.id}:{conversation.turns}",
            fields=["transcript"],
            purpose="conversation record",
            spa_id=conversation.spa_id,
        )
        return conversation.turns

    async def draft_reviewed(
        self, conn: asyncpg.Connection, conversation: Conversation, draft_id: str, status: str
    ) -> bool:
        """What staff made of a shadow draft; False when the agent has no such draft."""
        found = await conn.fetchval(
            "UPDATE turns SET draft_status = $3 WHERE conversation_id = $1 AND draft_id = $2"
            " AND author = 'agent' RETURNING seq",
            conversation.id,
            draft_id,
            status,
        )
        return found is not None

    async def save(
        self, conn: asyncpg.Connection, conversation: Conversation, now: datetime
    ) -> None:
        state = conversation.state
        await conn.execute(
            "UPDATE conversations SET state_enc = $2, stage = $3, with_staff = $4,"
            " last_activity_at = greatest(last_activity_at, $5), card_link_kept_at = $6,"
            " updated_at = now() WHERE id = $1",
            conversation.id,
            self._cipher.encrypt(json.dumps(state.to_dict()), STATE),
            state.stage.value,
            state.with_staff,
            now,
            state.card_link.kept_at if state.card_link else None,
        )
        await self._audit(
            conn, conversation.spa_id, "conversation.write", str(conversation.id), ["state"]
        )

    async def _close(self, conn: asyncpg.Connection, conversation: Conversation, why: str) -> None:
        await conn.execute(
            "UPDATE conversations SET status = 'closed', closed_at = now(), outcome = $2,"
            " updated_at = now() WHERE id = $1",
            conversation.id,
            f"{outcome_of(conversation.state)}:{why}",
        )

    async def close_idle(
        self, conn: asyncpg.Connection, before: datetime, limit: int
    ) -> list[Closed]:
        """Close conversations quiet since `before` (other replicas skip the ones taken here)."""
        rows = await conn.fetch(
            "SELECT id, spa_id, state_enc, last_activity_at,"
            " (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) AS turns"
            " FROM conversations c WHERE status = 'open' AND last_activity_at < $1"
            " ORDER BY last_activity_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            before,
            limit,
        )
        closed = []
        for row in rows:
            conversation = self._conversation(row)
            await self._audit(
                conn, conversation.spa_id, "conversation.read", str(conversation.id), ["state"]
            )
            await self._close(conn, conversation, "idle")
            closed.append(Closed(conversation, outcome_of(conversation.state)))
        return closed

    async def patient(self, conn: asyncpg.Connection, spa_id: str, phone: str) -> Patient | None:
        row = await conn.fetchrow(
            "SELECT name_enc, patient_id, marketing_asked_at FROM patients"
            " WHERE spa_id = $1 AND phone_index = $2",
            spa_id,
            self._index(phone),
        )
        if row is None:
            return None
        name = (
            self._cipher.decrypt(bytes(row["name_enc"]), Purpose.NAME) if row["name_enc"] else None
        )
        await audit(
            conn,
            actor=ACTOR,
            action="patient.read",
            subject_type="agent_patient",
            subject_id=row["patient_id"] or "unknown",
            fields=["name"],
            purpose="greet a returning patient",
            spa_id=spa_id,
        )
        return Patient(name, row["patient_id"], row["marketing_asked_at"] is not None)

    async def marketing_asked(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, at: datetime
    ) -> None:
        """Asked once: the patient is never asked about marketing texts again."""
        await conn.execute(
            "INSERT INTO patients (spa_id, phone_index, marketing_asked_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (spa_id, phone_index) DO UPDATE SET marketing_asked_at ="
            " coalesce(patients.marketing_asked_at, EXCLUDED.marketing_asked_at),"
            " updated_at = now()",
            spa_id,
            self._index(phone),
            at,
        )

    async def remember(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, name: str | None, patient_id: str
    ) -> None:
        """Keep the name and the scheduler's patient id for the next conversation."""
        if not name and not patient_id:
            return
        await conn.execute(
            "INSERT INTO patients (spa_id, phone_index, name_enc, patient_id) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (spa_id, phone_index) DO UPDATE SET"
            " name_enc = coalesce(EXCLUDED.name_enc, patients.name_enc),"
            " patient_id = CASE WHEN EXCLUDED.patient_id = '' THEN patients.patient_id"
            " ELSE EXCLUDED.patient_id END, updated_at = now()",
            spa_id,
            self._index(phone),
            self._cipher.encrypt(name, Purpose.NAME) if name else None,
            patient_id,
        )
        await audit(
            conn,
            actor=ACTOR,
            action="patient.write",
            subject_type="agent_patient",
            subject_id=patient_id or "unknown",
            fields=["name"] if name else [],
            purpose="remember a patient across conversations",
            spa_id=spa_id,
        )

    async def voice_reply(self, conn: asyncpg.Connection, call_sid: str, turn: int) -> bytes | None:
        value = await conn.fetchval(
            "SELECT reply FROM voice_turns WHERE call_sid = $1 AND turn = $2", call_sid, turn
        )
        return bytes(value) if value is not None else None

    async def save_voice_reply(
        self,
        conn: asyncpg.Connection,
        call_sid: str,
        turn: int,
        conversation_id: uuid.UUID,
        reply: bytes,
    ) -> None:
        await conn.execute(
            "INSERT INTO voice_turns (call_sid, turn, conversation_id, reply) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT DO NOTHING",
            call_sid,
            turn,
            conversation_id,
            reply,
        )


async def _with_turns(
    conn: asyncpg.Connection, row: asyncpg.Record | None
) -> dict[str, Any] | None:
    """The locked row with its turn count, counted only once the lock is held.

    Counted in the locking statement, the count would come from that statement's snapshot,
    taken before it waited on the lock: a turn committed meanwhile by whoever held it would
    be missed, and the next turn would take a number already used.
    """
    if row is None:
        return None
    turns = await conn.fetchval("SELECT count(*) FROM turns WHERE conversation_id = $1", row["id"])
    return {**dict(row), "turns": turns}


def outcome_of(state: State) -> str:
    """How a conversation ended, in one word for reports."""
    if state.handoff is not None:
        return "handed_off"
    if state.booking is not None:
        return {"held": "held", "confirmed": "booked", "cancelled": "cancelled"}.get(
            state.booking.status, state.booking.status
        )
    return "no_booking"
