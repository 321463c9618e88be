"""The scheduler against a real PostgreSQL database of its own, served over a real gRPC socket.

The database is created with a unique name for the session and dropped (WITH FORCE)
at the end. Time is a fake clock: Monday 2026-11-30, 06:00 in Los Angeles.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from scheduler_harness import MONDAY, NAMESPACE, SERVER, FakeClock, local

from medspa.calendar.v1 import calendar_pb2_grpc
from medspa_kit.crypto import FieldCipher, Keyring
from medspa_kit.db import create_pool
from medspa_kit.migrate import migrate_service
from scheduler.adapters.busy_cache import BusyCache
from scheduler.adapters.changes import Changes
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.grpc_server import CalendarServer, CalendarServicer
from scheduler.adapters.hold_news import HoldNews
from scheduler.adapters.patient_directory import PostgresPatientDirectory
from scheduler.adapters.patients import Patients
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.adapters.waitlist import PostgresWaitlist
from spa_config import load_spas


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    name = f"sched_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{SERVER}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, "scheduler", max_size=20, application_name="sched-test")
    async with pool.acquire() as conn:
        await migrate_service(conn, "scheduler")
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def catalog() -> ConfigCatalog:
    return ConfigCatalog(load_spas(None))


@pytest.fixture(scope="session")
def cipher() -> FieldCipher:
    return FieldCipher(Keyring("k1", {"k1": os.urandom(32)}, os.urandom(32)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local(MONDAY, "06:00"))


@pytest.fixture
def waitlist(pool, catalog, cipher, clock) -> PostgresWaitlist:
    return PostgresWaitlist(pool, catalog, clock, Patients(cipher))


@pytest.fixture
async def busy_cache(pool, database_url, clock) -> AsyncIterator[BusyCache]:
    """A busy-time cache listening on its own connection, as in the service."""
    cache = BusyCache(pool, lambda: asyncpg.connect(database_url), clock)
    stop = asyncio.Event()
    task = asyncio.create_task(cache.run(stop))
    await asyncio.wait_for(cache.live.wait(), timeout=30)
    yield cache
    stop.set()
    await task


@pytest.fixture
async def news(pool) -> AsyncIterator[HoldNews]:
    """This replica's news of its holds, sent as in the service."""
    told = HoldNews(pool)
    stop = asyncio.Event()
    task = asyncio.create_task(told.run(stop))
    yield told
    stop.set()
    await task


@pytest.fixture
async def calendar(pool, catalog, cipher, clock, waitlist, busy_cache, news) -> PostgresCalendar:
    async with pool.acquire() as conn:
        await conn.execute(
            "TRUNCATE appointment_requests, appointment_resources, appointments, waitlist_requests,"
            " waitlist_entries, consent_answers, patients, outbox"
        )
    events = BookingEvents(NAMESPACE)
    changes = Changes(catalog, clock, events, waitlist)
    return PostgresCalendar(
        pool, catalog, clock, Patients(cipher), events, changes, cache=busy_cache, news=news
    )


@pytest.fixture
def directory(pool, catalog, cipher, clock) -> PostgresPatientDirectory:
    return PostgresPatientDirectory(pool, catalog, Patients(cipher), clock)


@pytest.fixture
async def server(calendar, catalog, directory, waitlist) -> AsyncIterator[CalendarServer]:
    servicer = CalendarServicer(catalog, calendar, directory, waitlist)
    served = CalendarServer(servicer, "127.0.0.1", 0)
    await served.start()
    yield served
    await served.stop(0)


@pytest.fixture
async def stub(server) -> AsyncIterator[calendar_pb2_grpc.CalendarServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield calendar_pb2_grpc.CalendarServiceStub(channel)
