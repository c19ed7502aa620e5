#!/usr/bin/env bash
# The whole suite: C unit tests, black-box API tests on SQLite and on a real
# PostgreSQL 15 that this script starts itself (temp dir, random port,
# stopped at the end), and the browser tests.  Ends with the line
# "N passed, N failed" summed over every suite.
#   tests/run.sh            everything
#   tests/run.sh unit|api|e2e   one part
set -uo pipefail
cd "$(dirname "$0")/.."
export SIFASUO_BIN=${SIFASUO_BIN:-build/sifasuo}
UNIT_DIR=${UNIT_DIR:-build/tests}
part=${1:-all}
total_pass=0 total_fail=0
log=$(mktemp -d)

# Runs one suite, echoes its output and adds its closing line to the totals.
suite() {
  local name=$1; shift
  echo "== $name"
  "$@" 2>&1 | tee "$log/out"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/out" | tail -1)
  if [ -z "$line" ]; then
    echo "($name printed no summary; exit $rc: counted as 1 failure)"
    total_fail=$((total_fail + 1))
    return
  fi
  local p f
  p=$(echo "$line" | awk '{print $1}')
  f=$(echo "$line" | awk '{print $3}')
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then total_fail=$((total_fail + 1)); echo "($name exited $rc)"; fi
}

# PostgreSQL for the whole run
if [ "${SIFASUO_NO_PG:-}" != 1 ]; then
  # shellcheck source=tests/lib/pg.sh
  source tests/lib/pg.sh
  if pg_start; then
    trap 'pg_stop' EXIT
  else
    echo "PostgreSQL could not be started: counted as a failure"
    total_fail=$((total_fail + 1))
  fi
fi

if [ "$part" = all ] || [ "$part" = unit ]; then
  for t in "$UNIT_DIR"/test_*; do
    [ -x "$t" ] || continue
    suite "unit $(basename "$t")" "$t"
  done
fi
if [ "$part" = all ] || [ "$part" = api ]; then
  suite "api" python3 tests/api/run.py
fi
if [ "$part" = all ] || [ "$part" = e2e ]; then
  if [ -f tests/e2e/run.sh ]; then
    suite "e2e" tests/e2e/run.sh
  fi
fi
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
