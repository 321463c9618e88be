"""Telephony's own Prometheus figures, on the kit's `/metrics` beside its event and outbox ones.

Labels are directions, statuses and route templates only: never a number, a sid or a text.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MESSAGES = Counter(
    "medspa_telephony_messages",
    "Texts by direction and status. inbound: received (each new text; Twilio's retries are not"
    " counted again). outbound: sent (Twilio took it), delivered, undelivered and failed"
    " (Twilio's status callbacks, each once; failed also counts texts given up before Twilio"
    " took them), refused_optout (the number had opted out).",
    ["direction", "status"],
)
WEBHOOK_SECONDS = Histogram(
    "medspa_telephony_webhook_seconds",
    "From a Twilio webhook's request reaching the service to the last byte of its answer, by"
    " route (the path Twilio is given; anything else is 'other').",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VOICE_TURN_SECONDS = Histogram(
    "medspa_telephony_voice_turn_seconds",
    "What a caller waits after speaking: from the turn's webhook to its TwiML, for turns that"
    " ask the agent (answered, or bridged with a filler), and each return after a filler.",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5),
)
VOICE_FILLERS = Counter(
    "medspa_telephony_voice_fillers",
    "Fillers spoken because the agent had not answered a turn by its deadline.",
)

INBOUND, OUTBOUND = "inbound", "outbound"
# Twilio's final delivery statuses, counted when a status callback moves a text to one.
DELIVERY_STATUSES = frozenset({"delivered", "undelivered", "failed"})


def count_message(direction: str, status: str) -> None:
    MESSAGES.labels(direction, status).inc()


class WebhookTimer:
    """Times every request to a known webhook path (ASGI middleware, outermost)."""

    def __init__(self, app: ASGIApp, routes: Iterable[str]) -> None:
        self._app = app
        self._routes = frozenset(routes)
        self._children = {route: WEBHOOK_SECONDS.labels(route) for route in self._routes}
        self._other = WEBHOOK_SECONDS.labels("other")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self._app(scope, receive, send)
            return
        histogram = self._children.get(scope["path"], self._other)
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                histogram.observe(time.perf_counter() - started)

        await self._app(scope, receive, timed_send)
