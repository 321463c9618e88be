"""Writes a transaction owes but never reads back, gathered and written together at its end.

A consumed event's handler records a dozen rows of this kind (audit entries, outbox
events); one round trip each was most of a handler's time in the database. Inside
`deferring(conn)`, `audit()` and `outbox.record()` on that connection queue their rows,
and the block's successful end writes each kind in one statement, still inside the
caller's transaction, so the rows commit or roll back with the change they describe.
Anywhere else they write at once.

A block must not roll back to a savepoint after such a write: what it gathered before
would still be written. Handlers opt in (`gathered`) for that reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg

Writer = Callable[[asyncpg.Connection, Sequence[Any]], Awaitable[None]]


class Deferred:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._rows: dict[Hashable, tuple[Writer, list[Any]]] = {}

    def add(self, kind: Hashable, writer: Writer, row: object) -> None:
        """Queue `row`; at the end every row of one kind goes to its writer at once."""
        self._rows.setdefault(kind, (writer, []))[1].append(row)

    async def flush(self) -> None:
        rows, self._rows = self._rows, {}
        for writer, batch in rows.values():
            await writer(self.conn, batch)


# Per task: handlers running side by side each gather their own.
_current: ContextVar[Deferred | None] = ContextVar("medspa_deferred_writes", default=None)


def deferred_for(conn: asyncpg.Connection) -> Deferred | None:
    """The writes being gathered for this connection, if a `deferring` block is open on it
    (another connection in the same task writes at once)."""
    current = _current.get()
    return current if current is not None and current.conn is conn else None


@asynccontextmanager
async def deferring(conn: asyncpg.Connection) -> AsyncIterator[Deferred]:
    """Gather the block's audit and outbox writes on `conn`; write them when it succeeds.
    Call inside the transaction: a block that raises writes nothing."""
    gathered = Deferred(conn)
    token = _current.set(gathered)
    try:
        yield gathered
    finally:
        _current.reset(token)
    await gathered.flush()


Handler = Callable[[asyncpg.Connection, Any, Any], Awaitable[None]]


def gathered(handler: Handler) -> Handler:
    """`handler` with its audit and outbox writes gathered (see `deferring`). Only for a
    handler that never rolls back to a savepoint after such a write: the rows gathered
    before it would still be written."""

    async def run(conn: asyncpg.Connection, envelope: Any, message: Any) -> None:
        async with deferring(conn):
            await handler(conn, envelope, message)

    return run
