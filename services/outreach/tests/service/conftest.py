"""Fixtures: a fresh outreach schema per test (real PostgreSQL), the clock at a Tuesday
morning in Los Angeles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from outreach_world import World, drop_world, la, make_world


@pytest.fixture
async def world(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    made = await make_world(database_url, tmp_path_factory.getbasetemp(), start=la(2, 10))
    try:
        yield made
    finally:
        await drop_world(made)
