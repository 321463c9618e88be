"""The owner's report: periods in the spa's own zone, and the arithmetic on its figures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Source(StrEnum):
    """Where a recovered booking came from, most specific first."""

    WAITLIST = "waitlist"
    RECALL = "recall"
    MISSED_CALL = "missed_call"
    AFTER_HOURS = "after_hours"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first_day: date
    # The day after the last day: periods are half-open.
    end_day: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_day, time(), tzinfo=self.tz)

    @property
    def label(self) -> str:
        return f"{self.first_day.isoformat()} to {(self.end_day - timedelta(days=1)).isoformat()}"


def period_of(kind: PeriodKind, day: date, tz: ZoneInfo) -> Period:
    """The ISO week (Monday first) or calendar month holding `day`."""
    if kind is PeriodKind.WEEK:
        first = day - timedelta(days=day.isoweekday() - 1)
        return Period(kind, first, first + timedelta(days=7), tz)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(kind, first, following, tz)


def attribute(*, waitlist: bool, recall: bool, missed_call: bool, after_hours: bool) -> str:
    """The one source a booking is credited to ('' when the spa would have had it anyway)."""
    for source, applies in (
        (Source.WAITLIST, waitlist),
        (Source.RECALL, recall),
        (Source.MISSED_CALL, missed_call),
        (Source.AFTER_HOURS, after_hours),
    ):
        if applies:
            return source.value
    return ""


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def median_seconds(values: list[float]) -> int | None:
    return None if not values else int(statistics.median(values))


@dataclass(frozen=True)
class Figures:
    """One period's numbers; money in minor units of `currency`."""

    period: Period
    currency: str
    texts: int = 0
    calls: int = 0
    missed_calls: int = 0
    after_hours: int = 0
    staff_busy: int = 0
    conversations: int = 0
    agent_bookings: int = 0
    agent_booking_value: int = 0
    deposits_collected: int = 0
    deposits_forfeited: int = 0
    deposits_refunded: int = 0
    # No-show fees charged to a saved card, and those the card refused (owed).
    no_show_fees_charged: int = 0
    no_show_fees_owed: int = 0
    completed: int = 0
    no_shows: int = 0
    handoffs: int = 0
    handoffs_answered: int = 0
    handoff_breaches: int = 0
    median_response_s: int | None = None
    recovered: dict[str, int] = field(default_factory=dict)

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.no_shows, self.completed + self.no_shows)

    @property
    def recovered_total(self) -> int:
        return sum(self.recovered.values())

    def rows(self) -> list[tuple[str, int | float | str]]:
        """Every figure as (key, value), in the order of the CSV export."""
        no_show = self.no_show_rate
        rows: list[tuple[str, int | float | str]] = [
            ("period_start", self.period.first_day.isoformat()),
            ("period_end", (self.period.end_day - timedelta(days=1)).isoformat()),
            ("currency", self.currency),
            ("texts", self.texts),
            ("calls", self.calls),
            ("missed_calls", self.missed_calls),
            ("answered_after_hours", self.after_hours),
            ("answered_while_staff_busy", self.staff_busy),
            ("conversations", self.conversations),
            ("agent_bookings", self.agent_bookings),
            ("agent_booking_value_minor", self.agent_booking_value),
            ("deposits_collected_minor", self.deposits_collected),
            ("deposits_forfeited_minor", self.deposits_forfeited),
            ("deposits_refunded_minor", self.deposits_refunded),
            ("no_show_fees_charged_minor", self.no_show_fees_charged),
            ("no_show_fees_owed_minor", self.no_show_fees_owed),
            ("visits_completed", self.completed),
            ("no_shows", self.no_shows),
            ("no_show_rate", "" if no_show is None else round(no_show, 4)),
            ("handoffs", self.handoffs),
            ("handoffs_answered", self.handoffs_answered),
            ("handoff_breaches", self.handoff_breaches),
            (
                "median_handoff_response_seconds",
                "" if self.median_response_s is None else self.median_response_s,
            ),
        ]
        rows.extend((f"recovered_{s.value}_minor", self.recovered.get(s.value, 0)) for s in Source)
        rows.append(("recovered_total_minor", self.recovered_total))
        return rows


def money(minor: int, currency: str) -> str:
    symbol = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    text = f"{symbol}{minor / 100:,.2f}"
    return text if symbol else f"{text} {currency}"
