"""The parts of NATS and PostgreSQL URLs the stack needs to probe, start or create things."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote, unquote, urlsplit

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/medspa"

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_local(host: str) -> bool:
    """Only a server on this machine can be started here."""
    return host in _LOCAL_HOSTS


def bind_address(host: str) -> str:
    return "127.0.0.1" if host == "localhost" else host


@dataclass(frozen=True)
class NatsUrl:
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> NatsUrl:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 4222)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class PgUrl:
    user: str
    password: str | None
    host: str
    port: int
    database: str
    query: str = ""

    @classmethod
    def parse(cls, url: str) -> PgUrl:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
        user = unquote(parts.username) if parts.username else "postgres"
        return cls(
            user=user,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            # PostgreSQL's own default: a database named like the user.
            database=unquote(parts.path.lstrip("/")) or user,
            query=parts.query,
        )

    def with_database(self, name: str) -> PgUrl:
        return replace(self, database=name)

    def with_user(self, user: str) -> PgUrl:
        return replace(self, user=user, password=None)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _render(self, password: str | None) -> str:
        auth = quote(self.user, safe="")
        if password is not None:
            auth += ":" + password
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?{self.query}" if self.query else ""
        return f"postgresql://{auth}@{host}:{self.port}/{quote(self.database, safe='')}{query}"

    def __str__(self) -> str:
        return self._render(quote(self.password, safe="") if self.password is not None else None)

    def masked(self) -> str:
        """For banners and messages: the password never leaves the process."""
        return self._render("***" if self.password is not None else None)
