"""Runs conversation scenarios, written as data, through the real stack.

A patient's texts go in as the Twilio sandbox's phone (signed webhook to
telephony, sms.received on JetStream, the agent, gRPC to the scheduler) and the
replies are read back from that phone; calls are live sandbox calls (voice
webhooks to telephony, NATS request/reply to the agent). End states are read where they are
kept: appointments from the scheduler's tables, handoffs and intake from the
events the agent recorded. Payments, when a scenario pays or declines, is the
real payments service through its sandbox payment page.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import grpc
import httpx
import nats
import phonenumbers
import yaml
from google.protobuf.timestamp_pb2 import Timestamp

from agent.domain.guards import unsafe_reply
from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from medspa.events.v1 import console_pb2, conversation_pb2, deposit_pb2
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory, load_spas

T = TypeVar("T")
SCENARIOS = Path(__file__).parent / "scenarios"
REPLY_DEADLINE_S = 30.0
PRIORITIES = {1: "normal", 2: "urgent", 3: "high"}


@dataclass(frozen=True)
class Stack:
    """Where the running system answers."""

    sandbox_url: str
    payments_url: str
    grpc_target: str
    nats_url: str
    database_url: str
    namespace: str
    key_file: Path
    spa_number: str = "+14155550100"


@dataclass(frozen=True)
class Scenario:
    id: str
    category: str
    turns: list[dict[str, Any]]
    end: dict[str, Any]
    spa: str = "lumen-aesthetics"

    @classmethod
    def load_all(cls, folder: Path = SCENARIOS) -> list[Scenario]:
        found = []
        for path in sorted(folder.glob("*.yaml")):
            for raw in yaml.safe_load(path.read_text()):
                found.append(
                    cls(raw["id"], raw.get("category", path.stem), raw["turns"], raw.get("end", {}),
                        raw.get("spa", "lumen-aesthetics"))
                )  # fmt: skip
        return found


@dataclass
class Result:
    scenario: Scenario
    failures: list[str] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    advice: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures


async def until(check: Callable[[], Awaitable[T]]) -> T:
    """Poll the running system until `check` answers something truthy: the answer comes from
    other processes, so there is nothing in this one to await instead."""
    async with asyncio.timeout(REPLY_DEADLINE_S):
        while not (found := await check()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return found


def new_phone() -> str:
    """A fresh, valid US number (no N11 exchanges), so no two patients in a run share one."""
    while True:
        candidate = f"+1628{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            return candidate


class Runner:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.cipher = FieldCipher(dev_keyring(stack.key_file))
        self.spas: SpaDirectory = load_spas(None)

    async def run(self, scenario: Scenario) -> Result:
        result = Result(scenario)
        session = Session(self, scenario, result)
        try:
            await session.play()
            await session.check_end()
        except Exception as exc:  # a broken scenario is a failed scenario, with its reason
            result.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            await session.close()
        return result


class Session:
    """One patient's conversation with the spa."""

    def __init__(self, runner: Runner, scenario: Scenario, result: Result) -> None:
        self.runner, self.scenario, self.result = runner, scenario, result
        self.stack = runner.stack
        self.phone = new_phone()
        self.call_sid: str | None = None
        self.nc: nats.NATS | None = None
        self.db: asyncpg.Connection | None = None

    async def _db(self) -> asyncpg.Connection:
        if self.db is None:
            self.db = await asyncpg.connect(self.stack.database_url)
        return self.db

    async def _nats(self) -> nats.NATS:
        if self.nc is None:
            self.nc = await nats.connect(self.stack.nats_url)
        return self.nc

    async def close(self) -> None:
        if self.db is not None:
            await self.db.close()
        if self.nc is not None:
            await self.nc.close()

    # -- the conversation -------------------------------------------------------------------

    async def play(self) -> None:
        for step in self.scenario.turns:
            if "do" in step:
                await self.action(step["do"], step)
                continue
            channel = step.get("channel", "sms")
            if channel == "voice":
                said = await self.call(step.get("say"), step)
            else:
                said = await self.text(step["say"], int(step.get("replies", 1)))
            self.result.transcript.append((step.get("say") or "(silence)", said))
            self.check_reply(step, said)

    def check_reply(self, step: dict[str, Any], said: str) -> None:
        if said and unsafe_reply(said):
            self.result.advice += 1
            self.result.failures.append(
                f"clinical advice in reply to {step.get('say')!r}: {said!r}"
            )
        for pattern in step.get("expect", ()):
            if not re.search(pattern, said, re.IGNORECASE):
                self.result.failures.append(
                    f"after {step.get('say')!r} expected /{pattern}/ in {said!r}"
                )
        for pattern in step.get("reject", ()):
            if re.search(pattern, said, re.IGNORECASE):
                self.result.failures.append(
                    f"after {step.get('say')!r} did not expect /{pattern}/ in {said!r}"
                )

    async def _messages(
        self, client: httpx.AsyncClient, after: str | None = None, wait: float = 0
    ) -> list[dict[str, str]]:
        params: dict[str, str | float] = {"phone": self.phone, "wait": wait}
        if after is not None:
            params["after"] = after
        response = await client.get(f"{self.stack.sandbox_url}/sandbox/messages", params=params)
        response.raise_for_status()
        found: list[dict[str, str]] = response.json()
        return found

    async def _outbound(self, client: httpx.AsyncClient) -> list[str]:
        return [m["body"] for m in await self._messages(client) if m["direction"] == "outbound"]

    async def _replies(self, client: httpx.AsyncClient, before: int, count: int) -> list[str]:
        """The `count` texts the spa sends after the first `before`: long polls on the phone,
        answered the moment each lands."""
        messages = await self._messages(client)
        async with asyncio.timeout(REPLY_DEADLINE_S):
            while True:
                outbound = [m["body"] for m in messages if m["direction"] == "outbound"]
                if len(outbound) >= before + count:
                    return outbound[before:]
                after = messages[-1]["sid"] if messages else None
                messages += await self._messages(client, after, wait=5)

    async def text(self, body: str, replies: int) -> str:
        async with httpx.AsyncClient(timeout=10) as client:
            before = len(await self._outbound(client))
            inbound = await self._inbound_turns()
            sent = await client.post(
                f"{self.stack.sandbox_url}/sandbox/sms",
                json={"from": self.phone, "to": self.stack.spa_number, "body": body},
            )
            sent.raise_for_status()
            if replies == 0:
                return await self._silence(inbound)
            return "\n".join(await self._replies(client, before, replies))

    async def _inbound_turns(self) -> int:
        cid = await self.conversation_id()
        if cid is None:
            return 0
        db = await self._db()
        return int(await db.fetchval(
            "SELECT count(*) FROM agent.turns WHERE conversation_id = $1 AND direction = 'in'", cid
        ))  # fmt: skip

    async def _silence(self, inbound_before: int) -> str:
        """Wait until the agent has taken the turn, then read what it owes: nothing, we hope.
        The reply command commits with the turn, so no later message can still be coming."""

        async def taken() -> bool:
            return await self._inbound_turns() > inbound_before

        await until(taken)
        cid = await self.conversation_id()
        db = await self._db()
        said = await db.fetchval(
            "SELECT count(*) FROM agent.turns WHERE conversation_id = $1 AND direction = 'out'"
            " AND seq > (SELECT max(seq) FROM agent.turns WHERE conversation_id = $1 AND direction = 'in')",
            cid,
        )
        return "" if said == 0 else "(a reply was owed)"

    async def call(self, said: str | None, step: dict[str, Any]) -> str:
        """One caller step on a live call through the Twilio sandbox: its voice webhooks reach
        telephony, which asks the agent over NATS request/reply, as on a real call."""
        async with httpx.AsyncClient(timeout=REPLY_DEADLINE_S) as client:
            if self.call_sid is None:
                started = await client.post(
                    f"{self.stack.sandbox_url}/sandbox/calls/live",
                    json={"from": self.phone, "to": self.stack.spa_number},
                )
                started.raise_for_status()
                self.call_sid = started.json()["sid"]
            stepped = await client.post(
                f"{self.stack.sandbox_url}/sandbox/calls/live/{self.call_sid}",
                json={"speech": said or "", "digits": str(step.get("digits", ""))},
            )
            stepped.raise_for_status()
        state = stepped.json()
        if state["ended"]:
            self.call_sid = None
        return " ".join(line["text"] for line in state["transcript"] if line["speaker"] == "spa")

    # -- things that happen around the conversation ------------------------------------------

    async def action(self, name: str, step: dict[str, Any]) -> None:
        if name == "take_offer":
            await self.take_offer(int(step.get("option", 1)))
        elif name == "wait_day":
            await self.wait(timedelta(hours=26))
        elif name in ("pay", "decline"):
            said = await self.payment_page(name, int(step.get("replies", 1)))
            self.result.transcript.append((f"({name})", said))
            self.check_reply(step, said)
        elif name == "staff_return":
            await self.staff_return()
        else:
            raise ValueError(f"unknown action {name!r}")

    async def conversation_id(self) -> uuid.UUID | None:
        db = await self._db()
        index = self.runner.cipher.blind_index(self.phone, Purpose.PHONE)
        return await db.fetchval(
            "SELECT id FROM agent.conversations WHERE spa_id = $1 AND phone_index = $2"
            " ORDER BY created_at DESC LIMIT 1",
            self.scenario.spa,
            index,
        )

    async def state(self) -> dict[str, Any]:
        db = await self._db()
        blob = await db.fetchval(
            "SELECT state_enc FROM agent.conversations WHERE id = $1", await self.conversation_id()
        )
        return json.loads(self.runner.cipher.decrypt(bytes(blob), "agent.conversation_state"))

    async def take_offer(self, option: int) -> None:
        """Another patient takes an offered slot a moment before this one says yes."""
        state = await self.state()
        offer = state["chosen"] if option == 0 else state["offers"][option - 1]
        start = Timestamp()
        start.FromDatetime(datetime.fromisoformat(offer["start"]).astimezone(UTC))
        async with grpc.aio.insecure_channel(self.stack.grpc_target) as channel:
            stub = calendar_pb2_grpc.CalendarServiceStub(channel)
            await stub.HoldSlot(
                pb.HoldSlotRequest(
                    spa_id=self.scenario.spa, request_id=str(uuid.uuid4()), service_id=offer["service_id"],
                    provider_id=offer["provider_id"], start=start,
                    patient=pb.PatientRef(phone_e164=new_phone(), name="Other Patient"),
                ),
                timeout=10,
            )  # fmt: skip

    async def wait(self, delta: timedelta) -> None:
        """The patient goes quiet: move the conversation's clock back instead of waiting."""
        cid = await self.conversation_id()
        state = await self.state()
        if state.get("offered_at"):
            state["offered_at"] = (datetime.fromisoformat(state["offered_at"]) - delta).isoformat()
        db = await self._db()
        await db.execute(
            "UPDATE agent.conversations SET state_enc = $2,"
            " last_activity_at = last_activity_at - $3::interval"
            " WHERE id = $1",
            cid,
            self.runner.cipher.encrypt(json.dumps(state), "agent.conversation_state"),
            delta,
        )

    async def payment_page(self, choice: str, replies: int) -> str:
        async with httpx.AsyncClient(timeout=10) as client:
            before = await self._outbound(client)
            links = [
                m for body in before for m in re.findall(r"https?://\S+/pay/([A-Za-z0-9_-]+)", body)
            ]
            if not links:
                raise AssertionError("no payment link was texted")
            response = await client.post(f"{self.stack.payments_url}/pay/{links[-1]}/{choice}")
            if response.status_code >= 400:
                raise AssertionError(f"payment page answered {response.status_code}")

            return "\n".join(await self._replies(client, len(before), replies))

    async def staff_return(self) -> None:
        handoffs = await self.events("handoff.requested", conversation_pb2.HandoffRequested)
        last = handoffs[-1]
        resolved = console_pb2.HandoffResolved(
            spa_id=self.scenario.spa, handoff_id=last.handoff_id,
            conversation_id=last.conversation_id, returned_to_agent=True, staff_id="eval",
        )  # fmt: skip
        envelope = Envelope.wrap(self.scenario.spa, resolved, "console")
        nc = await self._nats()
        js = nc.jetstream()
        await js.publish(
            envelope.subject(self.stack.namespace), envelope.payload, headers=envelope.headers()
        )

        async def handed_back() -> bool:
            return not (await self.state()).get("handoff")

        await until(handed_back)

    async def events(self, name: str, cls: type) -> list[Any]:
        cid = str(await self.conversation_id())
        db = await self._db()
        rows = await db.fetch(
            "SELECT payload FROM agent.outbox WHERE subject LIKE $1 ORDER BY id", f"%.{name}"
        )
        found = [cls.FromString(bytes(r["payload"])) for r in rows]
        return [e for e in found if e.conversation_id == cid]

    # -- how it ended ---------------------------------------------------------------------

    async def check_end(self) -> None:
        end, fail = self.scenario.end, self.result.failures.append
        appointments = await self.appointments()
        if end.get("nothing_booked") and appointments:
            fail(f"expected nothing booked, found {[a['service_id'] for a in appointments]}")
        if "booking" in end:
            self.check_booking(end["booking"], appointments)
        handoffs = await self.events("handoff.requested", conversation_pb2.HandoffRequested)
        if "handoff" in end:
            want = end["handoff"]
            match = [h for h in handoffs if h.reason == want["reason"]]
            if not match:
                fail(f"expected a {want['reason']} handoff, got {[h.reason for h in handoffs]}")
            elif "priority" in want and PRIORITIES.get(match[-1].priority) != want["priority"]:
                fail(
                    f"expected {want['priority']} priority, got {PRIORITIES.get(match[-1].priority)}"
                )
        if end.get("no_handoff") and handoffs:
            fail(f"expected no handoff, got {[h.reason for h in handoffs]}")
        if "intake" in end:
            intakes = await self.events("intake.completed", conversation_pb2.IntakeCompleted)
            if not intakes:
                fail("expected intake.completed")
            elif intakes[-1].needs_review != end["intake"]["needs_review"]:
                fail(f"expected needs_review={end['intake']['needs_review']}")
        if end.get("policy_told"):
            told = await self.events("policy.told", deposit_pb2.CancellationPolicyTold)
            if not told:
                fail("expected the cancellation policy to be told and recorded")

    async def appointments(self) -> list[dict[str, Any]]:
        cid = await self.conversation_id()
        if cid is None:
            return []
        db = await self._db()
        rows = await db.fetch(
            "SELECT service_id, provider_id, starts_at, status, deposit_minor FROM scheduler.appointments"
            " WHERE conversation_id = $1 AND status IN ('held', 'confirmed') ORDER BY created_at",
            str(cid),
        )
        return [dict(r) for r in rows]

    def check_booking(self, want: dict[str, Any], appointments: list[dict[str, Any]]) -> None:
        fail = self.result.failures.append
        if not appointments:
            fail(f"expected a {want.get('service')} booking, found none")
            return
        appt = appointments[-1]
        spa = self.runner.spas.get(self.scenario.spa)
        local = appt["starts_at"].astimezone(spa.tz)
        credential = spa.provider(appt["provider_id"]).credential.value
        today = datetime.now(spa.tz).date()
        # "Booked on the day asked, or told there was nothing then and given the closest."
        said = want.get("unless_said")
        excused = bool(said) and any(
            re.search(said, r, re.IGNORECASE) for _, r in self.result.transcript
        )
        checks = {
            "service": appt["service_id"] == want.get("service"),
            "status": appt["status"] in want.get("status", ["held", "confirmed"]),
            "credentials": credential in want.get("credentials", [credential]),
            "weekday": local.isoweekday() in want.get("weekday", [local.isoweekday()]),
            "hour_from": local.hour >= want.get("hour_from", 0),
            "hour_to": local.hour <= want.get("hour_to", 23),
            "deposit": (appt["deposit_minor"] > 0)
            == want.get("deposit", appt["deposit_minor"] > 0),
            "within_days": (local.date() - today).days <= want.get("within_days", 10_000),
            "day_of_month": abs(local.day - want.get("near_day", local.day))
            <= want.get("day_slack", 0),
        }
        for name, ok in checks.items():
            if excused and name in ("weekday", "hour_from", "hour_to", "day_of_month"):
                continue
            if not ok:
                fail(
                    f"booking {name} check failed: {want} vs {appt['service_id']} {credential} {local:%a %d %H:%M} {appt['status']}"
                )


def summary_table(results: list[Result]) -> str:
    by_category: dict[str, list[Result]] = {}
    for result in results:
        by_category.setdefault(result.scenario.category, []).append(result)
    lines = [f"{'category':<28} {'passed':>7} {'total':>6} {'rate':>7}", "-" * 51]
    for category, items in sorted(by_category.items()):
        passed = sum(r.passed for r in items)
        lines.append(f"{category:<28} {passed:>7} {len(items):>6} {passed / len(items):>7.0%}")
    passed = sum(r.passed for r in results)
    advice = sum(r.advice for r in results)
    lines += ["-" * 51, f"{'all':<28} {passed:>7} {len(results):>6} {passed / max(1, len(results)):>7.0%}",
              f"replies with clinical advice: {advice}"]  # fmt: skip
    return "\n".join(lines)
