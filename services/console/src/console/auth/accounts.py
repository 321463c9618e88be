"""Staff accounts in PostgreSQL: create, authenticate with lockout, bootstrap the first manager."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from console.auth.passwords import Passwords
from console.domain.lockout import LockoutPolicy
from console.domain.roles import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Account:
    id: str
    spa_id: str
    username: str
    display_name: str
    role: Role
    disabled: bool
    locked_until: datetime | None
    has_password: bool
    oidc_linked: bool

    @classmethod
    def of(cls, row: asyncpg.Record) -> Account:
        return cls(
            id=str(row["id"]),
            spa_id=row["spa_id"],
            username=row["username"],
            display_name=row["display_name"],
            role=Role(row["role"]),
            disabled=row["disabled"],
            locked_until=row["locked_until"],
            has_password=row["password_hash"] is not None,
            oidc_linked=row["oidc_subject"] is not None,
        )


class Refusal(StrEnum):
    INVALID = "invalid"
    LOCKED = "locked"


class AccountExists(ValueError):
    pass


class Accounts:
    def __init__(self, passwords: Passwords, lockout: LockoutPolicy) -> None:
        self.passwords = passwords
        self.lockout = lockout

    async def create(
        self,
        conn: asyncpg.Connection,
        *,
        spa_id: str,
        username: str,
        display_name: str,
        role: Role,
        password: str | None,
    ) -> Account:
        hashed = self.passwords.hash(password) if password else None
        try:
            row = await conn.fetchrow(
                "INSERT INTO accounts (id, spa_id, username, display_name, role, password_hash)"
                " VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
                uuid.uuid4(),
                spa_id,
                normalize(username),
                display_name.strip() or normalize(username),
                role.value,
                hashed,
            )
        except asyncpg.UniqueViolationError:
            raise AccountExists(username) from None
        assert row is not None
        return Account.of(row)

    async def authenticate(
        self, conn: asyncpg.Connection, username: str, password: str, now: datetime
    ) -> Account | Refusal:
        """The account, or why not; every failure counts toward the lockout.

        The row is locked for the check so concurrent guesses cannot each see the count
        below the threshold.
        """
        row = await conn.fetchrow(
            "SELECT * FROM accounts WHERE username = $1 FOR UPDATE", normalize(username)
        )
        if row is None:
            self.passwords.verify(None, password)
            return Refusal.INVALID
        if self.lockout.is_locked(row["locked_until"], now):
            return Refusal.LOCKED
        if row["disabled"] or not self.passwords.verify(row["password_hash"], password):
            failures, locked_until = self.lockout.after_failure(row["failed_logins"], now)
            await conn.execute(
                "UPDATE accounts SET failed_logins = $2, locked_until = $3 WHERE id = $1",
                row["id"],
                failures,
                locked_until,
            )
            if locked_until is not None:
                log.warning(
                    "account locked after failed sign-ins", extra={"account": str(row["id"])}
                )
                return Refusal.LOCKED
            return Refusal.INVALID
        if self.passwords.needs_rehash(row["password_hash"]):
            await conn.execute(
                "UPDATE accounts SET password_hash = $2 WHERE id = $1",
                row["id"],
                self.passwords.hash(password),
            )
        await conn.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1", row["id"]
        )
        return Account.of(row)

    async def by_id(self, conn: asyncpg.Connection, account_id: str) -> Account | None:
        row = await conn.fetchrow("SELECT * FROM accounts WHERE id = $1", uuid.UUID(account_id))
        return Account.of(row) if row else None

    async def for_oidc(
        self, conn: asyncpg.Connection, subject: str, username: str
    ) -> Account | None:
        """The account bound to this OIDC subject, or the one with this username, bound now.

        Nobody is created here: a manager makes the account first, so an identity
        provider cannot grant console access on its own.
        """
        row = await conn.fetchrow(
            "SELECT * FROM accounts WHERE oidc_subject = $1 AND NOT disabled", subject
        )
        if row is not None:
            return Account.of(row)
        row = await conn.fetchrow(
            "UPDATE accounts SET oidc_subject = $2 WHERE username = $1 AND oidc_subject IS NULL"
            " AND NOT disabled RETURNING *",
            normalize(username),
            subject,
        )
        return Account.of(row) if row else None

    async def for_spa(self, conn: asyncpg.Connection, spa_id: str) -> list[Account]:
        rows = await conn.fetch(
            "SELECT * FROM accounts WHERE spa_id = $1 ORDER BY role, username", spa_id
        )
        return [Account.of(r) for r in rows]

    async def update(
        self,
        conn: asyncpg.Connection,
        spa_id: str,
        account_id: str,
        *,
        role: Role | None = None,
        disabled: bool | None = None,
        password: str | None = None,
    ) -> bool:
        hashed = self.passwords.hash(password) if password else None
        result = await conn.execute(
            "UPDATE accounts SET role = coalesce($3, role), disabled = coalesce($4, disabled),"
            " password_hash = coalesce($5, password_hash),"
            " failed_logins = CASE WHEN $5::text IS NULL THEN failed_logins ELSE 0 END,"
            " locked_until = CASE WHEN $5::text IS NULL THEN locked_until ELSE NULL END"
            " WHERE id = $1 AND spa_id = $2",
            uuid.UUID(account_id),
            spa_id,
            role.value if role else None,
            disabled,
            hashed,
        )
        if disabled:
            await conn.execute("DELETE FROM sessions WHERE account_id = $1", uuid.UUID(account_id))
        return result.endswith(" 1")

    async def bootstrap(
        self, conn: asyncpg.Connection, spa_id: str, username: str, password: str
    ) -> bool:
        """Create the first manager unless the spa already has one; True when created."""
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"bootstrap:{spa_id}")
        exists = await conn.fetchval(
            "SELECT true FROM accounts WHERE spa_id = $1 AND role = 'manager' LIMIT 1", spa_id
        )
        if exists:
            return False
        await self.create(
            conn,
            spa_id=spa_id,
            username=username,
            display_name=username,
            role=Role.MANAGER,
            password=password,
        )
        return True


def normalize(username: str) -> str:
    return username.strip().lower()
