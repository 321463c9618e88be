"""A local Stripe for tests: the few endpoints payments calls, spoken as Stripe speaks.

Checkout Sessions (payment and setup mode), Customers, SetupIntents and
PaymentIntents (a saved card charged off-session), and Refunds. Saved cards
behave like Stripe's test cards by their last four digits: 4242 charges, 0341 is
declined when charged, 3184 needs its holder to authenticate.

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
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    setup_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # payment method -> test card (last four digits)
    cards: dict[str, str] = field(default_factory=dict)
    # What the next refunds answer: "succeeded", "pending", or "failed" (at once).
    refund_status: str = "succeeded"
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

    def complete(self, session_id: str, card: str = "4242") -> dict[str, Any]:
        """The patient pays on Stripe's page (a session with a customer keeps the card)."""
        session = self.sessions[session_id]
        intent_id = f"pi_{next(self._ids)}"
        method = self._method(card)
        self.payment_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "status": "succeeded",
            "amount": session["amount_total"],
            "currency": session["currency"],
            "customer": session["customer"],
            "payment_method": method,
            "metadata": session["metadata"],
        }
        session.update(status="complete", payment_status="paid", payment_intent=intent_id)
        return session

    def save(self, session_id: str, card: str = "4242") -> dict[str, Any]:
        """The patient saves a card on Stripe's page (a setup-mode session)."""
        session = self.sessions[session_id]
        assert session["mode"] == "setup", session["mode"]
        intent_id = f"seti_{next(self._ids)}"
        self.setup_intents[intent_id] = {
            "id": intent_id,
            "object": "setup_intent",
            "status": "succeeded",
            "customer": session["customer"],
            "payment_method": self._method(card),
            "usage": "off_session",
            "metadata": session["metadata"],
        }
        session.update(status="complete", setup_intent=intent_id)
        return session

    def _method(self, card: str) -> str:
        method = f"pm_{next(self._ids)}"
        self.cards[method] = card
        return method

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
                unit = form.get("line_items[0][price_data][unit_amount]")
                if unit is not None and int(unit) < MINIMUM_CHARGE:
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
                "status": self.refund_status,
                "failure_reason": "expired_or_canceled_card"
                if self.refund_status == "failed"
                else None,
                "metadata": {"deposit_id": form.get("metadata[deposit_id]", "")},
            }
            self.refunds[refund_id] = refund
            return 200, refund
        if parts[1:] == ["customers"] and method == "POST":
            customer_id = f"cus_{next(self._ids)}"
            self.customers[customer_id] = {
                "id": customer_id,
                "object": "customer",
                "metadata": _nested(form, "metadata"),
            }
            return 200, self.customers[customer_id]
        if parts[1] in ("setup_intents", "payment_intents") and len(parts) == 3:
            store = self.setup_intents if parts[1] == "setup_intents" else self.payment_intents
            found = store.get(parts[2])
            if found is None or method != "GET":
                return _error_body(404, "invalid_request_error", f"no such intent {parts[2]}")
            return 200, found
        if parts[1:] == ["payment_intents"] and method == "POST":
            return self._charge(form)
        return _error_body(404, "invalid_request_error", f"no route {method} {path}")

    def _charge(self, form: dict[str, str]) -> tuple[int, Any]:
        """A PaymentIntent confirmed at once, off-session, on a saved card."""
        intent_id = f"pi_{next(self._ids)}"
        card = self.cards.get(form.get("payment_method", ""))
        if card is None:
            return _error_body(400, "invalid_request_error", "no such payment_method")
        failure = {"0341": "card_declined", "3184": "authentication_required"}.get(card)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "customer": form.get("customer"),
            "payment_method": form["payment_method"],
            "status": "requires_payment_method" if failure else "succeeded",
            "metadata": _nested(form, "metadata"),
        }
        self.payment_intents[intent_id] = intent
        if failure:
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": failure,
                    "decline_code": failure,
                    "message": f"the card was refused: {failure}",
                    "payment_intent": intent,
                }
            }
        return 200, intent

    def _create_session(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = f"cs_test_{next(self._ids):06d}"
        setup = form["mode"] == "setup"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form["mode"],
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "status": "open",
            "payment_status": "no_payment_required" if setup else "unpaid",
            "payment_intent": None,
            "setup_intent": None,
            "customer": form.get("customer"),
            "amount_total": None if setup else int(form["line_items[0][price_data][unit_amount]"]),
            "currency": form["currency"] if setup else form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "expires_at": int(form["expires_at"]),
            "metadata": _nested(form, "metadata"),
        }
        self.sessions[session_id] = session
        return session


def _nested(form: dict[str, str], name: str) -> dict[str, str]:
    """`name[key]=value` form fields as a dict."""
    return {
        k.removeprefix(f"{name}[").removesuffix("]"): v
        for k, v in form.items()
        if k.startswith(f"{name}[") and k.count("[") == 1
    }


def _suffix(path: str) -> str:
    if path.endswith("/expire"):
        return "/expire"
    for name in ("refunds", "customers", "payment_intents", "setup_intents"):
        if path.startswith(f"/v1/{name}"):
            return f"/{name}"
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
