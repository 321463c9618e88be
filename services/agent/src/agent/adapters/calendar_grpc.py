"""The scheduler's CalendarService over gRPC, with a deadline on every call
and the caller's trace carried along."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from agent.domain.state import Offer
from agent.domain.when import PartOfDay
from agent.ports import (
    Appointment,
    CalendarRefused,
    CalendarUnavailable,
    ConsentRequest,
    HoldRequest,
    MenuService,
    ProviderInfo,
    SlotSearch,
    SlotUnavailable,
)
from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc

T = TypeVar("T")
_UNAVAILABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.CANCELLED,
}
HOLD_CONFLICT_KEY = "hold-conflict-bin"
PARTS = {
    PartOfDay.MORNING: pb.PART_OF_DAY_MORNING,
    PartOfDay.AFTERNOON: pb.PART_OF_DAY_AFTERNOON,
    PartOfDay.EVENING: pb.PART_OF_DAY_EVENING,
}
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
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


def _offer(slot: pb.Slot) -> Offer:
    return Offer(
        service_id=slot.service_id,
        provider_id=slot.provider_id,
        provider_name=slot.provider_name,
        start=_moment(slot.start),
        end=_moment(slot.end),
    )


def _appointment(appt: pb.Appointment) -> Appointment:
    return Appointment(
        id=appt.id,
        service_id=appt.service_id,
        service_name=appt.service_name,
        provider_id=appt.provider_id,
        provider_name=appt.provider_name,
        patient_id=appt.patient_id,
        start=_moment(appt.start),
        end=_moment(appt.end),
        status=STATUS.get(appt.status, "unknown"),
        deposit_minor=appt.deposit.amount_minor if appt.deposit_required else 0,
        hold_expires_at=_moment(appt.hold_expires_at) if appt.HasField("hold_expires_at") else None,
        conversation_id=appt.conversation_id,
    )


class GrpcCalendar:
    def __init__(self, target: str, deadline_s: float, menu_ttl_s: float = 60.0) -> None:
        self._channel = grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors())
        self._stub = calendar_pb2_grpc.CalendarServiceStub(self._channel)
        self._deadline_s = deadline_s
        # The menu changes when a spa's configuration is redeployed, not between two texts:
        # one ListServices a minute per spa instead of one per turn.
        self._menu_ttl_s = menu_ttl_s
        self._menus: dict[str, tuple[float, list[MenuService]]] = {}

    async def close(self) -> None:
        await self._channel.close()

    async def _call(self, rpc: Callable[..., Awaitable[T]], request: object) -> T:
        try:
            return await rpc(request, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from exc

    async def services(self, spa_id: str) -> list[MenuService]:
        cached = self._menus.get(spa_id)
        if cached is not None and time.monotonic() - cached[0] < self._menu_ttl_s:
            return cached[1]
        reply = await self._call(self._stub.ListServices, pb.ListServicesRequest(spa_id=spa_id))
        menu = [
            MenuService(
                s.id,
                s.name,
                s.category,
                tuple(s.aliases),
                consult_required_for_new=s.consult_required_for_new,
                deposit_minor=s.deposit.amount_minor if s.deposit_required else 0,
            )
            for s in reply.services
        ]
        self._menus[spa_id] = (time.monotonic(), menu)
        return menu

    async def providers(self, spa_id: str, service_id: str) -> list[ProviderInfo]:
        reply = await self._call(
            self._stub.ListProviders,
            pb.ListProvidersRequest(spa_id=spa_id, service_id=service_id),
        )
        return [ProviderInfo(p.id, p.name, p.credential) for p in reply.providers]

    async def find_slots(self, spa_id: str, search: SlotSearch) -> list[Offer]:
        preferences = pb.SlotPreferences(
            days_of_week=sorted(search.days_of_week),
            parts_of_day=[PARTS[p] for p in sorted(search.parts_of_day)],
            provider_id=search.provider_id,
            max_results=search.limit,
            spread_across_days=search.spread_across_days,
        )
        if search.near is not None:
            preferences.near.CopyFrom(_stamp(search.near))
        request = pb.FindSlotsRequest(
            spa_id=spa_id, service_id=search.service_id, preferences=preferences
        )
        getattr(request, "from").CopyFrom(_stamp(search.start))
        request.to.CopyFrom(_stamp(search.end))
        reply = await self._call(self._stub.FindSlots, request)
        return [_offer(s) for s in reply.slots]

    async def hold(self, request: HoldRequest) -> Appointment:
        message = pb.HoldSlotRequest(
            spa_id=request.spa_id,
            request_id=request.request_id,
            service_id=request.offer.service_id,
            provider_id=request.offer.provider_id,
            start=_stamp(request.offer.start),
            patient=pb.PatientRef(phone_e164=request.phone, name=request.name),
            conversation_id=request.conversation_id,
        )
        return _appointment(await self._call(self._stub.HoldSlot, message))

    async def confirm(self, spa_id: str, appointment_id: str, request_id: str) -> Appointment:
        request = pb.ConfirmRequest(
            spa_id=spa_id, appointment_id=appointment_id, request_id=request_id
        )
        return _appointment(await self._call(self._stub.Confirm, request))

    async def cancel(
        self, spa_id: str, appointment_id: str, request_id: str, reason: str
    ) -> Appointment:
        request = pb.CancelRequest(
            spa_id=spa_id,
            appointment_id=appointment_id,
            request_id=request_id,
            cancelled_by=pb.CANCELLED_BY_PATIENT,
            reason=reason,
        )
        return _appointment(await self._call(self._stub.Cancel, request))

    async def appointments(
        self, spa_id: str, patient_id: str, since: datetime
    ) -> list[Appointment]:
        request = pb.ListAppointmentsRequest(
            spa_id=spa_id,
            patient_id=patient_id,
            statuses=[pb.APPOINTMENT_STATUS_HELD, pb.APPOINTMENT_STATUS_CONFIRMED],
        )
        getattr(request, "from").CopyFrom(_stamp(since))
        reply = await self._call(self._stub.ListAppointments, request)
        return sorted((_appointment(a) for a in reply.appointments), key=lambda a: a.start)

    async def set_marketing_consent(self, request: ConsentRequest) -> None:
        message = pb.SetMarketingConsentRequest(
            spa_id=request.spa_id,
            request_id=request.request_id,
            granted=request.granted,
            channel=request.channel,
            wording_ref=request.wording_ref,
        )
        if request.patient_id:
            message.patient_id = request.patient_id
        else:
            message.phone_e164 = request.phone
        try:
            await self._stub.SetMarketingConsent(message, timeout=self._deadline_s)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                # A scheduler not yet serving it will after its upgrade: the answer waits.
                raise CalendarUnavailable("UNIMPLEMENTED") from exc
            raise _translate(exc) from exc


def _translate(exc: grpc.aio.AioRpcError) -> Exception:
    code = exc.code()
    if code in _UNAVAILABLE:
        return CalendarUnavailable(code.name)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        for key, value in exc.trailing_metadata() or ():
            if key == HOLD_CONFLICT_KEY:
                try:
                    conflict = pb.HoldConflict.FromString(value)
                except DecodeError:
                    break
                return SlotUnavailable(conflict.reason, [_offer(s) for s in conflict.alternatives])
    return CalendarRefused(f"{code.name}: {exc.details()}")
