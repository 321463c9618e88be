"""The waitlist in PostgreSQL: add, list and remove entries, and find who a freed slot suits.

A patient has one waiting entry per service (a partial unique index), so adding
again updates the wishes and keeps the place in line. AddToWaitlist remembers its
request id; a repeat answers the entry it made.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import time

import asyncpg

from scheduler.adapters import pg_rows as rows
from scheduler.adapters.changes import digest
from scheduler.adapters.patients import Patients, e164
from scheduler.domain.clock import local_date, zone
from scheduler.domain.commands import WaitlistAdd, WaitlistQuery
from scheduler.domain.errors import (
    Contended,
    FieldViolation,
    InvalidRequest,
    NotFound,
    RequestIdReused,
    require,
)
from scheduler.domain.model import PartOfDay, SpaRules
from scheduler.domain.patients import PatientDetails, check_details
from scheduler.domain.slots import not_qualified, service_of, unknown_provider
from scheduler.domain.waitlist import (
    Entry,
    EntryStatus,
    OpenSlot,
    Wishes,
    check_wishes,
    in_line,
)
from scheduler.ports import Clock, SpaCatalog

DEFAULT_RESULTS = 100
MAX_RESULTS = 500
# How many waiting entries of one service a freed slot is checked against; the line
# is read oldest first, so a longer one only leaves out the newest.
LINE_READ = 2_000
ATTEMPTS = 4

_SUITED = (
    "SELECT w.* FROM waitlist_entries w WHERE w.spa_id = $1 AND w.service_id = $2"
    " AND w.status = 'waiting' AND w.provider_id IN ('', $3)"
    " AND (w.not_before IS NULL OR w.not_before <= $4)"
    " AND (w.not_after IS NULL OR w.not_after > greatest($4, $5))"
    " AND w.patient_id IS DISTINCT FROM $6::uuid"
    # Someone already booked for the service at or before the slot does not want it.
    " AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.spa_id = w.spa_id"
    "   AND a.patient_id = w.patient_id AND a.service_id = w.service_id"
    "   AND a.status IN ('held', 'confirmed') AND a.starts_at >= $5 AND a.starts_at <= $4)"
    " ORDER BY w.created_at, w.id LIMIT $7"
)
_WAITING = (
    "SELECT * FROM waitlist_entries WHERE spa_id = $1 AND status = 'waiting'"
    " AND ($2 = '' OR service_id = $2) AND ($3 = '' OR provider_id IN ('', $3))"
    " AND ($4::uuid IS NULL OR patient_id = $4) AND (not_after IS NULL OR not_after > $5)"
    " ORDER BY created_at, id LIMIT $6"
)
# On a second add the wishes change and the place in line stays, unless the old entry
# had lapsed: then the patient joins the end of the line like anyone new.
_PUT = (
    "INSERT INTO waitlist_entries (id, spa_id, patient_id, service_id, provider_id,"
    " days_of_week, parts_of_day, earliest_minute, latest_minute, not_before, not_after,"
    " status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'waiting', $12)"
    " ON CONFLICT (spa_id, patient_id, service_id) WHERE status = 'waiting' DO UPDATE SET"
    " provider_id = EXCLUDED.provider_id, days_of_week = EXCLUDED.days_of_week,"
    " parts_of_day = EXCLUDED.parts_of_day, earliest_minute = EXCLUDED.earliest_minute,"
    " latest_minute = EXCLUDED.latest_minute, not_before = EXCLUDED.not_before,"
    " not_after = EXCLUDED.not_after, updated_at = now(),"
    " created_at = CASE WHEN waitlist_entries.not_after <= EXCLUDED.created_at"
    "   THEN EXCLUDED.created_at ELSE waitlist_entries.created_at END"
    " RETURNING *"
)


def _minutes(moment: time | None) -> int | None:
    if moment is None:
        return None
    return 24 * 60 if moment == time.max else moment.hour * 60 + moment.minute


def _time(minutes: int | None) -> time | None:
    if minutes is None:
        return None
    return time.max if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


def _epoch(value: object) -> int | None:
    return None if value is None else int(value.timestamp())  # type: ignore[attr-defined]


def _text(wishes: Wishes) -> str:
    """The wishes in one canonical line, for the request digest."""
    return repr(
        (
            sorted(wishes.days_of_week),
            sorted(int(p) for p in wishes.parts_of_day),
            _minutes(wishes.earliest),
            _minutes(wishes.latest),
            wishes.not_before,
            wishes.not_after,
        )
    )


def entry(row: asyncpg.Record) -> Entry:
    return Entry(
        id=str(row["id"]),
        spa_id=row["spa_id"],
        patient_id=str(row["patient_id"]),
        service_id=row["service_id"],
        provider_id=row["provider_id"],
        wishes=Wishes(
            frozenset(row["days_of_week"]),
            frozenset(PartOfDay(p) for p in row["parts_of_day"]),
            _time(row["earliest_minute"]),
            _time(row["latest_minute"]),
            _epoch(row["not_before"]),
            _epoch(row["not_after"]),
        ),
        status=EntryStatus(row["status"]),
        created_at=int(row["created_at"].timestamp()),
    )


def _uuid(value: str, field_name: str) -> tuple[uuid.UUID | None, list[FieldViolation]]:
    try:
        return uuid.UUID(value), []
    except ValueError:
        return None, [FieldViolation(field_name, "malformed", f"{field_name} is a UUID")]


def _provider(rules: SpaRules, service_id: str, provider_id: str) -> list[FieldViolation]:
    if not provider_id:
        return []
    provider = rules.providers.get(provider_id)
    if provider is None:
        return [unknown_provider("provider_id", provider_id)]
    service = rules.services.get(service_id)
    if service is not None and not provider.can_perform(service):
        return [not_qualified("provider_id", provider_id, service_id)]
    return []


class PostgresWaitlist:
    def __init__(
        self, pool: asyncpg.Pool, catalog: SpaCatalog, clock: Clock, patients: Patients
    ) -> None:
        self._pool = pool
        self._catalog = catalog
        self._clock = clock
        self._patients = patients

    async def suited(
        self,
        conn: asyncpg.Connection,
        rules: SpaRules,
        slot: OpenSlot,
        *,
        exclude_patient: str | None = None,
        limit: int = MAX_RESULTS,
    ) -> list[Entry]:
        """The waiting entries a freed slot suits, first come first."""
        found = await conn.fetch(
            _SUITED,
            rules.spa_id,
            slot.service_id,
            slot.provider_id,
            rows.ts(slot.start),
            rows.ts(self._clock.now()),
            uuid.UUID(exclude_patient) if exclude_patient else None,
            LINE_READ,
        )
        return in_line((entry(r) for r in found), slot, zone(rules.timezone), limit)

    def _check_add(
        self, rules: SpaRules, request: WaitlistAdd
    ) -> tuple[Wishes, str, PatientDetails, uuid.UUID | None]:
        now = self._clock.now()
        problems = (
            []
            if request.request_id
            else [FieldViolation("request_id", "required", "request_id is required")]
        )
        try:
            service_of(rules, request.service_id)
        except InvalidRequest as exc:
            problems.extend(exc.violations)
        problems.extend(_provider(rules, request.service_id, request.provider_id))
        wishes, bad = check_wishes(request.wishes, now)
        problems.extend(bad)
        phone, key = "", None
        details = PatientDetails()
        if bool(request.phone) == bool(request.patient_id):
            problems.append(
                FieldViolation("patient", "one_of", "give either patient.phone_e164 or patient_id")
            )
        elif request.phone:
            try:
                phone = e164(request.phone)
            except InvalidRequest as exc:
                problems.extend(exc.violations)
            today = local_date(now, zone(rules.timezone))
            details, bad = check_details(request.name, request.email, request.date_of_birth, today)
            problems.extend(bad)
        else:
            key, bad = _uuid(request.patient_id, "patient_id")
            problems.extend(bad)
        require(problems)
        return wishes, phone, details, key

    async def add(self, request: WaitlistAdd) -> Entry:
        rules = self._catalog.rules(request.spa_id)
        wishes, phone, details, key = self._check_add(rules, request)
        who = self._patients.phone_index(phone).hex() if phone else str(key)
        fingerprint = digest(
            "waitlist", request.service_id, request.provider_id, who, _text(wishes)
        )
        for _ in range(ATTEMPTS):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    return await self._add_in(
                        conn, rules, request, wishes, phone, details, key, fingerprint
                    )
            except asyncpg.UniqueViolationError:
                # A concurrent repeat of this request won; the next try answers its entry.
                continue
        raise Contended()

    async def _add_in(
        self,
        conn: asyncpg.Connection,
        rules: SpaRules,
        request: WaitlistAdd,
        wishes: Wishes,
        phone: str,
        details: PatientDetails,
        key: uuid.UUID | None,
        fingerprint: bytes,
    ) -> Entry:
        earlier = await conn.fetchrow(
            "SELECT e.*, r.request_digest FROM waitlist_requests r JOIN waitlist_entries e"
            " ON e.id = r.entry_id WHERE r.spa_id = $1 AND r.request_id = $2",
            rules.spa_id,
            request.request_id,
        )
        if earlier is not None:
            if bytes(earlier["request_digest"]) != fingerprint:
                raise RequestIdReused(request.request_id)
            return entry(earlier)
        if phone:
            patient_id = uuid.UUID(
                await self._patients.find_or_create(
                    conn, rules.spa_id, phone, details, purpose="join the waitlist"
                )
            )
        else:
            assert key is not None
            known = await conn.fetchval(
                "SELECT id FROM patients WHERE spa_id = $1 AND id = $2", rules.spa_id, key
            )
            if known is None:
                raise InvalidRequest(
                    [FieldViolation("patient_id", "unknown_patient", "the spa has no such patient")]
                )
            patient_id = key
        row = await conn.fetchrow(
            _PUT,
            uuid.uuid4(),
            rules.spa_id,
            patient_id,
            request.service_id,
            request.provider_id,
            sorted(wishes.days_of_week),
            sorted(int(p) for p in wishes.parts_of_day),
            _minutes(wishes.earliest),
            _minutes(wishes.latest),
            rows.ts(wishes.not_before) if wishes.not_before is not None else None,
            rows.ts(wishes.not_after) if wishes.not_after is not None else None,
            rows.ts(self._clock.now()),
        )
        await conn.execute(
            "INSERT INTO waitlist_requests (spa_id, request_id, entry_id, request_digest)"
            " VALUES ($1, $2, $3, $4)",
            rules.spa_id,
            request.request_id,
            row["id"],
            fingerprint,
        )
        return entry(row)

    async def list(self, spa_id: str, which: WaitlistQuery) -> list[Entry]:
        rules = self._catalog.rules(spa_id)
        problems: list[FieldViolation] = []
        if which.service_id:
            try:
                service_of(rules, which.service_id)
            except InvalidRequest as exc:
                problems.extend(exc.violations)
        if which.provider_id and which.provider_id not in rules.providers:
            problems.append(unknown_provider("provider_id", which.provider_id))
        key = None
        if which.patient_id:
            key, bad = _uuid(which.patient_id, "patient_id")
            problems.extend(bad)
        if not 0 <= which.max_results <= MAX_RESULTS:
            problems.append(FieldViolation("max_results", "out_of_range", f"0 to {MAX_RESULTS}"))
        slot = (which.start, which.end)
        if (slot[0] is None) != (slot[1] is None):
            problems.append(FieldViolation("end", "required", "start and end go together"))
        elif slot[0] is not None and slot[1] is not None:
            if slot[1] <= slot[0]:
                problems.append(FieldViolation("end", "empty_window", "end must be after start"))
            if not which.service_id:
                problems.append(
                    FieldViolation("service_id", "required", "a freed slot is for a service")
                )
            if not which.provider_id:
                problems.append(
                    FieldViolation("provider_id", "required", "a freed slot has a provider")
                )
        require(problems)
        limit = which.max_results or DEFAULT_RESULTS
        async with self._pool.acquire() as conn:
            if which.start is not None and which.end is not None:
                opened = OpenSlot(which.service_id, which.provider_id, which.start, which.end)
                found = await self.suited(conn, rules, opened, limit=MAX_RESULTS)
                return [e for e in found if key is None or e.patient_id == str(key)][:limit]
            found_rows = await conn.fetch(
                _WAITING,
                spa_id,
                which.service_id,
                which.provider_id,
                key,
                rows.ts(self._clock.now()),
                limit,
            )
        return [entry(r) for r in found_rows]

    async def remove(self, spa_id: str, entry_id: str) -> Entry:
        self._catalog.rules(spa_id)
        key, bad = _uuid(entry_id, "entry_id")
        require(bad)
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "WITH gone AS (UPDATE waitlist_entries SET status = 'removed', updated_at = now()"
                " WHERE spa_id = $1 AND id = $2 AND status = 'waiting' RETURNING *)"
                " SELECT * FROM gone UNION ALL SELECT * FROM waitlist_entries"
                " WHERE spa_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM gone)",
                spa_id,
                key,
            )
        if row is None:
            raise NotFound("waitlist_entry", entry_id)
        return entry(row)

    async def ids_for(
        self, conn: asyncpg.Connection, rules: SpaRules, slot: OpenSlot, patient_id: str
    ) -> Sequence[str]:
        """For slot.opened: the entries to offer the slot to, in order (never its own patient)."""
        found = await self.suited(conn, rules, slot, exclude_patient=patient_id)
        return [e.id for e in found]
