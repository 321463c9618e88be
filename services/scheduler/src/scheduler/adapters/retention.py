"""The retention purge: patients out of touch for longer than their spa keeps records
are deleted, with everything the scheduler holds about them.

A patient goes when nothing of theirs is newer than the spa's window
(`policies.retention_days`, seven years by default): not their last contact
(`patients.last_seen_at`: created, recognised calling or texting, a hold, an answer
about consent), no appointment ending or changed inside it (so never one still to
come), no waitlist entry changed inside it and no consent answer given inside it.
With the patient go their appointments (all older than the window, by that rule)
with the rooms and request ids recorded for them, their waitlist entries and the
requests that made them, and their consent answers.

A run takes a session advisory lock, so one replica purges at a time and the others
skip their turn. Patients go in batches (of 500), each in its own transaction with one
audit entry of what it deleted (counts, never a value), so nothing is ever deleted
unaudited and a usual run writes one entry per spa; a run that finds nobody to purge
at a spa says so in one entry too. Earlier audit
entries about a purged patient stay: they name ids and fields, never values, and the
log is append-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from medspa_kit.audit import audit
from scheduler.adapters.config_catalog import ConfigCatalog
from scheduler.adapters.pg_rows import ts
from scheduler.domain.errors import NotFound
from scheduler.ports import Clock

log = logging.getLogger(__name__)

ACTOR = "scheduler"
DAY = 86_400
BATCH = 500
# What a purged patient's row held that the audit log should name (never the values).
PROTECTED = ["phone", "name", "email", "date_of_birth"]
_TRANSIENT = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
# Advisory locks are per database: the schema keeps two deployments on one server apart.
_LOCK = "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':retention-purge'))"
_UNLOCK = "SELECT pg_advisory_unlock(hashtext(current_schema() || ':retention-purge'))"

_DUE = (
    "SELECT p.id FROM patients p WHERE p.spa_id = $1 AND p.last_seen_at < $2"
    " AND p.created_at < $2"
    " AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id"
    "   AND (a.ends_at >= $2 OR a.updated_at >= $2))"
    " AND NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.patient_id = p.id"
    "   AND w.updated_at >= $2)"
    " AND NOT EXISTS (SELECT 1 FROM consent_answers c WHERE c.patient_id = p.id"
    "   AND c.answered_at >= $2)"
    " ORDER BY p.last_seen_at LIMIT $3 FOR UPDATE OF p SKIP LOCKED"
)
# In the order the foreign keys need: what names an appointment or an entry, then it,
# then what names the patient, then the patient.
_DELETES = (
    (
        "",
        "DELETE FROM appointment_requests WHERE appointment_id IN"
        " (SELECT id FROM appointments WHERE patient_id = ANY($1::uuid[]))",
    ),
    (
        "",
        "DELETE FROM appointment_resources WHERE appointment_id IN"
        " (SELECT id FROM appointments WHERE patient_id = ANY($1::uuid[]))",
    ),
    ("appointments", "DELETE FROM appointments WHERE patient_id = ANY($1::uuid[])"),
    (
        "",
        "DELETE FROM waitlist_requests WHERE entry_id IN"
        " (SELECT id FROM waitlist_entries WHERE patient_id = ANY($1::uuid[]))",
    ),
    ("waitlist_entries", "DELETE FROM waitlist_entries WHERE patient_id = ANY($1::uuid[])"),
    ("consent_answers", "DELETE FROM consent_answers WHERE patient_id = ANY($1::uuid[])"),
    ("patients", "DELETE FROM patients WHERE id = ANY($1::uuid[])"),
)


@dataclass(frozen=True, slots=True)
class Purged:
    """What one spa's purge deleted."""

    spa_id: str
    patients: int = 0
    appointments: int = 0
    waitlist_entries: int = 0
    consent_answers: int = 0

    def __add__(self, other: Purged) -> Purged:
        return Purged(
            self.spa_id,
            self.patients + other.patients,
            self.appointments + other.appointments,
            self.waitlist_entries + other.waitlist_entries,
            self.consent_answers + other.consent_answers,
        )


def _count(status: str) -> int:
    """The row count of a command tag such as 'DELETE 3'."""
    return int(status.rsplit(" ", 1)[-1])


class RetentionPurge:
    def __init__(
        self,
        pool: asyncpg.Pool,
        catalog: ConfigCatalog,
        clock: Clock,
        *,
        every_s: float = 6 * 3600,
        first_after_s: float = 60.0,
        batch: int = BATCH,
    ) -> None:
        self._pool = pool
        self._catalog = catalog
        self._clock = clock
        self._every_s = every_s
        self._first_after_s = first_after_s
        self._batch = batch

    async def purge(self) -> list[Purged] | None:
        """One run over every configured spa; None when another replica is purging."""
        async with self._pool.acquire() as conn:
            if not await conn.fetchval(_LOCK):
                return None
            try:
                return [await self._spa(conn, spa_id) for spa_id in self._catalog.spa_ids()]
            finally:
                await conn.execute(_UNLOCK)

    async def _spa(self, conn: asyncpg.Connection, spa_id: str) -> Purged:
        try:
            days = self._catalog.config(spa_id).policies.retention_days
        except NotFound:
            return Purged(spa_id)
        cutoff = self._clock.now() - days * DAY
        total = Purged(spa_id)
        while True:
            async with conn.transaction():
                batch = await self._batch_of(conn, spa_id, cutoff, days)
            total += batch
            if batch.patients < self._batch:
                break
        if not total.patients:
            await self._audit(conn, total, cutoff, days)
        return total

    async def _batch_of(
        self, conn: asyncpg.Connection, spa_id: str, cutoff: int, days: int
    ) -> Purged:
        due: list[uuid.UUID] = [
            r["id"] for r in await conn.fetch(_DUE, spa_id, ts(cutoff), self._batch)
        ]
        if not due:
            return Purged(spa_id)
        counts: dict[str, int] = {}
        for table, statement in _DELETES:
            deleted = _count(await conn.execute(statement, due))
            if table:
                counts[table] = deleted
        purged = Purged(spa_id, **counts)
        await self._audit(conn, purged, cutoff, days)
        return purged

    async def _audit(
        self, conn: asyncpg.Connection, purged: Purged, cutoff: int, days: int
    ) -> None:
        before = datetime.fromtimestamp(cutoff, UTC).date().isoformat()
        await audit(
            conn,
            actor=ACTOR,
            action="patients.purged",
            subject_type="spa",
            subject_id=purged.spa_id,
            fields=PROTECTED if purged.patients else [],
            purpose=(
                f"retention of {days} days (nothing of theirs since {before}):"
                f" {purged.patients} patients, {purged.appointments} appointments,"
                f" {purged.waitlist_entries} waitlist entries,"
                f" {purged.consent_answers} consent answers"
            ),
            spa_id=purged.spa_id,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Purge now and then until `stop` (the first run shortly after start)."""
        wait = self._first_after_s
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            if stop.is_set():
                return
            wait = self._every_s
            try:
                done = await self.purge()
            except _TRANSIENT as exc:
                log.warning(
                    "retention purge failed, will retry", extra={"error": type(exc).__name__}
                )
                continue
            for purged in done or ():
                if purged.patients:
                    log.info(
                        "patients purged",
                        extra={
                            "spa_id": purged.spa_id,
                            "patients": purged.patients,
                            "appointments": purged.appointments,
                        },
                    )
