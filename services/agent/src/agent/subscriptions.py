"""What the agent listens to, and how much of it at once.

Patients' texts are handled several at a time (each holds a pool connection for
its turn), keyed by the conversation they belong to, so one patient's texts are
still answered one after the other, in the order they arrived. Across replicas,
and against booking events and calls on the same conversation, the conversation
row's lock (`FOR UPDATE`) does the same. The rest arrive a few per booking or per
staff action; they may be taken side by side (the kit's default consumer), and the same
row lock keeps two of them from changing one conversation at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from agent.handlers import BookingHandlers, OutreachSentHandler, SmsReceivedHandler
from agent.staff import StaffHandlers
from medspa.events.v1 import telephony_pb2
from medspa_kit.consumer import Consumer, Handler, OrderKey
from medspa_kit.crypto import FieldCipher, KeyringError, Purpose
from medspa_kit.deferred import gathered
from medspa_kit.envelope import Envelope

# deposit.charge_failed and deposit.refund_failed are for staff (the console), not the patient.
DEPOSIT_NOTICES = (
    "deposit.paid",
    "deposit.refunded",
    "deposit.forfeited",
    "deposit.credited",
    "deposit.no_show_charged",
)
BOOKING_CHANGES = ("booking.held", "booking.confirmed", "booking.cancelled", "booking.rescheduled")


def conversation_key(cipher: FieldCipher) -> OrderKey:
    """A text's conversation: the spa and the sender's blind index (never the number itself,
    which must not sit in memory as a key anything could log)."""

    def key(envelope: Envelope, message: Message) -> str:
        assert isinstance(message, telephony_pb2.SmsReceived)
        try:
            phone = cipher.open(message.from_phone, Purpose.PHONE)
        except KeyringError:
            # The handler fails on it too, and says so; it needs no order.
            return envelope.id
        index: bytes = cipher.blind_index(phone, Purpose.PHONE)
        return f"{envelope.spa_id}:{index.hex()}"

    return key


@dataclass(frozen=True)
class Subscriptions:
    sms: SmsReceivedHandler
    booking: BookingHandlers
    staff: StaffHandlers
    outreach: OutreachSentHandler

    def register(self, consumer: Consumer, cipher: FieldCipher, *, texts_at_once: int) -> None:
        def on(name: str, handler: Handler, **options: Any) -> None:
            # No agent handler rolls back to a savepoint, so each writes its audit
            # entries and events in one statement apiece (a turn makes a dozen).
            consumer.register("evt", name, gathered(handler), **options)

        on(
            "sms.received",
            self.sms,
            concurrency=texts_at_once,
            order_key=conversation_key(cipher),
        )
        booking, staff = self.booking, self.staff
        on("deposit.requested", booking.deposit_requested)
        on("deposit.expired", booking.deposit_expired)
        on("deposit.card_requested", booking.card_requested)
        for name in DEPOSIT_NOTICES:
            on(name, booking.deposit_notice)
        for name in BOOKING_CHANGES:
            on(name, booking.booking_changed)
        on("outreach.sent", self.outreach)
        on("autonomy.changed", staff.autonomy_changed)
        on("handoff.claimed", staff.handoff_claimed)
        on("handoff.resolved", staff.handoff_resolved)
        on("conversation.paused", staff.paused)
        on("staff.replied", staff.staff_replied)
        on("draft.reviewed", staff.draft_reviewed)
