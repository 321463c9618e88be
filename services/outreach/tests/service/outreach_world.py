"""Outreach's handlers and runner on a real PostgreSQL schema of their own, with the
scheduler faked at its port and a clock that moves only when told.

A test feeds events through the real handlers (inside a transaction with the inbox row,
as the consumer does), runs the due jobs with real runners, and reads what outreach owes
telephony and says to everyone from its outbox, opened as telephony would open it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from medspa.events.v1 import booking_pb2
from medspa_kit import inbox
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.db import create_pool
from medspa_kit.envelope import Envelope
from medspa_kit.migrate import migrate_service
from outreach.dispatch import Dispatcher
from outreach.domain.rules import Limits
from outreach.handlers import Handlers
from outreach.main import policy_from
from outreach.ports import CalendarUnavailable, Contact, Held, HoldRequest, Slot, SlotGone
from outreach.runner import JobRunner
from outreach.settings import OutreachSettings
from outreach.work.context import Policy
from spa_config import SpaConfig, SpaDirectory, load_spas

SPA: SpaConfig = load_spas(None).get("lumen-aesthetics")
LA = ZoneInfo("America/Los_Angeles")


def spa_with(**policies: Any) -> SpaDirectory:
    """The demo spa with some of its policies changed (as its owner would in its file)."""
    spa = SPA.model_copy(update={"policies": SPA.policies.model_copy(update=policies)})
    return SpaDirectory([spa])


def stamp(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


def la(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """A Los Angeles wall time in 2026, as the instant it is."""
    return datetime(2026, month, day, hour, minute, tzinfo=LA).astimezone(UTC)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.value = start

    def now(self) -> datetime:
        return self.value

    def set(self, value: datetime) -> None:
        self.value = value


@dataclass
class FakeScheduler:
    """The scheduler's answers (contacts, waitlist, slots, holds), set by the test."""

    patients: dict[str, Contact] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    upcoming: set[tuple[str, str]] = field(default_factory=set)
    deposit_required: bool = False
    taken: set[datetime] = field(default_factory=set)
    holds: list[HoldRequest] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    contact_reads: list[tuple[str, ...]] = field(default_factory=list)
    unavailable: bool = False
    # Awaited inside every contacts read: lets a test hold a runner mid-batch.
    gate: Callable[[], Awaitable[None]] | None = None

    def add_patient(
        self,
        patient_id: str,
        phone: str,
        *,
        zone: str | None = None,
        consent: bool = False,
    ) -> None:
        tz = ZoneInfo(zone) if zone else None
        self.patients[patient_id] = Contact(patient_id, phone, tz, consent)

    async def contacts(self, spa_id: str, patient_ids: Any, purpose: str) -> dict[str, Contact]:
        if self.gate is not None:
            await self.gate()
        if self.unavailable:
            raise CalendarUnavailable("UNAVAILABLE")
        self.contact_reads.append(tuple(patient_ids))
        return {p: self.patients[p] for p in patient_ids if p in self.patients}

    async def waitlist(
        self, spa_id: str, service_id: str, provider_id: str, start: datetime, end: datetime
    ) -> list[str]:
        return list(self.waiting)

    async def has_upcoming(
        self, spa_id: str, patient_id: str, service_id: str, now: datetime
    ) -> bool:
        return (patient_id, service_id) in self.upcoming

    async def find_slots(
        self,
        spa_id: str,
        service_id: str,
        provider_id: str,
        start: datetime,
        end: datetime,
        count: int,
    ) -> list[Slot]:
        fits = [s for s in self.slots if not provider_id or s.provider_id == provider_id]
        return fits[:count]

    async def hold(self, request: HoldRequest) -> Held:
        self.holds.append(request)
        if request.start in self.taken:
            raise SlotGone("failed_precondition")
        self.taken.add(request.start)
        return Held(f"held-{len(self.holds)}", self.deposit_required)

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> None:
        self.confirmed.append(appointment_id)


class Registrations:
    """Stands in for the kit's Consumer: keeps each event name's handler."""

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def register(self, kind: str, name: str, handler: Any) -> None:
        self.handlers[name] = handler


@dataclass
class Sent:
    """A command outreach queued for telephony, opened."""

    name: str
    command_id: str
    phone: str
    body: str
    purpose: str
    conversation_id: str


@dataclass
class World:
    pool: asyncpg.Pool
    schema: str
    database_url: str
    cipher: FieldCipher
    clock: FakeClock
    scheduler: FakeScheduler
    spas: SpaDirectory
    policy: Policy
    limits: Limits
    handlers: dict[str, Any]
    namespace: str = "t"
    # The real scheduler's adapter (contacts and calendar), in place of the fake.
    calendar: Any = None

    def runner(self, pool: asyncpg.Pool | None = None, batch_size: int = 100) -> JobRunner:
        port = self.calendar or self.scheduler
        dispatcher = Dispatcher(
            self.spas,
            port,
            port,
            self.cipher,
            Catalog.load("outreach"),
            self.policy,
            self.limits,
            self.namespace,
        )
        return JobRunner(
            pool or self.pool, dispatcher, self.cipher, self.clock, batch_size=batch_size
        )

    async def run(self) -> int:
        return await self.runner().run_due()

    async def at(self, moment: datetime) -> int:
        """Move the clock and run whatever has fallen due."""
        self.clock.set(moment)
        return await self.run()

    async def event(
        self, message: Message, *, event_id: str | None = None, spa_id: str = SPA.id
    ) -> str:
        """Handle an event as the consumer would: once per id, in one transaction."""
        envelope = Envelope.wrap(spa_id, message, "test", event_id=event_id)
        envelope = Envelope(
            kind=envelope.kind,
            name=envelope.name,
            spa_id=spa_id,
            source="test",
            payload=envelope.payload,
            id=envelope.id,
            time=self.clock.now(),
        )
        async with self.pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, f"outreach-{envelope.name}", envelope.id):
                await self.handlers[envelope.name](conn, envelope, envelope.message())
        return envelope.id

    async def outbox(self) -> list[Envelope]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT subject, headers, payload FROM outbox ORDER BY id")
        return [
            Envelope.from_nats(r["subject"], json.loads(r["headers"]), bytes(r["payload"]))
            for r in rows
        ]

    async def sent(self, phone: str | None = None) -> list[Sent]:
        out: list[Sent] = []
        for envelope in await self.outbox():
            if envelope.kind != "cmd":
                continue
            command: Any = envelope.message()
            to = self.cipher.open(command.to_phone, Purpose.PHONE)
            if envelope.name == "message.send":
                body = self.cipher.open(command.body, Purpose.SMS_BODY)
            else:
                body = command.script
            if phone is None or to == phone:
                out.append(
                    Sent(
                        envelope.name,
                        command.command_id,
                        to,
                        body,
                        command.purpose,
                        command.conversation_id,
                    )
                )
        return out

    async def said(self, name: str) -> list[Any]:
        return [e.message() for e in await self.outbox() if e.kind == "evt" and e.name == name]

    async def jobs(self, kind: str | None = None) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await conn.fetch(
                "SELECT * FROM jobs WHERE $1::text IS NULL OR kind = $1 ORDER BY due_at, id", kind
            )

    def seal(self, phone: str) -> Any:
        return self.cipher.seal(phone, Purpose.PHONE)


async def make_world(
    database_url: str,
    work: Path,
    *,
    start: datetime,
    spas: SpaDirectory | None = None,
    limits: Limits | None = None,
    **settings: Any,
) -> World:
    schema = f"outreach_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(database_url)
    try:
        await migrate_service(conn, "outreach", schema)
    finally:
        await conn.close()
    pool = await create_pool(database_url, schema, max_size=8, application_name="outreach-test")
    cipher = FieldCipher(dev_keyring(work / "field-keys.json"))
    clock = FakeClock(start)
    scheduler = FakeScheduler()
    config = OutreachSettings(**settings)
    policy = policy_from(config)
    directory = spas or load_spas(None)
    registrations = Registrations()
    Handlers(
        directory,
        cipher,
        clock,
        policy.timing,
        missed_call_cooldown=timedelta(minutes=config.missed_call_cooldown_minutes),
    ).register(registrations)  # type: ignore[arg-type]
    return World(
        pool=pool,
        schema=schema,
        database_url=database_url,
        cipher=cipher,
        clock=clock,
        scheduler=scheduler,
        spas=directory,
        policy=policy,
        limits=limits or Limits(),
        handlers=registrations.handlers,
    )


async def drop_world(world: World) -> None:
    await world.pool.close()
    conn = await asyncpg.connect(world.database_url)
    try:
        await conn.execute(f'DROP SCHEMA "{world.schema}" CASCADE')
    finally:
        await conn.close()


def booking(
    start: datetime,
    *,
    appointment_id: str | None = None,
    patient_id: str = "patient-1",
    service_id: str = "botox",
    provider_id: str = "maya-chen",
    minutes: int = 30,
    conversation_id: str = "",
) -> booking_pb2.Booking:
    return booking_pb2.Booking(
        appointment_id=appointment_id or str(uuid.uuid4()),
        spa_id=SPA.id,
        service_id=service_id,
        provider_id=provider_id,
        patient_id=patient_id,
        start=stamp(start),
        end=stamp(start + timedelta(minutes=minutes)),
        conversation_id=conversation_id,
    )


async def until_both(event: asyncio.Event, count: list[int], parties: int) -> None:
    """A gate that lets callers through only once `parties` of them are waiting."""
    count[0] += 1
    if count[0] >= parties:
        event.set()
    await event.wait()
