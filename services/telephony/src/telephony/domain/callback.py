"""Whether staff can take a call now, and by when the spa promises to call back.

Staff are reachable while the spa is open; a warm transfer is never rung through to someone's
phone at night. A callback owed while the spa is open is due within the spa's handoff response
time; one owed after hours, that long after the next opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from spa_config import SpaConfig

# A spa closed longer than this (a long holiday) gets a promise for its first open day anyway.
_LOOKAHEAD_DAYS = 21


@dataclass(frozen=True)
class Promise:
    due_by: datetime
    # None while the spa is open; otherwise when it opens next (spa-local time).
    opens_at: datetime | None


def is_open(spa: SpaConfig, now: datetime) -> bool:
    local = now.astimezone(spa.tz)
    moment = local.time().replace(tzinfo=None)
    return any(r.start <= moment < r.end for r in spa.open_ranges(local.date()))


def next_opening(spa: SpaConfig, now: datetime) -> datetime | None:
    local = now.astimezone(spa.tz)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        for opening in spa.open_ranges(day):
            start = datetime.combine(day, opening.start, tzinfo=spa.tz)
            if start > local:
                return start
    return None


def callback_promise(spa: SpaConfig, now: datetime) -> Promise:
    within = timedelta(minutes=spa.policies.handoff_response_minutes)
    if is_open(spa, now):
        return Promise(now + within, None)
    opens_at = next_opening(spa, now)
    if opens_at is None:
        return Promise(now + within, None)
    return Promise(opens_at + within, opens_at)
