"""Chat completions with tools on any OpenAI-compatible endpoint, through the `openai` package."""

from __future__ import annotations

from typing import Any

import openai

from agent.ports import Completion, ToolCall


class LlmUnavailable(Exception):
    """The model did not answer usefully in time; the rules brain takes the turn."""


class OpenAIChat:
    def __init__(self, base_url: str, api_key: str | None, model: str) -> None:
        # Local OpenAI-compatible servers take any key; the client insists on one.
        # Retries are the brain's business: a patient is waiting, the rules brain is ready.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "unused", max_retries=0
        )
        self._model = model

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], timeout_s: float
    ) -> Completion:
        try:
            # Messages and tools are plain JSON-shaped dicts, built by the brain.
            response = await self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self._model,
                messages=messages,
                tools=tools,
                tool_choice="auto",
                temperature=0,
                timeout=timeout_s,
            )
        except openai.OpenAIError as exc:
            raise LlmUnavailable(type(exc).__name__) from exc
        if not response.choices:
            raise LlmUnavailable("no choices")
        message = response.choices[0].message
        calls = tuple(
            ToolCall(call.id, call.function.name, call.function.arguments or "")
            for call in message.tool_calls or ()
            if getattr(call, "function", None) is not None
        )
        return Completion(message.content, calls)

    async def close(self) -> None:
        await self._client.close()
