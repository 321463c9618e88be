"""Calls the spa places (cmd.call.place): a person talks with the assistant, a machine hears
only the spa's name and number."""

from __future__ import annotations

import uuid

import pytest
from telephony_harness import Agent, World, patient

from medspa.commands.v1 import commands_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration

SCRIPT = "Hi, this is the virtual assistant at Open Spa about your visit with Sofia on Friday."


def place(world: World, to: str, command_id: str | None = None) -> commands_pb2.PlaceCall:
    return commands_pb2.PlaceCall(
        spa_id="open-spa",
        command_id=command_id or f"call-{uuid.uuid4()}",
        to_phone=world.seal(to, Purpose.PHONE),
        script=SCRIPT,
        purpose="missed_call_callback",
    )


async def placed_call(world: World, phone: str) -> dict:
    [call] = await world.sandbox("GET", "/sandbox/calls", params={"phone": phone})
    return call


async def test_a_person_hears_the_script_and_talks_with_the_assistant(
    world: World, agent: Agent
) -> None:
    phone = patient()
    await world.sandbox(
        "POST",
        "/sandbox/callee",
        json={"phone": phone, "answered_by": "human", "say": ["yes, friday works", "bye"]},
    )
    command = place(world, phone)
    await world.command("open-spa", command)

    [ended] = await world.events.wait_for("call.ended", command_id=command.command_id)
    assert (ended.direction, ended.answered_by, ended.status) == ("outbound", "human", "completed")
    call = await placed_call(world, phone)
    assert call["machine_detection"] == "DetectMessageEnd"
    assert call["from"] == world.spas["open-spa"].number
    spoken = [line["text"] for line in call["transcript"] if line["speaker"] == "spa"]
    assert spoken[0] == SCRIPT
    assert [agent.heard(r) for r in agent.requests] == ["yes, friday works"]
    assert world.cipher.open(agent.requests[0].from_phone, Purpose.PHONE) == phone
    assert not world.events.named("call.missed", call_sid=ended.call_sid)


async def test_a_voicemail_gets_only_the_spas_name_and_number(world: World, agent: Agent) -> None:
    phone = patient()
    await world.sandbox(
        "POST", "/sandbox/callee", json={"phone": phone, "answered_by": "machine_end_beep"}
    )
    command = place(world, phone)
    await world.command("open-spa", command)

    [ended] = await world.events.wait_for("call.ended", command_id=command.command_id)
    assert ended.answered_by == "machine_end_beep"
    call = await placed_call(world, phone)
    [message] = [line["text"] for line in call["transcript"] if line["speaker"] == "spa"]
    assert message == (
        "Hello, this is Open Spa calling. Please call us back at 4 1 5, 5 5 5, 1 1 0 0. "
        "Thank you, goodbye."
    )
    assert "Sofia" not in message and "Friday" not in message
    assert agent.requests == []


async def test_a_call_nobody_answers_is_reported_ended(world: World) -> None:
    phone = patient()
    await world.sandbox(
        "POST", "/sandbox/callee", json={"phone": phone, "answered_by": "no-answer"}
    )
    command = place(world, phone)
    await world.command("open-spa", command)
    [ended] = await world.events.wait_for("call.ended", command_id=command.command_id)
    assert (ended.status, ended.direction) == ("no-answer", "outbound")


async def test_the_same_command_places_one_call_even_through_a_flaky_twilio(
    world: World,
) -> None:
    phone = patient()
    await world.sandbox(
        "POST", "/sandbox/faults", json={"resource": "Calls", "faults": [{"status": 429}]}
    )
    command = place(world, phone)
    envelopes = [str(uuid.uuid4()), str(uuid.uuid4())]
    for envelope_id in envelopes:
        # Two envelopes carrying one command: only the command id can tell they are one call.
        await world.command("open-spa", command, envelope_id=envelope_id)
    await world.wait_handled(envelopes)
    [row] = await world.fetch(
        "SELECT state, call_sid FROM placed_calls WHERE command_id = $1", command.command_id
    )
    calls = await world.sandbox("GET", "/sandbox/calls", params={"phone": phone})
    assert row["state"] == "placed" and [c["sid"] for c in calls] == [row["call_sid"]]


async def test_an_invalid_number_is_refused_and_reported(world: World) -> None:
    command = place(world, "+14155550123")
    command.to_phone.CopyFrom(world.seal("12", Purpose.PHONE))
    await world.command("open-spa", command)
    [ended] = await world.events.wait_for("call.ended", command_id=command.command_id)
    assert (ended.status, ended.call_sid) == ("failed", "")
