"""Tells every replica's busy-time cache, and the outbox relay, of committed holds: a
batch at a time, after the holds, outside their statements.

A NOTIFY makes its transaction's commit wait for every other notifying transaction
in the database (PostgreSQL serialises them on one lock, held through the commit's
flush to disk), so with a notify in each hold, fifty concurrent holds commit one by
one, and a hold whose process is paused by a busy CPU stalls all the others. Holds
therefore notify nobody; this task sends the news of the holds committed meanwhile
in one short transaction: one `scheduler_busy` notice per batch (a JSON array of what
the trigger of migration 0004 says of one appointment) and one wake-up of the relay.

The news is only a hint. A hold is decided against the database's exclusion
constraints whatever a cache believes, and the relay also polls, so news that is
late or lost (the process dies between a hold and its news) costs a refused hold
with alternatives, or a moment's delay of an event, never a double booking; a
cache also reads each spa afresh now and then (see busy_cache.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import asyncpg

from medspa_kit.outbox import NOTIFY_CHANNEL
from scheduler.adapters.busy_cache import CHANNEL
from scheduler.adapters.sweeper import first_set
from scheduler.domain.appointments import BLOCKING, Appointment
from scheduler.domain.intervals import Interval

log = logging.getLogger(__name__)

# A NOTIFY payload must stay under 8000 bytes; a hold's notice is about 200.
MAX_PAYLOAD = 7000
RETRY_S = 1.0
_TRANSIENT = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
_TELL = (
    "WITH busy AS (SELECT pg_notify($1, n) FROM unnest($2::text[]) n)"
    " SELECT (SELECT count(*) FROM busy), pg_notify($3, current_schema())"
)


def notice(appt: Appointment, blocked: Interval) -> dict[str, object]:
    """What the database's trigger says of an appointment (ids and bounds only)."""
    return {
        "s": appt.spa_id,
        "i": appt.id,
        "v": appt.version,
        "p": appt.provider_id,
        "r": list(appt.resource_ids),
        "l": blocked[0],
        "h": blocked[1],
        "b": appt.status in BLOCKING,
    }


def batches(notices: list[str]) -> list[str]:
    """JSON arrays of notices, each small enough for one NOTIFY."""
    out: list[str] = []
    chunk: list[str] = []
    size = 2
    for item in notices:
        if chunk and size + len(item) + 1 > MAX_PAYLOAD:
            out.append(f"[{','.join(chunk)}]")
            chunk, size = [], 2
        chunk.append(item)
        size += len(item) + 1
    if chunk:
        out.append(f"[{','.join(chunk)}]")
    return out


class HoldNews:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._sent = asyncio.Event()
        self._sent.set()

    def held(self, appt: Appointment, blocked: Interval) -> None:
        """A hold was committed: say so with the next batch."""
        self._pending.append(json.dumps(notice(appt, blocked), separators=(",", ":")))
        self._sent.clear()
        self._wake.set()

    async def sent(self) -> None:
        """Return once every hold told so far has been announced (for tests and fences)."""
        await self._sent.wait()

    async def send(self) -> int:
        """Announce what is pending; returns how many holds."""
        if not self._pending:
            return 0
        taken = len(self._pending)
        async with self._pool.acquire() as conn:
            await conn.execute(_TELL, CHANNEL, batches(self._pending[:taken]), NOTIFY_CHANNEL)
        del self._pending[:taken]
        if not self._pending:
            self._sent.set()
        return taken

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await first_set(stop, self._wake, 60.0)
                self._wake.clear()
                try:
                    while await self.send():
                        pass
                except _TRANSIENT as exc:
                    log.warning(
                        "hold news not sent, will retry", extra={"error": type(exc).__name__}
                    )
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), RETRY_S)
                    self._wake.set()
        finally:
            # What is still pending on the way out goes now, if it can.
            with contextlib.suppress(*_TRANSIENT):
                await self.send()
