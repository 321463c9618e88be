import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PriceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRICE_KIND_UNSPECIFIED: _ClassVar[PriceKind]
    PRICE_KIND_FIXED: _ClassVar[PriceKind]
    PRICE_KIND_PER_UNIT: _ClassVar[PriceKind]
    PRICE_KIND_PER_SYRINGE: _ClassVar[PriceKind]

class PartOfDay(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PART_OF_DAY_UNSPECIFIED: _ClassVar[PartOfDay]
    PART_OF_DAY_MORNING: _ClassVar[PartOfDay]
    PART_OF_DAY_AFTERNOON: _ClassVar[PartOfDay]
    PART_OF_DAY_EVENING: _ClassVar[PartOfDay]

class AppointmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPOINTMENT_STATUS_UNSPECIFIED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_HELD: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_CONFIRMED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_CANCELLED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_COMPLETED: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_NO_SHOW: _ClassVar[AppointmentStatus]
    APPOINTMENT_STATUS_EXPIRED: _ClassVar[AppointmentStatus]

class CancelledBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCELLED_BY_UNSPECIFIED: _ClassVar[CancelledBy]
    CANCELLED_BY_PATIENT: _ClassVar[CancelledBy]
    CANCELLED_BY_SPA: _ClassVar[CancelledBy]
    CANCELLED_BY_SYSTEM: _ClassVar[CancelledBy]

class VisitOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIT_OUTCOME_UNSPECIFIED: _ClassVar[VisitOutcome]
    VISIT_OUTCOME_COMPLETED: _ClassVar[VisitOutcome]
    VISIT_OUTCOME_NO_SHOW: _ClassVar[VisitOutcome]

class WaitlistStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WAITLIST_STATUS_UNSPECIFIED: _ClassVar[WaitlistStatus]
    WAITLIST_STATUS_WAITING: _ClassVar[WaitlistStatus]
    WAITLIST_STATUS_REMOVED: _ClassVar[WaitlistStatus]
PRICE_KIND_UNSPECIFIED: PriceKind
PRICE_KIND_FIXED: PriceKind
PRICE_KIND_PER_UNIT: PriceKind
PRICE_KIND_PER_SYRINGE: PriceKind
PART_OF_DAY_UNSPECIFIED: PartOfDay
PART_OF_DAY_MORNING: PartOfDay
PART_OF_DAY_AFTERNOON: PartOfDay
PART_OF_DAY_EVENING: PartOfDay
APPOINTMENT_STATUS_UNSPECIFIED: AppointmentStatus
APPOINTMENT_STATUS_HELD: AppointmentStatus
APPOINTMENT_STATUS_CONFIRMED: AppointmentStatus
APPOINTMENT_STATUS_CANCELLED: AppointmentStatus
APPOINTMENT_STATUS_COMPLETED: AppointmentStatus
APPOINTMENT_STATUS_NO_SHOW: AppointmentStatus
APPOINTMENT_STATUS_EXPIRED: AppointmentStatus
CANCELLED_BY_UNSPECIFIED: CancelledBy
CANCELLED_BY_PATIENT: CancelledBy
CANCELLED_BY_SPA: CancelledBy
CANCELLED_BY_SYSTEM: CancelledBy
VISIT_OUTCOME_UNSPECIFIED: VisitOutcome
VISIT_OUTCOME_COMPLETED: VisitOutcome
VISIT_OUTCOME_NO_SHOW: VisitOutcome
WAITLIST_STATUS_UNSPECIFIED: WaitlistStatus
WAITLIST_STATUS_WAITING: WaitlistStatus
WAITLIST_STATUS_REMOVED: WaitlistStatus

class Price(_message.Message):
    __slots__ = ("kind", "amount", "unit", "typical_units_min", "typical_units_max")
    KIND_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    TYPICAL_UNITS_MIN_FIELD_NUMBER: _ClassVar[int]
    TYPICAL_UNITS_MAX_FIELD_NUMBER: _ClassVar[int]
    kind: PriceKind
    amount: _common_pb2.Money
    unit: str
    typical_units_min: int
    typical_units_max: int
    def __init__(self, kind: _Optional[_Union[PriceKind, str]] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., unit: _Optional[str] = ..., typical_units_min: _Optional[int] = ..., typical_units_max: _Optional[int] = ...) -> None: ...

class Service(_message.Message):
    __slots__ = ("id", "name", "category", "duration_minutes", "price", "aliases", "deposit_required", "deposit", "consult_required_for_new", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    CONSULT_REQUIRED_FOR_NEW_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    category: str
    duration_minutes: int
    price: Price
    aliases: _containers.RepeatedScalarFieldContainer[str]
    deposit_required: bool
    deposit: _common_pb2.Money
    consult_required_for_new: bool
    description: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., price: _Optional[_Union[Price, _Mapping]] = ..., aliases: _Optional[_Iterable[str]] = ..., deposit_required: _Optional[bool] = ..., deposit: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., consult_required_for_new: _Optional[bool] = ..., description: _Optional[str] = ...) -> None: ...

class Provider(_message.Message):
    __slots__ = ("id", "name", "credential", "service_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    SERVICE_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    credential: str
    service_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., credential: _Optional[str] = ..., service_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Slot(_message.Message):
    __slots__ = ("service_id", "provider_id", "provider_name", "resource_id", "start", "end", "resource_ids")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    provider_id: str
    provider_name: str
    resource_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., provider_name: _Optional[str] = ..., resource_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SlotPreferences(_message.Message):
    __slots__ = ("days_of_week", "parts_of_day", "near", "provider_id", "avoid_provider_id", "max_results", "spread_across_days")
    DAYS_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    PARTS_OF_DAY_FIELD_NUMBER: _ClassVar[int]
    NEAR_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    AVOID_PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    SPREAD_ACROSS_DAYS_FIELD_NUMBER: _ClassVar[int]
    days_of_week: _containers.RepeatedScalarFieldContainer[int]
    parts_of_day: _containers.RepeatedScalarFieldContainer[PartOfDay]
    near: _timestamp_pb2.Timestamp
    provider_id: str
    avoid_provider_id: str
    max_results: int
    spread_across_days: bool
    def __init__(self, days_of_week: _Optional[_Iterable[int]] = ..., parts_of_day: _Optional[_Iterable[_Union[PartOfDay, str]]] = ..., near: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provider_id: _Optional[str] = ..., avoid_provider_id: _Optional[str] = ..., max_results: _Optional[int] = ..., spread_across_days: _Optional[bool] = ...) -> None: ...

class ListServicesRequest(_message.Message):
    __slots__ = ("spa_id",)
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    def __init__(self, spa_id: _Optional[str] = ...) -> None: ...

class ListServicesResponse(_message.Message):
    __slots__ = ("services",)
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[Service]
    def __init__(self, services: _Optional[_Iterable[_Union[Service, _Mapping]]] = ...) -> None: ...

class ListProvidersRequest(_message.Message):
    __slots__ = ("spa_id", "service_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    service_id: str
    def __init__(self, spa_id: _Optional[str] = ..., service_id: _Optional[str] = ...) -> None: ...

class ListProvidersResponse(_message.Message):
    __slots__ = ("providers",)
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    def __init__(self, providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ...) -> None: ...

class FindSlotsRequest(_message.Message):
    __slots__ = ("spa_id", "service_id", "to", "preferences")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    service_id: str
    to: _timestamp_pb2.Timestamp
    preferences: SlotPreferences
    def __init__(self, spa_id: _Optional[str] = ..., service_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., preferences: _Optional[_Union[SlotPreferences, _Mapping]] = ..., **kwargs) -> None: ...

class FindSlotsResponse(_message.Message):
    __slots__ = ("slots", "time_zone")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    slots: _containers.RepeatedCompositeFieldContainer[Slot]
    time_zone: str
    def __init__(self, slots: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class PatientRef(_message.Message):
    __slots__ = ("phone_e164", "name", "email", "date_of_birth")
    PHONE_E164_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    phone_e164: str
    name: str
    email: str
    date_of_birth: str
    def __init__(self, phone_e164: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., date_of_birth: _Optional[str] = ...) -> None: ...

class HoldSlotRequest(_message.Message):
    __slots__ = ("spa_id", "request_id", "service_id", "provider_id", "start", "patient", "hold_minutes", "conversation_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    PATIENT_FIELD_NUMBER: _ClassVar[int]
    HOLD_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    request_id: str
    service_id: str
    provider_id: str
    start: _timestamp_pb2.Timestamp
    patient: PatientRef
    hold_minutes: int
    conversation_id: str
    def __init__(self, spa_id: _Optional[str] = ..., request_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., patient: _Optional[_Union[PatientRef, _Mapping]] = ..., hold_minutes: _Optional[int] = ..., conversation_id: _Optional[str] = ...) -> None: ...

class HoldConflict(_message.Message):
    __slots__ = ("reason", "alternatives")
    REASON_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    reason: str
    alternatives: _containers.RepeatedCompositeFieldContainer[Slot]
    def __init__(self, reason: _Optional[str] = ..., alternatives: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ...) -> None: ...

class Appointment(_message.Message):
    __slots__ = ("id", "spa_id", "service_id", "provider_id", "resource_id", "patient_id", "start", "end", "status", "hold_expires_at", "deposit_required", "deposit", "conversation_id", "provider_name", "service_name", "resource_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    spa_id: str
    service_id: str
    provider_id: str
    resource_id: str
    patient_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    status: AppointmentStatus
    hold_expires_at: _timestamp_pb2.Timestamp
    deposit_required: bool
    deposit: _common_pb2.Money
    conversation_id: str
    provider_name: str
    service_name: str
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., spa_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., resource_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[AppointmentStatus, str]] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deposit_required: _Optional[bool] = ..., deposit: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., conversation_id: _Optional[str] = ..., provider_name: _Optional[str] = ..., service_name: _Optional[str] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfirmRequest(_message.Message):
    __slots__ = ("spa_id", "appointment_id", "request_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    appointment_id: str
    request_id: str
    def __init__(self, spa_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ("spa_id", "appointment_id", "request_id", "cancelled_by", "reason")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    appointment_id: str
    request_id: str
    cancelled_by: CancelledBy
    reason: str
    def __init__(self, spa_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., request_id: _Optional[str] = ..., cancelled_by: _Optional[_Union[CancelledBy, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class RescheduleRequest(_message.Message):
    __slots__ = ("spa_id", "appointment_id", "request_id", "start", "provider_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    appointment_id: str
    request_id: str
    start: _timestamp_pb2.Timestamp
    provider_id: str
    def __init__(self, spa_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., request_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provider_id: _Optional[str] = ...) -> None: ...

class CloseAppointmentRequest(_message.Message):
    __slots__ = ("spa_id", "appointment_id", "request_id", "outcome")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    appointment_id: str
    request_id: str
    outcome: VisitOutcome
    def __init__(self, spa_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., request_id: _Optional[str] = ..., outcome: _Optional[_Union[VisitOutcome, str]] = ...) -> None: ...

class GetAppointmentRequest(_message.Message):
    __slots__ = ("spa_id", "appointment_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    appointment_id: str
    def __init__(self, spa_id: _Optional[str] = ..., appointment_id: _Optional[str] = ...) -> None: ...

class ListAppointmentsRequest(_message.Message):
    __slots__ = ("spa_id", "patient_id", "provider_id", "to", "statuses")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    patient_id: str
    provider_id: str
    to: _timestamp_pb2.Timestamp
    statuses: _containers.RepeatedScalarFieldContainer[AppointmentStatus]
    def __init__(self, spa_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[AppointmentStatus, str]]] = ..., **kwargs) -> None: ...

class ListAppointmentsResponse(_message.Message):
    __slots__ = ("appointments",)
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    def __init__(self, appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ...) -> None: ...

class FindPatientRequest(_message.Message):
    __slots__ = ("spa_id", "phone_e164", "purpose")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_E164_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    phone_e164: str
    purpose: str
    def __init__(self, spa_id: _Optional[str] = ..., phone_e164: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class LastVisit(_message.Message):
    __slots__ = ("service_id", "appointment_id", "provider_id", "start")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    appointment_id: str
    provider_id: str
    start: _timestamp_pb2.Timestamp
    def __init__(self, service_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FindPatientResponse(_message.Message):
    __slots__ = ("found", "patient_id", "name", "last_visits")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_VISITS_FIELD_NUMBER: _ClassVar[int]
    found: bool
    patient_id: str
    name: str
    last_visits: _containers.RepeatedCompositeFieldContainer[LastVisit]
    def __init__(self, found: _Optional[bool] = ..., patient_id: _Optional[str] = ..., name: _Optional[str] = ..., last_visits: _Optional[_Iterable[_Union[LastVisit, _Mapping]]] = ...) -> None: ...

class GetPatientContactsRequest(_message.Message):
    __slots__ = ("spa_id", "patient_ids", "purpose")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    patient_ids: _containers.RepeatedScalarFieldContainer[str]
    purpose: str
    def __init__(self, spa_id: _Optional[str] = ..., patient_ids: _Optional[_Iterable[str]] = ..., purpose: _Optional[str] = ...) -> None: ...

class PatientContact(_message.Message):
    __slots__ = ("patient_id", "phone_e164", "time_zone", "marketing_consent", "marketing_consent_at")
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_E164_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    MARKETING_CONSENT_FIELD_NUMBER: _ClassVar[int]
    MARKETING_CONSENT_AT_FIELD_NUMBER: _ClassVar[int]
    patient_id: str
    phone_e164: str
    time_zone: str
    marketing_consent: bool
    marketing_consent_at: _timestamp_pb2.Timestamp
    def __init__(self, patient_id: _Optional[str] = ..., phone_e164: _Optional[str] = ..., time_zone: _Optional[str] = ..., marketing_consent: _Optional[bool] = ..., marketing_consent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetPatientContactsResponse(_message.Message):
    __slots__ = ("contacts",)
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[PatientContact]
    def __init__(self, contacts: _Optional[_Iterable[_Union[PatientContact, _Mapping]]] = ...) -> None: ...

class SetMarketingConsentRequest(_message.Message):
    __slots__ = ("spa_id", "request_id", "patient_id", "phone_e164", "granted", "channel", "wording_ref")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_E164_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    WORDING_REF_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    request_id: str
    patient_id: str
    phone_e164: str
    granted: bool
    channel: str
    wording_ref: str
    def __init__(self, spa_id: _Optional[str] = ..., request_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., phone_e164: _Optional[str] = ..., granted: _Optional[bool] = ..., channel: _Optional[str] = ..., wording_ref: _Optional[str] = ...) -> None: ...

class ListWaitlistRequest(_message.Message):
    __slots__ = ("spa_id", "service_id", "provider_id", "start", "end", "max_results", "patient_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    service_id: str
    provider_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    max_results: int
    patient_id: str
    def __init__(self, spa_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_results: _Optional[int] = ..., patient_id: _Optional[str] = ...) -> None: ...

class WaitlistPreferences(_message.Message):
    __slots__ = ("days_of_week", "parts_of_day", "earliest_time", "latest_time", "not_before", "not_after")
    DAYS_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    PARTS_OF_DAY_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_TIME_FIELD_NUMBER: _ClassVar[int]
    LATEST_TIME_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    days_of_week: _containers.RepeatedScalarFieldContainer[int]
    parts_of_day: _containers.RepeatedScalarFieldContainer[PartOfDay]
    earliest_time: str
    latest_time: str
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    def __init__(self, days_of_week: _Optional[_Iterable[int]] = ..., parts_of_day: _Optional[_Iterable[_Union[PartOfDay, str]]] = ..., earliest_time: _Optional[str] = ..., latest_time: _Optional[str] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WaitlistEntry(_message.Message):
    __slots__ = ("entry_id", "patient_id", "service_id", "provider_id", "created_at", "preferences", "status")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    patient_id: str
    service_id: str
    provider_id: str
    created_at: _timestamp_pb2.Timestamp
    preferences: WaitlistPreferences
    status: WaitlistStatus
    def __init__(self, entry_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., preferences: _Optional[_Union[WaitlistPreferences, _Mapping]] = ..., status: _Optional[_Union[WaitlistStatus, str]] = ...) -> None: ...

class AddToWaitlistRequest(_message.Message):
    __slots__ = ("spa_id", "request_id", "service_id", "provider_id", "patient", "patient_id", "preferences")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    request_id: str
    service_id: str
    provider_id: str
    patient: PatientRef
    patient_id: str
    preferences: WaitlistPreferences
    def __init__(self, spa_id: _Optional[str] = ..., request_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., patient: _Optional[_Union[PatientRef, _Mapping]] = ..., patient_id: _Optional[str] = ..., preferences: _Optional[_Union[WaitlistPreferences, _Mapping]] = ...) -> None: ...

class RemoveFromWaitlistRequest(_message.Message):
    __slots__ = ("spa_id", "entry_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    entry_id: str
    def __init__(self, spa_id: _Optional[str] = ..., entry_id: _Optional[str] = ...) -> None: ...

class ListWaitlistResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[WaitlistEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[WaitlistEntry, _Mapping]]] = ...) -> None: ...
