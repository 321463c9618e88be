"""Staff work on money payments could not settle: list it (audited), resolve it, retry a refund.

A retry is payments' to make: the console asks with a `refund.retry` command (through its
outbox, in the transaction that closes the task as `refund_retried`), so a retry is never
lost and never asked twice. If that refund fails too, payments says `deposit.refund_failed`
again with the next attempt, which is a new task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from console.actions import Conflict, NotFound
from console.adapters import live
from console.adapters.audit_trail import viewed
from console.adapters.money import MoneyIssueView
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


async def _close(
    console: Console,
    who: Principal,
    issue_id: str,
    resolution: str,
    then: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> None:
    async with console.db() as conn, conn.transaction():
        before = await console.money.resolve(
            conn, who.spa_id, issue_id, resolution, console.clock(), who.staff_id
        )
        if before is None:
            raise NotFound(issue_id)
        if before != "open":
            raise Conflict("money.already_resolved")
        if then is not None:
            await then(conn)
        await viewed(conn, who, "money_issue", [issue_id], ["resolution"], resolution, "resolve")
        await live.announce(conn, who.spa_id, "money", issue_id)


async def resolve(console: Console, who: Principal, issue_id: str, resolution: str) -> None:
    await _close(console, who, issue_id, resolution)


async def retry_refund(console: Console, who: Principal, issue_id: str) -> None:
    """Ask payments to refund again and close the task, together (a no-show fee owed has
    no refund to retry: NotFound, and nothing changes)."""

    async def ask_payments(conn: asyncpg.Connection) -> None:
        failed = await console.money.failed_refund(conn, who.spa_id, issue_id)
        if failed is None:
            raise NotFound(issue_id)
        await console.actions.ask_refund_again(conn, who, *failed)

    await _close(console, who, issue_id, "refund_retried", ask_payments)
