"""FindSlots latency and HoldSlot throughput on a busy calendar (`make bench`).

A spa with 6 providers and 2,000 existing appointments over 14 days, in a
throwaway PostgreSQL database (see bench_calendar.py). Prints p50/p99 of
FindSlots over those 14 days: the pure domain, in process (busy time from the
cache kept by LISTEN/NOTIFY, and without it) and over gRPC (a server in its own
process, as deployed); then sustained holds per second under 50 concurrent
clients, over gRPC and in process, with the CPU each side spent per attempt
(so a figure taken on a busy machine can still be read), and checks that the
database holds zero double bookings.

    .venv/bin/python services/scheduler/bench/bench_find_slots.py

Environment: SCHEDULER_BENCH_POSTGRES (server URL without a database name).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import random
import statistics
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import grpc
from bench_calendar import (
    APPOINTMENTS,
    CLIENTS,
    DAYS,
    FIRST_DAY,
    HOLD_SECONDS,
    LA,
    NOW,
    PROVIDERS,
    SAMPLES,
    SERVER,
    SPA,
    build,
    double_bookings,
    free_port,
    listening,
    seed,
    serve,
    spa_yaml,
)

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from medspa_kit.db import create_pool
from medspa_kit.migrate import migrate_service
from scheduler.adapters import pg_rows
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.domain.availability import Busy
from scheduler.domain.commands import HoldRequest
from scheduler.domain.errors import SlotUnavailable
from scheduler.domain.model import SpaRules
from scheduler.domain.slots import SlotQuery, find_slots, search_window
from spa_config import SpaDirectory, parse_spa


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


@dataclass
class Storm:
    held: int
    refused: int
    seconds: float
    # CPU seconds spent meanwhile by the scheduler, by PostgreSQL's backends for the
    # bench database, and by the clients (the bench itself).
    scheduler_cpu: float = 0.0
    database_cpu: float = 0.0
    client_cpu: float = 0.0

    def ms_per_hold(self, seconds: float) -> float:
        return seconds * 1000 / max(1, self.held + self.refused)


async def hold_storm(
    hold: Callable[[Target, str], Awaitable[bool]], targets: deque[Target]
) -> Storm:
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

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return Storm(held, refused, time.perf_counter() - began, client_cpu=time.process_time() - cpu)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU each process has used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


async def backends(pool: asyncpg.Pool) -> list[int]:
    async with pool.acquire() as conn:
        found = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
    return [r["pid"] for r in found]


async def measured_storm(
    pool: asyncpg.Pool,
    hold: Callable[[Target, str], Awaitable[bool]],
    targets: deque[Target],
    scheduler_pid: int | None,
) -> Storm:
    """A hold storm with the CPU each side spent on it; the scheduler is this process
    when `scheduler_pid` is None (then its CPU is the clients' too)."""
    own = [scheduler_pid] if scheduler_pid else []
    database = await backends(pool)
    before = cpu_seconds(database + own)
    storm = await hold_storm(hold, targets)
    # Connections a pool opened during the storm count from their start.
    database = sorted(set(database) | set(await backends(pool)))
    after = cpu_seconds(database + own)
    spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    storm.database_cpu = sum(spent.get(pid, 0.0) for pid in database)
    storm.scheduler_cpu = spent.get(scheduler_pid, 0.0) if scheduler_pid else storm.client_cpu
    return storm


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


async def over_grpc(url: str, pool: asyncpg.Pool) -> tuple[list[tuple[str, float, float]], Storm]:
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
            storm = await measured_storm(pool, grpc_hold(stub), hold_targets(2), server.pid)
            return found, storm
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
        pool = await create_pool(url, "scheduler", min_size=10, max_size=10)
        async with pool.acquire() as conn:
            await migrate_service(conn, "scheduler")
        await seed(pool)
        directory = SpaDirectory([parse_spa(spa_yaml())])
        catalog, calendar = build(pool, directory)
        _, cached = build(pool, directory, await listening(pool, url, stop), stop)
        rules = catalog.rules(SPA)
        async with pool.acquire() as conn:
            service = rules.services["botox"]
            busy = await pg_rows.busy(conn, SPA, search_window(service, query(), NOW))
        rows = await find_slot_rows(rules, busy, calendar, cached)
        grpc_rows, grpc_storm = await over_grpc(url, pool)
        rows += grpc_rows
        direct = await measured_storm(pool, direct_hold(cached), hold_targets(4), None)
        doubles = await double_bookings(pool)
        stop.set()
        await pool.close()
        report(rows, [("over gRPC", grpc_storm), ("in process", direct)], doubles, load_before)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def report(
    rows: list[tuple[str, float, float]],
    storms: list[tuple[str, Storm]],
    doubles: int,
    load_before: float,
) -> None:
    print(
        f"\n{PROVIDERS} providers, {APPOINTMENTS} appointments over {DAYS} days;"
        f" {SAMPLES} samples each\n"
    )
    print(f"{'FindSlots over 14 days':<34}{'p50 ms':>9}{'p99 ms':>9}")
    for label, p50, p99 in rows:
        print(f"{label:<34}{p50:>9.2f}{p99:>9.2f}")
    print(
        f"\n{'HoldSlot, ' + str(CLIENTS) + ' concurrent clients':<34}{'holds/s':>9}{'held':>6}"
        f"{'taken':>7}   CPU ms per attempt: scheduler / PostgreSQL / clients"
    )
    for label, s in storms:
        cpu = (
            f"{s.ms_per_hold(s.scheduler_cpu):.2f} / {s.ms_per_hold(s.database_cpu):.2f}"
            f" / {s.ms_per_hold(s.client_cpu):.2f}"
        )
        if label == "in process":
            cpu = f"{s.ms_per_hold(s.scheduler_cpu):.2f} (with clients) / {s.ms_per_hold(s.database_cpu):.2f}"
        print(f"{label:<34}{s.held / s.seconds:>9.0f}{s.held:>6}{s.refused:>7}   {cpu}")
    print(f"\ndouble bookings in the database: {doubles}")
    print(
        f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f},"
        f" on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    asyncio.run(main())
