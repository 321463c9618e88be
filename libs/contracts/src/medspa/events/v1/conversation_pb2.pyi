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

class HandoffPriority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDOFF_PRIORITY_UNSPECIFIED: _ClassVar[HandoffPriority]
    HANDOFF_PRIORITY_NORMAL: _ClassVar[HandoffPriority]
    HANDOFF_PRIORITY_URGENT: _ClassVar[HandoffPriority]
    HANDOFF_PRIORITY_HIGH: _ClassVar[HandoffPriority]

class TurnAuthor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TURN_AUTHOR_UNSPECIFIED: _ClassVar[TurnAuthor]
    TURN_AUTHOR_PATIENT: _ClassVar[TurnAuthor]
    TURN_AUTHOR_AGENT: _ClassVar[TurnAuthor]
    TURN_AUTHOR_STAFF: _ClassVar[TurnAuthor]
HANDOFF_PRIORITY_UNSPECIFIED: HandoffPriority
HANDOFF_PRIORITY_NORMAL: HandoffPriority
HANDOFF_PRIORITY_URGENT: HandoffPriority
HANDOFF_PRIORITY_HIGH: HandoffPriority
TURN_AUTHOR_UNSPECIFIED: TurnAuthor
TURN_AUTHOR_PATIENT: TurnAuthor
TURN_AUTHOR_AGENT: TurnAuthor
TURN_AUTHOR_STAFF: TurnAuthor

class IntentDetected(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "intent", "service_id", "channel")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    intent: str
    service_id: str
    channel: _common_pb2.Channel
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., intent: _Optional[str] = ..., service_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ...) -> None: ...

class HandoffRequested(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "handoff_id", "reason", "priority", "summary", "patient_phone", "channel", "requested_at", "captured", "transcript_ref", "assigned_role", "respond_within_minutes")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PATIENT_PHONE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_REF_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_ROLE_FIELD_NUMBER: _ClassVar[int]
    RESPOND_WITHIN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    handoff_id: str
    reason: str
    priority: HandoffPriority
    summary: _common_pb2.Sealed
    patient_phone: _common_pb2.Sealed
    channel: _common_pb2.Channel
    requested_at: _timestamp_pb2.Timestamp
    captured: _common_pb2.Sealed
    transcript_ref: str
    assigned_role: str
    respond_within_minutes: int
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., handoff_id: _Optional[str] = ..., reason: _Optional[str] = ..., priority: _Optional[_Union[HandoffPriority, str]] = ..., summary: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., patient_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., captured: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., transcript_ref: _Optional[str] = ..., assigned_role: _Optional[str] = ..., respond_within_minutes: _Optional[int] = ...) -> None: ...

class IntakeCompleted(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "appointment_id", "flags", "answers", "needs_review", "service_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    NEEDS_REVIEW_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    appointment_id: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    answers: _common_pb2.Sealed
    needs_review: bool
    service_id: str
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., answers: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., needs_review: _Optional[bool] = ..., service_id: _Optional[str] = ...) -> None: ...

class ConversationSummarized(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "summary", "outcome", "turns")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    summary: _common_pb2.Sealed
    outcome: str
    turns: int
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., summary: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., outcome: _Optional[str] = ..., turns: _Optional[int] = ...) -> None: ...

class ReplyDrafted(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "draft", "channel", "intent", "patient_phone", "drafted_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    PATIENT_PHONE_FIELD_NUMBER: _ClassVar[int]
    DRAFTED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    draft: _common_pb2.Sealed
    channel: _common_pb2.Channel
    intent: str
    patient_phone: _common_pb2.Sealed
    drafted_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., draft: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., intent: _Optional[str] = ..., patient_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., drafted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConversationTurn(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "seq", "author", "channel", "text", "at", "patient_phone", "intent", "message_ref", "draft", "patient_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    PATIENT_PHONE_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_REF_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    seq: int
    author: TurnAuthor
    channel: _common_pb2.Channel
    text: _common_pb2.Sealed
    at: _timestamp_pb2.Timestamp
    patient_phone: _common_pb2.Sealed
    intent: str
    message_ref: str
    draft: bool
    patient_id: str
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., author: _Optional[_Union[TurnAuthor, str]] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., text: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., patient_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., intent: _Optional[str] = ..., message_ref: _Optional[str] = ..., draft: _Optional[bool] = ..., patient_id: _Optional[str] = ...) -> None: ...
