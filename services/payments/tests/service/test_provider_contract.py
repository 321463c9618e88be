"""One contract for every payment provider, run against the sandbox and against
the Stripe adapter (talking to the fake Stripe), so neither can drift from the
flow's expectations: idempotent links, refunds and charges, and honest states."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fake_stripe import SECRET_KEY, FakeStripe
from payments_harness import SPA, Payments

from payments.adapters import stripe_provider
from payments.adapters.sandbox import SandboxProvider
from payments.adapters.stripe_provider import StripeProvider
from payments.domain.money import Money
from payments.ports import (
    ChargeRequest,
    LinkPurpose,
    LinkRequest,
    LinkStatus,
    PaymentProvider,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]


@dataclass
class Subject:
    provider: PaymentProvider
    # What the patient does on the provider's page (with a test card, by its last digits).
    pay: Callable[[str, str], Awaitable[None]]
    save: Callable[[str, str], Awaitable[None]]


@pytest.fixture(params=["sandbox", "stripe"])
async def subject(
    request: pytest.FixtureRequest, sandbox: Payments, fake_stripe: FakeStripe
) -> AsyncIterator[Subject]:
    if request.param == "sandbox":
        provider = SandboxProvider(sandbox.pool, sandbox.url)

        async def pay_sandbox(ref: str, card: str = "4242") -> None:
            await provider.pay(ref, card)

        async def save_sandbox(ref: str, card: str = "4242") -> None:
            await provider.save(ref, card)

        yield Subject(provider, pay_sandbox, save_sandbox)
        return
    made, http = stripe_provider.client(SECRET_KEY, fake_stripe.url, 5.0)

    async def pay_stripe(ref: str, card: str = "4242") -> None:
        fake_stripe.complete(ref, card)

    async def save_stripe(ref: str, card: str = "4242") -> None:
        fake_stripe.save(ref, card)

    yield Subject(StripeProvider(made, "http://127.0.0.1:8003"), pay_stripe, save_stripe)
    await http.close_async()


def link_request(key: str | None = None, purpose: LinkPurpose = LinkPurpose.PAY) -> LinkRequest:
    return LinkRequest(
        deposit_id=str(uuid.uuid4()),
        spa_id=SPA,
        appointment_id=str(uuid.uuid4()),
        amount=Money(5000, "USD"),
        description="Deposit: Botox",
        policy_text="Cancel 48 hours ahead.",
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
        idempotency_key=key or f"hold:{uuid.uuid4()}",
        purpose=purpose,
    )


async def test_the_same_key_makes_the_same_link(subject: Subject) -> None:
    request = link_request()
    first = await subject.provider.create_link(request)
    again = await subject.provider.create_link(request)
    other = await subject.provider.create_link(link_request())
    assert first == again
    assert other.ref != first.ref
    assert (await subject.provider.lookup(first.ref)).status is LinkStatus.OPEN


async def test_a_paid_link_stays_paid_when_closed(subject: Subject) -> None:
    link = await subject.provider.create_link(link_request())
    await subject.pay(link.ref, "4242")
    state = await subject.provider.lookup(link.ref)
    assert state.status is LinkStatus.PAID
    assert not state.card_ref, "a plain payment keeps no card"
    assert state.amount == Money(5000, "USD") and state.payment_ref
    closed = await subject.provider.expire_link(link.ref, f"expire:{link.ref}")
    assert closed.status is LinkStatus.PAID and closed.payment_ref == state.payment_ref


async def test_closing_an_open_link_is_idempotent(subject: Subject) -> None:
    link = await subject.provider.create_link(link_request())
    key = f"expire:{link.ref}"
    assert (await subject.provider.expire_link(link.ref, key)).status is LinkStatus.EXPIRED
    assert (await subject.provider.expire_link(link.ref, key)).status is LinkStatus.EXPIRED
    assert (await subject.provider.lookup(link.ref)).status is LinkStatus.EXPIRED


async def test_the_same_refund_key_refunds_once(subject: Subject) -> None:
    request = link_request()
    link = await subject.provider.create_link(request)
    await subject.pay(link.ref, "4242")
    state = await subject.provider.lookup(link.ref)
    key = f"refund:{request.deposit_id}"
    first = await subject.provider.refund(
        request.deposit_id, state.payment_ref, Money(5000, "USD"), key
    )
    again = await subject.provider.refund(
        request.deposit_id, state.payment_ref, Money(5000, "USD"), key
    )
    assert first == again and first.ref and not first.failed


def charge(request: LinkRequest, card_ref: str, customer_ref: str, key: str) -> ChargeRequest:
    return ChargeRequest(
        deposit_id=request.deposit_id,
        spa_id=SPA,
        appointment_id=request.appointment_id,
        card_ref=card_ref,
        customer_ref=customer_ref,
        amount=Money(5000, "USD"),
        description="Lumen Aesthetics no-show fee",
        idempotency_key=key,
    )


async def test_a_saved_card_is_charged_once_per_key(subject: Subject) -> None:
    request = link_request(f"card:{uuid.uuid4()}", LinkPurpose.SAVE_CARD)
    link = await subject.provider.create_link(request)
    assert link == await subject.provider.create_link(request)
    assert (await subject.provider.lookup(link.ref)).status is LinkStatus.OPEN
    await subject.save(link.ref, "4242")
    state = await subject.provider.lookup(link.ref)
    assert state.status is LinkStatus.SAVED and state.card_ref and state.customer_ref
    assert state.amount is None, "saving a card charges nothing"
    key = f"no_show_fee:{request.appointment_id}"
    first = await subject.provider.charge_saved_card(
        charge(request, state.card_ref, state.customer_ref, key)
    )
    again = await subject.provider.charge_saved_card(
        charge(request, state.card_ref, state.customer_ref, key)
    )
    assert first.charged and first.ref and first == again


@pytest.mark.parametrize(
    ("card", "reason"), [("0341", "card_declined"), ("3184", "authentication_required")]
)
async def test_a_card_that_refuses_says_why_and_says_it_again(
    subject: Subject, card: str, reason: str
) -> None:
    request = link_request(purpose=LinkPurpose.PAY_AND_KEEP_CARD)
    link = await subject.provider.create_link(request)
    await subject.pay(link.ref, card)
    state = await subject.provider.lookup(link.ref)
    assert state.status is LinkStatus.PAID and state.card_ref and state.customer_ref
    key = f"no_show_fee:{request.appointment_id}"
    first = await subject.provider.charge_saved_card(
        charge(request, state.card_ref, state.customer_ref, key)
    )
    again = await subject.provider.charge_saved_card(
        charge(request, state.card_ref, state.customer_ref, key)
    )
    assert (first.charged, first.reason) == (False, reason)
    assert first == again
