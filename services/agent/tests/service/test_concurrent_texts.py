"""Texts through the agent's own subscriptions on real NATS JetStream and PostgreSQL: several
patients answered at once, one patient's texts still one after the other, in order."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter

import asyncpg
import nats
import pytest
from fakes import new_phone
from faststream.nats import NatsBroker
from google.protobuf.message import Message
from harness import SPA, Harness

from agent.subscriptions import Subscriptions
from medspa.events.v1 import outreach_pb2
from medspa_kit.consumer import Consumer
from medspa_kit.crypto import Purpose
from medspa_kit.envelope import Envelope

pytestmark = pytest.mark.integration
AT_ONCE = 4


async def wait_for(predicate, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(seconds):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_patients_are_answered_side_by_side_and_each_in_order(
    harness: Harness, stack, bus_namespace: str
) -> None:  # type: ignore[no-untyped-def]
    running: Counter[str] = Counter()
    most_per_patient = 0
    most_at_once = 0
    together = asyncio.Event()

    async def sms(conn: asyncpg.Connection, envelope: Envelope, message: Message) -> None:
        nonlocal most_per_patient, most_at_once
        phone = harness.cipher.open(message.from_phone, Purpose.PHONE)  # type: ignore[attr-defined]
        running[phone] += 1
        most_per_patient = max(most_per_patient, running[phone])
        most_at_once = max(most_at_once, sum(running.values()))
        if sum(running.values()) >= AT_ONCE:
            together.set()
        try:
            # Turns wait (briefly) for each other, so they overlap if the consumer lets them.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(together.wait(), timeout=2.0)
            await harness.sms(conn, envelope, message)
        finally:
            running[phone] -= 1

    broker = NatsBroker(stack.nats_url)
    consumer = Consumer(broker, harness.pool, bus_namespace, f"agent-{uuid.uuid4().hex[:6]}")
    Subscriptions(
        sms=sms,  # type: ignore[arg-type]
        booking=harness.booking,
        staff=harness.staff,
        outreach=harness.outreach,
    ).register(consumer, harness.cipher, texts_at_once=AT_ONCE)
    await broker.start()
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()

    async def publish(message: Message) -> None:
        envelope = Envelope.wrap(SPA, message, "test")
        await js.publish(
            envelope.subject(bus_namespace), envelope.payload, headers=envelope.headers()
        )

    chatty = new_phone()
    others = [new_phone() for _ in range(6)]
    texts = ["hydrafacial tomorrow", "1", "Ola Berg"]
    try:
        # A waitlist offer to one of them goes through outreach.sent first.
        sent = outreach_pb2.OutreachSent(
            spa_id=SPA, job_id="job-nats", kind="waitlist_offer", channel="sms",
            to_phone=harness.cipher.seal(others[0], Purpose.PHONE), expects_reply="accept",
            offer_id="offer-nats",
        )  # fmt: skip
        await publish(sent)

        async def offer_noted() -> bool:
            async with harness.pool.acquire() as conn:
                return bool(
                    await conn.fetchval("SELECT 1 FROM outreach_pending WHERE job_id = 'job-nats'")
                )

        await wait_for(offer_noted)
        for text in texts:
            await publish(harness.sms_event(chatty, text))
        for phone in others:
            await publish(harness.sms_event(phone, "yes" if phone == others[0] else "hi"))

        async def all_answered() -> bool:
            replies = [len(await harness.replies(p)) for p in (chatty, *others)]
            return replies == [len(texts)] + [1] * len(others)

        await wait_for(all_answered)
    finally:
        await broker.stop()
        await nc.close()
    assert most_at_once > 1 and most_at_once <= AT_ONCE
    assert most_per_patient == 1
    cid = await harness.conversation_id(chatty)
    async with harness.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT seq, author, text_enc FROM turns WHERE conversation_id = $1::uuid ORDER BY seq",
            cid,
        )
    said = [
        harness.cipher.decrypt(bytes(r["text_enc"]), Purpose.TRANSCRIPT)
        for r in rows
        if r["author"] == "patient"
    ]
    assert said == texts
    assert [r["author"] for r in rows] == ["patient", "agent"] * len(texts)
    assert "Can I get your first and last name" in (await harness.replies(chatty))[1]
    [accepted] = [
        r
        for r in await harness.outbox("outreach.replied")
        if harness.cipher.open(r.from_phone, Purpose.PHONE) == others[0]
    ]
    assert accepted.offer_id == "offer-nats"


async def test_a_turn_waiting_on_the_lock_numbers_after_the_holders_turns(
    harness: Harness, phone: str
) -> None:
    """Whoever waited on the conversation's lock counts the turns committed meanwhile."""
    from agent.adapters.store import TurnRecord

    await harness.text(phone, "hi")
    store = harness.conversations.store
    cid = await harness.conversation_id(phone)
    holder = await harness.pool.acquire()
    try:
        tx = holder.transaction()
        await tx.start()
        held = await store.by_id(holder, SPA, cid)
        assert held is not None

        pid: list[int] = []

        async def second() -> int:
            async with harness.pool.acquire() as conn, conn.transaction():
                pid.append(conn.get_server_pid())
                waiting = await store.by_id(conn, SPA, cid)
                assert waiting is not None
                return await store.add_turn(conn, waiting, TurnRecord("agent", "sms", "b"))

        waiter = asyncio.create_task(second())

        async def blocked() -> bool:
            return bool(pid) and bool(
                await holder.fetchval(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid[0]
                )
            )

        await wait_for(blocked, seconds=10)
        assert await store.add_turn(holder, held, TurnRecord("agent", "sms", "a")) == 3
        await tx.commit()
    finally:
        await harness.pool.release(holder)
    assert await waiter == 4
