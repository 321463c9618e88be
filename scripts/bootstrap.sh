#!/usr/bin/env bash
# The pinned toolchain on a machine with only python3.11 and pip: uv in a private venv under
# .run/bootstrap, then .venv from uv.lock. `make` runs it before every target, so when nothing
# changed it does nothing and says nothing.
set -euo pipefail

UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3.11}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
boot=.run/bootstrap
uv=$boot/bin/uv
stamp=.venv/.bootstrap-synced

say() { printf 'bootstrap: %s\n' "$*"; }

has_pinned_uv() {
  case "$("$uv" --version 2>/dev/null)" in
    "uv $UV_VERSION" | "uv $UV_VERSION "*) return 0 ;;
    *) return 1 ;;
  esac
}

if ! has_pinned_uv; then
  if ! command -v "$PYTHON" >/dev/null; then
    say "$PYTHON is required (the workspace needs Python 3.11)" >&2
    exit 1
  fi
  if [ ! -x "$boot/bin/python" ]; then
    say "creating $boot, a private venv for uv"
    # Debian splits ensurepip into python3.11-venv; without it, make the venv bare and let
    # the system pip install into it (pip --python, pip >= 22.3).
    "$PYTHON" -m venv "$boot" 2>/dev/null || "$PYTHON" -m venv --without-pip "$boot"
  fi
  say "installing uv==$UV_VERSION"
  if [ -x "$boot/bin/pip" ]; then
    "$boot/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  else
    "$PYTHON" -m pip --python "$boot/bin/python" install --quiet --disable-pip-version-check \
      "uv==$UV_VERSION"
  fi
fi

# Up to date when the last sync is newer than the lock and every pyproject.toml.
changed() {
  [ ! -f "$stamp" ] || [ ! -x .venv/bin/python ] || [ -n "$(
    find . \( -path ./.venv -o -path ./.run -o -path ./.git \) -prune -o \
      \( -name uv.lock -o -name pyproject.toml \) -newer "$stamp" -print -quit
  )" ]
}

if changed; then
  say "uv sync --frozen (.venv from uv.lock)"
  # Stamped with the time the sync started, so an edit made during it is seen next time.
  touch "$boot/sync-started"
  "$uv" sync --frozen --python "$PYTHON"
  mv "$boot/sync-started" "$stamp"
fi
