"""The booking conversation: treatment, times, a pick, the name, intake, the policy, the hold.

`advance` looks at what the conversation still lacks and asks for exactly that,
so a patient can give things in any order ("botox tuesday at 2, I'm Jane") and
change their mind at any point. Stage handlers read the short answers that only
make sense after a question ("2", "yes", "Jane Doe").
"""

from __future__ import annotations

from datetime import timedelta

from agent.brains.base import Reply, Turn
from agent.domain import intake as intake_rules
from agent.domain import policy
from agent.domain.choice import OfferView, choose
from agent.domain.guards import Priority, Reason, Verdict
from agent.domain.intents import Intent
from agent.domain.speech import Channel, first_name, spoken_list, spoken_time
from agent.domain.state import Offer, PolicyTold, Stage
from agent.domain.text import name_in, number_in, tokens, yes_or_no
from agent.domain.when import TimeWish, parse_when
from agent.settings import FlagAction
from agent.tools import HoldStatus

ORDINALS = ("first", "second", "third", "fourth", "fifth")


def when(turn: Turn, offer: Offer) -> str:
    return spoken_time(offer.start, turn.ctx.spa.tz, turn.ctx.now, turn.channel)


def provider(turn: Turn, name: str) -> str:
    return first_name(name) if turn.channel is Channel.VOICE else name


def offer_block(turn: Turn, offers: list[Offer], *, exact: bool, service_name: str) -> str:
    said = turn.state.wish.said
    if exact:
        intro = turn.say("offer_intro", service=service_name)
    elif said:
        intro = turn.say("offer_intro_nearest", service=service_name, wish=said)
    else:
        intro = turn.say("offer_intro", service=service_name)
    lines = [
        turn.say(
            "offer_line",
            number=i,
            ordinal=ORDINALS[i - 1],
            when=when(turn, offer),
            provider=provider(turn, offer.provider_name),
        )
        for i, offer in enumerate(offers, start=1)
    ]
    numbers = spoken_list([str(i) for i in range(1, len(offers) + 1)], "or")
    ordinals = spoken_list([f"the {o}" for o in ORDINALS[: len(offers)]], "or")
    ask = turn.say("offer_ask", numbers=numbers, ordinals=ordinals)
    if turn.channel is Channel.VOICE:
        return " ".join([intro, spoken_list(lines, "or") + ".", ask])
    return "\n".join([intro, *lines, ask])


def stale(turn: Turn) -> bool:
    offered = turn.state.offered_at
    ttl = timedelta(minutes=turn.policy.offer_ttl_minutes)
    return offered is None or turn.ctx.now - offered > ttl


def reprompt(turn: Turn) -> str:
    """The question the conversation was waiting on, asked again after a detour."""
    s = turn.state
    if s.stage is Stage.OFFERED and s.offers:
        numbers = spoken_list([str(i) for i in range(1, len(s.offers) + 1)], "or")
        ordinals = spoken_list([f"the {o}" for o in ORDINALS[: len(s.offers)]], "or")
        return turn.say("offer_ask", numbers=numbers, ordinals=ordinals)
    if s.stage is Stage.NAME:
        return turn.say("ask_name")
    if s.stage is Stage.CONFIRM:
        return turn.say("confirm_ask")
    if s.stage is Stage.WHEN:
        return turn.say("ask_when")
    return ""


async def set_service(turn: Turn, service_id: str, wish: TimeWish) -> None:
    """Start (or switch) the booking to this treatment, keeping what still applies."""
    s = turn.state
    changed = service_id not in (s.service_id, s.wanted_service_id)
    if changed:
        if s.booking is not None and s.booking.status == "held":
            await release_hold(turn)
        s.service_id, s.wanted_service_id = service_id, None
        s.offers, s.chosen, s.policy_told, s.provider_id = [], None, None, None
        s.flags, s.intake_reported, s.flags_routed = [], False, False
        s.intake = intake_rules.Intake(area=intake_rules.area_in(turn.text))
        s.mode = s.mode if s.changing_appointment_id else "book"
    elif s.intake.area is None:
        s.intake = intake_rules.Intake(
            area=intake_rules.area_in(turn.text),
            treated_before=s.intake.treated_before,
            last_toxin=s.intake.last_toxin,
            screen=s.intake.screen,
        )
    if not wish.empty:
        set_wish(turn, wish)


def set_wish(turn: Turn, wish: TimeWish) -> None:
    s = turn.state
    s.wish = wish
    s.offers, s.chosen, s.policy_told = [], None, None


async def release_hold(turn: Turn) -> None:
    """Let go of a hold the patient no longer wants, so the slot is free for others."""
    booking = turn.state.booking
    if booking is not None and booking.status == "held":
        await turn.tools.cancel(booking.appointment_id, "patient changed the booking")
        turn.state.booking = None


async def advance(turn: Turn, reply: Reply) -> None:
    s, spa, tools = turn.state, turn.ctx.spa, turn.tools
    reply.intent = reply.intent if reply.intent is not Intent.UNKNOWN else Intent.BOOK
    if s.service_id is None:
        s.stage = Stage.START
        reply.add(turn.say("ask_what"))
        return
    item = await tools.service(s.service_id)
    if item is None:
        s.service_id = None
        reply.add(turn.say("ask_what"))
        return
    reply.service_id = s.wanted_service_id or s.service_id
    if item.consult_required_for_new and not turn.ctx.returning and s.wanted_service_id is None:
        consult = policy.consult_for(spa, spa.service(item.id))
        if consult is not None:
            s.wanted_service_id, s.service_id, s.offers, s.chosen = item.id, consult.id, [], None
            reply.add(turn.say("consult_first", service=item.name, consult=consult.name))
            item = await tools.service(consult.id) or item
    if not s.offers or (s.chosen is None and stale(turn)):
        if s.offers and stale(turn):
            reply.add(turn.say("offers_refreshed"))
        found = await tools.find(s.service_id, s.wish, s.provider_id or "")
        if not found.offers:
            reply.add(turn.say("no_openings", service=item.name, days=turn.policy.search_days))
            reply.handoff = Verdict(Reason.NO_OPENINGS, Priority.NORMAL)
            return
        reply.add(offer_block(turn, list(found.offers), exact=found.exact, service_name=item.name))
        return
    if s.chosen is None:
        s.stage = Stage.OFFERED
        reply.add(reprompt(turn))
        return
    if not s.name:
        s.stage = Stage.NAME
        reply.add(turn.say("ask_name"))
        return
    target = spa.service(s.wanted_service_id or s.service_id)
    if intake_rules.applies(target.category.value) and s.mode == "book":
        step = intake_rules.next_step(s.intake, target.category.value)
        if step is not None:
            first = s.stage is not Stage.INTAKE
            s.stage = Stage.INTAKE
            reply.add(intake_question(turn, step, target.category.value, target.name, intro=first))
            return
        if not s.flags and not s.intake_reported:
            found_flags = intake_rules.flags(
                s.intake,
                target.category.value,
                lower_face_filler=intake_rules.lower_face(" ".join((target.name, *target.aliases))),
                today=turn.ctx.now.astimezone(spa.tz).date(),
            )
            s.flags = [f.value for f in found_flags]
            reply.intake_done = True
            if not intake_rules.needs_review(found_flags):
                reply.add(turn.say("intake_noted"))
        if (
            intake_rules.needs_review([intake_rules.Flag(f) for f in s.flags])
            and not s.flags_routed
        ):
            s.flags_routed = True
            await route_flags(turn, reply, target.id)
            return
    if s.policy_told is None:
        tell_policy(turn, reply)
        return
    s.stage = Stage.CONFIRM
    reply.add(turn.say("confirm_ask"))


def intake_question(
    turn: Turn, step: intake_rules.Step, category: str, service: str, *, intro: bool
) -> str:
    s = turn.state
    parts = [turn.say("intake_intro")] if intro else []
    if step in s.intake.asked_again:
        parts.append(turn.say("intake_again"))
    if step is intake_rules.Step.SCREEN:
        target = turn.ctx.spa.service(s.wanted_service_id or s.service_id or "")
        lower = intake_rules.lower_face(" ".join((target.name, *target.aliases)))
        parts.append(turn.say("intake_screen_lower_face" if lower else "intake_screen"))
    else:
        key = {
            intake_rules.Step.AREA: "intake_area",
            intake_rules.Step.HISTORY: (
                "intake_history" if category == "neurotoxin" else "intake_history_filler"
            ),
            intake_rules.Step.LAST_TOXIN: "intake_last_toxin",
        }[step]
        parts.append(turn.say(key, service=service))
    return " ".join(parts)


async def route_flags(turn: Turn, reply: Reply, target_id: str) -> None:
    """A flag is never judged: the spa's policy sends it to a nurse practitioner or to staff."""
    s, spa = turn.state, turn.ctx.spa
    consult = policy.consult_for(spa, spa.service(target_id))
    np_id = policy.nurse_practitioner_for(spa, consult.id) if consult else None
    if turn.policy.intake_flag_action is FlagAction.HANDOFF or consult is None or np_id is None:
        reply.handoff = Verdict(Reason.INTAKE_REVIEW, Priority.NORMAL)
        return
    np_name = spa.provider(np_id).name
    s.wanted_service_id, s.service_id, s.provider_id = target_id, consult.id, np_id
    s.offers, s.chosen, s.policy_told = [], None, None
    reply.add(turn.say("intake_flagged", consult=consult.name, provider=provider(turn, np_name)))
    found = await turn.tools.find(consult.id, s.wish, np_id)
    if not found.offers:
        reply.handoff = Verdict(Reason.INTAKE_REVIEW, Priority.NORMAL)
        return
    reply.add(offer_block(turn, list(found.offers), exact=found.exact, service_name=consult.name))


def tell_policy(turn: Turn, reply: Reply) -> None:
    s, spa = turn.state, turn.ctx.spa
    assert s.chosen is not None
    service = spa.service(s.chosen.service_id)
    deposit = policy.deposit_for(service, new_patient=not turn.ctx.returning)
    terms = turn.render(policy.cancellation_terms(spa, service, deposit))
    summary = turn.say(
        "confirm_summary",
        service=service.name,
        provider=provider(turn, s.chosen.provider_name),
        when=when(turn, s.chosen),
        name=(s.name or "").split()[0],
    )
    deposit_line = turn.say("deposit_line", deposit=deposit) if deposit else ""
    s.policy_told = PolicyTold(terms, turn.ctx.now, turn.channel.value, turn.ctx.message_ref)
    s.stage = Stage.CONFIRM
    reply.policy_text = terms
    reply.add(summary, deposit_line, terms, turn.say("confirm_ask"))


async def on_offered(turn: Turn, reply: Reply) -> bool:
    s, tz = turn.state, turn.ctx.spa.tz
    picked = choose(
        turn.text, [OfferView(o.start.astimezone(tz), o.provider_name) for o in s.offers]
    )
    if picked.index is not None:
        s.chosen = s.offers[picked.index]
        reply.intent = Intent.CHOOSE_SLOT
        reply.add(
            turn.say(
                "chosen", when=when(turn, s.chosen), provider=provider(turn, s.chosen.provider_name)
            )
        )
        await advance(turn, reply)
        return True
    if picked.rejected and parse_when(turn.text, turn.ctx.now.astimezone(tz).date()).empty:
        s.stage = Stage.WHEN
        reply.intent = Intent.BOOK
        reply.add(turn.say("ask_when"))
        return True
    if picked.ambiguous:
        reply.intent = Intent.CHOOSE_SLOT
        reply.add(turn.say("which_one"), reprompt(turn))
        return True
    return False


async def on_name(turn: Turn, reply: Reply) -> bool:
    name = name_in(turn.text)
    if name is None:
        return False
    turn.state.name = name
    reply.intent = Intent.GIVE_NAME
    reply.add(turn.say("thanks_name", name=name.split()[0]))
    await advance(turn, reply)
    return True


async def on_intake(turn: Turn, reply: Reply) -> bool:
    s, spa = turn.state, turn.ctx.spa
    target = spa.service(s.wanted_service_id or s.service_id or "")
    step = intake_rules.next_step(s.intake, target.category.value)
    if step is None:
        return False
    s.intake = intake_rules.read_answer(
        step, turn.text, s.intake, turn.ctx.now.astimezone(spa.tz).date()
    )
    reply.intent = Intent.INTAKE_ANSWER
    await advance(turn, reply)
    return True


async def on_confirm(turn: Turn, reply: Reply) -> bool:
    s = turn.state
    answer = yes_or_no(turn.text)
    if answer is None:
        return False
    if answer is False:
        reply.intent = Intent.DECLINE
        s.chosen, s.policy_told, s.offers = None, None, []
        s.stage = Stage.WHEN
        reply.add(turn.say("declined"))
        return True
    reply.intent = Intent.CONFIRM
    await book(turn, reply)
    return True


async def book(turn: Turn, reply: Reply) -> None:
    s, spa = turn.state, turn.ctx.spa
    assert s.chosen is not None
    outcome = await turn.tools.hold(s.chosen)
    if outcome.status is HoldStatus.HELD and outcome.booking is not None:
        booking = outcome.booking
        if s.mode == "reschedule":
            await finish_move(turn, reply)
            return
        if booking.deposit_minor > 0:
            s.stage = Stage.HELD
            reply.add(
                turn.say(
                    "held_deposit",
                    deposit=booking.deposit_minor,
                    minutes=spa.policies.hold_minutes,
                    when=when(turn, s.chosen),
                )
            )
        else:
            confirmed = await turn.tools.confirm()
            s.stage = Stage.BOOKED
            if confirmed is not None:
                confirmed.confirmation_sent = True
                reply.booked = True
            reply.add(
                turn.say(
                    "booked",
                    service=booking.service_name,
                    provider=provider(turn, booking.provider_name),
                    when=when(turn, s.chosen),
                )
            )
        if s.also_wants:
            next_id = s.also_wants.pop(0)
            s.awaiting = f"also:{next_id}"
            reply.add(turn.say("also_book", service=spa.service(next_id).name))
        return
    if outcome.status is HoldStatus.NOT_SENT:
        s.stage = Stage.HELD
        reply.add(turn.say("draft_hold"))
        return
    s.chosen, s.policy_told = None, None
    if outcome.status in (HoldStatus.TAKEN, HoldStatus.CONSULT_FIRST) and outcome.alternatives:
        key = "slot_taken" if outcome.status is HoldStatus.TAKEN else "consult_required"
        first = outcome.alternatives[0]
        if outcome.status is HoldStatus.CONSULT_FIRST:
            s.wanted_service_id = s.wanted_service_id or s.service_id
            s.service_id = first.service_id
        name = spa.service(first.service_id).name
        reply.add(turn.say(key, service=name))
        reply.add(offer_block(turn, list(outcome.alternatives), exact=True, service_name=name))
        return
    s.offers = []
    reply.add(turn.say("slot_gone"))
    await advance(turn, reply)


async def finish_move(turn: Turn, reply: Reply) -> None:
    """The new time is held: confirm it, then let the old one go (never the other way round,
    so a failure leaves the patient with a visit)."""
    s = turn.state
    assert s.booking is not None and s.chosen is not None
    if s.booking.deposit_minor > 0:
        # Moving must not ask for a second deposit; staff carry the first one over.
        await release_hold(turn)
        reply.handoff = Verdict(Reason.APPOINTMENT_CHANGE, Priority.NORMAL)
        return
    confirmed = await turn.tools.confirm()
    if s.changing_appointment_id:
        await turn.tools.cancel(s.changing_appointment_id, "rescheduled by the patient")
    if confirmed is not None:
        confirmed.confirmation_sent = True
    s.mode, s.changing_appointment_id, s.stage = "book", None, Stage.BOOKED
    reply.intent = Intent.RESCHEDULE
    reply.add(
        turn.say(
            "moved",
            service=s.booking.service_name,
            provider=provider(turn, s.booking.provider_name),
            when=when(turn, s.chosen),
        )
    )


async def on_clarify(turn: Turn, reply: Reply, match_id: str | None) -> bool:
    """The answer to "lip filler or cheek filler?": a name from the menu, or its number."""
    s = turn.state
    if match_id is None:
        words = tokens(turn.text)
        number = number_in(words[-1]) if len(words) <= 3 and words else None
        if number is not None and 1 <= number <= len(s.candidates):
            match_id = s.candidates[number - 1]
    if match_id is None:
        return False
    s.candidates, s.clarified = [], True
    today = turn.ctx.now.astimezone(turn.ctx.spa.tz).date()
    await set_service(turn, match_id, parse_when(turn.text, today))
    await advance(turn, reply)
    return True


async def on_when(turn: Turn, reply: Reply) -> bool:
    s = turn.state
    wish = parse_when(turn.text, turn.ctx.now.astimezone(turn.ctx.spa.tz).date())
    if wish.empty:
        if s.unclear_turns == 0 and yes_or_no(turn.text) is not True:
            return False
        wish = TimeWish(asap=True, said="")
    set_wish(turn, wish)
    await advance(turn, reply)
    return True
