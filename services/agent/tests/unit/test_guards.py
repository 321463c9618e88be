"""The guards: what goes to staff, how urgently, and what the agent must never say."""

import pytest
import yaml

from agent.domain.guards import (
    Priority,
    Reason,
    asks_if_automated,
    check_incoming,
    only_asks_if_automated,
    unsafe_reply,
)
from medspa_kit.catalog import Catalog


@pytest.mark.parametrize(
    ("text", "reason", "priority"),
    [
        ("my vision is blurry since the filler", Reason.URGENT_SYMPTOMS, Priority.URGENT),
        ("my lip is turning white after filler yesterday", Reason.URGENT_SYMPTOMS, Priority.URGENT),
        ("the skin looks dusky near my nose", Reason.URGENT_SYMPTOMS, Priority.URGENT),
        ("severe pain in my cheek after filler", Reason.URGENT_SYMPTOMS, Priority.URGENT),
        ("it hurts so bad where they injected", Reason.URGENT_SYMPTOMS, Priority.URGENT),
        ("cant see properly out of my left eye", Reason.URGENT_SYMPTOMS, Priority.URGENT),
        ("I have a bruise from my botox last week", Reason.POST_TREATMENT_PROBLEM, Priority.NORMAL),
        ("theres a lump in my lip", Reason.POST_TREATMENT_PROBLEM, Priority.NORMAL),
        ("my eyebrow is droopy after botox", Reason.POST_TREATMENT_PROBLEM, Priority.NORMAL),
        ("one side looks uneven", Reason.POST_TREATMENT_PROBLEM, Priority.NORMAL),
        ("still swollen 3 days later", Reason.POST_TREATMENT_PROBLEM, Priority.NORMAL),
        ("what are the side effects of botox", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("how many units do i need for my forehead", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("is botox safe while breastfeeding?", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("can I get filler if I'm on blood thinners", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("will I bruise?", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("does it hurt", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("how do i treat the swelling", Reason.CLINICAL_QUESTION, Priority.NORMAL),
        ("I want a refund", Reason.BILLING_DISPUTE, Priority.NORMAL),
        ("you charged me twice", Reason.BILLING_DISPUTE, Priority.NORMAL),
        ("this is ridiculous, worst service ever", Reason.UPSET, Priority.NORMAL),
        ("WHY IS NOBODY ANSWERING ME!!!", Reason.UPSET, Priority.NORMAL),
        ("can I talk to a real person", Reason.ASKED_FOR_PERSON, Priority.NORMAL),
        ("human please", Reason.ASKED_FOR_PERSON, Priority.NORMAL),
        ("have someone call me", Reason.ASKED_FOR_PERSON, Priority.NORMAL),
        ("laser or microneedling for my skin?", Reason.TREATMENT_PLANNING, Priority.HIGH),
        ("what do you recommend for my jowls", Reason.TREATMENT_PLANNING, Priority.HIGH),
        (
            "I need a wedding package for me and my bridesmaids",
            Reason.HIGH_VALUE_PLAN,
            Priority.HIGH,
        ),
    ],
)
def test_steps_back(text: str, reason: Reason, priority: Priority) -> None:
    verdict = check_incoming(text)
    assert verdict is not None, text
    assert (verdict.reason, verdict.priority) == (reason, priority)


@pytest.mark.parametrize(
    "text",
    [
        "hi", "something for my forehead lines", "can I book botox monday around 2", "2",
        "Jane Doe", "yes", "where do I park?", "what are your hours", "how much is lip filler",
        "that's too expensive", "when is my appointment", "cancel my appointment",
        "am I talking to a robot?", "none", "next week evenings", "I'd like a hydrafacial",
    ],
)  # fmt: skip
def test_everyday_front_desk_words_pass(text: str) -> None:
    assert check_incoming(text) is None


@pytest.mark.parametrize(
    "text", ["yes I'm pregnant", "2, blood thinners", "I take eliquis", "lupus"]
)
def test_intake_answers_are_answers_while_the_intake_asks(text: str) -> None:
    assert check_incoming(text, answering_health_questions=True) is None


def test_a_question_inside_the_intake_still_goes_to_staff() -> None:
    verdict = check_incoming("I'm on blood thinners, is that ok?", answering_health_questions=True)
    assert verdict is not None and verdict.reason is Reason.CLINICAL_QUESTION


@pytest.mark.parametrize(
    "text",
    [
        "am I talking to a robot?",
        "are you a real person",
        "is this a bot",
        "r u human",
        "is this automated",
    ],
)
def test_asking_if_automated(text: str) -> None:
    assert asks_if_automated(text)
    assert only_asks_if_automated(text)


def test_asking_if_automated_alongside_a_request() -> None:
    assert not only_asks_if_automated("are you a bot? I want botox on tuesday afternoon")


@pytest.mark.parametrize(
    "text",
    [
        "That's totally normal, it will go away in a few days.",
        "It's safe to get Botox while breastfeeding.",
        "You should take ibuprofen and ice it.",
        "You'll need about 30 units for your forehead.",
        "Swelling is common to see after filler.",
        "It sounds like you have an infection.",
        "Don't worry, that's fine.",
        "Try arnica for the bruising.",
        "I'm a real person, happy to help!",
    ],
)
def test_advice_is_never_sent(text: str) -> None:
    assert unsafe_reply(text)


def test_no_catalog_entry_sounds_like_advice() -> None:
    catalog = Catalog.load("agent")
    for key in catalog.keys():
        template = catalog._template(key)
        assert not unsafe_reply(template), key


def test_the_catalog_is_valid_yaml_of_strings() -> None:
    from importlib import resources

    raw = yaml.safe_load((resources.files("agent") / "catalog" / "en-US.yaml").read_text())
    assert all(isinstance(v, str) and v.strip() for v in raw.values())
