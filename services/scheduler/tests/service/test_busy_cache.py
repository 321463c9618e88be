"""The busy-time cache: what it holds, how it follows the database, and what happens
when it cannot (searches then read PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from scheduler_harness import MONDAY, NAMESPACE, SPA, hold_request, local, phone, utc

from medspa.calendar.v1 import calendar_pb2 as pb
from scheduler.adapters.busy_cache import BusyCache, SpaBusy, Taken
from scheduler.adapters.changes import Changes
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.hold_news import HoldNews
from scheduler.adapters.patients import Patients
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.domain.commands import CancelRequest, HoldRequest
from scheduler.domain.slots import SlotQuery

TEN = local(MONDAY, "10:00")


def taken(version, lo=100, hi=200, blocking=True, provider="ana", rooms=("r1",)) -> Taken:
    return Taken(version, provider, rooms, lo, hi, blocking)


def test_news_about_an_appointment_is_applied_in_version_order():
    spa = SpaBusy()
    spa.apply("a", taken(2, 100, 200))
    spa.apply("a", taken(1, 300, 400))
    assert spa.snapshot().providers["ana"] == [(100, 200)], "an older notice is ignored"
    spa.apply("a", taken(3, blocking=False))
    assert spa.snapshot().providers["ana"] == [] and spa.snapshot().resources["r1"] == []
    spa.apply("a", taken(2, 100, 200))
    assert spa.snapshot().providers["ana"] == [], "a late notice cannot bring it back"


def test_the_stored_row_wins_over_a_replicas_own_account_of_the_same_version():
    spa = SpaBusy()
    spa.apply("a", taken(1, 100, 210), stored=False)
    spa.apply("a", taken(1, 100, 200))
    assert spa.snapshot().providers["ana"] == [(100, 200)]
    spa.apply("a", taken(1, 100, 210), stored=False)
    assert spa.snapshot().providers["ana"] == [(100, 200)]


def test_a_snapshot_stays_as_it_was_while_news_arrives():
    spa = SpaBusy()
    spa.apply("a", taken(1, 100, 200))
    before = spa.snapshot()
    spa.apply("b", taken(1, 300, 400))
    spa.apply("a", taken(2, 500, 600, provider="ben"))
    assert before.providers == {"ana": [(100, 200)]}
    after = spa.snapshot()
    assert after.providers == {"ana": [(300, 400)], "ben": [(500, 600)]}
    assert after.resources == {"r1": [(300, 400), (500, 600)]}


def test_past_time_is_pruned():
    spa = SpaBusy()
    spa.apply("old", taken(1, 100, 200))
    spa.apply("gone", taken(1, 150, 250, blocking=False))
    spa.apply("new", taken(1, 300, 400))
    spa.prune(before=260)
    assert set(spa.taken) == {"new"}
    assert spa.snapshot().providers == {"ana": [(300, 400)]}


class Watched(BusyCache):
    """The cache, with a queue of every spa it heard news about, in order, and one of
    each time it went live (True) or dark (False)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heard: asyncio.Queue[str] = asyncio.Queue()
        self.states: asyncio.Queue[bool] = asyncio.Queue()

    def _hear(self, spa_id, appointment_id, item, *, stored=True) -> None:
        super()._hear(spa_id, appointment_id, item, stored=stored)
        self.heard.put_nowait(spa_id)

    def _reset(self, live: bool) -> None:
        super()._reset(live)
        self.states.put_nowait(live)


async def fence(cache: Watched, pool: asyncpg.Pool) -> None:
    """Wait until the cache has heard every change committed before this call: notices
    reach a listener in commit order, so hearing a marker sent now is enough."""
    marker = f"fence-{uuid.uuid4().hex}"
    async with pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_notify('scheduler_busy', json_build_object('s', $1::text, 'i', 'x',"
            " 'v', 1, 'p', 'x', 'r', '{}'::text[], 'l', 0, 'h', 0, 'b', false)::text)",
            marker,
        )
    while await cache.heard.get() != marker:
        pass


@pytest.fixture
def reconnect() -> asyncio.Event:
    """Set to let the cache connect again after its first connection."""
    return asyncio.Event()


@pytest.fixture
async def watched(pool, database_url, clock, reconnect) -> AsyncIterator[Watched]:
    connections = 0

    async def connect() -> asyncpg.Connection:
        nonlocal connections
        connections += 1
        if connections > 1:
            await reconnect.wait()
        return await asyncpg.connect(
            database_url, server_settings={"application_name": "watched-cache"}
        )

    cache = Watched(pool, connect, clock, check_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(cache.run(stop))
    assert await cache.states.get() is True
    yield cache
    stop.set()
    reconnect.set()
    await task


def other_replica(pool, catalog, cipher, clock, waitlist, news) -> PostgresCalendar:
    """Another scheduler process on the same database, with no cache of its own."""
    events = BookingEvents(NAMESPACE)
    changes = Changes(catalog, clock, events, waitlist)
    return PostgresCalendar(pool, catalog, clock, Patients(cipher), events, changes, news=news)


SOFIA_FIRST = SlotQuery("botox", provider_id="sofia-ramirez", max_results=1)


@pytest.mark.integration
async def test_a_hold_by_another_replica_is_heard(
    calendar, pool, catalog, cipher, clock, waitlist, watched
):
    mine = PostgresCalendar(
        pool,
        catalog,
        clock,
        Patients(cipher),
        BookingEvents(NAMESPACE),
        calendar.changes,
        cache=watched,
    )
    [first] = await mine.find_slots(SPA, SOFIA_FIRST)
    told = HoldNews(pool)
    other = other_replica(pool, catalog, cipher, clock, waitlist, told)
    held = await other.hold(
        HoldRequest(SPA, "r1", "botox", utc(first.start), phone(1), provider_id=first.provider_id)
    )
    assert await told.send() == 1, "the other replica tells of its hold just after"
    await fence(watched, pool)
    [now_first] = await mine.find_slots(SPA, SOFIA_FIRST)
    assert now_first.start != first.start
    await other.cancel(CancelRequest(SPA, held.id, "cancel"))
    await fence(watched, pool)
    assert await mine.find_slots(SPA, SOFIA_FIRST) == [first]


@pytest.mark.integration
async def test_a_replica_finds_its_own_hold_at_once(stub):
    request = pb.FindSlotsRequest(
        spa_id=SPA, service_id="botox", preferences=pb.SlotPreferences(max_results=40)
    )
    before = await stub.FindSlots(request)
    taken_slot = before.slots[0]
    await stub.HoldSlot(hold_request(taken_slot.start.seconds, taken_slot.provider_id))
    after = await stub.FindSlots(request)
    assert (taken_slot.provider_id, taken_slot.start.seconds) not in {
        (s.provider_id, s.start.seconds) for s in after.slots
    }


@pytest.mark.integration
async def test_without_its_connection_the_cache_answers_nothing_and_starts_afresh(
    calendar, pool, watched, reconnect
):
    assert await watched.busy(SPA) is not None
    async with pool.acquire() as conn:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'watched-cache'"
        )
    assert killed == 1
    assert await watched.states.get() is False
    assert await watched.busy(SPA) is None, "searches read PostgreSQL meanwhile"
    reconnect.set()
    assert await watched.states.get() is True
    assert await watched.busy(SPA) is not None


@pytest.mark.integration
async def test_a_cache_that_never_connects_leaves_searches_to_postgres(
    pool, catalog, cipher, clock, waitlist, calendar
):
    async def refuse() -> asyncpg.Connection:
        raise OSError("no route")

    dark = BusyCache(pool, refuse, clock, check_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(dark.run(stop))
    try:
        assert await dark.busy(SPA) is None
        events = BookingEvents(NAMESPACE)
        backend = PostgresCalendar(
            pool, catalog, clock, Patients(cipher), events, calendar.changes, cache=dark
        )
        await backend.hold(
            HoldRequest(SPA, "r1", "botox", utc(TEN), phone(2), provider_id="sofia-ramirez")
        )
        found = await backend.find_slots(SPA, SOFIA_FIRST)
        assert found[0].start != TEN
    finally:
        stop.set()
        await task
