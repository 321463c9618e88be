"""The report's facts, recorded as events arrive, and the figures read back per period.

Nothing here is protected: contacts are found by the phone's keyed blind index, bookings
and deposits name patients by id only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from console.domain.report import Figures, Period, attribute, median_seconds

# How far back a missed call, an after-hours contact or an outreach text still earns credit
# for a booking.
CREDIT_WINDOW = timedelta(days=2)
RECALL_WINDOW = timedelta(days=60)


class Facts:
    async def contact(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        ref: str,
        kind: str,
        at: datetime,
        phone_index: bytes | None,
        *,
        after_hours: bool,
        staff_busy: bool = False,
    ) -> None:
        """One inbound text or call; a call seen started and then missed becomes a missed call."""
        await conn.execute(
            "INSERT INTO contacts AS c (spa_id, ref, kind, at, phone_index, after_hours,"
            " staff_busy) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (spa_id, ref) DO UPDATE"
            " SET kind = CASE WHEN EXCLUDED.kind = 'missed_call' THEN 'missed_call' ELSE c.kind END,"
            " staff_busy = c.staff_busy OR EXCLUDED.staff_busy,"
            " phone_index = coalesce(c.phone_index, EXCLUDED.phone_index)",
            spa_id,
            ref,
            kind,
            at,
            phone_index,
            after_hours,
            staff_busy,
        )

    async def booking(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        appointment_id: str,
        *,
        service_id: str,
        provider_id: str,
        patient_id: str,
        conversation_id: str,
        start_at: datetime,
        status: str,
        at: datetime,
        currency: str,
    ) -> None:
        await conn.execute(
            "INSERT INTO bookings AS b (spa_id, appointment_id, service_id, provider_id,"
            " patient_id, conversation_id, start_at, status, held_at, currency)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            # Each booking event has its own consumer, so they arrive in any order: a
            # late held or confirmed never undoes an end (completed, no-show, cancelled),
            # and a late held never undoes a confirmation.
            " ON CONFLICT (spa_id, appointment_id) DO UPDATE SET status = CASE"
            " WHEN b.status IN ('completed', 'no_show', 'cancelled')"
            "  AND EXCLUDED.status IN ('held', 'confirmed', 'rescheduled') THEN b.status"
            " WHEN b.status = 'confirmed' AND EXCLUDED.status = 'held' THEN b.status"
            " ELSE EXCLUDED.status END,"
            " start_at = EXCLUDED.start_at, provider_id = EXCLUDED.provider_id,"
            " patient_id = CASE WHEN EXCLUDED.patient_id = '' THEN b.patient_id"
            " ELSE EXCLUDED.patient_id END,"
            " conversation_id = CASE WHEN EXCLUDED.conversation_id = '' THEN b.conversation_id"
            " ELSE EXCLUDED.conversation_id END,"
            " ended_at = CASE WHEN EXCLUDED.status IN ('completed', 'no_show') THEN $9"
            " ELSE b.ended_at END",
            spa_id,
            appointment_id,
            service_id,
            provider_id,
            patient_id,
            conversation_id,
            start_at,
            status,
            at,
            currency,
        )

    async def confirmed(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        appointment_id: str,
        at: datetime,
        value_minor: int,
    ) -> str:
        """Credit a confirmed booking to where it came from; returns the source ('' for none)."""
        row = await conn.fetchrow(
            "SELECT b.*, c.phone_index FROM bookings b LEFT JOIN conversations c"
            " ON c.spa_id = b.spa_id AND c.id = b.conversation_id"
            " WHERE b.spa_id = $1 AND b.appointment_id = $2",
            spa_id,
            appointment_id,
        )
        assert row is not None
        waitlist = await conn.fetchval(
            "SELECT true FROM openings WHERE spa_id = $1 AND provider_id = $2 AND start_at = $3"
            " AND opened_at <= $4",
            spa_id,
            row["provider_id"],
            row["start_at"],
            at,
        )
        recall = row["patient_id"] and await conn.fetchval(
            "SELECT true FROM outreach_sent o JOIN bookings p ON p.spa_id = o.spa_id"
            " AND p.appointment_id = o.appointment_id WHERE o.spa_id = $1 AND o.kind = 'recall'"
            " AND p.patient_id = $2 AND o.at BETWEEN $3 AND $4 LIMIT 1",
            spa_id,
            row["patient_id"],
            at - RECALL_WINDOW,
            at,
        )
        contacts = await conn.fetch(
            "SELECT kind, after_hours FROM contacts WHERE spa_id = $1 AND phone_index = $2"
            " AND at BETWEEN $3 AND $4",
            spa_id,
            row["phone_index"],
            at - CREDIT_WINDOW,
            at,
        )
        source = (
            attribute(
                waitlist=bool(waitlist),
                recall=bool(recall),
                missed_call=any(c["kind"] == "missed_call" for c in contacts),
                after_hours=any(c["after_hours"] for c in contacts),
            )
            if row["conversation_id"]
            else ""
        )
        await conn.execute(
            "UPDATE bookings SET confirmed_at = coalesce(confirmed_at, $3), value_minor = $4,"
            " source = $5 WHERE spa_id = $1 AND appointment_id = $2",
            spa_id,
            appointment_id,
            at,
            value_minor,
            source,
        )
        return source

    async def deposit(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        deposit_id: str,
        appointment_id: str,
        status: str,
        amount_minor: int,
        currency: str,
        at: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO deposits (spa_id, deposit_id, appointment_id, status, amount_minor,"
            " currency, at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            spa_id,
            deposit_id,
            appointment_id,
            status,
            amount_minor,
            currency or "USD",
            at,
        )

    async def opening(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        provider_id: str,
        start_at: datetime,
        service_id: str,
        at: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO openings (spa_id, provider_id, start_at, opened_at, service_id)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            spa_id,
            provider_id,
            start_at,
            at,
            service_id,
        )

    async def outreach(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        job_id: str,
        kind: str,
        appointment_id: str,
        at: datetime,
    ) -> None:
        await conn.execute(
            "INSERT INTO outreach_sent (spa_id, job_id, kind, appointment_id, at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            spa_id,
            job_id,
            kind,
            appointment_id,
            at,
        )

    async def figures(
        self, conn: asyncpg.Connection, spa_id: str, period: Period, currency: str
    ) -> Figures:
        args = (spa_id, period.start, period.end)
        contacts = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE kind = 'text') AS texts,"
            " count(*) FILTER (WHERE kind IN ('call', 'missed_call')) AS calls,"
            " count(*) FILTER (WHERE kind = 'missed_call') AS missed,"
            " count(*) FILTER (WHERE after_hours AND kind <> 'missed_call') AS after_hours,"
            " count(*) FILTER (WHERE staff_busy) AS busy"
            " FROM contacts WHERE spa_id = $1 AND at >= $2 AND at < $3",
            *args,
        )
        conversations = await conn.fetchval(
            "SELECT count(*) FROM conversations WHERE spa_id = $1 AND started_at >= $2"
            " AND started_at < $3",
            *args,
        )
        booked = await conn.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(value_minor), 0) AS value FROM bookings"
            " WHERE spa_id = $1 AND conversation_id <> '' AND confirmed_at >= $2"
            " AND confirmed_at < $3",
            *args,
        )
        recovered = await conn.fetch(
            "SELECT source, sum(value_minor) AS value FROM bookings WHERE spa_id = $1"
            " AND source <> '' AND confirmed_at >= $2 AND confirmed_at < $3 GROUP BY source",
            *args,
        )
        deposits = await conn.fetch(
            "SELECT status, sum(amount_minor) AS value FROM deposits WHERE spa_id = $1"
            " AND at >= $2 AND at < $3 GROUP BY status",
            *args,
        )
        visits = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'completed') AS completed,"
            " count(*) FILTER (WHERE status = 'no_show') AS no_shows FROM bookings"
            " WHERE spa_id = $1 AND start_at >= $2 AND start_at < $3",
            *args,
        )
        handoffs = await conn.fetch(
            "SELECT h.requested_at, h.first_response_at, a.id IS NOT NULL AS breached"
            " FROM handoffs h LEFT JOIN alerts a ON a.spa_id = h.spa_id AND a.kind = 'handoff'"
            " AND a.subject_id = h.id WHERE h.spa_id = $1 AND h.requested_at >= $2"
            " AND h.requested_at < $3",
            *args,
        )
        money = {r["status"]: int(r["value"] or 0) for r in deposits}
        responses = [
            (h["first_response_at"] - h["requested_at"]).total_seconds()
            for h in handoffs
            if h["first_response_at"] is not None
        ]
        assert contacts is not None and booked is not None and visits is not None
        return Figures(
            period=period,
            currency=currency,
            texts=contacts["texts"],
            calls=contacts["calls"],
            missed_calls=contacts["missed"],
            after_hours=contacts["after_hours"],
            staff_busy=contacts["busy"],
            conversations=conversations,
            agent_bookings=booked["n"],
            agent_booking_value=int(booked["value"]),
            deposits_collected=money.get("paid", 0),
            deposits_forfeited=money.get("forfeited", 0),
            deposits_refunded=money.get("refunded", 0),
            no_show_fees_charged=money.get("fee_charged", 0),
            no_show_fees_owed=money.get("fee_owed", 0),
            completed=visits["completed"],
            no_shows=visits["no_shows"],
            handoffs=len(handoffs),
            handoffs_answered=len(responses),
            handoff_breaches=sum(1 for h in handoffs if h["breached"]),
            median_response_s=median_seconds(responses),
            recovered={r["source"]: int(r["value"]) for r in recovered},
        )

    async def patient_ids(
        self, conn: asyncpg.Connection, spa_id: str, phone_index: bytes
    ) -> list[str]:
        """The scheduler's patient ids for a phone, as bookings and conversations linked them."""
        rows = await conn.fetch(
            "SELECT DISTINCT b.patient_id FROM bookings b JOIN conversations c"
            " ON c.spa_id = b.spa_id AND c.id = b.conversation_id"
            " WHERE b.spa_id = $1 AND c.phone_index = $2 AND b.patient_id <> ''"
            " UNION SELECT DISTINCT patient_id FROM conversations WHERE spa_id = $1"
            " AND phone_index = $2 AND patient_id <> ''",
            spa_id,
            phone_index,
        )
        return sorted(r["patient_id"] for r in rows)

    async def openings(
        self, conn: asyncpg.Connection, spa_id: str, since: datetime, limit: int
    ) -> list[asyncpg.Record]:
        return list(
            await conn.fetch(
                "SELECT o.*, (SELECT count(*) FROM outreach_sent s WHERE s.spa_id = o.spa_id"
                " AND s.kind = 'waitlist' AND s.at >= o.opened_at) AS offers"
                " FROM openings o WHERE spa_id = $1 AND start_at >= $2 ORDER BY start_at LIMIT $3",
                spa_id,
                since,
                limit,
            )
        )
