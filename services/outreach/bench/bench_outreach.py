"""Outreach's figures (issue 7), printed as a table.

1. Due jobs claimed and dispatched per second: 100,000 reminders due at once, drained
   by two replicas (two runners, two connection pools) through the whole send path
   (contacts, opt-outs, caps, quiet hours, the text, the command and outreach.sent in
   the outbox, the audit row). Target: over 1,000 a second.
2. The recall due-list for 50,000 patients (each with a pending recall over the year,
   beside the 100,000 finished reminders). Target: under 2 seconds.
3. Missed call to callback under load: missed calls arrive every 25 ms through the real
   handler while both replicas drain a backlog of reminders with their real loops
   (LISTEN/NOTIFY wake-ups, the real clock). Measured to the callback command in the
   outbox; the relay, telephony and Twilio add their own part after that. Target: every
   one within 90 seconds.

The scheduler is faked at its port (contacts answer from memory), so the figures are
outreach's own. A throwaway database is created and dropped.

    .venv/bin/python services/outreach/bench/bench_outreach.py [--jobs N] [--patients N]

Environment: OUTREACH_BENCH_POSTGRES (server URL without a database name).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from medspa.events.v1 import telephony_pb2
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.db import create_pool
from medspa_kit.envelope import Envelope
from medspa_kit.migrate import migrate_service
from outreach.adapters import reports
from outreach.adapters.clock import SystemClock
from outreach.dispatch import Dispatcher
from outreach.domain.rules import Limits
from outreach.handlers import Handlers
from outreach.ports import Contact, Held, HoldRequest, Slot
from outreach.runner import JobRunner
from outreach.work.context import Policy
from spa_config import load_spas

SERVER = os.environ.get("OUTREACH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
SPAS = load_spas(None)
SPA = SPAS.get("lumen-aesthetics")
# Caps out of the way: the figures are about throughput, the rules still run on each send.
LIMITS = Limits(number_daily_cap=10_000_000)
REPLICAS = 2
AUTOVACUUM_EVERY_S = 5.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


class Scheduler:
    """Contacts from memory; nothing else is asked of it by these jobs."""

    def __init__(self, count: int) -> None:
        self.phones = {patient(n): f"+1415{n:07d}" for n in range(count)}

    async def contacts(self, spa_id: str, ids: Sequence[str], purpose: str) -> dict[str, Contact]:
        return {p: Contact(p, self.phones[p], None, False) for p in ids if p in self.phones}

    async def waitlist(self, *args: Any) -> list[str]:
        return []

    async def has_upcoming(self, *args: Any) -> bool:
        return False

    async def find_slots(self, *args: Any) -> list[Slot]:
        return []

    async def hold(self, request: HoldRequest) -> Held:
        raise AssertionError("the bench sends no offers, so nothing is ever held")

    async def confirm(self, *args: Any) -> None:
        return None


def patient(n: int) -> str:
    return f"patient-{n:07d}"


async def fresh_schema(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS outreach CASCADE")
        await migrate_service(conn, "outreach")
    finally:
        await conn.close()


async def seed_reminders(pool: asyncpg.Pool, count: int, due: datetime) -> None:
    start = due + timedelta(hours=24)
    data = json.dumps({"hours": 24, "provider_id": "maya-chen", "start": int(start.timestamp())})
    rows = [
        (
            f"reminder:bench-{n}:24",
            SPA.id,
            "reminder",
            due,
            start,
            f"appt-{n}",
            patient(n),
            "botox",
            data,
            1,
        )
        for n in range(count)
    ]
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(
            "jobs",
            records=rows,
            columns=[
                "key",
                "spa_id",
                "kind",
                "due_at",
                "expires_at",
                "appointment_id",
                "patient_id",
                "service_id",
                "data",
                "priority",
            ],
        )
        await conn.execute("ANALYZE jobs")


async def autovacuum_stand_in(url: str, stop: asyncio.Event) -> None:
    """What autovacuum does in production, for a server that has it switched off (the
    development one does): without fresh statistics the planner reads a table grown by
    thousands of rows as if it were empty, and dead job rows pile up in the due index."""
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SHOW autovacuum") == "on":
            return
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=AUTOVACUUM_EVERY_S)
            await conn.execute("VACUUM (ANALYZE) outreach.jobs, outreach.sends")
    finally:
        await conn.close()


def runner(pool: asyncpg.Pool, cipher: FieldCipher, clock: Any, scheduler: Scheduler) -> JobRunner:
    dispatcher = Dispatcher(
        SPAS, scheduler, scheduler, cipher, Catalog.load("outreach"), Policy(), LIMITS, "bench"
    )
    return JobRunner(pool, dispatcher, cipher, clock, batch_size=200, idle_s=0.2)


def replica(
    url: str, key_file: str, now: datetime, count: int, name: str, start: Any, out: Any
) -> None:
    """One replica in a process of its own, as deployed: its own pool and event loop.
    Answers jobs done, wall start and end, and the CPU seconds it and its PostgreSQL
    sessions used (the machine may be busy with other work; CPU time is what it cost)."""

    async def drain() -> tuple[int, float, float, float, float]:
        cipher = FieldCipher(dev_keyring(Path(key_file)))
        pool = await create_pool(url, "outreach", max_size=4, application_name=name)
        try:
            jobs = runner(pool, cipher, Clock(now), Scheduler(count))
            start.wait()
            began, cpu = time.time(), time.process_time()
            done = await jobs.run_due()
            ended, cpu = time.time(), time.process_time() - cpu
            async with pool.acquire() as conn:
                pids = await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = $1", name
                )
            return done, began, ended, cpu, sum(_backend_cpu(r["pid"]) for r in pids)
        finally:
            await pool.close()

    out.put(asyncio.run(drain()))


def _backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL session has used (Linux, same machine); 0 when unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(url: str, key_file: Path, count: int) -> dict[str, Any]:
    await fresh_schema(url)
    # 10:00 in Los Angeles, outside quiet hours.
    now = datetime(2026, 6, 2, 17, 0, tzinfo=UTC)
    pool = await create_pool(url, "outreach", max_size=2)
    try:
        await seed_reminders(pool, count, now - timedelta(minutes=1))
        context = multiprocessing.get_context("spawn")
        start, out = context.Barrier(REPLICAS), context.Queue()
        workers = [
            context.Process(
                target=replica,
                args=(url, str(key_file), now, count, f"outreach-bench-{n}", start, out),
            )
            for n in range(REPLICAS)
        ]
        stop = asyncio.Event()
        vacuum = asyncio.create_task(autovacuum_stand_in(url, stop))
        for worker in workers:
            worker.start()
        results = [await asyncio.to_thread(out.get) for _ in workers]
        for worker in workers:
            await asyncio.to_thread(worker.join)
        stop.set()
        await vacuum
        elapsed = max(r[2] for r in results) - min(r[1] for r in results)
        async with pool.acquire() as conn:
            sends = await conn.fetchval("SELECT count(DISTINCT command_id) FROM sends")
            commands = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE subject LIKE 'bench.cmd.%'"
            )
    finally:
        await pool.close()
    return {
        "jobs": count,
        "per_replica": [r[0] for r in results],
        "seconds": elapsed,
        "per_second": count / elapsed,
        "sent_once": sends == count == commands,
        "python_ms": sum(r[3] for r in results) / count * 1000,
        "postgres_ms": sum(r[4] for r in results) / count * 1000,
    }


async def recall_list(url: str, patients: int) -> dict[str, Any]:
    pool = await create_pool(url, "outreach", max_size=2)
    as_of = datetime(2026, 6, 2, 17, 0, tzinfo=UTC)
    rng = random.Random(7)
    rows = [
        (
            f"recall:bench-{n}",
            SPA.id,
            "recall",
            as_of + timedelta(days=rng.uniform(-180, 180)),
            as_of + timedelta(days=200),
            f"visit-{n}",
            patient(n),
            "botox",
            json.dumps({"provider_id": "maya-chen"}),
            1,
        )
        for n in range(patients)
    ]
    try:
        async with pool.acquire() as conn:
            await conn.copy_records_to_table(
                "jobs",
                records=rows,
                columns=[
                    "key",
                    "spa_id",
                    "kind",
                    "due_at",
                    "expires_at",
                    "appointment_id",
                    "patient_id",
                    "service_id",
                    "data",
                    "priority",
                ],
            )
            await conn.execute("ANALYZE jobs")
            timings, found = [], 0
            for _ in range(7):
                started = time.perf_counter()
                due = await reports.recall_due(conn, SPA.id, as_of, patients)
                timings.append(time.perf_counter() - started)
                found = len(due)
    finally:
        await pool.close()
    return {
        "patients": patients,
        "due": found,
        "p50": statistics.median(timings),
        "max": max(timings),
    }


async def callbacks_under_load(
    url: str, cipher: FieldCipher, backlog: int, calls: int
) -> dict[str, Any]:
    await fresh_schema(url)
    clock = SystemClock()
    scheduler = Scheduler(backlog)
    pools = [await create_pool(url, "outreach", max_size=4) for _ in range(2)]
    stop = asyncio.Event()
    handlers = Handlers(
        SPAS,
        cipher,
        clock,
        Policy().timing,
        missed_call_cooldown=timedelta(minutes=30),
    )
    try:
        await seed_reminders(pools[0], backlog, clock.now() - timedelta(minutes=1))
        loops = [asyncio.create_task(runner(p, cipher, clock, scheduler).run(stop)) for p in pools]
        for n in range(calls):
            event = telephony_pb2.CallMissed(
                spa_id=SPA.id,
                call_sid=f"CA{n}",
                from_phone=cipher.seal(f"+1628{n:07d}", Purpose.PHONE),
            )
            event.missed_at.FromDatetime(clock.now())
            envelope = Envelope.wrap(SPA.id, event, "bench")
            async with pools[0].acquire() as conn, conn.transaction():
                await handlers.call_missed(conn, envelope, event)
            await asyncio.sleep(0.025)
        async with pools[0].acquire() as conn:
            # The runners answer in their own time; look until every call has its text.
            while await conn.fetchval(  # noqa: ASYNC110
                "SELECT count(*) FROM jobs WHERE kind = 'missed_call_text' AND state = 'pending'"
            ):
                await asyncio.sleep(0.05)
            latencies = [
                float(v)
                for v in await conn.fetch(
                    "SELECT extract(epoch FROM queued_at - triggered_at) FROM sends"
                    " WHERE kind = 'missed_call_text'"
                )
                for v in v.values()
            ]
            drained = await conn.fetchval(
                "SELECT count(*) FROM jobs WHERE kind = 'reminder' AND state = 'done'"
            )
        stop.set()
        await asyncio.gather(*loops)
    finally:
        for pool in pools:
            await pool.close()
    latencies.sort()
    return {
        "calls": calls,
        "answered": len(latencies),
        "p50": statistics.median(latencies),
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "max": latencies[-1],
        "within_90": sum(1 for x in latencies if x <= 90),
        "backlog_sent_meanwhile": drained,
    }


async def main(jobs: int, patients: int, calls: int) -> None:
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER}/{name}"
    key_file = Path(tempfile.mkdtemp()) / "field-keys.json"
    cipher = FieldCipher(dev_keyring(key_file))
    try:
        first = await throughput(url, key_file, jobs)
        second = await recall_list(url, patients)
        third = await callbacks_under_load(url, cipher, jobs // 5, calls)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\noutreach bench: {os.cpu_count()} CPUs, load average {load}")
    print(
        "(where the server runs without autovacuum, the bench vacuums and analyzes the job"
        f" and send tables every {AUTOVACUUM_EVERY_S:.0f} s, as autovacuum would)\n"
    )
    print(f"{'measure':<58}{'result':>16}{'target':>14}")
    print("-" * 88)
    rows = [
        (
            f"due jobs claimed and dispatched, {first['jobs']:,} jobs, {REPLICAS} replicas",
            f"{first['per_second']:,.0f}/s",
            "> 1,000/s",
        ),
        ("  jobs per replica", " / ".join(f"{n:,}" for n in first["per_replica"]), ""),
        (
            "  CPU per job: replicas + their PostgreSQL sessions",
            f"{first['python_ms']:.2f} + {first['postgres_ms']:.2f} ms",
            "",
        ),
        (
            "  so, per core with the machine to itself",
            f"{1000 / (first['python_ms'] + first['postgres_ms']):,.0f}/s",
            "",
        ),
        ("  each sent exactly once", "yes" if first["sent_once"] else "NO", "yes"),
        (
            f"recall due-list, {second['patients']:,} patients ({second['due']:,} due), p50",
            f"{second['p50'] * 1000:,.0f} ms",
            "< 2,000 ms",
        ),
        ("  worst of 7", f"{second['max'] * 1000:,.0f} ms", ""),
        (
            f"missed call to callback queued, {third['calls']} calls under load, p50",
            f"{third['p50'] * 1000:,.0f} ms",
            "",
        ),
        ("  p99", f"{third['p99'] * 1000:,.0f} ms", ""),
        ("  max", f"{third['max'] * 1000:,.0f} ms", "< 90,000 ms"),
        ("  within 90 s", f"{third['within_90']}/{third['calls']}", "all"),
        ("  backlog reminders sent meanwhile", f"{third['backlog_sent_meanwhile']:,}", ""),
    ]
    for label, result, target in rows:
        print(f"{label:<58}{result:>16}{target:>14}")
    print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.patients, args.calls))
