"""Calls played through the voice webhooks as Twilio drives them, and scripted REST failures."""

import httpx
import pytest
import requests
from sandbox_support import ACCOUNT_SID, AUTH_TOKEN, SPA, Receiver
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from twilio_sandbox.client import sandbox_client

PATIENT = "+15550163344"
STAFF = "+15550170000"


def gather(action: str, line: str, *, empty: bool = True) -> str:
    on_empty = ' actionOnEmptyResult="true"' if empty else ""
    return (
        f'<Response><Gather input="speech dtmf" action="{action}"{on_empty}>'
        f"<Say>{line}</Say></Gather></Response>"
    )


def call(http: httpx.Client, *say: object, staff: str = "no-answer") -> dict:
    response = http.post(
        "/sandbox/call", json={"from": PATIENT, "to": SPA, "say": list(say), "staff": staff}
    )
    assert response.status_code == 200, response.text
    return response.json()


def spoken(played: dict, speaker: str = "spa") -> list[str]:
    return [line["text"] for line in played["transcript"] if line["speaker"] == speaker]


def test_a_call_posts_signed_webhooks_turn_by_turn_then_the_status(
    http: httpx.Client, telephony: Receiver, telephony_url: str
) -> None:
    telephony.twiml["/twilio/voice"] = [
        gather("/twilio/voice/turn?turn=1", "Hi, virtual assistant here.")
    ]
    telephony.twiml["/twilio/voice/turn"] = [
        "<Response><Say>Booked. Bye!</Say><Hangup/></Response>"
    ]

    played = call(http, "Botox on Friday please")

    assert played["status"] == "completed" and played["direction"] == "inbound"
    assert spoken(played) == ["Hi, virtual assistant here.", "Booked. Bye!"]
    assert spoken(played, "caller") == ["Botox on Friday please"]
    answer, turn, status = telephony.wait_for(lambda got: len(got) == 3)
    assert all(r.signed_by(AUTH_TOKEN) for r in (answer, turn, status))
    assert answer.url == f"{telephony_url}/twilio/voice"
    assert answer.params["CallStatus"] == "ringing"
    assert (answer.params["From"], answer.params["To"]) == (PATIENT, SPA)
    assert answer.params["CallSid"] == played["sid"] and answer.params["AccountSid"] == ACCOUNT_SID
    assert turn.url == f"{telephony_url}/twilio/voice/turn?turn=1"
    assert turn.params["SpeechResult"] == "Botox on Friday please"
    assert 0 < float(turn.params["Confidence"]) <= 1
    assert status.url == f"{telephony_url}/twilio/voice/status"
    assert status.params["CallStatus"] == "completed"
    assert int(status.params["CallDuration"]) > 0
    assert http.get(f"/sandbox/calls/{played['sid']}").json()["transcript"] == played["transcript"]


def test_silence_keys_and_mumbles(http: httpx.Client, telephony: Receiver) -> None:
    telephony.twiml["/twilio/voice"] = [gather("/twilio/voice/turn?turn=1", "Hello?")]
    telephony.twiml["/twilio/voice/turn"] = [
        gather("/twilio/voice/turn?turn=2", "Still there?"),
        gather("/twilio/voice/turn?turn=3", "Pardon?"),
        "<Response><Hangup/></Response>",
    ]

    call(http, "", {"speech": "mmh", "confidence": 0.1}, {"digits": "1"})

    turns = [r.params for r in telephony.wait_for(lambda got: len(got) == 5)[1:4]]
    assert "SpeechResult" not in turns[0] and "Digits" not in turns[0]
    assert turns[1]["SpeechResult"] == "mmh" and float(turns[1]["Confidence"]) == pytest.approx(0.1)
    assert turns[2]["Digits"] == "1"


def test_without_action_on_empty_result_silence_falls_through(
    http: httpx.Client, telephony: Receiver
) -> None:
    telephony.twiml["/twilio/voice"] = [
        gather("/twilio/voice/turn?turn=1", "Hello?", empty=False).replace(
            "</Response>", "<Say>Goodbye.</Say></Response>"
        )
    ]

    played = call(http, "")

    assert spoken(played) == ["Hello?", "Goodbye."]
    assert [r.path for r in telephony.wait_for(lambda got: len(got) == 2)] == [
        "/twilio/voice",
        "/twilio/voice/status",
    ]


def test_redirects_are_followed_and_recording_is_noticed(
    http: httpx.Client, telephony: Receiver
) -> None:
    telephony.twiml["/twilio/voice"] = [
        '<Response><Start><Recording channels="dual"/></Start><Say>One moment.</Say>'
        '<Redirect method="POST">/twilio/voice/wait?turn=1&amp;attempt=1</Redirect></Response>'
    ]
    telephony.twiml["/twilio/voice/wait"] = ["<Response><Say>Here it is.</Say></Response>"]

    played = call(http)

    assert played["recorded"] is True
    assert spoken(played) == ["One moment.", "Here it is."]
    wait = telephony.wait_for(lambda got: len(got) == 3)[1]
    assert wait.url.endswith("/twilio/voice/wait?turn=1&attempt=1")


def test_a_caller_hanging_up_mid_turn_still_posts_the_turn_and_the_status(
    http: httpx.Client, telephony: Receiver
) -> None:
    telephony.twiml["/twilio/voice"] = [gather("/twilio/voice/turn?turn=1", "Hi")]
    telephony.twiml["/twilio/voice/turn"] = ["<Response><Say>Sure</Say></Response>"]

    played = call(http, {"speech": "never mind", "hangup": True})

    assert played["status"] == "completed"
    assert "Sure" not in spoken(played)
    paths = {r.path for r in telephony.wait_for(lambda got: len(got) == 3)}
    assert paths == {"/twilio/voice", "/twilio/voice/turn", "/twilio/voice/status"}


def transfer_twiml() -> str:
    return (
        '<Response><Say>Connecting you.</Say><Dial action="/twilio/voice/transfer" timeout="20">'
        f'<Number url="/twilio/voice/whisper">{STAFF}</Number></Dial></Response>'
    )


def whisper_twiml() -> str:
    return (
        '<Response><Gather input="dtmf" numDigits="1" action="/twilio/voice/whisper/accept">'
        "<Say>Caller wants lip filler. Press any key.</Say></Gather>"
        "<Say>We will call back.</Say><Hangup/></Response>"
    )


def test_a_warm_transfer_whispers_to_staff_who_accept_with_a_key(
    http: httpx.Client, telephony: Receiver
) -> None:
    telephony.twiml["/twilio/voice"] = [transfer_twiml()]
    telephony.twiml["/twilio/voice/whisper"] = [whisper_twiml()]
    telephony.twiml["/twilio/voice/whisper/accept"] = ["<Response/>"]
    telephony.twiml["/twilio/voice/transfer"] = ["<Response><Hangup/></Response>"]

    played = call(http, staff="accept")

    assert spoken(played, "whisper") == ["Caller wants lip filler. Press any key."]
    got = telephony.wait_for(lambda got: len(got) == 5)
    whisper, accept, done = got[1], got[2], got[3]
    assert whisper.params["ParentCallSid"] == played["sid"] and whisper.params["To"] == STAFF
    assert whisper.params["CallSid"] != played["sid"]
    assert accept.params["Digits"] == "1" and accept.params["ParentCallSid"] == played["sid"]
    assert done.path == "/twilio/voice/transfer"
    assert done.params["DialCallStatus"] == "completed"
    assert done.params["DialCallSid"] == whisper.params["CallSid"]


@pytest.mark.parametrize(
    ("staff", "dial_status"), [("no-answer", "no-answer"), ("ignore", "completed")]
)
def test_a_transfer_nobody_accepts(
    http: httpx.Client, telephony: Receiver, staff: str, dial_status: str
) -> None:
    telephony.twiml["/twilio/voice"] = [transfer_twiml()]
    telephony.twiml["/twilio/voice/whisper"] = [whisper_twiml()]
    telephony.twiml["/twilio/voice/transfer"] = [
        "<Response><Say>Nobody is free.</Say><Hangup/></Response>"
    ]

    played = call(http, staff=staff)

    assert "Nobody is free." in spoken(played)
    done = next(
        r
        for r in telephony.wait_for(lambda got: len(got) >= 3)
        if r.path == "/twilio/voice/transfer"
    )
    assert done.params["DialCallStatus"] == dial_status


def test_the_caller_hanging_up_while_staff_ring_ends_the_call(
    http: httpx.Client, telephony: Receiver
) -> None:
    telephony.twiml["/twilio/voice"] = [
        f'<Response><Dial action="/twilio/voice/staff-first" timeout="15">{STAFF}</Dial></Response>'
    ]

    call(http, {"hangup": True})

    assert [r.path for r in telephony.wait_for(lambda got: len(got) == 2)] == [
        "/twilio/voice",
        "/twilio/voice/status",
    ]


def test_a_rejected_call_reports_busy(http: httpx.Client, telephony: Receiver) -> None:
    telephony.twiml["/twilio/voice"] = ['<Response><Reject reason="busy"/></Response>']
    assert call(http)["status"] == "busy"


def test_a_placed_call_is_answered_by_the_expected_callee(
    http: httpx.Client, twilio: Client, telephony: Receiver, telephony_url: str
) -> None:
    http.post("/sandbox/callee", json={"phone": PATIENT, "answered_by": "machine_end_beep"})
    telephony.twiml["/twilio/voice/outbound"] = [
        "<Response><Say>Please call us back.</Say><Hangup/></Response>"
    ]

    placed = twilio.calls.create(
        to=PATIENT,
        from_=SPA,
        url=f"{telephony_url}/twilio/voice/outbound?cid=c1",
        status_callback=f"{telephony_url}/twilio/voice/status?cid=c1",
        machine_detection="DetectMessageEnd",
    )

    url_request, status = telephony.wait_for(lambda got: len(got) == 2)
    assert url_request.params["AnsweredBy"] == "machine_end_beep"
    assert url_request.params["CallSid"] == placed.sid
    assert url_request.params["Direction"] == "outbound-api"
    assert status.url.endswith("/twilio/voice/status?cid=c1")
    assert status.params["CallStatus"] == "completed"
    assert status.params["AnsweredBy"] == "machine_end_beep"
    recorded = http.get(f"/sandbox/calls/{placed.sid}").json()
    assert recorded["transcript"][0] == {"speaker": "spa", "text": "Please call us back."}


def test_a_placed_call_nobody_answers(
    http: httpx.Client, twilio: Client, telephony: Receiver, telephony_url: str
) -> None:
    http.post("/sandbox/callee", json={"phone": PATIENT, "answered_by": "no-answer"})
    placed = twilio.calls.create(
        to=PATIENT,
        from_=SPA,
        url=f"{telephony_url}/twilio/voice/outbound",
        status_callback=f"{telephony_url}/twilio/voice/status",
    )
    [status] = telephony.wait_for(lambda got: len(got) == 1)
    assert status.path == "/twilio/voice/status"
    assert status.params["CallStatus"] == "no-answer"
    assert twilio.calls(placed.sid).fetch().status == "no-answer"


def test_scripted_failures_then_success(http: httpx.Client, twilio: Client) -> None:
    http.post(
        "/sandbox/faults",
        json={"resource": "Messages", "faults": [{"status": 429}, {"status": 500}]},
    ).raise_for_status()
    statuses = []
    for _ in range(2):
        with pytest.raises(TwilioRestException) as failure:
            twilio.messages.create(to=PATIENT, from_=SPA, body="hi")
        statuses.append(failure.value.status)
    assert statuses == [429, 500]
    sent = twilio.messages.create(to=PATIENT, from_=SPA, body="hi")
    assert sent.status == "queued"
    assert [m["sid"] for m in http.get("/sandbox/messages", params={"phone": PATIENT}).json()] == [
        sent.sid
    ]


def test_a_late_answer_times_the_client_out_but_the_message_is_sent(
    http: httpx.Client, sandbox_url: str
) -> None:
    http.post(
        "/sandbox/faults", json={"resource": "Messages", "faults": [{"delay": 1.5}]}
    ).raise_for_status()
    impatient = sandbox_client(
        sandbox_url, ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=0.3)
    )
    with pytest.raises(requests.ReadTimeout):
        impatient.messages.create(to=PATIENT, from_=SPA, body="did this go?")
    [found] = impatient.messages.list(to=PATIENT, from_=SPA, limit=5)
    assert found.body == "did this go?"


def test_lists_filter_by_number_newest_first(http: httpx.Client, twilio: Client) -> None:
    first = twilio.messages.create(to=PATIENT, from_=SPA, body="one")
    second = twilio.messages.create(to=PATIENT, from_=SPA, body="two")
    twilio.messages.create(to="+15550160000", from_=SPA, body="someone else")
    assert [m.sid for m in twilio.messages.list(to=PATIENT, from_=SPA)] == [second.sid, first.sid]
    call_sid = twilio.calls.create(to=PATIENT, from_=SPA, url="https://x.example/v").sid
    assert [c.sid for c in twilio.calls.list(to=PATIENT)] == [call_sid]


def test_bad_call_requests_are_refused(http: httpx.Client) -> None:
    assert http.post("/sandbox/call", json={"from": "12", "to": SPA}).status_code == 422
    assert (
        http.post("/sandbox/faults", json={"resource": "Messages", "faults": [{"status": 404}]})
    ).status_code == 422


def test_a_live_call_goes_one_caller_step_at_a_time(
    http: httpx.Client, telephony: Receiver
) -> None:
    telephony.twiml["/twilio/voice"] = [gather("/twilio/voice/turn?turn=1", "Hi, how can I help?")]
    telephony.twiml["/twilio/voice/turn"] = [
        gather("/twilio/voice/turn?turn=2", "Friday at 3?"),
        "<Response><Say>Booked, bye!</Say><Hangup/></Response>",
    ]

    started = http.post("/sandbox/calls/live", json={"from": PATIENT, "to": SPA}).json()
    assert (started["status"], started["ended"]) == ("in-progress", False)
    assert started["transcript"] == [{"speaker": "spa", "text": "Hi, how can I help?"}]

    first = http.post(f"/sandbox/calls/live/{started['sid']}", json={"speech": "a facial"}).json()
    assert first["transcript"] == [
        {"speaker": "caller", "text": "a facial"},
        {"speaker": "spa", "text": "Friday at 3?"},
    ]
    second = http.post(f"/sandbox/calls/live/{started['sid']}", json={"speech": "yes"}).json()
    assert second["ended"] is True and second["status"] == "completed"
    assert {"speaker": "spa", "text": "Booked, bye!"} in second["transcript"]
    paths = [r.path for r in telephony.wait_for(lambda got: len(got) == 4)]
    assert paths[-1] == "/twilio/voice/status"
    assert http.post("/sandbox/calls/live/CAnope", json={"speech": "hi"}).status_code == 404


def test_hanging_up_a_live_call(http: httpx.Client, telephony: Receiver) -> None:
    telephony.twiml["/twilio/voice"] = [gather("/twilio/voice/turn?turn=1", "Hello?")]
    started = http.post("/sandbox/calls/live", json={"from": PATIENT, "to": SPA}).json()
    ended = http.post(f"/sandbox/calls/live/{started['sid']}", json={"hangup": True}).json()
    assert ended["ended"] is True
    assert telephony.wait_for(lambda got: len(got) == 2)[-1].params["CallStatus"] == "completed"
