"""Deposit rows: the domain's Deposit plus what the adapters keep beside it.

Every read that precedes a change locks the row (FOR UPDATE), so two reports
of the same payment (the webhook and the patient's return to the success page)
are decided one after the other, never side by side.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg

from payments.domain.deposit import Deposit, Posting, Purpose, State
from payments.domain.money import Money
from payments.domain.policy import RefundRule, Terms


@dataclass(frozen=True, slots=True)
class Record:
    deposit: Deposit
    first_appointment_id: str
    conversation_id: str
    patient_id: str
    service_id: str
    provider_id: str
    appointment_start: datetime
    provider: str
    expires_at: datetime
    policy_version: str
    policy_text: str
    created_at: datetime
    link_ref: str | None = None
    payment_url: str | None = None
    payment_ref: str | None = None
    refund_ref: str | None = None
    paid_at: datetime | None = None
    dispute_ref: str | None = None
    disputed_at: datetime | None = None
    # Where the provider keeps a card saved for the no-show fee, and its charge.
    card_ref: str | None = None
    customer_ref: str | None = None
    fee_ref: str | None = None
    # The current refund: 1, then one more for each retry after a recorded failure.
    refund_attempt: int = 1

    @property
    def id(self) -> str:
        return self.deposit.id

    @property
    def spa_id(self) -> str:
        return self.deposit.spa_id

    @property
    def due(self) -> Money:
        """What the link charges: the deposit less the credit set against it."""
        return self.deposit.amount - self.deposit.held_credit

    def but(self, **changes: Any) -> Record:
        return replace(self, **changes)


def _record(row: asyncpg.Record) -> Record:
    currency = row["currency"]
    fee = row["no_show_fee_minor"]
    deposit = Deposit(
        id=str(row["id"]),
        spa_id=row["spa_id"],
        appointment_id=row["appointment_id"],
        state=State(row["state"]),
        amount=Money(row["amount_minor"], currency),
        held_card=Money(row["held_card_minor"], currency),
        held_credit=Money(row["held_credit_minor"], currency),
        terms=Terms(
            RefundRule(row["refund_rule"]),
            row["window_hours"],
            Money(fee, currency) if fee > 0 else None,
        ),
        reason=row["reason"],
        purpose=Purpose(row["purpose"]),
        card_on_file=row["card_ref"] is not None,
    )
    return Record(
        deposit=deposit,
        first_appointment_id=row["first_appointment_id"],
        conversation_id=row["conversation_id"],
        patient_id=row["patient_id"],
        service_id=row["service_id"],
        provider_id=row["provider_id"],
        appointment_start=row["appointment_start"],
        provider=row["provider"],
        expires_at=row["expires_at"],
        policy_version=row["policy_version"],
        policy_text=row["policy_text"],
        link_ref=row["link_ref"],
        payment_url=row["payment_url"],
        payment_ref=row["payment_ref"],
        refund_ref=row["refund_ref"],
        paid_at=row["paid_at"],
        dispute_ref=row["dispute_ref"],
        disputed_at=row["disputed_at"],
        created_at=row["created_at"],
        card_ref=row["card_ref"],
        customer_ref=row["customer_ref"],
        fee_ref=row["fee_ref"],
        refund_attempt=row["refund_attempt"],
    )


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Change:
    """One transition as written: its history entry and the ledger postings it makes."""

    at: datetime
    from_state: State | None
    trigger: str
    detail: dict[str, object]
    postings: Sequence[Posting] = ()


# The ledger postings and the history entry of a transition ride along with the
# deposit's own write in one statement (data-modifying CTEs), so a transition
# costs one round trip to the database rather than three. Both statements end
# alike ($1-$16 in common, see _common): the postings, then the history entry,
# whose id they answer.
_INSERT = (
    "WITH saved AS (INSERT INTO deposits (id, spa_id, state, reason, held_card_minor,"
    " patient_id, created_at, updated_at, currency, held_credit_minor, appointment_id,"
    " first_appointment_id, conversation_id, service_id, provider_id, appointment_start,"
    " amount_minor, refund_rule, window_hours, provider, link_ref, payment_url, expires_at,"
    " policy_version, policy_text, purpose, no_show_fee_minor) VALUES ($1, $2, $3, $4, $5, $6,"
    " $7, $7, $8, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30,"
    " $31, $32, $33)),"
    " posted AS (INSERT INTO ledger_entries (deposit_id, spa_id, patient_id, at, kind, source,"
    " target, amount_minor, currency) SELECT $1, $2, $6, $7, p.kind, p.source, p.target,"
    " p.amount, $8 FROM unnest($9::text[], $10::text[], $11::text[], $12::bigint[])"
    " AS p(kind, source, target, amount))"
    " INSERT INTO deposit_history (deposit_id, at, from_state, to_state, trigger, detail)"
    " VALUES ($1, $7, $13, $3, $14, $15) RETURNING id"
)
_UPDATE = (
    "WITH saved AS (UPDATE deposits SET state = $3, reason = $4, held_card_minor = $5,"
    " updated_at = $7, held_credit_minor = $16, appointment_id = $17, payment_ref = $18,"
    " refund_ref = $19, paid_at = $20, dispute_ref = $21, disputed_at = $22,"
    " appointment_start = $23, provider_id = $24, card_ref = $25, customer_ref = $26,"
    " fee_ref = $27, refund_attempt = $28 WHERE id = $1 AND spa_id = $2),"
    " posted AS (INSERT INTO ledger_entries (deposit_id, spa_id, patient_id, at, kind, source,"
    " target, amount_minor, currency) SELECT $1, $2, $6, $7, p.kind, p.source, p.target,"
    " p.amount, $8 FROM unnest($9::text[], $10::text[], $11::text[], $12::bigint[])"
    " AS p(kind, source, target, amount))"
    " INSERT INTO deposit_history (deposit_id, at, from_state, to_state, trigger, detail)"
    " VALUES ($1, $7, $13, $3, $14, $15) RETURNING id"
)


def _common(record: Record, change: Change) -> list[object]:
    d = record.deposit
    postings = change.postings
    return [
        uuid.UUID(d.id),
        d.spa_id,
        d.state.value,
        d.reason,
        d.held_card.minor,
        record.patient_id,
        change.at,
        d.amount.currency,
        [p.kind.value for p in postings],
        [p.source.value for p in postings],
        [p.target.value for p in postings],
        [p.amount.minor for p in postings],
        change.from_state.value if change.from_state else None,
        change.trigger,
        json.dumps(change.detail),
        d.held_credit.minor,
    ]


async def insert(conn: asyncpg.Connection, record: Record, change: Change) -> int:
    """Write a new deposit with its opening transition; answers the history id."""
    d = record.deposit
    history_id: int = await conn.fetchval(
        _INSERT,
        *_common(record, change),
        d.appointment_id,
        record.first_appointment_id,
        record.conversation_id,
        record.service_id,
        record.provider_id,
        record.appointment_start,
        d.amount.minor,
        d.terms.refund.value,
        d.terms.window_hours,
        record.provider,
        record.link_ref,
        record.payment_url,
        record.expires_at,
        record.policy_version,
        record.policy_text,
        d.purpose.value,
        d.terms.no_show_fee.minor if d.terms.no_show_fee else 0,
    )
    return history_id


async def save(conn: asyncpg.Connection, record: Record, change: Change) -> int:
    """Write what a transition changed, with its history and postings; answers the history id."""
    history_id: int = await conn.fetchval(
        _UPDATE,
        *_common(record, change),
        record.deposit.appointment_id,
        record.payment_ref,
        record.refund_ref,
        record.paid_at,
        record.dispute_ref,
        record.disputed_at,
        record.appointment_start,
        record.provider_id,
        record.card_ref,
        record.customer_ref,
        record.fee_ref,
        record.refund_attempt,
    )
    return history_id


# Literal queries, each in a reading and a locking form: the row lock is what
# serialises every change to one deposit.
_BY_ID = "SELECT * FROM deposits WHERE id = $1"
_BY_APPOINTMENT = (
    "SELECT * FROM deposits WHERE spa_id = $1 AND (appointment_id = $2"
    " OR first_appointment_id = $2) ORDER BY (appointment_id = $2) DESC LIMIT 1"
)
_BY_LINK = "SELECT * FROM deposits WHERE provider = $1 AND link_ref = $2"
_BY_PAYMENT = "SELECT * FROM deposits WHERE payment_ref = $1"
_LOCKED = " FOR UPDATE"


async def _one(conn: asyncpg.Connection, query: str, lock: bool, *args: object) -> Record | None:
    row = await conn.fetchrow(query + _LOCKED if lock else query, *args)
    return _record(row) if row else None


async def load(conn: asyncpg.Connection, deposit_id: str, *, lock: bool = False) -> Record | None:
    key = as_uuid(deposit_id)
    return None if key is None else await _one(conn, _BY_ID, lock, key)


async def by_appointment(
    conn: asyncpg.Connection, spa_id: str, appointment_id: str, *, lock: bool = False
) -> Record | None:
    """The deposit securing this appointment now, or first asked for it."""
    return await _one(conn, _BY_APPOINTMENT, lock, spa_id, appointment_id)


async def by_link(
    conn: asyncpg.Connection, provider: str, link_ref: str, *, lock: bool = False
) -> Record | None:
    return await _one(conn, _BY_LINK, lock, provider, link_ref)


async def by_payment(
    conn: asyncpg.Connection, payment_ref: str, *, lock: bool = False
) -> Record | None:
    return await _one(conn, _BY_PAYMENT, lock, payment_ref)


async def due(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Record]:
    """Requested deposits whose link outlived its hold; replicas share them (SKIP LOCKED)."""
    found = await conn.fetch(
        "SELECT * FROM deposits WHERE state = 'requested' AND expires_at <= $1"
        " ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [_record(r) for r in found]


async def next_expiry(conn: asyncpg.Connection) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        "SELECT min(expires_at) FROM deposits WHERE state = 'requested'"
    )
    return value


async def history(conn: asyncpg.Connection, deposit_id: str) -> list[dict[str, object]]:
    rows = await conn.fetch(
        "SELECT at, from_state, to_state, trigger, detail FROM deposit_history"
        " WHERE deposit_id = $1 ORDER BY id",
        uuid.UUID(deposit_id),
    )
    return [
        {
            "at": r["at"].isoformat(),
            "from": r["from_state"],
            "to": r["to_state"],
            "trigger": r["trigger"],
            "detail": json.loads(r["detail"]),
        }
        for r in rows
    ]


async def lock_appointment(conn: asyncpg.Connection, spa_id: str, appointment_id: str) -> None:
    """Serialise everything said about one appointment until the transaction ends.

    Its booking events are consumed by separate consumers, so a hold and its
    cancellation can be handled at the same moment; each looks for what the other
    wrote, and without this lock neither would see it (and a link would outlive
    its cancelled booking).
    """
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"appt:{spa_id}:{appointment_id}"
    )


async def close_appointment(
    conn: asyncpg.Connection, spa_id: str, appointment_id: str, outcome: str
) -> None:
    await conn.execute(
        "INSERT INTO closed_appointments (spa_id, appointment_id, outcome) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        spa_id,
        appointment_id,
        outcome,
    )
