"""The webhook paths Twilio is given, in one place for the routes and the TwiML that links them.

TwiML links are relative: Twilio resolves them against the URL it just called, which is the
public URL, so they work behind any proxy.
"""

from __future__ import annotations

from urllib.parse import urlencode

SMS = "/twilio/sms"
SMS_STATUS = "/twilio/sms/status"
VOICE = "/twilio/voice"
VOICE_STATUS = "/twilio/voice/status"
TURN = "/twilio/voice/turn"
WAIT = "/twilio/voice/wait"
STAFF_FIRST = "/twilio/voice/staff-first"
TRANSFER = "/twilio/voice/transfer"
WHISPER = "/twilio/voice/whisper"
WHISPER_ACCEPT = "/twilio/voice/whisper/accept"
OUTBOUND = "/twilio/voice/outbound"
ALL = (
    SMS,
    SMS_STATUS,
    VOICE,
    VOICE_STATUS,
    TURN,
    WAIT,
    STAFF_FIRST,
    TRANSFER,
    WHISPER,
    WHISPER_ACCEPT,
    OUTBOUND,
)


def with_query(path: str, **query: str | int) -> str:
    return f"{path}?{urlencode(query)}"
