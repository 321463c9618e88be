"""Offers and who they went to. The offer row is locked while a yes is acted on, so the
first yes wins and a second waits, then finds the slot gone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from outreach.domain.offers import OfferState, Planned
from outreach.ports import Slot


@dataclass(frozen=True)
class OfferRow:
    id: str
    spa_id: str
    kind: str
    service_id: str
    slots: list[Slot]
    state: OfferState
    expires_at: datetime
    winner: str
    appointment_id: str


def offer_id_for(job_id: int) -> str:
    return f"offer-{job_id}"


async def open_offer(
    conn: asyncpg.Connection,
    offer_id: str,
    spa_id: str,
    kind: str,
    job_id: int,
    service_id: str,
    slots: list[Slot],
    expires_at: datetime,
    now: datetime,
) -> None:
    """Write the offer; a job run again after a deferral refreshes an open one's slots."""
    await conn.execute(
        "INSERT INTO offers (id, spa_id, kind, job_id, service_id, slots, expires_at, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE"
        " SET slots = EXCLUDED.slots, expires_at = EXCLUDED.expires_at WHERE offers.state = 'open'",
        offer_id,
        spa_id,
        kind,
        job_id,
        service_id,
        json.dumps([_slot_json(s) for s in slots]),
        expires_at,
        now,
    )


_SELECT = (
    "SELECT id, spa_id, kind, service_id, slots, state, expires_at, winner_patient_id,"
    " appointment_id FROM offers WHERE id = $1"
)


def _slot_json(slot: Slot) -> dict[str, object]:
    return {
        "provider_id": slot.provider_id,
        "start": int(slot.start.timestamp()),
        "end": int(slot.end.timestamp()),
    }


async def load(conn: asyncpg.Connection, offer_id: str, *, lock: bool = False) -> OfferRow | None:
    row = await conn.fetchrow(_SELECT + " FOR UPDATE" if lock else _SELECT, offer_id)
    if row is None:
        return None
    return OfferRow(
        id=row["id"],
        spa_id=row["spa_id"],
        kind=row["kind"],
        service_id=row["service_id"],
        slots=[
            Slot(
                s["provider_id"],
                datetime.fromtimestamp(s["start"], UTC),
                datetime.fromtimestamp(s["end"], UTC),
            )
            for s in json.loads(row["slots"])
        ],
        state=OfferState(row["state"]),
        expires_at=row["expires_at"],
        winner=row["winner_patient_id"],
        appointment_id=row["appointment_id"],
    )


async def add_recipients(
    conn: asyncpg.Connection, offer_id: str, planned: list[Planned], state: str = "queued"
) -> None:
    await conn.executemany(
        "INSERT INTO offer_recipients (offer_id, patient_id, position, state)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (offer_id, patient_id) DO NOTHING",
        [(offer_id, p.patient_id, p.position, state) for p in planned],
    )


async def recipients(conn: asyncpg.Connection, offer_id: str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT patient_id, state FROM offer_recipients WHERE offer_id = $1 ORDER BY position",
        offer_id,
    )
    return {r["patient_id"]: r["state"] for r in rows}


async def set_recipient(
    conn: asyncpg.Connection, offer_id: str, patient_id: str, state: str
) -> None:
    await conn.execute(
        "UPDATE offer_recipients SET state = $3 WHERE offer_id = $1 AND patient_id = $2",
        offer_id,
        patient_id,
        state,
    )


async def close(
    conn: asyncpg.Connection,
    offer_id: str,
    state: OfferState,
    winner: str = "",
    appointment_id: str = "",
) -> None:
    await conn.execute(
        "UPDATE offers SET state = $2, winner_patient_id = $3, appointment_id = $4 WHERE id = $1",
        offer_id,
        state.value,
        winner,
        appointment_id,
    )


async def patient_for_reply(conn: asyncpg.Connection, offer_id: str, index: bytes) -> str:
    """Who, of those the offer went to, replied from this number."""
    value = await conn.fetchval(
        "SELECT patient_id FROM sends WHERE offer_id = $1 AND phone_index = $2"
        " AND patient_id <> '' ORDER BY queued_at LIMIT 1",
        offer_id,
        index,
    )
    return str(value or "")
