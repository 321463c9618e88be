"""Callers' turns are answered side by side, not one call behind another."""

from __future__ import annotations

import asyncio
import uuid

import nats
import pytest
from harness import Harness

from medspa.voice.v1 import voice_pb2
from medspa_kit.envelope import voice_turn_subject

pytestmark = pytest.mark.integration
SPA = "lumen-aesthetics"


async def test_turns_of_different_calls_run_at_once_up_to_the_limit(
    harness: Harness, stack
) -> None:  # type: ignore[no-untyped-def]
    voice = harness.voice
    inside = 0
    most_inside = 0
    release = asyncio.Event()
    three_inside = asyncio.Event()

    async def held_answer(subject: str, data: bytes) -> voice_pb2.VoiceTurnReply:
        nonlocal inside, most_inside
        inside += 1
        most_inside = max(most_inside, inside)
        if inside == 3:
            three_inside.set()
        await release.wait()
        inside -= 1
        return voice_pb2.VoiceTurnReply(
            conversation_id=voice_pb2.VoiceTurnRequest.FromString(data).call_sid
        )

    voice.answer = held_answer  # type: ignore[method-assign]
    namespace = f"voice{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(stack.nats_url)
    await voice.subscribe(nc, namespace, "agent-voice", at_once=3)
    try:
        calls = [f"CA{uuid.uuid4().hex}" for _ in range(4)]
        asks = [
            asyncio.create_task(
                nc.request(
                    voice_turn_subject(namespace, SPA),
                    voice_pb2.VoiceTurnRequest(spa_id=SPA, call_sid=sid).SerializeToString(),
                    timeout=10,
                )
            )
            for sid in calls
        ]
        # Three calls are inside a turn together, before any of them has been answered;
        # the fourth waits for a place.
        await asyncio.wait_for(three_inside.wait(), timeout=10)
        assert most_inside == 3
        release.set()
        replies = [voice_pb2.VoiceTurnReply.FromString((await ask).data) for ask in asks]
        assert sorted(r.conversation_id for r in replies) == sorted(calls)
        assert most_inside == 3
        await voice.drain()
    finally:
        await nc.drain()
