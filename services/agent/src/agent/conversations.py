"""A turn of a conversation from arrival to the events it owes, inside the caller's transaction.

Text and voice share this path; only how the reply leaves differs (a text
command through the outbox, or the answer to a voice request). Everything a
turn changes (turns, state, the patient's memory, events) commits together,
so a crash anywhere means the turn is taken again, never half-taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from agent.adapters.store import Closed, Conversation, ConversationStore
from agent.domain.summary import summarize
from agent.engine import Engine, Incoming, Outcome
from agent.events import Events
from spa_config import SpaConfig


@dataclass(frozen=True)
class TurnResult:
    conversation: Conversation
    outcome: Outcome


class Conversations:
    def __init__(
        self, store: ConversationStore, engine: Engine, events: Events, *, idle_hours: int
    ) -> None:
        self.store = store
        self.engine = engine
        self.events = events
        self.idle_hours = idle_hours

    async def take_turn(
        self, conn: asyncpg.Connection, spa: SpaConfig, phone: str, incoming: Incoming
    ) -> TurnResult:
        conversation, closed = await self.store.open_for(
            conn, spa.id, phone, incoming.now, self.idle_hours
        )
        if closed is not None:
            await self.summarize(conn, spa, closed)
        return await self.continue_turn(conn, spa, phone, conversation, incoming)

    async def continue_turn(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        phone: str,
        conversation: Conversation,
        incoming: Incoming,
    ) -> TurnResult:
        patient = await self.store.patient(conn, spa.id, phone)
        state = conversation.state
        if patient is not None and patient.patient_id and not state.patient_id:
            state.patient_id = patient.patient_id
        channel = incoming.channel.value
        await self.store.add_turn(
            conn, conversation, direction="in", channel=channel, text=incoming.text,
            ref=incoming.message_ref,
        )  # fmt: skip
        outcome = await self.engine.turn(
            spa,
            str(conversation.id),
            phone,
            state,
            incoming,
            known_name=patient.name if patient else None,
            returning=bool(patient and patient.patient_id),
        )
        if outcome.reply:
            await self.store.add_turn(
                conn, conversation, direction="out", channel=channel, text=outcome.reply,
                intent=outcome.intent.value, ref=incoming.message_ref,
            )  # fmt: skip
        await self.store.save(conn, conversation, incoming.now)
        if state.name or state.patient_id:
            await self.store.remember(conn, spa.id, phone, state.name, state.patient_id or "")
        await self._record(conn, spa, phone, conversation, incoming, outcome)
        return TurnResult(conversation, outcome)

    async def _record(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        phone: str,
        conversation: Conversation,
        incoming: Incoming,
        outcome: Outcome,
    ) -> None:
        cid, ref, events = str(conversation.id), incoming.turn_ref, self.events
        await events.intent(
            conn, spa.id, cid, outcome.intent.value, outcome.service_id, incoming.channel,
            f"intent-{ref}",
        )  # fmt: skip
        if outcome.handoff is not None:
            transcript = f"agent:conversations/{cid}/turns/1-{conversation.turns}"
            await events.handoff(
                conn,
                spa.id,
                cid,
                phone,
                outcome.handoff,
                incoming.channel,
                incoming.now,
                transcript,
            )
        if outcome.intake is not None:
            await events.intake(conn, spa.id, cid, outcome.intake, f"intake-{ref}")
        if outcome.policy is not None:
            await events.policy_told(conn, spa.id, cid, phone, outcome.policy, f"policy-{ref}")
        if outcome.draft and outcome.reply:
            await events.draft(
                conn, spa.id, cid, outcome.reply, incoming.channel, outcome.intent.value,
                f"draft-{ref}",
            )  # fmt: skip

    async def summarize(self, conn: asyncpg.Connection, spa: SpaConfig, closed: Closed) -> None:
        conversation = closed.conversation
        state = conversation.state
        text = summarize(
            state,
            reason=state.handoff.reason if state.handoff else None,
            last_words="",
            channel=state.channel,
            returning=bool(state.patient_id),
            service_names={s.id: s.name for s in spa.services},
            tz=spa.tz,
        )
        await self.events.summarized(
            conn, spa.id, str(conversation.id), text, closed.outcome, conversation.turns
        )
