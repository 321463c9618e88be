import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SmsReceived(_message.Message):
    __slots__ = ("spa_id", "message_sid", "from_phone", "body", "received_at", "num_media", "sender_opted_out")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_SID_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    NUM_MEDIA_FIELD_NUMBER: _ClassVar[int]
    SENDER_OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    message_sid: str
    from_phone: _common_pb2.Sealed
    body: _common_pb2.Sealed
    received_at: _timestamp_pb2.Timestamp
    num_media: int
    sender_opted_out: bool
    def __init__(self, spa_id: _Optional[str] = ..., message_sid: _Optional[str] = ..., from_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., body: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., num_media: _Optional[int] = ..., sender_opted_out: _Optional[bool] = ...) -> None: ...

class CallStarted(_message.Message):
    __slots__ = ("spa_id", "call_sid", "from_phone", "started_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    from_phone: _common_pb2.Sealed
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., from_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallTurn(_message.Message):
    __slots__ = ("spa_id", "call_sid", "turn", "from_phone", "transcript", "confidence")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    TURN_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    turn: int
    from_phone: _common_pb2.Sealed
    transcript: _common_pb2.Sealed
    confidence: float
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., turn: _Optional[int] = ..., from_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., transcript: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., confidence: _Optional[float] = ...) -> None: ...

class CallEnded(_message.Message):
    __slots__ = ("spa_id", "call_sid", "status", "duration_seconds", "ended_at", "direction", "answered_by", "command_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    status: str
    duration_seconds: int
    ended_at: _timestamp_pb2.Timestamp
    direction: str
    answered_by: str
    command_id: str
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., status: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., direction: _Optional[str] = ..., answered_by: _Optional[str] = ..., command_id: _Optional[str] = ...) -> None: ...

class CallMissed(_message.Message):
    __slots__ = ("spa_id", "call_sid", "from_phone", "missed_at", "reason")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_FIELD_NUMBER: _ClassVar[int]
    MISSED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    from_phone: _common_pb2.Sealed
    missed_at: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., from_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., missed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class MessageSent(_message.Message):
    __slots__ = ("spa_id", "command_id", "message_sid", "num_segments", "conversation_id", "sent_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_SID_FIELD_NUMBER: _ClassVar[int]
    NUM_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    command_id: str
    message_sid: str
    num_segments: int
    conversation_id: str
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., command_id: _Optional[str] = ..., message_sid: _Optional[str] = ..., num_segments: _Optional[int] = ..., conversation_id: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MessageStatus(_message.Message):
    __slots__ = ("spa_id", "message_sid", "status", "error_code", "command_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_SID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    message_sid: str
    status: str
    error_code: str
    command_id: str
    def __init__(self, spa_id: _Optional[str] = ..., message_sid: _Optional[str] = ..., status: _Optional[str] = ..., error_code: _Optional[str] = ..., command_id: _Optional[str] = ...) -> None: ...

class OptoutChanged(_message.Message):
    __slots__ = ("spa_id", "phone", "opted_out", "keyword", "changed_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    phone: _common_pb2.Sealed
    opted_out: bool
    keyword: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., opted_out: _Optional[bool] = ..., keyword: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallTransferred(_message.Message):
    __slots__ = ("spa_id", "call_sid", "handoff_id", "conversation_id", "transferred_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSFERRED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    handoff_id: str
    conversation_id: str
    transferred_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., handoff_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., transferred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallbackRequested(_message.Message):
    __slots__ = ("spa_id", "call_sid", "phone", "handoff_id", "conversation_id", "reason", "due_by", "requested_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DUE_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    phone: _common_pb2.Sealed
    handoff_id: str
    conversation_id: str
    reason: str
    due_by: _timestamp_pb2.Timestamp
    requested_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., handoff_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., reason: _Optional[str] = ..., due_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
