"""Voice turns over real core NATS request/reply, as telephony will send them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from harness import Harness

from medspa.events.v1 import deposit_pb2
from medspa.voice.v1 import voice_pb2
from medspa_kit.crypto import Purpose
from medspa_kit.envelope import voice_turn_subject

pytestmark = pytest.mark.integration
SPA = "lumen-aesthetics"


@pytest.fixture
async def wired(harness: Harness, stack) -> AsyncIterator[tuple[Harness, nats.NATS, str]]:  # type: ignore[no-untyped-def]
    namespace = f"voice{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(stack.nats_url)
    await harness.voice.subscribe(nc, namespace, "agent-voice")
    try:
        yield harness, nc, namespace
    finally:
        await nc.drain()


class Call:
    def __init__(self, wired: tuple[Harness, nats.NATS, str], phone: str) -> None:
        self.harness, self.nc, self.namespace = wired
        self.phone = phone
        self.sid = "CA" + uuid.uuid4().hex
        self.turn = 0

    def request(self, said: str | None = None, **fields: object) -> voice_pb2.VoiceTurnRequest:
        cipher = self.harness.cipher
        request = voice_pb2.VoiceTurnRequest(
            spa_id=SPA,
            call_sid=self.sid,
            turn=self.turn,
            from_phone=cipher.seal(self.phone, Purpose.PHONE),
            **fields,
        )
        if said is not None:
            request.transcript.CopyFrom(cipher.seal(said, Purpose.TRANSCRIPT))
        return request

    async def ask(
        self, request: voice_pb2.VoiceTurnRequest
    ) -> tuple[str, voice_pb2.VoiceTurnReply]:
        self.harness._calendar_now()
        msg = await self.nc.request(
            voice_turn_subject(self.namespace, SPA), request.SerializeToString(), timeout=10
        )
        reply = voice_pb2.VoiceTurnReply.FromString(msg.data)
        said = (
            self.harness.cipher.open(reply.say, Purpose.TRANSCRIPT) if reply.HasField("say") else ""
        )
        return said, reply

    async def say(
        self, text: str | None = None, **fields: object
    ) -> tuple[str, voice_pb2.VoiceTurnReply]:
        answer = await self.ask(self.request(text, **fields))
        self.turn += 1
        return answer


def speakable(text: str) -> bool:
    return "http" not in text and "\n" not in text and "Reply" not in text and "1)" not in text


async def test_a_call_books_with_short_speakable_replies(wired, phone) -> None:
    call = Call(wired, phone)
    greeting, reply = await call.say()
    assert "automated assistant" in greeting and reply.action == voice_pb2.VOICE_ACTION_CONTINUE
    offer, reply = await call.say("yeah um i want a hydrafacial thursday afternoon")
    assert speakable(offer) and "the first" in offer and "in the afternoon" in offer
    assert "HydraFacial" in reply.speech_hints
    chosen, _ = await call.say("the second one")
    assert chosen.startswith("Great") and "name" in chosen
    policy, _ = await call.say("its maria lopez")
    assert "48 hours" in policy and "Shall I book it?" in policy and speakable(policy)
    booked, reply = await call.say("yes please")
    assert "booked" in booked and speakable(booked)
    # Never the marketing question on a call.
    assert "specials" not in booked
    assert reply.conversation_id == await wired[0].conversation_id(phone)


async def test_asking_again_for_the_same_turn_gets_the_same_answer(wired, phone) -> None:
    call = Call(wired, phone)
    await call.say()
    request = call.request("botox tomorrow morning")
    first, _ = await call.ask(request)
    second, _ = await call.ask(request)
    assert first == second
    async with wired[0].pool.acquire() as conn:
        turns = await conn.fetchval(
            "SELECT count(*) FROM turns WHERE conversation_id = $1::uuid",
            await wired[0].conversation_id(phone),
        )
    assert turns == 3  # greeting, one caller turn, one reply


async def test_silence_twice_ends_the_call_politely(wired, phone) -> None:
    call = Call(wired, phone)
    await call.say()
    first, reply = await call.say(silence=True)
    assert "didn't hear" in first and reply.action == voice_pb2.VOICE_ACTION_CONTINUE
    last, reply = await call.say(silence=True)
    assert "Goodbye" in last and reply.action == voice_pb2.VOICE_ACTION_HANGUP


async def test_urgent_symptoms_on_a_call_transfer_with_a_whisper(wired, phone) -> None:
    call = Call(wired, phone)
    await call.say()
    said, reply = await call.say("i had filler yesterday and now i have blurry vision")
    assert "911" in said and reply.action == voice_pb2.VOICE_ACTION_TRANSFER
    whisper = wired[0].cipher.open(reply.whisper, Purpose.SUMMARY)
    assert "blurry vision" in whisper and reply.handoff_id


async def test_pressing_zero_asks_for_a_person(wired, phone) -> None:
    call = Call(wired, phone)
    await call.say()
    _, reply = await call.say(digits="0")
    assert reply.handoff_id and reply.action == voice_pb2.VOICE_ACTION_TRANSFER


async def test_an_unknown_spa_gets_an_apology_not_silence(wired, phone) -> None:
    call = Call(wired, phone)
    harness, nc, namespace = wired
    msg = await nc.request(
        voice_turn_subject(namespace, "no-such-spa"),
        call.request("hi").SerializeToString(),
        timeout=10,
    )
    reply = voice_pb2.VoiceTurnReply.FromString(msg.data)
    assert reply.action == voice_pb2.VOICE_ACTION_HANGUP
    assert "trouble" in harness.cipher.open(reply.say, Purpose.TRANSCRIPT)


async def test_a_garbled_request_gets_an_apology(wired) -> None:
    _, nc, namespace = wired
    msg = await nc.request(voice_turn_subject(namespace, SPA), b"\xff\xfe not protobuf", timeout=10)
    reply = voice_pb2.VoiceTurnReply.FromString(msg.data)
    assert reply.HasField("say")


async def test_a_card_link_during_a_call_is_texted_and_the_next_reply_says_so(wired, phone) -> None:
    harness = wired[0]
    call = Call(wired, phone)
    await call.say()
    await call.say("i want a hydrafacial thursday afternoon")
    await call.say("the second one")
    await call.say("its maria lopez")
    booked, _ = await call.say("yes please")
    assert "booked" in booked
    [appt] = [a for a in harness.calendar.booked.values() if a.status == "confirmed"]
    notice = "Save a card for your HydraFacial: https://pay.example/voice-card"
    event = deposit_pb2.CardOnFileRequested(
        spa_id=SPA, deposit_id=f"card-{appt.id}", appointment_id=appt.id,
        conversation_id=await harness.conversation_id(phone),
        notice=harness.cipher.seal(notice, Purpose.SMS_BODY),
    )  # fmt: skip
    await harness.deliver(harness.booking.card_requested, event)
    assert (await harness.replies(phone))[-1] == notice
    next_reply, _ = await call.say("what's your address")
    assert "texted you a link" in next_reply and speakable(next_reply)
    again, _ = await call.say("thanks")
    assert "texted you a link" not in again
    assert (await harness.replies(phone)).count(notice) == 1
