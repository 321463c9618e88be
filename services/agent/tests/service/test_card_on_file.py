"""The card-on-file link for the no-show fee (deposit.card_requested) texted at a calm moment,
once; the fee's notice (deposit.no_show_charged) forwarded once; staff-only payment events
left alone. Real PostgreSQL for the handlers, real JetStream for the subscriptions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import nats
import pytest
from faststream.nats import NatsBroker
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from harness import SPA, Harness

from agent.subscriptions import Subscriptions
from agent.sweeper import CardLinkSweeper
from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import deposit_pb2
from medspa_kit.consumer import Consumer
from medspa_kit.crypto import Purpose
from medspa_kit.envelope import Envelope
from spa_config import AgentAutonomy, SpaDirectory, load_spas

pytestmark = pytest.mark.integration
ASKED = "Reply YES or NO"
NOTICE = "For your Hydrafacial we keep a card on file for missed visits: https://pay.example/c1"


async def booked_hydrafacial(harness: Harness, phone: str) -> tuple[str, str]:
    """A new patient's booking with no deposit; the reply ends on the marketing question."""
    replies = await harness.converse(phone, "hydrafacial tomorrow", "1", "Ola Berg", "yes")
    assert replies[-1].startswith("You're booked") and ASKED in replies[-1]
    [appt] = [a for a in harness.calendar.booked.values() if a.status == "confirmed"]
    return appt.id, await harness.conversation_id(phone)


def card_event(
    harness: Harness, appointment_id: str, cid: str, *, notice: bool = True, deposit: str = ""
) -> deposit_pb2.CardOnFileRequested:
    # Deposit ids are unique across the deployment, and so are the commands named after them.
    deposit = deposit or f"card-{appointment_id}"
    expires = Timestamp()
    expires.FromDatetime(harness.clock.now + timedelta(hours=20))
    event = deposit_pb2.CardOnFileRequested(
        spa_id=SPA, deposit_id=deposit, appointment_id=appointment_id, conversation_id=cid,
        no_show_fee=Money(amount_minor=5000, currency="USD"),
        payment_url=f"https://pay.example/{deposit}", expires_at=expires,
        terms="Nothing is charged now.",
    )  # fmt: skip
    if notice:
        event.notice.CopyFrom(harness.cipher.seal(NOTICE, Purpose.SMS_BODY))
    return event


async def test_the_link_waits_for_the_answer_to_the_question_and_is_sent_once(
    harness: Harness, phone: str
) -> None:
    appointment_id, cid = await booked_hydrafacial(harness, phone)
    event = card_event(harness, appointment_id, cid)
    await harness.deliver(harness.booking.card_requested, event, event_id="card-evt-1")
    # Not between "Reply YES or NO" and its answer.
    assert ASKED in (await harness.replies(phone))[-1]
    # Redelivered, and the same deposit under another event id: nothing more.
    await harness.deliver(harness.booking.card_requested, event, event_id="card-evt-1")
    await harness.deliver(harness.booking.card_requested, event, event_id="card-evt-2")
    answered = await harness.text(phone, "no")
    # One reply for the patient's one text: the answer, then the link, unchanged.
    assert answered.startswith("No problem, we'll only text you about your appointments.")
    assert answered.endswith(NOTICE)
    await harness.deliver(harness.booking.card_requested, event, event_id="card-evt-3")
    await harness.text(phone, "thanks!")
    replies = await harness.replies(phone)
    assert sum(NOTICE in r for r in replies) == 1
    [consent] = harness.calendar.consents.values()
    assert not consent.granted


async def test_with_nothing_asked_the_link_follows_at_once_worded_from_the_catalog(
    harness: Harness, phone: str
) -> None:
    appointment_id, cid = await booked_hydrafacial(harness, phone)
    await harness.text(phone, "yes")
    before = len(await harness.replies(phone))
    event = card_event(harness, appointment_id, cid, notice=False)
    for _ in range(2):
        await harness.deliver(harness.booking.card_requested, event)
    replies = await harness.replies(phone)
    assert len(replies) == before + 1
    link = replies[-1]
    assert f"https://pay.example/card-{appointment_id}" in link and "$50" in link
    assert link.endswith("Nothing is charged now.")
    [command] = [
        c
        for c in await harness.outbox("cmd:message.send")
        if c.command_id == f"card-{event.deposit_id}"
    ]
    assert command.conversation_id == cid


async def test_a_link_kept_for_an_answer_that_never_comes_goes_on_its_own_after_a_quiet_spell(
    harness: Harness, phone: str
) -> None:
    appointment_id, cid = await booked_hydrafacial(harness, phone)
    await harness.deliver(harness.booking.card_requested, card_event(harness, appointment_id, cid))
    sweeper = CardLinkSweeper(
        harness.pool,
        harness.conversations,
        harness.spas,
        quiet_minutes=15,
        every_s=60,
        clock=harness.clock,
    )
    harness.clock.advance(minutes=10)
    await sweeper.sweep_once()
    assert ASKED in (await harness.replies(phone))[-1]
    harness.clock.advance(minutes=6)
    while await sweeper.sweep_once():
        continue
    assert (await harness.replies(phone))[-1] == NOTICE
    await sweeper.sweep_once()
    # The late answer is still read as the answer, and the link is not sent again.
    late = await harness.text(phone, "no")
    assert late == "No problem, we'll only text you about your appointments."
    assert (await harness.replies(phone)).count(NOTICE) == 1


async def test_a_link_for_a_booking_let_go_meanwhile_is_not_sent(
    harness: Harness, phone: str
) -> None:
    appointment_id, cid = await booked_hydrafacial(harness, phone)
    await harness.deliver(harness.booking.card_requested, card_event(harness, appointment_id, cid))
    await harness.text(phone, "cancel my appointment please")
    await harness.text(phone, "yes")
    assert harness.calendar.booked[appointment_id].status == "cancelled"
    await harness.text(phone, "ok thanks")
    assert not any(NOTICE in r for r in await harness.replies(phone))


async def test_under_shadow_autonomy_the_link_is_a_draft_for_staff(
    pool, cipher, calendar, clock, phone
) -> None:  # type: ignore[no-untyped-def]
    spa = load_spas(None).get(SPA)
    shadow = spa.model_copy(
        update={
            "policies": spa.policies.model_copy(update={"agent_autonomy": AgentAutonomy.SHADOW})
        }
    )
    spas = SpaDirectory([shadow])
    calendar.spas = spas
    harness = Harness(pool, cipher, spas, calendar, clock)
    await harness.text(phone, "hi")
    cid = await harness.conversation_id(phone)
    for _ in range(2):
        await harness.deliver(harness.booking.card_requested, card_event(harness, "a-1", cid))
    assert await harness.replies(phone) == []
    drafts = [
        d
        for d in await harness.events_for("reply.drafted", phone)
        if harness.cipher.open(d.draft, Purpose.SMS_BODY) == NOTICE
    ]
    assert len(drafts) == 1


async def test_the_fee_notice_is_forwarded_once(harness: Harness, phone: str) -> None:
    appointment_id, cid = await booked_hydrafacial(harness, phone)
    words = "We missed you at your Hydrafacial; the $50 no-show fee was charged to your card."
    charged = deposit_pb2.NoShowFeeCharged(
        spa_id=SPA, deposit_id="c1", appointment_id=appointment_id, conversation_id=cid,
        amount=Money(amount_minor=5000, currency="USD"),
        notice=harness.cipher.seal(words, Purpose.SMS_BODY),
    )  # fmt: skip
    for _ in range(2):
        await harness.deliver(harness.booking.deposit_notice, charged, event_id="fee-evt-1")
    replies = await harness.replies(phone)
    assert replies[-1] == words and sum(r == words for r in replies) == 1


async def test_events_for_a_conversation_the_agent_does_not_have_change_nothing(
    harness: Harness, phone: str
) -> None:
    before = len(await harness.outbox("cmd:message.send"))
    stranger = str(uuid.uuid4())
    await harness.deliver(harness.booking.card_requested, card_event(harness, "a-9", stranger))
    await harness.deliver(harness.booking.card_requested, card_event(harness, "a-9", ""))
    fee = deposit_pb2.NoShowFeeCharged(
        spa_id=SPA, conversation_id=stranger,
        notice=harness.cipher.seal("charged", Purpose.SMS_BODY),
    )  # fmt: skip
    await harness.deliver(harness.booking.deposit_notice, fee)
    assert len(await harness.outbox("cmd:message.send")) == before


async def test_through_the_subscriptions_on_jetstream(
    harness: Harness, stack, bus_namespace: str, phone: str
) -> None:  # type: ignore[no-untyped-def]
    """The agent subscribes to the link and the fee; staff-only failures it leaves alone."""
    appointment_id, cid = await booked_hydrafacial(harness, phone)
    await harness.text(phone, "no")
    broker = NatsBroker(stack.nats_url)
    service = f"agent-{uuid.uuid4().hex[:6]}"
    consumer = Consumer(broker, harness.pool, bus_namespace, service)
    Subscriptions(
        sms=harness.sms,
        booking=harness.booking,
        staff=harness.staff,
        outreach=harness.outreach,
    ).register(consumer, harness.cipher, texts_at_once=2)
    durables = {d.name for d in consumer.durables}
    assert f"{service}-deposit-card_requested" in durables
    assert f"{service}-deposit-no_show_charged" in durables
    # For staff, not the patient: the agent does not listen.
    assert f"{service}-deposit-charge_failed" not in durables
    assert f"{service}-deposit-refund_failed" not in durables
    await broker.start()
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()

    async def publish(message: Message, event_id: str) -> None:
        envelope = Envelope.wrap(SPA, message, "test", event_id=event_id)
        await js.publish(
            envelope.subject(bus_namespace), envelope.payload, headers=envelope.headers()
        )

    fee_words = "The $50 no-show fee was charged to your saved card."
    fee = deposit_pb2.NoShowFeeCharged(
        spa_id=SPA, deposit_id="c1", appointment_id=appointment_id, conversation_id=cid,
        notice=harness.cipher.seal(fee_words, Purpose.SMS_BODY),
    )  # fmt: skip
    try:
        card = card_event(harness, appointment_id, cid)
        await publish(card, "js-card-1")
        await publish(card, "js-card-2")
        await publish(fee, "js-fee-1")
        await publish(fee, "js-fee-1")

        async def both_sent() -> bool:
            replies = await harness.replies(phone)
            return NOTICE in replies and fee_words in replies

        async with asyncio.timeout(30):
            while not await both_sent():
                await asyncio.sleep(0.05)
    finally:
        await broker.stop()
        # Its durables would otherwise stay bound to the session's streams, beside other tests'.
        for durable in consumer.durables:
            await js.delete_consumer(durable.stream, durable.name)
        await nc.close()
    replies = await harness.replies(phone)
    assert replies.count(NOTICE) == 1 and replies.count(fee_words) == 1
