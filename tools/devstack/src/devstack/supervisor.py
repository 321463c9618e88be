"""Run a set of processes: their output line by line, their readiness, their deaths, their stop.

Each process gets a session of its own, so the terminal's Ctrl-C reaches only the supervisor,
which then stops them in order; signals go to the whole process group, so a service's own
children stop with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack.output import Output

TAIL_LINES = 20
READY_POLL_S = 0.2
STOP_GRACE_S = 10.0
# A service printing a long line (a stack trace as one JSON record) must not break the pump.
LINE_LIMIT = 1 << 20


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    ready_url: str = ""  # empty for one-off steps run with `run_once`
    cwd: Path | None = None


class NotReady(Exception):
    """Startup failed; `waiting` are the services still running but not ready at the deadline."""

    def __init__(self, reason: str, waiting: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.waiting = waiting


@dataclass
class _Running:
    spec: ProcessSpec
    process: asyncio.subprocess.Process
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    watcher: asyncio.Task[None] | None = None


class Supervisor:
    def __init__(self, specs: Sequence[ProcessSpec], output: Output) -> None:
        self._specs = tuple(specs)
        self._output = output
        self._running: dict[str, _Running] = {}
        self._stopping = False

    @property
    def pids(self) -> dict[str, int]:
        return {name: r.process.pid for name, r in self._running.items()}

    def tail(self, name: str) -> list[str]:
        return list(self._running[name].tail)

    def exit_code(self, name: str) -> int | None:
        return self._running[name].process.returncode

    async def start(self) -> None:
        for spec in self._specs:
            process = await _spawn(spec)
            running = self._running[spec.name] = _Running(spec, process)
            running.watcher = asyncio.create_task(self._watch(running))

    async def wait_ready(self, within: float) -> None:
        """Return once every `ready_url` answers 200; raise NotReady on a death or the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        waiting = dict(self._running)
        async with httpx.AsyncClient(timeout=1.0) as client:
            while True:
                for name, running in list(waiting.items()):
                    code = running.process.returncode
                    if code is not None:
                        raise NotReady(f"{name} {ended(code)} before it was ready")
                    if await _answers_ready(client, running.spec.ready_url):
                        del waiting[name]
                if not waiting:
                    return
                if loop.time() >= deadline:
                    names = tuple(waiting)
                    raise NotReady(f"not ready after {within:.0f}s: {', '.join(names)}", names)
                await asyncio.sleep(READY_POLL_S)

    async def stop(self, grace: float = STOP_GRACE_S) -> None:
        """SIGTERM everyone, wait up to `grace` seconds, then SIGKILL whoever is left."""
        self._stopping = True
        watchers = {r.spec.name: r.watcher for r in self._running.values() if r.watcher}
        for running in self._running.values():
            _signal_group(running.process, signal.SIGTERM)
        if not watchers:
            return
        _, late = await asyncio.wait(watchers.values(), timeout=grace)
        for name, watcher in watchers.items():
            if watcher in late:
                self._output.note(f"{name} did not stop within {grace:.0f}s; killing it")
                _signal_group(self._running[name].process, signal.SIGKILL)
        await asyncio.gather(*watchers.values(), return_exceptions=True)

    async def _watch(self, running: _Running) -> None:
        name = running.spec.name
        code = await _pump(running.process, name, self._output, running.tail)
        if not self._stopping:
            self._output.note(f"{name} {ended(code)} unexpectedly; its last lines:")
            for text in running.tail:
                self._output.note(f"  {text}")


async def run_once(spec: ProcessSpec, output: Output) -> int:
    """Run a one-off step (migrations) to its end, its lines shown like a service's."""
    process = await _spawn(spec)
    return await _pump(process, spec.name, output, deque(maxlen=TAIL_LINES))


async def _spawn(spec: ProcessSpec) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *spec.argv,
        env=dict(spec.env),
        cwd=spec.cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        limit=LINE_LIMIT,
    )


async def _pump(
    process: asyncio.subprocess.Process, name: str, output: Output, tail: deque[str]
) -> int:
    """Hand each output line to `output` until the process closes it; return its exit code."""
    stream = process.stdout
    assert stream is not None  # spawned with stdout=PIPE
    while raw := await stream.readline():
        text = raw.decode(errors="replace").rstrip("\r\n")
        tail.append(text)
        output.line(name, text)
    return await process.wait()


def ended(code: int) -> str:
    """How a process ended, in words: asyncio reports a death by signal N as -N."""
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


async def _answers_ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    # The group, not only the leader: a child the service left behind may still hold its
    # output pipe open. No group left means nothing left to stop.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
