"""Reading a patient's text as the answer to what outreach sent, or as something else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.domain.outreach import Answer, Read, answerable, read_reply
from agent.domain.state import Outreach

SENT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
UNCLEAR = Read(None)


def sent(expects: str, choices: int = 0) -> Outreach:
    return Outreach("job-1", "reminder", expects, SENT, choices=choices)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C", Read(Answer.CONFIRM)),
        ("c!", Read(Answer.CONFIRM)),
        ("Confirm", Read(Answer.CONFIRM)),
        ("yes", Read(Answer.CONFIRM)),
        ("yep see you then", Read(Answer.CONFIRM)),
        ("I'll be there", Read(Answer.CONFIRM)),
        ("R", Read(Answer.RESCHEDULE)),
        ("r please", Read(Answer.RESCHEDULE)),
        ("can I reschedule?", Read(Answer.RESCHEDULE)),
        ("I can't make it", Read(Answer.RESCHEDULE)),
        ("no", UNCLEAR),
        ("I need to cancel my appointment", None),
        ("where do I park?", None),
    ],
)
def test_a_reminder_takes_c_or_r_in_any_words(text: str, expected: Read | None) -> None:
    assert read_reply(sent("confirm_or_reschedule"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("YES", Read(Answer.ACCEPT)),
        ("yes please!", Read(Answer.ACCEPT)),
        ("I'll take it", Read(Answer.ACCEPT)),
        ("no thanks", Read(Answer.DECLINE)),
        ("NO", Read(Answer.DECLINE)),
        ("how much is it?", None),
    ],
)
def test_a_waitlist_offer_takes_yes_or_no(text: str, expected: Read | None) -> None:
    assert read_reply(sent("accept"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", Read(Answer.CHOOSE, 2)),
        ("the second one", Read(Answer.CHOOSE, 2)),
        ("option 3 please", Read(Answer.CHOOSE, 3)),
        ("#1", Read(Answer.CHOOSE, 1)),
        ("first", Read(Answer.CHOOSE, 1)),
        ("4", UNCLEAR),
        ("yes please", UNCLEAR),
        ("none of those", Read(Answer.DECLINE)),
        ("no thanks", Read(Answer.DECLINE)),
        ("can I do tuesday at 2 instead?", None),
    ],
)
def test_a_recall_offer_takes_a_number_in_everyday_words(text: str, expected: Read | None) -> None:
    assert read_reply(sent("choose_slot", choices=3), text) == expected


def test_a_single_choice_takes_a_yes() -> None:
    assert read_reply(sent("choose_slot", choices=1), "yes please") == Read(Answer.CHOOSE, 1)


def test_a_check_in_is_never_an_answer_to_report() -> None:
    assert read_reply(sent("check_in"), "yes all good") is None


def test_an_old_send_is_no_longer_answered() -> None:
    reminder = sent("confirm_or_reschedule")
    assert answerable(reminder, SENT + timedelta(hours=47))
    assert not answerable(reminder, SENT + timedelta(hours=49))
    assert not answerable(None, SENT)
