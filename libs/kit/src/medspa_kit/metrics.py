"""Prometheus metrics every service exports on `/metrics`.

The kit measures what it runs for every service (events handled, outbox
backlog, JetStream consumer lag); services add their own figures (turn
latency, bookings, messages) with `prometheus_client` against the same default
registry. Labels carry names of events, consumers and outcomes only: never a
phone number, a name or any other protected field.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_HANDLED = Counter(
    "medspa_events_handled",
    "Events and commands a consumer finished, by outcome (ok, duplicate, failed, dropped).",
    ["consumer", "event", "outcome"],
)
EVENT_HANDLE_SECONDS = Histogram(
    "medspa_event_handle_seconds",
    "Time from a message reaching a consumer to its transaction committing.",
    ["consumer", "event"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_PUBLISHED = Counter(
    "medspa_outbox_published", "Outbox rows the relay published to JetStream."
)
OUTBOX_BACKLOG = Gauge("medspa_outbox_backlog", "Outbox rows not yet published.")
OUTBOX_OLDEST_SECONDS = Gauge(
    "medspa_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 when none)."
)
CONSUMER_PENDING = Gauge(
    "medspa_jetstream_consumer_pending",
    "Messages on the stream a durable consumer has not yet been delivered.",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "medspa_jetstream_consumer_ack_pending",
    "Messages delivered to a durable consumer and not yet acknowledged.",
    ["consumer"],
)
