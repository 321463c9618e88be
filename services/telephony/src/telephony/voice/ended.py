"""Twilio's final status for a call: `call.ended`, and `call.missed` when nobody served it."""

from __future__ import annotations

import logging

from medspa.events.v1 import telephony_pb2
from medspa_kit.crypto import Purpose
from telephony.adapters import calls_store as calls
from telephony.context import Edge
from telephony.domain.missed import FINAL_STATUSES, EndedCall, missed_reason

log = logging.getLogger(__name__)


async def call_status(
    edge: Edge,
    *,
    call_sid: str,
    status: str,
    duration_seconds: int | None,
    answered_by: str | None,
    command_id: str | None,
) -> None:
    if status not in FINAL_STATUSES:
        return  # ringing, in-progress: nothing to record
    edge.call_facts.forget(call_sid)
    async with edge.pool.acquire() as conn, conn.transaction():
        if command_id:
            # A call we placed that never reached the answer webhook (no-answer, busy).
            await calls.ensure_outbound(conn, call_sid, command_id)
        call = await calls.end(
            conn, call_sid, status=status, duration_seconds=duration_seconds, answered=answered_by
        )
        if call is None:
            return  # unknown, or Twilio retried a callback already applied
        now = edge.clock()
        ended = telephony_pb2.CallEnded(
            spa_id=call.spa_id,
            call_sid=call_sid,
            status=status,
            duration_seconds=duration_seconds or 0,
            direction="inbound" if call.inbound else "outbound",
            answered_by=call.answered_by or "",
            command_id=call.command_id or "",
        )
        ended.ended_at.FromDatetime(now)
        await edge.publish(conn, call.spa_id, ended, f"call-ended-{call_sid}")
        reason = missed_reason(
            EndedCall(
                inbound=call.inbound,
                status=status,
                phase=call.phase,
                caller_turns=call.caller_turns,
                staff_missed=call.staff_missed,
            )
        )
        if reason is not None:
            missed = telephony_pb2.CallMissed(
                spa_id=call.spa_id,
                call_sid=call_sid,
                from_phone=edge.cipher.seal(
                    edge.cipher.decrypt(call.phone, Purpose.PHONE), Purpose.PHONE
                ),
                reason=reason.value,
            )
            missed.missed_at.FromDatetime(now)
            await edge.publish(conn, call.spa_id, missed, f"call-missed-{call_sid}")
    log.info(
        "call ended",
        extra={"call_sid": call_sid, "status": status, "missed": reason.value if reason else None},
    )
