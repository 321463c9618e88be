"""Telephony's composition root."""

from __future__ import annotations

from medspa_kit.catalog import Catalog
from medspa_kit.runtime import Runtime, main_entry, run_service
from telephony.adapters.twilio_rest import TwilioMessages, build_client
from telephony.handlers import SendMessageHandler
from telephony.settings import TelephonySettings
from telephony.webhooks import Edge, create_app


async def serve(settings: TelephonySettings) -> None:
    app = create_app(settings.public_url, settings.twilio_auth_token)
    client = build_client(
        settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url
    )
    status_callback = settings.public_url.rstrip("/") + "/twilio/sms/status"

    async def wire(runtime: Runtime) -> None:
        catalog = Catalog.load("telephony")
        app.state.edge = Edge(
            runtime.pool, runtime.cipher, runtime.spas, settings.bus_namespace, catalog
        )
        runtime.consumer.register(
            "cmd",
            "message.send",
            SendMessageHandler(
                TwilioMessages(client),
                runtime.cipher,
                runtime.spas,
                settings.bus_namespace,
                status_callback,
            ),
        )

    await run_service("telephony", settings, wire, port=settings.port, host=settings.host, app=app)


def main() -> None:
    settings = TelephonySettings()
    main_entry(lambda: serve(settings))
