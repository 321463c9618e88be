"""Everyday words matched to the spa's real menu; unclear words get one question."""

import pytest

from agent.domain.menu import MenuItem, match_service
from spa_config import load_spas

SPA = load_spas(None).get("lumen-aesthetics")
MENU = [MenuItem(s.id, s.name, s.category.value, s.aliases) for s in SPA.services]


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("something for my forehead lines", "botox"),
        ("my lips", "lip-filler"),
        ("get rid of leg hair", "laser-hair-removal"),
        ("crows feet", "botox"),
        ("my 11s", "botox"),
        ("wrinkles around my eyes", "botox"),
        ("dysport", "dysport"),
        ("cheekbones", "cheek-filler"),
        ("sun spots on my face", "ipl-photofacial"),
        ("i want a facial", "hydrafacial"),
        ("upper lip hair", "laser-hair-removal"),
        ("underarms", "laser-hair-removal"),
        ("a peel", "chemical-peel"),
        ("b12", "b12-shot"),
        # speech transcripts
        ("a b twelve shot tomorrow please", "b12-shot"),
        ("my eleven s", "botox"),
        # misspellings
        ("botx", "botox"),
        ("lip filer please", "lip-filler"),
        ("hydra fascial", "hydrafacial"),
        ("laser hair remooval", "laser-hair-removal"),
        ("microneedeling", "microneedling"),
    ],
)
def test_everyday_words(text: str, service: str) -> None:
    assert match_service(text, MENU).service_id == service


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("filler", {"lip-filler", "cheek-filler"}),
        ("laser", {"laser-hair-removal", "ipl-photofacial"}),
    ],
)
def test_unclear_words_are_a_question(text: str, options: set[str]) -> None:
    found = match_service(text, MENU)
    assert found.service_id is None and found.unclear
    assert set(found.candidates) == options


@pytest.mark.parametrize(
    "text", ["hi", "i want to look younger", "what are your hours", "my slips"]
)
def test_no_treatment_named(text: str) -> None:
    assert match_service(text, MENU).service_id is None
