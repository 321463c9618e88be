"""The transactional outbox and its relay.

A service records the event it owes in the same transaction as its change;
the relay publishes unpublished rows to JetStream and marks them. A crash
between publish and mark republishes with the same Nats-Msg-Id, which
JetStream drops as a duplicate, so each event lands once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from functools import partial

import asyncpg
import nats.errors
from nats.js import JetStreamContext

from medspa_kit.deferred import deferred_for
from medspa_kit.envelope import Envelope
from medspa_kit.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS, OUTBOX_PUBLISHED

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "medspa_outbox"
PUBLISH_TIMEOUT_S = 5.0
_TRANSIENT = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    nats.errors.Error,
)


async def record(conn: asyncpg.Connection, envelope: Envelope, namespace: str) -> None:
    """Write the event into the outbox; call inside the change's transaction."""
    gathering = deferred_for(conn)
    if gathering is not None:
        gathering.add((record_many, namespace), partial(record_many, namespace=namespace), envelope)
        return
    # One round trip: the insert, and a notify that wakes the relay at commit (the
    # relay also polls, so a lost notify only delays).
    await conn.execute(
        "WITH written AS (INSERT INTO outbox (event_id, subject, headers, payload)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING)"
        " SELECT pg_notify($5, current_schema())",
        envelope.id,
        envelope.subject(namespace),
        json.dumps(envelope.headers()),
        envelope.payload,
        NOTIFY_CHANNEL,
    )


async def record_many(
    conn: asyncpg.Connection, envelopes: Sequence[Envelope], namespace: str
) -> None:
    """Write many events in one statement, however many; call inside the transaction."""
    if not envelopes:
        return
    await conn.execute(
        "WITH written AS (INSERT INTO outbox (event_id, subject, headers, payload)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[])"
        " ON CONFLICT (event_id) DO NOTHING)"
        " SELECT pg_notify($5, current_schema())",
        [e.id for e in envelopes],
        [e.subject(namespace) for e in envelopes],
        [json.dumps(e.headers()) for e in envelopes],
        [e.payload for e in envelopes],
        NOTIFY_CHANNEL,
    )


async def backlog(conn: asyncpg.Connection) -> tuple[int, float]:
    """Unpublished rows and the age in seconds of the oldest (0 when none)."""
    row = await conn.fetchrow(
        "SELECT count(*) AS rows, coalesce(extract(epoch FROM now() - min(created_at)), 0)"
        " AS oldest FROM outbox WHERE published_at IS NULL"
    )
    return int(row["rows"]), float(row["oldest"])


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        *,
        batch_size: int = 100,
        idle_poll_s: float = 1.0,
        retention_hours: int = 24,
    ) -> None:
        self._pool = pool
        self._js = js
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._retention_hours = retention_hours
        self._wake = asyncio.Event()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows it published."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, subject, headers, payload FROM outbox WHERE published_at IS NULL"
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
            )
            # Pipelined: every publish goes out, in the outbox's order, before any ack
            # is awaited, so a batch costs about one round trip, not one per row.
            acks = [
                await self._js.publish_async(
                    row["subject"], row["payload"], headers=json.loads(row["headers"])
                )
                for row in rows
            ]
            try:
                await asyncio.wait_for(asyncio.gather(*acks), timeout=PUBLISH_TIMEOUT_S)
            finally:
                for ack in acks:
                    ack.cancel()
            if rows:
                await conn.execute(
                    "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                    [r["id"] for r in rows],
                )
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def measure(self) -> None:
        async with self._pool.acquire() as conn:
            rows, oldest = await backlog(conn)
        OUTBOX_BACKLOG.set(rows)
        OUTBOX_OLDEST_SECONDS.set(oldest)

    async def prune(self) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)",
                self._retention_hours,
            )

    async def run(self, stop: asyncio.Event) -> None:
        listener: asyncpg.Connection | None = None
        try:
            while not stop.is_set():
                if listener is None:
                    # Without the wake-up connection the relay still polls; it keeps
                    # trying to get one, so pressure on PostgreSQL never stops publishing.
                    listener = await self._listen()
                # Cleared before the read, so a commit that lands while this batch is
                # published still wakes the wait below.
                self._wake.clear()
                try:
                    published = await self.publish_pending()
                except _TRANSIENT as exc:
                    # NATS or PostgreSQL briefly away: rows stay unpublished and are retried.
                    log.warning(
                        "outbox relay could not publish, will retry",
                        extra={"error": type(exc).__name__},
                    )
                    published = 0
                # A full batch may have more behind it; anything less emptied the outbox,
                # so wait for the next commit's wake-up rather than poll again at once.
                if published < self._batch_size:
                    await _wait_either(stop, self._wake, self._idle_poll_s)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                await self._pool.release(listener)

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            listener = await self._pool.acquire()
        except _TRANSIENT as exc:
            log.warning(
                "outbox relay has no wake-up connection yet", extra={"error": type(exc).__name__}
            )
            return None
        await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        with contextlib.suppress(*_TRANSIENT):
            await self.prune()
        return listener

    def _on_notify(self, *_: object) -> None:
        self._wake.set()


async def _wait_either(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
