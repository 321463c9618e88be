"""Payments in-process on real PostgreSQL and NATS JetStream, with fakes only at the edges.

Each `Payments` gets a database and a bus namespace of its own, runs the real
service through `run_service` (consumers, outbox relay, HTTP, background loops),
and hands the test what it needs to drive and observe it: publish booking
events, read the deposit events off JetStream, read its tables, move its clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from fake_stripe import free_port
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from medspa.common.v1.common_pb2 import CHANNEL_SMS, Money
from medspa.events.v1 import booking_pb2, deposit_pb2
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.db import create_pool
from medspa_kit.envelope import EVENTS, Envelope
from medspa_kit.runtime import Runtime, run_service
from medspa_kit.streams import delete_streams, ensure_streams
from payments.flow.request import DUE_CHANNEL
from payments.flow.transitions import JOBS_CHANNEL
from payments.main import build
from payments.ports import HoldAgain, HoldStatus, SlotGone
from payments.settings import PaymentsSettings

SPA = "lumen-aesthetics"
INTERNAL_TOKEN = "staff-test-token"
DEADLINE_S = 30.0


class FakeClock:
    """Starts at the real time (Stripe signatures are checked against it) and moves when told."""

    def __init__(self) -> None:
        self.value = datetime.now(UTC)

    def now(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


@dataclass
class FakeCalendar:
    """The scheduler's answers, set by the test; every hold request is kept."""

    statuses: dict[str, HoldStatus] = field(default_factory=dict)
    taken: bool = False
    holds: list[HoldAgain] = field(default_factory=list)

    async def status(self, spa_id: str, appointment_id: str) -> HoldStatus:
        return self.statuses.get(appointment_id, HoldStatus.RELEASED)

    async def hold(self, request: HoldAgain) -> str:
        self.holds.append(request)
        if self.taken:
            raise SlotGone("failed_precondition")
        return str(uuid.uuid5(uuid.NAMESPACE_URL, request.request_id))


def stamp(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


@dataclass
class Tap:
    """Every deposit event payments published, as JetStream stored them (deduplicated)."""

    seen: list[tuple[str, str, Message]] = field(default_factory=list)

    async def on_message(self, msg: Any) -> None:
        envelope = Envelope.from_nats(msg.subject, msg.headers, msg.data)
        self.seen.append((envelope.name, envelope.id, envelope.message()))

    def of(self, name: str, appointment_id: str | None = None) -> list[Any]:
        return [
            m
            for n, _, m in self.seen
            if n == name and (appointment_id is None or m.appointment_id == appointment_id)
        ]


async def eventually(check: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
    """Wait until `check()` answers something truthy (async checks are awaited)."""
    try:
        async with asyncio.timeout(deadline_s):
            while True:
                result = check()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


@dataclass
class Payments:
    url: str
    namespace: str
    database_url: str
    settings: PaymentsSettings
    pool: asyncpg.Pool
    nc: NatsClient
    js: JetStreamContext
    tap: Tap
    clock: FakeClock
    calendar: FakeCalendar
    cipher: FieldCipher
    http: httpx.AsyncClient

    async def publish(
        self, message: Message, *, event_id: str | None = None, msg_id: str | None = None
    ) -> str:
        envelope = Envelope.wrap(SPA, message, "scheduler", event_id=event_id)
        headers = envelope.headers()
        if msg_id is not None:
            # A republish after JetStream's duplicate window: only the inbox can catch it.
            headers["Nats-Msg-Id"] = msg_id
        await self.js.publish(envelope.subject(self.namespace), envelope.payload, headers=headers)
        return envelope.id

    async def events(self, name: str, appointment_id: str, count: int = 1) -> list[Any]:
        await eventually(
            lambda: len(self.tap.of(name, appointment_id)) >= count,
            f"{count} {name} for {appointment_id}",
        )
        return self.tap.of(name, appointment_id)

    async def recorded(self, name: str, appointment_id: str) -> list[Any]:
        """Every `name` event payments owes for the appointment, from its outbox: each row
        is one event id, so this counts what was decided, not what the wire delivered."""
        async with self.pool.acquire() as conn:
            found = await conn.fetch(
                "SELECT payload FROM outbox WHERE subject = $1 ORDER BY id",
                f"{self.namespace}.evt.{SPA}.{name}",
            )
        decoded = [EVENTS[name].FromString(bytes(r["payload"])) for r in found]
        return [m for m in decoded if m.appointment_id == appointment_id]

    async def deposit(self, appointment_id: str) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(
                "SELECT * FROM deposits WHERE first_appointment_id = $1", appointment_id
            )

    async def state_of(self, appointment_id: str, state: str) -> asyncpg.Record:
        async def reached() -> asyncpg.Record | None:
            row = await self.deposit(appointment_id)
            return row if row is not None and row["state"] == state else None

        found: asyncpg.Record = await eventually(reached, f"{appointment_id} {state}")
        return found

    async def tick(self, **delta: float) -> None:
        """Move the clock and wake the sweeper and the worker, as time passing would."""
        self.clock.advance(**delta)
        await self.nudge()

    async def nudge(self) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                "SELECT pg_notify($1, ''), pg_notify($2, '')", DUE_CHANNEL, JOBS_CHANNEL
            )

    def open_notice(self, sealed: Any) -> str:
        return self.cipher.open(sealed, Purpose.SMS_BODY)

    async def count(self, query: str, *args: object) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval(query, *args))


def booking(
    clock: FakeClock,
    *,
    appointment_id: str | None = None,
    service_id: str = "botox",
    deposit_minor: int = 5000,
    currency: str = "USD",
    patient_id: str = "patient-1",
    start: datetime | None = None,
) -> booking_pb2.Booking:
    begins = start or (clock.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    return booking_pb2.Booking(
        appointment_id=appointment_id or str(uuid.uuid4()),
        spa_id=SPA,
        service_id=service_id,
        provider_id="sofia-ramirez",
        patient_id=patient_id,
        start=stamp(begins),
        end=stamp(begins + timedelta(minutes=30)),
        deposit_required=deposit_minor > 0,
        deposit=Money(amount_minor=deposit_minor, currency=currency),
        conversation_id=f"conv-{patient_id}",
        new_patient=True,
    )


def held(clock: FakeClock, item: booking_pb2.Booking, minutes: int = 15) -> booking_pb2.BookingHeld:
    return booking_pb2.BookingHeld(
        booking=item, hold_expires_at=stamp(clock.now() + timedelta(minutes=minutes))
    )


@contextlib.asynccontextmanager
async def fresh_stack(stack: Any, work: Path) -> AsyncIterator[tuple[str, str]]:
    """A database and a bus namespace nobody else uses."""
    from devstack.infra import create_database, drop_database

    run = uuid.uuid4().hex[:10]
    name, namespace = f"pay_test_{run}", f"pay{run}"
    url = await create_database(stack.admin_database_url, name)
    nc = await nats.connect(stack.nats_url)
    await ensure_streams(nc.jetstream(), namespace)
    try:
        yield url, namespace
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
        await drop_database(stack.admin_database_url, name)


def settings_for(
    stack: Any, database_url: str, namespace: str, work: Path, port: int, **extra: Any
) -> PaymentsSettings:
    return PaymentsSettings(
        nats_url=stack.nats_url,
        database_url=database_url,
        bus_namespace=namespace,
        field_key_file=work / "field-keys.json",
        host="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        internal_token=INTERNAL_TOKEN,
        idle_s=1.0,
        startup_timeout_s=20,
        **extra,
    )


@contextlib.asynccontextmanager
async def running(
    settings: PaymentsSettings, clock: FakeClock, calendar: FakeCalendar
) -> AsyncIterator[Runtime]:
    """Payments serving until the block ends (its stop event set, as SIGTERM would)."""
    app, wire = build(settings, calendar=calendar, clock=clock)
    started: dict[str, Runtime] = {}

    async def capture(runtime: Runtime) -> None:
        started["runtime"] = runtime
        await wire(runtime)

    task = asyncio.create_task(
        run_service("payments", settings, capture, port=settings.port, host=settings.host, app=app)
    )
    async with httpx.AsyncClient(base_url=settings.public_url, timeout=5.0) as client:

        async def ready() -> bool:
            if task.done():
                task.result()
            with contextlib.suppress(httpx.TransportError):
                return (await client.get("/readyz")).status_code == 200
            return False

        await eventually(ready, "payments ready")
    try:
        yield started["runtime"]
    finally:
        started["runtime"].stop.set()
        await task


@contextlib.asynccontextmanager
async def payments(stack: Any, work: Path, **extra: Any) -> AsyncIterator[Payments]:
    clock, calendar = FakeClock(), FakeCalendar()
    port = free_port()
    async with fresh_stack(stack, work) as (url, namespace):
        settings = settings_for(stack, url, namespace, work, port, **extra)
        async with running(settings, clock, calendar):
            pool = await create_pool(url, "payments", max_size=20, application_name="pay-test")
            nc = await nats.connect(stack.nats_url)
            js = nc.jetstream()
            tap = Tap()
            sub = await js.subscribe(
                f"{namespace}.evt.*.deposit.>", cb=tap.on_message, ordered_consumer=True
            )
            http = httpx.AsyncClient(base_url=settings.public_url, timeout=10.0)
            try:
                yield Payments(
                    url=settings.public_url,
                    namespace=namespace,
                    database_url=url,
                    settings=settings,
                    pool=pool,
                    nc=nc,
                    js=js,
                    tap=tap,
                    clock=clock,
                    calendar=calendar,
                    cipher=FieldCipher(dev_keyring(work / "field-keys.json")),
                    http=http,
                )
            finally:
                await http.aclose()
                await sub.unsubscribe()
                await nc.close()
                await pool.close()


async def paid_on_sandbox(service: Payments, item: booking_pb2.Booking) -> Any:
    """Hold `item`, pay its link on the hosted page, and answer its deposit.paid."""
    await service.publish(held(service.clock, item))
    [requested] = await service.events("deposit.requested", item.appointment_id)
    response = await service.http.post(f"{requested.payment_url}/pay")
    assert response.status_code == 303
    [paid] = await service.events("deposit.paid", item.appointment_id)
    return paid


def cancelled(
    item: booking_pb2.Booking, *, inside_window: bool = False, by: str = "patient"
) -> booking_pb2.BookingCancelled:
    return booking_pb2.BookingCancelled(
        booking=item, cancelled_by=by, inside_cancellation_window=inside_window
    )


def policy_told(
    clock: FakeClock,
    cipher: FieldCipher,
    item: booking_pb2.Booking,
    *,
    phone: str = "+14155550123",
    answer_text: str = "Yes, that's fine",
    with_appointment: bool = True,
) -> deposit_pb2.CancellationPolicyTold:
    """What the agent says after reading the policy and hearing the answer."""
    told_at = clock.now() - timedelta(minutes=1)
    return deposit_pb2.CancellationPolicyTold(
        spa_id=SPA,
        conversation_id=item.conversation_id,
        appointment_id=item.appointment_id if with_appointment else "",
        patient_id=item.patient_id,
        policy_version="faq-cancel-v3",
        policy_text="Cancel 48 hours ahead or the deposit is kept.",
        channel=CHANNEL_SMS,
        told_at=stamp(told_at),
        answer=deposit_pb2.POLICY_ANSWER_ACCEPTED,
        answered_at=stamp(told_at + timedelta(seconds=40)),
        answer_text=cipher.seal(answer_text, Purpose.SMS_BODY),
        message_ref="SM0123456789abcdef0123456789abcdef",
        patient_phone=cipher.seal(phone, Purpose.PHONE),
    )
