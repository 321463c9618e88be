"""Does the provider and calendar work that committed changes owe: closing links,
refunds, holding a late payment's slot again, and charging a no-show fee to the
card the patient saved.

A job is claimed with FOR UPDATE SKIP LOCKED (replicas share the work) and done
in that transaction together with the deposit change it leads to. If the call
fails the job is retried later with the same idempotency key; if we crash after
the provider answered but before commit, the retry makes the same call, and the
provider answers it as it did the first time, so nothing is done twice.

A card that refuses the no-show fee (declined, or it needs its holder to
authenticate) is an answer, not a failure to retry: the fee is recorded as owed
and staff are told. Only an unreachable provider is asked again, with the same key.
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from payments.adapters import jobs, rows
from payments.adapters.events import DepositEvents
from payments.adapters.jobs import JobRow
from payments.adapters.rows import Record
from payments.domain.deposit import State
from payments.domain.machine import (
    FeeCharged,
    FeeFailed,
    JobKind,
    Paid,
    Refunded,
    Reheld,
    ReholdRefused,
    Trigger,
)
from payments.domain.money import Money
from payments.flow.evidence import PolicyEvidence
from payments.flow.refunds import refund_failed
from payments.flow.transitions import Transitions
from payments.ports import (
    Calendar,
    CalendarUnavailable,
    ChargeRequest,
    Clock,
    HoldAgain,
    HoldStatus,
    LinkStatus,
    PaymentProvider,
    ProviderRefused,
    ProviderUnavailable,
    SlotGone,
)

log = logging.getLogger(__name__)
# The scheduler has not yet let the lapsed hold go: look again soon.
NOT_RELEASED_YET_S = 2.0
NOT_RELEASED_TRIES = 10
_RETRYABLE = (ProviderUnavailable, ProviderRefused, CalendarUnavailable)


class NotReleasedYet(Exception):
    pass


class JobWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        transitions: Transitions,
        provider: PaymentProvider,
        calendar: Calendar,
        evidence: PolicyEvidence,
        events: DepositEvents,
        clock: Clock,
    ) -> None:
        self._events = events
        self._pool = pool
        self._transitions = transitions
        self._provider = provider
        self._calendar = calendar
        self._evidence = evidence
        self._clock = clock

    async def drain(self) -> datetime | None:
        """Do every due job; answers when the next one falls due."""
        while await self.run_one():
            pass
        async with self._pool.acquire() as conn:
            return await jobs.next_due(conn)

    async def run_one(self) -> bool:
        """Do the oldest due job; False when none is due."""
        now = self._clock.now()
        async with self._pool.acquire() as conn, conn.transaction():
            job = await jobs.claim(conn, now)
            if job is None:
                return False
            record = await rows.load(conn, job.deposit_id, lock=True)
            assert record is not None, "jobs reference their deposit"
            try:
                # A savepoint: a call that fails leaves no half-written change behind.
                async with conn.transaction():
                    await self._do(conn, job, record)
            except NotReleasedYet:
                # Soon at first; if the scheduler stays silent, the usual backoff.
                soon = NOT_RELEASED_YET_S if job.attempts < NOT_RELEASED_TRIES else None
                await jobs.retry(conn, job, now, "hold_not_released", delay_s=soon)
                return True
            except _RETRYABLE as exc:
                log.warning(
                    "provider job failed; will retry",
                    extra={
                        "job_id": job.id,
                        "kind": job.kind.value,
                        "attempt": job.attempts + 1,
                        "error": str(exc),
                    },
                )
                await jobs.retry(conn, job, now, f"{type(exc).__name__}: {exc}")
                return True
            await jobs.finish(conn, job.id, now)
        return True

    async def _do(self, conn: asyncpg.Connection, job: JobRow, record: Record) -> None:
        detail: dict[str, object] = {"job": job.kind.value, "job_id": job.id}
        trigger: Trigger | None
        if job.kind is JobKind.EXPIRE_LINK:
            trigger = await self._expire_link(job, record)
        elif job.kind is JobKind.REFUND:
            trigger = await self._refund(conn, job, record, detail)
        elif job.kind is JobKind.CHARGE_FEE:
            trigger = await self._charge_fee(job, record)
        else:
            trigger = await self._rehold(conn, job, record)
        if trigger is not None:
            await self._transitions.fire(conn, record, trigger, detail)

    async def _expire_link(self, job: JobRow, record: Record) -> Trigger | None:
        if not record.link_ref:
            return None
        state = await self._provider.expire_link(record.link_ref, job.idempotency_key)
        if state.status is LinkStatus.PAID and state.amount is not None:
            # The patient paid before the link closed; the webhook may be late or lost.
            return Paid(state.payment_ref, state.amount)
        return None

    async def _refund(
        self, conn: asyncpg.Connection, job: JobRow, record: Record, detail: dict[str, object]
    ) -> Trigger | None:
        if record.deposit.state is not State.REFUND_PENDING:
            return None
        if not record.payment_ref or job.amount_minor is None:
            raise ProviderRefused("refund without a payment to refund")
        amount = Money(job.amount_minor, record.deposit.amount.currency)
        refund = await self._provider.refund(
            record.id, record.payment_ref, amount, job.idempotency_key
        )
        if refund.failed:
            # Refused at once: recorded like a later failure, never asked again by itself.
            await refund_failed(
                conn, self._transitions, record, refund.ref, refund.reason, detail, ours=True
            )
            return None
        return Refunded(refund.ref)

    async def _charge_fee(self, job: JobRow, record: Record) -> Trigger | None:
        if record.deposit.state is not State.FEE_PENDING or job.amount_minor is None:
            return None
        amount = Money(job.amount_minor, record.deposit.amount.currency)
        if not record.card_ref:
            return FeeFailed("no_card", amount)
        request = ChargeRequest(
            deposit_id=record.id,
            spa_id=record.spa_id,
            appointment_id=record.deposit.appointment_id,
            card_ref=record.card_ref,
            customer_ref=record.customer_ref or "",
            amount=amount,
            description=self._events.fee_description(record),
            idempotency_key=job.idempotency_key,
        )
        try:
            result = await self._provider.charge_saved_card(request)
        except ProviderRefused as refused:
            # Not the card's answer but the request's (the card was removed, the key
            # revoked): asking again unchanged would be refused again. Staff are told.
            log.error(
                "the provider refused to charge the no-show fee",
                extra={"deposit_id": record.id, "error": str(refused)},
            )
            return FeeFailed("refused", amount)
        if result.charged:
            return FeeCharged(result.ref, amount)
        log.warning(
            "the saved card refused the no-show fee; staff are told",
            extra={"deposit_id": record.id, "reason": result.reason},
        )
        return FeeFailed(result.reason or "card_declined", amount, result.ref)

    async def _rehold(self, conn: asyncpg.Connection, job: JobRow, record: Record) -> Trigger:
        if record.deposit.state is not State.LATE_PAID:
            return ReholdRefused("not_late")
        status = await self._calendar.status(record.spa_id, record.deposit.appointment_id)
        if status is HoldStatus.HELD:
            # Our deposit.expired is on its way to the scheduler; holding now would
            # collide with the patient's own lapsing hold.
            raise NotReleasedYet
        if status is HoldStatus.CONFIRMED:
            return Reheld(record.deposit.appointment_id)
        if status is HoldStatus.GONE:
            return ReholdRefused("booking_ended")
        if record.appointment_start <= self._clock.now():
            return ReholdRefused("too_late")
        phone = await self._evidence.phone_for(conn, record)
        if phone is None:
            return ReholdRefused("no_contact")
        try:
            appointment_id = await self._calendar.hold(
                HoldAgain(
                    spa_id=record.spa_id,
                    request_id=job.idempotency_key,
                    service_id=record.service_id,
                    provider_id=record.provider_id,
                    start=record.appointment_start,
                    patient_phone=phone,
                    conversation_id=record.conversation_id,
                )
            )
        except SlotGone as gone:
            return ReholdRefused(gone.reason)
        await conn.execute(
            "UPDATE reholds SET new_appointment_id = $2 WHERE deposit_id = $1",
            rows.as_uuid(record.id),
            appointment_id,
        )
        return Reheld(appointment_id)
