"""A text arrives: keywords are answered here, everything else goes on to the agent.

STOP and its kin opt out (audited, announced as `optout.changed`, confirmed once); START, YES
and UNSTOP opt back in; HELP and INFO answer with the spa's name and number. None of those
reach the agent. An ordinary text from an opted-out number still does, flagged, so staff can
read it, while the send path refuses any reply.

Ordinary texts (no keyword: nearly all of them) are written with others arriving at the same
moment, in one statement (`adapters.inbound_texts`); keywords, which change consent, keep a
transaction of their own.
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
from medspa_kit.envelope import Envelope
from spa_config import SpaConfig
from telephony.adapters.inbound_texts import INBOX_CONSUMER, RelayedText, current_trace_id
from telephony.context import SOURCE, Edge
from telephony.domain.optout import Action, Keyword, classify, decide
from telephony.metrics import INBOUND, count_message
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
    if keyword is None:
        return await _relay(edge, spa, text)
    now = edge.clock()
    reply = ""
    async with edge.pool.acquire() as conn, conn.transaction():
        if not await inbox.claim(conn, INBOX_CONSUMER, text.sid):
            log.info("duplicate SMS webhook ignored", extra={"sid": text.sid})
            return _EMPTY
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
                count_message(INBOUND, "received")
                return _EMPTY
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
    count_message(INBOUND, "received")
    log.info("sms received", extra={"sid": text.sid, "spa_id": spa.id, "action": action.value})
    # Twilio already confirmed a keyword it handled itself: a second confirmation would be one too many.
    return _twiml("" if text.twilio_handled else reply)


async def _relay(edge: Edge, spa: SpaConfig, text: Text) -> str:
    """An ordinary text: `sms.received` for the agent, written with its neighbours in time.

    The flood guard is asked before the write, so a retried webhook spends a token too (one
    of Twilio's few retries, against a burst of ten).
    """
    if not edge.sms_flood.allow(f"{spa.id}:{text.sender}", time.monotonic()):
        log.warning("text not relayed: sender over the flood limit", extra={"sid": text.sid})
        count_message(INBOUND, "received")
        return _EMPTY
    event = telephony_pb2.SmsReceived(
        spa_id=spa.id,
        message_sid=text.sid,
        from_phone=edge.cipher.seal(text.sender, Purpose.PHONE),
        body=edge.cipher.seal(text.body, Purpose.SMS_BODY),
        num_media=text.num_media,
        sender_opted_out=False,
    )
    event.received_at.FromDatetime(edge.clock())
    envelope = Envelope.wrap(spa.id, event, SOURCE, event_id=f"sms-{text.sid}")
    event.sender_opted_out = True
    fresh = await edge.inbound_texts.submit(
        RelayedText(
            sid=text.sid,
            spa_id=spa.id,
            phone_index=edge.cipher.blind_index(text.sender, Purpose.PHONE),
            event=envelope,
            opted_out_payload=event.SerializeToString(),
            trace_id=current_trace_id(),
        )
    )
    if fresh:
        count_message(INBOUND, "received")
        log.info("sms received", extra={"sid": text.sid, "spa_id": spa.id, "action": "relay"})
    else:
        log.info("duplicate SMS webhook ignored", extra={"sid": text.sid})
    return _EMPTY


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


_EMPTY = _twiml("")
