"""The deposit state machine: given a deposit and what just happened, what changes.

`step` is pure. It answers None when the trigger changes nothing (a repeat, or
news that arrives after it stopped mattering), so a redelivered webhook or event
is harmless by construction; otherwise it answers the new deposit, the ledger
postings that move the money, and the effects the adapters must carry out in
the same transaction (events to publish, provider calls to queue).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from payments.domain import policy
from payments.domain.deposit import Account, Deposit, Kind, Posting, Purpose, State
from payments.domain.money import Money
from payments.domain.policy import Decision, Outcome, Terms

# --- what can happen -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paid:
    """The provider says the patient paid (zero when credit covered the deposit).

    `card_ref` is set when the provider also kept the card for a no-show fee larger
    than the deposit (the payment's own reference at Stripe)."""

    payment_ref: str
    amount: Money
    card_ref: str = ""
    customer_ref: str = ""


@dataclass(frozen=True, slots=True)
class CardSaved:
    """The patient saved a card for the no-show fee (nothing charged)."""

    card_ref: str
    customer_ref: str = ""


@dataclass(frozen=True, slots=True)
class Declined:
    pass


@dataclass(frozen=True, slots=True)
class Lapsed:
    """The link outlived its hold."""


# Booking news names its appointment: news about a hold the deposit no longer
# secures (a late payment moved it to a new one) changes nothing.


@dataclass(frozen=True, slots=True)
class HoldReleased:
    """The scheduler let the hold go (booking.cancelled with hold_expired)."""

    appointment_id: str


@dataclass(frozen=True, slots=True)
class Cancelled:
    appointment_id: str
    inside_window: bool
    cancelled_by: str


@dataclass(frozen=True, slots=True)
class NoShow:
    appointment_id: str


@dataclass(frozen=True, slots=True)
class Completed:
    appointment_id: str


@dataclass(frozen=True, slots=True)
class Reheld:
    """A late payment's slot was held again (possibly as a new appointment)."""

    appointment_id: str


@dataclass(frozen=True, slots=True)
class ReholdRefused:
    reason: str


@dataclass(frozen=True, slots=True)
class Refunded:
    refund_ref: str


@dataclass(frozen=True, slots=True)
class RefundFailed:
    """The provider could not return a refund (at once, or later by webhook).

    `amount` is what had been posted back to the card by this refund (the ledger
    says; zero when the refund failed before it was taken as done)."""

    refund_ref: str
    reason: str
    amount: Money


@dataclass(frozen=True, slots=True)
class RetryRefund:
    """Staff ask for a failed refund again (a new refund, with a new idempotency key)."""


@dataclass(frozen=True, slots=True)
class FeeCharged:
    charge_ref: str
    amount: Money


@dataclass(frozen=True, slots=True)
class FeeFailed:
    """The saved card refused the no-show fee (declined, or it needs the patient to
    authenticate): recorded, told, and not charged again by itself."""

    reason: str
    amount: Money
    charge_ref: str = ""


BookingNews = HoldReleased | Cancelled | NoShow | Completed
Trigger = (
    Paid
    | CardSaved
    | Declined
    | Lapsed
    | HoldReleased
    | Cancelled
    | NoShow
    | Completed
    | Reheld
    | ReholdRefused
    | Refunded
    | RefundFailed
    | RetryRefund
    | FeeCharged
    | FeeFailed
)

# --- what must be done -----------------------------------------------------


class Event(StrEnum):
    REQUESTED = "deposit.requested"
    CARD_REQUESTED = "deposit.card_requested"
    PAID = "deposit.paid"
    EXPIRED = "deposit.expired"
    REFUNDED = "deposit.refunded"
    FORFEITED = "deposit.forfeited"
    CREDITED = "deposit.credited"
    REFUND_FAILED = "deposit.refund_failed"
    NO_SHOW_CHARGED = "deposit.no_show_charged"
    CHARGE_FAILED = "deposit.charge_failed"


class JobKind(StrEnum):
    EXPIRE_LINK = "expire_link"
    REFUND = "refund"
    REHOLD = "rehold"
    CHARGE_FEE = "charge_fee"


@dataclass(frozen=True, slots=True)
class Publish:
    event: Event
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    kind: JobKind
    amount: Money | None = None


Effect = Publish | Job


@dataclass(frozen=True, slots=True)
class Step:
    deposit: Deposit
    postings: tuple[Posting, ...]
    effects: tuple[Effect, ...]
    # Appointment the deposit secured before this step, when the step moved it.
    previous_appointment_id: str = ""


class _Draft:
    """Accumulates one step: postings applied as they are added."""

    def __init__(self, deposit: Deposit) -> None:
        self.start = deposit
        self.deposit = deposit
        self.postings: list[Posting] = []
        self.effects: list[Effect] = []

    def move(self, kind: Kind, source: Account, target: Account, amount: Money) -> _Draft:
        if amount.positive:
            posting = Posting(kind, source, target, amount)
            self.deposit = self.deposit.post(posting)
            self.postings.append(posting)
        return self

    def release_credit(self) -> _Draft:
        return self.move(
            Kind.CREDIT_RETURNED, Account.HELD_CREDIT, Account.CREDIT, self.deposit.held_credit
        )

    def keep_card(self) -> _Draft:
        self.deposit = replace(self.deposit, card_on_file=True)
        return self

    def then(self, *effects: Effect) -> _Draft:
        self.effects.extend(effects)
        return self

    def to(self, state: State, reason: str | None = None, appointment_id: str = "") -> Step:
        previous = ""
        deposit = replace(self.deposit, state=state)
        if reason is not None:
            deposit = replace(deposit, reason=reason)
        if appointment_id and appointment_id != deposit.appointment_id:
            previous = deposit.appointment_id
            deposit = replace(deposit, appointment_id=appointment_id)
        return Step(deposit, tuple(self.postings), tuple(self.effects), previous)


# --- the machine -----------------------------------------------------------


def open_deposit(
    deposit_id: str, spa_id: str, appointment_id: str, amount: Money, credit: Money, terms: Terms
) -> Step:
    """A new deposit for a hold: `credit` of the patient's credit is set against it."""
    if not amount.positive or credit.minor < 0 or amount < credit:
        raise ValueError(f"a deposit of {amount} cannot take {credit} of credit")
    zero = Money.zero(amount.currency)
    fresh = Deposit(deposit_id, spa_id, appointment_id, State.REQUESTED, amount, zero, zero, terms)
    draft = _Draft(fresh).move(Kind.CREDIT_USED, Account.CREDIT, Account.HELD_CREDIT, credit)
    return draft.then(Publish(Event.REQUESTED)).to(State.REQUESTED)


def open_card(deposit_id: str, spa_id: str, appointment_id: str, fee: Money, terms: Terms) -> Step:
    """A request to save a card for the no-show fee `fee`, for a hold with no deposit."""
    if not fee.positive:
        raise ValueError(f"a no-show fee of {fee} needs no card")
    zero = Money.zero(fee.currency)
    fresh = Deposit(
        deposit_id,
        spa_id,
        appointment_id,
        State.REQUESTED,
        fee,
        zero,
        zero,
        terms,
        purpose=Purpose.CARD,
    )
    return _Draft(fresh).then(Publish(Event.CARD_REQUESTED)).to(State.REQUESTED)


def step(deposit: Deposit, trigger: Trigger) -> Step | None:
    if isinstance(trigger, BookingNews) and trigger.appointment_id != deposit.appointment_id:
        return None
    draft = _Draft(deposit)
    if deposit.purpose is Purpose.CARD:
        return _card(draft, trigger)
    state = deposit.state
    if state is State.REQUESTED:
        return _requested(draft, trigger)
    if state is State.PAID:
        return _paid(draft, trigger)
    if state in (State.EXPIRED, State.DECLINED) and isinstance(trigger, Paid):
        # Paid after the hold was let go: try to hold the same slot again.
        return _collect(draft, trigger).then(Job(JobKind.REHOLD)).to(State.LATE_PAID)
    if state is State.VOIDED and isinstance(trigger, Paid):
        # The booking ended before the money came: it all goes back.
        _collect(draft, trigger)
        return _refund(draft, "paid_after_cancel")
    if state is State.LATE_PAID:
        if isinstance(trigger, Reheld):
            return draft.then(Publish(Event.PAID)).to(State.PAID, "", trigger.appointment_id)
        if isinstance(trigger, ReholdRefused):
            return _refund(draft, "late_payment")
    if state is State.REFUND_PENDING and isinstance(trigger, Refunded):
        draft.move(Kind.REFUNDED, Account.HELD_CARD, Account.CARD, deposit.held_card)
        draft.release_credit()
        return draft.then(Publish(Event.REFUNDED, deposit.reason)).to(State.REFUNDED)
    if isinstance(trigger, RefundFailed) and state in (State.REFUND_PENDING, State.REFUNDED):
        # The card part comes back to be held (if it had been taken as refunded); the
        # credit part was the patient's to get back either way.
        if state is State.REFUNDED:
            draft.move(Kind.REFUND_FAILED, Account.CARD, Account.HELD_CARD, trigger.amount)
        draft.release_credit()
        publish = Publish(Event.REFUND_FAILED, trigger.reason)
        return draft.then(publish).to(State.REFUND_FAILED)
    if state is State.REFUND_FAILED and isinstance(trigger, RetryRefund):
        return draft.then(Job(JobKind.REFUND, deposit.held_card)).to(State.REFUND_PENDING)
    if state is State.FEE_PENDING:
        return _fee_outcome(draft, trigger)
    return None


def _collect(draft: _Draft, paid: Paid) -> _Draft:
    if paid.card_ref:
        draft.keep_card()
    return draft.move(Kind.COLLECTED, Account.CARD, Account.HELD_CARD, paid.amount)


def _requested(draft: _Draft, trigger: Trigger) -> Step | None:
    if isinstance(trigger, Paid):
        return _collect(draft, trigger).then(Publish(Event.PAID)).to(State.PAID)
    expire = Job(JobKind.EXPIRE_LINK)
    if isinstance(trigger, Declined):
        draft.release_credit().then(Publish(Event.EXPIRED, "declined"), expire)
        return draft.to(State.DECLINED, "declined")
    if isinstance(trigger, Lapsed | HoldReleased):
        draft.release_credit().then(Publish(Event.EXPIRED, "lapsed"), expire)
        return draft.to(State.EXPIRED, "lapsed")
    if isinstance(trigger, Cancelled | NoShow | Completed):
        # Nothing was paid, so there is nothing to refund or forfeit; the link must die.
        return draft.release_credit().then(expire).to(State.VOIDED, "booking_ended")
    return None


def _paid(draft: _Draft, trigger: Trigger) -> Step | None:
    if isinstance(trigger, HoldReleased):
        # The scheduler let the hold go before it saw the payment: same as a late payment.
        return draft.then(Job(JobKind.REHOLD)).to(State.LATE_PAID, "paid_after_release")
    decision: Decision
    if isinstance(trigger, Cancelled):
        decision = policy.on_cancellation(
            draft.deposit.terms,
            inside_window=trigger.inside_window,
            cancelled_by=trigger.cancelled_by,
        )
    elif isinstance(trigger, NoShow):
        return _no_show(draft)
    elif isinstance(trigger, Completed):
        decision = policy.on_completed()
    else:
        return None
    return _settle(draft, decision)


def _settle(draft: _Draft, decision: Decision) -> Step:
    card, credit = draft.deposit.held_card, draft.deposit.held_credit
    if decision.outcome is Outcome.REFUND:
        return _refund(draft, decision.reason)
    if decision.outcome is Outcome.CREDIT:
        draft.move(Kind.CREDITED, Account.HELD_CARD, Account.CREDIT, card)
        draft.move(Kind.CREDITED, Account.HELD_CREDIT, Account.CREDIT, credit)
        return draft.then(Publish(Event.CREDITED, decision.reason)).to(
            State.CREDITED, decision.reason
        )
    if decision.outcome is Outcome.FORFEIT:
        return _forfeit(draft, decision.reason).to(State.FORFEITED, decision.reason)
    draft.move(Kind.APPLIED, Account.HELD_CARD, Account.VISIT, card)
    draft.move(Kind.APPLIED, Account.HELD_CREDIT, Account.VISIT, credit)
    return draft.to(State.APPLIED, decision.reason)


def _forfeit(draft: _Draft, reason: str) -> _Draft:
    card, credit = draft.deposit.held_card, draft.deposit.held_credit
    draft.move(Kind.FORFEITED, Account.HELD_CARD, Account.FORFEIT, card)
    draft.move(Kind.FORFEITED, Account.HELD_CREDIT, Account.FORFEIT, credit)
    return draft.then(Publish(Event.FORFEITED, reason))


def _no_show(draft: _Draft) -> Step:
    """The deposit is forfeited; a no-show fee larger than it is charged, for the rest,
    to the card the deposit was paid with (when the provider kept it)."""
    decision = policy.on_no_show()
    deposit = draft.deposit
    rest = deposit.terms.fee_beyond(deposit.held_card + deposit.held_credit)
    _forfeit(draft, decision.reason)
    if rest.positive and deposit.card_on_file:
        return draft.then(Job(JobKind.CHARGE_FEE, rest)).to(State.FEE_PENDING, decision.reason)
    return draft.to(State.FORFEITED, decision.reason)


def _card(draft: _Draft, trigger: Trigger) -> Step | None:
    """A card on file for the no-show fee: saved or not, then charged on a no-show."""
    state, fee = draft.deposit.state, draft.deposit.amount
    ended = isinstance(trigger, HoldReleased | Cancelled | Completed)
    if state is State.REQUESTED:
        expire = Job(JobKind.EXPIRE_LINK)
        if isinstance(trigger, CardSaved):
            return draft.keep_card().to(State.CARD_SAVED, "")
        if isinstance(trigger, Declined):
            return draft.then(expire).to(State.DECLINED, "declined")
        if isinstance(trigger, Lapsed):
            return draft.then(expire).to(State.EXPIRED, "lapsed")
        if isinstance(trigger, NoShow):
            return _fee_unpaid(draft.then(expire), "no_card", fee)
        if ended:
            return draft.then(expire).to(State.VOIDED, "booking_ended")
    if state in (State.EXPIRED, State.DECLINED):
        # The booking stands without the card; a card saved late is still kept.
        if isinstance(trigger, CardSaved):
            return draft.keep_card().to(State.CARD_SAVED, "")
        if isinstance(trigger, NoShow):
            return _fee_unpaid(draft, "no_card", fee)
        if ended:
            return draft.to(State.VOIDED, "booking_ended")
    if state is State.CARD_SAVED:
        if isinstance(trigger, NoShow):
            return draft.then(Job(JobKind.CHARGE_FEE, fee)).to(State.FEE_PENDING, "no_show")
        if ended:
            return draft.to(State.VOIDED, "booking_ended")
    if state is State.FEE_PENDING:
        return _fee_outcome(draft, trigger)
    return None


def _fee_outcome(draft: _Draft, trigger: Trigger) -> Step | None:
    if isinstance(trigger, FeeCharged):
        draft.move(Kind.FEE_CHARGED, Account.CARD, Account.FEE, trigger.amount)
        return draft.then(Publish(Event.NO_SHOW_CHARGED, "no_show")).to(State.FEE_CHARGED)
    if isinstance(trigger, FeeFailed):
        return _fee_unpaid(draft, trigger.reason, trigger.amount)
    return None


def _fee_unpaid(draft: _Draft, reason: str, amount: Money) -> Step:
    """The fee stands and is owed: the owner's figures show it, staff collect it."""
    draft.move(Kind.FEE_UNPAID, Account.OWED, Account.FEE, amount)
    return draft.then(Publish(Event.CHARGE_FAILED, reason)).to(State.FEE_FAILED, reason)


def _refund(draft: _Draft, reason: str) -> Step:
    """Card money waits for the provider's refund, and any credit part goes back with
    it, so the refund is one movement; with no card money, the credit goes back now."""
    card = draft.deposit.held_card
    if card.positive:
        return draft.then(Job(JobKind.REFUND, card)).to(State.REFUND_PENDING, reason)
    draft.release_credit()
    return draft.then(Publish(Event.REFUNDED, reason)).to(State.REFUNDED, reason)
