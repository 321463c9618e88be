"""The patient's phone: send a text to the spa, read the conversation, see calls placed."""

from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from twilio_sandbox.carrier import Carrier
from twilio_sandbox.phones import from_query, is_e164
from twilio_sandbox.settings import SandboxSettings
from twilio_sandbox.store import Call, Message, Store


class InboundText(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    body: str

    @field_validator("from_", "to")
    @classmethod
    def _e164(cls, number: str) -> str:
        if not is_e164(number):
            raise ValueError("must be an E.164 phone number, e.g. +15551234567")
        return number


class PhoneMessage(BaseModel):
    sid: str
    direction: Literal["inbound", "outbound"]
    from_: str | None = Field(serialization_alias="from")
    to: str
    body: str
    at: str
    status: str

    @classmethod
    def of(cls, message: Message) -> "PhoneMessage":
        return cls(
            sid=message.sid,
            direction="inbound" if message.direction == "inbound" else "outbound",
            from_=message.from_,
            to=message.to,
            body=message.body,
            at=message.created_at.isoformat(),
            status=message.status,
        )


class PlacedCall(BaseModel):
    sid: str
    from_: str = Field(serialization_alias="from")
    to: str
    status: str
    url: str | None
    twiml: str | None
    status_callback: str | None
    machine_detection: str | None
    at: str

    @classmethod
    def of(cls, call: Call) -> "PlacedCall":
        return cls(
            sid=call.sid,
            from_=call.from_,
            to=call.to,
            status=call.status,
            url=call.url,
            twiml=call.twiml,
            status_callback=call.status_callback,
            machine_detection=call.machine_detection,
            at=call.created_at.isoformat(),
        )


def build_phone_router(settings: SandboxSettings, store: Store, carrier: Carrier) -> APIRouter:
    router = APIRouter(prefix="/sandbox")

    @router.post("/sms", response_model=None)
    async def send_text(text: InboundText) -> dict[str, Any] | JSONResponse:
        delivery = await carrier.receive(text.from_, text.to, text.body)
        if delivery.webhook_status is None:
            return JSONResponse(
                {
                    "sid": delivery.message.sid,
                    "error": f"telephony is unreachable at {settings.sms_webhook_url} "
                    f"({delivery.failure}); the message is recorded as undelivered",
                },
                status_code=502,
            )
        return {"sid": delivery.message.sid, "webhook_status": delivery.webhook_status}

    @router.get("/messages")
    async def list_messages(
        phone: str | None = None, after: str | None = None
    ) -> list[PhoneMessage]:
        number = from_query(phone) if phone else None
        return [PhoneMessage.of(m) for m in await store.messages_for(number, after)]

    @router.delete("/messages", status_code=204)
    async def clear_messages() -> Response:
        await store.clear_messages()
        return Response(status_code=204)

    @router.get("/calls")
    async def list_calls(phone: str | None = None) -> list[PlacedCall]:
        number = from_query(phone) if phone else None
        return [PlacedCall.of(c) for c in await store.calls_for(number)]

    @router.delete("/calls", status_code=204)
    async def clear_calls() -> Response:
        await store.clear_calls()
        return Response(status_code=204)

    return router
