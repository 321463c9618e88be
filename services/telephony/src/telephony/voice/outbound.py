"""Calls the spa places (`cmd.call.place`): through the Calls API with answering-machine
detection; a person hears the script and talks with the assistant, a machine hears only the
voicemail-safe message (the spa's name and number, nothing about the patient).
"""

from __future__ import annotations

import asyncio
import logging
import random
from urllib.parse import quote

import asyncpg

from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import telephony_pb2
from medspa_kit import outbox
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory, UnknownSpa
from telephony import paths
from telephony.adapters import calls_store as calls
from telephony.adapters.twilio_rest import TwilioFailure, TwilioGateway
from telephony.context import SOURCE, Edge
from telephony.domain.missed import Phase
from telephony.domain.retry import Failure, backoff_seconds
from telephony.errors import UnknownCall
from telephony.numbers import e164_or_none
from telephony.voice.script import Script

log = logging.getLogger(__name__)

# Attempts inside one delivery of the command; past them the command is redelivered later.
_INLINE_ATTEMPTS = 3
_MACHINE = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")


class PlaceCallHandler:
    def __init__(
        self,
        pool: asyncpg.Pool,
        gateway: TwilioGateway,
        cipher: FieldCipher,
        spas: SpaDirectory,
        namespace: str,
        *,
        public_url: str,
        time_limit_s: int,
        retry_base_s: float,
    ) -> None:
        self._pool = pool
        self._gateway = gateway
        self._cipher = cipher
        self._spas = spas
        self._namespace = namespace
        self._public_url = public_url.rstrip("/")
        self._time_limit_s = time_limit_s
        self._retry_base_s = retry_base_s

    async def __call__(
        self, conn: asyncpg.Connection, envelope: Envelope, command: commands_pb2.PlaceCall
    ) -> None:
        # One delivery of a command at a time, across replicas: the next one sees its outcome.
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"call:{command.command_id}"
        )
        placed = await conn.fetchrow(
            "SELECT state, attempt_started_at FROM placed_calls WHERE command_id = $1",
            command.command_id,
        )
        if placed is not None and placed["state"] != "placing":
            return  # placed (or refused) already, under this or another envelope
        try:
            spa = self._spas.get(envelope.spa_id)
        except UnknownSpa:
            log.error("call.place for an unknown spa dropped", extra={"spa_id": envelope.spa_id})
            return
        to = e164_or_none(self._cipher.open(command.to_phone, Purpose.PHONE))
        if to is None:
            await self._refuse(conn, spa.id, command, "invalid_number")
            return
        await self._mark_attempt(command, spa.id, to)
        uncertain_since = placed["attempt_started_at"] if placed else None
        sid: str | None = None
        if uncertain_since is not None:
            # An earlier delivery may have placed it before dying: look before calling twice.
            sid = await self._gateway.find_call(
                to=to, from_=spa.phone_numbers[0], since=uncertain_since
            )
        if sid is None:
            try:
                sid = await self._place(command.command_id, to, spa.phone_numbers[0])
            except TwilioFailure as exc:
                if exc.failure is not Failure.FINAL:
                    raise  # redelivered later; the attempt mark makes it look first
                await self._refuse(conn, spa.id, command, str(exc.code or exc.http or "rejected"))
                return
        await conn.execute(
            "UPDATE placed_calls SET state = 'placed', call_sid = $2, attempt_started_at = NULL"
            " WHERE command_id = $1",
            command.command_id,
            sid,
        )
        await calls.ensure_outbound(conn, sid, command.command_id)
        await audit(
            conn,
            actor=SOURCE,
            action="call",
            subject_type="call",
            subject_id=sid,
            fields=["phone"],
            purpose=command.purpose or "outbound call",
            spa_id=spa.id,
        )
        log.info("call placed", extra={"call_sid": sid, "command_id": command.command_id})

    async def _mark_attempt(self, command: commands_pb2.PlaceCall, spa_id: str, to: str) -> None:
        # Committed on its own before Twilio is asked, so it survives a crash mid-request.
        async with self._pool.acquire() as marker:
            await marker.execute(
                "INSERT INTO placed_calls (command_id, spa_id, phone, script, purpose,"
                " conversation_id, state, attempt_started_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, 'placing', now())"
                " ON CONFLICT (command_id) DO UPDATE SET attempt_started_at ="
                " COALESCE(placed_calls.attempt_started_at, now())",
                command.command_id,
                spa_id,
                self._cipher.encrypt(to, Purpose.PHONE),
                command.script,
                command.purpose,
                command.conversation_id,
            )

    async def _place(self, command_id: str, to: str, from_: str) -> str:
        cid = quote(command_id, safe="")
        for attempt in range(1, _INLINE_ATTEMPTS + 1):
            try:
                return await self._gateway.place_call(
                    to=to,
                    from_=from_,
                    url=f"{self._public_url}{paths.OUTBOUND}?cid={cid}",
                    status_callback=f"{self._public_url}{paths.VOICE_STATUS}?cid={cid}",
                    time_limit_s=self._time_limit_s,
                )
            except TwilioFailure as exc:
                if exc.failure is not Failure.RETRY or attempt == _INLINE_ATTEMPTS:
                    raise
                delay = backoff_seconds(
                    attempt, base=self._retry_base_s, cap=10.0, jitter=random.random()
                )
                log.warning(
                    "placing a call failed, retrying",
                    extra={"command_id": command_id, "attempt": attempt, "http": exc.http},
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _refuse(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        command: commands_pb2.PlaceCall,
        reason: str,
    ) -> None:
        await conn.execute(
            "INSERT INTO placed_calls (command_id, spa_id, phone, purpose, conversation_id, state)"
            " VALUES ($1, $2, $3, $4, $5, 'rejected')"
            " ON CONFLICT (command_id) DO UPDATE SET state = 'rejected', attempt_started_at = NULL",
            command.command_id,
            spa_id,
            self._cipher.encrypt("", Purpose.PHONE),
            command.purpose,
            command.conversation_id,
        )
        # Outreach learns the call never happened, as it would learn of a call nobody answered.
        event = telephony_pb2.CallEnded(
            spa_id=spa_id, status="failed", direction="outbound", command_id=command.command_id
        )
        envelope = Envelope.wrap(
            spa_id, event, SOURCE, event_id=f"call-refused-{command.command_id}"
        )
        await outbox.record(conn, envelope, self._namespace)
        log.warning("call not placed", extra={"command_id": command.command_id, "reason": reason})


async def answered(
    edge: Edge, script: Script, *, call_sid: str, command_id: str, answered_by: str
) -> str:
    """A placed call was picked up: a person gets the script and the assistant, a machine the
    voicemail-safe message."""
    async with edge.pool.acquire() as conn, conn.transaction():
        call = await calls.ensure_outbound(conn, call_sid, command_id)
        if call is None:
            raise UnknownCall(call_sid)
        spa = edge.spas.get(call.spa_id)
        if answered_by in _MACHINE:
            await calls.answered_by(conn, call_sid, answered_by, Phase.CLOSING)
            return script.voicemail(spa)
        if answered_by == "fax":
            await calls.answered_by(conn, call_sid, answered_by, Phase.CLOSING)
            return script.hang_up()
        await calls.answered_by(conn, call_sid, answered_by or "unknown", Phase.ASSISTANT)
        text = await calls.outbound_script(conn, command_id)
    log.info("placed call answered", extra={"call_sid": call_sid, "answered_by": answered_by})
    return script.outbound_greeting(spa, text)
