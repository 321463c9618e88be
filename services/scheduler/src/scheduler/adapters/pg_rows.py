"""SQL for appointments: read busy time, read and write appointment rows.

Instants cross the boundary as epoch seconds (the domain's unit); PostgreSQL
keeps them as timestamptz and tstzrange so the exclusion constraints can work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from scheduler.domain.appointments import BLOCKING, Appointment, Status
from scheduler.domain.availability import Busy
from scheduler.domain.commands import AppointmentFilter
from scheduler.domain.intervals import Interval

_BLOCKING = sorted(s.value for s in BLOCKING)
LIST_LIMIT = 500
_LOAD = "SELECT * FROM appointment_rows WHERE spa_id = $1 AND id = $2"
_LOAD_LOCKED = "SELECT * FROM appointment_rows WHERE spa_id = $1 AND id = $2 FOR UPDATE"


def ts(instant: int) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


def appointment(row: asyncpg.Record) -> Appointment:
    return Appointment(
        id=str(row["id"]),
        spa_id=row["spa_id"],
        service_id=row["service_id"],
        provider_id=row["provider_id"],
        resource_ids=tuple(row["resource_ids"]),
        patient_id=str(row["patient_id"]),
        start=row["start_s"],
        end=row["end_s"],
        status=Status(row["status"]),
        hold_expires_at=row["expires_s"],
        deposit_minor=row["deposit_minor"],
        currency=row["currency"],
        new_patient=row["new_patient"],
        conversation_id=row["conversation_id"],
        version=row["version"],
    )


_BUSY_GROUPS = (
    "SELECT provider_id, resource_ids, array_agg(block_lo) AS lo, array_agg(block_hi) AS hi"
    " FROM appointments WHERE spa_id = $1 AND status = ANY($2::text[])"
    " AND blocked && tstzrange($3, $4) AND id IS DISTINCT FROM $5::uuid"
    " GROUP BY provider_id, resource_ids"
)


def _busy_of(rows: Sequence[asyncpg.Record]) -> Busy:
    providers: dict[str, list[Interval]] = {}
    resources: dict[str, list[Interval]] = {}
    for row in rows:
        if row["provider_id"] is None:
            continue
        taken = list(zip(row["lo"], row["hi"], strict=True))
        providers.setdefault(row["provider_id"], []).extend(taken)
        for resource_id in row["resource_ids"]:
            resources.setdefault(resource_id, []).extend(taken)
    # Sorting is enough: the exclusion constraints already keep one provider's (or one
    # room's) blocking visits from overlapping, and the domain accepts touching ones.
    return Busy(
        {k: sorted(v) for k, v in providers.items()},
        {k: sorted(v) for k, v in resources.items()},
    )


async def busy(
    conn: asyncpg.Connection, spa_id: str, window: Interval, exclude: str | None = None
) -> Busy:
    """Every provider's and resource's taken time that meets `window`.

    Grouped in SQL so a busy fortnight arrives as a few arrays, not thousands of rows.
    """
    rows = await conn.fetch(_BUSY_GROUPS, spa_id, _BLOCKING, ts(window[0]), ts(window[1]), exclude)
    return _busy_of(rows)


async def by_hold_request(
    conn: asyncpg.Connection, spa_id: str, request_id: str
) -> tuple[Appointment, bytes] | None:
    row = await conn.fetchrow(
        "SELECT * FROM appointment_rows WHERE spa_id = $1 AND hold_request_id = $2",
        spa_id,
        request_id,
    )
    return (appointment(row), bytes(row["request_digest"])) if row else None


async def load(
    conn: asyncpg.Connection, spa_id: str, appointment_id: UUID, *, lock: bool = False
) -> Appointment | None:
    row = await conn.fetchrow(_LOAD_LOCKED if lock else _LOAD, spa_id, appointment_id)
    return appointment(row) if row else None


async def _take_resources(conn: asyncpg.Connection, appt: Appointment, blocked: Interval) -> None:
    if appt.resource_ids:
        await conn.executemany(
            "INSERT INTO appointment_resources (appointment_id, spa_id, resource_id, blocked)"
            " VALUES ($1, $2, $3, tstzrange($4, $5))",
            [
                (UUID(appt.id), appt.spa_id, r, ts(blocked[0]), ts(blocked[1]))
                for r in appt.resource_ids
            ],
        )


async def set_status(conn: asyncpg.Connection, appt: Appointment, status: Status) -> Appointment:
    """Move to `status`; leaving the calendar frees the rooms and devices too."""
    version = await conn.fetchval(
        "UPDATE appointments SET status = $2, updated_at = now(),"
        " hold_expires_at = CASE WHEN $2 = 'held' THEN hold_expires_at END WHERE id = $1"
        " RETURNING version",
        UUID(appt.id),
        status.value,
    )
    if status not in BLOCKING:
        await conn.execute(
            "UPDATE appointment_resources SET active = false WHERE appointment_id = $1",
            UUID(appt.id),
        )
    expires = appt.hold_expires_at if status is Status.HELD else None
    return replace(appt, status=status, hold_expires_at=expires, version=version)


async def move(conn: asyncpg.Connection, appt: Appointment, blocked: Interval) -> Appointment:
    """Put an appointment at a new time (and perhaps provider and rooms)."""
    version = await conn.fetchval(
        "UPDATE appointments SET provider_id = $2, resource_ids = $3, starts_at = $4,"
        " ends_at = $5, blocked = tstzrange(to_timestamp($6::bigint), to_timestamp($7::bigint)),"
        " block_lo = $6, block_hi = $7, updated_at = now() WHERE id = $1 RETURNING version",
        UUID(appt.id),
        appt.provider_id,
        list(appt.resource_ids),
        ts(appt.start),
        ts(appt.end),
        blocked[0],
        blocked[1],
    )
    await conn.execute("DELETE FROM appointment_resources WHERE appointment_id = $1", UUID(appt.id))
    await _take_resources(conn, appt, blocked)
    return replace(appt, version=version)


async def find(
    conn: asyncpg.Connection, spa_id: str, which: AppointmentFilter
) -> list[Appointment]:
    rows = await conn.fetch(
        "SELECT * FROM appointment_rows WHERE spa_id = $1"
        " AND ($2::uuid IS NULL OR patient_id = $2) AND ($3 = '' OR provider_id = $3)"
        " AND ($4::timestamptz IS NULL OR ends_at > $4)"
        " AND ($5::timestamptz IS NULL OR starts_at < $5)"
        " AND (cardinality($6::text[]) = 0 OR status = ANY($6::text[]))"
        " ORDER BY starts_at LIMIT $7",
        spa_id,
        UUID(which.patient_id) if which.patient_id else None,
        which.provider_id,
        ts(which.start) if which.start is not None else None,
        ts(which.end) if which.end is not None else None,
        sorted(s.value for s in which.statuses),
        LIST_LIMIT,
    )
    return [appointment(r) for r in rows]


async def hold_context(
    conn: asyncpg.Connection,
    spa_id: str,
    phone_index: bytes,
    consult_ids: Sequence[str],
    before: int,
    window: Interval,
) -> tuple[UUID | None, bool, bool, Busy]:
    """In one round trip: the patient with this phone (None if new), whether they have
    completed a visit here, whether they have a consult booked or done that ends by
    `before`, and the busy time over `window`."""
    rows = await conn.fetch(  # built from constants only
        "WITH pat AS (SELECT id FROM patients WHERE spa_id = $1 AND phone_index = $6),"  # noqa: S608
        " past AS (SELECT coalesce(bool_or(status = 'completed'), false) AS returning,"
        "   coalesce(bool_or(service_id = ANY($7::text[]) AND ends_at <= $8"
        "     AND status IN ('held', 'confirmed', 'completed')), false) AS consulted"
        "   FROM appointments WHERE spa_id = $1 AND patient_id = (SELECT id FROM pat)),"
        f" taken AS ({_BUSY_GROUPS})"
        " SELECT (SELECT id FROM pat) AS patient_id, past.returning, past.consulted, taken.*"
        " FROM past LEFT JOIN taken ON true",
        spa_id,
        _BLOCKING,
        ts(window[0]),
        ts(window[1]),
        None,
        phone_index,
        list(consult_ids),
        ts(before),
    )
    first = rows[0]
    return first["patient_id"], bool(first["returning"]), bool(first["consulted"]), _busy_of(rows)


async def due_holds(conn: asyncpg.Connection, now: int, limit: int) -> list[Appointment]:
    rows = await conn.fetch(
        "SELECT * FROM appointment_rows WHERE status = 'held' AND hold_expires_at <= $1"
        " ORDER BY hold_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        ts(now),
        limit,
    )
    return [appointment(r) for r in rows]


async def next_hold_expiry(conn: asyncpg.Connection) -> int | None:
    value: int | None = await conn.fetchval(
        "SELECT extract(epoch FROM min(hold_expires_at))::bigint FROM appointments"
        " WHERE status = 'held'"
    )
    return value
