"""A text arrives: keywords are answered here, everything else goes on to the agent.

STOP and its kin opt out (audited, announced as `optout.changed`, confirmed once); START, YES
and UNSTOP opt back in; HELP and INFO answer with the spa's name and number. None of those
reach the agent. An ordinary text from an opted-out number still does, flagged, so staff can
read it, while the send path refuses any reply.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import asyncpg
from twilio.twiml.messaging_response import MessagingResponse

from medspa.events.v1 import telephony_pb2
from medspa_kit import inbox
from medspa_kit.audit import audit
from medspa_kit.crypto import Purpose
from spa_config import SpaConfig
from telephony.context import SOURCE, Edge
from telephony.domain.optout import Action, Keyword, classify, decide
from telephony.voice.phrases import written_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Text:
    sid: str
    sender: str  # E.164
    body: str
    num_media: int
    # Set when Twilio's own opt-out handling already answered the keyword (OptOutType).
    twilio_handled: str


async def receive(edge: Edge, spa: SpaConfig, text: Text) -> str:
    keyword = classify(text.body)
    now = edge.clock()
    reply = ""
    async with edge.pool.acquire() as conn, conn.transaction():
        if not await inbox.claim(conn, "twilio.sms", text.sid):
            log.info("duplicate SMS webhook ignored", extra={"sid": text.sid})
            return _twiml("")
        opted_out = await edge.optouts.is_opted_out(conn, spa.id, text.sender)
        action = decide(keyword, opted_out)
        if action in (Action.OPT_OUT, Action.OPT_IN):
            assert keyword is not None
            await _change_consent(edge, conn, spa, text, keyword, opt_out=action is Action.OPT_OUT)
            key = (
                "sms.opt_out_confirmation"
                if action is Action.OPT_OUT
                else "sms.opt_in_confirmation"
            )
            reply = edge.catalog.say(key, spa_name=spa.name)
        elif action is Action.HELP:
            reply = edge.catalog.say(
                "sms.help", spa_name=spa.name, spa_phone=written_phone(spa.front_desk_phone)
            )
        elif action is Action.RELAY:
            if not edge.sms_flood.allow(f"{spa.id}:{text.sender}", time.monotonic()):
                log.warning(
                    "text not relayed: sender over the flood limit", extra={"sid": text.sid}
                )
                return _twiml("")
            event = telephony_pb2.SmsReceived(
                spa_id=spa.id,
                message_sid=text.sid,
                from_phone=edge.cipher.seal(text.sender, Purpose.PHONE),
                body=edge.cipher.seal(text.body, Purpose.SMS_BODY),
                num_media=text.num_media,
                sender_opted_out=opted_out,
            )
            event.received_at.FromDatetime(now)
            await edge.publish(conn, spa.id, event, f"sms-{text.sid}")
            await audit(
                conn,
                actor=SOURCE,
                action="receive",
                subject_type="sms",
                subject_id=text.sid,
                fields=["phone", "body"],
                purpose="relay inbound text to the agent",
                spa_id=spa.id,
            )
    log.info("sms received", extra={"sid": text.sid, "spa_id": spa.id, "action": action.value})
    # Twilio already confirmed a keyword it handled itself: a second confirmation would be one too many.
    return _twiml("" if text.twilio_handled else reply)


async def _change_consent(
    edge: Edge,
    conn: asyncpg.Connection,
    spa: SpaConfig,
    text: Text,
    keyword: Keyword,
    *,
    opt_out: bool,
) -> None:
    await edge.optouts.record(conn, spa.id, text.sender, opted_out=opt_out, keyword=keyword.label)
    event = telephony_pb2.OptoutChanged(
        spa_id=spa.id,
        phone=edge.cipher.seal(text.sender, Purpose.PHONE),
        opted_out=opt_out,
        keyword=keyword.label,
    )
    event.changed_at.FromDatetime(edge.clock())
    await edge.publish(conn, spa.id, event, f"optout-{text.sid}")
    await audit(
        conn,
        actor=SOURCE,
        action="opt_out" if opt_out else "opt_in",
        subject_type="optout",
        subject_id=text.sid,
        fields=["phone"],
        purpose=f"patient texted {keyword.label}",
        spa_id=spa.id,
    )
    log.info("texting consent changed", extra={"sid": text.sid, "opted_out": opt_out})


def _twiml(reply: str) -> str:
    answer = MessagingResponse()
    if reply:
        answer.message(reply)
    return str(answer)
