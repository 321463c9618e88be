import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReplyAnswer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLY_ANSWER_UNSPECIFIED: _ClassVar[ReplyAnswer]
    REPLY_ANSWER_CONFIRM: _ClassVar[ReplyAnswer]
    REPLY_ANSWER_RESCHEDULE: _ClassVar[ReplyAnswer]
    REPLY_ANSWER_ACCEPT: _ClassVar[ReplyAnswer]
    REPLY_ANSWER_DECLINE: _ClassVar[ReplyAnswer]
    REPLY_ANSWER_CHOOSE: _ClassVar[ReplyAnswer]
REPLY_ANSWER_UNSPECIFIED: ReplyAnswer
REPLY_ANSWER_CONFIRM: ReplyAnswer
REPLY_ANSWER_RESCHEDULE: ReplyAnswer
REPLY_ANSWER_ACCEPT: ReplyAnswer
REPLY_ANSWER_DECLINE: ReplyAnswer
REPLY_ANSWER_CHOOSE: ReplyAnswer

class OutreachSent(_message.Message):
    __slots__ = ("spa_id", "job_id", "kind", "appointment_id", "command_id", "sent_at", "patient_id", "to_phone", "channel", "expects_reply", "offer_id", "choices", "triggered_at", "service_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_PHONE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXPECTS_REPLY_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_AT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    job_id: str
    kind: str
    appointment_id: str
    command_id: str
    sent_at: _timestamp_pb2.Timestamp
    patient_id: str
    to_phone: _common_pb2.Sealed
    channel: str
    expects_reply: str
    offer_id: str
    choices: int
    triggered_at: _timestamp_pb2.Timestamp
    service_id: str
    def __init__(self, spa_id: _Optional[str] = ..., job_id: _Optional[str] = ..., kind: _Optional[str] = ..., appointment_id: _Optional[str] = ..., command_id: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., patient_id: _Optional[str] = ..., to_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., channel: _Optional[str] = ..., expects_reply: _Optional[str] = ..., offer_id: _Optional[str] = ..., choices: _Optional[int] = ..., triggered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., service_id: _Optional[str] = ...) -> None: ...

class OutreachSkipped(_message.Message):
    __slots__ = ("spa_id", "job_id", "kind", "reason", "patient_id", "appointment_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    job_id: str
    kind: str
    reason: str
    patient_id: str
    appointment_id: str
    def __init__(self, spa_id: _Optional[str] = ..., job_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., patient_id: _Optional[str] = ..., appointment_id: _Optional[str] = ...) -> None: ...

class OutreachReplied(_message.Message):
    __slots__ = ("spa_id", "reply_id", "job_id", "offer_id", "appointment_id", "answer", "choice", "conversation_id", "from_phone", "replied_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    REPLY_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_FIELD_NUMBER: _ClassVar[int]
    REPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    reply_id: str
    job_id: str
    offer_id: str
    appointment_id: str
    answer: ReplyAnswer
    choice: int
    conversation_id: str
    from_phone: _common_pb2.Sealed
    replied_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., reply_id: _Optional[str] = ..., job_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., answer: _Optional[_Union[ReplyAnswer, str]] = ..., choice: _Optional[int] = ..., conversation_id: _Optional[str] = ..., from_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., replied_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BookingAttributed(_message.Message):
    __slots__ = ("spa_id", "appointment_id", "patient_id", "source", "job_id", "touched_at", "booked_at", "service_id", "value")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TOUCHED_AT_FIELD_NUMBER: _ClassVar[int]
    BOOKED_AT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    appointment_id: str
    patient_id: str
    source: str
    job_id: str
    touched_at: _timestamp_pb2.Timestamp
    booked_at: _timestamp_pb2.Timestamp
    service_id: str
    value: _common_pb2.Money
    def __init__(self, spa_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., source: _Optional[str] = ..., job_id: _Optional[str] = ..., touched_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., booked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., service_id: _Optional[str] = ..., value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...
