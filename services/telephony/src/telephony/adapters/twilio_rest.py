"""Twilio's REST API through the real `twilio` client: texts out, calls out, and look-ups.

The client's base URL is swapped for the local sandbox in development and tests; with real
credentials and no base URL it talks to Twilio itself. Every failure is sorted into "send
again", "look before sending again" (the answer timed out, so Twilio may have taken it) and
"refused for good".

Requests go out on the event loop through one aiohttp session (the client's async API), not
through `requests` on worker threads: a thread per send contended with the webhooks for the
interpreter lock, which showed as latency on the acknowledgements Twilio waits for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
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


class AiohttpTransport(AsyncHttpClient):
    """The twilio client's async transport. The library's own passes no timeout unless each
    call names one and sends credentials through aiohttp's deprecated BasicAuth; this one
    bounds every request and sends them as a header."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(_http_log, True, timeout_s)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the twilio interface names it)
        allow_redirects: bool = False,
    ) -> Response:
        if self._session is None:
            # Made on first use, inside the running event loop it belongs to.
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        sent_headers = dict(headers or {})
        if auth is not None:
            sent_headers["Authorization"] = aiohttp.encode_basic_auth(*auth)
        async with self._session.request(
            method.upper(),
            url,
            params=params,
            data=data,
            headers=sent_headers,
            allow_redirects=allow_redirects,
            timeout=aiohttp.ClientTimeout(total=timeout) if timeout else self._timeout,
        ) as answer:
            return Response(answer.status, await answer.text(), answer.headers)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def build_client(
    account_sid: str, auth_token: str, api_base_url: str | None, timeout_s: float
) -> Client:
    client = Client(account_sid, auth_token, http_client=AiohttpTransport(timeout_s))
    if api_base_url:
        # The edge and region would otherwise rebuild the host from the environment.
        client.edge = None
        client.region = None
        client.api.base_url = api_base_url.rstrip("/")
    return client


def _failure_of(exc: Exception) -> TwilioFailure:
    if isinstance(exc, TwilioRestException):
        return TwilioFailure(of_status(exc.status), str(exc.msg), code=exc.code, http=exc.status)
    # Never connected (refused, no route, or timed out connecting): Twilio cannot have it.
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return TwilioFailure(Failure.RETRY, type(exc).__name__)
    return TwilioFailure(Failure.AMBIGUOUS, type(exc).__name__)


_REQUEST_FAILED = (TwilioRestException, aiohttp.ClientError, TimeoutError)


class TwilioGateway:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def close(self) -> None:
        await self._client.http_client.close()

    async def send_message(
        self, *, to: str, from_: str, body: str, status_callback: str
    ) -> Accepted:
        try:
            message = await self._client.messages.create_async(
                to=to,
                from_=from_,
                body=body,
                status_callback=status_callback,
            )
        except _REQUEST_FAILED as exc:
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
            recent = await self._client.messages.list_async(to=to, from_=from_, limit=_LOOKUP_LIMIT)
        except _REQUEST_FAILED as exc:
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
            call = await self._client.calls.create_async(
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
        except _REQUEST_FAILED as exc:
            raise _failure_of(exc) from exc
        return str(call.sid)

    async def find_call(self, *, to: str, from_: str, since: datetime) -> str | None:
        try:
            recent = await self._client.calls.list_async(to=to, from_=from_, limit=_LOOKUP_LIMIT)
        except _REQUEST_FAILED as exc:
            raise _failure_of(exc) from exc
        for call in recent:
            created = call.date_created
            if created is None or created >= since - _CLOCK_SKEW:
                return str(call.sid)
        return None
