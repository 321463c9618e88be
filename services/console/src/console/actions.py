"""What staff do, each in one transaction with the events it owes (outbox), its audit rows and
the live notice: claim, reply, call back, resolve or hand back, pause, review a draft,
close a callback, set the spa's autonomy.

Refusals are exceptions the web layer turns into 404 / 409 / 422; every text the patient
gets travels as cmd.message.send, sealed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from console import metrics
from console.adapters import live
from console.adapters.audit_trail import viewed
from console.adapters.conversations import ConversationStore
from console.adapters.inbox import InboxStore
from console.auth.principal import Principal
from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import console_pb2
from medspa_kit import outbox
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope

SOURCE = "console"
MAX_REPLY = 1600
STUMBLE_NOTE = "console.stumble_note"
STUMBLES = (
    "misunderstood",
    "wrong_answer",
    "should_hand_off",
    "needless_hand_off",
    "tone",
    "other",
)


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """The thing is no longer in a state that allows this (claimed by another, resolved...)."""


class Invalid(ValueError):
    pass


class Resolution(StrEnum):
    """Why a handoff closed: a code, never free text, because it travels in clear."""

    BOOKED = "booked"
    ANSWERED = "answered"
    REFERRED_TO_PROVIDER = "referred_to_provider"
    CALLED_BACK = "called_back"
    NO_RESPONSE = "no_response"
    NOT_NEEDED = "not_needed"


class Autonomy(StrEnum):
    FULL = "full"
    AFTER_HOURS = "after_hours"
    SHADOW = "shadow"


AUTONOMY_PB = {
    Autonomy.FULL: console_pb2.AUTONOMY_FULL,
    Autonomy.AFTER_HOURS: console_pb2.AUTONOMY_AFTER_HOURS,
    Autonomy.SHADOW: console_pb2.AUTONOMY_SHADOW,
}
DECISIONS = {
    "approved": console_pb2.DRAFT_DECISION_APPROVED,
    "edited": console_pb2.DRAFT_DECISION_EDITED,
    "discarded": console_pb2.DRAFT_DECISION_DISCARDED,
}


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


@dataclass
class Actions:
    cipher: FieldCipher
    conversations: ConversationStore
    inbox: InboxStore
    namespace: str
    clock: Callable[[], datetime]

    async def _say(
        self, conn: asyncpg.Connection, spa_id: str, message: Message, event_id: str | None = None
    ) -> None:
        envelope = Envelope.wrap(spa_id, message, SOURCE, event_id=event_id)
        await outbox.record(conn, envelope, self.namespace)

    async def ask_refund_again(
        self, conn: asyncpg.Connection, who: Principal, deposit_id: str, attempt: int
    ) -> None:
        """refund.retry for payments: one command per refund failure, however often asked."""
        command_id = f"refund-retry-{deposit_id}-{attempt}"
        command = commands_pb2.RetryRefund(
            spa_id=who.spa_id, command_id=command_id, deposit_id=deposit_id, attempt=attempt,
            staff_id=who.staff_id,
        )  # fmt: skip
        await self._say(conn, who.spa_id, command, command_id)

    async def claim(self, conn: asyncpg.Connection, who: Principal, handoff_id: str) -> None:
        now = self.clock()
        claimed = await self.inbox.claim(conn, who.spa_id, handoff_id, who.staff_id, now)
        if claimed is None:
            existing = await self.inbox.handoff(conn, who.spa_id, handoff_id)
            if existing is None:
                raise NotFound(handoff_id)
            if existing.claimed_by == who.staff_id and existing.status == "claimed":
                return
            raise Conflict("handoff.already_claimed")
        metrics.claimed(claimed.priority, claimed.requested_at, now)
        handoff = await self.inbox.handoff(conn, who.spa_id, handoff_id)
        assert handoff is not None
        await self._say(
            conn,
            who.spa_id,
            console_pb2.HandoffClaimed(
                spa_id=who.spa_id,
                handoff_id=handoff_id,
                conversation_id=handoff.conversation_id,
                staff_id=who.staff_id,
                claimed_at=_stamp(now),
            ),
            event_id=f"claimed-{handoff_id}",
        )
        await live.announce(conn, who.spa_id, "handoff", handoff_id)

    async def reply(
        self,
        conn: asyncpg.Connection,
        who: Principal,
        conversation_id: str,
        text: str,
        *,
        draft_id: str = "",
        phone: str | None = None,
    ) -> str:
        """Text the patient; returns the command id. The first reply claims an open handoff,
        stops its clock, and a conversation without a handoff is paused so the agent does
        not talk over staff."""
        body = text.strip()
        if not body or len(body) > MAX_REPLY:
            raise Invalid("reply.length")
        now = self.clock()
        phone = phone or await self.conversations.phone_of(conn, who.spa_id, conversation_id)
        if phone is None:
            raise NotFound(conversation_id)
        command_id = str(uuid.uuid4())
        await self._say(
            conn,
            who.spa_id,
            commands_pb2.SendMessage(
                spa_id=who.spa_id,
                command_id=command_id,
                to_phone=self.cipher.seal(phone, Purpose.PHONE),
                body=self.cipher.seal(body, Purpose.SMS_BODY),
                conversation_id=conversation_id,
                purpose="staff_reply",
            ),
            event_id=command_id,
        )
        await self._say(
            conn,
            who.spa_id,
            console_pb2.StaffReplied(
                spa_id=who.spa_id,
                conversation_id=conversation_id,
                staff_id=who.staff_id,
                command_id=command_id,
                text=self.cipher.seal(body, Purpose.TRANSCRIPT),
                sent_at=_stamp(now),
                draft_id=draft_id,
            ),
            event_id=f"replied-{command_id}",
        )
        await self.conversations.staff_turn(
            conn, who.spa_id, conversation_id, who.staff_id, body, now, command_id
        )
        handoffs = await self.inbox.open_handoffs_of(conn, who.spa_id, conversation_id)
        for handoff_id in handoffs:
            claimed = await self.inbox.claim(conn, who.spa_id, handoff_id, who.staff_id, now)
            if claimed is not None:
                metrics.claimed(claimed.priority, claimed.requested_at, now)
                await self._say(
                    conn,
                    who.spa_id,
                    console_pb2.HandoffClaimed(
                        spa_id=who.spa_id,
                        handoff_id=handoff_id,
                        conversation_id=conversation_id,
                        staff_id=who.staff_id,
                        claimed_at=_stamp(now),
                    ),
                    event_id=f"claimed-{handoff_id}",
                )
        await self.inbox.responded(conn, who.spa_id, handoffs, now)
        if not handoffs and not draft_id:
            await self._pause(conn, who, conversation_id, True)
        await viewed(
            conn, who, "conversation", [conversation_id], ["phone", "body"], "staff reply", "write"
        )
        await live.announce(conn, who.spa_id, "conversation", conversation_id)
        return command_id

    async def call_back(self, conn: asyncpg.Connection, who: Principal, handoff_id: str) -> str:
        """Staff are calling the patient now: the number to dial, and the clock stops."""
        handoff = await self.inbox.handoff(conn, who.spa_id, handoff_id)
        if handoff is None:
            raise NotFound(handoff_id)
        if handoff.status == "resolved":
            raise Conflict("handoff.resolved")
        now = self.clock()
        if handoff.status == "open":
            await self.claim(conn, who, handoff_id)
        await self.inbox.responded(conn, who.spa_id, [handoff_id], now)
        await viewed(conn, who, "handoff", [handoff_id], ["phone"], "staff call back")
        await live.announce(conn, who.spa_id, "handoff", handoff_id)
        return handoff.phone

    async def resolve(
        self,
        conn: asyncpg.Connection,
        who: Principal,
        handoff_id: str,
        resolution: Resolution,
        hand_back: bool,
    ) -> None:
        now = self.clock()
        resolved = await self.inbox.resolve(
            conn, who.spa_id, handoff_id, who.staff_id, resolution.value, hand_back, now
        )
        if resolved is None:
            if await self.inbox.handoff(conn, who.spa_id, handoff_id) is None:
                raise NotFound(handoff_id)
            raise Conflict("handoff.resolved")
        conversation_id, claimed = resolved
        if claimed is not None:
            # Resolved without a claim first: taking it up and closing it were one act.
            metrics.claimed(claimed.priority, claimed.requested_at, now)
        await self._say(
            conn,
            who.spa_id,
            console_pb2.HandoffResolved(
                spa_id=who.spa_id,
                handoff_id=handoff_id,
                conversation_id=conversation_id,
                staff_id=who.staff_id,
                resolution=resolution.value,
                returned_to_agent=hand_back,
            ),
            event_id=f"resolved-{handoff_id}",
        )
        if hand_back:
            await self._pause(conn, who, conversation_id, False)
        await live.announce(conn, who.spa_id, "handoff", handoff_id)

    async def pause(
        self, conn: asyncpg.Connection, who: Principal, conversation_id: str, paused: bool
    ) -> None:
        if await self.conversations.get(conn, who.spa_id, conversation_id) is None:
            raise NotFound(conversation_id)
        await self._pause(conn, who, conversation_id, paused)
        await live.announce(conn, who.spa_id, "conversation", conversation_id)

    async def _pause(
        self, conn: asyncpg.Connection, who: Principal, conversation_id: str, paused: bool
    ) -> None:
        if await self.conversations.set_paused(
            conn, who.spa_id, conversation_id, paused, who.staff_id
        ):
            await self._say(
                conn,
                who.spa_id,
                console_pb2.ConversationPaused(
                    spa_id=who.spa_id,
                    conversation_id=conversation_id,
                    paused=paused,
                    staff_id=who.staff_id,
                ),
            )

    async def review_draft(
        self,
        conn: asyncpg.Connection,
        who: Principal,
        draft_id: str,
        decision: str,
        edited: str | None = None,
    ) -> str | None:
        """Approve, edit or discard a shadow draft once; returns the send's command id."""
        if decision not in DECISIONS:
            raise Invalid("draft.decision")
        if decision == "edited" and not (edited or "").strip():
            raise Invalid("reply.length")
        now = self.clock()
        command_id = None if decision == "discarded" else str(uuid.uuid4())
        taken = await self.inbox.take_draft(
            conn, who.spa_id, draft_id, decision, who.staff_id, command_id, now
        )
        if taken is None:
            raise NotFound(draft_id)
        draft, phone = taken
        if command_id is not None:
            text = draft.text if decision == "approved" else (edited or "")
            command_id = await self.reply(
                conn, who, draft.conversation_id, text, draft_id=draft_id, phone=phone
            )
        await self._say(
            conn,
            who.spa_id,
            console_pb2.DraftReviewed(
                spa_id=who.spa_id,
                conversation_id=draft.conversation_id,
                draft_id=draft_id,
                decision=DECISIONS[decision],
                staff_id=who.staff_id,
                command_id=command_id or "",
                reviewed_at=_stamp(now),
            ),
            event_id=f"reviewed-{draft_id}",
        )
        await live.announce(conn, who.spa_id, "draft", draft_id)
        return command_id

    async def callback_done(
        self, conn: asyncpg.Connection, who: Principal, callback_id: str
    ) -> None:
        if not await self.inbox.callback_done(
            conn, who.spa_id, callback_id, "staff", self.clock(), who.staff_id
        ):
            raise NotFound(callback_id)
        await live.announce(conn, who.spa_id, "callback", callback_id)

    async def set_autonomy(self, conn: asyncpg.Connection, who: Principal, mode: Autonomy) -> None:
        now = self.clock()
        await conn.execute(
            "INSERT INTO spa_settings (spa_id, autonomy, updated_by, updated_at)"
            " VALUES ($1, $2, $3::uuid, $4) ON CONFLICT (spa_id) DO UPDATE SET"
            " autonomy = EXCLUDED.autonomy, updated_by = EXCLUDED.updated_by,"
            " updated_at = EXCLUDED.updated_at",
            who.spa_id,
            mode.value,
            who.staff_id,
            now,
        )
        await self._say(
            conn,
            who.spa_id,
            console_pb2.AutonomyChanged(
                spa_id=who.spa_id,
                autonomy=AUTONOMY_PB[mode],
                staff_id=who.staff_id,
                changed_at=_stamp(now),
            ),
        )

    async def set_manager_phone(
        self, conn: asyncpg.Connection, who: Principal, phone: str | None
    ) -> None:
        await conn.execute(
            "INSERT INTO spa_settings (spa_id, manager_phone_enc, updated_by, updated_at)"
            " VALUES ($1, $2, $3::uuid, $4) ON CONFLICT (spa_id) DO UPDATE SET"
            " manager_phone_enc = EXCLUDED.manager_phone_enc, updated_by = EXCLUDED.updated_by,"
            " updated_at = EXCLUDED.updated_at",
            who.spa_id,
            self.cipher.encrypt(phone, Purpose.PHONE) if phone else None,
            who.staff_id,
            self.clock(),
        )
        await viewed(conn, who, "spa_settings", [who.spa_id], ["phone"], "alert phone", "write")

    async def mark_stumble(
        self,
        conn: asyncpg.Connection,
        who: Principal,
        conversation_id: str,
        turn_id: int,
        kind: str,
        note: str,
    ) -> int:
        """Mark where the assistant stumbled; the note (staff words) is stored encrypted."""
        if kind not in STUMBLES:
            raise Invalid("stumble.kind")
        mark_id: int | None = await conn.fetchval(
            "INSERT INTO stumbles (spa_id, conversation_id, turn_id, kind, note_enc, marked_by)"
            " SELECT $1, $2, id, $4, $5, $6 FROM turns WHERE id = $3 AND spa_id = $1"
            " AND conversation_id = $2 RETURNING id",
            who.spa_id,
            conversation_id,
            turn_id,
            kind,
            self.cipher.encrypt(note, STUMBLE_NOTE) if note else None,
            uuid.UUID(who.staff_id),
        )
        if mark_id is None:
            raise NotFound(conversation_id)
        await viewed(conn, who, "conversation", [conversation_id], ["note"], "review", "write")
        return mark_id
