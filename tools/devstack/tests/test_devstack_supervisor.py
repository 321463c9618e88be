import io
import signal

import httpx
import pytest
from devstack_support import Recorder, fake_service, wait_until

from devstack.output import TerminalOutput
from devstack.prefix import LinePrefixer
from devstack.supervisor import NotReady, ProcessSpec, Supervisor, ended, run_once


async def test_lines_are_prefixed_readiness_is_awaited_and_sigterm_stops_everyone() -> None:
    stream = io.StringIO()
    output = TerminalOutput(LinePrefixer(("devstack", "alpha", "beta")), stream)
    alpha, beta = fake_service("alpha"), fake_service("beta", READY_AFTER="0.6")
    supervisor = Supervisor([alpha, beta], output)

    await supervisor.start()
    try:
        await supervisor.wait_ready(within=20)
        async with httpx.AsyncClient() as client:
            for spec in (alpha, beta):
                assert (await client.get(spec.ready_url)).status_code == 200
    finally:
        await supervisor.stop()

    text = stream.getvalue()
    assert f"alpha    | alpha starting pid={supervisor.pids['alpha']}\n" in text
    assert f"beta     | beta starting pid={supervisor.pids['beta']}\n" in text
    # Each heard SIGTERM and said so before exiting; nothing was reported as a crash.
    assert "alpha    | alpha got SIGTERM\n" in text
    assert "beta     | beta got SIGTERM\n" in text
    assert supervisor.exit_code("alpha") == 0
    assert supervisor.exit_code("beta") == 0
    assert "unexpectedly" not in text


async def test_a_service_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    output = Recorder()
    supervisor = Supervisor([fake_service("stubborn", IGNORE_TERM="1")], output)
    await supervisor.start()
    await supervisor.wait_ready(within=20)

    await supervisor.stop(grace=0.5)

    assert supervisor.exit_code("stubborn") == -signal.SIGKILL
    assert any(note.startswith("stubborn did not stop within") for note in output.notes)


async def test_a_death_before_ready_fails_the_wait_and_is_reported_with_its_last_lines() -> None:
    output = Recorder()
    supervisor = Supervisor([fake_service("crashy", EXIT_AT_ONCE="3")], output)
    await supervisor.start()
    try:
        with pytest.raises(NotReady, match="crashy exited with code 3"):
            await supervisor.wait_ready(within=20)
        await wait_until(lambda: any("unexpectedly" in n for n in output.notes))
    finally:
        await supervisor.stop()

    assert "crashy exited with code 3 unexpectedly; its last lines:" in output.notes
    assert "  boom" in output.notes


async def test_a_service_that_never_gets_ready_is_named_at_the_deadline() -> None:
    output = Recorder()
    supervisor = Supervisor(
        [fake_service("quick"), fake_service("slow", READY_AFTER="999")], output
    )
    await supervisor.start()
    try:
        with pytest.raises(NotReady, match="not ready after 1s: slow") as failure:
            await supervisor.wait_ready(within=1)
    finally:
        await supervisor.stop()

    assert failure.value.waiting == ("slow",)
    assert any(line.startswith("slow serving on") for line in supervisor.tail("slow"))


async def test_a_one_off_step_runs_to_its_end_with_its_lines_shown() -> None:
    output = Recorder()
    step = ProcessSpec(
        "migrate",
        ("python3", "-c", "print('applied 3'); raise SystemExit(2)"),
        {"PATH": "/usr/bin:/bin"},
    )

    assert await run_once(step, output) == 2
    assert output.said("migrate") == ["applied 3"]


def test_an_exit_is_told_in_words() -> None:
    assert ended(3) == "exited with code 3"
    assert ended(-signal.SIGKILL) == "was killed by SIGKILL"
