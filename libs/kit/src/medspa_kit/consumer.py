"""Idempotent JetStream consumers on faststream.

`Consumer.register` subscribes a handler through a durable pull consumer; each
message is decoded into an Envelope, joined to the producer's trace, and
handled inside one transaction together with its inbox row and any outbox
rows the handler writes. Acked only after commit; a failure is redelivered
with backoff; a message that can never be understood is terminated.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from google.protobuf.message import Message
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from medspa_kit import inbox
from medspa_kit.envelope import Envelope, EnvelopeError, Kind, subject_filter
from medspa_kit.streams import stream_names

log = logging.getLogger(__name__)
tracer = trace.get_tracer("medspa_kit.consumer")

Handler = Callable[[asyncpg.Connection, Envelope, Message], Awaitable[None]]
REDELIVERY_DELAYS_S = (1.0, 2.0, 5.0, 15.0, 30.0)
MAX_DELIVER = 20


@dataclass(frozen=True)
class Consumer:
    broker: NatsBroker
    pool: asyncpg.Pool
    namespace: str
    service: str

    def register(
        self, kind: Kind, name: str, handler: Handler, *, durable: str | None = None
    ) -> None:
        """Handle every spa's `name` events (or commands) with `handler`."""
        durable = durable or f"{self.service}-{name.replace('.', '-')}"
        names = stream_names(self.namespace)
        stream = JStream(names.events if kind == "evt" else names.commands, declare=False)
        subject = subject_filter(self.namespace, kind, name)

        async def on_message(msg: NatsMessage) -> None:
            await self._handle(durable, handler, msg)

        self.broker.subscriber(
            subject,
            stream=stream,
            durable=durable,
            pull_sub=PullSub(batch_size=16, timeout=1.0),
            config=ConsumerConfig(ack_wait=30, max_deliver=MAX_DELIVER),
            ack_policy=AckPolicy.MANUAL,
        )(on_message)

    async def _handle(self, durable: str, handler: Handler, msg: NatsMessage) -> None:
        raw = msg.raw_message
        headers = dict(raw.headers or {})
        try:
            envelope = Envelope.from_nats(raw.subject, headers, raw.data)
            message = envelope.message()
        except EnvelopeError as exc:
            log.error("dropping a message that cannot be understood", extra={"reason": str(exc)})
            await raw.term()
            return
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
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if not await inbox.claim(conn, durable, envelope.id):
                        span.set_attribute("medspa.duplicate", True)
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
                await raw.nak(delay=delay)
                return
            # Double ack: wait for the server to record it, so a handled event
            # is not redelivered after a crash right here.
            await raw.ack_sync()
