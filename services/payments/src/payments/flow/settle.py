"""What a provider tells us about a payment (or a saved card, or a refund that
failed), from any door: Stripe's webhook, the patient's return to the success
page, the sandbox page, reconciliation.

Each report has an id recorded with its effect (provider_events), so a
redelivered webhook is handled once; every report locks the deposit row before
deciding, so the webhook and the success page reporting the same payment at the
same moment fulfil it once (and the ledger refuses a second collection anyway).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from payments.adapters import rows
from payments.adapters.rows import Record
from payments.domain.machine import CardSaved, Declined, Lapsed, Paid, Trigger
from payments.domain.money import Money
from payments.flow.refunds import refund_failed
from payments.flow.transitions import Transitions
from payments.ports import Clock, LinkState, LinkStatus, PaymentProvider

log = logging.getLogger(__name__)


class NewsKind(StrEnum):
    PAID = "paid"
    DECLINED = "declined"
    LAPSED = "lapsed"
    DISPUTED = "disputed"
    SAVED = "saved"  # a card saved for the no-show fee
    REFUND_FAILED = "refund_failed"


@dataclass(frozen=True, slots=True)
class ProviderNews:
    provider: str
    # Unique per report: Stripe's event id, or a key for the other doors.
    event_id: str
    type: str
    kind: NewsKind
    link_ref: str = ""
    deposit_id: str = ""
    payment_ref: str = ""
    amount: Money | None = None
    dispute_ref: str = ""
    card_ref: str = ""
    customer_ref: str = ""
    refund_ref: str = ""
    # The provider's reason for a failed refund.
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    record: Record | None
    state: LinkState | None = None


class Settlements:
    def __init__(
        self,
        pool: asyncpg.Pool,
        transitions: Transitions,
        provider: PaymentProvider,
        clock: Clock,
    ) -> None:
        self._pool = pool
        self._transitions = transitions
        self._provider = provider
        self._clock = clock

    async def apply(self, news: ProviderNews) -> bool:
        """True when this report was new (whether or not it changed the deposit)."""
        async with self._pool.acquire() as conn, conn.transaction():
            # Lock first: a report and its repeat, arriving together, queue on the
            # row, and the repeat then finds the first one's event id recorded.
            record = await _find(conn, news)
            first = await conn.fetchval(
                "INSERT INTO provider_events (provider, event_id, type, deposit_id)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
                news.provider,
                news.event_id,
                news.type,
                rows.as_uuid(record.id) if record else None,
            )
            if not first:
                return False
            if record is None:
                log.warning(
                    "provider event for no deposit of ours",
                    extra={"event_id": news.event_id, "type": news.type},
                )
                return True
            await self._decide(conn, record, news)
            return True

    async def _decide(self, conn: asyncpg.Connection, record: Record, news: ProviderNews) -> None:
        detail: dict[str, object] = {
            "source": news.provider,
            "event": news.type,
            "event_id": news.event_id,
        }
        if news.kind is NewsKind.DISPUTED:
            disputed = record.but(dispute_ref=news.dispute_ref, disputed_at=self._clock.now())
            await self._transitions.note(conn, disputed, "disputed", detail)
            return
        if news.kind is NewsKind.REFUND_FAILED:
            await refund_failed(
                conn,
                self._transitions,
                record,
                news.refund_ref,
                news.reason,
                detail,
                ours=bool(news.deposit_id),
            )
            return
        trigger: Trigger
        if news.kind is NewsKind.PAID:
            amount = news.amount
            if amount is None or amount.currency != record.deposit.amount.currency:
                log.error(
                    "payment in an unexpected currency; left for staff",
                    extra={"deposit_id": record.id, "event_id": news.event_id},
                )
                return
            if amount != record.due:
                detail["amount_differs"] = amount.minor
            trigger = Paid(news.payment_ref, amount, news.card_ref, news.customer_ref)
        elif news.kind is NewsKind.SAVED:
            trigger = CardSaved(news.card_ref, news.customer_ref)
        elif news.kind is NewsKind.DECLINED:
            trigger = Declined()
        else:
            trigger = Lapsed()
        await self._transitions.fire(conn, record, trigger, detail)

    async def returned(self, link_ref: str) -> Outcome:
        """The patient came back to the success page: ask the provider, settle if paid."""
        async with self._pool.acquire() as conn:
            record = await rows.by_link(conn, self._provider.name, link_ref)
        if record is None:
            return Outcome(None)
        state = await self._provider.lookup(link_ref)
        await self.report(record.provider, link_ref, record.id, state, f"return:{link_ref}")
        return Outcome(await self.reload(record), state)

    async def report(
        self, provider: str, link_ref: str, deposit_id: str, state: LinkState, event_id: str
    ) -> None:
        """What a link's state, as seen through one of our own doors, means for its deposit."""
        kind = {
            LinkStatus.PAID: NewsKind.PAID,
            LinkStatus.SAVED: NewsKind.SAVED,
            LinkStatus.DECLINED: NewsKind.DECLINED,
        }.get(state.status)
        if kind is None:
            return
        await self.apply(
            ProviderNews(
                provider=provider,
                event_id=event_id,
                type=event_id.split(":", 1)[0],
                kind=kind,
                link_ref=link_ref,
                deposit_id=deposit_id,
                payment_ref=state.payment_ref,
                amount=state.amount,
                card_ref=state.card_ref,
                customer_ref=state.customer_ref,
            )
        )

    async def reload(self, record: Record) -> Record | None:
        async with self._pool.acquire() as conn:
            return await rows.load(conn, record.id)


async def _find(conn: asyncpg.Connection, news: ProviderNews) -> Record | None:
    record = None
    if news.deposit_id:
        record = await rows.load(conn, news.deposit_id, lock=True)
        if record is not None and news.link_ref and record.link_ref != news.link_ref:
            # The metadata names one of our deposits but the session is not its link.
            return None
    elif news.link_ref:
        record = await rows.by_link(conn, news.provider, news.link_ref, lock=True)
    elif news.payment_ref:
        record = await rows.by_payment(conn, news.payment_ref, lock=True)
    return record
