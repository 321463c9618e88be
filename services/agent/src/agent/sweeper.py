"""Closes conversations that have gone quiet and says how they ended (conversation.summarized).

Runs in every replica; `FOR UPDATE SKIP LOCKED` gives each idle conversation to
exactly one of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from agent.conversations import Conversations
from spa_config import SpaDirectory, UnknownSpa

log = logging.getLogger(__name__)
BATCH = 50


class IdleSweeper:
    def __init__(
        self,
        pool: asyncpg.Pool,
        conversations: Conversations,
        spas: SpaDirectory,
        *,
        idle_hours: int,
        every_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool = pool
        self._conversations = conversations
        self._spas = spas
        self._idle = timedelta(hours=idle_hours)
        self._every_s = every_s
        self._clock = clock

    async def sweep_once(self) -> int:
        """Close one batch of idle conversations; returns how many were closed."""
        async with self._pool.acquire() as conn, conn.transaction():
            closed = await self._conversations.store.close_idle(
                conn, self._clock() - self._idle, BATCH
            )
            for item in closed:
                try:
                    spa = self._spas.get(item.conversation.spa_id)
                except UnknownSpa:
                    continue
                await self._conversations.summarize(conn, spa, item)
        if closed:
            log.info("closed idle conversations", extra={"count": len(closed)})
        return len(closed)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                while await self.sweep_once() == BATCH:
                    continue
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("idle sweep failed, will retry", extra={"error": type(exc).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._every_s)
