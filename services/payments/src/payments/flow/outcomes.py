"""booking.cancelled, booking.no_show and booking.completed: apply the policy to the deposit;
booking.rescheduled: the deposit follows its appointment to the new time.

Each kind of booking event has its own durable consumer, so a cancellation can
arrive before the booking.held it follows: it is then remembered, and the late
booking.held makes no link for a booking that is already over.
"""

from __future__ import annotations

import logging
from datetime import UTC

import asyncpg
from google.protobuf.message import Message

from medspa.events.v1 import booking_pb2
from medspa_kit.envelope import Envelope
from payments.adapters import rows
from payments.adapters.events import DepositEvents
from payments.domain.machine import Cancelled, Completed, HoldReleased, NoShow, Trigger
from payments.flow.transitions import Transitions
from spa_config import UnknownSpa

log = logging.getLogger(__name__)


def _trigger(message: Message) -> Trigger:
    if isinstance(message, booking_pb2.BookingCancelled):
        appointment_id = message.booking.appointment_id
        if message.hold_expired:
            return HoldReleased(appointment_id)
        return Cancelled(
            appointment_id,
            inside_window=message.inside_cancellation_window,
            # The scheduler reads an unspecified canceller as the patient; so do we.
            cancelled_by=message.cancelled_by or "patient",
        )
    if isinstance(message, booking_pb2.BookingNoShow):
        return NoShow(message.booking.appointment_id)
    assert isinstance(message, booking_pb2.BookingCompleted)
    return Completed(message.booking.appointment_id)


class BookingOutcomes:
    def __init__(self, transitions: Transitions, events: DepositEvents) -> None:
        self._transitions = transitions
        self._events = events

    def _may_ask(self, spa_id: str, booking: booking_pb2.Booking) -> bool:
        """Whether a booking.held of this booking would make a deposit or a card request."""
        if booking.deposit_required:
            return True
        try:
            return bool(self._events.spa(spa_id).policies.no_show_fee > 0)
        except UnknownSpa:
            return False

    async def on_booking_end(
        self, conn: asyncpg.Connection, envelope: Envelope, message: Message
    ) -> None:
        booking = message.booking
        if not booking.appointment_id:
            log.warning("booking event without an appointment id", extra={"event_id": envelope.id})
            return
        trigger = _trigger(message)
        await rows.lock_appointment(conn, envelope.spa_id, booking.appointment_id)
        record = await rows.by_appointment(conn, envelope.spa_id, booking.appointment_id, lock=True)
        if record is None:
            if self._may_ask(envelope.spa_id, booking):
                await rows.close_appointment(
                    conn, envelope.spa_id, booking.appointment_id, envelope.name
                )
            return
        await self._transitions.fire(
            conn, record, trigger, {"event": envelope.name, "event_id": envelope.id}
        )

    async def on_rescheduled(
        self, conn: asyncpg.Connection, envelope: Envelope, message: Message
    ) -> None:
        """Keep the deposit's idea of the visit current: its texts name the time, and
        a late payment's slot is held again at it. The money does not move."""
        assert isinstance(message, booking_pb2.BookingRescheduled)
        booking = message.booking
        if not booking.appointment_id or not booking.HasField("start"):
            return
        await rows.lock_appointment(conn, envelope.spa_id, booking.appointment_id)
        record = await rows.by_appointment(conn, envelope.spa_id, booking.appointment_id, lock=True)
        if record is None or record.deposit.appointment_id != booking.appointment_id:
            return
        moved = record.but(
            appointment_start=booking.start.ToDatetime(tzinfo=UTC),
            provider_id=booking.provider_id or record.provider_id,
        )
        detail: dict[str, object] = {
            "event_id": envelope.id,
            "previous_start": record.appointment_start.isoformat(),
            "inside_window": message.inside_cancellation_window,
        }
        await self._transitions.note(conn, moved, "rescheduled", detail)
