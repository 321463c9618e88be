"""Background loops that sleep until their next due time, a nudge, or a NOTIFY.

A PostgreSQL NOTIFY sent inside a transaction arrives at commit, so a loop
woken by one always finds the committed row; the loop still polls at least
every `idle_s`, so a lost notification only delays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import asyncpg

from payments.ports import Clock

log = logging.getLogger(__name__)
_TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Waker:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def nudge(self, *_: object) -> None:
        self._event.set()

    async def sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._event.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._event.clear()


async def run_loop(
    name: str,
    pool: asyncpg.Pool,
    channel: str,
    waker: Waker,
    stop: asyncio.Event,
    work: Callable[[], Awaitable[datetime | None]],
    clock: Clock,
    idle_s: float,
    also: Mapping[str, Callable[..., Any]] | None = None,
) -> None:
    """Run `work` (which answers when it is next due) until `stop`. `also` are more
    channels to listen to on the same connection (saving the pool one)."""
    listener = await pool.acquire()
    listening = {channel: waker.nudge, **(also or {})}
    for on, callback in listening.items():
        await listener.add_listener(on, callback)
    try:
        while not stop.is_set():
            try:
                due = await work()
            except _TRANSIENT as exc:
                log.warning(f"{name} failed, will retry", extra={"error": type(exc).__name__})
                due = None
            wait = idle_s
            if due is not None:
                wait = min(idle_s, max(0.0, (due - clock.now()).total_seconds()))
            await waker.sleep(stop, wait)
    finally:
        for on, callback in listening.items():
            with contextlib.suppress(Exception):
                await listener.remove_listener(on, callback)
        await pool.release(listener)
