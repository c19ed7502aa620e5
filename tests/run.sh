#!/usr/bin/env bash
# The whole suite, several test files at once (docs/testing.md): C unit
# tests, black-box API tests on SQLite and on a real PostgreSQL 15 that this
# script starts itself (temp dir, random port, stopped at the end), the
# browser tests, and (make asan) the fuzz corpus replayed.  Every file is
# one job with its own stores, server and port; TEST_JOBS of them run at
# once (default: the machine's cores).  A job's output is printed whole when
# it ends.  The last lines are the ten slowest jobs and, alone on its line,
# "N passed, N failed, N skipped" summed over every job.
#
#   tests/run.sh                       unit, api, e2e and self (the runner's own test)
#   tests/run.sh unit api e2e fuzz     these parts
#   tests/run.sh tests/api/test_pi.py  one file (on each store), or several:
#   tests/run.sh tests/e2e/test_mediation.mjs build/tests/test_json
#
#   TEST_JOBS=N        jobs at once
#   API_STORES="sqlite postgres"   the stores the API files run on
#   SIFASUO_NO_PG=1    start no PostgreSQL (its passes are reported skipped)
#   TEST_BUDGET_S=N    warn when the run takes longer (default 1200)
#   SIFASUO_BIN, UNIT_DIR, FUZZ_DIR    the binaries under test (make asan)
set -uo pipefail
cd "$(dirname "$0")/.."
export SIFASUO_BIN=${SIFASUO_BIN:-build/sifasuo}
UNIT_DIR=${UNIT_DIR:-build/tests}
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
API_STORES=${API_STORES:-sqlite postgres}
BUDGET=${TEST_BUDGET_S:-1200}
started=$EPOCHREALTIME
# seconds since an $EPOCHREALTIME, to a tenth
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'; }
log=$(mktemp -d /tmp/sifasuo-tests.XXXXXX)
chmod 755 "$log"

# ---- what to run: job kinds and their argument ----
parts=() files=()
for a in "$@"; do
  case "$a" in
    unit | api | e2e | fuzz | self) parts+=("$a") ;;
    *) files+=("$a") ;;
  esac
done
[ ${#parts[@]} -eq 0 ] && [ ${#files[@]} -eq 0 ] && parts=(unit api e2e self)
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

jobs_kind=() jobs_arg=() jobs_name=()
add_job() { jobs_kind+=("$1"); jobs_arg+=("$2"); jobs_name+=("$3"); }
add_api() {
  local f=$1 s
  for s in $API_STORES; do add_job api "$s $f" "api $s $(basename "$f" .py)"; done
}
# slow ones first (the e2e files, PostgreSQL), so the tail of the run is short
if want e2e; then for f in tests/e2e/test_*.mjs; do add_job e2e "$f" "e2e $(basename "$f" .mjs)"; done; fi
if want api; then for f in tests/api/test_*.py; do add_api "$f"; done; fi
if want unit; then
  for t in "$UNIT_DIR"/test_*; do [ -x "$t" ] && add_job unit "$t" "unit $(basename "$t")"; done
fi
if want self; then for f in tests/self/test_*.sh; do add_job self "$f" "self $(basename "$f" .sh)"; done; fi
if want fuzz; then
  for t in "$FUZZ_DIR"/fuzz_*; do [ -x "$t" ] && add_job fuzz "$t" "fuzz $(basename "$t")"; done
fi
for f in "${files[@]}"; do
  case "$f" in
    */test_*.py) add_api "$f" ;;
    */self/test_*.sh) add_job self "$f" "self $(basename "$f" .sh)" ;;
    tests/e2e/test_*.mjs) add_job e2e "$f" "e2e $(basename "$f" .mjs)" ;;
    */fuzz/fuzz_*) add_job fuzz "$f" "fuzz $(basename "$f")" ;;
    */test_*) add_job unit "$f" "unit $(basename "$f")" ;;
    *) echo "tests/run.sh: 不认识的参数 $f"; echo "0 passed, 1 failed, 0 skipped"; exit 2 ;;
  esac
done

total_pass=0 total_fail=0 total_skip=0

# ---- PostgreSQL for the whole run ----
need_pg=
for k in "${!jobs_kind[@]}"; do
  case "${jobs_kind[$k]}" in
    unit) need_pg=1 ;;
    api) [[ ${jobs_arg[$k]} == postgres* ]] && need_pg=1 ;;
  esac
done
if [ -n "$need_pg" ] && [ "${SIFASUO_NO_PG:-}" != 1 ]; then
  # shellcheck source=tests/lib/pg.sh
  source tests/lib/pg.sh
  if pg_start; then
    trap 'pg_stop; rm -rf "$log"' EXIT
  else
    echo "PostgreSQL could not be started: counted as a failure"
    total_fail=$((total_fail + 1))
  fi
else
  trap 'rm -rf "$log"' EXIT
fi
if [ -z "${SIFASUO_TEST_PG_URL:-}" ]; then
  # the API files on PostgreSQL cannot run: reported skipped, not passed
  for k in "${!jobs_kind[@]}"; do
    if [ "${jobs_kind[$k]}" = api ] && [[ ${jobs_arg[$k]} == postgres* ]]; then
      echo "skip ${jobs_name[$k]} (没有 PostgreSQL)"
      total_skip=$((total_skip + 1))
      unset 'jobs_kind[k]' 'jobs_arg[k]' 'jobs_name[k]'
    fi
  done
fi

# ---- the demo stores, built once and copied by every job that needs them ----
need_tpl=
for k in "${!jobs_kind[@]}"; do case "${jobs_kind[$k]}" in api | e2e) need_tpl=1 ;; esac; done
if [ -n "$need_tpl" ]; then
  export SIFASUO_TEST_TEMPLATES=$log/templates
  stores=sqlite
  [ -n "${SIFASUO_TEST_PG_URL:-}" ] && [[ " $API_STORES " == *" postgres "* ]] && stores="sqlite postgres"
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086
  if ! python3 tests/api/template.py "$SIFASUO_TEST_TEMPLATES" $stores > "$log/template.out" 2>&1; then
    echo "the demo template stores could not be built (each test builds its own):"
    cat "$log/template.out"
    unset SIFASUO_TEST_TEMPLATES
  else
    printf "(demo template stores: %s, %s s)\n" "$stores" "$(since "$t0")"
  fi
fi

# ---- one job ----
run_job() {
  local kind=$1 arg=$2 name=$3
  case "$kind" in
    unit)
      # a database of its own on the run's server: unit files create and
      # drop schemas and tables there, and run side by side
      if [ -n "${SIFASUO_TEST_PG_URL:-}" ]; then
        local db
        db="u_$(basename "$arg" | tr -c 'a-z0-9_\n' _)_$$"
        SIFASUO_TEST_PG_URL=$(pg_new_db "$db") || { echo "createdb $db failed"; return 1; }
        export SIFASUO_TEST_PG_URL
      fi
      "$arg"
      ;;
    api)
      # shellcheck disable=SC2086
      python3 tests/api/run.py $arg
      ;;
    e2e) tests/e2e/run.sh "$arg" ;;
    self) "$arg" ;;
    fuzz)
      local t leaks=1
      t=$(basename "$arg")
      # fuzz_http's server thread keeps its state until exit: not a leak per input
      [ "$t" = fuzz_http ] && leaks=0
      ASAN_OPTIONS="detect_leaks=$leaks:abort_on_error=0" "$arg" tests/fuzz/corpus/"$t"/*
      ;;
  esac
}

# Reads a finished job's output: prints it whole, adds its closing line to
# the totals (no closing line, or a non-zero exit with none failed, is one
# failure).
declare -A pid_job=()
durations=()
finish() {
  local k=$1 rc secs line p f s
  rc=$(cat "$log/$k.rc" 2>/dev/null || echo 1)
  secs=$(cat "$log/$k.secs" 2>/dev/null || echo 0)
  durations+=("$secs ${jobs_name[$k]}")
  printf "== %s (%.1f s)\n" "${jobs_name[$k]}" "$secs"
  cat "$log/$k.out"
  line=$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log/$k.out" | tail -1)
  if [ -z "$line" ]; then
    echo "(${jobs_name[$k]} printed no closing line; exit $rc: counted as 1 failure)"
    total_fail=$((total_fail + 1))
    return
  fi
  line=${line#*: }
  p=$(echo "$line" | awk '{print $1}')
  f=$(echo "$line" | awk '{print $3}')
  s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
  total_skip=$((total_skip + ${s:-0}))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    total_fail=$((total_fail + 1))
    echo "(${jobs_name[$k]} exited $rc)"
  fi
}

reap() {
  local done_pid
  wait -n -p done_pid
  [ -n "${done_pid:-}" ] || return
  finish "${pid_job[$done_pid]}"
  unset "pid_job[$done_pid]"
}

echo "(${#jobs_kind[@]} files, $JOBS at once)"
for k in "${!jobs_kind[@]}"; do
  while [ ${#pid_job[@]} -ge "$JOBS" ]; do reap; done
  (
    t0=$EPOCHREALTIME
    run_job "${jobs_kind[$k]}" "${jobs_arg[$k]}" "${jobs_name[$k]}" > "$log/$k.out" 2>&1 < /dev/null
    echo $? > "$log/$k.rc"
    since "$t0" > "$log/$k.secs"
  ) &
  pid_job[$!]=$k
done
while [ ${#pid_job[@]} -gt 0 ]; do reap; done

elapsed=$(since "$started")
echo
echo "slowest files:"
printf '%s\n' "${durations[@]}" | sort -rn | head -10 | awk '{printf "  %7.1f s  ", $1; $1=""; print substr($0, 2)}'
printf "whole run: %.0f s with %s jobs at once\n" "$elapsed" "$JOBS"
if awk -v e="$elapsed" -v b="$BUDGET" 'BEGIN { exit !(e > b) }'; then
  echo "WARNING: the run took longer than its budget of $BUDGET s (docs/testing.md)"
fi
echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
