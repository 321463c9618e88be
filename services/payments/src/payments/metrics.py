"""Payments' own Prometheus figures, on the kit's `/metrics` beside its event and
outbox ones. Labels are states only: never a patient, an amount or a reference.

A transition is counted once its transaction commits, and only then: it sends a
NOTIFY in that transaction (PostgreSQL delivers it at commit, never for a
rollback), and this process counts the notifications it sent itself (every
replica hears every replica's). A redelivered event, a retried job or a
rolled-back webhook therefore never counts twice.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg
from prometheus_client import Counter

from payments.domain.deposit import Purpose, State

log = logging.getLogger(__name__)

DEPOSITS = Counter(
    "medspa_payments_deposits",
    "Deposits reaching a state, counted when the change commits. requested, paid, expired"
    " (lapsed or declined), refunded, forfeited, credited; cards on file for the no-show fee:"
    " card_requested, card_saved, card_expired; the fee: no_show_charged, charge_failed.",
    ["state"],
)
REFUND_FAILURES = Counter(
    "medspa_payments_refund_failures",
    "Refunds the provider accepted and then could not return (or refused at once).",
)
TALLY_CHANNEL = "payments_tally"
_DEPOSIT_LABELS = {
    State.REQUESTED: "requested",
    State.PAID: "paid",
    State.EXPIRED: "expired",
    State.DECLINED: "expired",
    State.REFUNDED: "refunded",
    State.FORFEITED: "forfeited",
    State.CREDITED: "credited",
    State.FEE_CHARGED: "no_show_charged",
    State.FEE_FAILED: "charge_failed",
}
_CARD_LABELS = {
    State.REQUESTED: "card_requested",
    State.CARD_SAVED: "card_saved",
    State.EXPIRED: "card_expired",
    State.DECLINED: "card_expired",
    State.FEE_CHARGED: "no_show_charged",
    State.FEE_FAILED: "charge_failed",
}
REFUND_FAILED = "refund_failed"
STATES = sorted({*_DEPOSIT_LABELS.values(), *_CARD_LABELS.values()})


def label(purpose: Purpose, state: State) -> str | None:
    """What reaching `state` counts as, or None for states not counted."""
    if state is State.REFUND_FAILED:
        return REFUND_FAILED
    labels = _CARD_LABELS if purpose is Purpose.CARD else _DEPOSIT_LABELS
    return labels.get(state)


class Tally:
    """Counts this process's committed transitions (see the module's docstring)."""

    def __init__(self) -> None:
        self._instance = uuid.uuid4().hex[:16]
        # Every series exists from the start, so a rate over it is never missing.
        for state in STATES:
            DEPOSITS.labels(state)

    async def record(self, conn: asyncpg.Connection, what: str, history_id: int) -> None:
        """Count `what` when the caller's transaction commits. The history id keeps
        the payload unique (PostgreSQL folds identical notifications in one transaction)."""
        await conn.execute(
            "SELECT pg_notify($1, $2)", TALLY_CHANNEL, f"{self._instance}:{what}:{history_id}"
        )

    def heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        instance, _, rest = payload.partition(":")
        if instance != self._instance:
            return
        what = rest.partition(":")[0]
        if what == REFUND_FAILED:
            REFUND_FAILURES.inc()
        elif what in STATES:
            DEPOSITS.labels(what).inc()
