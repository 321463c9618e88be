"""A pick among offered slots: never a slot that was not offered."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.domain.choice import OfferView, choose

LA = ZoneInfo("America/Los_Angeles")
OFFERED = [
    OfferView(datetime(2026, 12, 1, 14, 0, tzinfo=LA), "Sofia Ramirez, NP"),  # Tuesday
    OfferView(datetime(2026, 12, 2, 10, 30, tzinfo=LA), "Dr. Maya Chen"),  # Wednesday
    OfferView(datetime(2026, 12, 3, 17, 0, tzinfo=LA), "Jordan Blake, RN"),  # Thursday
]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("2", 1), ("#3", 2), ("1.", 0), ("option 2", 1), ("number three", 2), ("2 please", 1),
        ("the second one", 1), ("first", 0), ("the last one", 2), ("the Tuesday one", 0),
        ("wednesday works", 1), ("thurs", 2), ("the later one", 2), ("the earliest", 0),
        ("the 10:30 one", 1), ("5pm", 2), ("the one with Jordan", 2), ("Sofia", 0),
        ("dr chen please", 1), ("the morning one", 1), ("the 3rd of december", 2),
        ("two", 1), ("3 sounds good", 2),
    ],
)  # fmt: skip
def test_picks(text: str, index: int) -> None:
    assert choose(text, OFFERED).index == index


@pytest.mark.parametrize(
    "text", ["none of those work", "neither", "something else", "different day"]
)
def test_turning_the_offers_down(text: str) -> None:
    assert choose(text, OFFERED).rejected


def test_two_fitting_slots_are_ambiguous_not_guessed() -> None:
    two_tuesdays = [OFFERED[0], OfferView(datetime(2026, 12, 1, 16, 0, tzinfo=LA), "Alex Kim")]
    assert choose("the tuesday one", two_tuesdays).ambiguous
    assert choose("the later tuesday one", two_tuesdays).index == 1


@pytest.mark.parametrize("text", ["4", "the friday one", "with Alex", "hello", "7pm"])
def test_words_that_name_no_offered_slot(text: str) -> None:
    assert choose(text, OFFERED).index is None


@given(st.text(max_size=40), st.integers(min_value=0, max_value=3))
def test_a_pick_is_always_one_of_the_offers(text: str, count: int) -> None:
    picked = choose(text, OFFERED[:count])
    assert picked.index is None or 0 <= picked.index < count
