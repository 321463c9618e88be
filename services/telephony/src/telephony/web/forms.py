"""Reading a webhook: the signed form, its fields, and refusals in Twilio-friendly codes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import PlainTextResponse, Response

from spa_config import UnknownSpa
from telephony.adapters.batching import WriterClosed
from telephony.context import Edge
from telephony.errors import UnknownCall
from telephony.numbers import e164_or_none
from telephony.voice.script import Script
from telephony.web.security import Signatures

log = logging.getLogger(__name__)
TWIML = "application/xml"
_URLENCODED = "application/x-www-form-urlencoded"
# More fields than any Twilio webhook has; the body limit bounds the rest.
_MAX_FIELDS = 200


class WebhookError(HTTPException):
    pass


def refusal(exc: Exception) -> Response | None:
    """The plain-text answer for an error a webhook refuses with; None for any other error."""
    if isinstance(exc, WebhookError):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    if isinstance(exc, UnknownCall):
        return PlainTextResponse("no such call", status_code=404)
    if isinstance(exc, UnknownSpa):
        return PlainTextResponse("no such spa", status_code=404)
    if isinstance(exc, WriterClosed):
        # Twilio retries a 503; another replica (or this one, restarted) takes it.
        return PlainTextResponse("stopping", status_code=503)
    return None


@dataclass(frozen=True)
class Form:
    """The fields Twilio posted, and the query of the URL it called (part of what it signed)."""

    fields: Mapping[str, str]
    query: Mapping[str, str]

    def required(self, *names: str) -> None:
        missing = [name for name in names if not self.fields.get(name)]
        if missing:
            raise WebhookError(400, f"missing Twilio field(s): {', '.join(missing)}")

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def phone(self, name: str) -> str:
        number = e164_or_none(self.get(name))
        if number is None:
            raise WebhookError(400, f"{name} is not a valid phone number")
        return number

    def integer(self, name: str, *, in_query: bool = False) -> int | None:
        raw = (self.query if in_query else self.fields).get(name, "")
        if raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise WebhookError(400, f"{name} is not a whole number") from None

    def number(self, name: str) -> float | None:
        raw = self.get(name)
        if raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise WebhookError(400, f"{name} is not a number") from None


async def _read_form(request: Request) -> FormData:
    """The posted fields. Twilio posts url-encoded forms, read here directly (as Starlette
    would, at a fraction of the cost); anything else goes through Starlette's parser."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    try:
        if media_type == _URLENCODED:
            body = (await request.body()).decode("latin-1")
            return FormData(parse_qsl(body, keep_blank_values=True, max_num_fields=_MAX_FIELDS))
        return await request.form()
    except Exception:  # a body that is not a form cannot carry a valid signature
        raise WebhookError(400, "body is not form-encoded") from None


async def signed_form(request: Request) -> Form:
    """The form, only if Twilio signed exactly this URL and these fields."""
    signatures: Signatures = request.app.state.signatures
    form = await _read_form(request)
    if not signatures.valid(
        signatures.url_of(request), form, request.headers.get("X-Twilio-Signature", "")
    ):
        log.warning("refused a webhook with a bad signature", extra={"path": request.url.path})
        raise WebhookError(403, "invalid Twilio signature")
    return Form(
        fields={key: str(value) for key, value in form.items()},
        query=dict(request.query_params),
    )


@dataclass(frozen=True)
class Webhook:
    """A signed webhook and what handling it needs: one dependency rather than three, as
    FastAPI's resolution of each costs about as much as reading the form."""

    form: Form
    edge: Edge
    script: Script


async def webhook(request: Request) -> Webhook:
    # Async, so FastAPI does not hand it to a worker thread. Signature first: an unsigned
    # request learns nothing, not even that the service is starting.
    form = await signed_form(request)
    edge: Edge | None = getattr(request.app.state, "edge", None)
    script: Script | None = getattr(request.app.state, "script", None)
    if edge is None or script is None:
        raise WebhookError(503, "starting up")
    return Webhook(form, edge, script)


Hook = Annotated[Webhook, Depends(webhook)]
