"""A call comes in: ring the front desk first if the spa wants that, else the assistant greets.

Answering touches the database once and never waits on the agent, so the caller hears the
greeting on the first ring.
"""

from __future__ import annotations

import logging
import time

from twilio.twiml.voice_response import VoiceResponse

from medspa.events.v1 import telephony_pb2
from medspa_kit.audit import audit
from medspa_kit.crypto import Purpose
from spa_config import SpaConfig
from telephony.adapters import calls_store as calls
from telephony.context import SOURCE, Edge
from telephony.domain.callback import is_open
from telephony.domain.missed import Phase
from telephony.errors import UnknownCall
from telephony.voice.script import Script

log = logging.getLogger(__name__)


async def answer(edge: Edge, script: Script, *, call_sid: str, spa: SpaConfig, caller: str) -> str:
    """`caller` is the E.164 number, or "" when the caller withheld it."""
    if not edge.call_flood.allow(f"{spa.id}:{caller}", time.monotonic()):
        log.warning("call refused: caller over the flood limit", extra={"call_sid": call_sid})
        rejection = VoiceResponse()
        rejection.reject(reason="busy")
        return str(rejection)
    now = edge.clock()
    # The spa's choice (`policies.staff_first_ring_seconds`); 0: the assistant answers at once.
    ring_for = spa.policies.staff_first_ring_seconds
    # Staff are only rung while the spa is open; at night the assistant answers at once.
    phase = Phase.STAFF_RING if ring_for > 0 and is_open(spa, now) else Phase.ASSISTANT
    phone = edge.cipher.encrypt(caller, Purpose.PHONE)
    async with edge.pool.acquire() as conn, conn.transaction():
        started = await calls.start(
            conn,
            call_sid=call_sid,
            spa_id=spa.id,
            inbound=True,
            phone=phone,
            phase=phase,
        )
        if started:
            event = telephony_pb2.CallStarted(
                spa_id=spa.id,
                call_sid=call_sid,
                from_phone=edge.cipher.seal(caller, Purpose.PHONE),
            )
            event.started_at.FromDatetime(now)
            await edge.publish(conn, spa.id, event, f"call-{call_sid}")
            await audit(
                conn,
                actor=SOURCE,
                action="receive",
                subject_type="call",
                subject_id=call_sid,
                fields=["phone"],
                purpose="answer an inbound call",
                spa_id=spa.id,
            )
        else:
            # Twilio retried the webhook: answer the same way as the first time.
            known = await calls.get(conn, call_sid)
            phase = known.phase if known else phase
    edge.call_facts.remember(call_sid, calls.Facts(spa.id, phone))
    log.info("call answered", extra={"call_sid": call_sid, "spa_id": spa.id, "phase": phase.value})
    if phase is Phase.STAFF_RING:
        return script.ring_staff_first(spa, ring_for)
    return script.greeting(spa)


async def after_staff_ring(
    edge: Edge, script: Script, *, call_sid: str, dial_status: str, call_status: str
) -> str:
    """The staff-first ring ended: staff took it, the caller left, or the assistant answers."""
    async with edge.pool.acquire() as conn, conn.transaction():
        call = await calls.get(conn, call_sid, lock=True)
        if call is None:
            raise UnknownCall(call_sid)
        if dial_status in ("completed", "answered"):
            await calls.set_phase(conn, call_sid, Phase.STAFF)
            return script.hang_up()
        if call_status == "completed":
            # The caller hung up while it rang: the status callback reports the miss.
            return script.hang_up()
        await calls.staff_first_missed(conn, call_sid)
    log.info("staff-first ring unanswered", extra={"call_sid": call_sid, "dial": dial_status})
    return script.greeting(edge.spas.get(call.spa_id))
