from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SendMessage(_message.Message):
    __slots__ = ("spa_id", "command_id", "to_phone", "body", "conversation_id", "purpose")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    TO_PHONE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    command_id: str
    to_phone: _common_pb2.Sealed
    body: _common_pb2.Sealed
    conversation_id: str
    purpose: str
    def __init__(self, spa_id: _Optional[str] = ..., command_id: _Optional[str] = ..., to_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., body: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., conversation_id: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class PlaceCall(_message.Message):
    __slots__ = ("spa_id", "command_id", "to_phone", "script", "conversation_id", "purpose")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    TO_PHONE_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    command_id: str
    to_phone: _common_pb2.Sealed
    script: str
    conversation_id: str
    purpose: str
    def __init__(self, spa_id: _Optional[str] = ..., command_id: _Optional[str] = ..., to_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., script: _Optional[str] = ..., conversation_id: _Optional[str] = ..., purpose: _Optional[str] = ...) -> None: ...

class RetryRefund(_message.Message):
    __slots__ = ("spa_id", "command_id", "deposit_id", "attempt", "staff_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    command_id: str
    deposit_id: str
    attempt: int
    staff_id: str
    def __init__(self, spa_id: _Optional[str] = ..., command_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., attempt: _Optional[int] = ..., staff_id: _Optional[str] = ...) -> None: ...
