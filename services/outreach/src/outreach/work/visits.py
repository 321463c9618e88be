"""Texts owed to a booking: reminders before it, aftercare after it, and the callback
owed to a missed call. All transactional (or a response), so no marketing consent needed."""

from __future__ import annotations

from datetime import UTC, datetime

from outreach.adapters.jobs import JobRow
from outreach.domain.answers import ReminderAsk, reminder_for
from outreach.domain.model import Channel, Expects, Purpose
from outreach.domain.texts import when
from outreach.sending import Outgoing
from outreach.work.context import Context, Outcome, Skipped, outcome_of
from spa_config import AftercareKind, MissedCallCallback


async def reminder(ctx: Context, job: JobRow) -> Outcome:
    start = datetime.fromtimestamp(int(job.data["start"]), UTC)
    ask = reminder_for(ctx.answers.get(job.appointment_id), start)
    if ask is ReminderAsk.MOVED:
        # A reminder for a time the visit no longer has (its move cancels these; this
        # catches one brought back by a republished booking from before the move).
        return Skipped("moved")
    contact = ctx.contacts.get(job.patient_id)
    if contact is None:
        return Skipped("no_contact")
    service = ctx.spa.service(job.service_id)
    provider = ctx.spa.provider(str(job.data["provider_id"]))
    body = ctx.words.say(
        _REMINDER_TEXT[ask],
        spa=ctx.spa.name,
        service=service.name,
        provider=provider.name,
        # The visit is at the spa: its time is the spa's, wherever the patient's phone is.
        when=when(ctx.words, start, ctx.spa.tz),
    )
    decision = await ctx.batch.deliver(
        Outgoing(
            job=job,
            spa=ctx.spa,
            purpose=Purpose.TRANSACTIONAL,
            channel=Channel.SMS,
            phone=contact.phone,
            body=body,
            patient_id=job.patient_id,
            contact=contact,
            # After a C the patient is told the time, not asked again.
            expects=(
                Expects.NOTHING if ask is ReminderAsk.CONFIRMED else Expects.CONFIRM_OR_RESCHEDULE
            ),
        )
    )
    return outcome_of(decision)


_REMINDER_TEXT = {
    ReminderAsk.ASK: "reminder.ask",
    ReminderAsk.CONFIRMED: "reminder.confirmed",
    ReminderAsk.RESCHEDULE_ASKED: "reminder.reschedule_asked",
}


async def aftercare(ctx: Context, job: JobRow) -> Outcome:
    contact = ctx.contacts.get(job.patient_id)
    if contact is None:
        return Skipped("no_contact")
    service = ctx.spa.service(job.service_id)
    channel = Channel(str(job.data["channel"]))
    step_kind = AftercareKind(str(job.data["step_kind"]))
    if channel is Channel.CALL:
        # Spoken and maybe left on voicemail: no treatment named.
        body = ctx.words.say("aftercare.call", spa=ctx.spa.name, front_desk=_spoken(ctx))
    elif step_kind is AftercareKind.INSTRUCTIONS:
        body = ctx.words.say(
            "aftercare.instructions",
            spa=ctx.spa.name,
            service=service.name,
            instructions=service.aftercare.instructions.strip(),
        )
    else:
        body = ctx.words.say("aftercare.check_in", spa=ctx.spa.name, service=service.name)
    expects = Expects.CHECK_IN if step_kind is AftercareKind.CHECK_IN else Expects.NOTHING
    decision = await ctx.batch.deliver(
        Outgoing(
            job=job,
            spa=ctx.spa,
            purpose=Purpose.TRANSACTIONAL,
            channel=channel,
            phone=contact.phone,
            body=body,
            patient_id=job.patient_id,
            contact=contact,
            expects=expects,
        )
    )
    return outcome_of(decision)


async def missed_call_text(ctx: Context, job: JobRow) -> Outcome:
    # The spa's choice as it is now: one it changed since the call was planned is kept.
    if ctx.spa.policies.missed_call_callback is MissedCallCallback.OFF:
        return Skipped("callback_off")
    body = ctx.words.say("missed_call.text", spa=ctx.spa.name)
    return outcome_of(await ctx.batch.deliver(_callback(ctx, job, Channel.SMS, body)))


async def missed_call_call(ctx: Context, job: JobRow) -> Outcome:
    if ctx.spa.policies.missed_call_callback is not MissedCallCallback.TEXT_AND_CALL:
        return Skipped("callback_off")
    body = ctx.words.say("missed_call.call", spa=ctx.spa.name, front_desk=_spoken(ctx))
    return outcome_of(await ctx.batch.deliver(_callback(ctx, job, Channel.CALL, body)))


def _callback(ctx: Context, job: JobRow, channel: Channel, body: str) -> Outgoing:
    # The caller rang a moment ago: this answers them, it is not a cold contact.
    return Outgoing(
        job=job,
        spa=ctx.spa,
        purpose=Purpose.RESPONSE,
        channel=channel,
        phone=job.phone,
        body=body,
    )


def _spoken(ctx: Context) -> str:
    number: str = ctx.spa.front_desk_phone
    digits = number.removeprefix("+1")
    if len(digits) != 10:
        return number
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
