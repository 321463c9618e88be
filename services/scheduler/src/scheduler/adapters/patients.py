"""Patients: the least scheduling needs, encrypted, found again by phone.

The phone is stored sealed and found through a keyed blind index, so the table
never holds a number in clear; every touch is written to the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg
import phonenumbers
from phonenumbers import timezone as phone_timezones

from medspa.common.v1.common_pb2 import Sealed
from medspa_kit.audit import AuditEntry, audit, audit_many
from medspa_kit.crypto import FieldCipher, Purpose
from scheduler.adapters.consent import CONTACT_COLUMNS
from scheduler.adapters.hold_write import PatientRow
from scheduler.domain.errors import FieldViolation, InvalidRequest
from scheduler.domain.patients import Contact, LastVisit, PatientDetails, PatientFound

PHONE = "patient.phone"
NAME = "patient.name"
EMAIL = "patient.email"
BIRTH_DATE = "patient.date_of_birth"
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


def phone_zone(number: str) -> str:
    """The IANA zone a number (E.164) belongs to when it names exactly one, else ''
    (a mobile range spanning zones, a toll-free number): then the spa's zone applies."""
    try:
        zones = phone_timezones.time_zones_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return ""
    if len(zones) != 1 or zones[0] == phone_timezones.UNKNOWN_TIMEZONE:
        return ""
    return str(zones[0])


# One round trip for the usual cases: inserted, empty details filled in, or found as
# is. A detail on file is never overwritten by a caller (the phone is only as good as
# caller ID); which ones this statement wrote is told by comparing the stored
# ciphertext with the one sent, since every encryption is unique.
_FIND_OR_CREATE = (
    "WITH put AS (INSERT INTO patients (id, spa_id, phone_index, phone_enc, name_enc, email_enc,"
    " dob_enc) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (spa_id, phone_index) DO UPDATE"
    " SET name_enc = coalesce(patients.name_enc, EXCLUDED.name_enc),"
    " email_enc = coalesce(patients.email_enc, EXCLUDED.email_enc),"
    " dob_enc = coalesce(patients.dob_enc, EXCLUDED.dob_enc), updated_at = now()"
    " WHERE (patients.name_enc IS NULL AND EXCLUDED.name_enc IS NOT NULL)"
    " OR (patients.email_enc IS NULL AND EXCLUDED.email_enc IS NOT NULL)"
    " OR (patients.dob_enc IS NULL AND EXCLUDED.dob_enc IS NOT NULL)"
    " RETURNING id, (xmax = 0) AS created, name_enc IS NOT DISTINCT FROM $5 AS name_set,"
    " email_enc IS NOT DISTINCT FROM $6 AS email_set, dob_enc IS NOT DISTINCT FROM $7 AS dob_set)"
    " SELECT id, created, true AS written, name_set, email_set, dob_set FROM put UNION ALL"
    " SELECT id, false, false, false, false, false FROM patients"
    " WHERE spa_id = $2 AND phone_index = $3 AND NOT EXISTS (SELECT 1 FROM put)"
)

# The latest completed visit of each service, most recent first.
_LAST_VISITS = (
    "SELECT * FROM (SELECT DISTINCT ON (service_id) service_id, id, provider_id,"
    " extract(epoch FROM starts_at)::bigint AS start_s FROM appointments"
    " WHERE spa_id = $1 AND patient_id = $2 AND status = 'completed'"
    " ORDER BY service_id, starts_at DESC) last ORDER BY start_s DESC"
)


class Patients:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    def phone_index(self, phone: str) -> bytes:
        index: bytes = self._cipher.blind_index(phone, PHONE)
        return index

    def open_phone(self, sealed: Sealed) -> str:
        """A phone sealed inside an event (the kit's `Purpose.PHONE`, not the column's)."""
        phone: str = self._cipher.open(sealed, Purpose.PHONE)
        return phone

    def _sealed(self, text: str, purpose: str) -> bytes | None:
        return self._cipher.encrypt(text, purpose) if text else None

    def row(
        self,
        patient_id: uuid.UUID,
        phone: str,
        details: PatientDetails,
        *,
        on_file: bool = False,
        index: bytes | None = None,
    ) -> PatientRow:
        """The patient sealed for a hold's one-statement write. `on_file`: `patient_id`
        is the patient stored with this phone; else the phone is believed new."""
        born = details.date_of_birth.isoformat() if details.date_of_birth else ""
        return PatientRow(
            id=patient_id,
            phone_index=index if index is not None else self.phone_index(phone),
            phone_enc=self._cipher.encrypt(phone, PHONE),
            name_enc=self._sealed(details.name, NAME),
            email_enc=self._sealed(details.email, EMAIL),
            dob_enc=self._sealed(born, BIRTH_DATE),
            on_file=on_file,
        )

    async def find_or_create(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        phone: str,
        details: PatientDetails,
        purpose: str,
    ) -> str:
        """The patient with this phone at this spa, created on first contact; the details
        given fill the ones not on file."""
        index = self.phone_index(phone)
        born = details.date_of_birth.isoformat() if details.date_of_birth else ""
        row = await conn.fetchrow(
            _FIND_OR_CREATE,
            uuid.uuid4(),
            spa_id,
            index,
            self._cipher.encrypt(phone, PHONE),
            self._sealed(details.name, NAME),
            self._sealed(details.email, EMAIL),
            self._sealed(born, BIRTH_DATE),
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
        given = [
            name
            for name, value in (
                ("name", details.name),
                ("email", details.email),
                ("date_of_birth", born),
            )
            if value
        ]
        if not row["written"]:
            action, fields = "patient.matched", ["phone"]
        elif row["created"]:
            action, fields = "patient.created", ["phone", *given]
        else:
            written = {
                "name": row["name_set"],
                "email": row["email_set"],
                "date_of_birth": row["dob_set"],
            }
            action, fields = "patient.updated", [f for f in given if written[f]]
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

    async def find(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, purpose: str
    ) -> PatientFound | None:
        """A returning caller by their own number: id, name and last visits (audited, also
        when nobody has the number, since the lookup itself asked about one)."""
        # Found by the number they call or text from: the patient is in touch.
        row = await conn.fetchrow(
            "UPDATE patients SET last_seen_at = now() WHERE spa_id = $1 AND phone_index = $2"
            " RETURNING id, name_enc",
            spa_id,
            self.phone_index(phone),
        )
        if row is None:
            await audit(
                conn,
                actor=ACTOR,
                action="patient.lookup_missed",
                subject_type="patient",
                subject_id="",
                fields=["phone"],
                purpose=purpose,
                spa_id=spa_id,
            )
            return None
        visits = await conn.fetch(_LAST_VISITS, spa_id, row["id"])
        patient_id = str(row["id"])
        await audit(
            conn,
            actor=ACTOR,
            action="patient.read",
            subject_type="patient",
            subject_id=patient_id,
            fields=["phone", "name", "visits"],
            purpose=purpose,
            spa_id=spa_id,
        )
        name = self._cipher.decrypt(bytes(row["name_enc"]), NAME) if row["name_enc"] else ""
        return PatientFound(
            patient_id=patient_id,
            name=name,
            last_visits=tuple(
                LastVisit(v["service_id"], str(v["id"]), v["provider_id"], v["start_s"])
                for v in visits
            ),
        )

    async def contacts(
        self, conn: asyncpg.Connection, spa_id: str, patient_ids: Sequence[uuid.UUID], purpose: str
    ) -> list[Contact]:
        """Known patients' phones, zones and consent, in the order asked; unknown ids are
        left out. Each read is audited."""
        rows = await conn.fetch(
            f"SELECT {CONTACT_COLUMNS} FROM patients"  # noqa: S608 (constants only)
            " WHERE spa_id = $1 AND id = ANY($2::uuid[])",
            spa_id,
            list(patient_ids),
        )
        by_id = {r["id"]: r for r in rows}
        found = [by_id[key] for key in dict.fromkeys(patient_ids) if key in by_id]
        return await self._contacts(conn, spa_id, found, purpose)

    async def contact(
        self, conn: asyncpg.Connection, spa_id: str, row: asyncpg.Record, purpose: str
    ) -> Contact:
        """One patient's contact from their row (see consent.CONTACT_COLUMNS), audited."""
        [found] = await self._contacts(conn, spa_id, [row], purpose)
        return found

    async def _contacts(
        self, conn: asyncpg.Connection, spa_id: str, rows: Sequence[asyncpg.Record], purpose: str
    ) -> list[Contact]:
        found: list[Contact] = []
        zones: dict[uuid.UUID, str] = {}
        for row in rows:
            phone = self._cipher.decrypt(bytes(row["phone_enc"]), PHONE)
            zone = row["time_zone"]
            if zone is None:
                # Worked out once, when first asked for, and kept (holds stay lean).
                zone = zones[row["id"]] = phone_zone(phone)
            found.append(
                Contact(str(row["id"]), phone, zone, row["marketing_consent"], row["consent_s"])
            )
        if zones:
            await conn.execute(
                "UPDATE patients SET time_zone = z.zone"
                " FROM unnest($1::uuid[], $2::text[]) AS z(id, zone)"
                " WHERE patients.id = z.id AND patients.time_zone IS NULL",
                list(zones),
                list(zones.values()),
            )
        await audit_many(
            conn,
            [
                AuditEntry(
                    ACTOR, "patient.read", "patient", c.patient_id, ["phone"], purpose, spa_id
                )
                for c in found
            ],
        )
        return found

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
