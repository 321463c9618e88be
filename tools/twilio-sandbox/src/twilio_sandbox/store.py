"""In-memory record of every message and call, in the order they happened.

A development tool, so memory is enough. Handlers run concurrently on one event loop and a
webhook can re-enter the sandbox while another request awaits, hence the lock. Readers get
copies, so a later status change never mutates a snapshot already being serialized.
"""

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

Direction = Literal["inbound", "outbound-api", "outbound-reply"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class Message:
    sid: str
    account_sid: str
    direction: Direction
    from_: str | None
    to: str
    body: str
    status: str
    num_segments: int
    num_media: int = 0
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    webhook_status: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(init=False)
    sent_at: datetime | None = None

    def __post_init__(self) -> None:
        self.updated_at = self.created_at


@dataclass
class Call:
    sid: str
    account_sid: str
    from_: str
    to: str
    status: str
    url: str | None
    twiml: str | None
    application_sid: str | None
    method: str
    status_callback: str | None
    machine_detection: str | None
    direction: str = "outbound-api"
    answered_by: str | None = None
    duration: int | None = None
    recorded: bool = False
    # What was said on the call, in order: {"speaker": "spa" | "caller" | "whisper" | "twilio", "text"}.
    transcript: list[dict[str, str]] = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.updated_at = self.created_at


# A scripted failure for the next REST create of a resource: an error status, or a delay
# before answering (the request is carried out; only the answer is late).
@dataclass(frozen=True)
class Fault:
    status: int | None = None
    delay: float = 0.0


class Store:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        # Wakes readers waiting for a phone's next message (long polls).
        self._message_added = asyncio.Condition(self._lock)
        # dicts keep insertion order: the order things happened.
        self._messages: dict[str, Message] = {}
        # Each message's place in that order, and each phone's messages: a phone's
        # conversation is read without walking every message the sandbox has seen.
        self._order: dict[str, int] = {}
        self._by_phone: dict[str, list[Message]] = {}
        self._calls: dict[str, Call] = {}
        self._faults: dict[str, list[Fault]] = {}

    async def add_message(self, message: Message) -> Message:
        async with self._lock:
            self._order[message.sid] = len(self._order)
            self._messages[message.sid] = message
            phone = message.from_ if message.direction == "inbound" else message.to
            if phone is not None:
                self._by_phone.setdefault(phone, []).append(message)
            self._message_added.notify_all()
            return replace(message)

    async def get_message(self, sid: str) -> Message | None:
        async with self._lock:
            message = self._messages.get(sid)
            return replace(message) if message else None

    async def set_message_status(
        self, sid: str, status: str, *, webhook_status: int | None = None
    ) -> Message | None:
        """Move a message on; None when it is gone (cleared meanwhile)."""
        async with self._lock:
            message = self._messages.get(sid)
            if message is None:
                return None
            message.status = status
            message.updated_at = utcnow()
            if status == "sent":
                message.sent_at = message.updated_at
            if webhook_status is not None:
                message.webhook_status = webhook_status
            return replace(message)

    async def messages_for(
        self, phone: str | None, after: str | None = None, wait: float = 0.0
    ) -> list[Message]:
        """The patient's view: texts from ``phone`` and texts to it, oldest first.

        ``after`` is a cursor: only messages recorded after that sid. An unknown cursor (the
        store was cleared since) returns everything, since all of it is newer. With ``wait``,
        an empty answer waits up to that many seconds for the next message (a long poll), so
        a reader learns of a reply the moment it lands without asking over and over.
        """
        async with self._lock:
            found = self._after(phone, after)
            if not found and wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._message_added.wait_for(lambda: bool(self._after(phone, after))),
                        wait,
                    )
                found = self._after(phone, after)
            return [replace(m) for m in found]

    def _after(self, phone: str | None, after: str | None) -> list[Message]:
        messages = list(self._messages.values()) if phone is None else self._by_phone.get(phone, [])
        cursor = self._order.get(after) if after is not None else None
        if cursor is None:
            return list(messages)
        # Newest last: walk back only as far as the cursor.
        newer = len(messages)
        while newer > 0 and self._order[messages[newer - 1].sid] > cursor:
            newer -= 1
        return messages[newer:]

    async def clear_messages(self) -> None:
        async with self._lock:
            self._messages.clear()
            self._order.clear()
            self._by_phone.clear()

    async def add_call(self, call: Call) -> Call:
        async with self._lock:
            self._calls[call.sid] = call
            return replace(call)

    async def get_call(self, sid: str) -> Call | None:
        async with self._lock:
            call = self._calls.get(sid)
            return replace(call, transcript=list(call.transcript)) if call else None

    async def calls_for(self, phone: str | None) -> list[Call]:
        async with self._lock:
            return [
                replace(c, transcript=list(c.transcript))
                for c in self._calls.values()
                if phone is None or phone in (c.to, c.from_)
            ]

    async def clear_calls(self) -> None:
        async with self._lock:
            self._calls.clear()

    async def update_call(self, sid: str, **changes: object) -> Call | None:
        async with self._lock:
            call = self._calls.get(sid)
            if call is None:
                return None
            for name, value in changes.items():
                setattr(call, name, value)
            call.updated_at = utcnow()
            return replace(call, transcript=list(call.transcript))

    async def add_faults(self, resource: str, faults: list[Fault]) -> None:
        async with self._lock:
            self._faults.setdefault(resource, []).extend(faults)

    async def next_fault(self, resource: str) -> Fault | None:
        async with self._lock:
            queue = self._faults.get(resource)
            return queue.pop(0) if queue else None

    async def clear_faults(self) -> None:
        async with self._lock:
            self._faults.clear()
