"""Telephony's figures on /metrics: texts by direction and status, webhook and turn times,
fillers. Counters only grow, so each test compares before and after."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telephony_harness import Agent, World, patient

from medspa.commands.v1 import commands_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


async def scrape(world: World) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(world.url + "/metrics")).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def send(world: World, to: str, body: str) -> commands_pb2.SendMessage:
    return commands_pb2.SendMessage(
        spa_id="open-spa",
        command_id=f"cmd-{uuid.uuid4()}",
        to_phone=world.seal(to, Purpose.PHONE),
        body=world.seal(body, Purpose.SMS_BODY),
        purpose="reminder",
    )


async def test_texts_are_counted_by_direction_and_status(world: World) -> None:
    name = "medspa_telephony_messages_total"
    before = await scrape(world)
    phone, stopped = patient(), patient()
    await world.text("open-spa", phone, "hello there")
    await world.text("open-spa", stopped, "STOP")
    await world.command("open-spa", send(world, phone, "See you Friday at 3 PM."))
    await world.command("open-spa", send(world, stopped, "A reminder nobody may receive."))

    def grew(after: dict, status: str, direction: str = "outbound") -> float:
        labels = {"direction": direction, "status": status}
        return value(after, name, **labels) - value(before, name, **labels)

    async with asyncio.timeout(20):
        while True:
            after = await scrape(world)
            if grew(after, "delivered") >= 1 and grew(after, "refused_optout") >= 1:
                break
            await asyncio.sleep(0.05)
    assert grew(after, "received", "inbound") >= 2
    assert grew(after, "sent") >= 1


async def test_webhooks_turns_and_fillers_are_timed_and_counted(world: World, agent: Agent) -> None:
    before = await scrape(world)
    agent.respond = agent.reply_with("Let me look.", delay_s=0.8)
    played = await world.call("open-spa", patient(), "any openings friday", "bye")
    assert "Let me look." in " ".join(
        line["text"] for line in played["transcript"] if line["speaker"] == "spa"
    )
    after = await scrape(world)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("medspa_telephony_webhook_seconds_count", route="/twilio/voice") >= 1
    assert grew("medspa_telephony_webhook_seconds_count", route="/twilio/voice/turn") >= 2
    assert grew("medspa_telephony_webhook_seconds_count", route="/twilio/voice/wait") >= 1
    assert grew("medspa_telephony_voice_turn_seconds_count") >= 2
    assert grew("medspa_telephony_voice_fillers_total") >= 1
