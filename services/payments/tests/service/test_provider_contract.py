"""One contract for every payment provider, run against the sandbox and against
the Stripe adapter (talking to the fake Stripe), so neither can drift from the
flow's expectations: idempotent links and refunds, and honest states."""

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
from payments.ports import LinkRequest, LinkStatus, PaymentProvider

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]


@dataclass
class Subject:
    provider: PaymentProvider
    # What the patient does on the provider's page.
    pay: Callable[[str], Awaitable[None]]


@pytest.fixture(params=["sandbox", "stripe"])
async def subject(
    request: pytest.FixtureRequest, sandbox: Payments, fake_stripe: FakeStripe
) -> AsyncIterator[Subject]:
    if request.param == "sandbox":
        provider = SandboxProvider(sandbox.pool, sandbox.url)

        async def pay_sandbox(ref: str) -> None:
            await provider.pay(ref)

        yield Subject(provider, pay_sandbox)
        return
    made, http = stripe_provider.client(SECRET_KEY, fake_stripe.url, 5.0)

    async def pay_stripe(ref: str) -> None:
        fake_stripe.complete(ref)

    yield Subject(StripeProvider(made, "http://127.0.0.1:8003"), pay_stripe)
    await http.close_async()


def link_request(key: str | None = None) -> LinkRequest:
    return LinkRequest(
        deposit_id=str(uuid.uuid4()),
        spa_id=SPA,
        appointment_id=str(uuid.uuid4()),
        amount=Money(5000, "USD"),
        description="Deposit: Botox",
        policy_text="Cancel 48 hours ahead.",
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
        idempotency_key=key or f"hold:{uuid.uuid4()}",
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
    await subject.pay(link.ref)
    state = await subject.provider.lookup(link.ref)
    assert state.status is LinkStatus.PAID
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
    await subject.pay(link.ref)
    state = await subject.provider.lookup(link.ref)
    key = f"refund:{request.deposit_id}"
    first = await subject.provider.refund(
        request.deposit_id, state.payment_ref, Money(5000, "USD"), key
    )
    again = await subject.provider.refund(
        request.deposit_id, state.payment_ref, Money(5000, "USD"), key
    )
    assert first == again and first
