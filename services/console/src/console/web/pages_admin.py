"""The pages around the day's work: calendar, owner's report, transcript review, the spa's
autonomy and alert phone, accounts and tokens, and the audit log."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from console import reads
from console.actions import STUMBLES, Autonomy, Invalid, NotFound
from console.adapters import audit_trail
from console.auth.accounts import AccountExists
from console.auth.passwords import WeakPassword
from console.auth.principal import Principal
from console.domain.charts import Bar, bar_chart
from console.domain.report import Figures, PeriodKind, Source, money
from console.domain.roles import Permission as P
from console.domain.roles import Role
from console.ports import CalendarUnavailable
from console.web import views
from console.web.api_admin import autonomy_of
from console.web.context import console_of
from console.web.pages import back, render
from console.web.security import Page

router = APIRouter(include_in_schema=False)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


# The calendar page shows this many of the first in line; the API pages through the rest.
WAITLIST_SHOWN = 200


@router.get("/calendar", response_class=HTMLResponse)
async def calendar(
    request: Request, day: date | None = None, phone: Annotated[str, Query(max_length=20)] = "",
    service: Annotated[str, Query(max_length=100)] = "",
    who: Principal = Page(P.CALENDAR_READ),
) -> Response:  # fmt: skip
    console = console_of(request)
    day = day or reads.today(console, who.spa_id)
    context: dict[str, Any] = {"day": day, "phone": phone, "prev": day - timedelta(days=1),
                               "next": day + timedelta(days=1)}  # fmt: skip
    context.update(await _waitlist(request, who, service))
    try:
        providers, appointments = await reads.day_calendar(console, who, day)
        context["columns"] = [
            (p, [a for a in appointments if a.provider_id == p.id]) for p in providers
        ]
        if phone and who.can(P.PATIENT_HISTORY):
            if not E164.match(phone):
                context["phone_error"] = console.say("phone.invalid")
            else:
                context["history"] = await reads.patient_history(console, who, phone)
    except CalendarUnavailable:
        context["unavailable"] = console.say("calendar.unavailable")
    async with console.db() as conn:
        context["openings"] = await console.facts.openings(
            conn, who.spa_id, reads.day_bounds(console, who.spa_id, day)[0], 50
        )
    return render(request, who, "calendar.html", **context)


async def _waitlist(request: Request, who: Principal, service: str) -> dict[str, Any]:
    """The waitlist by service, first come first within each; one service's with `service`."""
    console = console_of(request)
    spa = console.spa(who.spa_id)
    services = sorted(spa.services, key=lambda s: s.name)
    chosen = service if service in {s.id for s in services} else ""
    context: dict[str, Any] = {"waitlist_services": services, "waitlist_service": chosen}
    try:
        found = await reads.waitlist(console, who, chosen, WAITLIST_SHOWN, 0, "calendar waitlist")
    except CalendarUnavailable:
        context["waitlist_unavailable"] = console.say("calendar.unavailable")
        return context
    now = console.clock()
    groups: dict[str, list[Any]] = {}
    for entry in found.entries:
        view = views.waitlist_entry(entry, spa, found.names, now, console.say)
        groups.setdefault(view.service_name, []).append(view)
    context["waitlist"] = sorted(groups.items())
    context["waitlist_more"] = found.next_offset is not None
    return context


def _charts(f: Figures, t: Any) -> list[Any]:
    def count(key: str, value: int) -> Bar:
        return Bar(t(f"figure.{key}"), value, str(value))

    def cash(key: str, value: int) -> Bar:
        return Bar(t(f"figure.{key}"), value, money(value, f.currency))

    answered = [
        count("after_hours", f.after_hours), count("staff_busy", f.staff_busy),
        count("texts", f.texts), count("calls", f.calls), count("missed_calls", f.missed_calls),
    ]  # fmt: skip
    takings = [
        cash("agent_booking_value", f.agent_booking_value),
        cash("deposits_collected", f.deposits_collected),
        cash("deposits_forfeited", f.deposits_forfeited),
        cash("no_show_fees_charged", f.no_show_fees_charged),
        cash("no_show_fees_owed", f.no_show_fees_owed),
    ]
    recovered = [
        Bar(t(f"source.{s.value}"), f.recovered.get(s.value, 0),
            money(f.recovered.get(s.value, 0), f.currency))
        for s in Source
    ]  # fmt: skip
    return [
        (t(key), bar_chart(t(key), bars))
        for key, bars in (
            ("chart.answered", answered),
            ("chart.money", takings),
            ("chart.recovered", recovered),
        )
    ]


@router.get("/report", response_class=HTMLResponse)
async def report(
    request: Request, period: PeriodKind = PeriodKind.WEEK, day: date | None = None,
    who: Principal = Page(P.REPORT_READ),
) -> Response:  # fmt: skip
    console = console_of(request)
    day = day or reads.today(console, who.spa_id)
    figures = await reads.figures(console, who.spa_id, period, day)
    before = figures.period.first_day - timedelta(days=1)
    return render(
        request, who, "report.html", f=figures, period=period, day=day, before=before,
        after=figures.period.end_day, charts=_charts(figures, console.say), money=money,
    )  # fmt: skip


@router.get("/review", response_class=HTMLResponse)
async def review(
    request: Request, offset: Annotated[int, Query(ge=0)] = 0, who: Principal = Page(P.REVIEW_MARK)
) -> Response:
    console = console_of(request)
    found = await reads.conversations(console, who, None, 50, offset, "transcript review")
    async with console.db() as conn:
        marks = dict(
            await conn.fetch(
                "SELECT conversation_id, count(*) FROM stumbles WHERE spa_id = $1"
                " GROUP BY conversation_id",
                who.spa_id,
            )
        )
    return render(request, who, "review.html", conversations=found, marks=marks, offset=offset)


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
async def conversation(
    request: Request, conversation_id: str, who: Principal = Page(P.CONVERSATION_READ)
) -> Response:
    found = await reads.conversation(console_of(request), who, conversation_id, "transcript")
    if found is None:
        raise HTTPException(404)
    return render(
        request,
        who,
        "conversation.html",
        c=found[0],
        conversation=found[0],
        turns=found[1],
        stumbles=STUMBLES,
    )


@router.post("/conversations/{conversation_id}/stumbles")
async def mark_stumble(
    request: Request, conversation_id: str, turn_id: Annotated[int, Form(ge=1)],
    kind: Annotated[str, Form(max_length=40)], note: Annotated[str, Form(max_length=500)] = "",
    who: Principal = Page(P.REVIEW_MARK),
) -> Response:  # fmt: skip
    console = console_of(request)
    try:
        async with console.db() as conn, conn.transaction():
            await console.actions.mark_stumble(conn, who, conversation_id, turn_id, kind, note)
    except NotFound:
        raise HTTPException(404) from None
    except Invalid:
        raise HTTPException(422) from None
    return back(f"/conversations/{conversation_id}", note="stumble.marked")


@router.get("/settings", response_class=HTMLResponse)
async def settings(request: Request, who: Principal = Page(P.AUTONOMY_MANAGE)) -> Response:
    console = console_of(request)
    current = await autonomy_of(console, who.spa_id)
    return render(request, who, "settings.html", current=current, modes=list(Autonomy))


@router.post("/settings/autonomy")
async def set_autonomy(
    request: Request,
    autonomy: Annotated[Autonomy, Form()],
    who: Principal = Page(P.AUTONOMY_MANAGE),
) -> Response:
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        await console.actions.set_autonomy(conn, who, autonomy)
    return back("/settings", note="autonomy.saved")


@router.post("/settings/alert-phone")
async def set_alert_phone(
    request: Request, phone: Annotated[str, Form(max_length=20)] = "",
    who: Principal = Page(P.AUTONOMY_MANAGE),
) -> Response:  # fmt: skip
    console = console_of(request)
    phone = phone.strip()
    if phone and not E164.match(phone):
        current = await autonomy_of(console, who.spa_id)
        return render(request, who, "settings.html", status=422, current=current,
                      modes=list(Autonomy), phone_error=console.say("phone.invalid"))  # fmt: skip
    async with console.db() as conn, conn.transaction():
        await console.actions.set_manager_phone(conn, who, phone or None)
    return back("/settings", note="alert_phone.saved")


async def _accounts_page(
    request: Request, who: Principal, status: int = 200, **extra: Any
) -> Response:
    console = console_of(request)
    async with console.db() as conn:
        accounts = await console.accounts.for_spa(conn, who.spa_id)
        tokens = await console.tokens.for_spa(conn, who.spa_id)
    return render(request, who, "accounts.html", status=status, accounts=accounts, tokens=tokens,
                  roles=list(Role), lockout=console.accounts.lockout, **extra)  # fmt: skip


@router.get("/accounts", response_class=HTMLResponse)
async def accounts(request: Request, who: Principal = Page(P.ACCOUNTS_MANAGE)) -> Response:
    return await _accounts_page(request, who)


@router.post("/accounts")
async def create_account(
    request: Request, username: Annotated[str, Form(min_length=3, max_length=200)],
    role: Annotated[Role, Form()], display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=256)] = "", who: Principal = Page(P.ACCOUNTS_MANAGE),
) -> Response:  # fmt: skip
    console = console_of(request)
    try:
        async with console.db() as conn:
            await console.accounts.create(
                conn, spa_id=who.spa_id, username=username, display_name=display_name,
                role=role, password=password or None,
            )  # fmt: skip
    except AccountExists:
        return await _accounts_page(request, who, 409, form_error=console.say("account.exists"))
    except WeakPassword:
        return await _accounts_page(request, who, 422, form_error=console.say("password.weak"))
    return back("/accounts", note="account.created")


@router.post("/accounts/{account_id}")
async def update_account(
    request: Request, account_id: uuid.UUID, role: Annotated[Role | None, Form()] = None,
    disabled: Annotated[bool | None, Form()] = None,
    password: Annotated[str, Form(max_length=256)] = "", who: Principal = Page(P.ACCOUNTS_MANAGE),
) -> Response:  # fmt: skip
    console = console_of(request)
    try:
        async with console.db() as conn, conn.transaction():
            changed = await console.accounts.update(
                conn, who.spa_id, str(account_id), role=role, disabled=disabled,
                password=password or None,
            )  # fmt: skip
    except WeakPassword:
        return await _accounts_page(request, who, 422, form_error=console.say("password.weak"))
    if not changed:
        raise HTTPException(404)
    return back("/accounts", note="account.updated")


@router.post("/tokens")
async def create_token(
    request: Request, name: Annotated[str, Form(min_length=1, max_length=100)],
    role: Annotated[Role, Form()], who: Principal = Page(P.ACCOUNTS_MANAGE),
) -> Response:  # fmt: skip
    console = console_of(request)
    async with console.db() as conn:
        _, token = await console.tokens.issue(conn, who.spa_id, role, name, who.staff_id)
    return await _accounts_page(request, who, 201, new_token=token)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: uuid.UUID, who: Principal = Page(P.ACCOUNTS_MANAGE)
) -> Response:
    console = console_of(request)
    async with console.db() as conn:
        await console.tokens.revoke(conn, who.spa_id, str(token_id))
    return back("/accounts", note="token.revoked")


@router.get("/audit", response_class=HTMLResponse)
async def audit(
    request: Request, offset: Annotated[int, Query(ge=0)] = 0,
    actor: Annotated[str, Query(max_length=100)] = "",
    subject_id: Annotated[str, Query(max_length=200)] = "",
    who: Principal = Page(P.AUDIT_READ),
) -> Response:  # fmt: skip
    console = console_of(request)
    async with console.db() as conn:
        entries = await audit_trail.entries(
            conn, who.spa_id, actor=actor or None, subject_id=subject_id or None, limit=100,
            offset=offset,
        )  # fmt: skip
    return render(request, who, "audit.html", entries=entries, offset=offset, actor=actor,
                  subject_id=subject_id)  # fmt: skip
