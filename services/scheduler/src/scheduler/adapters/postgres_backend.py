"""The native calendar: the pure domain over PostgreSQL (the default `CalendarBackend`).

Each change is atomic at the request boundary: read what the decision needs, let
the domain decide, write the change with its outbox event and audit record (a
hold in one statement, see hold_write.py; the others in one transaction, see
changes.py). Overlaps are refused by the database's exclusion constraints, not
only here: when two holds race, one commits, the other's write fails, and its
retry sees the winner and answers with alternatives. Searches read busy time
from the cache (busy_cache.py) when it can vouch for it.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import asyncpg

from scheduler.adapters import pg_rows as rows
from scheduler.adapters.busy_cache import BusyCache
from scheduler.adapters.changes import Changes, Refused, digest
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.hold_news import HoldNews
from scheduler.adapters.hold_write import HoldDraft, PatientRow, write_hold
from scheduler.adapters.metrics import HOLD_CONFLICTS, booked, counted
from scheduler.adapters.patients import Patients, e164
from scheduler.domain.appointments import Appointment, Status
from scheduler.domain.availability import Busy, Slot
from scheduler.domain.booking import HoldPlan, check_hold, consults_for, slot_for
from scheduler.domain.clock import local_date, zone
from scheduler.domain.commands import (
    AppointmentFilter,
    CancelRequest,
    CloseRequest,
    HoldRequest,
    RescheduleRequest,
)
from scheduler.domain.errors import (
    Contended,
    FieldViolation,
    InvalidRequest,
    NotFound,
    RequestIdReused,
    SlotUnavailable,
    require,
)
from scheduler.domain.intervals import Interval
from scheduler.domain.model import ServiceRule, SpaRules
from scheduler.domain.patients import PatientDetails, check_details
from scheduler.domain.slots import (
    ALTERNATIVES,
    REACHES,
    SlotQuery,
    alternatives,
    alternatives_window,
    check_query,
    find_slots,
    search_window,
)
from scheduler.ports import Clock, SpaCatalog

T = TypeVar("T")
MAX_HOLD_MINUTES = 24 * 60
# Tries before giving up on a contended change; each retry re-reads what it lost to.
ATTEMPTS = 8
_RACES = (
    asyncpg.ExclusionViolationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.UniqueViolationError,
    asyncpg.SerializationError,
)


# Patients' ids by their phone's blind index (never the phone), most recent last, so a
# returning caller's hold can be written without reading the patient first.
KNOWN_PATIENTS = 10_000


@dataclass(frozen=True, slots=True)
class _Hold:
    """A hold request that passed its checks, with what every try at it uses."""

    rules: SpaRules
    plan: HoldPlan
    request: HoldRequest
    phone: str
    index: bytes
    details: PatientDetails
    fingerprint: bytes


def _lost(race: Exception) -> None:
    """A hold's write refused by the database; the exclusion constraint's refusals (and
    the deadlocks its waits can end in) are counted as holds lost to it."""
    if isinstance(race, asyncpg.ExclusionViolationError | asyncpg.DeadlockDetectedError):
        HOLD_CONFLICTS.inc()


def parse_uuid(value: str, field_name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidRequest(
            [FieldViolation(field_name, "malformed", f"{field_name} is a UUID")]
        ) from None


def required(value: str, field_name: str) -> list[FieldViolation]:
    return [] if value else [FieldViolation(field_name, "required", f"{field_name} is required")]


class PostgresCalendar:
    def __init__(
        self,
        pool: asyncpg.Pool,
        catalog: SpaCatalog,
        clock: Clock,
        patients: Patients,
        events: BookingEvents,
        changes: Changes,
        on_hold: Callable[[int | None], None] = lambda due: None,
        cache: BusyCache | None = None,
        news: HoldNews | None = None,
    ) -> None:
        self._pool = pool
        self._catalog = catalog
        self._clock = clock
        self._patients = patients
        self._events = events
        self._on_hold = on_hold
        # Busy time in memory for searches; None reads PostgreSQL every time.
        self._cache = cache
        self._known: OrderedDict[bytes, uuid.UUID] = OrderedDict()
        # Tells other replicas of this one's holds; None: nobody else is listening.
        self._news = news
        self.changes = changes

    async def _busy(self, spa_id: str, service: ServiceRule, window: Interval) -> Busy:
        cached = await self._cache.busy(spa_id) if self._cache is not None else None
        if cached is not None:
            return cached
        # A slot starting in the window ties up time a little before and after it.
        span = (window[0] - service.before_s, window[1] + service.duration_s + service.after_s)
        async with self._pool.acquire() as conn:
            return await rows.busy(conn, spa_id, span)

    def _seen(self, rules: SpaRules, appt: Appointment) -> None:
        """Tell the cache of a committed change at once, before the caller hears back."""
        service = rules.services.get(appt.service_id)
        if self._cache is not None and service is not None:
            self._cache.saw(appt, service.blocked(appt.start))

    async def find_slots(self, spa_id: str, query: SlotQuery) -> list[Slot]:
        rules = self._catalog.rules(spa_id)
        now = self._clock.now()
        service = check_query(rules, query)
        window = search_window(service, query, now)
        return find_slots(rules, query, await self._busy(spa_id, service, window), now)

    async def _alternatives(self, rules: SpaRules, refused: Refused) -> list[Slot]:
        """The nearest free slots, counting as taken what the refusing transaction saw,
        which the cache may not have heard of yet."""
        now, service, near = self._clock.now(), refused.service, refused.near
        found: list[Slot] = []
        for reach in REACHES:
            window = alternatives_window(service, near, now, reach)
            busy = (await self._busy(rules.spa_id, service, window)).merged(refused.seen)
            found = alternatives(rules, service, busy, near, window)
            if len(found) >= ALTERNATIVES:
                break
        return found

    async def hold(self, request: HoldRequest) -> Appointment:
        rules = self._catalog.rules(request.spa_id)
        now = self._clock.now()
        problems = required(request.request_id, "request_id")
        phone = ""
        try:
            phone = e164(request.phone)
        except InvalidRequest as exc:
            problems.extend(exc.violations)
        today = local_date(now, zone(rules.timezone))
        details, bad_details = check_details(
            request.name, request.email, request.date_of_birth, today
        )
        problems.extend(bad_details)
        if not 0 <= request.hold_minutes <= MAX_HOLD_MINUTES:
            problems.append(
                FieldViolation("hold_minutes", "out_of_range", f"0 to {MAX_HOLD_MINUTES} minutes")
            )
        try:
            plan = check_hold(rules, request.service_id, request.provider_id, request.start, now)
        except InvalidRequest as exc:
            problems.extend(exc.violations)
        require(problems)
        index = self._patients.phone_index(phone)
        hold = _Hold(
            rules, plan, request, phone, index, details, self._digest(request, index, plan)
        )
        try:
            held = await self._holding(hold, now)
        except Refused as refused:
            # Outside the connection's use: finding alternatives may need one of its own.
            found = await self._alternatives(rules, refused)
            raise SlotUnavailable(refused.reason, found) from None
        self._seen(rules, held)
        self._on_hold(held.hold_expires_at)
        return held

    async def _holding(self, hold: _Hold, now: int) -> Appointment:
        """Write at once where the cache says the slot is free; else, or when that write
        cannot be kept, read, decide, write, and again after a lost race, since each try
        reads afresh. The exclusion constraints decide in every case."""
        # Taken before the connection: a spa's first look fills the cache with one of its own.
        busy = await self._cache.busy(hold.rules.spa_id) if self._cache is not None else None
        raced = False
        async with self._pool.acquire() as conn:
            if busy is not None:
                try:
                    held = await self._hold_at_once(conn, hold, busy, now)
                except _RACES as race:
                    _lost(race)
                    held, raced = None, True
                if held is not None:
                    return held
            for _ in range(ATTEMPTS):
                try:
                    # A repeat is looked up only after a lost race or before a refusal, so
                    # the usual first try saves a round trip; the unique request id catches
                    # the rest.
                    held = await self._hold_in(conn, hold, now, look_first=raced)
                except _RACES as race:
                    _lost(race)
                    raced = True
                    continue
                if held is not None:
                    return held
        raise Refused("contended", hold.plan.service, hold.plan.start)

    async def _retrying(
        self,
        work: Callable[[asyncpg.Connection], Awaitable[T]],
        exhausted: Callable[[], Exception] = lambda: Contended(),
    ) -> T:
        """Run `work` in a transaction, again after losing a race (each retry re-reads)."""
        for _ in range(ATTEMPTS):
            try:
                async with counted(), self._pool.acquire() as conn, conn.transaction():
                    return await work(conn)
            except _RACES:
                continue
        raise exhausted()

    def _digest(self, request: HoldRequest, index: bytes, plan: HoldPlan) -> bytes:
        # The phone enters only as its keyed index: a plain hash of a number is reversible.
        return digest(
            "hold",
            request.service_id,
            request.provider_id,
            str(plan.start),
            str(request.hold_minutes),
            request.conversation_id,
            index.hex(),
        )

    async def _hold_at_once(
        self, conn: asyncpg.Connection, hold: _Hold, busy: Busy, now: int
    ) -> Appointment | None:
        """The usual hold in one round trip: the slot chosen from the busy time in memory,
        the patient's id from memory (or new), written by the one statement that also
        reads the patient's history. None when that cannot settle it (the slot looks
        taken, the patient is not who memory says, a consult is missing): then the
        full read decides, and answers any refusal from what the database says."""
        slot = slot_for(hold.rules, hold.plan, busy)
        if slot is None:
            return None
        known = self._known.get(hold.index)
        patient = self._patients.row(
            known or uuid.uuid4(),
            hold.phone,
            hold.details,
            on_file=known is not None,
            index=hold.index,
        )
        return await self._write(conn, hold, slot, patient, now)

    async def _write(
        self, conn: asyncpg.Connection, hold: _Hold, slot: Slot, patient: PatientRow, now: int
    ) -> Appointment | None:
        rules, service = hold.rules, hold.plan.service
        minutes = hold.request.hold_minutes or rules.hold_minutes
        new = Appointment(
            id=str(uuid.uuid4()),
            spa_id=rules.spa_id,
            service_id=service.id,
            provider_id=slot.provider_id,
            resource_ids=slot.resource_ids,
            patient_id=str(patient.id),
            start=slot.start,
            end=slot.end,
            status=Status.HELD,
            hold_expires_at=min(now + minutes * 60, slot.start),
            deposit_minor=service.deposit_minor(new_patient=True),
            currency=rules.currency,
            new_patient=True,
            conversation_id=hold.request.conversation_id,
        )
        returning = replace(
            new, deposit_minor=service.deposit_minor(new_patient=False), new_patient=False
        )
        event = self._events.held(new)
        draft = HoldDraft(
            new,
            returning,
            event,
            self._events.held_payload(returning),
            [s.id for s in consults_for(rules, service)]
            if service.consult_required_for_new
            else [],
        )
        held = await write_hold(
            conn,
            patient,
            draft,
            hold.plan.blocked,
            hold.request.request_id,
            hold.fingerprint,
            self._events.namespace,
        )
        if held is not None:
            self._remember(hold.index, patient.id)
            booked("held")
            if self._news is not None:
                self._news.held(held, hold.plan.blocked)
        return held

    def _remember(self, index: bytes, patient_id: uuid.UUID) -> None:
        """The patient with this phone's blind index, for the next hold's write at once."""
        self._known[index] = patient_id
        self._known.move_to_end(index)
        if len(self._known) > KNOWN_PATIENTS:
            self._known.popitem(last=False)

    async def _hold_in(
        self, conn: asyncpg.Connection, hold: _Hold, now: int, *, look_first: bool
    ) -> Appointment | None:
        """One try at the hold: one read, the domain's decision, one atomic write. None
        when the patient row moved under it; raises a race to be tried again."""
        rules, plan, request = hold.rules, hold.plan, hold.request

        async def earlier() -> Appointment | None:
            found = await rows.by_hold_request(conn, rules.spa_id, request.request_id)
            if found is not None and found[1] != hold.fingerprint:
                raise RequestIdReused(request.request_id)
            return found[0] if found else None

        if look_first and (repeat := await earlier()) is not None:
            return repeat
        service = plan.service
        consults = consults_for(rules, service)
        known, returning, consulted, busy = await rows.hold_context(
            conn, rules.spa_id, hold.index, [s.id for s in consults], plan.start, plan.blocked
        )
        refusal = None
        slot = slot_for(rules, plan, busy)
        if service.consult_required_for_new and not returning and not consulted and consults:
            refusal = Refused("consult_required", consults[0], now)
        elif slot is None:
            free_now = slot_for(rules, plan, Busy()) is not None
            reason = "slot_taken" if free_now else "not_available"
            refusal = Refused(reason, service, plan.start, busy)
        if refusal is not None or slot is None:
            if (repeat := await earlier()) is not None:
                return repeat
            raise refusal or Refused("slot_taken", service, plan.start, busy)
        if known is None:
            self._known.pop(hold.index, None)
        patient = self._patients.row(
            known or uuid.uuid4(),
            hold.phone,
            hold.details,
            on_file=known is not None,
            index=hold.index,
        )
        # None: the patient was created by another call since this one read: read again.
        return await self._write(conn, hold, slot, patient, now)

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> Appointment:
        rules = self._catalog.rules(spa_id)
        require(required(request_id, "request_id"))
        key = parse_uuid(appointment_id, "appointment_id")
        confirmed = await self._retrying(
            lambda conn: self.changes.confirm(conn, spa_id, key, request_id)
        )
        self._seen(rules, confirmed)
        return confirmed

    async def cancel(self, request: CancelRequest) -> Appointment:
        rules = self._catalog.rules(request.spa_id)
        require(required(request.request_id, "request_id"))
        key = parse_uuid(request.appointment_id, "appointment_id")
        cancelled = await self._retrying(lambda conn: self.changes.cancel(conn, request, key))
        self._seen(rules, cancelled)
        return cancelled

    async def reschedule(self, request: RescheduleRequest) -> Appointment:
        rules = self._catalog.rules(request.spa_id)
        require(required(request.request_id, "request_id"))
        key = parse_uuid(request.appointment_id, "appointment_id")
        try:
            moved = await self._retrying(
                lambda conn: self.changes.reschedule(conn, rules, request, key)
            )
        except Refused as refused:
            found = await self._alternatives(rules, refused)
            raise SlotUnavailable(refused.reason, found) from None
        self._seen(rules, moved)
        return moved

    async def close(self, request: CloseRequest) -> Appointment:
        rules = self._catalog.rules(request.spa_id)
        require(required(request.request_id, "request_id"))
        key = parse_uuid(request.appointment_id, "appointment_id")
        closed = await self._retrying(lambda conn: self.changes.close(conn, request, key))
        self._seen(rules, closed)
        return closed

    async def get(self, spa_id: str, appointment_id: str) -> Appointment:
        self._catalog.rules(spa_id)
        key = parse_uuid(appointment_id, "appointment_id")
        async with self._pool.acquire() as conn:
            appt = await rows.load(conn, spa_id, key)
        if appt is None:
            raise NotFound("appointment", appointment_id)
        return appt

    async def list(self, spa_id: str, which: AppointmentFilter) -> list[Appointment]:
        self._catalog.rules(spa_id)
        if which.patient_id:
            parse_uuid(which.patient_id, "patient_id")
        async with self._pool.acquire() as conn:
            return await rows.find(conn, spa_id, which)
