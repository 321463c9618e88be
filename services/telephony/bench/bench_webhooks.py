"""Telephony's two latency figures, on this machine, through real processes.

1. Inbound SMS webhook acknowledgement (signed POST /twilio/sms in, TwiML out, the event in the
   outbox) at a steady 200 requests a second, open loop: p50 and p99.
2. A full voice turn (signed POST /twilio/voice/turn in, TwiML out, through NATS and the agent)
   with 20 calls talking at once: p50 and p99. Twice: callers taking two seconds before
   speaking again, as people do (`--pause`), then each speaking the moment the spa's answer
   arrives, a stress of about ten times the turns 20 real callers make.
3. A control: GET /healthz from the same client at 200 a second, the floor that the client,
   HTTP and this machine's load set for the first figure.

Every figure is printed with the load average before and after it: the machine's 2 cores are
shared with PostgreSQL, NATS, this client and whatever else runs, and the figures move with it.

Telephony runs as its own process on a throwaway database and bus namespace, with the real
agent and scheduler processes behind it (`--agent real`, the default), or a stand-in agent
answering every turn at once (`--agent stub`: the figures are telephony's own cost).

    .venv/bin/python services/telephony/bench/bench_webhooks.py [--agent stub] [--seconds 10]
        [--pause 2]

Environment: NATS_URL, DATABASE_URL (a server; a database is created and dropped).
Targets: webhook ack p99 under 50 ms; voice turn p99 under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import asyncpg
import httpx
import nats
import yaml
from nats.aio.msg import Msg
from twilio.request_validator import RequestValidator

from medspa.voice.v1 import voice_pb2
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.envelope import voice_turn_subject
from medspa_kit.streams import delete_streams, ensure_streams
from telephony.settings import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SPA_ID = "bench-spa"
SPA_NUMBER = "+14155559000"
SMS_RATE = 200
CALLS = 20
TURNS_PER_CALL = 25
READY_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def spa_yaml(folder: Path) -> None:
    demo = yaml.safe_load(
        (resources.files("spa_config") / "demo" / "lumen-aesthetics.yaml").read_text()
    )
    demo.update(id=SPA_ID, phone_numbers=[SPA_NUMBER], closures=[])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{SPA_ID}.yaml").write_text(yaml.safe_dump(demo, sort_keys=False))


@contextlib.asynccontextmanager
async def process(module: str, env: dict[str, str], port: int, log: Path) -> AsyncIterator[None]:
    with log.open("ab") as handle:
        # Our own modules, started once per run before anything is timed.
        popen = subprocess.Popen(  # noqa: S603, ASYNC220
            [sys.executable, "-m", module], env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    try:
        async with httpx.AsyncClient(timeout=2.0) as client, asyncio.timeout(READY_S):
            while True:
                if popen.poll() is not None:
                    raise SystemExit(f"{module} exited; see {log}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield
    finally:
        popen.terminate()
        popen.wait(15)


class Signer:
    def __init__(self, base: str) -> None:
        self.base = base
        self._validator = RequestValidator(SANDBOX_AUTH_TOKEN)

    def request(self, path: str, params: dict[str, str]) -> bytes:
        """The whole HTTP request, signed as Twilio signs it, built before any timing starts."""
        body = urlencode(params).encode()
        signature = self._validator.compute_signature(self.base + path, params)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {urlsplit(self.base).netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n\r\n"
        )
        return head.encode() + body


class Connection:
    """One keep-alive HTTP/1.1 connection: a bare client, so the load generator's own cost
    (which shares this machine's cores with the service) stays small."""

    def __init__(self, base: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._base = base
        self._reader, self._writer = reader, writer

    @classmethod
    async def open(cls, base: str) -> Connection:
        parts = urlsplit(base)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(base, reader, writer)

    async def _reopen(self) -> None:
        self._writer.close()
        fresh = await Connection.open(self._base)
        self._reader, self._writer = fresh._reader, fresh._writer

    async def send(self, request: bytes) -> tuple[int, bytes]:
        # The server closes a connection that sat idle (uvicorn's keep-alive timeout is 5 s),
        # sometimes just as a request goes out on it: a client opens another and sends again,
        # as any HTTP client does (telephony takes a webhook once however often it comes).
        if self._reader.at_eof():
            await self._reopen()
        try:
            self._writer.write(request)
            head = await self._reader.readuntil(b"\r\n\r\n")
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError):
            await self._reopen()
            self._writer.write(request)
            head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self._reader.readexactly(length)

    def close(self) -> None:
        self._writer.close()


async def timed(connection: Connection, request: bytes) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, body = await connection.send(request)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"webhook answered {status}: {body[:200]!r}")
    return elapsed, body


def sms_request(signer: Signer, n: int) -> bytes:
    return signer.request(
        "/twilio/sms",
        {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": SANDBOX_ACCOUNT_SID,
            # A different patient each time: the per-caller flood guard is not what is measured.
            "From": f"+1415{2_000_000 + n % 8_000_000:07d}",
            "To": SPA_NUMBER,
            "Body": "Hi, can I book a HydraFacial on Friday?",
            "NumMedia": "0",
        },
    )


async def bench_sms(signer: Signer, seconds: float) -> list[float]:
    """Open loop: a request every 1/200 s whatever the previous ones are doing."""
    requests = [sms_request(signer, n) for n in range(int(SMS_RATE * seconds))]
    idle = [await Connection.open(signer.base) for _ in range(32)]

    async def one(request: bytes) -> float:
        connection = idle.pop() if idle else await Connection.open(signer.base)
        elapsed, _ = await timed(connection, request)
        idle.append(connection)
        return elapsed

    tasks: list[asyncio.Task[float]] = []
    start = time.perf_counter()
    for n, request in enumerate(requests):
        await asyncio.sleep(max(0.0, start + n / SMS_RATE - time.perf_counter()))
        tasks.append(asyncio.create_task(one(request)))
    samples = list(await asyncio.gather(*tasks))
    for connection in idle:
        connection.close()
    return samples


async def one_call(signer: Signer, caller: str, pause_s: float = 0.0) -> list[float]:
    base = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller, "To": SPA_NUMBER}
    connection = await Connection.open(signer.base)
    await timed(connection, signer.request("/twilio/voice", base))
    samples = []
    for turn in range(1, TURNS_PER_CALL + 1):
        params = {**base, "SpeechResult": "Anything Friday afternoon?", "Confidence": "0.91"}
        elapsed, answer = await timed(
            connection, signer.request(f"/twilio/voice/turn?turn={turn}", params)
        )
        if b"<Redirect" in answer:
            raise SystemExit("the agent missed the turn deadline (a filler was played)")
        samples.append(elapsed)
        if pause_s:
            await asyncio.sleep(pause_s)
    connection.close()
    return samples


async def bench_voice(signer: Signer, pause_s: float) -> list[float]:
    async def call(n: int) -> list[float]:
        # Callers start spread over one pause, as calls do, not all on the same instant.
        await asyncio.sleep(pause_s * n / CALLS)
        return await one_call(signer, f"+1415555{n:04d}", pause_s)

    return [s for samples in await asyncio.gather(*map(call, range(CALLS))) for s in samples]


async def bench_floor(base: str, seconds: float) -> list[float]:
    """The same open-loop client against GET /healthz, which does no work."""
    request = f"GET /healthz HTTP/1.1\r\nHost: {urlsplit(base).netloc}\r\n\r\n".encode()
    idle = [await Connection.open(base) for _ in range(32)]

    async def one() -> float:
        connection = idle.pop() if idle else await Connection.open(base)
        elapsed, _ = await timed(connection, request)
        idle.append(connection)
        return elapsed

    tasks: list[asyncio.Task[float]] = []
    start = time.perf_counter()
    for n in range(int(SMS_RATE * seconds)):
        await asyncio.sleep(max(0.0, start + n / SMS_RATE - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    samples = list(await asyncio.gather(*tasks))
    for connection in idle:
        connection.close()
    return samples


class Measured:
    """A figure's samples and the 1-minute load average before and after them."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.load = (0.0, 0.0)

    @contextlib.asynccontextmanager
    async def around(self) -> AsyncIterator[Measured]:
        before = os.getloadavg()[0]
        yield self
        self.load = (before, os.getloadavg()[0])


async def stub_agent(nc: nats.NATS, namespace: str, cipher: FieldCipher) -> None:
    reply = voice_pb2.VoiceTurnReply(
        say=cipher.seal("Friday at 3 PM is open. Shall I book it?", Purpose.TRANSCRIPT),
        action=voice_pb2.VOICE_ACTION_CONTINUE,
    ).SerializeToString()

    async def answer(msg: Msg) -> None:
        await msg.respond(reply)

    await nc.subscribe(voice_turn_subject(namespace, "*"), cb=answer)


def row(name: str, figure: Measured, target_ms: float | None) -> str:
    samples = figure.samples
    p50, p99 = percentile(samples, 0.5) * 1000, percentile(samples, 0.99) * 1000
    load = f"{figure.load[0]:.1f} / {figure.load[1]:.1f}"
    if target_ms is None:
        return f"| {name} | {len(samples)} | {p50:.1f} | {p99:.1f} | | | {load} |"
    verdict = "ok" if p99 < target_ms else "OVER"
    return (
        f"| {name} | {len(samples)} | {p50:.1f} | {p99:.1f} | < {target_ms:.0f} | {verdict}"
        f" | {load} |"
    )


async def main(agent: str, seconds: float, pause_s: float) -> None:
    run = uuid.uuid4().hex[:8]
    namespace, database = f"bench{run}", f"medspa_bench_{run}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'CREATE DATABASE "{database}"')
    database_url = SERVER.rsplit("/", 1)[0] + f"/{database}"
    nc = await nats.connect(NATS_URL)
    await ensure_streams(nc.jetstream(), namespace)
    workdir = Path(tempfile.mkdtemp(prefix="telephony-bench-"))
    spa_yaml(workdir / "spas")
    key_file = workdir / "field-keys.json"
    cipher = FieldCipher(dev_keyring(key_file))
    ports = {name: free_port() for name in ("telephony", "agent", "scheduler", "grpc")}
    telephony_url = f"http://127.0.0.1:{ports['telephony']}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "OTEL_"))},
        "NATS_URL": NATS_URL,
        "DATABASE_URL": database_url,
        "MEDSPA_BUS_NAMESPACE": namespace,
        "FIELD_KEY_FILE": str(key_file),
        "SPA_CONFIG": str(workdir / "spas"),
        "LOG_LEVEL": "WARNING",
        "TELEPHONY_PORT": str(ports["telephony"]),
        "TELEPHONY_PUBLIC_URL": telephony_url,
        "TELEPHONY_SMS_FLOOD_BURST": "100000",
        "AGENT_PORT": str(ports["agent"]),
        "SCHEDULER_PORT": str(ports["scheduler"]),
        "SCHEDULER_GRPC_PORT": str(ports["grpc"]),
        "SCHEDULER_GRPC_TARGET": f"127.0.0.1:{ports['grpc']}",
        # Unreachable on purpose: the bench measures the webhooks, not Twilio.
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    }
    signer = Signer(telephony_url)
    try:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(
                process("telephony", env, ports["telephony"], workdir / "telephony.log")
            )
            if agent == "real":
                for name in ("scheduler", "agent"):
                    await stack.enter_async_context(
                        process(name, env, ports[name], workdir / f"{name}.log")
                    )
            else:
                await stub_agent(nc, namespace, cipher)
            paced, voice, sms, floor = Measured(), Measured(), Measured(), Measured()
            # Voice first: the texts below would otherwise queue up thousands of turns for a
            # real agent ahead of the calls.
            async with paced.around():
                paced.samples = await bench_voice(signer, pause_s)
            async with voice.around():
                voice.samples = await bench_voice(signer, 0.0)
            await bench_sms(signer, 1.0)  # warm up caches and the database pool
            async with sms.around():
                sms.samples = await bench_sms(signer, seconds)
            async with floor.around():
                floor.samples = await bench_floor(telephony_url, min(seconds, 5.0))
        print(
            f"\ntelephony webhooks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, agent: {agent},"
            f" {os.cpu_count()} cores\n"
        )
        print("| figure | samples | p50 ms | p99 ms | target p99 ms | | load before / after |")
        print("|---|---|---|---|---|---|---|")
        print(row(f"inbound SMS ack at {SMS_RATE}/s", sms, 50))
        print(row(f"voice turn, {CALLS} calls at once, callers pausing {pause_s:g} s", paced, 300))
        print(row(f"voice turn, {CALLS} calls at once, back to back (stress)", voice, 300))
        print(row(f"control: GET /healthz at {SMS_RATE}/s", floor, None))
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agent", choices=("stub", "real"), default="real")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--pause", type=float, default=2.0, help="seconds each caller takes between turns"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.agent, arguments.seconds, arguments.pause))
