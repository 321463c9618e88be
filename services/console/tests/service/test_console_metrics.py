"""The console's own figures on /metrics: handoffs waiting by priority, the time from a
handoff to a claim, deadline breaches and payment issues open, each checked against what the
tables say."""

from __future__ import annotations

import uuid

import pytest
from console_harness import SPA, Console, eventually
from prometheus_client.parser import text_string_to_metric_families
from test_console_inbox import hand_off, phone

from console.domain.roles import Role
from console.metrics import MONEY_KINDS
from medspa.common.v1 import common_pb2
from medspa.events.v1 import conversation_pb2, deposit_pb2

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(console: Console) -> Samples:
    async with console.client() as http:
        answer = await http.get("/metrics")
    assert answer.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def open_in_table(console: Console, rank: int) -> int:
    rows = await console.rows(
        "SELECT count(*) AS n FROM handoffs WHERE status = 'open' AND priority = $1", rank
    )
    return int(rows[0]["n"])


async def test_handoffs_open_and_the_time_to_a_claim(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    _, claimed_id = await hand_off(
        console, phone(), priority=conversation_pb2.HANDOFF_PRIORITY_HIGH
    )
    _, resolved_id = await hand_off(console, phone())

    async def gauge_matches_table() -> bool:
        samples = await scrape(console)
        high, normal = await open_in_table(console, 2), await open_in_table(console, 1)
        return (
            value(samples, "medspa_console_handoffs_open", priority="high") == high
            and value(samples, "medspa_console_handoffs_open", priority="normal") == normal
        )

    async def both_stored() -> bool:
        for handoff_id in (claimed_id, resolved_id):
            if (await desk.get(f"/v1/handoffs/{handoff_id}")).status_code != 200:
                return False
        return True

    await eventually(both_stored)
    await eventually(gauge_matches_table)
    assert value(await scrape(console), "medspa_console_handoffs_open", priority="high") >= 1
    before = await scrape(console)
    console.clock.advance(seconds=90)
    assert (await desk.post(f"/v1/handoffs/{claimed_id}/claim")).status_code == 204
    console.clock.advance(seconds=30)
    # Resolved without a claim first: that is when it was taken up.
    resolved = await desk.post(
        f"/v1/handoffs/{resolved_id}/resolve", json={"resolution": "answered"}
    )
    assert resolved.status_code == 204
    # Claiming it again (the same person) changes nothing and measures nothing.
    assert (await desk.post(f"/v1/handoffs/{claimed_id}/claim")).status_code == 204
    after = await scrape(console)

    name = "medspa_console_handoff_response_seconds"
    for priority, waited in (("high", 90.0), ("normal", 120.0)):
        count = value(after, f"{name}_count", priority=priority)
        assert count - value(before, f"{name}_count", priority=priority) == 1, priority
        grown = value(after, f"{name}_sum", priority=priority)
        assert grown - value(before, f"{name}_sum", priority=priority) == pytest.approx(waited)
    await eventually(gauge_matches_table)


async def test_every_breach_is_counted_once_by_kind(console: Console) -> None:
    manager = await console.sign_in(Role.MANAGER)
    _, handoff_id = await hand_off(console, phone(), minutes=5)

    async def stored() -> bool:
        return (await manager.get(f"/v1/handoffs/{handoff_id}")).status_code == 200

    await eventually(stored)

    async def alerts_by_kind() -> dict[str, int]:
        rows = await console.rows("SELECT kind, count(*) AS n FROM alerts GROUP BY kind")
        return {r["kind"]: int(r["n"]) for r in rows}

    alerts_before, before = await alerts_by_kind(), await scrape(console)
    console.clock.advance(minutes=6)

    async def raised() -> bool:
        rows = await console.rows(
            "SELECT 1 FROM alerts WHERE kind = 'handoff' AND subject_id = $1", handoff_id
        )
        return bool(rows)

    await eventually(raised)

    async def counted() -> bool:
        alerts, samples = await alerts_by_kind(), await scrape(console)
        name = "medspa_console_deadline_breaches_total"
        return all(
            value(samples, name, kind=kind) - value(before, name, kind=kind)
            == alerts.get(kind, 0) - alerts_before.get(kind, 0)
            for kind in ("handoff", "draft", "callback")
        )

    await eventually(counted)


async def test_payment_issues_open_follow_the_table(console: Console) -> None:
    desk = await console.sign_in(Role.FRONT_DESK)
    deposit_id = str(uuid.uuid4())
    await console.publish(deposit_pb2.NoShowFeeFailed(
        spa_id=SPA, deposit_id=deposit_id, appointment_id=str(uuid.uuid4()),
        amount=common_pb2.Money(amount_minor=4000, currency="USD"), reason="no_card",
    ))  # fmt: skip

    async def stored() -> bool:
        found = await console.rows("SELECT 1 FROM money_issues WHERE deposit_id = $1", deposit_id)
        return bool(found)

    async def gauge_matches_table() -> bool:
        rows = await console.rows(
            "SELECT kind, count(*) AS n FROM money_issues WHERE status = 'open' GROUP BY 1"
        )
        table = {r["kind"]: r["n"] for r in rows}
        samples = await scrape(console)
        gauge = "medspa_console_payment_issues_open"
        return all(value(samples, gauge, kind=k) == table.get(k, 0) for k in MONEY_KINDS)

    await eventually(stored)
    await eventually(gauge_matches_table)
    resolved = await desk.post(
        f"/v1/payment-issues/fee-{deposit_id}/resolve", json={"resolution": "waived"}
    )
    assert resolved.status_code == 204
    await eventually(gauge_matches_table)
