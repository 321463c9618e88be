"""No phone number, body, transcript or summary in telephony's logs or span attributes."""

from __future__ import annotations

import uuid

import pytest
from telephony_harness import Agent, World, patient

from medspa.voice.v1 import voice_pb2

pytestmark = pytest.mark.integration


async def test_logs_and_traces_carry_no_protected_words(world: World, agent: Agent) -> None:
    secret = f"lipfiller{uuid.uuid4().hex[:8]}"
    summary = f"summary{uuid.uuid4().hex[:8]}"
    agent.respond = agent.reply_with(
        f"reply {secret}", voice_pb2.VOICE_ACTION_TRANSFER, whisper=summary
    )
    caller, texter = patient(), patient()

    played = await world.call("open-spa", caller, f"I want {secret}", staff="no-answer")
    sent = await world.text("open-spa", texter, f"my private words {secret}")
    await world.text("open-spa", texter, "STOP")
    await world.events.wait_for("call.ended", call_sid=played["sid"])
    await world.events.wait_for("sms.received", message_sid=sent["sid"])
    await world.optout_changes(texter, 1)

    log = world.telephony.log_text()
    traces = (world.workdir / "telephony.traces.jsonl").read_text()
    assert played["sid"] in log, "the log does name the call, by its sid"
    for text in (log, traces):
        for phone in (caller, texter):
            assert phone not in text and phone[2:] not in text
        assert secret not in text and summary not in text
