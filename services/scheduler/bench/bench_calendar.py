"""The bench's spa: 6 providers, a room each, 2,000 visits over 14 days in a throwaway
database, and the scheduler built around it in process or as a gRPC server process."""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.synchronize
import os
import random
import socket
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import yaml

from medspa_kit.crypto import FieldCipher, Keyring
from medspa_kit.db import create_pool
from scheduler.adapters import pg_rows
from scheduler.adapters.busy_cache import BusyCache
from scheduler.adapters.changes import Changes
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.grpc_server import CalendarServer, CalendarServicer
from scheduler.adapters.hold_news import HoldNews
from scheduler.adapters.patient_directory import PostgresPatientDirectory
from scheduler.adapters.patients import Patients
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.adapters.sweeper import HoldSweeper
from scheduler.adapters.waitlist import PostgresWaitlist
from spa_config import SpaDirectory, parse_spa

SERVER = os.environ.get("SCHEDULER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
SPA = "bench-spa"
LA = ZoneInfo("America/Los_Angeles")
FIRST_DAY = date(2026, 11, 30)  # a Monday
NOW = int(datetime(2026, 11, 30, 6, 0, tzinfo=LA).timestamp())
PROVIDERS = 6
APPOINTMENTS = 2_000
DAYS = 14
SAMPLES = 200
CLIENTS = 50
HOLD_SECONDS = 5.0
KEY = os.urandom(32), os.urandom(32)
# The background tasks `build` starts, kept so they are not collected while they run.
_RUNNING: set[asyncio.Task[None]] = set()


def spa_yaml() -> str:
    day = {"start": "09:00", "end": "19:00", "breaks": ["13:00-13:30"]}
    week = {d: day for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}
    rooms = [f"room-{i}" for i in range(PROVIDERS)]
    return yaml.safe_dump(
        {
            "id": SPA,
            "name": "Bench Spa",
            "timezone": "America/Los_Angeles",
            "phone_numbers": ["+14155550300"],
            "front_desk_phone": "+14155550301",
            "address": {"line1": "1 Main St", "city": "SF", "region": "CA", "postal_code": "94100"},
            "greeting": "Hello, this is the automated assistant.",
            "hours": {d: ["09:00-19:00"] for d in week},
            "providers": [
                {
                    "id": f"p{i}",
                    "name": f"Provider {i}",
                    "credential": "NP",
                    "services": ["botox", "quick"],
                    "shifts": week,
                }
                for i in range(PROVIDERS)
            ],
            "resources": [{"id": r, "name": r, "kind": "room"} for r in rooms],
            "services": [
                {
                    "id": "botox",
                    "name": "Botox",
                    "category": "neurotoxin",
                    "duration_minutes": 30,
                    "buffer_after_minutes": 10,
                    "price": {"kind": "fixed", "amount": 30000},
                    "credentials": ["NP"],
                    "resources": [rooms],
                },
                {
                    "id": "quick",
                    "name": "Quick touch-up",
                    "category": "other",
                    "duration_minutes": 15,
                    "price": {"kind": "fixed", "amount": 5000},
                    "credentials": ["NP"],
                    "resources": [rooms],
                    "horizon_days": 60,
                },
            ],
            "escalation_contacts": [
                {"name": "Desk", "role": "front desk", "phone": "+14155550302"}
            ],
        }
    )


def cipher() -> FieldCipher:
    return FieldCipher(Keyring("k", {"k": KEY[0]}, KEY[1]))


class FixedClock:
    def now(self) -> int:
        return NOW


def build(
    pool: asyncpg.Pool,
    directory: SpaDirectory,
    cache: BusyCache | None = None,
    stop: asyncio.Event | None = None,
) -> tuple[ConfigCatalog, PostgresCalendar]:
    """The calendar as main.py wires it. With `stop`, also the work a hold sets off in
    the service: the news of holds for the replicas, and the hold sweeper's nudge."""
    catalog = ConfigCatalog(directory)
    clock = FixedClock()
    events = BookingEvents("bench")
    patients = Patients(cipher())
    changes = Changes(catalog, clock, events, PostgresWaitlist(pool, catalog, clock, patients))
    news, sweeper = None, None
    if stop is not None:
        news = HoldNews(pool)
        sweeper = HoldSweeper(pool, changes, clock)
        _RUNNING.update(asyncio.create_task(task.run(stop)) for task in (news, sweeper))
    calendar = PostgresCalendar(
        pool,
        catalog,
        clock,
        patients,
        events,
        changes,
        on_hold=sweeper.nudge if sweeper is not None else lambda due: None,
        cache=cache,
        news=news,
    )
    return catalog, calendar


async def listening(pool: asyncpg.Pool, url: str, stop: asyncio.Event) -> BusyCache:
    """A busy-time cache on its own listening connection, as the service runs one."""
    cache = BusyCache(pool, lambda: asyncpg.connect(url), FixedClock())
    asyncio.get_running_loop().create_task(cache.run(stop))
    await cache.live.wait()
    return cache


async def seed(pool: asyncpg.Pool) -> None:
    """2,000 non-overlapping 15-minute visits over 14 days, each provider in their own room."""
    rng = random.Random(7)
    workdays = [
        FIRST_DAY + timedelta(days=n)
        for n in range(DAYS)
        if (FIRST_DAY + timedelta(days=n)).weekday() < 6
    ]
    grid = [
        (
            provider,
            int(datetime.combine(d, datetime.min.time(), tzinfo=LA).timestamp()) + minute * 60,
        )
        for provider in range(PROVIDERS)
        for d in workdays
        for minute in range(9 * 60, 19 * 60, 15)
        if not 13 * 60 <= minute < 13 * 60 + 30
    ]
    chosen = rng.sample(grid, APPOINTMENTS)
    patient = uuid.uuid4()
    records = []
    for n, (provider, start) in enumerate(chosen):
        records.append(
            (
                uuid.uuid4(),
                SPA,
                "quick",
                f"p{provider}",
                [f"room-{provider}"],
                patient,
                pg_rows.ts(start),
                pg_rows.ts(start + 900),
                f"seed-{n}",
                start,
                start + 900,
            )
        )
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO patients (id, spa_id, phone_index, phone_enc) VALUES ($1, $2, $3, $4)",
            patient,
            SPA,
            b"bench",
            b"bench",
        )
        await conn.executemany(
            "INSERT INTO appointments (id, spa_id, service_id, provider_id, resource_ids,"
            " patient_id, starts_at, ends_at, blocked, block_lo, block_hi, status,"
            " hold_request_id, request_digest, currency, new_patient) VALUES ($1, $2, $3, $4,"
            " $5, $6, $7, $8, tstzrange($7, $8), $10, $11, 'confirmed', $9, '', 'USD', false)",
            records,
        )
        await conn.executemany(
            "INSERT INTO appointment_resources (appointment_id, spa_id, resource_id, blocked)"
            " VALUES ($1, $2, $3, tstzrange($4, $5))",
            [(r[0], SPA, r[4][0], r[6], r[7]) for r in records],
        )


def serve(database_url: str, port: int, ready: multiprocessing.synchronize.Event) -> None:
    asyncio.run(_serve(database_url, port, ready))


async def _serve(database_url: str, port: int, ready: multiprocessing.synchronize.Event) -> None:
    pool = await create_pool(database_url, "scheduler", min_size=10, max_size=20)
    stop = asyncio.Event()
    cache = await listening(pool, database_url, stop)
    directory = SpaDirectory([parse_spa(spa_yaml())])
    catalog, calendar = build(pool, directory, cache, stop)
    patients = Patients(cipher())
    servicer = CalendarServicer(
        catalog,
        calendar,
        PostgresPatientDirectory(pool, catalog, patients, FixedClock()),
        PostgresWaitlist(pool, catalog, FixedClock(), patients),
    )
    server = CalendarServer(servicer, "127.0.0.1", port)
    await server.start()
    ready.set()
    await server.server.wait_for_termination()


async def double_bookings(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT (SELECT count(*) FROM appointments a JOIN appointments b"
                "  ON a.id < b.id AND a.provider_id = b.provider_id AND a.blocked && b.blocked"
                "  WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed'))"
                " + (SELECT count(*) FROM appointment_resources a JOIN appointment_resources b"
                "  ON a.appointment_id < b.appointment_id AND a.resource_id = b.resource_id"
                "  AND a.blocked && b.blocked WHERE a.active AND b.active)"
            )
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
