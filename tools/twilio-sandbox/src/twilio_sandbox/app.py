"""The sandbox application: Twilio's REST API, the patient's phone, and health checks."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from twilio_sandbox.carrier import Carrier
from twilio_sandbox.phone import build_phone_router
from twilio_sandbox.resources import TwilioError, twilio_error_handler
from twilio_sandbox.rest import build_rest_router
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.store import Store
from twilio_sandbox.voice import VoicePlayer


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    settings = settings or SandboxSettings()
    store = Store()
    carrier = Carrier(settings, store)
    player = VoicePlayer(settings, store, carrier)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await player.aclose()
        await carrier.aclose()

    app = FastAPI(title="Twilio sandbox", lifespan=lifespan)
    app.add_exception_handler(TwilioError, twilio_error_handler)
    app.include_router(build_rest_router(settings, store, carrier, player))
    app.include_router(build_phone_router(settings, store, carrier, player))

    @app.get("/healthz")
    @app.get("/readyz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
