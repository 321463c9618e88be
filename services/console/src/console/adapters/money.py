"""Money staff must act on: refunds that did not reach the patient and no-show fees owed.

Each row names the deposit and the appointment; a view adds the appointment's time, service,
provider and patient id from the booking facts, and the patient's phone from the conversation
(decrypted for display only; callers audit the read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from medspa_kit.crypto import FieldCipher, Purpose

# How staff close an issue; `refund_retried` is set by asking payments to refund again.
RESOLUTIONS = ("patient_contacted", "paid_another_way", "waived", "refund_retried")


@dataclass(frozen=True)
class MoneyIssueView:
    id: str
    kind: str
    deposit_id: str
    appointment_id: str
    conversation_id: str
    amount_minor: int
    currency: str
    reason: str
    attempt: int
    raised_at: datetime
    status: str
    resolved_at: datetime | None
    resolution: str | None
    appointment_start: datetime | None
    service_id: str | None
    provider_id: str | None
    patient_id: str | None
    phone: str | None


class MoneyIssues:
    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    async def raise_issue(
        self, conn: asyncpg.Connection, spa_id: str, issue_id: str, kind: str, *,
        deposit_id: str, appointment_id: str, conversation_id: str, amount_minor: int,
        currency: str, reason: str, attempt: int, at: datetime,
    ) -> bool:  # fmt: skip
        row = await conn.fetchval(
            "INSERT INTO money_issues (spa_id, id, kind, deposit_id, appointment_id,"
            " conversation_id, amount_minor, currency, reason, attempt, raised_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING"
            " RETURNING true",
            spa_id, issue_id, kind, deposit_id, appointment_id, conversation_id, amount_minor,
            currency, reason, attempt, at,
        )  # fmt: skip
        return bool(row)

    async def issues(
        self, conn: asyncpg.Connection, spa_id: str, status: str | None, limit: int,
        offset: int, issue_id: str | None = None,
    ) -> list[MoneyIssueView]:  # fmt: skip
        rows = await conn.fetch(
            "SELECT m.*, b.start_at, b.service_id, b.provider_id, b.patient_id, c.phone_enc"
            " FROM money_issues m"
            " LEFT JOIN bookings b ON b.spa_id = m.spa_id AND b.appointment_id = m.appointment_id"
            " LEFT JOIN conversations c ON c.spa_id = m.spa_id"
            " AND c.id = coalesce(nullif(m.conversation_id, ''), b.conversation_id)"
            " WHERE m.spa_id = $1 AND ($2::text IS NULL OR m.status = $2)"
            " AND ($5::text IS NULL OR m.id = $5)"
            " ORDER BY m.raised_at, m.id LIMIT $3 OFFSET $4",
            spa_id, status, limit, offset, issue_id,
        )  # fmt: skip
        return [self._view(r) for r in rows]

    def _view(self, r: asyncpg.Record) -> MoneyIssueView:
        phone_enc = r["phone_enc"]
        return MoneyIssueView(
            id=r["id"], kind=r["kind"], deposit_id=r["deposit_id"],
            appointment_id=r["appointment_id"], conversation_id=r["conversation_id"],
            amount_minor=r["amount_minor"], currency=r["currency"], reason=r["reason"],
            attempt=r["attempt"], raised_at=r["raised_at"], status=r["status"],
            resolved_at=r["resolved_at"], resolution=r["resolution"],
            appointment_start=r["start_at"], service_id=r["service_id"],
            provider_id=r["provider_id"], patient_id=r["patient_id"] or None,
            phone=self.cipher.decrypt(phone_enc, Purpose.PHONE) if phone_enc else None,
        )  # fmt: skip

    async def failed_refund(
        self, conn: asyncpg.Connection, spa_id: str, issue_id: str
    ) -> tuple[str, int] | None:
        """The deposit and attempt of a refund failure (None for any other kind of issue),
        read without the patient's details."""
        row = await conn.fetchrow(
            "SELECT deposit_id, attempt FROM money_issues"
            " WHERE spa_id = $1 AND id = $2 AND kind = 'refund_failed'",
            spa_id,
            issue_id,
        )
        return (row["deposit_id"], row["attempt"]) if row else None

    async def resolve(
        self, conn: asyncpg.Connection, spa_id: str, issue_id: str, resolution: str,
        at: datetime, staff_id: str,
    ) -> str | None:  # fmt: skip
        """Close an open issue; answers its status before the change (None: no such issue)."""
        before = await conn.fetchval(
            "SELECT status FROM money_issues WHERE spa_id = $1 AND id = $2 FOR UPDATE",
            spa_id,
            issue_id,
        )
        if before == "open":
            await conn.execute(
                "UPDATE money_issues SET status = 'resolved', resolution = $3, resolved_at = $4,"
                " resolved_by = $5::uuid WHERE spa_id = $1 AND id = $2",
                spa_id, issue_id, resolution, at, staff_id,
            )  # fmt: skip
        return before  # type: ignore[no-any-return]
