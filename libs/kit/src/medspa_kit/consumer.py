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
from collections.abc import Awaitable, Callable
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


class _Lanes:
    """Runs up to `width` messages at once; messages with the same key run one after
    another, in the order they were started.

    `start` is called by the subscription for one message after another, in the order
    the stream delivered them, and waits for a free place (so the subscription pulls no
    faster than the work goes). Each message with a key waits for the one started
    before it with that key, so one thread's order is the stream's order.
    """

    def __init__(self, width: int) -> None:
        self._places = asyncio.Semaphore(width)
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def start(self, key: str | None, work: Callable[[], Awaitable[None]]) -> None:
        await self._places.acquire()
        before = self._tails.get(key) if key is not None else None
        task = asyncio.create_task(self._run(before, work))
        self._running.add(task)
        if key is not None:
            self._tails[key] = task
        task.add_done_callback(lambda done: self._finished(key, done))

    @staticmethod
    async def _run(before: asyncio.Task[None] | None, work: Callable[[], Awaitable[None]]) -> None:
        if before is not None:
            # Only its turn matters here; its outcome is its own.
            await asyncio.wait([before])
        await work()

    def _finished(self, key: str | None, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._places.release()
        if key is not None and self._tails.get(key) is task:
            del self._tails[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("message handling crashed", exc_info=task.exception())

    async def drain(self) -> None:
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


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
    _lanes: list[_Lanes] = field(default_factory=list)

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
        with the same `order_key` are handled one at a time, in stream order.
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        durable = durable or f"{self.service}-{name.replace('.', '-')}"
        names = stream_names(self.namespace)
        stream_name = names.events if kind == "evt" else names.commands
        stream = JStream(stream_name, declare=False)
        subject = subject_filter(self.namespace, kind, name)
        self.durables.append(Durable(stream_name, durable))
        lanes = _Lanes(concurrency) if concurrency > 1 or order_key is not None else None
        if lanes is not None:
            self._lanes.append(lanes)

        async def on_message(msg: NatsMessage) -> None:
            await self._handle(durable, handler, msg, order_key, lanes)

        self.broker.subscriber(
            subject,
            stream=stream,
            durable=durable,
            # faststream hands a fetched batch to the handler all at once, in no set order;
            # lanes are fed one message per fetch so they see the stream's order. The work
            # still runs side by side: the handler returns as soon as a message is queued.
            pull_sub=PullSub(batch_size=1 if lanes is not None else 16, timeout=1.0),
            # Room for the whole in-flight window, so held messages are not redelivered.
            config=ConsumerConfig(
                ack_wait=30, max_deliver=MAX_DELIVER, max_ack_pending=max(1000, concurrency * 4)
            ),
            ack_policy=AckPolicy.MANUAL,
        )(on_message)

    async def drain(self) -> None:
        """Let messages in flight finish (and be acked) before the service stops."""
        for lanes in self._lanes:
            await lanes.drain()

    async def _handle(
        self,
        durable: str,
        handler: Handler,
        msg: NatsMessage,
        order_key: OrderKey | None = None,
        lanes: _Lanes | None = None,
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
        if lanes is None:
            await self._process(durable, handler, raw, envelope, message, started)
            return
        try:
            key = order_key(envelope, message) if order_key is not None else None
        except Exception:
            log.exception(
                "no order key for a message; will be redelivered", extra={"event": envelope.name}
            )
            EVENTS_HANDLED.labels(durable, envelope.name, "failed").inc()
            await raw.nak(delay=REDELIVERY_DELAYS_S[-1])
            return
        await lanes.start(
            key, lambda: self._process(durable, handler, raw, envelope, message, started)
        )

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
