"""Idempotent JetStream consumers on faststream.

`Consumer.register` subscribes a handler through a durable pull consumer; each
message is decoded into an Envelope, joined to the producer's trace, and
handled inside one transaction together with its inbox row and any outbox
rows the handler writes. Acked only after commit; a failure is redelivered
with backoff; a message that can never be understood is terminated.

A consumer may handle several messages at once (`concurrency`); messages that
share an `order_key` (say, one patient's conversation) still run one after the
other, in the order they arrived, so concurrency never reorders a thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from google.protobuf.message import Message
from nats.aio.msg import Msg
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from medspa_kit import inbox
from medspa_kit.envelope import Envelope, EnvelopeError, Kind, subject_filter
from medspa_kit.metrics import EVENT_HANDLE_SECONDS, EVENTS_HANDLED
from medspa_kit.streams import stream_names

log = logging.getLogger(__name__)
tracer = trace.get_tracer("medspa_kit.consumer")

Handler = Callable[[asyncpg.Connection, Envelope, Message], Awaitable[None]]
OrderKey = Callable[[Envelope, Message], str]
REDELIVERY_DELAYS_S = (1.0, 2.0, 5.0, 15.0, 30.0)
MAX_DELIVER = 20


class _KeyedLocks:
    """One FIFO lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


@dataclass(frozen=True)
class Durable:
    stream: str
    name: str


@dataclass(frozen=True)
class Consumer:
    broker: NatsBroker
    pool: asyncpg.Pool
    namespace: str
    service: str
    durables: list[Durable] = field(default_factory=list)

    def register(
        self,
        kind: Kind,
        name: str,
        handler: Handler,
        *,
        durable: str | None = None,
        concurrency: int = 1,
        order_key: OrderKey | None = None,
    ) -> None:
        """Handle every spa's `name` events (or commands) with `handler`.

        `concurrency` messages are handled at once (each holds a database
        connection while it runs, so keep it under the pool size); messages
        with the same `order_key` are handled one at a time, in arrival order.
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        durable = durable or f"{self.service}-{name.replace('.', '-')}"
        names = stream_names(self.namespace)
        stream_name = names.events if kind == "evt" else names.commands
        stream = JStream(stream_name, declare=False)
        subject = subject_filter(self.namespace, kind, name)
        self.durables.append(Durable(stream_name, durable))
        locks = _KeyedLocks() if order_key is not None else None

        async def on_message(msg: NatsMessage) -> None:
            await self._handle(durable, handler, msg, order_key, locks)

        self.broker.subscriber(
            subject,
            stream=stream,
            durable=durable,
            pull_sub=PullSub(batch_size=max(16, concurrency), timeout=1.0),
            # Room for the whole in-flight window, so held messages are not redelivered.
            config=ConsumerConfig(
                ack_wait=30, max_deliver=MAX_DELIVER, max_ack_pending=max(1000, concurrency * 4)
            ),
            ack_policy=AckPolicy.MANUAL,
            max_workers=concurrency,
        )(on_message)

    async def _handle(
        self,
        durable: str,
        handler: Handler,
        msg: NatsMessage,
        order_key: OrderKey | None = None,
        locks: _KeyedLocks | None = None,
    ) -> None:
        raw = msg.raw_message
        headers = dict(raw.headers or {})
        started = time.perf_counter()
        try:
            envelope = Envelope.from_nats(raw.subject, headers, raw.data)
            message = envelope.message()
        except EnvelopeError as exc:
            log.error("dropping a message that cannot be understood", extra={"reason": str(exc)})
            EVENTS_HANDLED.labels(durable, "unknown", "dropped").inc()
            await raw.term()
            return
        if order_key is None or locks is None:
            await self._process(durable, handler, raw, envelope, message, started)
            return
        # faststream starts a task per message in stream order and each reaches this
        # line through the same steps, so one thread's messages queue on its lock in
        # the order the stream gave them.
        async with locks.hold(order_key(envelope, message)):
            await self._process(durable, handler, raw, envelope, message, started)

    async def _process(
        self,
        durable: str,
        handler: Handler,
        raw: Msg,
        envelope: Envelope,
        message: Message,
        started: float,
    ) -> None:
        parent = propagate.extract({"traceparent": envelope.traceparent or ""})
        with tracer.start_as_current_span(
            f"{envelope.name} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.operation.type": "process",
                "messaging.message.id": envelope.id,
                "messaging.consumer.group.name": durable,
                "medspa.spa_id": envelope.spa_id,
            },
        ) as span:
            outcome = "ok"
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if not await inbox.claim(conn, durable, envelope.id):
                        span.set_attribute("medspa.duplicate", True)
                        outcome = "duplicate"
                    else:
                        await handler(conn, envelope, message)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR))
                attempt = raw.metadata.num_delivered if raw.metadata else 1
                delay = REDELIVERY_DELAYS_S[min(attempt, len(REDELIVERY_DELAYS_S)) - 1]
                log.exception(
                    "handler failed; will be redelivered",
                    extra={"event": envelope.name, "event_id": envelope.id, "attempt": attempt},
                )
                EVENTS_HANDLED.labels(durable, envelope.name, "failed").inc()
                await raw.nak(delay=delay)
                return
            # Double ack: wait for the server to record it, so a handled event
            # is not redelivered after a crash right here.
            await raw.ack_sync()
            EVENTS_HANDLED.labels(durable, envelope.name, outcome).inc()
            EVENT_HANDLE_SECONDS.labels(durable, envelope.name).observe(
                time.perf_counter() - started
            )
