"""The handoff inbox over HTTP: a handoff arrives from the bus with its whole conversation,
staff claim it, text the patient, hand it back; each step says its events and is audited."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from console_harness import SPA, Console, eventually, stamp

from console.adapters.conversations import ConversationStore
from console.domain.roles import Role
from medspa.commands.v1 import commands_pb2
from medspa.common.v1 import common_pb2
from medspa.events.v1 import console_pb2, conversation_pb2, telephony_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


def phone() -> str:
    return f"+1415555{uuid.uuid4().int % 10000:04d}"


async def hand_off(
    console: Console,
    patient: str,
    *,
    priority: int = conversation_pb2.HANDOFF_PRIORITY_NORMAL,
    minutes: int = 15,
    words: str = "Can I move my filler appointment? Also my lip feels odd.",
) -> tuple[str, str]:
    """A patient's text, the agent's turns for it, then its handoff: as the bus carries them."""
    conversation_id, handoff_id = str(uuid.uuid4()), str(uuid.uuid4())
    sid = "SM" + uuid.uuid4().hex
    now = console.clock.now()
    seal = console.cipher.seal
    await console.publish(
        telephony_pb2.SmsReceived(
            spa_id=SPA,
            message_sid=sid,
            from_phone=seal(patient, Purpose.PHONE),
            body=seal(words, Purpose.SMS_BODY),
            received_at=stamp(now),
        )
    )
    await console.publish(
        conversation_pb2.HandoffRequested(
            spa_id=SPA,
            conversation_id=conversation_id,
            handoff_id=handoff_id,
            reason="clinical",
            priority=priority,
            summary=seal(
                "Asks to move filler; reports an odd feeling in the lip.", Purpose.SUMMARY
            ),
            patient_phone=seal(patient, Purpose.PHONE),
            channel=common_pb2.CHANNEL_SMS,
            requested_at=stamp(now),
            captured=seal(
                json.dumps({"service": "lip-filler", "name": "Dana"}), "agent.captured_fields"
            ),
            transcript_ref=f"agent:conversations/{conversation_id}/turns/1-2",
            assigned_role="Nurse injector",
            respond_within_minutes=minutes,
        ),
        event_id=f"handoff-{handoff_id}",
    )
    await console.publish(
        conversation_pb2.ConversationTurn(
            spa_id=SPA,
            conversation_id=conversation_id,
            seq=2,
            author=conversation_pb2.TURN_AUTHOR_AGENT,
            channel=common_pb2.CHANNEL_SMS,
            text=seal("A nurse will text you back within 15 minutes.", Purpose.TRANSCRIPT),
            at=stamp(now + timedelta(seconds=1)),
            patient_phone=seal(patient, Purpose.PHONE),
            message_ref="reply-" + sid,
        )
    )
    return conversation_id, handoff_id


async def test_handoff_arrives_with_its_whole_conversation(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    patient = phone()
    _conversation_id, handoff_id = await hand_off(console, patient)

    async def detail() -> dict | None:
        answer = await desk.get(f"/v1/handoffs/{handoff_id}")
        body = answer.json() if answer.status_code == 200 else None
        return body if body and len(body["conversation"]["turns"]) == 2 else None

    body = await eventually(detail)
    assert body["phone"] == patient
    assert body["captured"] == {"service": "lip-filler", "name": "Dana"}
    assert body["summary"].startswith("Asks to move filler")
    assert [t["author"] for t in body["conversation"]["turns"]] == ["patient", "agent"]
    assert body["conversation"]["turns"][0]["text"].startswith("Can I move my filler")
    assert body["deadline"]["standing"] == "on_time"
    views = await console.rows(
        "SELECT actor, fields FROM audit_log WHERE subject_id = $1 AND action = 'handoff.view'",
        handoff_id,
    )
    assert views and views[-1]["actor"].startswith("staff:")
    assert set(views[-1]["fields"]) == {"summary", "phone", "captured"}


async def test_urgent_first_then_longest_waiting(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    _, normal = await hand_off(console, phone())
    _, urgent = await hand_off(
        console, phone(), priority=conversation_pb2.HANDOFF_PRIORITY_URGENT, minutes=0
    )

    async def listed() -> list[str] | None:
        ids = [h["id"] for h in (await desk.get("/v1/handoffs?limit=200")).json()["items"]]
        return ids if normal in ids and urgent in ids else None

    ids = await eventually(listed)
    assert ids.index(urgent) < ids.index(normal)
    page = await desk.get("/inbox")
    assert 'class="handoff priority-urgent' in page.text


async def test_claim_reply_and_hand_back(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    patient = phone()
    conversation_id, handoff_id = await hand_off(console, patient)
    await eventually(lambda: _status(desk, handoff_id))

    assert (await desk.post(f"/v1/handoffs/{handoff_id}/claim")).status_code == 204
    other = await console.sign_in(Role.FRONT_DESK)
    assert (await other.post(f"/v1/handoffs/{handoff_id}/claim")).status_code == 409

    # Staff answer a minute after the agent's last turn.
    console.clock.advance(minutes=1)
    sent = await desk.post(
        f"/v1/handoffs/{handoff_id}/reply", json={"text": "Hi Dana, calling you now."}
    )
    assert sent.status_code == 200
    command_id = sent.json()["command_id"]
    [send] = [c for c in await console.outbox("message.send") if c.command_id == command_id]
    assert isinstance(send, commands_pb2.SendMessage)
    assert console.cipher.open(send.to_phone, Purpose.PHONE) == patient
    assert console.cipher.open(send.body, Purpose.SMS_BODY) == "Hi Dana, calling you now."
    assert send.conversation_id == conversation_id and send.purpose == "staff_reply"
    [claimed] = [e for e in await console.outbox("handoff.claimed") if e.handoff_id == handoff_id]
    assert claimed.conversation_id == conversation_id

    paused = await desk.post(f"/v1/conversations/{conversation_id}/pause", json={"paused": True})
    assert paused.status_code == 204
    done = await desk.post(
        f"/v1/handoffs/{handoff_id}/resolve", json={"resolution": "answered", "hand_back": True}
    )
    assert done.status_code == 204
    [resolved] = [e for e in await console.outbox("handoff.resolved") if e.handoff_id == handoff_id]
    assert isinstance(resolved, console_pb2.HandoffResolved)
    assert resolved.returned_to_agent and resolved.resolution == "answered"
    pauses = [e for e in await console.outbox("conversation.paused")
              if e.conversation_id == conversation_id]  # fmt: skip
    assert [p.paused for p in pauses] == [True, False]
    detail = (await desk.get(f"/v1/handoffs/{handoff_id}")).json()
    assert detail["status"] == "resolved" and detail["deadline"]["standing"] == "met"
    assert detail["conversation"]["turns"][-1]["author"] == "staff"


async def _status(staff, handoff_id: str) -> str | None:
    answer = await staff.get(f"/v1/handoffs/{handoff_id}")
    return answer.json()["status"] if answer.status_code == 200 else None


async def test_live_stream_announces_a_new_handoff(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    async with desk.client.stream("GET", "/v1/stream", headers=desk.headers(False)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith("retry:")
        _, handoff_id = await hand_off(console, phone())
        async with asyncio.timeout(30):
            async for line in lines:
                if line.startswith("data:") and handoff_id in line:
                    break
    assert json.loads(line.removeprefix("data:"))["topic"] == "handoff"


async def test_a_reply_without_a_handoff_pauses_the_assistant(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    conversation_id, handoff_id = await hand_off(console, phone())
    await eventually(lambda: _status(desk, handoff_id))
    await desk.post(f"/v1/handoffs/{handoff_id}/resolve", json={"resolution": "answered"})
    answer = await desk.post(
        f"/v1/conversations/{conversation_id}/reply", json={"text": "One more thing."}
    )
    assert answer.status_code == 200
    pauses = [e for e in await console.outbox("conversation.paused")
              if e.conversation_id == conversation_id]  # fmt: skip
    assert [p.paused for p in pauses] == [True]


async def test_a_text_and_its_conversation_taken_at_once_still_meet(console: Console) -> None:
    """The console takes events concurrently: a patient's text committing while their
    conversation's first event is being taken must still join it, whichever goes first."""
    store = ConversationStore(console.cipher, timedelta(hours=24))
    patient, conversation_id, sid = phone(), str(uuid.uuid4()), "SM" + uuid.uuid4().hex
    now = console.clock.now()
    async with console.pool.acquire() as texts, console.pool.acquire() as turns:
        text_taken = texts.transaction()
        await text_taken.start()
        joined = await store.patient_text(texts, SPA, sid, patient, "Still open Friday?", now)
        assert joined is None

        async def conversation_arrives() -> None:
            async with turns.transaction():
                await store.touch(turns, SPA, conversation_id, now, phone=patient)

        waiting_pid = turns.get_server_pid()
        arriving = asyncio.create_task(conversation_arrives())

        async def blocked_on_the_lock() -> bool:
            return bool(await texts.fetchval(
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                waiting_pid,
            ))  # fmt: skip

        await eventually(blocked_on_the_lock)
        # The conversation waits for the text's transaction instead of missing its row.
        assert not arriving.done()
        await text_taken.commit()
        await asyncio.wait_for(arriving, 10)

    [row] = await console.rows("SELECT conversation_id FROM turns WHERE message_ref = $1", sid)
    assert str(row["conversation_id"]) == conversation_id
