import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Autonomy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTONOMY_UNSPECIFIED: _ClassVar[Autonomy]
    AUTONOMY_FULL: _ClassVar[Autonomy]
    AUTONOMY_AFTER_HOURS: _ClassVar[Autonomy]
    AUTONOMY_SHADOW: _ClassVar[Autonomy]

class DraftDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAFT_DECISION_UNSPECIFIED: _ClassVar[DraftDecision]
    DRAFT_DECISION_APPROVED: _ClassVar[DraftDecision]
    DRAFT_DECISION_EDITED: _ClassVar[DraftDecision]
    DRAFT_DECISION_DISCARDED: _ClassVar[DraftDecision]
AUTONOMY_UNSPECIFIED: Autonomy
AUTONOMY_FULL: Autonomy
AUTONOMY_AFTER_HOURS: Autonomy
AUTONOMY_SHADOW: Autonomy
DRAFT_DECISION_UNSPECIFIED: DraftDecision
DRAFT_DECISION_APPROVED: DraftDecision
DRAFT_DECISION_EDITED: DraftDecision
DRAFT_DECISION_DISCARDED: DraftDecision

class HandoffClaimed(_message.Message):
    __slots__ = ("spa_id", "handoff_id", "conversation_id", "staff_id", "claimed_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    handoff_id: str
    conversation_id: str
    staff_id: str
    claimed_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., handoff_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., claimed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandoffResolved(_message.Message):
    __slots__ = ("spa_id", "handoff_id", "conversation_id", "staff_id", "resolution", "returned_to_agent")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RETURNED_TO_AGENT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    handoff_id: str
    conversation_id: str
    staff_id: str
    resolution: str
    returned_to_agent: bool
    def __init__(self, spa_id: _Optional[str] = ..., handoff_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., resolution: _Optional[str] = ..., returned_to_agent: _Optional[bool] = ...) -> None: ...

class ConversationPaused(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "paused", "staff_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    paused: bool
    staff_id: str
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., paused: _Optional[bool] = ..., staff_id: _Optional[str] = ...) -> None: ...

class AutonomyChanged(_message.Message):
    __slots__ = ("spa_id", "autonomy", "staff_id", "changed_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    AUTONOMY_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    autonomy: Autonomy
    staff_id: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., autonomy: _Optional[_Union[Autonomy, str]] = ..., staff_id: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StaffReplied(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "staff_id", "command_id", "text", "sent_at", "draft_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    staff_id: str
    command_id: str
    text: _common_pb2.Sealed
    sent_at: _timestamp_pb2.Timestamp
    draft_id: str
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., command_id: _Optional[str] = ..., text: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., draft_id: _Optional[str] = ...) -> None: ...

class DraftReviewed(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "draft_id", "decision", "staff_id", "command_id", "reviewed_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    draft_id: str
    decision: DraftDecision
    staff_id: str
    command_id: str
    reviewed_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., draft_id: _Optional[str] = ..., decision: _Optional[_Union[DraftDecision, str]] = ..., staff_id: _Optional[str] = ..., command_id: _Optional[str] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
