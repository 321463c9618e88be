"""One patient turn, by text or on a call: guards first, then the brain, then the guards again.

The engine decides nothing about treatments or times itself; it makes sure the
order is always the same: staff who own a conversation keep it, the spa's
autonomy rule is obeyed, a clinical or upset message never reaches a brain,
the reply is checked for anything that sounds like advice, and every handoff
says honestly who will answer and when.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.brains import followups
from agent.brains.base import Brain, Reply, Turn
from agent.domain import policy
from agent.domain.guards import (
    Priority,
    Reason,
    Verdict,
    asks_if_automated,
    check_incoming,
    only_asks_if_automated,
    unsafe_reply,
)
from agent.domain.intake import REVIEW_FLAGS, Flag
from agent.domain.intents import Intent
from agent.domain.outreach import Answered
from agent.domain.speech import Channel, speakable, spoken_time
from agent.domain.state import Handoff, PolicyTold, Stage, State
from agent.domain.summary import captured, summarize
from agent.ports import Calendar, CalendarRefused, CalendarUnavailable
from agent.settings import ConversationPolicy
from agent.tools import ConsentNote, Toolbox, TurnContext
from agent.words import Words
from spa_config import AgentAutonomy, SpaConfig

HANDOFF_WORDS = {
    Reason.URGENT_SYMPTOMS: "handoff_urgent",
    Reason.POST_TREATMENT_PROBLEM: "handoff_problem",
    Reason.CLINICAL_QUESTION: "handoff_clinical",
    Reason.INTAKE_REVIEW: "handoff_intake",
    Reason.UNSAFE_DRAFT: "handoff_clinical",
    Reason.BILLING_DISPUTE: "handoff_upset",
    Reason.UPSET: "handoff_upset",
    Reason.ASKED_FOR_PERSON: "handoff_person",
    Reason.TREATMENT_PLANNING: "handoff_planning",
    Reason.HIGH_VALUE_PLAN: "handoff_planning",
    Reason.UNANSWERED_QUESTION: "handoff_question",
    Reason.APPOINTMENT_CHANGE: "handoff_change",
    Reason.APPOINTMENT_LOOKUP: "handoff_change",
    Reason.NO_OPENINGS: "handoff_no_openings",
    Reason.STAFF_HOURS: "handoff_staff_hours",
    Reason.CALENDAR_DOWN: "handoff_calendar",
}


@dataclass(frozen=True)
class Incoming:
    text: str
    channel: Channel
    now: datetime
    turn_ref: str
    message_ref: str
    silence: bool = False
    digits: str = ""


@dataclass(frozen=True)
class HandoffNote:
    handoff_id: str
    reason: str
    priority: Priority
    summary: str
    captured: dict[str, Any]
    assigned_role: str
    respond_within_minutes: int


@dataclass(frozen=True)
class IntakeNote:
    service_id: str
    appointment_id: str
    flags: list[str]
    answers: dict[str, Any]
    needs_review: bool


@dataclass(frozen=True)
class PolicyNote:
    told: PolicyTold
    accepted: bool
    answered_at: datetime
    answer_text: str
    appointment_id: str
    patient_id: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.told.text.encode()).hexdigest()[:16]


@dataclass
class Outcome:
    reply: str | None
    intent: Intent = Intent.UNKNOWN
    service_id: str | None = None
    handoff: HandoffNote | None = None
    intake: IntakeNote | None = None
    policy: PolicyNote | None = None
    # Under shadow autonomy the reply is a draft for staff, never sent.
    draft: bool = False
    voice_action: str = "continue"  # continue, hangup, transfer
    whisper: str = ""
    hints: list[str] = field(default_factory=list)
    # The patient answered something outreach sent (said as outreach.replied).
    outreach: Answered | None = None
    # The patient was asked about marketing texts this turn, or answered that question.
    marketing_asked: bool = False
    consent: ConsentNote | None = None
    brain: str = "rules"


class Engine:
    def __init__(
        self, calendar: Calendar, words: Words, brain: Brain, conv: ConversationPolicy
    ) -> None:
        self.calendar = calendar
        self.words = words
        self.brain = brain
        self.conv = conv

    async def turn(
        self,
        spa: SpaConfig,
        conversation_id: str,
        phone: str,
        state: State,
        incoming: Incoming,
        *,
        known_name: str | None = None,
        returning: bool = False,
        autonomy: AgentAutonomy | None = None,
        marketing_asked: bool = False,
    ) -> Outcome:
        """`autonomy`: as staff last set it for the spa (else the spa file's);
        `marketing_asked`: the patient was already asked about marketing texts."""
        state.turns_in += 1
        state.channel = incoming.channel.value
        if state.name is None and known_name:
            state.name = known_name
        mode = policy.autonomy(spa, incoming.now, autonomy)
        ctx = TurnContext(
            spa=spa,
            conversation_id=conversation_id,
            phone=phone,
            now=incoming.now,
            channel=incoming.channel,
            turn_ref=incoming.turn_ref,
            message_ref=incoming.message_ref,
            returning=returning,
            dry_run=mode is policy.Autonomy.DRAFT,
        )
        tools = Toolbox(
            self.calendar,
            ctx,
            state,
            offer_count=self.conv.offer_count,
            search_days=self.conv.search_days,
        )
        turn = Turn(incoming.text, ctx, state, tools, self.words, self.conv, known_name)
        say = turn.say
        voice = incoming.channel is Channel.VOICE

        if state.with_staff:
            verdict = check_incoming(incoming.text)
            if verdict is not None and verdict.urgent:
                return self._finish(turn, Reply(intent=Intent.HANDOFF, handoff=verdict), returning)
            quiet = say("voice.with_staff") if voice else None
            return Outcome(quiet, Intent.HANDOFF, voice_action="hangup" if voice else "continue")
        if mode is policy.Autonomy.STAFF:
            reply = Reply(
                intent=Intent.HANDOFF, handoff=Verdict(Reason.STAFF_HOURS, Priority.NORMAL)
            )
            return self._finish(turn, reply, returning)
        if voice and incoming.silence:
            state.silences += 1
            if state.silences >= 2:
                return Outcome(say("voice.silence_end"), Intent.UNKNOWN, voice_action="hangup")
            return Outcome(say("voice.silence"), Intent.UNKNOWN)
        state.silences = 0
        if voice and incoming.digits == "0":
            reply = Reply(
                intent=Intent.HANDOFF, handoff=Verdict(Reason.ASKED_FOR_PERSON, Priority.NORMAL)
            )
            return self._finish(turn, reply, returning)

        disclosure = say("disclosure") if asks_if_automated(incoming.text) else ""
        verdict = check_incoming(
            incoming.text, answering_health_questions=state.stage is Stage.INTAKE
        )
        before = (state.stage, state.policy_told)
        if verdict is not None:
            reply = Reply(intent=Intent.HANDOFF, handoff=verdict)
        elif disclosure and only_asks_if_automated(incoming.text):
            reply = Reply(intent=Intent.AUTOMATED_QUESTION)
            reply.add(say("disclosure_offer"))
        else:
            reply = await followups.answer(turn) or await self._think(turn)
        if reply.text and unsafe_reply(reply.text):
            # Never sent: whatever produced it, the patient gets a person instead.
            reply = Reply(
                intent=Intent.HANDOFF, handoff=Verdict(Reason.UNSAFE_DRAFT, Priority.NORMAL)
            )
        if disclosure:
            reply.parts.insert(0, disclosure)
        asking = followups.may_ask_marketing(turn, reply, marketing_asked)
        if asking:
            reply.add(say(followups.MARKETING_ASK))
            state.awaiting = followups.MARKETING
        outcome = self._finish(turn, reply, returning)
        outcome.policy = self._policy_answer(turn, before, reply)
        outcome.draft = ctx.dry_run
        outcome.outreach, outcome.consent = reply.outreach, reply.consent
        outcome.marketing_asked = asking
        outcome.brain = reply.brain
        return outcome

    async def _think(self, turn: Turn) -> Reply:
        try:
            return await self.brain.respond(turn)
        except (CalendarUnavailable, CalendarRefused):
            # The calendar is away or refused what was asked in good faith: the patient is
            # told a person will follow up, instead of waiting on a retry that may not come.
            return Reply(
                intent=Intent.UNKNOWN, handoff=Verdict(Reason.CALENDAR_DOWN, Priority.NORMAL)
            )

    def _finish(self, turn: Turn, reply: Reply, returning: bool) -> Outcome:
        spa, ctx = turn.ctx.spa, turn.ctx
        voice = ctx.channel is Channel.VOICE
        outcome = Outcome(None, reply.intent, reply.service_id)
        if reply.handoff is not None:
            outcome.handoff = self._handoff(turn, reply.handoff, returning)
            reply.add(self._promise(turn, reply.handoff))
            if voice:
                contact = policy.transfer_contact(spa)
                if contact is not None and policy.is_open(spa, ctx.now):
                    outcome.voice_action = "transfer"
                    outcome.whisper = outcome.handoff.summary
                    reply.add(turn.say("voice.transferring", who=contact.name))
                else:
                    outcome.voice_action = "hangup"
        elif reply.hangup and voice:
            outcome.voice_action = "hangup"
        outcome.intake = self._intake(turn, reply)
        text = reply.text
        outcome.reply = speakable(text) if voice else text
        if voice:
            outcome.hints = self._hints(turn)
        return outcome

    def _handoff(self, turn: Turn, verdict: Verdict, returning: bool) -> HandoffNote:
        spa, state, ctx = turn.ctx.spa, turn.state, turn.ctx
        contact = policy.handoff_contact(spa, clinical=verdict.clinical)
        handoff_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"handoff:{ctx.conversation_id}:{ctx.turn_ref}")
        )
        state.handoff = Handoff(handoff_id, verdict.reason.value, verdict.priority.value, ctx.now)
        state.stage = Stage.WITH_STAFF
        names = {s.id: s.name for s in spa.services}
        summary = summarize(
            state,
            reason=verdict.reason.value,
            last_words=turn.text,
            channel=ctx.channel.value,
            returning=returning,
            service_names=names,
            tz=spa.tz,
        )
        minutes = 0 if verdict.urgent else spa.policies.handoff_response_minutes
        return HandoffNote(
            handoff_id, verdict.reason.value, verdict.priority, summary,
            captured(state, spa.tz), contact.role, minutes,
        )  # fmt: skip

    def _promise(self, turn: Turn, verdict: Verdict) -> str:
        """Who will answer and when, honestly: within the promised minutes while open,
        otherwise when the spa next opens."""
        spa, now = turn.ctx.spa, turn.ctx.now
        contact = policy.handoff_contact(spa, clinical=verdict.clinical)
        who = turn.say("who", name=contact.name, role=contact.role.lower())
        if policy.is_open(spa, now) or verdict.urgent:
            within = turn.say("within_minutes", minutes=spa.policies.handoff_response_minutes)
        else:
            opening = policy.next_opening(spa, now)
            when = spoken_time(opening, spa.tz, now, turn.channel) if opening else ""
            within = turn.say("within_opening", when=when)
        return turn.say(
            HANDOFF_WORDS.get(verdict.reason, "handoff_question"), who=who, within=within
        )

    def _intake(self, turn: Turn, reply: Reply) -> IntakeNote | None:
        state = turn.state
        booking = state.booking
        ready = state.intake.screen is not None or bool(state.flags) or reply.intake_done
        held_now = booking is not None and booking.status in ("held", "confirmed")
        to_staff = reply.handoff is not None and reply.handoff.reason is Reason.INTAKE_REVIEW
        if not ready or state.intake_reported or not (held_now or to_staff):
            return None
        state.intake_reported = True
        return IntakeNote(
            service_id=state.wanted_service_id or state.service_id or "",
            appointment_id=booking.appointment_id if booking and held_now else "",
            flags=list(state.flags),
            answers={**state.intake.to_dict(), "flags": list(state.flags)},
            needs_review=any(Flag(f) in REVIEW_FLAGS for f in state.flags),
        )

    def _policy_answer(
        self, turn: Turn, before: tuple[Stage, PolicyTold | None], reply: Reply
    ) -> PolicyNote | None:
        """The patient's answer to the cancellation policy they were read, for the record."""
        stage, told = before
        if stage is not Stage.CONFIRM or told is None:
            return None
        if reply.intent not in (Intent.CONFIRM, Intent.DECLINE):
            return None
        booking = turn.state.booking
        return PolicyNote(
            told=told,
            accepted=reply.intent is Intent.CONFIRM,
            answered_at=turn.ctx.now,
            answer_text=turn.text,
            appointment_id=booking.appointment_id if booking else "",
            patient_id=turn.state.patient_id or "",
        )

    def _hints(self, turn: Turn) -> list[str]:
        spa = turn.ctx.spa
        hints = ["one", "two", "three", "yes", "no", "none"]
        hints += [s.name for s in spa.services][:10]
        hints += [p.name.split(",")[0] for p in spa.providers]
        return hints
