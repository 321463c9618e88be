"""NATS JetStream and PostgreSQL for the local stack and the integration tests.

Each `ensure_*` uses the server answering at the URL, else starts a private one under `.run/`
(or, with TEST_STACK=containers and a Docker engine, a container), and hands back a handle
whose `stop()` stops only what it started.
"""

from devstack.infra.handles import InfraError, InfraHandle, NatsHandle, PgHandle
from devstack.infra.nats import ensure_nats
from devstack.infra.postgres import create_database, drop_database, ensure_postgres
from devstack.infra.urls import DEFAULT_DATABASE_URL, DEFAULT_NATS_URL

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_NATS_URL",
    "InfraError",
    "InfraHandle",
    "NatsHandle",
    "PgHandle",
    "create_database",
    "drop_database",
    "ensure_nats",
    "ensure_postgres",
]
