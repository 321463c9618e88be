"""The background supervisor's files: its pid, and once ready, what it runs.

`.run/devstack.pid` says a supervisor exists; `.run/devstack.json` appears only when every
service is ready, so `up` waits for it and `status` reads the services from it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from devstack.paths import Paths


@dataclass(frozen=True)
class StackState:
    pid: int
    ready_urls: dict[str, str]  # service name -> its /readyz
    banner: tuple[str, ...]


def live_supervisor(paths: Paths) -> int | None:
    """The pid in the pidfile if that process is still our supervisor (pids get reused)."""
    pid = _pid_in_file(paths)
    return pid if pid is not None and is_supervisor(pid) else None


def _pid_in_file(paths: Paths) -> int | None:
    try:
        return int(paths.pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def is_supervisor(pid: int) -> bool:
    # Linux only, like the stack: the command line tells our supervisor from a reused pid.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"devstack\0supervise" in cmdline


def write_pid(paths: Paths) -> None:
    paths.run.mkdir(parents=True, exist_ok=True)
    paths.pidfile.write_text(f"{os.getpid()}\n")


def write_state(paths: Paths, state: StackState) -> None:
    doc = {"pid": state.pid, "ready_urls": state.ready_urls, "banner": list(state.banner)}
    # Written aside and renamed, so a reader never sees half a file.
    partial = paths.state_file.with_suffix(".partial")
    partial.write_text(json.dumps(doc, indent=2))
    partial.replace(paths.state_file)


def read_state(paths: Paths) -> StackState | None:
    try:
        doc = json.loads(paths.state_file.read_text())
        return StackState(int(doc["pid"]), dict(doc["ready_urls"]), tuple(doc["banner"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear(paths: Paths, pid: int | None = None) -> None:
    """Remove the files; with `pid`, only if they are that supervisor's."""
    if pid is not None and _pid_in_file(paths) not in (pid, None):
        return
    for path in (paths.state_file, paths.pidfile):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
