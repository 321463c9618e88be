"""The events (and the one command) payments consumes, each through the kit's idempotent consumer
(one transaction with its inbox row, so a redelivery changes nothing)."""

from __future__ import annotations

from medspa_kit.consumer import Consumer
from payments.flow.evidence import PolicyEvidence
from payments.flow.outcomes import BookingOutcomes
from payments.flow.refunds import RefundRetries
from payments.flow.request import DepositRequests

HELD_WORKERS = 4


def register(
    consumer: Consumer,
    requests: DepositRequests,
    outcomes: BookingOutcomes,
    evidence: PolicyEvidence,
    refunds: RefundRetries,
) -> None:
    # Making a link waits on the provider, so several pullers share booking.held's
    # durable consumer (as replicas would); per-appointment and per-patient locks
    # keep them from deciding about the same booking or credit at once.
    for _ in range(HELD_WORKERS):
        consumer.register("evt", "booking.held", requests.on_held)
    for ended in ("booking.cancelled", "booking.no_show", "booking.completed"):
        consumer.register("evt", ended, outcomes.on_booking_end)
    consumer.register("evt", "booking.rescheduled", outcomes.on_rescheduled)
    consumer.register("evt", "policy.told", evidence.on_told)
    consumer.register("cmd", "refund.retry", refunds.on_retry)
