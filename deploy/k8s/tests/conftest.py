"""Fixtures for the deploy checks: helm, and the chart rendered for dev and prod values."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from deploy_support import (
    CHART,
    HELM_VERSION,
    NAMESPACE,
    RELEASE,
    TOOLS,
    Manifests,
    Render,
    fetch_helm,
    helm_env,
)


@pytest.fixture(scope="session")
def helm(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run helm with a private HOME: no repository config or cache from the machine leaks in."""
    binary = Path(os.environ["HELM"]) if os.environ.get("HELM") else TOOLS / f"helm-{HELM_VERSION}"
    if not binary.exists():
        fetch_helm(binary)
    home = tmp_path_factory.mktemp("helm-home")
    env = helm_env(home)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(binary), *args], capture_output=True, text=True, env=env, timeout=60
        )
        if check and done.returncode != 0:
            pytest.fail(f"helm {' '.join(args)} failed:\n{done.stderr}")
        return done

    version = run("version", "--short").stdout.strip()
    assert version.startswith(HELM_VERSION), version
    return run


@pytest.fixture(scope="session")
def chart_without_dependencies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chart as committed, minus the NATS dependency that cannot be fetched here."""
    copy = tmp_path_factory.mktemp("chart") / "medspa"
    shutil.copytree(CHART, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    meta = yaml.safe_load((copy / "Chart.yaml").read_text())
    meta.pop("dependencies", None)
    (copy / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return copy


@pytest.fixture(scope="session")
def render(
    helm: Callable[..., subprocess.CompletedProcess[str]], chart_without_dependencies: Path
) -> Render:
    def _render(
        *values_files: str, sets: tuple[str, ...] = (), chart: Path | None = None
    ) -> Manifests:
        args = [
            "template",
            RELEASE,
            str(chart or chart_without_dependencies),
            "--namespace",
            NAMESPACE,
        ]
        for name in values_files:
            args += ["--values", str(CHART / name)]
        for item in sets:
            args += ["--set", item]
        out = helm(*args).stdout
        return Manifests([d for d in yaml.safe_load_all(out) if d])

    return _render


@pytest.fixture(scope="session")
def dev(render: Render) -> Manifests:
    return render("values-dev.yaml")


@pytest.fixture(scope="session")
def prod(render: Render) -> Manifests:
    return render("values-prod.yaml")


@pytest.fixture(scope="session", params=["dev", "prod"])
def manifests(request: pytest.FixtureRequest) -> Iterator[Manifests]:
    yield request.getfixturevalue(request.param)
