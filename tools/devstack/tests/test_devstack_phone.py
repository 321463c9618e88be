import io
import json
from collections.abc import AsyncIterator

import httpx

from devstack.phone import PhoneSettings, run_phone, stdin_lines

PATIENT, SPA = "+14155550123", "+14155550100"


class FakeSandbox:
    """The sandbox's two phone endpoints, with a spa that answers each text on the next poll."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.posted: list[dict[str, str]] = []
        self._owed: list[str] = []

    def record(self, direction: str, body: str) -> str:
        sid = f"SM{len(self.messages):032d}"
        to, sender = (SPA, PATIENT) if direction == "inbound" else (PATIENT, SPA)
        self.messages.append(
            {"sid": sid, "direction": direction, "from": sender, "to": to, "body": body,
             "at": "2026-01-01T00:00:00Z", "status": "received"}
        )  # fmt: skip
        return sid

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/sandbox/sms":
            text = json.loads(request.content)
            self.posted.append(text)
            self._owed.append(f"You said: {text['body']}")
            return httpx.Response(
                200, json={"sid": self.record("inbound", text["body"]), "webhook_status": 200}
            )
        assert request.url.path == "/sandbox/messages"
        assert request.url.params["phone"] == PATIENT
        while self._owed:
            self.record("outbound", self._owed.pop(0))
        after = request.url.params.get("after")
        sids = [m["sid"] for m in self.messages]
        start = sids.index(after) + 1 if after in sids else 0
        return httpx.Response(200, json=self.messages[start:])


def settings(interactive: bool = False) -> PhoneSettings:
    return PhoneSettings(
        sandbox_url="http://sandbox.test",
        patient=PATIENT,
        spa=SPA,
        interactive=interactive,
        reply_wait=5.0,
        settle=0.1,
        poll_interval=0.01,
    )


async def lines_of(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text + "\n"


async def test_a_piped_script_reads_as_a_conversation_and_skips_old_history() -> None:
    sandbox = FakeSandbox()
    sandbox.record("outbound", "an old text from yesterday")
    out, err = io.StringIO(), io.StringIO()

    code = await run_phone(
        settings(),
        lines_of("Hi", "", "Botox on Friday?"),
        out,
        err,
        httpx.MockTransport(sandbox.handle),
    )

    assert code == 0
    assert out.getvalue().splitlines() == [
        "you> Hi",
        "spa> You said: Hi",
        "you> Botox on Friday?",
        "spa> You said: Botox on Friday?",
    ]
    assert sandbox.posted == [
        {"from": PATIENT, "to": SPA, "body": "Hi"},
        {"from": PATIENT, "to": SPA, "body": "Botox on Friday?"},
    ]
    assert err.getvalue() == ""


async def test_at_end_of_input_it_waits_for_the_pending_reply_then_exits() -> None:
    sandbox = FakeSandbox()
    out = io.StringIO()

    await run_phone(
        settings(interactive=True),
        lines_of("Hello"),
        out,
        io.StringIO(),
        httpx.MockTransport(sandbox.handle),
    )

    assert out.getvalue().splitlines()[-1] == "spa> You said: Hello"


async def test_a_spa_that_never_answers_is_given_up_on_at_the_deadline() -> None:
    def silent(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"sid": "SM1", "webhook_status": 200})
        return httpx.Response(200, json=[])

    err = io.StringIO()
    quick = PhoneSettings(
        "http://sandbox.test", PATIENT, SPA, False, reply_wait=0.2, poll_interval=0.01
    )

    assert (
        await run_phone(quick, lines_of("Anyone?"), io.StringIO(), err, httpx.MockTransport(silent))
        == 0
    )
    assert err.getvalue().count("(no reply within 0s)") == 1  # not waited for again at the end


async def test_an_undelivered_text_says_why() -> None:
    def telephony_down(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(502, json={"sid": "SM1", "error": "telephony is unreachable"})
        return httpx.Response(200, json=[])

    err = io.StringIO()
    quick = PhoneSettings(
        "http://sandbox.test", PATIENT, SPA, False, reply_wait=0.05, poll_interval=0.01
    )

    await run_phone(quick, lines_of("Hi"), io.StringIO(), err, httpx.MockTransport(telephony_down))

    assert "(not delivered: telephony is unreachable)" in err.getvalue()


async def test_without_a_sandbox_it_says_so_and_fails() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    err = io.StringIO()

    code = await run_phone(
        settings(), lines_of("Hi"), io.StringIO(), err, httpx.MockTransport(refused)
    )

    assert code == 1
    assert "the Twilio sandbox is not answering at http://sandbox.test" in err.getvalue()


async def test_stdin_lines_reads_a_stream_to_its_end() -> None:
    assert [line async for line in stdin_lines(io.StringIO("one\ntwo\n"))] == ["one\n", "two\n"]


class FakeCalls(FakeSandbox):
    """Adds the sandbox's live-call endpoints: the spa greets, then echoes each step."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[dict[str, object]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/sandbox/calls/live":
            assert json.loads(request.content) == {"from": PATIENT, "to": SPA}
            said = [{"speaker": "spa", "text": "Thanks for calling. How can I help?"}]
            return httpx.Response(200, json=live("in-progress", said))
        if path.startswith("/sandbox/calls/live/CA1"):
            step = json.loads(request.content)
            self.steps.append(step)
            if step.get("hangup"):
                return httpx.Response(200, json=live("completed", []))
            heard = step.get("speech") or f"keys {step.get('digits')}" or "silence"
            return httpx.Response(200, json=live("in-progress", [{"speaker": "caller", "text": "x"},
                                                                  {"speaker": "spa", "text": f"Heard {heard}"}]))  # fmt: skip
        return super().handle(request)


def live(status: str, transcript: list[dict[str, str]]) -> dict[str, object]:
    return {
        "sid": "CA1",
        "status": status,
        "ended": status != "in-progress",
        "transcript": transcript,
    }


async def test_call_mode_speaks_each_line_and_hangs_up_then_texts_again() -> None:
    sandbox, out, err = FakeCalls(), io.StringIO(), io.StringIO()
    script = lines_of("/call", "botox please", "/press 1", "/hangup", "Hi")
    code = await run_phone(settings(), script, out, err, httpx.MockTransport(sandbox.handle))
    assert code == 0
    assert sandbox.steps == [{"speech": "botox please"}, {"digits": "1"}, {"hangup": True}]
    transcript = out.getvalue()
    assert "spa (voice)> Thanks for calling. How can I help?" in transcript
    assert "spa (voice)> Heard botox please" in transcript
    assert "spa (voice)> Heard keys 1" in transcript
    assert "caller" not in transcript  # the caller's own words are not echoed back as the spa's
    assert "(call ended: completed)" in err.getvalue()
    # After the call, lines are texts again.
    assert sandbox.posted == [{"from": PATIENT, "to": SPA, "body": "Hi"}]
    assert "spa> You said: Hi" in transcript
