"""What callers ask the calendar to do, as plain values (the edges translate into these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.domain.appointments import Status
from scheduler.domain.waitlist import RawWishes


@dataclass(frozen=True, slots=True)
class HoldRequest:
    spa_id: str
    request_id: str
    service_id: str
    start: datetime | None
    phone: str
    name: str = ""
    provider_id: str = ""
    # Zero takes the spa's policy.
    hold_minutes: int = 0
    conversation_id: str = ""
    email: str = ""
    # ISO 8601 date, as the caller gave it (checked with the rest of the request).
    date_of_birth: str = ""


@dataclass(frozen=True, slots=True)
class CancelRequest:
    spa_id: str
    appointment_id: str
    request_id: str
    cancelled_by: str = "patient"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RescheduleRequest:
    spa_id: str
    appointment_id: str
    request_id: str
    start: datetime | None
    # Empty keeps the current provider when free, else any qualified one.
    provider_id: str = ""


@dataclass(frozen=True, slots=True)
class CloseRequest:
    spa_id: str
    appointment_id: str
    request_id: str
    # COMPLETED or NO_SHOW.
    outcome: Status


@dataclass(frozen=True, slots=True)
class AppointmentFilter:
    patient_id: str = ""
    provider_id: str = ""
    start: int | None = None
    end: int | None = None
    statuses: frozenset[Status] = frozenset()


@dataclass(frozen=True, slots=True)
class WaitlistAdd:
    spa_id: str
    request_id: str
    service_id: str
    wishes: RawWishes
    # Empty: any qualified provider.
    provider_id: str = ""
    # Who waits: a phone (found or created, with the details given) or a known patient id.
    phone: str = ""
    name: str = ""
    email: str = ""
    date_of_birth: str = ""
    patient_id: str = ""


@dataclass(frozen=True, slots=True)
class WaitlistQuery:
    service_id: str = ""
    provider_id: str = ""
    # A freed slot: only the entries it suits (both set, with a service), else every waiting one.
    start: int | None = None
    end: int | None = None
    max_results: int = 0
    patient_id: str = ""


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """A patient's answer about marketing texts, for the patient with this id or phone."""

    spa_id: str
    request_id: str
    granted: bool
    channel: str
    wording_ref: str
    patient_id: str = ""
    phone: str = ""
