"""Which ended calls count as missed: the ones the 90-second callback exists for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Twilio's final statuses for a call nobody answered.
UNANSWERED_STATUSES = frozenset({"busy", "no-answer", "canceled", "failed"})
FINAL_STATUSES = UNANSWERED_STATUSES | {"completed"}


class Phase(StrEnum):
    STAFF_RING = "staff_ring"  # ringing the front desk first
    STAFF = "staff"  # the front desk picked up the staff-first ring
    ASSISTANT = "assistant"  # the assistant is talking with the caller
    TRANSFER = "transfer"  # ringing staff for a warm transfer, or the transfer failed
    CONNECTED = "connected"  # staff accepted a warm transfer
    CLOSING = "closing"  # the spa ended the call (goodbye, silence, voicemail left)
    DIALING = "dialing"  # an outbound call not yet answered


class Missed(StrEnum):
    UNANSWERED = "unanswered"
    STAFF_MISSED = "staff_missed"
    HUNG_UP_ON_ASSISTANT = "hung_up_on_assistant"


@dataclass(frozen=True)
class EndedCall:
    inbound: bool
    status: str
    phase: Phase
    caller_turns: int  # turns in which the caller said or pressed something
    staff_missed: bool


def missed_reason(call: EndedCall) -> Missed | None:
    """None when someone (staff or the assistant) served the caller, or a callback is
    already owed (a failed warm transfer records its own)."""
    if not call.inbound:
        return None
    if call.status in UNANSWERED_STATUSES or call.phase is Phase.STAFF_RING:
        return Missed.UNANSWERED
    if call.phase in (Phase.STAFF, Phase.CONNECTED, Phase.TRANSFER):
        return None
    if call.phase is Phase.ASSISTANT and call.caller_turns == 0:
        return Missed.HUNG_UP_ON_ASSISTANT
    if call.staff_missed:
        return Missed.STAFF_MISSED
    return None
