"""Checks on a request to take a slot, and the choice of provider and rooms for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.domain.availability import Busy, Slot, free_resources
from scheduler.domain.clock import at, local_date, zone
from scheduler.domain.errors import FieldViolation, InvalidRequest, require
from scheduler.domain.intervals import Interval, covers, normalize, overlaps_any
from scheduler.domain.model import ProviderRule, ServiceRule, SpaRules
from scheduler.domain.slots import DAY, not_qualified, unknown_provider


@dataclass(frozen=True, slots=True)
class HoldPlan:
    """A hold request that passed every check that does not depend on the calendar."""

    service: ServiceRule
    provider: ProviderRule | None
    start: int

    @property
    def blocked(self) -> Interval:
        return self.service.blocked(self.start)


def instant(moment: datetime | None, field_name: str) -> int:
    """An aware datetime as epoch seconds; a missing or naive one is refused."""
    if moment is None:
        raise InvalidRequest([FieldViolation(field_name, "required", f"{field_name} is required")])
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidRequest(
            [FieldViolation(field_name, "naive_time", "a time must carry its time zone or offset")]
        )
    return int(moment.timestamp())


def check_hold(
    rules: SpaRules, service_id: str, provider_id: str, start: datetime | None, now: int
) -> HoldPlan:
    problems: list[FieldViolation] = []
    service = rules.services.get(service_id)
    if service is None:
        problems.append(
            FieldViolation(
                "service_id", "unknown_service", f"the spa has no service {service_id!r}"
            )
        )
    provider = rules.providers.get(provider_id) if provider_id else None
    if provider_id and provider is None:
        problems.append(unknown_provider("provider_id", provider_id))
    elif provider is not None and service is not None and not provider.can_perform(service):
        problems.append(not_qualified("provider_id", provider.id, service.id))
    try:
        begins = instant(start, "start")
    except InvalidRequest as exc:
        problems.extend(exc.violations)
        begins = None
    if service is not None and begins is not None:
        problems.extend(_timing(rules, service, begins, now))
    require(problems)
    assert service is not None and begins is not None
    return HoldPlan(service, provider, begins)


def _timing(rules: SpaRules, service: ServiceRule, start: int, now: int) -> list[FieldViolation]:
    def bad(reason: str, description: str) -> list[FieldViolation]:
        return [FieldViolation("start", reason, description)]

    if start < now:
        return bad("in_past", "the slot is in the past")
    if start < now + service.lead_time_hours * 3600:
        return bad("inside_lead_time", f"bookings need {service.lead_time_hours} hours' notice")
    if start > now + service.horizon_days * DAY:
        return bad("beyond_horizon", f"bookings open {service.horizon_days} days ahead")
    tz = zone(rules.timezone)
    day = local_date(start, tz)
    opened = normalize((at(day, r.start, tz), at(day, r.end, tz)) for r in rules.open_on(day))
    if not opened:
        return bad("closed", f"the spa is closed on {day.isoformat()}")
    lo, hi = service.blocked(start)
    if not covers(opened, lo, hi):
        return bad("outside_hours", "the visit does not fit inside the spa's opening hours")
    anchor = next(o for o, c in opened if o <= lo < c)
    if (start - anchor) % (service.slot_step_minutes * 60):
        return bad(
            "off_grid", f"slots start every {service.slot_step_minutes} minutes from opening"
        )
    return []


def slot_for(rules: SpaRules, plan: HoldPlan, busy: Busy) -> Slot | None:
    """The slot a hold takes: the named provider, or the first free qualified one.

    The plan already fits the opening hours and the grid (`check_hold`), so what is left
    is each provider's own day: working the whole blocked time, free then, with a free
    room or device per need. The same answer as searching that one start time with
    `available_slots` (a property test holds them equal), without laying out the day.
    """
    service, start = plan.service, plan.start
    lo, hi = plan.blocked
    tz = zone(rules.timezone)
    day = local_date(start, tz)
    candidates = [plan.provider] if plan.provider is not None else rules.qualified(service)
    for provider in candidates:
        shifts = provider.working(day)
        working = normalize((at(day, r.start, tz), at(day, r.end, tz)) for r in shifts)
        if not covers(working, lo, hi) or overlaps_any(busy.providers.get(provider.id, ()), lo, hi):
            continue
        resources: tuple[str, ...] | None = ()
        if service.resource_needs:
            # The provider's place in the spa's list picks which room they reach for first.
            place = list(rules.providers).index(provider.id)
            resources = free_resources(service, busy, lo, hi, place)
        if resources is not None:
            return Slot(service.id, provider.id, resources, start, start + service.duration_s)
    return None


def consults_for(rules: SpaRules, service: ServiceRule) -> list[ServiceRule]:
    """Consultations one of the service's providers gives, in menu order: what a new
    patient books first when the service asks for a consult."""
    providers = rules.qualified(service)
    return [
        s
        for s in rules.services.values()
        if s.is_consult and any(p.can_perform(s) for p in providers)
    ]
