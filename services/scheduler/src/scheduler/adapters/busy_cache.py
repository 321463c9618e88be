"""Every spa's busy time in memory, kept current by PostgreSQL LISTEN/NOTIFY.

A search reads a fortnight of busy time: from the database that is thousands of
ranges per call, most of the call's time. Here a replica loads a spa's busy time
once, on its first search, then follows each change as it is told on
`scheduler_busy`: by a trigger at commit for every change to an appointment (its
new state and version, see migration 0004), and for new holds by the replica that
took them, in batches just after (hold_news.py, which says why). It applies its own
writes at once, so a caller finds what it has just done, and reads each spa afresh
every few minutes, so news lost with a replica that died cannot linger.

The cache only says where to look. A hold is decided in its own transaction
against the database and its exclusion constraints, so a moment of staleness
(another replica's hold not yet heard of) costs a refused hold with
alternatives, never a double booking. While the listening connection is down
nothing is answered from memory (callers read PostgreSQL), and every spa is
loaded afresh once it is back, since notices sent meanwhile are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from bisect import insort
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from scheduler.adapters import pg_rows as rows
from scheduler.adapters.sweeper import first_set
from scheduler.domain.appointments import BLOCKING, Appointment
from scheduler.domain.availability import Busy
from scheduler.domain.intervals import Interval
from scheduler.ports import Clock

log = logging.getLogger(__name__)

CHANNEL = "scheduler_busy"
# Past busy time never matters to a search; a day of it is kept so a late notice about
# a visit that just ended still finds its entry.
KEEP_PAST_S = 86_400
_TRANSIENT = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
_BLOCKING = sorted(s.value for s in BLOCKING)


@dataclass(frozen=True, slots=True)
class Taken:
    """What one appointment ties up, as of one version of its row."""

    version: int
    provider_id: str
    resource_ids: tuple[str, ...]
    lo: int
    hi: int
    blocking: bool


def _without(intervals: list[Interval], item: Interval) -> list[Interval]:
    out = list(intervals)
    with contextlib.suppress(ValueError):
        out.remove(item)
    return out


class SpaBusy:
    """One spa's taken time. Lists are replaced, never changed in place, so a `Busy`
    handed to a search stays as it was while notices keep arriving."""

    def __init__(self) -> None:
        self.taken: dict[str, Taken] = {}
        self.providers: dict[str, list[Interval]] = {}
        self.resources: dict[str, list[Interval]] = {}

    def apply(self, appointment_id: str, new: Taken, *, stored: bool = True) -> None:
        """`stored`: the row's own values (the database's notice or read) win over a
        replica's own account of the same version, whose bounds come from its rules."""
        old = self.taken.get(appointment_id)
        if old is not None and (
            old == new or old.version > new.version or (old.version == new.version and not stored)
        ):
            return
        self.taken[appointment_id] = new
        if old is not None and old.blocking:
            self._change(old, _without)
        if new.blocking:
            self._change(new, _with)

    def _change(
        self, item: Taken, how: Callable[[list[Interval], Interval], list[Interval]]
    ) -> None:
        span = (item.lo, item.hi)
        self.providers[item.provider_id] = how(self.providers.get(item.provider_id, []), span)
        for resource_id in item.resource_ids:
            self.resources[resource_id] = how(self.resources.get(resource_id, []), span)

    def snapshot(self) -> Busy:
        return Busy(dict(self.providers), dict(self.resources))

    def prune(self, before: int) -> None:
        for appointment_id, item in list(self.taken.items()):
            if item.hi < before:
                del self.taken[appointment_id]
                if item.blocking:
                    self._change(item, _without)


def _with(intervals: list[Interval], item: Interval) -> list[Interval]:
    out = list(intervals)
    insort(out, item)
    return out


def _taken(appt: Appointment, blocked: Interval) -> Taken:
    return Taken(
        appt.version,
        appt.provider_id,
        appt.resource_ids,
        blocked[0],
        blocked[1],
        appt.status in BLOCKING,
    )


class BusyCache:
    def __init__(
        self,
        pool: asyncpg.Pool,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        clock: Clock,
        *,
        check_s: float = 5.0,
        refresh_s: float = 300.0,
    ) -> None:
        self._pool = pool
        self._connect = connect
        self._clock = clock
        self._check_s = check_s
        self._refresh_s = refresh_s
        self._spas: dict[str, SpaBusy] = {}
        # Notices heard while a spa is being read, applied once the read is in.
        self._pending: dict[str, list[tuple[str, Taken, bool]]] = {}
        self._reads: dict[str, asyncio.Future[SpaBusy | None]] = {}
        # Bumped whenever the connection comes or goes: a read begun before is void.
        self._epoch = 0
        self.live = asyncio.Event()

    async def busy(self, spa_id: str) -> Busy | None:
        """The spa's busy time, or None while the cache cannot vouch for it."""
        if not self.live.is_set():
            return None
        spa = self._spas.get(spa_id)
        if spa is None:
            read = self._reads.get(spa_id)
            if read is None:
                read = asyncio.ensure_future(self._read(spa_id, self._epoch))
                self._reads[spa_id] = read
                read.add_done_callback(lambda _: self._reads.pop(spa_id, None))
            spa = await asyncio.shield(read)
        return spa.snapshot() if spa is not None else None

    async def _read(self, spa_id: str, epoch: int) -> SpaBusy | None:
        self._pending[spa_id] = []
        try:
            async with self._pool.acquire() as conn:
                found = await conn.fetch(
                    "SELECT id, version, provider_id, resource_ids, block_lo, block_hi"
                    " FROM appointments WHERE spa_id = $1 AND status = ANY($2::text[])"
                    " AND blocked && tstzrange($3, NULL)",
                    spa_id,
                    _BLOCKING,
                    rows.ts(self._clock.now() - KEEP_PAST_S),
                )
        finally:
            heard = self._pending.pop(spa_id, [])
        if epoch != self._epoch:
            return None
        spa = SpaBusy()
        for row in found:
            spa.apply(
                str(row["id"]),
                Taken(
                    row["version"],
                    row["provider_id"],
                    tuple(row["resource_ids"]),
                    row["block_lo"],
                    row["block_hi"],
                    True,
                ),
            )
        for appointment_id, item, stored in heard:
            spa.apply(appointment_id, item, stored=stored)
        self._spas[spa_id] = spa
        return spa

    def _hear(self, spa_id: str, appointment_id: str, item: Taken, *, stored: bool = True) -> None:
        spa = self._spas.get(spa_id)
        if spa is not None:
            spa.apply(appointment_id, item, stored=stored)
        pending = self._pending.get(spa_id)
        if pending is not None:
            pending.append((appointment_id, item, stored))

    def saw(self, appt: Appointment, blocked: Interval) -> None:
        """This replica's own committed write, applied before its caller hears back."""
        self._hear(appt.spa_id, appt.id, _taken(appt, blocked), stored=False)

    def _notice(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        """One appointment's news (the trigger's) or a JSON array of them (hold_news.py)."""
        try:
            data = json.loads(payload)
            for news in data if isinstance(data, list) else [data]:
                item = Taken(
                    int(news["v"]),
                    str(news["p"]),
                    tuple(news["r"]),
                    int(news["l"]),
                    int(news["h"]),
                    bool(news["b"]),
                )
                self._hear(str(news["s"]), str(news["i"]), item)
        except (ValueError, KeyError, TypeError):
            # Unreadable news cannot be applied: forget everything rather than drift.
            log.error("unreadable busy-time notice; reloading every spa")
            self._reset(self.live.is_set())

    def _reset(self, live: bool) -> None:
        self._epoch += 1
        self._spas.clear()
        if live:
            self.live.set()
        else:
            self.live.clear()

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop`, reconnecting (and starting afresh) when the connection drops."""
        while not stop.is_set():
            try:
                await self._listen(stop)
            except _TRANSIENT as exc:
                log.warning(
                    "busy-time listener lost; searches read PostgreSQL meanwhile",
                    extra={"error": type(exc).__name__},
                )
            finally:
                self._reset(live=False)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self._check_s)

    async def _listen(self, stop: asyncio.Event) -> None:
        conn = await self._connect()
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._notice)
            self._reset(live=True)
            log.info("busy-time cache listening")
            fresh_until = asyncio.get_running_loop().time() + self._refresh_s
            while not stop.is_set() and not lost.is_set():
                await first_set(stop, lost, self._check_s)
                if stop.is_set() or lost.is_set():
                    break
                if asyncio.get_running_loop().time() >= fresh_until:
                    # Each spa is read again on its next search.
                    self._reset(live=True)
                    fresh_until = asyncio.get_running_loop().time() + self._refresh_s
                # A connection can die without a word (a dropped network): ask it.
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self._check_s)
                cutoff = self._clock.now() - KEEP_PAST_S
                for spa in self._spas.values():
                    spa.prune(cutoff)
        finally:
            conn.terminate()
