"""The due-job runner: a runtime task in every replica.

Each pass claims a batch of due jobs (FOR UPDATE SKIP LOCKED, so replicas take disjoint
batches), runs it and commits, until nothing is due; then it sleeps until the next job
falls due, a handler's NOTIFY says a new job is due now (a missed call), or `idle_s`
passes. The clock is injected, so tests move time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

import asyncpg

from medspa_kit.crypto import FieldCipher
from outreach.adapters import jobs
from outreach.dispatch import Dispatcher
from outreach.metrics import DUE_JOBS, count_jobs
from outreach.ports import Clock
from outreach.sending import CapContention

log = logging.getLogger(__name__)
_TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
# How often each replica samples the due-jobs gauge (the kit samples its own every 15 s).
SAMPLE_S = 15.0


class JobRunner:
    def __init__(
        self,
        pool: asyncpg.Pool,
        dispatcher: Dispatcher,
        cipher: FieldCipher,
        clock: Clock,
        *,
        batch_size: int = 100,
        idle_s: float = 1.0,
    ) -> None:
        self._pool = pool
        self._dispatcher = dispatcher
        self._cipher = cipher
        self._clock = clock
        self._batch_size = batch_size
        self._idle_s = idle_s
        self._wake = asyncio.Event()

    async def run_batch(self) -> int:
        """Claim and run one batch; answers how many jobs it claimed (0: none due)."""
        try:
            return await self._batch(locked=False)
        except CapContention:
            # Near a number's daily cap with another replica: undone, and run again
            # holding the count's lock from the start.
            return await self._batch(locked=True)

    async def _batch(self, *, locked: bool) -> int:
        now = self._clock.now()
        tally = None
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await jobs.claim(conn, now, self._batch_size, self._cipher)
            if rows:
                tally = await self._dispatcher.run(conn, rows, now, locked=locked)
        # Counted once committed: a batch rolled back is run again and counted then.
        if tally:
            count_jobs(tally)
        return len(rows)

    async def run_due(self) -> int:
        """Run batches until nothing is due; answers how many jobs ran."""
        total = 0
        while claimed := await self.run_batch():
            total += claimed
        return total

    async def next_due(self) -> datetime | None:
        async with self._pool.acquire() as conn:
            return await jobs.next_due(conn)

    def nudge(self, *_: object) -> None:
        self._wake.set()

    async def sample_due(self) -> int:
        """Set the due-jobs gauge from the table; answers the count."""
        async with self._pool.acquire() as conn:
            due = await jobs.due_count(conn, self._clock.now())
        DUE_JOBS.set(due)
        return due

    async def sample(self, stop: asyncio.Event, every_s: float = SAMPLE_S) -> None:
        """Sample the due-jobs gauge until stopped (a runtime task in every replica)."""
        while not stop.is_set():
            try:
                await self.sample_due()
            except _TRANSIENT as exc:
                log.warning("due-jobs sample failed", extra={"error": repr(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every_s)

    async def run(self, stop: asyncio.Event) -> None:
        listener = await self._pool.acquire()
        await listener.add_listener(jobs.CHANNEL, self.nudge)
        try:
            while not stop.is_set():
                self._wake.clear()
                wait = self._idle_s
                try:
                    await self.run_due()
                    due = await self.next_due()
                    if due is not None:
                        wait = min(wait, max(0.0, (due - self._clock.now()).total_seconds()))
                except _TRANSIENT as exc:
                    log.warning("job runner pass failed, will retry", extra={"error": repr(exc)})
                await _first_of(stop, self._wake, wait)
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(jobs.CHANNEL, self.nudge)
            await self._pool.release(listener)


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
