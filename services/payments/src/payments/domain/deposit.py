"""A deposit as the state machine sees it, and the ledger's accounts.

Money moves only by postings between accounts; a deposit's `held_card` and
`held_credit` are what it currently holds of each, so every state says exactly
where each cent is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from payments.domain.money import Money
from payments.domain.policy import Terms


class State(StrEnum):
    REQUESTED = "requested"  # link sent, waiting for the patient
    PAID = "paid"  # money held against the appointment
    EXPIRED = "expired"  # the link outlived its hold unpaid
    DECLINED = "declined"  # the patient declined, or the payment failed
    VOIDED = "voided"  # the booking ended before anything was paid
    LATE_PAID = "late_paid"  # paid after the hold was let go; re-holding the slot
    REFUND_PENDING = "refund_pending"  # the refund is owed and on its way to the provider
    REFUNDED = "refunded"
    FORFEITED = "forfeited"
    CREDITED = "credited"  # became credit toward the patient's next booking
    APPLIED = "applied"  # counted toward the visit that took place


# Nothing more can happen to the money in these.
SETTLED = frozenset({State.REFUNDED, State.FORFEITED, State.CREDITED, State.APPLIED})


class Account(StrEnum):
    CARD = "card"  # the patient's card, outside the spa
    CREDIT = "credit"  # what the spa owes the patient as credit
    HELD_CARD = "held_card"  # card money held against an appointment
    HELD_CREDIT = "held_credit"  # credit set against an appointment
    FORFEIT = "forfeit"  # the spa's, from late cancellations and no-shows
    VISIT = "visit"  # the spa's, counted toward a visit


class Kind(StrEnum):
    COLLECTED = "collected"
    CREDIT_USED = "credit_used"
    REFUNDED = "refunded"
    CREDIT_RETURNED = "credit_returned"
    CREDITED = "credited"
    FORFEITED = "forfeited"
    APPLIED = "applied"


@dataclass(frozen=True, slots=True)
class Posting:
    kind: Kind
    source: Account
    target: Account
    amount: Money


@dataclass(frozen=True, slots=True)
class Deposit:
    id: str
    spa_id: str
    appointment_id: str
    state: State
    amount: Money
    held_card: Money
    held_credit: Money
    terms: Terms
    reason: str = ""

    def post(self, posting: Posting) -> Deposit:
        """The deposit after one posting touching its held accounts."""
        card, credit = self.held_card, self.held_credit
        for account, sign in ((posting.source, -1), (posting.target, 1)):
            delta = Money(sign * posting.amount.minor, posting.amount.currency)
            if account is Account.HELD_CARD:
                card = card + delta
            elif account is Account.HELD_CREDIT:
                credit = credit + delta
        if card.minor < 0 or credit.minor < 0:
            raise ValueError(f"posting {posting} overdraws deposit {self.id}")
        return replace(self, held_card=card, held_credit=credit)
