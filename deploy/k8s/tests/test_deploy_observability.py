"""The dashboard reads only metrics that something produces, and the PostgreSQL exporter's
queries work against the services' real schemas, as the exporter's role would run them."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import asyncpg
import pytest
import yaml
from deploy_support import CHART, Manifests

from medspa_kit.migrate import SERVICES, migrate_service

QUERIES = yaml.safe_load((CHART / "files" / "cnpg-queries.yaml").read_text())
DASHBOARD = json.loads((CHART / "files" / "dashboards" / "medspa-front-desk.json").read_text())

# Metrics from other sources: the NATS chart's exporter (prometheus-nats-exporter with
# -prefix=nats -jsz=all), the OpenTelemetry collector's spanmetrics connector, and the gauge
# the console is to export for its handoff inbox.
EXTERNAL_METRICS = {
    "nats_consumer_num_pending",
    "nats_consumer_num_ack_pending",
    "traces_span_metrics_duration_milliseconds_bucket",
    "medspa_handoffs_waiting",
}


def exported_by_queries() -> set[str]:
    names = set()
    for query, spec in QUERIES.items():
        for column in spec["metrics"]:
            ((name, meta),) = column.items()
            if meta["usage"] != "LABEL":
                names.add(f"cnpg_{query}_{name}")
    return names


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in DASHBOARD["panels"] for t in p.get("targets", [])]


def test_dashboard_reads_only_metrics_that_exist() -> None:
    known = exported_by_queries() | EXTERNAL_METRICS
    used = set()
    for expr in dashboard_exprs():
        used |= {
            m
            for m in re.findall(r"\b([a-z_][a-z0-9_]*)\s*\{", expr)
            if m not in ("by", "sum", "max", "rate")
        }
    assert used, "no metric found in the dashboard"
    assert used <= known, used - known


def test_dashboard_covers_the_figures_that_matter() -> None:
    text = " ".join(dashboard_exprs())
    for figure, metric in {
        "turn latency": "traces_span_metrics_duration_milliseconds_bucket",
        "bookings": "cnpg_medspa_bookings_",
        "handoffs waiting": "medspa_handoffs_waiting",
        "messages sent and failed": "cnpg_medspa_messages_",
        "JetStream consumer lag": "nats_consumer_num_pending",
        "outbox backlog": "cnpg_medspa_outbox_backlog",
    }.items():
        assert metric in text, figure
    assert DASHBOARD["uid"] and DASHBOARD["title"]
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))


def test_queries_carry_no_protected_field() -> None:
    protected = re.compile(r"_enc\b|phone|name_|body|transcript|email|dob", re.IGNORECASE)
    for name, spec in QUERIES.items():
        assert spec.get("primary") is True, f"{name}: on the primary only, or it is counted twice"
        assert not protected.search(spec["query"]), name


async def _unpublished_event(conn: asyncpg.Connection) -> None:
    """One row in the kit's outbox (the services' own tables change under their owners)."""
    await conn.execute(
        "INSERT INTO telephony.outbox (event_id, subject, headers, payload)"
        " VALUES ('e1', 'medspa.evt.demo.message.sent', '{}', '')"
    )


@pytest.mark.integration
async def test_queries_run_on_the_real_schemas_as_the_exporter(
    database_url: str, prod: Manifests
) -> None:
    """Migrations applied by an owner role with the default privileges the Cluster's
    bootstrap grants, then every query as a pg_monitor member in a read-only transaction."""
    run = uuid.uuid4().hex[:8]
    owner, exporter = f"medspa_owner_{run}", f"medspa_exporter_{run}"
    conn = await asyncpg.connect(database_url)
    try:
        database = await conn.fetchval("SELECT current_database()")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
        await conn.execute(f"CREATE ROLE {owner} NOLOGIN")
        await conn.execute(f"CREATE ROLE {exporter} NOLOGIN IN ROLE pg_monitor")
        await conn.execute(f'GRANT CREATE ON DATABASE "{database}" TO {owner}')
        (cluster,) = prod.of("Cluster")
        bootstrap = cluster["spec"]["bootstrap"]["initdb"]
        grants = [
            sql.replace(f"FOR ROLE {bootstrap['owner']} ", f"FOR ROLE {owner} ")
            for sql in bootstrap["postInitApplicationSQL"]
            if "DEFAULT PRIVILEGES" in sql
        ]
        assert len(grants) == 2
        for grant in grants:
            await conn.execute(grant)

        await conn.execute(f"SET ROLE {owner}")
        for service in SERVICES:
            await migrate_service(conn, service)
        await _unpublished_event(conn)
        await conn.execute("RESET ROLE")

        await conn.execute(f"SET ROLE {exporter}")
        results: dict[str, list[dict[str, Any]]] = {}
        for name, spec in QUERIES.items():
            async with conn.transaction(readonly=True):
                if "predicate_query" in spec:
                    assert await conn.fetchval(spec["predicate_query"]) is True, name
                rows = [dict(r) for r in await conn.fetch(spec["query"])]
            declared = {next(iter(c)) for c in spec["metrics"]}
            for row in rows:
                assert set(row) == declared, name
            results[name] = rows
        await conn.execute("RESET ROLE")
    finally:
        await conn.execute("RESET ROLE")
        for role in (owner, exporter):
            await conn.execute(f"DROP OWNED BY {role} CASCADE")
            await conn.execute(f"DROP ROLE {role}")
        await conn.close()

    backlog = {r["service"]: r["backlog"] for r in results["medspa_outbox"]}
    assert set(backlog) == set(SERVICES)
    assert backlog["telephony"] == 1 and backlog["agent"] == 0
    assert all(r["oldest_age_seconds"] == 0 for r in results["medspa_outbox"] if not r["backlog"])
    # The calendar and the texts are empty: the queries ran and found nothing.
    assert results["medspa_bookings"] == results["medspa_messages"] == []
