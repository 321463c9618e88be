"""The internal staff API: a deposit's history, the owner's totals per period,
and what policy.told input payments refuses to keep."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from payments_harness import (
    INTERNAL_TOKEN,
    Payments,
    booking,
    cancelled,
    eventually,
    paid_on_sandbox,
    policy_told,
)

from medspa.common.v1 import common_pb2
from medspa.events.v1 import booking_pb2

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
LA = ZoneInfo("America/Los_Angeles")


async def totals(service: Payments, **params: str) -> dict[tuple[str, str], int]:
    answer = await service.http.get(
        "/internal/ledger/totals", params={"spa_id": "lumen-aesthetics", **params}, headers=AUTH
    )
    assert answer.status_code == 200, answer.text
    return {(t["period_start"], t["kind"]): t["amount_minor"] for t in answer.json()["totals"]}


async def test_the_totals_per_period_count_every_movement(sandbox: Payments) -> None:
    today = sandbox.clock.now().astimezone(LA).date()
    window = {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}
    before = await totals(sandbox, **window)

    kept = booking(sandbox.clock, patient_id=f"p-{uuid.uuid4().hex[:6]}")
    refunded = booking(
        sandbox.clock, service_id="ipl-photofacial", patient_id=f"p-{uuid.uuid4().hex[:6]}"
    )
    await paid_on_sandbox(sandbox, kept)
    await paid_on_sandbox(sandbox, refunded)
    await sandbox.publish(booking_pb2.BookingNoShow(booking=kept))
    await sandbox.publish(cancelled(refunded))
    await sandbox.events("deposit.forfeited", kept.appointment_id)
    await sandbox.events("deposit.refunded", refunded.appointment_id)

    after = await totals(sandbox, **window)
    day = today.isoformat()
    for kind, more in (("collected", 10000), ("forfeited", 5000), ("refunded", 5000)):
        assert after.get((day, kind), 0) - before.get((day, kind), 0) == more, kind
    month = await totals(sandbox, period="month", **window)
    assert month[(today.replace(day=1).isoformat(), "collected")] == after[(day, "collected")]


async def test_the_staff_api_needs_its_token(sandbox: Payments) -> None:
    item = booking(sandbox.clock)
    await paid_on_sandbox(sandbox, item)
    row = await sandbox.state_of(item.appointment_id, "paid")
    url = f"/internal/deposits/{row['id']}"
    assert (await sandbox.http.get(url)).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert (await sandbox.http.get(url, headers=wrong)).status_code == 401
    answer = await sandbox.http.get(url, headers=AUTH)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["state"], body["amount_minor"], body["currency"]) == ("paid", 5000, "USD")
    assert [h["to"] for h in body["history"]] == ["requested", "paid"]
    unknown = await sandbox.http.get(f"/internal/deposits/{uuid.uuid4()}", headers=AUTH)
    assert unknown.status_code == 404
    assert (
        await sandbox.http.get("/internal/deposits/not-a-uuid", headers=AUTH)
    ).status_code == 404
    bad_window = await sandbox.http.get(
        "/internal/ledger/totals",
        params={"spa_id": "lumen-aesthetics", "start": "2026-02-01", "end": "2026-01-01"},
        headers=AUTH,
    )
    assert bad_window.status_code == 422


async def test_evidence_matches_a_policy_told_before_the_hold_existed(sandbox: Payments) -> None:
    item = booking(sandbox.clock, patient_id=f"p-{uuid.uuid4().hex[:6]}")
    early = policy_told(sandbox.clock, sandbox.cipher, item, with_appointment=False)
    unusable = [policy_told(sandbox.clock, sandbox.cipher, item) for _ in range(3)]
    unusable[0].ClearField("policy_text")
    unusable[1].channel = common_pb2.CHANNEL_UNSPECIFIED
    unusable[2].ClearField("told_at")
    ids = [await sandbox.publish(message) for message in (early, *unusable)]

    async def all_handled() -> bool:
        n = await sandbox.count("SELECT count(*) FROM inbox WHERE event_id = ANY($1)", ids)
        return n == len(ids)

    await eventually(all_handled, "every policy.told handled")
    await paid_on_sandbox(sandbox, item)
    row = await sandbox.state_of(item.appointment_id, "paid")

    async def evidence() -> dict[str, object] | None:
        answer = await sandbox.http.get(f"/internal/deposits/{row['id']}/evidence", headers=AUTH)
        body: dict[str, object] = answer.json()
        return body if body["policy_told"] else None

    found = await eventually(evidence, "the told policy in the evidence")
    [told] = found["policy_told"]  # type: ignore[index]
    assert told["answer"] == "accepted" and told["answer_text"] == "Yes, that's fine"
    assert (
        await sandbox.count(
            "SELECT count(*) FROM policy_told WHERE conversation_id = $1", item.conversation_id
        )
        == 1
    )
