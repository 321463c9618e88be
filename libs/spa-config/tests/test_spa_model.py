"""The pure helpers the scheduler, agent and payments use on a loaded spa."""

from __future__ import annotations

from datetime import date, time

import pytest

from spa_config import (
    DepositAppliesTo,
    FixedDeposit,
    PercentDeposit,
    QuietHours,
    Shift,
    SpaConfig,
    TimeRange,
    UnknownId,
    load_spas,
)

MONDAY = date(2026, 11, 23)
SUNDAY = date(2026, 11, 29)
THANKSGIVING = date(2026, 11, 26)


@pytest.fixture(scope="module")
def spa() -> SpaConfig:
    return load_spas(None).get("lumen-aesthetics")


@pytest.mark.parametrize(
    ("service_id", "provider_ids"),
    [
        ("botox", ["maya-chen", "sofia-ramirez", "jordan-blake"]),
        ("cheek-filler", ["maya-chen", "sofia-ramirez"]),  # RN not allowed
        ("laser-hair-removal", ["jordan-blake", "alex-kim"]),
        ("hydrafacial", ["priya-patel"]),  # RN allowed, but no RN lists it
        ("b12-shot", ["sofia-ramirez", "jordan-blake"]),
    ],
)
def test_providers_for_lists_providers_who_list_and_may_perform_it(
    spa: SpaConfig, service_id: str, provider_ids: list[str]
) -> None:
    assert [p.id for p in spa.providers_for(service_id)] == provider_ids


def test_lookups_by_id(spa: SpaConfig) -> None:
    assert spa.service("hydrafacial").name == "HydraFacial"
    assert spa.provider("alex-kim").credential == "laser_technician"
    assert spa.resource("laser-room").kind == "room"
    assert [need.any_of for need in spa.service("botox").resources] == [
        ("treatment-room-1", "treatment-room-2")
    ]


@pytest.mark.parametrize(
    ("lookup", "kind"),
    [
        (lambda s: s.service("tattoo-removal"), "service"),
        (lambda s: s.provider("nobody"), "provider"),
        (lambda s: s.resource("pool"), "resource"),
        (lambda s: s.providers_for("tattoo-removal"), "service"),
    ],
)
def test_unknown_ids_raise_unknown_id(spa: SpaConfig, lookup: object, kind: str) -> None:
    with pytest.raises(UnknownId) as caught:
        lookup(spa)  # type: ignore[operator]

    assert caught.value.kind == kind


def test_deposits_apply_to_the_right_patients() -> None:
    new_only = FixedDeposit(amount=5000, applies_to=DepositAppliesTo.NEW_PATIENTS)
    assert new_only.amount_for(10_000, new_patient=True) == 5000
    assert new_only.amount_for(10_000, new_patient=False) == 0

    percent = PercentDeposit(percent=15)
    assert percent.amount_for(3333, new_patient=False) == 500  # 499.95 rounds half up
    assert percent.amount_for(0, new_patient=True) == 0


def test_service_deposit_and_blocked_time(spa: SpaConfig) -> None:
    botox = spa.service("botox")
    assert botox.deposit_for(new_patient=True) == 5000
    assert botox.deposit_for(new_patient=False) == 0
    assert spa.service("hydrafacial").deposit_for(new_patient=True) == 0
    assert spa.service("lip-filler").blocked_minutes == 10 + 60 + 15


def test_opening_hours_closures_and_time_zone(spa: SpaConfig) -> None:
    assert [str(r) for r in spa.open_ranges(MONDAY)] == ["09:00-19:00"]
    assert spa.open_ranges(SUNDAY) == ()
    assert spa.is_closed(THANKSGIVING)
    assert spa.open_ranges(THANKSGIVING) == ()
    assert spa.is_closed(date(2026, 12, 25)) and not spa.is_closed(date(2026, 12, 26))
    assert spa.tz.key == "America/Los_Angeles"


def test_provider_shifts_breaks_and_time_off(spa: SpaConfig) -> None:
    sofia = spa.provider("sofia-ramirez")
    monday = sofia.shifts.on(MONDAY)
    assert monday is not None
    assert [str(r) for r in monday.working_ranges()] == ["09:00-12:30", "13:00-17:30"]
    assert sofia.shifts.on(date(2026, 11, 24)) is None  # Tuesday off

    priya = spa.provider("priya-patel")
    assert priya.is_off(date(2026, 12, 29))
    assert not priya.is_off(date(2027, 1, 2))


def test_shift_working_ranges_handle_edges() -> None:
    shift = Shift.model_validate(
        {"start": "09:00", "end": "17:00", "breaks": ["09:00-10:00", "16:00-17:00"]}
    )

    assert shift.working_ranges() == (TimeRange(start=time(10), end=time(16)),)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(time(20, 59), False), (time(21), True), (time(2), True), (time(8), False)],
)
def test_quiet_hours_wrap_midnight(moment: time, quiet: bool) -> None:
    assert QuietHours().contains(moment) is quiet


def test_times_serialise_as_written(spa: SpaConfig) -> None:
    dumped = spa.model_dump(mode="json")

    assert dumped["hours"]["monday"] == [{"start": "09:00", "end": "19:00"}]
    assert dumped["policies"]["quiet_hours"] == {"start": "21:00", "end": "08:00"}
