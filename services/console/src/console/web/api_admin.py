"""/v1/: calendar, reports, autonomy, transcript review, audit log, accounts and tokens, and the
live stream of server-sent events."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from console import reads
from console.actions import Autonomy
from console.adapters import audit_trail
from console.auth.accounts import AccountExists
from console.auth.principal import Principal
from console.domain.report import PeriodKind
from console.domain.roles import PERMISSIONS, Permission
from console.web import schemas, views
from console.web.api import Limit, Offset, PathId, Phone
from console.web.context import Console, console_of
from console.web.security import Api

router = APIRouter(prefix="/v1")
# A comment line now and then keeps proxies from closing an idle stream.
HEARTBEAT_S = 15.0


@router.get("/me", response_model=schemas.Me, tags=["access"])
async def me(who: Principal = Api()) -> schemas.Me:
    return schemas.Me(
        id=who.id, kind=who.kind, spa_id=who.spa_id, role=who.role, name=who.name,
        permissions=sorted(p.value for p in PERMISSIONS[who.role]),
    )  # fmt: skip


@router.get("/appointments", response_model=list[schemas.Appointment], tags=["calendar"])
async def appointments(
    request: Request,
    phone: Phone = None,
    date: date | None = None,
    provider_id: Annotated[str, Query(pattern=schemas.ID_PATTERN)] = "",
    who: Principal = Api(Permission.CALENDAR_READ),
) -> list[schemas.Appointment]:
    """A patient's appointments (by phone), or a day's (by date, default today)."""
    console = console_of(request)
    if phone:
        if not who.can(Permission.PATIENT_HISTORY):
            raise HTTPException(403, detail="denied")
        found = await reads.patient_history(console, who, phone, date)
    else:
        _, found = await reads.day_calendar(
            console, who, date or reads.today(console, who.spa_id), provider_id
        )
    return [views.appointment(a) for a in found]


@router.get("/waitlist", response_model=schemas.Page[schemas.WaitlistEntry], tags=["calendar"])
async def waitlist(
    request: Request,
    service_id: Annotated[str | None, Query(pattern=schemas.ID_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.CALENDAR_READ),
) -> schemas.Page[schemas.WaitlistEntry]:
    """Patients waiting for a slot, first come first, with their wishes; one service's line
    with `service_id`. Names only for roles that may see patients (each view audited).
    Pages through the first 500 in line."""
    console = console_of(request)
    spa = console.spa(who.spa_id)
    if service_id and service_id not in {s.id for s in spa.services}:
        raise HTTPException(422, detail="unknown service")
    found = await reads.waitlist(console, who, service_id or "", limit, offset, "api")
    now = console.clock()
    return schemas.Page[schemas.WaitlistEntry](
        items=[views.waitlist_entry(e, spa, found.names, now, console.say) for e in found.entries],
        limit=limit, offset=offset, next_offset=found.next_offset,
    )  # fmt: skip


@router.get("/reports/summary", response_model=schemas.Summary, tags=["reports"])
async def summary(
    request: Request,
    period: Literal["week", "month"] = "week",
    date: date | None = None,
    who: Principal = Api(Permission.REPORT_READ),
) -> schemas.Summary:
    """The owner's report for the week or month holding `date` (default today)."""
    console = console_of(request)
    figures = await reads.figures(
        console, who.spa_id, PeriodKind(period), date or reads.today(console, who.spa_id)
    )
    rows = dict(figures.rows())
    return schemas.Summary(
        period=period, first_day=str(rows.pop("period_start")), last_day=str(rows.pop("period_end")),
        figures=rows,
    )  # fmt: skip


@router.get("/reports/summary.csv", tags=["reports"], response_class=Response)
async def summary_csv(
    request: Request,
    period: Literal["week", "month"] = "week",
    date: date | None = None,
    who: Principal = Api(Permission.REPORT_READ),
) -> Response:
    console = console_of(request)
    day = date or reads.today(console, who.spa_id)
    figures = await reads.figures(console, who.spa_id, PeriodKind(period), day)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "value"])
    writer.writerows(figures.rows())
    name = f"report-{who.spa_id}-{period}-{figures.period.first_day.isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def autonomy_of(console: Console, spa_id: str) -> schemas.AutonomyOut:
    async with console.db() as conn:
        row = await conn.fetchrow(
            "SELECT autonomy, manager_phone_enc IS NOT NULL AS phone FROM spa_settings"
            " WHERE spa_id = $1",
            spa_id,
        )
    if row is not None and row["autonomy"]:
        mode, source = Autonomy(row["autonomy"]), "console"
    else:
        mode, source = Autonomy(console.spa(spa_id).policies.agent_autonomy.value), "spa_file"
    return schemas.AutonomyOut(
        spa_id=spa_id, autonomy=mode, source=source,  # type: ignore[arg-type]
        alert_phone_set=bool(row and row["phone"]),
    )  # fmt: skip


@router.get("/settings/autonomy", response_model=schemas.AutonomyOut, tags=["settings"])
async def get_autonomy(
    request: Request, who: Principal = Api(Permission.AUTONOMY_MANAGE)
) -> schemas.AutonomyOut:
    return await autonomy_of(console_of(request), who.spa_id)


@router.put("/settings/autonomy", response_model=schemas.AutonomyOut, tags=["settings"])
async def put_autonomy(
    request: Request, body: schemas.AutonomyIn, who: Principal = Api(Permission.AUTONOMY_MANAGE)
) -> schemas.AutonomyOut:
    """Everything, only after hours, or shadow (drafts for approval); said as autonomy.changed."""
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        await console.actions.set_autonomy(conn, who, body.autonomy)
    return await autonomy_of(console, who.spa_id)


@router.post("/conversations/{conversation_id}/stumbles", status_code=201, tags=["review"])
async def mark_stumble(
    request: Request, conversation_id: PathId, body: schemas.StumbleIn,
    who: Principal = Api(Permission.REVIEW_MARK),
) -> dict[str, int]:  # fmt: skip
    """Mark where the assistant stumbled in a past conversation."""
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        mark_id = await console.actions.mark_stumble(
            conn, who, conversation_id, body.turn_id, body.kind, body.note
        )
    return {"id": mark_id}


@router.get("/audit", response_model=schemas.Page[schemas.AuditRow], tags=["access"])
async def audit_log(
    request: Request,
    actor: Annotated[str | None, Query(max_length=100, pattern=schemas.TEXT_PATTERN)] = None,
    subject_id: Annotated[str | None, Query(max_length=200, pattern=schemas.TEXT_PATTERN)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    who: Principal = Api(Permission.AUDIT_READ),
) -> schemas.Page[schemas.AuditRow]:
    """Who saw or changed protected data (never the data itself), newest first."""
    console = console_of(request)
    async with console.db() as conn:
        found = await audit_trail.entries(
            conn, who.spa_id, actor=actor, subject_id=subject_id, limit=limit, offset=offset
        )
    return schemas.page(
        [schemas.AuditRow(**{**e.__dict__, "fields": list(e.fields)}) for e in found], limit, offset
    )


@router.get("/accounts", response_model=list[schemas.Account], tags=["access"])
async def list_accounts(
    request: Request, who: Principal = Api(Permission.ACCOUNTS_MANAGE)
) -> list[schemas.Account]:
    console = console_of(request)
    now = console.clock()
    async with console.db() as conn:
        found = await console.accounts.for_spa(conn, who.spa_id)
    return [
        schemas.Account(
            id=a.id,
            username=a.username,
            display_name=a.display_name,
            role=a.role,
            disabled=a.disabled,
            locked=console.accounts.lockout.is_locked(a.locked_until, now),
            oidc_linked=a.oidc_linked,
        )
        for a in found
    ]


@router.post("/accounts", status_code=201, response_model=schemas.Account, tags=["access"])
async def create_account(
    request: Request, body: schemas.AccountIn, who: Principal = Api(Permission.ACCOUNTS_MANAGE)
) -> schemas.Account:
    console = console_of(request)
    try:
        async with console.db() as conn:
            a = await console.accounts.create(
                conn, spa_id=who.spa_id, username=body.username,
                display_name=body.display_name, role=body.role, password=body.password,
            )  # fmt: skip
    except AccountExists:
        raise HTTPException(409, detail="account.exists") from None
    return schemas.Account(
        id=a.id, username=a.username, display_name=a.display_name, role=a.role,
        disabled=a.disabled, locked=False, oidc_linked=a.oidc_linked,
    )  # fmt: skip


@router.patch("/accounts/{account_id}", status_code=204, tags=["access"])
async def update_account(
    request: Request, account_id: uuid.UUID, body: schemas.AccountPatch,
    who: Principal = Api(Permission.ACCOUNTS_MANAGE),
) -> None:  # fmt: skip
    """Change a role, disable (signs them out everywhere), or set a new password (unlocks)."""
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        changed = await console.accounts.update(
            conn, who.spa_id, str(account_id), role=body.role, disabled=body.disabled,
            password=body.password,
        )  # fmt: skip
    if not changed:
        raise HTTPException(404)


@router.post("/tokens", status_code=201, response_model=schemas.TokenOut, tags=["access"])
async def create_token(
    request: Request, body: schemas.TokenIn, who: Principal = Api(Permission.ACCOUNTS_MANAGE)
) -> schemas.TokenOut:
    """A bearer token for a service or script, acting with one role; shown only now."""
    console = console_of(request)
    async with console.db() as conn:
        token_id, token = await console.tokens.issue(
            conn, who.spa_id, body.role, body.name, who.staff_id if who.kind == "staff" else None
        )
    return schemas.TokenOut(id=token_id, token=token)


@router.delete("/tokens/{token_id}", status_code=204, tags=["access"])
async def revoke_token(
    request: Request, token_id: uuid.UUID, who: Principal = Api(Permission.ACCOUNTS_MANAGE)
) -> None:
    console = console_of(request)
    async with console.db() as conn:
        if not await console.tokens.revoke(conn, who.spa_id, str(token_id)):
            raise HTTPException(404)


async def live_events(console: Console, spa_id: str, stop: asyncio.Event) -> AsyncIterator[str]:
    """Server-sent events: one per change (topic and id only), heartbeats in between."""
    async with console.hub.subscribe(spa_id) as queue:
        yield "retry: 3000\n\n"
        stopping = asyncio.ensure_future(stop.wait())
        getting: asyncio.Future[dict[str, str]] | None = None
        try:
            while not stop.is_set():
                # Whichever comes first: a notice, shutdown (so draining is not held up by
                # open pages), or the heartbeat's turn.
                getting = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait(
                    {getting, stopping}, timeout=HEARTBEAT_S, return_when=asyncio.FIRST_COMPLETED
                )
                if getting not in done:
                    getting.cancel()
                    if not stop.is_set():
                        yield ": heartbeat\n\n"
                    continue
                notice = getting.result()
                body = json.dumps({"topic": notice["topic"], "id": notice["id"]})
                yield f"event: {notice['topic']}\ndata: {body}\n\n"
        finally:
            # A page that went away leaves its wait behind: end it with the stream.
            stopping.cancel()
            if getting is not None:
                getting.cancel()


@router.get("/stream", tags=["inbox"], response_class=StreamingResponse)
async def stream(
    request: Request, who: Principal = Api(Permission.INBOX_READ)
) -> StreamingResponse:
    """New and changed handoffs, drafts, callbacks, conversations and alerts, as they happen."""
    console = console_of(request)
    stop: asyncio.Event = request.app.state.stop
    return StreamingResponse(
        _until_gone(request, live_events(console, who.spa_id, stop)),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


async def _until_gone(request: Request, events: AsyncIterator[str]) -> AsyncIterator[str]:
    async with contextlib.aclosing(events):  # type: ignore[type-var]
        async for chunk in events:
            if await request.is_disconnected():
                return
            yield chunk
