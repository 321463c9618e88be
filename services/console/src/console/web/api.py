"""/v1/: the inbox, conversations, drafts, callbacks and alerts as JSON, for scripts and services.

Bearer tokens or a session cookie (with its CSRF header for changes); paginated with
limit and offset; every read of protected data audited (console.reads).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request

from console import money_desk, reads
from console.auth.principal import Principal
from console.domain.roles import Permission
from console.web import schemas, views
from console.web.context import console_of
from console.web.security import Api

router = APIRouter(prefix="/v1", tags=["inbox"])
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Phone = Annotated[str | None, Query(pattern=schemas.PHONE_PATTERN)]
PathId = Annotated[str, Path(pattern=schemas.ID_PATTERN)]
HandoffStatus = Literal["open", "claimed", "resolved", "active", "all"]
STATUSES = {
    "open": ["open"],
    "claimed": ["claimed"],
    "resolved": ["resolved"],
    "active": ["open", "claimed"],
    "all": ["open", "claimed", "resolved"],
}


@router.get("/handoffs", response_model=schemas.Page[schemas.Handoff])
async def list_handoffs(
    request: Request,
    status: HandoffStatus = "active",
    phone: Phone = None,
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.INBOX_READ),
) -> schemas.Page[schemas.Handoff]:
    """Handoffs by priority, then by how long they have waited."""
    console = console_of(request)
    found = await reads.handoffs(console, who, STATUSES[status], phone, limit, offset, "api")
    now = console.clock()
    return schemas.page([views.handoff(h, now) for h in found], limit, offset)


@router.get("/handoffs/{handoff_id}", response_model=schemas.HandoffDetail)
async def get_handoff(
    request: Request, handoff_id: PathId, who: Principal = Api(Permission.INBOX_READ)
) -> schemas.HandoffDetail:
    console = console_of(request)
    found = await reads.handoff(console, who, handoff_id)
    if found is None:
        raise HTTPException(404)
    conversation = (
        views.conversation_detail(found.conversation, found.turns) if found.conversation else None
    )
    body = views.handoff(found.handoff, console.clock()).model_dump()
    return schemas.HandoffDetail(**body, conversation=conversation)


@router.post("/handoffs/{handoff_id}/claim", status_code=204)
async def claim(
    request: Request, handoff_id: PathId, who: Principal = Api(Permission.INBOX_ACT)
) -> None:
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        await console.actions.claim(conn, who, handoff_id)


@router.post("/handoffs/{handoff_id}/reply", response_model=schemas.SentOut)
async def reply_to_handoff(
    request: Request, handoff_id: PathId, body: schemas.ReplyIn,
    who: Principal = Api(Permission.INBOX_ACT),
) -> schemas.SentOut:  # fmt: skip
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        found = await console.inbox.handoff(conn, who.spa_id, handoff_id)
        if found is None:
            raise HTTPException(404)
        command_id = await console.actions.reply(
            conn, who, found.conversation_id, body.text, phone=found.phone or None
        )
    return schemas.SentOut(command_id=command_id)


@router.post("/handoffs/{handoff_id}/call", response_model=schemas.CallBackOut)
async def call_back(
    request: Request, handoff_id: PathId, who: Principal = Api(Permission.INBOX_ACT)
) -> schemas.CallBackOut:
    """Staff call the patient now: the number to dial; the handoff's clock stops."""
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        phone = await console.actions.call_back(conn, who, handoff_id)
    return schemas.CallBackOut(phone=phone)


@router.post("/handoffs/{handoff_id}/resolve", status_code=204)
async def resolve(
    request: Request, handoff_id: PathId, body: schemas.ResolveIn,
    who: Principal = Api(Permission.INBOX_ACT),
) -> None:  # fmt: skip
    """Close the handoff; `hand_back` returns the conversation to the assistant."""
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        await console.actions.resolve(conn, who, handoff_id, body.resolution, body.hand_back)


@router.get("/conversations", response_model=schemas.Page[schemas.Conversation])
async def list_conversations(
    request: Request,
    phone: Phone = None,
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.CONVERSATION_READ),
) -> schemas.Page[schemas.Conversation]:
    console = console_of(request)
    found = await reads.conversations(console, who, phone, limit, offset, "api")
    return schemas.page([views.conversation(c) for c in found], limit, offset)


@router.get("/conversations/{conversation_id}", response_model=schemas.ConversationDetail)
async def get_conversation(
    request: Request, conversation_id: PathId, who: Principal = Api(Permission.CONVERSATION_READ)
) -> schemas.ConversationDetail:
    found = await reads.conversation(console_of(request), who, conversation_id, "api")
    if found is None:
        raise HTTPException(404)
    return views.conversation_detail(*found)


@router.post("/conversations/{conversation_id}/reply", response_model=schemas.SentOut)
async def reply(
    request: Request, conversation_id: PathId, body: schemas.ReplyIn,
    who: Principal = Api(Permission.INBOX_ACT),
) -> schemas.SentOut:  # fmt: skip
    """Text the patient; a conversation with no handoff is paused so the assistant stays quiet."""
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        command_id = await console.actions.reply(conn, who, conversation_id, body.text)
    return schemas.SentOut(command_id=command_id)


@router.post("/conversations/{conversation_id}/pause", status_code=204)
async def pause(
    request: Request, conversation_id: PathId, body: schemas.PauseIn,
    who: Principal = Api(Permission.CONVERSATION_PAUSE),
) -> None:  # fmt: skip
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        await console.actions.pause(conn, who, conversation_id, body.paused)


@router.get("/drafts", response_model=schemas.Page[schemas.Draft])
async def list_drafts(
    request: Request,
    status: Literal["pending", "approved", "edited", "discarded"] = "pending",
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.DRAFTS_REVIEW),
) -> schemas.Page[schemas.Draft]:
    console = console_of(request)
    found = await reads.drafts(console, who, status, limit, offset)
    now = console.clock()
    return schemas.page([views.draft(d, now) for d in found], limit, offset)


@router.post("/drafts/{draft_id}/review", response_model=schemas.SentOut)
async def review_draft(
    request: Request, draft_id: PathId, body: schemas.DraftReviewIn,
    who: Principal = Api(Permission.DRAFTS_REVIEW),
) -> schemas.SentOut:  # fmt: skip
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        command_id = await console.actions.review_draft(
            conn, who, draft_id, body.decision, body.text
        )
    return schemas.SentOut(command_id=command_id)


@router.get("/callbacks", response_model=schemas.Page[schemas.Callback])
async def list_callbacks(
    request: Request,
    status: Literal["owed", "done"] = "owed",
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.CALLBACKS),
) -> schemas.Page[schemas.Callback]:
    console = console_of(request)
    found = await reads.callbacks(console, who, status, limit, offset)
    now = console.clock()
    return schemas.page([views.callback(c, now) for c in found], limit, offset)


@router.post("/callbacks/{callback_id}/done", status_code=204)
async def callback_done(
    request: Request, callback_id: PathId, who: Principal = Api(Permission.CALLBACKS)
) -> None:
    console = console_of(request)
    async with console.db() as conn, conn.transaction():
        await console.actions.callback_done(conn, who, callback_id)


PaymentIssueStatus = Literal["open", "resolved", "all"]


@router.get("/payment-issues", response_model=schemas.Page[schemas.PaymentIssue])
async def list_payment_issues(
    request: Request,
    status: PaymentIssueStatus = "open",
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.CALLBACKS),
) -> schemas.Page[schemas.PaymentIssue]:
    """Refunds that did not reach the patient and no-show fees owed, oldest first, with the
    appointment and the patient's phone (each one shown is audited)."""
    console = console_of(request)
    found = await money_desk.issues(
        console, who, None if status == "all" else status, limit, offset, "payment issues api"
    )
    spa = console.spa(who.spa_id)
    return schemas.page([views.payment_issue(m, spa) for m in found], limit, offset)


@router.post(
    "/payment-issues/{issue_id}/resolve", status_code=204,
    responses={404: {"description": "no such issue"}, 409: {"description": "already resolved"}},
)  # fmt: skip
async def resolve_payment_issue(
    request: Request, issue_id: PathId, body: schemas.PaymentIssueResolveIn,
    who: Principal = Api(Permission.CALLBACKS),
) -> None:  # fmt: skip
    await money_desk.resolve(console_of(request), who, issue_id, body.resolution)


@router.post(
    "/payment-issues/{issue_id}/retry-refund", status_code=204,
    responses={404: {"description": "no such refund failure"},
               409: {"description": "already resolved"}},
)  # fmt: skip
async def retry_refund(
    request: Request, issue_id: PathId, who: Principal = Api(Permission.CALLBACKS)
) -> None:
    """Ask payments to refund again (a `refund.retry` command); the task closes as
    `refund_retried`, and a refund that fails again comes back as a new one."""
    await money_desk.retry_refund(console_of(request), who, issue_id)


@router.get("/alerts", response_model=schemas.Page[schemas.Alert])
async def list_alerts(
    request: Request,
    open_only: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
    who: Principal = Api(Permission.ALERTS),
) -> schemas.Page[schemas.Alert]:
    """Deadlines that passed unanswered (ids and kinds only)."""
    console = console_of(request)
    async with console.db() as conn:
        found = await console.inbox.alerts(
            conn, who.spa_id, open_only=open_only, limit=limit, offset=offset
        )
    return schemas.page([views.alert(a) for a in found], limit, offset)


@router.post("/alerts/{alert_id}/ack", status_code=204)
async def acknowledge(
    request: Request, alert_id: Annotated[int, Path(ge=1, le=2**62)],
    who: Principal = Api(Permission.ALERTS),
) -> None:  # fmt: skip
    console = console_of(request)
    async with console.db() as conn:
        if not await console.inbox.acknowledge(
            conn, who.spa_id, alert_id, who.staff_id, console.clock()
        ):
            raise HTTPException(404)
