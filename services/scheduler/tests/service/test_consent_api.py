"""Marketing consent over gRPC and from telephony's opt-outs: stored on the patient,
the latest answer standing, idempotent by request id, audited, read back by outreach
with the patient's own time zone; every bad field named, nothing written when refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import grpc
import pytest
from scheduler_harness import MONDAY, SPA, details, hold_request, local, phone

from medspa.calendar.v1 import calendar_pb2 as pb
from medspa.events.v1 import telephony_pb2
from medspa_kit.crypto import Purpose
from medspa_kit.envelope import Envelope
from scheduler.adapters.patients import Patients
from scheduler.handlers import OptoutHandlers

pytestmark = pytest.mark.integration

TEN = local(MONDAY, "10:00")
WORDING = "agent.consent_ask@en"


def answer(request_id="c1", granted=True, channel="sms", wording=WORDING, **who):
    return pb.SetMarketingConsentRequest(
        spa_id=SPA,
        request_id=request_id,
        granted=granted,
        channel=channel,
        wording_ref=wording,
        **who,
    )


async def patient(stub, number=phone(41)) -> str:
    held = await stub.HoldSlot(hold_request(TEN, patient=pb.PatientRef(phone_e164=number)))
    return held.patient_id


async def contact_of(stub, patient_id) -> pb.PatientContact:
    found = await stub.GetPatientContacts(
        pb.GetPatientContactsRequest(spa_id=SPA, patient_ids=[patient_id], purpose="recall")
    )
    [only] = found.contacts
    return only


async def answers(pool) -> list[tuple]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT request_id, granted, channel, wording_ref,"
            " extract(epoch FROM answered_at)::bigint AS at FROM consent_answers"
            " ORDER BY answered_at, request_id"
        )
    return [tuple(r.values()) for r in rows]


async def audit_trail(pool, subject_id) -> list[tuple[str, list[str]]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, fields FROM audit_log WHERE subject_id = $1 ORDER BY id", subject_id
        )
    return [(r["action"], list(r["fields"])) for r in rows]


async def test_a_yes_is_stored_on_the_patient_and_read_back_by_outreach(stub, pool, clock):
    patient_id = await patient(stub)
    clock.value = TEN - 3600
    given = await stub.SetMarketingConsent(answer(patient_id=patient_id))
    assert (given.patient_id, given.phone_e164, given.time_zone) == (
        patient_id,
        phone(41),
        "America/Los_Angeles",
    )
    assert given.marketing_consent and given.marketing_consent_at.seconds == TEN - 3600
    assert await contact_of(stub, patient_id) == given
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT marketing_consent_channel, marketing_consent_wording, time_zone"
            " FROM patients WHERE id = $1",
            uuid.UUID(patient_id),
        )
    assert tuple(row.values()) == ("sms", WORDING, "America/Los_Angeles")
    assert await answers(pool) == [("c1", True, "sms", WORDING, TEN - 3600)]
    trail = await audit_trail(pool, patient_id)
    assert ("patient.consent_answered", ["marketing_consent"]) in trail
    assert trail[-1] == ("patient.read", ["phone"])


async def test_a_patient_is_found_by_the_number_they_answered_from(stub, pool):
    patient_id = await patient(stub, phone(42))
    given = await stub.SetMarketingConsent(answer(phone_e164="+1 (415) 555-0042"))
    assert given.patient_id == patient_id and given.marketing_consent


async def test_the_latest_answer_stands_and_every_answer_is_kept(stub, pool, clock):
    patient_id = await patient(stub)
    clock.value = TEN - 7200
    await stub.SetMarketingConsent(answer("yes", patient_id=patient_id))
    clock.value = TEN - 3600
    no = await stub.SetMarketingConsent(
        answer("no", granted=False, channel="voice", wording="", patient_id=patient_id)
    )
    assert not no.marketing_consent and no.marketing_consent_at.seconds == TEN - 3600
    clock.value = TEN - 5400
    late = await stub.SetMarketingConsent(answer("older", patient_id=patient_id))
    assert not late.marketing_consent, "an answer given before the one on file does not undo it"
    assert [(a[0], a[1]) for a in await answers(pool)] == [
        ("yes", True),
        ("older", True),
        ("no", False),
    ]


async def test_a_repeated_request_is_answered_not_applied_again(stub, pool, clock):
    patient_id = await patient(stub)
    clock.value = TEN - 7200
    first = await stub.SetMarketingConsent(answer("same", patient_id=patient_id))
    clock.value = TEN - 3600
    await stub.SetMarketingConsent(
        answer("later-no", granted=False, wording="", patient_id=patient_id)
    )
    again = await stub.SetMarketingConsent(answer("same", patient_id=patient_id))
    assert first.marketing_consent and not again.marketing_consent, "the patient as they now are"
    assert len(await answers(pool)) == 2
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await stub.SetMarketingConsent(
            answer("same", granted=False, wording="", patient_id=patient_id)
        )
    assert reused.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_unknown_patients_are_not_found_and_the_phone_is_never_repeated(stub, pool):
    await patient(stub)
    for who in ({"patient_id": str(uuid.uuid4())}, {"phone_e164": phone(99)}):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.SetMarketingConsent(answer(**who))
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        assert "0099" not in (refused.value.details() or "")
        assert details(refused.value)["ResourceInfo"].resource_type == "patient"
    assert await answers(pool) == []


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (answer(), [("patient_id", "ONE_OF")]),
        (answer(patient_id=str(uuid.uuid4()), phone_e164=phone(41)), [("patient_id", "ONE_OF")]),
        (answer(phone_e164="555-0100"), [("phone_e164", "BAD_PHONE")]),
        (answer(patient_id="nope"), [("patient_id", "MALFORMED")]),
        (
            answer(request_id="", channel="fax", wording="", phone_e164=phone(41)),
            [
                ("channel", "BAD_CHANNEL"),
                ("wording_ref", "REQUIRED"),
                ("request_id", "REQUIRED"),
            ],
        ),
    ],
)
async def test_bad_answers_name_the_field_and_change_nothing(stub, pool, request_, fields):
    await patient(stub)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.SetMarketingConsent(request_)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = details(refused.value)["BadRequest"].field_violations
    assert [(v.field, v.reason) for v in violations] == fields
    assert await answers(pool) == []


async def test_a_zone_the_number_cannot_settle_is_left_to_the_spa(stub, pool):
    patient_id = await patient(stub, "+447911123456")
    assert (await contact_of(stub, patient_id)).time_zone == ""
    async with pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT time_zone FROM patients WHERE id = $1", uuid.UUID(patient_id)
        )
    assert stored == "", "worked out once, on the first read, and kept"


def optout(cipher, number, opted_out=True, at=TEN - 600, keyword="STOP") -> Envelope:
    message = telephony_pb2.OptoutChanged(
        spa_id=SPA, phone=cipher.seal(number, Purpose.PHONE), opted_out=opted_out, keyword=keyword
    )
    message.changed_at.FromDatetime(datetime.fromtimestamp(at, UTC))
    return Envelope.wrap(SPA, message, "telephony")


async def heard(pool, cipher, envelope: Envelope) -> None:
    """The scheduler's handler, in a transaction as the kit's consumer runs it."""
    async with pool.acquire() as conn, conn.transaction():
        await OptoutHandlers(Patients(cipher)).changed(conn, envelope, envelope.message())


async def test_an_opt_out_withdraws_consent_once_and_is_audited(stub, pool, cipher, clock):
    patient_id = await patient(stub)
    clock.value = TEN - 3600
    await stub.SetMarketingConsent(answer(patient_id=patient_id))
    stop = optout(cipher, phone(41), at=TEN - 600)
    await heard(pool, cipher, stop)
    await heard(pool, cipher, stop)
    withdrawn = await contact_of(stub, patient_id)
    assert not withdrawn.marketing_consent
    assert withdrawn.marketing_consent_at.seconds == TEN - 600
    assert [a[:4] for a in await answers(pool)] == [
        ("c1", True, "sms", WORDING),
        (f"optout.changed:{stop.id}", False, "sms", "optout:STOP"),
    ]
    trail = [a for a in await audit_trail(pool, patient_id) if a[0] == "patient.consent_answered"]
    assert len(trail) == 2


async def test_opting_back_in_to_texts_is_not_a_yes_to_marketing(stub, pool, cipher):
    patient_id = await patient(stub)
    await heard(pool, cipher, optout(cipher, phone(41), opted_out=False, keyword="START"))
    contact = await contact_of(stub, patient_id)
    assert not contact.marketing_consent and not contact.HasField("marketing_consent_at")
    assert await answers(pool) == []


async def test_a_yes_given_after_an_opt_out_stands(stub, pool, cipher, clock):
    patient_id = await patient(stub)
    clock.value = TEN - 60
    await stub.SetMarketingConsent(answer(channel="voice", patient_id=patient_id))
    await heard(pool, cipher, optout(cipher, phone(41), at=TEN - 600))
    assert (await contact_of(stub, patient_id)).marketing_consent


async def test_an_opt_out_from_a_number_with_no_patient_changes_nothing(stub, pool, cipher):
    await patient(stub)
    await heard(pool, cipher, optout(cipher, phone(98)))
    assert await answers(pool) == []
