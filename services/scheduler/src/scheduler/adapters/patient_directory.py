"""Patients as other services ask about them: a returning caller by phone, how to reach
a batch of patients, and their answer about marketing texts. Each call is one audited
transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from scheduler.adapters import consent
from scheduler.adapters.changes import digest
from scheduler.adapters.patients import Patients, e164
from scheduler.domain.commands import ConsentRequest
from scheduler.domain.consent import check_answer
from scheduler.domain.errors import Contended, FieldViolation, InvalidRequest, NotFound, require
from scheduler.domain.patients import Contact, PatientFound
from scheduler.ports import Clock, SpaCatalog

# A batch of contacts is for one send run; more in one call is a mistake, not a need.
MAX_CONTACTS = 500
# Tries at recording an answer whose request id is being recorded at the same moment.
ATTEMPTS = 3


def _purpose(purpose: str) -> list[FieldViolation]:
    if purpose.strip():
        return []
    return [FieldViolation("purpose", "required", "why the patient is read, for the audit log")]


class PostgresPatientDirectory:
    def __init__(
        self, pool: asyncpg.Pool, catalog: SpaCatalog, patients: Patients, clock: Clock
    ) -> None:
        self._pool = pool
        self._catalog = catalog
        self._patients = patients
        self._clock = clock

    async def find_patient(self, spa_id: str, phone: str, purpose: str) -> PatientFound | None:
        self._catalog.rules(spa_id)
        problems = _purpose(purpose)
        number = ""
        try:
            number = e164(phone, "phone_e164")
        except InvalidRequest as exc:
            problems.extend(exc.violations)
        require(problems)
        async with self._pool.acquire() as conn, conn.transaction():
            return await self._patients.find(conn, spa_id, number, purpose.strip())

    async def contacts(
        self, spa_id: str, patient_ids: Sequence[str], purpose: str
    ) -> list[Contact]:
        self._catalog.rules(spa_id)
        problems = _purpose(purpose)
        keys: list[uuid.UUID] = []
        for n, raw in enumerate(patient_ids):
            try:
                keys.append(uuid.UUID(raw))
            except ValueError:
                problems.append(FieldViolation(f"patient_ids[{n}]", "malformed", "a UUID"))
        if len(patient_ids) > MAX_CONTACTS:
            problems.append(
                FieldViolation("patient_ids", "too_many", f"at most {MAX_CONTACTS} per call")
            )
        require(problems)
        if not keys:
            return []
        async with self._pool.acquire() as conn, conn.transaction():
            return await self._patients.contacts(conn, spa_id, keys, purpose.strip())

    async def set_marketing_consent(self, request: ConsentRequest) -> Contact:
        self._catalog.rules(request.spa_id)
        answer, problems = check_answer(request.granted, request.channel, request.wording_ref)
        if not request.request_id:
            problems.append(FieldViolation("request_id", "required", "request_id is required"))
        key: uuid.UUID | None = None
        index: bytes | None = None
        if bool(request.patient_id) == bool(request.phone):
            problems.append(
                FieldViolation("patient_id", "one_of", "give either patient_id or phone_e164")
            )
        elif request.patient_id:
            try:
                key = uuid.UUID(request.patient_id)
            except ValueError:
                problems.append(FieldViolation("patient_id", "malformed", "patient_id is a UUID"))
        else:
            try:
                index = self._patients.phone_index(e164(request.phone, "phone_e164"))
            except InvalidRequest as exc:
                problems.extend(exc.violations)
        require(problems)
        # The phone enters only as its keyed index: a plain hash of a number is reversible.
        who = str(key) if key is not None else (index or b"").hex()
        fingerprint = digest(
            "consent", who, str(answer.granted), answer.channel, answer.wording_ref
        )
        for _ in range(ATTEMPTS):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    patient = await consent.locked(
                        conn, request.spa_id, patient_id=key, phone_index=index
                    )
                    if patient is None:
                        if key is not None:
                            raise NotFound("patient", str(key))
                        raise NotFound("patient", "", "no patient with this phone number")
                    row = await consent.record(
                        conn,
                        request.spa_id,
                        patient,
                        request.request_id,
                        answer,
                        self._clock.now(),
                        fingerprint,
                        purpose=f"marketing consent answered ({answer.channel})",
                    )
                    return await self._patients.contact(
                        conn, request.spa_id, row, "answer a marketing consent change"
                    )
            except asyncpg.UniqueViolationError:
                # The same request id is being recorded right now: the next try repeats it.
                continue
        raise Contended()
