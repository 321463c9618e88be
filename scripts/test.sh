#!/usr/bin/env bash
# Every test, one pytest process per package: a package's session fixtures (its
# services, pools and databases) end with its run, so the whole suite never holds
# more PostgreSQL connections than a few packages need. Extra arguments go to pytest.
#
# Packages run TEST_JOBS at a time (default 2). Run one after another, the suite keeps
# the machine a quarter busy: most of a package's time is spent waiting on its services,
# NATS and PostgreSQL. Every package has its own databases, streams and ports, so they
# never meet. Each package's output is printed whole when it finishes.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs_at_once="${TEST_JOBS:-2}"
# The whole system's tests first: they take longest, and everything else fits beside them.
roots=(tests)
for dir in libs/* tools/* services/*; do
  [ -d "$dir/tests" ] && roots+=("$dir")
done
roots+=(deploy)

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
declare -A running=()
failed=()

finish_one() {
  local pid status root
  wait -n -p pid "${!running[@]}"
  status=$?
  root="${running[$pid]}"
  unset "running[$pid]"
  printf '\n== %s\n' "$root"
  cat "$logs/${root//\//_}.log"
  # 5: nothing collected (a filter such as -m may leave a package without tests).
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
    failed+=("$root")
  fi
}

for root in "${roots[@]}"; do
  while [ "${#running[@]}" -ge "$jobs_at_once" ]; do
    finish_one
  done
  .venv/bin/python -m pytest -q "$root" "$@" >"$logs/${root//\//_}.log" 2>&1 &
  running[$!]="$root"
done
while [ "${#running[@]}" -gt 0 ]; do
  finish_one
done

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nfailed in: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nall %d packages passed\n' "${#roots[@]}"
