"""The staff side of a warm transfer: the whisper, the key press that accepts, the outcome."""

from __future__ import annotations

import logging

from medspa.events.v1 import telephony_pb2
from medspa_kit.crypto import Purpose
from telephony.adapters import calls_store as calls
from telephony.context import Edge
from telephony.errors import UnknownCall
from telephony.voice.handoff import owe_callback
from telephony.voice.script import Script

log = logging.getLogger(__name__)

# Dial outcomes in which the dialled party was connected.
_CONNECTED = frozenset({"completed", "answered"})


async def whisper(edge: Edge, script: Script, *, parent_sid: str) -> str:
    """Read to the staff member who picked up, before the caller is connected."""
    async with edge.pool.acquire() as conn:
        call = await calls.get(conn, parent_sid)
    if call is None:
        raise UnknownCall(parent_sid)
    summary = edge.cipher.decrypt(call.whisper, Purpose.SUMMARY) if call.whisper else ""
    return script.whisper(edge.spas.get(call.spa_id), summary)


async def accept(edge: Edge, script: Script, *, parent_sid: str) -> str:
    """Staff pressed a key: connect them (an empty document ends the whisper and bridges)."""
    async with edge.pool.acquire() as conn, conn.transaction():
        call = await calls.accept_transfer(conn, parent_sid)
        if call is not None:
            event = telephony_pb2.CallTransferred(
                spa_id=call.spa_id,
                call_sid=call.call_sid,
                handoff_id=call.handoff_id or "",
                conversation_id=call.conversation_id or "",
            )
            event.transferred_at.FromDatetime(edge.clock())
            await edge.publish(conn, call.spa_id, event, f"transferred-{call.call_sid}")
        elif await calls.get(conn, parent_sid) is None:
            raise UnknownCall(parent_sid)
    log.info("warm transfer accepted", extra={"call_sid": parent_sid})
    return script.connect()


async def after_transfer(
    edge: Edge, script: Script, *, call_sid: str, dial_status: str, call_status: str
) -> str:
    """The transfer's Dial ended. Only a whisper accepted by key counts as taken: a voicemail
    that picked up the staff phone does not."""
    async with edge.pool.acquire() as conn, conn.transaction():
        call = await calls.get(conn, call_sid, lock=True)
        if call is None:
            raise UnknownCall(call_sid)
        spa = edge.spas.get(call.spa_id)
        if call.staff_accepted and dial_status in _CONNECTED:
            return script.hang_up()
        promise = await owe_callback(edge, conn, call, spa, "transfer_unanswered")
    log.info("warm transfer unanswered", extra={"call_sid": call_sid, "dial": dial_status})
    if call_status == "completed":
        return script.hang_up()  # the caller already left; the callback stands
    callback = script.callback(spa, promise, edge.clock())
    return script.say_and_hang_up(
        spa, [script.line("voice.transfer_unanswered", callback=callback)]
    )
