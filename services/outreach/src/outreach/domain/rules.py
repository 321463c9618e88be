"""The rules every send passes, decided from plain facts: send now, later, or never.

Checked in this order, so the reported reason is the one that matters most:
no number, opted out, marketing without consent, protected detail in the text, expired,
quiet hours (in the patient's zone when known, else the spa's), the per-patient cap, the
daily cap of the spa's sending number. A deferral that would land after the job expires
is a skip: a reminder after the visit helps nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach.domain.model import Channel, Purpose
from outreach.domain.quiet_hours import is_quiet, next_allowed, wall_time_at_or_after
from spa_config import QuietHours


@dataclass(frozen=True)
class Send:
    pass


@dataclass(frozen=True)
class Defer:
    until: datetime
    reason: str


@dataclass(frozen=True)
class Skip:
    reason: str


Decision = Send | Defer | Skip


@dataclass(frozen=True)
class Limits:
    # At most this many outreach messages to one patient in any rolling window
    # (answers to the patient's own call or text are not counted).
    patient_cap: int = 3
    patient_window: timedelta = timedelta(hours=24)
    # At most this many outreach messages a day from one spa number (carrier limits).
    number_daily_cap: int = 500
    # A text answering a call missed a minute ago is not a cold contact at night.
    response_texts_in_quiet_hours: bool = True


@dataclass(frozen=True)
class Attempt:
    """Everything the rules look at for one message about to go."""

    now: datetime
    purpose: Purpose
    channel: Channel
    has_phone: bool
    opted_out: bool
    marketing_consent: bool
    leaks: tuple[str, ...]
    expires_at: datetime | None
    # The patient's zone when known, else the spa's.
    local_tz: ZoneInfo
    spa_tz: ZoneInfo
    quiet: QuietHours
    # When earlier outreach (not responses) reached this patient, any order.
    recent_sends: tuple[datetime, ...]
    # Outreach already sent today (the spa's day) from the sending number.
    sent_today_from_number: int


def decide(attempt: Attempt, limits: Limits) -> Decision:
    if not attempt.has_phone:
        return Skip("no_phone")
    if attempt.opted_out:
        return Skip("opted_out")
    if attempt.purpose is Purpose.MARKETING and not attempt.marketing_consent:
        return Skip("no_consent")
    if attempt.leaks:
        return Skip("protected_detail")
    if _expired(attempt.now, attempt.expires_at):
        return Skip("expired")
    quiet_exempt = (
        attempt.purpose is Purpose.RESPONSE
        and attempt.channel is Channel.SMS
        and limits.response_texts_in_quiet_hours
    )
    if not quiet_exempt and is_quiet(attempt.now, attempt.local_tz, attempt.quiet):
        morning = next_allowed(attempt.now, attempt.local_tz, attempt.quiet)
        return _later(attempt, morning, "quiet_hours")
    if attempt.purpose is not Purpose.RESPONSE:
        freed = patient_cap_frees_at(attempt.now, attempt.recent_sends, limits)
        if freed is not None:
            return _later(attempt, freed, "patient_cap")
    if attempt.sent_today_from_number >= limits.number_daily_cap:
        return _later(attempt, _next_spa_day(attempt), "number_cap")
    return Send()


def patient_cap_frees_at(
    now: datetime, recent: tuple[datetime, ...], limits: Limits
) -> datetime | None:
    """None while under the cap; else when enough earlier sends leave the window."""
    inside = sorted(t for t in recent if now - limits.patient_window < t <= now)
    if len(inside) < limits.patient_cap:
        return None
    # One more fits once all but the newest `cap - 1` have left the window.
    return inside[len(inside) - limits.patient_cap] + limits.patient_window


def _next_spa_day(attempt: Attempt) -> datetime:
    """The start of the spa's next day, moved past quiet hours in the patient's zone."""
    tomorrow = attempt.now.astimezone(attempt.spa_tz).date() + timedelta(days=1)
    midnight = wall_time_at_or_after(tomorrow, time(0, 0), attempt.spa_tz, attempt.now)
    return next_allowed(midnight, attempt.local_tz, attempt.quiet)


def _later(attempt: Attempt, until: datetime, reason: str) -> Decision:
    if _expired(until, attempt.expires_at):
        return Skip(f"expired_{reason}")
    return Defer(until, reason)


def _expired(moment: datetime, expires_at: datetime | None) -> bool:
    return expires_at is not None and moment >= expires_at
