"""One contract for the Calendar port, run against the fake and the real scheduler over gRPC,
so the fake the other tests lean on cannot drift from what the scheduler does."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes import FakeCalendar, new_phone

from agent.adapters.calendar_grpc import GrpcCalendar
from agent.domain.state import Offer
from agent.ports import (
    Calendar,
    CalendarRefused,
    CalendarUnavailable,
    ConsentRequest,
    HoldRequest,
    SlotSearch,
    SlotUnavailable,
)
from tests.integration.system import Process, free_port

pytestmark = pytest.mark.integration
SPA = "lumen-aesthetics"


@pytest.fixture(scope="session")
async def scheduler_target(
    stack, database_url, bus_namespace, tmp_path_factory
) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The real scheduler as its own process, on this session's database and bus."""
    workdir: Path = tmp_path_factory.mktemp("scheduler")
    grpc_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
        "NATS_URL": stack.nats_url,
        "DATABASE_URL": database_url,
        "MEDSPA_BUS_NAMESPACE": bus_namespace,
        "FIELD_KEY_FILE": str(workdir / "field-keys.json"),
        "SCHEDULER_GRPC_PORT": str(grpc_port),
        "SCHEDULER_PORT": str(free_port()),
        "STARTUP_TIMEOUT_S": "30",
    }
    process = Process(
        "scheduler", "scheduler", int(env["SCHEDULER_PORT"]), env, workdir / "scheduler.log"
    )
    process.start()
    try:
        await process.wait_ready()
        yield f"127.0.0.1:{grpc_port}"
    finally:
        process.stop()


@pytest.fixture(params=["fake", "scheduler"])
async def calendar(request, spas, scheduler_target: str) -> AsyncIterator[Calendar]:  # type: ignore[no-untyped-def]
    if request.param == "fake":
        yield FakeCalendar(spas, datetime.now(UTC))
        return
    grpc = GrpcCalendar(scheduler_target, 5.0)
    yield grpc
    await grpc.close()


def a_phone() -> str:
    return new_phone()


async def openings(calendar: Calendar, service_id: str, days: int = 21) -> list[Offer]:
    now = datetime.now(UTC)
    return await calendar.find_slots(
        SPA,
        SlotSearch(service_id, now, now + timedelta(days=days), limit=20, spread_across_days=True),
    )


async def test_the_menu_is_the_spas(calendar: Calendar) -> None:
    menu = {s.id: s for s in await calendar.services(SPA)}
    assert {"botox", "lip-filler", "hydrafacial"} <= set(menu)
    assert "forehead lines" in menu["botox"].aliases
    assert menu["lip-filler"].consult_required_for_new and menu["botox"].deposit_minor == 5000
    nps = [p for p in await calendar.providers(SPA, "botox") if p.credential == "NP"]
    assert [p.id for p in nps] == ["sofia-ramirez"]


async def test_openings_are_future_qualified_and_distinct(calendar: Calendar) -> None:
    found = await openings(calendar, "botox")
    qualified = {p.id for p in await calendar.providers(SPA, "botox")}
    assert found
    assert all(o.start > datetime.now(UTC) and o.provider_id in qualified for o in found)
    assert len({o.start for o in found}) == len(found)


async def test_hold_is_idempotent_and_a_taken_slot_offers_alternatives(calendar: Calendar) -> None:
    slot = (await openings(calendar, "hydrafacial"))[-1]
    request = HoldRequest(SPA, f"hold-{uuid.uuid4()}", slot, a_phone(), "Contract Test", "conv-1")
    held = await calendar.hold(request)
    assert held.status == "held" and held.start == slot.start and held.patient_id
    assert (await calendar.hold(request)).id == held.id
    rival = HoldRequest(SPA, f"hold-{uuid.uuid4()}", slot, a_phone(), "Someone Else", "conv-2")
    with pytest.raises(SlotUnavailable) as taken:
        await calendar.hold(rival)
    assert taken.value.alternatives
    assert all(
        (a.start, a.provider_id) != (slot.start, slot.provider_id) for a in taken.value.alternatives
    )
    confirmed = await calendar.confirm(SPA, held.id, f"confirm-{held.id}")
    assert confirmed.status == "confirmed"
    mine = await calendar.appointments(SPA, held.patient_id, datetime.now(UTC))
    assert [a.id for a in mine] == [held.id]
    assert (
        await calendar.cancel(SPA, held.id, f"cancel-{held.id}", "contract test")
    ).status == "cancelled"


async def test_filler_for_a_new_patient_needs_a_consultation_first(calendar: Calendar) -> None:
    slot = (await openings(calendar, "lip-filler"))[0]
    request = HoldRequest(SPA, f"hold-{uuid.uuid4()}", slot, a_phone(), "New Patient", "conv-3")
    with pytest.raises(SlotUnavailable) as refused:
        await calendar.hold(request)
    assert refused.value.reason == "consult_required"
    assert {a.service_id for a in refused.value.alternatives} == {"injectables-consult"}


async def test_marketing_consent_is_recorded_for_a_known_patient_only(calendar: Calendar) -> None:
    slot = (await openings(calendar, "hydrafacial"))[-2]
    phone = a_phone()
    held = await calendar.hold(
        HoldRequest(SPA, f"hold-{uuid.uuid4()}", slot, phone, "Consent Test", "c")
    )
    answer = ConsentRequest(
        SPA, f"consent-{uuid.uuid4()}", True, "sms", "agent.marketing.ask@en-US",
        patient_id=held.patient_id,
    )  # fmt: skip
    try:
        await calendar.set_marketing_consent(answer)
    except CalendarUnavailable:
        pytest.skip("this scheduler does not serve SetMarketingConsent yet")
    await calendar.set_marketing_consent(answer)  # idempotent by request id
    by_phone = ConsentRequest(
        SPA, f"consent-{uuid.uuid4()}", False, "sms", "agent.marketing.ask@en-US", phone=phone
    )
    await calendar.set_marketing_consent(by_phone)
    with pytest.raises(CalendarRefused):
        await calendar.set_marketing_consent(
            ConsentRequest(
                SPA, f"consent-{uuid.uuid4()}", True, "sms", "agent.marketing.ask@en-US",
                patient_id=str(uuid.uuid4()),
            )
        )  # fmt: skip
    await calendar.cancel(SPA, held.id, f"cancel-{held.id}", "contract test")
