"""Speed to lead: when each thing staff owe is due, and how it stands against that promise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# The inbox sorts on these: urgent first, then sales opportunities, then the rest.
PRIORITY_RANK = {"urgent": 3, "high": 2, "normal": 1}
RANK_NAME = {rank: name for name, rank in PRIORITY_RANK.items()}
# Inside this share of the promise left, the timer warns before it breaches.
WARN_SHARE = 0.25


class Standing(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    MET = "met"


def handoff_due(
    requested_at: datetime, respond_within_minutes: int, *, urgent: bool, fallback_minutes: int
) -> datetime:
    """What the patient was promised; an urgent handoff is due now.

    A non-urgent handoff that carries no promise (0: an older producer) takes the spa's
    own handoff_response_minutes.
    """
    if urgent:
        return requested_at
    minutes = respond_within_minutes if respond_within_minutes > 0 else fallback_minutes
    return requested_at + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Clock:
    """How a deadline stands at `now`, with the seconds left (negative once breached)."""

    standing: Standing
    seconds_left: int


def standing(
    started_at: datetime, due_at: datetime, now: datetime, answered_at: datetime | None = None
) -> Clock:
    if answered_at is not None:
        return Clock(Standing.MET, int((due_at - answered_at).total_seconds()))
    left = (due_at - now).total_seconds()
    if left < 0:
        return Clock(Standing.BREACHED, int(left))
    window = max((due_at - started_at).total_seconds(), 1.0)
    if left <= window * WARN_SHARE:
        return Clock(Standing.DUE_SOON, int(left))
    return Clock(Standing.ON_TIME, int(left))


def waited(since: datetime, now: datetime) -> str:
    """How long something has waited, the way staff say it: 45s, 12m, 3h 05m, 2d 4h."""
    seconds = max(int((now - since).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
