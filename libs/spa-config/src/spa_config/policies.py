"""How the spa wants bookings, cancellations and its assistant to behave."""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from .fields import Clock, Model, Money


class AgentAutonomy(StrEnum):
    """How much the assistant may do on its own."""

    FULL = "full"  # answers and books at any hour
    AFTER_HOURS = "after_hours"  # only while the spa is closed; staff answer in opening hours
    SHADOW = "shadow"  # drafts replies for staff to approve, sends nothing itself


class MissedCallCallback(StrEnum):
    """What the spa does within 90 seconds of a call nobody answered."""

    OFF = "off"
    TEXT = "text"  # a text offering to book right there
    TEXT_AND_CALL = "text_and_call"  # the text, then an outbound call from the assistant


class QuietHours(Model):
    """When the spa starts no calls or texts. Usually wraps midnight (21:00 to 08:00)."""

    start: Clock = time(21, 0)
    end: Clock = time(8, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class Policies(Model):
    cancellation_window_hours: int = Field(default=48, ge=0, le=30 * 24)
    no_show_fee: Money = 0
    hold_minutes: int = Field(default=15, ge=1, le=120)
    agent_autonomy: AgentAutonomy = AgentAutonomy.FULL
    handoff_response_minutes: int = Field(default=15, ge=1, le=24 * 60)
    quiet_hours: QuietHours = QuietHours()
    recording_enabled: bool = False
    # Ring the front desk this long before the assistant takes the call; 0: it answers at once.
    staff_first_ring_seconds: int = Field(default=0, ge=0, le=60)
    missed_call_callback: MissedCallCallback = MissedCallCallback.TEXT
    # Patients with no visit and no contact for this long are purged (seven years by default,
    # the longest US state record-keeping rule for medical records).
    retention_days: int = Field(default=7 * 365, ge=30, le=50 * 365)
