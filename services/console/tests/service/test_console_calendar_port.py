"""The console's calendar port for the waitlist, run against the harness's fake and against the
gRPC adapter talking to a local CalendarService, so the fake cannot drift from the adapter.

No NATS or PostgreSQL: the gRPC server is in this process, on a free loopback port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from console_harness import FakeCalendar
from google.protobuf.timestamp_pb2 import Timestamp

from console.adapters.calendar_grpc import GrpcCalendar
from console.ports import CalendarUnavailable, WaitlistEntryInfo, Wishes
from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc

T0 = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
PARTS = {"morning": pb.PART_OF_DAY_MORNING, "evening": pb.PART_OF_DAY_EVENING}


def stamp(moment: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment)
    return out


@dataclass
class Line:
    """What the scheduler knows: the waiting entries, and each patient's number and name."""

    entries: list[WaitlistEntryInfo] = field(default_factory=list)
    patients: dict[str, tuple[str, str]] = field(default_factory=dict)
    purposes: list[str] = field(default_factory=list)


class Scheduler(calendar_pb2_grpc.CalendarServiceServicer):
    """ListWaitlist, GetPatientContacts and FindPatient as the scheduler answers them."""

    def __init__(self, line: Line) -> None:
        self.line = line

    async def ListWaitlist(self, request: Any, context: Any) -> Any:
        found = sorted(self.line.entries, key=lambda e: (e.waiting_since, e.id))
        if request.service_id:
            found = [e for e in found if e.service_id == request.service_id]
        out = []
        for e in found[: request.max_results or 100]:
            w = e.wishes
            prefs = pb.WaitlistPreferences(
                days_of_week=list(w.days_of_week),
                parts_of_day=[PARTS[p] for p in w.parts_of_day],
                earliest_time=w.earliest_time, latest_time=w.latest_time,
            )  # fmt: skip
            if w.not_before:
                prefs.not_before.CopyFrom(stamp(w.not_before))
            if w.not_after:
                prefs.not_after.CopyFrom(stamp(w.not_after))
            listed = pb.WaitlistEntry(
                entry_id=e.id, patient_id=e.patient_id, service_id=e.service_id,
                provider_id=e.provider_id, created_at=stamp(e.waiting_since),
                preferences=prefs, status=pb.WAITLIST_STATUS_WAITING,
            )  # fmt: skip
            out.append(listed)
        return pb.ListWaitlistResponse(entries=out)

    async def GetPatientContacts(self, request: Any, context: Any) -> Any:
        self.line.purposes.append(request.purpose)
        return pb.GetPatientContactsResponse(
            contacts=[
                pb.PatientContact(patient_id=p, phone_e164=self.line.patients[p][0])
                for p in request.patient_ids
                if p in self.line.patients
            ]
        )

    async def FindPatient(self, request: Any, context: Any) -> Any:
        self.line.purposes.append(request.purpose)
        for patient_id, (phone, name) in self.line.patients.items():
            if phone == request.phone_e164:
                return pb.FindPatientResponse(found=True, patient_id=patient_id, name=name)
        return pb.FindPatientResponse(found=False)


class Port:
    """One calendar (fake or gRPC) and the way a test fills the scheduler behind it."""

    def __init__(self, calendar: Any, line: Line, fake: FakeCalendar | None) -> None:
        self.calendar, self.line, self.fake = calendar, line, fake

    def wait(self, entry: WaitlistEntryInfo) -> None:
        self.line.entries.append(entry)
        if self.fake is not None:
            self.fake.waitlist_.append(entry)

    def patient(self, patient_id: str, phone: str, name: str) -> None:
        self.line.patients[patient_id] = (phone, name)
        if self.fake is not None and name:
            self.fake.names_[patient_id] = name


@pytest.fixture(params=["fake", "grpc"])
async def port(request: pytest.FixtureRequest) -> AsyncIterator[Port]:
    line = Line()
    if request.param == "fake":
        fake = FakeCalendar()
        yield Port(fake, line, fake)
        return
    server = grpc.aio.server()
    calendar_pb2_grpc.add_CalendarServiceServicer_to_server(Scheduler(line), server)
    number = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    adapter = GrpcCalendar(f"127.0.0.1:{number}", deadline_s=5.0)
    try:
        yield Port(adapter, line, None)
    finally:
        await adapter.close()
        await server.stop(None)


def waiting(service_id: str, minutes: int, **wishes: Any) -> WaitlistEntryInfo:
    return WaitlistEntryInfo(
        id=str(uuid.uuid4()), patient_id=str(uuid.uuid4()), service_id=service_id,
        provider_id=wishes.pop("provider_id", ""),
        waiting_since=T0 + timedelta(minutes=minutes), wishes=Wishes(**wishes),
    )  # fmt: skip


async def test_the_line_first_come_first_with_its_wishes(port: Port) -> None:
    calendar = port.calendar
    late = waiting("botox", 30)
    early = waiting(
        "botox", 0, provider_id="maya-chen", days_of_week=(2, 4), parts_of_day=("evening",),
        earliest_time="17:00", latest_time="20:00", not_before=T0 + timedelta(days=1),
        not_after=T0 + timedelta(days=30),
    )  # fmt: skip
    other = waiting("hydrafacial", 10)
    for entry in (late, other, early):
        port.wait(entry)
    found = await calendar.waitlist("spa", max_results=10)
    assert [e.id for e in found] == [early.id, other.id, late.id]
    assert found[0] == early, "every wish and the provider come through unchanged"
    assert [e.id for e in await calendar.waitlist("spa", service_id="botox")] == [
        early.id, late.id,
    ]  # fmt: skip
    assert [e.id for e in await calendar.waitlist("spa", max_results=2)] == [early.id, other.id]


async def test_names_of_patients_on_file_only(port: Port) -> None:
    calendar = port.calendar
    port.patient("p1", "+14155550101", "Dana Whitfield")
    port.patient("p2", "+14155550102", "")
    names = await calendar.patient_names("spa", ["p1", "p2", "ghost"], "console test")
    assert names == {"p1": "Dana Whitfield"}
    assert await calendar.patient_names("spa", [], "console test") == {}


async def test_grpc_reads_are_audited_with_the_purpose_and_a_shared_number_names_nobody() -> None:
    line = Line()
    server = grpc.aio.server()
    calendar_pb2_grpc.add_CalendarServiceServicer_to_server(Scheduler(line), server)
    number = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    adapter = GrpcCalendar(f"127.0.0.1:{number}", deadline_s=5.0)
    try:
        # Two patients on one family number: the number answers with the first.
        line.patients = {"parent": ("+14155550150", "Pat Doe"), "kid": ("+14155550150", "Kid Doe")}
        names = await adapter.patient_names("spa", ["kid", "parent"], "console api")
        assert names == {"parent": "Pat Doe"}
        assert set(line.purposes) == {"console api"}
    finally:
        await adapter.close()
        await server.stop(None)
    gone = GrpcCalendar(f"127.0.0.1:{number}", deadline_s=0.5)
    try:
        with pytest.raises(CalendarUnavailable):
            await gone.waitlist("spa")
        with pytest.raises(CalendarUnavailable):
            await gone.patient_names("spa", ["parent"], "console api")
    finally:
        await gone.close()
