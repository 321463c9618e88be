"""Deposit events, recorded in the outbox inside the transition's own transaction.

Each carries ids and amounts only, plus a sealed `notice`: the text for the
patient, worded here from payments' catalog, which the agent forwards unchanged.
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
from payments.domain.deposit import Kind
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
                notice=self._notice(
                    record,
                    key,
                    amount=record.due.display(),
                    credit=credit.display(),
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
            return deposit_pb2.DepositForfeited(
                **ids,
                amount=money(amount),
                reason=effect.reason,
                conversation_id=record.conversation_id,
                notice=self._notice(
                    record, f"notice.forfeited.{effect.reason}", amount=amount.display()
                ),
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
