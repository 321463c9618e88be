"""What a turn heard, when a call gives up, which calls are missed, when staff call back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spa_config import load_spas
from telephony.domain.callback import callback_promise, is_open, next_opening
from telephony.domain.hearing import AfterMiss, Heard, Turn, after_miss, hear, is_goodbye
from telephony.domain.missed import EndedCall, Missed, Phase, missed_reason

SPA = load_spas(None).get("lumen-aesthetics")
LA = SPA.tz


@pytest.mark.parametrize(
    ("speech", "digits", "confidence", "heard"),
    [
        ("I'd like to book botox", "", 0.92, Heard.SPEECH),
        ("I'd like to book botox", "", None, Heard.SPEECH),
        ("", "", None, Heard.SILENCE),
        ("  ", "", 0.0, Heard.SILENCE),
        ("mmh", "", 0.05, Heard.UNCLEAR),
        ("", "1", None, Heard.DIGITS),
        ("ok thanks bye", "", 0.9, Heard.GOODBYE),
    ],
)
def test_what_was_heard(speech: str, digits: str, confidence: float | None, heard: Heard) -> None:
    assert hear(Turn(speech, digits, confidence), min_confidence=0.2) is heard


@pytest.mark.parametrize(
    "speech",
    [
        "bye",
        "Goodbye!",
        "ok thanks, bye",
        "no that's all, thank you so much, bye bye",
        "thanks, have a nice day",
        "great, see you",
        "gracias, adiós",
        "alright talk to you later",
    ],
)
def test_farewells(speech: str) -> None:
    assert is_goodbye(speech)


@pytest.mark.parametrize(
    "speech",
    [
        "book me for friday and bye",
        "yes that's it",
        "no",
        "thanks",
        "can I say bye to my old wrinkles",
        "",
        "bye " * 20,
    ],
)
def test_not_farewells(speech: str) -> None:
    assert not is_goodbye(speech)


def test_a_miss_reprompts_until_the_limit() -> None:
    assert after_miss(1, limit=2) is AfterMiss.REPROMPT
    assert after_miss(2, limit=2) is AfterMiss.GIVE_UP


def ended(**fields: object) -> EndedCall:
    base: dict[str, object] = dict(
        inbound=True, status="completed", phase=Phase.ASSISTANT, caller_turns=2, staff_missed=False
    )
    return EndedCall(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (ended(), None),
        (ended(status="no-answer"), Missed.UNANSWERED),
        (ended(status="canceled", phase=Phase.ASSISTANT), Missed.UNANSWERED),
        (ended(status="busy"), Missed.UNANSWERED),
        (ended(phase=Phase.STAFF_RING, caller_turns=0), Missed.UNANSWERED),
        (ended(phase=Phase.STAFF, caller_turns=0), None),
        (ended(staff_missed=True), Missed.STAFF_MISSED),
        (ended(phase=Phase.CLOSING, staff_missed=True), Missed.STAFF_MISSED),
        (ended(caller_turns=0), Missed.HUNG_UP_ON_ASSISTANT),
        (ended(caller_turns=0, staff_missed=True), Missed.HUNG_UP_ON_ASSISTANT),
        # We ended it (silence twice): not the caller hanging up on us.
        (ended(phase=Phase.CLOSING, caller_turns=0), None),
        # A failed warm transfer already owes its own callback.
        (ended(phase=Phase.TRANSFER), None),
        (ended(phase=Phase.CONNECTED, staff_missed=True), None),
        (ended(inbound=False, status="no-answer"), None),
    ],
)
def test_missed_calls(call: EndedCall, reason: Missed | None) -> None:
    assert missed_reason(call) is reason


def la(day: int, hour: int, minute: int = 0) -> datetime:
    # November 2026: the 30th is a Monday.
    return datetime(2026, 11, day, hour, minute, tzinfo=LA).astimezone(UTC)


def test_open_hours_come_from_the_spa() -> None:
    hours = SPA.hours.monday
    start = hours[0].start
    assert is_open(SPA, la(30, start.hour, start.minute))
    assert not is_open(SPA, la(30, 3))


def test_a_callback_owed_while_open_is_due_within_the_response_time() -> None:
    start = SPA.hours.monday[0].start
    now = la(30, start.hour + 1)
    promise = callback_promise(SPA, now)
    assert promise.opens_at is None
    assert promise.due_by == now + timedelta(minutes=SPA.policies.handoff_response_minutes)


def test_a_callback_owed_at_night_is_due_after_the_next_opening() -> None:
    now = la(30, 3)
    promise = callback_promise(SPA, now)
    opening = next_opening(SPA, now)
    assert opening is not None and opening.astimezone(LA).date() == datetime(2026, 11, 30).date()
    assert promise.opens_at == opening
    assert promise.due_by == opening + timedelta(minutes=SPA.policies.handoff_response_minutes)
