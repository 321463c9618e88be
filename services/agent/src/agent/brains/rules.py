"""The rules brain: deterministic, offline, built from the spa's menu and configuration.

It reads a turn in a fixed order: first the short answers the last question
asked for ("2", "yes", a name), then the patient's own appointments, questions
it can answer with confidence, and booking words; what it cannot place it asks
about once, then hands to staff. It is also the fallback whenever the LLM brain
fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agent.brains import answers, appointments, booking
from agent.brains.base import Reply, Turn
from agent.domain import intake as intake_rules
from agent.domain import intents, policy
from agent.domain.guards import Priority, Reason, Verdict
from agent.domain.intents import Intent
from agent.domain.menu import MenuItem, MenuMatch, match_service
from agent.domain.questions import looks_like_question
from agent.domain.speech import spoken_list
from agent.domain.state import Stage
from agent.domain.text import volunteered_name, yes_or_no
from agent.domain.when import TimeWish, parse_when

StageHandler = Callable[[Turn, Reply], Awaitable[bool]]
STAGES: dict[Stage, StageHandler] = {
    Stage.OFFERED: booking.on_offered,
    Stage.NAME: booking.on_name,
    Stage.INTAKE: booking.on_intake,
    Stage.CONFIRM: booking.on_confirm,
    Stage.WHEN: booking.on_when,
    Stage.CANCEL_CONFIRM: appointments.on_cancel_confirm,
}
IN_PROGRESS = frozenset({Stage.OFFERED, Stage.NAME, Stage.CONFIRM, Stage.WHEN, Stage.INTAKE})
# Unclear turns in a row before the conversation goes to a person.
UNCLEAR_LIMIT = 2


class RulesBrain:
    async def respond(self, turn: Turn) -> Reply:
        reply = Reply()
        s = turn.state
        today = turn.ctx.now.astimezone(turn.ctx.spa.tz).date()
        menu = [MenuItem(m.id, m.name, m.category, m.aliases) for m in await turn.tools.menu()]
        match = match_service(turn.text, menu)
        wish = parse_when(turn.text, today)
        if s.name is None:
            s.name = volunteered_name(turn.text)

        if await self._expected_answer(turn, reply, match, wish):
            s.unclear_turns = 0
            return reply
        if intents.asks_my_appointment(turn.text):
            await appointments.my_appointment(turn, reply)
        elif intents.wants_reschedule(turn.text):
            await appointments.reschedule(turn, reply)
        elif intents.wants_cancel(turn.text) and s.stage not in (Stage.OFFERED, Stage.CONFIRM):
            await appointments.cancel(turn, reply)
        elif intents.abandons(turn.text) and s.stage not in (Stage.START, Stage.BOOKED):
            await booking.release_hold(turn)
            s.reset_booking_flow()
            reply.intent = Intent.ABANDON
            reply.add(turn.say("abandoned"))
        else:
            await self._understand(turn, reply, match, wish)
        s.unclear_turns = s.unclear_turns + 1 if reply.intent is Intent.UNKNOWN else 0
        return reply

    async def _expected_answer(
        self, turn: Turn, reply: Reply, match: MenuMatch, wish: TimeWish
    ) -> bool:
        """The answer to the question the last reply asked, when this turn is one."""
        s = turn.state
        if s.stage is Stage.CLARIFY:
            if await booking.on_clarify(turn, reply, match.service_id):
                return True
        handler = STAGES.get(s.stage)
        if handler is not None and await handler(turn, reply):
            return True
        if s.awaiting and match.service_id is None and await self._awaited(turn, reply):
            return True
        return False

    async def _awaited(self, turn: Turn, reply: Reply) -> bool:
        s = turn.state
        awaiting, answer = s.awaiting or "", yes_or_no(turn.text)
        if awaiting == "price":
            return False
        if answer is None:
            return False
        s.awaiting = None
        if answer is False:
            reply.intent = Intent.DECLINE
            reply.add(turn.say("no_problem"))
            return True
        if awaiting == "consult":
            spa = turn.ctx.spa
            wanted = s.wanted_service_id
            consult = policy.consult_for(spa, spa.service(wanted)) if wanted else None
            consult = consult or next(
                (x for x in spa.services if x.category.value == "consult"), None
            )
            if consult is None:
                return False
            await booking.set_service(turn, consult.id, TimeWish())
            s.wanted_service_id = wanted
        elif awaiting.startswith("also:"):
            await booking.set_service(turn, awaiting.split(":", 1)[1], TimeWish())
        elif awaiting == "rebook" and s.service_id:
            service_id, s.service_id = s.service_id, None
            await booking.set_service(turn, service_id, TimeWish())
        await booking.advance(turn, reply)
        return True

    @staticmethod
    def _history_only(turn: Turn) -> bool:
        return intake_rules.mentions_history(turn.text) and not intents.wants_booking(turn.text)

    async def _understand(self, turn: Turn, reply: Reply, match: MenuMatch, wish: TimeWish) -> None:
        s, text = turn.state, turn.text
        today = turn.ctx.now.astimezone(turn.ctx.spa.tz).date()
        if intents.objects_to_price(text):
            answers.price_objection(
                turn, reply, match.service_id or s.wanted_service_id or s.service_id
            )
            return
        answered = False
        if intents.asks_price(text) or s.awaiting == "price":
            priced = match.service_id or (s.service_id if s.awaiting != "price" else None)
            if priced:
                reply.add(answers.quote(turn, priced))
                reply.intent, reply.service_id, answered = Intent.PRICE, priced, True
                s.awaiting = None
                if match.service_id and not intents.wants_booking(text):
                    reply.add(turn.say("want_to_book", service=turn.ctx.spa.service(priced).name))
                    s.awaiting, s.service_id = "rebook", priced
                    return
            elif intents.asks_price(text):
                s.awaiting = "price"
                reply.intent = Intent.PRICE
                reply.add(turn.say("which_price"))
                return
        if looks_like_question(text) or not (match.service_id or match.unclear):
            for found in answers.confident_answers(turn):
                reply.add(answers.answer(turn, found))
                reply.intent, answered = Intent.QUESTION, True
        if match.service_id and s.service_id and self._history_only(turn):
            # "I had botox 2 months ago": an answer the intake will want, not a new booking.
            s.intake = intake_rules.read_answer(intake_rules.Step.HISTORY, text, s.intake, today)
            reply.intent = Intent.INTAKE_ANSWER
            reply.add(turn.say("intake_noted"), booking.reprompt(turn))
            return
        if match.service_id:
            others = [
                sid
                for sid in _other_services(turn, match.service_id)
                if sid != match.service_id and sid not in s.also_wants
            ]
            await booking.set_service(turn, match.service_id, wish)
            s.also_wants.extend(others)
            await booking.advance(turn, reply)
            return
        if match.unclear:
            s.candidates, s.stage = list(match.candidates[:3]), Stage.CLARIFY
            names = [turn.ctx.spa.service(c).name for c in s.candidates]
            reply.intent = Intent.BOOK
            reply.add(turn.say("clarify_service", options=spoken_list(names, "or")))
            return
        if not wish.empty and s.service_id and s.stage not in (Stage.BOOKED,):
            booking.set_wish(turn, wish)
            await booking.advance(turn, reply)
            return
        if answered:
            reply.add(booking.reprompt(turn))
            return
        if looks_like_question(text):
            answers.unanswered(reply)
            return
        if intents.is_greeting(text) and s.stage in IN_PROGRESS:
            # Back mid-booking ("hi again"): pick up where it stopped, with fresh times if stale.
            reply.intent = Intent.GREETING
            reply.add(turn.say("hello_again"))
            await booking.advance(turn, reply)
            return
        if intents.is_greeting(text) or s.turns_in <= 1:
            await answers.greet(turn, reply)
            return
        if intents.thanks(text):
            reply.intent = Intent.THANKS
            reply.add(turn.say("welcome"))
            return
        if intents.wants_booking(text):
            reply.intent = Intent.BOOK
            reply.add(turn.say("ask_what"))
            return
        if s.unclear_turns + 1 >= UNCLEAR_LIMIT:
            reply.handoff = Verdict(Reason.UNANSWERED_QUESTION, Priority.NORMAL)
            return
        reply.add(turn.say("not_understood"), booking.reprompt(turn))


def _other_services(turn: Turn, chosen: str) -> list[str]:
    """Other treatments named in the same message ("botox and lip filler"), in menu order."""
    text = turn.text.lower()
    named = []
    for service in turn.ctx.spa.services:
        if service.id == chosen:
            continue
        words = [service.name.lower(), *service.aliases]
        if any(len(w) > 3 and f" {w} " in f" {text} " for w in words):
            named.append(service.id)
    return named
