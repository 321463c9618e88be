"""The scheduler's CalendarService over gRPC, for holding a late payment's slot again."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from payments.ports import CalendarUnavailable, HoldAgain, HoldStatus, SlotGone

_UNAVAILABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}
_STATUS = {
    pb.APPOINTMENT_STATUS_HELD: HoldStatus.HELD,
    pb.APPOINTMENT_STATUS_CONFIRMED: HoldStatus.CONFIRMED,
    pb.APPOINTMENT_STATUS_EXPIRED: HoldStatus.RELEASED,
}


def _unavailable(exc: grpc.aio.AioRpcError) -> bool:
    return exc.code() in _UNAVAILABLE


class GrpcCalendar:
    def __init__(self, target: str, deadline_s: float) -> None:
        self._channel = grpc.aio.insecure_channel(
            target,
            interceptors=aio_client_interceptors(),  # type: ignore[no-untyped-call]
        )
        self._stub = calendar_pb2_grpc.CalendarServiceStub(self._channel)
        self._deadline_s = deadline_s

    async def close(self) -> None:
        await self._channel.close()

    async def status(self, spa_id: str, appointment_id: str) -> HoldStatus:
        request = pb.GetAppointmentRequest(spa_id=spa_id, appointment_id=appointment_id)
        try:
            appointment = await self._stub.GetAppointment(request, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            if _unavailable(exc):
                raise CalendarUnavailable(exc.code().name) from exc
            return HoldStatus.GONE
        return _STATUS.get(appointment.status, HoldStatus.GONE)

    async def hold(self, request: HoldAgain) -> str:
        start = Timestamp()
        start.FromDatetime(request.start)
        message = pb.HoldSlotRequest(
            spa_id=request.spa_id,
            request_id=request.request_id,
            service_id=request.service_id,
            provider_id=request.provider_id,
            start=start,
            patient=pb.PatientRef(phone_e164=request.patient_phone),
            conversation_id=request.conversation_id,
        )
        try:
            appointment = await self._stub.HoldSlot(message, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            if _unavailable(exc):
                raise CalendarUnavailable(exc.code().name) from exc
            # Taken, out of hours, too soon, refused as asked: not ours to hold.
            raise SlotGone(exc.code().name.lower()) from exc
        return str(appointment.id)
