"""Replicas share the due jobs without sending anything twice, and a replica that dies
mid-batch loses nothing: its claimed rows go back to the queue when its transaction dies."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from outreach_world import SPA, World, booking, la

from medspa.events.v1 import booking_pb2, telephony_pb2
from medspa_kit.db import create_pool
from outreach.domain.rules import Limits

pytestmark = pytest.mark.integration


async def many_reminders(world: World, count: int) -> None:
    """`count` patients with a visit on Friday: their 48-hour reminders fall due together."""
    for n in range(count):
        patient = f"p{n:04d}"
        world.scheduler.add_patient(patient, f"+1415555{n:04d}")
        await world.event(
            booking_pb2.BookingConfirmed(booking=booking(la(5, 11), patient_id=patient))
        )
    await world.run()  # the attribution looks, so only reminders are left
    world.clock.set(la(3, 11))


async def test_two_replicas_share_the_work_and_send_each_once(world: World) -> None:
    await many_reminders(world, 240)
    both_inside = asyncio.Event()
    arrived: list[int] = [0]

    async def gate() -> None:
        # Each replica's first batch waits here until the other also holds one, so
        # the two really claim at the same time.
        arrived[0] += 1
        if arrived[0] == 2:
            both_inside.set()
        if arrived[0] <= 2:
            await asyncio.wait_for(both_inside.wait(), timeout=30)

    world.scheduler.gate = gate
    pool_b = await create_pool(world.database_url, world.schema, max_size=4)
    try:
        ran_a, ran_b = await asyncio.gather(
            world.runner(batch_size=20).run_due(),
            world.runner(pool_b, batch_size=20).run_due(),
        )
    finally:
        await pool_b.close()
    assert ran_a > 0 and ran_b > 0 and ran_a + ran_b == 240
    commands = Counter(s.command_id for s in await world.sent())
    assert len(commands) == 240 and set(commands.values()) == {1}
    states = Counter(j["state"] for j in await world.jobs("reminder") if j["due_at"] <= la(3, 11))
    assert states == {"done": 240}


async def test_a_replica_dying_mid_batch_loses_nothing(world: World) -> None:
    await many_reminders(world, 60)
    stuck = asyncio.Event()
    never = asyncio.Event()

    async def hang_the_first_batch() -> None:
        if not stuck.is_set():
            stuck.set()
            await never.wait()

    world.scheduler.gate = hang_the_first_batch
    doomed_pool = await create_pool(
        world.database_url, world.schema, max_size=2, application_name="doomed-replica"
    )
    doomed = asyncio.create_task(world.runner(doomed_pool, batch_size=25).run_due())
    await asyncio.wait_for(stuck.wait(), timeout=30)
    # While the doomed replica holds 25 claimed rows, the other takes all the rest.
    assert await world.runner(batch_size=10).run_due() == 35
    assert len(await world.sent()) == 35
    # The replica dies: its database sessions end (the call waits until they have), and
    # PostgreSQL rolls its batch back.
    async with world.pool.acquire() as conn:
        ended = await conn.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 30000))"
            " FROM pg_stat_activity WHERE application_name = 'doomed-replica'"
        )
    assert ended >= 1
    doomed.cancel()
    [death] = await asyncio.gather(doomed, return_exceptions=True)
    assert isinstance(death, BaseException)
    doomed_pool.terminate()
    # A replica started afterwards finds the 25 and sends them, once.
    assert await world.runner().run_due() == 25
    commands = Counter(s.command_id for s in await world.sent())
    assert len(commands) == 60 and set(commands.values()) == {1}


async def test_a_missed_call_jumps_a_backlog_of_reminders(world: World) -> None:
    await many_reminders(world, 30)
    missed = telephony_pb2.CallMissed(
        spa_id=SPA.id, call_sid="CA-urgent", from_phone=world.seal("+14155550177")
    )
    missed.missed_at.FromDatetime(world.clock.now())
    await world.event(missed)
    assert await world.runner(batch_size=5).run_batch() == 5
    first_batch = await world.sent()
    assert "+14155550177" in {s.phone for s in first_batch}


async def test_two_replicas_together_never_pass_the_daily_cap(world: World) -> None:
    world.limits = Limits(number_daily_cap=50)
    await many_reminders(world, 80)
    both_inside = asyncio.Event()
    arrived: list[int] = [0]

    async def gate() -> None:
        # Both replicas read the day's count before either adds to it.
        arrived[0] += 1
        if arrived[0] == 2:
            both_inside.set()
        if arrived[0] <= 2:
            await asyncio.wait_for(both_inside.wait(), timeout=30)

    world.scheduler.gate = gate
    pool_b = await create_pool(world.database_url, world.schema, max_size=4)
    try:
        await asyncio.gather(
            world.runner(batch_size=20).run_due(),
            world.runner(pool_b, batch_size=20).run_due(),
        )
    finally:
        await pool_b.close()
    assert len(await world.sent()) == 50
    waiting = [j for j in await world.jobs("reminder") if j["outcome"] == "number_cap"]
    assert len(waiting) == 30 and {j["due_at"] for j in waiting} == {la(4, 8)}
