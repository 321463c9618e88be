"""The console in-process on real PostgreSQL and NATS JetStream, with a fake calendar.

`running_console` starts the real service through `run_service` (consumers, outbox relay,
sweeper, live feed, HTTP) on a free port, in a database schema and bus namespace of the
test session's own, and hands the test what it needs: publish the events other services
say, read the commands and events the console says, sign staff in over HTTP, move the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import nats
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from console.auth.passwords import Passwords
from console.domain.roles import Role
from console.main import build
from console.ports import AppointmentInfo, ProviderInfo, WaitlistEntryInfo
from console.settings import ConsoleSettings
from medspa_kit.crypto import FieldCipher, dev_keyring
from medspa_kit.db import create_pool
from medspa_kit.envelope import Envelope
from medspa_kit.runtime import Runtime, run_service
from medspa_kit.streams import delete_streams, ensure_streams

SPA = "lumen-aesthetics"
PASSWORD = "correct horse battery staple"
DEADLINE_S = 30.0
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stamp(moment: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment)
    return out


class FakeClock:
    """Starts at the real time and moves only when a test says so."""

    def __init__(self) -> None:
        self.value = datetime.now(UTC)

    def now(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


@dataclass
class FakeCalendar:
    """The scheduler's answers, set by the test; every query is kept."""

    providers_: list[ProviderInfo] = field(default_factory=list)
    appointments_: list[AppointmentInfo] = field(default_factory=list)
    waitlist_: list[WaitlistEntryInfo] = field(default_factory=list)
    # patient id -> name on file.
    names_: dict[str, str] = field(default_factory=dict)
    queries: list[dict[str, Any]] = field(default_factory=list)
    name_reads: list[tuple[list[str], str]] = field(default_factory=list)

    async def providers(self, spa_id: str) -> list[ProviderInfo]:
        return self.providers_

    async def appointments(self, spa_id: str, **query: Any) -> list[AppointmentInfo]:
        self.queries.append(query)
        found = self.appointments_
        if query.get("patient_id"):
            found = [a for a in found if a.patient_id == query["patient_id"]]
        if query.get("start") is not None:
            found = [a for a in found if query["start"] <= a.start < query["end"]]
        return found

    async def waitlist(
        self, spa_id: str, *, service_id: str = "", max_results: int = 0
    ) -> list[WaitlistEntryInfo]:
        """As the scheduler answers: waiting entries oldest first, at most max_results (its
        default 100 for 0)."""
        self.queries.append({"waitlist": service_id, "max_results": max_results})
        found = sorted(self.waitlist_, key=lambda e: (e.waiting_since, e.id))
        if service_id:
            found = [e for e in found if e.service_id == service_id]
        return found[: max_results or 100]

    async def patient_names(
        self, spa_id: str, patient_ids: list[str], purpose: str
    ) -> dict[str, str]:
        self.name_reads.append((list(patient_ids), purpose))
        return {p: self.names_[p] for p in patient_ids if p in self.names_}

    async def close(self) -> None:
        return None


async def eventually(probe: Callable[[], Awaitable[T | None]], seconds: float = DEADLINE_S) -> T:
    """Wait for the asynchronous pipeline (JetStream, consumers, relay) to produce something.

    Polls instead of sleeping a fixed time: the answer is taken as soon as it exists, and the
    deadline only bounds a broken run.
    """
    async with asyncio.timeout(seconds):
        while True:
            value = await probe()
            if value:
                return value
            await asyncio.sleep(0.05)


@dataclass
class Staff:
    """One signed-in browser, over HTTP: keeps the session cookie by hand because the
    console sets it Secure (`__Host-`), which a plain-HTTP cookie jar would never send."""

    client: httpx.AsyncClient
    cookie: str = ""
    csrf: str = ""

    def headers(self, csrf: bool = True) -> dict[str, str]:
        out = {"Cookie": self.cookie} if self.cookie else {}
        if csrf and self.csrf:
            out["X-CSRF-Token"] = self.csrf
        return out

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(False), **kw)

    async def post(self, path: str, *, csrf: bool = True, **kw: Any) -> httpx.Response:
        return await self.client.post(path, headers=self.headers(csrf), **kw)

    async def put(self, path: str, **kw: Any) -> httpx.Response:
        return await self.client.put(path, headers=self.headers(), **kw)

    async def form(self, path: str, data: dict[str, str]) -> httpx.Response:
        return await self.client.post(
            path, headers=self.headers(False), data={**data, "csrf_token": self.csrf}
        )


def session_cookie(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("__Host-console_session=") or header.startswith("console_session="):
            return header.split(";", 1)[0]
    return ""


@dataclass
class Console:
    url: str
    pool: asyncpg.Pool
    nc: Any
    namespace: str
    cipher: FieldCipher
    clock: FakeClock
    calendar: FakeCalendar
    settings: ConsoleSettings
    passwords: Passwords
    runtime: Runtime | None = None

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10.0, follow_redirects=False)

    async def publish(self, message: Message, event_id: str | None = None) -> str:
        envelope = Envelope.wrap(SPA, message, "test", event_id=event_id or str(uuid.uuid4()))
        await self.nc.jetstream().publish(
            envelope.subject(self.namespace), envelope.payload, headers=envelope.headers()
        )
        return envelope.id

    async def account(self, role: Role, username: str | None = None) -> str:
        from console.auth.accounts import Accounts
        from console.domain.lockout import LockoutPolicy

        name = username or f"{role.value}-{uuid.uuid4().hex[:8]}@spa.test"
        accounts = Accounts(self.passwords, LockoutPolicy(5, 15))
        async with self.pool.acquire() as conn:
            await accounts.create(
                conn, spa_id=SPA, username=name, display_name=name.split("@")[0], role=role,
                password=PASSWORD,
            )  # fmt: skip
        return name

    async def sign_in(self, role: Role) -> Staff:
        staff = Staff(self.client())
        username = await self.account(role)
        page = await staff.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        login_cookie = page.headers["set-cookie"].split(";", 1)[0]
        answer = await staff.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
            headers={"Cookie": login_cookie},
        )
        assert answer.status_code == 303, answer.text
        staff.cookie = session_cookie(answer)
        me = await staff.get("/inbox" if role is not Role.AUDITOR else "/audit")
        found = re.search(r'name="csrf_token" value="([^"]+)"', me.text)
        staff.csrf = found.group(1) if found else ""
        return staff

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def outbox(self, name: str) -> list[Message]:
        """What the console owes the bus under `name`, in order (published or not yet)."""
        rows = await self.rows("SELECT subject, payload FROM outbox ORDER BY id")
        out = []
        for row in rows:
            parts = row["subject"].split(".")
            if ".".join(parts[3:]) == name:
                out.append(
                    Envelope(parts[1], name, parts[2], "", row["payload"]).message()  # type: ignore[arg-type]
                )
        return out


@contextlib.asynccontextmanager
async def fresh_stack(stack: Any) -> AsyncIterator[tuple[str, str]]:
    """A database and a bus namespace nobody else uses (not even the whole-system tests)."""
    from devstack.infra import create_database, drop_database

    run = uuid.uuid4().hex[:10]
    name, namespace = f"console_test_{run}", f"con{run}"
    url = await create_database(stack.admin_database_url, name)
    nc = await nats.connect(stack.nats_url)
    await ensure_streams(nc.jetstream(), namespace)
    try:
        yield url, namespace
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
        await drop_database(stack.admin_database_url, name)


@contextlib.asynccontextmanager
async def running_console(stack: Any, workdir: Path, **overrides: Any) -> AsyncIterator[Console]:
    """Run the console until the test is done; yields once it is ready."""
    async with fresh_stack(stack) as (database_url, namespace):
        async with _running(database_url, stack.nats_url, namespace, workdir, **overrides) as c:
            yield c


@contextlib.asynccontextmanager
async def _running(
    database_url: str, nats_url: str, namespace: str, workdir: Path, **overrides: Any
) -> AsyncIterator[Console]:
    port = overrides.pop("port", None) or free_port()
    settings = ConsoleSettings(
        host="127.0.0.1",
        port=port,
        database_url=database_url,
        nats_url=nats_url,
        bus_namespace=namespace,
        field_key_file=workdir / "field-keys.json",
        scheduler_grpc_target="127.0.0.1:1",
        sweep_every_s=0.2,
        **overrides,
    )
    clock = FakeClock()
    calendar = FakeCalendar()
    passwords = Passwords(PasswordHasher.from_parameters(CHEAPEST))
    app, wire = build(settings, clock=clock.now, calendar=calendar, passwords=passwords)
    ready = asyncio.Event()
    holder: dict[str, Runtime] = {}

    async def wired(runtime: Runtime) -> None:
        await wire(runtime)
        holder["runtime"] = runtime
        ready.set()

    task = asyncio.create_task(run_service("console", settings, wired, port=port,
                                           host="127.0.0.1", app=app))  # fmt: skip
    await eventually(lambda: _ready(task, ready, f"http://127.0.0.1:{port}"), 60)
    # Few connections: the test reads tables now and then, and the server is shared.
    pool = await create_pool(database_url, "console", max_size=2)
    nc = await nats.connect(nats_url)
    harness = Console(
        url=f"http://127.0.0.1:{port}", pool=pool, nc=nc, namespace=namespace,
        cipher=FieldCipher(dev_keyring(workdir / "field-keys.json")), clock=clock,
        calendar=calendar, settings=settings, passwords=passwords, runtime=holder["runtime"],
    )  # fmt: skip
    try:
        yield harness
    finally:
        holder["runtime"].stop.set()
        await task
        await nc.close()
        await pool.close()


async def _ready(task: asyncio.Task[None], wired: asyncio.Event, url: str) -> bool:
    if task.done():
        task.result()
        raise RuntimeError("the console stopped while starting")
    if not wired.is_set():
        return False
    async with httpx.AsyncClient(timeout=2.0) as client:
        try:
            return (await client.get(f"{url}/readyz")).status_code == 200
        except httpx.TransportError:
            return False
