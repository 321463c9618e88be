"""What a reminder says, given the patient's answers so far. Pure.

A C or an R belongs to the start it answered: once the visit moves, the answers for the
old time say nothing about the new one, and a reminder for a time the visit no longer
has is not sent at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReminderAsk(StrEnum):
    # "Reply C to confirm or R to reschedule."
    ASK = "ask"
    # The patient said C for this time: "See you then!"
    CONFIRMED = "confirmed"
    # The patient said R and the visit has not moved yet: it still stands, so the
    # reminder says so and offers R (pick a new time) or C (keep it).
    RESCHEDULE_ASKED = "reschedule_asked"
    # The visit is no longer at this time: nothing to say.
    MOVED = "moved"


@dataclass(frozen=True)
class BookingAnswers:
    """A booking as outreach last heard of it, and the patient's answers to its reminders.
    A `*_start` of None (answers from before starts were kept) applies to any start."""

    start: datetime | None = None
    confirmed_at: datetime | None = None
    confirmed_start: datetime | None = None
    reschedule_asked_at: datetime | None = None
    reschedule_start: datetime | None = None


def reminder_for(answers: BookingAnswers | None, start: datetime) -> ReminderAsk:
    """What the reminder for a visit at `start` says."""
    if answers is None:
        return ReminderAsk.ASK
    if answers.start is not None and not _same(answers.start, start):
        return ReminderAsk.MOVED
    confirmed = answers.confirmed_at if _about(answers.confirmed_start, start) else None
    asked = answers.reschedule_asked_at if _about(answers.reschedule_start, start) else None
    # The latest answer wins: R then C keeps the visit; C then R wants it moved.
    if confirmed is not None and (asked is None or confirmed >= asked):
        return ReminderAsk.CONFIRMED
    if asked is not None:
        return ReminderAsk.RESCHEDULE_ASKED
    return ReminderAsk.ASK


def _about(answered: datetime | None, start: datetime) -> bool:
    return answered is None or _same(answered, start)


def _same(a: datetime, b: datetime) -> bool:
    # Reminders carry their start in whole seconds.
    return int(a.timestamp()) == int(b.timestamp())
