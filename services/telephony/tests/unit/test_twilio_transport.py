"""The Twilio REST transport against bare local sockets: what each way a send can go wrong
means for sending again, and what goes over the wire when it goes right."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from telephony.adapters.twilio_rest import Accepted, TwilioFailure, TwilioGateway, build_client
from telephony.domain.retry import Failure

ACCOUNT, TOKEN = "AC" + "0" * 32, "secret-token"
Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(serve: Serve) -> AsyncIterator[str]:
    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listening.close()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head, await reader.readexactly(length)


async def send(base_url: str, timeout_s: float = 5.0) -> Accepted:
    gateway = TwilioGateway(build_client(ACCOUNT, TOKEN, base_url, timeout_s))
    try:
        return await gateway.send_message(
            to="+14155550123", from_="+14155550100", body="See you at 3.",
            status_callback="https://spa.example/twilio/sms/status",
        )  # fmt: skip
    finally:
        await gateway.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_nobody_listening_is_sent_again_later() -> None:
    with pytest.raises(TwilioFailure) as failed:
        await send(f"http://127.0.0.1:{free_port()}")
    assert failed.value.failure is Failure.RETRY


async def test_an_answer_that_never_comes_is_ambiguous() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # no answer, until the client gives up and hangs up

    async with server(silent) as url:
        with pytest.raises(TwilioFailure) as failed:
            await send(url, timeout_s=0.3)
    # Twilio may have taken it: look before sending again.
    assert failed.value.failure is Failure.AMBIGUOUS


async def test_a_connection_dropped_after_the_request_is_ambiguous() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async with server(hang_up) as url:
        with pytest.raises(TwilioFailure) as failed:
            await send(url)
    assert failed.value.failure is Failure.AMBIGUOUS


async def test_a_send_goes_out_with_its_credentials_and_twilios_answer_is_read() -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def twilio(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        body = json.dumps({"sid": "SM" + "1" * 32, "status": "queued", "num_segments": "2"})
        writer.write(
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        await writer.drain()
        writer.close()

    async with server(twilio) as url:
        accepted = await send(url)
    assert accepted == Accepted("SM" + "1" * 32, "queued", 2)
    [(head, body)] = seen
    assert head.startswith(f"POST /2010-04-01/Accounts/{ACCOUNT}/Messages.json".encode())
    headers = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
    )
    assert headers[b"authorization"] == b"Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode())
    assert b"Body=See+you+at+3." in body and b"StatusCallback=" in body
