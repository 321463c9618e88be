"""What `ensure_nats` / `ensure_postgres` hand back: where the server is and who stops it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

# existing: a server already answered; process: we started one here; container: testcontainers.
Origin = Literal["existing", "process", "container"]

Stopper = Callable[[], Awaitable[None]]


class InfraError(RuntimeError):
    """A server is neither answering nor startable; the message is one line for the terminal."""


@dataclass(kw_only=True)
class InfraHandle:
    url: str
    origin: Origin
    _stopper: Stopper | None = field(default=None, repr=False)

    @property
    def started(self) -> bool:
        return self.origin != "existing"

    async def stop(self) -> None:
        """Stop the server if we started it; a server we found keeps running. Safe to repeat."""
        stopper, self._stopper = self._stopper, None
        if stopper is not None:
            await stopper()


@dataclass(kw_only=True)
class NatsHandle(InfraHandle):
    """`url` is where clients connect: the one asked for, or a container's mapped port."""


@dataclass(kw_only=True)
class PgHandle(InfraHandle):
    # The `postgres` maintenance database on the same server, for creating and dropping others.
    admin_url: str
