"""Reports over HTTP for the console and the owner: missed-call callback times,
recovered revenue by source, the recall due-list.

Behind a bearer token (OUTREACH_INTERNAL_TOKEN) until the console fronts them with staff
sign-in; without a token configured the routes do not exist (404).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from fastapi import APIRouter, Header, HTTPException, Query

from outreach.adapters import reports


class Binding:
    """The pool and token, bound once the runtime is wired (routes exist from the start)."""

    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None
        self.token: str | None = None

    def ready(self, authorization: str) -> asyncpg.Pool:
        if self.token is None:
            raise HTTPException(404)
        expected = f"Bearer {self.token}".encode()
        if not hmac.compare_digest(authorization.encode(), expected):
            raise HTTPException(401, headers={"WWW-Authenticate": "Bearer"})
        if self.pool is None:
            raise HTTPException(503, "starting")
        return self.pool


def _window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    end = until or datetime.now(UTC)
    return since or end - timedelta(days=30), end


def router(binding: Binding) -> APIRouter:
    routes = APIRouter(prefix="/reports", include_in_schema=False)

    @routes.get("/callbacks")
    async def callbacks(
        spa_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        authorization: str = Header(""),
    ) -> dict[str, Any]:
        pool = binding.ready(authorization)
        start, end = _window(since, until)
        async with pool.acquire() as conn:
            return await reports.callbacks(conn, spa_id, start, end)

    @routes.get("/recovered")
    async def recovered(
        spa_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        authorization: str = Header(""),
    ) -> dict[str, Any]:
        pool = binding.ready(authorization)
        start, end = _window(since, until)
        async with pool.acquire() as conn:
            return {"by_source": await reports.recovered(conn, spa_id, start, end)}

    @routes.get("/recall-due")
    async def recall_due(
        spa_id: str,
        as_of: datetime | None = None,
        limit: int = Query(500, ge=1, le=50_000),
        authorization: str = Header(""),
    ) -> dict[str, Any]:
        pool = binding.ready(authorization)
        async with pool.acquire() as conn:
            due = await reports.recall_due(conn, spa_id, as_of or datetime.now(UTC), limit)
        return {"due": due}

    return routes
