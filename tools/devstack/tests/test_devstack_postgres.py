import uuid

import asyncpg
import pytest

from devstack.infra import InfraError, create_database, drop_database, ensure_postgres

pytestmark = pytest.mark.integration

SERVER = "postgresql://postgres@127.0.0.1:5432"
ADMIN = f"{SERVER}/postgres"


async def _exists(name: str) -> bool:
    conn = await asyncpg.connect(ADMIN)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def test_the_running_server_is_used_and_gets_the_urls_database() -> None:
    name = f"devstack_test_{uuid.uuid4().hex[:10]}"
    handle = await ensure_postgres(f"{SERVER}/{name}")
    try:
        assert handle.origin == "existing"
        assert handle.admin_url == ADMIN
        assert await _exists(name)
        conn = await asyncpg.connect(handle.url)
        assert await conn.fetchval("SELECT current_database()") == name
        await conn.close()
    finally:
        await handle.stop()  # a server we found keeps running
        await drop_database(ADMIN, name)

    assert not await _exists(name)


async def test_a_session_database_is_created_once_and_dropped_while_in_use() -> None:
    name = f"devstack_test_{uuid.uuid4().hex[:10]}"

    url = await create_database(ADMIN, name)
    assert await create_database(ADMIN, name) == url == f"{SERVER}/{name}"
    holder = await asyncpg.connect(url)
    try:
        await drop_database(ADMIN, name)  # FORCE: a connection left open does not block it
        assert not await _exists(name)
    finally:
        await holder.close()
    await drop_database(ADMIN, name)  # and dropping what is gone is fine


async def test_a_role_the_server_does_not_know_is_one_clear_line() -> None:
    with pytest.raises(InfraError) as failure:
        await ensure_postgres(f"postgresql://nobody_{uuid.uuid4().hex[:6]}@127.0.0.1:5432/x")

    assert str(failure.value).startswith("PostgreSQL answers at 127.0.0.1:5432 but refused")
    assert "\n" not in str(failure.value)
