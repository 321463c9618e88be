"""Refunds that fail after the provider accepted them, and staff retrying them.

A card refund can fail days later (a closed card): Stripe says so with
`refund.failed` (or `charge.refund.updated` with status `failed`), often both.
The failure is recorded once per refund (failed_refunds), the money goes back
to being held against the deposit, and deposit.refund_failed tells staff.
Nothing refunds it again by itself: a card that refused a refund would likely
refuse the next one too, so a retry is staff's call, made with a new idempotency
key (`refund:<deposit>:<attempt>`), and only after a failure was recorded.
"""

from __future__ import annotations

import logging

import asyncpg
from google.protobuf.message import Message

from medspa.commands.v1 import commands_pb2
from medspa_kit.envelope import Envelope
from payments.adapters import ledger, rows
from payments.adapters.rows import Record
from payments.domain.deposit import State
from payments.domain.machine import RefundFailed, RetryRefund
from payments.domain.money import Money
from payments.flow.transitions import Detail, Transitions

log = logging.getLogger(__name__)


async def refund_failed(
    conn: asyncpg.Connection,
    transitions: Transitions,
    record: Record,
    refund_ref: str,
    reason: str,
    detail: Detail,
    *,
    ours: bool,
) -> Record | None:
    """Record that `refund_ref` failed; None when that changes nothing (a repeat, a
    failure of an earlier attempt, a refund that is not this deposit's current one).

    `ours`: the refund names this deposit (its metadata), so while the deposit's
    refund is still pending, a failure reported before our own answer was written
    can be taken as this refund's. The caller holds the deposit's row lock."""
    state = record.deposit.state
    current = (state is State.REFUNDED and refund_ref == record.refund_ref) or (
        state is State.REFUND_PENDING and ours
    )
    if not current or not refund_ref:
        log.info(
            "a refund failure that is not this deposit's current refund",
            extra={"deposit_id": record.id, "state": state.value},
        )
        return None
    first = await conn.fetchval(
        "INSERT INTO failed_refunds (refund_ref, deposit_id, attempt, reason)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
        refund_ref,
        rows.as_uuid(record.id),
        record.refund_attempt,
        reason,
    )
    if not first:
        return None
    currency = record.deposit.amount.currency
    back = (
        await ledger.refunded_to_card(conn, record.id, currency)
        if state is State.REFUNDED
        else Money.zero(currency)
    )
    trigger = RefundFailed(refund_ref, reason or "unknown", back)
    return await transitions.fire(
        conn, record, trigger, {**detail, "attempt": record.refund_attempt}
    )


async def retry_refund(
    conn: asyncpg.Connection,
    transitions: Transitions,
    deposit_id: str,
    actor: str,
    *,
    attempt: int | None = None,
) -> Record | None:
    """Staff ask for a failed refund again; None when the deposit has no failed refund,
    or (given `attempt`) when its failure is not that attempt's: a late ask about an
    earlier failure never retries a newer one nobody has looked at. Call inside the
    caller's transaction."""
    record = await rows.load(conn, deposit_id, lock=True)
    if record is None or record.deposit.state is not State.REFUND_FAILED:
        return None
    if attempt is not None and record.refund_attempt != attempt:
        return None
    return await transitions.fire(conn, record, RetryRefund(), {"actor": actor})


class RefundRetries:
    """refund.retry, the console's command once staff sorted out the patient's card."""

    def __init__(self, transitions: Transitions) -> None:
        self._transitions = transitions

    async def on_retry(
        self, conn: asyncpg.Connection, envelope: Envelope, command: Message
    ) -> None:
        assert isinstance(command, commands_pb2.RetryRefund)
        if rows.as_uuid(command.deposit_id) is None:
            log.warning("refund.retry names no deposit", extra={"command_id": command.command_id})
            return
        retried = await retry_refund(
            conn,
            self._transitions,
            command.deposit_id,
            f"staff:{command.staff_id}" if command.staff_id else "staff",
            attempt=command.attempt or None,
        )
        log.info(
            "refund retried" if retried else "refund retry changed nothing",
            extra={"deposit_id": command.deposit_id, "attempt": command.attempt},
        )
