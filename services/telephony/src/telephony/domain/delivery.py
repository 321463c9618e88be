"""Delivery statuses as a state machine that never goes backwards.

Twilio's status callbacks can arrive out of order ("delivered" before "sent"); a status is
applied only when it is further along than the one already known. Among final statuses the
first one wins, except that "read" (after "delivered") still moves forward.
"""

from __future__ import annotations

_RANK = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "partially_delivered": 5,
    "delivered": 6,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
    "read": 7,
}


def is_known(status: str) -> bool:
    return status in _RANK


def advances(current: str | None, incoming: str) -> bool:
    """Whether `incoming` moves a message on from `current` (None: nothing known yet)."""
    if incoming not in _RANK:
        return False
    if current is None or current not in _RANK:
        return True
    return _RANK[incoming] > _RANK[current]
