"""The waitlist on the calendar screen and at GET /v1/waitlist: who waits for which service,
since when, and when they can come; names only for roles that may see patients, each view
audited; paginated; refused to the auditor."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from console_harness import Console

from console.domain.roles import PERMISSIONS, Permission, Role
from console.ports import WaitlistEntryInfo, Wishes

pytestmark = pytest.mark.integration


def entry(
    console: Console, service_id: str, minutes_ago: int, *, provider_id: str = "",
    wishes: Wishes | None = None,
) -> WaitlistEntryInfo:  # fmt: skip
    return WaitlistEntryInfo(
        id=str(uuid.uuid4()), patient_id=str(uuid.uuid4()), service_id=service_id,
        provider_id=provider_id,
        waiting_since=console.clock.now() - timedelta(minutes=minutes_ago),
        wishes=wishes or Wishes(),
    )  # fmt: skip


async def audited_patients(console: Console, purpose: str) -> set[str]:
    rows = await console.rows(
        "SELECT subject_id FROM audit_log WHERE action = 'patient.view' AND purpose = $1"
        " AND 'waitlist' = ANY(fields)",
        purpose,
    )
    return {r["subject_id"] for r in rows}


async def test_who_waits_for_what_since_when_and_their_wishes(console: Console) -> None:
    evenings = Wishes(
        days_of_week=(2, 4), parts_of_day=("evening",), earliest_time="17:00",
        latest_time="20:00", not_after=console.clock.now() + timedelta(days=30),
    )  # fmt: skip
    first = entry(console, "botox", 3 * 24 * 60, provider_id="sofia-ramirez", wishes=evenings)
    second = entry(console, "botox", 90)
    filler = entry(console, "lip-filler", 600)
    console.calendar.waitlist_ = [second, filler, first]
    console.calendar.names_ = {first.patient_id: "Dana Whitfield", filler.patient_id: "Lee Ortiz"}
    desk = await console.sign_in(Role.FRONT_DESK)

    answer = await desk.get("/v1/waitlist")
    assert answer.status_code == 200
    body = answer.json()
    assert [e["id"] for e in body["items"]] == [first.id, filler.id, second.id]
    assert body["next_offset"] is None
    top = body["items"][0]
    assert top["service_name"] == "Botox" and top["provider_name"] == "Sofia Ramirez, NP"
    assert top["patient_name"] == "Dana Whitfield"
    assert top["waited"] == "3d 0h"
    assert top["wishes"]["days_of_week"] == [2, 4]
    assert top["wishes"]["parts_of_day"] == ["evening"]
    assert top["wishes"]["earliest_time"] == "17:00" and top["wishes"]["latest_time"] == "20:00"
    assert top["wishes"]["summary"].startswith("Tue, Thu, evenings, 17:00 to 20:00, until ")
    last = body["items"][2]
    assert last["provider_id"] is None and last["provider_name"] is None
    assert last["patient_name"] is None, "no name on file"
    assert last["wishes"]["summary"] == "any time"

    # The names were read for this purpose, and every patient shown is in the audit log.
    assert console.calendar.name_reads[-1][1] == "console api"
    shown = {first.patient_id, second.patient_id, filler.patient_id}
    assert shown <= await audited_patients(console, "api")

    botox = (await desk.get("/v1/waitlist", params={"service_id": "botox"})).json()
    assert [e["id"] for e in botox["items"]] == [first.id, second.id]
    assert (await desk.get("/v1/waitlist", params={"service_id": "nope"})).status_code == 422


async def test_the_waitlist_pages_through_the_line_in_order(console: Console) -> None:
    line = [entry(console, "hydrafacial", 100 - i) for i in range(5)]
    console.calendar.waitlist_ = list(reversed(line))
    manager = await console.sign_in(Role.MANAGER)
    seen, offset, pages = [], 0, 0
    while offset is not None:
        page = (await manager.get("/v1/waitlist", params={"limit": 2, "offset": offset})).json()
        assert page["limit"] == 2 and page["offset"] == offset
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        offset, pages = page["next_offset"], pages + 1
    assert seen == [e.id for e in line] and pages == 3
    # Each page asked the calendar for one more than it shows, never the whole line.
    asked = [q["max_results"] for q in console.calendar.queries[-3:]]
    assert asked == [3, 5, 7]
    beyond = (await manager.get("/v1/waitlist", params={"offset": 600})).json()
    assert beyond["items"] == [] and beyond["next_offset"] is None


async def test_names_only_for_roles_that_may_see_patients(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = entry(console, "botox", 30)
    console.calendar.waitlist_ = [waiting]
    console.calendar.names_ = {waiting.patient_id: "Robin Hale"}
    # A role that reads the calendar but not patients (none ships that way today).
    monkeypatch.setitem(
        PERMISSIONS, Role.PROVIDER, PERMISSIONS[Role.PROVIDER] - {Permission.PATIENT_HISTORY}
    )
    reads_before = len(console.calendar.name_reads)
    provider = await console.sign_in(Role.PROVIDER)
    [item] = (await provider.get("/v1/waitlist")).json()["items"]
    assert item["patient_id"] == waiting.patient_id and item["patient_name"] is None
    page = await provider.get("/calendar")
    assert page.status_code == 200 and "Robin Hale" not in page.text
    assert len(console.calendar.name_reads) == reads_before, "no name was even looked up"
    assert waiting.patient_id not in await audited_patients(console, "api")


async def test_the_auditor_is_refused_the_waitlist(console: Console) -> None:
    console.calendar.waitlist_ = [entry(console, "botox", 5)]
    auditor = await console.sign_in(Role.AUDITOR)
    assert (await auditor.get("/v1/waitlist")).status_code == 403
    assert (await auditor.get("/calendar")).status_code == 403
    async with console.client() as anonymous:
        assert (await anonymous.get("/v1/waitlist")).status_code == 401


async def test_the_calendar_page_shows_the_waitlist_per_service(console: Console) -> None:
    dana = entry(console, "lip-filler", 2 * 24 * 60, wishes=Wishes(days_of_week=(6, 7)))
    kai = entry(console, "botox", 45, provider_id="maya-chen")
    console.calendar.waitlist_ = [dana, kai]
    console.calendar.names_ = {dana.patient_id: "Dana Whitfield", kai.patient_id: "Kai Moreno"}
    desk = await console.sign_in(Role.FRONT_DESK)
    page = await desk.get("/calendar")
    assert page.status_code == 200
    text = page.text
    assert "Kai Moreno" in text and "Dana Whitfield" in text
    # Grouped by service (alphabetical), each group first come first.
    assert text.index("<h3>Botox") < text.index("Kai Moreno") < text.index("<h3>Lip filler")
    assert text.index("<h3>Lip filler") < text.index("Dana Whitfield")
    assert "weekends" in text and "Dr. Maya Chen" in text
    assert {dana.patient_id, kai.patient_id} <= await audited_patients(console, "calendar waitlist")
    one = await desk.get("/calendar", params={"service": "botox"})
    assert "Kai Moreno" in one.text and "Dana Whitfield" not in one.text
    console.calendar.waitlist_ = []
    assert "Nobody is waiting" in (await desk.get("/calendar")).text
