import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Booking(_message.Message):
    __slots__ = ("appointment_id", "spa_id", "service_id", "provider_id", "resource_id", "patient_id", "start", "end", "deposit_required", "deposit", "conversation_id", "new_patient", "resource_ids")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_PATIENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    spa_id: str
    service_id: str
    provider_id: str
    resource_id: str
    patient_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    deposit_required: bool
    deposit: _common_pb2.Money
    conversation_id: str
    new_patient: bool
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, appointment_id: _Optional[str] = ..., spa_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., resource_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deposit_required: _Optional[bool] = ..., deposit: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., conversation_id: _Optional[str] = ..., new_patient: _Optional[bool] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BookingHeld(_message.Message):
    __slots__ = ("booking", "hold_expires_at")
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    hold_expires_at: _timestamp_pb2.Timestamp
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BookingConfirmed(_message.Message):
    __slots__ = ("booking",)
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ...) -> None: ...

class BookingRescheduled(_message.Message):
    __slots__ = ("booking", "previous_start", "previous_end", "inside_cancellation_window")
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_START_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_END_FIELD_NUMBER: _ClassVar[int]
    INSIDE_CANCELLATION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    previous_start: _timestamp_pb2.Timestamp
    previous_end: _timestamp_pb2.Timestamp
    inside_cancellation_window: bool
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ..., previous_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., inside_cancellation_window: _Optional[bool] = ...) -> None: ...

class BookingCancelled(_message.Message):
    __slots__ = ("booking", "cancelled_by", "inside_cancellation_window", "hold_expired")
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    INSIDE_CANCELLATION_WINDOW_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    cancelled_by: str
    inside_cancellation_window: bool
    hold_expired: bool
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ..., cancelled_by: _Optional[str] = ..., inside_cancellation_window: _Optional[bool] = ..., hold_expired: _Optional[bool] = ...) -> None: ...

class BookingCompleted(_message.Message):
    __slots__ = ("booking",)
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ...) -> None: ...

class BookingNoShow(_message.Message):
    __slots__ = ("booking",)
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ...) -> None: ...

class SlotOpened(_message.Message):
    __slots__ = ("spa_id", "service_id", "provider_id", "resource_id", "start", "end", "resource_ids", "waitlist_entry_ids")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    WAITLIST_ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    service_id: str
    provider_id: str
    resource_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    waitlist_entry_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, spa_id: _Optional[str] = ..., service_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., resource_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resource_ids: _Optional[_Iterable[str]] = ..., waitlist_entry_ids: _Optional[_Iterable[str]] = ...) -> None: ...
