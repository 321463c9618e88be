from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agent.domain.speech import spoken_list, spoken_time

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


def test_lists() -> None:
    assert spoken_list(["Botox"]) == "Botox"
    assert spoken_list(["Botox", "lip filler"]) == "Botox and lip filler"
    assert spoken_list(["a", "b", "c"]) == "a, b and c"
