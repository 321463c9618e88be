"""Outbound sends through the real `twilio` client.

The client's base URL is swapped for the local sandbox in development and
tests; with real credentials and no base URL it talks to Twilio itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client


@dataclass(frozen=True)
class SentMessage:
    sid: str
    status: str
    num_segments: int


class SendRejected(Exception):
    """Twilio refused the message for good (bad number, unsubscribed...): do not retry."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"twilio refused the message (code {code}): {reason}")
        self.code = code


def build_client(account_sid: str, auth_token: str, api_base_url: str | None) -> Client:
    client = Client(account_sid, auth_token)
    if api_base_url:
        client.api.base_url = api_base_url.rstrip("/")
    return client


class TwilioMessages:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def send(
        self, *, to: str, from_: str, body: str, status_callback: str | None
    ) -> SentMessage:
        # The twilio client is synchronous (requests): keep it off the event loop.
        try:
            message = await asyncio.to_thread(
                self._client.messages.create,
                to=to,
                from_=from_,
                body=body,
                status_callback=status_callback,
            )
        except TwilioRestException as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise SendRejected(exc.code, exc.msg) from exc
            raise
        return SentMessage(
            sid=str(message.sid),
            status=str(message.status),
            num_segments=int(message.num_segments or 1),
        )
