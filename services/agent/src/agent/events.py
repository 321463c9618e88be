"""The events and commands the agent owes, written to the outbox in the caller's transaction.

Ids are derived from what triggered them (the inbound event, the call turn), so
a redelivered trigger writes the same ids and JetStream keeps one of each.
Protected words (replies, summaries, captured fields, intake answers) are sealed.
"""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from agent.adapters.store import TurnRecord
from agent.domain.guards import Priority
from agent.domain.outreach import Answer, Answered
from agent.domain.speech import Channel
from agent.engine import HandoffNote, IntakeNote, PolicyNote
from medspa.commands.v1 import commands_pb2
from medspa.common.v1 import common_pb2
from medspa.events.v1 import conversation_pb2, deposit_pb2, outreach_pb2
from medspa_kit import outbox
from medspa_kit.crypto import FieldCipher, Purpose
from medspa_kit.envelope import Envelope

SOURCE = "agent"
CHANNELS = {Channel.SMS: common_pb2.CHANNEL_SMS, Channel.VOICE: common_pb2.CHANNEL_VOICE}
CHANNEL_NAMES = {
    "sms": common_pb2.CHANNEL_SMS,
    "voice": common_pb2.CHANNEL_VOICE,
    "console": common_pb2.CHANNEL_CONSOLE,
}
AUTHORS = {
    "patient": conversation_pb2.TURN_AUTHOR_PATIENT,
    "agent": conversation_pb2.TURN_AUTHOR_AGENT,
    "staff": conversation_pb2.TURN_AUTHOR_STAFF,
}
ANSWERS = {
    Answer.CONFIRM: outreach_pb2.REPLY_ANSWER_CONFIRM,
    Answer.RESCHEDULE: outreach_pb2.REPLY_ANSWER_RESCHEDULE,
    Answer.ACCEPT: outreach_pb2.REPLY_ANSWER_ACCEPT,
    Answer.DECLINE: outreach_pb2.REPLY_ANSWER_DECLINE,
    Answer.CHOOSE: outreach_pb2.REPLY_ANSWER_CHOOSE,
}
PRIORITIES = {
    Priority.NORMAL: conversation_pb2.HANDOFF_PRIORITY_NORMAL,
    Priority.HIGH: conversation_pb2.HANDOFF_PRIORITY_HIGH,
    Priority.URGENT: conversation_pb2.HANDOFF_PRIORITY_URGENT,
}
INTAKE = "agent.intake_answers"
CAPTURED = "agent.captured_fields"


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


class Events:
    def __init__(self, cipher: FieldCipher, namespace: str) -> None:
        self._cipher = cipher
        self._namespace = namespace

    async def _record(
        self, conn: asyncpg.Connection, spa_id: str, message: Message, event_id: str
    ) -> None:
        await outbox.record(
            conn, Envelope.wrap(spa_id, message, SOURCE, event_id=event_id), self._namespace
        )

    async def text(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        body: str,
        command_id: str,
        purpose: str = "reply",
    ) -> None:
        await self.sealed_text(
            conn, spa_id, conversation_id, phone,
            self._cipher.seal(body, Purpose.SMS_BODY), command_id, purpose,
        )  # fmt: skip

    async def sealed_text(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        body: common_pb2.Sealed,
        command_id: str,
        purpose: str,
    ) -> None:
        command = commands_pb2.SendMessage(
            spa_id=spa_id,
            command_id=command_id,
            to_phone=self._cipher.seal(phone, Purpose.PHONE),
            body=body,
            conversation_id=conversation_id,
            purpose=purpose,
        )
        await self._record(conn, spa_id, command, command_id)

    async def intent(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        intent: str,
        service_id: str | None,
        channel: Channel,
        event_id: str,
    ) -> None:
        message = conversation_pb2.IntentDetected(
            spa_id=spa_id,
            conversation_id=conversation_id,
            intent=intent,
            service_id=service_id or "",
            channel=CHANNELS[channel],
        )
        await self._record(conn, spa_id, message, event_id)

    async def handoff(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        note: HandoffNote,
        channel: Channel,
        now: datetime,
        transcript_ref: str,
    ) -> None:
        message = conversation_pb2.HandoffRequested(
            spa_id=spa_id,
            conversation_id=conversation_id,
            handoff_id=note.handoff_id,
            reason=note.reason,
            priority=PRIORITIES[note.priority],
            summary=self._cipher.seal(note.summary, Purpose.SUMMARY),
            patient_phone=self._cipher.seal(phone, Purpose.PHONE),
            channel=CHANNELS[channel],
            requested_at=_stamp(now),
            captured=self._cipher.seal(json.dumps(note.captured), CAPTURED),
            transcript_ref=transcript_ref,
            assigned_role=note.assigned_role,
            respond_within_minutes=note.respond_within_minutes,
        )
        await self._record(conn, spa_id, message, f"handoff-{note.handoff_id}")

    async def intake(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        note: IntakeNote,
        event_id: str,
    ) -> None:
        message = conversation_pb2.IntakeCompleted(
            spa_id=spa_id,
            conversation_id=conversation_id,
            appointment_id=note.appointment_id,
            answers=self._cipher.seal(json.dumps(note.answers), INTAKE),
            needs_review=note.needs_review,
            service_id=note.service_id,
        )
        await self._record(conn, spa_id, message, event_id)

    async def policy_told(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        note: PolicyNote,
        event_id: str,
    ) -> None:
        answer = (
            deposit_pb2.POLICY_ANSWER_ACCEPTED
            if note.accepted
            else deposit_pb2.POLICY_ANSWER_DECLINED
        )
        message = deposit_pb2.CancellationPolicyTold(
            spa_id=spa_id,
            conversation_id=conversation_id,
            appointment_id=note.appointment_id,
            patient_id=note.patient_id,
            policy_version=note.version,
            policy_text=note.told.text,
            channel=CHANNELS[Channel(note.told.channel)],
            told_at=_stamp(note.told.at),
            answer=answer,
            answered_at=_stamp(note.answered_at),
            answer_text=self._cipher.seal(note.answer_text, Purpose.SMS_BODY),
            message_ref=note.told.message_ref,
            patient_phone=self._cipher.seal(phone, Purpose.PHONE),
        )
        await self._record(conn, spa_id, message, event_id)

    async def draft(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        text: str,
        channel: Channel,
        intent: str,
        drafted_at: datetime,
        event_id: str,
    ) -> None:
        message = conversation_pb2.ReplyDrafted(
            spa_id=spa_id,
            conversation_id=conversation_id,
            draft=self._cipher.seal(text, Purpose.SMS_BODY),
            channel=CHANNELS[channel],
            intent=intent,
            patient_phone=self._cipher.seal(phone, Purpose.PHONE),
            drafted_at=_stamp(drafted_at),
        )
        await self._record(conn, spa_id, message, event_id)

    async def turn(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        patient_id: str,
        seq: int,
        turn: TurnRecord,
        at: datetime,
    ) -> None:
        """One recorded turn, for the console's transcript (`turn-<conversation>-<seq>`)."""
        message = conversation_pb2.ConversationTurn(
            spa_id=spa_id,
            conversation_id=conversation_id,
            seq=seq,
            author=AUTHORS[turn.author],
            channel=CHANNEL_NAMES.get(turn.channel, common_pb2.CHANNEL_UNSPECIFIED),
            text=self._cipher.seal(turn.text, Purpose.TRANSCRIPT),
            at=_stamp(at),
            patient_phone=self._cipher.seal(phone, Purpose.PHONE),
            intent=turn.intent or "",
            message_ref=turn.ref,
            draft=turn.draft_id is not None and turn.author == "agent",
            patient_id=patient_id,
        )
        await self._record(conn, spa_id, message, f"turn-{conversation_id}-{seq}")

    async def outreach_replied(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        phone: str,
        answered: Answered,
        reply_id: str,
        replied_at: datetime,
    ) -> None:
        sent = answered.outreach
        message = outreach_pb2.OutreachReplied(
            spa_id=spa_id,
            reply_id=reply_id,
            job_id=sent.job_id,
            offer_id=sent.offer_id,
            appointment_id=sent.appointment_id,
            answer=ANSWERS[answered.answer],
            choice=answered.choice,
            conversation_id=conversation_id,
            from_phone=self._cipher.seal(phone, Purpose.PHONE),
            replied_at=_stamp(replied_at),
        )
        await self._record(conn, spa_id, message, f"replied-{reply_id}")

    async def summarized(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        conversation_id: str,
        summary: str,
        outcome: str,
        turns: int,
    ) -> None:
        message = conversation_pb2.ConversationSummarized(
            spa_id=spa_id,
            conversation_id=conversation_id,
            summary=self._cipher.seal(summary, Purpose.SUMMARY),
            outcome=outcome,
            turns=turns,
        )
        await self._record(conn, spa_id, message, f"summary-{conversation_id}")
