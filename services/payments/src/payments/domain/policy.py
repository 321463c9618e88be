"""The spa's deposit policy, read from its configuration, and what a cancellation makes of it.

The scheduler says whether a cancellation fell inside the window (it owns the
clock of the appointment); this decides what the money becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from payments.domain.money import Money
from spa_config import SpaConfig
from spa_config.pricing import FixedDeposit, PercentDeposit


class RefundRule(StrEnum):
    """What a paid deposit becomes when the patient cancels in time."""

    REFUNDABLE = "refundable"
    NON_REFUNDABLE = "non_refundable"
    CREDIT = "credit"


class Outcome(StrEnum):
    REFUND = "refund"
    FORFEIT = "forfeit"
    CREDIT = "credit"
    APPLY = "apply"


@dataclass(frozen=True, slots=True)
class Terms:
    refund: RefundRule
    window_hours: int
    # The spa's fee for a missed visit (policies.no_show_fee), in the deposit's
    # currency; a forfeited deposit counts toward it. None: no fee.
    no_show_fee: Money | None = None

    def fee_beyond(self, forfeited: Money) -> Money:
        """What a no-show costs on top of what the deposit already forfeits."""
        if self.no_show_fee is None or not (self.no_show_fee - forfeited).positive:
            return Money.zero(forfeited.currency)
        return self.no_show_fee - forfeited


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str


def terms_for(spa: SpaConfig, service_id: str) -> Terms:
    """Raises spa_config.UnknownId for a service the spa does not offer."""
    fee = int(spa.policies.no_show_fee)
    deposit = spa.service(service_id).deposit
    # A service without a deposit in the config can still arrive with one (the
    # scheduler quoted it from an older file): the config's default rule applies.
    rule = (
        RefundRule(deposit.refund.value)
        if isinstance(deposit, FixedDeposit | PercentDeposit)
        else RefundRule.REFUNDABLE
    )
    return Terms(
        rule,
        spa.policies.cancellation_window_hours,
        Money(fee, spa.currency) if fee > 0 else None,
    )


def on_cancellation(terms: Terms, *, inside_window: bool, cancelled_by: str) -> Decision:
    # The spa (or the system on its behalf) cancelling is never the patient's loss.
    if cancelled_by in ("spa", "system"):
        return Decision(Outcome.REFUND, "cancelled_by_spa")
    if inside_window:
        return Decision(Outcome.FORFEIT, "late_cancellation")
    if terms.refund is RefundRule.CREDIT:
        return Decision(Outcome.CREDIT, "cancelled_in_time")
    if terms.refund is RefundRule.NON_REFUNDABLE:
        return Decision(Outcome.FORFEIT, "non_refundable")
    return Decision(Outcome.REFUND, "cancelled_in_time")


def on_no_show() -> Decision:
    return Decision(Outcome.FORFEIT, "no_show")


def on_completed() -> Decision:
    return Decision(Outcome.APPLY, "visit_completed")
