"""The seams between the calendar's decisions and the world.

`CalendarBackend` is the one the gRPC edge talks to: the native PostgreSQL
backend implements it over the pure domain, and an adapter for a
practice-management system (Boulevard, Mindbody, Vagaro, AestheticRecord) can
implement it instead without the agent noticing (see README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scheduler.domain.appointments import Appointment
from scheduler.domain.availability import Slot
from scheduler.domain.commands import (
    AppointmentFilter,
    CancelRequest,
    CloseRequest,
    ConsentRequest,
    HoldRequest,
    RescheduleRequest,
    WaitlistAdd,
    WaitlistQuery,
)
from scheduler.domain.model import SpaRules
from scheduler.domain.patients import Contact, PatientFound
from scheduler.domain.slots import SlotQuery
from scheduler.domain.waitlist import Entry


class Clock(Protocol):
    def now(self) -> int:
        """Epoch seconds."""
        ...


class SpaCatalog(Protocol):
    """The spas' calendar rules, from the configuration."""

    def rules(self, spa_id: str) -> SpaRules:
        """Raises NotFound("spa", spa_id) for a spa it does not know."""
        ...

    def spa_ids(self) -> list[str]: ...


class CalendarBackend(Protocol):
    """Where appointments live. Every method raises a `domain.errors.SchedulingError`
    subclass to refuse, having changed nothing."""

    async def find_slots(self, spa_id: str, query: SlotQuery) -> list[Slot]: ...

    async def hold(self, request: HoldRequest) -> Appointment: ...

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> Appointment: ...

    async def cancel(self, request: CancelRequest) -> Appointment: ...

    async def reschedule(self, request: RescheduleRequest) -> Appointment: ...

    async def close(self, request: CloseRequest) -> Appointment:
        """Mark a visit completed or a no-show."""
        ...

    async def get(self, spa_id: str, appointment_id: str) -> Appointment: ...

    async def list(self, spa_id: str, which: AppointmentFilter) -> list[Appointment]: ...


class PatientDirectory(Protocol):
    """Patients stay in the scheduler whatever the calendar backend (see README.md).
    Every read is audited with the caller's `purpose`."""

    async def find_patient(self, spa_id: str, phone: str, purpose: str) -> PatientFound | None:
        """The patient whose own number this is, or None for a new caller."""
        ...

    async def contacts(
        self, spa_id: str, patient_ids: Sequence[str], purpose: str
    ) -> list[Contact]:
        """Known patients' phones, zones and marketing consent in the order asked; unknown
        ids left out."""
        ...

    async def set_marketing_consent(self, request: ConsentRequest) -> Contact:
        """Record a patient's answer about marketing texts (idempotent by request id; the
        latest answer stands) and return how to reach them now."""
        ...


class Waitlist(Protocol):
    """Who waits for which service; kept by the scheduler whatever the calendar backend."""

    async def add(self, request: WaitlistAdd) -> Entry: ...

    async def list(self, spa_id: str, which: WaitlistQuery) -> list[Entry]:
        """First come first; with a freed slot, only the entries it suits."""
        ...

    async def remove(self, spa_id: str, entry_id: str) -> Entry: ...
