"""The subset of api.twilio.com the ``twilio`` package calls for texts and calls."""

import asyncio
import hmac
import logging
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.datastructures import FormData

from twilio_sandbox.carrier import Carrier
from twilio_sandbox.phones import is_e164
from twilio_sandbox.resources import (
    API_VERSION,
    TwilioError,
    call_resource,
    message_resource,
)
from twilio_sandbox.segments import count_segments
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.store import Call, Fault, Message, Store, new_sid
from twilio_sandbox.voice import VoicePlayer

log = logging.getLogger(__name__)

_basic = HTTPBasic(auto_error=False, realm="Twilio API")


_FAULT_CODES = {429: (20429, "Too Many Requests"), 500: (20500, "Internal Server Error")}


async def _fault_before(store: Store, resource: str) -> Fault | None:
    """A scripted failure for this create, raised now if it is an error status."""
    fault = await store.next_fault(resource)
    if fault is not None and fault.status is not None:
        code, message = _FAULT_CODES.get(fault.status, (20000 + fault.status, "Scripted failure"))
        raise TwilioError(fault.status, code, message)
    return fault


async def _fault_after(fault: Fault | None) -> None:
    # The request was carried out; only its answer is late (a client may time out first).
    if fault is not None and fault.delay:
        await asyncio.sleep(fault.delay)


def build_rest_router(
    settings: SandboxSettings, store: Store, carrier: Carrier, player: VoicePlayer
) -> APIRouter:
    def authenticate(
        account_sid: str, credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]
    ) -> None:
        token = settings.twilio_auth_token.get_secret_value()
        valid = (
            credentials is not None
            and hmac.compare_digest(credentials.username, settings.twilio_account_sid)
            and hmac.compare_digest(credentials.password, token)
            and account_sid == settings.twilio_account_sid
        )
        if not valid:
            raise TwilioError(401, 20003, "Authenticate")

    router = APIRouter(
        prefix=f"/{API_VERSION}/Accounts/{{account_sid}}", dependencies=[Depends(authenticate)]
    )

    @router.post("/Messages.json", status_code=201)
    async def create_message(account_sid: str, request: Request) -> dict[str, Any]:
        fault = await _fault_before(store, "Messages")
        form = await request.form()
        to, from_ = _text(form, "To"), _text(form, "From")
        service_sid, body = _text(form, "MessagingServiceSid"), _text(form, "Body") or ""
        media = [url for url in form.getlist("MediaUrl") if isinstance(url, str)]
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not is_e164(to):
            raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not from_ and not service_sid:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if from_ and not is_e164(from_):
            raise TwilioError(
                400,
                21212,
                f"The 'From' number {from_} is not a valid phone number, shortcode, "
                "or alphanumeric sender ID.",
            )
        if not body and not media and not _text(form, "ContentSid"):
            raise TwilioError(400, 21602, "Message body is required.")
        status_callback = _text(form, "StatusCallback")
        if status_callback and not _is_http_url(status_callback):
            raise TwilioError(400, 21609, f"The StatusCallback URL {status_callback} is not valid.")
        message = await store.add_message(
            Message(
                sid=new_sid("SM"),
                account_sid=account_sid,
                direction="outbound-api",
                from_=from_,
                to=to,
                body=body,
                # A Messaging Service message is "accepted" until the service picks a sender.
                status="queued" if from_ else "accepted",
                num_segments=count_segments(body),
                num_media=len(media),
                messaging_service_sid=service_sid,
                status_callback=status_callback,
            )
        )
        log.info("message %s %s", message.sid, message.status)
        carrier.send(message)
        await _fault_after(fault)
        return message_resource(message)

    @router.get("/Messages.json")
    async def list_messages(
        account_sid: str,
        request: Request,
        to: Annotated[str | None, Query(alias="To")] = None,
        from_: Annotated[str | None, Query(alias="From")] = None,
    ) -> dict[str, Any]:
        found = [
            m
            for m in await store.messages_for(None)
            if m.account_sid == account_sid
            and (to is None or m.to == to)
            and (from_ is None or m.from_ == from_)
        ]
        # Twilio lists newest first.
        return _page("messages", [message_resource(m) for m in reversed(found)], request)

    @router.get("/Messages/{sid}.json")
    async def fetch_message(account_sid: str, sid: str, request: Request) -> dict[str, Any]:
        message = await store.get_message(sid)
        if message is None or message.account_sid != account_sid:
            raise _not_found(request)
        return message_resource(message)

    @router.post("/Calls.json", status_code=201)
    async def create_call(account_sid: str, request: Request) -> dict[str, Any]:
        fault = await _fault_before(store, "Calls")
        form = await request.form()
        to, from_ = _text(form, "To"), _text(form, "From")
        url, twiml = _text(form, "Url"), _text(form, "Twiml")
        application_sid = _text(form, "ApplicationSid")
        if not to:
            raise TwilioError(400, 21201, "No 'To' number is specified")
        if not is_e164(to):
            raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not from_:
            raise TwilioError(400, 21213, "No 'From' number is specified")
        if not is_e164(from_):
            raise TwilioError(400, 21212, f"The 'From' number {from_} is not a valid phone number.")
        if not (url or twiml or application_sid):
            raise TwilioError(400, 21205, "Either Url, Twiml or ApplicationSid is required.")
        call = await store.add_call(
            Call(
                sid=new_sid("CA"),
                account_sid=account_sid,
                from_=from_,
                to=to,
                status="queued",
                url=url,
                twiml=twiml,
                application_sid=application_sid,
                method=_text(form, "Method") or "POST",
                status_callback=_text(form, "StatusCallback"),
                machine_detection=_text(form, "MachineDetection"),
            )
        )
        log.info("call %s %s", call.sid, call.status)
        player.placed(call)
        await _fault_after(fault)
        return call_resource(call)

    @router.get("/Calls.json")
    async def list_calls(
        account_sid: str,
        request: Request,
        to: Annotated[str | None, Query(alias="To")] = None,
        from_: Annotated[str | None, Query(alias="From")] = None,
    ) -> dict[str, Any]:
        found = [
            c
            for c in await store.calls_for(None)
            if c.account_sid == account_sid
            and (to is None or c.to == to)
            and (from_ is None or c.from_ == from_)
        ]
        return _page("calls", [call_resource(c) for c in reversed(found)], request)

    @router.get("/Calls/{sid}.json")
    async def fetch_call(account_sid: str, sid: str, request: Request) -> dict[str, Any]:
        call = await store.get_call(sid)
        if call is None or call.account_sid != account_sid:
            raise _not_found(request)
        return call_resource(call)

    return router


def _page(key: str, records: list[dict[str, Any]], request: Request) -> dict[str, Any]:
    """One page holding everything, shaped as Twilio's list answers (the client reads it)."""
    size = int(request.query_params.get("PageSize") or 50)
    uri = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {
        key: records[:size],
        "end": max(0, min(size, len(records)) - 1),
        "first_page_uri": uri,
        "next_page_uri": None,
        "page": 0,
        "page_size": size,
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value else None


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _not_found(request: Request) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {request.url.path} was not found")
