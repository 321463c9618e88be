"""The event envelope: CloudEvents headers, W3C traceparent, Nats-Msg-Id.

Events go on `<ns>.evt.<spa_id>.<aggregate>.<verb>` and commands on
`<ns>.cmd.<spa_id>.<name>`; the registry maps each name to its protobuf
message so a subscriber can decode what it receives and refuse what it cannot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from google.protobuf.message import DecodeError, Message
from opentelemetry import propagate

from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import (
    booking_pb2,
    console_pb2,
    conversation_pb2,
    deposit_pb2,
    outreach_pb2,
    telephony_pb2,
)

Kind = Literal["evt", "cmd"]

EVENTS: dict[str, type[Message]] = {
    "sms.received": telephony_pb2.SmsReceived,
    "call.started": telephony_pb2.CallStarted,
    "call.turn": telephony_pb2.CallTurn,
    "call.ended": telephony_pb2.CallEnded,
    "call.missed": telephony_pb2.CallMissed,
    "message.sent": telephony_pb2.MessageSent,
    "message.status": telephony_pb2.MessageStatus,
    "optout.changed": telephony_pb2.OptoutChanged,
    "call.transferred": telephony_pb2.CallTransferred,
    "callback.requested": telephony_pb2.CallbackRequested,
    "intent.detected": conversation_pb2.IntentDetected,
    "handoff.requested": conversation_pb2.HandoffRequested,
    "intake.completed": conversation_pb2.IntakeCompleted,
    "conversation.summarized": conversation_pb2.ConversationSummarized,
    "reply.drafted": conversation_pb2.ReplyDrafted,
    "conversation.turn": conversation_pb2.ConversationTurn,
    "booking.held": booking_pb2.BookingHeld,
    "booking.confirmed": booking_pb2.BookingConfirmed,
    "booking.rescheduled": booking_pb2.BookingRescheduled,
    "booking.cancelled": booking_pb2.BookingCancelled,
    "booking.completed": booking_pb2.BookingCompleted,
    "booking.no_show": booking_pb2.BookingNoShow,
    "slot.opened": booking_pb2.SlotOpened,
    "deposit.requested": deposit_pb2.DepositRequested,
    "deposit.paid": deposit_pb2.DepositPaid,
    "deposit.expired": deposit_pb2.DepositExpired,
    "deposit.refunded": deposit_pb2.DepositRefunded,
    "deposit.forfeited": deposit_pb2.DepositForfeited,
    "deposit.credited": deposit_pb2.DepositCredited,
    "deposit.card_requested": deposit_pb2.CardOnFileRequested,
    "deposit.refund_failed": deposit_pb2.DepositRefundFailed,
    "deposit.no_show_charged": deposit_pb2.NoShowFeeCharged,
    "deposit.charge_failed": deposit_pb2.NoShowFeeFailed,
    "policy.told": deposit_pb2.CancellationPolicyTold,
    "outreach.sent": outreach_pb2.OutreachSent,
    "outreach.skipped": outreach_pb2.OutreachSkipped,
    "outreach.replied": outreach_pb2.OutreachReplied,
    "outreach.attributed": outreach_pb2.BookingAttributed,
    "handoff.claimed": console_pb2.HandoffClaimed,
    "handoff.resolved": console_pb2.HandoffResolved,
    "conversation.paused": console_pb2.ConversationPaused,
    "autonomy.changed": console_pb2.AutonomyChanged,
    "staff.replied": console_pb2.StaffReplied,
    "draft.reviewed": console_pb2.DraftReviewed,
}
COMMANDS: dict[str, type[Message]] = {
    "message.send": commands_pb2.SendMessage,
    "call.place": commands_pb2.PlaceCall,
    "refund.retry": commands_pb2.RetryRefund,
}
_NAMES: dict[tuple[Kind, type[Message]], str] = {
    **{("evt", cls): name for name, cls in EVENTS.items()},
    **{("cmd", cls): name for name, cls in COMMANDS.items()},
}
CONTENT_TYPE = "application/protobuf"


class EnvelopeError(ValueError):
    """A message that cannot be understood; redelivering it will not help."""


def event_subject(namespace: str, spa_id: str, name: str) -> str:
    return f"{namespace}.evt.{spa_id}.{name}"


def command_subject(namespace: str, spa_id: str, name: str) -> str:
    return f"{namespace}.cmd.{spa_id}.{name}"


def voice_turn_subject(namespace: str, spa_id: str = "*") -> str:
    """`<ns>.rpc.<spa_id>.voice.turn`: a live caller's turn, asked by telephony and
    answered by the agent (NATS request and reply, not a stream: a turn nobody
    answered in time is not worth replaying)."""
    return f"{namespace}.rpc.{spa_id}.voice.turn"


def subject_filter(namespace: str, kind: Kind, name: str, spa_id: str = "*") -> str:
    """A subscription filter over all spas (or one) for one event or command."""
    return f"{namespace}.{kind}.{spa_id}.{name}"


def ce_type(name: str) -> str:
    return f"medspa.{name}.v1"


def _current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@dataclass(frozen=True)
class Envelope:
    kind: Kind
    name: str
    spa_id: str
    source: str
    payload: bytes
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None

    def subject(self, namespace: str) -> str:
        if self.kind == "evt":
            return event_subject(namespace, self.spa_id, self.name)
        return command_subject(namespace, self.spa_id, self.name)

    def headers(self) -> dict[str, str]:
        headers = {
            "ce-specversion": "1.0",
            "ce-id": self.id,
            "ce-type": ce_type(self.name),
            "ce-source": self.source,
            "ce-time": self.time.isoformat(),
            "ce-subject": self.spa_id,
            "content-type": CONTENT_TYPE,
            # JetStream drops a second publish with the same id inside its duplicate window.
            "Nats-Msg-Id": self.id,
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        return headers

    def message(self) -> Message:
        registry = EVENTS if self.kind == "evt" else COMMANDS
        cls = registry.get(self.name)
        if cls is None:
            raise EnvelopeError(f"unknown {self.kind} {self.name!r}")
        message = cls()
        try:
            message.ParseFromString(self.payload)
        except DecodeError as exc:
            raise EnvelopeError(f"{self.name} payload is not a valid {cls.__name__}") from exc
        return message

    @classmethod
    def wrap(
        cls, spa_id: str, message: Message, source: str, *, event_id: str | None = None
    ) -> Envelope:
        """Envelope a message, carrying the current trace so consumers join it."""
        kind: Kind = "cmd" if ("cmd", type(message)) in _NAMES else "evt"
        name = _NAMES.get((kind, type(message)))
        if name is None:
            raise EnvelopeError(f"{type(message).__name__} is not a registered event or command")
        return cls(
            kind=kind,
            name=name,
            spa_id=spa_id,
            source=source,
            payload=message.SerializeToString(),
            id=event_id or str(uuid.uuid4()),
            traceparent=_current_traceparent(),
        )

    @classmethod
    def from_nats(cls, subject: str, headers: dict[str, str] | None, data: bytes) -> Envelope:
        headers = headers or {}
        parts = subject.split(".")
        if len(parts) < 4 or parts[1] not in ("evt", "cmd"):
            raise EnvelopeError(f"subject {subject!r} is not <ns>.evt|cmd.<spa>.<name>")
        kind: Kind = "evt" if parts[1] == "evt" else "cmd"
        event_id = headers.get("ce-id") or headers.get("Nats-Msg-Id")
        if not event_id:
            raise EnvelopeError(f"message on {subject} has no ce-id")
        try:
            time = datetime.fromisoformat(headers["ce-time"]) if "ce-time" in headers else None
        except ValueError as exc:
            raise EnvelopeError(f"bad ce-time on {subject}") from exc
        return cls(
            kind=kind,
            name=".".join(parts[3:]),
            spa_id=parts[2],
            source=headers.get("ce-source", ""),
            payload=data,
            id=event_id,
            time=time or datetime.now(UTC),
            traceparent=headers.get("traceparent"),
        )
