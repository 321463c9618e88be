"""The scheduler's own Prometheus metrics (the default registry, served on /metrics by the kit).

Labels name booking states and RPC methods only, never anything about a patient.

A booking change is counted once its transaction has committed: inside `counted()`
the changes are kept aside and counted when the block ends without an error, so a
change rolled back (a lost race retried, a refusal) is never counted. Outside it
(a hold's one-statement write, a change inside an event handler's transaction) the
caller counts after its own commit, or at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from prometheus_client import Counter, Histogram

BOOKING_STATES = ("held", "confirmed", "rescheduled", "cancelled", "completed", "no_show")

BOOKINGS = Counter(
    "medspa_scheduler_bookings_total",
    "Booking changes committed, by the state the booking moved to.",
    ["status"],
)
HOLD_CONFLICTS = Counter(
    "medspa_scheduler_hold_conflicts_total",
    "Hold writes refused by the exclusion constraint (another hold or visit took the time"
    " first, or the wait for it ended in a deadlock); the hold is then tried again or"
    " answered with alternatives.",
)
RPC_SECONDS = Histogram(
    "medspa_scheduler_rpc_seconds",
    "CalendarService calls, from decoding the request to the answer or refusal.",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
for _state in BOOKING_STATES:
    # Every state is exported from the start, so a rate over a quiet spell reads 0.
    BOOKINGS.labels(_state)

_PENDING: ContextVar[list[str] | None] = ContextVar("scheduler_pending_bookings", default=None)


def booked(status: str) -> None:
    """A booking moved to `status` (one of BOOKING_STATES)."""
    pending = _PENDING.get()
    if pending is None:
        BOOKINGS.labels(status).inc()
    else:
        pending.append(status)


@asynccontextmanager
async def counted() -> AsyncIterator[None]:
    """Count the booking changes made inside only if the block ends without an error:
    put it outside the transaction, so the count follows the commit."""
    pending: list[str] = []
    token = _PENDING.set(pending)
    try:
        yield
    finally:
        _PENDING.reset(token)
    for status in pending:
        BOOKINGS.labels(status).inc()
