import pytest

from agent.domain.intents import Intent, MenuItem, understand

MENU = [
    MenuItem("neurotoxin", "Botox", ("forehead lines", "crow's feet", "wrinkles", "tox")),
    MenuItem("lip-filler", "Lip filler", ("lips", "lip flip")),
    MenuItem("cheek-filler", "Cheek filler", ("cheeks",)),
    MenuItem("laser-hair", "Laser hair removal", ("leg hair", "laser")),
]


@pytest.mark.parametrize(
    ("text", "intent", "service"),
    [
        ("Hi!", Intent.GREETING, None),
        ("hello there", Intent.GREETING, None),
        ("", Intent.GREETING, None),
        ("something for my forehead lines", Intent.BOOK, "neurotoxin"),
        ("can I get BOTOX next week", Intent.BOOK, "neurotoxin"),
        ("hey, I want to do my lips", Intent.BOOK, "lip-filler"),
        ("get rid of leg hair", Intent.BOOK, "laser-hair"),
        ("cheek filler please", Intent.BOOK, "cheek-filler"),
        ("what are your hours", Intent.UNKNOWN, None),
        ("my slips are fine", Intent.UNKNOWN, None),
    ],
)
def test_understands_everyday_words(text: str, intent: Intent, service: str | None) -> None:
    understood = understand(text, MENU)
    assert understood.intent is intent
    assert understood.service_id == service


def test_longest_phrase_wins() -> None:
    menu = [MenuItem("filler", "Filler", ()), MenuItem("lip-filler", "Lip filler", ())]
    assert understand("lip filler", menu).service_id == "lip-filler"
