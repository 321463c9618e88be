"""What a running job is given, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from medspa_kit.crypto import FieldCipher
from outreach.domain.answers import BookingAnswers
from outreach.domain.offers import Waves
from outreach.domain.planning import Timing
from outreach.domain.rules import Decision, Defer, Send
from outreach.domain.texts import Words
from outreach.ports import Calendar, Contact
from outreach.sending import SendBatch
from spa_config import SpaConfig


@dataclass(frozen=True)
class Policy:
    """The service's own settings the jobs follow (from OUTREACH_* in main.py)."""

    timing: Timing = field(default_factory=Timing)
    waves: Waves = field(default_factory=Waves)
    # How long a waitlist or recall slot is held for the patient who said yes.
    offer_hold_minutes: int = 10
    # An offer closes this long before the slot, so the patient can still get there.
    offer_min_notice: timedelta = timedelta(hours=1)
    recall_search: timedelta = timedelta(days=14)
    recall_lead: timedelta = timedelta(days=1)
    recall_slots: int = 3
    attribution_window: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class Done:
    outcome: str


@dataclass(frozen=True)
class Skipped:
    reason: str
    # A skip the rules decided was reported as outreach.skipped when decided; any
    # other (no contact, unknown service) is reported by the dispatcher.
    reported: bool = False


@dataclass(frozen=True)
class Later:
    until: datetime
    reason: str
    failed: bool = False


Outcome = Done | Skipped | Later


@dataclass
class Context:
    conn: asyncpg.Connection
    now: datetime
    spa: SpaConfig
    batch: SendBatch
    contacts: dict[str, Contact]
    # The batch's reminders' bookings and the patients' answers, by appointment id.
    answers: dict[str, BookingAnswers]
    calendar: Calendar
    cipher: FieldCipher
    words: Words
    policy: Policy
    namespace: str


def outcome_of(decision: Decision, sent: str = "sent") -> Outcome:
    """A send's decision as the job's outcome."""
    if isinstance(decision, Send):
        return Done(sent)
    if isinstance(decision, Defer):
        return Later(decision.until, decision.reason)
    return Skipped(decision.reason, reported=True)
