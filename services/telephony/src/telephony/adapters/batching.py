"""Many webhooks' writes in one statement: a commit shared by every request waiting for one.

A webhook that only has to be made durable (an ordinary inbound text) hands its row to a
`BatchWriter` and waits. One task writes whatever has gathered since its last statement, in a
single statement on a connection it keeps (no BEGIN, COMMIT or pool reset round trips), and
wakes every waiter when it commits. Alone, a request costs one round trip; under a burst the
statements grow instead of queueing, so the backlog clears at the rate PostgreSQL can take
rows rather than the rate it can take round trips.

A failed statement fails every request in it (each answers 500 and Twilio retries it); a
broken connection is handed back to the pool, which replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

import asyncpg

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")
# Writes a batch in one statement; returns one result per item, in order.
Write = Callable[[asyncpg.Connection, Sequence[Item]], Awaitable[Sequence[Result]]]

_BROKEN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


class WriterClosed(RuntimeError):
    """The service is stopping: the request should be retried (Twilio retries a 503)."""


class BatchWriter(Generic[Item, Result]):
    def __init__(
        self,
        pool: asyncpg.Pool,
        write: Write[Item, Result],
        *,
        key: Callable[[Item], Hashable],
        max_batch: int = 256,
        name: str = "batch-writer",
    ) -> None:
        self._pool = pool
        self._write = write
        self._key = key
        self._max_batch = max_batch
        self._name = name
        # Items waiting for the next statement, by key: a second request for the same key
        # (a webhook retried while the first is still waiting) shares the first one's result.
        self._waiting: dict[Hashable, tuple[Item, asyncio.Future[Result]]] = {}
        self._wake = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def submit(self, item: Item) -> Result:
        """Wait until `item` is written (committed); its result, or the statement's error."""
        if self._closed:
            raise WriterClosed(self._name)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)
        key = self._key(item)
        queued = self._waiting.get(key)
        if queued is None:
            future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
            # Read, so an error nobody is left waiting for is not reported as unretrieved.
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
            queued = self._waiting[key] = (item, future)
            self._wake.set()
        # Shielded: a client that goes away must not cancel the write other requests share.
        return await asyncio.shield(queued[1])

    async def _run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._waiting:
                    keys = list(self._waiting)[: self._max_batch]
                    await self._write_batch([self._waiting.pop(key) for key in keys])
                if self._closed:
                    return
        finally:
            # Only reached early by a bug: nobody may be left waiting forever.
            for _, future in self._waiting.values():
                if not future.done():
                    future.set_exception(WriterClosed(self._name))
            self._waiting.clear()

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self._pool.acquire()
            results = await self._write(self._conn, [item for item, _ in batch])
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
        except Exception as exc:
            if isinstance(exc, _BROKEN):
                await self._drop_connection()
            log.warning(
                "batched write failed",
                extra={"writer": self._name, "rows": len(batch), "error": type(exc).__name__},
            )
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        finally:
            # Cancelled mid-statement (the loop is closing): the outcome is unknown, so the
            # requests fail and Twilio retries them; the inbox drops any that did commit.
            for _, future in batch:
                if not future.done():
                    future.set_exception(WriterClosed(self._name))

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await self._pool.release(conn)

    async def close(self) -> None:
        """Write what is already waiting, then give the connection back."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self._drop_connection()
