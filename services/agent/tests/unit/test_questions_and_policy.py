"""Answers from the spa's configuration with a score, and the spa's rules applied."""

from datetime import UTC, datetime

import pytest

from agent.domain import policy
from agent.domain.questions import FaqItem, looks_like_question, match_questions
from agent.domain.state import Booking, Offer, Stage, State
from agent.domain.when import TimeWish
from spa_config import AgentAutonomy, load_spas

SPA = load_spas(None).get("lumen-aesthetics")
FAQ = [FaqItem(f.question, f.answer, f.keywords) for f in SPA.faq]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("where do I park?", "faq:0"), ("what should I wear", "faq:1"), ("can I pay with apple pay", "faq:2"),
        ("what's your cancellation policy", "faq:3"), ("do you sell gift cards", "faq:4"),
        ("what are your hours", "hours"), ("are you open on saturday", "hours"),
        ("what's your address", "address"), ("do you have a membership", "memberships"),
        ("any specials right now?", "specials"), ("do you have packages", "packages"),
    ],
)  # fmt: skip
def test_confident_answers(text: str, topic: str) -> None:
    best = match_questions(text, FAQ)[0]
    assert best.topic == topic and best.score >= 0.6


@pytest.mark.parametrize(
    "text", ["do you take walk-ins?", "do you do tattoo removal", "who owns the spa"]
)
def test_unknown_questions_score_low(text: str) -> None:
    found = match_questions(text, FAQ)
    assert not found or found[0].score < 0.6


def test_question_shapes() -> None:
    assert looks_like_question("do you take walk ins")
    assert looks_like_question("parking?")
    assert not looks_like_question("botox tuesday at 2")


def test_quotes_the_way_the_spa_prices() -> None:
    assert policy.quote(SPA.service("botox")).key == "quote.per_unit"
    assert policy.quote(SPA.service("lip-filler")).values["total_high"] == 150000
    assert policy.quote(SPA.service("laser-hair-removal")).key == "quote.series"
    assert policy.quote(SPA.service("injectables-consult")).key == "quote.free"
    assert policy.quote(SPA.service("hydrafacial")).values["price"] == 22500


def test_cancellation_terms_follow_the_deposit() -> None:
    botox = SPA.service("botox")
    assert policy.cancellation_terms(SPA, botox, 5000).key == "policy.deposit_credit"
    assert policy.cancellation_terms(SPA, botox, 0).key == "policy.no_deposit_fee"
    ipl = SPA.service("ipl-photofacial")
    assert policy.cancellation_terms(SPA, ipl, 5000).key == "policy.deposit_refundable"


def test_autonomy_and_opening_hours() -> None:
    monday_10am = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    sunday = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    assert policy.is_open(SPA, monday_10am) and not policy.is_open(SPA, sunday)
    assert policy.autonomy(SPA, monday_10am) is policy.Autonomy.ANSWER
    after_hours = SPA.model_copy(
        update={
            "policies": SPA.policies.model_copy(
                update={"agent_autonomy": AgentAutonomy.AFTER_HOURS}
            )
        }
    )
    assert policy.autonomy(after_hours, monday_10am) is policy.Autonomy.STAFF
    assert policy.autonomy(after_hours, sunday) is policy.Autonomy.ANSWER
    opening = policy.next_opening(SPA, sunday)
    assert opening is not None and opening.astimezone(SPA.tz).hour == 9


def test_handoffs_go_to_the_right_person() -> None:
    assert policy.handoff_contact(SPA, clinical=True).role == "Medical director"
    assert policy.handoff_contact(SPA, clinical=False).role == "Practice manager"
    assert policy.nurse_practitioner_for(SPA, "injectables-consult") == "sofia-ramirez"
    consult = policy.consult_for(SPA, SPA.service("lip-filler"))
    assert consult is not None and consult.id == "injectables-consult"


def test_state_survives_a_round_trip() -> None:
    start = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    offer = Offer("botox", "sofia-ramirez", "Sofia Ramirez, NP", start, start)
    state = State(stage=Stage.CONFIRM, service_id="botox", wish=TimeWish(asap=True), offers=[offer],
                  chosen=offer, name="Jane Doe", flags=["blood_thinners"],
                  booking=Booking("a1", "botox", "Botox", "sofia-ramirez", "Sofia", start, "held", 5000))  # fmt: skip
    again = State.from_dict(state.to_dict())
    assert again.to_dict() == state.to_dict()
    assert (
        again.chosen == offer and again.booking is not None and again.booking.deposit_minor == 5000
    )
