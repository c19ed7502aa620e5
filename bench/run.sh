#!/usr/bin/env bash
# bench/run.sh — `make bench` (the Makefile has built build/sifasuo already).
#
# One run, one table: nginx serving static files of exactly the bytes of
# GET /api/v1/org-units/<浦东新区司法局> and of one mediation case is the
# ceiling; the sifasuo scenarios (issue 9: health, one org unit, one record,
# a filtered and sorted list over BENCH_RECORDS records, the city scorecard,
# creating a record) are reported as req/s, p50, p99, errors and the ratio to
# nginx at the same number of connections (DESIGN.md "Performance model"), at
# 64 and 512 connections, on SQLite and PostgreSQL.  Everything runs on
# 127.0.0.1 in a temp dir and is stopped on exit.  Timings are reported,
# never asserted; the targets are printed as met or not.
#
#   BENCH_SECONDS=8   length of each wrk run (default 8)
#   BENCH_WARMUP=1    seconds of unrecorded wrk before each scenario (0: none)
#   BENCH_PG=1        also the sifasuo scenarios on PostgreSQL (0: SQLite only)
#   BENCH_RECORDS=1000000  mediation cases generated on top of init --demo
#                     (`sifasuo generate mediation-cases`); 100000 for a quick run
#   BENCH_DATA_DIR=/var/tmp/sifasuo-bench  where the generated stores are kept
#                     between runs (keyed by BENCH_RECORDS and a hash of the
#                     schema and generator sources); empty: never cached
#   BENCH_TIMEOUT=10  wrk's per-request timeout in seconds (wrk's own default, 2 s,
#                     counts a durable write queued behind 511 others as an error)
#   BENCH_KEEP=0      1: keep the temp dir (wrk outputs, logs) for inspection
#   BENCH_OUT=bench/results/latest.txt
#   SIFASUO_BIN=build/sifasuo
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${SIFASUO_BIN:-$ROOT/build/sifasuo}
DUR=${BENCH_SECONDS:-8}
WARMUP=${BENCH_WARMUP:-1}
BENCH_PG=${BENCH_PG:-1}
RECORDS=${BENCH_RECORDS:-1000000}
DATA_DIR=${BENCH_DATA_DIR-/var/tmp/sifasuo-bench}
WRK_TIMEOUT=${BENCH_TIMEOUT:-10}
OUT=${BENCH_OUT:-$ROOT/bench/results/latest.txt}
LUA=$ROOT/bench/wrk-report.lua
DEMO_USER=shiju            # city level, sees everything; no TOTP
DEMO_PASSWORD='Sfs@demo2026'
DISTRICT='浦东新区司法局'
THREADS=2

die() { echo "bench: $*" >&2; exit 1; }
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] || die "nginx not found (scripts/deps.sh --bench installs nginx-light)"
for c in wrk curl python3; do command -v "$c" >/dev/null || die "$c not found (scripts/deps.sh --bench)"; done
[ -x "$BIN" ] || die "$BIN is missing (make build/sifasuo)"
[[ $DUR =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive integer"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a non-negative integer"
[[ $RECORDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RECORDS must be a positive integer"
[[ $WRK_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer"

# ---- cleanup: everything this script started ----
T=$(mktemp -d /tmp/sifasuo-bench.XXXXXX)
PIDS=()
PG_STARTED=0

# Stops one child: SIGTERM, up to 10 s, then SIGKILL; reaps it.
stop_pid() {
  local pid=$1 i st
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  for i in $(seq 1 100); do
    st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$p"; done
  if [ "$PG_STARTED" = 1 ]; then pg_stop || true; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $T" >&2; else rm -rf "$T"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- helpers ----
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Every curl goes straight to 127.0.0.1, whatever *_proxy says.
lcurl() { curl --noproxy '*' -sS --max-time 30 "$@"; }

# Starts sifasuo on store URL $1 with key file $2; sets SPID and SURL.
start_sifasuo() {
  local db=$1 keys=$2 log=$T/sifasuo-$3 i
  # the default number of workers: one per core on SQLite, four per core on
  # PostgreSQL (each waits on its round trips; src/cmd/serve.c)
  "$BIN" serve --db "$db" --listen 127.0.0.1:0 --key-file "$keys" --quiet >"$log.out" 2>"$log.err" &
  SPID=$!
  PIDS+=("$SPID")
  SURL=
  for i in $(seq 1 100); do
    SURL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log.out" 2>/dev/null | head -1 || true)
    [ -n "$SURL" ] && break
    kill -0 "$SPID" 2>/dev/null || { cat "$log.err" >&2; die "sifasuo did not start"; }
    sleep 0.1
  done
  [ -n "$SURL" ] || { cat "$log.err" >&2; die "sifasuo did not print its address"; }
}

# Signs in as DEMO_USER at $1; prints "sid=…" (the answer, with its
# csrf_token, is left in $T/login.json).
sign_in() {
  local hdr=$T/login.hdr
  lcurl -f -D "$hdr" -o "$T/login.json" -H 'Host: 127.0.0.1' -H 'Content-Type: application/json' \
    --data "{\"username\":\"$DEMO_USER\",\"password\":\"$DEMO_PASSWORD\"}" "$1/api/v1/session" ||
    die "sign-in as $DEMO_USER failed"
  local c
  c=$(tr -d '\r' <"$hdr" | grep -i '^set-cookie:' | grep -o 'sid=[0-9a-zA-Z]*' | head -1 || true)
  [ -n "$c" ] || die "no session cookie in the sign-in answer"
  echo "$c"
}

# GET with the session; body on stdout; fails unless 200.
api_get() { lcurl -f -H "Cookie: $COOKIE" -H 'Host: 127.0.0.1' "$SURL$1"; }

# The id of DISTRICT: the caller's own unit, then its children.
find_district() {
  local root
  root=$(api_get /api/v1/org-units | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  api_get "/api/v1/org-units?parent=$root&limit=1000" |
    python3 -c 'import json,sys
name = sys.argv[1]
ids = [i["id"] for i in json.load(sys.stdin)["items"] if i["name"] == name]
if not ids: sys.exit("not found: " + name)
print(ids[0])' "$DISTRICT"
}

# The city root: the caller's own unit (shiju is at the city bureau).
find_root() { api_get /api/v1/org-units | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])'; }

# The id of one generated case of the district $1, for the record-by-id scenario.
find_case() {
  api_get "/api/v1/mediation-cases?org_id=$1&q=GEN-&limit=1&total=0" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])'
}

# CPU time (clock ticks, user + system) used so far by the processes $@ and
# their direct children (nginx workers, PostgreSQL backends), with the
# children that have exited and been waited for (a pgbench run's backends).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_ticks() {
  local roots=" $* "
  # fields after "(comm) ": 1 state, 2 ppid, ..., 12 utime, 13 stime,
  # 14 cutime, 15 cstime
  # (a process may exit between the glob and the read: cat's status is ignored)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v roots="$roots" '{
      pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      if (index(roots, " " pid " ")) t += f[12] + f[13] + f[14] + f[15]
      else if (index(roots, " " f[2] " ")) t += f[12] + f[13]
    } END { print t + 0 }'
}

# Formats microseconds.
fmt_us() { awk -v u="$1" 'BEGIN { if (u < 1000) printf "%dus", u; else if (u < 1000000) printf "%.2fms", u/1000; else printf "%.2fs", u/1e6 }'; }

# Result rows.
R_LABEL=() R_CONNS=() R_RPS=() R_P50=() R_P99=() R_P99US=() R_ERR=() R_SOCK=() R_BASE=() R_CPU=()
CPU_PIDS=() # the server processes whose CPU time a scenario is charged
declare -A NGINX_RPS=() # "org:64" → req/s of nginx serving that body at 64 connections
NRUN=0
SCRIPT=$LUA # the wrk script of the next run_wrk (wrk-create.lua for the writes)

# run_wrk LABEL CONNS URL BASE [wrk options...]: warm-up, then one recorded
# run.  BASE names the nginx body the ratio is taken against (org, case);
# nginx:org and nginx:case are the nginx runs themselves.
run_wrk() {
  local label=$1 conns=$2 url=$3 base=$4
  shift 4
  NRUN=$((NRUN + 1))
  local raw=$T/wrk-$NRUN.txt
  if [ "$WARMUP" -gt 0 ]; then
    wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" --timeout "${WRK_TIMEOUT}s" -s "$SCRIPT" "$@" "$url" >/dev/null 2>&1 || true
  fi
  echo "  [$NRUN] $label, $conns connections, ${DUR}s ..." >&2
  local t0 t1 s0=0 s1=0 d0=0 d1=0 split=0
  # on PostgreSQL: sifasuo's CPU and PostgreSQL's apart, and the statements'
  # counters from zero (where_time_goes)
  if [[ $label == "pg "* ]] && [ -n "${DB_PIDS[*]:-}" ]; then
    split=1
    pgss_reset
    s0=$(cpu_ticks "$SPID") d0=$(cpu_ticks "${DB_PIDS[@]}")
    t0=$((s0 + d0))
  else
    t0=$(cpu_ticks "${CPU_PIDS[@]}")
  fi
  { echo "# $label  conns=$conns  url=$url"; wrk -t"$THREADS" -c"$conns" -d"${DUR}s" --timeout "${WRK_TIMEOUT}s" --latency -s "$SCRIPT" "$@" "$url"; } \
    >"$raw" 2>&1 || { cat "$raw" >&2; die "wrk failed for $label"; }
  if [ "$split" = 1 ]; then
    s1=$(cpu_ticks "$SPID") d1=$(cpu_ticks "${DB_PIDS[@]}")
    t1=$((s1 + d1))
  else
    t1=$(cpu_ticks "${CPU_PIDS[@]}")
  fi
  local line
  line=$(grep '^BENCH ' "$raw" | tail -1) || { cat "$raw" >&2; die "no result line from wrk for $label"; }
  local -A v=()
  local kv
  for kv in ${line#BENCH }; do v[${kv%%=*}]=${kv#*=}; done
  local rps
  rps=$(awk -v n="${v[requests]}" -v d="${v[duration_us]}" 'BEGIN { printf "%.0f", (d > 0 ? n / (d / 1e6) : 0) }')
  local sock=$((v[connect] + v[read] + v[write] + v[timeout]))
  add_row "$label" "$conns" "$rps" "${v[p50_us]}" "${v[p99_us]}" "${v[status]}" "$sock" "$base" "$((t1 - t0))" "${v[requests]}"
  [ "$split" = 0 ] || where_time_goes "$label, $conns conns" "${v[requests]}" "$((s1 - s0))" "$((d1 - d0))"
}

# ---- where the time goes on PostgreSQL (issue 26 point 4) ----
# pg_stat_statements is loaded into the bench's PostgreSQL (pg_enable_pgss);
# each pg scenario starts its counters from zero and reads them afterwards.
PGSS=0
BREAKDOWN=()
pg_enable_pgss() {
  # only when the library is there: a server told to preload a missing one does not start
  [ -f "$(dirname "$_PG_BIN")/lib/pg_stat_statements.so" ] || return 1
  psql -q "$PG_URL" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null 2>&1 || return 1
  _pg_as_owner "$_PG_BIN/pg_ctl" -D "$SIFASUO_PG_DIR/data" -l "$SIFASUO_PG_DIR/server.log" -w -t 60 restart \
    -o "-c listen_addresses=127.0.0.1 -p $SIFASUO_PG_PORT -k $SIFASUO_PG_DIR" >/dev/null 2>&1 || return 1
  psql -q "$PG_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || return 1
  PGSS=1
}
pgss_reset() {
  [ "$PGSS" = 1 ] || return 0
  psql -qAt "$PG_URL" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
}
# where_time_goes LABEL REQUESTS SIFASUO_TICKS PG_TICKS: sifasuo's and
# PostgreSQL's CPU a request, then the statements run at least once in 20
# requests (those beside requests — the job poll, the generation checks —
# run less often), most execution time first: calls a request, execution
# time a call and a request (pg_stat_statements' total_exec_time: time in
# the executor, not the round trip; CPU when nothing waits), rows a call.
where_time_goes() {
  local label=$1 n=$2 st=$3 dt=$4 calls ms nrows q
  [ "${n:-0}" -gt 0 ] || return 0
  BREAKDOWN+=("$(awk -v s="$st" -v d="$dt" -v n="$n" -v hz="$CLK_TCK" -v l="$label" \
    'BEGIN { printf "%s: sifasuo %.1f us, PostgreSQL %.1f us of CPU a request", l, s / hz * 1e6 / n, d / hz * 1e6 / n }')")
  [ "$PGSS" = 1 ] || return 0
  while IFS=$'\t' read -r calls ms nrows q; do
    [ -n "$calls" ] || continue
    BREAKDOWN+=("$(awk -v c="$calls" -v ms="$ms" -v n="$n" -v r="$nrows" -v q="$q" \
      'BEGIN { printf "    %5.2f a request %8.1f us a call %8.1f us a request %6.1f rows a call  %s", c / n, ms * 1000 / c, ms * 1000 / n, r / c, q }')")
  done < <(psql -qAtF $'\t' "$PG_URL" -c "SELECT calls, total_exec_time, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90)
      FROM pg_stat_statements WHERE calls * 20 >= $n AND query NOT LIKE '%pg_stat_statements%'
      ORDER BY total_exec_time DESC LIMIT 4" 2>/dev/null)
}

# add_row LABEL CONNS RPS P50_US P99_US NON2XX SOCKERR BASE CPU_TICKS REQUESTS
add_row() {
  R_LABEL+=("$1") R_CONNS+=("$2") R_RPS+=("$3")
  R_P50+=("$(fmt_us "$4")") R_P99+=("$([[ $5 =~ ^[0-9]+$ ]] && fmt_us "$5" || echo "$5")") R_P99US+=("$5")
  R_ERR+=("$6/$7") R_SOCK+=("$(($6 + $7))") R_BASE+=("$8")
  R_CPU+=("$(awk -v t="$9" -v n="${10}" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.1fus", t / hz * 1e6 / n; else print "-" }')")
  [[ $8 != nginx:* ]] || NGINX_RPS[${8#nginx:}:$2]=$3
}

# The statements one request (API path $1) makes PostgreSQL run, as a
# pgbench script $2 with the parameters written in: statement logging is on
# for CAPTURE_N requests after a first one (which warms the connection),
# read back from the server log; a statement is the request's when it ran
# once in each of them (pg_statements.py --per).  One logged request was
# not enough: a background pass that happened to run beside it (the
# webhook poller's two statements) went into the script, and "pg alone"
# then replayed three statements for the case by id's one, so its row
# fell from ~69 000 to ~26 000 req/s and the issue 26 target read "met".
# Needs the running server (SURL, COOKIE) and PG_URL.
CAPTURE_N=10
pg_capture() {
  local path=$1 out=$2 log=$SIFASUO_PG_DIR/server.log from i
  api_get "$path" >/dev/null || die "GET $path failed on pg"
  psql -q "$PG_URL" -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  from=$(wc -c <"$log")
  for i in $(seq 1 "$CAPTURE_N"); do api_get "$path" >/dev/null || die "GET $path failed on pg"; done
  sleep 0.3
  psql -q "$PG_URL" -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
  tail -c +"$((from + 1))" "$log" | python3 "$ROOT/bench/pg_statements.py" --per "$CAPTURE_N" >"$out" || die "could not read the statements of GET $path from the PostgreSQL log"
}

# PostgreSQL alone, no HTTP and no sifasuo: pgbench runs the statements a
# scenario's request makes (pg_capture; prepared, 64 clients, the same
# CPUs), charged the PostgreSQL processes' CPU.  A scenario on pg cannot go
# above it: each of its requests waits for those round trips.  No -l (a log
# line per transaction slows pgbench by a fifth), so no percentiles: the
# p50 column shows the average and the p99 column the share of requests
# over 10 ms (--latency-limit), over 1 % meaning a p99 above 10 ms.
# $1 = label, $2 = script, $3 = nginx body for the ratio, $4 = URL,
# $5 = clients (64: the scenario's connections; sifasuo's own connection
# count, 4 per core, is what PostgreSQL sees from it).
pg_alone() {
  local label=$1 script=$2 base=$3 url=$4 clients=${5:-64} out=$T/pgbench-$NRUN.txt t0 t1
  if [ "$WARMUP" -gt 0 ]; then
    "$_PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$THREADS" -T "$WARMUP" -f "$script" "$url" >/dev/null 2>&1 || true
  fi
  NRUN=$((NRUN + 1))
  echo "  [$NRUN] $label, $clients clients, ${DUR}s ..." >&2
  sleep 0.5 # the warm-up's backends exit and are waited for: their CPU is in t0
  t0=$(cpu_ticks "${DB_PIDS[@]}")
  "$_PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$THREADS" -T "$DUR" --latency-limit=10 -f "$script" "$url" \
    >"$out" 2>&1 || { NOTES+=("$label: pgbench failed: $(tail -1 "$out")"); return 0; }
  sleep 0.5 # and the run's, so that all of theirs is in t1
  t1=$(cpu_ticks "${DB_PIDS[@]}")
  local rps n avg over
  rps=$(awk '/^tps = / { printf "%.0f", $3 }' "$out")
  n=$(awk '/^number of transactions actually processed: / { print $6 }' "$out")
  avg=$(awk '/^latency average = / { printf "%.0f", $4 * 1000 }' "$out")
  over=$(awk '/above the 10.0 ms latency limit/ { v = $NF; gsub(/[()%]/, "", v); printf "%.1f%%>10ms", v }' "$out")
  add_row "$label" "$clients" "${rps:-0}" "${avg:-0}" "${over:--}" 0 0 "$base" "$((t1 - t0))" "${n:-0}"
}

# The list of issue 9: the district's cases (scope by org path) in one
# state, newest registration first, the first page with its (capped) total,
# as the web app's list asks for it: the default columns only (fields=, the
# mediation case's `list` fields).  list_path_whole: every field of each
# case, as API clients without fields= get it.
LIST_FIELDS=case_no,title,received_on,source,category,major
list_path_whole() { echo "/api/v1/mediation-cases?org_id=$1&wf_state=archived&sort=-received_on&limit=20"; }
list_path() { echo "$(list_path_whole "$1")&fields=$LIST_FIELDS"; }

# The body of the create scenario: a valid new case of office OFFICE_ID.
create_body() {
  printf '{"org_id":%d,"title":"压测登记: 楼上漏水纠纷","received_on":"2026-11-30","source":"party_application",%s}' \
    "$OFFICE_ID" '"category":"neighborhood","summary":"楼上卫生间漏水, 楼下要求赔偿装修损失 (bench/run.sh 写入)","amount":"12000.50"'
}

# The sifasuo scenarios against the running server (SURL, COOKIE, CSRF,
# ORG_ID, ROOT_ID, CASE_ID), each at 64 and 512 connections; the writes
# last, so that every read sees the same store.
sifasuo_scenarios() {
  local store=$1 c
  local auth=(-H "Cookie: $COOKIE" -H 'Host: 127.0.0.1')
  for c in 64 512; do run_wrk "$store GET /healthz" $c "$SURL/healthz" org; done
  for c in 64 512; do run_wrk "$store GET /api/v1/org-units/$ORG_ID" $c "$SURL/api/v1/org-units/$ORG_ID" org "${auth[@]}"; done
  run_wrk "$store GET /api/v1/org-units?parent=$ORG_ID" 64 "$SURL/api/v1/org-units?parent=$ORG_ID" org "${auth[@]}"
  for c in 64 512; do run_wrk "$store GET /api/v1/mediation-cases/$CASE_ID" $c "$SURL/api/v1/mediation-cases/$CASE_ID" case "${auth[@]}"; done
  for c in 64 512; do run_wrk "$store list: district, state, sort (${RECORDS_LABEL})" $c "$SURL$(list_path "$ORG_ID")" org "${auth[@]}"; done
  run_wrk "$store list, every field: district, state, sort" 64 "$SURL$(list_path_whole "$ORG_ID")" org "${auth[@]}"
  for c in 64 512; do run_wrk "$store GET /api/v1/standards/scorecard (city)" $c "$SURL/api/v1/standards/scorecard?org=$ROOT_ID" org "${auth[@]}"; done
  SCRIPT=$ROOT/bench/wrk-create.lua
  BENCH_BODY=$(create_body)
  export BENCH_COOKIE=$COOKIE BENCH_CSRF=$CSRF BENCH_BODY BENCH_REPORT_LUA=$LUA
  for c in 64 512; do run_wrk "$store POST /api/v1/mediation-cases (durable)" $c "$SURL/api/v1/mediation-cases" none; done
  SCRIPT=$LUA
}

vmhwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Brings up sifasuo on a store, checks the answers, runs the scenarios,
# reads the peak RSS and stops it.  $1 = store label, $2 = URL, $3 = key file.
bench_store() {
  local store=$1 db=$2 keys=$3
  start_sifasuo "$db" "$keys" "$store"
  CPU_PIDS=("$SPID" "${DB_PIDS[@]+"${DB_PIDS[@]}"}")
  COOKIE=$(sign_in "$SURL")
  CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$T/login.json")
  ORG_ID=$(find_district) || die "$DISTRICT not found in the $store demo store"
  ROOT_ID=$(find_root) || die "no root unit on $store"
  OFFICE_ID=$(api_get "/api/v1/org-units?parent=$ORG_ID&limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])') || die "no office in $DISTRICT on $store"
  CASE_ID=$(find_case "$ORG_ID") || die "no generated case in $DISTRICT on $store"
  local body=$T/body-$store.json
  api_get "/api/v1/org-units/$ORG_ID" >"$body" || die "GET /api/v1/org-units/$ORG_ID failed on $store"
  if ! cmp -s "$body" "$T/www/org-unit.json"; then
    NOTES+=("$store: the org-unit body is $(wc -c <"$body") bytes (nginx serves $(wc -c <"$T/www/org-unit.json"))")
  fi
  api_get "/api/v1/mediation-cases/$CASE_ID" >"$body" || die "GET /api/v1/mediation-cases/$CASE_ID failed on $store"
  if ! cmp -s "$body" "$T/www/case.json"; then
    NOTES+=("$store: the case body is $(wc -c <"$body") bytes (nginx serves $(wc -c <"$T/www/case.json"))")
  fi
  api_get "$(list_path "$ORG_ID")" >"$T/cases-$store.json" || die "the case list failed on $store"
  CASES_BYTES[$store]=$(wc -c <"$T/cases-$store.json")
  CASES_TOTAL[$store]=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("total", "?"), len(d["items"]))' \
    "$T/cases-$store.json")
  api_get "/api/v1/standards/scorecard?org=$ROOT_ID" >/dev/null || die "the city scorecard failed on $store"
  # one create by hand first: the scenario must measure 201s, not refusals
  local st
  st=$(lcurl -o "$T/create-check-$store.json" -w '%{http_code}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
    -H 'Host: 127.0.0.1' -H 'Content-Type: application/json' --data "$(create_body)" "$SURL/api/v1/mediation-cases")
  [ "$st" = 201 ] || { cat "$T/create-check-$store.json" >&2; die "POST /api/v1/mediation-cases answered $st on $store"; }
  api_get "/api/v1/org-units?parent=$ORG_ID" >"$T/list-$store.json" || die "the list request failed on $store"
  lcurl -f -o /dev/null "$SURL/healthz" || die "/healthz failed on $store"
  LIST_BYTES[$store]=$(wc -c <"$T/list-$store.json")
  sifasuo_scenarios "$store"
  RSS[$store]=$(vmhwm_kib "$SPID")
  if [ "$store" = pg ]; then
    pg_capture "/api/v1/mediation-cases/$CASE_ID" "$T/pg-case.sql"
    pg_capture "$(list_path "$ORG_ID")" "$T/pg-list.sql"
    pg_capture "/api/v1/standards/scorecard?org=$ROOT_ID" "$T/pg-scorecard.sql"
  fi
  stop_pid "$SPID"
}

declare -A RSS=() LIST_BYTES=() CASES_BYTES=() CASES_TOTAL=()
DB_PIDS=() # the PostgreSQL postmaster, when the store is PostgreSQL
NOTES=()

# ---- the dataset: init --demo plus RECORDS generated cases, cached ----
# A cached store is used only when it was made from the same schema, demo
# data and generator sources (DATA_KEY) and for the same RECORDS; a run
# copies it, so the cached file is never written.
DATA_KEY=$({
  echo "$RECORDS"
  find "$ROOT/src/store/migrations" "$ROOT/src/engine" "$ROOT/src/modules" "$ROOT/src/cmd" "$ROOT/data" -type f | LC_ALL=C sort |
    xargs cat
} | sha256sum | cut -c1-16)
RECORDS_LABEL=$(awk -v n="$RECORDS" 'BEGIN { if (n >= 1e6 && n % 1e6 == 0) printf "%dM", n/1e6; else if (n >= 1e3 && n % 1e3 == 0) printf "%dk", n/1e3; else print n }')
DATA_NOTES=()

# Runs `init --demo` and `generate mediation-cases` on store URL $2 with key
# file $3 ($1: label); the generator's time goes into DATA_NOTES.
fill_store() {
  local store=$1 db=$2 keys=$3 t0 t1
  SIFASUO_KEY_FILE=$keys "$BIN" init --demo --db "$db" >"$T/init-$store.log" 2>&1 ||
    { cat "$T/init-$store.log" >&2; die "init --demo on $store failed"; }
  echo "bench: generating $RECORDS mediation cases on $store ..." >&2
  t0=$(date +%s.%N)
  SIFASUO_KEY_FILE=$keys "$BIN" generate mediation-cases --count "$RECORDS" --db "$db" >"$T/gen-$store.log" 2>&1 ||
    { tail -5 "$T/gen-$store.log" >&2; die "generate mediation-cases on $store failed"; }
  t1=$(date +%s.%N)
  DATA_NOTES+=("$(awk -v a="$t0" -v b="$t1" -v n="$RECORDS" -v s="$store" \
    'BEGIN { printf "%s: %d cases generated in %.0f s (%.0f/s)", s, n, b - a, n / (b - a) }')")
}

# Keeps directory $1 (a finished dataset) as cache entry $2, replacing
# entries of the same size made from other sources.
cache_put() {
  [ -n "$DATA_DIR" ] || return 0
  local kind=${2%%-*}
  mkdir -p "$DATA_DIR" && chmod 700 "$DATA_DIR" || return 0
  rm -rf "$DATA_DIR/$kind-$RECORDS-"* "$DATA_DIR/.tmp-$2"
  mkdir -m 700 "$DATA_DIR/.tmp-$2" && cp -a "$1"/. "$DATA_DIR/.tmp-$2/" && mv "$DATA_DIR/.tmp-$2" "$DATA_DIR/$2" ||
    { rm -rf "$DATA_DIR/.tmp-$2"; echo "bench: could not cache the $kind dataset in $DATA_DIR" >&2; }
}

# ---- 1. SQLite store (cached or generated) and the bodies nginx will serve ----
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: temp dir $T, ${DUR}s per run, $RECORDS records" >&2
chmod 711 "$T" # nginx workers (nobody when run as root) read $T/www
mkdir -p "$T/sqlite" "$T/www" "$T/nginx/logs" "$T/nginx/tmp"
chmod 700 "$T/sqlite"
SQLITE_CACHE=sqlite-$RECORDS-$DATA_KEY
if [ -n "$DATA_DIR" ] && [ -f "$DATA_DIR/$SQLITE_CACHE/demo.db" ] && [ -f "$DATA_DIR/$SQLITE_CACHE/keys" ]; then
  cp "$DATA_DIR/$SQLITE_CACHE/demo.db" "$DATA_DIR/$SQLITE_CACHE/keys" "$T/sqlite/"
  DATA_NOTES+=("sqlite: the $RECORDS cases from the cache ($DATA_DIR/$SQLITE_CACHE)")
else
  fill_store sqlite "sqlite:$T/sqlite/demo.db" "$T/sqlite/keys"
  cache_put "$T/sqlite" "$SQLITE_CACHE"
fi
start_sifasuo "sqlite:$T/sqlite/demo.db" "$T/sqlite/keys" probe
COOKIE=$(sign_in "$SURL")
ORG_ID=$(find_district) || die "$DISTRICT not found in the demo store"
api_get "/api/v1/org-units/$ORG_ID" >"$T/www/org-unit.json" || die "GET /api/v1/org-units/$ORG_ID failed"
CASE_ID=$(find_case "$ORG_ID") || die "no generated case in $DISTRICT"
api_get "/api/v1/mediation-cases/$CASE_ID" >"$T/www/case.json" || die "GET /api/v1/mediation-cases/$CASE_ID failed"
chmod 755 "$T/www"
chmod 644 "$T/www/org-unit.json" "$T/www/case.json"
BODY_BYTES=$(wc -c <"$T/www/org-unit.json")
CASE_BYTES=$(wc -c <"$T/www/case.json")
stop_pid "$SPID" # a fresh server for the measured runs

# ---- 2. nginx, the ceiling ----
NPORT=$(free_port)
temp_paths="client_body_temp_path $T/nginx/tmp/body;"
for m in proxy fastcgi uwsgi scgi; do
  "$NGINX" -V 2>&1 | grep -q -- "--without-http_${m}_module" || temp_paths+=" ${m}_temp_path $T/nginx/tmp/$m;"
done
cat >"$T/nginx/nginx.conf" <<EOF
# generated by bench/run.sh
worker_processes 2;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    $temp_paths
    types { application/json json; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NPORT;
        root $T/www;
    }
}
EOF
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log" >"$T/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
NGINX_URL="http://127.0.0.1:$NPORT/org-unit.json"
NGINX_CASE_URL="http://127.0.0.1:$NPORT/case.json"
for i in $(seq 1 100); do
  lcurl -f -o "$T/nginx-check.json" "$NGINX_URL" 2>/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$T/nginx/logs/"*.log >&2; die "nginx did not start"; }
  sleep 0.1
done
cmp -s "$T/nginx-check.json" "$T/www/org-unit.json" || { cat "$T/nginx/logs/"*.log >&2; die "nginx does not serve the body"; }
lcurl -f -o "$T/nginx-check.json" "$NGINX_CASE_URL" && cmp -s "$T/nginx-check.json" "$T/www/case.json" ||
  die "nginx does not serve the case body"

CPU_PIDS=("$NGINX_PID")
for c in 64 512; do run_wrk "nginx static file: org unit ($BODY_BYTES B)" $c "$NGINX_URL" nginx:org; done
for c in 64 512; do run_wrk "nginx static file: case ($CASE_BYTES B)" $c "$NGINX_CASE_URL" nginx:case; done

# ---- 3. sifasuo on SQLite ----
bench_store sqlite "sqlite:$T/sqlite/demo.db" "$T/sqlite/keys"

# ---- 4. sifasuo on PostgreSQL ----
if [ "$BENCH_PG" != 0 ]; then
  # shellcheck source=tests/lib/pg.sh disable=SC1091
  source "$ROOT/tests/lib/pg.sh"
  if pg_start; then
    PG_STARTED=1
    PG_URL=$(pg_new_db bench_demo) || die "createdb failed"
    pg_enable_pgss || NOTES+=("pg: pg_stat_statements could not be loaded: no per-statement figures")
    mkdir -p "$T/pg"
    chmod 700 "$T/pg"
    PG_CACHE=pg-$RECORDS-$DATA_KEY
    if [ -n "$DATA_DIR" ] && [ -f "$DATA_DIR/$PG_CACHE/demo.dump" ] && [ -f "$DATA_DIR/$PG_CACHE/keys" ]; then
      t0=$(date +%s)
      "$_PG_BIN/pg_restore" -j 2 --no-owner -d "$PG_URL" "$DATA_DIR/$PG_CACHE/demo.dump" >"$T/restore-pg.log" 2>&1 ||
        { tail -5 "$T/restore-pg.log" >&2; die "pg_restore of the cached dataset failed"; }
      cp "$DATA_DIR/$PG_CACHE/keys" "$T/pg/keys"
      DATA_NOTES+=("pg: the $RECORDS cases from the cache ($DATA_DIR/$PG_CACHE), restored in $(($(date +%s) - t0)) s")
    else
      fill_store pg "$PG_URL" "$T/pg/keys"
      if [ -n "$DATA_DIR" ]; then
        mkdir -p "$T/pg-cache" && chmod 700 "$T/pg-cache" && cp "$T/pg/keys" "$T/pg-cache/" &&
          "$_PG_BIN/pg_dump" -Fc -Z1 -f "$T/pg-cache/demo.dump" "$PG_URL" && cache_put "$T/pg-cache" "$PG_CACHE"
        rm -rf "$T/pg-cache"
      fi
    fi
    # what autovacuum does some minutes after a bulk load: statistics and the
    # visibility map (index-only counts), now rather than during a run
    psql -q "$PG_URL" -c "VACUUM ANALYZE" >/dev/null 2>&1 || NOTES+=("pg: VACUUM ANALYZE failed")
    DB_PIDS=("$(head -1 "$SIFASUO_PG_DIR/data/postmaster.pid" 2>/dev/null || true)")
    bench_store pg "$PG_URL" "$T/pg/keys"
    pg_alone "pg alone: the case by id's statements (pgbench)" "$T/pg-case.sql" case "$PG_URL"
    pg_alone "pg alone: the case by id's, sifasuo's connection count" "$T/pg-case.sql" case "$PG_URL" "$(($(nproc) * 4))"
    pg_alone "pg alone: the list's statements (pgbench)" "$T/pg-list.sql" org "$PG_URL"
    pg_alone "pg alone: the list's, sifasuo's connection count" "$T/pg-list.sql" org "$PG_URL" "$(($(nproc) * 4))"
    pg_alone "pg alone: the city scorecard's statements (pgbench)" "$T/pg-scorecard.sql" org "$PG_URL"
  else
    NOTES+=("PostgreSQL: skipped, pg_start failed (see above)")
  fi
fi

# ---- 5. the table ----
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- src 2>/dev/null)" ] || git_rev+="+dirty-src"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ratio_of() { # rps conns base
  local base=${NGINX_RPS[${3#nginx:}:$2]:-0}
  awk -v a="$1" -v b="$base" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'
}
# row index of the first run whose label matches $1 (a regex) at $2 connections, or empty
row_of() {
  local i
  for i in "${!R_LABEL[@]}"; do
    [[ ${R_LABEL[$i]} =~ $1 ]] && [ "${R_CONNS[$i]}" = "$2" ] && { echo "$i"; return 0; }
  done
  return 0
}
{
  echo "sifasuo benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), build $git_rev"
  echo "machine: $(nproc) CPUs, $cpu; $(uname -sr); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'); wrk $(wrk -v 2>&1 | awk 'NR==1 { print $2 }')"
  echo "load average before the run: $LOAD_BEFORE (wrk, nginx and sifasuo share these CPUs; other load skews the ratios)"
  echo "wrk -t$THREADS -d${DUR}s --timeout ${WRK_TIMEOUT}s --latency (after ${WARMUP}s warm-up); sifasuo --quiet (default workers: $(nproc) on sqlite, $(( $(nproc) * 4 )) on pg); nginx worker_processes 2"
  echo "data: init --demo + $RECORDS generated mediation cases (sifasuo generate mediation-cases); user $DEMO_USER (city)"
  for n in "${DATA_NOTES[@]+"${DATA_NOTES[@]}"}"; do echo "  $n"; done
  echo "bodies: org unit $BODY_BYTES B, case $CASE_BYTES B (nginx serves the same bytes); org-unit children list ${LIST_BYTES[sqlite]:-?} B;"
  echo "  case list $(list_path "<$DISTRICT>") ${CASES_BYTES[sqlite]:-?} B, total/items: sqlite ${CASES_TOTAL[sqlite]:-?}, pg ${CASES_TOTAL[pg]:-?}"
  echo
  printf '%-58s %6s %9s %9s %9s %12s %9s %9s\n' scenario conns req/s p50 p99 "non2xx/sock" "vs nginx" "cpu/req"
  printf '%-58s %6s %9s %9s %9s %12s %9s %9s\n' "$(printf '%.0s-' {1..58})" ------ --------- --------- --------- ------------ --------- ---------
  for i in "${!R_LABEL[@]}"; do
    printf '%-58s %6s %9s %9s %9s %12s %9s %9s\n' "${R_LABEL[$i]}" "${R_CONNS[$i]}" "${R_RPS[$i]}" "${R_P50[$i]}" \
      "${R_P99[$i]}" "${R_ERR[$i]}" "$(ratio_of "${R_RPS[$i]}" "${R_CONNS[$i]}" "${R_BASE[$i]}")" "${R_CPU[$i]}"
  done
  echo
  echo "non2xx/sock: responses other than 2xx/3xx / socket errors (connect, read, write, timeout)."
  echo "vs nginx: req/s over nginx's at the same connections, serving the org-unit body (the case body for the"
  echo "case by id).  cpu/req: CPU time (user+system) of the server per request: nginx master+workers; sifasuo;"
  echo "on pg sifasuo plus all PostgreSQL processes.  wrk runs on the same CPUs, so a lower cpu/req means a higher"
  echo "req/s; cpu/req varies less with other load.  The POSTs commit one case each (SQLite synchronous=FULL, fsync"
  echo "per commit; PostgreSQL synchronous_commit on) before answering 201.  pg alone: pgbench (prepared) runs"
  echo "the statements one request of the scenario makes, read from PostgreSQL's log, with 64 clients (the"
  echo "scenario's connections) or as many as sifasuo's workers (its connections to PostgreSQL): no HTTP and no"
  echo "sifasuo, so the most that scenario could reach on these CPUs.  Its p50 column is pgbench's average, its"
  echo "p99 column the share of runs over 10 ms (over 1%: a p99 above 10 ms); ratios against the org-unit body."
  for s in sqlite pg; do
    [ -n "${RSS[$s]:-}" ] || continue
    mib=$(awk -v k="${RSS[$s]}" 'BEGIN { printf "%.1f", k/1024 }')
    verdict=met
    awk -v m="$mib" 'BEGIN { exit !(m <= 100) }' || verdict="NOT met"
    echo "peak RSS of sifasuo on $s (VmHWM, after all scenarios): $mib MiB — target <= 100 MB: $verdict"
  done
  # the targets of issue 2 and issue 9
  for s in sqlite pg; do
    i=$(row_of "^$s GET /api/v1/org-units/[0-9]+$" 64)
    if [ -n "$i" ]; then
      pct=$(awk -v a="${R_RPS[$i]}" -v b="${NGINX_RPS[org:64]:-0}" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
      verdict=met; [ "$pct" -ge 70 ] || verdict="NOT met"
      echo "target (org unit by id, 64 conns, >= 70% of nginx): $s ${pct}% — $verdict"
    fi
    i=$(row_of "^$s GET /api/v1/mediation-cases/[0-9]+$" 64)
    if [ -n "$i" ]; then
      pct=$(awk -v a="${R_RPS[$i]}" -v b="${NGINX_RPS[case:64]:-0}" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
      verdict=met; [ "$pct" -ge 60 ] || verdict="NOT met"
      echo "target (one record by id, 64 conns, >= 60% of nginx): $s ${pct}% — $verdict"
    fi
    i=$(row_of "^$s list: " 64)
    if [ -n "$i" ]; then
      verdict=met; [ "${R_P99US[$i]}" -le 10000 ] || verdict="NOT met"
      echo "target (list over $RECORDS records, 64 conns, p99 <= 10 ms): $s ${R_P99[$i]} — $verdict"
    fi
    # a scenario that completed no request at all counts as failed: "no
    # errors" then only means nothing was answered
    errs=0 n=0 idle=0
    for i in "${!R_LABEL[@]}"; do
      [[ ${R_LABEL[$i]} == "$s "* ]] && [ "${R_CONNS[$i]}" = 512 ] || continue
      n=$((n + 1)) errs=$((errs + R_SOCK[i]))
      [ "${R_RPS[$i]%.*}" != 0 ] || idle=$((idle + 1))
    done
    [ "$n" = 0 ] || echo "target (no errors at 512 conns): $s $errs errors in $n scenarios, $idle answering nothing — $([ "$errs" = 0 ] && [ "$idle" = 0 ] && echo met || echo "NOT met")"
  done
  # issue 26 point 4: PostgreSQL's own reaches
  i=$(row_of "^pg GET /api/v1/standards/scorecard" 64)
  if [ -n "$i" ]; then
    pct=$(awk -v a="${R_RPS[$i]}" -v b="${NGINX_RPS[org:64]:-0}" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
    verdict=met; [ "$pct" -ge 25 ] || verdict="NOT met"
    echo "target (issue 26: city scorecard, 64 conns, >= 25% of nginx): pg ${pct}% — $verdict"
  fi
  # the case by id against PostgreSQL alone running its statements, the
  # better of pgbench's two client counts: the most PostgreSQL gives
  i=$(row_of "^pg GET /api/v1/mediation-cases/[0-9]+$" 64)
  j=$(row_of "^pg alone: the case by id's statements" 64)
  k=$(row_of "^pg alone: the case by id's, sifasuo's" "$(($(nproc) * 4))")
  [ -z "$k" ] || [ -z "$j" ] || [ "${R_RPS[$k]}" -le "${R_RPS[$j]}" ] || j=$k
  if [ -n "$i" ] && [ -n "$j" ]; then
    pct=$(awk -v a="${R_RPS[$i]}" -v b="${R_RPS[$j]}" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
    verdict=met; [ "$pct" -ge 75 ] || verdict="NOT met"
    echo "target (issue 26: one record by id, 64 conns, >= 75% of pg alone for its statements, the better row): pg ${R_RPS[$i]} / ${R_RPS[$j]} req/s = ${pct}% — $verdict"
  fi
  i=$(row_of "^pg list: " 64)
  if [ -n "$i" ]; then
    verdict=met; [ "${R_P99US[$i]}" -le 15000 ] || verdict="NOT met"
    echo "target (issue 26: list over $RECORDS records, 64 conns, p99 <= 15 ms): pg ${R_P99[$i]} — $verdict"
  fi
  for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "note: $n"; done
  if [ "${#BREAKDOWN[@]}" -gt 0 ]; then
    echo
    echo "where the time goes on PostgreSQL (CPU of sifasuo and of PostgreSQL a request; then per statement run"
    echo "at least once in 20 requests, from pg_stat_statements: calls a request, execution time a call and a request,"
    echo "rows a call — execution only, without the round trip):"
    for n in "${BREAKDOWN[@]}"; do echo "$n"; done
  fi
} >"$T/table.txt"

mkdir -p "$(dirname "$OUT")"
cp "$T/table.txt" "$OUT"
echo
cat "$T/table.txt"
echo
echo "(written to ${OUT#"$ROOT"/})"
