"""What a reminder says after the patient's C and R, and once the visit has moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreach.domain.answers import BookingAnswers, ReminderAsk, reminder_for

START = datetime(2026, 6, 5, 18, 0, tzinfo=UTC)
MOVED = START + timedelta(days=3)
T1 = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)
T2 = T1 + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (None, ReminderAsk.ASK),
        (BookingAnswers(start=START), ReminderAsk.ASK),
        (
            BookingAnswers(start=START, confirmed_at=T1, confirmed_start=START),
            ReminderAsk.CONFIRMED,
        ),
        # An answer kept before starts were (no start): any start.
        (BookingAnswers(start=START, confirmed_at=T1), ReminderAsk.CONFIRMED),
        (
            BookingAnswers(start=START, reschedule_asked_at=T1, reschedule_start=START),
            ReminderAsk.RESCHEDULE_ASKED,
        ),
        # The latest answer wins: R then C keeps the visit...
        (
            BookingAnswers(START, T2, START, T1, START),
            ReminderAsk.CONFIRMED,
        ),
        # ...C then R wants it moved.
        (
            BookingAnswers(START, T1, START, T2, START),
            ReminderAsk.RESCHEDULE_ASKED,
        ),
        # Answers about another time say nothing about this one.
        (BookingAnswers(START, T1, MOVED, T2, MOVED), ReminderAsk.ASK),
        # The visit is no longer at this time.
        (BookingAnswers(start=MOVED), ReminderAsk.MOVED),
        (BookingAnswers(MOVED, T1, START), ReminderAsk.MOVED),
    ],
)
def test_what_the_reminder_says(answers: BookingAnswers | None, expected: ReminderAsk) -> None:
    assert reminder_for(answers, START) is expected


def test_starts_compare_to_the_second() -> None:
    # Reminders carry their start in whole seconds; the booking's may have a fraction.
    answers = BookingAnswers(start=START + timedelta(microseconds=300))
    assert reminder_for(answers, START) is ReminderAsk.ASK
