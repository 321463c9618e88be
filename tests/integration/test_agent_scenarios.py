"""The agent's conversation scenarios (services/agent/eval/scenarios), each run through the
whole system: signed webhooks, NATS JetStream, gRPC to the scheduler, PostgreSQL, payments.
`make eval` runs the same scenarios and prints the pass rate by category."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.system import System, build_system

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "agent" / "eval"))

from runner import Runner, Scenario, Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SCENARIOS = Scenario.load_all()
# What a conversation touches; the staff console and outreach play no part in it.
SERVICES = ("sandbox", "scheduler", "telephony", "agent", "payments")


@pytest.fixture(scope="module")
async def agent_system(  # type: ignore[no-untyped-def]
    stack, database_url: str, bus_namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    running = build_system(
        tmp_path_factory.mktemp("agent-system"), stack.nats_url, database_url, bus_namespace
    )
    try:
        await running.start(*SERVICES)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def runner(agent_system: System, stack, database_url: str, bus_namespace: str) -> Runner:  # type: ignore[no-untyped-def]
    system = agent_system
    return Runner(
        Stack(
            sandbox_url=system["sandbox"].url,
            payments_url=system["payments"].url,
            grpc_target=f"127.0.0.1:{system.grpc_port}",
            nats_url=stack.nats_url,
            database_url=database_url,
            namespace=bus_namespace,
            key_file=system.workdir / "field-keys.json",
        )
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_scenario(runner: Runner, scenario: Scenario) -> None:
    result = await runner.run(scenario)
    transcript = "\n".join(
        f"  patient: {said}\n  spa:     {reply}" for said, reply in result.transcript
    )
    assert result.passed, "\n".join(result.failures) + "\n" + transcript
    assert result.advice == 0
