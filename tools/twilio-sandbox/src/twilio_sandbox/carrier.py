"""The carrier side of the sandbox: everything Twilio posts to the telephony service.

Every request is form-encoded and signed with ``X-Twilio-Signature`` over the exact URL, as
Twilio does, so telephony's signature check runs unchanged against the sandbox. Logs carry sids
and statuses only: never bodies, phone numbers or URLs (which may embed identifiers).
"""

import asyncio
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from twilio.request_validator import RequestValidator

from twilio_sandbox.phones import country_of
from twilio_sandbox.resources import API_VERSION
from twilio_sandbox.segments import count_segments
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.store import Message, Store, new_sid

log = logging.getLogger(__name__)

# How long Twilio waits for a webhook answer before it gives up (error 11205).
WEBHOOK_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Delivery:
    """An inbound text handed to telephony; ``webhook_status`` is None if it never got there."""

    message: Message
    webhook_status: int | None
    failure: str | None = None


class Carrier:
    def __init__(self, settings: SandboxSettings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
        # One pooled client: building one per webhook costs an SSL context each time.
        self._http = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS)
        # Strong references: the event loop keeps only weak ones to running tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    async def post_signed(self, url: str, params: dict[str, str]) -> httpx.Response:
        signature = self._validator.compute_signature(url, params)
        headers = {
            "X-Twilio-Signature": signature,
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "User-Agent": "TwilioProxy/1.1",
        }
        return await self._http.post(url, data=params, headers=headers)

    def send(self, message: Message) -> None:
        """Walk an accepted outbound message through sent and delivered, in the background."""
        self._spawn(self._progress(message.sid))

    async def receive(self, from_: str, to: str, body: str) -> Delivery:
        """A patient's text arrives: record it and post Twilio's SMS webhook to telephony."""
        sid = new_sid("SM")
        message = await self._store.add_message(
            Message(
                sid=sid,
                account_sid=self._settings.twilio_account_sid,
                direction="inbound",
                from_=from_,
                to=to,
                body=body,
                status="receiving",
                num_segments=count_segments(body),
            )
        )
        params = {
            "ToCountry": country_of(to),
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": country_of(from_),
            "To": to,
            "ToZip": "",
            "NumSegments": str(message.num_segments),
            "MessageSid": sid,
            "AccountSid": message.account_sid,
            "From": from_,
            "ApiVersion": API_VERSION,
        }
        try:
            response = await self.post_signed(self._settings.sms_webhook_url, params)
        except httpx.TransportError as exc:
            log.warning("inbound %s not delivered: %s", sid, type(exc).__name__)
            await self._store.set_message_status(sid, "undelivered")
            return Delivery(message, None, type(exc).__name__)
        log.info("inbound %s webhook_status=%s", sid, response.status_code)
        received = await self._store.set_message_status(
            sid, "received", webhook_status=response.status_code
        )
        await self._reply_from_twiml(message, response)
        return Delivery(received or message, response.status_code)

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._http.aclose()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _progress(self, sid: str) -> None:
        for status in ("sent", "delivered"):
            await asyncio.sleep(self._settings.sandbox_status_delay)
            message = await self._store.set_message_status(sid, status)
            if message is None:
                return
            log.info("message %s %s", sid, status)
            if message.status_callback:
                await self._status_callback(message)

    async def _status_callback(self, message: Message) -> None:
        assert message.status_callback
        params = {
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": message.status,
            "SmsStatus": message.status,
            "AccountSid": message.account_sid,
            "To": message.to,
            "ApiVersion": API_VERSION,
        }
        if message.from_:
            params["From"] = message.from_
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if message.status == "delivered":
            params["RawDlrDoneDate"] = message.updated_at.strftime("%y%m%d%H%M")
        try:
            response = await self.post_signed(message.status_callback, params)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # Twilio does not retry status callbacks either.
            log.warning(
                "status callback %s %s failed: %s", message.sid, message.status, type(exc).__name__
            )
            return
        log.info("status callback %s %s -> %s", message.sid, message.status, response.status_code)

    async def _reply_from_twiml(self, inbound: Message, response: httpx.Response) -> None:
        """Send the ``<Message>`` verbs of a TwiML answer, as Twilio does."""
        if "xml" not in response.headers.get("content-type", "") or not response.content:
            return
        try:
            # The TwiML comes from our own service in development, and expat (>= 2.4) caps
            # entity expansion, so the stdlib parser is safe enough here.
            root = ET.fromstring(response.content)  # noqa: S314
        except ET.ParseError:
            log.warning("inbound %s answered with unparsable TwiML", inbound.sid)
            return
        inbound_url = self._settings.sms_webhook_url
        for verb in root.iterfind("Message"):
            body_element = verb.find("Body")
            body = (body_element.text if body_element is not None else verb.text) or ""
            reply = await self._store.add_message(
                Message(
                    sid=new_sid("SM"),
                    account_sid=inbound.account_sid,
                    direction="outbound-reply",
                    from_=verb.get("from") or inbound.to,
                    to=verb.get("to") or inbound.from_ or "",
                    body=body,
                    status="queued",
                    num_segments=count_segments(body),
                    status_callback=_callback_url(inbound_url, verb),
                )
            )
            log.info("reply %s queued from TwiML of %s", reply.sid, inbound.sid)
            self.send(reply)


def _callback_url(webhook_url: str, verb: ET.Element) -> str | None:
    """A ``<Message action=...>`` URL; relative ones resolve against the webhook's URL."""
    action = verb.get("action") or verb.get("statusCallback")
    return urljoin(webhook_url, action) if action else None
