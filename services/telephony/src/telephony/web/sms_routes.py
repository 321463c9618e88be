"""POST /twilio/sms and /twilio/sms/status."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from opentelemetry import trace
from starlette.types import ASGIApp, Receive, Scope, Send

from spa_config import SpaConfig
from telephony import paths
from telephony.context import Edge
from telephony.sms.inbound import Text, receive
from telephony.sms.status import message_status
from telephony.web.forms import TWIML, Form, Hook, WebhookError, refusal, webhook

log = logging.getLogger(__name__)


def spa_for(edge: Edge, form: Form, sid_field: str) -> SpaConfig:
    spa = edge.spas.by_number(form.phone("To"))
    if spa is None:
        log.warning(
            "refused a webhook for a number no spa owns", extra={"sid": form.get(sid_field)}
        )
        raise WebhookError(404, "this number belongs to no configured spa")
    return spa


async def text(request: Request) -> Response:
    """POST /twilio/sms. Body may be empty (a picture alone, or nothing at all): still a text."""
    hook = await webhook(request)
    form, edge = hook.form, hook.edge
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


class TextLane:
    """POST /twilio/sms, nearly every webhook Twilio sends, straight to its handler instead of
    through FastAPI's routing, exception and dependency layers (about a sixth of a text's CPU
    time). It sits inside the body limit and FastAPI's request span like every route, and its
    refusals are answered exactly as the routes' are."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != paths.SMS or scope["method"] != "POST":
            await self._app(scope, receive, send)
            return
        span = trace.get_current_span()
        span.update_name(f"POST {paths.SMS}")
        span.set_attribute("http.route", paths.SMS)
        try:
            response = await text(Request(scope, receive))
        except Exception as exc:
            refused = refusal(exc)
            if refused is None:
                raise
            response = refused
        await response(scope, receive, send)


def create_sms_router() -> APIRouter:
    router = APIRouter()

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
