"""Calls answered end to end: the sandbox plays the caller through signed voice webhooks,
a stand-in agent answers turns over NATS, and telephony's events and tables are checked."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telephony_harness import Agent, World, patient

from medspa.voice.v1 import voice_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration

FILLER = "One moment, let me check that for you."


def said(played: dict, speaker: str = "spa") -> list[str]:
    return [line["text"] for line in played["transcript"] if line["speaker"] == speaker]


def spoken(played: dict) -> str:
    return " ".join(said(played))


async def test_a_call_is_greeted_and_each_turn_is_answered_by_the_agent(
    world: World, agent: Agent
) -> None:
    agent.respond = agent.reply_with("Botox, sure. Does Friday at 3 PM work?")
    caller = patient()

    played = await world.call("open-spa", caller, "I'd like to book Botox", "ok thanks bye")

    lines = said(played)
    assert "automated assistant" in lines[0]
    assert lines[1] == "Botox, sure. Does Friday at 3 PM work?"
    assert lines[2] == "Thank you for calling Open Spa. Goodbye!"
    assert played["recorded"] is False
    [request] = agent.requests
    assert (request.spa_id, request.call_sid, request.turn) == ("open-spa", played["sid"], 1)
    assert agent.heard(request) == "I'd like to book Botox"
    assert world.cipher.open(request.from_phone, Purpose.PHONE) == caller
    [started] = await world.events.wait_for("call.started", call_sid=played["sid"])
    assert world.cipher.open(started.from_phone, Purpose.PHONE) == caller
    turns = await world.events.wait_for("call.turn", 2, call_sid=played["sid"])
    assert [world.cipher.open(t.transcript, Purpose.TRANSCRIPT) for t in turns] == [
        "I'd like to book Botox",
        "ok thanks bye",
    ]
    [ended] = await world.events.wait_for("call.ended", call_sid=played["sid"])
    assert (ended.status, ended.direction) == ("completed", "inbound")
    assert ended.duration_seconds > 0
    assert not world.events.named("call.missed", call_sid=played["sid"])


async def test_the_greeting_listens_for_speech_and_keys_with_the_menu_as_hints(
    world: World, agent: Agent
) -> None:
    answer = await world.post(
        "/twilio/voice",
        {
            "CallSid": f"CA{patient()[1:]}hints",
            "From": patient(),
            "To": world.spas["open-spa"].number,
        },
    )
    assert 'input="speech dtmf"' in answer.text and 'actionOnEmptyResult="true"' in answer.text
    assert "Botox" in answer.text and "lip filler" in answer.text.lower()


async def test_recording_is_off_unless_the_spa_turns_it_on(world: World, agent: Agent) -> None:
    quiet = await world.call("open-spa", patient(), "hello")
    recorded = await world.call("recording-spa", patient(), "hello")
    assert quiet["recorded"] is False and "recorded" not in spoken(quiet)
    assert recorded["recorded"] is True
    assert "This call may be recorded." in said(recorded)


async def test_an_agent_slower_than_the_deadline_gets_a_filler_not_dead_air(
    world: World, agent: Agent
) -> None:
    agent.respond = agent.reply_with("Found it: Friday at 3 PM.", delay_s=1.2)

    played = await world.call("open-spa", patient(), "what's open friday")

    lines = said(played)
    assert FILLER in lines
    assert lines.index(FILLER) < lines.index("Found it: Friday at 3 PM.")
    # Asked once: the filler's redirect picked up the same request's answer.
    assert len(agent.requests) == 1


async def test_an_agent_that_never_answers_hands_the_caller_to_staff(
    world: World, agent: Agent
) -> None:
    async def silent(_: voice_pb2.VoiceTurnRequest) -> None:
        return None

    agent.respond = silent
    caller = patient()

    played = await world.call("open-spa", caller, "I need help", staff="no-answer")

    text = spoken(played)
    assert FILLER in text and "Thanks for waiting, I'm still looking." in text
    assert "I'm sorry, I'm having trouble on my end." in text
    assert "nobody on our team could pick up" in text
    [callback] = await world.events.wait_for("callback.requested", call_sid=played["sid"])
    assert callback.reason == "transfer_unanswered"
    assert world.cipher.open(callback.phone, Purpose.PHONE) == caller


async def test_a_warm_transfer_whispers_the_summary_and_connects_staff_who_accept(
    world: World, agent: Agent
) -> None:
    agent.respond = agent.reply_with(
        "Let me get someone from our team.",
        voice_pb2.VOICE_ACTION_TRANSFER,
        whisper="Caller has swelling after filler yesterday.",
        handoff_id="handoff-7",
    )

    played = await world.call("open-spa", patient(), "my lips are swollen", staff="accept")

    assert said(played, "whisper")[0] == (
        "Call from the Open Spa assistant. Caller has swelling after filler yesterday. "
        "Press any key to take the call."
    )
    assert {"speaker": "twilio", "text": "connected to staff"} in played["transcript"]
    [moved] = await world.events.wait_for("call.transferred", call_sid=played["sid"])
    assert (moved.handoff_id, moved.conversation_id) == ("handoff-7", "conv-1")
    await world.events.wait_for("call.ended", call_sid=played["sid"])
    assert not world.events.named("callback.requested", call_sid=played["sid"])
    assert not world.events.named("call.missed", call_sid=played["sid"])


@pytest.mark.parametrize("staff", ["no-answer", "ignore"])
async def test_a_warm_transfer_nobody_takes_promises_a_callback(
    world: World, agent: Agent, staff: str
) -> None:
    """ "ignore" is a staff phone whose voicemail picks up: that is not a person taking it."""
    agent.respond = agent.reply_with(
        "Connecting you.", voice_pb2.VOICE_ACTION_TRANSFER, handoff_id="handoff-8"
    )
    caller = patient()

    minutes = world.config("open-spa").policies.handoff_response_minutes

    played = await world.call("open-spa", caller, "I want to talk to a person", staff=staff)

    assert said(played)[-1] == (
        "I'm sorry, nobody on our team could pick up just now. Someone from Open Spa will call "
        f"you back at this number within {minutes} minutes. Goodbye."
    )
    [callback] = await world.events.wait_for("callback.requested", call_sid=played["sid"])
    assert (callback.reason, callback.handoff_id) == ("transfer_unanswered", "handoff-8")
    requested = callback.requested_at.ToDatetime()
    assert callback.due_by.ToDatetime() - requested == timedelta(minutes=minutes)
    [row] = await world.fetch(
        "SELECT reason, handoff_id FROM callbacks WHERE call_sid = $1", played["sid"]
    )
    assert (row["reason"], row["handoff_id"]) == ("transfer_unanswered", "handoff-8")
    await world.events.wait_for("call.ended", call_sid=played["sid"])
    # The callback is already owed: not a missed call as well.
    assert not world.events.named("call.missed", call_sid=played["sid"])
    assert not world.events.named("call.transferred", call_sid=played["sid"])


async def test_after_hours_a_transfer_becomes_a_callback_when_the_spa_opens(
    world: World, agent: Agent
) -> None:
    agent.respond = agent.reply_with("Let me get the team.", voice_pb2.VOICE_ACTION_TRANSFER)

    played = await world.call("night-spa", patient(), "talk to someone", staff="accept")

    last = said(played)[-1]
    assert "Our team can't come to the phone right now." in last
    assert "shortly after 9 AM" in last
    assert not said(played, "whisper"), "staff are never rung after hours"
    [callback] = await world.events.wait_for("callback.requested", call_sid=played["sid"])
    assert callback.reason == "staff_unavailable"


async def test_silence_is_reprompted_once_then_the_call_ends_politely(
    world: World, agent: Agent
) -> None:
    played = await world.call("open-spa", patient(), "", "")

    lines = said(played)
    assert lines[1] == "Sorry, I didn't hear anything. How can I help you today?"
    assert lines[2].startswith("I'm having trouble hearing you")
    assert {"speaker": "twilio", "text": "the spa hung up"} in played["transcript"]
    assert agent.requests == []
    await world.events.wait_for("call.ended", call_sid=played["sid"])
    assert not world.events.named("call.missed", call_sid=played["sid"])


async def test_speech_too_unclear_is_asked_again_and_a_good_turn_resets_the_count(
    world: World, agent: Agent
) -> None:
    mumble = {"speech": "mmh hmm", "confidence": 0.05}
    played = await world.call("open-spa", patient(), mumble, "botox please", mumble, "bye")

    lines = said(played)
    assert lines.count("Sorry, I didn't quite catch that. Could you say it again?") == 2
    assert lines[-1] == "Thank you for calling Open Spa. Goodbye!"
    assert [agent.heard(r) for r in agent.requests] == ["botox please"]


async def test_keys_pressed_reach_the_agent(world: World, agent: Agent) -> None:
    await world.call("open-spa", patient(), {"digits": "2"})
    [request] = agent.requests
    assert request.digits == "2" and agent.heard(request) == "2"


async def test_a_caller_who_hangs_up_on_the_greeting_is_a_missed_call(
    world: World, agent: Agent
) -> None:
    caller = patient()
    played = await world.call("open-spa", caller)
    [missed] = await world.events.wait_for("call.missed", call_sid=played["sid"])
    assert missed.reason == "hung_up_on_assistant"
    assert world.cipher.open(missed.from_phone, Purpose.PHONE) == caller


async def test_staff_first_rings_the_front_desk_who_take_the_call(
    world: World, agent: Agent
) -> None:
    played = await world.call("ring-spa", patient(), staff="accept")

    assert said(played) == [], "staff answered: the assistant never spoke"
    assert {"speaker": "twilio", "text": "connected to staff"} in played["transcript"]
    await world.events.wait_for("call.ended", call_sid=played["sid"])
    assert not world.events.named("call.missed", call_sid=played["sid"])


async def test_staff_first_unanswered_the_assistant_takes_the_call_and_it_counts_as_missed(
    world: World, agent: Agent
) -> None:
    played = await world.call("ring-spa", patient(), "book a facial", "bye")

    assert "automated assistant" in said(played)[0]
    assert [agent.heard(r) for r in agent.requests] == ["book a facial"]
    [missed] = await world.events.wait_for("call.missed", call_sid=played["sid"])
    assert missed.reason == "staff_missed"


async def test_a_caller_who_hangs_up_during_the_staff_ring_is_missed(
    world: World, agent: Agent
) -> None:
    played = await world.call("ring-spa", patient(), {"hangup": True})
    [missed] = await world.events.wait_for("call.missed", call_sid=played["sid"])
    assert missed.reason == "unanswered"


async def test_a_caller_hanging_up_mid_turn_ends_the_call_cleanly(
    world: World, agent: Agent
) -> None:
    release = asyncio.Event()

    async def thinking(request: voice_pb2.VoiceTurnRequest) -> voice_pb2.VoiceTurnReply:
        await release.wait()
        return await agent.reply_with("Here is what I found.")(request)

    agent.respond = thinking
    sid, caller, spa = f"CA{patient()[1:]}midturn", patient(), world.spas["open-spa"].number
    base = {"CallSid": sid, "From": caller, "To": spa, "AccountSid": "AC" + "0" * 32}
    assert (await world.post("/twilio/voice", {**base, "CallStatus": "ringing"})).status_code == 200
    turn = asyncio.create_task(
        world.post(
            "/twilio/voice/turn?turn=1",
            {**base, "SpeechResult": "is friday open", "Confidence": "0.9"},
        )
    )
    async with asyncio.timeout(10):
        await agent.asked.wait()
    ended = await world.post(
        "/twilio/voice/status", {**base, "CallStatus": "completed", "CallDuration": "7"}
    )
    assert ended.status_code == 204
    [event] = await world.events.wait_for("call.ended", call_sid=sid)
    release.set()
    answered = await turn
    # The late turn still gets valid TwiML (Twilio discards it); nothing fails.
    assert answered.status_code == 200 and answered.text.startswith("<?xml")
    assert event.duration_seconds == 7
    assert not world.events.named("call.missed", call_sid=sid)
    [row] = await world.fetch("SELECT status, heard FROM calls WHERE call_sid = $1", sid)
    assert row["status"] == "completed" and row["heard"] is None


async def test_twilio_retrying_the_same_call_sid_starts_one_call(
    world: World, agent: Agent
) -> None:
    params = {
        "CallSid": f"CA{patient()[1:]}retry",
        "From": patient(),
        "To": world.spas["open-spa"].number,
    }
    first = await world.post("/twilio/voice", params)
    second = await world.post("/twilio/voice", params)
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    await world.post("/twilio/voice/status", {**params, "CallStatus": "completed"})
    await world.post("/twilio/voice/status", {**params, "CallStatus": "completed"})
    # Events are published in the order they were written: the end comes after any start.
    await world.events.wait_for("call.ended", call_sid=params["CallSid"])
    assert len(world.events.named("call.started", call_sid=params["CallSid"])) == 1
    assert len(world.events.named("call.ended", call_sid=params["CallSid"])) == 1


async def test_a_retried_turn_is_one_turn(world: World, agent: Agent) -> None:
    params = {
        "CallSid": f"CA{patient()[1:]}turn",
        "From": patient(),
        "To": world.spas["open-spa"].number,
    }
    await world.post("/twilio/voice", params)
    turn = {**params, "SpeechResult": "hello there", "Confidence": "0.9"}
    first = await world.post("/twilio/voice/turn?turn=1", turn)
    again = await world.post("/twilio/voice/turn?turn=1", turn)
    assert first.status_code == again.status_code == 200
    await world.post("/twilio/voice/status", {**params, "CallStatus": "completed"})
    await world.events.wait_for("call.ended", call_sid=params["CallSid"])
    assert len(world.events.named("call.turn", call_sid=params["CallSid"])) == 1
    [row] = await world.fetch(
        "SELECT turn, caller_turns FROM calls WHERE call_sid = $1", params["CallSid"]
    )
    assert (row["turn"], row["caller_turns"]) == (1, 1)


async def test_a_withheld_caller_id_is_still_answered(world: World, agent: Agent) -> None:
    answer = await world.post(
        "/twilio/voice",
        {
            "CallSid": f"CA{patient()[1:]}anon",
            "From": "anonymous",
            "To": world.spas["open-spa"].number,
        },
    )
    assert answer.status_code == 200 and "<Gather" in answer.text


async def test_a_caller_flooding_the_line_is_rejected(world: World, agent: Agent) -> None:
    caller, spa = patient(), world.spas["open-spa"].number
    answers = [
        await world.post(
            "/twilio/voice", {"CallSid": f"CA{caller[1:]}flood{n}", "From": caller, "To": spa}
        )
        for n in range(4)
    ]
    assert all(a.status_code == 200 for a in answers)
    assert ["<Reject" in a.text for a in answers] == [False, False, False, True]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/twilio/voice", {"From": "+14155550123", "To": "+14155551100"}, 400),
        ("/twilio/voice", {"CallSid": "CAx", "From": "+14155550123", "To": "not a number"}, 400),
        ("/twilio/voice", {"CallSid": "CAx", "From": "+14155550123", "To": "+12125550111"}, 404),
        ("/twilio/voice/turn?turn=1", {"CallSid": "CAnever-answered"}, 404),
        ("/twilio/voice/turn?turn=zero", {"CallSid": "CAx"}, 400),
        ("/twilio/voice/turn", {"CallSid": "CAx"}, 400),
        ("/twilio/voice/turn?turn=1", {"CallSid": "CAx", "Confidence": "high"}, 400),
        ("/twilio/voice/wait?turn=1", {"CallSid": "CAx"}, 400),
        ("/twilio/voice/whisper", {"CallSid": "CAchild"}, 400),
        ("/twilio/voice/outbound", {"CallSid": "CAx"}, 400),
        ("/twilio/voice/status", {"CallSid": "CAx"}, 400),
        (
            "/twilio/voice/status",
            {"CallSid": "CAx", "CallStatus": "completed", "CallDuration": "x"},
            400,
        ),
    ],
)
async def test_malformed_and_unknown_voice_webhooks_are_refused(
    world: World, path: str, params: dict[str, str], status: int
) -> None:
    assert (await world.post(path, params)).status_code == status


@pytest.mark.parametrize(
    "path",
    ["/twilio/voice", "/twilio/voice/turn?turn=1", "/twilio/voice/status", "/twilio/voice/whisper"],
)
async def test_unsigned_forged_and_replayed_voice_webhooks_get_403(world: World, path: str) -> None:
    params = {"CallSid": "CAforged", "From": "+14155550123", "To": world.spas["open-spa"].number}
    assert (await world.post(path, params, headers={})).status_code == 403
    assert (
        await world.post(path, params, headers={"X-Twilio-Signature": "forged"})
    ).status_code == 403
    # A real signature replayed against other fields or another URL does not pass either.
    other = world.sign(path, {**params, "From": "+14155550999"})
    assert (await world.post(path, params, headers=other)).status_code == 403
    moved = world.sign("/twilio/sms", params)
    assert (await world.post(path, params, headers=moved)).status_code == 403


async def test_an_oversized_webhook_is_refused_before_it_is_read(world: World) -> None:
    params = {"CallSid": "CAbig", "To": world.spas["open-spa"].number, "SpeechResult": "x" * 9000}
    assert (await world.post("/twilio/voice", params)).status_code == 413
