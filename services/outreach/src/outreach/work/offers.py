"""Waitlist offers: read the list when a slot opens, offer it in waves, hold it for the
first yes, and tell everyone else it has gone. Recall offers share the yes path."""

from __future__ import annotations

from datetime import UTC, datetime

from outreach.adapters import jobs, offers
from outreach.adapters.jobs import JobRow, phone_index
from outreach.adapters.offers import OfferRow
from outreach.domain.model import Channel, Expects, JobKind, JobSpec, Purpose
from outreach.domain.offers import AcceptOutcome, OfferState, on_accept, plan_waves
from outreach.domain.texts import when
from outreach.ports import HoldRequest, Slot, SlotGone
from outreach.sending import Outgoing
from outreach.work.context import Context, Done, Outcome, Skipped, outcome_of

# Recipients who got the offer (and so may say yes, or must hear it has gone).
_REACHED = {"sent", "declined", "won", "told"}


async def waitlist_open(ctx: Context, job: JobRow) -> Outcome:
    provider_id = str(job.data["provider_id"])
    start = datetime.fromtimestamp(int(job.data["start"]), UTC)
    end = datetime.fromtimestamp(int(job.data["end"]), UTC)
    expires = start - ctx.policy.offer_min_notice
    if expires <= ctx.now:
        return Skipped("too_late")
    waiting = await ctx.calendar.waitlist(ctx.spa.id, job.service_id, provider_id, start, end)
    planned = plan_waves(waiting, ctx.now, expires, ctx.policy.waves)
    if not planned:
        return Done("nobody_waiting")
    offer_id = offers.offer_id_for(job.id)
    slot = [Slot(provider_id, start, end)]
    await offers.open_offer(
        ctx.conn, offer_id, ctx.spa.id, "waitlist", job.id, job.service_id, slot, expires, ctx.now
    )
    await offers.add_recipients(ctx.conn, offer_id, planned)
    specs = [
        JobSpec(
            key=f"offer:{offer_id}:{p.patient_id}",
            kind=JobKind.OFFER,
            spa_id=ctx.spa.id,
            due_at=p.due_at,
            expires_at=expires,
            patient_id=p.patient_id,
            service_id=job.service_id,
            triggered_at=job.triggered_at,
            data={"offer_id": offer_id, "position": p.position},
        )
        for p in planned
    ]
    await jobs.add(ctx.conn, specs, ctx.cipher, ctx.now)
    return Done(f"offered:{len(planned)}")


async def offer(ctx: Context, job: JobRow) -> Outcome:
    offer_id = str(job.data["offer_id"])
    found = await offers.load(ctx.conn, offer_id)
    if found is None or found.state is not OfferState.OPEN:
        return Done("offer_closed")
    contact = ctx.contacts.get(job.patient_id)
    if contact is None:
        return Skipped("no_contact")
    decision = await ctx.batch.deliver(
        Outgoing(
            job=job,
            spa=ctx.spa,
            purpose=Purpose.TRANSACTIONAL,
            channel=Channel.SMS,
            phone=contact.phone,
            body=_say(ctx, "waitlist.offer", found, slot_index=0),
            patient_id=job.patient_id,
            contact=contact,
            expects=Expects.ACCEPT,
            offer_id=offer_id,
            choices=1,
        )
    )
    result = outcome_of(decision)
    if isinstance(result, Done):
        await offers.set_recipient(ctx.conn, offer_id, job.patient_id, "sent")
    return result


async def offer_gone(ctx: Context, job: JobRow) -> Outcome:
    offer_id = str(job.data["offer_id"])
    found = await offers.load(ctx.conn, offer_id)
    contact = ctx.contacts.get(job.patient_id)
    if found is None or contact is None:
        return Skipped("no_contact")
    decision = await ctx.batch.deliver(
        Outgoing(
            job=job,
            spa=ctx.spa,
            purpose=Purpose.TRANSACTIONAL,
            channel=Channel.SMS,
            phone=contact.phone,
            body=_say(ctx, "offer.gone", found, slot_index=0),
            patient_id=job.patient_id,
            contact=contact,
        )
    )
    result = outcome_of(decision)
    if isinstance(result, Done):
        await offers.set_recipient(ctx.conn, offer_id, job.patient_id, "told")
    return result


async def offer_accept(ctx: Context, job: JobRow) -> Outcome:
    """A yes (or a chosen recall slot): the offer row is locked, so yeses take turns."""
    offer_id = str(job.data["offer_id"])
    found = await offers.load(ctx.conn, offer_id, lock=True)
    if found is None:
        return Skipped("unknown_offer")
    patient_id = await offers.patient_for_reply(
        ctx.conn, offer_id, phone_index(ctx.cipher, job.phone)
    )
    reached = await offers.recipients(ctx.conn, offer_id)
    choice = int(job.data.get("choice", 1))
    verdict = on_accept(
        found.state,
        found.winner,
        patient_id,
        {p for p, state in reached.items() if state in _REACHED},
        choice,
        len(found.slots),
        ctx.now,
        found.expires_at,
    )
    if verdict is AcceptOutcome.NOT_OFFERED:
        return Skipped("not_offered")
    if verdict is AcceptOutcome.ALREADY_THEIRS:
        return Done("already_theirs")
    if verdict is AcceptOutcome.TOO_LATE:
        await _answer(ctx, job, found, patient_id, "offer.gone", 0, "gone")
        return Done("too_late")
    slot = found.slots[choice - 1]
    try:
        held = await ctx.calendar.hold(
            HoldRequest(
                spa_id=ctx.spa.id,
                request_id=f"{offer_id}:{patient_id}:{choice}",
                service_id=found.service_id,
                provider_id=slot.provider_id,
                start=slot.start,
                phone=job.phone,
                hold_minutes=ctx.policy.offer_hold_minutes,
                conversation_id=str(job.data.get("conversation_id", "")),
            )
        )
    except SlotGone:
        if found.kind == "recall":
            # The other times offered may still be free: the offer stays open.
            await _answer(ctx, job, found, patient_id, "offer.choice_gone", choice - 1, "gone")
            return Done("choice_gone")
        await _close(ctx, found, OfferState.GONE, reached, winner="")
        await _answer(ctx, job, found, patient_id, "offer.gone", 0, "gone")
        return Done("slot_gone")
    if not held.deposit_required:
        # No deposit to wait for: the yes is the booking.
        await ctx.calendar.confirm(ctx.spa.id, held.appointment_id, f"{offer_id}:confirm")
    await offers.close(ctx.conn, offer_id, OfferState.WON, patient_id, held.appointment_id)
    await _close(ctx, found, OfferState.WON, reached, winner=patient_id)
    key = "offer.held" if held.deposit_required else "offer.booked"
    await _answer(ctx, job, found, patient_id, key, choice - 1, "won")
    return Done("won")


async def _close(
    ctx: Context, found: OfferRow, state: OfferState, reached: dict[str, str], winner: str
) -> None:
    """Call off the waves not yet sent and tell those already offered that it has gone."""
    if state is OfferState.GONE:
        await offers.close(ctx.conn, found.id, state)
    await jobs.cancel_offer_jobs(ctx.conn, found.id, f"offer_{state.value}", ctx.now)
    if winner:
        await offers.set_recipient(ctx.conn, found.id, winner, "won")
    told = [p for p, s in reached.items() if s == "sent" and p != winner]
    specs = [
        JobSpec(
            key=f"gone:{found.id}:{p}",
            kind=JobKind.OFFER_GONE,
            spa_id=ctx.spa.id,
            due_at=ctx.now,
            expires_at=found.slots[0].start,
            patient_id=p,
            service_id=found.service_id,
            data={"offer_id": found.id},
        )
        for p in told
    ]
    await jobs.add(ctx.conn, specs, ctx.cipher, ctx.now)


async def _answer(
    ctx: Context, job: JobRow, found: OfferRow, patient_id: str, key: str, index: int, part: str
) -> None:
    # The patient texted a moment ago: this is the answer to them, sent as a response.
    await ctx.batch.deliver(
        Outgoing(
            job=job,
            spa=ctx.spa,
            purpose=Purpose.RESPONSE,
            channel=Channel.SMS,
            phone=job.phone,
            body=_say(ctx, key, found, slot_index=index),
            part=part,
            patient_id=patient_id,
            conversation_id=str(job.data.get("conversation_id", "")),
        )
    )


def _say(ctx: Context, key: str, found: OfferRow, *, slot_index: int) -> str:
    # Times are the spa's wall clock: the visit is there, wherever the patient's phone is.
    slot = found.slots[slot_index]
    return ctx.words.say(
        key,
        spa=ctx.spa.name,
        service=ctx.spa.service(found.service_id).name,
        provider=ctx.spa.provider(slot.provider_id).name,
        when=when(ctx.words, slot.start, ctx.spa.tz),
        minutes=ctx.policy.offer_hold_minutes,
    )
