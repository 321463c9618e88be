"""One contract for the scheduler port, run against the fake the other tests use and
against the real gRPC adapter (over a real socket, to a servicer answering from the
same fake), so the fake cannot drift from what the adapter does with the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from outreach_world import FakeScheduler

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from outreach.adapters.calendar_grpc import GrpcCalendar
from outreach.ports import CalendarUnavailable, HoldRequest, Slot, SlotGone

START = datetime(2026, 6, 2, 17, 0, tzinfo=UTC)


def _stamp(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


class Servicer(calendar_pb2_grpc.CalendarServiceServicer):
    """The scheduler's side of the wire, answering from a FakeScheduler."""

    def __init__(self, fake: FakeScheduler) -> None:
        self.fake = fake

    async def GetPatientContacts(self, request: Any, context: Any) -> Any:
        try:
            found = await self.fake.contacts(
                request.spa_id, list(request.patient_ids), request.purpose
            )
        except CalendarUnavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "down")
        return pb.GetPatientContactsResponse(
            contacts=[
                pb.PatientContact(
                    patient_id=c.patient_id,
                    phone_e164=c.phone,
                    time_zone=c.time_zone.key if c.time_zone else "",
                    marketing_consent=c.marketing_consent,
                )
                for c in found.values()
            ]
        )

    async def ListWaitlist(self, request: Any, context: Any) -> Any:
        waiting = await self.fake.waitlist(
            request.spa_id, request.service_id, request.provider_id, START, START
        )
        return pb.ListWaitlistResponse(
            entries=[
                pb.WaitlistEntry(entry_id=f"e{i}", patient_id=p) for i, p in enumerate(waiting)
            ]
        )

    async def ListAppointments(self, request: Any, context: Any) -> Any:
        booked = [s for p, s in self.fake.upcoming if p == request.patient_id]
        return pb.ListAppointmentsResponse(
            appointments=[
                pb.Appointment(patient_id=request.patient_id, service_id=s) for s in booked
            ]
        )

    async def FindSlots(self, request: Any, context: Any) -> Any:
        slots = await self.fake.find_slots(
            request.spa_id,
            request.service_id,
            request.preferences.provider_id,
            START,
            START,
            request.preferences.max_results,
        )
        return pb.FindSlotsResponse(
            slots=[
                pb.Slot(provider_id=s.provider_id, start=_stamp(s.start), end=_stamp(s.end))
                for s in slots
            ]
        )

    async def HoldSlot(self, request: Any, context: Any) -> Any:
        try:
            held = await self.fake.hold(
                HoldRequest(
                    spa_id=request.spa_id,
                    request_id=request.request_id,
                    service_id=request.service_id,
                    provider_id=request.provider_id,
                    start=request.start.ToDatetime(tzinfo=UTC),
                    phone=request.patient.phone_e164,
                    hold_minutes=request.hold_minutes,
                    conversation_id=request.conversation_id,
                )
            )
        except SlotGone:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "slot_taken")
        return pb.Appointment(id=held.appointment_id, deposit_required=held.deposit_required)

    async def Confirm(self, request: Any, context: Any) -> Any:
        await self.fake.confirm(request.spa_id, request.appointment_id, request.request_id)
        return pb.Appointment(id=request.appointment_id)


@pytest.fixture(params=["fake", "grpc"])
async def port(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, FakeScheduler]]:
    fake = FakeScheduler()
    if request.param == "fake":
        yield fake, fake
        return
    server = grpc.aio.server()
    calendar_pb2_grpc.add_CalendarServiceServicer_to_server(Servicer(fake), server)
    port_number = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    adapter = GrpcCalendar(f"127.0.0.1:{port_number}", deadline_s=5.0)
    try:
        yield adapter, fake
    finally:
        await adapter.close()
        await server.stop(None)


async def test_contacts_of_known_patients_only(port: tuple[Any, FakeScheduler]) -> None:
    calendar, fake = port
    fake.add_patient("p1", "+14155550123", zone="America/New_York", consent=True)
    fake.add_patient("p2", "+14155550124")
    found = await calendar.contacts("spa", ["p1", "p2", "ghost"], "outreach test")
    assert set(found) == {"p1", "p2"}
    assert found["p1"].phone == "+14155550123"
    assert found["p1"].time_zone == ZoneInfo("America/New_York")
    assert found["p1"].marketing_consent is True
    assert found["p2"].time_zone is None and found["p2"].marketing_consent is False


async def test_the_waitlist_in_order(port: tuple[Any, FakeScheduler]) -> None:
    calendar, fake = port
    fake.waiting = ["w3", "w1", "w2"]
    assert await calendar.waitlist("spa", "botox", "maya-chen", START, START) == [
        "w3",
        "w1",
        "w2",
    ]


async def test_upcoming_is_per_service(port: tuple[Any, FakeScheduler]) -> None:
    calendar, fake = port
    fake.upcoming = {("p1", "botox")}
    assert await calendar.has_upcoming("spa", "p1", "botox", START) is True
    assert await calendar.has_upcoming("spa", "p1", "lip-filler", START) is False


async def test_slots_with_a_provider_and_a_count(port: tuple[Any, FakeScheduler]) -> None:
    calendar, fake = port
    fake.slots = [
        Slot("a", START + timedelta(days=d), START + timedelta(days=d, minutes=30))
        for d in range(1, 5)
    ] + [Slot("b", START, START + timedelta(minutes=30))]
    found = await calendar.find_slots("spa", "botox", "a", START, START, 3)
    assert [(s.provider_id, s.start) for s in found] == [
        ("a", START + timedelta(days=d)) for d in range(1, 4)
    ]
    assert all(s.start.tzinfo is not None for s in found)


async def test_a_hold_then_a_taken_slot(port: tuple[Any, FakeScheduler]) -> None:
    calendar, fake = port
    request = HoldRequest("spa", "r1", "botox", "a", START, "+14155550123", 10, "conv")
    held = await calendar.hold(request)
    assert held.appointment_id and held.deposit_required is False
    assert fake.holds[0].phone == "+14155550123" and fake.holds[0].hold_minutes == 10
    # Someone else's hold on the same time is refused.
    with pytest.raises(SlotGone):
        await calendar.hold(HoldRequest("spa", "r2", "botox", "a", START, "+14155550999", 10, ""))
    await calendar.confirm("spa", held.appointment_id, "c1")
    assert fake.confirmed == [held.appointment_id]


async def test_an_unreachable_scheduler_means_wait(port: tuple[Any, FakeScheduler]) -> None:
    calendar, fake = port
    fake.unavailable = True
    with pytest.raises(CalendarUnavailable):
        await calendar.contacts("spa", ["p1"], "outreach test")


async def test_a_scheduler_without_the_rpc_yet_means_wait() -> None:
    # A scheduler older than GetPatientContacts answers UNIMPLEMENTED: jobs wait for it.
    server = grpc.aio.server()
    calendar_pb2_grpc.add_CalendarServiceServicer_to_server(
        calendar_pb2_grpc.CalendarServiceServicer(), server
    )
    port_number = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    adapter = GrpcCalendar(f"127.0.0.1:{port_number}", deadline_s=5.0)
    try:
        with pytest.raises(CalendarUnavailable):
            await adapter.contacts("spa", ["p1"], "outreach test")
    finally:
        await adapter.close()
        await server.stop(None)
