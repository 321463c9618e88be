"""What the scheduler's service tests share: the demo spa, a fake clock, request builders,
and readers for rich gRPC errors and the outbox."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2, status_pb2

from medspa.calendar.v1 import calendar_pb2 as pb

SERVER = os.environ.get("SCHEDULER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
SPA = "lumen-aesthetics"
LA = ZoneInfo("America/Los_Angeles")
MONDAY = date(2026, 11, 30)
NAMESPACE = f"schedtest{uuid.uuid4().hex[:8]}"


def local(day: date, clock: str) -> int:
    return int(datetime.combine(day, time.fromisoformat(clock), tzinfo=LA).timestamp())


def stamp(instant: int) -> Timestamp:
    return Timestamp(seconds=instant)


class FakeClock:
    def __init__(self, now: int) -> None:
        self.value = now

    def now(self) -> int:
        return self.value


def phone(n: int) -> str:
    return f"+1415555{n:04d}"


def hold_request(start: int, provider_id: str = "sofia-ramirez", **fields) -> pb.HoldSlotRequest:
    fields.setdefault("request_id", str(uuid.uuid4()))
    fields.setdefault("service_id", "botox")
    patient = fields.pop("patient", pb.PatientRef(phone_e164=phone(1), name="Jane Doe"))
    return pb.HoldSlotRequest(
        spa_id=SPA, provider_id=provider_id, start=stamp(start), patient=patient, **fields
    )


async def confirmed(stub, start: int, provider: str = "sofia-ramirez", **fields) -> pb.Appointment:
    """A held and confirmed visit."""
    held = await stub.HoldSlot(hold_request(start, provider, **fields))
    return await stub.Confirm(
        pb.ConfirmRequest(spa_id=SPA, appointment_id=held.id, request_id=held.id)
    )


def close(
    appointment_id: str, outcome: int, request_id: str = "done"
) -> pb.CloseAppointmentRequest:
    return pb.CloseAppointmentRequest(
        spa_id=SPA, appointment_id=appointment_id, request_id=request_id, outcome=outcome
    )


DETAILS = (
    error_details_pb2.BadRequest,
    error_details_pb2.ErrorInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.ResourceInfo,
    pb.HoldConflict,
)


def details(error: grpc.aio.AioRpcError) -> dict[str, object]:
    """The rich error details of a refusal, by message name."""
    metadata = dict(error.trailing_metadata() or ())
    status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    found: dict[str, object] = {}
    for packed in status.details:
        for cls in DETAILS:
            if packed.Is(cls.DESCRIPTOR):
                message = cls()
                packed.Unpack(message)
                found[cls.__name__] = message
    return found


async def outbox_events(pool: asyncpg.Pool) -> list[tuple[str, bytes]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT subject, payload FROM outbox ORDER BY id")
    return [(r["subject"].split(".", 3)[3], bytes(r["payload"])) for r in rows]


def utc(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)
