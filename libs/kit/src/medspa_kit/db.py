"""PostgreSQL: a pool per service, scoped to the service's own schema."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import asyncpg
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

log = logging.getLogger(__name__)

_UNREACHABLE = (OSError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError)


class DatabaseUnavailable(RuntimeError):
    pass


def describe(url: str) -> str:
    """host:port/db without the password, for messages."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def create_pool(
    url: str,
    schema: str,
    *,
    timeout_s: float = 60.0,
    min_size: int = 1,
    max_size: int = 10,
    application_name: str = "medspa",
) -> asyncpg.Pool:
    """Open a pool whose connections see the service's schema first.

    Retries with backoff while the server is unreachable (it may still be
    starting), then fails with a message that names the server.
    """
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(_UNREACHABLE),
            wait=wait_exponential(multiplier=0.2, max=5),
            stop=stop_after_delay(timeout_s),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "PostgreSQL unreachable, retrying",
                extra={"server": describe(url), "attempt": state.attempt_number},
            ),
        ):
            with attempt:
                pool: asyncpg.Pool = await asyncpg.create_pool(
                    url,
                    min_size=min_size,
                    max_size=max_size,
                    server_settings={
                        "search_path": f"{quote_ident(schema)}, public",
                        "application_name": application_name,
                    },
                )
                return pool
    except _UNREACHABLE as exc:
        raise DatabaseUnavailable(
            f"PostgreSQL did not answer at {describe(url)} within {timeout_s:.0f}s: {exc}"
        ) from exc
    raise AssertionError("unreachable")
