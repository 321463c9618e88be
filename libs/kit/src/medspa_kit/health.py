"""Liveness and readiness for every service.

/healthz answers as soon as the process serves HTTP (alive); /readyz answers
200 only once the database, NATS and the service's own wiring are up, and 503
again while shutting down, so a load balancer drains it first. /metrics is the
Prometheus text exposition of the default registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[bool]]


class Health:
    def __init__(self) -> None:
        self.ready = False
        self._checks: dict[str, Check] = {}

    def add_check(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def report(self) -> tuple[bool, dict[str, bool]]:
        results: dict[str, bool] = {}
        for name, check in self._checks.items():
            try:
                results[name] = await asyncio.wait_for(check(), timeout=2.0)
            except Exception:
                results[name] = False
        return self.ready and all(results.values()), results

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/healthz", include_in_schema=False)
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @router.get("/readyz", include_in_schema=False)
        async def readyz() -> JSONResponse:
            ok, checks = await self.report()
            body = {"status": "ready" if ok else "not ready", "checks": checks}
            return JSONResponse(body, status_code=200 if ok else 503)

        @router.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return router

    def install(self, app: FastAPI) -> None:
        app.include_router(self.router())
