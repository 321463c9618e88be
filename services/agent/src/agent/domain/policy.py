"""The spa's rules applied to one conversation: quotes, deposits, cancellation terms,
who takes a handoff and when, and whether the assistant may act at this hour.

Pure: the spa's configuration and plain values in, decisions out. Words are not
chosen here; each decision names a catalog entry and the values to fill it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from spa_config import (
    AgentAutonomy,
    DepositRefund,
    EscalationContact,
    FixedPrice,
    Package,
    PerSyringePrice,
    PerUnitPrice,
    Service,
    SpaConfig,
)


@dataclass(frozen=True)
class Said:
    """A catalog entry and the values that fill it."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


class Autonomy(StrEnum):
    ANSWER = "answer"  # the assistant answers and books
    STAFF = "staff"  # staff answer now (after_hours spa, during opening hours)
    DRAFT = "draft"  # shadow: draft for staff, send nothing


def autonomy(spa: SpaConfig, now: datetime, chosen: AgentAutonomy | None = None) -> Autonomy:
    """`chosen`: as a manager last set it in the console, over the spa file's setting."""
    mode = chosen or spa.policies.agent_autonomy
    if mode is AgentAutonomy.SHADOW:
        return Autonomy.DRAFT
    if mode is AgentAutonomy.AFTER_HOURS and is_open(spa, now):
        return Autonomy.STAFF
    return Autonomy.ANSWER


def is_open(spa: SpaConfig, now: datetime) -> bool:
    local = now.astimezone(spa.tz)
    return any(r.start <= local.time() < r.end for r in spa.open_ranges(local.date()))


def next_opening(spa: SpaConfig, now: datetime) -> datetime | None:
    """When the front desk next opens (now, if it is open)."""
    local = now.astimezone(spa.tz)
    for ahead in range(0, 15):
        day = local.date() + timedelta(days=ahead)
        for r in spa.open_ranges(day):
            start = datetime.combine(day, r.start, tzinfo=spa.tz)
            end = datetime.combine(day, r.end, tzinfo=spa.tz)
            if end > local:
                return max(start, local)
    return None


def handoff_contact(spa: SpaConfig, *, clinical: bool) -> EscalationContact:
    """Clinical matters go to the medical lead when the spa lists one; the rest to the first."""
    if clinical:
        for contact in spa.escalation_contacts:
            role = contact.role.lower()
            if any(w in role for w in ("medical", "clinical", "nurse", "doctor", "physician")):
                return contact
    return spa.escalation_contacts[0]


def transfer_contact(spa: SpaConfig) -> EscalationContact | None:
    """Who a live call may be warm-transferred to."""
    return next((c for c in spa.escalation_contacts if c.warm_transfer), None)


def quote(service: Service, *, new_patient: bool = True) -> Said:
    """The price the way the spa charges it: per unit with the usual range, per syringe, fixed."""
    price = service.price
    low, high = price.estimate()
    if isinstance(price, PerUnitPrice):
        return Said(
            "quote.per_unit",
            {
                "service": service.name,
                "price": price.unit_price,
                "unit": price.unit,
                "low": price.typical_units.min,
                "high": price.typical_units.max,
                "total_low": low,
                "total_high": high,
            },
        )
    if isinstance(price, PerSyringePrice):
        return Said(
            "quote.per_syringe",
            {
                "service": service.name,
                "price": price.syringe_price,
                "low": price.typical_syringes.min,
                "high": price.typical_syringes.max,
                "total_low": low,
                "total_high": high,
            },
        )
    assert isinstance(price, FixedPrice)
    if price.amount == 0:
        return Said("quote.free", {"service": service.name})
    if service.series_sessions:
        return Said(
            "quote.series",
            {"service": service.name, "price": price.amount, "sessions": service.series_sessions},
        )
    return Said("quote.fixed", {"service": service.name, "price": price.amount})


def deposit_for(service: Service, *, new_patient: bool) -> int:
    return int(service.deposit_for(new_patient=new_patient))


def cancellation_terms(spa: SpaConfig, service: Service, deposit_minor: int) -> Said:
    """The cancellation policy for this booking, to be read before it is confirmed."""
    hours = spa.policies.cancellation_window_hours
    fee = spa.policies.no_show_fee
    if deposit_minor > 0:
        refund = getattr(service.deposit, "refund", DepositRefund.REFUNDABLE)
        key = {
            DepositRefund.REFUNDABLE: "policy.deposit_refundable",
            DepositRefund.CREDIT: "policy.deposit_credit",
            DepositRefund.NON_REFUNDABLE: "policy.deposit_non_refundable",
        }[refund]
        return Said(key, {"deposit": deposit_minor, "hours": hours})
    if fee > 0:
        return Said("policy.no_deposit_fee", {"hours": hours, "fee": fee})
    return Said("policy.no_deposit", {"hours": hours})


def inside_window(spa: SpaConfig, start: datetime, now: datetime) -> bool:
    """Whether a change now is a late cancellation under the spa's policy."""
    return start - now < timedelta(hours=spa.policies.cancellation_window_hours)


def packages_for(spa: SpaConfig, service_id: str | None) -> list[Package]:
    if service_id is None:
        return list(spa.packages)
    return [p for p in spa.packages if any(i.service == service_id for i in p.items)]


def consult_for(spa: SpaConfig, service: Service) -> Service | None:
    """The free consultation a new patient books first, given by someone who does the service."""
    providers = {p.id for p in spa.providers_for(service.id)}
    for candidate in spa.services:
        if candidate.category.value == "consult" and providers & {
            p.id for p in spa.providers_for(candidate.id)
        }:
            return candidate
    return None


def nurse_practitioner_for(spa: SpaConfig, service_id: str) -> str | None:
    """An NP (else an MD or PA) who gives this service: where intake flags go for review."""
    providers = spa.providers_for(service_id)
    for credential in ("NP", "MD", "PA"):
        for provider in providers:
            if provider.credential.value == credential:
                return str(provider.id)
    return None
