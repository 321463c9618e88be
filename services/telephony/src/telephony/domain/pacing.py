"""Pacing per sender number: carriers allow a long code about one segment a second.

Each sender keeps the moment it is next free; a message of n segments takes the next free
moment and holds the sender for n / rate seconds. Kept in the database by the caller, so every
replica paces the same number together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Slot:
    send_at: datetime
    next_free_at: datetime


def reserve(
    next_free_at: datetime | None, now: datetime, segments: int, segments_per_second: float
) -> Slot:
    if segments < 1:
        raise ValueError("a message costs at least one segment")
    if segments_per_second <= 0:
        raise ValueError("the sending rate must be positive")
    # A sender idle for a while gets no credit for it: bursts are what carriers filter.
    start = max(now, next_free_at) if next_free_at else now
    return Slot(start, start + timedelta(seconds=segments / segments_per_second))
