"""The retention purge against real PostgreSQL with a fixed clock: patients out of touch
for longer than the spa's window go with everything of theirs, anyone with something
newer stays, each run is audited with counts only, and one replica purges at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from scheduler_harness import MONDAY, SPA, hold_request, local, phone

from medspa.calendar.v1 import calendar_pb2 as pb
from scheduler.adapters.retention import Purged, RetentionPurge

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
DAY = 86_400
# Where the fake clock starts (conftest's `clock`).
CLOCK_START = local(MONDAY, "06:00")
YEARS_8 = 8 * 365 * DAY


@pytest.fixture
def purge(pool, catalog, clock, calendar) -> RetentionPurge:
    return RetentionPurge(pool, catalog, clock)


@pytest.fixture
async def purge_audits(pool, calendar):
    """The purge's audit entries written during the test (the log is never emptied)."""
    async with pool.acquire() as conn:
        mark = await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")

    async def read() -> list[tuple[str, list[str], str]]:
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT subject_id, fields, purpose FROM audit_log"
                " WHERE action = 'patients.purged' AND id > $1 ORDER BY id",
                mark,
            )
        return [(r["subject_id"], list(r["fields"]), r["purpose"]) for r in rows]

    return read


async def visit(stub, n: int, start: int = TEN) -> pb.Appointment:
    """A confirmed visit (a patient, an appointment with its room and request ids)."""
    held = await stub.HoldSlot(hold_request(start, "", patient=pb.PatientRef(phone_e164=phone(n))))
    return await stub.Confirm(
        pb.ConfirmRequest(spa_id=SPA, appointment_id=held.id, request_id=f"confirm-{held.id}")
    )


async def age(pool, patient_id: str, seconds: int = YEARS_8) -> None:
    """Move everything of a patient's into the past, as if it all happened `seconds` before
    the fake clock's start. Bookkeeping stamps come from the database's own clock, which runs
    on after that start: they are first brought back to it, so a test's margin of a day holds
    whatever today's date is."""
    key, gap = uuid.UUID(patient_id), timedelta(seconds=seconds)
    start = datetime.fromtimestamp(CLOCK_START, UTC)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE patients SET created_at = least(created_at, $3) - $2::interval,"
            " updated_at = least(updated_at, $3) - $2::interval,"
            " last_seen_at = least(last_seen_at, $3) - $2::interval"
            " WHERE id = $1",
            key,
            gap,
            start,
        )
        moved = await conn.fetch(
            "UPDATE appointments SET starts_at = starts_at - $2::interval,"
            " ends_at = ends_at - $2::interval, hold_expires_at = NULL,"
            " blocked = tstzrange(lower(blocked) - $2::interval, upper(blocked) - $2::interval),"
            " block_lo = block_lo - $3, block_hi = block_hi - $3,"
            " created_at = least(created_at, $4) - $2::interval,"
            " updated_at = least(updated_at, $4) - $2::interval"
            " WHERE patient_id = $1 RETURNING id",
            key,
            gap,
            seconds,
            start,
        )
        await conn.execute(
            "UPDATE appointment_resources SET blocked = tstzrange(lower(blocked) - $2::interval,"
            " upper(blocked) - $2::interval) WHERE appointment_id = ANY($1::uuid[])",
            [r["id"] for r in moved],
            gap,
        )
        await conn.execute(
            "UPDATE waitlist_entries SET created_at = least(created_at, $3) - $2::interval,"
            " updated_at = least(updated_at, $3) - $2::interval WHERE patient_id = $1",
            key,
            gap,
            start,
        )
        await conn.execute(
            "UPDATE consent_answers SET answered_at = least(answered_at, $3) - $2::interval"
            " WHERE patient_id = $1",
            key,
            gap,
            start,
        )


async def remaining(pool) -> dict[str, int]:
    async with pool.acquire() as conn:
        return {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
            for table in (
                "patients",
                "appointments",
                "appointment_resources",
                "appointment_requests",
                "waitlist_entries",
                "waitlist_requests",
                "consent_answers",
            )
        }


async def test_a_patient_out_of_touch_goes_with_everything_of_theirs(
    stub, pool, purge, purge_audits
):
    gone = await visit(stub, 51)
    await stub.AddToWaitlist(
        pb.AddToWaitlistRequest(
            spa_id=SPA,
            request_id="wait-51",
            service_id="botox",
            patient=pb.PatientRef(phone_e164=phone(51)),
        )
    )
    await stub.SetMarketingConsent(
        pb.SetMarketingConsentRequest(
            spa_id=SPA,
            request_id="yes-51",
            patient_id=gone.patient_id,
            granted=True,
            channel="sms",
            wording_ref="agent.consent_ask@en",
        )
    )
    await age(pool, gone.patient_id)
    stays = await visit(stub, 52, TEN + 3600)
    await age(pool, stays.patient_id, 2 * 365 * DAY)
    before = await remaining(pool)
    assert await purge.purge() == [Purged(SPA, 1, 1, 1, 1)]
    after = await remaining(pool)
    assert {table: before[table] - after[table] for table in before} == {
        "patients": 1,
        "appointments": 1,
        "appointment_resources": 1,
        "appointment_requests": 1,
        "waitlist_entries": 1,
        "waitlist_requests": 1,
        "consent_answers": 1,
    }
    async with pool.acquire() as conn:
        left = {str(r["id"]) for r in await conn.fetch("SELECT id FROM patients")}
    assert left == {stays.patient_id}
    [(spa, fields, purpose)] = await purge_audits()
    assert (spa, fields) == (SPA, ["phone", "name", "email", "date_of_birth"])
    assert purpose == (
        "retention of 2555 days (nothing of theirs since 2019-12-02): 1 patients,"
        " 1 appointments, 1 waitlist entries, 1 consent answers"
    )
    assert "0051" not in purpose


@pytest.mark.parametrize(
    "keeps",
    ["a visit still to come", "a recent call", "a recent waitlist entry", "a recent answer"],
)
async def test_anything_newer_than_the_window_keeps_a_patient(
    stub, pool, purge, purge_audits, keeps
):
    old = await visit(stub, 53)
    await age(pool, old.patient_id)
    if keeps == "a visit still to come":
        await visit(stub, 53, TEN + 7 * DAY)
    elif keeps == "a recent call":
        await stub.FindPatient(
            pb.FindPatientRequest(spa_id=SPA, phone_e164=phone(53), purpose="greet a caller")
        )
    elif keeps == "a recent waitlist entry":
        await stub.AddToWaitlist(
            pb.AddToWaitlistRequest(
                spa_id=SPA, request_id="w", service_id="botox", patient_id=old.patient_id
            )
        )
    else:
        await stub.SetMarketingConsent(
            pb.SetMarketingConsentRequest(
                spa_id=SPA, request_id="no", patient_id=old.patient_id, channel="voice"
            )
        )
        # Only the answer is recent: the patient's own last contact is made old again.
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE patients SET last_seen_at = created_at WHERE id = $1",
                uuid.UUID(old.patient_id),
            )
    assert await purge.purge() == [Purged(SPA)]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM patients") == 1
    [(_, fields, purpose)] = await purge_audits()
    assert fields == [] and ": 0 patients, 0 appointments" in purpose


async def test_the_window_is_counted_from_the_clock(stub, pool, purge, clock):
    old = await visit(stub, 54)
    await age(pool, old.patient_id, 2555 * DAY - DAY)
    assert await purge.purge() == [Purged(SPA)]
    clock.value += 2 * DAY
    assert (await purge.purge())[0].patients == 1


async def test_a_large_purge_goes_in_audited_batches(stub, pool, catalog, clock, purge_audits):
    for n in range(5):
        old = await visit(stub, 60 + n, TEN + n * DAY)
        await age(pool, old.patient_id)
    assert await RetentionPurge(pool, catalog, clock, batch=2).purge() == [Purged(SPA, 5, 5, 0, 0)]
    counts = [purpose.split(": ")[1].split(",")[0] for _, _, purpose in await purge_audits()]
    assert counts == ["2 patients", "2 patients", "1 patients"]
    assert (await remaining(pool))["patients"] == 0


async def test_one_replica_purges_at_a_time(stub, pool, purge, purge_audits):
    old = await visit(stub, 55)
    await age(pool, old.patient_id)
    async with pool.acquire() as other:
        assert await other.fetchval(
            "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':retention-purge'))"
        )
        try:
            assert await purge.purge() is None, "another replica is purging"
        finally:
            await other.execute(
                "SELECT pg_advisory_unlock(hashtext(current_schema() || ':retention-purge'))"
            )
    assert (await remaining(pool))["patients"] == 1
    assert await purge_audits() == []
    assert (await purge.purge())[0].patients == 1
