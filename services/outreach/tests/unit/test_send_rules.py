"""Each rule on every send, one table row at a time, and properties over all of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.domain.model import Channel, Purpose
from outreach.domain.quiet_hours import is_quiet
from outreach.domain.rules import Attempt, Defer, Limits, Send, Skip, decide
from spa_config import QuietHours

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
# Tuesday 2026-06-02, 10:00 in Los Angeles (13:00 in New York).
MORNING = datetime(2026, 6, 2, 17, 0, tzinfo=UTC)
LIMITS = Limits(patient_cap=3, patient_window=timedelta(hours=24), number_daily_cap=100)


def attempt(**changes: object) -> Attempt:
    base = Attempt(
        now=MORNING,
        purpose=Purpose.TRANSACTIONAL,
        channel=Channel.SMS,
        has_phone=True,
        opted_out=False,
        marketing_consent=False,
        leaks=(),
        expires_at=MORNING + timedelta(days=2),
        local_tz=LA,
        spa_tz=LA,
        quiet=QuietHours(),
        recent_sends=(),
        sent_today_from_number=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def at_la(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, 2, hour, minute, tzinfo=LA).astimezone(UTC)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, Send()),
        ({"has_phone": False}, Skip("no_phone")),
        # Opted-out numbers never, whatever the purpose.
        ({"opted_out": True}, Skip("opted_out")),
        ({"opted_out": True, "purpose": Purpose.RESPONSE}, Skip("opted_out")),
        # Marketing only with consent; reminders and aftercare need none.
        ({"purpose": Purpose.MARKETING}, Skip("no_consent")),
        ({"purpose": Purpose.MARKETING, "marketing_consent": True}, Send()),
        ({"purpose": Purpose.TRANSACTIONAL, "marketing_consent": False}, Send()),
        # No protected detail in any text.
        ({"leaks": ("phone",)}, Skip("protected_detail")),
        ({"expires_at": MORNING}, Skip("expired")),
        # Quiet hours: queued until 08:00 local.
        ({"now": at_la(22)}, Defer(at_la(8) + timedelta(days=1), "quiet_hours")),
        ({"now": at_la(7, 59)}, Defer(at_la(8), "quiet_hours")),
        # A reminder that would only go after the visit is dropped.
        ({"now": at_la(22), "expires_at": at_la(23)}, Skip("expired_quiet_hours")),
        # The patient's own zone wins: 10:00 in LA is 13:00 in New York, fine; 06:00 in LA
        # is 09:00 in New York, fine for a New Yorker, quiet for a Californian.
        ({"now": at_la(6), "local_tz": NY}, Send()),
        ({"now": at_la(6)}, Defer(at_la(8), "quiet_hours")),
        # ...and 19:00 in LA is 22:00 in New York.
        (
            {"now": at_la(19), "local_tz": NY},
            Defer(datetime(2026, 6, 3, 8, tzinfo=NY).astimezone(UTC), "quiet_hours"),
        ),
        # A callback text answers a call just missed, even at night; a callback call waits.
        ({"now": at_la(23), "purpose": Purpose.RESPONSE}, Send()),
        (
            {"now": at_la(23), "purpose": Purpose.RESPONSE, "channel": Channel.CALL},
            Defer(at_la(8) + timedelta(days=1), "quiet_hours"),
        ),
        # Per-patient cap: the fourth in 24 hours waits until the oldest leaves the window.
        (
            {
                "recent_sends": (
                    MORNING - timedelta(hours=20),
                    MORNING - timedelta(hours=2),
                    MORNING - timedelta(hours=1),
                )
            },
            Defer(MORNING + timedelta(hours=4), "patient_cap"),
        ),
        (
            {
                "recent_sends": (
                    MORNING - timedelta(hours=25),
                    MORNING - timedelta(hours=2),
                    MORNING - timedelta(hours=1),
                )
            },
            Send(),
        ),
        # ...but an answer to the patient's own call is not held back by it.
        (
            {"purpose": Purpose.RESPONSE, "recent_sends": (MORNING - timedelta(hours=3),) * 3},
            Send(),
        ),
        # Daily cap per spa number: tomorrow, at 08:00.
        ({"sent_today_from_number": 99}, Send()),
        (
            {"sent_today_from_number": 100},
            Defer(at_la(8) + timedelta(days=1), "number_cap"),
        ),
        ({"sent_today_from_number": 100, "expires_at": at_la(20)}, Skip("expired_number_cap")),
    ],
)
def test_rules_table(changes: dict[str, object], expected: object) -> None:
    assert decide(attempt(**changes), LIMITS) == expected


def test_a_spa_may_hold_callback_texts_until_morning_too() -> None:
    strict = replace(LIMITS, response_texts_in_quiet_hours=False)
    night = attempt(now=at_la(23), purpose=Purpose.RESPONSE)
    assert decide(night, strict) == Defer(at_la(8) + timedelta(days=1), "quiet_hours")


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
facts = st.fixed_dictionaries(
    {
        "now": moments,
        "purpose": st.sampled_from(list(Purpose)),
        "channel": st.sampled_from(list(Channel)),
        "has_phone": st.booleans(),
        "opted_out": st.booleans(),
        "marketing_consent": st.booleans(),
        "leaks": st.sampled_from([(), ("phone",)]),
        "local_tz": st.sampled_from([LA, NY, ZoneInfo("America/Chicago")]),
        "quiet": st.sampled_from([QuietHours(), QuietHours(start=time(20), end=time(9))]),
        "sent_today_from_number": st.integers(0, 120),
    }
)


@settings(max_examples=800, deadline=None)
@given(facts=facts, recent=st.lists(st.integers(0, 30 * 3600), max_size=6))
def test_whatever_the_facts(facts: dict[str, object], recent: list[int]) -> None:
    now = facts["now"]
    assert isinstance(now, datetime)
    the_attempt = attempt(
        **facts, recent_sends=tuple(now - timedelta(seconds=s) for s in recent), expires_at=None
    )
    decision = decide(the_attempt, LIMITS)
    if isinstance(decision, Send):
        assert the_attempt.has_phone and not the_attempt.opted_out and not the_attempt.leaks
        assert the_attempt.purpose is not Purpose.MARKETING or the_attempt.marketing_consent
        exempt = the_attempt.purpose is Purpose.RESPONSE and the_attempt.channel is Channel.SMS
        assert exempt or not is_quiet(now, the_attempt.local_tz, the_attempt.quiet)
        assert the_attempt.sent_today_from_number < LIMITS.number_daily_cap
    if isinstance(decision, Defer):
        assert decision.until > now
        if decision.reason == "quiet_hours":
            assert not is_quiet(decision.until, the_attempt.local_tz, the_attempt.quiet)
    if the_attempt.opted_out and the_attempt.has_phone:
        assert decision == Skip("opted_out")
