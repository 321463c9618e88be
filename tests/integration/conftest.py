from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.system import System, build_system

START_ORDER = ("sandbox", "scheduler", "telephony", "agent", "payments", "outreach", "console")


@pytest.fixture(scope="session")
async def system(
    stack, database_url: str, bus_namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    workdir: Path = tmp_path_factory.mktemp("system")
    running = build_system(workdir, stack.nats_url, database_url, bus_namespace)
    try:
        await running.start(*START_ORDER)
        yield running
    finally:
        running.stop()
