# syntax=docker/dockerfile:1.7
# The scheduler image: the calendar engine.
# Built from the repository root (make images, or docker build -f deploy/docker/scheduler.Dockerfile .);
# scheduler.Dockerfile.dockerignore beside this file lets only what it needs into the context.

# The runtime base is pinned by digest; the builder's uv never reaches the final image.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
# Bytecode is compiled here because the running container's filesystem is read-only.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Third-party dependencies first, from the lock alone, so this layer is rebuilt only when
# uv.lock or a pyproject.toml changes, not on every code change.
COPY uv.lock pyproject.toml ./
COPY libs/kit/pyproject.toml libs/kit/
COPY libs/contracts/pyproject.toml libs/contracts/
COPY libs/spa-config/pyproject.toml libs/spa-config/
COPY services/scheduler/pyproject.toml services/scheduler/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package medspa-scheduler
COPY libs/ libs/
COPY services/scheduler/ services/scheduler/
# Non-editable: the workspace packages are copied into the virtualenv, so the runtime
# stage needs the virtualenv and not the source tree.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package medspa-scheduler

FROM ${PYTHON_IMAGE} AS runtime
# A fixed numeric user, so Kubernetes can verify runAsNonRoot; pip goes because nothing
# is installed at run time.
RUN groupadd --system --gid 10001 medspa \
 && useradd --system --no-log-init --uid 10001 --gid medspa \
      --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin medspa \
 && python -m pip uninstall --yes --no-input --quiet pip setuptools wheel
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCHEDULER_PORT=8005 \
    SCHEDULER_GRPC_PORT=50051
WORKDIR /app
USER 10001:10001
EXPOSE 8005 50051
ENTRYPOINT ["python", "-m", "scheduler"]
