"""JetStream streams, declared in code and idempotently at every start.

Events: limits retention (every consumer reads them) with a duplicate window.
Commands: a work queue (each command is taken by exactly one replica).
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

DUPLICATE_WINDOW_S = 600.0
EVENT_MAX_AGE_S = 14 * 24 * 3600.0


@dataclass(frozen=True)
class StreamNames:
    events: str
    commands: str


def stream_names(namespace: str) -> StreamNames:
    root = namespace.upper().replace("-", "_")
    return StreamNames(events=f"{root}_EVENTS", commands=f"{root}_COMMANDS")


def stream_configs(namespace: str, replicas: int = 1) -> list[StreamConfig]:
    names = stream_names(namespace)
    return [
        StreamConfig(
            name=names.events,
            subjects=[f"{namespace}.evt.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=EVENT_MAX_AGE_S,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=names.commands,
            subjects=[f"{namespace}.cmd.>"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=replicas,
        ),
    ]


async def ensure_streams(js: JetStreamContext, namespace: str, replicas: int = 1) -> None:
    for config in stream_configs(namespace, replicas):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            try:
                await js.add_stream(config)
                continue
            except BadRequestError:
                pass  # another replica created it first: fall through to update
        await js.update_stream(config)


async def delete_streams(js: JetStreamContext, namespace: str) -> None:
    names = stream_names(namespace)
    for name in (names.events, names.commands):
        try:
            await js.delete_stream(name)
        except NotFoundError:
            pass
