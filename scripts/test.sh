#!/usr/bin/env bash
# Every test, one pytest process per package: a package's session fixtures (its
# services, pools and databases) end with its run, so the whole suite never holds
# more PostgreSQL connections than one package needs. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

roots=()
for dir in libs/* tools/* services/*; do
  [ -d "$dir/tests" ] && roots+=("$dir")
done
roots+=(tests deploy)

failed=()
for root in "${roots[@]}"; do
  printf '\n== %s\n' "$root"
  .venv/bin/python -m pytest -q "$root" "$@"
  status=$?
  # 5: nothing collected (a filter such as -m may leave a package without tests).
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
    failed+=("$root")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nfailed in: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nall %d packages passed\n' "${#roots[@]}"
