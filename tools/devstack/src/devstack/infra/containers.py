"""NATS and PostgreSQL in containers, for TEST_STACK=containers on a machine with Docker."""

from __future__ import annotations

import asyncio
import logging
import os

from devstack.infra.handles import NatsHandle, PgHandle
from devstack.infra.urls import PgUrl

NATS_IMAGE = "nats:2.10"
# Debian 12's PostgreSQL, so a container behaves like the servers on the dev machines.
POSTGRES_IMAGE = "postgres:15"

log = logging.getLogger(__name__)


def wants_containers(flag: bool | None) -> bool:
    return flag if flag is not None else os.environ.get("TEST_STACK") == "containers"


async def docker_answers() -> bool:
    """Probe rather than assume: testcontainers fails late and obscurely without an engine."""
    answered = await asyncio.to_thread(_ping)
    if not answered:
        log.info("TEST_STACK=containers but no Docker engine answered; using local servers")
    return answered


def _ping() -> bool:
    # Imported here: only this path needs the Docker SDK.
    import docker
    import docker.errors
    import requests

    try:
        docker.from_env().ping()
    except (docker.errors.DockerException, requests.RequestException, OSError):
        return False
    return True


async def start_nats_container() -> NatsHandle:
    from testcontainers.community.nats import NatsContainer

    container = NatsContainer(NATS_IMAGE, jetstream=True)
    await asyncio.to_thread(container.start)
    log.info("started NATS in a container (%s)", NATS_IMAGE)
    return NatsHandle(
        url=container.nats_uri(),
        origin="container",
        _stopper=lambda: asyncio.to_thread(container.stop),
    )


async def start_postgres_container(target: PgUrl) -> PgHandle:
    from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(
        POSTGRES_IMAGE,
        username=target.user,
        password=target.password or "postgres",
        dbname=target.database,
        driver=None,
    )
    await asyncio.to_thread(container.start)
    log.info("started PostgreSQL in a container (%s)", POSTGRES_IMAGE)
    url = PgUrl.parse(container.get_connection_url())
    return PgHandle(
        url=str(url),
        admin_url=str(url.with_database("postgres")),
        origin="container",
        _stopper=lambda: asyncio.to_thread(container.stop),
    )
