"""Twilio's webhooks, spoken exactly as Twilio speaks: signed form posts, TwiML back.

Every request is checked against X-Twilio-Signature over the public URL before
anything else happens; a retried webhook (same MessageSid or CallSid) is
handled once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import phonenumbers
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from medspa.events.v1 import telephony_pb2
from medspa_kit import inbox, outbox
from medspa_kit.audit import audit
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaConfig, SpaDirectory

log = logging.getLogger(__name__)
TWIML = "application/xml"


@dataclass(frozen=True)
class Edge:
    """What the webhooks need once the service is wired."""

    pool: asyncpg.Pool
    cipher: FieldCipher
    spas: SpaDirectory
    namespace: str
    catalog: Catalog


class WebhookError(HTTPException):
    pass


def e164(raw: str, field: str) -> str:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise WebhookError(400, f"{field} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise WebhookError(400, f"{field} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def required(params: dict[str, str], *names: str) -> None:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise WebhookError(400, f"missing Twilio field(s): {', '.join(missing)}")


@dataclass(frozen=True)
class Signatures:
    """Checks X-Twilio-Signature over the URL Twilio called: the public one."""

    validator: RequestValidator
    public_url: str

    def url_of(self, request: Request) -> str:
        query = f"?{request.url.query}" if request.url.query else ""
        return self.public_url.rstrip("/") + request.url.path + query


async def signed_params(request: Request) -> dict[str, str]:
    """The form fields, only if Twilio signed exactly this URL and these fields."""
    signatures: Signatures = request.app.state.signatures
    signature = request.headers.get("X-Twilio-Signature", "")
    try:
        form = await request.form()
    except Exception:  # a body that is not a form cannot carry a valid signature
        raise WebhookError(400, "body is not form-encoded") from None
    params = {key: str(value) for key, value in form.items()}
    if not signature or not signatures.validator.validate(
        signatures.url_of(request), params, signature
    ):
        log.warning("refused a webhook with a bad signature", extra={"path": request.url.path})
        raise WebhookError(403, "invalid Twilio signature")
    return params


def wired_edge(request: Request) -> Edge:
    wired: Edge | None = getattr(request.app.state, "edge", None)
    if wired is None:
        raise WebhookError(503, "starting up")
    return wired


Params = Annotated[dict[str, str], Depends(signed_params)]
Wired = Annotated[Edge, Depends(wired_edge)]


def create_router() -> APIRouter:
    router = APIRouter(prefix="/twilio")

    def spa_for(wired: Edge, params: dict[str, str], sid_field: str) -> SpaConfig:
        to = e164(params["To"], "To")
        spa = wired.spas.by_number(to)
        if spa is None:
            log.warning(
                "refused a webhook for a number no spa owns", extra={"sid": params[sid_field]}
            )
            raise WebhookError(404, "this number belongs to no configured spa")
        return spa

    @router.post("/sms")
    async def sms(params: Params, wired: Wired) -> Response:
        required(params, "MessageSid", "From", "To", "Body")
        sid = params["MessageSid"]
        spa = spa_for(wired, params, "MessageSid")
        from_phone = e164(params["From"], "From")
        event = telephony_pb2.SmsReceived(
            spa_id=spa.id,
            message_sid=sid,
            from_phone=wired.cipher.seal(from_phone, Purpose.PHONE),
            body=wired.cipher.seal(params["Body"], Purpose.SMS_BODY),
            num_media=int(params.get("NumMedia") or 0),
        )
        event.received_at.FromDatetime(datetime.now(UTC))
        async with wired.pool.acquire() as conn, conn.transaction():
            if not await inbox.claim(conn, "twilio.sms", sid):
                log.info("duplicate SMS webhook ignored", extra={"sid": sid})
                return Response(str(MessagingResponse()), media_type=TWIML)
            envelope = Envelope.wrap(spa.id, event, "telephony", event_id=f"sms-{sid}")
            await outbox.record(conn, envelope, wired.namespace)
            await audit(
                conn,
                actor="telephony",
                action="receive",
                subject_type="sms",
                subject_id=sid,
                fields=["phone", "body"],
                purpose="relay inbound text to the agent",
                spa_id=spa.id,
            )
        log.info("sms received", extra={"sid": sid, "spa_id": spa.id})
        # The reply goes out through the REST API once the agent answers, so
        # Twilio gets an empty response now and never waits on the agent.
        return Response(str(MessagingResponse()), media_type=TWIML)

    @router.post("/sms/status")
    async def sms_status(params: Params, wired: Wired) -> Response:
        required(params, "MessageSid", "MessageStatus")
        sid, status = params["MessageSid"], params["MessageStatus"]
        async with wired.pool.acquire() as conn, conn.transaction():
            spa_id = await conn.fetchval(
                "UPDATE outbound_messages SET status = $2, error = $3, updated_at = now()"
                " WHERE message_sid = $1 RETURNING spa_id",
                sid,
                status,
                params.get("ErrorCode"),
            )
            if spa_id is None:
                return Response(status_code=204)
            event = telephony_pb2.MessageStatus(
                spa_id=spa_id,
                message_sid=sid,
                status=status,
                error_code=params.get("ErrorCode", ""),
            )
            envelope = Envelope.wrap(spa_id, event, "telephony", event_id=f"status-{sid}-{status}")
            await outbox.record(conn, envelope, wired.namespace)
        return Response(status_code=204)

    @router.post("/voice")
    async def voice(params: Params, wired: Wired) -> Response:
        required(params, "CallSid", "From", "To")
        sid = params["CallSid"]
        spa = spa_for(wired, params, "CallSid")
        event = telephony_pb2.CallStarted(
            spa_id=spa.id,
            call_sid=sid,
            from_phone=wired.cipher.seal(e164(params["From"], "From"), Purpose.PHONE),
        )
        event.started_at.FromDatetime(datetime.now(UTC))
        async with wired.pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, "twilio.voice", sid):
                envelope = Envelope.wrap(spa.id, event, "telephony", event_id=f"call-{sid}")
                await outbox.record(conn, envelope, wired.namespace)
        answer = VoiceResponse()
        answer.say(
            wired.catalog.say("voice.greeting_text_only", greeting=spa.greeting, spa_name=spa.name)
        )
        answer.hangup()
        return Response(str(answer), media_type=TWIML)

    return router


def create_app(public_url: str, auth_token: str) -> FastAPI:
    app = FastAPI(title="telephony")
    app.state.signatures = Signatures(RequestValidator(auth_token), public_url)
    app.include_router(create_router())

    @app.exception_handler(WebhookError)
    async def webhook_error(_: Request, exc: WebhookError) -> Response:
        return Response(exc.detail, status_code=exc.status_code, media_type="text/plain")

    return app
