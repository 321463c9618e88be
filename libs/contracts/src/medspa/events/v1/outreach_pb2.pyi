import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OutreachSent(_message.Message):
    __slots__ = ("spa_id", "job_id", "kind", "appointment_id", "command_id", "sent_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    job_id: str
    kind: str
    appointment_id: str
    command_id: str
    sent_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., job_id: _Optional[str] = ..., kind: _Optional[str] = ..., appointment_id: _Optional[str] = ..., command_id: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OutreachSkipped(_message.Message):
    __slots__ = ("spa_id", "job_id", "kind", "reason")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    job_id: str
    kind: str
    reason: str
    def __init__(self, spa_id: _Optional[str] = ..., job_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
