"""Bearer tokens for other services and scripts: shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from console.auth.principal import Principal
from console.domain.roles import Role

PREFIX = "msc_"


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class Tokens:
    async def issue(
        self, conn: asyncpg.Connection, spa_id: str, role: Role, name: str, created_by: str | None
    ) -> tuple[str, str]:
        """A new token's id and its secret (the only time the secret exists in clear)."""
        token = PREFIX + secrets.token_urlsafe(32)
        token_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO api_tokens (id, token_hash, spa_id, role, name, created_by)"
            " VALUES ($1, $2, $3, $4, $5, $6::uuid)",
            token_id,
            _hash(token),
            spa_id,
            role.value,
            name,
            created_by,
        )
        return str(token_id), token

    async def load(self, conn: asyncpg.Connection, token: str) -> Principal | None:
        if not token.startswith(PREFIX):
            return None
        row = await conn.fetchrow(
            "SELECT id, spa_id, role, name FROM api_tokens"
            " WHERE token_hash = $1 AND revoked_at IS NULL",
            _hash(token),
        )
        if row is None:
            return None
        return Principal("token", str(row["id"]), row["spa_id"], Role(row["role"]), row["name"])

    async def for_spa(self, conn: asyncpg.Connection, spa_id: str) -> list[TokenInfo]:
        rows = await conn.fetch(
            "SELECT id, name, role, created_at, revoked_at FROM api_tokens WHERE spa_id = $1"
            " ORDER BY created_at DESC",
            spa_id,
        )
        return [
            TokenInfo(str(r["id"]), r["name"], Role(r["role"]), r["created_at"], r["revoked_at"])
            for r in rows
        ]

    async def revoke(self, conn: asyncpg.Connection, spa_id: str, token_id: str) -> bool:
        result = await conn.execute(
            "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND spa_id = $2"
            " AND revoked_at IS NULL",
            uuid.UUID(token_id),
            spa_id,
        )
        return result.endswith(" 1")
