#!/usr/bin/env bash
# `make images`: one image per service, and the migration image, built from the repository root.
#
#   REGISTRY  image name prefix (default: medspa, i.e. local images medspa/telephony ...)
#   TAG       image tag (default: the short commit, with -dirty when the tree has changes)
#   PLATFORM  passed to docker build --platform when set (e.g. linux/amd64)
#   PUSH=1    push each image after it is built
#
# Needs a Docker engine with BuildKit (Docker 23 or later): the Dockerfiles use cache mounts
# and a .dockerignore per Dockerfile. Where no engine answers it says so and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGES=(telephony agent scheduler payments outreach console migrate)
REGISTRY=${REGISTRY:-medspa}
if [[ -z ${TAG:-} ]]; then
    TAG=$(git rev-parse --short=12 HEAD)
    git diff --quiet HEAD -- || TAG="$TAG-dirty"
fi

if ! command -v docker >/dev/null 2>&1; then
    echo "make images: no docker command here, so no image was built." >&2
    echo "  The Dockerfiles in deploy/docker/ are still linted by make deploy-check." >&2
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    echo "make images: the docker command is here but no Docker engine answers, so no image was built." >&2
    echo "  The Dockerfiles in deploy/docker/ are still linted by make deploy-check." >&2
    exit 1
fi

platform=()
[[ -n ${PLATFORM:-} ]] && platform=(--platform "$PLATFORM")

for name in "${IMAGES[@]}"; do
    ref="$REGISTRY/$name:$TAG"
    echo "==> $ref"
    DOCKER_BUILDKIT=1 docker build "${platform[@]}" \
        --file "deploy/docker/$name.Dockerfile" \
        --tag "$ref" \
        --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
        --label "org.opencontainers.image.source=deploy/docker/$name.Dockerfile" \
        .
    if [[ ${PUSH:-0} == 1 ]]; then
        docker push "$ref"
    fi
done
echo "built ${#IMAGES[@]} images tagged $TAG under $REGISTRY/"
