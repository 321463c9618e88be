"""The staff pages for the day's work: inbox, a handoff with its whole conversation, shadow
drafts, callbacks, alerts. Forms post here (with the session's CSRF token) and come back
with a note of what happened; the live feed refreshes the lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console import money_desk, reads
from console.actions import Conflict, Invalid, NotFound, Resolution
from console.auth.principal import Principal
from console.domain.roles import Permission
from console.web import views
from console.web.api_admin import stream as api_stream
from console.web.context import Console, console_of
from console.web.security import Page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# Notes a redirect may ask the next page to show: catalog keys, nothing else.
NOTES = {
    "handoff.claimed", "handoff.replied", "handoff.closed", "handoff.handed_back",
    "conversation.paused", "conversation.resumed", "draft.sent", "draft.discarded",
    "callback.done", "alert.acknowledged", "autonomy.saved", "alert_phone.saved",
    "account.created", "account.updated", "token.revoked", "stumble.marked",
    "money.resolved", "refund.retried",
}  # fmt: skip
ERRORS = {
    "handoff.already_claimed", "handoff.resolved", "reply.length", "draft.decision",
    "money.already_resolved", "money.resolution", "money.no_refund",
}  # fmt: skip
MONEY_RESOLUTIONS = ("patient_contacted", "paid_another_way", "waived")


def render(
    request: Request, who: Principal, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    console = console_of(request)
    note = request.query_params.get("note")
    error = request.query_params.get("error")
    return console.templates.TemplateResponse(
        request,
        template,
        {
            "who": who,
            "now": console.clock(),
            # Times are shown in the spa's own zone.
            "tz": console.spa(who.spa_id).tz,
            "note": console.say(note) if note in NOTES else None,
            "error": console.say(error) if error in ERRORS else None,
            **context,
        },
        status_code=status,
    )


def label(console: Console, prefix: str, value: str) -> str:
    """The catalog's words for a code (a reason, a role), or the code itself when it has none."""
    key = f"{prefix}.{value}"
    return console.say(key) if key in console.catalog.keys() else value


def back(path: str, *, note: str | None = None, error: str | None = None) -> RedirectResponse:
    query = f"?note={note}" if note else f"?error={error}" if error else ""
    return RedirectResponse(path + query, status_code=303)


async def _act(console: Console, path: str, note: str, work: Any) -> RedirectResponse:
    """Run one staff action in a transaction; a refusal comes back as a note on the page."""
    try:
        async with console.db() as conn, conn.transaction():
            await work(conn)
    except NotFound:
        raise HTTPException(404) from None
    except (Conflict, Invalid) as exc:
        return back(path, error=str(exc))
    return back(path, note=note)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, who: Principal = Page()) -> Response:
    if who.can(Permission.INBOX_READ):
        return RedirectResponse("/inbox", status_code=303)
    if who.can(Permission.AUDIT_READ):
        return RedirectResponse("/audit", status_code=303)
    raise HTTPException(403)


async def _inbox_context(console: Console, who: Principal) -> dict[str, Any]:
    found = await reads.handoffs(
        console, who, ["open", "claimed"], None, PAGE_SIZE, 0, "handoff inbox"
    )
    now = console.clock()
    return {"handoffs": [views.handoff(h, now) for h in found]}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, who: Principal = Page(Permission.INBOX_READ)) -> Response:
    context = await _inbox_context(console_of(request), who)
    return render(request, who, "inbox.html", **context)


@router.get("/inbox/rows", response_class=HTMLResponse)
async def inbox_rows(request: Request, who: Principal = Page(Permission.INBOX_READ)) -> Response:
    """The inbox table's rows alone, fetched by the page when the live feed says so."""
    context = await _inbox_context(console_of(request), who)
    return render(request, who, "_inbox_rows.html", **context)


@router.get("/alerts/banner", response_class=HTMLResponse)
async def alerts_banner(request: Request, who: Principal = Page(Permission.INBOX_READ)) -> Response:
    console = console_of(request)
    alerts = []
    if who.can(Permission.ALERTS):
        async with console.db() as conn:
            alerts = await console.inbox.alerts(
                conn, who.spa_id, open_only=True, limit=20, offset=0
            )
    return render(request, who, "_alerts.html", alerts=alerts)


@router.post("/alerts/{alert_id}/ack")
async def acknowledge(
    request: Request, alert_id: int, who: Principal = Page(Permission.ALERTS)
) -> Response:
    console = console_of(request)
    async with console.db() as conn:
        await console.inbox.acknowledge(conn, who.spa_id, alert_id, who.staff_id, console.clock())
    return back("/inbox", note="alert.acknowledged")


@router.get("/handoffs/{handoff_id}", response_class=HTMLResponse)
async def handoff(
    request: Request, handoff_id: str, who: Principal = Page(Permission.INBOX_READ)
) -> Response:
    console = console_of(request)
    found = await reads.handoff(console, who, handoff_id)
    if found is None:
        raise HTTPException(404)
    return render(
        request, who, "handoff.html",
        h=views.handoff(found.handoff, console.clock()), conversation=found.conversation,
        turns=found.turns, resolutions=list(Resolution), dial=request.query_params.get("dial"),
    )  # fmt: skip


@router.post("/handoffs/{handoff_id}/claim")
async def claim(
    request: Request, handoff_id: str, who: Principal = Page(Permission.INBOX_ACT)
) -> Response:
    console = console_of(request)
    return await _act(
        console, f"/handoffs/{handoff_id}", "handoff.claimed",
        lambda conn: console.actions.claim(conn, who, handoff_id),
    )  # fmt: skip


@router.post("/handoffs/{handoff_id}/reply")
async def reply(
    request: Request, handoff_id: str, text: Annotated[str, Form(max_length=2000)] = "",
    who: Principal = Page(Permission.INBOX_ACT),
) -> Response:  # fmt: skip
    console = console_of(request)

    async def work(conn: Any) -> None:
        found = await console.inbox.handoff(conn, who.spa_id, handoff_id)
        if found is None:
            raise NotFound(handoff_id)
        await console.actions.reply(
            conn, who, found.conversation_id, text, phone=found.phone or None
        )

    return await _act(console, f"/handoffs/{handoff_id}", "handoff.replied", work)


@router.post("/handoffs/{handoff_id}/call")
async def call_back(
    request: Request, handoff_id: str, who: Principal = Page(Permission.INBOX_ACT)
) -> Response:
    console = console_of(request)
    try:
        async with console.db() as conn, conn.transaction():
            await console.actions.call_back(conn, who, handoff_id)
    except NotFound:
        raise HTTPException(404) from None
    except Conflict as exc:
        return back(f"/handoffs/{handoff_id}", error=str(exc))
    return RedirectResponse(f"/handoffs/{handoff_id}?dial=1", status_code=303)


@router.post("/handoffs/{handoff_id}/resolve")
async def resolve(
    request: Request, handoff_id: str,
    resolution: Annotated[Resolution, Form()] = Resolution.ANSWERED,
    hand_back: Annotated[bool, Form()] = False,
    who: Principal = Page(Permission.INBOX_ACT),
) -> Response:  # fmt: skip
    console = console_of(request)
    return await _act(
        console, "/inbox", "handoff.handed_back" if hand_back else "handoff.closed",
        lambda conn: console.actions.resolve(conn, who, handoff_id, resolution, hand_back),
    )  # fmt: skip


@router.post("/conversations/{conversation_id}/pause")
async def pause(
    request: Request, conversation_id: str, paused: Annotated[bool, Form()] = True,
    back_to: Annotated[str, Form(max_length=300)] = "",
    who: Principal = Page(Permission.CONVERSATION_PAUSE),
) -> Response:  # fmt: skip
    console = console_of(request)
    path = back_to if back_to.startswith("/") and not back_to.startswith("//") else "/inbox"
    return await _act(
        console, path, "conversation.paused" if paused else "conversation.resumed",
        lambda conn: console.actions.pause(conn, who, conversation_id, paused),
    )  # fmt: skip


@router.get("/drafts", response_class=HTMLResponse)
async def drafts(request: Request, who: Principal = Page(Permission.DRAFTS_REVIEW)) -> Response:
    console = console_of(request)
    found = await reads.drafts(console, who, "pending", PAGE_SIZE, 0)
    now = console.clock()
    return render(request, who, "drafts.html", drafts=[views.draft(d, now) for d in found])


@router.post("/drafts/{draft_id}/review")
async def review_draft(
    request: Request, draft_id: str,
    decision: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
    who: Principal = Page(Permission.DRAFTS_REVIEW),
) -> Response:  # fmt: skip
    console = console_of(request)
    return await _act(
        console, "/drafts", "draft.discarded" if decision == "discarded" else "draft.sent",
        lambda conn: console.actions.review_draft(conn, who, draft_id, decision, text or None),
    )  # fmt: skip


@router.get("/callbacks", response_class=HTMLResponse)
async def callbacks(request: Request, who: Principal = Page(Permission.CALLBACKS)) -> Response:
    console = console_of(request)
    found = await reads.callbacks(console, who, "owed", PAGE_SIZE, 0)
    issues = await money_desk.issues(console, who, "open", PAGE_SIZE, 0, "callbacks page")
    now = console.clock()
    spa = console.spa(who.spa_id)
    return render(
        request, who, "callbacks.html", callbacks=[views.callback(c, now) for c in found],
        issues=[views.payment_issue(m, spa) for m in issues],
        resolutions=MONEY_RESOLUTIONS,
    )  # fmt: skip


@router.post("/payment-issues/{issue_id}/resolve")
async def resolve_payment_issue(
    request: Request, issue_id: str, resolution: Annotated[str, Form()] = "",
    who: Principal = Page(Permission.CALLBACKS),
) -> Response:  # fmt: skip
    if resolution not in MONEY_RESOLUTIONS:
        return back("/callbacks", error="money.resolution")
    try:
        await money_desk.resolve(console_of(request), who, issue_id, resolution)
    except Conflict as exc:
        return back("/callbacks", error=str(exc))
    return back("/callbacks", note="money.resolved")


@router.post("/payment-issues/{issue_id}/retry-refund")
async def retry_refund(
    request: Request, issue_id: str, who: Principal = Page(Permission.CALLBACKS)
) -> Response:
    try:
        await money_desk.retry_refund(console_of(request), who, issue_id)
    except NotFound:
        return back("/callbacks", error="money.no_refund")
    except Conflict as exc:
        return back("/callbacks", error=str(exc))
    return back("/callbacks", note="refund.retried")


@router.post("/callbacks/{callback_id}/done")
async def callback_done(
    request: Request, callback_id: str, who: Principal = Page(Permission.CALLBACKS)
) -> Response:
    console = console_of(request)
    return await _act(
        console, "/callbacks", "callback.done",
        lambda conn: console.actions.callback_done(conn, who, callback_id),
    )  # fmt: skip


@router.get("/events")
async def page_events(request: Request, who: Principal = Page(Permission.INBOX_READ)) -> Response:
    """The live feed for the pages: the same stream as /v1/stream, on the session cookie."""
    return await api_stream(request, who)
