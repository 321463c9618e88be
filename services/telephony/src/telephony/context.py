"""What the webhooks and handlers share once the service is wired."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from google.protobuf.message import Message

from medspa_kit import outbox
from medspa_kit.catalog import Catalog
from medspa_kit.crypto import FieldCipher
from medspa_kit.envelope import Envelope
from spa_config import SpaDirectory
from telephony.adapters.batching import BatchWriter
from telephony.adapters.calls_store import CallFacts
from telephony.adapters.inbound_texts import RelayedText
from telephony.adapters.optouts_store import OptOuts
from telephony.adapters.voice_agent import VoiceAgent
from telephony.domain.flood import FloodGuard

SOURCE = "telephony"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class VoicePolicy:
    turn_deadline_s: float
    max_fillers: int
    gather_timeout_s: int
    max_misses: int
    min_confidence: float
    transfer_ring_seconds: int
    whisper_accept_seconds: int


@dataclass(frozen=True)
class Edge:
    pool: asyncpg.Pool
    cipher: FieldCipher
    spas: SpaDirectory
    namespace: str
    catalog: Catalog
    voice: VoicePolicy
    agent: VoiceAgent
    optouts: OptOuts
    sms_flood: FloodGuard
    call_flood: FloodGuard
    # Ordinary inbound texts, written many to a statement; True when new, False for a retry.
    inbound_texts: BatchWriter[RelayedText, bool]
    # The calls this replica is serving (see `CallFacts`).
    call_facts: CallFacts = field(default_factory=CallFacts)
    clock: Callable[[], datetime] = field(default=utc_now)

    async def publish(
        self, conn: asyncpg.Connection, spa_id: str, message: Message, event_id: str
    ) -> None:
        """Owe an event, inside the transaction of the change that caused it."""
        envelope = Envelope.wrap(spa_id, message, SOURCE, event_id=event_id)
        await outbox.record(conn, envelope, self.namespace)
