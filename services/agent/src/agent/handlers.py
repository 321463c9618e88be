"""The agent's subscriptions: a text arrives, a reply is owed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from agent.adapters.store import ConversationStore
from agent.turn import TurnTaker
from medspa.commands.v1 import commands_pb2
from medspa.common.v1 import common_pb2
from medspa.events.v1 import conversation_pb2, telephony_pb2
from medspa_kit import outbox
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory

log = logging.getLogger(__name__)


class SmsReceivedHandler:
    def __init__(
        self,
        turns: TurnTaker,
        store: ConversationStore,
        cipher: FieldCipher,
        spas: SpaDirectory,
        namespace: str,
    ) -> None:
        self._turns = turns
        self._store = store
        self._cipher = cipher
        self._spas = spas
        self._namespace = namespace

    async def __call__(
        self, conn: asyncpg.Connection, envelope: Envelope, event: telephony_pb2.SmsReceived
    ) -> None:
        spa = self._spas.get(event.spa_id)
        phone = self._cipher.open(event.from_phone, Purpose.PHONE)
        text = self._cipher.open(event.body, Purpose.SMS_BODY)
        conversation = await self._store.open_for(conn, spa.id, phone)
        await self._store.add_turn(conn, conversation, direction="in", channel="sms", text=text)

        reply = await self._turns.take(spa, text, datetime.now(UTC))

        conversation.state["offered"] = [
            {"provider_id": s.provider_id, "service_id": s.service_id, "start": s.start.isoformat()}
            for s in reply.offered
        ]
        await self._store.add_turn(
            conn, conversation, direction="out", channel="sms", text=reply.text, intent=reply.intent
        )
        await self._store.save_state(conn, conversation)
        # Deterministic ids: a redelivered text can never produce a second reply.
        command = commands_pb2.SendMessage(
            spa_id=spa.id,
            command_id=f"reply-{envelope.id}",
            to_phone=self._cipher.seal(phone, Purpose.PHONE),
            body=self._cipher.seal(reply.text, Purpose.SMS_BODY),
            conversation_id=str(conversation.id),
            purpose="reply",
        )
        intent = conversation_pb2.IntentDetected(
            spa_id=spa.id,
            conversation_id=str(conversation.id),
            intent=reply.intent.value,
            service_id=reply.service_id or "",
            channel=common_pb2.CHANNEL_SMS,
        )
        for message, event_id in ((command, command.command_id), (intent, f"intent-{envelope.id}")):
            await outbox.record(
                conn, Envelope.wrap(spa.id, message, "agent", event_id=event_id), self._namespace
            )
        log.info(
            "replied",
            extra={"conversation_id": str(conversation.id), "intent": reply.intent.value},
        )
