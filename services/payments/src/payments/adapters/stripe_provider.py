"""Stripe Checkout Sessions through the `stripe` package.

Stripe sees ids only: the deposit, appointment and spa ids in the metadata and
client_reference_id, never a patient's name, phone or email. Every creating
call carries the idempotency key the flow chose, so a retry after a timeout or a
crash gets Stripe's first answer back instead of a second session or refund.

A card kept for the no-show fee belongs to a Customer made for the link (ids
only): a Checkout Session in `setup` mode saves it when no deposit is due; a
deposit smaller than the fee keeps the card it is paid with
(`setup_future_usage=off_session`). The fee is a PaymentIntent confirmed
off-session on that card.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

import stripe

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
    ProviderUnavailable,
    RefundResult,
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


def _translated(exc: stripe.StripeError) -> Exception:
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return ProviderUnavailable(type(exc).__name__)
    if exc.http_status is None or exc.http_status >= 500:
        return ProviderUnavailable(f"stripe {exc.http_status}")
    return ProviderRefused(f"stripe {exc.http_status} {exc.code or ''}".strip())


async def _call(request: Awaitable[T]) -> T:
    try:
        return await request
    except stripe.StripeError as exc:
        raise _translated(exc) from exc


def _id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(getattr(value, "id", ""))


def _state(session: Any) -> LinkState:
    customer = _id(getattr(session, "customer", None))
    if session.mode == "setup" and session.status == "complete":
        return LinkState(
            LinkStatus.SAVED, card_ref=_id(session.setup_intent), customer_ref=customer
        )
    if session.status == "complete" and session.payment_status == "paid":
        ref = _id(session.payment_intent)
        # A customer on a payment session means payments asked Stripe to keep the card.
        return LinkState(
            LinkStatus.PAID,
            ref,
            Money(int(session.amount_total), session.currency.upper()),
            card_ref=ref if customer else "",
            customer_ref=customer,
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

    def _params(self, request: LinkRequest, customer: str) -> dict[str, Any]:
        ids = _ids(request.deposit_id, request.appointment_id, request.spa_id)
        params: dict[str, Any] = {"client_reference_id": request.deposit_id, "metadata": ids}
        if request.purpose is LinkPurpose.SAVE_CARD:
            # Nothing is charged: Checkout saves a card to the customer (its SetupIntent
            # carries the ids); the page still names the fee in the terms beside the button.
            params |= {
                "mode": "setup",
                "currency": request.amount.currency.lower(),
                "setup_intent_data": {"metadata": ids, "description": request.description},
            }
        else:
            # The payment intent (and so its charge and any dispute) carries the ids too.
            intent: dict[str, Any] = {"metadata": ids}
            if request.purpose is LinkPurpose.PAY_AND_KEEP_CARD:
                intent["setup_future_usage"] = "off_session"
            params |= {
                "mode": "payment",
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
                "payment_intent_data": intent,
            }
        if customer:
            params["customer"] = customer
        return params | {
            "success_url": f"{self._public_url}/pay/return?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{self._public_url}/pay/cancelled",
            "expires_at": int((request.expires_at + BACKSTOP).timestamp()),
            "custom_text": {"submit": {"message": request.policy_text[:CUSTOM_TEXT_MAX]}},
        }

    async def create_link(self, request: LinkRequest) -> Link:
        customer = ""
        if request.purpose is not LinkPurpose.PAY:
            customer = await self._customer(request)
        session = await _call(
            self._stripe.v1.checkout.sessions.create_async(
                self._params(request, customer),  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        )
        return Link(session.id, session.url or "")

    async def _customer(self, request: LinkRequest) -> str:
        """The Customer the saved card will belong to: ids only, one per link."""
        customer = await _call(
            self._stripe.v1.customers.create_async(
                {"metadata": _ids(request.deposit_id, request.appointment_id, request.spa_id)},
                {"idempotency_key": f"customer:{request.idempotency_key}"},
            )
        )
        return str(customer.id)

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
    ) -> RefundResult:
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
            reason = getattr(refund, "failure_reason", None) or refund.status
            return RefundResult(str(refund.id), failed=True, reason=str(reason))
        # Pending or succeeded: taken as done; a later failure arrives as refund.failed.
        return RefundResult(str(refund.id))

    async def _payment_method(self, card_ref: str) -> tuple[str, str]:
        """The saved card and its customer, from the intent that saved it."""
        if card_ref.startswith("seti_"):
            intent: Any = await _call(self._stripe.v1.setup_intents.retrieve_async(card_ref))
        else:
            intent = await _call(self._stripe.v1.payment_intents.retrieve_async(card_ref))
        method = _id(intent.payment_method)
        if not method:
            raise ProviderRefused(f"no payment method saved by {card_ref}")
        return method, _id(intent.customer)

    async def charge_saved_card(self, request: ChargeRequest) -> ChargeResult:
        method, customer = await self._payment_method(request.card_ref)
        ids = _ids(request.deposit_id, request.appointment_id, request.spa_id)
        params = {
            "amount": request.amount.minor,
            "currency": request.amount.currency.lower(),
            "customer": customer or request.customer_ref,
            "payment_method": method,
            "off_session": True,
            "confirm": True,
            "description": request.description,
            "metadata": {**ids, "charge": "no_show_fee"},
        }
        try:
            intent = await self._stripe.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as refused:
            # Declined, or the card wants its holder to authenticate: an answer, kept
            # by Stripe under this key, so asking again gets the same refusal.
            error = refused.error
            ref = _id(getattr(error, "payment_intent", None)) if error else ""
            return ChargeResult(ref, charged=False, reason=refused.code or "card_declined")
        except stripe.StripeError as exc:
            raise _translated(exc) from exc
        if intent.status in ("succeeded", "processing"):
            return ChargeResult(str(intent.id), charged=True)
        reason = "authentication_required" if intent.status == "requires_action" else intent.status
        return ChargeResult(str(intent.id), charged=False, reason=str(reason))


def _ids(deposit_id: str, appointment_id: str, spa_id: str) -> dict[str, str]:
    return {"deposit_id": deposit_id, "appointment_id": appointment_id, "spa_id": spa_id}
