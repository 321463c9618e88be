"""The spa configuration (the source of truth) read into the domain's calendar rules."""

from __future__ import annotations

from scheduler.domain.errors import NotFound
from scheduler.domain.model import (
    DayRange,
    ProviderRule,
    ServiceRule,
    SpaRules,
    WallRange,
    Week,
)
from spa_config import Category, SpaConfig, SpaDirectory
from spa_config import Service as ConfigService
from spa_config import TimeRange as ConfigRange

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _ranges(ranges: tuple[ConfigRange, ...]) -> tuple[WallRange, ...]:
    return tuple(WallRange(r.start, r.end) for r in ranges)


def _service(service: ConfigService) -> ServiceRule:
    return ServiceRule(
        id=service.id,
        name=service.name,
        duration_minutes=service.duration_minutes,
        credentials=frozenset(c.value for c in service.credentials),
        buffer_before_minutes=service.buffer_before_minutes,
        buffer_after_minutes=service.buffer_after_minutes,
        resource_needs=tuple(tuple(need.any_of) for need in service.resources),
        lead_time_hours=service.lead_time_hours,
        horizon_days=service.horizon_days,
        slot_step_minutes=service.slot_step_minutes,
        consult_required_for_new=service.consult_required_for_new,
        is_consult=service.category is Category.CONSULT,
        deposit_new_minor=service.deposit_for(new_patient=True),
        deposit_returning_minor=service.deposit_for(new_patient=False),
    )


def rules_of(spa: SpaConfig) -> SpaRules:
    hours: Week = tuple(_ranges(getattr(spa.hours, day)) for day in WEEKDAYS)
    providers = {}
    for p in spa.providers:
        shifts = [getattr(p.shifts, day) for day in WEEKDAYS]
        week: Week = tuple(_ranges(s.working_ranges()) if s else () for s in shifts)
        providers[p.id] = ProviderRule(
            id=p.id,
            name=p.name,
            credential=p.credential.value,
            service_ids=frozenset(p.services),
            week=week,
            time_off=tuple(DayRange(t.start, t.end) for t in p.time_off),
        )
    return SpaRules(
        spa_id=spa.id,
        timezone=spa.timezone,
        currency=spa.currency,
        hours=hours,
        services={s.id: _service(s) for s in spa.services},
        providers=providers,
        resources={r.id: r.name for r in spa.resources},
        closures=tuple(DayRange(c.start, c.end) for c in spa.closures),
        hold_minutes=spa.policies.hold_minutes,
        cancellation_window_hours=spa.policies.cancellation_window_hours,
    )


class ConfigCatalog:
    """Calendar rules for every configured spa, translated once at start."""

    def __init__(self, spas: SpaDirectory) -> None:
        self._configs = {spa.id: spa for spa in spas.all()}
        self._rules = {spa.id: rules_of(spa) for spa in spas.all()}

    def rules(self, spa_id: str) -> SpaRules:
        try:
            return self._rules[spa_id]
        except KeyError:
            raise NotFound("spa", spa_id) from None

    def config(self, spa_id: str) -> SpaConfig:
        """The full configuration (prices, descriptions) for what the rules leave out."""
        try:
            return self._configs[spa_id]
        except KeyError:
            raise NotFound("spa", spa_id) from None

    def spa_ids(self) -> list[str]:
        return list(self._rules)
