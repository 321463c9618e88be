"""booking.held that needs a deposit: set the patient's credit against it, make the
payment link, and publish deposit.requested, all in the consumer's transaction.

booking.held with no deposit, at a spa that charges a no-show fee: a link to save
a card for the fee (nothing charged; the booking does not wait on it), published
as deposit.card_requested. A deposit smaller than the fee keeps the card it is
paid with instead.

The link is made before the row is written, with an idempotency key fixed by
the hold, so a crash after the provider answered is recovered by redelivery:
the same key gets the same link back, and the row is written then.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.message import Message

from medspa.events.v1 import booking_pb2
from medspa_kit.envelope import Envelope
from payments.adapters import ledger, rows
from payments.adapters.events import DepositEvents
from payments.adapters.rows import Record
from payments.domain.deposit import Purpose
from payments.domain.machine import Paid, Publish, Step, open_card, open_deposit
from payments.domain.money import Money
from payments.domain.policy import terms_for
from payments.flow.transitions import Transitions
from payments.ports import Clock, LinkPurpose, LinkRequest, PaymentProvider, ProviderRefused
from payments.words import policy_version
from spa_config import UnknownId, UnknownSpa

log = logging.getLogger(__name__)
# Deposit ids are derived from the hold, so every delivery of one booking.held
# names the same deposit.
DEPOSIT_IDS = uuid.UUID("7f1d2c1e-5b0e-4a59-9d52-3f0f3c6a8e11")
# Nudges the expiry sweeper (tests moving their clock); it otherwise wakes by itself
# at the next expiry, and at least every PAYMENTS_IDLE_S.
DUE_CHANNEL = "payments_due"
CREDIT = "credit"
# How long a link to save a card lives after the hold it came with (and never past
# the visit). The booking does not wait on it; Stripe keeps a setup session at
# most 24 hours, and payments' own expiry comes first (see stripe_provider.BACKSTOP).
CARD_LINK_HOURS = 20


def deposit_id_for(spa_id: str, appointment_id: str) -> str:
    return str(uuid.uuid5(DEPOSIT_IDS, f"{spa_id}:{appointment_id}"))


class DepositRequests:
    def __init__(
        self,
        transitions: Transitions,
        events: DepositEvents,
        provider: PaymentProvider,
        clock: Clock,
    ) -> None:
        self._transitions = transitions
        self._events = events
        self._provider = provider
        self._clock = clock

    async def on_held(self, conn: asyncpg.Connection, envelope: Envelope, message: Message) -> None:
        assert isinstance(message, booking_pb2.BookingHeld)
        booking = message.booking
        if not booking.deposit_required or booking.deposit.amount_minor <= 0:
            await self._card_for_fee(conn, envelope, message)
            return
        refused = _refusal(self._events, envelope, message)
        if refused:
            log.error(
                "booking.held cannot be charged; no link made",
                extra={"event_id": envelope.id, "reason": refused},
            )
            return
        await rows.lock_appointment(conn, envelope.spa_id, booking.appointment_id)
        start = booking.start.ToDatetime(tzinfo=UTC)
        if await self._known(conn, envelope.spa_id, booking, start):
            return
        if message.hold_expires_at.ToDatetime(tzinfo=UTC) <= self._clock.now():
            # The hold lapsed before we heard of it: the scheduler releases it on its own.
            await rows.close_appointment(conn, envelope.spa_id, booking.appointment_id, "lapsed")
            return
        record, opening = await self._draft(conn, envelope.spa_id, message)
        detail = {"event_id": envelope.id, "credit_applied": record.deposit.held_credit.minor}
        if not record.due.positive:
            # Credit covers it all: no link to send, so no deposit.requested; paid at once.
            opening = replace(
                opening, effects=tuple(e for e in opening.effects if not isinstance(e, Publish))
            )
            await self._transitions.opened(conn, record, opening, detail)
            await self._transitions.fire(conn, record, Paid("", record.due), {"source": CREDIT})
            return
        await self._open_with_link(conn, record, opening, detail)

    async def _open_with_link(
        self, conn: asyncpg.Connection, record: Record, opening: Step, detail: dict[str, object]
    ) -> None:
        try:
            link = await self._provider.create_link(self._link_request(record))
        except ProviderRefused as refusal:
            # Asking again would be refused again (an amount under the provider's
            # minimum, a revoked key): no link, and the hold lapses on its own.
            log.error(
                "the provider refused to make a payment link",
                extra={"appointment_id": record.first_appointment_id, "error": str(refusal)},
            )
            await rows.close_appointment(
                conn, record.spa_id, record.first_appointment_id, "refused"
            )
            return
        record = record.but(provider=self._provider.name, link_ref=link.ref, payment_url=link.url)
        await self._transitions.opened(conn, record, opening, detail)

    async def _card_for_fee(
        self, conn: asyncpg.Connection, envelope: Envelope, message: booking_pb2.BookingHeld
    ) -> None:
        """A booking with no deposit at a spa with a no-show fee: ask for a card."""
        booking = message.booking
        refused = _refusal(self._events, envelope, message, card=True)
        if refused:
            log.warning(
                "booking.held cannot have a card on file; none asked for",
                extra={"event_id": envelope.id, "reason": refused},
            )
            return
        terms = terms_for(self._events.spa(envelope.spa_id), booking.service_id)
        if terms.no_show_fee is None:
            return
        await rows.lock_appointment(conn, envelope.spa_id, booking.appointment_id)
        start = booking.start.ToDatetime(tzinfo=UTC)
        if await self._known(conn, envelope.spa_id, booking, start):
            return
        # From the hold, not from now, so a redelivery asks for the very same link.
        expires = min(
            start, message.hold_expires_at.ToDatetime(tzinfo=UTC) + timedelta(hours=CARD_LINK_HOURS)
        )
        if expires <= self._clock.now():
            return  # the visit is under way, or this news is a day old: too late to ask
        opening = open_card(
            deposit_id_for(envelope.spa_id, booking.appointment_id),
            envelope.spa_id,
            booking.appointment_id,
            terms.no_show_fee,
            terms,
        )
        policy = self._events.words(envelope.spa_id).card_policy(terms)
        record = self._record(envelope.spa_id, booking, opening, expires, policy)
        await self._open_with_link(conn, record, opening, {"event_id": envelope.id})

    async def _draft(
        self, conn: asyncpg.Connection, spa_id: str, message: booking_pb2.BookingHeld
    ) -> tuple[Record, Step]:
        """The deposit the hold needs, with the patient's credit set against it."""
        booking = message.booking
        terms = terms_for(self._events.spa(spa_id), booking.service_id)
        amount = Money(booking.deposit.amount_minor, booking.deposit.currency)
        balance = await self._credit(conn, spa_id, booking.patient_id, amount.currency)
        opening = open_deposit(
            deposit_id_for(spa_id, booking.appointment_id),
            spa_id,
            booking.appointment_id,
            amount,
            balance.min(amount),
            terms,
        )
        policy = self._events.words(spa_id).policy(terms, amount)
        expires = message.hold_expires_at.ToDatetime(tzinfo=UTC)
        return self._record(spa_id, booking, opening, expires, policy), opening

    def _record(
        self,
        spa_id: str,
        booking: booking_pb2.Booking,
        opening: Step,
        expires_at: datetime,
        policy: str,
    ) -> Record:
        return Record(
            deposit=opening.deposit,
            first_appointment_id=booking.appointment_id,
            conversation_id=booking.conversation_id,
            patient_id=booking.patient_id,
            service_id=booking.service_id,
            provider_id=booking.provider_id,
            appointment_start=booking.start.ToDatetime(tzinfo=UTC),
            provider=CREDIT,
            expires_at=expires_at,
            policy_version=policy_version(policy),
            policy_text=policy,
            created_at=self._clock.now(),
        )

    def _link_request(self, record: Record) -> LinkRequest:
        deposit = record.deposit
        if deposit.purpose is Purpose.CARD:
            # One card request per hold.
            purpose, key = LinkPurpose.SAVE_CARD, f"card:{record.first_appointment_id}"
        else:
            # Per hold and amount: a retry is the same request; other credit is another.
            key = f"hold:{record.first_appointment_id}:{record.due.minor}"
            purpose = LinkPurpose.PAY_AND_KEEP_CARD if deposit.keeps_card else LinkPurpose.PAY
        return LinkRequest(
            deposit_id=record.id,
            spa_id=record.spa_id,
            appointment_id=record.first_appointment_id,
            amount=record.due,
            description=self._events.link_description(record),
            policy_text=record.policy_text,
            expires_at=record.expires_at,
            idempotency_key=key,
            purpose=purpose,
        )

    async def _credit(
        self, conn: asyncpg.Connection, spa_id: str, patient_id: str, currency: str
    ) -> Money:
        """The patient's credit, locked for this transaction when there is any to spend.

        Most patients have none, and credit is only ever spent here, under the lock:
        reading a zero without it is safe (credit added meanwhile waits for next time).
        """
        if not (await ledger.credit_balance(conn, spa_id, patient_id, currency)).positive:
            return Money.zero(currency)
        await ledger.lock_credit(conn, spa_id, patient_id)
        return await ledger.credit_balance(conn, spa_id, patient_id, currency)

    async def _known(
        self, conn: asyncpg.Connection, spa_id: str, booking: booking_pb2.Booking, start: datetime
    ) -> bool:
        """Already a deposit's, already over, or the new hold of a late payment's slot."""
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM deposits WHERE spa_id = $1"
                " AND (appointment_id = $2 OR first_appointment_id = $2))"
                " OR EXISTS (SELECT 1 FROM closed_appointments WHERE spa_id = $1"
                " AND appointment_id = $2)"
                " OR EXISTS (SELECT 1 FROM reholds WHERE spa_id = $1 AND service_id = $3"
                " AND start = $4 AND patient_id = $5)",
                spa_id,
                booking.appointment_id,
                booking.service_id,
                start,
                booking.patient_id,
            )
        )


def _refusal(
    events: DepositEvents,
    envelope: Envelope,
    message: booking_pb2.BookingHeld,
    *,
    card: bool = False,
) -> str:
    """Why this booking.held cannot become a deposit (or a card request), or '' when it can."""
    booking = message.booking
    if booking.spa_id and booking.spa_id != envelope.spa_id:
        return "spa_mismatch"
    if not booking.appointment_id:
        return "no_appointment_id"
    if not booking.HasField("start") or not message.HasField("hold_expires_at"):
        return "no_times"
    try:
        spa = events.spa(envelope.spa_id)
        terms_for(spa, booking.service_id)
    except UnknownSpa:
        return "unknown_spa"
    except UnknownId:
        return "unknown_service"
    # The spa's configuration prices everything in its one currency.
    if not card and booking.deposit.currency != spa.currency:
        return "currency_mismatch"
    return ""
