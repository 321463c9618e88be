"""Telephony as production runs it, for its own integration tests.

The service runs as its own process on this session's NATS and PostgreSQL, in a database and
bus namespace of its own (so a full-system run in the same session cannot share its queue),
with the Twilio sandbox in front and a stand-in agent answering voice turns on NATS. Tests
drive it only through signed webhooks, the sandbox's phone, and commands on JetStream, and
observe it through its events, its tables and the sandbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import yaml
from google.protobuf.message import Message
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from twilio.request_validator import RequestValidator

from medspa.voice.v1 import voice_pb2
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope, voice_turn_subject
from spa_config import SpaConfig, load_spas
from tests.integration.system import SANDBOX_TOKEN, Process

WAIT_S = 20.0
DEMO_SPA = resources.files("spa_config") / "demo" / "lumen-aesthetics.yaml"


def patient() -> str:
    """A fresh patient number per test, so conversations never mix."""
    return f"+1415555{uuid.uuid4().int % 10000:04d}"


def zone_at_noon(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now, so a spa open 00:00-23:59 is open
    for hours either side of the test run."""
    offset = (12 - now.hour + 12) % 24 - 12
    if offset == 0:
        return "Etc/GMT"
    # POSIX sign convention: Etc/GMT-3 is three hours ahead of UTC.
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def zone_at_midnight(now: datetime) -> str:
    offset = (0 - now.hour + 12) % 24 - 12
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@dataclass(frozen=True)
class Spa:
    id: str
    number: str
    front_desk: str
    staff: str


def write_spas(folder: Path, now: datetime) -> dict[str, Spa]:
    """Test spas made from the demo spa: open now, open with a 15-second staff-first ring,
    closed now, recording calls."""
    demo = yaml.safe_load(DEMO_SPA.read_text())
    all_day = {day: ["00:00-23:59"] for day in demo["hours"]}
    variants = {
        "open-spa": {"timezone": zone_at_noon(now), "hours": all_day},
        "ring-spa": {
            "timezone": zone_at_noon(now),
            "hours": all_day,
            "policies": {**demo.get("policies", {}), "staff_first_ring_seconds": 15},
        },
        "night-spa": {
            "timezone": zone_at_midnight(now),
            "hours": {day: ["09:00-17:00"] for day in demo["hours"]},
        },
        "recording-spa": {
            "timezone": zone_at_noon(now),
            "hours": all_day,
            "policies": {**demo.get("policies", {}), "recording_enabled": True},
        },
        "pacing-spa": {"timezone": zone_at_noon(now), "hours": all_day},
    }
    spas: dict[str, Spa] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for n, (spa_id, changes) in enumerate(variants.items()):
        number = f"+1415555{1100 + n:04d}"
        front_desk = f"+1415555{1200 + n:04d}"
        staff = f"+1415555{1300 + n:04d}"
        spa = {
            **demo,
            **changes,
            "id": spa_id,
            "name": spa_id.replace("-", " ").title(),
            "phone_numbers": [number],
            "front_desk_phone": front_desk,
            "closures": [],
            "escalation_contacts": [
                {"name": "Dana Whitfield", "role": "Practice manager", "phone": staff,
                 "warm_transfer": True},
            ],
        }  # fmt: skip
        (folder / f"{spa_id}.yaml").write_text(yaml.safe_dump(spa, sort_keys=False))
        spas[spa_id] = Spa(spa_id, number, front_desk, staff)
    load_spas(folder)  # fail here, clearly, if a variant is not a valid spa
    return spas


Responder = Callable[[voice_pb2.VoiceTurnRequest], Awaitable[voice_pb2.VoiceTurnReply | None]]


class Agent:
    """Stands in for the agent on `<ns>.rpc.*.voice.turn`: answers with `respond` (None: says
    nothing back, as an agent that never finishes), and remembers each request."""

    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher
        self.requests: list[voice_pb2.VoiceTurnRequest] = []
        self.respond: Responder = self.reply_with("How can I help?")
        self.asked = asyncio.Event()

    def reply_with(
        self,
        text: str,
        action: int = voice_pb2.VOICE_ACTION_CONTINUE,
        *,
        whisper: str = "",
        handoff_id: str = "",
        delay_s: float = 0.0,
    ) -> Responder:
        async def respond(_: voice_pb2.VoiceTurnRequest) -> voice_pb2.VoiceTurnReply:
            if delay_s:
                await asyncio.sleep(delay_s)
            reply = voice_pb2.VoiceTurnReply(
                say=self.cipher.seal(text, Purpose.TRANSCRIPT),
                action=action,  # type: ignore[arg-type]
                handoff_id=handoff_id,
                conversation_id="conv-1",
                speech_hints=["Friday", "Botox"],
            )
            if whisper:
                reply.whisper.CopyFrom(self.cipher.seal(whisper, Purpose.SUMMARY))
            return reply

        return respond

    def heard(self, request: voice_pb2.VoiceTurnRequest) -> str:
        return self.cipher.open(request.transcript, Purpose.TRANSCRIPT)

    async def on_request(self, msg: Msg) -> None:
        request = voice_pb2.VoiceTurnRequest()
        request.ParseFromString(msg.data)
        self.requests.append(request)
        self.asked.set()
        reply = await self.respond(request)
        if reply is not None:
            await msg.respond(reply.SerializeToString())


@dataclass
class Events:
    """Every event telephony publishes in the test namespace, decoded."""

    seen: list[tuple[str, Message]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_message(self, msg: Msg) -> None:
        envelope = Envelope.from_nats(msg.subject, dict(msg.headers or {}), msg.data)
        self.seen.append((envelope.name, envelope.message()))
        self.changed.set()

    def named(self, name: str, **fields: Any) -> list[Any]:
        return [
            m
            for n, m in self.seen
            if n == name and all(getattr(m, k) == v for k, v in fields.items())
        ]

    async def wait_for(self, name: str, count: int = 1, **fields: Any) -> list[Any]:
        try:
            async with asyncio.timeout(WAIT_S):
                while len(found := self.named(name, **fields)) < count:
                    self.changed.clear()
                    await self.changed.wait()
                return found
        except TimeoutError:
            raise AssertionError(
                f"no {count} {name} {fields} within {WAIT_S}s; saw {[n for n, _ in self.seen]}"
            ) from None


@dataclass
class World:
    telephony: Process
    sandbox_url: str
    database_url: str
    namespace: str
    nc: NatsClient
    cipher: FieldCipher
    agent: Agent
    events: Events
    spas: dict[str, Spa]
    workdir: Path

    @property
    def url(self) -> str:
        return self.telephony.url

    def config(self, spa: str) -> SpaConfig:
        return load_spas(self.workdir / "spas").get(spa)

    def sign(self, path: str, params: dict[str, str]) -> dict[str, str]:
        signature = RequestValidator(SANDBOX_TOKEN).compute_signature(self.url + path, params)
        return {"X-Twilio-Signature": signature}

    async def post(
        self, path: str, params: dict[str, str], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A webhook as Twilio sends it: signed over the public URL unless headers say otherwise."""
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(
                self.url + path,
                data=params,
                headers=self.sign(path, params) if headers is None else headers,
            )

    async def sandbox(self, method: str, path: str, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.sandbox_url, timeout=60) as client:
            response = await client.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def call(self, spa: str, caller: str, *say: object, staff: str = "no-answer") -> dict:
        return await self.sandbox(
            "POST",
            "/sandbox/call",
            json={"from": caller, "to": self.spas[spa].number, "say": list(say), "staff": staff},
        )

    async def text(self, spa: str, sender: str, body: str) -> dict:
        return await self.sandbox(
            "POST", "/sandbox/sms", json={"from": sender, "to": self.spas[spa].number, "body": body}
        )

    async def phone_messages(self, phone: str, direction: str = "outbound") -> list[dict]:
        got = await self.sandbox("GET", "/sandbox/messages", params={"phone": phone})
        return [m for m in got if m["direction"] == direction]

    async def wait_for_messages(self, phone: str, count: int) -> list[dict]:
        async with asyncio.timeout(WAIT_S):
            while len(found := await self.phone_messages(phone)) < count:
                await asyncio.sleep(0.05)
            return found

    async def command(self, spa: str, message: Message, *, envelope_id: str | None = None) -> None:
        envelope = Envelope.wrap(spa, message, "test", event_id=envelope_id or str(uuid.uuid4()))
        await self.nc.jetstream().publish(
            envelope.subject(self.namespace), envelope.payload, headers=envelope.headers()
        )

    async def optout_changes(self, phone: str, count: int) -> list[Any]:
        """This number's optout.changed events, once there are `count` of them."""

        def mine() -> list[Any]:
            return [
                e
                for e in self.events.named("optout.changed")
                if self.cipher.open(e.phone, Purpose.PHONE) == phone
            ]

        async with asyncio.timeout(WAIT_S):
            while len(found := mine()) < count:
                self.events.changed.clear()
                await self.events.changed.wait()
            return found

    async def wait_handled(self, envelope_ids: list[str]) -> None:
        """Until telephony's consumers have handled (committed) each of these envelopes."""
        async with asyncio.timeout(WAIT_S):
            while True:
                rows = await self.fetch(
                    "SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1)", envelope_ids
                )
                if rows[0]["n"] >= len(envelope_ids):
                    return
                await asyncio.sleep(0.05)

    async def db(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.database_url)
        await conn.execute("SET search_path TO telephony")
        return conn

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await self.db()
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    def seal(self, value: str, purpose: str) -> Any:
        return self.cipher.seal(value, purpose)


async def start_agent(nc: NatsClient, namespace: str, agent: Agent) -> None:
    await nc.subscribe(voice_turn_subject(namespace, "*"), cb=agent.on_request)


async def start_events(nc: NatsClient, namespace: str, events: Events) -> None:
    await nc.subscribe(f"{namespace}.evt.>", cb=events.on_message)


async def connect(url: str) -> NatsClient:
    return await nats.connect(url)


def utc_now() -> datetime:
    return datetime.now(UTC)
