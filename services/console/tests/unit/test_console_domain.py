"""The console's pure decisions: roles, deadlines, lockout, report periods and credit, charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.domain.charts import Bar, bar_chart
from console.domain.deadlines import Standing, handoff_due, standing, waited
from console.domain.lockout import LockoutPolicy
from console.domain.report import Figures, PeriodKind, Source, attribute, money, period_of
from console.domain.roles import PERMISSIONS, Permission, Role, allowed
from console.domain.waitlist import LINE_READ, describe, window
from console.ports import Wishes
from medspa_kit.catalog import Catalog

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
LA = ZoneInfo("America/Los_Angeles")


def test_the_auditor_reads_the_audit_log_and_nothing_with_patient_data() -> None:
    assert PERMISSIONS[Role.AUDITOR] == {Permission.AUDIT_READ}


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        (Role.FRONT_DESK, Permission.INBOX_ACT, True),
        (Role.FRONT_DESK, Permission.AUDIT_READ, False),
        (Role.FRONT_DESK, Permission.REPORT_READ, False),
        (Role.FRONT_DESK, Permission.AUTONOMY_MANAGE, False),
        (Role.PROVIDER, Permission.CALENDAR_READ, True),
        (Role.PROVIDER, Permission.DRAFTS_REVIEW, False),
        (Role.PROVIDER, Permission.ACCOUNTS_MANAGE, False),
        (Role.MANAGER, Permission.AUDIT_READ, True),
        (Role.MANAGER, Permission.ACCOUNTS_MANAGE, True),
        (Role.AUDITOR, Permission.CONVERSATION_READ, False),
    ],
)
def test_least_privilege(role: Role, permission: Permission, expected: bool) -> None:
    assert allowed(role, permission) is expected


def test_urgent_is_due_now_and_a_missing_promise_takes_the_spas() -> None:
    assert handoff_due(NOW, 0, urgent=True, fallback_minutes=15) == NOW
    assert handoff_due(NOW, 0, urgent=False, fallback_minutes=15) == NOW + timedelta(minutes=15)
    assert handoff_due(NOW, 5, urgent=False, fallback_minutes=15) == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("elapsed_min", "answered", "expected"),
    [(1, False, Standing.ON_TIME), (12, False, Standing.DUE_SOON),
     (16, False, Standing.BREACHED), (16, True, Standing.MET)],
)  # fmt: skip
def test_a_deadline_stands_on_time_then_due_soon_then_breached(
    elapsed_min: int, answered: bool, expected: Standing
) -> None:
    due = NOW + timedelta(minutes=15)
    now = NOW + timedelta(minutes=elapsed_min)
    clock = standing(NOW, due, now, now if answered else None)
    assert clock.standing is expected


@given(st.integers(min_value=0, max_value=10 * 86400))
def test_waited_is_never_empty_and_never_negative(seconds: int) -> None:
    text = waited(NOW, NOW + timedelta(seconds=seconds))
    assert text and not text.startswith("-")
    assert waited(NOW + timedelta(seconds=seconds), NOW) == "0s"


def test_lockout_after_the_threshold_then_a_fresh_count() -> None:
    policy = LockoutPolicy(threshold=3, minutes=15)
    assert policy.after_failure(0, NOW) == (1, None)
    assert policy.after_failure(1, NOW) == (2, None)
    count, until = policy.after_failure(2, NOW)
    assert count == 0 and until == NOW + timedelta(minutes=15)
    assert policy.is_locked(until, NOW + timedelta(minutes=14))
    assert not policy.is_locked(until, NOW + timedelta(minutes=15))


@pytest.mark.parametrize(
    ("kind", "day", "first", "end"),
    [
        (PeriodKind.WEEK, date(2026, 11, 25), date(2026, 11, 23), date(2026, 11, 30)),
        (PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 30)),
        (PeriodKind.MONTH, date(2026, 12, 31), date(2026, 12, 1), date(2027, 1, 1)),
        (PeriodKind.MONTH, date(2028, 2, 29), date(2028, 2, 1), date(2028, 3, 1)),
    ],
)
def test_periods_are_iso_weeks_and_calendar_months_in_the_spas_zone(
    kind: PeriodKind, day: date, first: date, end: date
) -> None:
    period = period_of(kind, day, LA)
    assert (period.first_day, period.end_day) == (first, end)
    assert period.start.utcoffset() == period.start.astimezone(LA).utcoffset()


def test_a_booking_is_credited_to_one_source_most_specific_first() -> None:
    assert attribute(waitlist=True, recall=True, missed_call=True, after_hours=True) == "waitlist"
    assert attribute(waitlist=False, recall=True, missed_call=True, after_hours=True) == "recall"
    assert (
        attribute(waitlist=False, recall=False, missed_call=True, after_hours=True) == "missed_call"
    )
    assert attribute(waitlist=False, recall=False, missed_call=False, after_hours=False) == ""


def test_figures_export_every_source_and_leave_an_undefined_rate_empty() -> None:
    figures = Figures(period_of(PeriodKind.WEEK, date(2026, 11, 23), LA), "USD",
                      recovered={"after_hours": 28000})  # fmt: skip
    rows = dict(figures.rows())
    assert rows["no_show_rate"] == ""
    assert {f"recovered_{s.value}_minor" for s in Source} <= set(rows)
    assert rows["recovered_total_minor"] == 28000
    assert money(123456, "USD") == "$1,234.56"
    assert money(500, "CHF") == "5.00 CHF"


def test_charts_escape_their_words_and_scale_to_the_largest_bar() -> None:
    svg = str(bar_chart("<b>t</b>", [Bar("<script>x</script>", 10, "10"), Bar("half", 5, "5")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]


def test_wishes_in_words_in_the_spas_zone() -> None:
    say = Catalog.load("console").say
    assert describe(Wishes(), LA, say) == "any time"
    weekday_mornings = Wishes(days_of_week=(5, 1, 2, 3, 4), parts_of_day=("morning", "evening"))
    assert describe(weekday_mornings, LA, say) == "weekdays, mornings or evenings"
    late = Wishes(
        days_of_week=(6, 7), earliest_time="16:00",
        # 07:00 UTC on Nov 24 is still Nov 23 in Los Angeles.
        not_after=datetime(2026, 11, 24, 7, 0, tzinfo=UTC),
    )  # fmt: skip
    assert describe(late, LA, say) == "weekends, from 16:00, until Nov 23"
    assert describe(Wishes(days_of_week=(2, 4), latest_time="12:00"), LA, say) == (
        "Tue, Thu, done by 12:00"
    )


@given(st.integers(1, 200), st.integers(0, 2_000), st.integers(0, 700))
def test_waitlist_pages_never_ask_past_what_the_scheduler_answers(
    limit: int, offset: int, line: int
) -> None:
    span = window(limit, offset)
    assert 1 <= span.ask <= LINE_READ
    answered = min(line, span.ask)
    shown = max(min(answered, span.stop) - span.start, 0)
    assert shown <= limit
    following = span.next_offset(answered)
    if following is not None:
        # A next page starts right after this one and has at least one entry in it.
        assert following == offset + limit and line > following
    else:
        assert line <= span.stop or span.stop == LINE_READ
