"""Refusals as gRPC statuses with rich details (google.rpc.Status in grpc-status-details-bin).

INVALID_ARGUMENT carries a BadRequest with one violation per field; a taken
slot carries the HoldConflict with alternatives, packed in the status details
and also alone in `hold-conflict-bin` for clients without rich-status support.
"""

from __future__ import annotations

import grpc
from google.protobuf.any_pb2 import Any as AnyPb
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from medspa.calendar.v1 import calendar_pb2 as pb
from scheduler.adapters.grpc_codec import slot
from scheduler.domain.errors import (
    Contended,
    InvalidRequest,
    NotFound,
    RequestIdReused,
    SchedulingError,
    SlotUnavailable,
    WrongState,
)
from scheduler.domain.model import SpaRules

DOMAIN = "scheduler.medspa"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
HOLD_CONFLICT_KEY = "hold-conflict-bin"


def _pack(message: Message) -> AnyPb:
    packed = AnyPb()
    packed.Pack(message)
    return packed


def _info(reason: str, **metadata: str) -> error_details_pb2.ErrorInfo:
    return error_details_pb2.ErrorInfo(reason=reason.upper(), domain=DOMAIN, metadata=metadata)


class Refusal:
    """What to abort an RPC with: code, message, trailing metadata."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        details: list[Message],
        extra: tuple[tuple[str, bytes], ...] = (),
    ) -> None:
        status = status_pb2.Status(
            code=getattr(code_pb2, code.name), message=message, details=[_pack(d) for d in details]
        )
        self.code = code
        self.message = message
        self.metadata = ((STATUS_DETAILS_KEY, status.SerializeToString()), *extra)


def refusal(error: SchedulingError, rules: SpaRules | None) -> Refusal:
    if isinstance(error, InvalidRequest):
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description, reason=v.reason.upper()
                )
                for v in error.violations
            ]
        )
        first = error.violations[0]
        info = _info(first.reason, field=first.field)
        return Refusal(grpc.StatusCode.INVALID_ARGUMENT, str(error), [bad, info])
    if isinstance(error, NotFound):
        resource = error_details_pb2.ResourceInfo(resource_type=error.kind, resource_name=error.id)
        return Refusal(
            grpc.StatusCode.NOT_FOUND, str(error), [resource, _info(f"unknown_{error.kind}")]
        )
    if isinstance(error, SlotUnavailable):
        conflict = pb.HoldConflict(
            reason=error.reason,
            alternatives=[slot(rules, s) for s in error.alternatives] if rules else [],
        )
        return Refusal(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"slot unavailable: {error.reason}",
            [conflict, _info(error.reason)],
            ((HOLD_CONFLICT_KEY, conflict.SerializeToString()),),
        )
    if isinstance(error, WrongState):
        failure = error_details_pb2.PreconditionFailure(
            violations=[
                error_details_pb2.PreconditionFailure.Violation(
                    type="STATE", subject="appointment", description=error.description
                )
            ]
        )
        return Refusal(
            grpc.StatusCode.FAILED_PRECONDITION, error.description, [failure, _info(error.reason)]
        )
    if isinstance(error, Contended):
        return Refusal(grpc.StatusCode.ABORTED, str(error), [_info("contended")])
    if isinstance(error, RequestIdReused):
        return Refusal(
            grpc.StatusCode.ALREADY_EXISTS,
            str(error),
            [_info("request_id_reused", request_id=error.request_id)],
        )
    return Refusal(grpc.StatusCode.INTERNAL, "unexpected calendar error", [])
