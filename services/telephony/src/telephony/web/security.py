"""Checks every webhook must pass before it is read: size, then Twilio's signature.

The signature is an HMAC over the URL Twilio called (behind a proxy: the configured public
URL, never the pod's own address) and the form fields, compared in constant time. Twilio signs
some URLs with the default port and some without, so both forms are tried, as its own
validator does.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlparse

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from twilio.request_validator import RequestValidator, add_port, remove_port


@dataclass(frozen=True)
class Signatures:
    validator: RequestValidator
    public_url: str

    def url_of(self, request: Request) -> str:
        # The path and query as Starlette's `request.url` gives them, read from the ASGI
        # scope without building the whole URL first.
        scope = request.scope
        path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        query = scope.get("query_string", b"").decode()
        return self.public_url.rstrip("/") + path + (f"?{query}" if query else "")

    def valid(self, url: str, form: FormData, signature: str) -> bool:
        if not signature:
            return False
        parsed = urlparse(url)
        expected = signature.encode()
        # Each form compared in constant time; the second is computed only when the first does
        # not match (which form matched is no secret).
        return any(
            hmac.compare_digest(
                self.validator.compute_signature(candidate, form).encode(), expected
            )
            for candidate in (remove_port(parsed), add_port(parsed))
        )


class BodyLimit:
    """Refuses a request body over `max_bytes` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self._max):
            await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
            return
        if declared is not None:
            await self._app(scope, receive, send)
            return
        # No declared length (chunked): read it here, within the limit, then hand it on.
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self._app(scope, _replay(message), send)
                return
            body += message.get("body", b"")
            if len(body) > self._max:
                await PlainTextResponse("request body too large", status_code=413)(
                    scope, receive, send
                )
                return
            if not message.get("more_body", False):
                break
        await self._app(scope, _replay({"type": "http.request", "body": body}), send)


def _replay(first: Message) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        return {"type": "http.disconnect"}

    return receive
