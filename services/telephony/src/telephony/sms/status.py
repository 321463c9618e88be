"""Delivery status callbacks for outbound texts, applied in order, announced as `message.status`."""

from __future__ import annotations

import logging

from medspa.events.v1 import telephony_pb2
from telephony.adapters import messages_store as messages
from telephony.context import Edge
from telephony.metrics import DELIVERY_STATUSES, OUTBOUND, count_message

log = logging.getLogger(__name__)


async def message_status(
    edge: Edge, *, command_id: str | None, sid: str, status: str, error: str | None
) -> None:
    async with edge.pool.acquire() as conn, conn.transaction():
        change = await messages.apply_status(
            conn, command_id=command_id, sid=sid, status=status, error=error
        )
        if change is None:
            log.info("status callback ignored", extra={"sid": sid, "status": status})
            return
        event = telephony_pb2.MessageStatus(
            spa_id=change.spa_id,
            message_sid=sid,
            status=status,
            error_code=error or "",
            command_id=change.command_id,
        )
        await edge.publish(conn, change.spa_id, event, f"status-{sid}-{status}")
    if status in DELIVERY_STATUSES:
        count_message(OUTBOUND, status)
    log.info("message status", extra={"sid": sid, "status": status})
