"""Telephony's composition root."""

from __future__ import annotations

import gc

from medspa_kit.catalog import Catalog
from medspa_kit.runtime import Runtime, main_entry, run_service
from telephony.adapters import inbound_texts
from telephony.adapters.batching import BatchWriter
from telephony.adapters.optouts_store import OptOuts
from telephony.adapters.twilio_rest import TwilioGateway, build_client
from telephony.adapters.voice_agent import VoiceAgent
from telephony.context import Edge, VoicePolicy
from telephony.domain.flood import FloodGuard
from telephony.settings import TelephonySettings
from telephony.sms.send import SendMessageHandler
from telephony.sms.sender import Sender, SenderPolicy
from telephony.voice.outbound import PlaceCallHandler
from telephony.voice.script import Script
from telephony.web.app import create_app


def voice_policy(settings: TelephonySettings) -> VoicePolicy:
    return VoicePolicy(
        turn_deadline_s=settings.turn_deadline_s,
        max_fillers=settings.max_fillers,
        gather_timeout_s=settings.gather_timeout_s,
        max_misses=settings.max_misses,
        min_confidence=settings.min_confidence,
        transfer_ring_seconds=settings.transfer_ring_seconds,
        whisper_accept_seconds=settings.whisper_accept_seconds,
    )


async def serve(settings: TelephonySettings) -> None:
    app = create_app(
        settings.public_url,
        settings.twilio_auth_token,
        max_request_bytes=settings.max_request_bytes,
    )
    gateway = TwilioGateway(
        build_client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_api_base_url,
            settings.twilio_timeout_s,
        )
    )
    policy = voice_policy(settings)

    async def wire(runtime: Runtime) -> None:
        catalog = Catalog.load("telephony")
        optouts = OptOuts(runtime.cipher)
        # A turn may stay in flight through every filler, plus a little for the last one.
        agent = VoiceAgent(
            runtime.nc,
            settings.bus_namespace,
            budget_s=settings.turn_deadline_s * (settings.max_fillers + 1) + 5.0,
        )
        runtime.closers.append(agent.close)
        runtime.closers.append(gateway.close)
        texts = BatchWriter(
            runtime.pool,
            lambda conn, batch: inbound_texts.write(conn, batch, settings.bus_namespace),
            key=lambda text: text.sid,
            name="inbound-texts",
        )
        runtime.closers.append(texts.close)
        app.state.script = Script(catalog, policy)
        app.state.edge = Edge(
            pool=runtime.pool,
            cipher=runtime.cipher,
            spas=runtime.spas,
            namespace=settings.bus_namespace,
            catalog=catalog,
            voice=policy,
            agent=agent,
            optouts=optouts,
            sms_flood=FloodGuard(
                burst=settings.sms_flood_burst, per_second=settings.sms_flood_per_minute / 60
            ),
            call_flood=FloodGuard(
                burst=settings.call_flood_burst, per_second=settings.call_flood_per_hour / 3600
            ),
            inbound_texts=texts,
        )
        runtime.consumer.register(
            "cmd",
            "message.send",
            SendMessageHandler(
                runtime.cipher,
                runtime.spas,
                optouts,
                settings.bus_namespace,
                segments_per_second=settings.segments_per_second,
            ),
        )
        runtime.consumer.register(
            "cmd",
            "call.place",
            PlaceCallHandler(
                runtime.pool,
                gateway,
                runtime.cipher,
                runtime.spas,
                settings.bus_namespace,
                public_url=settings.public_url,
                time_limit_s=settings.call_time_limit_s,
                retry_base_s=settings.retry_base_s,
            ),
        )
        sender = Sender(
            runtime.pool,
            gateway,
            runtime.cipher,
            optouts,
            settings.bus_namespace,
            public_url=settings.public_url,
            policy=SenderPolicy(
                workers=settings.send_workers,
                max_attempts=settings.send_max_attempts,
                retry_base_s=settings.retry_base_s,
                retry_cap_s=settings.retry_cap_s,
                lease_s=settings.twilio_timeout_s * 3 + 30,
            ),
        )
        runtime.tasks.append(sender.run(runtime.stop))
        # What is alive now (modules, the app, spas, catalogs: ~100k objects) lives as long as
        # the service. Frozen, the collector stops re-scanning it: a full collection took
        # 45-95 ms here, a pause that lands on whichever webhooks are in flight.
        gc.collect()
        gc.freeze()

    await run_service("telephony", settings, wire, port=settings.port, host=settings.host, app=app)


def main() -> None:
    settings = TelephonySettings()
    main_entry(lambda: serve(settings))
