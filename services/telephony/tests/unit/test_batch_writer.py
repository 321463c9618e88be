"""The batch writer: requests that arrive together share one statement, a retry beside its
original shares its result, a failed statement fails every request in it, and closing writes
what is already waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from medspa_kit.outbox import NOTIFY_CHANNEL
from telephony.adapters import calls_store, inbound_texts
from telephony.adapters.batching import BatchWriter, WriterClosed


class FakeConnection:
    def is_closed(self) -> bool:
        return False


class FakePool:
    def __init__(self) -> None:
        self.acquired = 0
        self.released = 0

    async def acquire(self) -> FakeConnection:
        self.acquired += 1
        return FakeConnection()

    async def release(self, _: FakeConnection) -> None:
        self.released += 1


class Statements:
    def __init__(self, fail: Exception | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail

    async def __call__(self, _: Any, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a round trip, during which more requests arrive
        if self.fail is not None:
            raise self.fail
        return [f"wrote {item}" for item in items]


def writer(pool: FakePool, statements: Statements) -> BatchWriter[str, str]:
    return BatchWriter(pool, statements, key=lambda item: item, max_batch=10)  # type: ignore[arg-type]


async def test_requests_arriving_together_share_statements_on_one_kept_connection() -> None:
    pool, statements = FakePool(), Statements()
    batch = writer(pool, statements)

    results = await asyncio.gather(*(batch.submit(f"t{n}") for n in range(25)))

    assert results == [f"wrote t{n}" for n in range(25)]
    assert sorted(i for b in statements.batches for i in b) == sorted(f"t{n}" for n in range(25))
    assert len(statements.batches) < 25 and max(map(len, statements.batches)) <= 10
    assert (pool.acquired, pool.released) == (1, 0)
    await batch.close()
    assert pool.released == 1


async def test_a_retry_beside_its_original_is_written_once() -> None:
    statements = Statements()
    batch = writer(FakePool(), statements)
    results = await asyncio.gather(*(batch.submit("same") for _ in range(4)))
    assert results == ["wrote same"] * 4
    assert statements.batches == [["same"]]
    await batch.close()


async def test_a_failed_statement_fails_every_request_in_it() -> None:
    batch = writer(FakePool(), Statements(fail=RuntimeError("database said no")))
    outcomes = await asyncio.gather(
        *(batch.submit(f"t{n}") for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    await batch.close()


async def test_closing_writes_what_waits_then_refuses_more() -> None:
    statements = Statements()
    batch = writer(FakePool(), statements)
    waiting = [asyncio.ensure_future(batch.submit(f"t{n}")) for n in range(3)]
    await asyncio.sleep(0)
    await batch.close()
    assert [await w for w in waiting] == ["wrote t0", "wrote t1", "wrote t2"]
    with pytest.raises(WriterClosed):
        await batch.submit("late")


def test_statements_name_the_kit_channel_and_the_shared_inbox_consumer() -> None:
    # Written as literals in the SQL; the relay only wakes on the kit's channel.
    assert f"pg_notify('{NOTIFY_CHANNEL}'" in inbound_texts._WRITE
    assert f"pg_notify('{NOTIFY_CHANNEL}'" in calls_store._CLAIM_SPOKEN
    assert f"SELECT '{inbound_texts.INBOX_CONSUMER}', sid" in inbound_texts._WRITE
