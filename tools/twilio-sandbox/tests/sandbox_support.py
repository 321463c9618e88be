"""Shared test helpers: credentials, numbers, and a stand-in telephony service."""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
SPA = "+15550100000"
WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Received:
    path: str
    url: str
    params: dict[str, str]
    signature: str

    def signed_by(self, token: str) -> bool:
        return bool(RequestValidator(token).validate(self.url, self.params, self.signature))


class Receiver:
    """Stands in for telephony: records every webhook and answers SMS with ``sms_reply``, and
    any other path with the TwiML queued for it in ``twiml`` (an empty response once none is)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._received: list[Received] = []
        self.sms_reply = "<Response/>"
        self.twiml: dict[str, list[str]] = {}
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self._record, methods=["POST"])

    async def _record(self, path: str, request: Request) -> Response:
        form = await request.form()
        received = Received(
            path=f"/{path}",
            url=str(request.url),
            params={key: str(value) for key, value in form.items()},
            signature=request.headers.get("X-Twilio-Signature", ""),
        )
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()
        if received.path == "/twilio/sms":
            return Response(self.sms_reply, media_type="application/xml")
        queued = self.twiml.get(received.path)
        if queued:
            return Response(queued.pop(0), media_type="application/xml")
        return Response(status_code=200)

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = WAIT_SECONDS
    ) -> list[Received]:
        with self._changed:
            arrived = self._changed.wait_for(lambda: predicate(self._received), timeout)
            assert arrived, f"webhooks did not arrive in {timeout}s: {self._received}"
            return list(self._received)

    def reset(self) -> None:
        with self._changed:
            self._received.clear()
            self.sms_reply = "<Response/>"
            self.twiml = {}
