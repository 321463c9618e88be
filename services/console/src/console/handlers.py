"""The console's subscriptions: every event it shows or reports on, into its own read models.

Each runs in the consumer's transaction with its inbox row, so a redelivery changes
nothing. Sealed fields are opened only to be stored encrypted again, and every such
write is audited as the console service's. Changes staff should see at once are
announced to the open pages (ids only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from console.adapters import live
from console.adapters.conversations import ConversationStore
from console.adapters.facts import Facts
from console.adapters.inbox import CAPTURED, InboxStore, NewHandoff
from console.adapters.money import MoneyIssues
from console.domain.deadlines import PRIORITY_RANK, handoff_due
from console.domain.hours import is_open
from console.settings import ConsoleSettings
from medspa.common.v1 import common_pb2
from medspa.events.v1 import (
    booking_pb2,
    conversation_pb2,
    deposit_pb2,
    outreach_pb2,
    telephony_pb2,
)
from medspa_kit.audit import audit
from medspa_kit.consumer import Consumer
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaConfig, SpaDirectory, UnknownId, UnknownSpa

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
SERVICE = "service:console"

CHANNELS = {
    common_pb2.CHANNEL_SMS: "sms",
    common_pb2.CHANNEL_VOICE: "voice",
    common_pb2.CHANNEL_CONSOLE: "console",
}
PRIORITIES = {
    conversation_pb2.HANDOFF_PRIORITY_URGENT: PRIORITY_RANK["urgent"],
    conversation_pb2.HANDOFF_PRIORITY_HIGH: PRIORITY_RANK["high"],
    conversation_pb2.HANDOFF_PRIORITY_NORMAL: PRIORITY_RANK["normal"],
}
AUTHORS = {
    conversation_pb2.TURN_AUTHOR_PATIENT: "patient",
    conversation_pb2.TURN_AUTHOR_AGENT: "agent",
    conversation_pb2.TURN_AUTHOR_STAFF: "staff",
}
BOOKING_STATUS = {
    booking_pb2.BookingHeld: "held",
    booking_pb2.BookingConfirmed: "confirmed",
    booking_pb2.BookingRescheduled: "confirmed",
    booking_pb2.BookingCancelled: "cancelled",
    booking_pb2.BookingCompleted: "completed",
    booking_pb2.BookingNoShow: "no_show",
}
DEPOSIT_STATUS = {
    deposit_pb2.DepositPaid: "paid",
    deposit_pb2.DepositForfeited: "forfeited",
    deposit_pb2.DepositRefunded: "refunded",
    deposit_pb2.DepositCredited: "credited",
}
# Missed-call reasons that leave a caller unanswered; "staff_missed" means the assistant
# took the call while staff were busy, so nothing is owed.
UNANSWERED = {"unanswered", "hung_up_on_assistant", ""}
# The outreach kind that calls back a missed call (its job_id is the missed call's CallSid).
CALLBACK_KIND = "missed_call_callback"


def _at(stamp: Timestamp, envelope: Envelope) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC) if stamp.seconds or stamp.nanos else envelope.time


class Handlers:
    def __init__(
        self,
        settings: ConsoleSettings,
        cipher: FieldCipher,
        spas: SpaDirectory,
        conversations: ConversationStore,
        inbox: InboxStore,
        facts: Facts,
        clock: Clock,
        money: MoneyIssues,
    ) -> None:
        self._settings = settings
        self._cipher = cipher
        self._spas = spas
        self._conversations = conversations
        self._inbox = inbox
        self._facts = facts
        self._clock = clock
        self._money = money

    def register(self, consumer: Consumer) -> None:
        routes = {
            "handoff.requested": self.handoff_requested,
            "reply.drafted": self.reply_drafted,
            "conversation.turn": self.conversation_turn,
            "conversation.summarized": self.summarized,
            "intent.detected": self.intent_detected,
            "sms.received": self.sms_received,
            "call.started": self.call_started,
            "call.missed": self.call_missed,
            "callback.requested": self.callback_requested,
            "outreach.sent": self.outreach_sent,
            "slot.opened": self.slot_opened,
            "deposit.refund_failed": self.refund_failed,
            "deposit.charge_failed": self.fee_failed,
            "deposit.no_show_charged": self.fee_charged,
        }
        for name in (
            "booking.held", "booking.confirmed", "booking.rescheduled", "booking.cancelled",
            "booking.completed", "booking.no_show",
        ):  # fmt: skip
            routes[name] = self.booking
        for name in ("deposit.paid", "deposit.forfeited", "deposit.refunded", "deposit.credited"):
            routes[name] = self.deposit
        for name, handler in routes.items():
            consumer.register("evt", name, handler)

    def _spa(self, spa_id: str, envelope: Envelope) -> SpaConfig | None:
        try:
            return self._spas.get(spa_id)
        except UnknownSpa:
            log.warning(
                "event for a spa this deployment does not serve",
                extra={"spa_id": spa_id, "event": envelope.name, "event_id": envelope.id},
            )
            return None

    async def _stored(
        self, conn: asyncpg.Connection, spa_id: str, what: str, subject_id: str, fields: list[str]
    ) -> None:
        await audit(
            conn,
            actor=SERVICE,
            action=f"{what}.stored",
            subject_type=what,
            subject_id=subject_id,
            fields=fields,
            purpose="staff console read model",
            spa_id=spa_id,
        )

    # Conversations -----------------------------------------------------------------------

    async def handoff_requested(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, conversation_pb2.HandoffRequested)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        requested_at = _at(event.requested_at, envelope)
        urgent = event.priority == conversation_pb2.HANDOFF_PRIORITY_URGENT
        phone = (
            self._cipher.open(event.patient_phone, Purpose.PHONE)
            if event.HasField("patient_phone")
            else ""
        )
        channel = CHANNELS.get(event.channel, "sms")
        await self._conversations.touch(
            conn, spa.id, event.conversation_id, requested_at, phone=phone or None, channel=channel
        )
        added = await self._inbox.add_handoff(
            conn,
            NewHandoff(
                spa_id=spa.id,
                id=event.handoff_id,
                conversation_id=event.conversation_id,
                reason=event.reason,
                priority=PRIORITIES.get(event.priority, PRIORITY_RANK["normal"]),
                channel=channel,
                summary=self._cipher.open(event.summary, Purpose.SUMMARY)
                if event.HasField("summary")
                else "",
                phone=phone,
                captured=self._cipher.open(event.captured, CAPTURED)
                if event.HasField("captured")
                else "",
                transcript_ref=event.transcript_ref,
                assigned_role=event.assigned_role,
                requested_at=requested_at,
                due_at=handoff_due(
                    requested_at,
                    event.respond_within_minutes,
                    urgent=urgent,
                    fallback_minutes=spa.policies.handoff_response_minutes,
                ),
            ),
        )
        if added:
            await self._stored(
                conn, spa.id, "handoff", event.handoff_id, ["summary", "phone", "captured"]
            )
            await live.announce(conn, spa.id, "handoff", event.handoff_id)
            log.info(
                "handoff in the inbox",
                extra={"handoff_id": event.handoff_id, "reason": event.reason, "urgent": urgent},
            )

    async def reply_drafted(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, conversation_pb2.ReplyDrafted)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        drafted_at = _at(event.drafted_at, envelope)
        phone = (
            self._cipher.open(event.patient_phone, Purpose.PHONE)
            if event.HasField("patient_phone")
            else None
        )
        await self._conversations.touch(
            conn, spa.id, event.conversation_id, drafted_at, phone=phone,
            channel=CHANNELS.get(event.channel, "sms"),
        )  # fmt: skip
        if phone is None:
            phone = await self._conversations.phone_of(conn, spa.id, event.conversation_id)
        added = await self._inbox.add_draft(
            conn,
            spa.id,
            envelope.id,
            event.conversation_id,
            self._cipher.open(event.draft, Purpose.SMS_BODY),
            phone,
            CHANNELS.get(event.channel, "sms"),
            event.intent,
            drafted_at,
            drafted_at + timedelta(minutes=self._settings.draft_response_minutes),
        )
        if added:
            await self._stored(conn, spa.id, "draft", envelope.id, ["body", "phone"])
            await live.announce(conn, spa.id, "draft", envelope.id)

    async def conversation_turn(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, conversation_pb2.ConversationTurn)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        at = _at(event.at, envelope)
        phone = (
            self._cipher.open(event.patient_phone, Purpose.PHONE)
            if event.HasField("patient_phone")
            else None
        )
        channel = CHANNELS.get(event.channel, "sms")
        await self._conversations.touch(
            conn, spa.id, event.conversation_id, at, phone=phone, channel=channel,
            patient_id=event.patient_id,
        )  # fmt: skip
        await self._conversations.agent_turn(
            conn,
            spa.id,
            event.conversation_id,
            seq=event.seq,
            author=AUTHORS.get(event.author, "agent"),
            channel=channel,
            text=self._cipher.open(event.text, Purpose.TRANSCRIPT),
            at=at,
            message_ref=event.message_ref,
            draft=event.draft,
            phone_index=self._conversations.phone_index(phone) if phone else None,
        )
        await self._stored(conn, spa.id, "conversation", event.conversation_id, ["transcript"])
        await live.announce(conn, spa.id, "conversation", event.conversation_id)

    async def summarized(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, conversation_pb2.ConversationSummarized)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        await self._conversations.summarized(
            conn,
            spa.id,
            event.conversation_id,
            self._cipher.open(event.summary, Purpose.SUMMARY),
            event.outcome,
            event.turns,
            envelope.time,
        )
        await self._stored(conn, spa.id, "conversation", event.conversation_id, ["summary"])

    async def intent_detected(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """Every conversation the agent holds says at least this, so the report counts it."""
        assert isinstance(event, conversation_pb2.IntentDetected)
        if self._spa(event.spa_id, envelope) is None:
            return
        await self._conversations.touch(
            conn, event.spa_id, event.conversation_id, envelope.time,
            channel=CHANNELS.get(event.channel, ""),
        )  # fmt: skip

    # Telephony ---------------------------------------------------------------------------

    async def sms_received(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, telephony_pb2.SmsReceived)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        at = _at(event.received_at, envelope)
        phone = self._cipher.open(event.from_phone, Purpose.PHONE)
        joined = await self._conversations.patient_text(
            conn, spa.id, event.message_sid, phone,
            self._cipher.open(event.body, Purpose.SMS_BODY), at,
        )  # fmt: skip
        await self._facts.contact(
            conn, spa.id, event.message_sid, "text", at, self._conversations.phone_index(phone),
            after_hours=not is_open(spa, at),
        )  # fmt: skip
        await self._inbox.patient_returned(conn, spa.id, phone, at)
        await self._stored(conn, spa.id, "message", event.message_sid, ["body", "phone"])
        if joined:
            await live.announce(conn, spa.id, "conversation", joined)

    async def call_started(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, telephony_pb2.CallStarted)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        at = _at(event.started_at, envelope)
        phone = self._cipher.open(event.from_phone, Purpose.PHONE)
        await self._facts.contact(
            conn, spa.id, event.call_sid, "call", at, self._conversations.phone_index(phone),
            after_hours=not is_open(spa, at),
        )  # fmt: skip
        await self._inbox.patient_returned(conn, spa.id, phone, at)

    async def call_missed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, telephony_pb2.CallMissed)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        at = _at(event.missed_at, envelope)
        phone = self._cipher.open(event.from_phone, Purpose.PHONE)
        owed = event.reason in UNANSWERED
        await self._facts.contact(
            conn, spa.id, event.call_sid, "missed_call" if owed else "call", at,
            self._conversations.phone_index(phone), after_hours=not is_open(spa, at),
            staff_busy=event.reason == "staff_missed",
        )  # fmt: skip
        if owed and await self._inbox.owe_callback(
            conn, spa.id, event.call_sid, "missed_call", event.reason or "unanswered", phone, at,
            at + timedelta(seconds=self._settings.missed_call_callback_seconds),
        ):  # fmt: skip
            await self._stored(conn, spa.id, "callback", event.call_sid, ["phone"])
            await live.announce(conn, spa.id, "callback", event.call_sid)

    async def callback_requested(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, telephony_pb2.CallbackRequested)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        at = _at(event.requested_at, envelope)
        due = _at(event.due_by, envelope) if event.HasField("due_by") else at
        callback_id = event.call_sid or event.handoff_id or envelope.id
        phone = self._cipher.open(event.phone, Purpose.PHONE) if event.HasField("phone") else None
        if await self._inbox.owe_callback(
            conn, spa.id, callback_id, "requested", event.reason, phone, at, due,
            conversation_id=event.conversation_id, handoff_id=event.handoff_id,
        ):  # fmt: skip
            await self._stored(conn, spa.id, "callback", callback_id, ["phone"])
            await live.announce(conn, spa.id, "callback", callback_id)

    # Calendar, money, outreach -------------------------------------------------------------

    async def booking(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        spa = self._spa(envelope.spa_id, envelope)
        if spa is None:
            return
        b = event.booking  # type: ignore[attr-defined]
        status = BOOKING_STATUS[type(event)]
        await self._facts.booking(
            conn,
            spa.id,
            b.appointment_id,
            service_id=b.service_id,
            provider_id=b.provider_id,
            patient_id=b.patient_id,
            conversation_id=b.conversation_id,
            start_at=b.start.ToDatetime(tzinfo=UTC),
            status=status,
            at=envelope.time,
            currency=spa.currency,
        )
        if b.conversation_id and b.patient_id:
            await self._conversations.touch(
                conn, spa.id, b.conversation_id, envelope.time, patient_id=b.patient_id
            )
        if isinstance(event, booking_pb2.BookingConfirmed):
            await self._facts.confirmed(
                conn, spa.id, b.appointment_id, envelope.time, self._value(spa, b.service_id)
            )

    @staticmethod
    def _value(spa: SpaConfig, service_id: str) -> int:
        """What a booking is worth to the report: the low end of the service's price."""
        try:
            low, _ = spa.service(service_id).price.estimate()
        except UnknownId:
            return 0
        return int(low)

    async def deposit(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        if self._spa(envelope.spa_id, envelope) is None:
            return
        amount = event.amount  # type: ignore[attr-defined]
        await self._facts.deposit(
            conn,
            envelope.spa_id,
            event.deposit_id,  # type: ignore[attr-defined]
            event.appointment_id,  # type: ignore[attr-defined]
            DEPOSIT_STATUS[type(event)],
            amount.amount_minor,
            amount.currency,
            envelope.time,
        )

    async def refund_failed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """A refund that did not reach the patient: a task for staff (contact, retry)."""
        assert isinstance(event, deposit_pb2.DepositRefundFailed)
        if self._spa(envelope.spa_id, envelope) is None:
            return
        # One task per refund attempt: a retry that fails again is a new one.
        issue_id = f"refund-{event.deposit_id}-{event.attempt}"
        if await self._money.raise_issue(
            conn, envelope.spa_id, issue_id, "refund_failed", deposit_id=event.deposit_id,
            appointment_id=event.appointment_id, conversation_id=event.conversation_id,
            amount_minor=event.amount.amount_minor, currency=event.amount.currency or "USD",
            reason=event.reason, attempt=event.attempt, at=envelope.time,
        ):  # fmt: skip
            await live.announce(conn, envelope.spa_id, "money", issue_id)

    async def fee_failed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """A no-show fee the card refused: owed, for staff to collect; and the report's."""
        assert isinstance(event, deposit_pb2.NoShowFeeFailed)
        if self._spa(envelope.spa_id, envelope) is None:
            return
        issue_id = f"fee-{event.deposit_id}"
        currency = event.amount.currency or "USD"
        await self._facts.deposit(
            conn, envelope.spa_id, event.deposit_id, event.appointment_id, "fee_owed",
            event.amount.amount_minor, currency, envelope.time,
        )  # fmt: skip
        if await self._money.raise_issue(
            conn, envelope.spa_id, issue_id, "fee_owed", deposit_id=event.deposit_id,
            appointment_id=event.appointment_id, conversation_id=event.conversation_id,
            amount_minor=event.amount.amount_minor, currency=currency, reason=event.reason,
            attempt=0, at=envelope.time,
        ):  # fmt: skip
            await live.announce(conn, envelope.spa_id, "money", issue_id)

    async def fee_charged(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """Fee income, for the report only (the notice is the agent's to forward)."""
        assert isinstance(event, deposit_pb2.NoShowFeeCharged)
        if self._spa(envelope.spa_id, envelope) is None:
            return
        await self._facts.deposit(
            conn, envelope.spa_id, event.deposit_id, event.appointment_id, "fee_charged",
            event.amount.amount_minor, event.amount.currency or "USD", envelope.time,
        )  # fmt: skip

    async def slot_opened(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, booking_pb2.SlotOpened)
        if self._spa(event.spa_id, envelope) is None:
            return
        await self._facts.opening(
            conn, event.spa_id, event.provider_id, event.start.ToDatetime(tzinfo=UTC),
            event.service_id, envelope.time,
        )  # fmt: skip

    async def outreach_sent(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, outreach_pb2.OutreachSent)
        if self._spa(event.spa_id, envelope) is None:
            return
        at = _at(event.sent_at, envelope)
        await self._facts.outreach(
            conn, event.spa_id, event.job_id, event.kind, event.appointment_id, at
        )
        if event.kind == CALLBACK_KIND:
            await self._inbox.callback_done(conn, event.spa_id, event.job_id, "outreach", at)
