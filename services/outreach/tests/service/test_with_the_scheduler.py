"""Recall against the REAL scheduler over gRPC: marketing consent recorded with
SetMarketingConsent is what GetPatientContacts answers when the recall runs, so a
consent withdrawn after the recall was planned stops it (skipped, `no_consent`, said as
outreach.skipped), and one given lets it go.

The scheduler runs as its own process on this session's database and bus, as it is
deployed; outreach's handlers and runner run here on a schema of their own, reaching it
through the same gRPC adapter the service uses. Patients exist in the scheduler only once
they have booked: each is made by a hold that is then cancelled, so nothing is upcoming.

Until the scheduler serves SetMarketingConsent (it answers UNIMPLEMENTED), these tests
are skipped; any other answer fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import phonenumbers
import pytest
from outreach_world import SPA, World, booking, drop_world, make_world, stamp

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from medspa.events.v1 import booking_pb2
from outreach.adapters.calendar_grpc import GrpcCalendar
from tests.integration.system import Process, free_port

pytestmark = pytest.mark.integration
LA = ZoneInfo("America/Los_Angeles")
RECALL_DAYS = SPA.service("botox").recall_interval_days or 84


@pytest.fixture(scope="module")
async def scheduler_target(
    stack: Any, database_url: str, bus_namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """The real scheduler as its own process, on this session's database and bus."""
    workdir: Path = tmp_path_factory.mktemp("scheduler")
    grpc_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
        "NATS_URL": stack.nats_url,
        "DATABASE_URL": database_url,
        "MEDSPA_BUS_NAMESPACE": bus_namespace,
        "FIELD_KEY_FILE": str(workdir / "field-keys.json"),
        "SCHEDULER_GRPC_PORT": str(grpc_port),
        "SCHEDULER_PORT": str(free_port()),
        "STARTUP_TIMEOUT_S": "30",
    }
    process = Process(
        "scheduler", "scheduler", int(env["SCHEDULER_PORT"]), env, workdir / "scheduler.log"
    )
    process.start()
    try:
        await process.wait_ready()
        yield f"127.0.0.1:{grpc_port}"
    finally:
        process.stop()


class Scheduler:
    """The scheduler's own calls a test needs to set the scene (outreach never makes them)."""

    def __init__(self, target: str) -> None:
        self.channel = grpc.aio.insecure_channel(target)
        self.stub = calendar_pb2_grpc.CalendarServiceStub(self.channel)

    async def new_patient(self, phone: str) -> str:
        """A patient the scheduler knows, with nothing booked: a hold, then cancelled."""
        now = datetime.now(UTC)
        search = pb.FindSlotsRequest(
            spa_id=SPA.id,
            service_id="botox",
            to=stamp(now + timedelta(days=21)),
            preferences=pb.SlotPreferences(max_results=30, spread_across_days=True),
        )
        getattr(search, "from").CopyFrom(stamp(now + timedelta(days=2)))
        found = await self.stub.FindSlots(search, timeout=10)
        for slot in found.slots:
            try:
                held = await self.stub.HoldSlot(
                    pb.HoldSlotRequest(
                        spa_id=SPA.id,
                        request_id=str(uuid.uuid4()),
                        service_id="botox",
                        provider_id=slot.provider_id,
                        start=slot.start,
                        patient=pb.PatientRef(phone_e164=phone),
                    ),
                    timeout=10,
                )
            except grpc.aio.AioRpcError as exc:
                if exc.code() is grpc.StatusCode.FAILED_PRECONDITION:
                    continue  # another test's hold took it
                raise
            await self.stub.Cancel(
                pb.CancelRequest(
                    spa_id=SPA.id,
                    appointment_id=held.id,
                    request_id=str(uuid.uuid4()),
                    cancelled_by=pb.CANCELLED_BY_PATIENT,
                ),
                timeout=10,
            )
            return str(held.patient_id)
        raise AssertionError("the scheduler offered no Botox slot to hold")

    async def consent(self, patient_id: str, granted: bool) -> pb.PatientContact:
        """The patient's answer, as the agent records it when they reply to the ask."""
        try:
            answer: pb.PatientContact = await self.stub.SetMarketingConsent(
                pb.SetMarketingConsentRequest(
                    spa_id=SPA.id,
                    request_id=str(uuid.uuid4()),
                    patient_id=patient_id,
                    granted=granted,
                    channel="sms",
                    wording_ref="agent.consent_ask@en",
                ),
                timeout=10,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() is grpc.StatusCode.UNIMPLEMENTED:
                pytest.skip("the scheduler does not serve SetMarketingConsent yet")
            raise
        return answer

    async def close(self) -> None:
        await self.channel.close()


@pytest.fixture
async def scheduler(scheduler_target: str) -> AsyncIterator[Scheduler]:
    made = Scheduler(scheduler_target)
    try:
        yield made
    finally:
        await made.close()


@pytest.fixture
async def world(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, scheduler_target: str
) -> AsyncIterator[World]:
    """Outreach with the real scheduler at its port, its clock at the start of the recall
    day for a visit made to fall due tomorrow (the scheduler searches real slots)."""
    made = await make_world(database_url, tmp_path_factory.getbasetemp(), start=_visit_start())
    made.calendar = GrpcCalendar(scheduler_target, deadline_s=10.0)
    try:
        yield made
    finally:
        await made.calendar.close()
        await drop_world(made)


def _visit_start() -> datetime:
    """A Botox visit at 09:00 whose recall falls due tomorrow (at 10:00 in Los Angeles)."""
    tomorrow = datetime.now(LA).date() + timedelta(days=1)
    return datetime.combine(tomorrow - timedelta(days=RECALL_DAYS), time(9, 0), LA)


def _phone() -> str:
    """A fresh, valid San Francisco number, so no two patients in a run share one."""
    while True:
        candidate = f"+1628{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            return candidate


async def visited(world: World, patient_id: str) -> datetime:
    """The patient's Botox visit is completed; answers when its recall is due."""
    await world.event(
        booking_pb2.BookingCompleted(booking=booking(_visit_start(), patient_id=patient_id))
    )
    [job] = [j for j in await world.jobs("recall") if j["patient_id"] == patient_id]
    due: datetime = job["due_at"]
    return due


async def test_consent_recorded_at_the_scheduler_reaches_outreach(
    world: World, scheduler: Scheduler
) -> None:
    patient_id = await scheduler.new_patient(_phone())
    answer = await scheduler.consent(patient_id, True)
    assert (answer.patient_id, answer.marketing_consent) == (patient_id, True)
    contacts = await world.calendar.contacts(SPA.id, [patient_id], "outreach test")
    assert contacts[patient_id].marketing_consent is True


async def test_consent_withdrawn_after_the_recall_was_planned_stops_it(
    world: World, scheduler: Scheduler
) -> None:
    keeps, withdraws = _phone(), _phone()
    keeping = await scheduler.new_patient(keeps)
    withdrawing = await scheduler.new_patient(withdraws)
    for patient_id in (keeping, withdrawing):
        await scheduler.consent(patient_id, True)
    due = max([await visited(world, keeping), await visited(world, withdrawing)])
    # Between the visit and the recall, one of them says no to marketing texts.
    await scheduler.consent(withdrawing, False)
    await world.at(due + timedelta(hours=2))
    [offer] = [s for s in await world.sent(keeps) if "next Botox" in s.body]
    assert "marketing" in offer.purpose
    assert await world.sent(withdraws) == []
    [skipped] = [s for s in await world.said("outreach.skipped") if s.kind == "recall"]
    assert (skipped.reason, skipped.patient_id) == ("no_consent", withdrawing)
    states = {j["patient_id"]: (j["state"], j["outcome"]) for j in await world.jobs("recall")}
    assert states == {keeping: ("done", "sent"), withdrawing: ("skipped", "no_consent")}


async def test_consent_given_after_the_recall_was_planned_lets_it_go(
    world: World, scheduler: Scheduler
) -> None:
    phone = _phone()
    patient_id = await scheduler.new_patient(phone)
    due = await visited(world, patient_id)
    # No answer yet: the recall would be skipped. The patient says yes before it is due.
    contacts = await world.calendar.contacts(SPA.id, [patient_id], "outreach test")
    assert contacts[patient_id].marketing_consent is False
    await scheduler.consent(patient_id, True)
    await world.at(due + timedelta(hours=2))
    assert [s for s in await world.sent(phone) if "next Botox" in s.body]
