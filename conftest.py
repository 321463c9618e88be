"""Shared test fixtures: real NATS JetStream and PostgreSQL for integration tests.

The servers are the ones answering at NATS_URL / DATABASE_URL, or private ones
started by the same code as `make up` (devstack.infra). Each test session gets
its own database and its own bus namespace (subjects and stream names), both
removed at the end, so runs never collide with each other or with `make up`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Stack:
    nats_url: str
    admin_database_url: str


def _run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
async def stack() -> AsyncIterator[Stack]:
    from devstack.infra import ensure_nats, ensure_postgres

    nats_url = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    nats_handle = await ensure_nats(nats_url)
    pg_handle = await ensure_postgres(database_url)
    try:
        yield Stack(nats_url=nats_handle.url, admin_database_url=pg_handle.url)
    finally:
        await pg_handle.stop()
        await nats_handle.stop()


@pytest.fixture(scope="session")
async def database_url(stack: Stack) -> AsyncIterator[str]:
    """A database of this session's own, dropped at the end."""
    from devstack.infra import create_database, drop_database

    name = f"medspa_test_{_run_id()}"
    url = await create_database(stack.admin_database_url, name)
    try:
        yield url
    finally:
        await drop_database(stack.admin_database_url, name)


@pytest.fixture(scope="session")
async def bus_namespace(stack: Stack) -> AsyncIterator[str]:
    """Subjects and streams of this session's own, deleted at the end."""
    import nats

    from medspa_kit.streams import delete_streams, ensure_streams

    namespace = f"t{_run_id()}"
    nc = await nats.connect(stack.nats_url)
    try:
        await ensure_streams(nc.jetstream(), namespace)
        yield namespace
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
