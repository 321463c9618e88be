"""Deposit events from payments: a paid deposit confirms its hold, a lapsed link releases it.

Each runs in the consumer's transaction with its inbox row, so a redelivered
event changes nothing; a refusal rolls back to a savepoint and is logged,
because redelivering it would not change the answer.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg
from google.protobuf.message import Message

from medspa.events.v1 import deposit_pb2
from medspa_kit.envelope import Envelope
from scheduler.adapters import pg_rows as rows
from scheduler.adapters.changes import Changes
from scheduler.domain.appointments import Status
from scheduler.domain.errors import SchedulingError

log = logging.getLogger(__name__)


def _key(appointment_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(appointment_id)
    except ValueError:
        return None


class DepositHandlers:
    def __init__(self, changes: Changes) -> None:
        self._changes = changes

    async def paid(self, conn: asyncpg.Connection, envelope: Envelope, message: Message) -> None:
        assert isinstance(message, deposit_pb2.DepositPaid)
        key = _key(message.appointment_id)
        if key is None:
            log.warning("deposit.paid names no appointment", extra={"event_id": envelope.id})
            return
        try:
            async with conn.transaction():
                await self._changes.confirm(
                    conn,
                    envelope.spa_id,
                    key,
                    f"deposit.paid:{message.deposit_id or envelope.id}",
                    paid=True,
                )
        except SchedulingError as error:
            # Payments saw the booking.cancelled that released this hold and refunds.
            log.warning(
                "deposit paid for an appointment that cannot be confirmed",
                extra={"appointment_id": message.appointment_id, "reason": str(error)},
            )

    async def expired(self, conn: asyncpg.Connection, envelope: Envelope, message: Message) -> None:
        assert isinstance(message, deposit_pb2.DepositExpired)
        key = _key(message.appointment_id)
        if key is None:
            return
        appt = await rows.load(conn, envelope.spa_id, key, lock=True)
        if appt is not None and appt.status is Status.HELD:
            await self._changes.release(conn, appt)
