"""A local Stripe for tests: the few endpoints payments calls, spoken as Stripe speaks.

Requests arrive form-encoded from the real `stripe` package; the server keeps
every request (method, path, Idempotency-Key, form fields) so tests can assert
exactly what was sent, honours Idempotency-Key as Stripe does (same key and
body: the first answer again; same key, other body: an idempotency error), and
can be told to fail a call before or after doing it, or to hold its answer
until released (so a test can kill payments while Stripe "is answering").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

WEBHOOK_SECRET = "whsec_test_payments"
SECRET_KEY = "sk_test_payments"
# Stripe refuses to charge less than 50 cents (in USD).
MINIMUM_CHARGE = 50


@dataclass
class Call:
    method: str
    path: str
    idempotency_key: str | None
    form: dict[str, str]


@dataclass
class FakeStripe:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # path suffix -> how many upcoming calls fail before (or after) doing the work
    fail_before: dict[str, int] = field(default_factory=dict)
    fail_after: dict[str, int] = field(default_factory=dict)
    # path suffix -> an event the answer waits for (the work is already done)
    hold: dict[str, asyncio.Event] = field(default_factory=dict)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    _seen: dict[str, tuple[str, int, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls_to(self, method: str, path_suffix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(path_suffix)]

    def session_for(self, deposit_id: str) -> dict[str, Any]:
        found = [s for s in self.sessions.values() if s["metadata"]["deposit_id"] == deposit_id]
        assert len(found) == 1, f"{len(found)} sessions for {deposit_id}"
        return found[0]

    def complete(self, session_id: str) -> dict[str, Any]:
        """The patient pays on Stripe's page."""
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status="paid", payment_intent=f"pi_{next(self._ids)}"
        )
        return session

    def app(self) -> FastAPI:
        app = FastAPI()

        async def handle(request: Request, path: str) -> JSONResponse:
            body = (await request.body()).decode()
            form = dict(parse_qsl(body, keep_blank_values=True))
            if request.method == "GET":
                form = dict(request.query_params)
            key = request.headers.get("idempotency-key")
            self.calls.append(Call(request.method, path, key, form))
            suffix = _suffix(path)
            if self.fail_before.get(suffix, 0) > 0:
                self.fail_before[suffix] -= 1
                return _error(500, "api_error", "injected failure before the work")
            if key and request.method == "POST":
                seen = self._seen.get(key)
                if seen is not None:
                    if seen[0] != body:
                        return _error(400, "idempotency_error", "keys reused with other params")
                    return JSONResponse(seen[2], status_code=seen[1])
            status, answer = self._route(request.method, path, form)
            if key and request.method == "POST" and status < 500:
                self._seen[key] = (body, status, answer)
            if suffix in self.hold:
                self.held.set()
                await self.hold[suffix].wait()
            if self.fail_after.get(suffix, 0) > 0:
                self.fail_after[suffix] -= 1
                return _error(500, "api_error", "injected failure after the work")
            return JSONResponse(answer, status_code=status)

        @app.api_route("/v1/{path:path}", methods=["GET", "POST"])
        async def any_call(request: Request, path: str) -> JSONResponse:
            return await handle(request, f"/v1/{path}")

        return app

    def _route(self, method: str, path: str, form: dict[str, str]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[1:3] == ["checkout", "sessions"]:
            if len(parts) == 3 and method == "POST":
                if int(form["line_items[0][price_data][unit_amount]"]) < MINIMUM_CHARGE:
                    return _error_body(400, "invalid_request_error", "amount_too_small")
                return 200, self._create_session(form)
            session = self.sessions.get(parts[3]) if len(parts) > 3 else None
            if session is None:
                return _error_body(404, "invalid_request_error", "no such session")
            if len(parts) == 5 and parts[4] == "expire":
                if session["status"] != "open":
                    return _error_body(
                        400, "invalid_request_error", f"session is {session['status']}"
                    )
                session["status"] = "expired"
            return 200, session
        if parts[1:] == ["refunds"] and method == "POST":
            refund_id = f"re_{next(self._ids)}"
            refund = {
                "id": refund_id,
                "object": "refund",
                "amount": int(form["amount"]),
                "payment_intent": form["payment_intent"],
                "status": "succeeded",
                "metadata": {"deposit_id": form.get("metadata[deposit_id]", "")},
            }
            self.refunds[refund_id] = refund
            return 200, refund
        return _error_body(404, "invalid_request_error", f"no route {method} {path}")

    def _create_session(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = f"cs_test_{next(self._ids):06d}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
            "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "expires_at": int(form["expires_at"]),
            "metadata": {
                k.removeprefix("metadata[").removesuffix("]"): v
                for k, v in form.items()
                if k.startswith("metadata[")
            },
        }
        self.sessions[session_id] = session
        return session


def _suffix(path: str) -> str:
    if path.endswith("/expire"):
        return "/expire"
    if path.startswith("/v1/refunds"):
        return "/refunds"
    return "/checkout/sessions"


def _error_body(status: int, kind: str, message: str) -> tuple[int, Any]:
    return status, {"error": {"type": kind, "message": message}}


def _error(status: int, kind: str, message: str) -> JSONResponse:
    code, body = _error_body(status, kind, message)
    return JSONResponse(body, status_code=code)


def event(event_id: str, kind: str, obj: dict[str, Any]) -> bytes:
    """A Stripe event as Stripe would post it (the bytes are what gets signed)."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "data": {"object": obj},
        },
        indent=2,
    ).encode()


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header for `payload`, as Stripe computes it."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve_fake_stripe() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe(port=free_port())
    server = uvicorn.Server(
        uvicorn.Config(
            fake.app(), host="127.0.0.1", port=fake.port, log_config=None, lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield fake
    finally:
        for waiting in fake.hold.values():
            waiting.set()
        server.should_exit = True
        await task
