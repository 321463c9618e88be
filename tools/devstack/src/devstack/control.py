"""`up`, `down` and `status`: the background stack, steered through its pid and state files."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import IO

import httpx

from devstack.environment import enabled_services
from devstack.logtail import tail_lines
from devstack.paths import Paths
from devstack.state import clear, is_supervisor, live_supervisor, read_state
from devstack.supervisor import STOP_GRACE_S

UP_WITHIN_S = 600.0  # a first start may apt-get PostgreSQL and initdb before any service runs
# The supervisor's own grace for the services, plus stopping PostgreSQL and NATS.
DOWN_WITHIN_S = STOP_GRACE_S + 50.0
WATCH_INTERVAL_S = 0.25
FAILURE_TAIL_LINES = 30


async def up(
    paths: Paths, env: Mapping[str, str], out: IO[str], *, ready_within: float, within: float
) -> int:
    pid = live_supervisor(paths)
    if pid is not None and (state := read_state(paths)) is not None and state.pid == pid:
        out.write(f"The stack is already up (supervisor pid {pid}).\n")
        out.write("\n".join(state.banner) + "\n")
        return 0
    if pid is None:
        clear(paths)
        process = _start_supervisor(paths, env, ready_within)
        pid = process.pid
        out.write(f"Starting the stack in the background (supervisor pid {pid}); ")
        out.write(f"its log: {paths.supervisor_log}\n")
        out.flush()

        def gone() -> bool:
            return process.poll() is not None
    else:
        out.write(f"The stack is already starting (supervisor pid {pid}); waiting for it.\n")

        def gone() -> bool:
            return not is_supervisor(pid)

    return await _wait_until_up(paths, pid, gone, out, within)


def _start_supervisor(
    paths: Paths, env: Mapping[str, str], ready_within: float
) -> subprocess.Popen[bytes]:
    paths.logs.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "devstack", "supervise", "--ready-within", str(ready_within)]
    with paths.supervisor_log.open("w") as log:
        # A session of its own: it outlives this command and the terminal's Ctrl-C.
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv,
            cwd=paths.root,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def _wait_until_up(
    paths: Paths, pid: int, gone: Callable[[], bool], out: IO[str], within: float
) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        state = read_state(paths)
        if state is not None and state.pid == pid:
            out.write("\n".join(state.banner) + "\n")
            return 0
        if gone():
            out.write(f"The stack did not start. The end of {paths.supervisor_log}:\n")
            for line in tail_lines(paths.supervisor_log, FAILURE_TAIL_LINES):
                out.write(f"  {line}\n")
            return 1
        if loop.time() >= deadline:
            out.write(
                f"The stack is not ready after {within:.0f}s; the supervisor (pid {pid}) is "
                f"still trying. See {paths.logs}/, or stop it with make down.\n"
            )
            return 1
        await asyncio.sleep(WATCH_INTERVAL_S)


async def down(paths: Paths, out: IO[str], *, within: float = DOWN_WITHIN_S) -> int:
    pid = live_supervisor(paths)
    if pid is None:
        clear(paths)
        out.write("The stack is not running.\n")
        return 0
    out.write(f"Stopping the stack (supervisor pid {pid})...\n")
    out.flush()
    with contextlib.suppress(ProcessLookupError):  # it may have just ended on its own
        os.kill(pid, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while is_supervisor(pid):
        if loop.time() >= deadline:
            out.write(f"The supervisor (pid {pid}) did not stop within {within:.0f}s.\n")
            return 1
        await asyncio.sleep(WATCH_INTERVAL_S)
    out.write("Stopped.\n")
    return 0


async def status(paths: Paths, env: Mapping[str, str], out: IO[str]) -> int:
    """Each service's readiness; exit code 0 only when every one is ready."""
    pid = live_supervisor(paths)
    state = read_state(paths)
    if state is not None and state.pid == pid:
        ready_urls = state.ready_urls
    else:
        ready_urls = {s.name: s.ready_url(env) for s in enabled_services(env)}
    if pid is None:
        out.write("background supervisor: not running\n")
    else:
        out.write(f"background supervisor: running (pid {pid})\n")
    async with httpx.AsyncClient(timeout=2.0) as client:
        answers = await asyncio.gather(*(_readiness(client, url) for url in ready_urls.values()))
    width = max((len(name) for name in ready_urls), default=0)
    for (name, url), answer in zip(ready_urls.items(), answers, strict=True):
        out.write(f"  {name:<{width}}  {answer:<24} {url}\n")
    return 0 if all(answer == "ready" for answer in answers) else 1


async def _readiness(client: httpx.AsyncClient, url: str) -> str:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"down ({type(exc).__name__})"
    return "ready" if response.status_code == 200 else f"not ready ({response.status_code})"
