"""POST /twilio/sms and /twilio/sms/status."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from spa_config import SpaConfig
from telephony import paths
from telephony.context import Edge
from telephony.sms.inbound import Text, receive
from telephony.sms.status import message_status
from telephony.web.forms import TWIML, Form, Hook, WebhookError

log = logging.getLogger(__name__)


def spa_for(edge: Edge, form: Form, sid_field: str) -> SpaConfig:
    spa = edge.spas.by_number(form.phone("To"))
    if spa is None:
        log.warning(
            "refused a webhook for a number no spa owns", extra={"sid": form.get(sid_field)}
        )
        raise WebhookError(404, "this number belongs to no configured spa")
    return spa


def create_sms_router() -> APIRouter:
    router = APIRouter()

    @router.post(paths.SMS)
    async def sms(hook: Hook) -> Response:
        form, edge = hook.form, hook.edge
        # Body may be empty (a picture alone, or nothing at all): still a text to handle.
        form.required("MessageSid", "From", "To")
        spa = spa_for(edge, form, "MessageSid")
        text = Text(
            sid=form.get("MessageSid"),
            sender=form.phone("From"),
            body=form.get("Body"),
            num_media=form.integer("NumMedia") or 0,
            twilio_handled=form.get("OptOutType"),
        )
        # The agent's reply goes out through the REST API, so Twilio never waits on the agent.
        return Response(await receive(edge, spa, text), media_type=TWIML)

    @router.post(paths.SMS_STATUS)
    async def sms_status(hook: Hook) -> Response:
        form, edge = hook.form, hook.edge
        form.required("MessageSid", "MessageStatus")
        await message_status(
            edge,
            command_id=form.query.get("cid"),
            sid=form.get("MessageSid"),
            status=form.get("MessageStatus"),
            error=form.get("ErrorCode") or None,
        )
        return Response(status_code=204)

    return router
