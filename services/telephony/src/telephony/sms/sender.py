"""The sender: sends queued texts when they fall due, retrying what Twilio did not take.

Workers (in every replica) claim one due text at a time with SKIP LOCKED. 429 and 5xx are
retried with backoff; an answer that timed out is looked up at Twilio before the text is sent
again, so nothing goes out twice; the opt-out list is checked once more right before sending,
since a STOP may have arrived while the text waited its turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import asyncpg

from medspa.events.v1 import telephony_pb2
from medspa_kit import outbox
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, KeyringError, Purpose
from medspa_kit.envelope import Envelope
from telephony import paths
from telephony.adapters import messages_store as messages
from telephony.adapters.optouts_store import OptOuts
from telephony.adapters.twilio_rest import Accepted, TwilioFailure, TwilioGateway
from telephony.context import SOURCE, utc_now
from telephony.domain.retry import Failure, backoff_seconds
from telephony.metrics import OUTBOUND, count_message
from telephony.sms.send import report_unsent

log = logging.getLogger(__name__)

# The longest a worker sleeps before looking for due texts without being woken.
_IDLE_POLL_S = 1.0


@dataclass(frozen=True)
class SenderPolicy:
    workers: int
    max_attempts: int
    retry_base_s: float
    retry_cap_s: float
    # A text claimed longer ago than this belonged to a worker that died mid-attempt.
    lease_s: float


class Sender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        gateway: TwilioGateway,
        cipher: FieldCipher,
        optouts: OptOuts,
        namespace: str,
        *,
        public_url: str,
        policy: SenderPolicy,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._pool = pool
        self._gateway = gateway
        self._cipher = cipher
        self._optouts = optouts
        self._namespace = namespace
        self._status_url = public_url.rstrip("/") + paths.SMS_STATUS
        self._policy = policy
        self._clock = clock
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        listener = await self._pool.acquire()
        await listener.add_listener(messages.WAKE_CHANNEL, self._on_notify)
        try:
            await asyncio.gather(*(self._work(stop) for _ in range(self._policy.workers)))
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(messages.WAKE_CHANNEL, self._on_notify)
            await self._pool.release(listener)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _work(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before looking, so a wake-up during the look is not lost.
            self._wake.clear()
            idle_s = _IDLE_POLL_S
            try:
                sent_one, idle_s = await self._send_one_or_wait()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "sender could not reach the database", extra={"error": type(exc).__name__}
                )
                sent_one = False
            except Exception:
                # One bad text must not stop the sender for everyone else.
                log.exception("sender failed on a text; carrying on")
                sent_one = False
            if not sent_one:
                await _wait_either(stop, self._wake, idle_s)

    async def _send_one_or_wait(self) -> tuple[bool, float]:
        """Send (or settle) one due text; when none is due, how long to wait for one (at most
        the idle poll). An idle look is two statements on one connection."""
        due_in: float | None = None
        async with self._pool.acquire() as conn:
            job = await messages.claim_due(conn, self._policy.lease_s)
            if job is None:
                due_in = await messages.seconds_until_due(conn)
        if job is None:
            idle_s = _IDLE_POLL_S if due_in is None else min(_IDLE_POLL_S, max(0.01, due_in))
            return False, idle_s
        await self._send(job)
        return True, 0.0

    async def _send(self, job: messages.Job) -> None:
        try:
            to = self._cipher.decrypt(job.to_phone, Purpose.PHONE)
            body = self._cipher.decrypt(job.body, Purpose.SMS_BODY)
        except KeyringError:
            # Sealed under a key this replica does not have: retrying will not help.
            await self._settle_unsent(job, "abandoned", "unreadable")
            return
        async with self._pool.acquire() as conn:
            opted_out = await self._optouts.is_opted_out(conn, job.spa_id, to)
        if opted_out:
            await self._settle_unsent(job, "refused", "opted_out")
            return
        try:
            accepted = None
            if job.uncertain_since is not None:
                accepted = await self._gateway.find_message(
                    to=to, from_=job.sender, body=body, since=job.uncertain_since
                )
                if accepted is not None:
                    log.info("timed-out send had gone through", extra={"sid": accepted.sid})
            if accepted is None:
                accepted = await self._gateway.send_message(
                    to=to,
                    from_=job.sender,
                    body=body,
                    status_callback=f"{self._status_url}?cid={quote(job.command_id, safe='')}",
                )
        except TwilioFailure as failure:
            await self._failed(job, failure)
            return
        await self._sent(job, accepted)

    async def _sent(self, job: messages.Job, accepted: Accepted) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await messages.accepted(
                conn,
                job.command_id,
                sid=accepted.sid,
                status=accepted.status,
                segments=accepted.num_segments,
            )
            event = telephony_pb2.MessageSent(
                spa_id=job.spa_id,
                command_id=job.command_id,
                message_sid=accepted.sid,
                num_segments=accepted.num_segments,
                conversation_id=job.conversation_id,
            )
            event.sent_at.FromDatetime(self._clock())
            envelope = Envelope.wrap(job.spa_id, event, SOURCE, event_id=f"sent-{job.command_id}")
            await outbox.record(conn, envelope, self._namespace)
            await audit(
                conn,
                actor=SOURCE,
                action="send",
                subject_type="sms",
                subject_id=accepted.sid,
                fields=["phone", "body"],
                purpose=job.purpose or "reply",
                spa_id=job.spa_id,
            )
        count_message(OUTBOUND, "sent")
        log.info(
            "sms sent",
            extra={"sid": accepted.sid, "segments": accepted.num_segments, "attempt": job.attempts},
        )

    async def _failed(self, job: messages.Job, failure: TwilioFailure) -> None:
        if failure.failure is Failure.FINAL:
            await self._settle_unsent(job, "rejected", str(failure.code or failure.http))
            return
        if job.attempts >= self._policy.max_attempts:
            await self._settle_unsent(job, "abandoned", "retries_exhausted")
            return
        delay = backoff_seconds(
            job.attempts,
            base=self._policy.retry_base_s,
            cap=self._policy.retry_cap_s,
            jitter=random.random(),
        )
        async with self._pool.acquire() as conn:
            await messages.retry_later(
                conn, job.command_id, delay, uncertain=failure.failure is Failure.AMBIGUOUS
            )
        log.warning(
            "sms send failed, will retry",
            extra={
                "command_id": job.command_id,
                "attempt": job.attempts,
                "failure": failure.failure.value,
                "http": failure.http,
                "retry_in_s": round(delay, 2),
            },
        )

    async def _settle_unsent(self, job: messages.Job, state: str, error: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await messages.give_up(conn, job.command_id, state=state, error=error)
            await report_unsent(
                conn,
                self._namespace,
                spa_id=job.spa_id,
                command_id=job.command_id,
                status="refused" if state == "refused" else "failed",
                error=error,
            )
        count_message(OUTBOUND, "refused_optout" if error == "opted_out" else "failed")
        log.warning("sms not sent", extra={"command_id": job.command_id, "error": error})


async def _wait_either(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
