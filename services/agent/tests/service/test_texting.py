"""A patient texting the spa, against the agent's real tables and a faked calendar."""

from __future__ import annotations

import json
import logging

import pytest

from agent.domain.guards import Priority
from medspa.events.v1 import conversation_pb2, telephony_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


async def test_a_new_patient_books_botox_from_everyday_words(harness, phone) -> None:
    replies = await harness.converse(
        phone,
        "hi! something for my forehead lines, monday around 2?",
        "the later one",
        "Jane Doe",
        "never had it",
        "none",
        "yes",
    )
    offer, chosen, intake_history, intake_screen, policy, held = replies
    assert "Botox" in offer and "1)" in offer and "Reply 1, 2 or 3" in offer
    assert "Monday, Nov 30" in offer
    assert "first and last name" in chosen
    assert "before" in intake_history and "NONE" in intake_screen
    assert "48 hours" in policy and "$50 deposit" in policy and "YES" in policy
    assert "holding" in held and "deposit" in held
    [appt] = list(harness.calendar.booked.values())
    assert appt.service_id == "botox" and appt.status == "held"
    local = appt.start.astimezone(harness.spas.get("lumen-aesthetics").tz)
    assert local.isoweekday() == 1 and 13 <= local.hour <= 15
    [told] = await harness.events_for("policy.told", phone)
    assert told.appointment_id == appt.id and "48 hours" in told.policy_text
    [intake] = await harness.events_for("intake.completed", phone)
    assert intake.appointment_id == appt.id and not intake.flags and not intake.needs_review
    answers = json.loads(harness.cipher.open(intake.answers, "agent.intake_answers"))
    assert answers["area"] == "forehead" and answers["treated_before"] is False


async def test_it_only_holds_a_slot_it_offered(harness, phone) -> None:
    await harness.text(phone, "I'd like a hydrafacial")
    reply = await harness.text(phone, "the 7pm one")
    assert "Great" not in reply
    assert harness.calendar.booked == {}


async def test_a_slot_taken_a_moment_ago_gets_the_nearest_alternatives(harness, phone) -> None:
    await harness.converse(phone, "hydrafacial tomorrow morning", "1", "Sam Lee")
    state_offer = await _offers(harness, phone)
    harness.calendar.take(state_offer[0])
    reply = await harness.text(phone, "yes")
    assert "just taken" in reply and "1)" in reply
    assert all(a.status == "confirmed" for a in harness.calendar.booked.values())
    booked = await harness.text(phone, "1")
    assert "To confirm" in booked
    assert "You're booked" in await harness.text(phone, "yes")


async def _offers(harness, phone):  # type: ignore[no-untyped-def]
    async with harness.pool.acquire() as conn:
        conversation = await harness.conversations.store.by_id(
            conn, "lumen-aesthetics", await harness.conversation_id(phone)
        )
    assert conversation is not None and conversation.state.chosen is not None
    return [conversation.state.chosen]


async def test_duplicate_delivery_gets_one_reply(harness, phone) -> None:
    event = harness.sms_event(phone, "hello")
    for _ in range(3):
        await harness.deliver(harness.sms, event, event_id="same-event")
    assert len(await harness.replies(phone)) == 1


async def test_a_crash_mid_turn_leaves_no_lost_or_double_reply(harness, phone, monkeypatch) -> None:
    await harness.converse(phone, "b12 shot tomorrow at 11", "1", "Kim Park")
    event = harness.sms_event(phone, "yes")
    events = harness.conversations.events
    original = events.intent

    async def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("power cut after the hold, before the commit")

    monkeypatch.setattr(events, "intent", crash)
    with pytest.raises(ConnectionError):
        await harness.deliver(harness.sms, event, event_id="crashy")
    monkeypatch.setattr(events, "intent", original)
    await harness.deliver(harness.sms, event, event_id="crashy")
    replies = await harness.replies(phone)
    assert sum("booked" in r for r in replies) == 1
    assert len([a for a in harness.calendar.booked.values() if a.status == "confirmed"]) == 1


async def test_an_unknown_spa_is_dropped_not_retried(harness, phone, caplog) -> None:
    caplog.set_level(logging.WARNING)
    await harness.deliver(
        harness.sms, harness.sms_event(phone, "hi", "no-such-spa"), spa_id="no-such-spa"
    )
    assert await harness.replies(phone) == []
    assert "does not serve" in caplog.text


async def test_the_conversation_survives_a_restart(
    harness, pool, cipher, spas, calendar, clock, phone
) -> None:
    from harness import Harness

    await harness.converse(phone, "lip filler please")
    restarted = Harness(pool, cipher, spas, calendar, clock)
    reply = await restarted.text(phone, "2")
    assert "Great" in reply


async def test_clinical_question_goes_to_staff_with_the_whole_context(harness, phone) -> None:
    await harness.converse(phone, "botox next week", "1", "Ana Ruiz")
    reply = await harness.text(phone, "actually is botox safe while breastfeeding?")
    assert "clinical team" in reply and "Dr. Maya Chen" in reply and "10 minutes" in reply
    assert "safe" not in reply.lower().replace("is botox safe", "")
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert handoff.reason == "clinical_question"
    assert handoff.priority == conversation_pb2.HANDOFF_PRIORITY_NORMAL
    summary = harness.cipher.open(handoff.summary, Purpose.SUMMARY)
    assert "Ana Ruiz" in summary and "Botox" in summary and "breastfeeding" in summary
    captured = json.loads(harness.cipher.open(handoff.captured, "agent.captured_fields"))
    assert captured["service_id"] == "botox" and captured["chosen"] is not None
    assert handoff.transcript_ref.startswith("agent:conversations/")
    assert handoff.respond_within_minutes == 10
    # With staff now: the agent stays quiet.
    assert await harness.text(phone, "hello?") == ""


async def test_urgent_symptoms_reach_staff_even_while_they_have_the_conversation(
    harness, phone
) -> None:
    await harness.text(phone, "I want a refund")
    reply = await harness.text(phone, "and now my lip is turning white")
    assert "911" in reply
    handoffs = await harness.events_for("handoff.requested", phone)
    assert [h.priority for h in handoffs][-1] == conversation_pb2.HANDOFF_PRIORITY_URGENT


async def test_staff_hand_it_back_and_the_agent_answers_again(harness, phone) -> None:
    from medspa.events.v1 import console_pb2

    await harness.text(phone, "can I talk to a person")
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert await harness.text(phone, "hi") == ""
    resolved = console_pb2.HandoffResolved(
        spa_id="lumen-aesthetics",
        handoff_id=handoff.handoff_id,
        conversation_id=handoff.conversation_id,
        returned_to_agent=True,
    )
    await harness.deliver(harness.staff.handoff_resolved, resolved)
    assert "parking" in (await harness.text(phone, "where do I park?")).lower()


async def test_asked_if_it_is_a_robot_it_says_so(harness, phone) -> None:
    reply = await harness.text(phone, "am I talking to a robot?")
    assert "automated assistant" in reply and "not a person" in reply


async def test_nothing_protected_reaches_the_logs(harness, phone, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.converse(phone, "botox tomorrow", "1", "Priscilla Secretname", "my forehead")
    for record in caplog.records:
        text = record.getMessage() + json.dumps(record.__dict__, default=str)
        assert phone not in text and "Priscilla" not in text and "forehead" not in text


async def test_a_texter_who_calls_continues_the_same_conversation(harness, phone) -> None:
    from medspa.voice.v1 import voice_pb2

    await harness.converse(phone, "I'd like a hydrafacial")
    cid = await harness.conversation_id(phone)
    request = voice_pb2.VoiceTurnRequest(
        spa_id="lumen-aesthetics",
        call_sid="CA" + "1" * 32,
        turn=1,
        from_phone=harness.cipher.seal(phone, Purpose.PHONE),
        transcript=harness.cipher.seal("the second one", Purpose.TRANSCRIPT),
    )
    reply = await harness.voice.answer(
        "agentsvc.rpc.lumen-aesthetics.voice.turn", request.SerializeToString()
    )
    assert reply.conversation_id == cid
    said = harness.cipher.open(reply.say, Purpose.TRANSCRIPT)
    assert said.startswith("Great") and "name" in said


async def test_priority_of_a_hot_lead(harness, phone) -> None:
    await harness.text(phone, "I'm getting married in June, can you put together a bridal package?")
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert handoff.priority == conversation_pb2.HANDOFF_PRIORITY_HIGH
    assert Priority.HIGH.value == "high"


async def test_sms_received_type_is_what_telephony_sends() -> None:
    assert telephony_pb2.SmsReceived.DESCRIPTOR.full_name == "medspa.events.v1.SmsReceived"
