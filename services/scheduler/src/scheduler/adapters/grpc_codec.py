"""CalendarService messages to the domain's plain values and back."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.common.v1.common_pb2 import Money
from scheduler.domain.appointments import Appointment, Status
from scheduler.domain.availability import Slot
from scheduler.domain.commands import (
    AppointmentFilter,
    CancelRequest,
    CloseRequest,
    ConsentRequest,
    HoldRequest,
    RescheduleRequest,
)
from scheduler.domain.errors import FieldViolation, InvalidRequest
from scheduler.domain.model import PartOfDay, SpaRules
from scheduler.domain.patients import Contact, PatientFound
from scheduler.domain.slots import SlotQuery
from spa_config import FixedPrice, PerSyringePrice, PerUnitPrice, SpaConfig
from spa_config import Provider as ConfigProvider
from spa_config import Service as ConfigService

STATUS = {
    Status.HELD: pb.APPOINTMENT_STATUS_HELD,
    Status.CONFIRMED: pb.APPOINTMENT_STATUS_CONFIRMED,
    Status.CANCELLED: pb.APPOINTMENT_STATUS_CANCELLED,
    Status.COMPLETED: pb.APPOINTMENT_STATUS_COMPLETED,
    Status.NO_SHOW: pb.APPOINTMENT_STATUS_NO_SHOW,
    Status.EXPIRED: pb.APPOINTMENT_STATUS_EXPIRED,
}
FROM_STATUS = {v: k for k, v in STATUS.items()}
OUTCOME = {
    pb.VISIT_OUTCOME_COMPLETED: Status.COMPLETED,
    pb.VISIT_OUTCOME_NO_SHOW: Status.NO_SHOW,
}
CANCELLED_BY = {
    # Unspecified is read as the patient: the agent, the usual caller, acts for them.
    pb.CANCELLED_BY_UNSPECIFIED: "patient",
    pb.CANCELLED_BY_PATIENT: "patient",
    pb.CANCELLED_BY_SPA: "spa",
    pb.CANCELLED_BY_SYSTEM: "system",
}


def timestamp(instant: int) -> Timestamp:
    return Timestamp(seconds=instant)


def moment(message: object, field_name: str) -> datetime | None:
    """A Timestamp field as an aware UTC datetime, None when unset."""
    if not message.HasField(field_name):  # type: ignore[attr-defined]
        return None
    value: Timestamp = getattr(message, field_name)
    found: datetime = value.ToDatetime(tzinfo=UTC)
    return found


def instant(message: object, field_name: str) -> int | None:
    found = moment(message, field_name)
    return int(found.timestamp()) if found is not None else None


def slot(rules: SpaRules, found: Slot) -> pb.Slot:
    provider = rules.providers.get(found.provider_id)
    return pb.Slot(
        service_id=found.service_id,
        provider_id=found.provider_id,
        provider_name=provider.name if provider else "",
        resource_id=found.resource_ids[0] if found.resource_ids else "",
        start=timestamp(found.start),
        end=timestamp(found.end),
        resource_ids=found.resource_ids,
    )


def appointment(rules: SpaRules, appt: Appointment) -> pb.Appointment:
    provider = rules.providers.get(appt.provider_id)
    service = rules.services.get(appt.service_id)
    message = pb.Appointment(
        id=appt.id,
        spa_id=appt.spa_id,
        service_id=appt.service_id,
        provider_id=appt.provider_id,
        resource_id=appt.resource_ids[0] if appt.resource_ids else "",
        patient_id=appt.patient_id,
        start=timestamp(appt.start),
        end=timestamp(appt.end),
        status=STATUS[appt.status],
        deposit_required=appt.deposit_minor > 0,
        deposit=Money(amount_minor=appt.deposit_minor, currency=appt.currency),
        conversation_id=appt.conversation_id,
        provider_name=provider.name if provider else "",
        service_name=service.name if service else "",
        resource_ids=appt.resource_ids,
    )
    if appt.hold_expires_at is not None:
        message.hold_expires_at.CopyFrom(timestamp(appt.hold_expires_at))
    return message


def _money(amount: int, currency: str) -> Money:
    return Money(amount_minor=amount, currency=currency)


def _price(service: ConfigService, currency: str) -> pb.Price:
    price = service.price
    if isinstance(price, FixedPrice):
        return pb.Price(kind=pb.PRICE_KIND_FIXED, amount=_money(price.amount, currency))
    if isinstance(price, PerUnitPrice):
        return pb.Price(
            kind=pb.PRICE_KIND_PER_UNIT,
            amount=_money(price.unit_price, currency),
            unit=price.unit,
            typical_units_min=price.typical_units.min,
            typical_units_max=price.typical_units.max,
        )
    assert isinstance(price, PerSyringePrice)
    return pb.Price(
        kind=pb.PRICE_KIND_PER_SYRINGE,
        amount=_money(price.syringe_price, currency),
        unit="syringe",
        typical_units_min=price.typical_syringes.min,
        typical_units_max=price.typical_syringes.max,
    )


def service(spa: SpaConfig, item: ConfigService) -> pb.Service:
    # The deposit a new patient would pay: the most a caller can be asked for.
    deposit = item.deposit_for(new_patient=True)
    return pb.Service(
        id=item.id,
        name=item.name,
        category=item.category.value,
        duration_minutes=item.duration_minutes,
        price=_price(item, spa.currency),
        aliases=list(item.aliases),
        deposit_required=deposit > 0,
        deposit=_money(deposit, spa.currency),
        consult_required_for_new=item.consult_required_for_new,
        description=item.description,
    )


def provider(item: ConfigProvider) -> pb.Provider:
    return pb.Provider(
        id=item.id,
        name=item.name,
        credential=item.credential.value,
        service_ids=list(item.services),
    )


def slot_query(request: pb.FindSlotsRequest) -> SlotQuery:
    prefs = request.preferences
    problems: list[FieldViolation] = []
    parts: set[PartOfDay] = set()
    for value in prefs.parts_of_day:
        if value in PartOfDay._value2member_map_:
            parts.add(PartOfDay(value))
        else:
            problems.append(
                FieldViolation("preferences.parts_of_day", "bad_part_of_day", f"{value} is unknown")
            )
    if prefs.max_results < 0:
        problems.append(
            FieldViolation("preferences.max_results", "out_of_range", "cannot be negative")
        )
    if problems:
        raise InvalidRequest(problems)
    return SlotQuery(
        service_id=request.service_id,
        start=instant(request, "from"),
        end=instant(request, "to"),
        days_of_week=frozenset(prefs.days_of_week),
        parts_of_day=frozenset(parts),
        near=instant(prefs, "near"),
        provider_id=prefs.provider_id,
        avoid_provider_id=prefs.avoid_provider_id,
        max_results=prefs.max_results,
        spread_across_days=prefs.spread_across_days,
    )


def hold_request(request: pb.HoldSlotRequest) -> HoldRequest:
    return HoldRequest(
        spa_id=request.spa_id,
        request_id=request.request_id,
        service_id=request.service_id,
        start=moment(request, "start"),
        phone=request.patient.phone_e164,
        name=request.patient.name,
        email=request.patient.email,
        date_of_birth=request.patient.date_of_birth,
        provider_id=request.provider_id,
        hold_minutes=request.hold_minutes,
        conversation_id=request.conversation_id,
    )


def cancel_request(request: pb.CancelRequest) -> CancelRequest:
    by = CANCELLED_BY.get(request.cancelled_by)
    if by is None:
        raise InvalidRequest(
            [FieldViolation("cancelled_by", "bad_value", f"{request.cancelled_by} is unknown")]
        )
    return CancelRequest(
        spa_id=request.spa_id,
        appointment_id=request.appointment_id,
        request_id=request.request_id,
        cancelled_by=by,
        reason=request.reason,
    )


def reschedule_request(request: pb.RescheduleRequest) -> RescheduleRequest:
    return RescheduleRequest(
        spa_id=request.spa_id,
        appointment_id=request.appointment_id,
        request_id=request.request_id,
        start=moment(request, "start"),
        provider_id=request.provider_id,
    )


def close_request(request: pb.CloseAppointmentRequest) -> CloseRequest:
    outcome = OUTCOME.get(request.outcome)
    if outcome is None:
        raise InvalidRequest(
            [FieldViolation("outcome", "required", "outcome is COMPLETED or NO_SHOW")]
        )
    return CloseRequest(
        spa_id=request.spa_id,
        appointment_id=request.appointment_id,
        request_id=request.request_id,
        outcome=outcome,
    )


def appointment_filter(request: pb.ListAppointmentsRequest) -> AppointmentFilter:
    unknown = [s for s in request.statuses if s not in FROM_STATUS]
    if unknown:
        raise InvalidRequest(
            [FieldViolation("statuses", "bad_status", f"{unknown} are not appointment statuses")]
        )
    return AppointmentFilter(
        patient_id=request.patient_id,
        provider_id=request.provider_id,
        start=instant(request, "from"),
        end=instant(request, "to"),
        statuses=frozenset(FROM_STATUS[s] for s in request.statuses),
    )


def found_patient(found: PatientFound | None) -> pb.FindPatientResponse:
    if found is None:
        return pb.FindPatientResponse(found=False)
    return pb.FindPatientResponse(
        found=True,
        patient_id=found.patient_id,
        name=found.name,
        last_visits=[
            pb.LastVisit(
                service_id=v.service_id,
                appointment_id=v.appointment_id,
                provider_id=v.provider_id,
                start=timestamp(v.start),
            )
            for v in found.last_visits
        ],
    )


def contact(found: Contact) -> pb.PatientContact:
    # An empty zone means the spa's; consent is claimed only with the answer on file.
    message = pb.PatientContact(
        patient_id=found.patient_id,
        phone_e164=found.phone,
        time_zone=found.time_zone,
        marketing_consent=found.marketing_consent,
    )
    if found.marketing_consent_at is not None:
        message.marketing_consent_at.CopyFrom(timestamp(found.marketing_consent_at))
    return message


def contacts(found: list[Contact]) -> pb.GetPatientContactsResponse:
    return pb.GetPatientContactsResponse(contacts=[contact(c) for c in found])


def consent_request(request: pb.SetMarketingConsentRequest) -> ConsentRequest:
    return ConsentRequest(
        spa_id=request.spa_id,
        request_id=request.request_id,
        granted=request.granted,
        channel=request.channel,
        wording_ref=request.wording_ref,
        patient_id=request.patient_id,
        phone=request.phone_e164,
    )
