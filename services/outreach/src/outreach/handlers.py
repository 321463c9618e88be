"""Event handlers: decode, plan with the domain, write jobs. Thin on purpose.

Each runs in the consumer's transaction with its inbox row, so a redelivered event
changes nothing; the job keys make even a re-published duplicate plan nothing new.
Nothing here waits on the scheduler: work that needs it is a job for the runner.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from medspa.events.v1 import booking_pb2, outreach_pb2, telephony_pb2
from medspa_kit.consumer import Consumer
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope
from outreach.adapters import jobs
from outreach.adapters.jobs import phone_index
from outreach.domain import planning
from outreach.domain.model import JobKind, JobSpec, Visit
from outreach.domain.planning import Timing
from outreach.metrics import MISSED_CALL_CALLBACK_SECONDS
from outreach.ports import Clock
from spa_config import MissedCallCallback, SpaConfig, SpaDirectory, UnknownId, UnknownSpa

log = logging.getLogger(__name__)
_BEFORE_VISIT = (JobKind.REMINDER,)
_ANSWERS = frozenset(outreach_pb2.ReplyAnswer.values())


def _at(stamp: Timestamp) -> datetime:
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


def _visit(booking: booking_pb2.Booking) -> Visit:
    return Visit(
        appointment_id=booking.appointment_id,
        spa_id=booking.spa_id,
        patient_id=booking.patient_id,
        service_id=booking.service_id,
        provider_id=booking.provider_id,
        start=_at(booking.start),
        end=_at(booking.end),
    )


class Handlers:
    def __init__(
        self,
        spas: SpaDirectory,
        cipher: FieldCipher,
        clock: Clock,
        timing: Timing,
        *,
        missed_call_cooldown: timedelta,
    ) -> None:
        self._spas = spas
        self._cipher = cipher
        self._clock = clock
        self._timing = timing
        self._cooldown = missed_call_cooldown

    def register(self, consumer: Consumer) -> None:
        for name, handler in (
            ("booking.held", self.held),
            ("booking.confirmed", self.confirmed),
            ("booking.rescheduled", self.rescheduled),
            ("booking.cancelled", self.ended),
            ("booking.no_show", self.ended),
            ("booking.completed", self.completed),
            ("slot.opened", self.slot_opened),
            ("call.missed", self.call_missed),
            ("optout.changed", self.optout_changed),
            ("message.sent", self.message_sent),
            ("outreach.replied", self.replied),
        ):
            consumer.register("evt", name, handler)

    async def held(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        assert isinstance(event, booking_pb2.BookingHeld)
        await _seen(conn, event.booking, held_at=envelope.time)

    async def confirmed(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        assert isinstance(event, booking_pb2.BookingConfirmed)
        now, visit = self._clock.now(), _visit(event.booking)
        if self._spa(visit.spa_id, envelope) is None:
            return
        await _seen(conn, event.booking, held_at=None)
        # Booked again: the recall for this treatment has done its job.
        await jobs.cancel_recalls(
            conn, visit.spa_id, visit.patient_id, visit.service_id, "already_booked", now
        )
        specs = planning.reminders(visit, now, self._timing)
        specs.append(planning.attribution(visit, envelope.time, event.booking.conversation_id))
        await jobs.add(conn, specs, self._cipher, now)

    async def rescheduled(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """Moved: nothing more is said about the old time. Its reminders are called off
        (those for the new time are planned), and a C or R given for it is forgotten."""
        assert isinstance(event, booking_pb2.BookingRescheduled)
        now, visit = self._clock.now(), _visit(event.booking)
        await jobs.cancel_for_appointment(conn, visit.appointment_id, _BEFORE_VISIT, "moved", now)
        await _seen(conn, event.booking, held_at=None)
        await conn.execute(
            "UPDATE bookings SET start_at = $2, patient_confirmed_at = NULL,"
            " confirmed_start = NULL, reschedule_asked_at = NULL, reschedule_start = NULL"
            " WHERE appointment_id = $1",
            visit.appointment_id,
            visit.start,
        )
        await jobs.add(conn, planning.reminders(visit, now, self._timing), self._cipher, now)

    async def ended(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        """Cancelled or a no-show: nothing more is owed before the visit."""
        assert isinstance(event, booking_pb2.BookingCancelled | booking_pb2.BookingNoShow)
        appointment_id = event.booking.appointment_id
        reason = "cancelled" if envelope.name == "booking.cancelled" else "no_show"
        await jobs.cancel_for_appointment(
            conn, appointment_id, _BEFORE_VISIT, reason, self._clock.now()
        )
        await _attribution_status(conn, appointment_id, reason)

    async def completed(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        assert isinstance(event, booking_pb2.BookingCompleted)
        now, visit = self._clock.now(), _visit(event.booking)
        spa = self._spa(visit.spa_id, envelope)
        if spa is None:
            return
        await jobs.cancel_for_appointment(conn, visit.appointment_id, _BEFORE_VISIT, "done", now)
        await _attribution_status(conn, visit.appointment_id, "completed")
        try:
            service = spa.service(visit.service_id)
        except UnknownId:
            log.warning("completed visit for a service not on the menu", extra={"spa_id": spa.id})
            return
        await conn.execute(
            "INSERT INTO visits (appointment_id, spa_id, patient_id, service_id, provider_id,"
            " start_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            visit.appointment_id,
            visit.spa_id,
            visit.patient_id,
            visit.service_id,
            visit.provider_id,
            visit.start,
        )
        history = await conn.fetch(
            "SELECT provider_id, start_at FROM visits WHERE spa_id = $1 AND patient_id = $2"
            " AND service_id = $3",
            visit.spa_id,
            visit.patient_id,
            visit.service_id,
        )
        series = planning.series_position(len(history), service.series_sessions)
        usual = planning.usual_provider([(r["provider_id"], r["start_at"]) for r in history])
        # This visit's recall replaces any earlier one still waiting for the same treatment.
        await jobs.cancel_recalls(
            conn, visit.spa_id, visit.patient_id, visit.service_id, "visited_again", now
        )
        specs = planning.aftercare(visit, service, spa.tz, self._timing)
        follow_up = planning.recall(visit, service, series, usual, spa.tz, self._timing)
        if follow_up is not None:
            specs.append(follow_up)
        await jobs.add(conn, specs, self._cipher, now)

    async def slot_opened(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, booking_pb2.SlotOpened)
        now = self._clock.now()
        spec = planning.slot_opened(
            event.spa_id,
            envelope.id,
            event.service_id,
            event.provider_id,
            _at(event.start),
            _at(event.end),
            now,
        )
        if spec is not None:
            await jobs.add(conn, [spec], self._cipher, now)

    async def call_missed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, telephony_pb2.CallMissed)
        spa = self._spa(event.spa_id, envelope)
        if spa is None:
            return
        callback = spa.policies.missed_call_callback
        if callback is MissedCallCallback.OFF:
            log.info(
                "missed call: the spa sends no callback",
                extra={"spa_id": spa.id, "call_sid": event.call_sid},
            )
            return
        now = self._clock.now()
        phone = self._cipher.open(event.from_phone, Purpose.PHONE)
        missed_at = _at(event.missed_at) if event.HasField("missed_at") else envelope.time
        # Three quick tries from one caller get one text, not three.
        since = missed_at - self._cooldown
        if await jobs.missed_call_texted_since(
            conn, event.spa_id, phone_index(self._cipher, phone), since
        ):
            log.info("missed call already answered recently", extra={"call_sid": event.call_sid})
            return
        specs = planning.missed_call(
            event.spa_id,
            event.call_sid,
            phone,
            missed_at,
            now,
            callback=callback,
            timing=self._timing,
        )
        await jobs.add(conn, specs, self._cipher, now)

    async def optout_changed(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        assert isinstance(event, telephony_pb2.OptoutChanged)
        phone = self._cipher.open(event.phone, Purpose.PHONE)
        changed_at = _at(event.changed_at) if event.HasField("changed_at") else envelope.time
        # Only a newer change wins, so events arriving out of order cannot undo a STOP.
        await conn.execute(
            "INSERT INTO optouts (spa_id, phone_index, opted_out, changed_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (spa_id, phone_index) DO UPDATE"
            " SET opted_out = EXCLUDED.opted_out, changed_at = EXCLUDED.changed_at"
            " WHERE optouts.changed_at <= EXCLUDED.changed_at",
            event.spa_id,
            phone_index(self._cipher, phone),
            event.opted_out,
            changed_at,
        )

    async def message_sent(
        self, conn: asyncpg.Connection, envelope: Envelope, event: Message
    ) -> None:
        """Twilio took one of our texts: the callback clock stops here."""
        assert isinstance(event, telephony_pb2.MessageSent)
        sent_at = _at(event.sent_at) if event.HasField("sent_at") else envelope.time
        row = await conn.fetchrow(
            "UPDATE sends SET accepted_at = $2 WHERE command_id = $1 AND accepted_at IS NULL"
            " RETURNING kind, triggered_at",
            event.command_id,
            sent_at,
        )
        if row is not None and row["kind"] == JobKind.MISSED_CALL_TEXT and row["triggered_at"]:
            seconds = (sent_at - row["triggered_at"]).total_seconds()
            MISSED_CALL_CALLBACK_SECONDS.observe(max(0.0, seconds))

    async def replied(self, conn: asyncpg.Connection, envelope: Envelope, event: Message) -> None:
        """A patient answered something outreach sent (the agent read the text and says
        what it means). One reply is acted on once, whatever envelope it comes in."""
        assert isinstance(event, outreach_pb2.OutreachReplied)
        now = self._clock.now()
        reply_id = event.reply_id or envelope.id
        answer = event.answer
        if not await _first_time(conn, event.spa_id, reply_id, answer, now):
            log.info(
                "reply already acted on",
                extra={"spa_id": event.spa_id, "reply_id": reply_id, "answer": answer},
            )
            return
        replied_at = _at(event.replied_at) if event.HasField("replied_at") else envelope.time
        if answer == outreach_pb2.REPLY_ANSWER_CONFIRM:
            await _answered(conn, event, "confirm", replied_at)
        elif answer == outreach_pb2.REPLY_ANSWER_RESCHEDULE:
            # The agent runs the reschedule. The visit stands until booking.rescheduled
            # (or cancelled) says otherwise, so its reminders stay, told not to ask again.
            await _answered(conn, event, "reschedule", replied_at)
        elif answer in (outreach_pb2.REPLY_ANSWER_ACCEPT, outreach_pb2.REPLY_ANSWER_CHOOSE):
            phone = self._cipher.open(event.from_phone, Purpose.PHONE)
            spec = JobSpec(
                key=f"accept:{event.spa_id}:{reply_id}",
                kind=JobKind.OFFER_ACCEPT,
                spa_id=event.spa_id,
                due_at=now,
                triggered_at=replied_at,
                phone=phone,
                data={
                    "offer_id": event.offer_id,
                    "choice": event.choice if answer == outreach_pb2.REPLY_ANSWER_CHOOSE else 1,
                    "conversation_id": event.conversation_id,
                },
            )
            await jobs.add(conn, [spec], self._cipher, now)
        elif answer == outreach_pb2.REPLY_ANSWER_DECLINE:
            index = phone_index(self._cipher, self._cipher.open(event.from_phone, Purpose.PHONE))
            declined = await conn.fetchval(
                "UPDATE offer_recipients r SET state = 'declined' FROM sends s"
                " WHERE r.offer_id = $1 AND s.offer_id = $1 AND s.phone_index = $2"
                " AND r.patient_id = s.patient_id AND r.state = 'sent' RETURNING r.patient_id",
                event.offer_id,
                index,
            )
            # Everyone offered so far said no: the next wave need not wait its turn.
            if declined is not None:
                await jobs.bring_next_wave(conn, event.offer_id, now)
        else:
            log.warning(
                "reply with an answer outreach does not know",
                extra={"spa_id": event.spa_id, "reply_id": reply_id, "answer": answer},
            )

    def _spa(self, spa_id: str, envelope: Envelope) -> SpaConfig | None:
        try:
            return self._spas.get(spa_id)
        except UnknownSpa:
            log.warning(
                "event for a spa this deployment does not serve",
                extra={"spa_id": spa_id, "event": envelope.name, "event_id": envelope.id},
            )
            return None


async def _seen(
    conn: asyncpg.Connection, booking: booking_pb2.Booking, held_at: datetime | None
) -> None:
    # The start is kept as first heard; only booking.rescheduled moves it (a republished
    # booking.confirmed from before a move must not move it back).
    await conn.execute(
        "INSERT INTO bookings (appointment_id, spa_id, patient_id, service_id, conversation_id,"
        " held_at, start_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (appointment_id) DO UPDATE"
        " SET held_at = coalesce(bookings.held_at, EXCLUDED.held_at),"
        " conversation_id = coalesce(nullif(bookings.conversation_id, ''),"
        " EXCLUDED.conversation_id), start_at = coalesce(bookings.start_at, EXCLUDED.start_at)",
        booking.appointment_id,
        booking.spa_id,
        booking.patient_id,
        booking.service_id,
        booking.conversation_id,
        held_at,
        _at(booking.start) if booking.HasField("start") else None,
    )


async def _first_time(
    conn: asyncpg.Connection, spa_id: str, reply_id: str, answer: int, now: datetime
) -> bool:
    """Note the reply as acted on; False when it already was."""
    noted = await conn.fetchval(
        "INSERT INTO replies (spa_id, reply_id, answer, received_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING RETURNING true",
        spa_id,
        reply_id,
        outreach_pb2.ReplyAnswer.Name(answer) if answer in _ANSWERS else str(answer),
        now,
    )
    return bool(noted)


async def _answered(
    conn: asyncpg.Connection, event: outreach_pb2.OutreachReplied, answer: str, at: datetime
) -> None:
    """A C or an R, kept with the start it answers: the reminder's own (by job id) when
    the agent says which reminder it was, else the visit's start as outreach knows it."""
    job_id = int(event.job_id) if event.job_id.isdigit() else None
    start = await conn.fetchval(
        "SELECT coalesce((SELECT to_timestamp((data->>'start')::bigint) FROM jobs"
        " WHERE id = $2 AND appointment_id = $1 AND kind = 'reminder'),"
        " (SELECT start_at FROM bookings WHERE appointment_id = $1))",
        event.appointment_id,
        job_id,
    )
    await conn.execute(
        _CONFIRMED if answer == "confirm" else _RESCHEDULE_ASKED, event.appointment_id, at, start
    )


_CONFIRMED = (
    "UPDATE bookings SET patient_confirmed_at = $2, confirmed_start = $3 WHERE appointment_id = $1"
)
_RESCHEDULE_ASKED = (
    "UPDATE bookings SET reschedule_asked_at = $2, reschedule_start = $3 WHERE appointment_id = $1"
)


async def _attribution_status(conn: asyncpg.Connection, appointment_id: str, status: str) -> None:
    await conn.execute(
        "UPDATE attributions SET status = $2 WHERE appointment_id = $1", appointment_id, status
    )
