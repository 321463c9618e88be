"""PostgreSQL: the server answering at the URL, else a private cluster under `.run/pg`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg

from devstack.infra.containers import docker_answers, start_postgres_container, wants_containers
from devstack.infra.handles import InfraError, PgHandle
from devstack.infra.pg_cluster import Cluster, ClusterError, find_binaries, install_binaries
from devstack.infra.polling import GaveUp, one_line, poll
from devstack.infra.urls import DEFAULT_DATABASE_URL, PgUrl, is_local
from devstack.paths import Paths
from medspa_kit.db import quote_ident

PROBE_WINDOW_S = 1.5
CONNECT_TIMEOUT_S = 2.0
# Not there yet, or still starting: worth asking again. Anything else is a real answer.
_NOT_YET = (OSError, TimeoutError, asyncpg.CannotConnectNowError)

log = logging.getLogger(__name__)


async def ensure_postgres(
    url: str = DEFAULT_DATABASE_URL,
    *,
    run_dir: Path | None = None,
    containers: bool | None = None,
    start_timeout: float = 60.0,
) -> PgHandle:
    """A PostgreSQL server at `url` with the URL's database in it: found, or started here.

    `containers` defaults to TEST_STACK=containers; without a Docker engine it falls back.
    """
    try:
        target = PgUrl.parse(url)
    except ValueError as exc:
        raise InfraError(str(exc)) from None
    if wants_containers(containers) and await docker_answers():
        return await start_postgres_container(target)
    found = await _existing(url, target)
    if found is not None:
        return found
    log.info("no PostgreSQL answered at %s", target.address)
    try:
        if not is_local(target.host):
            raise GaveUp(f"{target.host} is not this machine")
        binaries = find_binaries()
        if binaries is None:
            binaries = await asyncio.to_thread(install_binaries)
            # Debian's package may have started its own server on this very port.
            found = await _existing(url, target)
            if found is not None:
                return found
        run = run_dir or Paths.discover().run
        cluster = Cluster(
            binaries, run / "pg", run / "logs" / "postgres.log", target.host, target.port
        )
        return await _start_private(url, target, cluster, start_timeout)
    except (ClusterError, GaveUp, OSError, asyncpg.PostgresError) as exc:
        raise InfraError(
            f"PostgreSQL did not answer at {target.address} and could not be started: "
            f"{one_line(exc)}"
        ) from None


async def create_database(admin_url: str, name: str, *, owner: str | None = None) -> str:
    """Create database `name` unless it exists; return its URL (the admin URL's credentials)."""
    url = PgUrl.parse(admin_url).with_database(name)
    conn = await _connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            sql = f"CREATE DATABASE {quote_ident(name)}"
            if owner is not None:
                sql += f" OWNER {quote_ident(owner)}"
            try:
                await conn.execute(sql)
                log.info("created database %s", url.database)
            except asyncpg.DuplicateDatabaseError:
                pass  # another session made it between our look and our create
    finally:
        await conn.close()
    return str(url)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` if it exists, disconnecting whoever is still in it."""
    conn = await _connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
    finally:
        await conn.close()


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)


async def _answers(url: str) -> None:
    conn = await _connect(url)
    await conn.close()


async def _existing(url: str, target: PgUrl) -> PgHandle | None:
    """Use the server at the URL if it answers, making the target database; None if silent."""
    admin = str(target.with_database("postgres"))
    try:
        await poll(lambda: _answers(admin), within=PROBE_WINDOW_S, retry_on=_NOT_YET)
        await create_database(admin, target.database)
    except GaveUp:
        return None
    except asyncpg.PostgresError as exc:
        raise InfraError(
            f"PostgreSQL answers at {target.address} but refused {target.user!r}: {one_line(exc)}"
        ) from None
    log.info("using the PostgreSQL server at %s", target.address)
    return PgHandle(url=url, admin_url=admin, origin="existing")


async def _start_private(
    url: str, target: PgUrl, cluster: Cluster, start_timeout: float
) -> PgHandle:
    await asyncio.to_thread(cluster.start, start_timeout)
    # initdb made `postgres` the superuser; it makes the URL's role and database.
    superuser = str(target.with_user("postgres").with_database("postgres"))
    try:
        await poll(lambda: _answers(superuser), within=start_timeout, retry_on=_NOT_YET)
        if target.user != "postgres":
            await _ensure_role(superuser, target.user)
        await create_database(superuser, target.database, owner=target.user)
    except BaseException:
        await asyncio.to_thread(cluster.stop)
        raise
    return PgHandle(
        url=url,
        admin_url=str(target.with_database("postgres")),
        origin="process",
        _stopper=lambda: asyncio.to_thread(cluster.stop),
    )


async def _ensure_role(superuser_url: str, role: str) -> None:
    conn = await _connect(superuser_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            # CREATEDB lets the role make per-test databases, as `postgres` would.
            await conn.execute(f"CREATE ROLE {quote_ident(role)} LOGIN CREATEDB")
    finally:
        await conn.close()
