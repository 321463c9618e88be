"""The LLM brain against a local OpenAI-compatible server playing scripted tool calls."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_llm import HANG, FakeModel, calls, says, serving
from harness import Harness

from agent.adapters.llm_openai import OpenAIChat
from agent.brains.llm import LlmBrain
from agent.brains.llm_tools import ALLOWED
from agent.brains.rules import RulesBrain

pytestmark = pytest.mark.integration


@pytest.fixture
async def model() -> AsyncIterator[FakeModel]:
    async with serving(FakeModel()) as served:
        yield served


@pytest.fixture
def llm(pool, cipher, spas, calendar, clock, model) -> Harness:  # type: ignore[no-untyped-def]
    brain = LlmBrain(
        OpenAIChat(model.base_url, None, "test-model"),
        RulesBrain(),
        timeout_s=1.5,
        voice_timeout_s=1.0,
        max_rounds=4,
    )
    return Harness(pool, cipher, spas, calendar, clock, brain=brain)


async def test_a_booking_through_tool_calls_with_nothing_protected_in_the_prompt(
    llm, model, phone
) -> None:
    model.script = [
        calls(("find_openings", {"service_id": "hydrafacial", "when": "tomorrow morning"})),
        says("I have three times tomorrow morning. Which suits you?"),
        calls(("choose_opening", {"option": 2})),
        says("Lovely. What name should I put it under?"),
        calls(("set_patient_name", {"name": "Jane Doe"}), ("read_policy", {})),
        says("Thanks Jane. Please give us 48 hours' notice to cancel. Shall I book it?"),
        calls(("book_chosen_opening", {})),
        says("You're booked!"),
    ]
    replies = await llm.converse(
        phone, "can I get a hydrafacial tomorrow morning", "the second", "Jane Doe", "yes"
    )
    assert replies[0] == "I have three times tomorrow morning. Which suits you?"
    # The model's words, then the once-only marketing question the agent adds after a booking.
    assert replies[-1].startswith("You're booked! ") and "Reply YES or NO" in replies[-1]
    [appt] = llm.calendar.booked.values()
    assert appt.service_id == "hydrafacial" and appt.status == "confirmed"
    first = model.requests[0]
    assert first["model"] == "test-model"
    assert {t["function"]["name"] for t in first["tools"]} == ALLOWED
    assert first["messages"][-1] == {
        "role": "user",
        "content": "can I get a hydrafacial tomorrow morning",
    }
    for prompt in model.system_prompts:
        assert "Lumen Aesthetics" in prompt
        assert phone not in prompt and phone[2:] not in prompt and "Jane" not in prompt
    # Tool results carry the spa's words, never the caller's phone or an id.
    tool_results = [
        m["content"] for r in model.requests for m in r["messages"] if m["role"] == "tool"
    ]
    assert tool_results and all(phone not in c and "patient_id" not in c for c in tool_results)
    [told] = await llm.events_for("policy.told", phone)
    assert told.policy_text.startswith("Please give us at least 48 hours")


async def test_only_an_offered_opening_can_be_chosen(llm, model, phone) -> None:
    model.script = [
        calls(("find_openings", {"service_id": "hydrafacial", "when": "tomorrow"})),
        says("Here are some times."),
        calls(("choose_opening", {"option": 9})),
        calls(("book_chosen_opening", {})),
        says("Which one did you mean?"),
    ]
    await llm.converse(phone, "hydrafacial tomorrow", "number nine")
    errors = [m["content"] for m in model.requests[-1]["messages"] if m["role"] == "tool"]
    assert any("option must be one of the offered" in e for e in errors)
    assert any("not_ready" in e for e in errors)
    assert llm.calendar.booked == {}


async def test_an_invented_name_is_refused(llm, model, phone) -> None:
    model.script = [calls(("set_patient_name", {"name": "Bob Invented"})), says("And your name?")]
    await llm.text(phone, "hydrafacial please")
    results = [m["content"] for m in model.requests[-1]["messages"] if m["role"] == "tool"]
    assert any("exactly what the patient wrote" in r for r in results)


async def test_malformed_tool_calls_fall_back_to_the_rules_brain(llm, model, phone) -> None:
    model.script = [
        calls(
            ("find_openings", "{not json"),
            ("delete_everything", {}),
            ("hand_off", {"reason": "bored"}),
        ),
    ]
    reply = await llm.text(phone, "I'd like a hydrafacial")
    assert "1)" in reply and "Reply 1, 2 or 3" in reply  # the rules brain's offer


async def test_a_model_that_hangs_is_timed_out_and_the_rules_brain_answers(
    llm, model, phone
) -> None:
    model.script = [HANG]
    reply = await llm.text(phone, "where do I park?")
    assert "Clay Street garage" in reply


async def test_a_model_that_gives_advice_is_stopped_by_the_output_guard(llm, model, phone) -> None:
    model.script = [says("Bruising is normal to have, just use arnica and you'll be fine!")]
    reply = await llm.text(phone, "what should I expect at my first visit")
    assert "arnica" not in reply and "clinical team" in reply
    [handoff] = await llm.events_for("handoff.requested", phone)
    assert handoff.reason == "unsafe_draft"


async def test_guards_run_before_the_model_sees_anything(llm, model, phone) -> None:
    reply = await llm.text(phone, "how many units of botox do I need?")
    assert model.requests == []
    assert "clinical team" in reply


async def test_a_model_handoff_is_worded_by_the_engine(llm, model, phone) -> None:
    model.script = [calls(("hand_off", {"reason": "treatment_planning"}))]
    reply = await llm.text(phone, "help me put together a plan")
    assert "Dana Whitfield" in reply
    [handoff] = await llm.events_for("handoff.requested", phone)
    assert handoff.reason == "treatment_planning"
