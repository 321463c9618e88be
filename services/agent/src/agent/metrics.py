"""The agent's own Prometheus figures, beside the kit's (served on `/metrics`).

Labels are channels, brains, reasons and priorities: never anything about a patient.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

TURN_SECONDS = Histogram(
    "medspa_agent_turn_seconds",
    "One patient turn inside the agent, from reading the conversation to the events it owes"
    " (the brain and its calendar calls included; the consumer's commit not).",
    ["channel", "brain"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HANDOFFS = Counter(
    "medspa_agent_handoffs",
    "Conversations handed to staff, by reason and priority.",
    ["reason", "priority"],
)
