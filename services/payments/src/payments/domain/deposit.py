"""A deposit as the state machine sees it, and the ledger's accounts.

Money moves only by postings between accounts; a deposit's `held_card` and
`held_credit` are what it currently holds of each, so every state says exactly
where each cent is.

A row has one of two purposes: a deposit (money asked for at booking), or a card
on file (a card saved at booking, charged nothing, for the spa's no-show fee when
no deposit is due). Both go through the same machine; a deposit smaller than the
fee also keeps the card it was paid with.
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
    # The refund the provider accepted failed later (or at once): the money is back
    # with the spa, held against the deposit until staff retry it.
    REFUND_FAILED = "refund_failed"
    CARD_SAVED = "card_saved"  # card on file, nothing charged
    FEE_PENDING = "fee_pending"  # the no-show fee is on its way to the saved card
    FEE_CHARGED = "fee_charged"
    FEE_FAILED = "fee_failed"  # the card refused the fee (or none was saved): owed


class Purpose(StrEnum):
    DEPOSIT = "deposit"
    CARD = "card"  # a card saved for the no-show fee; the booking does not wait on it


# Nothing more can happen to the money in these (a refund can still fail later).
SETTLED = frozenset(
    {
        State.REFUNDED,
        State.FORFEITED,
        State.CREDITED,
        State.APPLIED,
        State.FEE_CHARGED,
        State.FEE_FAILED,
    }
)


class Account(StrEnum):
    CARD = "card"  # the patient's card, outside the spa
    CREDIT = "credit"  # what the spa owes the patient as credit
    HELD_CARD = "held_card"  # card money held against an appointment
    HELD_CREDIT = "held_credit"  # credit set against an appointment
    FORFEIT = "forfeit"  # the spa's, from late cancellations and no-shows
    VISIT = "visit"  # the spa's, counted toward a visit
    FEE = "fee"  # the spa's, from no-show fees
    OWED = "owed"  # what patients owe the spa: no-show fees their card did not pay


class Kind(StrEnum):
    COLLECTED = "collected"
    CREDIT_USED = "credit_used"
    REFUNDED = "refunded"
    CREDIT_RETURNED = "credit_returned"
    CREDITED = "credited"
    FORFEITED = "forfeited"
    APPLIED = "applied"
    FEE_CHARGED = "fee_charged"  # card -> fee
    FEE_UNPAID = "fee_unpaid"  # owed -> fee: the fee stands, the card did not pay it
    REFUND_FAILED = "refund_failed"  # card -> held_card: a refund that came back


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
    purpose: Purpose = Purpose.DEPOSIT
    # A card the provider keeps for this booking's no-show fee.
    card_on_file: bool = False

    @property
    def keeps_card(self) -> bool:
        """Whether the link keeps the patient's card for the no-show fee: a card on
        file, or a deposit smaller than the fee (its card pays the rest)."""
        return self.purpose is Purpose.CARD or self.terms.fee_beyond(self.amount).positive

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
