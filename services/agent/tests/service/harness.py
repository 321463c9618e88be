"""Drives the agent's handlers like the consumer does and reads back what it owes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from google.protobuf.message import Message

from agent.adapters.records import Records
from agent.adapters.store import ConversationStore
from agent.brains.base import Brain
from agent.brains.rules import RulesBrain
from agent.conversations import Conversations
from agent.engine import Engine
from agent.events import Events
from agent.handlers import BookingHandlers, OutreachSentHandler, SmsReceivedHandler
from agent.settings import ConversationPolicy
from agent.staff import StaffHandlers
from agent.voice import VoiceResponder
from agent.words import Words
from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import telephony_pb2
from medspa_kit import inbox
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import COMMANDS, EVENTS, Envelope
from spa_config import SpaDirectory

SPA = "lumen-aesthetics"
NAMESPACE = "agentsvc"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Harness:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cipher: FieldCipher,
        spas: SpaDirectory,
        calendar,  # type: ignore[no-untyped-def]
        clock: Clock,
        *,
        policy: ConversationPolicy | None = None,
        brain: Brain | None = None,
    ) -> None:
        self.pool, self.cipher, self.spas, self.calendar, self.clock = (
            pool,
            cipher,
            spas,
            calendar,
            clock,
        )
        self.words = Words(Catalog.load("agent"))
        engine = Engine(calendar, self.words, brain or RulesBrain(), policy or ConversationPolicy())
        self.records = Records(cipher)
        self.conversations = Conversations(
            ConversationStore(cipher),
            engine,
            Events(cipher, NAMESPACE),
            idle_hours=72,
            records=self.records,
        )
        self.sms = SmsReceivedHandler(self.conversations, cipher, spas, clock=clock)
        self.booking = BookingHandlers(self.conversations, self.words, cipher, spas, clock=clock)
        self.staff = StaffHandlers(self.conversations, cipher, spas, clock=clock)
        self.outreach = OutreachSentHandler(self.records, cipher, spas)
        self.voice = VoiceResponder(pool, self.conversations, self.words, cipher, spas, clock=clock)
        self._calendar_now()

    def _calendar_now(self) -> None:
        if hasattr(self.calendar, "now"):
            self.calendar.now = self.clock.now

    async def deliver(
        self, handler, message: Message, *, event_id: str | None = None, spa_id: str = SPA
    ) -> Envelope:  # type: ignore[no-untyped-def]
        """One delivery, as the consumer makes it: inbox claim and effect in one transaction."""
        self._calendar_now()
        envelope = Envelope.wrap(spa_id, message, "test", event_id=event_id)
        async with self.pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, "agent-test", envelope.id):
                await handler(conn, envelope, message)
        return envelope

    def sms_event(self, phone: str, body: str, spa_id: str = SPA) -> telephony_pb2.SmsReceived:
        return telephony_pb2.SmsReceived(
            spa_id=spa_id,
            message_sid="SM" + uuid.uuid4().hex,
            from_phone=self.cipher.seal(phone, Purpose.PHONE),
            body=self.cipher.seal(body, Purpose.SMS_BODY),
        )

    async def text(self, phone: str, body: str) -> str:
        """Text the spa; the agent's newest reply to this phone (empty when it stayed quiet)."""
        before = len(await self.replies(phone))
        await self.deliver(self.sms, self.sms_event(phone, body))
        after = await self.replies(phone)
        return after[-1] if len(after) > before else ""

    async def converse(self, phone: str, *texts: str) -> list[str]:
        return [await self.text(phone, t) for t in texts]

    async def outbox(self, name: str) -> list[Message]:
        registry = {**EVENTS, **{f"cmd:{k}": v for k, v in COMMANDS.items()}}
        cls = registry[name]
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT subject, payload FROM outbox ORDER BY id")
        suffix = name.removeprefix("cmd:")
        return [
            cls.FromString(bytes(r["payload"])) for r in rows if r["subject"].endswith(f".{suffix}")
        ]

    async def replies(self, phone: str) -> list[str]:
        found = []
        for command in await self.outbox("cmd:message.send"):
            assert isinstance(command, commands_pb2.SendMessage)
            if self.cipher.open(command.to_phone, Purpose.PHONE) == phone:
                found.append(self.cipher.open(command.body, Purpose.SMS_BODY))
        return found

    async def conversation_id(self, phone: str) -> str:
        async with self.pool.acquire() as conn:
            value = await conn.fetchval(
                "SELECT id FROM conversations WHERE spa_id = $1 AND phone_index = $2"
                " ORDER BY created_at DESC LIMIT 1",
                SPA,
                self.cipher.blind_index(phone, Purpose.PHONE),
            )
        return str(value)

    async def events_for(self, name: str, phone: str) -> list[Message]:
        cid = await self.conversation_id(phone)
        return [e for e in await self.outbox(name) if getattr(e, "conversation_id", "") == cid]
