"""HTTP beside health: each provider's read-only iCalendar feed at an unguessable URL.

The token is a keyed hash of spa and provider (the field cipher's blind index),
so it needs no table, cannot be guessed, and changes only with the index key.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import asyncpg
from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from medspa_kit.crypto import FieldCipher
from scheduler.adapters import pg_rows as rows
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.patients import Patients
from scheduler.domain.appointments import Status
from scheduler.domain.commands import AppointmentFilter
from scheduler.domain.ical import FeedEvent, initials, render
from scheduler.ports import Clock

FEED_PURPOSE = "ical.feed"
PAST = timedelta(days=7)
AHEAD = timedelta(days=90)
SHOWN = frozenset({Status.HELD, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW})


def feed_token(cipher: FieldCipher, spa_id: str, provider_id: str) -> str:
    digest = cipher.blind_index(f"{spa_id}/{provider_id}", FEED_PURPOSE)
    return base64.b32encode(digest[:20]).decode().lower()


def feed_path(token: str) -> str:
    return f"/calendars/{token}.ics"


class IcalFeeds:
    """The feed routes; bound to the database and spas once the service is wired."""

    def __init__(self) -> None:
        self._feeds: dict[str, tuple[str, str]] = {}
        self._pool: asyncpg.Pool | None = None

    def bind(
        self,
        pool: asyncpg.Pool,
        catalog: ConfigCatalog,
        cipher: FieldCipher,
        patients: Patients,
        clock: Clock,
    ) -> None:
        self._pool, self._catalog, self._patients, self._clock = pool, catalog, patients, clock
        self._feeds = {
            feed_token(cipher, spa_id, provider_id): (spa_id, provider_id)
            for spa_id in catalog.spa_ids()
            for provider_id in catalog.rules(spa_id).providers
        }

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/calendars/{token}.ics", include_in_schema=False)
        async def feed(token: str) -> Response:
            found = self._feeds.get(token)
            if found is None or self._pool is None:
                raise HTTPException(status_code=404)
            return Response(
                await self.render(*found),
                media_type="text/calendar; charset=utf-8",
                headers={"Cache-Control": "private, max-age=300"},
            )

        return router

    async def render(self, spa_id: str, provider_id: str) -> str:
        assert self._pool is not None
        rules = self._catalog.rules(spa_id)
        now = self._clock.now()
        which = AppointmentFilter(
            provider_id=provider_id,
            start=now - int(PAST.total_seconds()),
            end=now + int(AHEAD.total_seconds()),
            statuses=SHOWN,
        )
        async with self._pool.acquire() as conn, conn.transaction():
            found = await rows.find(conn, spa_id, which)
            names = await self._patients.names(
                conn,
                spa_id,
                sorted({a.patient_id for a in found}),
                actor=f"ical-feed:{provider_id}",
                purpose="patient initials in the provider's calendar feed",
            )
        events = [
            FeedEvent(
                appointment=a,
                service_name=rules.services[a.service_id].name
                if a.service_id in rules.services
                else a.service_id,
                initials=initials(names.get(a.patient_id, "")),
                location=", ".join(rules.resources.get(r, r) for r in a.resource_ids),
            )
            for a in found
        ]
        provider = rules.providers[provider_id]
        return render(f"{provider.name} ({spa_id})", events, now)
