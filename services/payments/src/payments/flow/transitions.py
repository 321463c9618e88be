"""Carrying out one step of the state machine inside the caller's transaction.

The row, its history, the ledger postings (one statement), the events owed
(outbox) and the provider work owed (jobs) are written together or not at all;
whoever calls holds the deposit's row lock, so concurrent reports are decided in turn.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import datetime

import asyncpg

from payments.adapters import jobs, rows
from payments.adapters.events import DepositEvents
from payments.adapters.rows import Record
from payments.domain.machine import (
    CardSaved,
    FeeCharged,
    FeeFailed,
    Job,
    JobKind,
    Paid,
    Publish,
    Refunded,
    RefundFailed,
    RetryRefund,
    Step,
    Trigger,
    step,
)
from payments.domain.money import Money
from payments.metrics import Tally, label
from payments.ports import Clock

Detail = dict[str, object]
JOBS_CHANNEL = "payments_jobs"


def trigger_name(trigger: Trigger) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(trigger).__name__).lower()


def job_key(record: Record, kind: JobKind) -> str:
    """The idempotency key of the provider or calendar call this job makes."""
    if kind is JobKind.REHOLD:
        # One re-hold per lapsed appointment: a re-held slot that lapses again is a new one.
        return f"rehold:{record.id}:{record.deposit.appointment_id}"
    if kind is JobKind.CHARGE_FEE:
        # One no-show fee per appointment, however often the no-show is reported.
        return f"no_show_fee:{record.deposit.appointment_id}"
    if kind is JobKind.REFUND and record.refund_attempt > 1:
        # A retry after a recorded failure is a new refund, so it needs a new key.
        return f"refund:{record.id}:{record.refund_attempt}"
    # A deposit's link is closed once, and its card money is collected (so refunded) once.
    return f"{kind.value}:{record.id}"


def _recorded(record: Record, trigger: Trigger, now: datetime) -> Record:
    """The references a trigger brings, kept on the row beside the deposit."""
    if isinstance(trigger, Paid):
        record = record.but(payment_ref=trigger.payment_ref or record.payment_ref, paid_at=now)
    if isinstance(trigger, Paid | CardSaved) and trigger.card_ref:
        record = record.but(card_ref=trigger.card_ref, customer_ref=trigger.customer_ref or None)
    if isinstance(trigger, Refunded | RefundFailed):
        record = record.but(refund_ref=trigger.refund_ref)
    if isinstance(trigger, RetryRefund):
        record = record.but(refund_attempt=record.refund_attempt + 1)
    if isinstance(trigger, FeeCharged | FeeFailed) and trigger.charge_ref:
        record = record.but(fee_ref=trigger.charge_ref)
    return record


class Transitions:
    def __init__(self, events: DepositEvents, clock: Clock, tally: Tally) -> None:
        self._events = events
        self._clock = clock
        self._tally = tally

    async def opened(
        self, conn: asyncpg.Connection, record: Record, opening: Step, detail: Detail
    ) -> None:
        """A new deposit row: insert it and carry out its opening step."""
        change = rows.Change(self._clock.now(), None, "requested", detail, opening.postings)
        history_id = await rows.insert(conn, record, change)
        await self._carry_out(conn, record, opening, history_id)

    async def fire(
        self, conn: asyncpg.Connection, record: Record, trigger: Trigger, detail: Detail
    ) -> Record | None:
        """Apply `trigger`; None when it changes nothing. The caller holds the row lock."""
        result = step(record.deposit, trigger)
        if result is None:
            return None
        now = self._clock.now()
        updated = _recorded(record.but(deposit=result.deposit), trigger, now)
        facts = {**detail, **_facts(trigger)}
        change = rows.Change(
            now, record.deposit.state, trigger_name(trigger), facts, result.postings
        )
        history_id = await rows.save(conn, updated, change)
        await self._carry_out(conn, updated, result, history_id)
        return updated

    async def note(
        self, conn: asyncpg.Connection, record: Record, what: str, detail: Detail
    ) -> None:
        """History without a change of state (a dispute opened, a booking moved)."""
        change = rows.Change(self._clock.now(), record.deposit.state, what, detail)
        await rows.save(conn, record, change)

    async def _carry_out(
        self, conn: asyncpg.Connection, record: Record, result: Step, history_id: int
    ) -> None:
        what = label(record.deposit.purpose, record.deposit.state)
        if what is not None:
            await self._tally.record(conn, what, history_id)
        for effect in result.effects:
            if isinstance(effect, Publish):
                await self._events.publish(conn, record, effect, result, history_id)
            else:
                await self._enqueue(conn, record, effect)

    async def _enqueue(self, conn: asyncpg.Connection, record: Record, job: Job) -> None:
        if job.kind is JobKind.REHOLD:
            await _note_rehold(conn, record)
        await jobs.enqueue(
            conn,
            record.id,
            job.kind,
            job_key(record, job.kind),
            job.amount.minor if job.amount else None,
            self._clock.now(),
        )
        # Wakes the worker at commit (on any replica); it also polls, so a lost notify only delays.
        await conn.execute("SELECT pg_notify($1, '')", JOBS_CHANNEL)


def _facts(trigger: Trigger) -> Detail:
    """The trigger's own fields for the history: ids, flags and amounts only."""
    facts: Detail = {}
    for field in fields(trigger):
        value = getattr(trigger, field.name)
        facts[field.name] = value.minor if isinstance(value, Money) else value
    return facts


async def _note_rehold(conn: asyncpg.Connection, record: Record) -> None:
    """Written before the calendar is asked, so the new hold's booking.held is known as ours."""
    await conn.execute(
        "INSERT INTO reholds (deposit_id, spa_id, service_id, patient_id, start)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (deposit_id) DO UPDATE"
        " SET start = EXCLUDED.start, new_appointment_id = NULL",
        rows.as_uuid(record.id),
        record.spa_id,
        record.service_id,
        record.patient_id,
        record.appointment_start,
    )
