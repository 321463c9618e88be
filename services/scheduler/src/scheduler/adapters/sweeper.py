"""Expires holds whose time ran out: the expiry is a column, this is its sweeper.

It wakes when the earliest hold falls due (or when told of a new hold due before
its next look, or at the latest every `idle_s`), expires a batch with FOR UPDATE
SKIP LOCKED so replicas share the work, and records booking.cancelled
(hold_expired) for each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from scheduler.adapters import pg_rows as rows
from scheduler.adapters.changes import Changes
from scheduler.adapters.metrics import counted
from scheduler.ports import Clock

log = logging.getLogger(__name__)
_TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class HoldSweeper:
    def __init__(
        self,
        pool: asyncpg.Pool,
        changes: Changes,
        clock: Clock,
        *,
        batch: int = 100,
        idle_s: float = 5.0,
    ) -> None:
        self._pool = pool
        self._changes = changes
        self._clock = clock
        self._batch = batch
        self._idle_s = idle_s
        self._wake = asyncio.Event()
        # When the sweeper means to look next (epoch seconds).
        self._next_look = 0

    def nudge(self, due: int | None = None) -> None:
        """A hold was taken, falling due at `due` (unknown: None): look again now if that
        is before the next look. Most holds fall due minutes after it, so a busy calendar
        does not keep the sweeper querying after every hold."""
        if due is None or due < self._next_look:
            self._wake.set()

    async def sweep(self) -> int:
        """Expire every due hold, batch by batch; returns how many."""
        total = 0
        while True:
            async with counted(), self._pool.acquire() as conn, conn.transaction():
                done = await self._changes.expire_due(conn, self._batch)
            total += done
            if done < self._batch:
                return total

    async def _next_wait(self) -> float:
        async with self._pool.acquire() as conn:
            due = await rows.next_hold_expiry(conn)
        if due is None:
            return self._idle_s
        return min(self._idle_s, max(0.0, due - self._clock.now()))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before looking: a nudge that comes while it looks is not lost.
            self._wake.clear()
            try:
                expired = await self.sweep()
                if expired:
                    log.info("holds expired", extra={"count": expired})
                wait = await self._next_wait()
            except _TRANSIENT as exc:
                log.warning("hold sweep failed, will retry", extra={"error": type(exc).__name__})
                wait = self._idle_s
            self._next_look = self._clock.now() + int(wait)
            await first_set(stop, self._wake, wait)


async def first_set(stop: asyncio.Event, wake: asyncio.Event, at_most_s: float) -> None:
    """Return when either event is set, or after `at_most_s`."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=at_most_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
