import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PolicyAnswer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_ANSWER_UNSPECIFIED: _ClassVar[PolicyAnswer]
    POLICY_ANSWER_ACCEPTED: _ClassVar[PolicyAnswer]
    POLICY_ANSWER_DECLINED: _ClassVar[PolicyAnswer]
    POLICY_ANSWER_NONE: _ClassVar[PolicyAnswer]
POLICY_ANSWER_UNSPECIFIED: PolicyAnswer
POLICY_ANSWER_ACCEPTED: PolicyAnswer
POLICY_ANSWER_DECLINED: PolicyAnswer
POLICY_ANSWER_NONE: PolicyAnswer

class DepositRequested(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "amount", "payment_url", "expires_at", "notice", "credit_applied", "no_show_fee")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_APPLIED_FIELD_NUMBER: _ClassVar[int]
    NO_SHOW_FEE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount: _common_pb2.Money
    payment_url: str
    expires_at: _timestamp_pb2.Timestamp
    notice: _common_pb2.Sealed
    credit_applied: _common_pb2.Money
    no_show_fee: _common_pb2.Money
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., payment_url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., credit_applied: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., no_show_fee: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class CardOnFileRequested(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "no_show_fee", "payment_url", "expires_at", "terms", "notice")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    NO_SHOW_FEE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    no_show_fee: _common_pb2.Money
    payment_url: str
    expires_at: _timestamp_pb2.Timestamp
    terms: str
    notice: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., no_show_fee: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., payment_url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., terms: _Optional[str] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...

class DepositPaid(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "paid_at", "conversation_id", "credit_applied", "notice", "previous_appointment_id")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_APPLIED_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    paid_at: _timestamp_pb2.Timestamp
    conversation_id: str
    credit_applied: _common_pb2.Money
    notice: _common_pb2.Sealed
    previous_appointment_id: str
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conversation_id: _Optional[str] = ..., credit_applied: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., previous_appointment_id: _Optional[str] = ...) -> None: ...

class DepositExpired(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "reason", "notice")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    reason: str
    notice: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., reason: _Optional[str] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...

class DepositRefunded(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "reason", "conversation_id", "notice")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    reason: str
    conversation_id: str
    notice: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., conversation_id: _Optional[str] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...

class DepositForfeited(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "reason", "conversation_id", "notice")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    reason: str
    conversation_id: str
    notice: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., conversation_id: _Optional[str] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...

class DepositCredited(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "amount", "reason", "conversation_id", "patient_id", "credit_balance", "notice")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    amount: _common_pb2.Money
    reason: str
    conversation_id: str
    patient_id: str
    credit_balance: _common_pb2.Money
    notice: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., conversation_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., credit_balance: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...

class DepositRefundFailed(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "amount", "reason", "refund_ref", "attempt")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUND_REF_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount: _common_pb2.Money
    reason: str
    refund_ref: str
    attempt: int
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., refund_ref: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class NoShowFeeCharged(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "amount", "no_show_fee", "deposit_forfeited", "notice")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    NO_SHOW_FEE_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FORFEITED_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount: _common_pb2.Money
    no_show_fee: _common_pb2.Money
    deposit_forfeited: _common_pb2.Money
    notice: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., no_show_fee: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., deposit_forfeited: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., notice: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...

class NoShowFeeFailed(_message.Message):
    __slots__ = ("spa_id", "deposit_id", "appointment_id", "conversation_id", "amount", "no_show_fee", "reason")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    NO_SHOW_FEE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount: _common_pb2.Money
    no_show_fee: _common_pb2.Money
    reason: str
    def __init__(self, spa_id: _Optional[str] = ..., deposit_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., no_show_fee: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CancellationPolicyTold(_message.Message):
    __slots__ = ("spa_id", "conversation_id", "appointment_id", "patient_id", "policy_version", "policy_text", "channel", "told_at", "answer", "answered_at", "answer_text", "message_ref", "patient_phone")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PATIENT_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_TEXT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TOLD_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_TEXT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_REF_FIELD_NUMBER: _ClassVar[int]
    PATIENT_PHONE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    conversation_id: str
    appointment_id: str
    patient_id: str
    policy_version: str
    policy_text: str
    channel: _common_pb2.Channel
    told_at: _timestamp_pb2.Timestamp
    answer: PolicyAnswer
    answered_at: _timestamp_pb2.Timestamp
    answer_text: _common_pb2.Sealed
    message_ref: str
    patient_phone: _common_pb2.Sealed
    def __init__(self, spa_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., appointment_id: _Optional[str] = ..., patient_id: _Optional[str] = ..., policy_version: _Optional[str] = ..., policy_text: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., told_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer: _Optional[_Union[PolicyAnswer, str]] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_text: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., message_ref: _Optional[str] = ..., patient_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ...) -> None: ...
