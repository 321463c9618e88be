"""What the agent keeps beside conversations: each spa's autonomy as staff set it, the
outreach a patient may be answering, and marketing answers on their way to the scheduler.

Callers own the transaction. Phones are kept as blind indexes, or encrypted when the
scheduler will need the number itself; reads and writes of them are audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from agent.domain.state import Outreach
from agent.ports import ConsentRequest
from agent.tools import ConsentNote, ConsentState
from medspa_kit.audit import audit
from medspa_kit.crypto import FieldCipher, Purpose
from spa_config import AgentAutonomy

ACTOR = "agent"


@dataclass(frozen=True)
class PendingConsent:
    request: ConsentRequest
    attempts: int


class Records:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    def _index(self, phone: str) -> bytes:
        return bytes(self._cipher.blind_index(phone, Purpose.PHONE))

    # Autonomy -------------------------------------------------------------------------------

    async def set_autonomy(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        autonomy: AgentAutonomy,
        changed_at: datetime,
        staff_id: str,
    ) -> None:
        """The newest change wins, whatever order the changes arrive in."""
        await conn.execute(
            "INSERT INTO spa_autonomy AS a (spa_id, autonomy, changed_at, staff_id)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (spa_id) DO UPDATE SET"
            " autonomy = EXCLUDED.autonomy, changed_at = EXCLUDED.changed_at,"
            " staff_id = EXCLUDED.staff_id WHERE a.changed_at <= EXCLUDED.changed_at",
            spa_id,
            autonomy.value,
            changed_at,
            staff_id,
        )

    async def autonomy(self, conn: asyncpg.Connection, spa_id: str) -> AgentAutonomy | None:
        value = await conn.fetchval("SELECT autonomy FROM spa_autonomy WHERE spa_id = $1", spa_id)
        return AgentAutonomy(value) if value else None

    # Outreach awaiting an answer ------------------------------------------------------------

    async def outreach_sent(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, sent: Outreach, patient_id: str
    ) -> None:
        """Keep the newest send that asks this number for an answer."""
        await conn.execute(
            "INSERT INTO outreach_pending AS p (spa_id, phone_index, job_id, kind, expects,"
            " offer_id, choices, appointment_id, service_id, patient_id, sent_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            " ON CONFLICT (spa_id, phone_index) DO UPDATE SET job_id = EXCLUDED.job_id,"
            " kind = EXCLUDED.kind, expects = EXCLUDED.expects, offer_id = EXCLUDED.offer_id,"
            " choices = EXCLUDED.choices, appointment_id = EXCLUDED.appointment_id,"
            " service_id = EXCLUDED.service_id, patient_id = EXCLUDED.patient_id,"
            " sent_at = EXCLUDED.sent_at WHERE p.sent_at <= EXCLUDED.sent_at",
            spa_id,
            self._index(phone),
            sent.job_id,
            sent.kind,
            sent.expects,
            sent.offer_id,
            sent.choices,
            sent.appointment_id,
            sent.service_id,
            patient_id,
            sent.sent_at,
        )
        await audit(
            conn,
            actor=ACTOR,
            action="outreach.noted",
            subject_type="outreach_job",
            subject_id=sent.job_id,
            fields=["phone"],
            purpose="tie the patient's reply to what was sent",
            spa_id=spa_id,
        )

    async def take_outreach(
        self, conn: asyncpg.Connection, spa_id: str, phone: str
    ) -> tuple[Outreach, str] | None:
        """The send this number may be answering, and the patient it went to; taken once."""
        row = await conn.fetchrow(
            "DELETE FROM outreach_pending WHERE spa_id = $1 AND phone_index = $2 RETURNING *",
            spa_id,
            self._index(phone),
        )
        if row is None:
            return None
        sent = Outreach(
            job_id=row["job_id"],
            kind=row["kind"],
            expects=row["expects"],
            sent_at=row["sent_at"],
            offer_id=row["offer_id"],
            choices=row["choices"],
            appointment_id=row["appointment_id"],
            service_id=row["service_id"],
        )
        return sent, row["patient_id"]

    # Marketing consent ----------------------------------------------------------------------

    async def consent_answered(
        self,
        conn: asyncpg.Connection,
        conversation_id: uuid.UUID,
        note: ConsentNote,
        answered_at: datetime,
    ) -> None:
        request = note.request
        await conn.execute(
            "INSERT INTO marketing_consents (request_id, spa_id, conversation_id, patient_id,"
            " phone_enc, granted, channel, wording_ref, answered_at, state, recorded_at,"
            " next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10,"
            " CASE WHEN $10 = 'recorded' THEN $9::timestamptz END, $9::timestamptz)"
            " ON CONFLICT (request_id) DO NOTHING",
            request.request_id,
            request.spa_id,
            conversation_id,
            request.patient_id,
            self._cipher.encrypt(request.phone, Purpose.PHONE) if request.phone else None,
            request.granted,
            request.channel,
            request.wording_ref,
            answered_at,
            note.state.value,
        )
        await audit(
            conn,
            actor=ACTOR,
            action="marketing_consent.answered",
            subject_type="conversation",
            subject_id=str(conversation_id),
            fields=["marketing_consent", *(["phone"] if request.phone else [])],
            purpose="record the patient's answer to marketing texts",
            spa_id=request.spa_id,
        )

    async def pending_consents(
        self, conn: asyncpg.Connection, now: datetime, limit: int
    ) -> list[PendingConsent]:
        """Answers the scheduler has not taken yet, due for another try; locked, so replicas
        share them."""
        rows = await conn.fetch(
            "SELECT * FROM marketing_consents WHERE state = 'pending' AND next_attempt_at <= $1"
            " ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            now,
            limit,
        )
        found = []
        for row in rows:
            phone = (
                self._cipher.decrypt(bytes(row["phone_enc"]), Purpose.PHONE)
                if row["phone_enc"]
                else ""
            )
            if phone:
                await audit(
                    conn,
                    actor=ACTOR,
                    action="marketing_consent.read",
                    subject_type="conversation",
                    subject_id=str(row["conversation_id"]),
                    fields=["phone"],
                    purpose="send the patient's answer to the scheduler",
                    spa_id=row["spa_id"],
                )
            request = ConsentRequest(
                spa_id=row["spa_id"],
                request_id=row["request_id"],
                granted=row["granted"],
                channel=row["channel"],
                wording_ref=row["wording_ref"],
                patient_id=row["patient_id"],
                phone=phone,
            )
            found.append(PendingConsent(request, row["attempts"]))
        return found

    async def consent_tried(
        self,
        conn: asyncpg.Connection,
        request_id: str,
        state: ConsentState,
        now: datetime,
        retry_in: timedelta,
    ) -> None:
        await conn.execute(
            "UPDATE marketing_consents SET state = $2, attempts = attempts + 1,"
            " next_attempt_at = $3::timestamptz + $4::interval,"
            " recorded_at = CASE WHEN $2 = 'recorded' THEN $3::timestamptz END"
            " WHERE request_id = $1",
            request_id,
            state.value,
            now,
            retry_in,
        )
