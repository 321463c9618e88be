"""From read models to the API's shapes, with each deadline's standing at this moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from console.adapters.conversations import ConversationView, TurnView
from console.adapters.inbox import AlertView, CallbackView, DraftView, HandoffView
from console.adapters.money import MoneyIssueView
from console.domain.deadlines import standing, waited
from console.domain.report import money
from console.domain.waitlist import describe
from console.ports import AppointmentInfo, WaitlistEntryInfo
from console.web import schemas
from spa_config import SpaConfig


def deadline(
    started: datetime, due: datetime, now: datetime, answered: datetime | None
) -> schemas.Deadline:
    clock = standing(started, due, now, answered)
    return schemas.Deadline(
        due_at=due, standing=clock.standing.value, seconds_left=clock.seconds_left
    )


def handoff(h: HandoffView, now: datetime) -> schemas.Handoff:
    answered = h.first_response_at or h.resolved_at
    return schemas.Handoff(
        id=h.id,
        conversation_id=h.conversation_id,
        reason=h.reason,
        priority=h.priority,  # type: ignore[arg-type]
        channel=h.channel,
        summary=h.summary,
        phone=h.phone,
        captured=h.captured,
        assigned_role=h.assigned_role,
        requested_at=h.requested_at,
        waited=waited(h.requested_at, answered or now),
        deadline=deadline(h.requested_at, h.due_at, now, answered),
        status=h.status,  # type: ignore[arg-type]
        claimed_by=h.claimed_by_name or h.claimed_by,
        claimed_at=h.claimed_at,
        first_response_at=h.first_response_at,
        resolved_at=h.resolved_at,
        resolution=h.resolution,
        returned_to_agent=h.returned_to_agent,
    )


def turn(t: TurnView) -> schemas.Turn:
    return schemas.Turn(
        id=t.id, author=t.author, channel=t.channel, text=t.text, at=t.at,  # type: ignore[arg-type]
        draft=t.draft, stumbles=list(t.stumbles),
    )  # fmt: skip


def conversation(c: ConversationView) -> schemas.Conversation:
    return schemas.Conversation(
        id=c.id, channel=c.channel, started_at=c.started_at, last_at=c.last_at, paused=c.paused,
        outcome=c.outcome, phone=c.phone, summary=c.summary, patient_id=c.patient_id,
    )  # fmt: skip


def conversation_detail(c: ConversationView, turns: list[TurnView]) -> schemas.ConversationDetail:
    return schemas.ConversationDetail(
        **conversation(c).model_dump(), turns=[turn(t) for t in turns]
    )


def draft(d: DraftView, now: datetime) -> schemas.Draft:
    answered = None if d.status == "pending" else d.drafted_at
    return schemas.Draft(
        id=d.id, conversation_id=d.conversation_id, text=d.text, channel=d.channel,
        intent=d.intent, drafted_at=d.drafted_at, status=d.status,
        deadline=deadline(d.drafted_at, d.due_at, now, answered),
    )  # fmt: skip


def callback(c: CallbackView, now: datetime) -> schemas.Callback:
    return schemas.Callback(
        id=c.id, source=c.source, reason=c.reason, phone=c.phone,  # type: ignore[arg-type]
        conversation_id=c.conversation_id, handoff_id=c.handoff_id, requested_at=c.requested_at,
        deadline=deadline(c.requested_at, c.due_at, now, c.done_at), status=c.status,  # type: ignore[arg-type]
        done_at=c.done_at, done_how=c.done_how,
    )  # fmt: skip


def payment_issue(m: MoneyIssueView, spa: SpaConfig) -> schemas.PaymentIssue:
    """Service and provider named from the spa's configuration (the id when unknown)."""
    services = {s.id: s.name for s in spa.services}
    providers = {p.id: p.name for p in spa.providers}
    return schemas.PaymentIssue(
        id=m.id, kind=m.kind, deposit_id=m.deposit_id, appointment_id=m.appointment_id,  # type: ignore[arg-type]
        conversation_id=m.conversation_id, amount_minor=m.amount_minor, currency=m.currency,
        amount=money(m.amount_minor, m.currency), reason=m.reason, attempt=m.attempt,
        raised_at=m.raised_at, status=m.status, resolved_at=m.resolved_at,  # type: ignore[arg-type]
        resolution=m.resolution, appointment_start=m.appointment_start,
        service_id=m.service_id,
        service_name=services.get(m.service_id, m.service_id) if m.service_id else None,
        provider_id=m.provider_id,
        provider_name=providers.get(m.provider_id, m.provider_id) if m.provider_id else None,
        patient_id=m.patient_id, phone=m.phone,
        can_retry=m.kind == "refund_failed" and m.status == "open",
    )  # fmt: skip


def alert(a: AlertView) -> schemas.Alert:
    return schemas.Alert(
        id=a.id, kind=a.kind, subject_id=a.subject_id, due_at=a.due_at,  # type: ignore[arg-type]
        raised_at=a.raised_at, acknowledged_at=a.acknowledged_at,
    )  # fmt: skip


def appointment(a: AppointmentInfo) -> schemas.Appointment:
    return schemas.Appointment(**a.__dict__)


def waitlist_entry(
    e: WaitlistEntryInfo, spa: SpaConfig, names: dict[str, str], now: datetime,
    say: Callable[..., str],
) -> schemas.WaitlistEntry:  # fmt: skip
    """Service and provider named from the spa's own configuration (the id when unknown)."""
    services = {s.id: s.name for s in spa.services}
    providers = {p.id: p.name for p in spa.providers}
    w = e.wishes
    return schemas.WaitlistEntry(
        id=e.id, service_id=e.service_id, service_name=services.get(e.service_id, e.service_id),
        provider_id=e.provider_id or None,
        provider_name=providers.get(e.provider_id, e.provider_id) if e.provider_id else None,
        patient_id=e.patient_id, patient_name=names.get(e.patient_id),
        waiting_since=e.waiting_since, waited=waited(e.waiting_since, now),
        wishes=schemas.WaitlistWishes(
            days_of_week=list(w.days_of_week), parts_of_day=list(w.parts_of_day),  # type: ignore[arg-type]
            earliest_time=w.earliest_time or None, latest_time=w.latest_time or None,
            not_before=w.not_before, not_after=w.not_after,
            summary=describe(w, spa.tz, say),
        ),
    )  # fmt: skip
