"""A local OpenAI-compatible chat server that plays a script and records every request.

Each scripted step is a message the "model" answers with (words, tool calls, or
both), a raw body to send as is, or HANG to never answer (the client's timeout
is then what ends the call).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

HANG = object()


def says(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def calls(*tool_calls: tuple[str, dict[str, Any] | str]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": args if isinstance(args, str) else json.dumps(args),
                },
            }
            for i, (name, args) in enumerate(tool_calls)
        ],
    }


class FakeModel:
    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.release = asyncio.Event()
        self.base_url = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append(body)
            step = self.script.pop(0) if self.script else says("(script ran out)")
            if step is HANG:
                await self.release.wait()
                step = says("too late")
            return JSONResponse(
                {
                    "id": f"chatcmpl-{len(self.requests)}",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", ""),
                    "choices": [{"index": 0, "message": step, "finish_reason": "stop"}],
                }
            )

        return app

    @property
    def system_prompts(self) -> list[str]:
        return [m["content"] for r in self.requests for m in r["messages"] if m["role"] == "system"]


@asynccontextmanager
async def serving(model: FakeModel) -> AsyncIterator[FakeModel]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        model.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    model.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield model
    finally:
        model.release.set()
        server.should_exit = True
        await task
        sock.close()
