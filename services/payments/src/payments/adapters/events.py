"""Deposit events, recorded in the outbox inside the transition's own transaction.

Each carries ids and amounts only, plus a sealed `notice`: the text for the
patient, worded here from payments' catalog, which the agent forwards unchanged.
Events meant for staff (a refund that failed, a no-show fee the card refused)
carry no notice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from medspa.common.v1.common_pb2 import Money as MoneyPb
from medspa.common.v1.common_pb2 import Sealed
from medspa.events.v1 import deposit_pb2
from medspa_kit import outbox
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from payments.adapters import ledger
from payments.adapters.rows import Record
from payments.domain.deposit import Kind, State
from payments.domain.deposit import Purpose as Asked
from payments.domain.machine import Event, Publish, Step
from payments.domain.money import Money
from payments.words import Words
from spa_config import SpaConfig, SpaDirectory, UnknownId

SOURCE = "payments"


def money(value: Money) -> MoneyPb:
    return MoneyPb(amount_minor=value.minor, currency=value.currency)


def moved(step: Step, *kinds: Kind) -> Money:
    total = Money.zero(step.deposit.amount.currency)
    for posting in step.postings:
        if posting.kind in kinds:
            total = total + posting.amount
    return total


class DepositEvents:
    def __init__(self, namespace: str, spas: SpaDirectory, cipher: FieldCipher) -> None:
        self._namespace = namespace
        self._spas = spas
        self._cipher = cipher

    def spa(self, spa_id: str) -> SpaConfig:
        return self._spas.get(spa_id)

    def words(self, spa_id: str) -> Words:
        spa = self.spa(spa_id)
        return _words(spa.locale, spa.timezone)

    def service_name(self, spa_id: str, service_id: str) -> str:
        try:
            return str(self.spa(spa_id).service(service_id).name)
        except UnknownId:
            return service_id

    def _described(self, key: str, record: Record) -> str:
        words = self.words(record.spa_id)
        spa = self.spa(record.spa_id).name
        return words.say(key, spa=spa, when=words.when(record.appointment_start))

    def link_description(self, record: Record) -> str:
        """What the provider's page and records call the link: the spa and the time."""
        card = record.deposit.purpose is Asked.CARD
        return self._described("card.description" if card else "payment.description", record)

    def fee_description(self, record: Record) -> str:
        return self._described("fee.description", record)

    def _notice(self, record: Record, key: str, **values: object) -> Sealed:
        words = self.words(record.spa_id)
        text = words.say(
            key,
            service=self.service_name(record.spa_id, record.service_id),
            when=words.when(record.appointment_start),
            policy=record.policy_text,
            window=record.deposit.terms.window_hours,
            **values,
        )
        # Sealed as a text body: the agent passes it straight into SendMessage.body.
        return self._cipher.seal(text, Purpose.SMS_BODY)

    async def publish(
        self,
        conn: asyncpg.Connection,
        record: Record,
        effect: Publish,
        step: Step,
        history_id: int,
    ) -> None:
        message = await self._message(conn, record, effect, step)
        event_id = str(uuid.uuid5(uuid.UUID(record.id), f"{effect.event}:{history_id}"))
        envelope = Envelope.wrap(record.spa_id, message, SOURCE, event_id=event_id)
        await outbox.record(conn, envelope, self._namespace)

    async def _message(
        self, conn: asyncpg.Connection, record: Record, effect: Publish, step: Step
    ) -> Message:
        d = record.deposit
        ids = {"spa_id": d.spa_id, "deposit_id": d.id, "appointment_id": d.appointment_id}
        credit = d.held_credit
        fee = d.terms.no_show_fee
        if effect.event is Event.REQUESTED:
            key = "notice.requested_with_credit" if credit.positive else "notice.requested"
            words = self.words(d.spa_id)
            return deposit_pb2.DepositRequested(
                **ids,
                conversation_id=record.conversation_id,
                amount=money(record.due),
                payment_url=record.payment_url or "",
                expires_at=_stamp(record.expires_at),
                credit_applied=money(credit),
                no_show_fee=money(fee) if fee is not None and d.keeps_card else None,
                notice=self._notice(
                    record,
                    key,
                    amount=record.due.display(),
                    credit=credit.display(),
                    url=record.payment_url,
                    expires=words.time(record.expires_at),
                ),
            )
        if effect.event is Event.CARD_REQUESTED:
            assert fee is not None, "a card is asked for only for a fee"
            words = self.words(d.spa_id)
            return deposit_pb2.CardOnFileRequested(
                **ids,
                conversation_id=record.conversation_id,
                no_show_fee=money(fee),
                payment_url=record.payment_url or "",
                expires_at=_stamp(record.expires_at),
                terms=record.policy_text,
                notice=self._notice(
                    record,
                    "notice.card_requested",
                    url=record.payment_url,
                    expires=words.time(record.expires_at),
                ),
            )
        if effect.event is Event.PAID:
            notice = None
            if record.provider == "credit":
                notice = self._notice(record, "notice.paid.credit", credit=credit.display())
            elif step.previous_appointment_id:
                notice = self._notice(record, "notice.paid.reheld", amount=d.amount.display())
            return deposit_pb2.DepositPaid(
                **ids,
                conversation_id=record.conversation_id,
                amount=money(d.held_card + credit),
                paid_at=_stamp(record.paid_at) if record.paid_at else None,
                credit_applied=money(credit),
                notice=notice,
                previous_appointment_id=step.previous_appointment_id,
            )
        if effect.event is Event.EXPIRED:
            return deposit_pb2.DepositExpired(
                **ids,
                conversation_id=record.conversation_id,
                reason=effect.reason,
                notice=self._notice(record, f"notice.expired.{effect.reason}"),
            )
        if effect.event is Event.REFUNDED:
            amount = moved(step, Kind.REFUNDED, Kind.CREDIT_RETURNED)
            return deposit_pb2.DepositRefunded(
                **ids,
                amount=money(amount),
                reason=effect.reason,
                conversation_id=record.conversation_id,
                notice=self._notice(
                    record, f"notice.refunded.{effect.reason}", amount=amount.display()
                ),
            )
        if effect.event is Event.FORFEITED:
            amount = moved(step, Kind.FORFEITED)
            # When the rest of a no-show fee is being charged, that outcome's text
            # tells the patient about both.
            quiet = d.state is State.FEE_PENDING
            return deposit_pb2.DepositForfeited(
                **ids,
                amount=money(amount),
                reason=effect.reason,
                conversation_id=record.conversation_id,
                notice=None
                if quiet
                else self._notice(
                    record, f"notice.forfeited.{effect.reason}", amount=amount.display()
                ),
            )
        if effect.event is Event.NO_SHOW_CHARGED:
            assert fee is not None, "a fee is charged only when the spa has one"
            amount = moved(step, Kind.FEE_CHARGED)
            forfeited = fee - amount if (fee - amount).positive else Money.zero(fee.currency)
            return deposit_pb2.NoShowFeeCharged(
                **ids,
                conversation_id=record.conversation_id,
                amount=money(amount),
                no_show_fee=money(fee),
                deposit_forfeited=money(forfeited),
                notice=self._notice(
                    record,
                    "notice.no_show_charged.rest"
                    if forfeited.positive
                    else "notice.no_show_charged.fee",
                    amount=amount.display(),
                    fee=fee.display(),
                    deposit=forfeited.display(),
                ),
            )
        if effect.event is Event.CHARGE_FAILED:
            return deposit_pb2.NoShowFeeFailed(
                **ids,
                conversation_id=record.conversation_id,
                amount=money(moved(step, Kind.FEE_UNPAID)),
                no_show_fee=money(fee) if fee is not None else None,
                reason=effect.reason,
            )
        if effect.event is Event.REFUND_FAILED:
            return deposit_pb2.DepositRefundFailed(
                **ids,
                conversation_id=record.conversation_id,
                amount=money(d.held_card),
                reason=effect.reason,
                refund_ref=record.refund_ref or "",
                attempt=record.refund_attempt,
            )
        amount = moved(step, Kind.CREDITED)
        balance = await ledger.credit_balance(conn, d.spa_id, record.patient_id, d.amount.currency)
        return deposit_pb2.DepositCredited(
            **ids,
            amount=money(amount),
            reason=effect.reason,
            conversation_id=record.conversation_id,
            patient_id=record.patient_id,
            credit_balance=money(balance),
            notice=self._notice(
                record, "notice.credited", amount=amount.display(), balance=balance.display()
            ),
        )


@cache
def _words(locale: str, tz: str) -> Words:
    return Words(locale, ZoneInfo(tz))


def _stamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp
