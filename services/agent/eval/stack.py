"""The whole system, brought up once for an evaluation or a benchmark run.

The same pieces as the integration tests: NATS and PostgreSQL (the ones answering
at NATS_URL / DATABASE_URL, or private ones), a database and a bus namespace of
this run's own (removed at the end), and one OS process per service.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

import nats  # noqa: E402
from runner import Stack  # noqa: E402

from devstack.infra import create_database, drop_database, ensure_nats, ensure_postgres  # noqa: E402
from medspa_kit.streams import delete_streams, ensure_streams  # noqa: E402
from tests.integration.system import System, build_system  # noqa: E402

# What a conversation touches; the staff console and outreach play no part in it.
SERVICES = ("sandbox", "scheduler", "telephony", "agent", "payments")


@asynccontextmanager
async def running_stack(
    extra_env: dict[str, str] | None = None,
    service_env: dict[str, dict[str, str]] | None = None,
) -> AsyncIterator[tuple[System, Stack]]:
    """`extra_env` goes to every service, `service_env` to the one it is keyed by."""
    nats_handle = await ensure_nats(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    pg_handle = await ensure_postgres(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    run = uuid.uuid4().hex[:10]
    database, namespace = f"medspa_eval_{run}", f"e{run}"
    database_url = await create_database(pg_handle.url, database)
    nc = await nats.connect(nats_handle.url)
    await ensure_streams(nc.jetstream(), namespace)
    with tempfile.TemporaryDirectory(prefix="agent-eval-") as tmp:
        system = build_system(Path(tmp), nats_handle.url, database_url, namespace)
        for service, process in system.processes.items():
            process.env.update(extra_env or {})
            process.env.update((service_env or {}).get(service, {}))
        try:
            await system.start(*SERVICES)
            yield (
                system,
                Stack(
                    sandbox_url=system["sandbox"].url,
                    payments_url=system["payments"].url,
                    grpc_target=f"127.0.0.1:{system.grpc_port}",
                    nats_url=nats_handle.url,
                    database_url=database_url,
                    namespace=namespace,
                    key_file=system.workdir / "field-keys.json",
                ),
            )
        finally:
            system.stop()
            await delete_streams(nc.jetstream(), namespace)
            await nc.close()
            await drop_database(pg_handle.url, database)
            await pg_handle.stop()
            await nats_handle.stop()
