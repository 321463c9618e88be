"""Voice turns: telephony asks, over core NATS request/reply, what to say next in a live call.

Subscribed with a queue group so replicas share calls. The same conversation
engine answers as for texts, keyed by spa and caller phone, so a patient who
texted and then calls picks up where they left off. Each (call, turn) is
answered once: telephony asks again after its deadline, and the second ask
waits for the first and gets the same reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
from google.protobuf.message import DecodeError
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from agent.adapters.store import Conversation, TurnRecord
from agent.conversations import Conversations
from agent.domain.intents import Intent
from agent.domain.speech import Channel
from agent.engine import Incoming, Outcome
from agent.words import Words
from medspa.voice.v1 import voice_pb2
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.deferred import deferring
from medspa_kit.envelope import voice_turn_subject
from spa_config import SpaConfig, SpaDirectory, UnknownSpa

log = logging.getLogger(__name__)
tracer = trace.get_tracer("agent.voice")
ACTIONS = {
    "continue": voice_pb2.VOICE_ACTION_CONTINUE,
    "hangup": voice_pb2.VOICE_ACTION_HANGUP,
    "transfer": voice_pb2.VOICE_ACTION_TRANSFER,
}


class VoiceResponder:
    def __init__(
        self,
        pool: asyncpg.Pool,
        conversations: Conversations,
        words: Words,
        cipher: FieldCipher,
        spas: SpaDirectory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool = pool
        self._conversations = conversations
        self._store = conversations.store
        self._words = words
        self._cipher = cipher
        self._spas = spas
        self._clock = clock
        self._in_flight: set[asyncio.Task[None]] = set()

    async def subscribe(
        self, nc: NatsClient, namespace: str, queue: str, *, at_once: int = 8
    ) -> None:
        """Answer up to `at_once` callers' turns side by side.

        nats-py awaits a subscription's callback before it delivers the next message, so
        answering inside the callback would queue every call behind every other. The
        callback only waits for a free place and starts the turn; one conversation's
        turns still run in order, behind its row lock.
        """
        places = asyncio.Semaphore(at_once)

        async def on_request(msg: Msg) -> None:
            await places.acquire()
            task = asyncio.create_task(self._on_request(msg))
            self._in_flight.add(task)
            task.add_done_callback(lambda done: (self._in_flight.discard(done), places.release()))

        await nc.subscribe(voice_turn_subject(namespace), queue=queue, cb=on_request)

    async def drain(self) -> None:
        """Let the turns in flight finish, so no caller waiting on one gets silence."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _on_request(self, msg: Msg) -> None:
        parent = propagate.extract(dict(msg.headers or {}))
        with tracer.start_as_current_span(
            "voice.turn process", context=parent, kind=SpanKind.SERVER
        ):
            reply = await self.answer(msg.subject, msg.data)
        await msg.respond(reply.SerializeToString())

    async def answer(self, subject: str, data: bytes) -> voice_pb2.VoiceTurnReply:
        try:
            request = voice_pb2.VoiceTurnRequest.FromString(data)
        except DecodeError:
            log.warning("undecodable voice turn", extra={"subject": subject})
            return self._trouble(None)
        spa_id = subject.split(".")[2] if subject.count(".") >= 4 else request.spa_id
        try:
            spa = self._spas.get(spa_id)
        except UnknownSpa:
            log.warning(
                "voice turn for a spa this deployment does not serve", extra={"spa_id": spa_id}
            )
            return self._trouble(None)
        span = trace.get_current_span()
        span.set_attribute("medspa.spa_id", spa.id)
        span.set_attribute("medspa.voice.turn", request.turn)
        try:
            return await self._take(spa, request)
        except Exception:
            # A caller must never hear dead air: apologise and put them through to a person.
            log.exception("voice turn failed", extra={"spa_id": spa.id, "turn": request.turn})
            return self._trouble(spa)

    async def _take(
        self, spa: SpaConfig, request: voice_pb2.VoiceTurnRequest
    ) -> voice_pb2.VoiceTurnReply:
        phone = self._cipher.open(request.from_phone, Purpose.PHONE)
        text = (
            self._cipher.open(request.transcript, Purpose.TRANSCRIPT)
            if request.HasField("transcript")
            else ""
        )
        # The turn's audit entries and events go in one statement apiece (see kit deferred).
        async with self._pool.acquire() as conn, conn.transaction(), deferring(conn):
            cached = await self._store.voice_reply(conn, request.call_sid, request.turn)
            if cached is not None:
                return voice_pb2.VoiceTurnReply.FromString(cached)
            conversation, closed = await self._store.open_for(
                conn, spa.id, phone, self._clock(), self._conversations.idle_hours
            )
            # A second ask for the same turn waited on the lock above: answer it the same way.
            cached = await self._store.voice_reply(conn, request.call_sid, request.turn)
            if cached is not None:
                return voice_pb2.VoiceTurnReply.FromString(cached)
            if closed is not None:
                await self._conversations.summarize(conn, spa, closed)
            incoming = Incoming(
                text=text or request.digits,
                channel=Channel.VOICE,
                now=self._clock(),
                turn_ref=f"{request.call_sid}:{request.turn}",
                message_ref=request.call_sid,
                silence=request.silence and request.turn > 0,
                digits=request.digits,
            )
            if request.turn == 0 and not text:
                outcome = await self._greet(conn, spa, conversation, incoming)
            else:
                result = await self._conversations.continue_turn(
                    conn, spa, phone, conversation, incoming
                )
                outcome = result.outcome
            reply = self._reply(outcome, str(conversation.id))
            await self._store.save_voice_reply(
                conn, request.call_sid, request.turn, conversation.id, reply.SerializeToString()
            )
        log.info(
            "voice turn answered",
            extra={"conversation_id": str(conversation.id), "turn": request.turn,
                   "action": outcome.voice_action},
        )  # fmt: skip
        return reply

    async def _greet(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        conversation: Conversation,
        incoming: Incoming,
    ) -> Outcome:
        """The call's first words: the spa's greeting (it says the caller is talking to an
        automated assistant), with a welcome back for a patient the agent knows."""
        patient = await self._store.patient(conn, spa.id, conversation.phone)
        parts = []
        if patient is not None and patient.name:
            parts.append(
                self._words.say("welcome_back", Channel.VOICE, name=patient.name.split()[0])
            )
        parts.append(self._words.say("greeting", Channel.VOICE, greeting=spa.greeting))
        text = " ".join(parts)
        await self._conversations.record_turn(
            conn, spa.id, conversation,
            TurnRecord("agent", "voice", text, incoming.now, intent="greeting",
                       ref=incoming.message_ref),
        )  # fmt: skip
        await self._store.save(conn, conversation, incoming.now)
        return Outcome(text, Intent.GREETING, hints=[s.name for s in spa.services][:10])

    def _reply(self, outcome: Outcome, conversation_id: str) -> voice_pb2.VoiceTurnReply:
        reply = voice_pb2.VoiceTurnReply(
            action=ACTIONS[outcome.voice_action],
            speech_hints=outcome.hints,
            conversation_id=conversation_id,
        )
        if outcome.reply:
            reply.say.CopyFrom(self._cipher.seal(outcome.reply, Purpose.TRANSCRIPT))
        if outcome.handoff is not None:
            reply.handoff_id = outcome.handoff.handoff_id
            if outcome.voice_action == "transfer":
                reply.whisper.CopyFrom(self._cipher.seal(outcome.handoff.summary, Purpose.SUMMARY))
        return reply

    def _trouble(self, spa: SpaConfig | None) -> voice_pb2.VoiceTurnReply:
        text = self._words.say("voice.trouble", Channel.VOICE)
        return voice_pb2.VoiceTurnReply(
            say=self._cipher.seal(text, Purpose.TRANSCRIPT),
            action=voice_pb2.VOICE_ACTION_TRANSFER if spa else voice_pb2.VOICE_ACTION_HANGUP,
        )
