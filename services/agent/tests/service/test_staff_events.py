"""What staff do in the console, as the agent hears it, and the transcript it says back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from harness import SPA, Harness

from agent.adapters.store import ConversationStore
from medspa.events.v1 import console_pb2, conversation_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


def _stamp(moment) -> Timestamp:  # type: ignore[no-untyped-def]
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def set_autonomy(harness: Harness, autonomy: int, minutes_ago: int = 0) -> None:
    await harness.deliver(
        harness.staff.autonomy_changed,
        console_pb2.AutonomyChanged(
            spa_id=SPA,
            autonomy=autonomy,
            staff_id="manager-1",
            changed_at=_stamp(harness.clock.now - timedelta(minutes=minutes_ago)),
        ),
    )


async def turns(harness: Harness, phone: str) -> list[tuple[str, str, str | None]]:
    cid = await harness.conversation_id(phone)
    async with harness.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT author, text_enc, draft_status FROM turns WHERE conversation_id = $1::uuid"
            " ORDER BY seq",
            cid,
        )
    return [
        (r["author"], harness.cipher.decrypt(bytes(r["text_enc"]), Purpose.TRANSCRIPT),
         r["draft_status"])
        for r in rows
    ]  # fmt: skip


@pytest.fixture(autouse=True)
async def full_autonomy_after(harness: Harness):  # type: ignore[no-untyped-def]
    """The session's spa is shared by every test: leave it as the spa file says."""
    yield
    async with harness.pool.acquire() as conn:
        await conn.execute("DELETE FROM spa_autonomy WHERE spa_id = $1", SPA)


async def test_every_turn_is_said_for_the_console(harness: Harness, phone: str) -> None:
    event = harness.sms_event(phone, "hydrafacial tomorrow")
    envelope = await harness.deliver(harness.sms, event)
    said = await harness.events_for("conversation.turn", phone)
    assert [(t.seq, t.author) for t in said] == [
        (1, conversation_pb2.TURN_AUTHOR_PATIENT),
        (2, conversation_pb2.TURN_AUTHOR_AGENT),
    ]
    patient, agent = said
    assert harness.cipher.open(patient.text, Purpose.TRANSCRIPT) == "hydrafacial tomorrow"
    assert patient.message_ref == event.message_sid
    assert harness.cipher.open(patient.patient_phone, Purpose.PHONE) == phone
    reply = (await harness.replies(phone))[-1]
    assert harness.cipher.open(agent.text, Purpose.TRANSCRIPT) == reply
    assert agent.message_ref == f"reply-{envelope.id}"
    assert f"reply-{envelope.id}" in {
        c.command_id for c in await harness.outbox("cmd:message.send")
    }
    assert agent.intent == "book" and not agent.draft


async def test_shadow_autonomy_from_the_console_drafts_and_staff_send(
    harness: Harness, phone: str
) -> None:
    await set_autonomy(harness, console_pb2.AUTONOMY_SHADOW)
    envelope = await harness.deliver(harness.sms, harness.sms_event(phone, "hydrafacial tomorrow"))
    [draft] = await harness.events_for("reply.drafted", phone)
    assert harness.cipher.open(draft.patient_phone, Purpose.PHONE) == phone
    assert draft.drafted_at.ToDatetime().year == harness.clock.now.year
    [_, drafted] = await harness.events_for("conversation.turn", phone)
    assert drafted.draft
    text = harness.cipher.open(draft.draft, Purpose.SMS_BODY)
    # The console knows a draft by its event id.
    draft_id = f"draft-{envelope.id}"
    async with harness.pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1 FROM outbox WHERE event_id = $1", draft_id)
    # The console sends the approved draft itself and says so; the agent sends nothing more.
    await harness.deliver(
        harness.staff.staff_replied,
        console_pb2.StaffReplied(
            spa_id=SPA, conversation_id=draft.conversation_id, staff_id="staff-1",
            command_id="cmd-1", text=harness.cipher.seal(text, Purpose.TRANSCRIPT),
            sent_at=_stamp(harness.clock.now), draft_id=draft_id,
        ),
    )  # fmt: skip
    await harness.deliver(
        harness.staff.draft_reviewed,
        console_pb2.DraftReviewed(
            spa_id=SPA, conversation_id=draft.conversation_id, draft_id=draft_id,
            decision=console_pb2.DRAFT_DECISION_APPROVED, staff_id="staff-1", command_id="cmd-1",
        ),
    )  # fmt: skip
    assert await harness.replies(phone) == []
    assert await turns(harness, phone) == [
        ("patient", "hydrafacial tomorrow", None),
        ("agent", text, "approved"),
        ("staff", text, None),
    ]
    # The staff turn is the console's own: it is not said back to it.
    assert len(await harness.events_for("conversation.turn", phone)) == 2


async def test_the_newest_autonomy_change_wins(harness: Harness, phone: str) -> None:
    await set_autonomy(harness, console_pb2.AUTONOMY_SHADOW)
    await set_autonomy(harness, console_pb2.AUTONOMY_FULL, minutes_ago=5)  # late, older
    assert await harness.text(phone, "hydrafacial tomorrow") == ""
    await set_autonomy(harness, console_pb2.AUTONOMY_FULL)
    assert "1)" in await harness.text(phone, "hydrafacial tomorrow")


async def test_after_hours_autonomy_from_the_console(harness: Harness, phone: str) -> None:
    await set_autonomy(harness, console_pb2.AUTONOMY_AFTER_HOURS)
    assert "Our team is in right now" in await harness.text(phone, "botox tomorrow?")


async def test_a_staff_reply_is_in_the_transcript_and_what_the_llm_sees(
    harness: Harness, phone: str
) -> None:
    await harness.text(phone, "can I talk to a person?")
    cid = await harness.conversation_id(phone)
    await harness.deliver(
        harness.staff.staff_replied,
        console_pb2.StaffReplied(
            spa_id=SPA, conversation_id=cid, staff_id="staff-2", command_id="cmd-2",
            text=harness.cipher.seal("Hi, this is Dana from the front desk.", Purpose.TRANSCRIPT),
            sent_at=_stamp(harness.clock.now),
        ),
    )  # fmt: skip
    assert (await turns(harness, phone))[-1] == (
        "staff",
        "Hi, this is Dana from the front desk.",
        None,
    )
    async with harness.pool.acquire() as conn:
        conversation = await ConversationStore(harness.cipher).by_id(conn, SPA, cid)
    assert conversation is not None
    assert conversation.state.llm_history[-1] == {
        "role": "assistant",
        "name": "staff",
        "content": "Hi, this is Dana from the front desk.",
    }


async def test_claimed_then_handed_back_the_agent_answers_again(
    harness: Harness, phone: str
) -> None:
    await harness.text(phone, "I want to speak to a manager")
    [handoff] = await harness.events_for("handoff.requested", phone)
    cid = handoff.conversation_id
    await harness.deliver(
        harness.staff.handoff_claimed,
        console_pb2.HandoffClaimed(
            spa_id=SPA, handoff_id=handoff.handoff_id, conversation_id=cid, staff_id="staff-3"
        ),
    )
    assert await harness.text(phone, "hello?") == ""
    await harness.deliver(
        harness.staff.handoff_resolved,
        console_pb2.HandoffResolved(
            spa_id=SPA, handoff_id=handoff.handoff_id, conversation_id=cid,
            staff_id="staff-3", resolution="answered", returned_to_agent=True,
        ),
    )  # fmt: skip
    # A claim delivered late (another subscription) does not silence it again.
    await harness.deliver(
        harness.staff.handoff_claimed,
        console_pb2.HandoffClaimed(
            spa_id=SPA, handoff_id=handoff.handoff_id, conversation_id=cid, staff_id="staff-3"
        ),
        event_id="claimed-late",
    )
    assert "1)" in await harness.text(phone, "hydrafacial tomorrow")


async def test_a_paused_conversation_stays_quiet_until_resumed(
    harness: Harness, phone: str
) -> None:
    await harness.text(phone, "hi")
    cid = await harness.conversation_id(phone)
    pause = console_pb2.ConversationPaused(spa_id=SPA, conversation_id=cid, paused=True)
    await harness.deliver(harness.staff.paused, pause)
    assert await harness.text(phone, "hydrafacial tomorrow") == ""
    resume = console_pb2.ConversationPaused(spa_id=SPA, conversation_id=cid, paused=False)
    await harness.deliver(harness.staff.paused, resume)
    assert "1)" in await harness.text(phone, "hydrafacial tomorrow")
