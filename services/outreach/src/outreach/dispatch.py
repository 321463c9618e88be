"""Runs one claimed batch of due jobs inside the claiming transaction.

Reads what the batch needs once (the patients' contacts in one call per spa, opt-outs,
recent sends, the numbers' day counts), runs each job in a savepoint so one failure
cannot undo the others, and writes every outcome before the transaction commits. A job
that fails is tried again later with backoff; one that can never run is skipped, and
every skip is said as outreach.skipped.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from medspa_kit.crypto import FieldCipher
from outreach.adapters import jobs
from outreach.adapters.jobs import Finished, JobRow
from outreach.domain.answers import BookingAnswers
from outreach.domain.model import JobKind
from outreach.domain.rules import Limits
from outreach.domain.texts import Words
from outreach.ports import Calendar, CalendarUnavailable, Contact, Contacts
from outreach.sending import SendBatch
from outreach.work import attribution, offers, recall, visits
from outreach.work.context import Context, Later, Outcome, Policy, Skipped
from spa_config import SpaConfig, SpaDirectory, UnknownId, UnknownSpa

log = logging.getLogger(__name__)
Work = Callable[[Context, JobRow], Awaitable[Outcome]]

WORK: dict[JobKind, Work] = {
    JobKind.REMINDER: visits.reminder,
    JobKind.AFTERCARE: visits.aftercare,
    JobKind.MISSED_CALL_TEXT: visits.missed_call_text,
    JobKind.MISSED_CALL_CALL: visits.missed_call_call,
    JobKind.RECALL: recall.recall,
    JobKind.WAITLIST_OPEN: offers.waitlist_open,
    JobKind.OFFER: offers.offer,
    JobKind.OFFER_ACCEPT: offers.offer_accept,
    JobKind.OFFER_GONE: offers.offer_gone,
    JobKind.ATTRIBUTE: attribution.attribute,
}
# Jobs that speak to a known patient, whose contact is read before they run.
_NEEDS_CONTACT = {
    JobKind.REMINDER,
    JobKind.AFTERCARE,
    JobKind.RECALL,
    JobKind.OFFER,
    JobKind.OFFER_GONE,
    JobKind.ATTRIBUTE,
}
# Jobs whose only writes are the sends they queue: no savepoint needed.
_SENDS_ONLY = {
    JobKind.REMINDER,
    JobKind.AFTERCARE,
    JobKind.MISSED_CALL_TEXT,
    JobKind.MISSED_CALL_CALL,
}
_CONTACTS_PURPOSE = "outreach: reminders, aftercare, recall, waitlist"
_OUTCOMES = {"done": "sent", "skipped": "skipped"}


class Dispatcher:
    def __init__(
        self,
        spas: SpaDirectory,
        contacts: Contacts,
        calendar: Calendar,
        cipher: FieldCipher,
        words: Words,
        policy: Policy,
        limits: Limits,
        namespace: str,
    ) -> None:
        self._spas = spas
        self._contacts = contacts
        self._calendar = calendar
        self._cipher = cipher
        self._words = words
        self._policy = policy
        self._limits = limits
        self._namespace = namespace

    async def run(
        self, conn: asyncpg.Connection, rows: list[JobRow], now: datetime, *, locked: bool
    ) -> Tally[tuple[str, str]]:
        """Do the batch; answers its jobs by (kind, outcome) for the metrics: sent (done),
        skipped, failed (tried again later); a deferral is none of these. Raises
        CapContention when, not `locked`, it would pass a number's daily cap."""
        batch = SendBatch(conn, self._cipher, self._namespace, self._limits, now, locked=locked)
        finished: list[Finished] = []
        later: list[jobs.Later] = []
        runnable: list[tuple[JobRow, SpaConfig]] = []
        for row in rows:
            try:
                runnable.append((row, self._spas.get(row.spa_id)))
            except UnknownSpa:
                await batch.skipped(row, "unknown_spa")
                finished.append(Finished(row.id, "skipped", "unknown_spa"))
        contacts, unreachable = await self._read_contacts(runnable)
        phones = [(spa_id, c.phone) for spa_id, by_id in contacts.items() for c in by_id.values()]
        phones += [(row.spa_id, row.phone) for row, _ in runnable if row.phone]
        await batch.prepare(list({spa.id: spa for _, spa in runnable}.values()), phones)
        reminders = [r.appointment_id for r, _ in runnable if r.kind is JobKind.REMINDER]
        answers = await _answers(conn, reminders)
        for row, spa in runnable:
            if row.spa_id in unreachable and row.kind in _NEEDS_CONTACT:
                later.append(_retry(row, now, "contacts_unavailable"))
                continue
            ctx = Context(
                conn=conn,
                now=now,
                spa=spa,
                batch=batch,
                contacts=contacts.get(row.spa_id, {}),
                answers=answers,
                calendar=self._calendar,
                cipher=self._cipher,
                words=self._words,
                policy=self._policy,
                namespace=self._namespace,
            )
            outcome = await self._one(ctx, row)
            if isinstance(outcome, Later):
                later.append(jobs.Later(row.id, outcome.until, outcome.reason, outcome.failed))
                continue
            if isinstance(outcome, Skipped):
                if not outcome.reported:
                    await batch.skipped(row, outcome.reason)
                finished.append(Finished(row.id, "skipped", outcome.reason))
            else:
                finished.append(Finished(row.id, "done", outcome.outcome))
        await batch.flush()
        await jobs.record(conn, finished, later, now)
        kinds = {row.id: row.kind.value for row in rows}
        tally: Tally[tuple[str, str]] = Tally()
        tally.update((kinds[f.job_id], _OUTCOMES[f.state]) for f in finished)
        tally.update((kinds[x.job_id], "failed") for x in later if x.failed)
        return tally

    async def _one(self, ctx: Context, row: JobRow) -> Outcome:
        if row.expires_at is not None and ctx.now >= row.expires_at:
            return Skipped("expired")
        mark = ctx.batch.mark()
        work = WORK[row.kind]
        try:
            if row.kind in _SENDS_ONLY:
                # Writes nothing but through the batch, which `undo` takes back.
                return await work(ctx, row)
            async with ctx.conn.transaction():
                return await work(ctx, row)
        except UnknownId:
            ctx.batch.undo(mark)
            # The spa's configuration no longer has the service or provider.
            return Skipped("not_on_menu")
        except CalendarUnavailable:
            ctx.batch.undo(mark)
            return _later(row, ctx.now, "calendar_unavailable")
        except Exception:
            ctx.batch.undo(mark)
            log.exception("outreach job failed", extra={"job_id": row.id, "kind": row.kind.value})
            return _later(row, ctx.now, "failed")

    async def _read_contacts(
        self, runnable: list[tuple[JobRow, SpaConfig]]
    ) -> tuple[dict[str, dict[str, Contact]], set[str]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for row, _ in runnable:
            if row.kind in _NEEDS_CONTACT and row.patient_id:
                wanted[row.spa_id].add(row.patient_id)
        found: dict[str, dict[str, Contact]] = {}
        unreachable: set[str] = set()
        for spa_id, ids in wanted.items():
            try:
                found[spa_id] = await self._contacts.contacts(
                    spa_id, sorted(ids), _CONTACTS_PURPOSE
                )
            except CalendarUnavailable:
                log.warning("patient contacts unavailable; jobs wait", extra={"spa_id": spa_id})
                unreachable.add(spa_id)
        return found, unreachable


def _later(row: JobRow, now: datetime, reason: str) -> Later:
    return Later(jobs.retry_at(now, row.attempts), reason, failed=True)


def _retry(row: JobRow, now: datetime, reason: str) -> jobs.Later:
    return jobs.Later(row.id, jobs.retry_at(now, row.attempts), reason, failed=True)


async def _answers(
    conn: asyncpg.Connection, appointment_ids: list[str]
) -> dict[str, BookingAnswers]:
    """The reminders' bookings: their start now, and the patients' C and R answers."""
    if not appointment_ids:
        return {}
    rows = await conn.fetch(
        "SELECT appointment_id, start_at, patient_confirmed_at, confirmed_start,"
        " reschedule_asked_at, reschedule_start FROM bookings"
        " WHERE appointment_id = ANY($1::text[])",
        appointment_ids,
    )
    return {
        r["appointment_id"]: BookingAnswers(
            start=r["start_at"],
            confirmed_at=r["patient_confirmed_at"],
            confirmed_start=r["confirmed_start"],
            reschedule_asked_at=r["reschedule_asked_at"],
            reschedule_start=r["reschedule_start"],
        )
        for r in rows
    }
