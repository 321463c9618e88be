"""The JSON API's shapes: what /v1/ answers and accepts, and so its OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, field_validator

from console.actions import Autonomy, Resolution
from console.domain.roles import Role

T = TypeVar("T")
PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"
# Ids in paths: what the producers use (UUIDs, Twilio sids, event ids), nothing else.
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
# Free text in filters: any printable words, never a NUL (PostgreSQL refuses it in text).
TEXT_PATTERN = r"^[^\x00]*$"


class In(BaseModel):
    """A request body: text fields may not carry NUL characters, which no text column takes."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return value


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    # The offset of the next page, or null on the last one.
    next_offset: int | None


def page(items: list[T], limit: int, offset: int) -> Page[T]:
    return Page[T](
        items=items, limit=limit, offset=offset,
        next_offset=offset + limit if len(items) == limit else None,
    )  # fmt: skip


class Deadline(BaseModel):
    due_at: datetime
    standing: Literal["on_time", "due_soon", "breached", "met"]
    seconds_left: int


class Handoff(BaseModel):
    id: str
    conversation_id: str
    reason: str
    priority: Literal["urgent", "high", "normal"]
    channel: str
    summary: str
    phone: str
    captured: dict[str, Any]
    assigned_role: str
    requested_at: datetime
    waited: str
    deadline: Deadline
    status: Literal["open", "claimed", "resolved"]
    claimed_by: str | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    returned_to_agent: bool


class Turn(BaseModel):
    id: int
    author: Literal["patient", "agent", "staff"]
    channel: str
    text: str
    at: datetime
    draft: bool
    stumbles: list[str]


class Conversation(BaseModel):
    id: str
    channel: str
    started_at: datetime
    last_at: datetime
    paused: bool
    outcome: str
    phone: str | None
    summary: str | None
    patient_id: str


class ConversationDetail(Conversation):
    turns: list[Turn]


class HandoffDetail(Handoff):
    conversation: ConversationDetail | None


class Draft(BaseModel):
    id: str
    conversation_id: str
    text: str
    channel: str
    intent: str
    drafted_at: datetime
    deadline: Deadline
    status: str


class Callback(BaseModel):
    id: str
    source: Literal["missed_call", "requested"]
    reason: str
    phone: str | None
    conversation_id: str
    handoff_id: str
    requested_at: datetime
    deadline: Deadline
    status: Literal["owed", "done"]
    done_at: datetime | None
    done_how: str | None


class PaymentIssue(BaseModel):
    """Money payments could not settle: a refund that did not reach the patient, or a
    no-show fee the card refused (owed). Amounts in minor units of `currency`."""

    id: str
    kind: Literal["refund_failed", "fee_owed"]
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount_minor: int
    currency: str
    amount: str
    # The provider's reason: "expired_or_canceled_card", "card_declined", "no_card", ...
    reason: str
    # The refund attempt that failed (1 the first); 0 for a fee.
    attempt: int
    raised_at: datetime
    status: Literal["open", "resolved"]
    resolved_at: datetime | None
    resolution: str | None
    appointment_start: datetime | None
    service_id: str | None
    service_name: str | None
    provider_id: str | None
    provider_name: str | None
    patient_id: str | None
    phone: str | None
    # Whether "retry refund" applies (an open refund failure).
    can_retry: bool


class PaymentIssueResolveIn(In):
    resolution: Literal["patient_contacted", "paid_another_way", "waived"]


class Alert(BaseModel):
    id: int
    kind: Literal["handoff", "draft", "callback"]
    subject_id: str
    due_at: datetime
    raised_at: datetime
    acknowledged_at: datetime | None


class Appointment(BaseModel):
    id: str
    service_id: str
    service_name: str
    provider_id: str
    provider_name: str
    patient_id: str
    start: datetime
    end: datetime
    status: str
    deposit_required: bool
    conversation_id: str


class WaitlistWishes(BaseModel):
    # ISO weekdays, 1 = Monday .. 7 = Sunday; empty: any day.
    days_of_week: list[int]
    # Empty: any part of the day.
    parts_of_day: list[Literal["morning", "afternoon", "evening"]]
    # The spa's wall clock, "HH:MM": the visit starts at or after, and ends by.
    earliest_time: str | None
    latest_time: str | None
    # Only slots starting in [not_before, not_after); the entry lapses at not_after.
    not_before: datetime | None
    not_after: datetime | None
    # The same in words, in the spa's zone.
    summary: str


class WaitlistEntry(BaseModel):
    id: str
    service_id: str
    service_name: str
    # null: any provider.
    provider_id: str | None
    provider_name: str | None
    patient_id: str
    # Only for roles that may see patients (each view audited); null otherwise, or when the
    # calendar has no name on file.
    patient_name: str | None
    waiting_since: datetime
    waited: str
    wishes: WaitlistWishes


class Summary(BaseModel):
    period: Literal["week", "month"]
    first_day: str
    last_day: str
    figures: dict[str, int | float | str]


class AuditRow(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    fields: list[str]
    purpose: str


class Me(BaseModel):
    id: str
    kind: Literal["staff", "token"]
    spa_id: str
    role: Role
    name: str
    permissions: list[str]


class ReplyIn(In):
    text: str = Field(min_length=1, max_length=1600)


class ResolveIn(In):
    resolution: Resolution
    hand_back: bool = False


class PauseIn(In):
    paused: bool


class DraftReviewIn(In):
    decision: Literal["approved", "edited", "discarded"]
    text: str | None = Field(None, max_length=1600)


class CallBackOut(BaseModel):
    phone: str


class SentOut(BaseModel):
    command_id: str | None


class AutonomyOut(BaseModel):
    spa_id: str
    autonomy: Autonomy
    source: Literal["console", "spa_file"]
    alert_phone_set: bool


class AutonomyIn(In):
    autonomy: Autonomy


class StumbleIn(In):
    turn_id: int = Field(ge=1, le=2**62)
    kind: Literal[
        "misunderstood", "wrong_answer", "should_hand_off", "needless_hand_off", "tone", "other"
    ]
    note: str = Field("", max_length=500)


class Account(BaseModel):
    id: str
    username: str
    display_name: str
    role: Role
    disabled: bool
    locked: bool
    oidc_linked: bool


class AccountIn(In):
    username: str = Field(min_length=3, max_length=200)
    display_name: str = Field("", max_length=200)
    role: Role
    password: str | None = Field(None, max_length=256)


class AccountPatch(In):
    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(None, max_length=256)


class TokenIn(In):
    name: str = Field(min_length=1, max_length=100)
    role: Role


class TokenOut(BaseModel):
    id: str
    token: str
