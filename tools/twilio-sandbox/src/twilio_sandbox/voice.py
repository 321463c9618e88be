"""Calls played through the voice webhooks the way Twilio drives them.

A call is a loop: post the signed webhook, run the TwiML that comes back verb by verb, follow
the next URL it names (a Gather's action with what the caller said, a Redirect, a Dial's
action), until a Hangup, a Reject, the caller hanging up, or the end of a document. Then the
status callback. The caller's side is a script of steps; the staff side of a `<Dial>` answers
as the call asks (pick up and press a key, pick up and press nothing, or not pick up).

The transcript records what each side heard, for developers and tests; logs carry sids and
statuses only.
"""

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin

import httpx

from twilio_sandbox.carrier import Carrier
from twilio_sandbox.phones import country_of
from twilio_sandbox.resources import API_VERSION
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.store import Call, Store, new_sid

log = logging.getLogger(__name__)

# A call that keeps redirecting is a bug in the webhooks; Twilio ends such calls too.
MAX_REQUESTS_PER_CALL = 100
# Pretend seconds each webhook round trip adds to the call, for CallDuration.
SECONDS_PER_REQUEST = 4
StaffBehaviour = Literal["accept", "ignore", "no-answer"]
DEFAULT_CONFIDENCE = 0.92
LIVE_IDLE_S = 300.0


@dataclass(frozen=True)
class Step:
    """One thing the caller does when the call listens: speak, press keys, stay silent, or
    hang up (with `speech` too: hang up while the spa is still answering it)."""

    speech: str = ""
    digits: str = ""
    confidence: float = DEFAULT_CONFIDENCE
    hangup: bool = False


@dataclass
class Leg:
    """The call being played: who, the caller's remaining steps, and what was heard."""

    call: Call
    steps: list[Step]
    staff: StaffBehaviour
    transcript: list[dict[str, str]] = field(default_factory=list)
    recorded: bool = False
    requests: int = 0
    status: str = "completed"
    answered_by: str | None = None
    # Turn webhooks still in flight when the caller hung up mid-turn.
    pending: list[asyncio.Task[httpx.Response | None]] = field(default_factory=list)
    # A live call takes the caller's steps one at a time, as a person types them.
    live: asyncio.Queue[Step] | None = None
    listening: asyncio.Event = field(default_factory=asyncio.Event)

    def say(self, speaker: str, text: str) -> None:
        self.transcript.append({"speaker": speaker, "text": " ".join(text.split())})

    async def next_step(self) -> Step | None:
        if self.live is None:
            return self.steps.pop(0) if self.steps else None
        self.listening.set()
        try:
            # A caller who says nothing for this long has put the phone down.
            step = await asyncio.wait_for(self.live.get(), LIVE_IDLE_S)
        except TimeoutError:
            return None
        finally:
            self.listening.clear()
        self.live.task_done()
        return step

    def hangs_up_while_ringing(self) -> bool:
        if self.live is not None or not self.steps:
            return False
        if self.steps[0].hangup and not self.steps[0].speech:
            self.steps.pop(0)
            return True
        return False


class _End(Exception):
    """The call is over (`status` is Twilio's final status for it)."""

    def __init__(self, status: str = "completed") -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class Callee:
    """How the next call the spa places to a number is met."""

    answered_by: str = "human"  # or machine_end_beep, fax, no-answer, busy...
    steps: tuple[Step, ...] = ()
    staff: StaffBehaviour = "no-answer"


class VoicePlayer:
    def __init__(self, settings: SandboxSettings, store: Store, carrier: Carrier) -> None:
        self._settings = settings
        self._store = store
        self._carrier = carrier
        self._callees: dict[str, Callee] = {}
        self._live: dict[str, tuple[Leg, asyncio.Task[Call]]] = {}
        # Strong references: the event loop keeps only weak ones to running tasks.
        self._tasks: set[asyncio.Task[Call]] = set()

    async def start_live(self, from_: str, to: str, staff: StaffBehaviour) -> Leg:
        """A call a person plays step by step (the terminal phone): returns once the spa
        listens for the first time, or the call has ended."""
        # Ended live calls are kept until the next one starts, so a last step still finds them.
        self._live = {sid: found for sid, found in self._live.items() if not found[1].done()}
        call = await self._inbound_call(from_, to)
        leg = Leg(call, [], staff, live=asyncio.Queue())
        task = asyncio.create_task(self._play(leg, call.url or "", first_status="ringing"))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._live[call.sid] = (leg, task)
        await self._until_listening(leg, task)
        return leg

    async def step_live(self, sid: str, step: Step) -> Leg | None:
        """The caller does `step`; returns once the spa listens again or the call has ended."""
        found = self._live.get(sid)
        if found is None:
            return None
        leg, task = found
        if not task.done():
            assert leg.live is not None
            await leg.live.put(step)
            # Wait for the step to be taken before waiting for the spa to listen again.
            taken = asyncio.ensure_future(leg.live.join())
            try:
                await asyncio.wait([taken, task], return_when=asyncio.FIRST_COMPLETED)
            finally:
                taken.cancel()
        await self._until_listening(leg, task)
        return leg

    def live_leg(self, sid: str) -> Leg | None:
        found = self._live.get(sid)
        return found[0] if found else None

    def live_status(self, sid: str) -> str | None:
        found = self._live.get(sid)
        if found is None:
            return None
        leg, task = found
        return leg.status if task.done() else "in-progress"

    async def _until_listening(self, leg: Leg, task: asyncio.Task[Call]) -> None:
        listening = asyncio.ensure_future(leg.listening.wait())
        try:
            await asyncio.wait([listening, task], return_when=asyncio.FIRST_COMPLETED)
        finally:
            listening.cancel()

    def expect(self, phone: str, callee: Callee) -> None:
        self._callees[phone] = callee

    def placed(self, call: Call) -> None:
        """The spa placed `call`: play it if someone is expected at that number; otherwise it
        stays queued, recorded only."""
        callee = self._callees.pop(call.to, None)
        if callee is None:
            return
        task = asyncio.create_task(self._answer_later(call, callee))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_later(self, call: Call, callee: Callee) -> Call:
        # The REST answer (and the sid in it) reaches the spa before the call is picked up.
        await asyncio.sleep(self._settings.sandbox_status_delay)
        return await self.outbound(call, callee.answered_by, list(callee.steps), callee.staff)

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def inbound(self, from_: str, to: str, steps: list[Step], staff: StaffBehaviour) -> Call:
        """A patient calls the spa and does `steps`; returns the call once it has ended."""
        call = await self._inbound_call(from_, to)
        leg = Leg(call, list(steps), staff)
        return await self._play(leg, self._settings.voice_webhook_url, first_status="ringing")

    async def _inbound_call(self, from_: str, to: str) -> Call:
        return await self._store.add_call(
            Call(
                sid=new_sid("CA"),
                account_sid=self._settings.twilio_account_sid,
                from_=from_,
                to=to,
                status="ringing",
                url=self._settings.voice_webhook_url,
                twiml=None,
                application_sid=None,
                method="POST",
                status_callback=self._settings.voice_status_url,
                machine_detection=None,
                direction="inbound",
            )
        )

    async def outbound(
        self, call: Call, answered_by: str, steps: list[Step], staff: StaffBehaviour
    ) -> Call:
        """A call the spa placed is picked up by a person or a machine (`answered_by`), or not
        at all ("no-answer", "busy", "failed")."""
        leg = Leg(call, list(steps), staff)
        if answered_by in ("no-answer", "busy", "failed"):
            leg.status = answered_by
            return await self._finish(leg)
        # Twilio reports what answered only when detection was asked for.
        leg.answered_by = answered_by if call.machine_detection else None
        document = call.twiml.encode() if call.twiml else None
        return await self._play(leg, call.url or "", first_status="in-progress", document=document)

    async def _play(
        self, leg: Leg, url: str, *, first_status: str, document: bytes | None = None
    ) -> Call:
        params: dict[str, str] = {}
        status = first_status
        try:
            if document is not None:
                url, params = await self._execute_document(leg, url, document)
                status = "in-progress"
            while True:
                response = await self._post(leg, url, {**self._base(leg, status), **params})
                status = "in-progress"
                url, params = await self._execute_document(leg, url, response.content)
        except _End as end:
            leg.status = end.status
        return await self._finish(leg)

    async def _post(self, leg: Leg, url: str, params: dict[str, str]) -> httpx.Response:
        leg.requests += 1
        if leg.requests > MAX_REQUESTS_PER_CALL:
            leg.say("twilio", "too many webhook requests; the call was ended")
            raise _End("failed")
        try:
            response = await self._carrier.post_signed(url, params)
        except httpx.TransportError as exc:
            log.warning("call %s webhook unreachable: %s", leg.call.sid, type(exc).__name__)
            leg.say("twilio", "an application error has occurred")
            raise _End("failed") from exc
        if response.status_code != 200:
            log.warning("call %s webhook answered %s", leg.call.sid, response.status_code)
            leg.say("twilio", f"an application error has occurred ({response.status_code})")
            raise _End("completed")
        return response

    async def _execute_document(
        self, leg: Leg, url: str, document: bytes
    ) -> tuple[str, dict[str, str]]:
        """Run one TwiML document; returns the next request, or raises _End."""
        for verb in _verbs(leg, document):
            if verb.tag == "Say":
                leg.say("spa", verb.text or "")
            elif verb.tag == "Play":
                leg.say("spa", "[audio]")
            elif verb.tag == "Start":
                leg.recorded = leg.recorded or verb.find("Recording") is not None
            elif verb.tag == "Gather":
                heard = await self._gather(leg, url, verb)
                if heard is not None:
                    return heard
            elif verb.tag == "Dial":
                dialled = await self._dial(leg, url, verb)
                if dialled is not None:
                    return dialled
            elif verb.tag == "Redirect":
                return urljoin(url, (verb.text or "").strip()), {}
            elif verb.tag == "Hangup":
                leg.say("twilio", "the spa hung up")
                raise _End("completed")
            elif verb.tag == "Reject":
                leg.say("twilio", "the call was rejected")
                raise _End("busy" if verb.get("reason") == "busy" else "no-answer")
        raise _End("completed")

    async def _gather(
        self, leg: Leg, url: str, verb: ET.Element
    ) -> tuple[str, dict[str, str]] | None:
        for nested in verb:
            if nested.tag == "Say":
                leg.say("spa", nested.text or "")
        step = await leg.next_step()
        if step is None:
            leg.say("twilio", "the caller hung up")
            raise _End("completed")
        action = urljoin(url, verb.get("action") or url)
        params: dict[str, str] = {}
        if step.digits:
            leg.say("caller", f"[pressed {step.digits}]")
            params = {"Digits": step.digits, "FinishedOnKey": ""}
        elif step.speech:
            leg.say("caller", step.speech)
            params = {"SpeechResult": step.speech, "Confidence": f"{step.confidence:.8f}"}
        elif step.hangup:
            leg.say("twilio", "the caller hung up")
            raise _End("completed")
        else:
            leg.say("caller", "[silence]")
        if step.hangup:
            # The caller speaks and hangs up before the answer: the turn is still posted.
            request = {**self._base(leg, "in-progress"), **params}
            leg.pending.append(asyncio.create_task(self._post_quietly(action, request)))
            leg.say("twilio", "the caller hung up")
            raise _End("completed")
        if not params and verb.get("actionOnEmptyResult") != "true":
            return None  # Twilio falls through to the next verb
        return action, params

    async def _dial(
        self, leg: Leg, url: str, verb: ET.Element
    ) -> tuple[str, dict[str, str]] | None:
        numbers = [(n.text or "").strip() for n in verb.iterfind("Number")] or [
            (verb.text or "").strip()
        ]
        whispers = [n.get("url") for n in verb.iterfind("Number")] or [None]
        leg.say("twilio", f"ringing {len(numbers)} number(s)")
        if leg.hangs_up_while_ringing():
            leg.say("twilio", "the caller hung up while it rang")
            raise _End("completed")
        dial_status, child = "no-answer", ""
        if leg.staff != "no-answer":
            child = new_sid("CA")
            accepted = await self._staff_leg(leg, url, child, numbers[0], whispers[0])
            dial_status = "completed" if accepted or leg.staff == "ignore" else "no-answer"
            if accepted:
                leg.say("twilio", "connected to staff")
        action = verb.get("action")
        if action is None:
            return None
        params = {"DialCallStatus": dial_status, "DialCallDuration": "30" if child else "0"}
        if child:
            params["DialCallSid"] = child
        return urljoin(url, action), params

    async def _staff_leg(
        self, leg: Leg, url: str, child: str, number: str, whisper: str | None
    ) -> bool:
        """Staff pick up; True when they accept (a whisper asks for a key, or there is none)."""
        if whisper is None:
            return leg.staff == "accept"
        params = {
            **self._base(leg, "in-progress"),
            "CallSid": child,
            "ParentCallSid": leg.call.sid,
            "To": number,
            "Called": number,
            "Direction": "outbound-dial",
        }
        target = urljoin(url, whisper)
        for _ in range(MAX_REQUESTS_PER_CALL):
            response = await self._post(leg, target, params)
            next_target: str | None = None
            for verb in _verbs(leg, response.content):
                if verb.tag == "Say":
                    leg.say("whisper", verb.text or "")
                elif verb.tag == "Gather":
                    for nested in verb:
                        if nested.tag == "Say":
                            leg.say("whisper", nested.text or "")
                    if leg.staff == "accept":
                        leg.say("staff", "[pressed 1]")
                        next_target = urljoin(target, verb.get("action") or target)
                        params = {**params, "Digits": "1"}
                        break
                elif verb.tag == "Hangup":
                    return False
            if next_target is None:
                # The document ended without a hangup: Twilio connects the two parties.
                return leg.staff == "accept"
            target = next_target
        return False

    async def _post_quietly(self, url: str, params: dict[str, str]) -> httpx.Response | None:
        try:
            return await self._carrier.post_signed(url, params)
        except httpx.TransportError:
            return None

    async def _finish(self, leg: Leg) -> Call:
        duration = leg.requests * SECONDS_PER_REQUEST if leg.status == "completed" else 0
        call = await self._store.update_call(
            leg.call.sid,
            status=leg.status,
            duration=duration,
            recorded=leg.recorded,
            answered_by=leg.answered_by,
            transcript=leg.transcript,
        )
        if leg.call.status_callback:
            params = {
                **self._base(leg, leg.status),
                "CallDuration": str(duration),
                "CallbackSource": "call-progress-events",
                "SequenceNumber": "0",
            }
            try:
                await self._carrier.post_signed(leg.call.status_callback, params)
            except httpx.TransportError as exc:
                log.warning("call %s status callback failed: %s", leg.call.sid, type(exc).__name__)
        # A turn posted as the caller hung up finishes before the call is reported over.
        await asyncio.gather(*leg.pending)
        log.info("call %s %s", leg.call.sid, leg.status)
        assert call is not None
        return call

    def _base(self, leg: Leg, status: str) -> dict[str, str]:
        call = leg.call
        params = {
            "AccountSid": call.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Called": call.to,
            "Caller": call.from_,
            "Direction": call.direction,
            "From": call.from_,
            "To": call.to,
            "FromCountry": country_of(call.from_),
            "ToCountry": country_of(call.to),
        }
        if leg.answered_by:
            params["AnsweredBy"] = leg.answered_by
        return params


def _verbs(leg: Leg, document: bytes) -> Iterator[ET.Element]:
    try:
        # TwiML from our own service in development; expat (>= 2.4) caps entity expansion.
        root = ET.fromstring(document)  # noqa: S314
    except ET.ParseError:
        leg.say("twilio", "an application error has occurred (unparsable TwiML)")
        raise _End("completed") from None
    yield from root
