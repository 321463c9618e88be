"""FindSlots latency and HoldSlot throughput on a busy calendar.

A spa with 6 providers and 2,000 existing appointments over 14 days, in a
throwaway PostgreSQL database. Prints p50/p99 of FindSlots over those 14 days
in process (pure domain, and with the PostgreSQL read) and over gRPC (a server
in its own process, as deployed), then sustained holds per second under 50
concurrent clients (over gRPC, and calling the backend in process), and checks
the database holds zero double bookings.

    .venv/bin/python services/scheduler/bench/bench_find_slots.py

Environment: SCHEDULER_BENCH_POSTGRES (server URL without a database name).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import socket
import statistics
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import grpc
import yaml

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from medspa_kit.crypto import FieldCipher, Keyring
from medspa_kit.db import create_pool
from medspa_kit.migrate import migrate_service
from scheduler.adapters import pg_rows
from scheduler.adapters.busy_cache import BusyCache
from scheduler.adapters.changes import Changes
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.grpc_server import CalendarServer, CalendarServicer
from scheduler.adapters.patient_directory import PostgresPatientDirectory
from scheduler.adapters.patients import Patients
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.adapters.waitlist import PostgresWaitlist
from scheduler.domain.availability import Busy
from scheduler.domain.commands import HoldRequest
from scheduler.domain.errors import SlotUnavailable
from scheduler.domain.model import SpaRules
from scheduler.domain.slots import SlotQuery, find_slots, search_window
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
    pool: asyncpg.Pool, directory: SpaDirectory, cache: BusyCache | None = None
) -> tuple[ConfigCatalog, PostgresCalendar]:
    catalog = ConfigCatalog(directory)
    clock = FixedClock()
    events = BookingEvents("bench")
    patients = Patients(cipher())
    changes = Changes(catalog, clock, events, PostgresWaitlist(pool, catalog, clock, patients))
    calendar = PostgresCalendar(pool, catalog, clock, patients, events, changes, cache=cache)
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
    cache = await listening(pool, database_url, asyncio.Event())
    catalog, calendar = build(pool, SpaDirectory([parse_spa(spa_yaml())]), cache)
    patients = Patients(cipher())
    servicer = CalendarServicer(
        catalog,
        calendar,
        PostgresPatientDirectory(pool, catalog, patients),
        PostgresWaitlist(pool, catalog, FixedClock(), patients),
    )
    server = CalendarServer(servicer, "127.0.0.1", port)
    await server.start()
    ready.set()
    await server.server.wait_for_termination()


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        began = time.perf_counter()
        await call()
        out.append((time.perf_counter() - began) * 1000)
    return out


Target = tuple[str, int]
# Held, refused, seconds.
HoldStorm = tuple[int, int, float]


def hold_targets(first_week: int) -> deque[Target]:
    """Every 15-minute slot of every provider over two weeks from `first_week`, in order."""
    start = FIRST_DAY + timedelta(weeks=first_week)
    days = [
        start + timedelta(days=n) for n in range(14) if (start + timedelta(days=n)).weekday() < 6
    ]
    return deque(
        (f"p{p}", int(datetime.combine(d, datetime.min.time(), tzinfo=LA).timestamp()) + m * 60)
        for d in days
        for m in range(9 * 60, 19 * 60 - 15, 15)
        if not 12 * 60 + 45 < m < 13 * 60 + 30
        for p in range(PROVIDERS)
    )


async def hold_storm(
    hold: Callable[[Target, str], Awaitable[bool]], targets: deque[Target]
) -> HoldStorm:
    """50 clients holding distinct slots (one in ten aims at a taken one) for a while."""
    tried: list[Target] = []
    held = refused = 0
    rng = random.Random(11)
    deadline = time.perf_counter() + HOLD_SECONDS

    async def client() -> None:
        nonlocal held, refused
        while targets and time.perf_counter() < deadline:
            target = rng.choice(tried) if tried and rng.random() < 0.1 else targets.popleft()
            tried.append(target)
            if await hold(target, f"+1415555{rng.randrange(10_000):04d}"):
                held += 1
            else:
                refused += 1

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return held, refused, time.perf_counter() - began


def grpc_hold(
    stub: calendar_pb2_grpc.CalendarServiceStub,
) -> Callable[[Target, str], Awaitable[bool]]:
    async def hold(target: Target, phone: str) -> bool:
        request = pb.HoldSlotRequest(
            spa_id=SPA,
            request_id=str(uuid.uuid4()),
            service_id="quick",
            provider_id=target[0],
            patient=pb.PatientRef(phone_e164=phone),
        )
        request.start.seconds = target[1]
        try:
            await stub.HoldSlot(request)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            return False
        return True

    return hold


def direct_hold(calendar: PostgresCalendar) -> Callable[[Target, str], Awaitable[bool]]:
    async def hold(target: Target, phone: str) -> bool:
        request = HoldRequest(
            spa_id=SPA,
            request_id=str(uuid.uuid4()),
            service_id="quick",
            start=datetime.fromtimestamp(target[1], UTC),
            phone=phone,
            provider_id=target[0],
        )
        try:
            await calendar.hold(request)
        except SlotUnavailable:
            return False
        return True

    return hold


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


def query(**wishes: object) -> SlotQuery:
    return SlotQuery(
        service_id="botox", start=NOW, end=NOW + DAYS * 86_400, max_results=10, **wishes
    )


# The measure is the first row of each kind (the earliest ten slots, as the agent
# asks "when is the next opening"); the others show the less favourable searches.
SEARCHES = {
    "earliest": query(),
    "spread across days": query(spread_across_days=True),
    "near Friday 3pm": query(near=NOW + 4 * 86_400 + 9 * 3600),
}


async def find_slot_rows(
    rules: SpaRules, busy: Busy, calendar: PostgresCalendar, cached: PostgresCalendar
) -> list[tuple[str, float, float]]:
    found = []
    for label, search in SEARCHES.items():

        async def pure(search: SlotQuery = search) -> None:
            find_slots(rules, search, busy, NOW)

        found.append((f"domain only, {label}", *percentiles(await timed(pure, SAMPLES))))
    for label, search in SEARCHES.items():

        async def in_process(search: SlotQuery = search) -> None:
            await cached.find_slots(SPA, search)

        found.append((f"in process, {label}", *percentiles(await timed(in_process, SAMPLES))))

    async def uncached() -> None:
        await calendar.find_slots(SPA, query())

    found.append(("in process, no cache, earliest", *percentiles(await timed(uncached, SAMPLES))))
    return found


async def over_grpc(url: str) -> tuple[list[tuple[str, float, float]], HoldStorm]:
    """FindSlots and a hold storm against a server in its own process, as deployed."""
    port = free_port()
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    server = spawn.Process(target=serve, args=(url, port, ready), daemon=True)
    server.start()
    try:
        await asyncio.to_thread(ready.wait, 60)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = calendar_pb2_grpc.CalendarServiceStub(channel)
            request = pb.FindSlotsRequest(spa_id=SPA, service_id="botox")
            request.preferences.max_results = 10
            getattr(request, "from").seconds = NOW
            request.to.seconds = NOW + DAYS * 86_400

            async def find() -> None:
                await stub.FindSlots(request)

            await timed(find, 20)
            found = [("over gRPC, earliest", *percentiles(await timed(find, SAMPLES)))]
            return found, await hold_storm(grpc_hold(stub), hold_targets(2))
    finally:
        server.terminate()
        server.join(10)


async def main() -> None:
    name = f"sched_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER}/{name}"
    stop = asyncio.Event()
    load_before = os.getloadavg()[0]
    try:
        pool = await create_pool(url, "scheduler", min_size=10, max_size=20)
        async with pool.acquire() as conn:
            await migrate_service(conn, "scheduler")
        await seed(pool)
        directory = SpaDirectory([parse_spa(spa_yaml())])
        catalog, calendar = build(pool, directory)
        _, cached = build(pool, directory, await listening(pool, url, stop))
        rules = catalog.rules(SPA)
        async with pool.acquire() as conn:
            service = rules.services["botox"]
            busy = await pg_rows.busy(conn, SPA, search_window(service, query(), NOW))
        rows = await find_slot_rows(rules, busy, calendar, cached)
        grpc_rows, grpc_storm = await over_grpc(url)
        rows += grpc_rows
        storms = [
            ("over gRPC", grpc_storm),
            ("in process", await hold_storm(direct_hold(cached), hold_targets(4))),
        ]
        doubles = await double_bookings(pool)
        stop.set()
        await pool.close()
        report(rows, storms, doubles, load_before)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def report(
    rows: list[tuple[str, float, float]],
    storms: list[tuple[str, HoldStorm]],
    doubles: int,
    load_before: float,
) -> None:
    print(
        f"\n{PROVIDERS} providers, {APPOINTMENTS} appointments over {DAYS} days;"
        f" {SAMPLES} samples each\n"
    )
    print(f"{'FindSlots over 14 days':<40}{'p50 ms':>10}{'p99 ms':>10}")
    for label, p50, p99 in rows:
        print(f"{label:<40}{p50:>10.2f}{p99:>10.2f}")
    print(
        f"\n{'HoldSlot, ' + str(CLIENTS) + ' concurrent clients':<40}{'holds/s':>10}{'held':>8}{'taken':>8}"
    )
    for label, (held, refused, elapsed) in storms:
        print(f"{label:<40}{held / elapsed:>10.0f}{held:>8}{refused:>8}")
    print(f"\ndouble bookings in the database: {doubles}")
    print(
        f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f},"
        f" on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    asyncio.run(main())
