"""Events the scheduler acts on.

Deposits from payments: a paid deposit confirms its hold, a lapsed link releases it.
Opt-outs from telephony: a number that texted STOP withdraws its patient's consent to
marketing texts.

Each runs in the consumer's transaction with its inbox row, so a redelivered
event changes nothing; a refusal rolls back to a savepoint and is logged,
because redelivering it would not change the answer.
"""

from __future__ import annotations

import logging
import re
import uuid

import asyncpg
from google.protobuf.message import Message

from medspa.events.v1 import deposit_pb2, telephony_pb2
from medspa_kit.crypto import KeyringError
from medspa_kit.envelope import Envelope
from scheduler.adapters import consent
from scheduler.adapters import pg_rows as rows
from scheduler.adapters.changes import Changes, digest
from scheduler.adapters.patients import Patients, e164
from scheduler.domain.appointments import Status
from scheduler.domain.consent import ConsentAnswer
from scheduler.domain.errors import InvalidRequest, SchedulingError

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


class OptoutHandlers:
    def __init__(self, patients: Patients) -> None:
        self._patients = patients

    async def changed(self, conn: asyncpg.Connection, envelope: Envelope, message: Message) -> None:
        """A number opted out of texts: its patient's consent to marketing texts is
        withdrawn as of the opt-out, unless they said yes again later (the latest answer
        stands). Opting back in to texts is not a yes to marketing, so it changes nothing."""
        assert isinstance(message, telephony_pb2.OptoutChanged)
        if not message.opted_out:
            return
        try:
            phone = e164(self._patients.open_phone(message.phone), "phone")
        except (KeyringError, InvalidRequest):
            log.warning("optout.changed names no readable number", extra={"event_id": envelope.id})
            return
        patient = await consent.locked(
            conn, envelope.spa_id, phone_index=self._patients.phone_index(phone)
        )
        if patient is None:
            return
        at = (
            message.changed_at.seconds
            if message.HasField("changed_at")
            else int(envelope.time.timestamp())
        )
        # The keyword names the wording answered ("optout:STOP"); only a plain word is kept.
        keyword = re.sub(r"[^A-Z0-9]", "", message.keyword.upper())[:32] or "STOP"
        await consent.record(
            conn,
            envelope.spa_id,
            patient,
            f"optout.changed:{envelope.id}",
            ConsentAnswer(granted=False, channel="sms", wording_ref=f"optout:{keyword}"),
            at,
            digest("optout.changed", envelope.id),
            purpose=f"texts opted out ({keyword})",
        )
