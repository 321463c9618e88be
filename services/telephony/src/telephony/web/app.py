"""The HTTP application: size limit first, then signed routes, errors as plain text."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from spa_config import UnknownSpa
from telephony import paths
from telephony.adapters.batching import WriterClosed
from telephony.errors import UnknownCall
from telephony.metrics import WebhookTimer
from telephony.web.forms import WebhookError, refusal
from telephony.web.security import BodyLimit, Signatures
from telephony.web.sms_routes import TextLane, create_sms_router
from telephony.web.voice_routes import create_voice_router


def create_app(public_url: str, auth_token: str, *, max_request_bytes: int) -> FastAPI:
    # The request's own span is kept (events and the agent join its trace); FastAPI's extra
    # spans around dependencies and the endpoint cost more than the rest of a text's handling.
    app = FastAPI(title="telephony", telemetry={"operation_spans": False})
    app.state.signatures = Signatures(RequestValidator(auth_token), public_url)
    app.include_router(create_sms_router())
    app.include_router(create_voice_router())
    # Innermost first: the text lane inside the body limit, the timer around everything.
    app.add_middleware(TextLane)
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes)
    # Added last, so outermost: the time includes refusals (too large, bad signature).
    app.add_middleware(WebhookTimer, routes=paths.ALL)

    async def refuse(_: Request, exc: Exception) -> Response:
        response = refusal(exc)
        assert response is not None
        return response

    for error in (WebhookError, UnknownCall, UnknownSpa, WriterClosed):
        app.add_exception_handler(error, refuse)

    return app
