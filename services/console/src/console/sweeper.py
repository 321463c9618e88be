"""Speed to lead: raise an alert when a handoff, a shadow draft or a callback passes its
deadline unanswered, show it on every open console page, and text the spa's manager
when a number is configured.

Each breach is one `alerts` row (unique per subject), inserted with its announcement and
its manager text in one transaction, so however many replicas sweep, staff hear once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import asyncpg

from console import metrics
from console.adapters import live
from console.domain.deadlines import RANK_NAME
from medspa.commands.v1 import commands_pb2
from medspa_kit import outbox
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory, UnknownSpa

log = logging.getLogger(__name__)

BREACHES = (
    "INSERT INTO alerts (spa_id, kind, subject_id, due_at)"
    " SELECT spa_id, 'handoff', id, due_at FROM handoffs WHERE status <> 'resolved'"
    " AND first_response_at IS NULL AND due_at < $1"
    " UNION ALL SELECT spa_id, 'draft', id, due_at FROM drafts WHERE status = 'pending'"
    " AND due_at < $1"
    " UNION ALL SELECT spa_id, 'callback', id, due_at FROM callbacks WHERE status = 'owed'"
    " AND due_at < $1"
    " ON CONFLICT (spa_id, kind, subject_id) DO NOTHING"
    " RETURNING id, spa_id, kind, subject_id"
)
# Every spa's handoffs nobody has claimed yet, for the gauge (a partial index keeps it cheap).
OPEN_HANDOFFS = "SELECT priority, count(*) AS n FROM handoffs WHERE status = 'open' GROUP BY 1"
OPEN_MONEY = "SELECT kind, count(*) AS n FROM money_issues WHERE status = 'open' GROUP BY 1"


class DeadlineSweeper:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cipher: FieldCipher,
        spas: SpaDirectory,
        catalog: Catalog,
        namespace: str,
        clock: Callable[[], datetime],
        every_s: float,
    ) -> None:
        self._pool = pool
        self._cipher = cipher
        self._spas = spas
        self._catalog = catalog
        self._namespace = namespace
        self._clock = clock
        self._every_s = every_s

    async def sweep(self) -> int:
        """Raise every breach not yet raised; returns how many were raised now."""
        async with self._pool.acquire() as conn, conn.transaction():
            raised = await conn.fetch(BREACHES, self._clock())
            for alert in raised:
                await live.announce(conn, alert["spa_id"], "alert", str(alert["id"]))
                await self._text_manager(conn, alert)
        for alert in raised:
            metrics.DEADLINE_BREACHES.labels(alert["kind"]).inc()
        if raised:
            log.warning("deadlines breached", extra={"count": len(raised)})
        return len(raised)

    async def measure(self) -> None:
        """Set the open-handoffs and open-payment-issues gauges from the tables."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(OPEN_HANDOFFS)
            money = await conn.fetch(OPEN_MONEY)
        metrics.open_payment_issues({r["kind"]: r["n"] for r in money})
        counts: dict[str, int] = {}
        for row in rows:
            name = RANK_NAME.get(row["priority"], "normal")
            counts[name] = counts.get(name, 0) + row["n"]
        metrics.open_handoffs(counts)

    async def _text_manager(self, conn: asyncpg.Connection, alert: asyncpg.Record) -> None:
        blob = await conn.fetchval(
            "SELECT manager_phone_enc FROM spa_settings WHERE spa_id = $1", alert["spa_id"]
        )
        if blob is None:
            return
        try:
            spa_name = self._spas.get(alert["spa_id"]).name
        except UnknownSpa:
            spa_name = alert["spa_id"]
        # Logistics only: what kind of thing waits, never who or why.
        body = self._catalog.say(f"alert.sms.{alert['kind']}", spa=spa_name)
        command_id = f"alert-{alert['spa_id']}-{alert['id']}"
        command = commands_pb2.SendMessage(
            spa_id=alert["spa_id"],
            command_id=command_id,
            to_phone=self._cipher.seal(self._cipher.decrypt(blob, Purpose.PHONE), Purpose.PHONE),
            body=self._cipher.seal(body, Purpose.SMS_BODY),
            purpose="staff_alert",
        )
        await outbox.record(
            conn,
            Envelope.wrap(alert["spa_id"], command, "console", event_id=command_id),
            self._namespace,
        )
        await conn.execute("UPDATE alerts SET texted = true WHERE id = $1", alert["id"])

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
                await self.measure()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The database is briefly away: the next sweep raises what this one missed.
                log.warning(
                    "deadline sweep failed, will retry", extra={"error": type(exc).__name__}
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._every_s)
