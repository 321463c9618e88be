"""The embedded sandbox provider: a hosted payment page served by payments itself.

It keeps its own side of the story in its own tables, the way Stripe keeps
sessions and refunds on its side: a link is an unguessable token, paying or
declining changes the session there, and payments learns of it through the
same settlement path as a Stripe webhook. Idempotency keys work as Stripe's do.

Cards are kept as Stripe keeps them: a setup session saves one, a payment
session asked to keep its card saves the one it was paid with, and the no-show
fee is charged to it later. The page offers test cards that behave like
Stripe's: one that charges, one declined when charged later, one that needs its
holder to authenticate (so cannot be charged with nobody present).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import asyncpg

from payments.domain.money import Money
from payments.ports import (
    ChargeRequest,
    ChargeResult,
    Link,
    LinkPurpose,
    LinkRequest,
    LinkState,
    LinkStatus,
    ProviderRefused,
    RefundResult,
)

NAME = "sandbox"
# Test cards by their last four digits (Stripe's numbers), and what charging them
# later answers: '' charges.
TEST_CARDS = {"4242": "", "0341": "card_declined", "3184": "authentication_required"}
DEFAULT_CARD = "4242"


@dataclass(frozen=True, slots=True)
class SandboxSession:
    token: str
    deposit_id: str
    amount: Money
    status: LinkStatus
    payment_ref: str
    # 'payment', or 'setup' (saves a card, charges nothing).
    mode: str = "payment"
    save_card: bool = False
    card_ref: str = ""

    @property
    def saves_card(self) -> bool:
        return self.save_card or self.mode == "setup"


def _session(row: asyncpg.Record) -> SandboxSession:
    return SandboxSession(
        row["token"],
        str(row["deposit_id"]),
        Money(row["amount_minor"], row["currency"]),
        LinkStatus(row["status"]),
        row["payment_ref"] or "",
        row["mode"],
        row["save_card"],
        row["card_ref"] or "",
    )


def link_state(session: SandboxSession) -> LinkState:
    paid = session.status is LinkStatus.PAID
    return LinkState(
        session.status,
        session.payment_ref,
        session.amount if paid else None,
        card_ref=session.card_ref,
        customer_ref=f"sbx_cus_{session.token}" if session.card_ref else "",
    )


class SandboxProvider:
    name = NAME

    def __init__(self, pool: asyncpg.Pool, public_url: str) -> None:
        self._pool = pool
        self._public_url = public_url.rstrip("/")

    def url(self, token: str) -> str:
        return f"{self._public_url}/pay/{token}"

    async def create_link(self, request: LinkRequest) -> Link:
        async with self._pool.acquire() as conn:
            # On a repeated key the no-op update makes RETURNING answer the first token.
            token: str = await conn.fetchval(
                "INSERT INTO sandbox_sessions (token, idempotency_key, deposit_id, amount_minor,"
                " currency, mode, save_card) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (idempotency_key)"
                " DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key RETURNING token",
                secrets.token_urlsafe(18),
                request.idempotency_key,
                uuid.UUID(request.deposit_id),
                request.amount.minor,
                request.amount.currency,
                "setup" if request.purpose is LinkPurpose.SAVE_CARD else "payment",
                request.purpose is not LinkPurpose.PAY,
            )
        return Link(token, self.url(token))

    async def session(self, token: str) -> SandboxSession | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM sandbox_sessions WHERE token = $1", token)
        return _session(row) if row else None

    async def lookup(self, link_ref: str) -> LinkState:
        found = await self.session(link_ref)
        if found is None:
            raise ProviderRefused(f"no sandbox session {link_ref}")
        return link_state(found)

    async def _finish(
        self, token: str, status: LinkStatus, card: str = DEFAULT_CARD
    ) -> SandboxSession | None:
        """Move an open session to `status`; a session already finished stays as it is.
        Paying a session that keeps its card, or saving one, keeps `card`."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "UPDATE sandbox_sessions SET status = $2, completed_at = now(),"
                " payment_ref = CASE WHEN $2 = 'paid' THEN $3 ELSE payment_ref END,"
                " card = CASE WHEN $2 = 'saved' OR ($2 = 'paid' AND save_card) THEN $4 END,"
                " card_ref = CASE WHEN $2 = 'saved' OR ($2 = 'paid' AND save_card) THEN $5 END"
                " WHERE token = $1 AND status = 'open'"
                # Only a setup session saves a card, and only a payment session is paid.
                " AND ($2 NOT IN ('paid', 'saved') OR (mode = 'setup') = ($2 = 'saved'))"
                " RETURNING *",
                token,
                status.value,
                f"sbx_pay_{uuid.uuid4().hex}",
                card,
                f"sbx_card_{uuid.uuid4().hex}",
            )
        return _session(row) if row else await self.session(token)

    async def pay(self, token: str, card: str = DEFAULT_CARD) -> SandboxSession | None:
        """The patient pressed Pay on the hosted page."""
        return await self._finish(token, LinkStatus.PAID, card)

    async def save(self, token: str, card: str = DEFAULT_CARD) -> SandboxSession | None:
        """The patient saved a card on the hosted page (a setup session)."""
        return await self._finish(token, LinkStatus.SAVED, card)

    async def decline(self, token: str) -> SandboxSession | None:
        return await self._finish(token, LinkStatus.DECLINED)

    async def expire_link(self, link_ref: str, idempotency_key: str) -> LinkState:
        found = await self._finish(link_ref, LinkStatus.EXPIRED)
        if found is None:
            raise ProviderRefused(f"no sandbox session {link_ref}")
        return link_state(found)

    async def refund(
        self, deposit_id: str, payment_ref: str, amount: Money, idempotency_key: str
    ) -> RefundResult:
        async with self._pool.acquire() as conn:
            refund_id: str = await conn.fetchval(
                "INSERT INTO sandbox_refunds (id, idempotency_key, payment_ref, amount_minor)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key)"
                " DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key RETURNING id",
                f"sbx_re_{uuid.uuid4().hex}",
                idempotency_key,
                payment_ref,
                amount.minor,
            )
        return RefundResult(refund_id)

    async def charge_saved_card(self, request: ChargeRequest) -> ChargeResult:
        async with self._pool.acquire() as conn:
            card = await conn.fetchval(
                "SELECT card FROM sandbox_sessions WHERE card_ref = $1", request.card_ref
            )
            if card is None:
                raise ProviderRefused(f"no sandbox card {request.card_ref}")
            failure = TEST_CARDS.get(card, "card_declined")
            # On a repeated key the no-op update makes RETURNING answer the first charge.
            row = await conn.fetchrow(
                "INSERT INTO sandbox_charges (id, idempotency_key, card_ref, amount_minor,"
                " currency, status, failure_code) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (idempotency_key)"
                " DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key RETURNING *",
                f"sbx_ch_{uuid.uuid4().hex}",
                request.idempotency_key,
                request.card_ref,
                request.amount.minor,
                request.amount.currency,
                "failed" if failure else "succeeded",
                failure or None,
            )
        charged = row["status"] == "succeeded"
        return ChargeResult(row["id"], charged, row["failure_code"] or "")
