"""A turn of a conversation from arrival to the events it owes, inside the caller's transaction.

Text and voice share this path; only how the reply leaves differs (a text
command through the outbox, or the answer to a voice request). Everything a
turn changes (turns, state, the patient's memory, events) commits together,
so a crash anywhere means the turn is taken again, never half-taken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from agent import metrics
from agent.adapters.records import Records
from agent.adapters.store import Closed, Conversation, ConversationStore, TurnRecord
from agent.domain.speech import Channel
from agent.domain.summary import summarize
from agent.engine import Engine, Incoming, Outcome
from agent.events import Events
from spa_config import SpaConfig


@dataclass(frozen=True)
class TurnResult:
    conversation: Conversation
    outcome: Outcome


def reply_command_id(incoming: Incoming) -> str:
    """The text command that answers an inbound text: one per text, however often it is
    delivered."""
    return f"reply-{incoming.turn_ref}"


def draft_id(incoming: Incoming) -> str:
    """The reply.drafted event id of a shadow draft (staff review it by this id)."""
    return f"draft-{incoming.turn_ref}"


class Conversations:
    def __init__(
        self,
        store: ConversationStore,
        engine: Engine,
        events: Events,
        *,
        idle_hours: int,
        records: Records,
    ) -> None:
        self.store = store
        self.engine = engine
        self.events = events
        self.records = records
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

    async def record_turn(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation: Conversation,
        turn: TurnRecord,
        *,
        publish: bool = True,
    ) -> int:
        """Keep a turn in the transcript and say it (conversation.turn) for the console, which
        keeps its own staff replies and is not told those again (`publish=False`)."""
        seq = await self.store.add_turn(conn, conversation, turn)
        if publish and turn.text:
            await self.events.turn(
                conn, spa_id, str(conversation.id), conversation.phone,
                conversation.state.patient_id or "", seq, turn, turn.at or datetime.now(UTC),
            )  # fmt: skip
        return seq

    async def continue_turn(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        phone: str,
        conversation: Conversation,
        incoming: Incoming,
    ) -> TurnResult:
        started = time.perf_counter()
        patient = await self.store.patient(conn, spa.id, phone)
        state = conversation.state
        if patient is not None and patient.patient_id and not state.patient_id:
            state.patient_id = patient.patient_id
        sent = await self.records.take_outreach(conn, spa.id, phone)
        if sent is not None:
            # The newest thing the spa asked: the patient's words are read against it first.
            state.outreach, state.awaiting = sent[0], None
            state.patient_id = state.patient_id or sent[1] or None
        channel = incoming.channel.value
        await self.record_turn(
            conn, spa.id, conversation,
            TurnRecord("patient", channel, incoming.text, incoming.now, ref=incoming.message_ref),
        )  # fmt: skip
        outcome = await self.engine.turn(
            spa,
            str(conversation.id),
            phone,
            state,
            incoming,
            known_name=patient.name if patient else None,
            returning=bool(patient and patient.patient_id),
            autonomy=await self.records.autonomy(conn, spa.id),
            marketing_asked=bool(patient and patient.marketing_asked),
        )
        await self._card_link(conn, spa, phone, conversation, incoming, outcome)
        if outcome.reply:
            await self.record_turn(conn, spa.id, conversation, self._reply_turn(incoming, outcome))
        await self.store.save(conn, conversation, incoming.now)
        if state.name or state.patient_id:
            await self.store.remember(conn, spa.id, phone, state.name, state.patient_id or "")
        if outcome.marketing_asked:
            await self.store.marketing_asked(conn, spa.id, phone, incoming.now)
        await self._record(conn, spa, phone, conversation, incoming, outcome)
        metrics.TURN_SECONDS.labels(channel, outcome.brain).observe(time.perf_counter() - started)
        return TurnResult(conversation, outcome)

    async def _card_link(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        phone: str,
        conversation: Conversation,
        incoming: Incoming,
        outcome: Outcome,
    ) -> None:
        """A card-on-file link kept for a calm moment goes with the reply that settles the
        exchange: in the same text (one reply per message the patient sends), or on a call
        as a text the spoken reply mentions."""
        state, voice = conversation.state, incoming.channel is Channel.VOICE
        if not outcome.reply or outcome.draft:
            return
        mention = self.engine.words.say("card_link_texted", Channel.VOICE)
        if voice and state.card_link_to_mention:
            outcome.reply = f"{outcome.reply} {mention}"
        state.card_link_to_mention = False
        pending = state.card_link
        if pending is None:
            return
        if state.card_link_stale(incoming.now):
            state.card_link = None
            return
        if not state.settled:
            return
        if voice:
            await self.send_card_link(conn, spa, conversation, incoming.now, phone)
            outcome.reply = f"{outcome.reply} {mention}"
        else:
            state.card_link = None
            state.card_links_sent.append(pending.deposit_id)
            outcome.reply = f"{outcome.reply}\n\n{pending.text}"

    async def send_card_link(
        self,
        conn: asyncpg.Connection,
        spa: SpaConfig,
        conversation: Conversation,
        now: datetime,
        phone: str = "",
    ) -> bool:
        """Text the kept card link as a message of its own; False when it is no longer worth
        sending (expired, or its booking let go)."""
        state = conversation.state
        pending, stale = state.card_link, state.card_link_stale(now)
        state.card_link = None
        if pending is None or stale:
            return False
        state.card_links_sent.append(pending.deposit_id)
        command_id = f"card-{pending.deposit_id}"
        await self.record_turn(
            conn, spa.id, conversation,
            TurnRecord("agent", "sms", pending.text, now, ref=command_id),
        )  # fmt: skip
        await self.events.text(
            conn, spa.id, str(conversation.id), phone or conversation.phone, pending.text,
            command_id, "deposit",
        )  # fmt: skip
        return True

    @staticmethod
    def _reply_turn(incoming: Incoming, outcome: Outcome) -> TurnRecord:
        assert outcome.reply is not None
        if outcome.draft:
            ref, draft = "", draft_id(incoming)
        elif incoming.channel is Channel.SMS:
            ref, draft = reply_command_id(incoming), None
        else:
            ref, draft = incoming.message_ref, None
        return TurnRecord(
            "agent", incoming.channel.value, outcome.reply, incoming.now,
            intent=outcome.intent.value, ref=ref, draft_id=draft,
        )  # fmt: skip

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
            metrics.HANDOFFS.labels(outcome.handoff.reason, outcome.handoff.priority.value).inc()
        if outcome.intake is not None:
            await events.intake(conn, spa.id, cid, outcome.intake, f"intake-{ref}")
        if outcome.policy is not None:
            await events.policy_told(conn, spa.id, cid, phone, outcome.policy, f"policy-{ref}")
        if outcome.draft and outcome.reply:
            await events.draft(
                conn, spa.id, cid, phone, outcome.reply, incoming.channel, outcome.intent.value,
                incoming.now, draft_id(incoming),
            )  # fmt: skip
        if outcome.outreach is not None:
            await events.outreach_replied(
                conn, spa.id, cid, phone, outcome.outreach, incoming.message_ref, incoming.now
            )
        if outcome.consent is not None:
            await self.records.consent_answered(
                conn, conversation.id, outcome.consent, incoming.now
            )

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
