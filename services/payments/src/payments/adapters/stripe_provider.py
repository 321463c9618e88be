"""Stripe Checkout Sessions through the `stripe` package.

Stripe sees ids only: the deposit, appointment and spa ids in the metadata and
client_reference_id, never a patient's name, phone or email. Every creating
call carries the idempotency key the flow chose, so a retry after a timeout or a
crash gets Stripe's first answer back instead of a second session or refund.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

import stripe

from payments.domain.money import Money
from payments.ports import (
    Link,
    LinkRequest,
    LinkState,
    LinkStatus,
    ProviderRefused,
    ProviderUnavailable,
)

NAME = "stripe"
# Stripe lets a session live 30 minutes to 24 hours. Holds are shorter, so
# payments expires the session itself when the hold lapses; Stripe's own expiry
# is only the backstop. Derived from the hold (not from now) so a retried
# create sends identical parameters, as an idempotent request must.
BACKSTOP = timedelta(hours=1)
# Stripe's limit for custom text beside the pay button.
CUSTOM_TEXT_MAX = 1200
T = TypeVar("T")


def client(
    secret_key: str, api_base: str | None, timeout_s: float
) -> tuple[stripe.StripeClient, stripe.HTTPXClient]:
    """A client whose retries are ours (jobs retry with the same idempotency key),
    and its HTTP client, to close at shutdown."""
    http = stripe.HTTPXClient(timeout=timeout_s)
    made = stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=http,
        max_network_retries=0,
    )
    return made, http


async def _call(request: Awaitable[T]) -> T:
    try:
        return await request
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise ProviderUnavailable(type(exc).__name__) from exc
    except stripe.StripeError as exc:
        if exc.http_status is None or exc.http_status >= 500:
            raise ProviderUnavailable(f"stripe {exc.http_status}") from exc
        raise ProviderRefused(f"stripe {exc.http_status} {exc.code or ''}".strip()) from exc


def _state(session: Any) -> LinkState:
    if session.status == "complete" and session.payment_status == "paid":
        intent = session.payment_intent
        ref = intent if isinstance(intent, str) else getattr(intent, "id", "")
        return LinkState(
            LinkStatus.PAID, ref, Money(int(session.amount_total), session.currency.upper())
        )
    if session.status == "expired":
        return LinkState(LinkStatus.EXPIRED)
    # Open, or complete but an asynchronous payment method is still settling.
    return LinkState(LinkStatus.OPEN)


class StripeProvider:
    name = NAME

    def __init__(self, stripe_client: stripe.StripeClient, public_url: str) -> None:
        self._stripe = stripe_client
        self._public_url = public_url.rstrip("/")

    def _params(self, request: LinkRequest) -> dict[str, Any]:
        ids = {
            "deposit_id": request.deposit_id,
            "appointment_id": request.appointment_id,
            "spa_id": request.spa_id,
        }
        return {
            "mode": "payment",
            "client_reference_id": request.deposit_id,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": request.amount.minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "metadata": ids,
            # The payment intent (and so its charge and any dispute) carries the ids too.
            "payment_intent_data": {"metadata": ids},
            "success_url": f"{self._public_url}/pay/return?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{self._public_url}/pay/cancelled",
            "expires_at": int((request.expires_at + BACKSTOP).timestamp()),
            "custom_text": {"submit": {"message": request.policy_text[:CUSTOM_TEXT_MAX]}},
        }

    async def create_link(self, request: LinkRequest) -> Link:
        session = await _call(
            self._stripe.v1.checkout.sessions.create_async(
                self._params(request),  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        )
        return Link(session.id, session.url or "")

    async def lookup(self, link_ref: str) -> LinkState:
        return _state(await _call(self._stripe.v1.checkout.sessions.retrieve_async(link_ref)))

    async def expire_link(self, link_ref: str, idempotency_key: str) -> LinkState:
        try:
            session = await _call(
                self._stripe.v1.checkout.sessions.expire_async(
                    link_ref, options={"idempotency_key": idempotency_key}
                )
            )
        except ProviderRefused:
            # Only an open session can be expired: it was paid or expired already.
            return await self.lookup(link_ref)
        return _state(session)

    async def refund(
        self, deposit_id: str, payment_ref: str, amount: Money, idempotency_key: str
    ) -> str:
        refund = await _call(
            self._stripe.v1.refunds.create_async(
                {
                    "payment_intent": payment_ref,
                    "amount": amount.minor,
                    "reason": "requested_by_customer",
                    "metadata": {"deposit_id": deposit_id},
                },
                {"idempotency_key": idempotency_key},
            )
        )
        if refund.status in ("failed", "canceled"):
            raise ProviderRefused(f"stripe refund {refund.id} {refund.status}")
        return str(refund.id)
