"""Speed to lead, shadow mode, callbacks, the calendar and the owner's report, over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from console_harness import SPA, Console, eventually, stamp
from test_console_inbox import hand_off, phone

from console.domain.roles import Role
from console.ports import AppointmentInfo, ProviderInfo
from medspa.common.v1 import common_pb2
from medspa.events.v1 import booking_pb2, conversation_pb2, deposit_pb2, telephony_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


async def test_a_handoff_past_its_promise_raises_an_alert_and_texts_the_manager(
    console: Console,
) -> None:
    manager = await console.sign_in(Role.MANAGER)
    manager_phone = phone()
    saved = await manager.form("/settings/alert-phone", {"phone": manager_phone})
    assert saved.status_code == 303
    _, handoff_id = await hand_off(console, phone(), minutes=5)
    await eventually(lambda: _exists(manager, handoff_id))
    console.clock.advance(minutes=6)

    async def alert() -> dict | None:
        items = (await manager.get("/v1/alerts")).json()["items"]
        return next((a for a in items if a["subject_id"] == handoff_id), None)

    raised = await eventually(alert)
    assert raised["kind"] == "handoff"
    texts = [
        c for c in await console.outbox("message.send") if c.purpose == "staff_alert"
        and console.cipher.open(c.to_phone, Purpose.PHONE) == manager_phone
    ]  # fmt: skip
    body = console.cipher.open(texts[0].body, Purpose.SMS_BODY)
    assert "Lumen Aesthetics" in body and "odd" not in body
    assert (await manager.post(f"/v1/alerts/{raised['id']}/ack")).status_code == 204
    banner = await manager.get("/alerts/banner")
    assert handoff_id not in banner.text


async def _exists(staff, handoff_id: str) -> bool:
    return (await staff.get(f"/v1/handoffs/{handoff_id}")).status_code == 200


async def test_shadow_drafts_are_approved_or_edited_before_anything_is_sent(
    console: Console,
) -> None:
    manager = await console.sign_in(Role.MANAGER)
    answer = await manager.put("/v1/settings/autonomy", json={"autonomy": "shadow"})
    assert answer.json()["autonomy"] == "shadow" and answer.json()["source"] == "console"
    assert (await console.outbox("autonomy.changed"))[-1].autonomy == 3
    patient = phone()
    drafts = []
    for words in ("We have Tuesday at 2pm with Sofia.", "Our address is 2150 Fillmore."):
        drafts.append(
            await console.publish(
                conversation_pb2.ReplyDrafted(
                    spa_id=SPA,
                    conversation_id=str(uuid.uuid4()),
                    draft=console.cipher.seal(words, Purpose.SMS_BODY),
                    channel=common_pb2.CHANNEL_SMS,
                    intent="book",
                    patient_phone=console.cipher.seal(patient, Purpose.PHONE),
                    drafted_at=stamp(console.clock.now()),
                )
            )
        )

    async def pending() -> list[str] | None:
        ids = [d["id"] for d in (await manager.get("/v1/drafts?limit=200")).json()["items"]]
        return ids if set(drafts) <= set(ids) else None

    await eventually(pending)
    approved = await manager.post(f"/v1/drafts/{drafts[0]}/review", json={"decision": "approved"})
    edited = await manager.post(
        f"/v1/drafts/{drafts[1]}/review",
        json={"decision": "edited", "text": "We are at 2150 Fillmore Street, Suite 200."},
    )
    sends = {c.command_id: c for c in await console.outbox("message.send")}
    first, second = sends[approved.json()["command_id"]], sends[edited.json()["command_id"]]
    assert console.cipher.open(first.body, Purpose.SMS_BODY) == "We have Tuesday at 2pm with Sofia."
    assert console.cipher.open(second.body, Purpose.SMS_BODY).endswith("Suite 200.")
    assert console.cipher.open(second.to_phone, Purpose.PHONE) == patient
    decisions = {e.draft_id: e.decision for e in await console.outbox("draft.reviewed")}
    assert decisions[drafts[0]] == 1 and decisions[drafts[1]] == 2
    again = await manager.post(f"/v1/drafts/{drafts[0]}/review", json={"decision": "approved"})
    assert again.status_code == 404, "a draft is decided once"


async def test_a_missed_call_is_owed_a_callback_until_someone_calls(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    sid = "CA" + uuid.uuid4().hex
    await console.publish(
        telephony_pb2.CallMissed(
            spa_id=SPA,
            call_sid=sid,
            from_phone=console.cipher.seal(phone(), Purpose.PHONE),
            missed_at=stamp(console.clock.now()),
            reason="unanswered",
        )
    )

    async def owed() -> dict | None:
        items = (await desk.get("/v1/callbacks?limit=200")).json()["items"]
        return next((c for c in items if c["id"] == sid), None)

    callback = await eventually(owed)
    seconds = console.settings.missed_call_callback_seconds
    assert callback["deadline"]["seconds_left"] <= seconds
    assert (await desk.post(f"/v1/callbacks/{sid}/done")).status_code == 204
    done = (await desk.get("/v1/callbacks?status=done&limit=200")).json()["items"]
    assert any(c["id"] == sid and c["done_how"] == "staff" for c in done)


async def test_calendar_today_by_provider_and_a_patients_history(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    patient, conversation_id, patient_id = phone(), str(uuid.uuid4()), str(uuid.uuid4())
    now = console.clock.now()
    start = now.replace(hour=17, minute=0, second=0, microsecond=0)
    console.calendar.providers_ = [ProviderInfo("sofia", "Sofia Ramirez, NP", "NP")]
    console.calendar.appointments_ = [
        AppointmentInfo("a1", "botox", "Botox", "sofia", "Sofia Ramirez, NP", patient_id, start,
                        start + timedelta(minutes=30), "confirmed", True, conversation_id),
    ]  # fmt: skip
    await hand_off(console, patient)
    await console.publish(
        conversation_pb2.ConversationTurn(
            spa_id=SPA,
            conversation_id=conversation_id,
            seq=1,
            author=conversation_pb2.TURN_AUTHOR_PATIENT,
            channel=common_pb2.CHANNEL_SMS,
            text=console.cipher.seal("Book me for botox", Purpose.TRANSCRIPT),
            at=stamp(now),
            patient_phone=console.cipher.seal(patient, Purpose.PHONE),
            patient_id=patient_id,
        )
    )

    async def history() -> list | None:
        found = (await desk.get("/v1/appointments", params={"phone": patient})).json()
        return found or None

    [appointment] = await eventually(history)
    assert appointment["id"] == "a1" and appointment["provider_name"] == "Sofia Ramirez, NP"
    day = (await desk.get("/v1/appointments", params={"date": start.date().isoformat()})).json()
    assert [a["id"] for a in day] == ["a1"]
    page = await desk.get(f"/calendar?day={start.date().isoformat()}")
    assert "Sofia Ramirez, NP" in page.text and "Botox" in page.text


async def test_the_report_counts_what_the_events_said(console: Console) -> None:
    """A period of its own (a week two years ahead) so other tests' events stay out of it."""
    manager = await console.sign_in(Role.MANAGER)
    week = datetime(2028, 11, 13, tzinfo=UTC)  # a Monday
    night = week + timedelta(hours=10)  # 02:00 in San Francisco: the spa is closed
    day = week + timedelta(days=1, hours=19)  # Tuesday 11:00 there: open
    patient, conversation_id = phone(), str(uuid.uuid4())
    seal = console.cipher.seal
    events = [
        telephony_pb2.SmsReceived(
            spa_id=SPA, message_sid="SM" + uuid.uuid4().hex, from_phone=seal(patient, Purpose.PHONE),
            body=seal("hi, botox price?", Purpose.SMS_BODY), received_at=stamp(night),
        ),
        telephony_pb2.CallMissed(
            spa_id=SPA, call_sid="CA" + uuid.uuid4().hex, from_phone=seal(phone(), Purpose.PHONE),
            missed_at=stamp(day), reason="staff_missed",
        ),
        conversation_pb2.ConversationTurn(
            spa_id=SPA, conversation_id=conversation_id, seq=1,
            author=conversation_pb2.TURN_AUTHOR_PATIENT, channel=common_pb2.CHANNEL_SMS,
            text=seal("hi, botox price?", Purpose.TRANSCRIPT), at=stamp(night),
            patient_phone=seal(patient, Purpose.PHONE),
        ),
    ]  # fmt: skip
    for event in events:
        await console.publish(event)
    booking = booking_pb2.Booking(
        appointment_id=str(uuid.uuid4()), spa_id=SPA, service_id="botox", provider_id="sofia",
        patient_id=str(uuid.uuid4()), start=stamp(day), end=stamp(day + timedelta(minutes=30)),
        conversation_id=conversation_id,
    )  # fmt: skip
    await eventually(lambda: _conversation_known(console, conversation_id))
    await console.publish(booking_pb2.BookingConfirmed(booking=booking))
    await console.publish(booking_pb2.BookingNoShow(booking=booking))
    await eventually(lambda: _booked(console, booking.appointment_id))
    # Deposits are dated by their event time: these two land in the live week, checked apart.
    summary = await eventually(lambda: _summary(manager, week))
    figures = summary["figures"]
    assert figures["texts"] == 1 and figures["answered_after_hours"] == 1
    assert figures["answered_while_staff_busy"] == 1 and figures["calls"] == 1
    assert figures["no_shows"] == 1 and figures["no_show_rate"] == 1.0
    csv = await manager.get(
        "/v1/reports/summary.csv", params={"period": "week", "date": "2028-11-15"}
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert "answered_after_hours,1" in csv.text
    page = await manager.get("/report?period=week&day=2028-11-15")
    assert '<svg class="chart"' in page.text
    assert 'data-figure="after_hours">1<' in page.text


async def _conversation_known(console: Console, conversation_id: str) -> bool:
    return bool(await console.rows("SELECT 1 FROM conversations WHERE id = $1", conversation_id))


async def _booked(console: Console, appointment_id: str) -> bool:
    rows = await console.rows(
        "SELECT status FROM bookings WHERE appointment_id = $1", appointment_id
    )
    return bool(rows) and rows[0]["status"] == "no_show"


async def _summary(manager, week: datetime) -> dict | None:
    body = (await manager.get(
        "/v1/reports/summary", params={"period": "week", "date": week.date().isoformat()}
    )).json()  # fmt: skip
    return body if body["figures"]["texts"] >= 1 and body["figures"]["calls"] >= 1 else None


async def test_deposits_and_agent_bookings_are_counted_with_their_money(console: Console) -> None:
    manager = await console.sign_in(Role.MANAGER)
    before = (await manager.get("/v1/reports/summary?period=month")).json()["figures"]
    conversation_id = str(uuid.uuid4())
    now = console.clock.now()
    booking = booking_pb2.Booking(
        appointment_id=str(uuid.uuid4()), spa_id=SPA, service_id="botox", provider_id="sofia",
        patient_id=str(uuid.uuid4()), start=stamp(now + timedelta(days=3)),
        end=stamp(now + timedelta(days=3, minutes=30)), conversation_id=conversation_id,
    )  # fmt: skip
    money = common_pb2.Money(amount_minor=5000, currency="USD")
    await console.publish(booking_pb2.BookingConfirmed(booking=booking))
    await console.publish(deposit_pb2.DepositPaid(
        spa_id=SPA, deposit_id=str(uuid.uuid4()), appointment_id=booking.appointment_id,
        amount=money, conversation_id=conversation_id,
    ))  # fmt: skip
    await console.publish(deposit_pb2.DepositForfeited(
        spa_id=SPA, deposit_id=str(uuid.uuid4()), appointment_id=booking.appointment_id,
        amount=money, reason="no_show", conversation_id=conversation_id,
    ))  # fmt: skip

    async def counted() -> dict | None:
        now_figures = (await manager.get("/v1/reports/summary?period=month")).json()["figures"]
        moved = now_figures["deposits_forfeited_minor"] - before["deposits_forfeited_minor"]
        booked = now_figures["agent_bookings"] - before["agent_bookings"]
        return now_figures if moved == 5000 and booked == 1 else None

    after = await eventually(counted)
    assert after["deposits_collected_minor"] - before["deposits_collected_minor"] == 5000
    assert after["agent_booking_value_minor"] > before["agent_booking_value_minor"]


async def test_a_late_confirmation_does_not_undo_a_no_show(console: Console) -> None:
    """Each booking event has its own consumer, so a confirmation can arrive after the end."""
    day = datetime(2028, 12, 5, 19, tzinfo=UTC)
    booking = booking_pb2.Booking(
        appointment_id=str(uuid.uuid4()), spa_id=SPA, service_id="botox", provider_id="sofia",
        patient_id=str(uuid.uuid4()), start=stamp(day), end=stamp(day + timedelta(minutes=30)),
    )  # fmt: skip
    await console.publish(booking_pb2.BookingNoShow(booking=booking))
    await eventually(lambda: _booked(console, booking.appointment_id))
    await console.publish(booking_pb2.BookingConfirmed(booking=booking))

    async def confirmation_handled() -> bool:
        rows = await console.rows(
            "SELECT confirmed_at FROM bookings WHERE appointment_id = $1", booking.appointment_id
        )
        return bool(rows) and rows[0]["confirmed_at"] is not None

    await eventually(confirmation_handled)
    assert await _booked(console, booking.appointment_id)
