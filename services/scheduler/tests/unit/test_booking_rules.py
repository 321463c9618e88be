"""Checks on a hold request, and the life of an appointment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from scheduler_spa import LA, MONDAY, NOW, local

from scheduler.domain import appointments as life
from scheduler.domain.appointments import Appointment, Status
from scheduler.domain.availability import Booked, Busy
from scheduler.domain.booking import check_hold, consults_for, slot_for
from scheduler.domain.errors import InvalidRequest, WrongState


def at(clock: str, day=MONDAY) -> datetime:
    return datetime.fromtimestamp(local(day, clock), LA)


def violations(spa, service_id="botox", provider_id="", start=None, now=NOW):
    with pytest.raises(InvalidRequest) as refused:
        check_hold(spa, service_id, provider_id, start, now)
    return [(v.field, v.reason) for v in refused.value.violations]


def test_a_good_request_passes(spa):
    plan = check_hold(spa, "botox", "ana", at("10:00"), NOW)
    assert plan.start == local(MONDAY, "10:00")
    assert plan.blocked == (plan.start, plan.start + 40 * 60)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"service_id": "nope", "start": at("10:00")}, [("service_id", "unknown_service")]),
        ({"provider_id": "zed", "start": at("10:00")}, [("provider_id", "unknown_provider")]),
        ({"provider_id": "cam", "start": at("10:00")}, [("provider_id", "provider_not_qualified")]),
        ({"start": None}, [("start", "required")]),
        ({"start": datetime(2026, 11, 30, 10, 0)}, [("start", "naive_time")]),
        ({"start": at("05:00")}, [("start", "in_past")]),
        ({"start": at("07:00")}, [("start", "inside_lead_time")]),
        ({"start": at("10:00") + timedelta(days=61)}, [("start", "beyond_horizon")]),
        ({"start": at("08:45")}, [("start", "outside_hours")]),
        ({"start": at("18:30")}, [("start", "outside_hours")]),
        ({"start": at("10:00", MONDAY - timedelta(days=4))}, [("start", "in_past")]),
        ({"start": at("10:05")}, [("start", "off_grid")]),
        (
            {"service_id": "nope", "provider_id": "zed", "start": None},
            [
                ("service_id", "unknown_service"),
                ("provider_id", "unknown_provider"),
                ("start", "required"),
            ],
        ),
    ],
)
def test_bad_requests_name_every_field(spa, kwargs, expected):
    assert violations(spa, **kwargs) == expected


def test_a_closed_day_is_named(spa):
    thanksgiving = at("10:00", MONDAY - timedelta(days=4))
    assert violations(spa, start=thanksgiving, now=NOW - 7 * 86_400) == [("start", "closed")]


def test_any_time_zone_means_the_same_instant(spa):
    in_utc = at("10:00").astimezone(UTC)
    assert check_hold(spa, "botox", "", in_utc, NOW).start == local(MONDAY, "10:00")


def test_slot_for_takes_the_named_provider_or_the_first_free(spa):
    busy = Busy.of([Booked("ana", (), local(MONDAY, "10:00"), local(MONDAY, "11:00"))])
    anyone = check_hold(spa, "botox", "", at("10:00"), NOW)
    assert slot_for(spa, anyone, busy).provider_id == "ben"
    assert slot_for(spa, check_hold(spa, "botox", "ana", at("10:00"), NOW), busy) is None
    assert (
        slot_for(spa, check_hold(spa, "botox", "", at("09:00"), NOW), Busy()).provider_id == "ana"
    )


def test_consults_for_a_service_are_those_its_providers_give(spa):
    assert [s.id for s in consults_for(spa, spa.services["filler"])] == ["consult"]


HELD = Appointment(
    id="a1",
    spa_id="glow",
    service_id="botox",
    provider_id="ana",
    resource_ids=("room-1",),
    patient_id="p1",
    start=NOW + 86_400,
    end=NOW + 86_400 + 1800,
    status=Status.HELD,
    hold_expires_at=NOW + 900,
    deposit_minor=0,
    currency="USD",
    new_patient=True,
)


def state(status: Status) -> Appointment:
    return replace(HELD, status=status)


@pytest.mark.parametrize(
    ("appt", "now", "outcome"),
    [
        (HELD, NOW, True),
        (state(Status.CONFIRMED), NOW, False),
        (HELD, NOW + 900, "hold_expired"),
        (state(Status.EXPIRED), NOW, "hold_expired"),
        (state(Status.CANCELLED), NOW, "appointment_cancelled"),
        (state(Status.COMPLETED), NOW, "appointment_completed"),
    ],
)
def test_confirm(appt, now, outcome):
    if isinstance(outcome, bool):
        assert life.confirm(appt, now) is outcome
    else:
        with pytest.raises(WrongState) as refused:
            life.confirm(appt, now)
        assert refused.value.reason == outcome


def test_a_paid_deposit_confirms_a_hold_not_yet_swept():
    assert life.confirm(HELD, NOW + 3600, paid=True) is True


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (Status.HELD, True),
        (Status.CONFIRMED, True),
        (Status.CANCELLED, False),
        (Status.EXPIRED, False),
        (Status.COMPLETED, "appointment_completed"),
        (Status.NO_SHOW, "appointment_no_show"),
    ],
)
def test_cancel(status, outcome):
    if isinstance(outcome, bool):
        assert life.cancel(state(status)) is outcome
    else:
        with pytest.raises(WrongState) as refused:
            life.cancel(state(status))
        assert refused.value.reason == outcome


def test_expire_only_due_holds():
    assert not life.expire(HELD, NOW + 899)
    assert life.expire(HELD, NOW + 900)
    assert not life.expire(state(Status.CONFIRMED), NOW + 900)


def test_reschedule_allows_live_bookings_only():
    life.reschedule(HELD, NOW)
    life.reschedule(state(Status.CONFIRMED), NOW)
    with pytest.raises(WrongState, match="expired"):
        life.reschedule(HELD, NOW + 900)
    with pytest.raises(WrongState):
        life.reschedule(state(Status.COMPLETED), NOW)


def test_close_after_the_visit_starts():
    confirmed = state(Status.CONFIRMED)
    with pytest.raises(WrongState, match="before the visit"):
        life.close(confirmed, Status.COMPLETED, confirmed.start - 1)
    assert life.close(confirmed, Status.COMPLETED, confirmed.start)
    assert not life.close(state(Status.COMPLETED), Status.COMPLETED, confirmed.start)
    with pytest.raises(WrongState):
        life.close(HELD, Status.NO_SHOW, confirmed.start)


@pytest.mark.parametrize(
    ("hours_before", "inside"), [(47, True), (48, False), (72, False), (1, True)]
)
def test_cancellation_window(hours_before, inside):
    start = NOW + hours_before * 3600
    assert life.inside_cancellation_window(start, NOW, 48) is inside
