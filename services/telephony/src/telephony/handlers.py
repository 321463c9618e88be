"""Commands telephony carries out: texts out through Twilio."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import telephony_pb2
from medspa_kit import outbox
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory
from telephony.adapters.twilio_rest import SendRejected, TwilioMessages

log = logging.getLogger(__name__)


class SendMessageHandler:
    def __init__(
        self,
        messages: TwilioMessages,
        cipher: FieldCipher,
        spas: SpaDirectory,
        namespace: str,
        status_callback_url: str | None,
    ) -> None:
        self._messages = messages
        self._cipher = cipher
        self._spas = spas
        self._namespace = namespace
        self._status_callback_url = status_callback_url

    async def __call__(
        self, conn: asyncpg.Connection, envelope: Envelope, command: commands_pb2.SendMessage
    ) -> None:
        # The command id makes a send idempotent even if the command is re-issued
        # under a new envelope.
        if await conn.fetchval(
            "SELECT 1 FROM outbound_messages WHERE command_id = $1", command.command_id
        ):
            return
        spa = self._spas.get(envelope.spa_id)
        to = self._cipher.open(command.to_phone, Purpose.PHONE)
        body = self._cipher.open(command.body, Purpose.SMS_BODY)
        try:
            sent = await self._messages.send(
                to=to,
                from_=spa.phone_numbers[0],
                body=body,
                status_callback=self._status_callback_url,
            )
        except SendRejected as exc:
            log.warning(
                "twilio refused a text", extra={"command_id": command.command_id, "code": exc.code}
            )
            await conn.execute(
                "INSERT INTO outbound_messages (command_id, spa_id, conversation_id, purpose, status,"
                " error) VALUES ($1, $2, $3, $4, 'failed', $5)",
                command.command_id,
                spa.id,
                command.conversation_id,
                command.purpose,
                str(exc.code),
            )
            return
        await conn.execute(
            "INSERT INTO outbound_messages (command_id, spa_id, message_sid, conversation_id, purpose,"
            " status, num_segments) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            command.command_id,
            spa.id,
            sent.sid,
            command.conversation_id,
            command.purpose,
            sent.status,
            sent.num_segments,
        )
        event = telephony_pb2.MessageSent(
            spa_id=spa.id,
            command_id=command.command_id,
            message_sid=sent.sid,
            num_segments=sent.num_segments,
            conversation_id=command.conversation_id,
        )
        event.sent_at.FromDatetime(datetime.now(UTC))
        await outbox.record(
            conn,
            Envelope.wrap(spa.id, event, "telephony", event_id=f"sent-{command.command_id}"),
            self._namespace,
        )
        await audit(
            conn,
            actor="telephony",
            action="send",
            subject_type="sms",
            subject_id=sent.sid,
            fields=["phone", "body"],
            purpose=command.purpose or "reply",
            spa_id=spa.id,
        )
        log.info("sms sent", extra={"sid": sent.sid, "segments": sent.num_segments})
