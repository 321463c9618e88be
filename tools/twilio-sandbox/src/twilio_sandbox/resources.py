"""Twilio's JSON: resource bodies and error bodies, shaped as api.twilio.com answers."""

from datetime import datetime
from email.utils import format_datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from twilio_sandbox.phones import display_format
from twilio_sandbox.store import Call, Message

API_VERSION = "2010-04-01"


class TwilioError(Exception):
    """An error answered in Twilio's legacy error shape, which the twilio client parses."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def twilio_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TwilioError)
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if exc.status == 401 else None
    return JSONResponse(
        {
            "code": exc.code,
            "message": exc.message,
            "more_info": f"https://www.twilio.com/docs/errors/{exc.code}",
            "status": exc.status,
        },
        status_code=exc.status,
        headers=headers,
    )


def rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment else None


def message_uri(account_sid: str, sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"


def message_resource(message: Message) -> dict[str, Any]:
    uri = message_uri(message.account_sid, message.sid)
    base = uri.removesuffix(".json")
    return {
        "account_sid": message.account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": rfc2822(message.created_at),
        "date_sent": rfc2822(message.sent_at),
        "date_updated": rfc2822(message.updated_at),
        "direction": message.direction,
        "error_code": None,
        "error_message": None,
        "from": message.from_,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(message.num_media),
        # Twilio reports 0 segments while a Messaging Service has not yet picked a sender.
        "num_segments": "0" if message.status == "accepted" else str(message.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {
            "media": f"{base}/Media.json",
            "feedback": f"{base}/Feedback.json",
        },
        "to": message.to,
        "uri": uri,
    }


def call_resource(call: Call) -> dict[str, Any]:
    uri = f"/{API_VERSION}/Accounts/{call.account_sid}/Calls/{call.sid}.json"
    base = uri.removesuffix(".json")
    subresources = (
        "notifications",
        "recordings",
        "payments",
        "events",
        "siprec",
        "streams",
        "transcriptions",
        "user_defined_message_subscriptions",
        "user_defined_messages",
    )
    return {
        "account_sid": call.account_sid,
        "annotation": None,
        "answered_by": call.answered_by,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": rfc2822(call.created_at),
        "date_updated": rfc2822(call.updated_at),
        "direction": call.direction,
        "duration": str(call.duration) if call.duration is not None else None,
        "end_time": None,
        "forwarded_from": None,
        "from": call.from_,
        "from_formatted": display_format(call.from_),
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": call.sid,
        "start_time": None,
        "status": call.status,
        "subresource_uris": {name: f"{base}/{_camel(name)}.json" for name in subresources},
        "to": call.to,
        "to_formatted": display_format(call.to),
        "trunk_sid": None,
        "uri": uri,
    }


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
