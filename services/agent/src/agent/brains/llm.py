"""The LLM brain: chat completions with allow-listed tools, the rules brain as its net.

The model sees the standing instructions (nothing protected), where the
conversation stands (as an allow-listed tool result), the caller's words and
its own earlier replies. A timeout, an error, a run of malformed tool calls or
a reply with no words hands the turn to the rules brain, so the patient always
gets an answer; the engine's guards check whatever comes out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from agent.adapters.llm_openai import LlmUnavailable
from agent.brains.base import Brain, Reply, Turn
from agent.brains.llm_tools import (
    ALLOWED,
    SCHEMAS,
    TOOLS,
    BadToolCall,
    parse_arguments,
    state_snapshot,
)
from agent.brains.prompt import system_prompt
from agent.domain.speech import Channel
from agent.ports import ChatModel

log = logging.getLogger(__name__)
HISTORY = 12
# Malformed calls tolerated in one turn before the rules brain takes over.
MALFORMED_LIMIT = 2


class LlmFailed(Exception):
    pass


class LlmBrain:
    def __init__(
        self,
        chat: ChatModel,
        fallback: Brain,
        *,
        timeout_s: float,
        voice_timeout_s: float,
        max_rounds: int,
    ) -> None:
        self._chat = chat
        self._fallback = fallback
        self._timeout_s = timeout_s
        self._voice_timeout_s = voice_timeout_s
        self._max_rounds = max_rounds

    async def respond(self, turn: Turn) -> Reply:
        budget = self._voice_timeout_s if turn.channel is Channel.VOICE else self._timeout_s
        try:
            async with asyncio.timeout(budget):
                reply = await self._converse(turn, budget)
        except (TimeoutError, LlmUnavailable, LlmFailed) as exc:
            log.warning("llm brain fell back to rules", extra={"reason": type(exc).__name__})
            reply = await self._fallback.respond(turn)
        self._remember(turn, reply)
        return reply

    def _remember(self, turn: Turn, reply: Reply) -> None:
        history = turn.state.llm_history
        history.append({"role": "user", "content": turn.text})
        if reply.text:
            history.append({"role": "assistant", "content": reply.text})
        del history[:-HISTORY]

    async def _converse(self, turn: Turn, budget: float) -> Reply:
        reply = Reply()
        messages: list[dict[str, Any]] = [
            {
                "role": "system",
                "content": system_prompt(turn.ctx.spa, turn.ctx.now, turn.channel is Channel.VOICE),
            },
            *turn.state.llm_history,
            # Where things stand, as a tool result: the model never sees raw state.
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("state-0", "conversation_state", "{}")],
            },
            {
                "role": "tool",
                "tool_call_id": "state-0",
                "content": json.dumps(state_snapshot(turn)),
            },
            {"role": "user", "content": turn.text},
        ]
        tools = [*SCHEMAS]
        malformed = 0
        for _ in range(self._max_rounds):
            completion = await self._chat.complete(messages, tools, budget)
            if not completion.tool_calls:
                if not completion.content or not completion.content.strip():
                    raise LlmFailed("no words")
                if reply.handoff is None:
                    reply.add(completion.content.strip())
                reply.brain = "llm"
                return reply
            messages.append(
                {
                    "role": "assistant",
                    "content": completion.content,
                    "tool_calls": [_call(c.id, c.name, c.arguments) for c in completion.tool_calls],
                }
            )
            for call in completion.tool_calls:
                try:
                    if call.name not in ALLOWED:
                        raise BadToolCall(f"no tool named {call.name!r}")
                    result = await TOOLS[call.name](turn, reply, parse_arguments(call.arguments))
                except BadToolCall as bad:
                    malformed += 1
                    if malformed > MALFORMED_LIMIT:
                        raise LlmFailed("malformed tool calls") from bad
                    result = {"error": str(bad)}
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}
                )
            if reply.handoff is not None:
                # The engine words every handoff the same honest way; nothing more to ask the model.
                reply.brain = "llm"
                return reply
        raise LlmFailed("too many tool rounds")


def _call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
