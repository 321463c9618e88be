"""Lapses links whose hold ran out: deposit.expired tells the scheduler to let the
hold go and the agent to offer another time.

The expiry is a column; this wakes when the earliest falls due (or at a
NOTIFY from a new deposit), and expires a batch with FOR UPDATE SKIP LOCKED so
replicas share the work.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from payments.adapters import rows
from payments.domain.machine import Lapsed
from payments.flow.transitions import Transitions
from payments.ports import Clock


class ExpirySweeper:
    def __init__(
        self, pool: asyncpg.Pool, transitions: Transitions, clock: Clock, batch: int = 100
    ) -> None:
        self._pool = pool
        self._transitions = transitions
        self._clock = clock
        self._batch = batch

    async def sweep(self) -> datetime | None:
        """Lapse every due link; answers when the next one falls due."""
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                due = await rows.due(conn, self._clock.now(), self._batch)
                for record in due:
                    await self._transitions.fire(conn, record, Lapsed(), {"source": "clock"})
            if len(due) < self._batch:
                break
        async with self._pool.acquire() as conn:
            return await rows.next_expiry(conn)
