"""Dispute evidence: the cancellation policy as the patient was told it.

policy.told (from the agent) is kept as it came: which words (and their
version), when, on which channel, the carrier's record id, and the answer. The
patient's own words and number stay sealed at rest; opening them is audited.
With the deposit's history and the terms shown on the payment page, a
chargeback can be answered with facts.
"""

from __future__ import annotations

import logging
from datetime import UTC

import asyncpg
from google.protobuf.message import Message

from medspa.common.v1 import common_pb2
from medspa.common.v1.common_pb2 import Sealed
from medspa.events.v1 import deposit_pb2
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, KeyringError, Purpose
from medspa_kit.envelope import Envelope
from payments.adapters import ledger, rows
from payments.adapters.rows import Record

log = logging.getLogger(__name__)
ACTOR = "payments"
_CHANNELS = {
    common_pb2.CHANNEL_SMS: "sms",
    common_pb2.CHANNEL_VOICE: "voice",
    common_pb2.CHANNEL_CONSOLE: "console",
}
_ANSWERS = {
    deposit_pb2.POLICY_ANSWER_ACCEPTED: "accepted",
    deposit_pb2.POLICY_ANSWER_DECLINED: "declined",
    deposit_pb2.POLICY_ANSWER_NONE: "none",
}
# The told rows that speak for a deposit: told for its hold, or told in its
# conversation before any hold existed and not after the deposit was asked for.
_TOLD_FOR = (
    "SELECT * FROM policy_told WHERE spa_id = $1 AND (appointment_id = ANY($2::text[])"
    " OR (appointment_id = '' AND conversation_id <> '' AND conversation_id = $3"
    " AND told_at <= $4)) ORDER BY told_at DESC, id DESC"
)


def _sealed(message: Sealed) -> bytes | None:
    return message.SerializeToString() if message.ciphertext else None


def _refusal(message: deposit_pb2.CancellationPolicyTold) -> str:
    if not (message.appointment_id or message.conversation_id):
        return "names_no_booking"
    if not (message.policy_version and message.policy_text):
        return "no_policy"
    if message.channel not in _CHANNELS:
        return "unknown_channel"
    if not message.HasField("told_at"):
        return "no_time"
    return ""


class PolicyEvidence:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    async def on_told(self, conn: asyncpg.Connection, envelope: Envelope, message: Message) -> None:
        assert isinstance(message, deposit_pb2.CancellationPolicyTold)
        refused = _refusal(message)
        if refused:
            log.warning(
                "policy.told cannot be kept", extra={"event_id": envelope.id, "reason": refused}
            )
            return
        answered_at = (
            message.answered_at.ToDatetime(tzinfo=UTC) if message.HasField("answered_at") else None
        )
        await conn.execute(
            "INSERT INTO policy_told (event_id, spa_id, conversation_id, appointment_id, patient_id,"
            " policy_version, policy_text, channel, told_at, answer, answered_at, answer_text_enc,"
            " message_ref, patient_phone_enc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " $11, $12, $13, $14) ON CONFLICT (event_id) DO NOTHING",
            envelope.id,
            envelope.spa_id,
            message.conversation_id,
            message.appointment_id,
            message.patient_id,
            message.policy_version,
            message.policy_text,
            _CHANNELS[message.channel],
            message.told_at.ToDatetime(tzinfo=UTC),
            _ANSWERS.get(message.answer, "none"),
            answered_at,
            # Kept sealed as the agent sealed them (key id included), never opened here.
            _sealed(message.answer_text),
            message.message_ref,
            _sealed(message.patient_phone),
        )
        stored = [
            name
            for name, value in (
                ("answer_text", message.answer_text),
                ("phone", message.patient_phone),
            )
            if value.ciphertext
        ]
        if stored:
            await audit(
                conn,
                actor=ACTOR,
                action="policy_told.stored",
                subject_type="conversation",
                subject_id=message.conversation_id or message.appointment_id,
                fields=stored,
                purpose="dispute evidence",
                spa_id=envelope.spa_id,
            )

    async def _told(self, conn: asyncpg.Connection, record: Record) -> list[asyncpg.Record]:
        appointments = list({record.first_appointment_id, record.deposit.appointment_id})
        return list(
            await conn.fetch(
                _TOLD_FOR,
                record.spa_id,
                appointments,
                record.conversation_id,
                record.created_at,
            )
        )

    def _open(self, blob: bytes | None, purpose: str) -> str | None:
        if blob is None:
            return None
        try:
            return self._cipher.open(Sealed.FromString(blob), purpose)
        except KeyringError:
            log.error("a sealed policy.told field cannot be opened", extra={"purpose": purpose})
            return None

    async def phone_for(self, conn: asyncpg.Connection, record: Record) -> str | None:
        """The number the policy was told to, to hold the slot again for this patient."""
        for row in await self._told(conn, record):
            phone = self._open(row["patient_phone_enc"], Purpose.PHONE)
            if phone:
                await audit(
                    conn,
                    actor=ACTOR,
                    action="policy_told.phone_read",
                    subject_type="deposit",
                    subject_id=record.id,
                    fields=["phone"],
                    purpose="hold a late payment's slot again",
                    spa_id=record.spa_id,
                )
                return phone
        return None

    async def evidence(
        self, conn: asyncpg.Connection, record: Record, actor: str
    ) -> dict[str, object]:
        """Everything a dispute answer needs, for staff (the read is audited)."""
        told = []
        opened = False
        for row in await self._told(conn, record):
            answer_text = self._open(row["answer_text_enc"], Purpose.SMS_BODY)
            phone = self._open(row["patient_phone_enc"], Purpose.PHONE)
            opened = opened or answer_text is not None or phone is not None
            told.append(
                {
                    "policy_version": row["policy_version"],
                    "policy_text": row["policy_text"],
                    "channel": row["channel"],
                    "told_at": row["told_at"].isoformat(),
                    "message_ref": row["message_ref"],
                    "answer": row["answer"],
                    "answered_at": row["answered_at"].isoformat() if row["answered_at"] else None,
                    "answer_text": answer_text,
                    # Enough to recognise the number, not to call it.
                    "phone_last4": phone[-4:] if phone else None,
                }
            )
        if opened:
            await audit(
                conn,
                actor=actor,
                action="dispute_evidence.read",
                subject_type="deposit",
                subject_id=record.id,
                fields=["answer_text", "phone"],
                purpose="answer a payment dispute",
                spa_id=record.spa_id,
            )
        d = record.deposit
        return {
            "deposit": {
                "id": d.id,
                "spa_id": d.spa_id,
                "appointment_id": d.appointment_id,
                "first_appointment_id": record.first_appointment_id,
                "service_id": record.service_id,
                "appointment_start": record.appointment_start.isoformat(),
                "purpose": d.purpose.value,
                "amount_minor": d.amount.minor,
                "no_show_fee_minor": d.terms.no_show_fee.minor if d.terms.no_show_fee else 0,
                "currency": d.amount.currency,
                "state": d.state.value,
                "reason": d.reason,
                "provider": record.provider,
                "payment_ref": record.payment_ref,
                "paid_at": record.paid_at.isoformat() if record.paid_at else None,
                "requested_at": record.created_at.isoformat(),
                "dispute_ref": record.dispute_ref,
                "fee_ref": record.fee_ref,
            },
            "terms_on_payment_page": {
                "version": record.policy_version,
                "text": record.policy_text,
            },
            "policy_told": told,
            "history": await rows.history(conn, d.id),
            "credit_balance_minor": (
                await ledger.credit_balance(conn, d.spa_id, record.patient_id, d.amount.currency)
            ).minor,
        }
