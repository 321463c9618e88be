"""Patients as other services ask about them: a returning caller by phone, and how to
reach a batch of patients. Each read is one audited transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from scheduler.adapters.patients import Patients, e164
from scheduler.domain.errors import FieldViolation, InvalidRequest, require
from scheduler.domain.patients import Contact, PatientFound
from scheduler.ports import SpaCatalog

# A batch of contacts is for one send run; more in one call is a mistake, not a need.
MAX_CONTACTS = 500


def _purpose(purpose: str) -> list[FieldViolation]:
    if purpose.strip():
        return []
    return [FieldViolation("purpose", "required", "why the patient is read, for the audit log")]


class PostgresPatientDirectory:
    def __init__(self, pool: asyncpg.Pool, catalog: SpaCatalog, patients: Patients) -> None:
        self._pool = pool
        self._catalog = catalog
        self._patients = patients

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
