"""Staff work on money payments could not settle: list it (audited), resolve it, retry a refund.

A retry is payments' to make (`POST /internal/deposits/{id}/refund`); the console asks, and
closes its task only once payments accepted. If that refund fails too, payments says
`deposit.refund_failed` again with the next attempt, which is a new task.
"""

from __future__ import annotations

from console.actions import Conflict, NotFound
from console.adapters import live
from console.adapters.audit_trail import viewed
from console.adapters.money import MoneyIssueView, RefundRefused
from console.auth.principal import Principal
from console.web.context import Console

# The phone comes from the patient's conversation; the patient id and appointment name them.
SHOWN = ["phone", "patient_id", "appointment"]


async def issues(
    console: Console, who: Principal, status: str | None, limit: int, offset: int, purpose: str
) -> list[MoneyIssueView]:
    async with console.db() as conn, conn.transaction():
        found = await console.money.issues(conn, who.spa_id, status, limit, offset)
        await viewed(conn, who, "money_issue", [m.id for m in found], SHOWN, purpose)
    return found


async def _close(console: Console, who: Principal, issue_id: str, resolution: str) -> None:
    async with console.db() as conn, conn.transaction():
        before = await console.money.resolve(
            conn, who.spa_id, issue_id, resolution, console.clock(), who.staff_id
        )
        if before is None:
            raise NotFound(issue_id)
        if before != "open":
            raise Conflict("money.already_resolved")
        await viewed(conn, who, "money_issue", [issue_id], ["resolution"], resolution, "resolve")
        await live.announce(conn, who.spa_id, "money", issue_id)


async def resolve(console: Console, who: Principal, issue_id: str, resolution: str) -> None:
    await _close(console, who, issue_id, resolution)


async def retry_refund(console: Console, who: Principal, issue_id: str) -> None:
    """Ask payments to refund again; raises PaymentsUnavailable when it cannot be asked."""
    async with console.db() as conn:
        found = await console.money.issues(conn, who.spa_id, None, 1, 0, issue_id)
    if not found or found[0].kind != "refund_failed":
        raise NotFound(issue_id)
    if found[0].status != "open":
        raise Conflict("money.already_resolved")
    # Outside any transaction: no connection is held while payments talks to Stripe.
    try:
        await console.payments.retry_refund(found[0].deposit_id)
    except RefundRefused:
        raise Conflict("refund.not_retryable") from None
    await _close(console, who, issue_id, "refund_retried")
