"""Twilio's REST API through the real `twilio` client: texts out, calls out, and look-ups.

The client's base URL is swapped for the local sandbox in development and tests; with real
credentials and no base URL it talks to Twilio itself. Every failure is sorted into "send
again", "look before sending again" (the answer timed out, so Twilio may have taken it) and
"refused for good".
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from telephony.domain.retry import Failure, of_status

# The twilio client logs every request's URL and query at INFO, and look-ups put phone numbers
# in the query: its logger only ever speaks up for warnings.
_http_log = logging.getLogger("telephony.twilio_http")
_http_log.setLevel(logging.WARNING)
# How far Twilio's clock may be from ours when matching a message by when it was created.
_CLOCK_SKEW = timedelta(minutes=2)
_LOOKUP_LIMIT = 20


@dataclass(frozen=True)
class Accepted:
    sid: str
    status: str
    num_segments: int


class TwilioFailure(Exception):
    def __init__(
        self, failure: Failure, reason: str, *, code: int | None = None, http: int | None = None
    ) -> None:
        super().__init__(f"twilio {failure} ({http or '-'}/{code or '-'}): {reason}")
        self.failure = failure
        self.code = code
        self.http = http


def build_client(
    account_sid: str, auth_token: str, api_base_url: str | None, timeout_s: float
) -> Client:
    http = TwilioHttpClient(timeout=timeout_s, logger=_http_log)
    client = Client(account_sid, auth_token, http_client=http)
    if api_base_url:
        # The edge and region would otherwise rebuild the host from the environment.
        client.edge = None
        client.region = None
        client.api.base_url = api_base_url.rstrip("/")
    return client


def _failure_of(exc: Exception) -> TwilioFailure:
    if isinstance(exc, TwilioRestException):
        return TwilioFailure(of_status(exc.status), str(exc.msg), code=exc.code, http=exc.status)
    # Never connected: Twilio cannot have taken it.
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        return TwilioFailure(Failure.RETRY, type(exc).__name__)
    return TwilioFailure(Failure.AMBIGUOUS, type(exc).__name__)


class TwilioGateway:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def send_message(
        self, *, to: str, from_: str, body: str, status_callback: str
    ) -> Accepted:
        # The twilio client is synchronous (requests): keep it off the event loop.
        try:
            message = await asyncio.to_thread(
                self._client.messages.create,
                to=to,
                from_=from_,
                body=body,
                status_callback=status_callback,
            )
        except (TwilioRestException, requests.RequestException) as exc:
            raise _failure_of(exc) from exc
        return Accepted(str(message.sid), str(message.status), int(message.num_segments or 1))

    async def find_message(
        self, *, to: str, from_: str, body: str, since: datetime
    ) -> Accepted | None:
        """A message this sender already sent `to` with this body since `since`, if any.

        Twilio has no idempotency key for sends, so after a timed-out attempt this look-up
        is what keeps a text from going out twice.
        """
        try:
            recent = await asyncio.to_thread(
                self._client.messages.list, to=to, from_=from_, limit=_LOOKUP_LIMIT
            )
        except (TwilioRestException, requests.RequestException) as exc:
            raise _failure_of(exc) from exc
        for message in recent:
            created = message.date_created
            if message.body == body and (created is None or created >= since - _CLOCK_SKEW):
                return Accepted(
                    str(message.sid), str(message.status), int(message.num_segments or 1)
                )
        return None

    async def place_call(
        self,
        *,
        to: str,
        from_: str,
        url: str,
        status_callback: str,
        time_limit_s: int,
    ) -> str:
        try:
            call = await asyncio.to_thread(
                self._client.calls.create,
                to=to,
                from_=from_,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                # Wait for the greeting's end so a voicemail gets the whole message after the beep.
                machine_detection="DetectMessageEnd",
                time_limit=time_limit_s,
            )
        except (TwilioRestException, requests.RequestException) as exc:
            raise _failure_of(exc) from exc
        return str(call.sid)

    async def find_call(self, *, to: str, from_: str, since: datetime) -> str | None:
        try:
            recent = await asyncio.to_thread(
                self._client.calls.list, to=to, from_=from_, limit=_LOOKUP_LIMIT
            )
        except (TwilioRestException, requests.RequestException) as exc:
            raise _failure_of(exc) from exc
        for call in recent:
            created = call.date_created
            if created is None or created >= since - _CLOCK_SKEW:
                return str(call.sid)
        return None
