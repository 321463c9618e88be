"""A crash between Stripe's answer and payments' commit loses nothing and doubles nothing:
a payment link, a refund, a no-show fee charged to a saved card.

Payments runs as its own process here, so it can be killed (SIGKILL: no
shutdown, no rollback but the database's own) at the worst moment: Stripe has
done the work and is answering. Restarted, it makes the same call with the same
idempotency key, gets the same answer, and carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
from fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event, free_port, sign
from payments_harness import (
    SPA,
    FakeClock,
    Tap,
    booking,
    cancelled,
    eventually,
    fresh_stack,
    held,
    policy_told,
)

from medspa.events.v1 import booking_pb2
from medspa_kit.crypto import FieldCipher, dev_keyring
from medspa_kit.envelope import Envelope

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]
PHONE = "+14155550188"
WORDS = "Sure, I understand the policy"


@dataclass
class Process:
    env: dict[str, str]
    log: Path
    url: str
    popen: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "payments"], env=self.env, stdout=out, stderr=out
            )
        async with httpx.AsyncClient(timeout=2.0) as client:

            async def ready() -> bool:
                assert self.popen is not None and self.popen.poll() is None, self.log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get(f"{self.url}/readyz")).status_code == 200
                return False

            await eventually(ready, "payments process ready", 60)

    def kill(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(20)


@contextlib.asynccontextmanager
async def process(stack, fake: FakeStripe, work: Path) -> AsyncIterator[tuple[Process, Tap, str]]:
    port = free_port()
    async with fresh_stack(stack, work) as (database_url, namespace):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PAYMENTS_", "STRIPE_"))},
            "DATABASE_URL": database_url,
            "NATS_URL": stack.nats_url,
            "MEDSPA_BUS_NAMESPACE": namespace,
            "FIELD_KEY_FILE": str(work / "field-keys.json"),
            "OTEL_TRACES_FILE": str(work / "traces.jsonl"),
            "PAYMENTS_PORT": str(port),
            "PAYMENTS_HOST": "127.0.0.1",
            "PAYMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PAYMENTS_PROVIDER": "stripe",
            "PAYMENTS_STRIPE_API_BASE": fake.url,
            "PAYMENTS_IDLE_S": "1",
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STARTUP_TIMEOUT_S": "20",
        }
        running = Process(env, work / "payments.log", f"http://127.0.0.1:{port}")
        await running.start()
        nc = await nats.connect(stack.nats_url)
        tap = Tap()
        sub = await nc.jetstream().subscribe(
            f"{namespace}.evt.*.deposit.>", cb=tap.on_message, ordered_consumer=True
        )
        try:
            yield running, tap, namespace
        finally:
            running.stop()
            await sub.unsubscribe()
            await nc.close()


async def publish(stack, namespace: str, message: object) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        envelope = Envelope.wrap(SPA, message, "scheduler")  # type: ignore[arg-type]
        await nc.jetstream().publish(
            envelope.subject(namespace), envelope.payload, headers=envelope.headers()
        )
    finally:
        await nc.close()


def arm(fake: FakeStripe, path: str) -> None:
    """Stripe will do the next `path` call's work, then hold its answer."""
    fake.held.clear()
    fake.hold[path] = asyncio.Event()


async def crash_while_answering(fake: FakeStripe, running: Process, path: str) -> None:
    """Kill payments while Stripe's answer is on its way, then start it again."""
    await eventually(fake.held.is_set, f"stripe working on {path}")
    running.kill()
    fake.hold.pop(path).set()
    await running.start()


async def test_a_crash_after_stripe_made_the_link_is_recovered_on_restart(
    stack, fake_stripe: FakeStripe, tmp_path: Path
) -> None:
    async with process(stack, fake_stripe, tmp_path) as (running, tap, namespace):
        item = booking(FakeClock())
        arm(fake_stripe, "/checkout/sessions")
        await publish(stack, namespace, held(FakeClock(), item, minutes=30))
        await crash_while_answering(fake_stripe, running, "/checkout/sessions")

        # JetStream redelivers the unacknowledged booking.held once its ack wait runs out.
        await eventually(lambda: tap.of("deposit.requested", item.appointment_id), "link", 90)
        calls = [
            c
            for c in fake_stripe.calls_to("POST", "/checkout/sessions")
            if c.form["metadata[appointment_id]"] == item.appointment_id
        ]
        assert len(calls) == 2
        assert {c.idempotency_key for c in calls} == {f"hold:{item.appointment_id}:5000"}
        [requested] = tap.of("deposit.requested", item.appointment_id)
        assert fake_stripe.session_for(requested.deposit_id)["url"] == requested.payment_url


async def test_a_crash_after_stripe_refunded_is_recovered_without_a_second_refund(
    stack, fake_stripe: FakeStripe, tmp_path: Path
) -> None:
    async with process(stack, fake_stripe, tmp_path) as (running, tap, namespace):
        clock = FakeClock()
        item = booking(clock, service_id="ipl-photofacial", patient_id=f"p-{uuid.uuid4().hex[:6]}")
        cipher = FieldCipher(dev_keyring(tmp_path / "field-keys.json"))
        told = policy_told(clock, cipher, item, phone=PHONE, answer_text=WORDS)
        await publish(stack, namespace, told)
        await publish(stack, namespace, held(clock, item, minutes=30))
        [asked] = await eventually(
            lambda: tap.of("deposit.requested", item.appointment_id), "the link"
        )
        session = fake_stripe.complete(fake_stripe.session_for(asked.deposit_id)["id"])
        payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", session)
        async with httpx.AsyncClient(base_url=running.url) as client:
            answer = await client.post(
                "/stripe/webhook", content=payload, headers={"Stripe-Signature": sign(payload)}
            )
        assert answer.status_code == 200
        await eventually(lambda: tap.of("deposit.paid", item.appointment_id), "paid")

        arm(fake_stripe, "/refunds")
        await publish(stack, namespace, cancelled(item))
        await crash_while_answering(fake_stripe, running, "/refunds")

        [refunded] = await eventually(
            lambda: tap.of("deposit.refunded", item.appointment_id), "refunded", 60
        )
        assert refunded.amount.amount_minor == 5000
        refunds = [
            r
            for r in fake_stripe.refunds.values()
            if r["payment_intent"] == session["payment_intent"]
        ]
        assert len(refunds) == 1
        calls = [
            c
            for c in fake_stripe.calls_to("POST", "/refunds")
            if c.form["payment_intent"] == session["payment_intent"]
        ]
        assert len(calls) == 2 and len({c.idempotency_key for c in calls}) == 1

        # Nothing protected reached the logs or the traces on the way.
        for written in (running.log, tmp_path / "traces.jsonl"):
            text = written.read_text() if written.exists() else ""
            assert PHONE not in text and PHONE[2:] not in text, written
            assert WORDS not in text, written


async def test_a_crash_after_stripe_charged_the_no_show_fee_is_recovered_without_a_second_charge(
    stack, fake_stripe: FakeStripe, tmp_path: Path
) -> None:
    async with process(stack, fake_stripe, tmp_path) as (running, tap, namespace):
        clock = FakeClock()
        item = booking(
            clock,
            service_id="hydrafacial",
            deposit_minor=0,
            patient_id=f"p-{uuid.uuid4().hex[:6]}",
        )
        await publish(stack, namespace, held(clock, item, minutes=30))
        [asked] = await eventually(
            lambda: tap.of("deposit.card_requested", item.appointment_id), "the card link"
        )
        session = fake_stripe.save(fake_stripe.session_for(asked.deposit_id)["id"])
        async with httpx.AsyncClient(base_url=running.url) as client:
            page = await client.get("/pay/return", params={"session_id": session["id"]})
        assert "your card is saved" in page.text

        arm(fake_stripe, "/payment_intents")
        await publish(stack, namespace, booking_pb2.BookingNoShow(booking=item))
        await crash_while_answering(fake_stripe, running, "/payment_intents")

        [charged] = await eventually(
            lambda: tap.of("deposit.no_show_charged", item.appointment_id), "charged", 60
        )
        assert charged.amount.amount_minor == 5000
        made = [
            p
            for p in fake_stripe.payment_intents.values()
            if p["metadata"].get("appointment_id") == item.appointment_id
        ]
        assert len(made) == 1
        posts = [
            c
            for c in fake_stripe.calls_to("POST", "/payment_intents")
            if c.idempotency_key == f"no_show_fee:{item.appointment_id}"
        ]
        assert len(posts) == 2
        assert len(tap.of("deposit.no_show_charged", item.appointment_id)) == 1
