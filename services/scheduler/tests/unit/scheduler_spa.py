"""A small spa in Los Angeles, built straight from domain values (shared by the unit tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from scheduler.domain.model import (
    DayRange,
    ProviderRule,
    ServiceRule,
    SpaRules,
    WallRange,
    Week,
)

LA = ZoneInfo("America/Los_Angeles")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def wall(text: str) -> WallRange:
    start, end = text.split("-")
    return WallRange(time.fromisoformat(start), time.fromisoformat(end))


def week(**days: str) -> Week:
    """week(monday="09:00-12:00 13:00-17:00") -> the domain's tuple of seven days."""
    return tuple(tuple(wall(r) for r in days.get(d, "").split()) for d in DAYS)


def local(day: date, clock: str) -> int:
    """Epoch seconds of a wall-clock time in Los Angeles."""
    return int(datetime.combine(day, time.fromisoformat(clock), tzinfo=LA).timestamp())


def at_utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


WEEKDAYS = "09:00-19:00"
BOTOX = ServiceRule(
    id="botox",
    name="Botox",
    duration_minutes=30,
    buffer_after_minutes=10,
    credentials=frozenset({"NP", "RN", "MD"}),
    resource_needs=(("room-1", "room-2"),),
    lead_time_hours=2,
    horizon_days=60,
    deposit_new_minor=5000,
)
LASER = ServiceRule(
    id="laser",
    name="Laser hair removal",
    duration_minutes=45,
    buffer_before_minutes=5,
    buffer_after_minutes=10,
    credentials=frozenset({"RN", "laser_technician"}),
    resource_needs=(("laser-room",), ("laser-device",)),
    lead_time_hours=24,
)
CONSULT = ServiceRule(
    id="consult",
    name="Consultation",
    duration_minutes=20,
    credentials=frozenset({"NP", "RN", "MD"}),
    is_consult=True,
)
FILLER = ServiceRule(
    id="filler",
    name="Lip filler",
    duration_minutes=60,
    credentials=frozenset({"NP", "MD"}),
    consult_required_for_new=True,
    slot_step_minutes=30,
)
ANA = ProviderRule(
    id="ana",
    name="Ana, NP",
    credential="NP",
    service_ids=frozenset({"botox", "consult", "filler"}),
    week=week(
        monday="09:00-12:00 13:00-17:00",
        tuesday="09:00-12:00 13:00-17:00",
        wednesday="09:00-12:00 13:00-17:00",
        thursday="09:00-12:00 13:00-17:00",
        friday="09:00-12:00 13:00-17:00",
        sunday="09:00-17:00",
    ),
    time_off=(DayRange(date(2026, 12, 14), date(2026, 12, 18)),),
)
BEN = ProviderRule(
    id="ben",
    name="Ben, RN",
    credential="RN",
    service_ids=frozenset({"botox", "laser", "consult"}),
    week=week(
        monday="10:00-18:00",
        tuesday="10:00-18:00",
        wednesday="10:00-18:00",
        thursday="10:00-18:00",
        friday="10:00-18:00",
        saturday="10:00-16:00",
        sunday="09:00-17:00",
    ),
)
# Lists botox but holds no credential botox allows: never offered for it.
CAM = ProviderRule(
    id="cam",
    name="Cam",
    credential="esthetician",
    service_ids=frozenset({"botox"}),
    week=week(monday="09:00-19:00", tuesday="09:00-19:00"),
)


def make_spa(**changes: object) -> SpaRules:
    base: dict[str, object] = {
        "spa_id": "glow",
        "timezone": "America/Los_Angeles",
        "currency": "USD",
        "hours": week(
            monday=WEEKDAYS,
            tuesday=WEEKDAYS,
            wednesday=WEEKDAYS,
            thursday=WEEKDAYS,
            friday=WEEKDAYS,
            saturday="09:00-17:00",
            sunday="09:00-17:00",
        ),
        "services": {s.id: s for s in (BOTOX, LASER, CONSULT, FILLER)},
        "providers": {p.id: p for p in (ANA, BEN, CAM)},
        "resources": {r: r for r in ("room-1", "room-2", "laser-room", "laser-device")},
        "closures": (DayRange(date(2026, 11, 26), date(2026, 11, 26)),),
    }
    base.update(changes)
    return SpaRules(**base)  # type: ignore[arg-type]


# Monday 2026-11-30, 06:00 in Los Angeles: the "now" of most tests.
MONDAY = date(2026, 11, 30)
NOW = local(MONDAY, "06:00")
