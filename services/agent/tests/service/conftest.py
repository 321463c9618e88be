"""The agent against a real PostgreSQL (its own schema in the session's database), with the
calendar faked at the port. Handlers are driven the way the consumer drives them: one
transaction with the inbox row, so duplicates and crashes behave as in production."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from medspa_kit.crypto import FieldCipher, Keyring
from medspa_kit.db import create_pool
from medspa_kit.migrate import migrate_service
from spa_config import load_spas

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes import FakeCalendar, new_phone
from harness import Clock, Harness

# Its own schema: the whole-system tests run an agent process on the session's database,
# and its outbox relay must never see rows written here.
SCHEMA = f"agent_svc_{uuid.uuid4().hex[:8]}"
MONDAY_10AM = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, SCHEMA, max_size=8, application_name="agent-svc-test")
    async with pool.acquire() as conn:
        await migrate_service(conn, "agent", SCHEMA)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def cipher() -> FieldCipher:
    return FieldCipher(Keyring("k1", {"k1": os.urandom(32)}, os.urandom(32)))


@pytest.fixture(scope="session")
def spas():  # type: ignore[no-untyped-def]
    return load_spas(None)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10AM)


@pytest.fixture
def calendar(spas, clock: Clock) -> FakeCalendar:  # type: ignore[no-untyped-def]
    return FakeCalendar(spas, clock.now)


@pytest.fixture
def harness(pool, cipher, spas, calendar, clock) -> Harness:  # type: ignore[no-untyped-def]
    return Harness(pool, cipher, spas, calendar, clock)


@pytest.fixture
def phone() -> str:
    return new_phone()
