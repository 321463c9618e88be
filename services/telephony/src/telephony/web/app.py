"""The HTTP application: size limit first, then signed routes, errors as plain text."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from spa_config import UnknownSpa
from telephony import paths
from telephony.adapters.batching import WriterClosed
from telephony.errors import UnknownCall
from telephony.metrics import WebhookTimer
from telephony.web.forms import WebhookError
from telephony.web.security import BodyLimit, Signatures
from telephony.web.sms_routes import create_sms_router
from telephony.web.voice_routes import create_voice_router


def create_app(public_url: str, auth_token: str, *, max_request_bytes: int) -> FastAPI:
    # The request's own span is kept (events and the agent join its trace); FastAPI's extra
    # spans around dependencies and the endpoint cost more than the rest of a text's handling.
    app = FastAPI(title="telephony", telemetry={"operation_spans": False})
    app.state.signatures = Signatures(RequestValidator(auth_token), public_url)
    app.include_router(create_sms_router())
    app.include_router(create_voice_router())
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes)
    # Added last, so outermost: the time includes refusals (too large, bad signature).
    app.add_middleware(WebhookTimer, routes=paths.ALL)

    @app.exception_handler(WebhookError)
    async def webhook_error(_: Request, exc: WebhookError) -> Response:
        return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")

    @app.exception_handler(UnknownCall)
    async def unknown_call(_: Request, exc: UnknownCall) -> Response:
        return Response("no such call", status_code=404, media_type="text/plain")

    @app.exception_handler(WriterClosed)
    async def stopping(_: Request, exc: WriterClosed) -> Response:
        # Twilio retries a 503; another replica (or this one, restarted) takes it.
        return Response("stopping", status_code=503, media_type="text/plain")

    @app.exception_handler(UnknownSpa)
    async def unknown_spa(_: Request, exc: UnknownSpa) -> Response:
        return Response("no such spa", status_code=404, media_type="text/plain")

    return app
