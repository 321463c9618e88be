"""`python -m scheduler` as a real process: ready over gRPC health, one trace from the
caller's traceparent to the booking event on JetStream, a patient's yes to marketing
texts withdrawn by telephony's opt-out heard on JetStream, its metrics, a clean stop on
SIGTERM, and no phone number in its logs or spans."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import uuid

import asyncpg
import grpc
import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from scheduler_harness import MONDAY, SERVER, SPA, local, stamp

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.calendar.v1 import calendar_pb2_grpc
from medspa.events.v1 import booking_pb2, telephony_pb2
from medspa_kit.crypto import FieldCipher, Purpose, dev_keyring
from medspa_kit.envelope import Envelope
from medspa_kit.streams import delete_streams

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
TRACE_ID = uuid.uuid4().hex
PHONE = "+14155550999"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def own_database():
    name = f"sched_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def serving(channel: grpc.aio.Channel) -> None:
    await channel.channel_ready()
    watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
    async for answer in watch:
        if answer.status == health_pb2.HealthCheckResponse.SERVING:
            watch.cancel()
            return


async def consent_withdrawn_by_an_opt_out(stub, bus, namespace, key_file) -> None:
    """A yes over gRPC, then telephony's STOP from the same number on JetStream: the
    scheduler's consumer withdraws the yes."""
    given = await stub.SetMarketingConsent(
        pb.SetMarketingConsentRequest(
            spa_id=SPA,
            request_id="proc-consent",
            phone_e164=PHONE,
            granted=True,
            channel="sms",
            wording_ref="agent.consent_ask@en",
        )
    )
    assert given.marketing_consent and given.time_zone == "America/Los_Angeles"
    cipher = FieldCipher(dev_keyring(key_file))
    stop = telephony_pb2.OptoutChanged(
        spa_id=SPA, phone=cipher.seal(PHONE, Purpose.PHONE), opted_out=True, keyword="STOP"
    )
    envelope = Envelope.wrap(SPA, stop, "telephony")
    await bus.jetstream().publish(
        envelope.subject(namespace), envelope.payload, headers=envelope.headers()
    )
    ask = pb.GetPatientContactsRequest(
        spa_id=SPA, patient_ids=[given.patient_id], purpose="recall offer"
    )
    for _ in range(300):
        [contact] = (await stub.GetPatientContacts(ask)).contacts
        if not contact.marketing_consent:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the opt-out did not withdraw marketing consent")


async def scrape(port: int) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
    await writer.drain()
    body = (await reader.read()).decode()
    writer.close()
    return body


async def test_the_service_runs_traces_and_stops(own_database, tmp_path):
    namespace = f"schedproc{uuid.uuid4().hex[:8]}"
    grpc_port, http_port = free_port(), free_port()
    traces = tmp_path / "spans.jsonl"
    env = {
        **os.environ,
        "DATABASE_URL": own_database,
        "NATS_URL": NATS_URL,
        "MEDSPA_BUS_NAMESPACE": namespace,
        "FIELD_KEY_FILE": str(tmp_path / "keys.json"),
        "OTEL_TRACES_FILE": str(traces),
        "SCHEDULER_HOST": "127.0.0.1",
        "SCHEDULER_PORT": str(http_port),
        "SCHEDULER_GRPC_PORT": str(grpc_port),
    }
    env.pop("SPA_CONFIG", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scheduler",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    bus = await nats.connect(NATS_URL)
    try:
        held_events = await bus.subscribe(f"{namespace}.evt.{SPA}.booking.held")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            await asyncio.wait_for(serving(channel), timeout=60)
            stub = calendar_pb2_grpc.CalendarServiceStub(channel)
            parent = (("traceparent", f"00-{TRACE_ID}-{uuid.uuid4().hex[:16]}-01"),)
            found = await stub.FindSlots(
                pb.FindSlotsRequest(
                    spa_id=SPA, service_id="botox", **{"from": stamp(local(MONDAY, "00:00"))}
                ),
                metadata=parent,
            )
            slot = found.slots[0]
            held = await stub.HoldSlot(
                pb.HoldSlotRequest(
                    spa_id=SPA,
                    request_id="proc-1",
                    service_id="botox",
                    provider_id=slot.provider_id,
                    start=slot.start,
                    patient=pb.PatientRef(phone_e164=PHONE, name="Pat Example"),
                ),
                metadata=parent,
            )
            message = await held_events.next_msg(timeout=30)
            event = booking_pb2.BookingHeld.FromString(message.data)
            assert event.booking.appointment_id == held.id
            assert message.headers["ce-type"] == "medspa.booking.held.v1"
            assert TRACE_ID in message.headers["traceparent"]
            await consent_withdrawn_by_an_opt_out(stub, bus, namespace, tmp_path / "keys.json")
        metrics = await scrape(http_port)
        assert 'medspa_scheduler_bookings_total{status="held"} 1.0' in metrics
        assert 'medspa_scheduler_rpc_seconds_count{method="HoldSlot"} 1.0' in metrics
        assert "medspa_scheduler_hold_conflicts_total 0.0" in metrics
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        # The service made this namespace's streams; they go with the test.
        await delete_streams(bus.jetstream(), namespace)
        await bus.close()
    assert process.returncode == 0, output.decode()[-2000:]
    logs = output.decode()
    assert "0999" not in logs and "Pat Example" not in logs
    spans = [json.loads(line) for line in traces.read_text().splitlines()]
    ours = [s for s in spans if s["trace_id"] == TRACE_ID]
    assert any(s["name"].endswith("CalendarService/HoldSlot") for s in ours)
    assert "0999" not in traces.read_text()
