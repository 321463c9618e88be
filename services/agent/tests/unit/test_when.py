"""Time wishes read in the spa's zone, from the words patients actually use."""

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.domain.when import PartOfDay, TimeWish, clock_of, parse_when

MONDAY = date(2026, 11, 23)
EVENING = frozenset({PartOfDay.EVENING})
MORNING = frozenset({PartOfDay.MORNING})


@pytest.mark.parametrize(
    ("text", "first", "last", "expected"),
    [
        ("Monday around 2", date(2026, 11, 30), date(2026, 11, 30), {"near": time(14)}),
        ("this monday around 2", MONDAY, MONDAY, {"near": time(14)}),
        ("next week, evenings", date(2026, 11, 30), date(2026, 12, 6), {"parts": EVENING}),
        ("tomorrow after 5", date(2026, 11, 24), date(2026, 11, 24), {"after": time(17)}),
        ("the 14th", date(2026, 12, 14), date(2026, 12, 14), {}),
        ("the 23rd", MONDAY, MONDAY, {}),
        ("as soon as possible", None, None, {"asap": True}),
        ("asap pls", None, None, {"asap": True}),
        ("day after tomorrow in the morning", date(2026, 11, 25), date(2026, 11, 25), {"parts": MORNING}),
        ("dec 14th at 10am", date(2026, 12, 14), date(2026, 12, 14), {"near": time(10)}),
        ("12/3", date(2026, 12, 3), date(2026, 12, 3), {}),
        ("january 5", date(2027, 1, 5), date(2027, 1, 5), {}),
        ("this weekend", date(2026, 11, 28), date(2026, 11, 29), {"weekdays": frozenset({6, 7})}),
        ("between 2 and 4 on thursday", date(2026, 11, 26), date(2026, 11, 26), {"after": time(14), "before": time(16)}),
        ("tmrw 3ish", date(2026, 11, 24), date(2026, 11, 24), {"near": time(15)}),
        ("thursday 5:30pm", date(2026, 11, 26), date(2026, 11, 26), {"near": time(17, 30)}),
        ("after work on friday", date(2026, 11, 27), date(2026, 11, 27), {"after": time(17)}),
        ("fridays before noon", MONDAY, date(2026, 12, 6), {"weekdays": frozenset({5}), "before": time(12)}),
        ("next monday", date(2026, 11, 30), date(2026, 11, 30), {}),
        ("lunchtime wednesday", date(2026, 11, 25), date(2026, 11, 25), {"near": time(12)}),
        ("in two weeks", date(2026, 12, 5), date(2026, 12, 11), {}),
        ("tonight", MONDAY, MONDAY, {"parts": EVENING}),
        ("wensday at 10", date(2026, 11, 25), date(2026, 11, 25), {"near": time(10)}),
    ],
)  # fmt: skip
def test_everyday_time_words(
    text: str, first: date | None, last: date | None, expected: dict
) -> None:
    wish = parse_when(text, MONDAY)
    assert (wish.first_day, wish.last_day) == (first, last)
    for field, value in expected.items():
        assert getattr(wish, field) == value, field
    assert wish.said


@pytest.mark.parametrize(
    "text",
    [
        "botox please",
        "2",
        "the second one",
        "about two weeks of swelling",
        "I am free",
        "hi",
        "sat on it",
    ],
)
def test_words_that_are_not_times(text: str) -> None:
    assert parse_when(text, MONDAY).empty


@pytest.mark.parametrize(
    ("raw", "suffix", "expected"),
    [("2", "", time(14)), ("9", "", time(9)), ("12", "", time(12)), ("2:30", "pm", time(14, 30)),
     ("11", "pm", time(23)), ("noon", "", time(12)), ("7", "am", time(7)), ("five", "", time(17))],
)  # fmt: skip
def test_clock_times_without_am_or_pm_are_business_hours(
    raw: str, suffix: str, expected: time
) -> None:
    assert clock_of(raw, suffix) == expected


@given(st.text(max_size=80), st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_any_text_parses_to_a_wish_that_is_never_in_the_past(text: str, today: date) -> None:
    wish = parse_when(text, today)
    if wish.first_day is not None:
        assert wish.first_day >= today or wish.last_day is None or wish.last_day >= today
    if wish.first_day and wish.last_day:
        assert wish.first_day <= wish.last_day
    assert TimeWish.from_dict(wish.to_dict()) == wish
