"""Forward-only, versioned SQL migrations per service schema.

Each service keeps numbered files in `<package>/migrations/`; the kit's own
tables (outbox, inbox, audit) come first in every schema. An applied file whose
text changed is refused: history is never rewritten, a fix is a new file.

`python -m medspa_kit.migrate` applies every service's migrations (the Helm
hook and `make up` use it); services also apply their own at start.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import asyncpg

from medspa_kit.db import describe, quote_ident

SERVICES = ("telephony", "agent", "scheduler", "payments", "outreach", "console")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def _read(prefix: str, folder: Traversable) -> list[Migration]:
    if not folder.is_dir():
        return []
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [Migration(f"{prefix}{f.name.removesuffix('.sql')}", f.read_text()) for f in files]


def kit_migrations() -> list[Migration]:
    return _read("kit/", resources.files("medspa_kit") / "migrations")


def migrations_for(package: str) -> list[Migration]:
    return kit_migrations() + _read(f"{package}/", resources.files(package) / "migrations")


async def apply(conn: asyncpg.Connection, schema: str, migrations: list[Migration]) -> list[str]:
    """Apply what is missing, in one transaction, serialised across replicas."""
    applied_now: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        await conn.execute(f"SET LOCAL search_path TO {quote_ident(schema)}, public")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        done = {r["version"]: r["checksum"] for r in rows}
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"{schema}: migration {migration.version} changed after it was applied; "
                        "migrations are forward-only, add a new file instead"
                    )
                continue
            try:
                await conn.execute(migration.sql)
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"{schema}: {migration.version} failed: {exc}") from exc
            await conn.execute(
                "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                migration.version,
                migration.checksum,
            )
            applied_now.append(migration.version)
    return applied_now


async def migrate_service(
    conn: asyncpg.Connection, package: str, schema: str | None = None
) -> list[str]:
    return await apply(conn, schema or package, migrations_for(package))


async def migrate_all(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for service in SERVICES:
            applied = await migrate_service(conn, service)
            print(f"{service}: {len(applied)} migration(s) applied")
    finally:
        await conn.close()


def main() -> None:
    from medspa_kit.settings import CommonSettings

    settings = CommonSettings()
    try:
        asyncio.run(migrate_all(settings.database_url))
    except (OSError, asyncpg.PostgresError, MigrationError) as exc:
        sys.exit(f"migrations failed on {describe(settings.database_url)}: {exc}")


if __name__ == "__main__":
    main()
