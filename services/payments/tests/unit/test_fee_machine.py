"""The no-show fee (a card on file, or the rest beyond a deposit) and refunds that
fail, as tables, and the money laws over every path as properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payments.domain.deposit import SETTLED, Account, Deposit, Kind, Purpose, State
from payments.domain.machine import (
    CardSaved,
    Completed,
    Declined,
    Event,
    FeeCharged,
    FeeFailed,
    HoldReleased,
    Job,
    JobKind,
    Lapsed,
    NoShow,
    Paid,
    Publish,
    Refunded,
    RefundFailed,
    RetryRefund,
    Step,
    Trigger,
    open_card,
    open_deposit,
    step,
)
from payments.domain.money import Money
from payments.domain.policy import RefundRule, Terms

APPT = "appt-1"
K, A = Kind, Account


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def terms(fee: int | None = 5000) -> Terms:
    return Terms(RefundRule.REFUNDABLE, 48, usd(fee) if fee else None)


def card(state: State, *, saved: bool = False, fee: int = 5000, reason: str = "") -> Deposit:
    zero = usd(0)
    return Deposit(
        "dep-1",
        "spa",
        APPT,
        state,
        usd(fee),
        zero,
        zero,
        terms(fee),
        reason,
        purpose=Purpose.CARD,
        card_on_file=saved,
    )


def deposit(
    state: State, *, amount: int = 4000, card_held: int = 0, credit: int = 0, saved: bool = False
) -> Deposit:
    return Deposit(
        "dep-1",
        "spa",
        APPT,
        state,
        usd(amount),
        usd(card_held),
        usd(credit),
        terms(),
        card_on_file=saved,
    )


def moves(result: Step) -> list[tuple[Kind, Account, Account, int]]:
    return [(p.kind, p.source, p.target, p.amount.minor) for p in result.postings]


EXPIRE = Job(JobKind.EXPIRE_LINK)
TABLE = [
    # A card on file: saved, then charged on a no-show.
    (card(State.REQUESTED), CardSaved("seti_1", "cus_1"), State.CARD_SAVED, "", [], []),
    (
        card(State.CARD_SAVED, saved=True),
        NoShow(APPT),
        State.FEE_PENDING,
        "no_show",
        [],
        [Job(JobKind.CHARGE_FEE, usd(5000))],
    ),
    (
        card(State.FEE_PENDING, saved=True, reason="no_show"),
        FeeCharged("pi_9", usd(5000)),
        State.FEE_CHARGED,
        "no_show",
        [(K.FEE_CHARGED, A.CARD, A.FEE, 5000)],
        [Publish(Event.NO_SHOW_CHARGED, "no_show")],
    ),
    (
        card(State.FEE_PENDING, saved=True, reason="no_show"),
        FeeFailed("authentication_required", usd(5000), "pi_9"),
        State.FEE_FAILED,
        "authentication_required",
        [(K.FEE_UNPAID, A.OWED, A.FEE, 5000)],
        [Publish(Event.CHARGE_FAILED, "authentication_required")],
    ),
    # No card was saved: the fee is owed, and the link dies.
    (
        card(State.REQUESTED),
        NoShow(APPT),
        State.FEE_FAILED,
        "no_card",
        [(K.FEE_UNPAID, A.OWED, A.FEE, 5000)],
        [EXPIRE, Publish(Event.CHARGE_FAILED, "no_card")],
    ),
    (
        card(State.EXPIRED, reason="lapsed"),
        NoShow(APPT),
        State.FEE_FAILED,
        "no_card",
        [(K.FEE_UNPAID, A.OWED, A.FEE, 5000)],
        [Publish(Event.CHARGE_FAILED, "no_card")],
    ),
    # The link lapsing or being declined says nothing (the booking stands).
    (card(State.REQUESTED), Lapsed(), State.EXPIRED, "lapsed", [], [EXPIRE]),
    (card(State.REQUESTED), Declined(), State.DECLINED, "declined", [], [EXPIRE]),
    (card(State.EXPIRED), CardSaved("seti_1"), State.CARD_SAVED, "", [], []),
    (
        card(State.REQUESTED),
        HoldReleased(APPT),
        State.VOIDED,
        "booking_ended",
        [],
        [EXPIRE],
    ),
    (
        card(State.CARD_SAVED, saved=True),
        Completed(APPT),
        State.VOIDED,
        "booking_ended",
        [],
        [],
    ),
    # A deposit smaller than the fee: forfeited, and the rest charged to its card.
    (
        deposit(State.PAID, card_held=3000, credit=1000, saved=True),
        NoShow(APPT),
        State.FEE_PENDING,
        "no_show",
        [
            (K.FORFEITED, A.HELD_CARD, A.FORFEIT, 3000),
            (K.FORFEITED, A.HELD_CREDIT, A.FORFEIT, 1000),
        ],
        [Publish(Event.FORFEITED, "no_show"), Job(JobKind.CHARGE_FEE, usd(1000))],
    ),
    (
        deposit(State.PAID, card_held=4000),
        NoShow(APPT),
        State.FORFEITED,
        "no_show",
        [(K.FORFEITED, A.HELD_CARD, A.FORFEIT, 4000)],
        [Publish(Event.FORFEITED, "no_show")],
    ),
    (
        deposit(State.PAID, amount=6000, card_held=6000, saved=True),
        NoShow(APPT),
        State.FORFEITED,
        "no_show",
        [(K.FORFEITED, A.HELD_CARD, A.FORFEIT, 6000)],
        [Publish(Event.FORFEITED, "no_show")],
    ),
    # Refunds that fail.
    (
        deposit(State.REFUNDED),
        RefundFailed("re_1", "expired_or_canceled_card", usd(4000)),
        State.REFUND_FAILED,
        "",
        [(K.REFUND_FAILED, A.CARD, A.HELD_CARD, 4000)],
        [Publish(Event.REFUND_FAILED, "expired_or_canceled_card")],
    ),
    (
        deposit(State.REFUND_PENDING, card_held=3000, credit=1000),
        RefundFailed("re_1", "declined", usd(0)),
        State.REFUND_FAILED,
        "",
        [(K.CREDIT_RETURNED, A.HELD_CREDIT, A.CREDIT, 1000)],
        [Publish(Event.REFUND_FAILED, "declined")],
    ),
    (
        deposit(State.REFUND_FAILED, card_held=4000),
        RetryRefund(),
        State.REFUND_PENDING,
        "",
        [],
        [Job(JobKind.REFUND, usd(4000))],
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


IGNORED = [
    (card(State.REQUESTED), Paid("pi_1", usd(5000))),
    (card(State.CARD_SAVED, saved=True), CardSaved("seti_2")),
    (card(State.CARD_SAVED, saved=True), Lapsed()),
    (card(State.VOIDED), CardSaved("seti_1")),
    (card(State.VOIDED), NoShow(APPT)),
    (card(State.FEE_PENDING, saved=True), NoShow(APPT)),
    (card(State.FEE_CHARGED, saved=True), FeeFailed("card_declined", usd(5000))),
    (card(State.FEE_FAILED), FeeCharged("pi_1", usd(5000))),
    (deposit(State.PAID, card_held=4000), RetryRefund()),
    (deposit(State.REFUND_FAILED, card_held=4000), RefundFailed("re_1", "x", usd(4000))),
    (deposit(State.REFUND_FAILED, card_held=4000), Refunded("re_1")),
    (deposit(State.FORFEITED), RefundFailed("re_1", "x", usd(4000))),
]


@pytest.mark.parametrize(("before", "trigger"), IGNORED)
def test_news_that_no_longer_matters_changes_nothing(before: Deposit, trigger: Trigger) -> None:
    assert step(before, trigger) is None


def test_a_card_request_charges_nothing_and_asks_for_the_link() -> None:
    opened = open_card("dep-1", "spa", APPT, usd(5000), terms())
    assert opened.deposit.purpose is Purpose.CARD and opened.deposit.state is State.REQUESTED
    assert opened.postings == () and opened.effects == (Publish(Event.CARD_REQUESTED),)
    assert opened.deposit.keeps_card
    with pytest.raises(ValueError):
        open_card("dep-1", "spa", APPT, usd(0), terms())


def test_a_deposit_keeps_its_card_only_when_the_fee_is_larger() -> None:
    small = open_deposit("d", "spa", APPT, usd(4000), usd(0), terms(5000)).deposit
    large = open_deposit("d", "spa", APPT, usd(5000), usd(0), terms(5000)).deposit
    no_fee = open_deposit("d", "spa", APPT, usd(100), usd(0), terms(None)).deposit
    assert (small.keeps_card, large.keeps_card, no_fee.keeps_card) == (True, False, False)
    paid = step(small, Paid("pi_1", usd(4000), card_ref="pi_1", customer_ref="cus_1"))
    assert paid is not None and paid.deposit.card_on_file


# --- properties -------------------------------------------------------------

triggers = st.sampled_from(
    [
        "paid",
        "saved",
        Declined(),
        Lapsed(),
        HoldReleased(APPT),
        NoShow(APPT),
        Completed(APPT),
        "charged",
        "charge_failed",
        Refunded("re_1"),
        "refund_failed",
        RetryRefund(),
    ]
)


def _trigger(item: object, current: Deposit, amount: int, fee: int) -> Trigger:
    rest = usd(max(fee - amount, 0)) if current.purpose is Purpose.DEPOSIT else usd(fee)
    made: dict[str, Trigger] = {
        "paid": Paid("pi_1", usd(amount), card_ref="pi_1"),
        "saved": CardSaved("seti_1"),
        "charged": FeeCharged("pi_2", rest),
        "charge_failed": FeeFailed("card_declined", rest),
        # What the refund had posted back to the card, as the ledger would say.
        "refund_failed": RefundFailed("re_1", "declined", usd(amount)),
    }
    return made[item] if isinstance(item, str) else item  # type: ignore[return-value]


@settings(max_examples=400)
@given(
    st.booleans(),
    st.integers(1, 20_000),
    st.integers(1, 20_000),
    st.lists(triggers, max_size=12),
)
def test_every_cent_of_a_fee_is_accounted_for(
    as_card: bool, amount: int, fee: int, sequence: list[object]
) -> None:
    fee_terms = Terms(RefundRule.REFUNDABLE, 48, usd(fee))
    if as_card:
        opened = open_card("dep-1", "spa", APPT, usd(fee), fee_terms)
    else:
        opened = open_deposit("dep-1", "spa", APPT, usd(amount), usd(0), fee_terms)
    current, postings = opened.deposit, list(opened.postings)
    for item in sequence:
        trigger = _trigger(item, current, amount, fee)
        # A refund comes back only once it was taken as done.
        if isinstance(trigger, RefundFailed) and current.state is not State.REFUNDED:
            trigger = RefundFailed("re_1", "declined", usd(0))
        result = step(current, trigger)
        if result is None:
            continue
        postings += result.postings
        current = result.deposit
        assert step(current, trigger) is None
    balance = dict.fromkeys(Account, 0)
    for posting in postings:
        assert posting.amount.positive
        balance[posting.source] -= posting.amount.minor
        balance[posting.target] += posting.amount.minor
    assert sum(balance.values()) == 0
    assert balance[Account.HELD_CARD] == current.held_card.minor
    # The spa never gets more than the fee from a no-show, deposit and charge together.
    assert balance[Account.FEE] + balance[Account.FORFEIT] <= max(fee, amount)
    assert balance[Account.FEE] <= fee
    # A fee is charged or owed at most once.
    fees = [p for p in postings if p.kind in (Kind.FEE_CHARGED, Kind.FEE_UNPAID)]
    assert len(fees) <= 1
    if current.state in SETTLED:
        assert (current.held_card.minor, current.held_credit.minor) == (0, 0)
