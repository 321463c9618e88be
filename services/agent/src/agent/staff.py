"""What staff do in the console, as the agent hears it.

- `autonomy.changed`: how much the agent does on its own for a spa (the newest change
  wins over the spa file's `policies.agent_autonomy`).
- `handoff.claimed` / `handoff.resolved`: a person has the conversation; handed back
  (`returned_to_agent`), the agent answers again.
- `conversation.paused`: staff took the conversation over (the agent stays quiet) or let
  it go.
- `staff.replied`: what staff texted the patient joins the agent's transcript and what
  the LLM brain sees, so nobody asks the patient again.
- `draft.reviewed`: what staff made of a shadow draft. The console sends an approved or
  edited draft itself (and says so as staff.replied), so the agent only records it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from agent.adapters.store import Conversation, TurnRecord
from agent.brains.llm import HISTORY
from agent.conversations import Conversations
from agent.domain.state import Stage
from medspa.events.v1 import console_pb2
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import AgentAutonomy, SpaDirectory, UnknownSpa

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
AUTONOMY = {
    console_pb2.AUTONOMY_FULL: AgentAutonomy.FULL,
    console_pb2.AUTONOMY_AFTER_HOURS: AgentAutonomy.AFTER_HOURS,
    console_pb2.AUTONOMY_SHADOW: AgentAutonomy.SHADOW,
}
DECISIONS = {
    console_pb2.DRAFT_DECISION_APPROVED: "approved",
    console_pb2.DRAFT_DECISION_EDITED: "edited",
    console_pb2.DRAFT_DECISION_DISCARDED: "discarded",
}
# What the LLM brain is told a staff member said (it only ever sees the words).
STAFF_SAID = "staff"


def _at(stamp: Timestamp, envelope: Envelope) -> datetime:
    if not (stamp.seconds or stamp.nanos):
        return envelope.time
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


class StaffHandlers:
    def __init__(
        self,
        conversations: Conversations,
        cipher: FieldCipher,
        spas: SpaDirectory,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._conversations = conversations
        self._store = conversations.store
        self._records = conversations.records
        self._cipher = cipher
        self._spas = spas
        self._clock = clock

    def _known(self, spa_id: str, envelope: Envelope) -> bool:
        try:
            self._spas.get(spa_id)
        except UnknownSpa:
            log.warning(
                "event for a spa this deployment does not serve",
                extra={"spa_id": spa_id, "event": envelope.name, "event_id": envelope.id},
            )
            return False
        return True

    async def _load(
        self, conn: asyncpg.Connection, envelope: Envelope, conversation_id: str
    ) -> Conversation | None:
        if not self._known(envelope.spa_id, envelope) or not conversation_id:
            return None
        conversation = await self._store.by_id(conn, envelope.spa_id, conversation_id)
        if conversation is None:
            log.info(
                "event for a conversation the agent does not have", extra={"event": envelope.name}
            )
        return conversation

    async def autonomy_changed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, console_pb2.AutonomyChanged)
        autonomy = AUTONOMY.get(event.autonomy)
        if autonomy is None or not self._known(event.spa_id, envelope):
            return
        await self._records.set_autonomy(
            conn, event.spa_id, autonomy, _at(event.changed_at, envelope), event.staff_id
        )
        log.info("autonomy changed", extra={"spa_id": event.spa_id, "autonomy": autonomy.value})

    async def handoff_claimed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """Who has it now, for the record; the agent was already quiet on it. A claim that
        arrives after the hand-back (another subscription) finds no handoff and changes
        nothing."""
        assert isinstance(event, console_pb2.HandoffClaimed)
        conversation = await self._load(conn, envelope, event.conversation_id)
        if conversation is None:
            return
        handoff = conversation.state.handoff
        if handoff is not None and handoff.handoff_id == event.handoff_id:
            handoff.claimed_by = event.staff_id
            await self._store.save(conn, conversation, _at(event.claimed_at, envelope))

    async def handoff_resolved(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, console_pb2.HandoffResolved)
        conversation = await self._load(conn, envelope, event.conversation_id)
        if conversation is None or not event.returned_to_agent:
            return
        state = conversation.state
        if state.handoff is not None and state.handoff.handoff_id == event.handoff_id:
            state.handoff = None
            state.stage = Stage.BOOKED if state.booking else Stage.START
        await self._store.save(conn, conversation, self._clock())

    async def paused(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        assert isinstance(event, console_pb2.ConversationPaused)
        conversation = await self._load(conn, envelope, event.conversation_id)
        if conversation is None:
            return
        conversation.state.paused = event.paused
        await self._store.save(conn, conversation, self._clock())

    async def staff_replied(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, console_pb2.StaffReplied)
        conversation = await self._load(conn, envelope, event.conversation_id)
        if conversation is None:
            return
        text = self._cipher.open(event.text, Purpose.TRANSCRIPT)
        at = _at(event.sent_at, envelope)
        # The console keeps its own staff turns: it is not told this one again.
        await self._conversations.record_turn(
            conn, envelope.spa_id, conversation,
            TurnRecord("staff", "sms", text, at, ref=event.command_id,
                       staff_id=event.staff_id or None, draft_id=event.draft_id or None),
            publish=False,
        )  # fmt: skip
        history = conversation.state.llm_history
        history.append({"role": "assistant", "name": STAFF_SAID, "content": text})
        del history[:-HISTORY]
        await self._store.save(conn, conversation, at)

    async def draft_reviewed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, console_pb2.DraftReviewed)
        decision = DECISIONS.get(event.decision)
        conversation = await self._load(conn, envelope, event.conversation_id)
        if conversation is None or decision is None:
            return
        if not await self._store.draft_reviewed(conn, conversation, event.draft_id, decision):
            log.info("review of a draft the agent does not have", extra={"event": envelope.name})
        log.info(
            "draft reviewed",
            extra={"conversation_id": event.conversation_id, "decision": decision},
        )
