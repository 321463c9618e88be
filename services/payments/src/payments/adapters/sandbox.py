"""The embedded sandbox provider: a hosted payment page served by payments itself.

It keeps its own side of the story in its own tables, the way Stripe keeps
sessions and refunds on its side: a link is an unguessable token, paying or
declining changes the session there, and payments learns of it through the
same settlement path as a Stripe webhook. Idempotency keys work as Stripe's do.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import asyncpg

from payments.domain.money import Money
from payments.ports import Link, LinkRequest, LinkState, LinkStatus, ProviderRefused

NAME = "sandbox"


@dataclass(frozen=True, slots=True)
class SandboxSession:
    token: str
    deposit_id: str
    amount: Money
    status: LinkStatus
    payment_ref: str


def _session(row: asyncpg.Record) -> SandboxSession:
    return SandboxSession(
        row["token"],
        str(row["deposit_id"]),
        Money(row["amount_minor"], row["currency"]),
        LinkStatus(row["status"]),
        row["payment_ref"] or "",
    )


def link_state(session: SandboxSession) -> LinkState:
    paid = session.status is LinkStatus.PAID
    return LinkState(session.status, session.payment_ref, session.amount if paid else None)


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
                " currency) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key)"
                " DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key RETURNING token",
                secrets.token_urlsafe(18),
                request.idempotency_key,
                uuid.UUID(request.deposit_id),
                request.amount.minor,
                request.amount.currency,
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

    async def _finish(self, token: str, status: LinkStatus) -> SandboxSession | None:
        """Move an open session to `status`; a session already finished stays as it is."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "UPDATE sandbox_sessions SET status = $2, completed_at = now(),"
                " payment_ref = CASE WHEN $2 = 'paid' THEN $3 ELSE payment_ref END"
                " WHERE token = $1 AND status = 'open' RETURNING *",
                token,
                status.value,
                f"sbx_pay_{uuid.uuid4().hex}",
            )
        return _session(row) if row else await self.session(token)

    async def pay(self, token: str) -> SandboxSession | None:
        """The patient pressed Pay on the hosted page."""
        return await self._finish(token, LinkStatus.PAID)

    async def decline(self, token: str) -> SandboxSession | None:
        return await self._finish(token, LinkStatus.DECLINED)

    async def expire_link(self, link_ref: str, idempotency_key: str) -> LinkState:
        found = await self._finish(link_ref, LinkStatus.EXPIRED)
        if found is None:
            raise ProviderRefused(f"no sandbox session {link_ref}")
        return link_state(found)

    async def refund(
        self, deposit_id: str, payment_ref: str, amount: Money, idempotency_key: str
    ) -> str:
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
        return refund_id
