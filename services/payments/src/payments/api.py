"""The internal staff API: a deposit with its history, its dispute evidence, the
ledger's totals per period for the owner's report, and retrying a refund that
failed.

Behind a bearer token (PAYMENTS_INTERNAL_TOKEN) until the console fronts it with
staff sign-in; without a token configured the API does not exist (404).
"""

from __future__ import annotations

import hmac
from datetime import date, datetime, time

from fastapi import APIRouter, Header, HTTPException

from payments.adapters import ledger, rows
from payments.adapters.ledger import Period
from payments.adapters.rows import Record
from payments.bound import Binding, Bound
from payments.flow.refunds import retry_refund
from spa_config import UnknownSpa

STAFF_ACTOR = "staff-api"


def _authorised(bound: Bound, authorization: str) -> None:
    if bound.internal_token is None:
        raise HTTPException(404)
    expected = f"Bearer {bound.internal_token}"
    if not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(401, headers={"WWW-Authenticate": "Bearer"})


def _summary(record: Record) -> dict[str, object]:
    d = record.deposit
    return {
        "id": d.id,
        "spa_id": d.spa_id,
        "appointment_id": d.appointment_id,
        "purpose": d.purpose.value,
        "state": d.state.value,
        "reason": d.reason,
        "currency": d.amount.currency,
        "amount_minor": d.amount.minor,
        "held_card_minor": d.held_card.minor,
        "held_credit_minor": d.held_credit.minor,
        "provider": record.provider,
        "payment_ref": record.payment_ref,
        "refund_ref": record.refund_ref,
        "refund_attempt": record.refund_attempt,
        "no_show_fee_minor": d.terms.no_show_fee.minor if d.terms.no_show_fee else 0,
        "card_on_file": d.card_on_file,
        "fee_ref": record.fee_ref,
        "expires_at": record.expires_at.isoformat(),
    }


def router(binding: Binding) -> APIRouter:
    routes = APIRouter(prefix="/internal", include_in_schema=False)

    async def _record(bound: Bound, deposit_id: str) -> Record:
        async with bound.pool.acquire() as conn:
            record = await rows.load(conn, deposit_id)
        if record is None:
            raise HTTPException(404)
        return record

    @routes.get("/deposits/{deposit_id}")
    async def deposit(deposit_id: str, authorization: str = Header("")) -> dict[str, object]:
        bound = binding.get()
        _authorised(bound, authorization)
        record = await _record(bound, deposit_id)
        async with bound.pool.acquire() as conn:
            history = await rows.history(conn, record.id)
        return {**_summary(record), "history": history}

    @routes.post("/deposits/{deposit_id}/refund")
    async def refund_again(deposit_id: str, authorization: str = Header("")) -> dict[str, object]:
        """Refund again after a recorded failure (a new refund, with a new idempotency
        key); 409 when the deposit has no failed refund to retry."""
        bound = binding.get()
        _authorised(bound, authorization)
        await _record(bound, deposit_id)
        async with bound.pool.acquire() as conn, conn.transaction():
            retried = await retry_refund(conn, bound.transitions, deposit_id, STAFF_ACTOR)
        if retried is None:
            raise HTTPException(409, "no failed refund to retry")
        return _summary(retried)

    @routes.get("/deposits/{deposit_id}/evidence")
    async def evidence(deposit_id: str, authorization: str = Header("")) -> dict[str, object]:
        bound = binding.get()
        _authorised(bound, authorization)
        record = await _record(bound, deposit_id)
        async with bound.pool.acquire() as conn, conn.transaction():
            return await bound.evidence.evidence(conn, record, STAFF_ACTOR)

    @routes.get("/ledger/totals")
    async def totals(
        spa_id: str,
        start: date,
        end: date,
        period: Period = Period.DAY,
        authorization: str = Header(""),
    ) -> dict[str, object]:
        """Totals of each kind of movement per local period, for days [start, end)."""
        bound = binding.get()
        _authorised(bound, authorization)
        try:
            spa = bound.events.spa(spa_id)
        except UnknownSpa:
            raise HTTPException(404) from None
        if end <= start:
            raise HTTPException(422, "end must be after start")
        since = datetime.combine(start, time(), tzinfo=spa.tz)
        until = datetime.combine(end, time(), tzinfo=spa.tz)
        async with bound.pool.acquire() as conn:
            found = await ledger.totals(conn, spa_id, spa.timezone, period, since, until)
        return {
            "spa_id": spa_id,
            "period": period.value,
            "time_zone": spa.timezone,
            "totals": [
                {
                    "period_start": t.period_start,
                    "kind": t.kind.value,
                    "currency": t.amount.currency,
                    "amount_minor": t.amount.minor,
                    "entries": t.entries,
                }
                for t in found
            ],
        }

    return routes
