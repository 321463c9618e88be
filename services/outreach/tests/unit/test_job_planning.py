"""Which jobs each event plans, when they fall due, and that planning twice is the same."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from outreach.domain import planning
from outreach.domain.model import JobKind, JobSpec, Visit
from outreach.domain.planning import Series, Timing
from spa_config import MissedCallCallback, SpaConfig, load_spas

SPA: SpaConfig = load_spas(None).get("lumen-aesthetics")
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
TIMING = Timing()


def visit(start: datetime, service_id: str = "botox", minutes: int = 30) -> Visit:
    return Visit(
        appointment_id="appt-1",
        spa_id=SPA.id,
        patient_id="patient-1",
        service_id=service_id,
        provider_id="maya-chen",
        start=start,
        end=start + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize(
    ("ahead", "expected_hours"),
    [
        (timedelta(days=5), [48, 24, 2]),
        # Confirmed 30 hours out: the 48-hour reminder has passed and is not sent late.
        (timedelta(hours=30), [24, 2]),
        (timedelta(hours=10), [2]),
        # Booked 2.5 hours ahead: a reminder half an hour after the confirmation is noise.
        (timedelta(hours=2, minutes=30), []),
    ],
)
def test_reminders_before_a_confirmed_visit(ahead: timedelta, expected_hours: list[int]) -> None:
    start = NOW + ahead
    jobs = planning.reminders(visit(start), NOW, TIMING)
    assert [j.data["hours"] for j in jobs] == expected_hours
    for job in jobs:
        assert job.kind is JobKind.REMINDER
        assert job.due_at == start - timedelta(hours=int(job.data["hours"]))
        assert job.expires_at == start


def test_reminder_offsets_are_configurable() -> None:
    start = NOW + timedelta(days=5)
    jobs = planning.reminders(visit(start), NOW, Timing(reminder_hours=(72, 4)))
    assert [j.data["hours"] for j in jobs] == [72, 4]


def test_planning_twice_gives_the_same_keys_and_a_move_gives_new_ones() -> None:
    start = NOW + timedelta(days=5)
    first = [j.key for j in planning.reminders(visit(start), NOW, TIMING)]
    again = [j.key for j in planning.reminders(visit(start), NOW, TIMING)]
    moved = [j.key for j in planning.reminders(visit(start + timedelta(hours=3)), NOW, TIMING)]
    assert first == again
    assert not set(first) & set(moved)


def test_aftercare_follows_the_services_schedule() -> None:
    # Lip filler: day 0 instructions by text, a day 1 call, a day 14 text check-in.
    start = datetime(2026, 6, 2, 18, 0, tzinfo=UTC)  # 11:00 in Los Angeles
    the_visit = visit(start, "lip-filler", 60)
    jobs = planning.aftercare(the_visit, SPA.service("lip-filler"), SPA.tz, TIMING)
    assert [(j.data["day"], j.data["channel"], j.data["step_kind"]) for j in jobs] == [
        (0, "sms", "instructions"),
        (1, "call", "check_in"),
        (14, "sms", "check_in"),
    ]
    assert jobs[0].due_at == the_visit.end + timedelta(hours=1)
    for job in jobs[1:]:
        local = job.due_at.astimezone(SPA.tz)
        assert local.time() == time(10, 0)
        assert (local.date() - start.astimezone(SPA.tz).date()).days == job.data["day"]


def test_aftercare_without_instructions_sends_no_empty_instructions() -> None:
    service = SPA.service("botox").model_copy(
        update={"aftercare": SPA.service("botox").aftercare.model_copy(update={"instructions": ""})}
    )
    jobs = planning.aftercare(visit(NOW), service, SPA.tz, TIMING)
    assert [j.data["step_kind"] for j in jobs] == ["check_in", "check_in"]


def test_recall_when_the_treatment_is_due_again() -> None:
    start = datetime(2026, 6, 2, 18, 0, tzinfo=UTC)
    job = planning.recall(visit(start), SPA.service("botox"), None, "maya-chen", SPA.tz, TIMING)
    assert job is not None
    local = job.due_at.astimezone(SPA.tz)
    assert local.date() == start.astimezone(SPA.tz).date() + timedelta(days=84)
    assert local.time() == time(10, 0)
    assert job.data == {"provider_id": "maya-chen"}


@pytest.mark.parametrize(
    ("completed", "session", "next_session"),
    [(1, 1, 2), (3, 3, 4), (5, 5, 6), (6, 6, None), (7, 1, 2)],
)
def test_a_series_is_tracked_and_ends(
    completed: int, session: int, next_session: int | None
) -> None:
    laser = SPA.service("laser-hair-removal")
    series = planning.series_position(completed, laser.series_sessions)
    assert series == Series(session=session, total=6)
    job = planning.recall(visit(NOW, laser.id), laser, series, "alex-kim", SPA.tz, TIMING)
    if next_session is None:
        assert job is None
    else:
        assert job is not None
        assert (job.data["session"], job.data["sessions"]) == (next_session, 6)


def test_no_recall_for_a_service_without_an_interval() -> None:
    consult = SPA.service("injectables-consult")
    assert consult.recall_interval_days is None
    assert planning.recall(visit(NOW, consult.id), consult, None, "", SPA.tz, TIMING) is None


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], ""),
        ([("a", NOW)], "a"),
        ([("a", NOW), ("b", NOW + timedelta(days=1)), ("a", NOW + timedelta(days=2))], "a"),
        # A tie goes to the provider seen last.
        ([("a", NOW), ("b", NOW + timedelta(days=1))], "b"),
    ],
)
def test_the_usual_provider(history: list[tuple[str, datetime]], expected: str) -> None:
    assert planning.usual_provider(history) == expected


def test_a_missed_call_plans_what_the_spa_chose() -> None:
    missed_at = NOW - timedelta(seconds=3)

    def plan(callback: MissedCallCallback) -> list[JobSpec]:
        return planning.missed_call(
            SPA.id, "CA1", "+14155550123", missed_at, NOW, callback=callback, timing=TIMING
        )

    assert plan(MissedCallCallback.OFF) == []
    text_only = plan(MissedCallCallback.TEXT)
    assert [(j.kind, j.due_at) for j in text_only] == [(JobKind.MISSED_CALL_TEXT, NOW)]
    both = plan(MissedCallCallback.TEXT_AND_CALL)
    assert [j.kind for j in both] == [JobKind.MISSED_CALL_TEXT, JobKind.MISSED_CALL_CALL]
    assert both[1].due_at - missed_at <= timedelta(seconds=90)
    assert all(j.triggered_at == missed_at and j.phone for j in both)
    assert "+1415" not in repr(both[0])


def test_an_opened_slot_in_the_past_offers_nothing() -> None:
    assert planning.slot_opened(SPA.id, "e1", "botox", "", NOW, NOW, NOW) is None
    job = planning.slot_opened(
        SPA.id,
        "e1",
        "botox",
        "maya-chen",
        NOW + timedelta(days=1),
        NOW + timedelta(days=1),
        NOW,
    )
    assert job is not None and job.kind is JobKind.WAITLIST_OPEN and job.key == "waitlist:e1"
