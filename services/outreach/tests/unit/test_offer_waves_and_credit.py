"""Waitlist waves in list order, the first yes, and which outreach earns a booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreach.domain.attribution import AFTER_HOURS, Credit, Touch, credit
from outreach.domain.model import JobKind
from outreach.domain.offers import AcceptOutcome, OfferState, Waves, on_accept, plan_waves

NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=6)


def test_offers_go_in_list_order_in_waves() -> None:
    planned = plan_waves(["a", "b", "c", "d", "e"], NOW, LATER, Waves(size=2))
    assert [(p.patient_id, p.position, p.due_at - NOW) for p in planned] == [
        ("a", 0, timedelta(0)),
        ("b", 1, timedelta(0)),
        ("c", 2, timedelta(minutes=20)),
        ("d", 3, timedelta(minutes=20)),
        ("e", 4, timedelta(minutes=40)),
    ]


def test_waves_stop_at_the_offers_end_and_at_the_cap() -> None:
    many = [f"p{i}" for i in range(20)]
    assert len(plan_waves(many, NOW, NOW + timedelta(minutes=30), Waves(size=3))) == 6
    assert len(plan_waves(many, NOW, LATER, Waves(size=3, max_recipients=9))) == 9


def test_a_patient_listed_twice_is_offered_once_at_their_first_place() -> None:
    planned = plan_waves(["a", "b", "a", "", "c"], NOW, LATER, Waves(size=5))
    assert [p.patient_id for p in planned] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("state", "winner", "patient", "choice", "now", "expected"),
    [
        (OfferState.OPEN, "", "a", 1, NOW, AcceptOutcome.HOLD),
        # The first yes won; a later yes hears it has gone.
        (OfferState.WON, "a", "b", 1, NOW, AcceptOutcome.TOO_LATE),
        (OfferState.WON, "a", "a", 1, NOW, AcceptOutcome.ALREADY_THEIRS),
        (OfferState.GONE, "", "a", 1, NOW, AcceptOutcome.TOO_LATE),
        (OfferState.OPEN, "", "a", 1, LATER, AcceptOutcome.TOO_LATE),
        # Someone it was never sent to, or a choice it did not offer.
        (OfferState.OPEN, "", "z", 1, NOW, AcceptOutcome.NOT_OFFERED),
        (OfferState.OPEN, "", "a", 4, NOW, AcceptOutcome.NOT_OFFERED),
    ],
)
def test_what_a_yes_does(
    state: OfferState,
    winner: str,
    patient: str,
    choice: int,
    now: datetime,
    expected: AcceptOutcome,
) -> None:
    verdict = on_accept(state, winner, patient, {"a", "b"}, choice, 3, now, LATER)
    assert verdict is expected


BOOKED = NOW
WINDOW = timedelta(days=14)


def touch(job_id: int, kind: JobKind, days_before: float) -> Touch:
    return Touch(job_id, kind, BOOKED - timedelta(days=days_before))


@pytest.mark.parametrize(
    ("accepted", "touches", "closed", "expected"),
    [
        (None, [], False, None),
        (None, [], True, Credit(AFTER_HOURS, None, None)),
        # Last touch wins inside the window.
        (
            None,
            [touch(1, JobKind.RECALL, 5), touch(2, JobKind.MISSED_CALL_TEXT, 1)],
            False,
            Credit("missed_call", 2, BOOKED - timedelta(days=1)),
        ),
        # Outside the window it earns nothing.
        (None, [touch(1, JobKind.RECALL, 15)], False, None),
        # Reminders and aftercare keep visits; they do not earn new ones.
        (None, [touch(1, JobKind.REMINDER, 1), touch(2, JobKind.AFTERCARE, 1)], False, None),
        # Outreach beats after-hours: the text is why they came back.
        (
            None,
            [touch(3, JobKind.OFFER, 0.5)],
            True,
            Credit("waitlist", 3, BOOKED - timedelta(days=0.5)),
        ),
        # An accepted offer earns its own booking outright.
        (
            touch(4, JobKind.RECALL, 2),
            [touch(5, JobKind.MISSED_CALL_TEXT, 1)],
            False,
            Credit("recall", 4, BOOKED - timedelta(days=2)),
        ),
    ],
)
def test_credit(
    accepted: Touch | None, touches: list[Touch], closed: bool, expected: Credit | None
) -> None:
    assert (
        credit(BOOKED, accepted, touches, WINDOW, booked_by_assistant_while_closed=closed)
        == expected
    )
