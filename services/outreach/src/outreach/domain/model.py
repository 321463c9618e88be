"""The values outreach plans and decides with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class JobKind(StrEnum):
    REMINDER = "reminder"
    AFTERCARE = "aftercare"
    MISSED_CALL_TEXT = "missed_call_text"
    MISSED_CALL_CALL = "missed_call_call"
    RECALL = "recall"
    # A slot opened: read the waitlist and queue offers in its order.
    WAITLIST_OPEN = "waitlist_open"
    # One waitlisted patient's offer of the opened slot.
    OFFER = "offer"
    # A patient said yes (or chose a recall slot): take the hold.
    OFFER_ACCEPT = "offer_accept"
    # Tell a patient who was offered the slot that it has gone.
    OFFER_GONE = "offer_gone"
    # A booking was confirmed: find the outreach (or after-hours talk) that earned it.
    ATTRIBUTE = "attribute"


class Purpose(StrEnum):
    """Why the spa gets in touch, which decides the rules a send must pass."""

    # Owed to a booking or asked for by the patient: reminders, aftercare, waitlist offers.
    TRANSACTIONAL = "transactional"
    # Selling a visit the patient did not ask about: recall. Needs marketing consent.
    MARKETING = "marketing"
    # Answering the patient's own call or text a moment ago: callbacks, offer answers.
    RESPONSE = "response"


class Channel(StrEnum):
    SMS = "sms"
    CALL = "call"


# What a reply to a send means; the agent reads it from outreach.sent.
class Expects(StrEnum):
    NOTHING = ""
    CONFIRM_OR_RESCHEDULE = "confirm_or_reschedule"
    ACCEPT = "accept"
    CHOOSE_SLOT = "choose_slot"
    CHECK_IN = "check_in"


@dataclass(frozen=True)
class Visit:
    """A booking as outreach plans around it (from a booking event)."""

    appointment_id: str
    spa_id: str
    patient_id: str
    service_id: str
    provider_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class JobSpec:
    """A job to write: `key` is deterministic, so planning the same thing twice adds nothing."""

    key: str
    kind: JobKind
    spa_id: str
    due_at: datetime
    expires_at: datetime | None = None
    appointment_id: str = ""
    patient_id: str = ""
    service_id: str = ""
    triggered_at: datetime | None = None
    # Only for jobs whose trigger carried the number (a missed call); stored encrypted.
    phone: str = field(default="", repr=False)
    # Plain, non-protected details the job needs when it runs.
    data: Mapping[str, str | int] = field(default_factory=dict)
