"""Payments' staff refund endpoint as its README states it, for tests: `POST
/internal/deposits/{id}/refund` behind a bearer token, accepted only for a deposit with a
recorded failed refund (once: the retry is then under way), 409 otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from console_harness import eventually, free_port
from fastapi import FastAPI, Header, HTTPException

TOKEN = "payments-internal-test-token"


@dataclass
class FakePayments:
    url: str
    # Deposits whose last refund failed: the only ones a retry is accepted for.
    failed: set[str] = field(default_factory=set)
    # Every retry asked for, in order: (deposit id, Authorization header).
    requests: list[tuple[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/internal/deposits/{deposit_id}/refund")
        async def refund_again(deposit_id: str, authorization: str = Header("")) -> dict:
            self.requests.append((deposit_id, authorization))
            if not hmac.compare_digest(authorization, f"Bearer {TOKEN}"):
                raise HTTPException(401)
            if deposit_id not in self.failed:
                raise HTTPException(409, "no failed refund to retry")
            self.failed.discard(deposit_id)
            return {"id": deposit_id, "state": "refund_pending"}

        return app


@contextlib.asynccontextmanager
async def serve_fake_payments() -> AsyncIterator[FakePayments]:
    port = free_port()
    payments = FakePayments(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(payments.app(), host="127.0.0.1", port=port, log_config=None)
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server))
    try:
        yield payments
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server) -> bool:
    return server.started
