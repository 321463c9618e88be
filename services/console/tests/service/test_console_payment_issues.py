"""Money payments could not settle, as staff meet it: a refund that did not reach the patient
and a no-show fee the card refused arrive from the bus as tasks with the appointment and the
patient's phone (each view audited), are resolved once, and a refund is retried by asking
payments with a refund.retry command; fees charged and owed land in the owner's report."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from console_harness import SPA, Console, eventually, stamp
from test_console_inbox import hand_off, phone

from console.domain.roles import Role
from medspa.common.v1 import common_pb2
from medspa.events.v1 import booking_pb2, deposit_pb2

pytestmark = pytest.mark.integration


def usd(minor: int) -> common_pb2.Money:
    return common_pb2.Money(amount_minor=minor, currency="USD")


async def booked_patient(console: Console) -> tuple[str, str, str, datetime]:
    """A patient who texted (so their conversation has the phone) and a confirmed booking."""
    patient = phone()
    conversation_id, _ = await hand_off(console, patient)
    start = console.clock.now() + timedelta(days=2)
    booking = booking_pb2.Booking(
        appointment_id=str(uuid.uuid4()), spa_id=SPA, service_id="botox", provider_id="sofia",
        patient_id=str(uuid.uuid4()), start=stamp(start),
        end=stamp(start + timedelta(minutes=30)), conversation_id=conversation_id,
    )  # fmt: skip
    await console.publish(booking_pb2.BookingConfirmed(booking=booking))
    return patient, conversation_id, booking.appointment_id, start


def refund_failed(
    deposit_id: str, appointment_id: str, conversation_id: str, attempt: int = 1
) -> deposit_pb2.DepositRefundFailed:
    return deposit_pb2.DepositRefundFailed(
        spa_id=SPA, deposit_id=deposit_id, appointment_id=appointment_id,
        conversation_id=conversation_id, amount=usd(5000), reason="expired_or_canceled_card",
        refund_ref=f"re_{uuid.uuid4().hex[:12]}", attempt=attempt,
    )  # fmt: skip


async def issue(staff, issue_id: str, status: str = "open") -> dict | None:
    answer = await staff.get("/v1/payment-issues", params={"status": status, "limit": 200})
    return next((i for i in answer.json()["items"] if i["id"] == issue_id), None)


async def test_a_failed_refund_is_a_task_with_its_context_audited_and_resolved_once(
    console: Console,
) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    patient, conversation_id, appointment_id, start = await booked_patient(console)
    deposit_id = str(uuid.uuid4())
    event = refund_failed(deposit_id, appointment_id, conversation_id)
    # The same event redelivered, and payments saying the same attempt again: one task.
    await console.publish(event, event_id=f"refund-failed-{deposit_id}")
    await console.publish(event, event_id=f"refund-failed-{deposit_id}")
    await console.publish(event)
    issue_id = f"refund-{deposit_id}-1"

    async def with_context() -> dict | None:
        found = await issue(desk, issue_id)
        return found if found and found["phone"] and found["appointment_start"] else None

    found = await eventually(with_context)
    assert found["kind"] == "refund_failed"
    assert (found["amount_minor"], found["currency"], found["amount"]) == (5000, "USD", "$50.00")
    assert found["reason"] == "expired_or_canceled_card" and found["attempt"] == 1
    assert found["phone"] == patient and found["appointment_id"] == appointment_id
    assert datetime.fromisoformat(found["appointment_start"]) == start
    assert found["service_id"] == "botox" and found["provider_id"] == "sofia"
    assert found["can_retry"] is True
    rows = await console.rows("SELECT count(*) AS n FROM money_issues WHERE deposit_id = $1",
                              deposit_id)  # fmt: skip
    assert rows[0]["n"] == 1
    views = await console.rows(
        "SELECT actor, fields FROM audit_log WHERE subject_id = $1 AND action = 'money_issue.view'",
        issue_id,
    )
    assert views and views[-1]["actor"].startswith("staff:")
    assert {"phone", "patient_id"} <= set(views[-1]["fields"])

    page = await desk.get("/callbacks")
    assert f'data-payment-issue="{issue_id}"' in page.text and patient in page.text
    assert f'action="/payment-issues/{issue_id}/retry-refund"' in page.text
    resolved = await desk.post(
        f"/v1/payment-issues/{issue_id}/resolve", json={"resolution": "patient_contacted"}
    )
    assert resolved.status_code == 204
    again = await desk.post(f"/v1/payment-issues/{issue_id}/resolve", json={"resolution": "waived"})
    assert again.status_code == 409
    assert await issue(desk, issue_id) is None
    closed = await issue(desk, issue_id, "resolved")
    assert closed and closed["resolution"] == "patient_contacted" and closed["resolved_at"]
    assert (await desk.post("/v1/payment-issues/nope/resolve",
                            json={"resolution": "waived"})).status_code == 404  # fmt: skip
    writes = await console.rows(
        "SELECT purpose FROM audit_log WHERE subject_id = $1 AND action = 'money_issue.resolve'",
        issue_id,
    )
    assert [w["purpose"] for w in writes] == ["patient_contacted"]


async def test_only_roles_that_work_callbacks_see_payment_issues(console: Console) -> None:
    for role in (Role.AUDITOR, Role.PROVIDER):
        staff = await console.sign_in(role)
        assert (await staff.get("/v1/payment-issues")).status_code == 403
        assert (await staff.post("/v1/payment-issues/x/resolve",
                                 json={"resolution": "waived"})).status_code == 403  # fmt: skip
        assert (await staff.post("/v1/payment-issues/x/retry-refund")).status_code == 403
    manager = await console.sign_in(Role.MANAGER)
    listed = await manager.get("/v1/payment-issues", params={"limit": 1, "status": "all"})
    assert listed.status_code == 200 and set(listed.json()) == {
        "items", "limit", "offset", "next_offset",
    }  # fmt: skip
    spec = (await manager.get("/v1/openapi.json")).json()["paths"]
    assert {"/v1/payment-issues", "/v1/payment-issues/{issue_id}/resolve",
            "/v1/payment-issues/{issue_id}/retry-refund"} <= set(spec)  # fmt: skip


async def test_no_show_fees_charged_and_owed_are_in_the_report_and_owed_is_a_task(
    console: Console,
) -> None:
    manager = await console.sign_in(Role.MANAGER)
    params = {"period": "month", "date": datetime.now(UTC).date().isoformat()}

    async def figures() -> dict:
        return (await manager.get("/v1/reports/summary", params=params)).json()["figures"]

    before = await figures()
    _, conversation_id, appointment_id, _ = await booked_patient(console)
    charged, owed = str(uuid.uuid4()), str(uuid.uuid4())
    charge = deposit_pb2.NoShowFeeCharged(
        spa_id=SPA, deposit_id=charged, appointment_id=appointment_id,
        conversation_id=conversation_id, amount=usd(3000), no_show_fee=usd(5000),
        deposit_forfeited=usd(2000),
    )  # fmt: skip
    refused = deposit_pb2.NoShowFeeFailed(
        spa_id=SPA, deposit_id=owed, appointment_id=appointment_id,
        conversation_id=conversation_id, amount=usd(7500), no_show_fee=usd(7500),
        reason="authentication_required",
    )  # fmt: skip
    for _ in range(2):  # redelivered: counted once
        await console.publish(charge, event_id=f"fee-charged-{charged}")
        await console.publish(refused, event_id=f"fee-failed-{owed}")

    async def counted() -> dict | None:
        now = await figures()
        moved = (now["no_show_fees_charged_minor"] - before["no_show_fees_charged_minor"],
                 now["no_show_fees_owed_minor"] - before["no_show_fees_owed_minor"])  # fmt: skip
        return now if moved == (3000, 7500) else None

    await eventually(counted)
    desk = await console.sign_in(Role.FRONT_DESK)
    task = await eventually(lambda: issue(desk, f"fee-{owed}"))
    assert task["kind"] == "fee_owed" and task["amount_minor"] == 7500
    assert task["reason"] == "authentication_required" and task["can_retry"] is False
    assert await issue(desk, f"fee-{charged}", "all") is None  # income, nothing to do

    exported = await manager.get("/v1/reports/summary.csv", params=params)
    table = dict(csv.reader(io.StringIO(exported.text)))
    assert {"no_show_fees_charged_minor", "no_show_fees_owed_minor"} <= set(table)
    page = await manager.get("/report", params={"period": "month", "day": params["date"]})
    shown = re.search(r'data-figure="no_show_fees_owed">([^<]+)<', page.text)
    assert shown is not None and shown.group(1).startswith("$")

    form = await desk.form(f"/payment-issues/fee-{owed}/resolve", {"resolution": "bogus"})
    assert form.status_code == 303 and "error=money.resolution" in form.headers["location"]
    form = await desk.form(f"/payment-issues/fee-{owed}/resolve",
                           {"resolution": "paid_another_way"})  # fmt: skip
    assert form.status_code == 303 and "note=money.resolved" in form.headers["location"]
    assert (await issue(desk, f"fee-{owed}", "resolved"))["resolution"] == "paid_another_way"


async def test_retry_refund_asks_payments_once_and_a_new_failure_is_a_new_task(
    console: Console,
) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    _, conversation_id, appointment_id, _ = await booked_patient(console)
    deposit_id = str(uuid.uuid4())
    await console.publish(refund_failed(deposit_id, appointment_id, conversation_id))
    first = f"refund-{deposit_id}-1"
    assert (await eventually(lambda: issue(desk, first)))["can_retry"] is True

    async def asked() -> list[tuple[str, int, str]]:
        return [
            (c.deposit_id, c.attempt, c.command_id)
            for c in await console.outbox("refund.retry")
            if c.deposit_id == deposit_id
        ]

    retried = await desk.form(f"/payment-issues/{first}/retry-refund", {})
    assert retried.status_code == 303 and "note=refund.retried" in retried.headers["location"]
    assert await asked() == [(deposit_id, 1, f"refund-retry-{deposit_id}-1")]
    [command] = [c for c in await console.outbox("refund.retry") if c.deposit_id == deposit_id]
    assert command.staff_id and command.spa_id == SPA
    assert (await issue(desk, first, "resolved"))["resolution"] == "refund_retried"
    # Resolved: asking again asks nothing more.
    assert (await desk.post(f"/v1/payment-issues/{first}/retry-refund")).status_code == 409
    form = await desk.form(f"/payment-issues/{first}/retry-refund", {})
    assert "error=money.already_resolved" in form.headers["location"]
    assert len(await asked()) == 1

    # The retry failed too: payments says so with attempt 2, a task of its own.
    await console.publish(refund_failed(deposit_id, appointment_id, conversation_id, 2))
    second = f"refund-{deposit_id}-2"
    await eventually(lambda: issue(desk, second))
    assert (await desk.post(f"/v1/payment-issues/{second}/retry-refund")).status_code == 204
    assert [a[1] for a in await asked()] == [1, 2]

    # A fee owed has no refund to retry: refused, and the task stays open.
    owed = str(uuid.uuid4())
    await console.publish(deposit_pb2.NoShowFeeFailed(
        spa_id=SPA, deposit_id=owed, appointment_id=appointment_id, amount=usd(4000),
        no_show_fee=usd(4000), reason="card_declined",
    ))  # fmt: skip
    fee = await eventually(lambda: issue(desk, f"fee-{owed}"))
    assert fee["can_retry"] is False
    assert (await desk.post(f"/v1/payment-issues/fee-{owed}/retry-refund")).status_code == 404
    form = await desk.form(f"/payment-issues/fee-{owed}/retry-refund", {})
    assert "error=money.no_refund" in form.headers["location"]
    assert await issue(desk, f"fee-{owed}") is not None
    assert not [c for c in await console.outbox("refund.retry") if c.deposit_id == owed]
