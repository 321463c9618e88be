"""What staff owe: handoffs, shadow drafts and callbacks, with their deadlines; and the alerts
raised when a deadline passes. Protected values are encrypted; views decrypt for display."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from console.domain.deadlines import RANK_NAME
from medspa_kit.crypto import FieldCipher, Purpose

CAPTURED = "agent.captured_fields"


@dataclass(frozen=True)
class NewHandoff:
    spa_id: str
    id: str
    conversation_id: str
    reason: str
    priority: int
    channel: str
    summary: str
    phone: str
    captured: str
    transcript_ref: str
    assigned_role: str
    requested_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Claimed:
    """A handoff staff took up just now: how long it had waited, for the response metric."""

    priority: str
    requested_at: datetime


@dataclass(frozen=True)
class HandoffView:
    id: str
    conversation_id: str
    reason: str
    priority: str
    channel: str
    summary: str
    phone: str
    captured: dict[str, Any]
    assigned_role: str
    requested_at: datetime
    due_at: datetime
    status: str
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    returned_to_agent: bool


@dataclass(frozen=True)
class DraftView:
    id: str
    conversation_id: str
    text: str
    channel: str
    intent: str
    drafted_at: datetime
    due_at: datetime
    status: str


@dataclass(frozen=True)
class CallbackView:
    id: str
    source: str
    reason: str
    phone: str | None
    conversation_id: str
    handoff_id: str
    requested_at: datetime
    due_at: datetime
    status: str
    done_at: datetime | None
    done_how: str | None


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    subject_id: str
    due_at: datetime
    raised_at: datetime
    acknowledged_at: datetime | None


def _captured(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {"note": text}
    return value if isinstance(value, dict) else {"value": value}


class InboxStore:
    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    # Handoffs --------------------------------------------------------------------------

    async def add_handoff(self, conn: asyncpg.Connection, h: NewHandoff) -> bool:
        enc = self.cipher.encrypt
        row = await conn.fetchval(
            "INSERT INTO handoffs (spa_id, id, conversation_id, reason, priority, channel,"
            " summary_enc, phone_enc, phone_index, captured_enc, transcript_ref, assigned_role,"
            " requested_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
            " $13, $14) ON CONFLICT DO NOTHING RETURNING true",
            h.spa_id,
            h.id,
            h.conversation_id,
            h.reason,
            h.priority,
            h.channel,
            enc(h.summary, Purpose.SUMMARY),
            enc(h.phone, Purpose.PHONE) if h.phone else None,
            self.cipher.blind_index(h.phone, Purpose.PHONE) if h.phone else None,
            enc(h.captured, CAPTURED) if h.captured else None,
            h.transcript_ref,
            h.assigned_role,
            h.requested_at,
            h.due_at,
        )
        return bool(row)

    _HANDOFF_SELECT = (
        "SELECT h.*, a.display_name AS claimed_by_name FROM handoffs h"
        " LEFT JOIN accounts a ON a.id = h.claimed_by"
    )

    async def handoffs(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        *,
        statuses: list[str],
        phone: str | None,
        limit: int,
        offset: int,
    ) -> list[HandoffView]:
        rows = await conn.fetch(
            self._HANDOFF_SELECT + " WHERE h.spa_id = $1 AND h.status = ANY($2::text[])"
            " AND ($3::bytea IS NULL OR h.phone_index = $3)"
            " ORDER BY (h.status = 'resolved'), h.priority DESC, h.requested_at, h.id"
            " LIMIT $4 OFFSET $5",
            spa_id,
            statuses,
            self.cipher.blind_index(phone, Purpose.PHONE) if phone else None,
            limit,
            offset,
        )
        return [self._handoff(r) for r in rows]

    async def handoff(
        self, conn: asyncpg.Connection, spa_id: str, handoff_id: str
    ) -> HandoffView | None:
        row = await conn.fetchrow(
            self._HANDOFF_SELECT + " WHERE h.spa_id = $1 AND h.id = $2", spa_id, handoff_id
        )
        return self._handoff(row) if row else None

    async def open_handoffs_of(
        self, conn: asyncpg.Connection, spa_id: str, conversation_id: str
    ) -> list[str]:
        rows = await conn.fetch(
            "SELECT id FROM handoffs WHERE spa_id = $1 AND conversation_id = $2"
            " AND status <> 'resolved'",
            spa_id,
            conversation_id,
        )
        return [r["id"] for r in rows]

    async def claim(
        self, conn: asyncpg.Connection, spa_id: str, handoff_id: str, staff_id: str, now: datetime
    ) -> Claimed | None:
        """None when it was not open (claimed by someone, resolved, or unknown)."""
        row = await conn.fetchrow(
            "UPDATE handoffs SET status = 'claimed', claimed_by = $3, claimed_at = $4"
            " WHERE spa_id = $1 AND id = $2 AND status = 'open' RETURNING priority, requested_at",
            spa_id,
            handoff_id,
            uuid.UUID(staff_id),
            now,
        )
        if row is None:
            return None
        return Claimed(RANK_NAME.get(row["priority"], "normal"), row["requested_at"])

    async def responded(
        self, conn: asyncpg.Connection, spa_id: str, handoff_ids: list[str], now: datetime
    ) -> None:
        """The first reply, call or resolution stops the handoff's clock."""
        await conn.execute(
            "UPDATE handoffs SET first_response_at = $3 WHERE spa_id = $1 AND id = ANY($2::text[])"
            " AND first_response_at IS NULL",
            spa_id,
            handoff_ids,
            now,
        )

    async def resolve(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        handoff_id: str,
        staff_id: str,
        resolution: str,
        returned_to_agent: bool,
        now: datetime,
    ) -> tuple[str, Claimed | None] | None:
        """The conversation id when this resolved it, and the claim when nobody had claimed
        it before; None when it was already resolved."""
        row = await conn.fetchrow(
            "UPDATE handoffs h SET status = 'resolved', resolved_by = $3, resolved_at = $4,"
            " resolution = $5, returned_to_agent = $6,"
            " claimed_by = coalesce(h.claimed_by, $3), claimed_at = coalesce(h.claimed_at, $4),"
            " first_response_at = coalesce(h.first_response_at, $4)"
            " FROM (SELECT spa_id, id, claimed_at FROM handoffs WHERE spa_id = $1 AND id = $2"
            " FOR UPDATE) before"
            " WHERE h.spa_id = before.spa_id AND h.id = before.id AND h.status <> 'resolved'"
            " RETURNING h.conversation_id, h.priority, h.requested_at,"
            " before.claimed_at IS NULL AS unclaimed",
            spa_id,
            handoff_id,
            uuid.UUID(staff_id),
            now,
            resolution,
            returned_to_agent,
        )
        if row is None:
            return None
        claimed = (
            Claimed(RANK_NAME.get(row["priority"], "normal"), row["requested_at"])
            if row["unclaimed"]
            else None
        )
        return row["conversation_id"], claimed

    def _handoff(self, r: asyncpg.Record) -> HandoffView:
        dec = self.cipher.decrypt
        return HandoffView(
            id=r["id"],
            conversation_id=r["conversation_id"],
            reason=r["reason"],
            priority=RANK_NAME.get(r["priority"], "normal"),
            channel=r["channel"],
            summary=dec(r["summary_enc"], Purpose.SUMMARY) if r["summary_enc"] else "",
            phone=dec(r["phone_enc"], Purpose.PHONE) if r["phone_enc"] else "",
            captured=_captured(dec(r["captured_enc"], CAPTURED) if r["captured_enc"] else ""),
            assigned_role=r["assigned_role"],
            requested_at=r["requested_at"],
            due_at=r["due_at"],
            status=r["status"],
            claimed_by=str(r["claimed_by"]) if r["claimed_by"] else None,
            claimed_by_name=r["claimed_by_name"],
            claimed_at=r["claimed_at"],
            first_response_at=r["first_response_at"],
            resolved_at=r["resolved_at"],
            resolution=r["resolution"],
            returned_to_agent=r["returned_to_agent"],
        )

    # Shadow drafts --------------------------------------------------------------------

    async def add_draft(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        draft_id: str,
        conversation_id: str,
        text: str,
        phone: str | None,
        channel: str,
        intent: str,
        drafted_at: datetime,
        due_at: datetime,
    ) -> bool:
        row = await conn.fetchval(
            "INSERT INTO drafts (spa_id, id, conversation_id, text_enc, phone_enc, channel, intent,"
            " drafted_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            " ON CONFLICT DO NOTHING RETURNING true",
            spa_id,
            draft_id,
            conversation_id,
            self.cipher.encrypt(text, Purpose.TRANSCRIPT),
            self.cipher.encrypt(phone, Purpose.PHONE) if phone else None,
            channel,
            intent,
            drafted_at,
            due_at,
        )
        return bool(row)

    async def drafts(
        self, conn: asyncpg.Connection, spa_id: str, status: str, limit: int, offset: int
    ) -> list[DraftView]:
        rows = await conn.fetch(
            "SELECT * FROM drafts WHERE spa_id = $1 AND status = $2 ORDER BY drafted_at, id"
            " LIMIT $3 OFFSET $4",
            spa_id,
            status,
            limit,
            offset,
        )
        return [self._draft(r) for r in rows]

    async def take_draft(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        draft_id: str,
        decision: str,
        staff_id: str,
        command_id: str | None,
        now: datetime,
    ) -> tuple[DraftView, str | None] | None:
        """Decide a pending draft once: the draft and the patient's phone, or None."""
        row = await conn.fetchrow(
            "UPDATE drafts SET status = $3, reviewed_by = $4, reviewed_at = $5, command_id = $6"
            " WHERE spa_id = $1 AND id = $2 AND status = 'pending' RETURNING *",
            spa_id,
            draft_id,
            decision,
            uuid.UUID(staff_id),
            now,
            command_id,
        )
        if row is None:
            return None
        phone = self.cipher.decrypt(row["phone_enc"], Purpose.PHONE) if row["phone_enc"] else None
        return self._draft(row), phone

    def _draft(self, r: asyncpg.Record) -> DraftView:
        return DraftView(
            id=r["id"],
            conversation_id=r["conversation_id"],
            text=self.cipher.decrypt(r["text_enc"], Purpose.TRANSCRIPT),
            channel=r["channel"],
            intent=r["intent"],
            drafted_at=r["drafted_at"],
            due_at=r["due_at"],
            status=r["status"],
        )

    # Callbacks -------------------------------------------------------------------------

    async def owe_callback(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        callback_id: str,
        source: str,
        reason: str,
        phone: str | None,
        requested_at: datetime,
        due_at: datetime,
        *,
        conversation_id: str = "",
        handoff_id: str = "",
    ) -> bool:
        row = await conn.fetchval(
            "INSERT INTO callbacks (spa_id, id, source, reason, phone_enc, phone_index,"
            " conversation_id, handoff_id, requested_at, due_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING"
            " RETURNING true",
            spa_id,
            callback_id,
            source,
            reason,
            self.cipher.encrypt(phone, Purpose.PHONE) if phone else None,
            self.cipher.blind_index(phone, Purpose.PHONE) if phone else None,
            conversation_id,
            handoff_id,
            requested_at,
            due_at,
        )
        return bool(row)

    async def callbacks(
        self, conn: asyncpg.Connection, spa_id: str, status: str, limit: int, offset: int
    ) -> list[CallbackView]:
        rows = await conn.fetch(
            "SELECT * FROM callbacks WHERE spa_id = $1 AND status = $2 ORDER BY due_at, id"
            " LIMIT $3 OFFSET $4",
            spa_id,
            status,
            limit,
            offset,
        )
        return [
            CallbackView(
                id=r["id"],
                source=r["source"],
                reason=r["reason"],
                phone=(
                    self.cipher.decrypt(r["phone_enc"], Purpose.PHONE) if r["phone_enc"] else None
                ),
                conversation_id=r["conversation_id"],
                handoff_id=r["handoff_id"],
                requested_at=r["requested_at"],
                due_at=r["due_at"],
                status=r["status"],
                done_at=r["done_at"],
                done_how=r["done_how"],
            )
            for r in rows
        ]

    async def callback_done(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        callback_id: str,
        how: str,
        now: datetime,
        staff_id: str | None = None,
    ) -> bool:
        row = await conn.fetchval(
            "UPDATE callbacks SET status = 'done', done_how = $3, done_at = $4, done_by = $5::uuid"
            " WHERE spa_id = $1 AND id = $2 AND status = 'owed' RETURNING true",
            spa_id,
            callback_id,
            how,
            now,
            staff_id,
        )
        return bool(row)

    async def patient_returned(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, now: datetime
    ) -> None:
        """The patient reached the spa again: the call owed to them is no longer owed."""
        await conn.execute(
            "UPDATE callbacks SET status = 'done', done_how = 'patient_returned', done_at = $3"
            " WHERE spa_id = $1 AND phone_index = $2 AND status = 'owed' AND requested_at < $3",
            spa_id,
            self.cipher.blind_index(phone, Purpose.PHONE),
            now,
        )

    # Alerts ----------------------------------------------------------------------------

    async def alerts(
        self, conn: asyncpg.Connection, spa_id: str, *, open_only: bool, limit: int, offset: int
    ) -> list[AlertView]:
        rows = await conn.fetch(
            "SELECT * FROM alerts WHERE spa_id = $1 AND (NOT $2 OR acknowledged_at IS NULL)"
            " ORDER BY raised_at DESC, id DESC LIMIT $3 OFFSET $4",
            spa_id,
            open_only,
            limit,
            offset,
        )
        return [
            AlertView(
                r["id"],
                r["kind"],
                r["subject_id"],
                r["due_at"],
                r["raised_at"],
                r["acknowledged_at"],
            )
            for r in rows
        ]

    async def acknowledge(
        self, conn: asyncpg.Connection, spa_id: str, alert_id: int, staff_id: str, now: datetime
    ) -> bool:
        row = await conn.fetchval(
            "UPDATE alerts SET acknowledged_by = $3, acknowledged_at = $4"
            " WHERE spa_id = $1 AND id = $2 AND acknowledged_at IS NULL RETURNING true",
            spa_id,
            alert_id,
            uuid.UUID(staff_id),
            now,
        )
        return bool(row)
