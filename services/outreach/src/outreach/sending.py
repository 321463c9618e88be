"""Every message and call outreach starts passes through here, and through the rules.

A claimed batch reads what the rules need once (the sending numbers' counts for the
day, opt-outs, each patient's recent outreach), then each send is decided by
`domain.rules.decide` and, when it may go, written as a command to telephony plus
`outreach.sent`, in the batch's transaction.

The daily cap per number stays exact across replicas without making them take turns:
a batch reads the day's count unlocked and adds its own sends at the end, under the
row's lock until commit. If that sum passes the cap (another replica sent meanwhile,
near the cap), the batch is undone (CapContention) and run again holding the lock from
the start. Far from the cap, replicas never wait for each other.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import asyncpg

from medspa.commands.v1 import commands_pb2
from medspa.events.v1 import outreach_pb2
from medspa_kit.audit import AuditEntry
from medspa_kit.crypto import FieldCipher
from medspa_kit.crypto import Purpose as Sealing
from medspa_kit.envelope import Envelope
from outreach.adapters.batched import Rows, SendRow, write
from outreach.adapters.jobs import JobRow, phone_index
from outreach.domain.model import Channel, Expects, Purpose
from outreach.domain.rules import Attempt, Decision, Defer, Limits, Send, Skip, decide
from outreach.domain.texts import leaks
from outreach.ports import Contact
from spa_config import SpaConfig

log = logging.getLogger(__name__)
SOURCE = "outreach"


class CapContention(Exception):
    """Replicas together would pass a number's daily cap: run the batch again, locked."""


@dataclass(frozen=True)
class Outgoing:
    """One text (or call, whose body is the spoken script) about to go to one patient."""

    job: JobRow
    spa: SpaConfig
    purpose: Purpose
    channel: Channel
    phone: str = field(repr=False)
    body: str = field(repr=False)
    # Distinguishes several sends of one job (an offer's answer and its notices).
    part: str = ""
    patient_id: str = ""
    contact: Contact | None = None
    marketing_consent: bool = False
    expects: Expects = Expects.NOTHING
    offer_id: str = ""
    choices: int = 0
    conversation_id: str = ""

    @property
    def command_id(self) -> str:
        return f"{self.job.key}{':' + self.part if self.part else ''}"


def sender_number(spa: SpaConfig) -> str:
    # Telephony sends every text from the spa's first number.
    number: str = spa.phone_numbers[0]
    return number


class SendBatch:
    def __init__(
        self,
        conn: asyncpg.Connection,
        cipher: FieldCipher,
        namespace: str,
        limits: Limits,
        now: datetime,
        *,
        locked: bool = False,
    ) -> None:
        self._conn = conn
        self._locked = locked
        self._cipher = cipher
        self._namespace = namespace
        self._limits = limits
        self._now = now
        self._counts: dict[tuple[str, date], int] = {}
        self._added: dict[tuple[str, date], int] = defaultdict(int)
        self._opted_out: dict[tuple[str, bytes], bool] = {}
        self._recent: dict[tuple[str, bytes], list[datetime]] = defaultdict(list)
        # What each queued send added to the counts, so a job rolled back to its
        # savepoint can take its sends back out.
        self._log: list[tuple[tuple[str, date], tuple[str, bytes] | None]] = []
        # Written once, when the batch is done (see adapters/batched.py).
        self._rows = Rows(self._namespace)
        self.sent = 0

    async def prepare(self, spas: list[SpaConfig], phones: list[tuple[str, str]]) -> None:
        """Read the sending numbers' day counts (locked, in a fixed order so replicas
        never deadlock, when running locked) and the opt-outs and recent outreach of the
        batch's patients."""
        days = sorted({(sender_number(s), self._day(s)) for s in spas})
        for sender, day in days:
            await self._conn.execute(
                "INSERT INTO number_days (sender, day) VALUES ($1, $2)"
                " ON CONFLICT (sender, day) DO NOTHING",
                sender,
                day,
            )
            # A statement of its own, so it sees the row even if another replica made it.
            self._counts[(sender, day)] = await self._conn.fetchval(
                _LOCK_DAY if self._locked else _READ_DAY, sender, day
            )
        by_spa: dict[str, set[bytes]] = defaultdict(set)
        for spa_id, phone in phones:
            by_spa[spa_id].add(phone_index(self._cipher, phone))
        for spa_id, indexes in by_spa.items():
            await self._load(spa_id, list(indexes))

    async def check(self, out: Outgoing) -> Decision:
        """What the rules would decide, without sending or reporting anything: lets a job
        stop before costly work (finding slots) for a patient it may not text."""
        attempt, _, _ = await self._attempt(out)
        return decide(attempt, self._limits)

    async def deliver(self, out: Outgoing) -> Decision:
        """Decide by the rules; when the send may go, queue it in this transaction."""
        attempt, index, sender = await self._attempt(out)
        decision = decide(attempt, self._limits)
        if isinstance(decision, Send):
            await self._queue(out, index, sender)
        elif isinstance(decision, Skip):
            await self.skipped(out.job, decision.reason, out.patient_id)
        elif isinstance(decision, Defer):
            log.info(
                "send deferred",
                extra={"job_id": out.job.id, "kind": out.job.kind.value, "reason": decision.reason},
            )
        return decision

    async def _attempt(self, out: Outgoing) -> tuple[Attempt, bytes, str]:
        index = phone_index(self._cipher, out.phone) if out.phone else b""
        if out.phone and (out.spa.id, index) not in self._opted_out:
            await self._load(out.spa.id, [index])
        sender = sender_number(out.spa)
        local_tz = out.contact.time_zone if out.contact and out.contact.time_zone else None
        attempt = Attempt(
            now=self._now,
            purpose=out.purpose,
            channel=out.channel,
            has_phone=bool(out.phone),
            opted_out=self._opted_out.get((out.spa.id, index), False),
            marketing_consent=out.marketing_consent,
            leaks=leaks(out.body, [*out.spa.phone_numbers, out.spa.front_desk_phone]),
            expires_at=out.job.expires_at,
            local_tz=local_tz or out.spa.tz,
            spa_tz=out.spa.tz,
            quiet=out.spa.policies.quiet_hours,
            recent_sends=tuple(self._recent[(out.spa.id, index)]),
            sent_today_from_number=self._counts.get((sender, self._day(out.spa)), 0),
        )
        return attempt, index, sender

    async def skipped(self, job: JobRow, reason: str, patient_id: str = "") -> None:
        event = outreach_pb2.OutreachSkipped(
            spa_id=job.spa_id,
            job_id=str(job.id),
            kind=job.kind.value,
            reason=reason,
            patient_id=patient_id or job.patient_id,
            appointment_id=job.appointment_id,
        )
        envelope = Envelope.wrap(job.spa_id, event, SOURCE, event_id=f"skipped:{job.key}:{reason}")
        self._rows.event(envelope)
        log.info("send skipped", extra={"job_id": job.id, "kind": job.kind.value, "reason": reason})

    async def flush(self) -> None:
        """Write the batch's commands, events, sends and audit rows, and add its sends to
        the numbers' day counts."""
        for (sender, day), added in sorted(self._added.items()):
            if not added:
                continue
            total = await self._conn.fetchval(
                "UPDATE number_days SET sent = sent + $3 WHERE sender = $1 AND day = $2"
                " RETURNING sent",
                sender,
                day,
                added,
            )
            if not self._locked and total > self._limits.number_daily_cap:
                raise CapContention(sender)
        await write(self._conn, self._rows)

    async def _queue(self, out: Outgoing, index: bytes, sender: str) -> None:
        job, spa, command_id = out.job, out.spa, out.command_id
        to_phone = self._cipher.seal(out.phone, Sealing.PHONE)
        why = f"outreach {job.kind.value} ({out.purpose.value})"
        command: commands_pb2.SendMessage | commands_pb2.PlaceCall
        if out.channel is Channel.SMS:
            command = commands_pb2.SendMessage(
                spa_id=spa.id,
                command_id=command_id,
                to_phone=to_phone,
                body=self._cipher.seal(out.body, Sealing.SMS_BODY),
                conversation_id=out.conversation_id,
                purpose=why,
            )
        else:
            command = commands_pb2.PlaceCall(
                spa_id=spa.id,
                command_id=command_id,
                to_phone=to_phone,
                script=out.body,
                conversation_id=out.conversation_id,
                purpose=why,
            )
        self._rows.event(Envelope.wrap(spa.id, command, SOURCE, event_id=command_id))
        sent = outreach_pb2.OutreachSent(
            spa_id=spa.id,
            job_id=str(job.id),
            kind=job.kind.value,
            appointment_id=job.appointment_id,
            command_id=command_id,
            patient_id=out.patient_id,
            to_phone=to_phone,
            channel=out.channel.value,
            expects_reply=out.expects.value,
            offer_id=out.offer_id,
            choices=out.choices,
            service_id=job.service_id,
        )
        sent.sent_at.FromDatetime(self._now)
        if job.triggered_at is not None:
            sent.triggered_at.FromDatetime(job.triggered_at)
        self._rows.event(Envelope.wrap(spa.id, sent, SOURCE, event_id=f"sent:{command_id}"))
        self._rows.sends.append(
            SendRow(
                command_id=command_id,
                job_id=job.id,
                spa_id=spa.id,
                kind=job.kind.value,
                purpose=out.purpose.value,
                channel=out.channel.value,
                sender=sender,
                patient_id=out.patient_id,
                phone_index=index,
                appointment_id=job.appointment_id,
                offer_id=out.offer_id,
                triggered_at=job.triggered_at,
                queued_at=self._now,
            )
        )
        self._rows.audits.append(
            AuditEntry(
                spa_id=spa.id,
                actor=SOURCE,
                action=f"send_{out.channel.value}",
                subject_type="patient" if out.patient_id else "phone",
                subject_id=out.patient_id or command_id,
                fields=("phone",),
                purpose=why,
            )
        )
        day_key = (sender, self._day(spa))
        self._counts[day_key] = self._counts.get(day_key, 0) + 1
        self._added[day_key] += 1
        patient_key = None
        if out.purpose is not Purpose.RESPONSE:
            patient_key = (spa.id, index)
            self._recent[patient_key].append(self._now)
        self._log.append((day_key, patient_key))
        self.sent += 1

    def mark(self) -> tuple[int, tuple[int, int, int]]:
        return len(self._log), self._rows.mark()

    def undo(self, mark: tuple[int, tuple[int, int, int]]) -> None:
        """Forget what was queued since `mark` (its job failed and was rolled back)."""
        self._rows.undo(mark[1])
        while len(self._log) > mark[0]:
            day_key, patient_key = self._log.pop()
            self._counts[day_key] -= 1
            self._added[day_key] -= 1
            if patient_key is not None:
                self._recent[patient_key].pop()
            self.sent -= 1

    async def _load(self, spa_id: str, indexes: list[bytes]) -> None:
        since = self._now - self._limits.patient_window
        for index in indexes:
            self._opted_out.setdefault((spa_id, index), False)
        rows = await self._conn.fetch(
            "SELECT phone_index FROM optouts WHERE spa_id = $1 AND phone_index = ANY($2::bytea[])"
            " AND opted_out",
            spa_id,
            indexes,
        )
        for row in rows:
            self._opted_out[(spa_id, bytes(row["phone_index"]))] = True
        recent = await self._conn.fetch(
            "SELECT phone_index, queued_at FROM sends WHERE spa_id = $1"
            " AND phone_index = ANY($2::bytea[]) AND queued_at > $3 AND purpose <> 'response'",
            spa_id,
            indexes,
            since,
        )
        for row in recent:
            self._recent[(spa_id, bytes(row["phone_index"]))].append(row["queued_at"])

    def _day(self, spa: SpaConfig) -> date:
        return self._now.astimezone(spa.tz).date()


_READ_DAY = "SELECT sent FROM number_days WHERE sender = $1 AND day = $2"
_LOCK_DAY = _READ_DAY + " FOR UPDATE"
