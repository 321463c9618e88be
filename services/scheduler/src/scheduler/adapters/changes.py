"""Changes to an existing appointment, each inside a transaction the caller owns.

The gRPC edge and the deposit event handlers share these, so a confirm by
RPC and a confirm by a paid deposit are the same change with the same event.
Confirms, cancels and reschedules remember their request id; a repeat answers
with the appointment as it now is and records nothing new.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

import asyncpg

from scheduler.adapters import pg_rows as rows
from scheduler.adapters.events import BookingEvents
from scheduler.domain import appointments as life
from scheduler.domain.appointments import Appointment, Status
from scheduler.domain.availability import Busy
from scheduler.domain.booking import check_hold, slot_for
from scheduler.domain.commands import CancelRequest, CloseRequest, RescheduleRequest
from scheduler.domain.errors import NotFound, RequestIdReused
from scheduler.domain.model import ServiceRule, SpaRules
from scheduler.domain.waitlist import OpenSlot
from scheduler.ports import Clock, SpaCatalog

if TYPE_CHECKING:
    from scheduler.adapters.waitlist import PostgresWaitlist


class Refused(Exception):
    """Raised inside a transaction to roll it back; the caller answers with alternatives."""

    def __init__(
        self, reason: str, service: ServiceRule, near: int, seen: Busy | None = None
    ) -> None:
        super().__init__(reason)
        self.reason, self.service, self.near = reason, service, near
        # The busy time the refusing transaction read: fresher than any cache.
        self.seen = seen or Busy()


def digest(*parts: str) -> bytes:
    return hashlib.sha256("\0".join(parts).encode()).digest()


class Changes:
    def __init__(
        self,
        catalog: SpaCatalog,
        clock: Clock,
        events: BookingEvents,
        waitlist: PostgresWaitlist,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._events = events
        self._waitlist = waitlist

    async def _opened(self, conn: asyncpg.Connection, rules: SpaRules, appt: Appointment) -> None:
        """Say a confirmed visit's time is free, naming the waitlist entries it suits."""
        slot = OpenSlot(appt.service_id, appt.provider_id, appt.start, appt.end)
        waiting = await self._waitlist.ids_for(conn, rules, slot, appt.patient_id)
        await self._events.slot_opened(conn, appt, waiting)

    async def _locked(self, conn: asyncpg.Connection, spa_id: str, key: uuid.UUID) -> Appointment:
        appt = await rows.load(conn, spa_id, key, lock=True)
        if appt is None:
            raise NotFound("appointment", str(key))
        return appt

    async def _replayed(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        request_id: str,
        operation: str,
        key: uuid.UUID,
        fingerprint: bytes,
    ) -> bool:
        """True when this request id already did exactly this; refused when it did another thing."""
        row = await conn.fetchrow(
            "SELECT operation, appointment_id, request_digest FROM appointment_requests"
            " WHERE spa_id = $1 AND request_id = $2",
            spa_id,
            request_id,
        )
        if row is None:
            await conn.execute(
                "INSERT INTO appointment_requests (spa_id, request_id, operation, appointment_id,"
                " request_digest) VALUES ($1, $2, $3, $4, $5)",
                spa_id,
                request_id,
                operation,
                key,
                fingerprint,
            )
            return False
        same = (row["operation"], row["appointment_id"], bytes(row["request_digest"]))
        if same != (operation, key, fingerprint):
            raise RequestIdReused(request_id)
        return True

    async def confirm(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        key: uuid.UUID,
        request_id: str,
        *,
        paid: bool = False,
    ) -> Appointment:
        appt = await self._locked(conn, spa_id, key)
        if await self._replayed(conn, spa_id, request_id, "confirm", key, digest("confirm")):
            return appt
        if life.confirm(appt, self._clock.now(), paid=paid):
            appt = await rows.set_status(conn, appt, Status.CONFIRMED)
            await self._events.confirmed(conn, appt)
        return appt

    async def cancel(
        self, conn: asyncpg.Connection, request: CancelRequest, key: uuid.UUID
    ) -> Appointment:
        appt = await self._locked(conn, request.spa_id, key)
        fingerprint = digest("cancel", request.cancelled_by, request.reason)
        if await self._replayed(
            conn, request.spa_id, request.request_id, "cancel", key, fingerprint
        ):
            return appt
        if not life.cancel(appt):
            return appt
        rules = self._catalog.rules(request.spa_id)
        late = life.inside_cancellation_window(
            appt.start, self._clock.now(), rules.cancellation_window_hours
        )
        cancelled = await rows.set_status(conn, appt, Status.CANCELLED)
        await self._events.cancelled(
            conn, cancelled, cancelled_by=request.cancelled_by, inside_window=late
        )
        if appt.status is Status.CONFIRMED:
            await self._opened(conn, rules, appt)
        return cancelled

    async def release(self, conn: asyncpg.Connection, appt: Appointment) -> Appointment:
        """A hold whose time ran out (or whose deposit link lapsed) leaves the calendar.

        It must leave even if its spa has since gone from the configuration, or the sweeper
        would trip on it forever: then no window applies.
        """
        try:
            window = self._catalog.rules(appt.spa_id).cancellation_window_hours
        except NotFound:
            window = 0
        late = life.inside_cancellation_window(appt.start, self._clock.now(), window)
        expired = await rows.set_status(conn, appt, Status.EXPIRED)
        await self._events.cancelled(
            conn, expired, cancelled_by="system", inside_window=late, hold_expired=True
        )
        return expired

    async def expire_due(self, conn: asyncpg.Connection, limit: int) -> int:
        """Expire holds past their time; replicas share the work (SKIP LOCKED)."""
        due = await rows.due_holds(conn, self._clock.now(), limit)
        for appt in due:
            await self.release(conn, appt)
        return len(due)

    async def reschedule(
        self, conn: asyncpg.Connection, rules: SpaRules, request: RescheduleRequest, key: uuid.UUID
    ) -> Appointment:
        appt = await self._locked(conn, request.spa_id, key)
        start = request.start.isoformat() if request.start else ""
        fingerprint = digest("reschedule", start, request.provider_id)
        if await self._replayed(
            conn, request.spa_id, request.request_id, "reschedule", key, fingerprint
        ):
            return appt
        now = self._clock.now()
        life.reschedule(appt, now)
        plan = check_hold(rules, appt.service_id, request.provider_id, request.start, now)
        busy = await rows.busy(conn, rules.spa_id, plan.blocked, exclude=appt.id)
        current = rules.providers.get(appt.provider_id)
        slot = None
        if not request.provider_id and current is not None and current.can_perform(plan.service):
            slot = slot_for(rules, replace(plan, provider=current), busy)
        slot = slot or slot_for(rules, plan, busy)
        if slot is None:
            free_now = slot_for(rules, plan, Busy()) is not None
            reason = "slot_taken" if free_now else "not_available"
            raise Refused(reason, plan.service, plan.start, busy)
        moved = replace(
            appt,
            provider_id=slot.provider_id,
            resource_ids=slot.resource_ids,
            start=slot.start,
            end=slot.end,
        )
        moved = await rows.move(conn, moved, plan.blocked)
        late = life.inside_cancellation_window(appt.start, now, rules.cancellation_window_hours)
        await self._events.rescheduled(conn, moved, appt, late)
        if appt.status is Status.CONFIRMED:
            await self._opened(conn, rules, appt)
        return moved

    async def close(
        self, conn: asyncpg.Connection, request: CloseRequest, key: uuid.UUID
    ) -> Appointment:
        appt = await self._locked(conn, request.spa_id, key)
        outcome = request.outcome
        fingerprint = digest("close", outcome.value)
        if await self._replayed(
            conn, request.spa_id, request.request_id, "close", key, fingerprint
        ):
            return appt
        if not life.close(appt, outcome, self._clock.now()):
            return appt
        closed = await rows.set_status(conn, appt, outcome)
        if outcome is Status.COMPLETED:
            await self._events.completed(conn, closed)
        else:
            await self._events.no_show(conn, closed)
        return closed
