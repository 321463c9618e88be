"""Live updates for every open console page, across replicas.

A change commits with `pg_notify('console_live', {spa_id, topic, id})`; each replica
LISTENs on one connection and fans the notice out to its own server-sent-event
streams for that spa. Notices carry ids and topics only, never patient data: the
page fetches what changed through an audited read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "console_live"
# Bounded so one stalled browser cannot hold a replica's memory; a full queue drops the
# notice and the page's next refresh catches up.
QUEUE_SIZE = 100


async def announce(conn: asyncpg.Connection, spa_id: str, topic: str, subject_id: str) -> None:
    """Call inside the change's transaction: PostgreSQL delivers it at commit, or never."""
    payload = json.dumps({"spa_id": spa_id, "topic": topic, "id": subject_id})
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)


class LiveHub:
    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[dict[str, str]]]] = {}

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except json.JSONDecodeError:
            return
        for queue in self._listeners.get(notice.get("spa_id", ""), set()):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(notice)

    async def run(self, pool: asyncpg.Pool, stop: asyncio.Event) -> None:
        conn = await pool.acquire()
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
            await stop.wait()
        finally:
            with contextlib.suppress(Exception):
                await conn.remove_listener(CHANNEL, self._on_notify)
            await pool.release(conn)

    @contextlib.asynccontextmanager
    async def subscribe(self, spa_id: str) -> AsyncIterator[asyncio.Queue[dict[str, str]]]:
        queue: asyncio.Queue[dict[str, str]] = asyncio.Queue(QUEUE_SIZE)
        self._listeners.setdefault(spa_id, set()).add(queue)
        try:
            yield queue
        finally:
            self._listeners[spa_id].discard(queue)
