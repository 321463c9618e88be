"""Intake answers become flags; a flag is a note, never an opinion."""

from datetime import date

import pytest

from agent.domain.intake import (
    Flag,
    Intake,
    Step,
    area_in,
    flags,
    lower_face,
    needs_review,
    next_step,
    read_answer,
    when_last,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 months ago", date(2026, 8, 25)), ("6 weeks ago", date(2026, 10, 12)),
        ("in August", date(2026, 8, 15)), ("last month", date(2026, 10, 24)),
        ("in may", date(2026, 5, 15)), ("a year ago", date(2025, 11, 23)), ("I may have", None),
    ],
)  # fmt: skip
def test_when_last(text: str, expected: date | None) -> None:
    assert when_last(text, TODAY) == expected


def test_the_neurotoxin_intake_in_order() -> None:
    intake = Intake()
    assert next_step(intake, "neurotoxin") is Step.AREA
    intake = read_answer(Step.AREA, "forehead and my 11s", intake, TODAY)
    assert intake.area == "forehead, frown lines"
    assert next_step(intake, "neurotoxin") is Step.HISTORY
    intake = read_answer(Step.HISTORY, "yes", intake, TODAY)
    assert next_step(intake, "neurotoxin") is Step.LAST_TOXIN
    intake = read_answer(Step.LAST_TOXIN, "about 2 months ago", intake, TODAY)
    assert next_step(intake, "neurotoxin") is Step.SCREEN
    intake = read_answer(Step.SCREEN, "none", intake, TODAY)
    assert next_step(intake, "neurotoxin") is None
    assert flags(intake, "neurotoxin", lower_face_filler=False, today=TODAY) == [Flag.STACKING]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("none", []), ("nope", []), ("1", [Flag.PREGNANT]), ("2 and 3", [Flag.BLOOD_THINNERS, Flag.AUTOIMMUNE]),
        ("I'm breastfeeding", [Flag.PREGNANT]), ("i take eliquis", [Flag.BLOOD_THINNERS]),
        ("no blood thinners but I have lupus", [Flag.AUTOIMMUNE]),
        ("4", [Flag.DENTAL]), ("root canal next week", [Flag.DENTAL]),
    ],
)  # fmt: skip
def test_screen_answers(answer: str, expected: list[Flag]) -> None:
    intake = read_answer(Step.SCREEN, answer, Intake(treated_before=False), TODAY)
    assert flags(intake, "filler", lower_face_filler=True, today=TODAY) == expected


def test_dental_work_only_matters_for_lower_face_filler() -> None:
    intake = read_answer(Step.SCREEN, "4", Intake(treated_before=False), TODAY)
    assert flags(intake, "neurotoxin", lower_face_filler=False, today=TODAY) == []
    assert lower_face("Lip filler lips") and not lower_face("Cheek filler cheeks")


def test_an_unclear_answer_is_asked_once_more_then_noted_for_review() -> None:
    intake = read_answer(Step.SCREEN, "hmm what do you mean", Intake(treated_before=False), TODAY)
    assert intake.screen is None and Step.SCREEN in intake.asked_again
    intake = read_answer(Step.SCREEN, "whatever", intake, TODAY)
    found = flags(intake, "filler", lower_face_filler=False, today=TODAY)
    assert found == [Flag.SCREEN_UNCLEAR] and needs_review(found)


def test_an_old_neurotoxin_is_not_a_flag_and_an_unknown_date_is_only_a_note() -> None:
    old = Intake(area="forehead", treated_before=True, last_toxin="2026-01-10", screen=())
    assert flags(old, "neurotoxin", lower_face_filler=False, today=TODAY) == []
    unknown = Intake(area="forehead", treated_before=True, last_toxin="unknown", screen=())
    found = flags(unknown, "neurotoxin", lower_face_filler=False, today=TODAY)
    assert found == [Flag.LAST_TOXIN_UNKNOWN] and not needs_review(found)


def test_areas() -> None:
    assert area_in("crows feet please") == "crow's feet"
    assert area_in("something") is None
    assert Intake.from_dict(Intake(area="lips", screen=("blood_thinners",)).to_dict()).screen == (
        "blood_thinners",
    )
