"""An in-memory calendar that behaves like the scheduler where the agent can tell.

Slots come from the spa's real configuration (shifts inside opening hours, on
the service's grid, after its lead time); a held slot is refused to anyone
else with the nearest alternatives; new patients are refused services that
need a consultation first. The contract tests run the same checks against this
and the real scheduler, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import phonenumbers

from agent.domain.state import Offer
from agent.domain.when import PART_RANGES
from agent.ports import (
    Appointment,
    CalendarRefused,
    CalendarUnavailable,
    ConsentRequest,
    HoldRequest,
    MenuService,
    ProviderInfo,
    SlotSearch,
    SlotUnavailable,
)
from spa_config import SpaDirectory


@dataclass
class FakeCalendar:
    spas: SpaDirectory
    now: datetime
    booked: dict[str, Appointment] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)
    patients: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    down: bool = False
    # Marketing consent as SetMarketingConsent records it: the latest answer per patient.
    consents: dict[str, ConsentRequest] = field(default_factory=dict)
    # A scheduler not serving SetMarketingConsent yet.
    consent_unimplemented: bool = False

    def _check(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise CalendarUnavailable("UNAVAILABLE")

    async def services(self, spa_id: str) -> list[MenuService]:
        self._check("ListServices")
        spa = self.spas.get(spa_id)
        return [
            MenuService(
                s.id,
                s.name,
                s.category.value,
                s.aliases,
                s.consult_required_for_new,
                s.deposit_for(new_patient=True),
            )
            for s in spa.services
        ]

    async def providers(self, spa_id: str, service_id: str) -> list[ProviderInfo]:
        self._check("ListProviders")
        spa = self.spas.get(spa_id)
        return [
            ProviderInfo(p.id, p.name, p.credential.value) for p in spa.providers_for(service_id)
        ]

    def _busy(self, provider_id: str, start: datetime, end: datetime) -> bool:
        return any(
            a.provider_id == provider_id
            and a.status in ("held", "confirmed")
            and a.start < end
            and start < a.end
            for a in self.booked.values()
        )

    def _slots(self, spa_id: str, service_id: str, start: datetime, end: datetime) -> list[Offer]:
        spa = self.spas.get(spa_id)
        service = spa.service(service_id)
        tz = spa.tz
        earliest = max(start, self.now + timedelta(hours=service.lead_time_hours))
        found: list[Offer] = []
        day = earliest.astimezone(tz).date()
        last = (end.astimezone(tz)).date()
        step = timedelta(minutes=service.slot_step_minutes)
        length = timedelta(minutes=service.duration_minutes)
        while day <= last:
            for provider in spa.providers_for(service_id):
                shift = getattr(provider.shifts, day.strftime("%A").lower())
                if shift is None or any(o.start <= day <= o.end for o in provider.time_off):
                    continue
                for opened in spa.open_ranges(day):
                    begin = datetime.combine(day, max(opened.start, shift.start), tzinfo=tz)
                    finish = datetime.combine(day, min(opened.end, shift.end), tzinfo=tz)
                    moment = datetime.combine(day, opened.start, tzinfo=tz)
                    while moment + length <= finish:
                        if moment >= begin and earliest <= moment < end:
                            in_break = any(
                                datetime.combine(day, b.start, tzinfo=tz) < moment + length
                                and moment < datetime.combine(day, b.end, tzinfo=tz)
                                for b in shift.breaks
                            )
                            if not in_break and not self._busy(
                                provider.id, moment, moment + length
                            ):
                                found.append(
                                    Offer(service_id, provider.id, provider.name,
                                          moment.astimezone(UTC), (moment + length).astimezone(UTC))
                                )  # fmt: skip
                        moment += step
            day += timedelta(days=1)
        found.sort(key=lambda o: (o.start, o.provider_id))
        unique: dict[datetime, Offer] = {}
        for offer in found:
            unique.setdefault(offer.start, offer)
        return list(unique.values())

    async def find_slots(self, spa_id: str, search: SlotSearch) -> list[Offer]:
        self._check("FindSlots")
        tz = self.spas.get(spa_id).tz
        found = self._slots(spa_id, search.service_id, search.start, search.end)
        if search.provider_id:
            found = [o for o in found if o.provider_id == search.provider_id]
        if search.days_of_week:
            found = [o for o in found if o.start.astimezone(tz).isoweekday() in search.days_of_week]
        if search.parts_of_day:
            found = [
                o
                for o in found
                if any(
                    PART_RANGES[p][0] <= o.start.astimezone(tz).time() < PART_RANGES[p][1]
                    for p in search.parts_of_day
                )
            ]
        if search.near is not None:
            near = search.near
            found.sort(key=lambda o: (abs((o.start - near).total_seconds()), o.start))
        if search.spread_across_days:
            by_day: dict[object, list[Offer]] = {}
            for offer in found:
                by_day.setdefault(offer.start.astimezone(tz).date(), []).append(offer)
            spread: list[Offer] = []
            depth = 0
            while len(spread) < len(found):
                spread.extend(d[depth] for d in by_day.values() if depth < len(d))
                depth += 1
            found = spread
        return found[: search.limit or 10]

    async def hold(self, request: HoldRequest) -> Appointment:
        self._check("HoldSlot")
        if request.request_id in self.requests:
            return self.booked[self.requests[request.request_id]]
        offer = request.offer
        spa = self.spas.get(request.spa_id)
        service = spa.service(offer.service_id)
        returning = request.phone in self.patients
        if service.consult_required_for_new and not returning:
            consult = next(s for s in spa.services if s.category.value == "consult")
            alternatives = self._slots(
                spa.id, consult.id, offer.start - timedelta(days=2), offer.start + timedelta(days=7)
            )
            raise SlotUnavailable("consult_required", alternatives[:3])
        if offer.start < self.now + timedelta(hours=service.lead_time_hours):
            raise CalendarRefused("INVALID_ARGUMENT: inside_lead_time")
        if self._busy(offer.provider_id, offer.start, offer.end):
            nearby = self._slots(
                spa.id,
                offer.service_id,
                offer.start - timedelta(days=2),
                offer.start + timedelta(days=7),
            )
            nearby.sort(key=lambda o: abs((o.start - offer.start).total_seconds()))
            raise SlotUnavailable("slot_taken", nearby[:3])
        patient_id = self.patients.setdefault(request.phone, str(uuid.uuid4()))
        deposit = service.deposit_for(new_patient=not returning)
        appt = Appointment(
            id=str(uuid.uuid4()),
            service_id=offer.service_id,
            service_name=service.name,
            provider_id=offer.provider_id,
            provider_name=offer.provider_name,
            patient_id=patient_id,
            start=offer.start,
            end=offer.end,
            status="held",
            deposit_minor=deposit,
            hold_expires_at=self.now + timedelta(minutes=spa.policies.hold_minutes),
            conversation_id=request.conversation_id,
        )
        self.booked[appt.id] = appt
        self.requests[request.request_id] = appt.id
        return appt

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> Appointment:
        self._check("Confirm")
        appt = replace(self.booked[appointment_id], status="confirmed", hold_expires_at=None)
        self.booked[appointment_id] = appt
        return appt

    async def cancel(
        self, spa_id: str, appointment_id: str, request_id: str, reason: str
    ) -> Appointment:
        self._check("Cancel")
        appt = replace(self.booked[appointment_id], status="cancelled")
        self.booked[appointment_id] = appt
        return appt

    async def appointments(
        self, spa_id: str, patient_id: str, since: datetime
    ) -> list[Appointment]:
        self._check("ListAppointments")
        return sorted(
            (
                a
                for a in self.booked.values()
                if a.patient_id == patient_id
                and a.status in ("held", "confirmed")
                and a.end > since
            ),
            key=lambda a: a.start,
        )

    async def set_marketing_consent(self, request: ConsentRequest) -> None:
        self._check("SetMarketingConsent")
        if self.consent_unimplemented:
            raise CalendarUnavailable("UNIMPLEMENTED")
        if bool(request.patient_id) == bool(request.phone):
            raise CalendarRefused("INVALID_ARGUMENT: patient_id or phone_e164")
        patient_id = request.patient_id or self.patients.get(request.phone)
        if patient_id is None or patient_id not in self.patients.values():
            raise CalendarRefused("NOT_FOUND: patient")
        self.consents[patient_id] = request

    def take(self, offer: Offer, phone: str = "+14155559999") -> None:
        """Someone else books this slot (a patient on another line, a millisecond ago)."""
        patient_id = self.patients.setdefault(phone, str(uuid.uuid4()))
        appt = Appointment(
            str(uuid.uuid4()), offer.service_id, offer.service_id, offer.provider_id,
            offer.provider_name, patient_id, offer.start, offer.end, "confirmed",
        )  # fmt: skip
        self.booked[appt.id] = appt


def new_phone() -> str:
    """A fresh, valid US number (no N11 exchanges), so no two patients in a run share one."""
    while True:
        candidate = f"+1628{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            return candidate
