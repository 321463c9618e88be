"""Deposits and booking events for a conversation's own booking, policies and autonomy."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from harness import Harness

from agent.settings import ChangesBy, ConversationPolicy, FlagAction
from agent.sweeper import IdleSweeper
from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import booking_pb2, console_pb2, deposit_pb2
from medspa_kit.crypto import Purpose
from spa_config import AgentAutonomy, SpaDirectory, load_spas

pytestmark = pytest.mark.integration


async def held_botox(harness, phone) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    await harness.converse(
        phone, "botox tomorrow", "1", "Lee Smith", "forehead", "no", "none", "yes"
    )
    [appt] = [a for a in harness.calendar.booked.values() if a.status == "held"]
    return appt.id, await harness.conversation_id(phone)


async def test_the_deposit_link_is_texted_and_the_paid_booking_confirmed_once(
    harness, phone
) -> None:
    appointment_id, cid = await held_botox(harness, phone)
    expires = Timestamp()
    expires.FromDatetime(harness.clock.now + timedelta(minutes=15))
    requested = deposit_pb2.DepositRequested(
        spa_id="lumen-aesthetics", deposit_id="d1", appointment_id=appointment_id,
        conversation_id=cid, amount=Money(amount_minor=5000, currency="USD"),
        payment_url="https://pay.example/d1", expires_at=expires,
    )  # fmt: skip
    await harness.deliver(harness.booking.deposit_requested, requested)
    link = (await harness.replies(phone))[-1]
    assert "https://pay.example/d1" in link and "$50" in link
    booking = booking_pb2.Booking(
        appointment_id=appointment_id,
        spa_id="lumen-aesthetics",
        conversation_id=cid,
        patient_id="p-1",
    )
    confirmed = booking_pb2.BookingConfirmed(booking=booking)
    for _ in range(2):
        await harness.deliver(harness.booking.booking_changed, confirmed)
    replies = await harness.replies(phone)
    assert sum("You're confirmed" in r for r in replies) == 1


async def test_payments_own_words_are_forwarded_unchanged(harness, phone) -> None:
    appointment_id, cid = await held_botox(harness, phone)
    notice = harness.cipher.seal(
        "Pay your $50 deposit here: https://pay.example/x", Purpose.SMS_BODY
    )
    await harness.deliver(
        harness.booking.deposit_requested,
        deposit_pb2.DepositRequested(
            spa_id="lumen-aesthetics",
            appointment_id=appointment_id,
            conversation_id=cid,
            notice=notice,
        ),
    )
    assert (await harness.replies(phone))[-1] == "Pay your $50 deposit here: https://pay.example/x"


async def test_an_expired_deposit_offers_another_time(harness, phone) -> None:
    appointment_id, cid = await held_botox(harness, phone)
    await harness.deliver(
        harness.booking.deposit_expired,
        deposit_pb2.DepositExpired(
            spa_id="lumen-aesthetics", appointment_id=appointment_id, conversation_id=cid
        ),
    )
    assert "another time" in (await harness.replies(phone))[-1]
    offer = await harness.text(phone, "yes please")
    assert "Botox" in offer and "1)" in offer


async def test_an_intake_flag_books_a_consult_with_a_nurse_practitioner(harness, phone) -> None:
    replies = await harness.converse(
        phone, "botox next week", "1", "Mia Wong", "forehead", "no", "2"
    )
    assert "Sofia Ramirez, NP" in replies[-1] and "consultation" in replies[-1]
    assert "fine" not in replies[-1].lower()
    assert "1)" in replies[-1]
    await harness.converse(phone, "1", "yes")
    [appt] = [a for a in harness.calendar.booked.values() if a.status in ("held", "confirmed")]
    assert appt.service_id == "injectables-consult" and appt.provider_id == "sofia-ramirez"
    [intake] = await harness.events_for("intake.completed", phone)
    assert intake.needs_review and not intake.flags
    answers = json.loads(harness.cipher.open(intake.answers, "agent.intake_answers"))
    assert answers["flags"] == ["blood_thinners"]


async def test_a_spa_that_hands_flags_to_staff(pool, cipher, spas, calendar, clock, phone) -> None:
    policy = ConversationPolicy(intake_flag_action=FlagAction.HANDOFF)
    harness = Harness(pool, cipher, spas, calendar, clock, policy=policy)
    replies = await harness.converse(
        phone, "botox next week", "1", "Mia Wong", "forehead", "no", "1"
    )
    assert "your answers" in replies[-1]
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert handoff.reason == "intake_review"


async def test_returning_patient_asks_when_and_cancels_with_the_policy_read(harness, phone) -> None:
    appointment_id, cid = await held_botox(harness, phone)
    appt = harness.calendar.booked[appointment_id]
    harness.calendar.booked[appt.id] = type(appt)(**{**appt.__dict__, "status": "confirmed"})
    booking = booking_pb2.Booking(
        appointment_id=appt.id, spa_id="lumen-aesthetics", conversation_id=cid
    )
    await harness.deliver(
        harness.booking.booking_changed, booking_pb2.BookingConfirmed(booking=booking)
    )
    assert "booked for Botox" in await harness.text(phone, "when is my appointment?")
    terms = await harness.text(phone, "I need to cancel my appointment")
    assert "less than 48 hours" in terms and "forfeited" in terms and "YES" in terms
    done = await harness.text(phone, "yes")
    assert "cancelled" in done
    assert harness.calendar.booked[appt.id].status == "cancelled"


async def test_a_spa_that_keeps_changes_with_staff(
    pool, cipher, spas, calendar, clock, phone
) -> None:
    harness = Harness(
        pool, cipher, spas, calendar, clock, policy=ConversationPolicy(changes_by=ChangesBy.STAFF)
    )
    await harness.converse(phone, "hydrafacial tomorrow", "1", "Ola Berg", "yes")
    await harness.text(phone, "cancel my appointment please")
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert handoff.reason == "appointment_change"


async def test_reschedule_moves_a_visit_without_a_deposit(harness, phone) -> None:
    await harness.converse(phone, "hydrafacial tomorrow", "1", "Ola Berg", "yes")
    old = next(a for a in harness.calendar.booked.values() if a.status == "confirmed")
    replies = await harness.converse(phone, "can I reschedule to friday afternoon?", "1", "yes")
    assert "Let's move" in replies[0] and "1)" in replies[0]
    assert "now booked" in replies[-1]
    assert harness.calendar.booked[old.id].status == "cancelled"
    new = [a for a in harness.calendar.booked.values() if a.status == "confirmed"]
    assert (
        len(new) == 1
        and new[0].start.astimezone(harness.spas.get("lumen-aesthetics").tz).isoweekday() == 5
    )


async def test_after_hours_autonomy_leaves_opening_hours_to_staff(
    pool, cipher, calendar, clock, phone
) -> None:
    spa = load_spas(None).get("lumen-aesthetics")
    after_hours = spa.model_copy(
        update={
            "policies": spa.policies.model_copy(
                update={"agent_autonomy": AgentAutonomy.AFTER_HOURS}
            )
        }
    )
    spas = SpaDirectory([after_hours])
    calendar.spas = spas
    harness = Harness(pool, cipher, spas, calendar, clock)
    reply = await harness.text(phone, "botox tomorrow?")
    assert "Our team is in right now" in reply
    clock.advance(hours=12)  # 10 PM: closed
    [handoff] = await harness.events_for("handoff.requested", phone)
    resolved = console_pb2.HandoffResolved(
        spa_id="lumen-aesthetics",
        handoff_id=handoff.handoff_id,
        conversation_id=handoff.conversation_id,
        returned_to_agent=True,
    )
    await harness.deliver(harness.staff.handoff_resolved, resolved)
    assert "1)" in await harness.text(phone, "botox tomorrow?")


async def test_shadow_autonomy_drafts_and_sends_nothing(
    pool, cipher, calendar, clock, phone
) -> None:
    spa = load_spas(None).get("lumen-aesthetics")
    shadow = spa.model_copy(
        update={
            "policies": spa.policies.model_copy(update={"agent_autonomy": AgentAutonomy.SHADOW})
        }
    )
    spas = SpaDirectory([shadow])
    calendar.spas = spas
    harness = Harness(pool, cipher, spas, calendar, clock)
    assert await harness.converse(phone, "hydrafacial tomorrow", "1", "Ola Berg", "yes") == [
        "",
        "",
        "",
        "",
    ]
    drafts = await harness.events_for("reply.drafted", phone)
    assert len(drafts) == 4
    assert "team will confirm" in harness.cipher.open(drafts[-1].draft, Purpose.SMS_BODY)
    assert harness.calendar.booked == {}


async def test_the_calendar_down_is_said_honestly_and_handed_off(harness, phone) -> None:
    harness.calendar.down = True
    reply = await harness.text(phone, "botox tomorrow")
    assert "can't reach our calendar" in reply
    [handoff] = await harness.events_for("handoff.requested", phone)
    assert handoff.reason == "calendar_down"


async def test_quiet_conversations_are_closed_and_summarised(
    harness, pool, spas, clock, phone
) -> None:
    await harness.converse(phone, "botox tomorrow", "1")
    cid = await harness.conversation_id(phone)
    clock.advance(hours=80)
    sweeper = IdleSweeper(pool, harness.conversations, spas, idle_hours=72, every_s=60, clock=clock)
    while await sweeper.sweep_once():
        continue
    [summary] = [
        e for e in await harness.outbox("conversation.summarized") if e.conversation_id == cid
    ]
    assert summary.outcome == "no_booking" and summary.turns == 4
    assert "Botox" in harness.cipher.open(summary.summary, Purpose.SUMMARY)
    # The next text starts a fresh conversation.
    await harness.text(phone, "hi")
    assert await harness.conversation_id(phone) != cid


async def test_a_patient_who_goes_quiet_and_returns_next_day_gets_fresh_times(
    harness, clock, phone
) -> None:
    await harness.text(phone, "hydrafacial")
    clock.advance(hours=26)
    reply = await harness.text(phone, "hi again, is 1 still ok?")
    assert "checked again" in reply or "Great" in reply
    assert uuid.UUID(await harness.conversation_id(phone))
