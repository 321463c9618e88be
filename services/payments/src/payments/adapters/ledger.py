"""The ledger: credit balances and totals per period, read from the append-only
postings (written with each transition, in adapters/rows.py).

A patient's credit is not a stored number that could drift: it is what was
posted to the `credit` account for them less what was posted from it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from payments.domain.deposit import Account, Kind
from payments.domain.money import Money


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Total:
    period_start: str  # the local date the period starts on
    kind: Kind
    amount: Money
    entries: int


async def lock_credit(conn: asyncpg.Connection, spa_id: str, patient_id: str) -> None:
    """Serialise uses of one patient's credit until the transaction ends, so two
    bookings made at once cannot both spend the same credit."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"credit:{spa_id}:{patient_id}"
    )


async def credit_balance(
    conn: asyncpg.Connection, spa_id: str, patient_id: str, currency: str
) -> Money:
    value = await conn.fetchval(
        "SELECT coalesce(sum(CASE WHEN target = $4 THEN amount_minor ELSE -amount_minor END), 0)"
        " FROM ledger_entries WHERE spa_id = $1 AND patient_id = $2 AND currency = $3"
        " AND (source = $4 OR target = $4)",
        spa_id,
        patient_id,
        currency,
        Account.CREDIT.value,
    )
    return Money(int(value), currency)


async def totals(
    conn: asyncpg.Connection,
    spa_id: str,
    tz: str,
    period: Period,
    start: datetime,
    end: datetime,
) -> list[Total]:
    """Sums of each kind of movement per local day, week or month in [start, end)."""
    rows = await conn.fetch(
        "SELECT date_trunc($2, at AT TIME ZONE $3)::date AS period_start, kind, currency,"
        " sum(amount_minor) AS amount, count(*) AS entries FROM ledger_entries"
        " WHERE spa_id = $1 AND at >= $4 AND at < $5"
        " GROUP BY 1, kind, currency ORDER BY 1, kind, currency",
        spa_id,
        period.value,
        tz,
        start,
        end,
    )
    return [
        Total(
            r["period_start"].isoformat(),
            Kind(r["kind"]),
            Money(int(r["amount"]), r["currency"]),
            r["entries"],
        )
        for r in rows
    ]


async def refunded_to_card(conn: asyncpg.Connection, deposit_id: str, currency: str) -> Money:
    """What the deposit's refunds have posted back to the card, less refunds that failed."""
    value = await conn.fetchval(
        "SELECT coalesce(sum(CASE WHEN kind = $2 THEN amount_minor ELSE -amount_minor END), 0)"
        " FROM ledger_entries WHERE deposit_id = $1 AND kind IN ($2, $3)",
        uuid.UUID(deposit_id),
        Kind.REFUNDED.value,
        Kind.REFUND_FAILED.value,
    )
    return Money(int(value), currency)
