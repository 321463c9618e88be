"""The kit's delivery guarantees on real PostgreSQL and NATS JetStream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest
from faststream.nats import NatsBroker

from medspa.events.v1 import booking_pb2
from medspa_kit import outbox
from medspa_kit.consumer import Consumer
from medspa_kit.db import create_pool
from medspa_kit.envelope import Envelope
from medspa_kit.migrate import Migration, MigrationError, apply, kit_migrations
from medspa_kit.outbox import OutboxRelay
from medspa_kit.streams import stream_names

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    schema = f"kit_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(database_url, schema, timeout_s=10)
    async with pool.acquire() as conn:
        await apply(conn, schema, kit_migrations())
        await conn.execute("CREATE TABLE effects (event_id text NOT NULL)")
    yield pool
    await pool.close()


async def _wait_for(predicate, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not await predicate():
            await asyncio.sleep(0.05)


def _held(appointment_id: str) -> booking_pb2.BookingHeld:
    return booking_pb2.BookingHeld(
        booking=booking_pb2.Booking(appointment_id=appointment_id, spa_id="glow")
    )


async def test_migrations_are_forward_only(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        schema = await conn.fetchval("SELECT current_schema()")
        assert await apply(conn, schema, kit_migrations()) == []
        edited = [Migration(m.version, m.sql + "\n-- edited") for m in kit_migrations()]
        with pytest.raises(MigrationError, match="forward-only"):
            await apply(conn, schema, edited)


async def test_audit_log_is_append_only(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO audit_log (actor, action, subject_type, subject_id) VALUES ('t','read','p','1')"
        )
        for statement in (
            "UPDATE audit_log SET actor = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute(statement)


async def test_relay_publishes_once_even_when_it_crashes_before_marking(
    pool: asyncpg.Pool, stack, bus_namespace: str
) -> None:
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    envelope = Envelope.wrap("glow", _held(f"a-{uuid.uuid4()}"), "test")
    async with pool.acquire() as conn, conn.transaction():
        await outbox.record(conn, envelope, bus_namespace)
    relay = OutboxRelay(pool, js)
    assert await relay.publish_pending() == 1
    # The crash: published, but the mark was lost with the transaction.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE outbox SET published_at = NULL WHERE event_id = $1", envelope.id)
    assert await relay.publish_pending() == 1

    sub = await js.pull_subscribe(
        envelope.subject(bus_namespace), stream=stream_names(bus_namespace).events
    )
    messages = await sub.fetch(10, timeout=2)
    assert [m.headers["ce-id"] for m in messages] == [envelope.id]
    await nc.close()


async def test_consumer_handles_each_event_once_and_retries_failures(
    pool: asyncpg.Pool, stack, bus_namespace: str
) -> None:
    calls: list[str] = []

    async def handler(conn: asyncpg.Connection, envelope: Envelope, message) -> None:
        calls.append(envelope.id)
        await conn.execute("INSERT INTO effects VALUES ($1)", envelope.id)
        if calls.count(envelope.id) == 1 and message.booking.appointment_id.startswith("flaky"):
            raise RuntimeError("first attempt fails")

    broker = NatsBroker(stack.nats_url)
    consumer = Consumer(broker, pool, bus_namespace, f"kit-test-{uuid.uuid4().hex[:6]}")
    consumer.register("evt", "booking.held", handler)
    await broker.start()
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    try:
        steady = Envelope.wrap("glow", _held("steady"), "test")
        flaky = Envelope.wrap("glow", _held("flaky"), "test")
        for envelope in (steady, flaky):
            await js.publish(
                envelope.subject(bus_namespace), envelope.payload, headers=envelope.headers()
            )
        # A duplicate outside JetStream's window: same event id, new message id.
        duplicate = {**steady.headers(), "Nats-Msg-Id": str(uuid.uuid4())}
        await js.publish(steady.subject(bus_namespace), steady.payload, headers=duplicate)

        mine = [steady.id, flaky.id]

        async def both_effects_committed() -> bool:
            async with pool.acquire() as conn:
                return (
                    await conn.fetchval(
                        "SELECT count(*) FROM effects WHERE event_id = ANY($1::text[])", mine
                    )
                    == 2
                )

        await _wait_for(both_effects_committed)
        # The failed attempt rolled back with its inbox row, then succeeded on redelivery.
        assert calls.count(flaky.id) == 2
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT event_id FROM effects WHERE event_id = ANY($1::text[])", mine
            )
            handled = await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = ANY($1::text[])", mine
            )
        assert sorted(r["event_id"] for r in rows) == sorted(mine)
        assert handled == 2
        assert calls.count(steady.id) == 1
    finally:
        await broker.stop()
        await nc.close()


async def test_concurrent_consumer_keeps_each_threads_order(
    pool: asyncpg.Pool, stack, bus_namespace: str
) -> None:
    """Eight at once across threads; one thread's messages still run in stream order."""
    seen: dict[str, list[int]] = {}
    running = 0
    most_at_once = 0

    async def handler(conn: asyncpg.Connection, envelope: Envelope, message) -> None:
        nonlocal running, most_at_once
        if ":" not in message.booking.appointment_id:
            return
        thread, number = message.booking.appointment_id.split(":")
        running += 1
        most_at_once = max(most_at_once, running)
        # Uneven work, so a thread's later message would overtake if order were not kept.
        await asyncio.sleep(0.03 if int(number) % 2 == 0 else 0.001)
        running -= 1
        seen.setdefault(thread, []).append(int(number))
        await conn.execute("INSERT INTO effects VALUES ($1)", envelope.id)

    broker = NatsBroker(stack.nats_url)
    consumer = Consumer(broker, pool, bus_namespace, f"kit-test-{uuid.uuid4().hex[:6]}")
    consumer.register(
        "evt",
        "booking.held",
        handler,
        concurrency=8,
        # Other tests' events share the subject; they have no thread and run unordered.
        order_key=lambda _envelope, message: message.booking.appointment_id.split(":")[0],
    )
    await broker.start()
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    threads = [f"thread{i}-{uuid.uuid4().hex[:6]}" for i in range(10)]
    try:
        for number in range(8):
            for thread in threads:
                envelope = Envelope.wrap("glow", _held(f"{thread}:{number}"), "test")
                await js.publish(
                    envelope.subject(bus_namespace), envelope.payload, headers=envelope.headers()
                )

        async def all_handled() -> bool:
            return sum(len(seen.get(t, [])) for t in threads) == 80

        await _wait_for(all_handled, seconds=30)
        for thread in threads:
            assert seen[thread] == list(range(8))
        assert most_at_once > 1
        assert most_at_once <= 8
    finally:
        await broker.stop()
        await nc.close()


async def test_record_many_and_pipelined_relay_publish_in_order(
    pool: asyncpg.Pool, stack, bus_namespace: str
) -> None:
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    envelopes = [Envelope.wrap("glow", _held(f"many-{i}"), "test") for i in range(250)]
    async with pool.acquire() as conn, conn.transaction():
        await outbox.record_many(conn, envelopes, bus_namespace)
        # Recording the same events again changes nothing.
        await outbox.record_many(conn, envelopes[:10], bus_namespace)
    relay = OutboxRelay(pool, js, batch_size=100)
    published = 0
    while (n := await relay.publish_pending()) > 0:
        published += n
    assert published == 250

    sub = await js.pull_subscribe(
        envelopes[0].subject(bus_namespace), stream=stream_names(bus_namespace).events
    )
    mine = {e.id for e in envelopes}
    received: list[str] = []
    while len(received) < 250:
        batch = await sub.fetch(500, timeout=2)
        # The stream also holds other tests' events on this subject.
        received.extend(m.headers["ce-id"] for m in batch if m.headers["ce-id"] in mine)
    assert received == [e.id for e in envelopes]
    await nc.close()


async def test_audit_many_writes_one_row_per_entry(pool: asyncpg.Pool) -> None:
    from medspa_kit.audit import AuditEntry, audit_many

    entries = [
        AuditEntry(
            actor="outreach",
            action="patient.contacted",
            subject_type="patient",
            subject_id=str(i),
            fields=("phone",),
            purpose="reminder",
            spa_id="glow",
        )
        for i in range(3)
    ]
    async with pool.acquire() as conn:
        await audit_many(conn, entries)
        await audit_many(conn, [])
        rows = await conn.fetch(
            "SELECT subject_id, fields, purpose FROM audit_log WHERE action = 'patient.contacted'"
            " ORDER BY subject_id"
        )
    assert [(r["subject_id"], r["fields"], r["purpose"]) for r in rows] == [
        (str(i), ["phone"], "reminder") for i in range(3)
    ]


async def _counts(conn: asyncpg.Connection) -> tuple[int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'gathered.read'"),
        await conn.fetchval("SELECT count(*) FROM outbox"),
    )


async def _touch(conn: asyncpg.Connection, n: int, namespace: str) -> None:
    from medspa_kit.audit import audit

    await audit(
        conn, actor="agent", action="gathered.read", subject_type="conversation",
        subject_id=str(n), fields=["state", "phone"], purpose="answer", spa_id="glow",
    )  # fmt: skip
    await outbox.record(conn, Envelope.wrap("glow", _held(f"gathered-{n}"), "test"), namespace)


async def test_gathered_writes_land_together_at_the_end_of_the_block(pool: asyncpg.Pool) -> None:
    from medspa_kit.deferred import deferring

    async with pool.acquire() as conn, conn.transaction():
        async with deferring(conn):
            for n in range(3):
                await _touch(conn, n, "ns")
            # Nothing is written while the block runs...
            assert await _counts(conn) == (0, 0)
        # ...and all of it, in order, when it ends.
        assert await _counts(conn) == (3, 3)
        rows = await conn.fetch(
            "SELECT subject_id, fields FROM audit_log WHERE action = 'gathered.read' ORDER BY id"
        )
        events = await conn.fetch("SELECT subject FROM outbox ORDER BY id")
    assert [(r["subject_id"], r["fields"]) for r in rows] == [
        (str(n), ["state", "phone"]) for n in range(3)
    ]
    assert len(events) == 3 and all(e["subject"].startswith("ns.") for e in events)


async def test_a_block_that_fails_writes_nothing_it_gathered(pool: asyncpg.Pool) -> None:
    from medspa_kit.deferred import deferring

    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with deferring(conn):
                await _touch(conn, 1, "ns")
                raise RuntimeError("the handler failed")
        # Outside a block, the same calls write at once.
        await _touch(conn, 2, "ns")
        assert await _counts(conn) == (1, 1)


async def test_only_the_blocks_own_connection_is_gathered(pool: asyncpg.Pool) -> None:
    from medspa_kit.deferred import deferring

    async with pool.acquire() as mine, pool.acquire() as other:
        async with deferring(mine):
            await _touch(other, 1, "ns")
            assert await _counts(other) == (1, 1)

            # A task started inside the block gathers nothing of its own into it.
            async def elsewhere() -> None:
                async with deferring(other):
                    await _touch(other, 2, "ns")

            await asyncio.create_task(elsewhere())
            assert await _counts(mine) == (2, 2)
            await _touch(mine, 3, "ns")
            assert await _counts(mine) == (2, 2)
        assert await _counts(mine) == (3, 3)
