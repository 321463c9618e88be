"""The whole system as production runs it: one OS process per service.

Each service gets free ports, this session's database and bus namespace, and
its own log and trace files, so a test can read what a service printed and
which spans it made.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SANDBOX_SID = "AC00000000000000000000000000000000"
SANDBOX_TOKEN = "sandbox-auth-token"
READY_DEADLINE_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    name: str
    module: str
    port: int
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", self.module],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def wait_ready(self, deadline_s: float = READY_DEADLINE_S) -> None:
        async with httpx.AsyncClient(timeout=2.0) as client:
            try:
                async with asyncio.timeout(deadline_s):
                    while True:
                        if self.popen is not None and self.popen.poll() is not None:
                            raise RuntimeError(
                                f"{self.name} exited with {self.popen.returncode}:\n{self.log_text()[-3000:]}"
                            )
                        try:
                            if (await client.get(f"{self.url}/readyz")).status_code == 200:
                                return
                        except httpx.TransportError:
                            pass
                        await asyncio.sleep(0.1)
            except TimeoutError:
                raise RuntimeError(f"{self.name} not ready:\n{self.log_text()[-3000:]}") from None


@dataclass
class System:
    workdir: Path
    processes: dict[str, Process] = field(default_factory=dict)
    grpc_port: int = 0

    def __getitem__(self, name: str) -> Process:
        return self.processes[name]

    def trace_file(self, name: str) -> Path:
        return self.workdir / f"{name}.traces.jsonl"

    async def start(self, *names: str) -> None:
        for name in names or tuple(self.processes):
            self.processes[name].start()
        await asyncio.gather(*(self.processes[n].wait_ready() for n in names or self.processes))

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()


def build_system(workdir: Path, nats_url: str, database_url: str, namespace: str) -> System:
    workdir.mkdir(parents=True, exist_ok=True)
    system = System(workdir, grpc_port=free_port())
    ports = {
        name: free_port()
        for name in (
            "telephony",
            "agent",
            "scheduler",
            "payments",
            "outreach",
            "console",
            "sandbox",
        )
    }
    telephony_url = f"http://127.0.0.1:{ports['telephony']}"
    common = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "OTEL_"))},
        "NATS_URL": nats_url,
        "DATABASE_URL": database_url,
        "MEDSPA_BUS_NAMESPACE": namespace,
        "FIELD_KEY_FILE": str(workdir / "field-keys.json"),
        "TWILIO_ACCOUNT_SID": SANDBOX_SID,
        "TWILIO_AUTH_TOKEN": SANDBOX_TOKEN,
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{ports['sandbox']}",
        "STARTUP_TIMEOUT_S": "30",
        # Seven services share the test server with every other suite.
        "DATABASE_POOL_MAX": "4",
    }
    specific = {
        "sandbox": {"SANDBOX_PORT": str(ports["sandbox"]), "SANDBOX_WEBHOOK_BASE": telephony_url},
        "scheduler": {"SCHEDULER_GRPC_PORT": str(system.grpc_port)},
        "agent": {"SCHEDULER_GRPC_TARGET": f"127.0.0.1:{system.grpc_port}"},
        "payments": {
            "SCHEDULER_GRPC_TARGET": f"127.0.0.1:{system.grpc_port}",
            "PAYMENTS_PUBLIC_URL": f"http://127.0.0.1:{ports['payments']}",
        },
        "telephony": {"TELEPHONY_PUBLIC_URL": telephony_url},
    }
    modules = {"sandbox": "twilio_sandbox"}
    for name, port in ports.items():
        env = {
            **common,
            f"{name.upper()}_PORT": str(port),
            "OTEL_TRACES_FILE": str(workdir / f"{name}.traces.jsonl"),
            **specific.get(name, {}),
        }
        system.processes[name] = Process(
            name, modules.get(name, name), port, env, workdir / f"{name}.log"
        )
    return system
