"""The terminal phone: type as a patient texting the spa; the spa's replies print as `spa> `.

`/call` rings the spa instead: each line is then what the caller says (an empty line is
silence, `/press 1` presses keys) and the spa's voice prints as `spa (voice)> `, until the
call ends or `/hangup`. The sandbox plays the call through telephony's real, signed voice
webhooks, one caller step at a time.

It drives the Twilio sandbox exactly as a handset would: each line is a text posted to
`/sandbox/sms`, and a poller reads `/sandbox/messages` for what the spa sent back. Fed from a
pipe, it waits for the spa's answer to each line before sending the next, so a script reads
like a conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO, Any

import httpx

POLL_INTERVAL_S = 0.3
REPLY_WAIT_S = 20.0  # the longest to wait for the spa to answer a text
SETTLE_S = 1.5  # once it answered, how long it must stay quiet before the next line


@dataclass(frozen=True)
class PhoneSettings:
    sandbox_url: str
    patient: str
    spa: str
    interactive: bool
    reply_wait: float = REPLY_WAIT_S
    settle: float = SETTLE_S
    poll_interval: float = POLL_INTERVAL_S


class Phone:
    def __init__(
        self, client: httpx.AsyncClient, settings: PhoneSettings, out: IO[str], err: IO[str]
    ) -> None:
        self._client = client
        self._settings = settings
        self._out = out
        self._err = err
        self._cursor: str | None = None  # the last message sid seen
        # Loop times of the text not yet waited for and of the spa's last one, to tell a
        # reply from older texts.
        self._sent_at: float | None = None
        self._heard_at = -math.inf
        self._poll_failing = False
        self._call: str | None = None  # the live call's sid, while the patient is on the phone

    async def skip_history(self) -> None:
        """Show only what happens from now on; raises httpx.HTTPError if the sandbox is away."""
        messages = await self._fetch()
        if messages:
            self._cursor = messages[-1]["sid"]

    async def send(self, body: str) -> None:
        self._sent_at = asyncio.get_running_loop().time()
        text = {"from": self._settings.patient, "to": self._settings.spa, "body": body}
        try:
            response = await self._client.post("/sandbox/sms", json=text)
        except httpx.HTTPError as exc:
            self._say(f"(not sent: the sandbox did not answer: {exc})")
            return
        answer = _json(response)
        if response.status_code >= 400:
            self._say(f"(not delivered: {answer.get('error') or response.status_code})")
        elif isinstance(status := answer.get("webhook_status"), int) and status >= 400:
            self._say(f"(the spa's line answered {status})")

    async def call(self) -> None:
        start = {"from": self._settings.patient, "to": self._settings.spa}
        self._call = await self._call_step("/sandbox/calls/live", start)

    async def speak(self, line: str) -> None:
        assert self._call is not None
        step: dict[str, Any]
        if line == "/hangup":
            step = {"hangup": True}
        elif line.startswith("/press "):
            step = {"digits": line.removeprefix("/press ").strip()}
        else:
            step = {"speech": line}
        self._call = await self._call_step(f"/sandbox/calls/live/{self._call}", step)

    @property
    def on_call(self) -> bool:
        return self._call is not None

    async def _call_step(self, path: str, body: dict[str, Any]) -> str | None:
        """One caller step; prints what the spa said; the call's sid while it goes on."""
        try:
            response = await self._client.post(path, json=body)
        except httpx.HTTPError as exc:
            self._say(f"(the call failed: the sandbox did not answer: {exc})")
            return None
        state = _json(response)
        if response.status_code >= 400:
            self._say(f"(the call failed: {state.get('detail') or response.status_code})")
            return None
        for said in state.get("transcript", []):
            if said.get("speaker") == "spa":
                self._out.write(f"spa (voice)> {said.get('text', '')}\n")
        self._out.flush()
        if state.get("ended"):
            self._say(f"(call ended: {state.get('status')})")
            return None
        sid = state.get("sid")
        return sid if isinstance(sid, str) else None

    async def poll_forever(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(self._settings.poll_interval)

    async def poll_once(self) -> None:
        try:
            messages = await self._fetch()
        except httpx.HTTPError as exc:
            if not self._poll_failing:
                self._say(f"(the sandbox stopped answering: {exc}; still trying)")
            self._poll_failing = True
            return
        self._poll_failing = False
        for message in messages:
            self._cursor = message["sid"]
            if message.get("direction") == "outbound":
                self._out.write(f"spa> {message.get('body', '')}\n")
                self._out.flush()
                self._heard_at = asyncio.get_running_loop().time()

    async def wait_for_replies(self) -> None:
        """After a text: wait until the spa answered and went quiet, or the wait runs out."""
        sent_at, self._sent_at = self._sent_at, None  # each text is waited for once
        if sent_at is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.reply_wait
        while True:
            now = loop.time()
            answered = self._heard_at >= sent_at
            if answered and now - self._heard_at >= self._settings.settle:
                return
            if now >= deadline:
                if not answered:
                    self._say(f"(no reply within {self._settings.reply_wait:.0f}s)")
                return
            await asyncio.sleep(self._settings.poll_interval)

    async def _fetch(self) -> list[dict[str, Any]]:
        params = {"phone": self._settings.patient}
        if self._cursor is not None:
            params["after"] = self._cursor
        response = await self._client.get("/sandbox/messages", params=params)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return messages

    def _say(self, text: str) -> None:
        self._err.write(text + "\n")
        self._err.flush()


async def run_phone(
    settings: PhoneSettings,
    lines: AsyncIterator[str],
    out: IO[str],
    err: IO[str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    async with httpx.AsyncClient(
        base_url=settings.sandbox_url, timeout=10.0, transport=transport
    ) as client:
        phone = Phone(client, settings, out, err)
        try:
            await phone.skip_history()
        except httpx.HTTPError as exc:
            err.write(
                f"the Twilio sandbox is not answering at {settings.sandbox_url} ({exc}); "
                "is the stack up? (make up)\n"
            )
            return 1
        if settings.interactive:
            out.write(
                f"Texting {settings.spa} as {settings.patient}. "
                "Type a message and press Enter; /call rings the spa instead; Ctrl-D quits.\n"
            )
            out.flush()
        poller = asyncio.create_task(phone.poll_forever())
        try:
            async for raw in lines:
                body = raw.strip()
                if phone.on_call:
                    if not settings.interactive:
                        out.write(f"you (voice)> {body or '[silence]'}\n")
                    await phone.speak(body)
                    continue
                if not body:
                    continue
                if not settings.interactive:
                    out.write(f"you> {body}\n")
                if body == "/call":
                    await phone.call()
                    continue
                await phone.send(body)
                if not settings.interactive:
                    await phone.wait_for_replies()
            await phone.wait_for_replies()
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    return 0


async def stdin_lines(stream: IO[str]) -> AsyncIterator[str]:
    """Lines from a terminal, pipe or file, without blocking the loop.

    A daemon thread does the blocking reads: a thread stuck in read() cannot be cancelled,
    and a daemon one does not hold the process open when the stack stops mid-line.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def hand_over(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, line)

    def read() -> None:
        for line in stream:
            hand_over(line)
        hand_over(None)

    threading.Thread(target=read, name="phone-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
