"""Outreach's settings, read once in main.py (OUTREACH_ prefix)."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from medspa_kit.settings import CommonSettings


class OutreachSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="OUTREACH_", extra="ignore", populate_by_name=True)

    host: str = "0.0.0.0"
    port: int = 8004
    # The scheduler's CalendarService: contacts, waitlist, slots, holds.
    calendar_target: str = Field(
        "127.0.0.1:50051",
        validation_alias=AliasChoices("OUTREACH_CALENDAR_TARGET", "SCHEDULER_GRPC_TARGET"),
    )
    calendar_deadline_s: float = 5.0

    # Hours before a confirmed visit that a reminder goes ("48,24,2" in the environment).
    reminder_hours: Annotated[tuple[int, ...], NoDecode] = (48, 24, 2)
    reminder_min_after_booking_minutes: int = Field(60, ge=0)
    # Same-day aftercare waits this long after the visit ends.
    aftercare_delay_minutes: int = Field(60, ge=0)
    # Later aftercare and recall go at this local time on their day.
    send_at: time = time(10, 0)

    # Missed calls: whether to text, or text and call, is the spa's choice
    # (`policies.missed_call_callback` in its configuration); this is when the call goes.
    missed_call_call_delay_s: int = Field(45, ge=0, le=90)
    # Another missed call from the same number within this many minutes gets no new text.
    missed_call_cooldown_minutes: int = Field(30, ge=0)
    # Texts that answer the patient (the missed-call text, the answer to a yes) reply to
    # something they did a moment ago, so they go even in quiet hours; calls never do.
    response_texts_in_quiet_hours: bool = True

    # Waitlist: offers go in waves of this many, this many minutes apart.
    waitlist_wave_size: int = Field(3, ge=1)
    waitlist_wave_minutes: int = Field(20, ge=1)
    waitlist_max_recipients: int = Field(9, ge=1)
    # The short hold the first yes gets (waitlist and recall offers).
    offer_hold_minutes: int = Field(10, ge=1, le=120)
    offer_min_notice_minutes: int = Field(60, ge=0)

    # Recall: slots offered, searched from tomorrow this many days ahead.
    recall_slots: int = Field(3, ge=1, le=9)
    recall_search_days: int = Field(14, ge=1)

    # Caps: per patient in a rolling window, and per spa number per day.
    patient_cap: int = Field(3, ge=1)
    patient_cap_window_hours: int = Field(24, ge=1)
    number_daily_cap: int = Field(500, ge=1)

    # A booking this many days after an outreach is credited to it.
    attribution_window_days: int = Field(14, ge=1)

    batch_size: int = Field(100, ge=1, le=1000)
    # The longest the runner sleeps between looks for due jobs.
    idle_s: float = Field(1.0, gt=0)
    # Bearer token for /reports/*; unset, the reports are off.
    internal_token: SecretStr | None = None

    @field_validator("reminder_hours", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return value
