"""Background work every replica runs: closing conversations that have gone quiet (and
saying how they ended, conversation.summarized), sending the scheduler the marketing
answers it did not take during the turn, and texting card links kept past a question the
patient never answered.

`FOR UPDATE SKIP LOCKED` gives each row to exactly one replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from agent.adapters.records import Records
from agent.conversations import Conversations
from agent.ports import Calendar, CalendarRefused, CalendarUnavailable
from agent.tools import ConsentState
from spa_config import SpaDirectory, UnknownSpa

log = logging.getLogger(__name__)
BATCH = 50
_TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def every(
    stop: asyncio.Event,
    seconds: float,
    sweep: Callable[[], Awaitable[object]],
    what: str,
    *,
    full: int | None = None,
) -> None:
    """Run `sweep` every `seconds` until `stop` (again at once while it returns a `full`
    batch); PostgreSQL away is retried at the next tick, not fatal."""
    while not stop.is_set():
        try:
            while await sweep() == full and full is not None:
                continue
        except _TRANSIENT as exc:
            log.warning(
                "sweep failed, will retry", extra={"sweep": what, "error": type(exc).__name__}
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


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
        await every(stop, self._every_s, self.sweep_once, "idle sweep", full=BATCH)


class CardLinkSweeper:
    """A card link kept for the answer to a question, when no answer comes: after `quiet` of
    silence the exchange is over, and the link (needed before the visit) goes on its own.
    Staff holding the conversation keep it waiting until they hand it back."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        conversations: Conversations,
        spas: SpaDirectory,
        *,
        quiet_minutes: int,
        every_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool = pool
        self._conversations = conversations
        self._spas = spas
        self._quiet = timedelta(minutes=quiet_minutes)
        self._every_s = every_s
        self._clock = clock

    async def sweep_once(self) -> int:
        """One batch of waiting links; returns how many were texted."""
        now, store, sent = self._clock(), self._conversations.store, 0
        async with self._pool.acquire() as conn, conn.transaction():
            for spa_id, conversation_id in await store.waiting_card_links(
                conn, now - self._quiet, BATCH
            ):
                try:
                    spa = self._spas.get(spa_id)
                except UnknownSpa:
                    continue
                conversation = await store.by_id(conn, spa_id, conversation_id)
                if conversation is None or conversation.state.with_staff:
                    continue
                sent += await self._conversations.send_card_link(conn, spa, conversation, now)
                # Not the patient's activity: the idle clock keeps running from their last word.
                await store.save(conn, conversation, conversation.last_activity_at)
        if sent:
            log.info("kept card links texted", extra={"count": sent})
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        await every(stop, self._every_s, self.sweep_once, "card link sweep")


# Each try is a scheduler call made while the batch's rows are locked: keep batches small.
CONSENT_BATCH = 10
# Waits between tries of an answer the scheduler did not take: soon at first, then hourly.
CONSENT_RETRY = (
    timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1),
)  # fmt: skip


class ConsentRetry:
    """Marketing answers the scheduler was away for (or did not serve yet) during the turn."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        records: Records,
        calendar: Calendar,
        *,
        every_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool = pool
        self._records = records
        self._calendar = calendar
        self._every_s = every_s
        self._clock = clock

    async def retry_once(self) -> dict[ConsentState, int]:
        """One batch of due answers; how many ended in each state."""
        counts = dict.fromkeys(ConsentState, 0)
        now = self._clock()
        async with self._pool.acquire() as conn, conn.transaction():
            due = await self._records.pending_consents(conn, now, CONSENT_BATCH)
            for pending in due:
                try:
                    await self._calendar.set_marketing_consent(pending.request)
                    state = ConsentState.RECORDED
                except CalendarUnavailable:
                    state = ConsentState.PENDING
                except CalendarRefused:
                    state = ConsentState.REFUSED
                wait = CONSENT_RETRY[min(pending.attempts, len(CONSENT_RETRY)) - 1]
                await self._records.consent_tried(
                    conn, pending.request.request_id, state, now, wait
                )
                counts[state] += 1
        if any(counts.values()):
            log.info("marketing answers retried", extra={k.value: n for k, n in counts.items()})
        return counts

    async def run(self, stop: asyncio.Event) -> None:
        await every(stop, self._every_s, self.retry_once, "marketing answer retry")
