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
from payments.domain.deposit import Account, Deposit, Kind, Posting, State
from payments.domain.money import Money
from payments.domain.policy import Decision, Outcome, Terms

# --- what can happen -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paid:
    """The provider says the patient paid (zero when credit covered the deposit)."""

    payment_ref: str
    amount: Money


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


BookingNews = HoldReleased | Cancelled | NoShow | Completed
Trigger = (
    Paid
    | Declined
    | Lapsed
    | HoldReleased
    | Cancelled
    | NoShow
    | Completed
    | Reheld
    | ReholdRefused
    | Refunded
)

# --- what must be done -----------------------------------------------------


class Event(StrEnum):
    REQUESTED = "deposit.requested"
    PAID = "deposit.paid"
    EXPIRED = "deposit.expired"
    REFUNDED = "deposit.refunded"
    FORFEITED = "deposit.forfeited"
    CREDITED = "deposit.credited"


class JobKind(StrEnum):
    EXPIRE_LINK = "expire_link"
    REFUND = "refund"
    REHOLD = "rehold"


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


def step(deposit: Deposit, trigger: Trigger) -> Step | None:
    if isinstance(trigger, BookingNews) and trigger.appointment_id != deposit.appointment_id:
        return None
    draft = _Draft(deposit)
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
    return None


def _collect(draft: _Draft, paid: Paid) -> _Draft:
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
        decision = policy.on_no_show()
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
        draft.move(Kind.FORFEITED, Account.HELD_CARD, Account.FORFEIT, card)
        draft.move(Kind.FORFEITED, Account.HELD_CREDIT, Account.FORFEIT, credit)
        return draft.then(Publish(Event.FORFEITED, decision.reason)).to(
            State.FORFEITED, decision.reason
        )
    draft.move(Kind.APPLIED, Account.HELD_CARD, Account.VISIT, card)
    draft.move(Kind.APPLIED, Account.HELD_CREDIT, Account.VISIT, credit)
    return draft.to(State.APPLIED, decision.reason)


def _refund(draft: _Draft, reason: str) -> Step:
    """Card money waits for the provider's refund, and any credit part goes back with
    it, so the refund is one movement; with no card money, the credit goes back now."""
    card = draft.deposit.held_card
    if card.positive:
        return draft.then(Job(JobKind.REFUND, card)).to(State.REFUND_PENDING, reason)
    draft.release_credit()
    return draft.then(Publish(Event.REFUNDED, reason)).to(State.REFUNDED, reason)
