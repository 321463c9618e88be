"""Recall: the treatment is due again. Marketing, so only with consent; concrete slots
with the patient's usual provider, unless the patient has already booked."""

from __future__ import annotations

from outreach.adapters import offers
from outreach.adapters.jobs import JobRow
from outreach.domain.model import Channel, Expects, Purpose
from outreach.domain.offers import Planned
from outreach.domain.texts import slot_list
from outreach.ports import Slot
from outreach.sending import Outgoing
from outreach.work.context import Context, Done, Outcome, Skipped, outcome_of


async def recall(ctx: Context, job: JobRow) -> Outcome:
    contact = ctx.contacts.get(job.patient_id)
    if contact is None:
        return Skipped("no_contact")
    service = ctx.spa.service(job.service_id)
    draft = Outgoing(
        job=job,
        spa=ctx.spa,
        purpose=Purpose.MARKETING,
        channel=Channel.SMS,
        phone=contact.phone,
        body="",
        patient_id=job.patient_id,
        contact=contact,
        marketing_consent=contact.marketing_consent,
    )
    # Consent, opt-out, quiet hours and caps first: no calendar reads for a text that
    # cannot go now.
    early = await ctx.batch.check(draft)
    if not isinstance(outcome_of(early), Done):
        return outcome_of(await ctx.batch.deliver(draft))
    if await ctx.calendar.has_upcoming(ctx.spa.id, job.patient_id, job.service_id, ctx.now):
        return Skipped("already_booked")
    slots = await _slots(ctx, job)
    series = "session" in job.data
    values: dict[str, object] = {"spa": ctx.spa.name, "service": service.name}
    if series:
        values |= {"session": job.data["session"], "total": job.data["sessions"]}
    offer_id = offers.offer_id_for(job.id)
    if slots:
        key = "recall.series_offer" if series else "recall.offer"
        values |= {
            "provider": ctx.spa.provider(slots[0].provider_id).name,
            # The spa's wall clock: the visit is there, wherever the patient's phone is.
            "slots": slot_list(ctx.words, [s.start for s in slots], ctx.spa.tz),
        }
    else:
        key = "recall.series_open" if series else "recall.open"
    decision = await ctx.batch.deliver(
        Outgoing(
            job=job,
            spa=ctx.spa,
            purpose=Purpose.MARKETING,
            channel=Channel.SMS,
            phone=contact.phone,
            body=ctx.words.say(key, **values),
            patient_id=job.patient_id,
            contact=contact,
            marketing_consent=contact.marketing_consent,
            expects=Expects.CHOOSE_SLOT if slots else Expects.NOTHING,
            offer_id=offer_id if slots else "",
            choices=len(slots),
        )
    )
    result = outcome_of(decision)
    if slots and isinstance(result, Done):
        expires = slots[-1].start - ctx.policy.offer_min_notice
        await offers.open_offer(
            ctx.conn,
            offer_id,
            ctx.spa.id,
            "recall",
            job.id,
            job.service_id,
            slots,
            expires,
            ctx.now,
        )
        await offers.add_recipients(
            ctx.conn, offer_id, [Planned(job.patient_id, 0, ctx.now)], state="sent"
        )
    return result


async def _slots(ctx: Context, job: JobRow) -> list[Slot]:
    """A few times with the usual provider; with whoever is free when they have none.
    All from one provider, so the text can name them."""
    start = ctx.now + ctx.policy.recall_lead
    end = start + ctx.policy.recall_search
    count = ctx.policy.recall_slots
    usual = str(job.data.get("provider_id", ""))
    found: list[Slot] = []
    if usual:
        found = await ctx.calendar.find_slots(ctx.spa.id, job.service_id, usual, start, end, count)
    if not found:
        found = await ctx.calendar.find_slots(ctx.spa.id, job.service_id, "", start, end, count)
    if not found:
        return []
    first = found[0].provider_id
    return sorted((s for s in found if s.provider_id == first), key=lambda s: s.start)[:count]
