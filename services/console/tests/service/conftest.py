"""Fixtures: one console for the module's tests, in a database and namespace of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from console_harness import Console, running_console


@pytest.fixture(scope="session")
async def console(stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Console]:
    async with running_console(stack, tmp_path_factory.mktemp("console")) as running:
        yield running
