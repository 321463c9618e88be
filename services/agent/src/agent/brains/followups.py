"""Answers to what was asked outside the conversation's own flow: what outreach sent the
patient (a reminder, an offer), and the once-only question about marketing texts.

Read after the guards and before either brain, so the rules and the LLM treat them the
same way and every answer reaches outreach or the scheduler in the same form. A text that
is about something else is left to the brain.
"""

from __future__ import annotations

from agent.brains import appointments
from agent.brains.base import Reply, Turn
from agent.domain import intents
from agent.domain.intents import Intent
from agent.domain.outreach import Answer, Answered, Expects, answerable, read_reply
from agent.domain.questions import looks_like_question
from agent.domain.speech import Channel, spoken_list
from agent.domain.state import CALM
from agent.domain.text import tokens, yes_or_no

MARKETING = "marketing_consent"
MARKETING_ASK = "marketing.ask"


def may_ask_marketing(turn: Turn, reply: Reply, asked_before: bool) -> bool:
    """Once per patient, by text, right after a new booking is confirmed, and never over
    another question (a call in the middle of booking is never asked)."""
    return (
        reply.booked
        and not asked_before
        and turn.channel is Channel.SMS
        and not turn.ctx.dry_run
        and reply.handoff is None
        and turn.state.awaiting is None
    )


async def answer(turn: Turn) -> Reply | None:
    s = turn.state
    if s.awaiting == MARKETING:
        return await _marketing(turn)
    if s.outreach is not None and turn.channel is Channel.SMS and not turn.ctx.dry_run:
        return await _outreach(turn)
    return None


def plain_yes_or_no(text: str) -> bool | None:
    """A short yes or no and nothing else: "cancel my appointment please" is not a yes."""
    if len(tokens(text)) > 5 or looks_like_question(text):
        return None
    if intents.wants_cancel(text) or intents.wants_reschedule(text):
        return None
    return yes_or_no(text)


async def _marketing(turn: Turn) -> Reply | None:
    turn.state.awaiting = None
    said = plain_yes_or_no(turn.text)
    if said is None:
        # Something else: answered as usual, and the question is not asked again.
        return None
    reply = Reply(intent=Intent.CONFIRM if said else Intent.DECLINE)
    reply.consent = await turn.tools.record_consent(said, turn.words.ref(MARKETING_ASK))
    reply.add(turn.say("marketing.yes" if said else "marketing.no"))
    return reply


async def _outreach(turn: Turn) -> Reply | None:
    s = turn.state
    sent = s.outreach
    assert sent is not None
    if not answerable(sent, turn.ctx.now):
        s.outreach = None
        return None
    if sent.accepted:
        # Outreach is holding the slot; its booking joins this conversation when it lands.
        return None
    fresh, sent.fresh = sent.fresh, False
    if not fresh and (s.stage not in CALM or s.awaiting):
        return None
    read = read_reply(sent, turn.text)
    if read is None:
        return None
    reply = Reply()
    if read.answer is None:
        sent.fresh = True
        reply.add(_ask_again(turn, sent.expects, sent.choices))
        return reply
    reply.outreach = Answered(sent, read.answer, read.choice)
    if read.answer is Answer.CONFIRM:
        s.outreach = None
        reply.intent = Intent.CONFIRM
        reply.add(turn.say("outreach.confirmed"))
    elif read.answer is Answer.RESCHEDULE:
        s.outreach = None
        await appointments.reschedule(turn, reply, appointment_id=sent.appointment_id)
    elif read.answer is Answer.DECLINE:
        s.outreach = None
        reply.intent = Intent.DECLINE
        key = "outreach.declined_waitlist" if sent.expects == Expects.ACCEPT else "no_problem"
        reply.add(turn.say(key))
    elif read.answer is Answer.ACCEPT:
        sent.accepted = True
        reply.intent = Intent.CONFIRM
        reply.add(turn.say("outreach.accepting"))
    else:
        sent.accepted = True
        reply.intent = Intent.CHOOSE_SLOT
        reply.add(turn.say("outreach.choosing", number=read.choice))
    return reply


def _ask_again(turn: Turn, expects: str, choices: int) -> str:
    if expects == Expects.CHOOSE_SLOT:
        numbers = spoken_list([str(n) for n in range(1, choices + 1)], "or")
        return turn.say("outreach.which", numbers=numbers)
    if expects == Expects.ACCEPT:
        return turn.say("outreach.yes_or_no")
    return turn.say("outreach.c_or_r")
