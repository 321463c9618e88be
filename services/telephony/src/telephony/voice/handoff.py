"""Handing a caller to staff: a warm transfer while the spa is open, otherwise a callback.

A transfer rings every warm-transfer contact at once; the first to accept in the whisper
takes the call. When nobody does (or nobody can), the caller is told when they will be called
back and the callback is recorded, and announced as `callback.requested`.
"""

from __future__ import annotations

import asyncpg

from medspa.events.v1 import telephony_pb2
from medspa_kit.audit import audit
from medspa_kit.crypto import Purpose
from spa_config import SpaConfig
from telephony.adapters import calls_store as calls
from telephony.context import SOURCE, Edge
from telephony.domain.callback import Promise, callback_promise, is_open
from telephony.domain.missed import Phase
from telephony.voice.script import Script


def staff_numbers(spa: SpaConfig) -> list[str]:
    return [contact.phone for contact in spa.escalation_contacts if contact.warm_transfer]


async def owe_callback(
    edge: Edge, conn: asyncpg.Connection, call: calls.Call, spa: SpaConfig, reason: str
) -> Promise | None:
    """Record that the spa will call back, once per call; None when the caller withheld
    their number (there is no one to call)."""
    await calls.set_phase(conn, call.call_sid, Phase.TRANSFER)
    phone = edge.cipher.decrypt(call.phone, Purpose.PHONE)
    if not phone:
        return None
    now = edge.clock()
    promise = callback_promise(spa, now)
    owed = await conn.fetchval(
        "INSERT INTO callbacks (call_sid, spa_id, phone, handoff_id, reason, due_by)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        call.call_sid,
        spa.id,
        call.phone,
        call.handoff_id,
        reason,
        promise.due_by,
    )
    if owed:
        event = telephony_pb2.CallbackRequested(
            spa_id=spa.id,
            call_sid=call.call_sid,
            phone=edge.cipher.seal(phone, Purpose.PHONE),
            handoff_id=call.handoff_id or "",
            conversation_id=call.conversation_id or "",
            reason=reason,
        )
        event.due_by.FromDatetime(promise.due_by)
        event.requested_at.FromDatetime(now)
        await edge.publish(conn, spa.id, event, f"callback-{call.call_sid}")
        await audit(
            conn,
            actor=SOURCE,
            action="write",
            subject_type="callback",
            subject_id=call.call_sid,
            fields=["phone"],
            purpose=f"call the patient back ({reason})",
            spa_id=spa.id,
        )
    return promise


async def hand_to_staff(
    edge: Edge,
    script: Script,
    conn: asyncpg.Connection,
    call: calls.Call,
    spa: SpaConfig,
    *,
    said: str,
    unavailable_reason: str,
) -> str:
    """Transfer now if staff can take it, else promise a callback and say goodbye."""
    numbers = staff_numbers(spa)
    now = edge.clock()
    if numbers and is_open(spa, now):
        await calls.set_phase(conn, call.call_sid, Phase.TRANSFER)
        return script.transfer(spa, [said or script.line("voice.transferring")], numbers)
    promise = await owe_callback(edge, conn, call, spa, unavailable_reason)
    sorry = script.line("voice.staff_unavailable", callback=script.callback(spa, promise, now))
    return script.say_and_hang_up(spa, [said, sorry])
