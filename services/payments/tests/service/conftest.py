"""Fixtures: payments with the sandbox provider, and with Stripe faked at the transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, serve_fake_stripe
from payments_harness import Payments, payments


@pytest.fixture(scope="session")
async def sandbox(stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Payments]:
    async with payments(stack, tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture(scope="session")
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    async with serve_fake_stripe() as fake:
        yield fake


@pytest.fixture(scope="session")
async def stripe_payments(
    stack, fake_stripe: FakeStripe, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Payments]:
    async with payments(
        stack,
        tmp_path_factory.mktemp("stripe"),
        provider="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=fake_stripe.url,
    ) as running:
        yield running
