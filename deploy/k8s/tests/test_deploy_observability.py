"""Metrics scraping, the dashboard and the alerts: every service is scraped by default, the
dashboard and the PrometheusRule read only the metrics the services export (the names agreed
with the service owners, checked against the code where it exists), and every alert has its
runbook in docs/operations.md."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from deploy_support import CHART, NAMESPACE, RELEASE, Manifests, Render
from prometheus_client.metrics import MetricWrapperBase

SERVICES = ("telephony", "agent", "scheduler", "payments", "outreach", "console")
DASHBOARD = json.loads((CHART / "files" / "dashboards" / "medspa-front-desk.json").read_text())
OPERATIONS = CHART.parents[2] / "docs" / "operations.md"

# The metrics the services export on /metrics: name as exposed -> (type, labels). The kit's for
# every service; each service's own from its `<service>.metrics` module.
KIT = {
    "medspa_events_handled_total": ("counter", {"consumer", "event", "outcome"}),
    "medspa_event_handle_seconds": ("histogram", {"consumer", "event"}),
    "medspa_outbox_published_total": ("counter", set()),
    "medspa_outbox_backlog": ("gauge", set()),
    "medspa_outbox_oldest_age_seconds": ("gauge", set()),
    "medspa_jetstream_consumer_pending": ("gauge", {"consumer"}),
    "medspa_jetstream_consumer_ack_pending": ("gauge", {"consumer"}),
}
OWN = {
    "agent": {
        "medspa_agent_turn_seconds": ("histogram", {"channel", "brain"}),
        "medspa_agent_handoffs_total": ("counter", {"reason", "priority"}),
    },
    "scheduler": {
        "medspa_scheduler_bookings_total": ("counter", {"status"}),
        "medspa_scheduler_hold_conflicts_total": ("counter", set()),
        "medspa_scheduler_rpc_seconds": ("histogram", {"method"}),
    },
    "telephony": {
        "medspa_telephony_messages_total": ("counter", {"direction", "status"}),
        "medspa_telephony_webhook_seconds": ("histogram", {"route"}),
        "medspa_telephony_voice_turn_seconds": ("histogram", set()),
        "medspa_telephony_voice_fillers_total": ("counter", set()),
    },
    "payments": {
        "medspa_payments_deposits_total": ("counter", {"state"}),
        "medspa_payments_refund_failures_total": ("counter", set()),
    },
    "outreach": {
        "medspa_outreach_jobs_total": ("counter", {"kind", "outcome"}),
        "medspa_outreach_due_jobs": ("gauge", set()),
        "medspa_outreach_missed_call_callback_seconds": ("histogram", set()),
    },
    "console": {
        "medspa_console_handoffs_open": ("gauge", {"priority"}),
        "medspa_console_handoff_response_seconds": ("histogram", {"priority"}),
        "medspa_console_deadline_breaches_total": ("counter", {"kind"}),
        "medspa_console_payment_issues_open": ("gauge", {"kind"}),
    },
}
METRICS: dict[str, tuple[str, set[str]]] = {
    **KIT,
    **{n: m for own in OWN.values() for n, m in own.items()},
}
# What Prometheus adds to every series it scrapes from a pod (the ServiceMonitor's
# podTargetLabels, or an annotation job's pod-label labelmap), and its own `up`.
TARGET_LABELS = {"namespace", "pod", "instance", "job", "app_kubernetes_io_component"}
PROMETHEUS_OWN = {"up": ("gauge", TARGET_LABELS)}


def series_names() -> dict[str, tuple[str, set[str]]]:
    """Every series name a query may select: histograms as _bucket, _sum and _count."""
    out: dict[str, tuple[str, set[str]]] = {}
    for name, (kind, labels) in METRICS.items():
        if kind == "histogram":
            out[f"{name}_bucket"] = (kind, labels | {"le"})
            out[f"{name}_sum"] = (kind, labels)
            out[f"{name}_count"] = (kind, labels)
        else:
            out[name] = (kind, labels)
    return out


# A PromQL expression's selectors, read the way the parser does: strings first (they may hold
# braces), then `name{matchers}` and bare names that are not functions, keywords or numbers.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"(?<![\w$])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
             "group_left", "group_right", "inf", "nan"}  # fmt: skip


def selectors(expr: str) -> Iterator[tuple[str, set[str]]]:
    """(metric name, label names its matchers use) for every selector in the expression."""
    masked = _STRING.sub('""', expr)
    masked = re.sub(r"\[[^\]]*\]", "", masked)  # range and subquery durations
    masked = _GROUPING.sub("", masked)
    for m in _SELECTOR.finditer(masked):
        name, matchers = m.group(1), m.group(2)
        after = masked[m.end() :].lstrip()
        if name.lower() in _KEYWORDS or (after.startswith("(") and not matchers):
            continue  # a function or an aggregation, or a keyword
        yield name, {label for label, _ in _MATCHER.findall(matchers or "")}


def grouping_labels(expr: str) -> set[str]:
    found = set()
    for _, labels in _GROUPING.findall(_STRING.sub('""', expr)):
        found |= {label.strip() for label in labels.split(",") if label.strip()}
    return found


def test_the_selector_reader_reads_promql() -> None:
    expr = (
        "histogram_quantile(0.9, sum by (le, priority) (rate(medspa_console_handoff_response_"
        'seconds_bucket{namespace="$namespace", priority=~"urgent|high"}[5m]))) > 3 and on() '
        'max(up{job="x{y}"}) == 0 or vector(1) offset 5m'
    )
    assert dict(selectors(expr)) == {
        "medspa_console_handoff_response_seconds_bucket": {"namespace", "priority"},
        "up": {"job"},
    }
    assert grouping_labels(expr) == {"le", "priority"}


def dashboard_exprs() -> list[str]:
    def walk(panels: list[dict[str, Any]]) -> Iterator[str]:
        for p in panels:
            yield from (t["expr"] for t in p.get("targets", []))
            yield from walk(p.get("panels", []))

    exprs = list(walk(DASHBOARD["panels"]))
    for variable in DASHBOARD["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            # label_values(<selector>, <label>): the selector is PromQL.
            found = re.fullmatch(r"label_values\((.*),\s*\w+\)", query["query"])
            assert found, query
            exprs.append(found.group(1))
    return exprs


def check_queries(exprs: list[str], allowed: dict[str, tuple[str, set[str]]]) -> set[str]:
    used: set[str] = set()
    every_label = set().union(*(labels for _, labels in allowed.values())) | TARGET_LABELS
    for expr in exprs:
        for name, labels in selectors(expr):
            assert name in allowed, f"{name} is not a metric the services export: {expr}"
            known = allowed[name][1] | TARGET_LABELS
            assert labels <= known, f"{name} has no label {labels - known}: {expr}"
            used.add(name)
        assert grouping_labels(expr) <= every_label, expr
    return used


def test_dashboard_reads_only_the_services_metrics() -> None:
    used = check_queries(dashboard_exprs(), series_names())
    assert used, "no metric found in the dashboard"
    # A counter is read by rate or increase, never as its raw ever-growing total.
    for expr in dashboard_exprs():
        for name, _ in selectors(expr):
            if name.endswith("_total"):
                assert re.search(rf"(rate|increase)\(\s*{name}\b", expr), expr


def test_dashboard_covers_the_figures_that_matter() -> None:
    text = " ".join(dashboard_exprs())
    for figure, metrics in {
        "turn latency": [
            "medspa_agent_turn_seconds_bucket",
            "medspa_telephony_voice_turn_seconds_bucket",
        ],
        "bookings by status": ["medspa_scheduler_bookings_total"],
        "handoffs waiting": ["medspa_console_handoffs_open"],
        "messages sent and failed": ["medspa_telephony_messages_total"],
        "JetStream consumer lag": ["medspa_jetstream_consumer_pending"],
        "outbox backlog": ["medspa_outbox_backlog"],
    }.items():
        for metric in metrics:
            assert metric in text, figure
    for quantile in ("0.5", "0.99"):
        assert (
            f"histogram_quantile({quantile}, sum by (channel, le) (rate(medspa_agent_turn" in text
        )
    assert DASHBOARD["uid"] and DASHBOARD["title"]
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("service", ["kit", *SERVICES])
def test_the_agreed_names_are_what_the_code_registers(service: str) -> None:
    """Where a service's metrics module exists, it registers each agreed name with its type
    and labels; the kit's and the console's are exactly the agreed ones."""
    module_name = {"kit": "medspa_kit.metrics", "scheduler": "scheduler.adapters.metrics"}.get(
        service, f"{service}.metrics"
    )
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        pytest.skip(f"{module_name} is not written yet; the dashboard waits for it")
    registered = {}
    for metric in vars(module).values():
        if isinstance(metric, MetricWrapperBase):
            exposed = metric._name + ("_total" if metric._type == "counter" else "")
            registered[exposed] = (metric._type, set(metric._labelnames))
    agreed = KIT if service == "kit" else OWN[service]
    for name, spec in agreed.items():
        assert registered.get(name) == spec, f"{module_name}: {name}"
    if service in ("kit", "console"):
        assert set(registered) == set(agreed)


def test_every_service_is_scraped_by_default(prod: Manifests, dev: Manifests) -> None:
    for manifests in (dev, prod):
        for service in SERVICES:
            pod = manifests.named("Deployment", f"{RELEASE}-{service}")["spec"]["template"]
            (container,) = pod["spec"]["containers"]
            http = next(p for p in container["ports"] if p["name"] == "http")
            annotations = pod["metadata"]["annotations"]
            assert annotations["prometheus.io/scrape"] == "true", service
            assert annotations["prometheus.io/port"] == str(http["containerPort"]), service
            assert annotations["prometheus.io/path"] == "/metrics", service
    assert not dev.of("ServiceMonitor"), "the Prometheus operator is optional"


def test_a_service_monitor_per_service_behind_its_flag(prod: Manifests, render: Render) -> None:
    for service in SERVICES:
        monitor = prod.named("ServiceMonitor", f"{RELEASE}-{service}")["spec"]
        assert monitor["selector"]["matchLabels"]["app.kubernetes.io/component"] == service
        (endpoint,) = monitor["endpoints"]
        assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
        assert monitor["podTargetLabels"] == ["app.kubernetes.io/component"]
        service_ports = prod.named("Service", f"{RELEASE}-{service}")["spec"]["ports"]
        assert "http" in {p["name"] for p in service_ports}
    quiet = render("values-prod.yaml", sets=("monitoring.podAnnotations=false",))
    pod = quiet.named("Deployment", f"{RELEASE}-agent")["spec"]["template"]["metadata"]
    assert "prometheus.io/scrape" not in pod.get("annotations", {})


def alert_rules(manifests: Manifests) -> list[dict[str, Any]]:
    (rule,) = manifests.of("PrometheusRule")
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def test_alerts_read_only_the_services_metrics(prod: Manifests, dev: Manifests) -> None:
    assert not dev.of("PrometheusRule"), "optional: off unless asked for"
    rules = alert_rules(prod)
    assert len(rules) >= 8
    used = check_queries([r["expr"] for r in rules], {**series_names(), **PROMETHEUS_OWN})
    for must in ("medspa_jetstream_consumer_pending", "medspa_telephony_messages_total",
                 "medspa_console_handoffs_open", "medspa_outbox_oldest_age_seconds"):  # fmt: skip
        assert must in used
    for rule in rules:
        for name, labels in selectors(rule["expr"]):
            assert "namespace" in labels, f"{rule['alert']}: {name} is not pinned to the release"
        assert f'namespace="{NAMESPACE}"' in rule["expr"]


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    out = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return out


def test_every_alert_is_documented_with_its_runbook(prod: Manifests, render: Render) -> None:
    text = OPERATIONS.read_text()
    anchors = _anchors(text)
    rules = alert_rules(prod)
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        runbook = rule["annotations"]["runbook_url"]
        assert runbook.startswith("docs/operations.md#"), runbook
        assert runbook.split("#", 1)[1] in anchors, f"{rule['alert']}: no section {runbook}"
        assert f"`{rule['alert']}`" in text, f"{rule['alert']} is not described in operations.md"
    routed = render(
        "values-prod.yaml",
        sets=(
            "monitoring.prometheusRule.runbookBaseUrl=https://runbooks.example.com/ops",
            "monitoring.prometheusRule.ruleLabels.team=frontdesk",
        ),
    )
    for rule in alert_rules(routed):
        assert rule["annotations"]["runbook_url"].startswith("https://runbooks.example.com/ops#")
        assert rule["labels"]["team"] == "frontdesk" and rule["labels"]["severity"]
