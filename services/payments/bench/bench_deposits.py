"""Deposits requested and settled per second through the stack, and the ledger checked
against the events; then the same for no-show fees charged to saved cards.

Payments runs in process with the sandbox provider on real NATS JetStream and
PostgreSQL (a throwaway database and bus namespace). The bench publishes N
booking.held events to JetStream, waits for N deposit.requested on JetStream,
then pays every link on the hosted page over HTTP (C at a time), waits for N
deposit.paid, and checks that the ledger's collected total equals the sum of
the deposit.paid events, cent for cent. Then N bookings with no deposit: each
gets a link to save a card (deposit.card_requested), every card is
saved on the page, N booking.no_show are published, and the ledger's no-show
fees must equal the sum of the deposit.no_show_charged events.

    .venv/bin/python services/payments/bench/bench_deposits.py [N] [C]

Environment: NATS_URL, DATABASE_URL (a server; the bench makes its own database).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from google.protobuf.timestamp_pb2 import Timestamp

from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import booking_pb2
from medspa_kit.envelope import Envelope
from medspa_kit.runtime import Runtime, run_service
from medspa_kit.streams import delete_streams, ensure_streams
from payments.main import build
from payments.settings import PaymentsSettings

SPA = "lumen-aesthetics"
TARGET_PER_S = 100


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stamp(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


def _held(n: int, now: datetime, deposit: bool = True) -> booking_pb2.BookingHeld:
    start = (now + timedelta(days=3 + n % 20)).replace(minute=0, second=0, microsecond=0)
    return booking_pb2.BookingHeld(
        booking=booking_pb2.Booking(
            appointment_id=str(uuid.uuid4()),
            spa_id=SPA,
            service_id="botox" if deposit else "hydrafacial",
            provider_id="sofia-ramirez",
            patient_id=f"bench-patient-{n}",
            start=_stamp(start),
            end=_stamp(start + timedelta(minutes=30)),
            deposit_required=deposit,
            deposit=Money(amount_minor=5000 if deposit else 0, currency="USD"),
            conversation_id=f"bench-conv-{n}",
            new_patient=True,
        ),
        hold_expires_at=_stamp(now + timedelta(minutes=30)),
    )


async def _ready(http: httpx.AsyncClient) -> None:
    for _ in range(600):
        with contextlib.suppress(httpx.TransportError):
            if (await http.get("/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("payments did not become ready")


async def bench(count: int, concurrency: int) -> int:
    from devstack.infra import create_database, drop_database, ensure_nats, ensure_postgres

    nats_handle = await ensure_nats(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    pg_handle = await ensure_postgres(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    run = uuid.uuid4().hex[:8]
    namespace, name = f"paybench{run}", f"pay_bench_{run}"
    database_url = await create_database(pg_handle.url, name)
    nc = await nats.connect(nats_handle.url)
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="paybench"))
    settings = PaymentsSettings(
        nats_url=nats_handle.url,
        database_url=database_url,
        bus_namespace=namespace,
        field_key_file=work / "field-keys.json",
        host="127.0.0.1",
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        log_level="WARNING",
    )
    app, wire = build(settings)
    started: dict[str, Runtime] = {}

    async def capture(runtime: Runtime) -> None:
        started["runtime"] = runtime
        await wire(runtime)

    service = asyncio.create_task(
        run_service("payments", settings, capture, port=port, host="127.0.0.1", app=app)
    )
    requested: dict[str, str] = {}
    paid: dict[str, int] = {}
    cards: dict[str, str] = {}
    fees: dict[str, int] = {}
    all_requested, all_paid = asyncio.Event(), asyncio.Event()
    all_cards, all_fees = asyncio.Event(), asyncio.Event()

    async def on_event(msg: Any) -> None:
        envelope = Envelope.from_nats(msg.subject, msg.headers, msg.data)
        message: Any = envelope.message()
        if envelope.name == "deposit.requested":
            requested[message.appointment_id] = message.payment_url
        elif envelope.name == "deposit.card_requested":
            cards[message.appointment_id] = message.payment_url
        elif envelope.name == "deposit.paid":
            paid[message.appointment_id] = message.amount.amount_minor
        elif envelope.name == "deposit.no_show_charged":
            fees[message.appointment_id] = message.amount.amount_minor
        for seen, done in ((requested, all_requested), (paid, all_paid), (cards, all_cards)):
            if len(seen) >= count:
                done.set()
        if len(fees) >= count:
            all_fees.set()

    sub = await js.subscribe(f"{namespace}.evt.*.deposit.>", cb=on_event, ordered_consumer=True)
    try:
        async with httpx.AsyncClient(base_url=settings.public_url, timeout=30.0) as http:
            await _ready(http)
            now = datetime.now(UTC)
            holds = [_held(n, now) for n in range(count)]
            began = time.perf_counter()
            for message in holds:
                envelope = Envelope.wrap(SPA, message, "bench")
                await js.publish(
                    envelope.subject(namespace), envelope.payload, headers=envelope.headers()
                )
            await asyncio.wait_for(all_requested.wait(), 300)
            requested_s = time.perf_counter() - began

            gate = asyncio.Semaphore(concurrency)

            async def pay(url: str) -> None:
                async with gate:
                    answer = await http.post(url.removeprefix(settings.public_url) + "/pay")
                    # The page answers a payment by sending the patient to the return page.
                    assert answer.status_code == 303, answer.status_code

            began = time.perf_counter()
            await asyncio.gather(*(pay(url) for url in requested.values()))
            await asyncio.wait_for(all_paid.wait(), 300)
            settled_s = time.perf_counter() - began

            # No deposit: a card on file, saved, then charged the no-show fee.
            unpaid = [_held(count + n, now, deposit=False) for n in range(count)]
            began = time.perf_counter()
            for message in unpaid:
                envelope = Envelope.wrap(SPA, message, "bench")
                await js.publish(
                    envelope.subject(namespace), envelope.payload, headers=envelope.headers()
                )
            await asyncio.wait_for(all_cards.wait(), 300)
            cards_s = time.perf_counter() - began

            async def save(url: str) -> None:
                async with gate:
                    answer = await http.post(
                        url.removeprefix(settings.public_url) + "/save",
                        content=b"card=4242",
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                    )
                    assert answer.status_code == 303, answer.status_code

            # The page records the saved card before it answers, as with a payment.
            began = time.perf_counter()
            await asyncio.gather(*(save(url) for url in cards.values()))
            saved_s = time.perf_counter() - began

            began = time.perf_counter()
            for message in unpaid:
                no_show = booking_pb2.BookingNoShow(booking=message.booking)
                envelope = Envelope.wrap(SPA, no_show, "bench")
                await js.publish(
                    envelope.subject(namespace), envelope.payload, headers=envelope.headers()
                )
            await asyncio.wait_for(all_fees.wait(), 300)
            fees_s = time.perf_counter() - began

        pool = await asyncpg.connect(database_url, server_settings={"search_path": "payments"})
        try:
            collected = int(
                await pool.fetchval(
                    "SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries"
                    " WHERE kind = 'collected'"
                )
            )
            deposits = int(
                await pool.fetchval("SELECT count(*) FROM deposits WHERE state = 'paid'")
            )
            fee_total = int(
                await pool.fetchval(
                    "SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries"
                    " WHERE kind = 'fee_charged'"
                )
            )
            fee_rows = int(
                await pool.fetchval("SELECT count(*) FROM deposits WHERE state = 'fee_charged'")
            )
        finally:
            await pool.close()
    finally:
        await sub.unsubscribe()
        started["runtime"].stop.set() if "runtime" in started else service.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await service
        await delete_streams(js, namespace)
        await nc.close()
        await drop_database(pg_handle.url, name)
        await pg_handle.stop()
        await nats_handle.stop()

    events_sum = sum(paid.values())
    fees_sum = sum(fees.values())
    rows = [
        ("deposits requested (booking.held -> deposit.requested)", count, requested_s),
        ("deposits settled (hosted page pay -> deposit.paid)", count, settled_s),
    ]
    fee_rows_out = [
        ("cards requested (booking.held, no deposit -> link)", count, cards_s),
        ("cards saved (hosted page save -> card_saved)", count, saved_s),
        ("no-show fees charged (booking.no_show -> charged)", count, fees_s),
    ]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\npayments: {count} deposits and {count} cards, {concurrency} patients at once"
        f" (load average at the end {load}, {os.cpu_count()} cores)\n"
    )
    print(f"{'stage':<58}{'count':>10}{'seconds':>10}{'per second':>12}")
    for label, n, seconds in rows + fee_rows_out:
        print(f"{label:<58}{n:>10}{seconds:>10.2f}{n / seconds:>12.0f}")
    ledger_ok = collected == events_sum == count * 5000 and deposits == count
    fees_ok = fee_total == fees_sum == count * 5000 and fee_rows == count
    print(
        f"\nledger collected {collected} minor units; deposit.paid events sum {events_sum};"
        f" paid deposits {deposits}: {'exact match' if ledger_ok else 'MISMATCH'}"
    )
    print(
        f"ledger no-show fees {fee_total} minor units; deposit.no_show_charged events sum"
        f" {fees_sum}; charged cards {fee_rows}: {'exact match' if fees_ok else 'MISMATCH'}"
    )
    slowest = min(n / s for _, n, s in rows)
    print(
        f"target {TARGET_PER_S}/s (deposits requested and settled):"
        f" {'met' if slowest >= TARGET_PER_S else 'NOT met'}"
    )
    return 0 if ledger_ok and fees_ok else 1


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    sys.exit(asyncio.run(bench(count, concurrency)))


if __name__ == "__main__":
    main()
