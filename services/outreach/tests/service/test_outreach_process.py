"""Outreach as it runs: `run_service` with its consumers, outbox relay, runner task and
HTTP, on real NATS JetStream and PostgreSQL (a database and bus namespace of its own),
with the scheduler faked at its port and the clock moved by the test."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from google.protobuf.message import Message
from nats.js import JetStreamContext
from outreach_world import SPA, FakeClock, FakeScheduler, booking, la

from medspa.events.v1 import booking_pb2, telephony_pb2
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.db import create_pool
from medspa_kit.envelope import Envelope
from medspa_kit.runtime import Runtime, run_service
from medspa_kit.streams import delete_streams, ensure_streams, stream_names
from outreach.adapters.jobs import CHANNEL
from outreach.main import build
from outreach.settings import OutreachSettings

pytestmark = pytest.mark.integration
TOKEN = "reports-test-token"
CALLER = "+14155550177"


async def eventually(check: Callable[[], Any], what: str) -> Any:
    """Poll until `check()` answers something truthy; the deadline only ends a hang."""
    try:
        async with asyncio.timeout(30):
            while True:
                result = check()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    settings: OutreachSettings
    pool: asyncpg.Pool
    js: JetStreamContext
    cipher: FieldCipher
    clock: FakeClock
    scheduler: FakeScheduler

    async def publish(self, message: Message, *, event_id: str, msg_id: str | None = None) -> int:
        envelope = Envelope.wrap(SPA.id, message, "test", event_id=event_id)
        headers = envelope.headers()
        if msg_id is not None:
            # A republish after JetStream's duplicate window: only the inbox can catch it.
            headers["Nats-Msg-Id"] = msg_id
        ack = await self.js.publish(
            envelope.subject(self.settings.bus_namespace), envelope.payload, headers=headers
        )
        return int(ack.seq)

    async def handled(self, durable: str, seq: int) -> None:
        """Wait until outreach's consumer has taken and acknowledged everything up to `seq`."""
        events = stream_names(self.settings.bus_namespace).events

        async def done() -> bool:
            info = await self.js.consumer_info(events, durable)
            return bool(info.ack_floor.stream_seq >= seq)

        await eventually(done, f"{durable} handled {seq}")

    async def count(self, query: str, *args: object) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval(query, *args))

    async def tick(self, moment: Any) -> None:
        """Move the clock and wake the runner, as time passing would."""
        self.clock.set(moment)
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


@contextlib.asynccontextmanager
async def running(site: Site) -> AsyncIterator[str]:
    """Outreach serving until the block ends (its stop event set, as SIGTERM would)."""
    settings = site.settings.model_copy(update={"port": free_port()})
    app, wire = build(settings, calendar=site.scheduler, contacts=site.scheduler, clock=site.clock)
    started: dict[str, Runtime] = {}

    async def capture(runtime: Runtime) -> None:
        started["runtime"] = runtime
        await wire(runtime)

    task = asyncio.create_task(
        run_service("outreach", settings, capture, port=settings.port, host="127.0.0.1", app=app)
    )
    base = f"http://127.0.0.1:{settings.port}"
    async with httpx.AsyncClient(base_url=base, timeout=5.0) as client:

        async def ready() -> bool:
            if task.done():
                task.result()
            with contextlib.suppress(httpx.TransportError):
                return (await client.get("/readyz")).status_code == 200
            return False

        await eventually(ready, "outreach ready")
    try:
        yield base
    finally:
        started["runtime"].stop.set()
        await task


@pytest.fixture
async def site(stack: Any, tmp_path: Path) -> AsyncIterator[Site]:
    from devstack.infra import create_database, drop_database

    run = uuid.uuid4().hex[:10]
    name, namespace = f"outreach_test_{run}", f"out{run}"
    url = await create_database(stack.admin_database_url, name)
    nc = await nats.connect(stack.nats_url)
    await ensure_streams(nc.jetstream(), namespace)
    settings = OutreachSettings(
        nats_url=stack.nats_url,
        database_url=url,
        bus_namespace=namespace,
        field_key_file=tmp_path / "field-keys.json",
        internal_token=TOKEN,
        idle_s=0.5,
        startup_timeout_s=20,
    )
    pool = await create_pool(url, "outreach", application_name="outreach-test")
    try:
        yield Site(
            settings=settings,
            pool=pool,
            js=nc.jetstream(),
            cipher=FieldCipher(dev_keyring(tmp_path / "field-keys.json")),
            clock=FakeClock(la(2, 10)),
            scheduler=FakeScheduler(),
        )
    finally:
        await pool.close()
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
        await drop_database(stack.admin_database_url, name)


async def next_command(site: Site, consumer: Any) -> Any:
    async def fetched() -> Any:
        with contextlib.suppress(nats.errors.TimeoutError):
            [msg] = await consumer.fetch(1, timeout=0.5)
            await msg.ack()
            return Envelope.from_nats(msg.subject, msg.headers, msg.data).message()
        return None

    return await eventually(fetched, "a command from outreach")


async def test_a_missed_call_is_texted_back_and_the_callback_time_reported(site: Site) -> None:
    subject = f"{site.settings.bus_namespace}.cmd.*.message.send"
    async with running(site) as base:
        commands = await site.js.pull_subscribe(subject, durable="test-tap")
        missed = telephony_pb2.CallMissed(
            spa_id=SPA.id, call_sid="CA77", from_phone=site.cipher.seal(CALLER, Purpose.PHONE)
        )
        missed.missed_at.FromDatetime(site.clock.now())
        await site.publish(missed, event_id="missed-CA77")
        text = await next_command(site, commands)
        assert site.cipher.open(text.to_phone, Purpose.PHONE) == CALLER
        body = site.cipher.open(text.body, Purpose.SMS_BODY)
        assert body.startswith("Sorry we missed your call to Lumen Aesthetics!")
        # Telephony reports Twilio took it 3 seconds after the call was missed.
        accepted = telephony_pb2.MessageSent(spa_id=SPA.id, command_id=text.command_id)
        accepted.sent_at.FromDatetime(site.clock.now() + timedelta(seconds=3))
        seq = await site.publish(accepted, event_id="sent-CA77")
        await site.handled("outreach-message-sent", seq)
        window = {"spa_id": SPA.id, "since": la(2, 0).isoformat(), "until": la(3, 0).isoformat()}
        async with httpx.AsyncClient(base_url=base) as http:
            refused = await http.get("/reports/callbacks", params=window)
            answered = await http.get(
                "/reports/callbacks", params=window, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            metrics = (await http.get("/metrics")).text
        assert refused.status_code == 401
        report = answered.json()
        assert (report["missed_calls"], report["accepted"], report["within_target"]) == (1, 1, 1)
        assert report["max_s"] == 3.0
        # Prometheus sees the same: the job, and the callback's time.
        assert 'medspa_outreach_jobs_total{kind="missed_call_text",outcome="sent"}' in metrics
        assert "medspa_outreach_missed_call_callback_seconds_count" in metrics
        assert "medspa_outreach_due_jobs" in metrics


async def test_duplicates_change_nothing_and_a_restart_loses_nothing(site: Site) -> None:
    site.scheduler.add_patient("patient-1", "+14155550123")
    confirmed = booking_pb2.BookingConfirmed(booking=booking(la(5, 11)))
    durable = "outreach-booking-confirmed"
    async with running(site):
        await site.publish(confirmed, event_id="confirmed-1")
        # The same event again: JetStream drops it inside its window; outside it (another
        # Nats-Msg-Id, the same ce-id) the inbox does.
        await site.publish(confirmed, event_id="confirmed-1")
        seq = await site.publish(confirmed, event_id="confirmed-1", msg_id="republished")
        await site.handled(durable, seq)
        assert await site.count("SELECT count(*) FROM jobs WHERE kind = 'reminder'") == 3
    # Stopped with every reminder still ahead; a new instance sends each once.
    subject = f"{site.settings.bus_namespace}.cmd.*.message.send"
    async with running(site):
        commands = await site.js.pull_subscribe(subject, durable="test-tap")
        seen = []
        for moment in (la(3, 11), la(4, 11), la(5, 9)):
            await site.tick(moment)
            seen.append((await next_command(site, commands)).command_id)
        assert len(set(seen)) == 3
        assert await site.count("SELECT count(*) FROM sends") == 3
