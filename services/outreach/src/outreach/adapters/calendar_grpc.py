"""The scheduler's CalendarService over gRPC: contacts, waitlist, slots, holds.

Every failure that waiting can cure (unreachable, deadline, overloaded, and a scheduler
that does not serve the call yet) is CalendarUnavailable, so the job runs again later;
a hold the scheduler refuses is SlotGone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from outreach.ports import CalendarUnavailable, Contact, Held, HoldRequest, Slot, SlotGone

_WAIT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.UNIMPLEMENTED,
}
_UPCOMING = [pb.APPOINTMENT_STATUS_HELD, pb.APPOINTMENT_STATUS_CONFIRMED]


def _stamp(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


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

    async def contacts(
        self, spa_id: str, patient_ids: Sequence[str], purpose: str
    ) -> dict[str, Contact]:
        request = pb.GetPatientContactsRequest(
            spa_id=spa_id, patient_ids=list(patient_ids), purpose=purpose
        )
        answer = await self._call(self._stub.GetPatientContacts, request)
        return {
            c.patient_id: Contact(
                patient_id=c.patient_id,
                phone=c.phone_e164,
                time_zone=_zone(c.time_zone),
                marketing_consent=c.marketing_consent,
            )
            for c in answer.contacts
        }

    async def waitlist(
        self, spa_id: str, service_id: str, provider_id: str, start: datetime, end: datetime
    ) -> list[str]:
        request = pb.ListWaitlistRequest(
            spa_id=spa_id,
            service_id=service_id,
            provider_id=provider_id,
            start=_stamp(start),
            end=_stamp(end),
        )
        answer = await self._call(self._stub.ListWaitlist, request)
        return [e.patient_id for e in answer.entries]

    async def has_upcoming(
        self, spa_id: str, patient_id: str, service_id: str, now: datetime
    ) -> bool:
        request = pb.ListAppointmentsRequest(
            spa_id=spa_id, patient_id=patient_id, statuses=_UPCOMING
        )
        # `from` is a Python keyword, so the field is set by name.
        getattr(request, "from").CopyFrom(_stamp(now))
        answer = await self._call(self._stub.ListAppointments, request)
        return any(a.service_id == service_id for a in answer.appointments)

    async def find_slots(
        self,
        spa_id: str,
        service_id: str,
        provider_id: str,
        start: datetime,
        end: datetime,
        count: int,
    ) -> list[Slot]:
        request = pb.FindSlotsRequest(
            spa_id=spa_id,
            service_id=service_id,
            to=_stamp(end),
            preferences=pb.SlotPreferences(
                provider_id=provider_id, max_results=count, spread_across_days=True
            ),
        )
        getattr(request, "from").CopyFrom(_stamp(start))
        answer = await self._call(self._stub.FindSlots, request)
        return [
            Slot(s.provider_id, s.start.ToDatetime(tzinfo=UTC), s.end.ToDatetime(tzinfo=UTC))
            for s in answer.slots
        ]

    async def hold(self, request: HoldRequest) -> Held:
        message = pb.HoldSlotRequest(
            spa_id=request.spa_id,
            request_id=request.request_id,
            service_id=request.service_id,
            provider_id=request.provider_id,
            start=_stamp(request.start),
            patient=pb.PatientRef(phone_e164=request.phone),
            hold_minutes=request.hold_minutes,
            conversation_id=request.conversation_id,
        )
        try:
            appointment = await self._stub.HoldSlot(message, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in _WAIT:
                raise CalendarUnavailable(exc.code().name) from exc
            # Taken, too soon, out of hours, refused as asked: not ours to hold.
            raise SlotGone(exc.code().name.lower()) from exc
        return Held(appointment.id, appointment.deposit_required)

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> None:
        request = pb.ConfirmRequest(
            spa_id=spa_id, appointment_id=appointment_id, request_id=request_id
        )
        await self._call(self._stub.Confirm, request)

    async def _call(self, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in _WAIT:
                raise CalendarUnavailable(exc.code().name) from exc
            raise
