"""The agent's composition root: build the adapters and the brain, wire the subscriptions."""

from __future__ import annotations

import logging

from agent.adapters.calendar_grpc import GrpcCalendar
from agent.adapters.llm_openai import OpenAIChat
from agent.adapters.records import Records
from agent.adapters.store import ConversationStore
from agent.brains.base import Brain
from agent.brains.llm import LlmBrain
from agent.brains.rules import RulesBrain
from agent.conversations import Conversations
from agent.engine import Engine
from agent.events import Events
from agent.handlers import BookingHandlers, OutreachSentHandler, SmsReceivedHandler
from agent.settings import AgentSettings, BrainKind
from agent.staff import StaffHandlers
from agent.subscriptions import Subscriptions
from agent.sweeper import CardLinkSweeper, ConsentRetry, IdleSweeper
from agent.voice import VoiceResponder
from agent.words import Words
from medspa_kit.catalog import Catalog
from medspa_kit.runtime import Runtime, main_entry, run_service

log = logging.getLogger(__name__)


def build_brain(settings: AgentSettings, rules: RulesBrain) -> Brain:
    """The rules brain unless an LLM endpoint is configured; the LLM falls back to rules."""
    if settings.brain is not BrainKind.LLM or not settings.llm_base_url:
        return rules
    chat = OpenAIChat(settings.llm_base_url, settings.llm_api_key, settings.llm_model)
    return LlmBrain(
        chat,
        rules,
        timeout_s=settings.llm_timeout_s,
        voice_timeout_s=settings.llm_voice_timeout_s,
        max_rounds=settings.llm_max_tool_rounds,
    )


async def serve(settings: AgentSettings) -> None:
    async def wire(runtime: Runtime) -> None:
        calendar = GrpcCalendar(settings.scheduler_grpc_target, settings.scheduler_deadline_s)
        runtime.closers.append(calendar.close)
        words = Words(Catalog.load("agent"))
        rules = RulesBrain()
        engine = Engine(
            calendar, words, build_brain(settings, rules), settings.conversation_policy()
        )
        records = Records(runtime.cipher)
        conversations = Conversations(
            ConversationStore(runtime.cipher),
            engine,
            Events(runtime.cipher, settings.bus_namespace),
            idle_hours=settings.thread_idle_hours,
            records=records,
        )
        texts_at_once = settings.text_concurrency()
        Subscriptions(
            sms=SmsReceivedHandler(conversations, runtime.cipher, runtime.spas),
            booking=BookingHandlers(conversations, words, runtime.cipher, runtime.spas),
            staff=StaffHandlers(conversations, runtime.cipher, runtime.spas),
            outreach=OutreachSentHandler(records, runtime.cipher, runtime.spas),
        ).register(runtime.consumer, runtime.cipher, texts_at_once=texts_at_once)
        log.info(
            "texts handled at once",
            extra={"texts_at_once": texts_at_once, "pool": settings.database_pool_max},
        )
        voice = VoiceResponder(runtime.pool, conversations, words, runtime.cipher, runtime.spas)
        await voice.subscribe(
            runtime.nc,
            settings.bus_namespace,
            settings.voice_queue,
            at_once=settings.voice_turns_at_once,
        )
        runtime.closers.append(voice.drain)
        sweeper = IdleSweeper(
            runtime.pool,
            conversations,
            runtime.spas,
            idle_hours=settings.thread_idle_hours,
            every_s=settings.sweep_every_s,
        )
        runtime.tasks.append(sweeper.run(runtime.stop))
        card_links = CardLinkSweeper(
            runtime.pool,
            conversations,
            runtime.spas,
            quiet_minutes=settings.card_link_quiet_minutes,
            every_s=settings.sweep_every_s,
        )
        runtime.tasks.append(card_links.run(runtime.stop))
        consents = ConsentRetry(runtime.pool, records, calendar, every_s=settings.sweep_every_s)
        runtime.tasks.append(consents.run(runtime.stop))

    await run_service("agent", settings, wire, port=settings.port, host=settings.host)


def main() -> None:
    settings = AgentSettings()
    main_entry(lambda: serve(settings))
