"""The voice webhooks: answer, turns, fillers, staff-first, transfers, placed calls, status."""

from __future__ import annotations

from fastapi import APIRouter, Response

from telephony import paths
from telephony.numbers import e164_or_none
from telephony.voice import answer, ended, outbound, transfer, turns
from telephony.web.forms import TWIML, Form, Hook, WebhookError
from telephony.web.sms_routes import spa_for


def twiml(document: str) -> Response:
    return Response(document, media_type=TWIML)


def _turn(form: Form) -> int:
    turn = form.integer("turn", in_query=True)
    if turn is None or turn < 1:
        raise WebhookError(400, "turn must be a positive whole number in the query")
    return turn


def create_voice_router() -> APIRouter:
    router = APIRouter()

    @router.post(paths.VOICE)
    async def incoming(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid", "To")
        spa = spa_for(edge, form, "CallSid")
        # A withheld or unusual caller id is still a caller: answered, never refused with 400.
        caller = e164_or_none(form.get("From")) or ""
        return twiml(
            await answer.answer(edge, script, call_sid=form.get("CallSid"), spa=spa, caller=caller)
        )

    @router.post(paths.STAFF_FIRST)
    async def staff_first(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid")
        return twiml(
            await answer.after_staff_ring(
                edge,
                script,
                call_sid=form.get("CallSid"),
                dial_status=form.get("DialCallStatus"),
                call_status=form.get("CallStatus"),
            )
        )

    @router.post(paths.TURN)
    async def turn(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid")
        said = turns.Said(
            speech=form.get("SpeechResult"),
            digits=form.get("Digits"),
            confidence=form.number("Confidence"),
        )
        return twiml(
            await turns.take_turn(
                edge, script, call_sid=form.get("CallSid"), turn=_turn(form), said=said
            )
        )

    @router.post(paths.WAIT)
    async def wait(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid")
        attempt = form.integer("attempt", in_query=True)
        if attempt is None or attempt < 1:
            raise WebhookError(400, "attempt must be a positive whole number in the query")
        return twiml(
            await turns.wait_for_turn(
                edge, script, call_sid=form.get("CallSid"), turn=_turn(form), attempt=attempt
            )
        )

    @router.post(paths.WHISPER)
    async def whisper(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid", "ParentCallSid")
        return twiml(await transfer.whisper(edge, script, parent_sid=form.get("ParentCallSid")))

    @router.post(paths.WHISPER_ACCEPT)
    async def whisper_accept(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid", "ParentCallSid")
        if not form.get("Digits"):
            # No key pressed: the whisper document goes on to decline and hang up.
            return twiml(script.hang_up())
        return twiml(await transfer.accept(edge, script, parent_sid=form.get("ParentCallSid")))

    @router.post(paths.TRANSFER)
    async def transfer_done(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid")
        return twiml(
            await transfer.after_transfer(
                edge,
                script,
                call_sid=form.get("CallSid"),
                dial_status=form.get("DialCallStatus"),
                call_status=form.get("CallStatus"),
            )
        )

    @router.post(paths.OUTBOUND)
    async def placed_call_answered(hook: Hook) -> Response:
        form, edge, script = hook.form, hook.edge, hook.script
        form.required("CallSid")
        command_id = form.query.get("cid", "")
        if not command_id:
            raise WebhookError(400, "cid is missing from the query")
        return twiml(
            await outbound.answered(
                edge,
                script,
                call_sid=form.get("CallSid"),
                command_id=command_id,
                answered_by=form.get("AnsweredBy"),
            )
        )

    @router.post(paths.VOICE_STATUS)
    async def status(hook: Hook) -> Response:
        form, edge = hook.form, hook.edge
        form.required("CallSid", "CallStatus")
        await ended.call_status(
            edge,
            call_sid=form.get("CallSid"),
            status=form.get("CallStatus"),
            duration_seconds=form.integer("CallDuration"),
            answered_by=form.get("AnsweredBy") or None,
            command_id=form.query.get("cid") or None,
        )
        return Response(status_code=204)

    return router
