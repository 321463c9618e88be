"""Credit a confirmed booking to the outreach that earned it (domain.attribution), record
it, and say outreach.attributed for the owner's recovered-revenue report."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from medspa.common.v1.common_pb2 import Money
from medspa.events.v1 import outreach_pb2
from medspa_kit import outbox
from medspa_kit.envelope import Envelope
from outreach.adapters.jobs import JobRow, phone_index
from outreach.domain.attribution import SOURCES, Touch, credit
from outreach.domain.model import JobKind
from outreach.sending import SOURCE
from outreach.work.context import Context, Done, Outcome
from spa_config import SpaConfig


async def attribute(ctx: Context, job: JobRow) -> Outcome:
    booked_at = job.triggered_at or job.due_at
    conn = ctx.conn
    kinds = [k.value for k in SOURCES]
    accepted = await conn.fetchrow(
        "SELECT s.job_id, s.kind, s.queued_at FROM offers o JOIN sends s ON s.offer_id = o.id"
        " AND s.patient_id = o.winner_patient_id WHERE o.appointment_id = $1"
        " AND s.kind = ANY($2::text[]) ORDER BY s.queued_at LIMIT 1",
        job.appointment_id,
        kinds,
    )
    contact = ctx.contacts.get(job.patient_id)
    index = phone_index(ctx.cipher, contact.phone) if contact else b""
    rows = await conn.fetch(
        "SELECT job_id, kind, queued_at FROM sends WHERE spa_id = $1"
        " AND (patient_id = $2 OR phone_index = $3) AND kind = ANY($4::text[])"
        " AND queued_at BETWEEN $5 AND $6",
        ctx.spa.id,
        job.patient_id,
        index,
        kinds,
        booked_at - ctx.policy.attribution_window,
        booked_at,
    )
    held = await conn.fetchrow(
        "SELECT conversation_id, held_at FROM bookings WHERE appointment_id = $1",
        job.appointment_id,
    )
    by_assistant_closed = bool(
        held is not None
        and held["conversation_id"]
        and held["held_at"] is not None
        and _closed(ctx.spa, held["held_at"])
    )
    earned = credit(
        booked_at,
        _touch(accepted) if accepted else None,
        [_touch(r) for r in rows],
        ctx.policy.attribution_window,
        booked_by_assistant_while_closed=by_assistant_closed,
    )
    if earned is None:
        return Done("unattributed")
    value = ctx.spa.service(job.service_id).price.estimate()[0]
    await conn.execute(
        "INSERT INTO attributions (appointment_id, spa_id, patient_id, source, job_id,"
        " touched_at, booked_at, service_id, value_minor, currency)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        job.appointment_id,
        ctx.spa.id,
        job.patient_id,
        earned.source,
        earned.job_id,
        earned.touched_at,
        booked_at,
        job.service_id,
        value,
        ctx.spa.currency,
    )
    event = outreach_pb2.BookingAttributed(
        spa_id=ctx.spa.id,
        appointment_id=job.appointment_id,
        patient_id=job.patient_id,
        source=earned.source,
        job_id=str(earned.job_id or ""),
        service_id=job.service_id,
        value=Money(amount_minor=value, currency=ctx.spa.currency),
    )
    event.booked_at.FromDatetime(booked_at)
    if earned.touched_at is not None:
        event.touched_at.FromDatetime(earned.touched_at)
    envelope = Envelope.wrap(ctx.spa.id, event, SOURCE, event_id=f"attributed:{job.appointment_id}")
    await outbox.record(conn, envelope, ctx.namespace)
    return Done(f"attributed:{earned.source}")


def _touch(row: asyncpg.Record) -> Touch:
    return Touch(job_id=row["job_id"], kind=JobKind(row["kind"]), at=row["queued_at"])


def _closed(spa: SpaConfig, moment: datetime) -> bool:
    local = moment.astimezone(spa.tz)
    now = local.time().replace(tzinfo=None)
    return not any(r.start <= now < r.end for r in spa.open_ranges(local.date()))
