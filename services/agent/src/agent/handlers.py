"""The agent's subscriptions: decode, hand to the conversation, record. Thin on purpose.

Each runs inside the consumer's transaction with its inbox row, so a redelivered
event finds its effect already committed and changes nothing; an event for a
spa or a conversation this deployment does not know is logged and dropped
(redelivering it would not make it known).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
from google.protobuf.message import Message

from agent.adapters.records import Records
from agent.adapters.store import Conversation, TurnRecord
from agent.brains.followups import MARKETING, MARKETING_ASK
from agent.conversations import Conversations, reply_command_id
from agent.domain.outreach import Expects
from agent.domain.speech import Channel, spoken_time
from agent.domain.state import Booking, CardLink, Outreach, Stage
from agent.engine import Incoming
from agent.words import Words
from medspa.common.v1.common_pb2 import Sealed
from medspa.events.v1 import booking_pb2, deposit_pb2, outreach_pb2, telephony_pb2
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import AgentAutonomy, SpaConfig, SpaDirectory, UnknownSpa

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SmsReceivedHandler:
    def __init__(
        self,
        conversations: Conversations,
        cipher: FieldCipher,
        spas: SpaDirectory,
        clock: Clock = utc_now,
    ) -> None:
        self._conversations = conversations
        self._cipher = cipher
        self._spas = spas
        self._clock = clock

    async def __call__(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        assert isinstance(event, telephony_pb2.SmsReceived)
        spa = _spa(self._spas, event.spa_id, envelope)
        if spa is None:
            return
        phone = self._cipher.open(event.from_phone, Purpose.PHONE)
        text = self._cipher.open(event.body, Purpose.SMS_BODY)
        incoming = Incoming(
            text=text,
            channel=Channel.SMS,
            now=self._clock(),
            turn_ref=envelope.id,
            message_ref=event.message_sid,
        )
        result = await self._conversations.take_turn(conn, spa, phone, incoming)
        outcome = result.outcome
        if outcome.reply and not outcome.draft:
            # Deterministic id: a redelivered text can never produce a second reply.
            await self._conversations.events.text(
                conn, spa.id, str(result.conversation.id), phone, outcome.reply,
                reply_command_id(incoming),
            )  # fmt: skip
        log.info(
            "replied" if outcome.reply and not outcome.draft else "stayed quiet",
            extra={
                "conversation_id": str(result.conversation.id),
                "intent": outcome.intent.value,
                "handoff": outcome.handoff.reason if outcome.handoff else None,
            },
        )


def _spa(spas: SpaDirectory, spa_id: str, envelope: Envelope) -> SpaConfig | None:
    try:
        return spas.get(spa_id)
    except UnknownSpa:
        log.warning(
            "event for a spa this deployment does not serve",
            extra={"spa_id": spa_id, "event": envelope.name, "event_id": envelope.id},
        )
        return None


class BookingHandlers:
    """What payments, the scheduler and staff say about a conversation's own booking."""

    def __init__(
        self,
        conversations: Conversations,
        words: Words,
        cipher: FieldCipher,
        spas: SpaDirectory,
        clock: Clock = utc_now,
    ) -> None:
        self._conversations = conversations
        self._cipher = cipher
        self._store = conversations.store
        self._events = conversations.events
        self._words = words
        self._spas = spas
        self._clock = clock

    async def _text(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        conversation: Conversation,
        body: str,
        command_id: str,
    ) -> None:
        await self._conversations.record_turn(
            conn, spa.id, conversation,
            TurnRecord("agent", "sms", body, self._clock(), ref=command_id),
        )  # fmt: skip
        await self._events.text(
            conn, spa.id, str(conversation.id), conversation.phone, body, command_id, "booking"
        )

    async def _forward(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        conversation: Conversation,
        notice: Sealed,
        command_id: str,
    ) -> None:
        """Payments words its own notices; the agent passes them on unchanged."""
        text = self._cipher.open(notice, Purpose.SMS_BODY)
        await self._conversations.record_turn(
            conn, spa.id, conversation,
            TurnRecord("agent", "sms", text, self._clock(), ref=command_id),
        )  # fmt: skip
        await self._events.sealed_text(
            conn, spa.id, str(conversation.id), conversation.phone, notice, command_id, "deposit"
        )

    async def _load(
        self, conn: asyncpg.Connection, envelope: Envelope, conversation_id: str
    ) -> tuple[SpaConfig, Conversation] | None:
        spa = _spa(self._spas, envelope.spa_id, envelope)
        if spa is None or not conversation_id:
            return None
        conversation = await self._store.by_id(conn, spa.id, conversation_id)
        if conversation is None:
            log.info(
                "event for a conversation the agent does not have", extra={"event": envelope.name}
            )
            return None
        return spa, conversation

    async def deposit_requested(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, deposit_pb2.DepositRequested)
        found = await self._load(conn, envelope, event.conversation_id)
        if found is None:
            return
        spa, conversation = found
        if event.HasField("notice"):
            await self._forward(conn, spa, conversation, event.notice, f"deposit-{envelope.id}")
        else:
            expires = (
                event.expires_at.ToDatetime(tzinfo=UTC) if event.HasField("expires_at") else None
            )
            body = self._words.say(
                "deposit_link",
                deposit=event.amount.amount_minor,
                url=event.payment_url,
                until=spoken_time(expires, spa.tz, self._clock()) if expires else "",
            )
            await self._text(conn, spa, conversation, body, f"deposit-{envelope.id}")
        await self._store.save(conn, conversation, self._clock())

    async def deposit_expired(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, deposit_pb2.DepositExpired)
        found = await self._load(conn, envelope, event.conversation_id)
        if found is None:
            return
        spa, conversation = found
        state = conversation.state
        if state.booking is not None and state.booking.appointment_id == event.appointment_id:
            state.booking.status = "expired"
            service_id = state.booking.service_id
            state.reset_booking_flow()
            state.service_id, state.awaiting = service_id, "rebook"
        if event.HasField("notice"):
            await self._forward(conn, spa, conversation, event.notice, f"expired-{envelope.id}")
        else:
            await self._text(
                conn,
                spa,
                conversation,
                self._words.say("deposit_expired"),
                f"expired-{envelope.id}",
            )
        await self._store.save(conn, conversation, self._clock())

    async def deposit_notice(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """deposit.paid, .refunded, .forfeited, .credited, .no_show_charged: pass on what
        payments wrote."""
        conversation_id = getattr(event, "conversation_id", "")
        if not event.HasField("notice"):
            return
        found = await self._load(conn, envelope, conversation_id)
        if found is None:
            return
        spa, conversation = found
        await self._forward(conn, spa, conversation, event.notice, f"notice-{envelope.id}")

    async def card_requested(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """deposit.card_requested: a link to save a card for the no-show fee. Texted now when
        nothing is waiting on the patient's answer, otherwise kept for the reply that settles
        the exchange (`Conversations.continue_turn`), so it never lands between a question
        and its answer. Once per deposit, whatever the delivery."""
        assert isinstance(event, deposit_pb2.CardOnFileRequested)
        found = await self._load(conn, envelope, event.conversation_id)
        if found is None:
            return
        spa, conversation = found
        state, key, now = conversation.state, event.deposit_id or envelope.id, self._clock()
        pending = state.card_link
        if key in state.card_links_sent or (pending is not None and pending.deposit_id == key):
            return
        mine = state.booking
        if (
            mine is not None
            and mine.appointment_id == event.appointment_id
            and mine.status in ("cancelled", "expired")
        ):
            # Payments closes the link of a hold let go; nothing to ask for.
            return
        expires = event.expires_at.ToDatetime(tzinfo=UTC) if event.HasField("expires_at") else None
        if event.HasField("notice"):
            text = self._cipher.open(event.notice, Purpose.SMS_BODY)
        else:
            text = self._words.say(
                "card_link",
                fee=event.no_show_fee.amount_minor,
                url=event.payment_url,
                until=spoken_time(expires, spa.tz, now) if expires else "",
                terms=event.terms,
            )
        link = CardLink(key, event.appointment_id, text, expires, kept_at=now)
        if await self._shadow(conn, spa):
            await self._draft(conn, spa, conversation, link)
        elif state.channel == "voice":
            # A text does not interrupt a call: sent now, and the next spoken reply says so.
            await self._send_link(conn, spa, conversation, event, link)
            state.card_link_to_mention = True
        elif state.settled:
            await self._send_link(conn, spa, conversation, event, link)
        else:
            state.card_link = link
            log.info("card link kept for a calm moment", extra={"deposit_id": key})
        await self._store.save(conn, conversation, now)

    async def _send_link(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        conversation: Conversation,
        event: deposit_pb2.CardOnFileRequested,
        link: CardLink,
    ) -> None:
        command_id = f"card-{link.deposit_id}"
        if event.HasField("notice"):
            await self._forward(conn, spa, conversation, event.notice, command_id)
        else:
            await self._text(conn, spa, conversation, link.text, command_id)
        conversation.state.card_links_sent.append(link.deposit_id)

    async def _draft(
        self, conn: asyncpg.Connection, spa: SpaConfig, conversation: Conversation, link: CardLink
    ) -> None:
        """Shadow autonomy sends nothing: the link is a draft for staff, as every reply is."""
        now, draft = self._clock(), f"draft-card-{link.deposit_id}"
        await self._conversations.record_turn(
            conn, spa.id, conversation,
            TurnRecord("agent", "sms", link.text, now, intent="card_link", draft_id=draft),
        )  # fmt: skip
        await self._events.draft(
            conn, spa.id, str(conversation.id), conversation.phone, link.text, Channel.SMS,
            "card_link", now, draft,
        )  # fmt: skip
        conversation.state.card_links_sent.append(link.deposit_id)

    async def _shadow(self, conn: asyncpg.Connection, spa: SpaConfig) -> bool:
        chosen = await self._conversations.records.autonomy(conn, spa.id)
        return (chosen or spa.policies.agent_autonomy) is AgentAutonomy.SHADOW

    async def booking_changed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """booking.held/confirmed/cancelled/rescheduled for a booking this conversation made,
        or that outreach held for it on the patient's yes to an offer."""
        booking = event.booking
        found = await self._load(conn, envelope, booking.conversation_id)
        if found is None:
            return
        spa, conversation = found
        state = conversation.state
        if booking.patient_id and not state.patient_id:
            state.patient_id = booking.patient_id
            await self._store.remember(
                conn, spa.id, conversation.phone, state.name, booking.patient_id
            )
        if isinstance(event, booking_pb2.BookingHeld) and _offer_taken(state.outreach):
            self._adopt(spa, conversation, event)
        mine = state.booking
        if mine is None or mine.appointment_id != booking.appointment_id:
            await self._store.save(conn, conversation, self._clock())
            return
        if isinstance(event, booking_pb2.BookingConfirmed):
            mine.status = "confirmed"
            if not mine.confirmation_sent:
                mine.confirmation_sent = True
                state.stage = Stage.BOOKED
                body = self._words.say(
                    "confirmed",
                    service=mine.service_name,
                    provider=mine.provider_name,
                    when=spoken_time(mine.start, spa.tz, self._clock()),
                )
                if await self._may_ask_marketing(conn, spa, conversation):
                    body = f"{body} {self._words.say(MARKETING_ASK)}"
                    state.awaiting = MARKETING
                    await self._store.marketing_asked(
                        conn, spa.id, conversation.phone, self._clock()
                    )
                await self._text(conn, spa, conversation, body, f"confirmed-{envelope.id}")
        elif isinstance(event, booking_pb2.BookingCancelled):
            mine.status = "expired" if event.hold_expired else "cancelled"
        elif isinstance(event, booking_pb2.BookingRescheduled):
            mine.start = booking.start.ToDatetime(tzinfo=UTC)
        await self._store.save(conn, conversation, self._clock())

    def _adopt(
        self, spa: SpaConfig, conversation: Conversation, event: booking_pb2.BookingHeld
    ) -> None:
        """The slot outreach held on the patient's yes becomes this conversation's booking, so
        the deposit link and the confirmation follow here. Outreach said "it's yours" (and
        "you're booked" when no deposit is due), so the agent does not say it again."""
        state, booking = conversation.state, event.booking
        mine = state.booking
        if mine is not None and mine.status in ("held", "confirmed"):
            return
        service = spa.service(booking.service_id)
        provider = spa.provider(booking.provider_id)
        state.booking = Booking(
            appointment_id=booking.appointment_id,
            service_id=service.id,
            service_name=service.name,
            provider_id=provider.id,
            provider_name=provider.name,
            start=booking.start.ToDatetime(tzinfo=UTC),
            status="held",
            deposit_minor=booking.deposit.amount_minor if booking.deposit_required else 0,
            hold_expires_at=event.hold_expires_at.ToDatetime(tzinfo=UTC)
            if event.HasField("hold_expires_at")
            else None,
            confirmation_sent=not booking.deposit_required,
        )
        state.outreach = None
        state.stage = Stage.HELD if booking.deposit_required else Stage.BOOKED

    async def _may_ask_marketing(
        self, conn: asyncpg.Connection, spa: SpaConfig, conversation: Conversation
    ) -> bool:
        """The confirmation text may carry the once-only marketing question: by text, with
        nothing else waiting on an answer, and the agent itself answering this spa."""
        state = conversation.state
        if state.awaiting is not None or state.with_staff:
            return False
        if await self._shadow(conn, spa):
            return False
        patient = await self._store.patient(conn, spa.id, conversation.phone)
        return not (patient and patient.marketing_asked)


def _offer_taken(sent: Outreach | None) -> bool:
    return sent is not None and sent.accepted


class OutreachSentHandler:
    """outreach.sent that asks for an answer: kept for the patient's next message, which
    takes it into their conversation (no conversation is opened for a send nobody answers)."""

    def __init__(self, records: Records, cipher: FieldCipher, spas: SpaDirectory) -> None:
        self._records = records
        self._cipher = cipher
        self._spas = spas

    async def __call__(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        assert isinstance(event, outreach_pb2.OutreachSent)
        if event.expects_reply not in set(Expects) or event.channel == "call":
            return
        spa = _spa(self._spas, event.spa_id, envelope)
        if spa is None or not event.HasField("to_phone"):
            return
        phone = self._cipher.open(event.to_phone, Purpose.PHONE)
        sent = Outreach(
            job_id=event.job_id,
            kind=event.kind,
            expects=event.expects_reply,
            sent_at=event.sent_at.ToDatetime(tzinfo=UTC)
            if event.HasField("sent_at")
            else envelope.time,
            offer_id=event.offer_id,
            choices=event.choices,
            appointment_id=event.appointment_id,
            service_id=event.service_id,
        )
        await self._records.outreach_sent(conn, spa.id, phone, sent, event.patient_id)
        log.info(
            "outreach awaiting an answer",
            extra={"job_id": event.job_id, "kind": event.kind, "expects": event.expects_reply},
        )
