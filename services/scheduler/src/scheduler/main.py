"""The composition root: build the adapters around the domain, wire them, start."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI

from medspa_kit.runtime import Runtime, Wire, main_entry, run_service
from scheduler.adapters.busy_cache import BusyCache
from scheduler.adapters.changes import Changes
from scheduler.adapters.clock import SystemClock
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.events import BookingEvents
from scheduler.adapters.grpc_server import CalendarServer, CalendarServicer
from scheduler.adapters.hold_news import HoldNews
from scheduler.adapters.patient_directory import PostgresPatientDirectory
from scheduler.adapters.patients import Patients
from scheduler.adapters.postgres_backend import PostgresCalendar
from scheduler.adapters.retention import RetentionPurge
from scheduler.adapters.sweeper import HoldSweeper
from scheduler.adapters.waitlist import PostgresWaitlist
from scheduler.api import IcalFeeds
from scheduler.handlers import DepositHandlers, OptoutHandlers
from scheduler.settings import SchedulerSettings

NAME = "scheduler"


async def listener(database_url: str) -> asyncpg.Connection:
    """The busy-time cache's own connection: it only listens, so it stays out of the pool."""
    connection: asyncpg.Connection = await asyncpg.connect(
        database_url, server_settings={"application_name": f"{NAME}-busy"}
    )
    return connection


def wiring(settings: SchedulerSettings, feeds: IcalFeeds) -> Wire:
    async def wire(runtime: Runtime) -> None:
        catalog = ConfigCatalog(runtime.spas)
        clock = SystemClock()
        events = BookingEvents(settings.bus_namespace)
        patients = Patients(runtime.cipher)
        waitlist = PostgresWaitlist(runtime.pool, catalog, clock, patients)
        changes = Changes(catalog, clock, events, waitlist)
        sweeper = HoldSweeper(runtime.pool, changes, clock, idle_s=settings.sweep_idle_s)
        cache = BusyCache(runtime.pool, lambda: listener(settings.database_url), clock)
        runtime.tasks.append(cache.run(runtime.stop))
        news = HoldNews(runtime.pool)
        runtime.tasks.append(news.run(runtime.stop))
        backend = PostgresCalendar(
            runtime.pool,
            catalog,
            clock,
            patients,
            events,
            changes,
            on_hold=sweeper.nudge,
            cache=cache,
            news=news,
        )
        deposits = DepositHandlers(changes)
        runtime.consumer.register("evt", "deposit.paid", deposits.paid)
        runtime.consumer.register("evt", "deposit.expired", deposits.expired)
        runtime.consumer.register("evt", "optout.changed", OptoutHandlers(patients).changed)
        runtime.tasks.append(sweeper.run(runtime.stop))
        purge = RetentionPurge(runtime.pool, catalog, clock, every_s=settings.purge_every_s)
        runtime.tasks.append(purge.run(runtime.stop))
        feeds.bind(runtime.pool, catalog, runtime.cipher, patients, clock)
        directory = PostgresPatientDirectory(runtime.pool, catalog, patients, clock)
        server = CalendarServer(
            CalendarServicer(catalog, backend, directory, waitlist),
            settings.host,
            settings.grpc_port,
        )
        await server.start()
        runtime.closers.append(server.stop)

    return wire


async def main() -> None:
    settings = SchedulerSettings()
    feeds = IcalFeeds()
    app = FastAPI(title=NAME)
    app.include_router(feeds.router())
    await run_service(
        NAME, settings, wiring(settings, feeds), port=settings.port, host=settings.host, app=app
    )


def run() -> None:
    main_entry(main)
