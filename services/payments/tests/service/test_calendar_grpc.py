"""The calendar adapter against a CalendarService served over a real gRPC socket:
the request it sends to hold a slot again, and how it reads each answer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from payments.adapters.calendar_grpc import GrpcCalendar
from payments.ports import CalendarUnavailable, HoldAgain, HoldStatus, SlotGone

pytestmark = pytest.mark.integration
STATUSES = {
    "held": pb.APPOINTMENT_STATUS_HELD,
    "confirmed": pb.APPOINTMENT_STATUS_CONFIRMED,
    "expired": pb.APPOINTMENT_STATUS_EXPIRED,
    "cancelled": pb.APPOINTMENT_STATUS_CANCELLED,
}


class Scheduler(calendar_pb2_grpc.CalendarServiceServicer):
    def __init__(self) -> None:
        self.holds: list[pb.HoldSlotRequest] = []
        self.answer = grpc.StatusCode.OK

    async def GetAppointment(self, request, context):
        if request.appointment_id == "down":
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        if request.appointment_id not in STATUSES:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such appointment")
        return pb.Appointment(id=request.appointment_id, status=STATUSES[request.appointment_id])

    async def HoldSlot(self, request, context):
        self.holds.append(request)
        if self.answer is not grpc.StatusCode.OK:
            await context.abort(self.answer, "refused")
        return pb.Appointment(id="appt-new", status=pb.APPOINTMENT_STATUS_HELD)


@pytest.fixture
async def served() -> AsyncIterator[tuple[Scheduler, GrpcCalendar]]:
    scheduler = Scheduler()
    server = grpc.aio.server()
    calendar_pb2_grpc.add_CalendarServiceServicer_to_server(scheduler, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    calendar = GrpcCalendar(f"127.0.0.1:{port}", deadline_s=5.0)
    try:
        yield scheduler, calendar
    finally:
        await calendar.close()
        await server.stop(0)


@pytest.mark.parametrize(
    ("appointment_id", "status"),
    [
        ("held", HoldStatus.HELD),
        ("confirmed", HoldStatus.CONFIRMED),
        ("expired", HoldStatus.RELEASED),
        ("cancelled", HoldStatus.GONE),
        ("unknown", HoldStatus.GONE),
    ],
)
async def test_appointment_status(
    served: tuple[Scheduler, GrpcCalendar], appointment_id: str, status: HoldStatus
) -> None:
    _, calendar = served
    assert await calendar.status("spa", appointment_id) is status


async def test_an_unavailable_scheduler_is_asked_again_later(
    served: tuple[Scheduler, GrpcCalendar],
) -> None:
    _, calendar = served
    with pytest.raises(CalendarUnavailable):
        await calendar.status("spa", "down")


def again() -> HoldAgain:
    return HoldAgain(
        spa_id="lumen-aesthetics",
        request_id=f"rehold:{uuid.uuid4()}",
        service_id="botox",
        provider_id="sofia-ramirez",
        start=datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
        patient_phone="+14155550123",
        conversation_id="conv-1",
    )


async def test_holding_again_sends_the_request_id_and_the_patient(
    served: tuple[Scheduler, GrpcCalendar],
) -> None:
    scheduler, calendar = served
    request = again()
    assert await calendar.hold(request) == "appt-new"
    [sent] = scheduler.holds
    assert sent.request_id == request.request_id
    assert (sent.spa_id, sent.service_id, sent.provider_id) == (
        "lumen-aesthetics",
        "botox",
        "sofia-ramirez",
    )
    assert sent.start.ToDatetime(tzinfo=UTC) == request.start
    assert sent.patient.phone_e164 == "+14155550123" and sent.patient.name == ""
    assert sent.conversation_id == "conv-1" and sent.hold_minutes == 0


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        (grpc.StatusCode.FAILED_PRECONDITION, SlotGone),
        (grpc.StatusCode.INVALID_ARGUMENT, SlotGone),
        (grpc.StatusCode.ALREADY_EXISTS, SlotGone),
        (grpc.StatusCode.UNAVAILABLE, CalendarUnavailable),
        (grpc.StatusCode.DEADLINE_EXCEEDED, CalendarUnavailable),
    ],
)
async def test_a_refusal_is_read_as_gone_and_an_outage_as_unavailable(
    served: tuple[Scheduler, GrpcCalendar], code: grpc.StatusCode, raised: type[Exception]
) -> None:
    scheduler, calendar = served
    scheduler.answer = code
    with pytest.raises(raised):
        await calendar.hold(again())
