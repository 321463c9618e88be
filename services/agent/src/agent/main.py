"""The agent's composition root."""

from __future__ import annotations

from agent.adapters.calendar_grpc import GrpcCalendar
from agent.adapters.store import ConversationStore
from agent.handlers import SmsReceivedHandler
from agent.settings import AgentSettings
from agent.turn import TurnTaker
from medspa_kit.catalog import Catalog
from medspa_kit.runtime import Runtime, main_entry, run_service


async def serve(settings: AgentSettings) -> None:
    async def wire(runtime: Runtime) -> None:
        calendar = GrpcCalendar(settings.scheduler_grpc_target, settings.scheduler_deadline_s)
        runtime.closers.append(calendar.close)
        turns = TurnTaker(
            calendar,
            Catalog.load("agent"),
            offer=settings.slots_to_offer,
            search_days=settings.search_days,
        )
        runtime.consumer.register(
            "evt",
            "sms.received",
            SmsReceivedHandler(
                turns,
                ConversationStore(runtime.cipher),
                runtime.cipher,
                runtime.spas,
                settings.bus_namespace,
            ),
        )

    await run_service("agent", settings, wire, port=settings.port, host=settings.host)


def main() -> None:
    settings = AgentSettings()
    main_entry(lambda: serve(settings))
