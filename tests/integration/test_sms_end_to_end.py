"""One text answered end to end, through real services on real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid

import asyncpg
import httpx
import nats
import pytest
from twilio.request_validator import RequestValidator

from medspa.events.v1 import telephony_pb2
from medspa_kit import outbox
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.envelope import Envelope
from medspa_kit.streams import stream_names
from tests.integration.system import SANDBOX_SID, SANDBOX_TOKEN, System

pytestmark = pytest.mark.integration

SPA_NUMBER = "+14155550100"
SPA_ID = "lumen-aesthetics"


def patient() -> str:
    """A fresh patient number per test, so conversations never mix."""
    return f"+1415555{uuid.uuid4().int % 10000:04d}"


async def sandbox_text(system: System, phone: str, body: str) -> dict:
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.post(
            f"{system['sandbox'].url}/sandbox/sms",
            json={"from": phone, "to": SPA_NUMBER, "body": body},
        )
    reply.raise_for_status()
    return reply.json()


async def conversation(system: System, phone: str) -> list[dict]:
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.get(
            f"{system['sandbox'].url}/sandbox/messages", params={"phone": phone}
        )
    reply.raise_for_status()
    return reply.json()


async def replies(system: System, phone: str, count: int = 1, seconds: float = 30.0) -> list[dict]:
    async with asyncio.timeout(seconds):
        while True:
            outbound = [
                m for m in await conversation(system, phone) if m["direction"] == "outbound"
            ]
            if len(outbound) >= count:
                return outbound
            await asyncio.sleep(0.1)


async def outbound_count(system: System, phone: str) -> int:
    return len([m for m in await conversation(system, phone) if m["direction"] == "outbound"])


async def pipeline_settled(stack, namespace: str) -> None:
    """Wait until the agent has acked every text delivered to it and telephony every send
    command, so the absence of a second reply is a fact, not a guess about timing."""
    names = stream_names(namespace)
    consumers = ((names.events, "agent-sms-received"), (names.commands, "telephony-message-send"))
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        async with asyncio.timeout(30):
            for stream, durable in consumers:
                while True:
                    info = await js.consumer_info(stream, durable)
                    if info.num_pending == 0 and info.num_ack_pending == 0:
                        break
                    await asyncio.sleep(0.1)
    finally:
        await nc.close()


def signed_form(system: System, path: str, params: dict[str, str]) -> dict[str, str]:
    url = system["telephony"].url + path
    return {"X-Twilio-Signature": RequestValidator(SANDBOX_TOKEN).compute_signature(url, params)}


def sms_params(phone: str, body: str, to: str = SPA_NUMBER) -> dict[str, str]:
    sid = "SM" + uuid.uuid4().hex
    return {
        "MessageSid": sid, "SmsSid": sid, "AccountSid": SANDBOX_SID, "From": phone, "To": to,
        "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01",
    }  # fmt: skip


async def post_webhook(
    system: System, params: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{system['telephony'].url}/twilio/sms", data=params, headers=headers
        )


async def test_a_text_is_answered_with_real_services_and_openings(system: System) -> None:
    phone = patient()
    sent = await sandbox_text(system, phone, "Hi there!")
    assert sent["webhook_status"] == 200
    [reply] = await replies(system, phone)
    assert reply["from"] == SPA_NUMBER and reply["to"] == phone
    # The demo spa's own greeting, its real menu and a real opening from the scheduler.
    assert "automated" in reply["body"].lower()
    assert "next opening" in reply["body"].lower()
    assert " with " in reply["body"]


async def test_naming_a_treatment_offers_concrete_slots(system: System) -> None:
    phone = patient()
    await sandbox_text(system, phone, "something for my forehead lines")
    [reply] = await replies(system, phone)
    assert "1)" in reply["body"] and "Reply 1, 2 or 3" in reply["body"]


async def test_one_trace_spans_telephony_agent_and_scheduler(system: System) -> None:
    phone = patient()
    await sandbox_text(system, phone, "hello")
    await replies(system, phone)

    def spans(name: str) -> list[dict]:
        path = system.trace_file(name)
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    async with asyncio.timeout(10):
        while True:
            webhook_traces = {s["trace_id"] for s in spans("telephony") if s["kind"] == "SERVER"}
            agent_traces = {s["trace_id"] for s in spans("agent")}
            scheduler_traces = {s["trace_id"] for s in spans("scheduler") if s["kind"] == "SERVER"}
            shared = webhook_traces & agent_traces & scheduler_traces
            if shared:
                break
            await asyncio.sleep(0.2)
    # The reply's send, back in telephony, belongs to the same trace.
    sends = {s["trace_id"] for s in spans("telephony") if s["name"] == "message.send process"}
    assert shared & sends


async def test_a_bad_signature_gets_403_and_publishes_nothing(
    system: System, stack, bus_namespace: str
) -> None:
    phone = patient()
    params = sms_params(phone, "hello")
    for headers in (
        {},
        {"X-Twilio-Signature": "forged"},
        signed_form(system, "/twilio/sms", {**params, "Body": "other"}),
    ):
        response = await post_webhook(system, params, headers)
        assert response.status_code == 403
    # A correctly signed text from the same phone gets exactly one reply: nothing
    # from the refused ones ever reached the agent.
    good = sms_params(phone, "hello")
    assert (
        await post_webhook(system, good, signed_form(system, "/twilio/sms", good))
    ).status_code == 200
    await replies(system, phone)
    await pipeline_settled(stack, bus_namespace)
    assert await outbound_count(system, phone) == 1


async def test_a_malformed_webhook_gets_400(system: System) -> None:
    params = sms_params(patient(), "hello")
    del params["From"]
    response = await post_webhook(system, params, signed_form(system, "/twilio/sms", params))
    assert response.status_code == 400
    assert "From" in response.text
    bad_phone = {**sms_params(patient(), "hi"), "From": "not-a-number"}
    response = await post_webhook(system, bad_phone, signed_form(system, "/twilio/sms", bad_phone))
    assert response.status_code == 400


async def test_an_unknown_number_is_refused_and_logged_without_the_body(system: System) -> None:
    secret = f"my private words {uuid.uuid4().hex}"
    params = sms_params(patient(), secret, to="+12125550111")
    response = await post_webhook(system, params, signed_form(system, "/twilio/sms", params))
    assert response.status_code == 404
    log = system["telephony"].log_text()
    assert params["MessageSid"] in log
    assert secret not in log and params["From"] not in log


async def test_twilio_retrying_the_same_message_sid_gets_one_reply(
    system: System, stack, bus_namespace: str
) -> None:
    phone = patient()
    params = sms_params(phone, "hello")
    headers = signed_form(system, "/twilio/sms", params)
    for _ in range(3):
        assert (await post_webhook(system, params, headers)).status_code == 200
    await replies(system, phone)
    await pipeline_settled(stack, bus_namespace)
    assert await outbound_count(system, phone) == 1


async def test_a_redelivered_event_changes_nothing(
    system: System, stack, bus_namespace: str
) -> None:
    phone = patient()
    cipher = FieldCipher(dev_keyring(system.workdir / "field-keys.json"))
    event = telephony_pb2.SmsReceived(
        spa_id=SPA_ID,
        message_sid="SM" + uuid.uuid4().hex,
        from_phone=cipher.seal(phone, Purpose.PHONE),
        body=cipher.seal("hello", Purpose.SMS_BODY),
    )
    envelope = Envelope.wrap(SPA_ID, event, "test")
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        for _ in range(3):
            # New Nats-Msg-Id each time: past JetStream's de-duplication, only the inbox stops it.
            headers = {**envelope.headers(), "Nats-Msg-Id": str(uuid.uuid4())}
            await js.publish(envelope.subject(bus_namespace), envelope.payload, headers=headers)
    finally:
        await nc.close()
    await replies(system, phone)
    await pipeline_settled(stack, bus_namespace)
    assert await outbound_count(system, phone) == 1


async def test_an_event_written_before_a_crash_is_published_after_restart(
    system: System, database_url: str, bus_namespace: str
) -> None:
    phone = patient()
    telephony = system["telephony"]
    telephony.stop(signal.SIGKILL)
    cipher = FieldCipher(dev_keyring(system.workdir / "field-keys.json"))
    event = telephony_pb2.SmsReceived(
        spa_id=SPA_ID,
        message_sid="SM" + uuid.uuid4().hex,
        from_phone=cipher.seal(phone, Purpose.PHONE),
        body=cipher.seal("hello", Purpose.SMS_BODY),
    )
    # The state a webhook commits: its outbox row, written but never published.
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET search_path TO telephony")
        await outbox.record(conn, Envelope.wrap(SPA_ID, event, "telephony"), bus_namespace)
    finally:
        await conn.close()
    telephony.start()
    await telephony.wait_ready()
    [reply] = await replies(system, phone)
    assert reply["to"] == phone
