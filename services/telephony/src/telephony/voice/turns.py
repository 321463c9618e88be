"""One turn of a call: what the caller said goes to the agent, and its answer to the caller.

The agent gets `turn_deadline_s`; if it has not answered by then the caller hears a short
filler and Twilio comes back (a `<Redirect>` to the wait webhook) for the same turn's answer.
After `max_fillers` the call goes to staff rather than on waiting: never dead air, never a
dropped call.

A turn in which the caller spoke (nearly every turn) is one statement, claim, `call.turn` and
audit together, using the call's facts this replica already holds, and the agent is asked
while it runs: the caller waits for the slower of the two, not both. Silence, unclear speech
and goodbyes, which may end the call, keep a transaction of their own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import asyncpg

from medspa.events.v1 import telephony_pb2
from medspa.voice.v1 import voice_pb2
from medspa_kit.audit import audit
from medspa_kit.crypto import KeyringError, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaConfig
from telephony.adapters import calls_store as calls
from telephony.adapters.inbound_texts import current_trace_id
from telephony.context import SOURCE, Edge
from telephony.domain.hearing import AfterMiss, Heard, Turn, after_miss, hear
from telephony.domain.missed import Phase
from telephony.errors import UnknownCall
from telephony.metrics import VOICE_FILLERS, VOICE_TURN_SECONDS
from telephony.voice.handoff import hand_to_staff
from telephony.voice.script import Script

log = logging.getLogger(__name__)

# Turns that go to the agent and never end the call by themselves.
_FOR_THE_AGENT = (Heard.SPEECH, Heard.DIGITS)


@dataclass(frozen=True)
class Said:
    """What the caller said or pressed in the turn being answered."""

    speech: str
    digits: str
    confidence: float | None

    def seal(self, edge: Edge) -> bytes:
        payload = {"speech": self.speech, "digits": self.digits, "confidence": self.confidence}
        return edge.cipher.encrypt(json.dumps(payload), Purpose.TRANSCRIPT)

    @classmethod
    def unseal(cls, edge: Edge, blob: bytes) -> Said:
        payload = json.loads(edge.cipher.decrypt(blob, Purpose.TRANSCRIPT))
        return cls(payload["speech"], payload["digits"], payload["confidence"])


async def take_turn(edge: Edge, script: Script, *, call_sid: str, turn: int, said: Said) -> str:
    heard = hear(Turn(said.speech, said.digits, said.confidence), edge.voice.min_confidence)
    if heard in _FOR_THE_AGENT:
        return await _spoken_turn(edge, script, call_sid, turn, said)
    # From here: silence, unclear speech or a goodbye.
    spoke = heard is Heard.GOODBYE
    async with edge.pool.acquire() as conn, conn.transaction():
        call = await calls.get(conn, call_sid)
        if call is None:
            raise UnknownCall(call_sid)
        claimed = await calls.claim_turn(
            conn, call_sid, turn, heard=said.seal(edge) if spoke else None, spoke=spoke
        )
        # A retried webhook (claimed is None) changes nothing and answers the same way.
        now_call = claimed or call
        gives_up = (
            not spoke and after_miss(now_call.misses, edge.voice.max_misses) is AfterMiss.GIVE_UP
        )
        if claimed is not None:
            if spoke:
                await _record_turn(edge, conn, call, turn, said)
            if heard is Heard.GOODBYE or gives_up:
                await calls.set_phase(conn, call_sid, Phase.CLOSING)
    spa = edge.spas.get(call.spa_id)
    if call.ended:
        return script.hang_up()
    log.info("turn", extra={"call_sid": call_sid, "turn": turn, "heard": heard.value})
    if heard is Heard.GOODBYE:
        return script.goodbye(spa)
    return script.give_up(spa) if gives_up else script.reprompt(spa, heard, turn + 1)


async def _spoken_turn(edge: Edge, script: Script, call_sid: str, turn: int, said: Said) -> str:
    started = time.perf_counter()
    facts = edge.call_facts.get(call_sid) or await _read_facts(edge, call_sid)
    phone = edge.cipher.seal(edge.cipher.decrypt(facts.phone, Purpose.PHONE), Purpose.PHONE)
    transcript = edge.cipher.seal(said.speech or said.digits, Purpose.TRANSCRIPT)
    confidence = said.confidence if said.confidence is not None else 0.0
    event = telephony_pb2.CallTurn(
        spa_id=facts.spa_id,
        call_sid=call_sid,
        turn=turn,
        from_phone=phone,
        transcript=transcript,
        confidence=confidence,
    )
    spoken = calls.SpokenTurn(
        call_sid=call_sid,
        turn=turn,
        heard=said.seal(edge),
        spa_id=facts.spa_id,
        event=Envelope.wrap(facts.spa_id, event, SOURCE, event_id=f"turn-{call_sid}-{turn}"),
        trace_id=current_trace_id(),
    )
    request = voice_pb2.VoiceTurnRequest(
        spa_id=facts.spa_id,
        call_sid=call_sid,
        turn=turn,
        from_phone=phone,
        transcript=transcript,
        confidence=confidence,
        digits=said.digits,
    )
    # Asked before the claim is written: a retried webhook or a call that has just ended asks
    # a question nobody collects, which the agent answers as the same question and the
    # in-flight table forgets.
    asking = asyncio.ensure_future(edge.agent.ask(request, edge.voice.turn_deadline_s))
    try:
        async with edge.pool.acquire() as conn:
            claimed = await calls.claim_spoken_turn(conn, spoken, edge.namespace)
    except BaseException:
        asking.cancel()
        raise
    if claimed is None or claimed.ended:
        asking.cancel()
        if claimed is None:
            raise UnknownCall(call_sid)
        return script.hang_up()
    log.info("turn", extra={"call_sid": call_sid, "turn": turn, "heard": "speech"})
    reply = await asking
    spa = edge.spas.get(facts.spa_id)
    answer = await _respond(edge, script, call_sid, spa, turn, reply, attempt=0)
    VOICE_TURN_SECONDS.observe(time.perf_counter() - started)
    return answer


async def _read_facts(edge: Edge, call_sid: str) -> calls.Facts:
    """A call another replica answered (or answered before a restart): read once."""
    async with edge.pool.acquire() as conn:
        call = await calls.get(conn, call_sid)
    if call is None:
        raise UnknownCall(call_sid)
    facts = calls.Facts(call.spa_id, call.phone)
    edge.call_facts.remember(call_sid, facts)
    return facts


async def wait_for_turn(
    edge: Edge, script: Script, *, call_sid: str, turn: int, attempt: int
) -> str:
    """Back after a filler: the agent's answer to the same turn, or another filler."""
    async with edge.pool.acquire() as conn:
        call = await calls.get(conn, call_sid)
    if call is None:
        raise UnknownCall(call_sid)
    spa = edge.spas.get(call.spa_id)
    if call.ended:
        return script.hang_up()
    if call.turn != turn or call.heard is None:
        # A stale redirect (the call moved on): listen again rather than replay an old turn.
        return script.reprompt(spa, Heard.UNCLEAR, call.turn + 1)
    started = time.perf_counter()
    reply = await _ask(edge, call, turn, Said.unseal(edge, call.heard))
    answer = await _respond(edge, script, call_sid, spa, turn, reply, attempt=attempt)
    VOICE_TURN_SECONDS.observe(time.perf_counter() - started)
    return answer


async def _record_turn(
    edge: Edge, conn: asyncpg.Connection, call: calls.Call, turn: int, said: Said
) -> None:
    event = telephony_pb2.CallTurn(
        spa_id=call.spa_id,
        call_sid=call.call_sid,
        turn=turn,
        from_phone=edge.cipher.seal(edge.cipher.decrypt(call.phone, Purpose.PHONE), Purpose.PHONE),
        transcript=edge.cipher.seal(said.speech or said.digits, Purpose.TRANSCRIPT),
        confidence=said.confidence if said.confidence is not None else 0.0,
    )
    await edge.publish(conn, call.spa_id, event, f"turn-{call.call_sid}-{turn}")
    await audit(
        conn,
        actor=SOURCE,
        action="receive",
        subject_type="call",
        subject_id=call.call_sid,
        fields=["transcript"],
        purpose="relay the caller's words to the agent",
        spa_id=call.spa_id,
    )


async def _ask(
    edge: Edge, call: calls.Call, turn: int, said: Said
) -> voice_pb2.VoiceTurnReply | None:
    request = voice_pb2.VoiceTurnRequest(
        spa_id=call.spa_id,
        call_sid=call.call_sid,
        turn=turn,
        from_phone=edge.cipher.seal(edge.cipher.decrypt(call.phone, Purpose.PHONE), Purpose.PHONE),
        transcript=edge.cipher.seal(said.speech or said.digits, Purpose.TRANSCRIPT),
        confidence=said.confidence if said.confidence is not None else 0.0,
        digits=said.digits,
    )
    return await edge.agent.ask(request, edge.voice.turn_deadline_s)


async def _respond(
    edge: Edge,
    script: Script,
    call_sid: str,
    spa: SpaConfig,
    turn: int,
    reply: voice_pb2.VoiceTurnReply | None,
    *,
    attempt: int,
) -> str:
    if reply is None:
        if attempt < edge.voice.max_fillers:
            log.info("agent late, filler", extra={"call_sid": call_sid, "attempt": attempt + 1})
            VOICE_FILLERS.inc()
            return script.filler(spa, turn, attempt + 1)
        log.warning("agent did not answer, handing to staff", extra={"call_sid": call_sid})
        async with edge.pool.acquire() as conn, conn.transaction():
            call = await calls.get(conn, call_sid, lock=True)
            if call is None:
                raise UnknownCall(call_sid)
            return await hand_to_staff(
                edge,
                script,
                conn,
                call,
                spa,
                said=script.line("voice.assistant_unavailable"),
                unavailable_reason="assistant_unavailable",
            )
    try:
        say, whisper = _unseal_reply(edge, reply)
    except KeyringError:
        # A reply we cannot open is no reply: the caller still hears a filler, then staff.
        log.error("agent reply could not be opened", extra={"call_sid": call_sid})
        return await _respond(edge, script, call_sid, spa, turn, None, attempt=attempt)
    if reply.action == voice_pb2.VOICE_ACTION_HANGUP:
        async with edge.pool.acquire() as conn:
            await calls.set_phase(conn, call_sid, Phase.CLOSING)
        return script.say_and_hang_up(spa, [say])
    if reply.action == voice_pb2.VOICE_ACTION_TRANSFER:
        async with edge.pool.acquire() as conn, conn.transaction():
            await calls.begin_transfer(
                conn,
                call_sid,
                handoff_id=reply.handoff_id,
                conversation_id=reply.conversation_id,
                whisper=edge.cipher.encrypt(whisper, Purpose.SUMMARY) if whisper else None,
            )
            moved = await calls.get(conn, call_sid)
            assert moved is not None
            return await hand_to_staff(
                edge, script, conn, moved, spa, said=say, unavailable_reason="staff_unavailable"
            )
    return script.listen(spa, [say], turn + 1, hints=reply.speech_hints)


def _unseal_reply(edge: Edge, reply: voice_pb2.VoiceTurnReply) -> tuple[str, str]:
    """What to say (sealed as a transcript) and the staff whisper (sealed as a summary)."""
    say = edge.cipher.open(reply.say, Purpose.TRANSCRIPT) if reply.HasField("say") else ""
    whisper = edge.cipher.open(reply.whisper, Purpose.SUMMARY) if reply.HasField("whisper") else ""
    return say, whisper
