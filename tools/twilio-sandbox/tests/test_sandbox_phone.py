"""The patient's phone: inbound texts become signed webhooks; the conversation is listable."""

import asyncio
import logging
import socket
from datetime import datetime

import httpx
import pytest
from pydantic import SecretStr
from sandbox_support import ACCOUNT_SID, AUTH_TOKEN, SPA, Receiver
from twilio.rest import Client

from twilio_sandbox.app import create_app
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.testing import serve_in_thread

PATIENT = "+15550167788"


def text(http: httpx.Client, body: str, sender: str = PATIENT) -> httpx.Response:
    return http.post("/sandbox/sms", json={"from": sender, "to": SPA, "body": body})


def test_inbound_text_posts_a_signed_twilio_webhook(
    http: httpx.Client, telephony: Receiver, telephony_url: str
) -> None:
    sent = text(http, "Can I book Botox on Friday?")

    assert sent.status_code == 200
    assert sent.json() == {"sid": sent.json()["sid"], "webhook_status": 200}
    [webhook] = telephony.wait_for(lambda got: len(got) == 1)
    assert webhook.path == "/twilio/sms"
    assert webhook.url == f"{telephony_url}/twilio/sms"
    assert webhook.signed_by(AUTH_TOKEN)
    assert not webhook.signed_by("another-token")
    sid = sent.json()["sid"]
    assert sid.startswith("SM") and len(sid) == 34
    assert webhook.params == {
        "ToCountry": "US",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": "Can I book Botox on Friday?",
        "FromCountry": "US",
        "To": SPA,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": PATIENT,
        "ApiVersion": "2010-04-01",
    }
    [recorded] = http.get("/sandbox/messages", params={"phone": PATIENT}).json()
    assert recorded["sid"] == sid
    assert (recorded["direction"], recorded["status"]) == ("inbound", "received")
    assert (recorded["from"], recorded["to"]) == (PATIENT, SPA)


def test_signature_covers_unicode_bodies(http: httpx.Client, telephony: Receiver) -> None:
    text(http, "Merci beaucoup ✨ à vendredi")
    [webhook] = telephony.wait_for(lambda got: len(got) == 1)
    assert webhook.params["Body"] == "Merci beaucoup ✨ à vendredi"
    assert webhook.signed_by(AUTH_TOKEN)


def test_twiml_reply_is_sent_back_to_the_phone(
    http: httpx.Client, telephony: Receiver, telephony_url: str
) -> None:
    telephony.sms_reply = (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Message action="/twilio/status">You are unsubscribed. Reply START to resume.</Message>'
        "</Response>"
    )
    inbound = text(http, "STOP").json()["sid"]

    conversation = http.get("/sandbox/messages", params={"phone": PATIENT}).json()
    assert [(m["sid"] == inbound, m["direction"], m["body"]) for m in conversation] == [
        (True, "inbound", "STOP"),
        (False, "outbound", "You are unsubscribed. Reply START to resume."),
    ]
    assert (conversation[1]["from"], conversation[1]["to"]) == (SPA, PATIENT)
    # A relative action URL resolves against the webhook URL, as Twilio resolves it.
    statuses = telephony.wait_for(lambda got: sum(r.path == "/twilio/status" for r in got) == 2)
    for callback in (r for r in statuses if r.path == "/twilio/status"):
        assert callback.url == f"{telephony_url}/twilio/status"
        assert callback.params["MessageSid"] == conversation[1]["sid"]
        assert callback.signed_by(AUTH_TOKEN)


def test_unreachable_telephony_is_502_and_not_delivered() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    settings = SandboxSettings(
        sandbox_webhook_base=f"http://127.0.0.1:{free_port}",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=SecretStr(AUTH_TOKEN),
    )
    with serve_in_thread(create_app(settings)) as sandbox, httpx.Client(base_url=sandbox) as http:
        refused = text(http, "Hello?")
        listed = http.get("/sandbox/messages", params={"phone": PATIENT}).json()

    assert refused.status_code == 502
    assert "telephony is unreachable" in refused.json()["error"]
    assert [(m["sid"], m["status"]) for m in listed] == [(refused.json()["sid"], "undelivered")]


def test_conversation_is_listed_in_order_and_polled_with_after(
    http: httpx.Client, twilio: Client, telephony: Receiver
) -> None:
    first = text(http, "Hi, do you have Saturday openings?").json()["sid"]
    second = twilio.messages.create(to=PATIENT, from_=SPA, body="Yes: 10am or 2pm.").sid
    text(http, "Someone else", sender="+15550199999")
    third = text(http, "2pm please").json()["sid"]
    fourth = twilio.messages.create(to=PATIENT, from_=SPA, body="Booked for 2pm.").sid

    conversation = http.get("/sandbox/messages", params={"phone": PATIENT}).json()
    assert [(m["sid"], m["direction"]) for m in conversation] == [
        (first, "inbound"),
        (second, "outbound"),
        (third, "inbound"),
        (fourth, "outbound"),
    ]
    assert all(datetime.fromisoformat(m["at"]).tzinfo is not None for m in conversation)
    assert [m["at"] for m in conversation] == sorted(m["at"] for m in conversation)

    newer = http.get("/sandbox/messages", params={"phone": PATIENT, "after": second}).json()
    assert [m["sid"] for m in newer] == [third, fourth]
    assert http.get("/sandbox/messages", params={"phone": PATIENT, "after": fourth}).json() == []


async def test_a_long_poll_answers_when_the_reply_lands(
    sandbox_url: str, http: httpx.Client, twilio: Client, telephony: Receiver
) -> None:
    asked = text(http, "Any openings Friday?").json()["sid"]
    query = {"phone": PATIENT, "after": asked, "wait": 10}
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=15) as phone:
        waiting = asyncio.create_task(phone.get("/sandbox/messages", params=query))
        # Nothing new: the answer is held (a window in which an early answer would show).
        answered, _ = await asyncio.wait({waiting}, timeout=0.2)
        assert not answered and not waiting.done()
        # Another patient's message does not answer this phone's poll.
        await asyncio.to_thread(
            twilio.messages.create, to="+15550100002", from_=SPA, body="Not for you"
        )
        answered, _ = await asyncio.wait({waiting}, timeout=0.2)
        assert not answered and not waiting.done()
        reply = await asyncio.to_thread(
            twilio.messages.create, to=PATIENT, from_=SPA, body="Friday at 2?"
        )
        listed = (await asyncio.wait_for(waiting, 5)).json()
    assert [(m["sid"], m["body"]) for m in listed] == [(reply.sid, "Friday at 2?")]


def test_a_long_poll_with_nothing_new_answers_empty_when_its_wait_is_up(
    http: httpx.Client, telephony: Receiver
) -> None:
    asked = text(http, "Hello?").json()["sid"]
    query = {"phone": PATIENT, "after": asked, "wait": 0.3}
    assert http.get("/sandbox/messages", params=query).json() == []
    # Something already there answers at once, wait or not.
    assert len(http.get("/sandbox/messages", params={"phone": PATIENT, "wait": 30}).json()) == 1


def test_a_long_poll_is_bounded(http: httpx.Client) -> None:
    refused = http.get("/sandbox/messages", params={"phone": PATIENT, "wait": 600})
    assert refused.status_code == 422


@pytest.mark.parametrize(
    "query", [f"phone=%2B{PATIENT[1:]}", f"phone=+{PATIENT[1:]}", f"phone={PATIENT[1:]}"]
)
def test_phone_query_accepts_a_plus_decoded_as_space(
    http: httpx.Client, telephony: Receiver, query: str
) -> None:
    sid = text(http, "Hello").json()["sid"]
    assert [m["sid"] for m in http.get(f"/sandbox/messages?{query}").json()] == [sid]


def test_clearing_forgets_everything(http: httpx.Client, telephony: Receiver) -> None:
    old = text(http, "Old news").json()["sid"]
    assert http.delete("/sandbox/messages").status_code == 204
    assert http.get("/sandbox/messages", params={"phone": PATIENT}).json() == []
    fresh = text(http, "Fresh start").json()["sid"]
    # A poller whose cursor was cleared away sees everything newer than it: all of it.
    listed = http.get("/sandbox/messages", params={"phone": PATIENT, "after": old}).json()
    assert [m["sid"] for m in listed] == [fresh]


def test_calls_are_listed_per_phone(http: httpx.Client, twilio: Client) -> None:
    mine = twilio.calls.create(to=PATIENT, from_=SPA, twiml="<Response><Say>Hi</Say></Response>")
    twilio.calls.create(to="+15550199999", from_=SPA, url="https://telephony.example/voice")

    [listed] = http.get("/sandbox/calls", params={"phone": PATIENT}).json()
    assert (listed["sid"], listed["status"], listed["from"]) == (mine.sid, "queued", SPA)
    assert listed["twiml"] == "<Response><Say>Hi</Say></Response>"
    assert len(http.get("/sandbox/calls").json()) == 2


def test_invalid_phone_text_is_rejected(http: httpx.Client) -> None:
    assert (
        http.post("/sandbox/sms", json={"from": "555", "to": SPA, "body": "x"}).status_code == 422
    )


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health(http: httpx.Client, path: str) -> None:
    answer = http.get(path)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_logs_carry_no_bodies_or_numbers(
    http: httpx.Client,
    twilio: Client,
    telephony: Receiver,
    telephony_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="twilio_sandbox")
    text(http, "My secret question")
    sent = twilio.messages.create(
        to=PATIENT, from_=SPA, body="A private answer", status_callback=f"{telephony_url}/status"
    )
    telephony.wait_for(lambda got: sum(r.path == "/status" for r in got) == 2)

    ours = [r.getMessage() for r in caplog.records if r.name.startswith("twilio_sandbox")]
    assert any(sent.sid in line for line in ours)
    for line in ours:
        for secret in ("secret", "private", PATIENT, PATIENT[1:], SPA[1:]):
            assert secret not in line
