"""The scheduler's CalendarService over gRPC (reads only), with a deadline on every call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from console.ports import (
    AppointmentInfo,
    CalendarUnavailable,
    ProviderInfo,
    WaitlistEntryInfo,
    Wishes,
)
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

PARTS_OF_DAY = {
    pb.PART_OF_DAY_MORNING: "morning",
    pb.PART_OF_DAY_AFTERNOON: "afternoon",
    pb.PART_OF_DAY_EVENING: "evening",
}
# Name look-ups in flight at once for one page of the waitlist.
NAME_LOOKUPS = 8


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def _moment(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _wishes(p: pb.WaitlistPreferences) -> Wishes:
    return Wishes(
        days_of_week=tuple(sorted(p.days_of_week)),
        parts_of_day=tuple(PARTS_OF_DAY[x] for x in p.parts_of_day if x in PARTS_OF_DAY),
        earliest_time=p.earliest_time,
        latest_time=p.latest_time,
        not_before=_moment(p.not_before) if p.HasField("not_before") else None,
        not_after=_moment(p.not_after) if p.HasField("not_after") else None,
    )


def waitlist_entry(e: pb.WaitlistEntry) -> WaitlistEntryInfo:
    return WaitlistEntryInfo(
        id=e.entry_id,
        patient_id=e.patient_id,
        service_id=e.service_id,
        provider_id=e.provider_id,
        waiting_since=_moment(e.created_at),
        wishes=_wishes(e.preferences),
    )


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

    async def waitlist(
        self, spa_id: str, *, service_id: str = "", max_results: int = 0
    ) -> list[WaitlistEntryInfo]:
        request = pb.ListWaitlistRequest(
            spa_id=spa_id, service_id=service_id, max_results=max_results
        )
        try:
            reply = await self._stub.ListWaitlist(request, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            raise CalendarUnavailable(exc.code().name) from exc
        return [waitlist_entry(e) for e in reply.entries]

    async def patient_names(
        self, spa_id: str, patient_ids: list[str], purpose: str
    ) -> dict[str, str]:
        """The calendar names a patient only to a caller holding their own number: their
        contacts first (one call), then the name behind each number. A number shared by two
        patients answers with one of them; a name that is not this patient's is left out."""
        if not patient_ids:
            return {}
        try:
            contacts = await self._stub.GetPatientContacts(
                pb.GetPatientContactsRequest(
                    spa_id=spa_id, patient_ids=list(dict.fromkeys(patient_ids)), purpose=purpose
                ),
                timeout=self._deadline_s,
            )
        except grpc.aio.AioRpcError as exc:
            raise CalendarUnavailable(exc.code().name) from exc
        gate = asyncio.Semaphore(NAME_LOOKUPS)

        async def name_of(contact: pb.PatientContact) -> tuple[str, str]:
            async with gate:
                found = await self._stub.FindPatient(
                    pb.FindPatientRequest(
                        spa_id=spa_id, phone_e164=contact.phone_e164, purpose=purpose
                    ),
                    timeout=self._deadline_s,
                )
            same = found.found and found.patient_id == contact.patient_id
            return contact.patient_id, found.name if same else ""

        try:
            named = await asyncio.gather(*(name_of(c) for c in contacts.contacts if c.phone_e164))
        except grpc.aio.AioRpcError as exc:
            raise CalendarUnavailable(exc.code().name) from exc
        return {patient_id: name for patient_id, name in named if name}
