"""`cmd.message.send`: accept a text for sending, or refuse it now.

Idempotent by command id (whatever envelope carries it). An opted-out number is refused here
and again at the moment of sending, whoever asked. An accepted text joins its sender number's
queue at the next moment the number's pace allows.
"""

from __future__ import annotations

import logging

import asyncpg

from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import telephony_pb2
from medspa_kit import outbox
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory, UnknownSpa
from telephony.adapters import messages_store as messages
from telephony.adapters.optouts_store import OptOuts
from telephony.context import SOURCE
from telephony.domain.segments import MAX_BODY_CHARS, count
from telephony.metrics import OUTBOUND, count_message
from telephony.numbers import e164_or_none

log = logging.getLogger(__name__)


async def report_unsent(
    conn: asyncpg.Connection,
    namespace: str,
    *,
    spa_id: str,
    command_id: str,
    status: str,
    error: str,
) -> None:
    """`message.status` for a text that never reached Twilio, so its sender learns why."""
    event = telephony_pb2.MessageStatus(
        spa_id=spa_id, status=status, error_code=error, command_id=command_id
    )
    envelope = Envelope.wrap(spa_id, event, SOURCE, event_id=f"status-{command_id}-{status}")
    await outbox.record(conn, envelope, namespace)


class SendMessageHandler:
    def __init__(
        self,
        cipher: FieldCipher,
        spas: SpaDirectory,
        optouts: OptOuts,
        namespace: str,
        *,
        segments_per_second: float,
    ) -> None:
        self._cipher = cipher
        self._spas = spas
        self._optouts = optouts
        self._namespace = namespace
        self._rate = segments_per_second

    async def __call__(
        self, conn: asyncpg.Connection, envelope: Envelope, command: commands_pb2.SendMessage
    ) -> None:
        if await messages.exists(conn, command.command_id):
            return
        try:
            spa = self._spas.get(envelope.spa_id)
        except UnknownSpa:
            log.error("message.send for an unknown spa dropped", extra={"spa_id": envelope.spa_id})
            return
        to = e164_or_none(self._cipher.open(command.to_phone, Purpose.PHONE))
        body = self._cipher.open(command.body, Purpose.SMS_BODY)
        refusal = self._refusal(to, body)
        if (
            refusal is None
            and to is not None
            and await self._optouts.is_opted_out(conn, spa.id, to)
        ):
            refusal = ("refused", "opted_out")
        if refusal is not None:
            state, error = refusal
            await self._unsent(conn, spa.id, command, state, error)
            count_message(OUTBOUND, "refused_optout" if error == "opted_out" else "failed")
            return
        assert to is not None
        sender = spa.phone_numbers[0]
        segments = count(body).count
        send_at = await messages.reserve_slot(conn, sender, segments, self._rate)
        await messages.enqueue(
            conn,
            command_id=command.command_id,
            spa_id=spa.id,
            conversation_id=command.conversation_id,
            purpose=command.purpose,
            sender=sender,
            to_phone=self._cipher.encrypt(to, Purpose.PHONE),
            body=self._cipher.encrypt(body, Purpose.SMS_BODY),
            segments=segments,
            not_before=send_at,
        )
        log.info("text queued", extra={"command_id": command.command_id, "segments": segments})

    @staticmethod
    def _refusal(to: str | None, body: str) -> tuple[str, str] | None:
        if to is None:
            return ("rejected", "invalid_number")
        if not body.strip():
            return ("rejected", "empty_body")
        if len(body) > MAX_BODY_CHARS:
            return ("rejected", "body_too_long")
        return None

    async def _unsent(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        command: commands_pb2.SendMessage,
        state: str,
        error: str,
    ) -> None:
        await messages.record_unsent(
            conn,
            command_id=command.command_id,
            spa_id=spa_id,
            conversation_id=command.conversation_id,
            purpose=command.purpose,
            state=state,
            error=error,
        )
        await report_unsent(
            conn,
            self._namespace,
            spa_id=spa_id,
            command_id=command.command_id,
            status="refused" if state == "refused" else "failed",
            error=error,
        )
        await audit(
            conn,
            actor=SOURCE,
            action="refuse_send",
            subject_type="sms",
            subject_id=command.command_id,
            fields=["phone"],
            purpose=error,
            spa_id=spa_id,
        )
        log.warning("text not sent", extra={"command_id": command.command_id, "error": error})
