"""Webhooks arriving together: ordinary texts share one statement, and each is still its own
text (its event, its audit entry, its opt-out flag), and a retry arriving beside the original
is still one text. A turn of a call another replica answered still reaches the agent."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from telephony_harness import Agent, World, patient

from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


def text(world: World, sender: str, body: str, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "From": sender,
        "To": world.spas["open-spa"].number,
        "Body": body,
        "NumMedia": "0",
    }


async def test_a_burst_of_texts_is_each_relayed_audited_and_flagged(world: World) -> None:
    stopped = patient()
    await world.text("open-spa", stopped, "STOP")
    burst = [text(world, patient(), f"question {n}") for n in range(40)]
    burst.append(text(world, stopped, "one more question"))

    answers = await asyncio.gather(*(world.post("/twilio/sms", params) for params in burst))

    assert {answer.status_code for answer in answers} == {200}
    assert all("<Message>" not in answer.text for answer in answers)
    for params in burst:
        [relayed] = await world.events.wait_for("sms.received", message_sid=params["MessageSid"])
        assert world.cipher.open(relayed.body, Purpose.SMS_BODY) == params["Body"]
        assert world.cipher.open(relayed.from_phone, Purpose.PHONE) == params["From"]
        assert relayed.sender_opted_out == (params["From"] == stopped)
    audited = await world.fetch(
        "SELECT subject_id, fields, purpose, trace_id FROM audit_log"
        " WHERE subject_type = 'sms' AND subject_id = ANY($1)",
        [params["MessageSid"] for params in burst],
    )
    assert len(audited) == len(burst)
    assert all(row["fields"] == ["phone", "body"] and row["trace_id"] for row in audited)


async def test_twilio_retries_arriving_together_are_one_text(world: World) -> None:
    params = text(world, patient(), "can I move my facial?")

    answers = await asyncio.gather(*(world.post("/twilio/sms", params) for _ in range(6)))
    again = await world.post("/twilio/sms", params)

    assert {answer.status_code for answer in [*answers, again]} == {200}
    await world.events.wait_for("sms.received", message_sid=params["MessageSid"])
    [row] = await world.fetch(
        "SELECT (SELECT count(*) FROM outbox WHERE event_id = $2) AS events,"
        " (SELECT count(*) FROM audit_log WHERE subject_type = 'sms' AND subject_id = $1)"
        " AS audits",
        params["MessageSid"],
        f"sms-{params['MessageSid']}",
    )
    assert (row["events"], row["audits"]) == (1, 1)
    # Once the relay has marked its one row published, nothing else can follow on the bus.
    async with asyncio.timeout(10):
        while not (
            await world.fetch(
                "SELECT 1 FROM outbox WHERE event_id = $1 AND published_at IS NOT NULL",
                f"sms-{params['MessageSid']}",
            )
        ):
            await asyncio.sleep(0.02)
    assert len(world.events.named("sms.received", message_sid=params["MessageSid"])) == 1


async def test_a_turn_of_a_call_another_replica_answered_reaches_the_agent(
    world: World, agent: Agent
) -> None:
    sid, caller = f"CA{uuid.uuid4().hex}", patient()
    conn = await world.db()
    try:
        # As another replica would have left it: the call answered, no turn yet.
        await conn.execute(
            "INSERT INTO calls (call_sid, spa_id, direction, phone, phase)"
            " VALUES ($1, 'open-spa', 'inbound', $2, 'assistant')",
            sid,
            world.cipher.encrypt(caller, Purpose.PHONE),
        )
    finally:
        await conn.close()
    base = {"CallSid": sid, "From": caller, "To": world.spas["open-spa"].number}

    answer = await world.post(
        "/twilio/voice/turn?turn=1", {**base, "SpeechResult": "is friday open", "Confidence": "0.9"}
    )

    assert answer.status_code == 200 and "How can I help?" in answer.text
    [request] = agent.requests
    assert agent.heard(request) == "is friday open"
    assert world.cipher.open(request.from_phone, Purpose.PHONE) == caller
    [turn] = await world.events.wait_for("call.turn", call_sid=sid)
    assert world.cipher.open(turn.transcript, Purpose.TRANSCRIPT) == "is friday open"
    [audit] = await world.fetch(
        "SELECT fields FROM audit_log WHERE subject_type = 'call' AND subject_id = $1", sid
    )
    assert audit["fields"] == ["transcript"]


async def test_a_turn_for_a_call_that_has_ended_hangs_up_without_a_turn(
    world: World, agent: Agent
) -> None:
    caller = patient()
    sid = f"CA{uuid.uuid4().hex}"
    base = {"CallSid": sid, "From": caller, "To": world.spas["open-spa"].number}
    assert (await world.post("/twilio/voice", base)).status_code == 200
    ended = await world.post("/twilio/voice/status", {**base, "CallStatus": "completed"})
    assert ended.status_code == 204

    answer = await world.post(
        "/twilio/voice/turn?turn=1", {**base, "SpeechResult": "hello?", "Confidence": "0.9"}
    )

    assert answer.status_code == 200 and "<Hangup" in answer.text
    rows = await world.fetch("SELECT turn FROM calls WHERE call_sid = $1", sid)
    assert rows[0]["turn"] == 0
    assert not world.events.named("call.turn", call_sid=sid)


async def test_a_turn_for_a_call_nobody_answered_is_404(world: World, agent: Agent) -> None:
    base = {"CallSid": f"CA{uuid.uuid4().hex}", "From": patient()}
    base["To"] = world.spas["open-spa"].number
    answer = await world.post(
        "/twilio/voice/turn?turn=1", {**base, "SpeechResult": "hi", "Confidence": "0.9"}
    )
    assert answer.status_code == 404


async def test_a_text_is_traced_by_its_route_and_audited_in_that_trace(world: World) -> None:
    params = text(world, patient(), "is there parking?")
    assert (await world.post("/twilio/sms", params)).status_code == 200
    await world.events.wait_for("sms.received", message_sid=params["MessageSid"])
    [audit] = await world.fetch(
        "SELECT trace_id FROM audit_log WHERE subject_type = 'sms' AND subject_id = $1",
        params["MessageSid"],
    )
    traces = world.workdir / "telephony.traces.jsonl"
    spans = [json.loads(line) for line in traces.read_text().splitlines()]
    [span] = [s for s in spans if s["trace_id"] == audit["trace_id"] and s["kind"] == "SERVER"]
    assert span["name"] == "POST /twilio/sms"
    assert span["attributes"]["http.route"] == "/twilio/sms"
    assert span["attributes"]["http.response.status_code"] == 200
