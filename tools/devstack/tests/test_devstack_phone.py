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
