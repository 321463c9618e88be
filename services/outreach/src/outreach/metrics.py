"""Outreach's own Prometheus figures, on the kit's `/metrics` beside its event and outbox
ones. Labels are job kinds and outcomes only: never a patient, a number or a text."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import Counter, Gauge, Histogram

JOBS = Counter(
    "medspa_outreach_jobs",
    "Due jobs run, by kind and outcome: sent (done), skipped (never will be), failed (an"
    " attempt that failed and is tried again with backoff). Counted once the batch commits.",
    ["kind", "outcome"],
)
DUE_JOBS = Gauge(
    "medspa_outreach_due_jobs",
    "Jobs due now and not yet run (sampled; includes the batches being run at that moment).",
)
MISSED_CALL_CALLBACK_SECONDS = Histogram(
    "medspa_outreach_missed_call_callback_seconds",
    "From a missed call to Twilio accepting the callback text (the promise is 90 s).",
    buckets=(1, 2, 5, 10, 15, 20, 30, 45, 60, 75, 90, 120, 180, 300, 600),
)
OUTCOMES = ("sent", "skipped", "failed")


def count_jobs(tally: Tally[tuple[str, str]]) -> None:
    """Add a committed batch's outcomes: {(kind, outcome): jobs}."""
    for (kind, outcome), jobs in tally.items():
        JOBS.labels(kind, outcome).inc(jobs)
