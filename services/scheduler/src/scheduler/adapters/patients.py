"""Patients: the least scheduling needs, encrypted, found again by phone.

The phone is stored sealed and found through a keyed blind index, so the table
never holds a number in clear; every touch is written to the audit log.
"""

from __future__ import annotations

import uuid

import asyncpg
import phonenumbers

from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher
from scheduler.domain.errors import FieldViolation, InvalidRequest

PHONE = "patient.phone"
NAME = "patient.name"
ACTOR = "scheduler"


def e164(raw: str, field_name: str = "patient.phone_e164") -> str:
    """A phone number with its country code, in E.164; anything else is refused."""
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidRequest(
            [FieldViolation(field_name, "bad_phone", "a valid phone number with its country code")]
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Patients:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    def phone_index(self, phone: str) -> bytes:
        index: bytes = self._cipher.blind_index(phone, PHONE)
        return index

    async def find_or_create(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, name: str, purpose: str
    ) -> str:
        """The patient with this phone at this spa, created on first contact."""
        index = self.phone_index(phone)
        name_enc = self._cipher.encrypt(name, NAME) if name else None
        # One round trip for the usual cases: inserted, name filled in, or found as is.
        row = await conn.fetchrow(
            "WITH put AS (INSERT INTO patients (id, spa_id, phone_index, phone_enc, name_enc)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (spa_id, phone_index) DO UPDATE"
            " SET name_enc = EXCLUDED.name_enc, updated_at = now()"
            " WHERE patients.name_enc IS NULL AND EXCLUDED.name_enc IS NOT NULL"
            " RETURNING id, (xmax = 0) AS created)"
            " SELECT id, created, true AS written FROM put UNION ALL"
            " SELECT id, false, false FROM patients WHERE spa_id = $2 AND phone_index = $3"
            " AND NOT EXISTS (SELECT 1 FROM put)",
            uuid.uuid4(),
            spa_id,
            index,
            self._cipher.encrypt(phone, PHONE),
            name_enc,
        )
        if row is None:
            # Another transaction created this patient after our statement's snapshot.
            row = await conn.fetchrow(
                "SELECT id, false AS created, false AS written FROM patients"
                " WHERE spa_id = $1 AND phone_index = $2",
                spa_id,
                index,
            )
        patient_id = str(row["id"])
        if not row["written"]:
            action, fields = "patient.matched", ["phone"]
        elif row["created"]:
            action, fields = "patient.created", ["phone", "name"]
        else:
            action, fields = "patient.updated", ["name"]
        await audit(
            conn,
            actor=ACTOR,
            action=action,
            subject_type="patient",
            subject_id=patient_id,
            fields=fields,
            purpose=purpose,
            spa_id=spa_id,
        )
        return patient_id

    async def names(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        patient_ids: list[str],
        *,
        actor: str,
        purpose: str,
    ) -> dict[str, str]:
        """Decrypted names by patient id (audited, one record per patient)."""
        rows = await conn.fetch(
            "SELECT id, name_enc FROM patients WHERE spa_id = $1 AND id = ANY($2::uuid[])",
            spa_id,
            [uuid.UUID(p) for p in patient_ids],
        )
        names: dict[str, str] = {}
        for row in rows:
            patient_id = str(row["id"])
            names[patient_id] = (
                self._cipher.decrypt(bytes(row["name_enc"]), NAME) if row["name_enc"] else ""
            )
            await audit(
                conn,
                actor=actor,
                action="patient.read",
                subject_type="patient",
                subject_id=patient_id,
                fields=["name"],
                purpose=purpose,
                spa_id=spa_id,
            )
        return names
