"""The HTTP application: size limit first, then signed routes, errors as plain text."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from spa_config import UnknownSpa
from telephony.errors import UnknownCall
from telephony.web.forms import WebhookError
from telephony.web.security import BodyLimit, Signatures
from telephony.web.sms_routes import create_sms_router
from telephony.web.voice_routes import create_voice_router


def create_app(public_url: str, auth_token: str, *, max_request_bytes: int) -> FastAPI:
    app = FastAPI(title="telephony")
    app.state.signatures = Signatures(RequestValidator(auth_token), public_url)
    app.include_router(create_sms_router())
    app.include_router(create_voice_router())
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes)

    @app.exception_handler(WebhookError)
    async def webhook_error(_: Request, exc: WebhookError) -> Response:
        return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")

    @app.exception_handler(UnknownCall)
    async def unknown_call(_: Request, exc: UnknownCall) -> Response:
        return Response("no such call", status_code=404, media_type="text/plain")

    @app.exception_handler(UnknownSpa)
    async def unknown_spa(_: Request, exc: UnknownSpa) -> Response:
        return Response("no such spa", status_code=404, media_type="text/plain")

    return app
