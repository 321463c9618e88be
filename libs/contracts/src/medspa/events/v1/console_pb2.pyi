import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
