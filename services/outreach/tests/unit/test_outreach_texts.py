"""No protected detail in any text: the catalog can only ask for logistics, every entry
renders, and the last look before sending catches a number, email or birth date."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medspa_kit.catalog import Catalog
from outreach.domain.texts import ALLOWED_PLACEHOLDERS, leaks, slot_list, when
from spa_config import load_spas

CATALOG = Catalog.load("outreach")
SPA = load_spas(None).get("lumen-aesthetics")
OWN = [*SPA.phone_numbers, SPA.front_desk_phone]
LA = ZoneInfo("America/Los_Angeles")


def test_the_catalog_asks_only_for_logistics() -> None:
    for key in CATALOG.keys():
        assert CATALOG.placeholders(key) <= ALLOWED_PLACEHOLDERS, key


@pytest.mark.parametrize("key", sorted(CATALOG.keys()))
def test_every_entry_renders_and_leaks_nothing(key: str) -> None:
    values = {name: f"<{name}>" for name in CATALOG.placeholders(key)} | {
        "spa": SPA.name,
        "front_desk": "415 555 0199",
    }
    body = CATALOG.say(key, **values)
    assert body
    assert leaks(body, OWN) == ()


def test_texts_the_spa_starts_say_how_to_stop() -> None:
    for key in ("recall.offer", "recall.open", "recall.series_offer", "recall.series_open"):
        assert "STOP" in CATALOG.say(key, **{p: "x" for p in CATALOG.placeholders(key)})


def test_the_spas_own_aftercare_texts_pass() -> None:
    for service in SPA.services:
        assert leaks(service.aftercare.instructions, OWN) == (), service.id


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("See you Tue Jun 2 at 10:00 AM", ()),
        ("Call us at (415) 555-0199", ()),
        ("Call us at +1 415 555 0199", ()),
        ("We'll text 415-555-0123 when ready", ("phone",)),
        ("Your number +14155550123 is on file", ("phone",)),
        ("Write to jane.doe@example.com", ("email",)),
        ("Born 04/12/1987?", ("date",)),
        ("Born 4-12-1987?", ("date",)),
    ],
)
def test_leaks_table(body: str, found: tuple[str, ...]) -> None:
    assert leaks(body, OWN) == found


@given(
    number=st.from_regex(r"\+1[2-9]\d{2}[2-9]\d{6}", fullmatch=True).filter(lambda n: n not in OWN)
)
def test_any_patients_number_in_a_text_is_caught(number: str) -> None:
    body = CATALOG.say("missed_call.text", spa=SPA.name) + f" {number}"
    assert "phone" in leaks(body, OWN)


def test_times_read_the_patients_way() -> None:
    moment = datetime(2026, 6, 2, 17, 0, tzinfo=UTC)
    assert when(CATALOG, moment, LA) == "Tue Jun 2 at 10:00 AM"
    assert when(CATALOG, moment, ZoneInfo("America/New_York")) == "Tue Jun 2 at 1:00 PM"
    starts = [moment, datetime(2026, 6, 3, 23, 30, tzinfo=UTC)]
    assert slot_list(CATALOG, starts, LA) == "1) Tue Jun 2 at 10:00 AM, 2) Wed Jun 3 at 4:30 PM"
