"""Conversations and their turns in the agent's schema, protected fields encrypted."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, Purpose


@dataclass
class Conversation:
    id: uuid.UUID
    spa_id: str
    state: dict[str, Any] = field(default_factory=dict)
    turns: int = 0


class ConversationStore:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    async def open_for(self, conn: asyncpg.Connection, spa_id: str, phone: str) -> Conversation:
        """The patient's open conversation with this spa, created on first contact."""
        index = self._cipher.blind_index(phone, Purpose.PHONE)
        row = await conn.fetchrow(
            "INSERT INTO conversations (id, spa_id, phone_index, phone_enc) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (spa_id, phone_index) WHERE status = 'open'"
            " DO UPDATE SET updated_at = now()"
            " RETURNING id, state, (SELECT count(*) FROM turns t WHERE t.conversation_id = conversations.id) AS turns",
            uuid.uuid4(),
            spa_id,
            index,
            self._cipher.encrypt(phone, Purpose.PHONE),
        )
        return Conversation(row["id"], spa_id, json.loads(row["state"]), int(row["turns"]))

    async def add_turn(
        self,
        conn: asyncpg.Connection,
        conversation: Conversation,
        *,
        direction: str,
        channel: str,
        text: str,
        intent: str | None = None,
    ) -> None:
        conversation.turns += 1
        await conn.execute(
            "INSERT INTO turns (conversation_id, seq, direction, channel, text_enc, intent)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            conversation.id,
            conversation.turns,
            direction,
            channel,
            self._cipher.encrypt(text, Purpose.TRANSCRIPT),
            intent,
        )
        await audit(
            conn,
            actor="agent",
            action="write",
            subject_type="conversation_turn",
            subject_id=f"{conversation.id}:{conversation.turns}",
            fields=["transcript"],
            purpose="conversation record",
            spa_id=conversation.spa_id,
        )

    async def save_state(self, conn: asyncpg.Connection, conversation: Conversation) -> None:
        await conn.execute(
            "UPDATE conversations SET state = $2, updated_at = now() WHERE id = $1",
            conversation.id,
            json.dumps(conversation.state),
        )
