from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agent.domain.speech import Channel, first_name, money, speakable, spoken_list, spoken_time

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 10 AM Monday in Los Angeles


def test_times_are_said_in_the_spa_time_zone() -> None:
    assert spoken_time(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), LA, NOW) == "today at 2 PM"
    assert spoken_time(datetime(2026, 11, 24, 17, 30, tzinfo=UTC), LA, NOW) == "tomorrow at 9:30 AM"
    assert (
        spoken_time(datetime(2026, 11, 26, 19, 0, tzinfo=UTC), LA, NOW)
        == "Thursday, Nov 26 at 11 AM"
    )


def test_late_evening_utc_is_still_today_locally() -> None:
    late = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 7 PM Monday in Los Angeles
    assert spoken_time(late, LA, NOW) == "today at 7 PM"


def test_on_a_call_times_are_said_as_a_person_says_them() -> None:
    voice = Channel.VOICE
    assert spoken_time(datetime(2026, 11, 24, 22, 30, tzinfo=UTC), LA, NOW, voice) == (
        "tomorrow at 2:30 in the afternoon"
    )
    assert spoken_time(datetime(2026, 12, 1, 20, 0, tzinfo=UTC), LA, NOW, voice) == (
        "Tuesday the 1st at noon"
    )
    assert spoken_time(datetime(2026, 12, 3, 1, 0, tzinfo=UTC), LA, NOW, voice) == (
        "Wednesday the 2nd at 5 in the evening"
    )


def test_money() -> None:
    assert money(5000) == "$50" and money(108000) == "$1,080" and money(1450) == "$14.50"
    assert money(5000, Channel.VOICE) == "50 dollars"
    assert money(1450, Channel.VOICE) == "14 dollars and 50 cents"


def test_speakable_has_no_links_or_layout() -> None:
    text = speakable("Pay here: https://pay.example/abc\n1) one\n2) two")
    assert "http" not in text and "\n" not in text


def test_lists_and_names() -> None:
    assert spoken_list(["Botox"]) == "Botox"
    assert spoken_list(["Botox", "lip filler"]) == "Botox and lip filler"
    assert spoken_list(["1", "2", "3"], "or") == "1, 2 or 3"
    assert first_name("Sofia Ramirez, NP") == "Sofia" and first_name("Dr. Maya Chen") == "Dr. Chen"
