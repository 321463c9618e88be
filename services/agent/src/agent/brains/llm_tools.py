"""The LLM brain's tools: an allow-list over the toolbox, the spa's answers and handoff.

What a tool returns is all the model learns about the world, so results carry
only what the patient may hear (service names, times, provider names, prices,
the spa's own policy words), never a phone number, a patient id or another
patient's anything. Every rule that keeps a booking honest is enforced here
or in the toolbox, whatever the model asks for.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from agent.brains import answers, booking
from agent.brains.appointments import change_terms
from agent.brains.base import Reply, Turn
from agent.domain import intake as intake_rules
from agent.domain import policy
from agent.domain.guards import Priority, Reason, Verdict
from agent.domain.intents import Intent
from agent.domain.speech import spoken_time
from agent.domain.state import PolicyTold, Stage
from agent.domain.when import parse_when

HANDOFF_REASONS = [r.value for r in Reason if r not in (Reason.UNSAFE_DRAFT, Reason.STAFF_HOURS)]


def _fn(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


SCHEMAS: list[dict[str, Any]] = [
    _fn("conversation_state", "Where this conversation stands.", {}, []),
    _fn("list_services", "The spa's treatment menu.", {}, []),
    _fn(
        "find_openings",
        "Find 2-3 bookable times for a service. `when` is the patient's own words about timing.",
        {"service_id": {"type": "string"}, "when": {"type": "string"}},
        ["service_id"],
    ),
    _fn(
        "choose_opening",
        "Record which offered opening the patient picked (1-based option number).",
        {"option": {"type": "integer"}},
        ["option"],
    ),
    _fn(
        "set_patient_name",
        "Record the name exactly as the patient wrote it.",
        {"name": {"type": "string"}},
        ["name"],
    ),
    _fn(
        "record_intake",
        "Record the patient's own intake answers for injectables (only what they said).",
        {
            "area": {"type": "string"},
            "treated_before": {"type": "boolean"},
            "last_neurotoxin": {
                "type": "string",
                "description": "the patient's words, e.g. '3 months ago'",
            },
            "conditions": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": [
                        "pregnant_or_breastfeeding",
                        "blood_thinners",
                        "autoimmune_condition",
                        "recent_or_upcoming_dental_work",
                    ],
                },
            },
            "none_apply": {"type": "boolean"},
        },
        [],
    ),
    _fn(
        "read_policy",
        "The deposit and cancellation policy for the chosen opening, to read out.",
        {},
        [],
    ),
    _fn(
        "book_chosen_opening",
        "Hold the chosen opening after the patient said yes to the policy.",
        {},
        [],
    ),
    _fn("my_appointments", "The patient's upcoming appointments.", {}, []),
    _fn(
        "cancel_appointment",
        "Cancel the patient's next appointment; first call with confirm=false to get the terms.",
        {"confirm": {"type": "boolean"}},
        ["confirm"],
    ),
    _fn(
        "answer_question",
        "Answer from the spa's FAQ, hours, address, packages.",
        {"question": {"type": "string"}},
        ["question"],
    ),
    _fn(
        "get_price",
        "The price of a service as the spa charges it.",
        {"service_id": {"type": "string"}},
        ["service_id"],
    ),
    _fn(
        "hand_off",
        "Hand the conversation to staff.",
        {"reason": {"type": "string", "enum": HANDOFF_REASONS}},
        ["reason"],
    ),
]
ALLOWED = frozenset(s["function"]["name"] for s in SCHEMAS)

Tool = Callable[[Turn, Reply, dict[str, Any]], Awaitable[dict[str, Any]]]


class BadToolCall(ValueError):
    """A tool call the model got wrong: unknown tool, or arguments that are not what it takes."""


def parse_arguments(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise BadToolCall("arguments are not JSON") from exc
    if not isinstance(value, dict):
        raise BadToolCall("arguments must be a JSON object")
    return value


def _offers(turn: Turn) -> list[dict[str, Any]]:
    return [
        {
            "option": i,
            "when": booking.when(turn, o),
            "provider": o.provider_name,
            "service": turn.ctx.spa.service(o.service_id).name,
        }
        for i, o in enumerate(turn.state.offers, start=1)
    ]


async def list_services(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "services": [
            {"id": s.id, "name": s.name, "category": s.category} for s in await turn.tools.menu()
        ]
    }


async def find_openings(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    service_id = str(args.get("service_id", ""))
    if await turn.tools.service(service_id) is None:
        raise BadToolCall(f"unknown service_id {service_id!r}")
    today = turn.ctx.now.astimezone(turn.ctx.spa.tz).date()
    await booking.set_service(turn, service_id, parse_when(str(args.get("when", "")), today))
    turn.state.offers = []
    found = await turn.tools.find(service_id, turn.state.wish, turn.state.provider_id or "")
    reply.intent, reply.service_id = Intent.BOOK, service_id
    return {"exact": found.exact, "openings": _offers(turn)}


async def choose_opening(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    option = args.get("option")
    if not isinstance(option, int) or not 1 <= option <= len(turn.state.offers):
        raise BadToolCall("option must be one of the offered option numbers")
    turn.state.chosen = turn.state.offers[option - 1]
    turn.state.stage = Stage.NAME if not turn.state.name else Stage.CONFIRM
    reply.intent = Intent.CHOOSE_SLOT
    return {"chosen": _offers(turn)[option - 1], "name_known": bool(turn.state.name)}


async def set_patient_name(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name", "")).strip()
    heard = " ".join(m["content"] for m in turn.state.llm_history if m["role"] == "user")
    # Only a name the patient actually gave: the model may not invent or "correct" one.
    if not name or name.lower() not in f"{heard} {turn.text}".lower():
        raise BadToolCall("the name must be exactly what the patient wrote")
    turn.state.name = name
    reply.intent = Intent.GIVE_NAME
    return {"ok": True}


async def record_intake(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    s = turn.state
    today = turn.ctx.now.astimezone(turn.ctx.spa.tz).date()
    current = s.intake
    last = str(args.get("last_neurotoxin") or "")
    found = intake_rules.when_last(last, today) if last else None
    conditions = [
        c for c in args.get("conditions") or () if c in {f.value for f in intake_rules.Flag}
    ]
    screen = tuple(conditions) if conditions or args.get("none_apply") else current.screen
    s.intake = intake_rules.Intake(
        area=str(args["area"]) if args.get("area") else current.area,
        treated_before=args["treated_before"]
        if "treated_before" in args
        else current.treated_before,
        last_toxin=found.isoformat() if found else ("unknown" if last else current.last_toxin),
        screen=screen,
    )
    reply.intent = Intent.INTAKE_ANSWER
    target = turn.ctx.spa.service(s.wanted_service_id or s.service_id or "")
    step = intake_rules.next_step(s.intake, target.category.value)
    return {"still_to_ask": step.value if step else None}


async def read_policy(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    s = turn.state
    if s.chosen is None:
        raise BadToolCall("choose an opening first")
    target = turn.ctx.spa.service(s.wanted_service_id or s.service_id or "")
    step = intake_rules.next_step(s.intake, target.category.value)
    if intake_rules.applies(target.category.value) and step is not None:
        return {"error": "intake_incomplete", "still_to_ask": step.value}
    service = turn.ctx.spa.service(s.chosen.service_id)
    deposit = policy.deposit_for(service, new_patient=not turn.ctx.returning)
    terms = turn.render(policy.cancellation_terms(turn.ctx.spa, service, deposit))
    s.policy_told = PolicyTold(terms, turn.ctx.now, turn.channel.value, turn.ctx.message_ref)
    s.stage = Stage.CONFIRM
    reply.policy_text = terms
    return {
        "policy_to_read_verbatim": terms,
        "deposit": turn.say("deposit_line", deposit=deposit) if deposit else None,
    }


async def book_chosen_opening(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    s = turn.state
    if s.chosen is None or not s.name or s.policy_told is None:
        missing = [
            k
            for k, v in (("opening", s.chosen), ("name", s.name), ("policy", s.policy_told))
            if not v
        ]
        return {"error": "not_ready", "missing": missing}
    target = turn.ctx.spa.service(s.wanted_service_id or s.service_id or "")
    if intake_rules.applies(target.category.value):
        flags = intake_rules.flags(
            s.intake, target.category.value,
            lower_face_filler=intake_rules.lower_face(" ".join((target.name, *target.aliases))),
            today=turn.ctx.now.astimezone(turn.ctx.spa.tz).date(),
        )  # fmt: skip
        s.flags = [f.value for f in flags]
        reply.intake_done = True
        if intake_rules.needs_review(flags):
            reply.handoff = Verdict(Reason.INTAKE_REVIEW, Priority.NORMAL)
            return {"status": "handed_to_staff_for_intake_review"}
    reply.intent = Intent.CONFIRM
    chosen = s.chosen
    before = len(reply.parts)
    await booking.book(turn, reply)
    said = " ".join(reply.parts[before:])
    del reply.parts[before:]
    status = s.booking.status if s.booking and s.booking.appointment_id else "not_booked"
    return {
        "status": status,
        "message_for_patient": said,
        "alternatives": _offers(turn) if s.chosen is None and chosen else [],
    }


async def my_appointments(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    found = await turn.tools.upcoming()
    reply.intent = Intent.MY_APPOINTMENT
    if found is None:
        return {"known_patient": False}
    tz, now = turn.ctx.spa.tz, turn.ctx.now
    return {
        "appointments": [
            {
                "service": a.service_name,
                "when": spoken_time(a.start, tz, now),
                "provider": a.provider_name,
                "status": a.status,
            }
            for a in found
        ]
    }


async def cancel_appointment(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    found = await turn.tools.upcoming()
    reply.intent = Intent.CANCEL
    if not found:
        return {"error": "no_upcoming_appointment"}
    appt = found[0]
    terms = change_terms(turn, appt)
    if not args.get("confirm"):
        turn.state.changing_appointment_id = appt.id
        reply.policy_text = terms
        return {
            "terms_to_read": terms,
            "appointment": {
                "service": appt.service_name,
                "when": spoken_time(appt.start, turn.ctx.spa.tz, turn.ctx.now),
            },
        }
    if turn.state.changing_appointment_id != appt.id:
        return {"error": "read the terms to the patient first (confirm=false)"}
    cancelled = await turn.tools.cancel(appt.id, "patient asked")
    turn.state.changing_appointment_id = None
    return {"cancelled": cancelled is not None}


async def answer_question(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    asked = Turn(
        str(args.get("question", "")), turn.ctx, turn.state, turn.tools, turn.words, turn.policy
    )
    found = answers.confident_answers(asked)
    reply.intent = Intent.QUESTION
    if not found:
        return {"answer": None, "note": "not in the spa's answers: hand off rather than guess"}
    return {"answers": [answers.answer(asked, m) for m in found]}


async def get_price(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    service_id = str(args.get("service_id", ""))
    if await turn.tools.service(service_id) is None:
        raise BadToolCall(f"unknown service_id {service_id!r}")
    reply.intent = Intent.PRICE
    return {"price": answers.quote(turn, service_id)}


async def hand_off(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    reason = args.get("reason")
    if reason not in HANDOFF_REASONS:
        raise BadToolCall("reason must be one of the listed reasons")
    priority = {
        Reason.URGENT_SYMPTOMS: Priority.URGENT,
        Reason.TREATMENT_PLANNING: Priority.HIGH,
        Reason.HIGH_VALUE_PLAN: Priority.HIGH,
    }.get(Reason(reason), Priority.NORMAL)
    reply.handoff = Verdict(Reason(reason), priority)
    reply.intent = Intent.HANDOFF
    return {"handed_off": True}


async def conversation_state(turn: Turn, reply: Reply, args: dict[str, Any]) -> dict[str, Any]:
    return state_snapshot(turn)


TOOLS: dict[str, Tool] = {
    "conversation_state": conversation_state,
    "list_services": list_services,
    "find_openings": find_openings,
    "choose_opening": choose_opening,
    "set_patient_name": set_patient_name,
    "record_intake": record_intake,
    "read_policy": read_policy,
    "book_chosen_opening": book_chosen_opening,
    "my_appointments": my_appointments,
    "cancel_appointment": cancel_appointment,
    "answer_question": answer_question,
    "get_price": get_price,
    "hand_off": hand_off,
}


def state_snapshot(turn: Turn) -> dict[str, Any]:
    """Where the conversation stands, as the model may see it (no ids, phones or flags)."""
    s = turn.state
    service = turn.ctx.spa.service(s.service_id).name if s.service_id else None
    return {
        "stage": s.stage.value,
        "service": service,
        "openings_offered": _offers(turn),
        "chosen_option": (s.offers.index(s.chosen) + 1) if s.chosen in s.offers else None,
        "name_known": bool(s.name),
        "policy_read": s.policy_told is not None,
        "booking_status": s.booking.status if s.booking else None,
    }
