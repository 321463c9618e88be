"""The patient's phone: text or call the spa, read the conversation, see calls placed.

Also the levers tests pull: who answers the spa's next call to a number, and scripted REST
failures (429, 500, a late answer) for the next sends.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from twilio_sandbox.carrier import Carrier
from twilio_sandbox.phones import from_query, is_e164
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.store import Call, Fault, Message, Store
from twilio_sandbox.voice import (
    DEFAULT_CONFIDENCE,
    Callee,
    Leg,
    StaffBehaviour,
    Step,
    VoicePlayer,
)

# A long poll never outlasts an ordinary HTTP client's patience.
MAX_WAIT_S = 30.0


class InboundText(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    body: str

    @field_validator("from_", "to")
    @classmethod
    def _e164(cls, number: str) -> str:
        if not is_e164(number):
            raise ValueError("must be an E.164 phone number, e.g. +15551234567")
        return number


class PhoneMessage(BaseModel):
    sid: str
    direction: Literal["inbound", "outbound"]
    from_: str | None = Field(serialization_alias="from")
    to: str
    body: str
    at: str
    status: str

    @classmethod
    def of(cls, message: Message) -> "PhoneMessage":
        return cls(
            sid=message.sid,
            direction="inbound" if message.direction == "inbound" else "outbound",
            from_=message.from_,
            to=message.to,
            body=message.body,
            at=message.created_at.isoformat(),
            status=message.status,
        )


class PlacedCall(BaseModel):
    sid: str
    direction: str
    from_: str = Field(serialization_alias="from")
    to: str
    status: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    machine_detection: str | None
    answered_by: str | None
    duration: int | None
    recorded: bool
    transcript: list[dict[str, str]]
    at: str

    @classmethod
    def of(cls, call: Call) -> "PlacedCall":
        return cls(
            sid=call.sid,
            direction=call.direction,
            from_=call.from_,
            to=call.to,
            status=call.status,
            url=call.url,
            twiml=call.twiml,
            status_callback=call.status_callback,
            machine_detection=call.machine_detection,
            answered_by=call.answered_by,
            duration=call.duration,
            recorded=call.recorded,
            transcript=call.transcript,
            at=call.created_at.isoformat(),
        )


class CallerStep(BaseModel):
    """What the caller does when the spa listens. A bare string in `say` is speech and ""
    is silence; an object can press keys, mumble (low confidence) or hang up."""

    speech: str = ""
    digits: str = ""
    confidence: float = Field(DEFAULT_CONFIDENCE, ge=0, le=1)
    hangup: bool = False

    def step(self) -> Step:
        return Step(self.speech, self.digits, self.confidence, self.hangup)


def _steps(say: list[str | CallerStep]) -> list[Step]:
    return [Step(speech=item) if isinstance(item, str) else item.step() for item in say]


class InboundCall(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    say: list[str | CallerStep] = Field(default_factory=list, max_length=50)
    # How staff meet a <Dial>: pick up and press a key, pick up and press nothing, or not at all.
    staff: StaffBehaviour = "no-answer"

    @field_validator("from_", "to")
    @classmethod
    def _e164(cls, number: str) -> str:
        if not is_e164(number):
            raise ValueError("must be an E.164 phone number, e.g. +15551234567")
        return number


class ExpectedCallee(BaseModel):
    phone: str
    answered_by: Literal[
        "human",
        "unknown",
        "machine_start",
        "machine_end_beep",
        "machine_end_silence",
        "machine_end_other",
        "fax",
        "no-answer",
        "busy",
        "failed",
    ] = "human"
    say: list[str | CallerStep] = Field(default_factory=list, max_length=50)
    staff: StaffBehaviour = "no-answer"

    @field_validator("phone")
    @classmethod
    def _e164(cls, number: str) -> str:
        if not is_e164(number):
            raise ValueError("must be an E.164 phone number, e.g. +15551234567")
        return number


class LiveCallStart(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    staff: StaffBehaviour = "no-answer"

    @field_validator("from_", "to")
    @classmethod
    def _e164(cls, number: str) -> str:
        if not is_e164(number):
            raise ValueError("must be an E.164 phone number, e.g. +15551234567")
        return number


class LiveCallState(BaseModel):
    sid: str
    status: str
    ended: bool
    # Only what happened since the caller's last step.
    transcript: list[dict[str, str]]

    @classmethod
    def of(cls, leg: Leg, status: str, *, since: int) -> "LiveCallState":
        return cls(
            sid=leg.call.sid,
            status=status,
            ended=status != "in-progress",
            transcript=leg.transcript[since:],
        )


def player_transcript(player: VoicePlayer, sid: str) -> list[dict[str, str]]:
    leg = player.live_leg(sid)
    return leg.transcript if leg else []


class ScriptedFault(BaseModel):
    status: Literal[429, 500, 502, 503] | None = None
    delay: float = Field(0.0, ge=0, le=60)


class ScriptedFaults(BaseModel):
    resource: Literal["Messages", "Calls"]
    faults: list[ScriptedFault] = Field(min_length=1, max_length=20)


def build_phone_router(
    settings: SandboxSettings, store: Store, carrier: Carrier, player: VoicePlayer
) -> APIRouter:
    router = APIRouter(prefix="/sandbox")

    @router.post("/call")
    async def call_the_spa(call: InboundCall) -> PlacedCall:
        """Play a whole call through the voice webhooks; answers once it has ended."""
        played = await player.inbound(call.from_, call.to, _steps(call.say), call.staff)
        return PlacedCall.of(played)

    @router.post("/calls/live")
    async def start_live_call(call: LiveCallStart) -> LiveCallState:
        """A call played one caller step at a time (the terminal phone): answers with what
        the spa said up to the moment it first listens."""
        leg = await player.start_live(call.from_, call.to, call.staff)
        return LiveCallState.of(leg, player.live_status(leg.call.sid) or "", since=0)

    @router.post("/calls/live/{sid}")
    async def step_live_call(sid: str, step: CallerStep) -> LiveCallState:
        """The caller says, presses or hangs up; answers with what the spa said next."""
        found = player.live_status(sid)
        if found is None:
            raise HTTPException(404, "no such live call")
        already = len(player_transcript(player, sid))
        leg = await player.step_live(sid, step.step())
        assert leg is not None
        return LiveCallState.of(leg, player.live_status(sid) or "", since=already)

    @router.post("/callee", status_code=204)
    async def expect_callee(callee: ExpectedCallee) -> Response:
        """Who picks up the spa's next call to `phone` (until then, placed calls just queue)."""
        player.expect(
            callee.phone, Callee(callee.answered_by, tuple(_steps(callee.say)), callee.staff)
        )
        return Response(status_code=204)

    @router.post("/faults", status_code=204)
    async def script_faults(scripted: ScriptedFaults) -> Response:
        """The next creates of `resource` fail (or answer late) in this order."""
        await store.add_faults(
            scripted.resource, [Fault(status=f.status, delay=f.delay) for f in scripted.faults]
        )
        return Response(status_code=204)

    @router.delete("/faults", status_code=204)
    async def clear_faults() -> Response:
        await store.clear_faults()
        return Response(status_code=204)

    @router.post("/sms", response_model=None)
    async def send_text(text: InboundText) -> dict[str, Any] | JSONResponse:
        delivery = await carrier.receive(text.from_, text.to, text.body)
        if delivery.webhook_status is None:
            return JSONResponse(
                {
                    "sid": delivery.message.sid,
                    "error": f"telephony is unreachable at {settings.sms_webhook_url} "
                    f"({delivery.failure}); the message is recorded as undelivered",
                },
                status_code=502,
            )
        return {"sid": delivery.message.sid, "webhook_status": delivery.webhook_status}

    @router.get("/messages")
    async def list_messages(
        phone: str | None = None,
        after: str | None = None,
        wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0.0,
    ) -> list[PhoneMessage]:
        """``wait``: with nothing new after the cursor, hold the answer up to this many
        seconds for the next message (a long poll) instead of answering empty."""
        number = from_query(phone) if phone else None
        return [PhoneMessage.of(m) for m in await store.messages_for(number, after, wait)]

    @router.delete("/messages", status_code=204)
    async def clear_messages() -> Response:
        await store.clear_messages()
        return Response(status_code=204)

    @router.get("/calls/{sid}")
    async def get_call(sid: str) -> PlacedCall:
        call = await store.get_call(sid)
        if call is None:
            raise HTTPException(404, "no such call")
        return PlacedCall.of(call)

    @router.get("/calls")
    async def list_calls(phone: str | None = None) -> list[PlacedCall]:
        number = from_query(phone) if phone else None
        return [PlacedCall.of(c) for c in await store.calls_for(number)]

    @router.delete("/calls", status_code=204)
    async def clear_calls() -> Response:
        await store.clear_calls()
        return Response(status_code=204)

    return router
