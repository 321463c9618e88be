"""`make deploy-check`: the chart renders for dev and prod, every manifest is valid Kubernetes,
and the properties an SRE relies on hold: limits, non-root read-only pods, no API tokens,
probes, secrets only by reference, and NetworkPolicies that match the architecture page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deploy_support import CHART, KUBE_VERSIONS, RELEASE, Manifests, Render

SERVICES = ("telephony", "agent", "scheduler", "payments", "outreach", "console")

# The architecture page (shared/ARCHITECTURE.md), restated here on purpose rather than read
# from the chart: the chart must agree with it, not with itself. Services talk over NATS; the
# direct calls are gRPC to the scheduler's CalendarService (the agent inside a live
# conversation; payments to hold a late payment's slot again, per its settings.py), and only
# Twilio's webhooks, Stripe's webhook, the patients' payment pages and the staff console come
# in from outside.
# The architecture page: calendar reads and holds are gRPC; everything else is NATS.
DIRECT_CALLS = {
    ("agent", "scheduler", 50051),
    ("payments", "scheduler", 50051),
    ("outreach", "scheduler", 50051),
    ("console", "scheduler", 50051),
}
# The webhooks and payment pages by prefix; the console by the paths it serves (below).
WEBHOOK_PATHS = {("telephony", "/twilio"), ("payments", "/stripe"), ("payments", "/pay")}
PUBLIC = {"telephony", "payments", "console"}
VENDOR_APIS = {"telephony", "payments"}  # Twilio and Stripe; the agent only with a hosted LLM

# Kinds without a schema in kubernetes-validate: the operators' own resources.
OPERATOR_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"),
    ("barmancloud.cnpg.io/v1", "ObjectStore"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}

SECRETISH_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL|"
    r"^FIELD_KEYS$|^FIELD_INDEX_KEY$|^DATABASE_URL$|_DSN$",
    re.IGNORECASE,
)
CREDENTIAL_SHAPES = {
    "Twilio account SID": re.compile(r"\bAC[0-9a-fA-F]{32}\b"),
    "32 hex characters (a Twilio auth token)": re.compile(r"\b[0-9a-f]{32}\b"),
    "Stripe key": re.compile(r"\b(sk|rk)_(live|test)_[0-9A-Za-z]{8,}"),
    "Stripe webhook secret": re.compile(r"\bwhsec_[0-9A-Za-z]{8,}"),
    "OpenAI key": re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),
    "URL with a password": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    "base64 of 32 bytes (a field key)": re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}="),
    "PEM block": re.compile(r"-----BEGIN [A-Z ]+-----"),
}


def pod_specs(m: Manifests) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, pod metadata, pod spec) of everything that runs a pod in the release."""
    out = []
    for kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        for d in m.of(kind):
            template = d["spec"]["template"]
            out.append((f"{kind}/{d['metadata']['name']}", template["metadata"], template["spec"]))
    return out


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def deployment(m: Manifests, service: str) -> dict[str, Any]:
    return m.named("Deployment", f"{RELEASE}-{service}")


def test_chart_lints_for_dev_and_prod(helm, chart_without_dependencies: Path) -> None:
    for values in ("values-dev.yaml", "values-prod.yaml"):
        done = helm(
            "lint", "--strict", str(chart_without_dependencies), "--values", str(CHART / values)
        )
        assert "0 chart(s) failed" in done.stdout


def test_every_manifest_is_valid_kubernetes(manifests: Manifests) -> None:
    problems = []
    for doc in manifests.docs:
        key = (doc["apiVersion"], doc["kind"])
        if key in OPERATOR_KINDS:
            continue
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(
                    f"{key}: no Kubernetes {version} schema, and not a known operator kind"
                )
            except kubernetes_validate.ValidationError as exc:
                where = "/".join(str(p) for p in exc.path)
                problems.append(
                    f"{doc['kind']}/{doc['metadata']['name']} on {version}: {where}: {exc.message}"
                )
    assert not problems, "\n".join(problems)


def test_every_service_is_deployed_with_its_own_pieces(prod: Manifests) -> None:
    for service in SERVICES:
        name = f"{RELEASE}-{service}"
        for kind in (
            "Deployment",
            "Service",
            "ServiceAccount",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
        ):
            prod.named(kind, name)
        spec = deployment(prod, service)["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == name


def test_every_container_has_requests_and_limits(manifests: Manifests) -> None:
    for where, _, spec in pod_specs(manifests):
        for c in containers(spec):
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(res.get(part, {})), f"{where}/{c['name']}: {part}"


def test_no_pod_runs_as_root_or_writes_its_root_filesystem(manifests: Manifests) -> None:
    for where, _, spec in pod_specs(manifests):
        pod = spec.get("securityContext", {})
        assert pod.get("runAsNonRoot") is True, where
        assert pod.get("runAsUser", 0) != 0, where
        assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        for c in containers(spec):
            sc = c.get("securityContext", {})
            label = f"{where}/{c['name']}"
            assert sc.get("runAsUser", pod["runAsUser"]) != 0, label
            assert sc.get("runAsNonRoot", True) is True, label
            assert sc.get("readOnlyRootFilesystem") is True, label
            assert sc.get("allowPrivilegeEscalation") is False, label
            assert sc.get("privileged", False) is False, label
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], label
            assert not sc.get("capabilities", {}).get("add"), label


def test_no_pod_gets_a_kubernetes_api_token(manifests: Manifests) -> None:
    for sa in manifests.of("ServiceAccount"):
        assert sa.get("automountServiceAccountToken") is False, sa["metadata"]["name"]
    for where, _, spec in pod_specs(manifests):
        assert spec.get("automountServiceAccountToken") is False, where
        assert spec.get("serviceAccountName") not in (None, "", "default"), where


def test_every_service_has_three_probes(manifests: Manifests) -> None:
    for service in SERVICES:
        (c,) = deployment(manifests, service)["spec"]["template"]["spec"]["containers"]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert c.get(probe), f"{service}: no {probe}"
        if service == "scheduler":
            # Native gRPC health on the CalendarService port.
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert c[probe]["grpc"]["port"] == 50051, probe
            assert c["readinessProbe"]["grpc"]["service"] == "medspa.calendar.v1.CalendarService"
        else:
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert c["startupProbe"]["httpGet"]["path"] == "/readyz"
        # Startup must outlast the service's own retries (STARTUP_TIMEOUT_S) for NATS and PostgreSQL.
        env = {e["name"]: e.get("value") for e in c["env"]}
        startup = c["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] > float(
            env["STARTUP_TIMEOUT_S"]
        )


def test_ports_match_the_services_own_defaults(prod: Manifests) -> None:
    """The chart's ports are the ones each service's settings.py listens on."""
    root = CHART.parents[2]
    for service in SERVICES:
        settings = (root / "services" / service / "src" / service / "settings.py").read_text()
        port = int(re.search(r"^\s+port: int = (\d+)", settings, re.M).group(1))
        (c,) = deployment(prod, service)["spec"]["template"]["spec"]["containers"]
        assert c["ports"][0]["containerPort"] == port, service
        if service == "scheduler":
            grpc = int(re.search(r"^\s+grpc_port: int = (\d+)", settings, re.M).group(1))
            assert c["ports"][1]["containerPort"] == grpc


def _values_files() -> list[Path]:
    return sorted(CHART.glob("values*.yaml"))


def _walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in _walk(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in _walk(v, f"{path}[{i}]")]
    return [(path, node)]


@pytest.mark.parametrize("values_file", _values_files(), ids=lambda p: p.name)
def test_values_hold_no_secret(values_file: Path) -> None:
    text = values_file.read_text()
    for what, shape in CREDENTIAL_SHAPES.items():
        assert not shape.search(text), f"{values_file.name}: looks like a {what}"
    values = yaml.safe_load(text)
    for path, _ in _walk(values):
        # A plain env entry with a credential's name is a secret in values; secretEnv holds refs.
        parts = path.split(".")
        if len(parts) >= 2 and parts[-2] == "env":
            assert not SECRETISH_NAME.search(parts[-1]), (
                f"{values_file.name}{path} belongs in secretEnv"
            )
    for path, value in _walk(values):
        # A reference is {name, key}; null removes one the defaults declare.
        if ".secretEnv." in path and value is not None:
            assert path.rsplit(".", 1)[-1] in ("name", "key", "optional"), path


def test_schema_refuses_a_credential_in_plain_env(helm, chart_without_dependencies: Path) -> None:
    done = helm(
        "template",
        RELEASE,
        str(chart_without_dependencies),
        "--values",
        str(CHART / "values-dev.yaml"),
        "--set",
        "telephony.env.TWILIO_AUTH_TOKEN=not-here",
        check=False,
    )
    assert done.returncode != 0
    assert "TWILIO_AUTH_TOKEN" in done.stderr


def test_rendered_manifests_carry_secrets_only_by_reference(manifests: Manifests) -> None:
    assert not manifests.of("Secret"), "the chart must not create Secrets: they are referenced"
    for where, _, spec in pod_specs(manifests):
        for c in containers(spec):
            for e in c.get("env", []):
                if SECRETISH_NAME.search(e["name"]):
                    assert "secretKeyRef" in e.get("valueFrom", {}), f"{where}: {e['name']}"
    text = yaml.safe_dump_all(manifests.docs)
    for what, shape in CREDENTIAL_SHAPES.items():
        assert not shape.search(text), f"rendered manifests contain something like a {what}"


def test_secret_references_cover_every_credential(prod: Manifests) -> None:
    def refs(service: str) -> dict[str, str]:
        (c,) = deployment(prod, service)["spec"]["template"]["spec"]["containers"]
        return {
            e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
            for e in c["env"]
            if "secretKeyRef" in e.get("valueFrom", {})
        }

    for service in SERVICES:
        got = refs(service)
        assert {"DATABASE_URL", "FIELD_KEYS", "FIELD_KEY_ACTIVE", "FIELD_INDEX_KEY"} <= set(got)
    assert {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"} <= set(refs("telephony"))
    assert {"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"} <= set(refs("payments"))


# NetworkPolicies ---------------------------------------------------------------------------


def _peer(peer: dict[str, Any]) -> str:
    """Name the party a NetworkPolicy peer stands for."""
    pods = peer.get("podSelector", {}).get("matchLabels", {})
    spaces = peer.get("namespaceSelector", {}).get("matchLabels", {})
    if "ipBlock" in peer:
        return (
            "internet"
            if peer["ipBlock"]["cidr"] == "0.0.0.0/0"
            else f"cidr:{peer['ipBlock']['cidr']}"
        )
    if pods.get("k8s-app") == "kube-dns":
        return "dns"
    if pods.get("app.kubernetes.io/name") == "nats":
        return "nats"
    if "cnpg.io/cluster" in pods:
        return "postgres"
    if pods.get("app.kubernetes.io/name") == "medspa" and not spaces:
        return pods["app.kubernetes.io/component"]
    ns = spaces.get("kubernetes.io/metadata.name", "?")
    return {
        "ingress-nginx": "ingress-controller",
        "observability": "otel",
        "monitoring": "prometheus",
    }.get(ns, f"ns:{ns}")


def _edges(rules: list[dict[str, Any]] | None, side: str) -> set[tuple[str, Any]]:
    out = set()
    for rule in rules or []:
        for peer in rule[side]:
            for port in rule["ports"]:
                out.add((_peer(peer), port["port"]))
    return out


def _policy(m: Manifests, name: str) -> dict[str, Any]:
    return m.named("NetworkPolicy", f"{RELEASE}-{name}")["spec"]


def test_network_policies_match_the_architecture(prod: Manifests) -> None:
    base = {("dns", 53), ("nats", 4222), ("postgres", 5432), ("otel", 4318)}
    for service in SERVICES:
        spec = _policy(prod, service)
        assert set(spec["policyTypes"]) == {"Ingress", "Egress"}, service
        want_out = set(base)
        want_out |= {(callee, port) for caller, callee, port in DIRECT_CALLS if caller == service}
        if service in VENDOR_APIS:
            want_out.add(("internet", 443))
        assert _edges(spec["egress"], "to") == want_out, service

        want_in = {(caller, "grpc") for caller, callee, _ in DIRECT_CALLS if callee == service}
        if service in PUBLIC:
            want_in.add(("ingress-controller", "http"))
        # Prometheus scrapes /metrics on the HTTP port, and reaches nothing else.
        want_in.add(("prometheus", "http"))
        assert _edges(spec.get("ingress"), "from") == want_in, service


def test_the_monitoring_selector_is_configurable_and_opens_only_metrics_ports(
    render: Render,
) -> None:
    peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
    m = render(
        "values-prod.yaml",
        sets=(
            "monitoring.prometheusPeers[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=observability",
            "monitoring.prometheusPeers[0].podSelector.matchLabels.app\\.kubernetes\\.io/name=prometheus",
        ),
    )
    for policy in m.of("NetworkPolicy"):
        for rule in policy["spec"].get("ingress") or []:
            if peer in rule["from"]:
                assert rule["from"] == [peer], "the monitoring peer shares no rule"
                ports = {p["port"] for p in rule["ports"]}
                name = policy["metadata"]["name"].removeprefix(f"{RELEASE}-")
                allowed = {"nats": {7777, 8222}, "postgres": {9187}}.get(name, {"http"})
                assert ports == allowed, name
    scraped = {
        p["metadata"]["name"].removeprefix(f"{RELEASE}-")
        for p in m.of("NetworkPolicy")
        for rule in p["spec"].get("ingress") or []
        if peer in rule["from"]
    }
    assert scraped == {*SERVICES, "nats", "postgres"}
    off = render("values-prod.yaml", sets=("agent.metrics.enabled=false",))
    assert _edges(_policy(off, "agent").get("ingress"), "from") == set()


def test_internet_egress_excludes_private_ranges(prod: Manifests) -> None:
    for service in VENDOR_APIS:
        blocks = [
            peer["ipBlock"]
            for rule in _policy(prod, service)["egress"]
            for peer in rule["to"]
            if "ipBlock" in peer
        ]
        (block,) = blocks
        assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(
            block["except"]
        )


def test_the_bus_and_the_database_admit_only_the_release(prod: Manifests) -> None:
    nats = _policy(prod, "nats")
    (clients,) = [r for r in nats["ingress"] if any(p["port"] == 4222 for p in r["ports"])]
    services = clients["from"][0]["podSelector"]["matchExpressions"][0]["values"]
    assert sorted(services) == sorted(SERVICES)

    pg = _policy(prod, "postgres")
    (clients,) = [
        r
        for r in pg["ingress"]
        if "podSelector" in r["from"][0] and "matchExpressions" in r["from"][0]["podSelector"]
    ]
    allowed = clients["from"][0]["podSelector"]["matchExpressions"][0]["values"]
    assert sorted(allowed) == sorted([*SERVICES, "migrate"])


def test_every_pod_is_covered_by_a_network_policy(manifests: Manifests) -> None:
    policies = manifests.of("NetworkPolicy")
    for where, meta, _ in pod_specs(manifests):
        labels = meta.get("labels", {})
        covering = [
            p
            for p in policies
            if p["spec"]["podSelector"].get("matchLabels", {}).items() <= labels.items()
            and "Egress" in p["spec"]["policyTypes"]
            and labels.get("app.kubernetes.io/name") == "medspa"
        ]
        if labels.get("app.kubernetes.io/name") == "medspa":
            assert covering, f"{where} has no NetworkPolicy of its own"


# Ingress, hooks, data ----------------------------------------------------------------------


def _routed(m: Manifests, path: str) -> set[str]:
    """The services an Ingress sends `path` to, on any host, by Kubernetes' matching rules:
    Exact is the whole path; Prefix matches whole path elements ("/v1" takes "/v1/x", never
    "/v1x"); "/" takes everything."""
    elements = [e for e in path.split("/") if e]
    out = set()
    for ing in m.of("Ingress"):
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                kind, route = p["pathType"], p["path"]
                assert kind in ("Exact", "Prefix"), (
                    f"{route}: {kind} means what the controller says"
                )
                prefix = [e for e in route.split("/") if e]
                if (kind == "Exact" and path == route) or (
                    kind == "Prefix" and elements[: len(prefix)] == prefix
                ):
                    out.add(p["backend"]["service"]["name"].removeprefix(f"{RELEASE}-"))
    return out


def _console_paths() -> list[str]:
    """Every path the console serves to people and scripts, with sample ids."""
    from console.web.app import OPENAPI, ROUTERS, STATIC

    paths = [OPENAPI, f"{STATIC}/console.css"]
    for router in ROUTERS:
        paths += [re.sub(r"\{[^}]+\}", "x1", route.path) for route in router.routes]
    return paths


def _kit_paths() -> list[str]:
    """What the kit serves on every service's HTTP port: /metrics, /healthz, /readyz."""
    from medspa_kit.health import Health

    return [route.path for route in Health().router().routes]


def test_ingress_exposes_only_webhooks_and_the_console(prod: Manifests) -> None:
    for ing in prod.of("Ingress"):
        assert ing["spec"].get("tls"), ing["metadata"]["name"]
        annotations = ing["metadata"].get("annotations", {})
        for key in annotations:
            # Regex paths, rewrites and snippets would change what the paths above match.
            assert not re.search(r"use-regex|rewrite-target|snippet", key), key
    for service, prefix in WEBHOOK_PATHS:
        assert _routed(prod, f"{prefix}/anything") == {service}, prefix
    for path in _console_paths():
        assert _routed(prod, path) == {"console"}, f"staff cannot reach {path}"
    backends = {
        p["backend"]["service"]["name"].removeprefix(f"{RELEASE}-")
        for ing in prod.of("Ingress")
        for rule in ing["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == PUBLIC


def test_metrics_and_health_are_never_public(prod: Manifests, dev: Manifests) -> None:
    """The console serves /metrics on the port its Ingress routes to: only its own pages and
    API are routed, so no host reaches the kit's paths, with or without a trailing part."""
    kit = _kit_paths()
    assert "/metrics" in kit
    for m in (dev, prod):
        for path in kit:
            for probe in (path, f"{path}/", f"{path}/x", f"{path}?name[]=x"):
                assert _routed(m, probe.split("?")[0]) == set(), probe
    # And the console has no page of its own under those names.
    console_firsts = {p.split("/")[1] for p in _console_paths()}
    assert not console_firsts & {p.split("/")[1] for p in kit}


def test_public_urls_are_the_ingress_host(prod: Manifests) -> None:
    """Twilio signs over the URL it calls; payment links must open on a patient's phone."""
    host = yaml.safe_load((CHART / "values-prod.yaml").read_text())["ingress"]["public"]["host"]
    for service, variable in (
        ("telephony", "TELEPHONY_PUBLIC_URL"),
        ("payments", "PAYMENTS_PUBLIC_URL"),
    ):
        (c,) = deployment(prod, service)["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in c["env"]}
        assert env[variable] == f"https://{host}"


def test_callers_of_the_calendar_are_pointed_at_it(prod: Manifests) -> None:
    for caller, callee, port in DIRECT_CALLS:
        (c,) = deployment(prod, caller)["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in c["env"]}
        assert env["SCHEDULER_GRPC_TARGET"] == f"{RELEASE}-{callee}:{port}"


def test_migrations_run_as_a_hook_before_the_rollout(prod: Manifests, render: Render) -> None:
    job = prod.named("Job", f"{RELEASE}-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-upgrade"
    (c,) = job["spec"]["template"]["spec"]["containers"]
    assert c["image"].rsplit("/", 1)[-1].startswith("migrate:")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"

    external = render(
        "values-prod.yaml",
        sets=(
            "database.mode=external",
            "database.external.urlSecret.name=medspa-db",
            "database.external.peers[0].ipBlock.cidr=10.20.0.0/24",
        ),
    )
    job = external.named("Job", f"{RELEASE}-migrate")
    # An external database exists before the first install, so the hook runs then too.
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert not external.of("Cluster")
    (c,) = job["spec"]["template"]["spec"]["containers"]
    (url,) = [e for e in c["env"] if e["name"] == "DATABASE_URL"]
    assert url["valueFrom"]["secretKeyRef"] == {"name": "medspa-db", "key": "uri"}
    assert _edges(_policy(external, "agent")["egress"], "to") >= {("cidr:10.20.0.0/24", 5432)}


def test_postgres_is_a_replicated_backed_up_cluster(prod: Manifests) -> None:
    (cluster,) = prod.of("Cluster")
    spec = cluster["spec"]
    assert spec["instances"] >= 2
    assert spec["minSyncReplicas"] >= 1
    (plugin,) = spec["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io" and plugin["isWALArchiver"]
    (store,) = prod.of("ObjectStore")
    assert plugin["parameters"]["barmanObjectName"] == store["metadata"]["name"]
    creds = store["spec"]["configuration"]["s3Credentials"]
    assert all(set(ref) == {"name", "key"} for ref in creds.values()), (
        "credentials by reference only"
    )
    (backup,) = prod.of("ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert backup["spec"]["method"] == "plugin"
    initdb = spec["bootstrap"]["initdb"]
    assert any("btree_gist" in sql for sql in initdb["postInitApplicationSQL"])


def test_nats_values_ask_for_a_durable_jetstream_cluster() -> None:
    """What the official NATS chart is given (rendered by test_nats_subchart when available)."""
    nats = yaml.safe_load((CHART / "values.yaml").read_text())["nats"]
    assert nats["enabled"] is True
    assert nats["config"]["cluster"] == {"enabled": True, "replicas": 3}
    js = nats["config"]["jetstream"]
    assert js["enabled"] and js["fileStore"]["enabled"] and js["fileStore"]["pvc"]["enabled"]
    assert js["memoryStore"]["enabled"] is False
    assert js["merge"]["sync_interval"] == "always"
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    (dep,) = chart["dependencies"]
    assert (
        dep["name"] == "nats" and dep["repository"] == "https://nats-io.github.io/k8s/helm/charts/"
    )


def test_nats_subchart(render: Render) -> None:
    if not list((CHART / "charts").glob("nats-*.tgz")):
        pytest.skip("the NATS chart is not built here (helm dependency build needs its repository)")
    full = render("values-prod.yaml", chart=CHART)
    (sts,) = full.of("StatefulSet")
    assert sts["spec"]["replicas"] == 3
    conf = full.named("ConfigMap", f"{RELEASE}-nats-config")["data"]["nats.conf"]
    assert '"sync_interval": "always"' in conf
    assert '"store_dir": "/data"' in conf
    assert sts["spec"]["volumeClaimTemplates"], "JetStream on persistent volumes"


def test_autoscaling_and_disruption_budgets(prod: Manifests) -> None:
    for service in SERVICES:
        hpa = prod.named("HorizontalPodAutoscaler", f"{RELEASE}-{service}")["spec"]
        assert hpa["minReplicas"] >= 2, "one replica cannot survive a node drain"
        pdb = prod.named("PodDisruptionBudget", f"{RELEASE}-{service}")["spec"]
        assert pdb["maxUnavailable"] == 1
        assert "replicas" not in deployment(prod, service)["spec"], "the HPA owns the replica count"


def test_telemetry_settings_come_from_values(prod: Manifests) -> None:
    for service in SERVICES:
        (c,) = deployment(prod, service)["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in c["env"]}
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4318"
        assert "service.namespace=medspa" in env["OTEL_RESOURCE_ATTRIBUTES"]
