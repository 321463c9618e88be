"""Answers from the spa's configuration: greeting, FAQ, hours, address, prices, offers."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from agent.brains.base import Reply, Turn
from agent.domain import policy
from agent.domain.guards import Priority, Reason, Verdict
from agent.domain.intents import Intent
from agent.domain.questions import FaqItem, Match, match_questions
from agent.domain.speech import Channel, spoken_list, spoken_time
from agent.ports import SlotSearch
from spa_config import WEEKDAYS, SpaConfig

MENU_NAMES_IN_GREETING = 4


async def greet(turn: Turn, reply: Reply) -> None:
    spa = turn.ctx.spa
    menu = await turn.tools.menu()
    bookable = [s for s in menu if s.category != "consult"] or menu
    if turn.known_name:
        reply.add(turn.say("welcome_back", name=turn.known_name.split()[0]))
    if turn.channel is Channel.VOICE:
        # The caller has just heard the spa's greeting from telephony: keep it short.
        names = [s.name for s in bookable[:MENU_NAMES_IN_GREETING]]
        reply.add(turn.say("menu", services=spoken_list(names)), turn.say("ask_what"))
        reply.intent = Intent.GREETING
        return
    reply.add(turn.say("greeting", greeting=spa.greeting))
    if bookable:
        names = [s.name for s in bookable[:MENU_NAMES_IN_GREETING]]
        reply.add(turn.say("menu", services=spoken_list(names)))
        first = bookable[0]
        now = turn.ctx.now
        found = await turn.tools.calendar.find_slots(
            spa.id,
            SlotSearch(first.id, now, now + timedelta(days=turn.policy.search_days), limit=1),
        )
        if found:
            reply.add(
                turn.say(
                    "next_opening",
                    service=first.name,
                    when=spoken_time(found[0].start, spa.tz, turn.ctx.now, turn.channel),
                    provider=found[0].provider_name,
                )
            )
    reply.add(turn.say("ask_what"))
    reply.intent = Intent.GREETING


def faq_items(spa: SpaConfig) -> list[FaqItem]:
    return [FaqItem(f.question, f.answer, f.keywords) for f in spa.faq]


def confident_answers(turn: Turn) -> list[Match]:
    """Topics the text asks about that clear the spa's confidence bar."""
    found = match_questions(turn.text, faq_items(turn.ctx.spa))
    return [m for m in found if m.score >= turn.policy.faq_min_score][:2]


def answer(turn: Turn, match: Match, service_id: str | None = None) -> str:
    spa = turn.ctx.spa
    if match.topic.startswith("faq:"):
        entry = spa.faq[int(match.topic.split(":", 1)[1])]
        return turn.say("faq_answer", answer=entry.answer)
    if match.topic == "hours":
        return turn.say("hours", hours=opening_hours(spa))
    if match.topic == "address":
        return turn.say("address", name=spa.name, address=spa.address.one_line())
    if match.topic == "memberships":
        return membership_lines(turn) or turn.say("no_memberships")
    if match.topic == "packages":
        return package_lines(turn, None) or turn.say("no_packages")
    # specials: what the spa sells for less than the menu price
    offers = [package_lines(turn, None), membership_lines(turn)]
    return " ".join(o for o in offers if o) or turn.say("no_specials")


def _clock(moment: time) -> str:
    return (
        datetime.combine(datetime(2000, 1, 1), moment)
        .strftime("%I:%M %p")
        .lstrip("0")
        .replace(":00 ", " ")
    )


def opening_hours(spa: SpaConfig) -> str:
    """'Monday to Friday 9 AM to 7 PM, Saturday 9 AM to 5 PM; closed Sunday'."""
    spans: list[tuple[list[str], str]] = []
    closed: list[str] = []
    previous = None
    for day in WEEKDAYS:
        ranges = getattr(spa.hours, day)
        name = day.capitalize()
        said = " and ".join(f"{_clock(r.start)} to {_clock(r.end)}" for r in ranges)
        if not ranges:
            closed.append(name)
        elif said == previous:
            spans[-1][0].append(name)
        else:
            spans.append(([name], said))
        previous = said
    parts = [
        f"{days[0]} to {days[-1]} {said}" if len(days) > 2 else f"{spoken_list(days)} {said}"
        for days, said in spans
    ]
    text = ", ".join(parts)
    return f"{text}; closed {spoken_list(closed)}" if closed else text


def package_lines(turn: Turn, service_id: str | None) -> str:
    found = policy.packages_for(turn.ctx.spa, service_id)
    return " ".join(
        turn.say("package", name=p.name, price=p.price, description=p.description or "")
        for p in found
    ).strip()


def membership_lines(turn: Turn) -> str:
    return " ".join(
        turn.say(
            "membership",
            name=m.name,
            price=m.price,
            period=m.period.value,
            perks=spoken_list([p[0].lower() + p[1:] for p in m.perks]),
        )
        for m in turn.ctx.spa.memberships
    )


def quote(turn: Turn, service_id: str) -> str:
    service = turn.ctx.spa.service(service_id)
    return turn.render(policy.quote(service))


def price_objection(turn: Turn, reply: Reply, service_id: str | None) -> None:
    """Lower-cost ways in, then the free consultation: never the same price again."""
    spa = turn.ctx.spa
    reply.add(turn.say("objection_intro"))
    # Only the packages that include this treatment; without one, the membership says enough.
    lines = package_lines(turn, service_id) if service_id else ""
    if lines:
        reply.add(lines)
    discount = [m for m in spa.memberships if any("%" in p or "off" in p.lower() for p in m.perks)]
    if discount or not lines:
        reply.add(membership_lines(turn))
    consult = policy.consult_for(spa, spa.service(service_id)) if service_id else None
    consult = consult or next((s for s in spa.services if s.category.value == "consult"), None)
    if consult is not None:
        reply.add(turn.say("objection_consult", consult=consult.name))
        turn.state.awaiting = "consult"
        turn.state.wanted_service_id = service_id
    reply.intent = Intent.PRICE_OBJECTION


def unanswered(reply: Reply) -> None:
    reply.handoff = Verdict(Reason.UNANSWERED_QUESTION, Priority.NORMAL)
    reply.intent = Intent.QUESTION
