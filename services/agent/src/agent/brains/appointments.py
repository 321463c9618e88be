"""A returning patient's own appointments: when is it, cancel it, move it.

The policy is read before anything changes; the spa may prefer staff to make
changes, and then the agent hands them over with what the patient asked for.
"""

from __future__ import annotations

from agent.brains.base import Reply, Turn
from agent.brains.booking import advance, provider, release_hold
from agent.domain import policy
from agent.domain.guards import Priority, Reason, Verdict
from agent.domain.intents import Intent
from agent.domain.speech import spoken_time
from agent.domain.state import Stage
from agent.domain.text import yes_or_no
from agent.domain.when import TimeWish, parse_when
from agent.ports import Appointment
from agent.settings import ChangesBy
from spa_config import DepositRefund


def said_when(turn: Turn, appt: Appointment) -> str:
    return spoken_time(appt.start, turn.ctx.spa.tz, turn.ctx.now, turn.channel)


async def _upcoming(turn: Turn, reply: Reply) -> list[Appointment] | None:
    """The patient's visits ahead, or None after telling them staff will look it up."""
    found = await turn.tools.upcoming()
    if found is None:
        reply.add(turn.say("appointment_unknown"))
        reply.handoff = Verdict(Reason.APPOINTMENT_LOOKUP, Priority.NORMAL)
        return None
    if not found:
        reply.add(turn.say("no_upcoming"))
        turn.state.awaiting = "rebook"
        return None
    return found


async def my_appointment(turn: Turn, reply: Reply) -> None:
    reply.intent = Intent.MY_APPOINTMENT
    found = await _upcoming(turn, reply)
    for appt in found or ():
        key = "your_appointment_held" if appt.status == "held" else "your_appointment"
        reply.add(
            turn.say(
                key,
                service=appt.service_name,
                when=said_when(turn, appt),
                provider=provider(turn, appt.provider_name),
            )
        )


def change_terms(turn: Turn, appt: Appointment) -> str:
    """What cancelling or moving this visit now costs, in the spa's terms."""
    spa = turn.ctx.spa
    late = policy.inside_window(spa, appt.start, turn.ctx.now)
    hours = spa.policies.cancellation_window_hours
    if appt.deposit_minor <= 0:
        return turn.say("change_late" if late else "change_in_time", hours=hours)
    if late:
        return turn.say("change_late_deposit", hours=hours, deposit=appt.deposit_minor)
    refund = getattr(spa.service(appt.service_id).deposit, "refund", DepositRefund.REFUNDABLE)
    key = {
        DepositRefund.REFUNDABLE: "change_in_time_refund",
        DepositRefund.CREDIT: "change_in_time_credit",
        DepositRefund.NON_REFUNDABLE: "change_in_time_kept",
    }[refund]
    return turn.say(key, hours=hours, deposit=appt.deposit_minor)


async def cancel(turn: Turn, reply: Reply) -> None:
    reply.intent = Intent.CANCEL
    s = turn.state
    if s.booking is not None and s.booking.status == "held" and s.stage is Stage.HELD:
        # A hold still waiting for its deposit is let go at once: nothing is owed yet.
        await release_hold(turn)
        s.reset_booking_flow()
        reply.add(turn.say("hold_released"))
        return
    found = await _upcoming(turn, reply)
    if not found:
        return
    appt = found[0]
    if turn.policy.changes_by is ChangesBy.STAFF:
        reply.handoff = Verdict(Reason.APPOINTMENT_CHANGE, Priority.NORMAL)
        return
    s.changing_appointment_id = appt.id
    s.stage = Stage.CANCEL_CONFIRM
    terms = change_terms(turn, appt)
    reply.policy_text = terms
    reply.add(
        turn.say(
            "cancel_check",
            service=appt.service_name,
            when=said_when(turn, appt),
            provider=provider(turn, appt.provider_name),
        ),
        terms,
        turn.say("cancel_ask"),
    )


async def on_cancel_confirm(turn: Turn, reply: Reply) -> bool:
    s = turn.state
    answer = yes_or_no(turn.text)
    if answer is None or s.changing_appointment_id is None:
        return False
    reply.intent = Intent.CANCEL
    if answer is False:
        s.changing_appointment_id = None
        s.stage = Stage.BOOKED
        reply.add(turn.say("cancel_kept"))
        return True
    cancelled = await turn.tools.cancel(s.changing_appointment_id, "patient asked by text or call")
    s.changing_appointment_id = None
    s.stage = Stage.START
    if cancelled is None:
        reply.add(turn.say("draft_change"))
        return True
    s.service_id = cancelled.service_id
    if s.booking is not None and s.booking.appointment_id == cancelled.id:
        s.booking.status = "cancelled"
    s.awaiting = "rebook"
    reply.add(
        turn.say("cancelled", service=cancelled.service_name, when=said_when(turn, cancelled))
    )
    return True


async def reschedule(turn: Turn, reply: Reply, *, appointment_id: str = "") -> None:
    """Move a visit (the next one, or the one a reminder was about): new times for the same
    treatment; the old one is let go once the new one is booked. A visit with a deposit is
    moved by staff, who carry the deposit over."""
    reply.intent = Intent.RESCHEDULE
    s = turn.state
    found = await _upcoming(turn, reply)
    if not found:
        return
    appt = next((a for a in found if a.id == appointment_id), found[0])
    if turn.policy.changes_by is ChangesBy.STAFF or appt.deposit_minor > 0:
        reply.add(change_terms(turn, appt))
        reply.handoff = Verdict(Reason.APPOINTMENT_CHANGE, Priority.NORMAL)
        return
    today = turn.ctx.now.astimezone(turn.ctx.spa.tz).date()
    s.reset_booking_flow()
    s.mode = "reschedule"
    s.changing_appointment_id = appt.id
    s.service_id = appt.service_id
    s.wish = parse_when(turn.text, today)
    reply.add(
        turn.say(
            "reschedule_intro",
            service=appt.service_name,
            when=said_when(turn, appt),
        ),
        change_terms(turn, appt),
    )
    if s.wish == TimeWish():
        s.stage = Stage.WHEN
        reply.add(turn.say("ask_when"))
        return
    await advance(turn, reply)
