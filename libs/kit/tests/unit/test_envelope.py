import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import booking_pb2, telephony_pb2
from medspa_kit.envelope import COMMANDS, EVENTS, Envelope, EnvelopeError


def test_event_subject_and_cloudevents_headers() -> None:
    event = booking_pb2.BookingHeld(booking=booking_pb2.Booking(appointment_id="a1", spa_id="glow"))
    envelope = Envelope.wrap("glow", event, "scheduler")
    assert envelope.subject("medspa") == "medspa.evt.glow.booking.held"
    headers = envelope.headers()
    assert headers["ce-type"] == "medspa.booking.held.v1"
    assert headers["ce-source"] == "scheduler"
    assert headers["ce-specversion"] == "1.0"
    assert headers["Nats-Msg-Id"] == headers["ce-id"] == envelope.id


def test_commands_go_on_the_command_subject() -> None:
    envelope = Envelope.wrap("glow", commands_pb2.SendMessage(command_id="c1"), "agent")
    assert envelope.subject("medspa") == "medspa.cmd.glow.message.send"


def test_round_trip_through_nats_shape() -> None:
    event = telephony_pb2.MessageStatus(spa_id="glow", message_sid="SM1", status="delivered")
    sent = Envelope.wrap("glow", event, "telephony", event_id="status-SM1-delivered")
    received = Envelope.from_nats(sent.subject("ns1"), sent.headers(), sent.payload)
    assert received.id == "status-SM1-delivered"
    assert received.name == "message.status"
    assert received.message() == event


def test_traceparent_of_the_current_span_is_carried() -> None:
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("work") as span:
        envelope = Envelope.wrap("glow", booking_pb2.SlotOpened(spa_id="glow"), "scheduler")
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert envelope.traceparent is not None and trace_id in envelope.traceparent
    assert trace.get_current_span() is trace.INVALID_SPAN


@pytest.mark.parametrize(
    ("subject", "headers", "data", "reason"),
    [
        ("medspa.evt.glow.sms.received", {}, b"", "no ce-id"),
        ("medspa.junk", {"ce-id": "1"}, b"", "is not"),
        ("medspa.evt.glow.no.such", {"ce-id": "1"}, b"", "unknown"),
        ("medspa.evt.glow.sms.received", {"ce-id": "1"}, b"\xff\xff\xff", "not a valid"),
        ("medspa.evt.glow.sms.received", {"ce-id": "1", "ce-time": "yesterday"}, b"", "ce-time"),
    ],
)
def test_messages_that_cannot_be_understood_say_why(
    subject: str, headers: dict[str, str], data: bytes, reason: str
) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        Envelope.from_nats(subject, headers, data).message()


def test_every_event_named_in_the_architecture_is_registered() -> None:
    named = {
        "sms.received", "call.started", "call.turn", "call.ended", "call.missed", "message.sent",
        "message.status", "optout.changed", "intent.detected", "handoff.requested",
        "intake.completed", "conversation.summarized", "booking.held", "booking.confirmed",
        "booking.rescheduled", "booking.cancelled", "booking.completed", "booking.no_show",
        "slot.opened", "deposit.requested", "deposit.paid", "deposit.expired", "deposit.refunded",
        "deposit.forfeited", "handoff.claimed", "handoff.resolved", "conversation.paused",
    }  # fmt: skip
    assert named <= set(EVENTS)
    # The architecture's two commands, and staff asking payments to refund again.
    assert set(COMMANDS) == {"message.send", "call.place", "refund.retry"}
