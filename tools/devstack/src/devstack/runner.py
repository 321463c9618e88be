"""`run` (foreground, ends in the phone) and `supervise` (background, for `up`).

Both bring up NATS and PostgreSQL, apply migrations, start every service, wait for each
`/readyz`, and on SIGINT or SIGTERM stop the services, then the servers they started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from devstack.banner import banner_lines
from devstack.demo import DEMO_PATIENT, spa_number
from devstack.environment import enabled_services, real_twilio, sandbox_url, service_env
from devstack.infra import (
    DEFAULT_DATABASE_URL,
    DEFAULT_NATS_URL,
    InfraError,
    InfraHandle,
    ensure_nats,
    ensure_postgres,
)
from devstack.output import SUPERVISOR, LogFilesOutput, NoteHandler, Output, TerminalOutput
from devstack.paths import Paths
from devstack.phone import PhoneSettings, run_phone, stdin_lines
from devstack.prefix import LinePrefixer
from devstack.services import Service
from devstack.state import StackState, clear, live_supervisor, write_pid, write_state
from devstack.supervisor import NotReady, ProcessSpec, Supervisor, run_once

READY_WITHIN_S = 120.0
MIGRATE = "migrate"


@dataclass(frozen=True)
class Stack:
    """What is running once every service answered ready."""

    services: tuple[Service, ...]
    env: Mapping[str, str]  # the services' environment
    nats_url: str
    database_url: str
    spa_number: str

    def banner(self, how_to: Sequence[str]) -> list[str]:
        return banner_lines(
            self.services,
            self.env,
            nats_url=self.nats_url,
            database_url=self.database_url,
            spa_number=self.spa_number,
            how_to=how_to,
        )


WhileUp = Callable[[Stack], Awaitable[None]]


async def run_foreground(paths: Paths, env: Mapping[str, str], ready_within: float) -> int:
    names = (SUPERVISOR, MIGRATE, *(s.name for s in enabled_services(env)))
    colour = sys.stdout.isatty() and "NO_COLOR" not in env
    output = TerminalOutput(LinePrefixer(names, colour), sys.stdout)

    async def phone(stack: Stack) -> None:
        sandbox = not real_twilio(env)
        if sandbox:
            first = f"Text the spa below as {DEMO_PATIENT}: type a line, Enter sends."
        else:
            first = "Real Twilio credentials are set: text the spa from a real phone."
        for line in stack.banner([first, "Ctrl-C stops everything."]):
            output.note(line)
        if not sandbox:
            return
        settings = PhoneSettings(
            sandbox_url(stack.env), DEMO_PATIENT, stack.spa_number, sys.stdin.isatty()
        )
        await run_phone(settings, stdin_lines(sys.stdin), sys.stdout, sys.stderr)
        output.note("The phone hung up; the services keep running. Ctrl-C stops everything.")

    return await serve(paths, env, output, ready_within=ready_within, while_up=phone)


async def run_detached(paths: Paths, env: Mapping[str, str], ready_within: float) -> int:
    """The background supervisor: services' lines in `.run/logs/<name>.log`, ours on stdout."""
    output = LogFilesOutput(paths.logs, sys.stdout)
    other = live_supervisor(paths)
    if other is not None and other != os.getpid():
        output.note(f"another supervisor is already running (pid {other})")
        return 1
    write_pid(paths)

    async def publish(stack: Stack) -> None:
        how_to = ["make phone texts the spa; make status shows readiness; make down stops it.",
                  f"Logs: {paths.logs}/<service>.log"]  # fmt: skip
        banner = stack.banner(how_to)
        for line in banner:
            output.note(line)
        ready_urls = {s.name: s.ready_url(stack.env) for s in stack.services}
        write_state(paths, StackState(os.getpid(), ready_urls, tuple(banner)))

    try:
        return await serve(paths, env, output, ready_within=ready_within, while_up=publish)
    finally:
        clear(paths, os.getpid())
        output.close()


async def serve(
    paths: Paths,
    env: Mapping[str, str],
    output: Output,
    *,
    ready_within: float,
    while_up: WhileUp,
) -> int:
    """Everything up, `while_up` once ready, everything down at a signal. Returns the exit code."""
    with stop_on_signals() as stop, _infra_notes(output):
        started: list[InfraHandle] = []
        try:
            nats = await ensure_nats(env.get("NATS_URL", DEFAULT_NATS_URL), run_dir=paths.run)
            started.append(nats)
            database_url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
            pg = await ensure_postgres(database_url, run_dir=paths.run)
            started.append(pg)
            if stop.is_set():
                return 0
            # The kit writes the dev field-key file into .run/ on first use.
            paths.run.mkdir(parents=True, exist_ok=True)
            services = enabled_services(env)
            wired = service_env(
                env, nats_url=nats.url, database_url=pg.url, field_key_file=paths.field_key_file
            )
            busy = await _busy_ports(services, wired)
            if busy:
                output.note(
                    f"already in use: {', '.join(busy)}. Another stack running? (make down)"
                )
                return 1
            migrate = (sys.executable, "-m", "medspa_kit.migrate")
            code = await run_once(ProcessSpec(MIGRATE, migrate, wired, cwd=paths.root), output)
            if stop.is_set():
                return 0
            if code != 0:
                output.note(f"migrations failed (exit code {code}); not starting the services")
                return code
            stack = Stack(services, wired, nats.url, pg.url, spa_number(env.get("SPA_CONFIG")))
            specs = [
                ProcessSpec(s.name, (sys.executable, "-m", s.module), wired, s.ready_url(wired), paths.root)
                for s in services
            ]  # fmt: skip
            return await supervise(
                specs,
                output,
                stop=stop,
                ready_within=ready_within,
                while_up=lambda: while_up(stack),
            )
        except InfraError as exc:
            output.note(str(exc))
            return 1
        finally:
            for handle in reversed(started):
                await handle.stop()


async def supervise(
    specs: Sequence[ProcessSpec],
    output: Output,
    *,
    stop: asyncio.Event,
    ready_within: float,
    while_up: Callable[[], Awaitable[None]],
) -> int:
    """The core: start `specs`, wait for them, run `while_up` until `stop`, stop them all."""
    supervisor = Supervisor(specs, output)
    try:
        await supervisor.start()
        if not await _ready_unless_stopped(supervisor, ready_within, stop, output):
            return 0 if stop.is_set() else 1
        await _while_up(while_up(), stop, output)
        return 0
    finally:
        output.note("stopping the services")
        await supervisor.stop()


@contextlib.contextmanager
def stop_on_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM: both mean "stop everything, in order"."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def _infra_notes(output: Output) -> Iterator[None]:
    """What the infra modules log (apt-get, initdb, server starts) shows as our notes."""
    handler = NoteHandler(output)
    logger = logging.getLogger("devstack")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)


async def _ready_unless_stopped(
    supervisor: Supervisor, within: float, stop: asyncio.Event, output: Output
) -> bool:
    """True once all are ready; False if a signal came first or startup failed (reported)."""
    ready = asyncio.create_task(supervisor.wait_ready(within))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({ready, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not ready.done():
        ready.cancel()
        return False
    try:
        ready.result()
    except NotReady as exc:
        output.note(f"startup failed: {exc}")
        for name in exc.waiting:
            tail = supervisor.tail(name)
            output.note(f"{name}'s last lines:" if tail else f"{name} has printed nothing")
            for text in tail:
                output.note(f"  {text}")
        return False
    return True


async def _while_up(work: Awaitable[None], stop: asyncio.Event, output: Output) -> None:
    """Run `work` (the phone, or publishing the state) until it ends or a signal comes."""

    async def run() -> None:
        try:
            await work
        except Exception as exc:  # the stack must keep running and stop cleanly regardless
            output.note(f"{type(exc).__name__}: {exc}")

    task = asyncio.create_task(run())
    await stop.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _busy_ports(services: Sequence[Service], env: Mapping[str, str]) -> list[str]:
    """Ports something already answers on: better said now than as a service's bind error."""
    busy = []
    for service in services:
        for port in service.ports:
            number = port.resolve(env)
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", number), timeout=0.5
                )
            except (OSError, TimeoutError):
                continue
            writer.close()
            busy.append(f"{port.var}={number} ({service.name})")
    return busy
