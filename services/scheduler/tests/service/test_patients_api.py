"""Patients over gRPC: details filled in encrypted, a returning caller recognised with
their last visits, contacts for outreach; every read audited, every bad field named."""

from __future__ import annotations

import uuid

import grpc
import pytest
from scheduler_harness import MONDAY, SPA, close, confirmed, details, hold_request, local, phone

from medspa.calendar.v1 import calendar_pb2 as pb

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
DAY = 86_400


@pytest.fixture
async def audits(pool, calendar):
    """The audit records written during the test (the log is append-only, never emptied)."""
    async with pool.acquire() as conn:
        mark = await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")

    async def read(subject_id=None):
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT action, fields, purpose FROM audit_log WHERE id > $1"
                " AND ($2::text IS NULL OR subject_id = $2) ORDER BY id",
                mark,
                subject_id,
            )
        return [(r["action"], list(r["fields"]), r["purpose"]) for r in rows]

    return read


async def test_email_and_birth_date_fill_empty_details_only(stub, pool, audits):
    first = pb.PatientRef(phone_e164=phone(11), name="Ana Lopez", email="ana@example.com")
    held = await stub.HoldSlot(hold_request(TEN, patient=first))
    later = pb.PatientRef(
        phone_e164=phone(11), email="other@example.com", date_of_birth="1990-02-03"
    )
    await stub.HoldSlot(hold_request(TEN + 3600, patient=later))
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM patients WHERE id = $1", uuid.UUID(held.patient_id)
        )
    stored = b"".join(bytes(v) for v in row.values() if isinstance(v, bytes))
    for secret in (b"ana@", b"example", b"other@", b"1990", b"Lopez"):
        assert secret not in stored
    assert row["email_enc"] is not None and row["dob_enc"] is not None
    trail = await audits(held.patient_id)
    assert trail[0][:2] == ("patient.created", ["phone", "name", "email"])
    assert trail[1][:2] == ("patient.updated", ["date_of_birth"]), "the email on file stays"


@pytest.mark.parametrize(
    ("patient", "fields"),
    [
        (pb.PatientRef(phone_e164=phone(12), email="ana@"), ["patient.email"]),
        (
            pb.PatientRef(phone_e164=phone(12), date_of_birth="1990-02-30"),
            ["patient.date_of_birth"],
        ),
        (
            pb.PatientRef(phone_e164=phone(12), date_of_birth="2030-01-01"),
            ["patient.date_of_birth"],
        ),
        (
            pb.PatientRef(phone_e164="12", email="x", date_of_birth="x"),
            ["patient.date_of_birth", "patient.email", "patient.phone_e164"],
        ),
    ],
)
async def test_bad_details_are_refused_and_nothing_is_written(stub, pool, patient, fields):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.HoldSlot(hold_request(TEN, patient=patient))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(v.field for v in details(refused.value)["BadRequest"].field_violations) == fields
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM patients") == 0


def find(number, purpose="greet a returning caller"):
    return pb.FindPatientRequest(spa_id=SPA, phone_e164=number, purpose=purpose)


async def test_a_new_caller_is_not_found_and_the_lookup_is_audited(stub, audits):
    answer = await stub.FindPatient(find(phone(20)))
    assert answer == pb.FindPatientResponse(found=False)
    assert await audits() == [("patient.lookup_missed", ["phone"], "greet a returning caller")]


async def test_a_returning_caller_is_greeted_with_their_last_visit_of_each_service(
    stub, clock, audits
):
    who = pb.PatientRef(phone_e164=phone(21), name="Ana Lopez")
    first = await confirmed(stub, TEN, patient=who)
    second = await confirmed(stub, TEN + DAY, "maya-chen", patient=who)
    facial = await confirmed(
        stub, TEN + 2 * DAY, "priya-patel", service_id="hydrafacial", patient=who
    )
    upcoming = await confirmed(stub, TEN + 3 * DAY, "maya-chen", patient=who)
    clock.value = TEN + 2 * DAY + 3600
    for visit in (first, second, facial):
        await stub.CloseAppointment(
            close(visit.id, pb.VISIT_OUTCOME_COMPLETED, f"close-{visit.id}")
        )
    answer = await stub.FindPatient(find("+1 415-555-0021"))
    assert (answer.found, answer.patient_id, answer.name) == (True, first.patient_id, "Ana Lopez")
    assert [(v.service_id, v.appointment_id, v.start.seconds) for v in answer.last_visits] == [
        ("hydrafacial", facial.id, TEN + 2 * DAY),
        ("botox", second.id, TEN + DAY),
    ]
    assert upcoming.id not in [v.appointment_id for v in answer.last_visits]
    action, fields, purpose = (await audits(first.patient_id))[-1]
    assert (action, fields, purpose) == (
        "patient.read",
        ["phone", "name", "visits"],
        "greet a returning caller",
    )


async def test_a_caller_without_a_name_on_file_is_found_without_one(stub):
    held = await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(22))))
    answer = await stub.FindPatient(find(phone(22)))
    assert (answer.found, answer.patient_id, answer.name, list(answer.last_visits)) == (
        True,
        held.patient_id,
        "",
        [],
    )


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (find("555-0100"), ["phone_e164"]),
        (find(phone(1), purpose=" "), ["purpose"]),
        (pb.FindPatientRequest(spa_id=SPA), ["phone_e164", "purpose"]),
    ],
)
async def test_bad_lookups_name_the_field(stub, audits, request_, fields):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.FindPatient(request_)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(v.field for v in details(refused.value)["BadRequest"].field_violations) == fields
    assert await audits() == []


async def test_a_lookup_at_an_unknown_spa_is_not_found(stub):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.FindPatient(pb.FindPatientRequest(spa_id="nowhere", phone_e164=phone(1)))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


async def test_contacts_come_in_the_order_asked_without_unknown_ids(stub, audits):
    a = await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=phone(31))))
    b = await stub.HoldSlot(hold_request(TEN + 3600, patient=pb.PatientRef(phone_e164=phone(32))))
    unknown = str(uuid.uuid4())
    answer = await stub.GetPatientContacts(
        pb.GetPatientContactsRequest(
            spa_id=SPA, patient_ids=[b.patient_id, unknown, a.patient_id], purpose="reminder"
        )
    )
    assert [(c.patient_id, c.phone_e164) for c in answer.contacts] == [
        (b.patient_id, phone(32)),
        (a.patient_id, phone(31)),
    ]
    assert [c.time_zone for c in answer.contacts] == ["America/Los_Angeles"] * 2
    assert not any(
        c.marketing_consent or c.HasField("marketing_consent_at") for c in answer.contacts
    )
    reads = [(s, f, p) for s, f, p in await audits() if s == "patient.read"]
    assert reads == [("patient.read", ["phone"], "reminder")] * 2


@pytest.mark.parametrize(
    ("ids", "purpose", "fields"),
    [
        (["nope"], "reminder", ["patient_ids[0]"]),
        ([str(uuid.uuid4())], "", ["purpose"]),
        ([str(uuid.uuid4())] * 501, "reminder", ["patient_ids"]),
    ],
)
async def test_bad_contact_reads_name_the_field(stub, ids, purpose, fields):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetPatientContacts(
            pb.GetPatientContactsRequest(spa_id=SPA, patient_ids=ids, purpose=purpose)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details(refused.value)["BadRequest"].field_violations] == fields
