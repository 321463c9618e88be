"""Errors the webhooks answer with a status code instead of TwiML."""

from __future__ import annotations


class UnknownCall(LookupError):
    """A voice webhook for a call this service never answered or placed (404)."""

    def __init__(self, call_sid: str) -> None:
        super().__init__(f"no call {call_sid}")
        self.call_sid = call_sid
