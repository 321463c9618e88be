"""Tiny stand-in services (python -c scripts serving /readyz) and helpers for the tests."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from devstack.supervisor import ProcessSpec

# A service in miniature: prints a line with its pid, serves /healthz always and /readyz
# after READY_AFTER seconds, and says goodbye on SIGTERM (or ignores it, or dies at once).
FAKE_SERVICE = r"""
import http.server, os, signal, sys, time

name, port = os.environ["FAKE_NAME"], int(os.environ["FAKE_PORT"])
ready_at = time.monotonic() + float(os.environ.get("READY_AFTER", "0"))
print(f"{name} starting pid={os.getpid()}", flush=True)
if "EXIT_AT_ONCE" in os.environ:
    print("boom", flush=True)
    sys.exit(int(os.environ["EXIT_AT_ONCE"]))

def goodbye(*_):
    print(f"{name} got SIGTERM", flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, signal.SIG_IGN if "IGNORE_TERM" in os.environ else goodbye)

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = self.path == "/healthz" or time.monotonic() >= ready_at
        self.send_response(200 if ready else 503)
        self.end_headers()

    def log_message(self, *args):
        return  # quiet: the test reads the service's own lines

server = http.server.HTTPServer(("127.0.0.1", port), Health)
print(f"{name} serving on {port}", flush=True)
server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fake_service(name: str, **env: str) -> ProcessSpec:
    port = free_port()
    return ProcessSpec(
        name=name,
        argv=(sys.executable, "-c", FAKE_SERVICE),
        env={"FAKE_NAME": name, "FAKE_PORT": str(port), "PATH": "/usr/bin:/bin", **env},
        ready_url=f"http://127.0.0.1:{port}/readyz",
        cwd=Path.cwd(),
    )


POLL_S = 0.02


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    async with asyncio.timeout(within):
        while not condition():
            await asyncio.sleep(POLL_S)


class Recorder:
    """An Output that keeps everything, for asserting on."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.notes: list[str] = []

    def line(self, service: str, text: str) -> None:
        self.lines.append((service, text))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def said(self, service: str) -> list[str]:
        return [text for name, text in self.lines if name == service]
