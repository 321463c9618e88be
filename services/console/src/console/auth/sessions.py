"""Server-side sessions: the cookie holds a random id, the table holds only its hash.

A session ends after `idle` without use or `max_age` after sign-in, whichever comes
first; signing in always makes a new id (no fixation), signing out deletes the row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from console.auth.principal import Principal
from console.domain.roles import Role

COOKIE = "console_session"
# Browsers refuse a __Host- cookie unless it is Secure, host-only and Path=/.
SECURE_COOKIE = "__Host-console_session"


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE if secure else COOKIE


def _hash(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    max_age: timedelta


class Sessions:
    def __init__(self, policy: SessionPolicy) -> None:
        self.policy = policy

    async def start(self, conn: asyncpg.Connection, account_id: str, now: datetime) -> str:
        value = secrets.token_urlsafe(32)
        await conn.execute(
            "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at,"
            " expires_at) VALUES ($1, $2::uuid, $3, $4, $4, $5)",
            _hash(value),
            account_id,
            secrets.token_urlsafe(32),
            now,
            now + self.policy.max_age,
        )
        return value

    async def load(self, conn: asyncpg.Connection, value: str, now: datetime) -> Principal | None:
        row = await conn.fetchrow(
            "UPDATE sessions s SET last_seen_at = $2 FROM accounts a"
            " WHERE s.id_hash = $1 AND a.id = s.account_id AND NOT a.disabled"
            " AND s.expires_at > $2 AND s.last_seen_at > $3"
            " RETURNING a.id, a.spa_id, a.role, a.display_name, s.csrf_token",
            _hash(value),
            now,
            now - self.policy.idle,
        )
        if row is None:
            return None
        return Principal(
            "staff",
            str(row["id"]),
            row["spa_id"],
            Role(row["role"]),
            row["display_name"],
            row["csrf_token"],
        )

    async def end(self, conn: asyncpg.Connection, value: str) -> None:
        await conn.execute("DELETE FROM sessions WHERE id_hash = $1", _hash(value))

    async def prune(self, conn: asyncpg.Connection, now: datetime) -> None:
        await conn.execute(
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
            now,
            now - self.policy.idle,
        )
