"""The gRPC CalendarService: decode, ask the backend, encode; refusals become statuses.

Each call is traced here, in `_answer`, rather than by OpenTelemetry's gRPC server
interceptor: the same server span (named `/medspa.calendar.v1.CalendarService/<Method>`,
continuing the caller's `traceparent`, with the `rpc.*` attributes and the status
code), without the interceptor's per-call wrapping of the handler and the context,
which cost about a tenth of a hold's time in the scheduler. Health checks are not
traced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from scheduler.adapters import grpc_codec as codec
from scheduler.adapters import grpc_waitlist_codec as waitlist_codec
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.grpc_errors import refusal
from scheduler.adapters.metrics import RPC_SECONDS
from scheduler.domain.errors import FieldViolation, InvalidRequest, SchedulingError
from scheduler.domain.model import SpaRules
from scheduler.domain.slots import service_of
from scheduler.ports import CalendarBackend, PatientDirectory, Waitlist

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)
T = TypeVar("T")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CalendarService"].full_name
# Codes that say the server failed (OpenTelemetry's rule for gRPC server spans); any other
# refusal is the caller's to act on and leaves the span's status unset.
_SERVER_FAULTS = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)


def _callers_trace(context: grpc.aio.ServicerContext) -> Context:
    """The trace the caller's metadata (`traceparent`) continues, if any."""
    return propagate.extract(dict(context.invocation_metadata() or ()))


def _answered(span: Span, code: grpc.StatusCode) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code in _SERVER_FAULTS:
        span.set_status(Status(StatusCode.ERROR, code.name))


class CalendarServicer(calendar_pb2_grpc.CalendarServiceServicer):
    def __init__(
        self,
        catalog: ConfigCatalog,
        backend: CalendarBackend,
        patients: PatientDirectory,
        waitlist: Waitlist,
    ) -> None:
        self._catalog = catalog
        self._backend = backend
        self._patients = patients
        self._waitlist = waitlist

    async def _answer(
        self,
        method: str,
        context: grpc.aio.ServicerContext,
        spa_id: str,
        work: Callable[[SpaRules], Awaitable[T]],
    ) -> T:
        began = time.perf_counter()
        with tracer.start_as_current_span(
            f"/{SERVICE_NAME}/{method}",
            context=_callers_trace(context),
            kind=SpanKind.SERVER,
            # Ids only on the span: never a name or a phone.
            attributes={
                "rpc.system": "grpc",
                "rpc.service": SERVICE_NAME,
                "rpc.method": method,
                "medspa.spa_id": spa_id,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                return await self._answering(context, spa_id, work, span)
            finally:
                RPC_SECONDS.labels(method).observe(time.perf_counter() - began)

    async def _answering(
        self,
        context: grpc.aio.ServicerContext,
        spa_id: str,
        work: Callable[[SpaRules], Awaitable[T]],
        span: Span,
    ) -> T:
        rules = None
        try:
            if not spa_id:
                raise InvalidRequest([FieldViolation("spa_id", "required", "spa_id is required")])
            rules = self._catalog.rules(spa_id)
            answer = await work(rules)
        except SchedulingError as error:
            refused = refusal(error, rules)
            _answered(span, refused.code)
            log.info(
                "calendar request refused",
                extra={"code": refused.code.name, "reason": type(error).__name__, "spa_id": spa_id},
            )
            await context.abort(refused.code, refused.message, trailing_metadata=refused.metadata)
            raise AssertionError("abort raises") from error
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            # The database's words stay in the log: callers get a plain, retryable status.
            _answered(span, grpc.StatusCode.UNAVAILABLE)
            log.exception("calendar request failed", extra={"spa_id": spa_id})
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the calendar is unavailable")
            raise AssertionError("abort raises") from error
        except Exception as error:
            # grpc answers UNKNOWN to anything else.
            span.record_exception(error)
            _answered(span, grpc.StatusCode.UNKNOWN)
            raise
        _answered(span, grpc.StatusCode.OK)
        return answer

    async def ListServices(
        self, request: pb.ListServicesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListServicesResponse:
        async def work(rules: SpaRules) -> pb.ListServicesResponse:
            spa = self._catalog.config(rules.spa_id)
            return pb.ListServicesResponse(services=[codec.service(spa, s) for s in spa.services])

        return await self._answer("ListServices", context, request.spa_id, work)

    async def ListProviders(
        self, request: pb.ListProvidersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListProvidersResponse:
        async def work(rules: SpaRules) -> pb.ListProvidersResponse:
            spa = self._catalog.config(rules.spa_id)
            providers = list(spa.providers)
            if request.service_id:
                service = service_of(rules, request.service_id)
                providers = [p for p in providers if rules.providers[p.id].can_perform(service)]
            return pb.ListProvidersResponse(providers=[codec.provider(p) for p in providers])

        return await self._answer("ListProviders", context, request.spa_id, work)

    async def FindSlots(
        self, request: pb.FindSlotsRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindSlotsResponse:
        async def work(rules: SpaRules) -> pb.FindSlotsResponse:
            trace.get_current_span().set_attribute("medspa.service_id", request.service_id)
            found = await self._backend.find_slots(rules.spa_id, codec.slot_query(request))
            return pb.FindSlotsResponse(
                slots=[codec.slot(rules, s) for s in found], time_zone=rules.timezone
            )

        return await self._answer("FindSlots", context, request.spa_id, work)

    async def HoldSlot(
        self, request: pb.HoldSlotRequest, context: grpc.aio.ServicerContext
    ) -> pb.Appointment:
        async def work(rules: SpaRules) -> pb.Appointment:
            held = await self._backend.hold(codec.hold_request(request))
            trace.get_current_span().set_attribute("medspa.appointment_id", held.id)
            return codec.appointment(rules, held)

        return await self._answer("HoldSlot", context, request.spa_id, work)

    async def Confirm(
        self, request: pb.ConfirmRequest, context: grpc.aio.ServicerContext
    ) -> pb.Appointment:
        async def work(rules: SpaRules) -> pb.Appointment:
            confirmed = await self._backend.confirm(
                rules.spa_id, request.appointment_id, request.request_id
            )
            return codec.appointment(rules, confirmed)

        return await self._answer("Confirm", context, request.spa_id, work)

    async def Cancel(
        self, request: pb.CancelRequest, context: grpc.aio.ServicerContext
    ) -> pb.Appointment:
        async def work(rules: SpaRules) -> pb.Appointment:
            cancelled = await self._backend.cancel(codec.cancel_request(request))
            return codec.appointment(rules, cancelled)

        return await self._answer("Cancel", context, request.spa_id, work)

    async def Reschedule(
        self, request: pb.RescheduleRequest, context: grpc.aio.ServicerContext
    ) -> pb.Appointment:
        async def work(rules: SpaRules) -> pb.Appointment:
            moved = await self._backend.reschedule(codec.reschedule_request(request))
            return codec.appointment(rules, moved)

        return await self._answer("Reschedule", context, request.spa_id, work)

    async def CloseAppointment(
        self, request: pb.CloseAppointmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.Appointment:
        async def work(rules: SpaRules) -> pb.Appointment:
            closed = await self._backend.close(codec.close_request(request))
            return codec.appointment(rules, closed)

        return await self._answer("CloseAppointment", context, request.spa_id, work)

    async def GetAppointment(
        self, request: pb.GetAppointmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.Appointment:
        async def work(rules: SpaRules) -> pb.Appointment:
            found = await self._backend.get(rules.spa_id, request.appointment_id)
            return codec.appointment(rules, found)

        return await self._answer("GetAppointment", context, request.spa_id, work)

    async def ListAppointments(
        self, request: pb.ListAppointmentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAppointmentsResponse:
        async def work(rules: SpaRules) -> pb.ListAppointmentsResponse:
            found = await self._backend.list(rules.spa_id, codec.appointment_filter(request))
            return pb.ListAppointmentsResponse(
                appointments=[codec.appointment(rules, a) for a in found]
            )

        return await self._answer("ListAppointments", context, request.spa_id, work)

    async def FindPatient(
        self, request: pb.FindPatientRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindPatientResponse:
        async def work(rules: SpaRules) -> pb.FindPatientResponse:
            found = await self._patients.find_patient(
                rules.spa_id, request.phone_e164, request.purpose
            )
            return codec.found_patient(found)

        return await self._answer("FindPatient", context, request.spa_id, work)

    async def GetPatientContacts(
        self, request: pb.GetPatientContactsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPatientContactsResponse:
        async def work(rules: SpaRules) -> pb.GetPatientContactsResponse:
            found = await self._patients.contacts(
                rules.spa_id, list(request.patient_ids), request.purpose
            )
            return codec.contacts(found)

        return await self._answer("GetPatientContacts", context, request.spa_id, work)

    async def SetMarketingConsent(
        self, request: pb.SetMarketingConsentRequest, context: grpc.aio.ServicerContext
    ) -> pb.PatientContact:
        async def work(rules: SpaRules) -> pb.PatientContact:
            answered = await self._patients.set_marketing_consent(codec.consent_request(request))
            trace.get_current_span().set_attribute("medspa.patient_id", answered.patient_id)
            return codec.contact(answered)

        return await self._answer("SetMarketingConsent", context, request.spa_id, work)

    async def AddToWaitlist(
        self, request: pb.AddToWaitlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.WaitlistEntry:
        async def work(rules: SpaRules) -> pb.WaitlistEntry:
            added = await self._waitlist.add(waitlist_codec.add_request(request))
            trace.get_current_span().set_attribute("medspa.waitlist_entry_id", added.id)
            return waitlist_codec.entry(added)

        return await self._answer("AddToWaitlist", context, request.spa_id, work)

    async def ListWaitlist(
        self, request: pb.ListWaitlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWaitlistResponse:
        async def work(rules: SpaRules) -> pb.ListWaitlistResponse:
            found = await self._waitlist.list(rules.spa_id, waitlist_codec.list_query(request))
            return pb.ListWaitlistResponse(entries=[waitlist_codec.entry(e) for e in found])

        return await self._answer("ListWaitlist", context, request.spa_id, work)

    async def RemoveFromWaitlist(
        self, request: pb.RemoveFromWaitlistRequest, context: grpc.aio.ServicerContext
    ) -> pb.WaitlistEntry:
        async def work(rules: SpaRules) -> pb.WaitlistEntry:
            removed = await self._waitlist.remove(rules.spa_id, request.entry_id)
            return waitlist_codec.entry(removed)

        return await self._answer("RemoveFromWaitlist", context, request.spa_id, work)


class CalendarServer:
    """A grpc.aio server with the calendar, standard health checks and tracing."""

    def __init__(self, servicer: CalendarServicer, host: str, port: int) -> None:
        # Calls are traced by the servicer itself (see the module's docstring); health
        # calls are not traced at all.
        self.server = grpc.aio.server()
        calendar_pb2_grpc.add_CalendarServiceServicer_to_server(servicer, self.server)
        self.health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.port = self.server.add_insecure_port(f"{host}:{port}")

    async def start(self) -> None:
        await self.server.start()
        for name in ("", SERVICE_NAME):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Say NOT_SERVING first so balancers drain, then let in-flight calls finish."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_s)
