import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DepositRequested(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "amount", "payment_url", "expires_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount: _common_pb2.Money
    payment_url: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., payment_url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DepositPaid(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "paid_at")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    paid_at: _timestamp_pb2.Timestamp
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DepositExpired(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ...) -> None: ...

class DepositRefunded(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "reason")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    reason: str
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DepositForfeited(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "reason")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    reason: str
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...
