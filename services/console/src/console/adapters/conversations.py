"""Conversations and their turns as the events give them, encrypted at rest.

The agent's conversation.turn is the transcript's source of truth. A patient's text
(sms.received) is kept as soon as it arrives, under the sender's blind index; it joins
its conversation when the conversation is known (by phone, inside the agent's idle
window) or when the agent's turn for the same MessageSid arrives. Staff replies are
written here by the console itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from medspa_kit.crypto import FieldCipher, Purpose

TRANSCRIPT = Purpose.TRANSCRIPT
SUMMARY = Purpose.SUMMARY


@dataclass(frozen=True)
class TurnView:
    id: int
    author: str
    channel: str
    text: str
    at: datetime
    draft: bool
    stumbles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConversationView:
    id: str
    channel: str
    started_at: datetime
    last_at: datetime
    paused: bool
    outcome: str
    turn_count: int
    phone: str | None
    summary: str | None
    patient_id: str


class ConversationStore:
    def __init__(self, cipher: FieldCipher, idle: timedelta) -> None:
        self.cipher = cipher
        # A text from a known number joins that number's conversation inside this window.
        self.idle = idle

    def phone_index(self, phone: str) -> bytes:
        return self.cipher.blind_index(phone, Purpose.PHONE)

    async def touch(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        at: datetime,
        *,
        phone: str | None = None,
        channel: str = "",
        patient_id: str = "",
    ) -> None:
        """Create or freshen a conversation; a phone, once known, gathers its stray texts."""
        index = self.phone_index(phone) if phone else None
        if index is not None:
            await _one_at_a_time(conn, spa_id, index)
        await conn.execute(
            "INSERT INTO conversations AS c (spa_id, id, phone_enc, phone_index, channel,"
            " patient_id, started_at, last_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
            " ON CONFLICT (spa_id, id) DO UPDATE SET"
            " phone_enc = coalesce(c.phone_enc, EXCLUDED.phone_enc),"
            " phone_index = coalesce(c.phone_index, EXCLUDED.phone_index),"
            " channel = CASE WHEN EXCLUDED.channel = '' THEN c.channel ELSE EXCLUDED.channel END,"
            " patient_id = CASE WHEN EXCLUDED.patient_id = '' THEN c.patient_id"
            " ELSE EXCLUDED.patient_id END,"
            " started_at = least(c.started_at, EXCLUDED.started_at),"
            " last_at = greatest(c.last_at, EXCLUDED.last_at)",
            spa_id,
            conversation_id,
            self.cipher.encrypt(phone, Purpose.PHONE) if phone else None,
            index,
            channel,
            patient_id,
            at,
        )
        if index is not None:
            await conn.execute(
                "UPDATE turns SET conversation_id = $2 WHERE spa_id = $1 AND conversation_id IS NULL"
                " AND phone_index = $3 AND at > $4",
                spa_id,
                conversation_id,
                index,
                at - self.idle,
            )

    async def patient_text(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        message_sid: str,
        phone: str,
        text: str,
        at: datetime,
    ) -> str | None:
        """Keep an inbound text; returns the conversation it joined, if one is known."""
        index = self.phone_index(phone)
        await _one_at_a_time(conn, spa_id, index)
        conversation_id = await conn.fetchval(
            "SELECT id FROM conversations WHERE spa_id = $1 AND phone_index = $2 AND last_at > $3"
            " ORDER BY last_at DESC LIMIT 1",
            spa_id,
            index,
            at - self.idle,
        )
        await conn.execute(
            "INSERT INTO turns (spa_id, conversation_id, phone_index, author, channel, text_enc,"
            " at, message_ref) VALUES ($1, $2, $3, 'patient', 'sms', $4, $5, $6)"
            " ON CONFLICT DO NOTHING",
            spa_id,
            conversation_id,
            index,
            self.cipher.encrypt(text, TRANSCRIPT),
            at,
            message_sid,
        )
        if conversation_id is not None:
            await conn.execute(
                "UPDATE conversations SET last_at = greatest(last_at, $3)"
                " WHERE spa_id = $1 AND id = $2",
                spa_id,
                conversation_id,
                at,
            )
        return str(conversation_id) if conversation_id else None

    async def agent_turn(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        *,
        seq: int,
        author: str,
        channel: str,
        text: str,
        at: datetime,
        message_ref: str,
        draft: bool,
        phone_index: bytes | None,
    ) -> None:
        """The agent's record of a turn; a patient text already kept takes its place."""
        if author == "patient" and message_ref:
            updated = await conn.fetchval(
                "UPDATE turns SET conversation_id = $3, seq = $4, channel = $5"
                " WHERE spa_id = $1 AND author = 'patient' AND message_ref = $2 RETURNING id",
                spa_id,
                message_ref,
                conversation_id,
                seq,
                channel,
            )
            if updated is not None:
                return
        await conn.execute(
            "INSERT INTO turns (spa_id, conversation_id, phone_index, seq, author, channel,"
            " text_enc, at, message_ref, draft) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT DO NOTHING",
            spa_id,
            conversation_id,
            phone_index,
            seq,
            author,
            channel,
            self.cipher.encrypt(text, TRANSCRIPT),
            at,
            message_ref or None,
            draft,
        )

    async def staff_turn(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        staff_id: str,
        text: str,
        at: datetime,
        command_id: str,
    ) -> None:
        await conn.execute(
            "INSERT INTO turns (spa_id, conversation_id, author, channel, text_enc, at,"
            " message_ref, staff_id) VALUES ($1, $2, 'staff', 'sms', $3, $4, $5, $6)",
            spa_id,
            conversation_id,
            self.cipher.encrypt(text, TRANSCRIPT),
            at,
            command_id,
            uuid.UUID(staff_id),
        )
        await conn.execute(
            "UPDATE conversations SET last_at = greatest(last_at, $3) WHERE spa_id = $1 AND id = $2",
            spa_id,
            conversation_id,
            at,
        )

    async def summarized(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        summary: str,
        outcome: str,
        turns: int,
        at: datetime,
    ) -> None:
        await self.touch(conn, spa_id, conversation_id, at)
        await conn.execute(
            "UPDATE conversations SET summary_enc = $3, outcome = $4, turn_count = $5"
            " WHERE spa_id = $1 AND id = $2",
            spa_id,
            conversation_id,
            self.cipher.encrypt(summary, SUMMARY),
            outcome,
            turns,
        )

    async def set_paused(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        paused: bool,
        staff_id: str,
    ) -> bool:
        """True when this changed the conversation (a repeated click says nothing new)."""
        row = await conn.fetchval(
            "UPDATE conversations SET paused = $3, paused_by = $4::uuid"
            " WHERE spa_id = $1 AND id = $2 AND paused <> $3 RETURNING true",
            spa_id,
            conversation_id,
            paused,
            staff_id,
        )
        return bool(row)

    async def get(
        self, conn: asyncpg.Connection, spa_id: str, conversation_id: str
    ) -> ConversationView | None:
        row = await conn.fetchrow(
            "SELECT * FROM conversations WHERE spa_id = $1 AND id = $2", spa_id, conversation_id
        )
        return self._view(row) if row else None

    async def phone_of(
        self, conn: asyncpg.Connection, spa_id: str, conversation_id: str
    ) -> str | None:
        blob = await conn.fetchval(
            "SELECT phone_enc FROM conversations WHERE spa_id = $1 AND id = $2",
            spa_id,
            conversation_id,
        )
        return self.cipher.decrypt(blob, Purpose.PHONE) if blob else None

    async def search(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        *,
        phone: str | None,
        limit: int,
        offset: int,
    ) -> list[ConversationView]:
        rows = await conn.fetch(
            "SELECT * FROM conversations WHERE spa_id = $1"
            " AND ($2::bytea IS NULL OR phone_index = $2)"
            " ORDER BY last_at DESC, id LIMIT $3 OFFSET $4",
            spa_id,
            self.phone_index(phone) if phone else None,
            limit,
            offset,
        )
        return [self._view(r) for r in rows]

    async def transcript(
        self, conn: asyncpg.Connection, spa_id: str, conversation_id: str
    ) -> list[TurnView]:
        rows = await conn.fetch(
            "SELECT t.*, coalesce(array_agg(s.kind ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL),"
            " '{}') AS marks FROM turns t LEFT JOIN stumbles s ON s.turn_id = t.id"
            " WHERE t.spa_id = $1 AND t.conversation_id = $2"
            " GROUP BY t.id ORDER BY t.at, t.seq NULLS LAST, t.id",
            spa_id,
            conversation_id,
        )
        return [
            TurnView(
                id=r["id"],
                author=r["author"],
                channel=r["channel"],
                text=self.cipher.decrypt(r["text_enc"], TRANSCRIPT),
                at=r["at"],
                draft=r["draft"],
                stumbles=tuple(r["marks"]),
            )
            for r in rows
        ]

    def _view(self, row: asyncpg.Record) -> ConversationView:
        return ConversationView(
            id=row["id"],
            channel=row["channel"],
            started_at=row["started_at"],
            last_at=row["last_at"],
            paused=row["paused"],
            outcome=row["outcome"],
            turn_count=row["turn_count"],
            phone=self.cipher.decrypt(row["phone_enc"], Purpose.PHONE)
            if row["phone_enc"]
            else None,
            summary=(
                self.cipher.decrypt(row["summary_enc"], SUMMARY) if row["summary_enc"] else None
            ),
            patient_id=row["patient_id"],
        )


async def _one_at_a_time(conn: asyncpg.Connection, spa_id: str, phone_index: bytes) -> None:
    """Events about one phone are taken concurrently: a text looks for its conversation while
    the conversation's first event looks for stray texts, and neither would see the other's
    uncommitted row. Holding this lock to commit makes the later one see the earlier."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || encode($2, 'hex'), 0))",
        spa_id,
        phone_index,
    )
