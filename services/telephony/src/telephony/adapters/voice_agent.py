"""Asking the agent what to say next in a live call: core NATS request/reply with a deadline.

A turn the agent has not answered by the deadline is not abandoned: the request stays in
flight while the caller hears a filler, and the next webhook for the same turn picks up its
answer. A webhook that lands on another replica (no request in flight here) asks again with
the same call sid and turn, which the agent treats as the same question.
"""

from __future__ import annotations

import asyncio
import logging

import nats.errors
from google.protobuf.message import DecodeError
from nats.aio.client import Client as NatsClient
from opentelemetry import propagate

from medspa.voice.v1 import voice_pb2
from medspa_kit.envelope import voice_turn_subject

log = logging.getLogger(__name__)

_Key = tuple[str, int]


class VoiceAgent:
    def __init__(self, nc: NatsClient, namespace: str, *, budget_s: float) -> None:
        self._nc = nc
        self._namespace = namespace
        # The longest a turn may stay in flight across fillers before it is given up.
        self._budget_s = budget_s
        self._in_flight: dict[_Key, asyncio.Task[voice_pb2.VoiceTurnReply]] = {}

    async def ask(
        self, request: voice_pb2.VoiceTurnRequest, deadline_s: float
    ) -> voice_pb2.VoiceTurnReply | None:
        """The agent's reply, or None if it has not answered within `deadline_s`."""
        key = (request.call_sid, request.turn)
        task = self._in_flight.get(key)
        if task is None or (task.done() and task.exception() is not None):
            task = asyncio.create_task(self._request(request))
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._forget_later(key, done))
        try:
            reply = await asyncio.wait_for(asyncio.shield(task), deadline_s)
        except TimeoutError:
            return None
        except (nats.errors.Error, OSError, DecodeError) as exc:
            # No agent listening, or the connection dropped: the caller hears a filler and
            # the next webhook asks again.
            log.warning(
                "voice turn not answered",
                extra={
                    "call_sid": request.call_sid,
                    "turn": request.turn,
                    "error": type(exc).__name__,
                },
            )
            return None
        self._in_flight.pop(key, None)
        return reply

    async def _request(self, request: voice_pb2.VoiceTurnRequest) -> voice_pb2.VoiceTurnReply:
        headers: dict[str, str] = {}
        # The agent joins the webhook's trace.
        propagate.inject(headers)
        message = await self._nc.request(
            voice_turn_subject(self._namespace, request.spa_id),
            request.SerializeToString(),
            timeout=self._budget_s,
            headers=headers or None,
        )
        reply = voice_pb2.VoiceTurnReply()
        reply.ParseFromString(message.data)
        return reply

    def _forget_later(self, key: _Key, done: asyncio.Task[voice_pb2.VoiceTurnReply]) -> None:
        # An answer nobody collected (the caller hung up) is dropped after the budget.
        def forget() -> None:
            if self._in_flight.get(key) is done:
                del self._in_flight[key]

        asyncio.get_running_loop().call_later(self._budget_s, forget)
        if not done.cancelled():
            done.exception()  # read, so asyncio does not warn about a failure nobody awaited

    async def close(self) -> None:
        for task in self._in_flight.values():
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._in_flight.clear()
