"""The deposit state machine as tables, and its money laws as properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payments.domain.deposit import SETTLED, Account, Deposit, Kind, Posting, State
from payments.domain.machine import (
    Cancelled,
    Completed,
    Declined,
    Event,
    HoldReleased,
    Job,
    JobKind,
    Lapsed,
    NoShow,
    Paid,
    Publish,
    Refunded,
    Reheld,
    ReholdRefused,
    Step,
    Trigger,
    open_deposit,
    step,
)
from payments.domain.money import Money
from payments.domain.policy import RefundRule, Terms

APPT = "appt-1"


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def deposit(
    state: State,
    *,
    card: int = 0,
    credit: int = 0,
    rule: RefundRule = RefundRule.REFUNDABLE,
    amount: int = 5000,
    reason: str = "",
) -> Deposit:
    return Deposit(
        "dep-1", "spa", APPT, state, usd(amount), usd(card), usd(credit), Terms(rule, 48), reason
    )


def moves(result: Step) -> list[tuple[Kind, Account, Account, int]]:
    return [(p.kind, p.source, p.target, p.amount.minor) for p in result.postings]


PAID = Paid("pi_1", usd(5000))
K, A = Kind, Account


# (deposit before, trigger) -> (state after, reason after, postings, effects)
TABLE = [
    (
        deposit(State.REQUESTED),
        PAID,
        State.PAID,
        "",
        [(K.COLLECTED, A.CARD, A.HELD_CARD, 5000)],
        [Publish(Event.PAID)],
    ),
    (
        deposit(State.REQUESTED, credit=2000),
        Paid("pi_1", usd(3000)),
        State.PAID,
        "",
        [(K.COLLECTED, A.CARD, A.HELD_CARD, 3000)],
        [Publish(Event.PAID)],
    ),
    (
        deposit(State.REQUESTED, credit=2000),
        Lapsed(),
        State.EXPIRED,
        "lapsed",
        [(K.CREDIT_RETURNED, A.HELD_CREDIT, A.CREDIT, 2000)],
        [Publish(Event.EXPIRED, "lapsed"), Job(JobKind.EXPIRE_LINK)],
    ),
    (
        deposit(State.REQUESTED),
        HoldReleased(APPT),
        State.EXPIRED,
        "lapsed",
        [],
        [Publish(Event.EXPIRED, "lapsed"), Job(JobKind.EXPIRE_LINK)],
    ),
    (
        deposit(State.REQUESTED),
        Declined(),
        State.DECLINED,
        "declined",
        [],
        [Publish(Event.EXPIRED, "declined"), Job(JobKind.EXPIRE_LINK)],
    ),
    (
        deposit(State.REQUESTED, credit=500),
        Cancelled(APPT, inside_window=True, cancelled_by="patient"),
        State.VOIDED,
        "booking_ended",
        [(K.CREDIT_RETURNED, A.HELD_CREDIT, A.CREDIT, 500)],
        [Job(JobKind.EXPIRE_LINK)],
    ),
    (
        deposit(State.PAID, card=5000),
        Cancelled(APPT, inside_window=False, cancelled_by="patient"),
        State.REFUND_PENDING,
        "cancelled_in_time",
        [],
        [Job(JobKind.REFUND, usd(5000))],
    ),
    (
        deposit(State.PAID, card=3000, credit=2000, rule=RefundRule.CREDIT),
        Cancelled(APPT, inside_window=False, cancelled_by="patient"),
        State.CREDITED,
        "cancelled_in_time",
        [
            (K.CREDITED, A.HELD_CARD, A.CREDIT, 3000),
            (K.CREDITED, A.HELD_CREDIT, A.CREDIT, 2000),
        ],
        [Publish(Event.CREDITED, "cancelled_in_time")],
    ),
    (
        deposit(State.PAID, card=5000, rule=RefundRule.NON_REFUNDABLE),
        Cancelled(APPT, inside_window=False, cancelled_by="patient"),
        State.FORFEITED,
        "non_refundable",
        [(K.FORFEITED, A.HELD_CARD, A.FORFEIT, 5000)],
        [Publish(Event.FORFEITED, "non_refundable")],
    ),
    (
        deposit(State.PAID, card=5000, rule=RefundRule.CREDIT),
        Cancelled(APPT, inside_window=True, cancelled_by="patient"),
        State.FORFEITED,
        "late_cancellation",
        [(K.FORFEITED, A.HELD_CARD, A.FORFEIT, 5000)],
        [Publish(Event.FORFEITED, "late_cancellation")],
    ),
    (
        deposit(State.PAID, card=5000, rule=RefundRule.NON_REFUNDABLE),
        Cancelled(APPT, inside_window=True, cancelled_by="spa"),
        State.REFUND_PENDING,
        "cancelled_by_spa",
        [],
        [Job(JobKind.REFUND, usd(5000))],
    ),
    (
        deposit(State.PAID, card=0, credit=5000),
        Cancelled(APPT, inside_window=False, cancelled_by="patient"),
        State.REFUNDED,
        "cancelled_in_time",
        [(K.CREDIT_RETURNED, A.HELD_CREDIT, A.CREDIT, 5000)],
        [Publish(Event.REFUNDED, "cancelled_in_time")],
    ),
    (
        deposit(State.PAID, card=5000),
        NoShow(APPT),
        State.FORFEITED,
        "no_show",
        [(K.FORFEITED, A.HELD_CARD, A.FORFEIT, 5000)],
        [Publish(Event.FORFEITED, "no_show")],
    ),
    (
        deposit(State.PAID, card=4000, credit=1000),
        Completed(APPT),
        State.APPLIED,
        "visit_completed",
        [(K.APPLIED, A.HELD_CARD, A.VISIT, 4000), (K.APPLIED, A.HELD_CREDIT, A.VISIT, 1000)],
        [],
    ),
    (
        deposit(State.PAID, card=5000),
        HoldReleased(APPT),
        State.LATE_PAID,
        "paid_after_release",
        [],
        [Job(JobKind.REHOLD)],
    ),
    (
        deposit(State.EXPIRED, reason="lapsed"),
        PAID,
        State.LATE_PAID,
        "lapsed",
        [(K.COLLECTED, A.CARD, A.HELD_CARD, 5000)],
        [Job(JobKind.REHOLD)],
    ),
    (
        deposit(State.DECLINED, reason="declined"),
        PAID,
        State.LATE_PAID,
        "declined",
        [(K.COLLECTED, A.CARD, A.HELD_CARD, 5000)],
        [Job(JobKind.REHOLD)],
    ),
    (
        deposit(State.VOIDED),
        PAID,
        State.REFUND_PENDING,
        "paid_after_cancel",
        [(K.COLLECTED, A.CARD, A.HELD_CARD, 5000)],
        [Job(JobKind.REFUND, usd(5000))],
    ),
    (
        deposit(State.LATE_PAID, card=5000),
        ReholdRefused("slot_taken"),
        State.REFUND_PENDING,
        "late_payment",
        [],
        [Job(JobKind.REFUND, usd(5000))],
    ),
    (
        deposit(State.REFUND_PENDING, card=3000, credit=2000, reason="late_payment"),
        Refunded("re_1"),
        State.REFUNDED,
        "late_payment",
        [
            (K.REFUNDED, A.HELD_CARD, A.CARD, 3000),
            (K.CREDIT_RETURNED, A.HELD_CREDIT, A.CREDIT, 2000),
        ],
        [Publish(Event.REFUNDED, "late_payment")],
    ),
]


@pytest.mark.parametrize(("before", "trigger", "state", "reason", "postings", "effects"), TABLE)
def test_transitions(
    before: Deposit,
    trigger: Trigger,
    state: State,
    reason: str,
    postings: list[tuple[Kind, Account, Account, int]],
    effects: list[object],
) -> None:
    result = step(before, trigger)
    assert result is not None
    assert (result.deposit.state, result.deposit.reason) == (state, reason)
    assert moves(result) == postings
    assert list(result.effects) == effects


def test_a_late_payment_reheld_as_a_new_appointment_moves_the_deposit() -> None:
    result = step(deposit(State.LATE_PAID, card=5000), Reheld("appt-2"))
    assert result is not None
    assert result.deposit.state is State.PAID
    assert result.deposit.appointment_id == "appt-2"
    assert result.previous_appointment_id == APPT
    assert result.effects == (Publish(Event.PAID),)


IGNORED = [
    (deposit(State.PAID, card=5000), PAID),
    (deposit(State.PAID, card=5000), Lapsed()),
    (deposit(State.PAID, card=5000), Declined()),
    (deposit(State.PAID, card=5000), Reheld("appt-2")),
    (
        deposit(State.PAID, card=5000),
        Cancelled("appt-0", inside_window=True, cancelled_by="patient"),
    ),
    (deposit(State.REQUESTED), NoShow("appt-0")),
    (deposit(State.EXPIRED), Lapsed()),
    (deposit(State.EXPIRED), Cancelled(APPT, inside_window=False, cancelled_by="patient")),
    (deposit(State.LATE_PAID, card=5000), HoldReleased(APPT)),
    (deposit(State.LATE_PAID, card=5000), PAID),
    (deposit(State.REFUND_PENDING, card=5000), PAID),
    (
        deposit(State.REFUND_PENDING, card=5000),
        Cancelled(APPT, inside_window=True, cancelled_by="patient"),
    ),
    (deposit(State.REFUNDED), Refunded("re_1")),
    (deposit(State.FORFEITED), PAID),
    (deposit(State.CREDITED), NoShow(APPT)),
    (deposit(State.APPLIED), Cancelled(APPT, inside_window=False, cancelled_by="spa")),
]


@pytest.mark.parametrize(("before", "trigger"), IGNORED)
def test_news_that_no_longer_matters_changes_nothing(before: Deposit, trigger: Trigger) -> None:
    assert step(before, trigger) is None


def test_opening_sets_credit_against_the_deposit() -> None:
    terms = Terms(RefundRule.CREDIT, 48)
    opened = open_deposit("dep-1", "spa", APPT, usd(5000), usd(1200), terms)
    assert opened.deposit.state is State.REQUESTED
    assert (opened.deposit.held_card, opened.deposit.held_credit) == (usd(0), usd(1200))
    assert moves(opened) == [(K.CREDIT_USED, A.CREDIT, A.HELD_CREDIT, 1200)]
    assert opened.effects == (Publish(Event.REQUESTED),)


@pytest.mark.parametrize(("amount", "credit"), [(0, 0), (5000, 5001), (5000, -1)])
def test_opening_refuses_impossible_amounts(amount: int, credit: int) -> None:
    with pytest.raises(ValueError):
        open_deposit("dep-1", "spa", APPT, usd(amount), usd(credit), Terms(RefundRule.CREDIT, 48))


# --- properties -------------------------------------------------------------

triggers = st.sampled_from(
    [
        Declined(),
        Lapsed(),
        HoldReleased(APPT),
        Cancelled(APPT, inside_window=False, cancelled_by="patient"),
        Cancelled(APPT, inside_window=True, cancelled_by="patient"),
        Cancelled(APPT, inside_window=True, cancelled_by="spa"),
        NoShow(APPT),
        Completed(APPT),
        Reheld(APPT),
        Reheld("appt-2"),
        HoldReleased("appt-2"),
        ReholdRefused("slot_taken"),
        Refunded("re_1"),
        "paid",
    ]
)


def _run(amount: int, credit: int, rule: RefundRule, sequence: list[object]) -> list[Step]:
    opened = open_deposit("dep-1", "spa", APPT, usd(amount), usd(credit), Terms(rule, 48))
    steps = [opened]
    current = opened.deposit
    for item in sequence:
        # The provider charges what the link asked: the deposit less its credit.
        trigger = Paid("pi_1", usd(amount - credit)) if item == "paid" else item
        result = step(current, trigger)  # type: ignore[arg-type]
        if result is not None:
            steps.append(result)
            current = result.deposit
            assert step(current, trigger) is None  # type: ignore[arg-type]
    return steps


def _postings(steps: list[Step]) -> list[Posting]:
    return [p for s in steps for p in s.postings]


@settings(max_examples=400)
@given(
    st.integers(1, 100_000).flatmap(lambda a: st.tuples(st.just(a), st.integers(0, a))),
    st.sampled_from(list(RefundRule)),
    st.lists(triggers, max_size=12),
)
def test_every_cent_is_accounted_for(
    amounts: tuple[int, int], rule: RefundRule, sequence: list[object]
) -> None:
    amount, credit = amounts
    steps = _run(amount, credit, rule, sequence)
    final = steps[-1].deposit
    balance: dict[Account, int] = dict.fromkeys(Account, 0)
    for posting in _postings(steps):
        assert posting.amount.positive
        balance[posting.source] -= posting.amount.minor
        balance[posting.target] += posting.amount.minor
    # Money is only moved, never made: the accounts always sum to zero...
    assert sum(balance.values()) == 0
    # ...and what the deposit says it holds is exactly what the postings left there.
    assert balance[Account.HELD_CARD] == final.held_card.minor
    assert balance[Account.HELD_CREDIT] == final.held_credit.minor
    # The card is charged at most once, and never refunded more than it paid.
    collected = [p for p in _postings(steps) if p.kind is Kind.COLLECTED]
    assert len(collected) <= 1
    assert -balance[Account.CARD] >= 0
    if final.state in SETTLED | {State.EXPIRED, State.DECLINED, State.VOIDED}:
        assert (final.held_card.minor, final.held_credit.minor) == (0, 0)


@given(st.lists(triggers, max_size=12))
def test_a_repeated_trigger_changes_nothing_the_second_time(sequence: list[object]) -> None:
    # _run asserts it after every step that changed something.
    _run(5000, 1000, RefundRule.REFUNDABLE, sequence)


def test_a_settled_deposit_ignores_everything() -> None:
    for state in SETTLED:
        for trigger in [PAID, Lapsed(), HoldReleased(APPT), NoShow(APPT), Refunded("x")]:
            assert step(deposit(state), trigger) is None
