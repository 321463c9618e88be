"""The slot finder's front door: check a query, clamp it to the booking rules, find, rank."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.availability import Busy, DayFinder, Slot, SlotFilter
from scheduler.domain.errors import FieldViolation, InvalidRequest, require
from scheduler.domain.intervals import Interval
from scheduler.domain.model import PartOfDay, ServiceRule, SpaRules
from scheduler.domain.ranking import Ranking, gather, rank

DAY = 86_400
HOUR = 3_600
# Without an end, a search looks this far ahead (the horizon still caps it).
DEFAULT_SPAN_DAYS = 14
# How many nearby slots a refused hold offers instead.
ALTERNATIVES = 3


@dataclass(frozen=True, slots=True)
class SlotQuery:
    service_id: str
    start: int | None = None
    end: int | None = None
    days_of_week: frozenset[int] = frozenset()
    parts_of_day: frozenset[PartOfDay] = frozenset()
    near: int | None = None
    provider_id: str = ""
    avoid_provider_id: str = ""
    max_results: int = 0
    spread_across_days: bool = False

    @property
    def filter(self) -> SlotFilter:
        return SlotFilter(
            self.days_of_week, self.parts_of_day, self.provider_id, self.avoid_provider_id
        )


def service_of(rules: SpaRules, service_id: str, field_name: str = "service_id") -> ServiceRule:
    service = rules.services.get(service_id)
    if service is None:
        raise InvalidRequest(
            [
                FieldViolation(
                    field_name, "unknown_service", f"the spa has no service {service_id!r}"
                )
            ]
        )
    return service


def unknown_provider(field_name: str, provider_id: str) -> FieldViolation:
    return FieldViolation(
        field_name, "unknown_provider", f"the spa has no provider {provider_id!r}"
    )


def not_qualified(field_name: str, provider_id: str, service_id: str) -> FieldViolation:
    return FieldViolation(
        field_name, "provider_not_qualified", f"{provider_id!r} does not perform {service_id!r}"
    )


def bookable_window(service: ServiceRule, now: int) -> Interval:
    """When a slot may start: after the lead time, before the horizon."""
    return now + service.lead_time_hours * 3600, now + service.horizon_days * DAY


def check_query(rules: SpaRules, query: SlotQuery) -> ServiceRule:
    service = service_of(rules, query.service_id)
    problems: list[FieldViolation] = []
    if query.provider_id:
        named = rules.providers.get(query.provider_id)
        if named is None:
            problems.append(unknown_provider("preferences.provider_id", query.provider_id))
        elif not named.can_perform(service):
            problems.append(not_qualified("preferences.provider_id", named.id, service.id))
    if query.avoid_provider_id and query.avoid_provider_id not in rules.providers:
        problems.append(unknown_provider("preferences.avoid_provider_id", query.avoid_provider_id))
    bad_days = sorted(d for d in query.days_of_week if not 1 <= d <= 7)
    if bad_days:
        problems.append(
            FieldViolation(
                "preferences.days_of_week", "bad_weekday", f"{bad_days} are not ISO weekdays 1-7"
            )
        )
    if query.start is not None and query.end is not None and query.end <= query.start:
        problems.append(FieldViolation("to", "empty_window", "`to` must be after `from`"))
    require(problems)
    return service


def find_slots(rules: SpaRules, query: SlotQuery, busy: Busy, now: int) -> list[Slot]:
    service = check_query(rules, query)
    window = search_window(service, query, now)
    finder = DayFinder(rules, service, busy, window, query.filter)
    how = Ranking(query.near, query.max_results, query.spread_across_days)
    return rank(gather(finder, how), how, rules.timezone, list(rules.providers))


def search_window(service: ServiceRule, query: SlotQuery, now: int) -> Interval:
    earliest, latest = bookable_window(service, now)
    start = max(earliest, query.start if query.start is not None else now)
    end = query.end if query.end is not None else start + DEFAULT_SPAN_DAYS * DAY
    return start, min(end, latest)


def alternatives_window(
    service: ServiceRule, near: int, now: int, reach: tuple[int, int]
) -> Interval:
    """Where to look for slots to offer instead of one at `near`: seconds before and after."""
    earliest, latest = bookable_window(service, now)
    before, after = reach
    return max(earliest, near - before), min(latest, near + after)


# A refused hold looks three hours either side first, then a day either side, then two
# days back and a week on, and offers what the first reach with enough slots found: a
# slot found inside a reach is nearer than everything outside it, so a short reach
# gives the same answer as a long one when it finds enough (most refusals), at a
# fraction of the cost of laying out whole days.
CLOSE_REACH = (3 * HOUR, 3 * HOUR)
NEAR_REACH = (DAY, DAY)
FULL_REACH = (2 * DAY, 7 * DAY)
REACHES = (CLOSE_REACH, NEAR_REACH, FULL_REACH)


def alternatives(
    rules: SpaRules, service: ServiceRule, busy: Busy, near: int, window: Interval
) -> list[Slot]:
    """The slots in `window` nearest to `near`, to offer instead of it."""
    how = Ranking(near=near, max_results=ALTERNATIVES)
    found = gather(DayFinder(rules, service, busy, window), how)
    return rank(found, how, rules.timezone, list(rules.providers))
