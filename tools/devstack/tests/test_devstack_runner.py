"""The runner's core in a process of its own, stopped the way `make run` and `make down` stop it."""

import asyncio
import json
import os
import signal
import sys

from devstack_support import fake_service, wait_until

# Runs `supervise` over the specs given as JSON, as `run` and `supervise` do.
CORE = r"""
import asyncio, json, sys
from devstack.output import TerminalOutput
from devstack.prefix import LinePrefixer
from devstack.runner import stop_on_signals, supervise
from devstack.supervisor import ProcessSpec

async def main() -> int:
    specs = [ProcessSpec(**{**s, "argv": tuple(s["argv"])}) for s in json.loads(sys.argv[1])]
    output = TerminalOutput(LinePrefixer(("devstack", *(s.name for s in specs))), sys.stdout)

    async def up() -> None:
        output.note("all ready")

    with stop_on_signals() as stop:
        return await supervise(specs, output, stop=stop, ready_within=30, while_up=up)

sys.exit(asyncio.run(main()))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_sigterm_stops_every_service_then_the_runner_exits_cleanly() -> None:
    specs = [fake_service("alpha"), fake_service("beta", READY_AFTER="0.5")]
    as_json = json.dumps([{**vars(s), "env": dict(s.env), "cwd": str(s.cwd)} for s in specs])
    runner = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CORE, as_json, stdout=asyncio.subprocess.PIPE, env=dict(os.environ)
    )
    assert runner.stdout is not None
    lines: list[str] = []

    async def read_until(marker: str) -> None:
        while marker not in lines:
            raw = await runner.stdout.readline()
            assert raw, f"runner ended before {marker!r}: {lines}"
            lines.append(raw.decode().rstrip())

    try:
        async with asyncio.timeout(30):
            await read_until("devstack | all ready")
    except BaseException:
        runner.kill()
        raise
    pids = [int(line.rsplit("pid=", 1)[1]) for line in lines if "pid=" in line]

    runner.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        rest, _ = await runner.communicate()
    lines += rest.decode().splitlines()

    assert runner.returncode == 0
    assert "alpha    | alpha serving on" in "\n".join(lines)
    assert "beta     | beta serving on" in "\n".join(lines)
    assert lines.index("devstack | all ready") < lines.index("devstack | stopping the services")
    assert "alpha    | alpha got SIGTERM" in lines
    assert "beta     | beta got SIGTERM" in lines
    assert len(pids) == 2
    await wait_until(lambda: not any(_alive(pid) for pid in pids))
