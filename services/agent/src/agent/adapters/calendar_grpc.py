"""The scheduler's CalendarService over gRPC, with a deadline on every call
and the caller's trace carried along."""

from __future__ import annotations

from datetime import datetime

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from agent.ports import CalendarUnavailable, MenuService, OfferedSlot
from medspa.calendar.v1 import calendar_pb2, calendar_pb2_grpc

_UNAVAILABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}


class GrpcCalendar:
    def __init__(self, target: str, deadline_s: float) -> None:
        self._channel = grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors())
        self._stub = calendar_pb2_grpc.CalendarServiceStub(self._channel)
        self._deadline_s = deadline_s

    async def close(self) -> None:
        await self._channel.close()

    async def services(self, spa_id: str) -> list[MenuService]:
        try:
            reply = await self._stub.ListServices(
                calendar_pb2.ListServicesRequest(spa_id=spa_id), timeout=self._deadline_s
            )
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from exc
        return [MenuService(s.id, s.name, s.category, tuple(s.aliases)) for s in reply.services]

    async def find_slots(
        self, spa_id: str, service_id: str, start: datetime, end: datetime, limit: int
    ) -> list[OfferedSlot]:
        request = calendar_pb2.FindSlotsRequest(
            spa_id=spa_id,
            service_id=service_id,
            preferences=calendar_pb2.SlotPreferences(max_results=limit, spread_across_days=True),
        )
        request.to.FromDatetime(end)
        getattr(request, "from").FromDatetime(start)
        try:
            reply = await self._stub.FindSlots(request, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from exc
        return [
            OfferedSlot(
                service_id=s.service_id,
                provider_id=s.provider_id,
                provider_name=s.provider_name,
                start=s.start.ToDatetime(tzinfo=start.tzinfo),
                end=s.end.ToDatetime(tzinfo=start.tzinfo),
            )
            for s in reply.slots
        ]


def _translate(exc: grpc.aio.AioRpcError) -> Exception:
    if exc.code() in _UNAVAILABLE:
        return CalendarUnavailable(exc.code().name)
    return exc
