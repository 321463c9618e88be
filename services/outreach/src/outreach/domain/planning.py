"""Which jobs an event calls for, and when they fall due. Pure: the handlers write them.

Every key is deterministic (the appointment, the start it was planned for, the step), so
a redelivered event plans the very same keys and the store adds nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach.domain.model import JobKind, JobSpec, Visit
from outreach.domain.quiet_hours import wall
from spa_config import AftercareKind, MissedCallCallback, Service


@dataclass(frozen=True)
class Timing:
    reminder_hours: tuple[int, ...] = (48, 24, 2)
    # A reminder this soon after the booking repeats the confirmation the patient just read.
    reminder_min_after_booking: timedelta = timedelta(hours=1)
    # Same-day aftercare waits for the patient to get home.
    aftercare_same_day_delay: timedelta = timedelta(hours=1)
    # Later aftercare and recall go at this local time on their day.
    send_at: time = time(10, 0)
    # An aftercare message more than this late is no longer worth sending.
    aftercare_ttl: timedelta = timedelta(days=1)
    recall_ttl: timedelta = timedelta(days=14)
    missed_call_ttl: timedelta = timedelta(hours=16)
    missed_call_call_delay: timedelta = timedelta(seconds=45)


def reminders(visit: Visit, now: datetime, timing: Timing) -> list[JobSpec]:
    """One job per reminder offset still ahead; those already past are not sent late."""
    start_s = int(visit.start.timestamp())
    out: list[JobSpec] = []
    for hours in sorted(set(timing.reminder_hours), reverse=True):
        due = visit.start - timedelta(hours=hours)
        if due < now + timing.reminder_min_after_booking:
            continue
        out.append(
            JobSpec(
                key=f"reminder:{visit.appointment_id}:{start_s}:{hours}",
                kind=JobKind.REMINDER,
                spa_id=visit.spa_id,
                due_at=due,
                expires_at=visit.start,
                appointment_id=visit.appointment_id,
                patient_id=visit.patient_id,
                service_id=visit.service_id,
                data={"hours": hours, "provider_id": visit.provider_id, "start": start_s},
            )
        )
    return out


def aftercare(visit: Visit, service: Service, spa_tz: ZoneInfo, timing: Timing) -> list[JobSpec]:
    """The service's aftercare schedule: day 0 after the visit, day N at the send time."""
    out: list[JobSpec] = []
    first_day = visit.start.astimezone(spa_tz).date()
    for index, step in enumerate(service.aftercare.schedule):
        if step.kind is AftercareKind.INSTRUCTIONS and not service.aftercare.instructions.strip():
            continue
        if step.day == 0:
            due = visit.end + timing.aftercare_same_day_delay
        else:
            due = wall(first_day + timedelta(days=step.day), timing.send_at, spa_tz)
        out.append(
            JobSpec(
                key=f"aftercare:{visit.appointment_id}:{index}",
                kind=JobKind.AFTERCARE,
                spa_id=visit.spa_id,
                due_at=due,
                expires_at=due + timing.aftercare_ttl,
                appointment_id=visit.appointment_id,
                patient_id=visit.patient_id,
                service_id=visit.service_id,
                triggered_at=visit.end,
                data={
                    "step": index,
                    "day": step.day,
                    "channel": step.channel.value,
                    "step_kind": step.kind.value,
                },
            )
        )
    return out


@dataclass(frozen=True)
class Series:
    """Where a patient stands in a series: this visit was session `session` of `total`."""

    session: int
    total: int

    @property
    def complete(self) -> bool:
        return self.session >= self.total


def series_position(completed_visits: int, total: int | None) -> Series | None:
    """The just-completed visit's place in its series; a finished series starts again."""
    if total is None or completed_visits < 1:
        return None
    return Series(session=(completed_visits - 1) % total + 1, total=total)


def usual_provider(history: list[tuple[str, datetime]]) -> str:
    """The provider the patient saw most for this service; the latest breaks a tie."""
    if not history:
        return ""
    counts = Counter(provider for provider, _ in history)
    latest = {provider: at for provider, at in sorted(history, key=lambda h: h[1])}
    return max(counts, key=lambda p: (counts[p], latest[p]))


def recall(
    visit: Visit,
    service: Service,
    series: Series | None,
    provider_id: str,
    spa_tz: ZoneInfo,
    timing: Timing,
) -> JobSpec | None:
    """When the treatment is due again: the next session of a series, or the next visit."""
    if service.recall_interval_days is None or (series is not None and series.complete):
        return None
    day = visit.start.astimezone(spa_tz).date() + timedelta(days=service.recall_interval_days)
    due = wall(day, timing.send_at, spa_tz)
    data: dict[str, str | int] = {"provider_id": provider_id}
    if series is not None:
        data |= {"session": series.session + 1, "sessions": series.total}
    return JobSpec(
        key=f"recall:{visit.appointment_id}",
        kind=JobKind.RECALL,
        spa_id=visit.spa_id,
        due_at=due,
        expires_at=due + timing.recall_ttl,
        appointment_id=visit.appointment_id,
        patient_id=visit.patient_id,
        service_id=visit.service_id,
        triggered_at=visit.start,
        data=data,
    )


def missed_call(
    spa_id: str,
    call_sid: str,
    phone: str,
    missed_at: datetime,
    now: datetime,
    *,
    callback: MissedCallCallback,
    timing: Timing,
) -> list[JobSpec]:
    """What the spa's `missed_call_callback` asks for: nothing, a text at once, or the
    text and a call shortly after."""
    if callback is MissedCallCallback.OFF:
        return []
    expires = missed_at + timing.missed_call_ttl
    jobs = [
        JobSpec(
            key=f"missed:{call_sid}",
            kind=JobKind.MISSED_CALL_TEXT,
            spa_id=spa_id,
            due_at=now,
            expires_at=expires,
            triggered_at=missed_at,
            phone=phone,
        )
    ]
    if callback is MissedCallCallback.TEXT_AND_CALL:
        jobs.append(
            JobSpec(
                key=f"missed-call:{call_sid}",
                kind=JobKind.MISSED_CALL_CALL,
                spa_id=spa_id,
                due_at=max(now, missed_at + timing.missed_call_call_delay),
                expires_at=expires,
                triggered_at=missed_at,
                phone=phone,
            )
        )
    return jobs


def slot_opened(
    spa_id: str,
    event_id: str,
    service_id: str,
    provider_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> JobSpec | None:
    if start <= now:
        return None
    return JobSpec(
        key=f"waitlist:{event_id}",
        kind=JobKind.WAITLIST_OPEN,
        spa_id=spa_id,
        due_at=now,
        expires_at=start,
        service_id=service_id,
        triggered_at=now,
        data={
            "provider_id": provider_id,
            "start": int(start.timestamp()),
            "end": int(end.timestamp()),
        },
    )


def attribution(visit: Visit, booked_at: datetime, conversation_id: str) -> JobSpec:
    return JobSpec(
        key=f"attribute:{visit.appointment_id}",
        kind=JobKind.ATTRIBUTE,
        spa_id=visit.spa_id,
        due_at=booked_at,
        appointment_id=visit.appointment_id,
        patient_id=visit.patient_id,
        service_id=visit.service_id,
        triggered_at=booked_at,
        data={"conversation_id": conversation_id},
    )
