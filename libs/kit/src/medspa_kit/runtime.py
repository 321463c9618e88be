"""The composition every service shares: start in order, serve, stop cleanly.

A service's main.py builds its settings and a `wire` function; `run_service`
does the rest: logs and traces, the health server first (so /healthz answers
while dependencies come up), PostgreSQL with migrations, NATS with the
streams, the service's subscribers and tasks, the outbox relay, readiness, and
on SIGTERM the reverse, draining in-flight work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats
import uvicorn
import uvloop
from fastapi import FastAPI
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from medspa_kit.consumer import Consumer
from medspa_kit.crypto import FieldCipher, KeyringError, cipher_from_settings
from medspa_kit.db import DatabaseUnavailable, create_pool
from medspa_kit.health import Health
from medspa_kit.logging import configure_logging
from medspa_kit.metrics import CONSUMER_ACK_PENDING, CONSUMER_PENDING
from medspa_kit.migrate import MigrationError, migrate_service
from medspa_kit.outbox import OutboxRelay
from medspa_kit.settings import CommonSettings
from medspa_kit.streams import ensure_streams
from medspa_kit.telemetry import setup_telemetry
from spa_config import SpaConfigError, SpaDirectory, load_spas

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    pass


@dataclass
class Runtime:
    """What a service's wiring gets: every shared resource, already connected."""

    name: str
    settings: CommonSettings
    pool: asyncpg.Pool
    nc: NatsClient
    js: JetStreamContext
    broker: NatsBroker
    cipher: FieldCipher
    spas: SpaDirectory
    health: Health
    stop: asyncio.Event
    consumer: Consumer = field(init=False)
    tasks: list[Coroutine[Any, Any, None]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.consumer = Consumer(self.broker, self.pool, self.settings.bus_namespace, self.name)


Wire = Callable[[Runtime], Awaitable[None]]


class _QuietFetchTimeouts(logging.Filter):
    """nats-py's batched fetch can end an empty wait with the builtin TimeoutError,
    which faststream does not expect: its supervisor restarts the fetch loop (no
    message is lost) but logs a traceback at error level every time."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, TimeoutError) and "retrying" in record.getMessage())


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The runtime owns SIGTERM/SIGINT so it can drain in order.
        yield


async def _probe_failed(exc: Exception) -> None:
    # nats-py logs a full traceback per failed attempt; our retry line says enough.
    return None


async def connect_nats(url: str, timeout_s: float) -> NatsClient:
    """Connect once NATS answers; after that the client reconnects on its own forever.

    nats-py with unlimited reconnects would also retry the first connect forever and
    silently, so the first contact is probed without reconnects, with our backoff and
    a clear message when the deadline passes.
    """
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((OSError, nats.errors.Error, asyncio.TimeoutError)),
            wait=wait_exponential(multiplier=0.2, max=5),
            stop=stop_after_delay(timeout_s),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "NATS unreachable, retrying", extra={"server": url, "attempt": state.attempt_number}
            ),
        ):
            with attempt:
                probe = await nats.connect(
                    url,
                    connect_timeout=2,
                    allow_reconnect=False,
                    max_reconnect_attempts=1,
                    error_cb=_probe_failed,
                )
                await probe.close()
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        raise StartupError(
            f"NATS did not answer at {url} within {timeout_s:.0f}s: {exc!r}"
        ) from exc
    return await asyncio.wait_for(
        nats.connect(url, connect_timeout=2, max_reconnect_attempts=-1, allow_reconnect=True),
        timeout=max(timeout_s, 5.0),
    )


async def run_service(
    name: str,
    settings: CommonSettings,
    wire: Wire,
    *,
    port: int,
    host: str = "0.0.0.0",
    app: FastAPI | None = None,
) -> None:
    configure_logging(name, settings.log_level)
    setup_telemetry(name, otlp_endpoint=settings.otlp_endpoint, traces_file=settings.traces_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    health = Health()
    http_app = app or FastAPI(title=name)
    health.install(http_app)
    server = _Server(
        uvicorn.Config(
            # FastAPI traces its own requests (joining an incoming traceparent).
            http_app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    server_task = asyncio.create_task(server.serve())

    resources: list[Callable[[], Awaitable[None]]] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        spas = load_spas(settings.spa_config)
        cipher = cipher_from_settings(
            settings.field_keys,
            settings.field_key_active,
            settings.field_index_key,
            settings.field_key_file,
        )
        pool = await create_pool(
            settings.database_url,
            name,
            timeout_s=settings.startup_timeout_s,
            max_size=settings.database_pool_max,
            application_name=name,
        )
        resources.append(pool.close)
        if settings.migrate_on_start:
            async with pool.acquire() as conn:
                applied = await migrate_service(conn, name)
            if applied:
                log.info("migrations applied", extra={"count": len(applied)})
        nc = await connect_nats(settings.nats_url, settings.startup_timeout_s)
        resources.append(nc.drain)
        js = nc.jetstream()
        await ensure_streams(js, settings.bus_namespace, settings.stream_replicas)
        bus_log = logging.getLogger(f"{name}.bus")
        bus_log.addFilter(_QuietFetchTimeouts())
        broker = NatsBroker(settings.nats_url, logger=bus_log)
        runtime = Runtime(name, settings, pool, nc, js, broker, cipher, spas, health, stop)
        await wire(runtime)
        await broker.start()
        resources.append(broker.stop)
        # Closed in reverse: messages in flight finish and are acked before the broker stops.
        resources.append(runtime.consumer.drain)
        health.add_check("postgres", lambda: _pg_ok(pool))
        health.add_check("nats", lambda: _nats_ok(nc))
        relay = OutboxRelay(pool, js)
        tasks.append(asyncio.create_task(relay.run(stop), name="outbox-relay"))
        tasks.append(
            asyncio.create_task(
                _sample_backlogs(relay, js, runtime.consumer, stop), name="backlog-metrics"
            )
        )
        tasks.extend(asyncio.create_task(t) for t in runtime.tasks)
        for task in tasks:
            task.add_done_callback(_report_crash)
        resources.extend(runtime.closers)
        health.ready = True
        log.info("ready", extra={"port": port})
        await stop.wait()
        log.info("stopping")
    finally:
        health.ready = False
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for close in reversed(resources):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(close(), timeout=10)
        server.should_exit = True
        await server_task


BACKLOG_SAMPLE_S = 15.0


async def _sample_backlogs(
    relay: OutboxRelay, js: JetStreamContext, consumer: Consumer, stop: asyncio.Event
) -> None:
    """Outbox backlog and JetStream consumer lag, for the gauges Prometheus scrapes."""
    while not stop.is_set():
        with contextlib.suppress(asyncpg.PostgresError, OSError, asyncio.TimeoutError):
            await relay.measure()
        for durable in consumer.durables:
            try:
                info = await js.consumer_info(durable.stream, durable.name, timeout=2)
            except (TimeoutError, nats.errors.Error):
                continue
            CONSUMER_PENDING.labels(durable.name).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(durable.name).set(info.num_ack_pending or 0)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=BACKLOG_SAMPLE_S)


def _report_crash(task: asyncio.Task[None]) -> None:
    # A background task that dies would otherwise fail silently until shutdown.
    if not task.cancelled() and task.exception() is not None:
        log.error(
            "background task stopped", extra={"task": task.get_name()}, exc_info=task.exception()
        )


async def _pg_ok(pool: asyncpg.Pool) -> bool:
    async with pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT true"))


async def _nats_ok(nc: NatsClient) -> bool:
    return bool(nc.is_connected)


def main_entry(coro_factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a service's main coroutine on uvloop; a startup failure exits with its message."""
    try:
        uvloop.run(coro_factory())
    except (StartupError, DatabaseUnavailable, MigrationError, KeyringError, SpaConfigError) as exc:
        raise SystemExit(f"startup failed: {exc}") from None
