"""The scheduler's CalendarService over gRPC (reads only), with a deadline on every call."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from console.ports import AppointmentInfo, CalendarUnavailable, ProviderInfo
from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc

STATUS = {
    pb.APPOINTMENT_STATUS_HELD: "held",
    pb.APPOINTMENT_STATUS_CONFIRMED: "confirmed",
    pb.APPOINTMENT_STATUS_CANCELLED: "cancelled",
    pb.APPOINTMENT_STATUS_COMPLETED: "completed",
    pb.APPOINTMENT_STATUS_NO_SHOW: "no_show",
    pb.APPOINTMENT_STATUS_EXPIRED: "expired",
}


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def _moment(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


class GrpcCalendar:
    def __init__(self, target: str, deadline_s: float) -> None:
        self._channel = grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors())
        self._stub = calendar_pb2_grpc.CalendarServiceStub(self._channel)
        self._deadline_s = deadline_s

    async def close(self) -> None:
        await self._channel.close()

    async def providers(self, spa_id: str) -> list[ProviderInfo]:
        try:
            reply = await self._stub.ListProviders(
                pb.ListProvidersRequest(spa_id=spa_id), timeout=self._deadline_s
            )
        except grpc.aio.AioRpcError as exc:
            raise CalendarUnavailable(exc.code().name) from exc
        return [ProviderInfo(p.id, p.name, p.credential) for p in reply.providers]

    async def appointments(
        self,
        spa_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        patient_id: str = "",
        provider_id: str = "",
    ) -> list[AppointmentInfo]:
        request = pb.ListAppointmentsRequest(
            spa_id=spa_id, patient_id=patient_id, provider_id=provider_id
        )
        if start is not None:
            # `from` is a Python keyword, so the field is reached by name.
            getattr(request, "from").CopyFrom(_stamp(start))
        if end is not None:
            request.to.CopyFrom(_stamp(end))
        try:
            reply = await self._stub.ListAppointments(request, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            raise CalendarUnavailable(exc.code().name) from exc
        return [
            AppointmentInfo(
                id=a.id,
                service_id=a.service_id,
                service_name=a.service_name or a.service_id,
                provider_id=a.provider_id,
                provider_name=a.provider_name or a.provider_id,
                patient_id=a.patient_id,
                start=_moment(a.start),
                end=_moment(a.end),
                status=STATUS.get(a.status, "unknown"),
                deposit_required=a.deposit_required,
                conversation_id=a.conversation_id,
            )
            for a in reply.appointments
        ]
