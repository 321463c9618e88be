"""POST /stripe/webhook: Stripe's events, verified, each handled once.

The signature is checked over the exact bytes received, within the tolerance,
before anything is parsed: a forged, stale, tampered or re-serialised body gets
400 and changes nothing. A verified event that changes nothing (a repeat, news
that no longer matters, an event for another integration) still answers 200 so
Stripe stops retrying it.

Events read: Checkout's session events (a payment, or in `setup` mode a card
saved for the no-show fee), `charge.dispute.created`, and a refund that failed
(`refund.failed`, or `refund.updated` / `charge.refund.updated` with status
`failed`; Stripe may send more than one for the same refund).
"""

from __future__ import annotations

import logging
import time

import stripe
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from payments.adapters.stripe_provider import NAME
from payments.bound import Binding
from payments.domain.money import Money
from payments.flow.settle import NewsKind, ProviderNews

log = logging.getLogger(__name__)

# Stripe's events are a few kilobytes; anything this large is not one of them.
MAX_EVENT_BYTES = 512 * 1024
_SESSION_EVENTS = {
    "checkout.session.completed": NewsKind.PAID,
    "checkout.session.async_payment_succeeded": NewsKind.PAID,
    "checkout.session.async_payment_failed": NewsKind.DECLINED,
    "checkout.session.expired": NewsKind.LAPSED,
}
_REFUND_EVENTS = {"refund.failed", "refund.updated", "charge.refund.updated"}


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    object: str | None = None
    mode: str | None = None
    status: str | None = None
    payment_status: str | None = None
    payment_intent: str | None = None
    setup_intent: str | None = None
    customer: str | None = None
    amount_total: int | None = None
    currency: str | None = None
    failure_reason: str | None = None
    metadata: dict[str, str] = {}


class _Data(BaseModel):
    object: _Object


class StripeEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    type: str
    data: _Data


def _refund_failed(event: StripeEvent) -> ProviderNews | None:
    obj = event.data.object
    if obj.object != "refund" or obj.status != "failed":
        return None
    deposit_id = obj.metadata.get("deposit_id", "")
    if not (deposit_id or obj.payment_intent):
        return None
    return ProviderNews(
        NAME,
        event.id,
        event.type,
        NewsKind.REFUND_FAILED,
        deposit_id=deposit_id,
        payment_ref="" if deposit_id else obj.payment_intent or "",
        refund_ref=obj.id,
        reason=obj.failure_reason or "unknown",
    )


def news_from(event: StripeEvent) -> ProviderNews | None:
    """What a verified Stripe event says about one of our deposits, or None."""
    obj = event.data.object
    if event.type in _REFUND_EVENTS:
        return _refund_failed(event)
    if event.type == "charge.dispute.created":
        if not obj.payment_intent:
            return None
        return ProviderNews(
            NAME,
            event.id,
            event.type,
            NewsKind.DISPUTED,
            payment_ref=obj.payment_intent,
            dispute_ref=obj.id,
        )
    kind = _SESSION_EVENTS.get(event.type)
    deposit_id = obj.metadata.get("deposit_id", "")
    if kind is None or not deposit_id:
        return None
    if obj.mode == "setup":
        # A card saved for the no-show fee: nothing was charged.
        if kind is NewsKind.PAID:
            if obj.status != "complete" or not obj.setup_intent:
                return None
            kind = NewsKind.SAVED
        elif kind is not NewsKind.LAPSED:
            return None
        return ProviderNews(
            NAME,
            event.id,
            event.type,
            kind,
            link_ref=obj.id,
            deposit_id=deposit_id,
            card_ref=obj.setup_intent or "",
            customer_ref=obj.customer or "",
        )
    amount = None
    if kind is NewsKind.PAID:
        # A completed session paid by a delayed method is not money yet; its
        # async_payment_succeeded event will be.
        if obj.payment_status != "paid" or obj.amount_total is None or not obj.currency:
            return None
        amount = Money(obj.amount_total, obj.currency.upper())
    return ProviderNews(
        NAME,
        event.id,
        event.type,
        kind,
        link_ref=obj.id,
        deposit_id=deposit_id,
        payment_ref=obj.payment_intent or "",
        amount=amount,
        # A customer on a payment session: payments asked Stripe to keep the card.
        card_ref=(obj.payment_intent or "") if obj.customer else "",
        customer_ref=obj.customer or "",
    )


def _not_from_the_future(header: str, tolerance_s: int) -> None:
    """Stripe's library bounds only a signature's age; a timestamp ahead of our
    clock by more than the tolerance would keep a captured request replayable
    for longer, so it is refused too."""
    stamps = [part[2:] for part in header.split(",") if part.startswith("t=")]
    if not stamps or not stamps[0].isdigit() or int(stamps[0]) > time.time() + tolerance_s:
        raise stripe.SignatureVerificationError(  # type: ignore[no-untyped-call]
            "timestamp ahead of the clock", header
        )


def router(binding: Binding) -> APIRouter:
    routes = APIRouter()

    @routes.post("/stripe/webhook", include_in_schema=False)
    async def stripe_webhook(request: Request) -> Response:
        bound = binding.get()
        if bound.webhook_secret is None:
            return Response(status_code=404)
        payload = await request.body()
        if len(payload) > MAX_EVENT_BYTES:
            return Response(status_code=413)
        header = request.headers.get("stripe-signature", "")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), header, bound.webhook_secret, bound.webhook_tolerance_s
            )
            _not_from_the_future(header, bound.webhook_tolerance_s)
            event = StripeEvent.model_validate_json(payload)
            news = news_from(event)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            log.warning("stripe webhook refused", extra={"reason": type(exc).__name__})
            return Response(status_code=400)
        except (ValidationError, ValueError) as exc:
            log.warning("stripe webhook unreadable", extra={"reason": type(exc).__name__})
            return Response(status_code=400)
        if news is not None:
            await bound.settlements.apply(news)
        return Response(status_code=200)

    return routes
