"""Staff reads of protected data, each written to the audit log in the same transaction.

Pages and the API both read through here, so no screen can show a phone, a summary or a
transcript without the record of who saw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from console.adapters.audit_trail import viewed
from console.adapters.conversations import ConversationView, TurnView
from console.adapters.inbox import CallbackView, DraftView, HandoffView
from console.auth.principal import Principal
from console.domain.report import Figures, PeriodKind, period_of
from console.domain.roles import Permission
from console.domain.waitlist import LINE_READ, window
from console.ports import AppointmentInfo, ProviderInfo, WaitlistEntryInfo
from console.web.context import Console

HANDOFF_FIELDS = ["summary", "phone", "captured"]
TRANSCRIPT_FIELDS = ["transcript", "phone", "summary"]


@dataclass(frozen=True)
class HandoffWithConversation:
    handoff: HandoffView
    conversation: ConversationView | None
    turns: list[TurnView]


async def handoffs(
    console: Console, who: Principal, statuses: list[str], phone: str | None, limit: int,
    offset: int, purpose: str,
) -> list[HandoffView]:  # fmt: skip
    async with console.db() as conn, conn.transaction():
        found = await console.inbox.handoffs(
            conn, who.spa_id, statuses=statuses, phone=phone, limit=limit, offset=offset
        )
        await viewed(conn, who, "handoff", [h.id for h in found], HANDOFF_FIELDS, purpose)
    return found


async def handoff(
    console: Console, who: Principal, handoff_id: str
) -> HandoffWithConversation | None:
    async with console.db() as conn, conn.transaction():
        found = await console.inbox.handoff(conn, who.spa_id, handoff_id)
        if found is None:
            return None
        conversation = await console.conversations.get(conn, who.spa_id, found.conversation_id)
        turns = await console.conversations.transcript(conn, who.spa_id, found.conversation_id)
        await viewed(conn, who, "handoff", [handoff_id], HANDOFF_FIELDS, "handoff detail")
        await viewed(
            conn, who, "conversation", [found.conversation_id], TRANSCRIPT_FIELDS, "handoff detail"
        )
    return HandoffWithConversation(found, conversation, turns)


async def conversations(
    console: Console, who: Principal, phone: str | None, limit: int, offset: int, purpose: str
) -> list[ConversationView]:
    async with console.db() as conn, conn.transaction():
        found = await console.conversations.search(
            conn, who.spa_id, phone=phone, limit=limit, offset=offset
        )
        await viewed(
            conn, who, "conversation", [c.id for c in found], ["phone", "summary"], purpose
        )
    return found


async def conversation(
    console: Console, who: Principal, conversation_id: str, purpose: str
) -> tuple[ConversationView, list[TurnView]] | None:
    async with console.db() as conn, conn.transaction():
        found = await console.conversations.get(conn, who.spa_id, conversation_id)
        if found is None:
            return None
        turns = await console.conversations.transcript(conn, who.spa_id, conversation_id)
        await viewed(conn, who, "conversation", [conversation_id], TRANSCRIPT_FIELDS, purpose)
    return found, turns


async def drafts(
    console: Console, who: Principal, status: str, limit: int, offset: int
) -> list[DraftView]:
    async with console.db() as conn, conn.transaction():
        found = await console.inbox.drafts(conn, who.spa_id, status, limit, offset)
        await viewed(conn, who, "draft", [d.id for d in found], ["body"], "shadow drafts")
    return found


async def callbacks(
    console: Console, who: Principal, status: str, limit: int, offset: int
) -> list[CallbackView]:
    async with console.db() as conn, conn.transaction():
        found = await console.inbox.callbacks(conn, who.spa_id, status, limit, offset)
        await viewed(conn, who, "callback", [c.id for c in found], ["phone"], "callbacks list")
    return found


def day_bounds(console: Console, spa_id: str, day: date) -> tuple[datetime, datetime]:
    tz = console.spa(spa_id).tz
    start = datetime.combine(day, time(), tzinfo=tz)
    return start, start + timedelta(days=1)


async def day_calendar(
    console: Console, who: Principal, day: date, provider_id: str = ""
) -> tuple[list[ProviderInfo], list[AppointmentInfo]]:
    """Appointments name patients by id only, so the calendar itself is not audited."""
    start, end = day_bounds(console, who.spa_id, day)
    providers = await console.calendar.providers(who.spa_id)
    found = await console.calendar.appointments(
        who.spa_id, start=start, end=end, provider_id=provider_id
    )
    return providers, sorted(found, key=lambda a: (a.provider_name, a.start))


async def patient_history(
    console: Console, who: Principal, phone: str, day: date | None = None
) -> list[AppointmentInfo]:
    """A patient's appointments, found by their phone: the lookup is audited."""
    async with console.db() as conn, conn.transaction():
        ids = await console.facts.patient_ids(
            conn, who.spa_id, console.conversations.phone_index(phone)
        )
        await viewed(conn, who, "patient", ids or ["unknown"], ["phone", "appointments"],
                     "patient history")  # fmt: skip
    start, end = day_bounds(console, who.spa_id, day) if day else (None, None)
    found: list[AppointmentInfo] = []
    for patient_id in ids:
        found.extend(
            await console.calendar.appointments(
                who.spa_id, patient_id=patient_id, start=start, end=end
            )
        )
    return sorted(found, key=lambda a: a.start, reverse=True)


@dataclass(frozen=True)
class WaitlistPage:
    entries: list[WaitlistEntryInfo]
    # patient id -> name, for the roles that may see patients (and only names on file).
    names: dict[str, str]
    next_offset: int | None


async def waitlist(
    console: Console, who: Principal, service_id: str, limit: int, offset: int, purpose: str
) -> WaitlistPage:
    """Who waits for what, first come first. Entries name patients by id; their names are
    looked up only for a role that may see patients, and that view is audited (one row per
    patient shown) before the names are handed out."""
    span = window(limit, offset)
    if span.start >= LINE_READ:
        return WaitlistPage([], {}, None)
    found = await console.calendar.waitlist(who.spa_id, service_id=service_id, max_results=span.ask)
    entries = found[span.start : span.stop]
    names: dict[str, str] = {}
    if entries and who.can(Permission.PATIENT_HISTORY):
        patients = list(dict.fromkeys(e.patient_id for e in entries))
        names = await console.calendar.patient_names(who.spa_id, patients, f"console {purpose}")
        async with console.db() as conn, conn.transaction():
            await viewed(conn, who, "patient", patients, ["name", "waitlist"], purpose)
    return WaitlistPage(entries, names, span.next_offset(len(found)))


async def figures(console: Console, spa_id: str, kind: PeriodKind, day: date) -> Figures:
    spa = console.spa(spa_id)
    async with console.db() as conn:
        return await console.facts.figures(conn, spa_id, period_of(kind, day, spa.tz), spa.currency)


def today(console: Console, spa_id: str) -> date:
    return console.clock().astimezone(console.spa(spa_id).tz).date()
