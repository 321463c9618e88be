"""Booking events, recorded in the outbox inside the change's own transaction.

Events name the patient by id only: no name or phone ever leaves in one.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import booking_pb2
from medspa_kit import outbox
from medspa_kit.envelope import Envelope
from scheduler.adapters.metrics import booked
from scheduler.domain.appointments import Appointment

SOURCE = "scheduler"


def timestamp(instant: int) -> Timestamp:
    return Timestamp(seconds=instant)


def booking(appt: Appointment) -> booking_pb2.Booking:
    return booking_pb2.Booking(
        appointment_id=appt.id,
        spa_id=appt.spa_id,
        service_id=appt.service_id,
        provider_id=appt.provider_id,
        resource_id=appt.resource_ids[0] if appt.resource_ids else "",
        patient_id=appt.patient_id,
        start=timestamp(appt.start),
        end=timestamp(appt.end),
        deposit_required=appt.deposit_minor > 0,
        deposit=Money(amount_minor=appt.deposit_minor, currency=appt.currency),
        conversation_id=appt.conversation_id,
        new_patient=appt.new_patient,
        resource_ids=appt.resource_ids,
    )


def _held(appt: Appointment) -> booking_pb2.BookingHeld:
    expires = timestamp(appt.hold_expires_at) if appt.hold_expires_at is not None else None
    return booking_pb2.BookingHeld(booking=booking(appt), hold_expires_at=expires)


class BookingEvents:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    async def _record(self, conn: asyncpg.Connection, spa_id: str, message: Message) -> None:
        await outbox.record(conn, Envelope.wrap(spa_id, message, SOURCE), self.namespace)

    def held(self, appt: Appointment) -> Envelope:
        """booking.held, for the hold's own one-statement write (see hold_write.py)."""
        return Envelope.wrap(appt.spa_id, _held(appt), SOURCE)

    def held_payload(self, appt: Appointment) -> bytes:
        """booking.held's payload alone: the same event told of the other kind of patient."""
        payload: bytes = _held(appt).SerializeToString()
        return payload

    async def confirmed(self, conn: asyncpg.Connection, appt: Appointment) -> None:
        await self._record(conn, appt.spa_id, booking_pb2.BookingConfirmed(booking=booking(appt)))
        booked("confirmed")

    async def cancelled(
        self,
        conn: asyncpg.Connection,
        appt: Appointment,
        *,
        cancelled_by: str,
        inside_window: bool,
        hold_expired: bool = False,
    ) -> None:
        message = booking_pb2.BookingCancelled(
            booking=booking(appt),
            cancelled_by=cancelled_by,
            inside_cancellation_window=inside_window,
            hold_expired=hold_expired,
        )
        await self._record(conn, appt.spa_id, message)
        booked("cancelled")

    async def rescheduled(
        self,
        conn: asyncpg.Connection,
        appt: Appointment,
        previous: Appointment,
        inside_window: bool,
    ) -> None:
        message = booking_pb2.BookingRescheduled(
            booking=booking(appt),
            previous_start=timestamp(previous.start),
            previous_end=timestamp(previous.end),
            inside_cancellation_window=inside_window,
        )
        await self._record(conn, appt.spa_id, message)
        booked("rescheduled")

    async def completed(self, conn: asyncpg.Connection, appt: Appointment) -> None:
        await self._record(conn, appt.spa_id, booking_pb2.BookingCompleted(booking=booking(appt)))
        booked("completed")

    async def no_show(self, conn: asyncpg.Connection, appt: Appointment) -> None:
        await self._record(conn, appt.spa_id, booking_pb2.BookingNoShow(booking=booking(appt)))
        booked("no_show")

    async def slot_opened(
        self, conn: asyncpg.Connection, appt: Appointment, waitlist_entry_ids: Sequence[str]
    ) -> None:
        """A confirmed visit left the calendar: the waitlist entries it suits, in order."""
        message = booking_pb2.SlotOpened(
            spa_id=appt.spa_id,
            service_id=appt.service_id,
            provider_id=appt.provider_id,
            resource_id=appt.resource_ids[0] if appt.resource_ids else "",
            start=timestamp(appt.start),
            end=timestamp(appt.end),
            resource_ids=appt.resource_ids,
            waitlist_entry_ids=waitlist_entry_ids,
        )
        await self._record(conn, appt.spa_id, message)
