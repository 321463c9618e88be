"""The console's own Prometheus figures, on the kit's `/metrics` beside its event and outbox
ones. Labels are priorities and kinds only: never a patient, a number or a staff member."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

PRIORITIES = ("urgent", "high", "normal")
KINDS = ("handoff", "draft", "callback")
MONEY_KINDS = ("refund_failed", "fee_owed")

HANDOFFS_OPEN = Gauge(
    "medspa_console_handoffs_open",
    "Handoffs waiting for staff: handed over and not yet claimed (sampled from the table;"
    " every replica reports the same spa-wide figure, so aggregate with max).",
    ["priority"],
)
PAYMENT_ISSUES_OPEN = Gauge(
    "medspa_console_payment_issues_open",
    "Refunds that did not reach the patient and no-show fees owed, not yet sorted out by staff"
    " (sampled from the table, every spa; aggregate with max).",
    ["kind"],
)
HANDOFF_RESPONSE_SECONDS = Histogram(
    "medspa_console_handoff_response_seconds",
    "From a handoff reaching the console to staff claiming it (by claim, first reply, call"
    " back, or resolving it unclaimed).",
    ["priority"],
    buckets=(15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400),
)
DEADLINE_BREACHES = Counter(
    "medspa_console_deadline_breaches",
    "Response deadlines passed unanswered (one per handoff, shadow draft or callback, counted"
    " by the replica whose sweep raised its alert).",
    ["kind"],
)

for _priority in PRIORITIES:
    HANDOFF_RESPONSE_SECONDS.labels(_priority)
for _kind in KINDS:
    DEADLINE_BREACHES.labels(_kind)


def claimed(priority: str, requested_at: datetime, claimed_at: datetime) -> None:
    waited = max((claimed_at - requested_at).total_seconds(), 0.0)
    HANDOFF_RESPONSE_SECONDS.labels(priority).observe(waited)


def open_handoffs(counts: dict[str, int]) -> None:
    """Set the gauge for every priority, zero for those with nothing waiting."""
    for priority in PRIORITIES:
        HANDOFFS_OPEN.labels(priority).set(counts.get(priority, 0))


def open_payment_issues(counts: dict[str, int]) -> None:
    for kind in MONEY_KINDS:
        PAYMENT_ISSUES_OPEN.labels(kind).set(counts.get(kind, 0))
