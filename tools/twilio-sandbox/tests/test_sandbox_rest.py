"""The real twilio client against the sandbox's REST API."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sandbox_support import ACCOUNT_SID, AUTH_TOKEN, SPA, Receiver
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from twilio_sandbox.client import sandbox_client

PATIENT = "+15550142233"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_client_sends_a_message_and_the_sandbox_records_it(
    twilio: Client, http: httpx.Client, telephony: Receiver, telephony_url: str
) -> None:
    callback = f"{telephony_url}/twilio/status?spa=glow"
    message = twilio.messages.create(
        to=PATIENT, from_=SPA, body="Your facial is booked for Fri 3pm.", status_callback=callback
    )

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid or "")
    assert message.status == "queued"
    assert (message.to, message.from_, message.direction) == (PATIENT, SPA, "outbound-api")
    assert message.body == "Your facial is booked for Fri 3pm."
    assert (message.num_segments, message.num_media, message.account_sid) == ("1", "0", ACCOUNT_SID)
    assert message.date_created is not None
    assert abs(datetime.now(UTC) - message.date_created) < timedelta(minutes=1)
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"

    [recorded] = http.get("/sandbox/messages", params={"phone": PATIENT}).json()
    assert recorded["sid"] == message.sid
    assert recorded["direction"] == "outbound"
    assert (recorded["from"], recorded["to"]) == (SPA, PATIENT)
    assert recorded["body"] == "Your facial is booked for Fri 3pm."

    callbacks = telephony.wait_for(lambda got: len(got) == 2)
    assert [c.params["MessageStatus"] for c in callbacks] == ["sent", "delivered"]
    for received in callbacks:
        assert received.url == callback
        assert received.signed_by(AUTH_TOKEN)
        assert received.params["MessageSid"] == received.params["SmsSid"] == message.sid
        assert received.params["AccountSid"] == ACCOUNT_SID
        assert (received.params["To"], received.params["From"]) == (PATIENT, SPA)
    assert twilio.messages(message.sid).fetch().status == "delivered"


def test_client_places_a_call_and_the_sandbox_records_it(
    twilio: Client, http: httpx.Client
) -> None:
    call = twilio.calls.create(
        to=PATIENT,
        from_=SPA,
        url="https://telephony.example/twilio/voice/outbound",
        status_callback="https://telephony.example/twilio/voice/status",
        machine_detection="DetectMessageEnd",
    )

    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid or "")
    assert (call.status, call.to, call._from, call.direction) == (
        "queued",
        PATIENT,
        SPA,
        "outbound-api",
    )
    assert call.to_formatted == "(555) 014-2233"
    [recorded] = http.get("/sandbox/calls", params={"phone": PATIENT}).json()
    assert recorded["sid"] == call.sid
    assert recorded["url"] == "https://telephony.example/twilio/voice/outbound"
    assert recorded["status_callback"] == "https://telephony.example/twilio/voice/status"
    assert recorded["machine_detection"] == "DetectMessageEnd"
    assert twilio.calls(call.sid).fetch().sid == call.sid


# aiohttp deprecates the BasicAuth the twilio package itself passes it.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_async_client_sends_through_the_sandbox(sandbox_url: str, http: httpx.Client) -> None:
    async with AsyncTwilioHttpClient() as transport:
        client = sandbox_client(sandbox_url, ACCOUNT_SID, AUTH_TOKEN, http_client=transport)
        message = await client.messages.create_async(to=PATIENT, from_=SPA, body="Hi!")
    assert message.status == "queued"
    async with httpx.AsyncClient(base_url=sandbox_url) as phone:
        listed = (await phone.get("/sandbox/messages", params={"phone": PATIENT})).json()
    assert [m["sid"] for m in listed] == [message.sid]


def test_wrong_credentials_are_refused_like_twilio(sandbox_url: str, http: httpx.Client) -> None:
    intruder = sandbox_client(sandbox_url, ACCOUNT_SID, "not-the-token")
    with pytest.raises(TwilioRestException) as refused:
        intruder.messages.create(to=PATIENT, from_=SPA, body="hello")
    assert (refused.value.status, refused.value.code) == (401, 20003)

    anonymous = http.post(MESSAGES, data={"To": PATIENT, "From": SPA, "Body": "hi"})
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert anonymous.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    other_account = http.post(
        f"/2010-04-01/Accounts/AC{'2' * 32}/Messages.json",
        data={"To": PATIENT, "From": SPA, "Body": "hi"},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
    )
    assert other_account.status_code == 401
    assert http.get("/sandbox/messages").json() == []


@pytest.mark.parametrize("to", ["5550142233", "+1 555 014 2233", "+0123", "patient"])
def test_invalid_to_is_error_21211(twilio: Client, http: httpx.Client, to: str) -> None:
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to=to, from_=SPA, body="hello")
    assert (refused.value.status, refused.value.code) == (400, 21211)

    raw = http.post(
        MESSAGES, data={"To": to, "From": SPA, "Body": "hi"}, auth=(ACCOUNT_SID, AUTH_TOKEN)
    )
    assert raw.status_code == 400
    assert raw.json() == {
        "code": 21211,
        "message": f"The 'To' number {to} is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }
    with pytest.raises(TwilioRestException) as call_refused:
        twilio.calls.create(to=to, from_=SPA, url="https://telephony.example/voice")
    assert call_refused.value.code == 21211
    assert http.get("/sandbox/messages").json() == []
    assert http.get("/sandbox/calls").json() == []


def test_missing_fields_are_refused(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as no_sender:
        twilio.messages.create(to=PATIENT, body="hello")
    assert no_sender.value.code == 21603
    with pytest.raises(TwilioRestException) as no_body:
        twilio.messages.create(to=PATIENT, from_=SPA)
    assert no_body.value.code == 21602
    with pytest.raises(TwilioRestException) as no_twiml:
        twilio.calls.create(to=PATIENT, from_=SPA)
    assert no_twiml.value.code == 21205


def test_messaging_service_message_is_accepted_before_a_sender_is_picked(
    twilio: Client,
) -> None:
    message = twilio.messages.create(
        to=PATIENT, messaging_service_sid="MG" + "3" * 32, body="See you soon"
    )
    assert (message.status, message.from_, message.num_segments) == ("accepted", None, "0")
    assert message.messaging_service_sid == "MG" + "3" * 32


def test_long_body_reports_carrier_segments(twilio: Client) -> None:
    message = twilio.messages.create(to=PATIENT, from_=SPA, body="a" * 161)
    assert message.num_segments == "2"
    unicode = twilio.messages.create(to=PATIENT, from_=SPA, body="Merci ✨ " + "b" * 62)
    assert unicode.num_segments == "1"


def test_unknown_sid_is_404(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as missing:
        twilio.messages("SM" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as missing_call:
        twilio.calls("CA" + "0" * 32).fetch()
    assert missing_call.value.status == 404
