"""Ask a server again and again, backing off, until it answers or a deadline passes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

FIRST_DELAY_S = 0.1
MAX_DELAY_S = 1.0


class GaveUp(Exception):
    """The deadline passed or `abort` said stop; `str()` is the last reason, one line."""


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


async def poll(
    probe: Callable[[], Awaitable[T]],
    *,
    within: float,
    retry_on: tuple[type[BaseException], ...],
    abort: Callable[[], str | None] | None = None,
) -> T:
    """Return `probe()`'s first answer; retry on `retry_on`, give up at the deadline.

    `abort` is asked between tries so a server process that died ends the wait at once
    instead of at the deadline.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    delay = FIRST_DELAY_S
    while True:
        try:
            return await probe()
        except retry_on as exc:
            reason = one_line(exc)
        if abort is not None and (why := abort()) is not None:
            raise GaveUp(why)
        if loop.time() + delay > deadline:
            raise GaveUp(reason)
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_DELAY_S)
