"""The health server's probes and its Prometheus endpoint."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from medspa_kit.health import Health
from medspa_kit.metrics import EVENTS_HANDLED


def test_metrics_endpoint_exposes_kit_metrics_in_prometheus_text() -> None:
    app = FastAPI()
    Health().install(app)
    EVENTS_HANDLED.labels("unit-test-consumer", "booking.held", "ok").inc()
    response = TestClient(app).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert (
        'medspa_events_handled_total{consumer="unit-test-consumer",event="booking.held",'
        'outcome="ok"} 1.0' in response.text
    )
    assert "medspa_outbox_backlog" in response.text


def test_readiness_is_503_until_ready_and_checks_pass() -> None:
    health = Health()
    app = FastAPI()
    health.install(app)
    client = TestClient(app)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503

    async def ok() -> bool:
        return True

    health.add_check("db", ok)
    health.ready = True
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"db": True}}
