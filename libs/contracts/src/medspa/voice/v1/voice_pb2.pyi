from medspa.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VoiceAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOICE_ACTION_UNSPECIFIED: _ClassVar[VoiceAction]
    VOICE_ACTION_CONTINUE: _ClassVar[VoiceAction]
    VOICE_ACTION_HANGUP: _ClassVar[VoiceAction]
    VOICE_ACTION_TRANSFER: _ClassVar[VoiceAction]
VOICE_ACTION_UNSPECIFIED: VoiceAction
VOICE_ACTION_CONTINUE: VoiceAction
VOICE_ACTION_HANGUP: VoiceAction
VOICE_ACTION_TRANSFER: VoiceAction

class VoiceTurnRequest(_message.Message):
    __slots__ = ("spa_id", "call_sid", "turn", "from_phone", "transcript", "confidence", "digits", "silence")
    SPA_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_SID_FIELD_NUMBER: _ClassVar[int]
    TURN_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    SILENCE_FIELD_NUMBER: _ClassVar[int]
    spa_id: str
    call_sid: str
    turn: int
    from_phone: _common_pb2.Sealed
    transcript: _common_pb2.Sealed
    confidence: float
    digits: str
    silence: bool
    def __init__(self, spa_id: _Optional[str] = ..., call_sid: _Optional[str] = ..., turn: _Optional[int] = ..., from_phone: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., transcript: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., confidence: _Optional[float] = ..., digits: _Optional[str] = ..., silence: _Optional[bool] = ...) -> None: ...

class VoiceTurnReply(_message.Message):
    __slots__ = ("say", "action", "whisper", "handoff_id", "speech_hints", "conversation_id")
    SAY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    WHISPER_FIELD_NUMBER: _ClassVar[int]
    HANDOFF_ID_FIELD_NUMBER: _ClassVar[int]
    SPEECH_HINTS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    say: _common_pb2.Sealed
    action: VoiceAction
    whisper: _common_pb2.Sealed
    handoff_id: str
    speech_hints: _containers.RepeatedScalarFieldContainer[str]
    conversation_id: str
    def __init__(self, say: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., action: _Optional[_Union[VoiceAction, str]] = ..., whisper: _Optional[_Union[_common_pb2.Sealed, _Mapping]] = ..., handoff_id: _Optional[str] = ..., speech_hints: _Optional[_Iterable[str]] = ..., conversation_id: _Optional[str] = ...) -> None: ...
