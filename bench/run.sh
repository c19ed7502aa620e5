#!/usr/bin/env bash
# bench/run.sh — `make bench` (the Makefile has built build/sifasuo already).
#
# One run, one table: nginx serving a static file of exactly the bytes of
# GET /api/v1/org-units/<浦东新区司法局> is the ceiling; the sifasuo
# scenarios are reported as req/s, p50, p99, errors and the ratio to nginx at
# the same number of connections (DESIGN.md "Performance model").  Everything
# runs on 127.0.0.1 in a temp dir and is stopped on exit.  Timings are
# reported, never asserted.
#
#   BENCH_SECONDS=8   length of each wrk run (default 8)
#   BENCH_WARMUP=1    seconds of unrecorded wrk before each scenario (0: none)
#   BENCH_PG=1        also the sifasuo scenarios on PostgreSQL (0: SQLite only)
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
  "$BIN" serve --db "$db" --listen 127.0.0.1:0 --workers 2 --key-file "$keys" --quiet >"$log.out" 2>"$log.err" &
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

# Signs in as DEMO_USER at $1; prints "sid=…".
sign_in() {
  local hdr=$T/login.hdr
  lcurl -f -D "$hdr" -o /dev/null -H 'Host: 127.0.0.1' -H 'Content-Type: application/json' \
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

# CPU time (clock ticks, user + system) used so far by the processes $@ and
# their direct children (nginx workers, PostgreSQL backends).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_ticks() {
  local roots=" $* "
  # fields after "(comm) ": 1 state, 2 ppid, ..., 12 utime, 13 stime
  # (a process may exit between the glob and the read: cat's status is ignored)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v roots="$roots" '{
      pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      if (index(roots, " " pid " ") || index(roots, " " f[2] " ")) t += f[12] + f[13]
    } END { print t + 0 }'
}

# Formats microseconds.
fmt_us() { awk -v u="$1" 'BEGIN { if (u < 1000) printf "%dus", u; else if (u < 1000000) printf "%.2fms", u/1000; else printf "%.2fs", u/1e6 }'; }

# Result rows.
R_LABEL=() R_CONNS=() R_RPS=() R_P50=() R_P99=() R_ERR=() R_NGINX=() R_CPU=()
CPU_PIDS=() # the server processes whose CPU time a scenario is charged
NGINX_RPS_64=0 NGINX_RPS_512=0
NRUN=0

# run_wrk LABEL CONNS URL [wrk options...]: warm-up, then one recorded run.
run_wrk() {
  local label=$1 conns=$2 url=$3
  shift 3
  NRUN=$((NRUN + 1))
  local raw=$T/wrk-$NRUN.txt
  if [ "$WARMUP" -gt 0 ]; then
    wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1 || true
  fi
  echo "  [$NRUN] $label, $conns connections, ${DUR}s ..." >&2
  local t0 t1
  t0=$(cpu_ticks "${CPU_PIDS[@]}")
  { echo "# $label  conns=$conns  url=$url"; wrk -t"$THREADS" -c"$conns" -d"${DUR}s" --latency -s "$LUA" "$@" "$url"; } \
    >"$raw" 2>&1 || { cat "$raw" >&2; die "wrk failed for $label"; }
  t1=$(cpu_ticks "${CPU_PIDS[@]}")
  local line
  line=$(grep '^BENCH ' "$raw" | tail -1) || { cat "$raw" >&2; die "no result line from wrk for $label"; }
  local -A v=()
  local kv
  for kv in ${line#BENCH }; do v[${kv%%=*}]=${kv#*=}; done
  local rps
  rps=$(awk -v n="${v[requests]}" -v d="${v[duration_us]}" 'BEGIN { printf "%.0f", (d > 0 ? n / (d / 1e6) : 0) }')
  local sock=$((v[connect] + v[read] + v[write] + v[timeout]))
  R_LABEL+=("$label") R_CONNS+=("$conns") R_RPS+=("$rps")
  R_P50+=("$(fmt_us "${v[p50_us]}")") R_P99+=("$(fmt_us "${v[p99_us]}")")
  R_ERR+=("${v[status]}/$sock")
  R_CPU+=("$(awk -v t="$((t1 - t0))" -v n="${v[requests]}" -v hz="$CLK_TCK" \
    'BEGIN { if (n > 0) printf "%.1fus", t / hz * 1e6 / n; else print "-" }')")
  if [ "$label" = "$NGINX_LABEL" ]; then
    R_NGINX+=(1)
    if [ "$conns" = 64 ]; then NGINX_RPS_64=$rps; else NGINX_RPS_512=$rps; fi
  else
    R_NGINX+=(0)
  fi
}

# The sifasuo scenarios against the running server (SURL, COOKIE, ORG_ID).
sifasuo_scenarios() {
  local store=$1
  local auth=(-H "Cookie: $COOKIE" -H 'Host: 127.0.0.1')
  run_wrk "$store GET /healthz" 64 "$SURL/healthz"
  run_wrk "$store GET /healthz" 512 "$SURL/healthz"
  run_wrk "$store GET /api/v1/org-units/$ORG_ID" 64 "$SURL/api/v1/org-units/$ORG_ID" "${auth[@]}"
  run_wrk "$store GET /api/v1/org-units?parent=$ORG_ID" 64 "$SURL/api/v1/org-units?parent=$ORG_ID" "${auth[@]}"
}

vmhwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Brings up sifasuo on a store, checks the answers, runs the scenarios,
# reads the peak RSS and stops it.  $1 = store label, $2 = URL, $3 = key file.
bench_store() {
  local store=$1 db=$2 keys=$3
  start_sifasuo "$db" "$keys" "$store"
  CPU_PIDS=("$SPID" "${DB_PIDS[@]+"${DB_PIDS[@]}"}")
  COOKIE=$(sign_in "$SURL")
  ORG_ID=$(find_district) || die "$DISTRICT not found in the $store demo store"
  local body=$T/body-$store.json
  api_get "/api/v1/org-units/$ORG_ID" >"$body" || die "GET /api/v1/org-units/$ORG_ID failed on $store"
  if ! cmp -s "$body" "$T/www/org-unit.json"; then
    NOTES+=("$store: the org-unit body is $(wc -c <"$body") bytes (nginx serves $(wc -c <"$T/www/org-unit.json"))")
  fi
  api_get "/api/v1/org-units?parent=$ORG_ID" >"$T/list-$store.json" || die "the list request failed on $store"
  lcurl -f -o /dev/null "$SURL/healthz" || die "/healthz failed on $store"
  LIST_BYTES[$store]=$(wc -c <"$T/list-$store.json")
  sifasuo_scenarios "$store"
  RSS[$store]=$(vmhwm_kib "$SPID")
  stop_pid "$SPID"
}

declare -A RSS=() LIST_BYTES=()
DB_PIDS=() # the PostgreSQL postmaster, when the store is PostgreSQL
NOTES=()

# ---- 1. SQLite demo store and the body nginx will serve ----
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: temp dir $T, ${DUR}s per run" >&2
chmod 711 "$T" # nginx workers (nobody when run as root) read $T/www
mkdir -p "$T/sqlite" "$T/www" "$T/nginx/logs" "$T/nginx/tmp"
chmod 700 "$T/sqlite"
SIFASUO_KEY_FILE=$T/sqlite/keys "$BIN" init --demo --db "sqlite:$T/sqlite/demo.db" >"$T/init-sqlite.log" 2>&1 ||
  { cat "$T/init-sqlite.log" >&2; die "init --demo on SQLite failed"; }
start_sifasuo "sqlite:$T/sqlite/demo.db" "$T/sqlite/keys" probe
COOKIE=$(sign_in "$SURL")
ORG_ID=$(find_district) || die "$DISTRICT not found in the demo store"
api_get "/api/v1/org-units/$ORG_ID" >"$T/www/org-unit.json" || die "GET /api/v1/org-units/$ORG_ID failed"
chmod 755 "$T/www"
chmod 644 "$T/www/org-unit.json"
BODY_BYTES=$(wc -c <"$T/www/org-unit.json")
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
for i in $(seq 1 100); do
  lcurl -f -o "$T/nginx-check.json" "$NGINX_URL" 2>/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$T/nginx/logs/"*.log >&2; die "nginx did not start"; }
  sleep 0.1
done
cmp -s "$T/nginx-check.json" "$T/www/org-unit.json" || { cat "$T/nginx/logs/"*.log >&2; die "nginx does not serve the body"; }

NGINX_LABEL="nginx static file"
CPU_PIDS=("$NGINX_PID")
run_wrk "$NGINX_LABEL" 64 "$NGINX_URL"
run_wrk "$NGINX_LABEL" 512 "$NGINX_URL"

# ---- 3. sifasuo on SQLite ----
bench_store sqlite "sqlite:$T/sqlite/demo.db" "$T/sqlite/keys"

# ---- 4. sifasuo on PostgreSQL ----
if [ "$BENCH_PG" != 0 ]; then
  # shellcheck source=tests/lib/pg.sh disable=SC1091
  source "$ROOT/tests/lib/pg.sh"
  if pg_start; then
    PG_STARTED=1
    PG_URL=$(pg_new_db bench_demo) || die "createdb failed"
    mkdir -p "$T/pg"
    chmod 700 "$T/pg"
    SIFASUO_KEY_FILE=$T/pg/keys "$BIN" init --demo --db "$PG_URL" >"$T/init-pg.log" 2>&1 ||
      { cat "$T/init-pg.log" >&2; die "init --demo on PostgreSQL failed"; }
    DB_PIDS=("$(head -1 "$SIFASUO_PG_DIR/data/postmaster.pid" 2>/dev/null || true)")
    bench_store pg "$PG_URL" "$T/pg/keys"
  else
    NOTES+=("PostgreSQL: skipped, pg_start failed (see above)")
  fi
fi

# ---- 5. the table ----
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- src 2>/dev/null)" ] || git_rev+="+dirty-src"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ratio_of() { # rps conns
  local base=$NGINX_RPS_64
  [ "$2" = 512 ] && base=$NGINX_RPS_512
  awk -v a="$1" -v b="$base" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'
}
{
  echo "sifasuo benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), build $git_rev"
  echo "machine: $(nproc) CPUs, $cpu; $(uname -sr); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'); wrk $(wrk -v 2>&1 | awk 'NR==1 { print $2 }')"
  echo "load average before the run: $LOAD_BEFORE (wrk, nginx and sifasuo share these CPUs; other load skews the ratios)"
  echo "wrk -t$THREADS -d${DUR}s --latency (after ${WARMUP}s warm-up); sifasuo --workers 2 --quiet; nginx worker_processes 2"
  echo "org-unit body: $BODY_BYTES bytes (nginx serves the same bytes); list body: ${LIST_BYTES[sqlite]:-?} bytes; user $DEMO_USER"
  echo
  printf '%-44s %6s %9s %9s %9s %12s %9s %9s\n' scenario conns req/s p50 p99 "non2xx/sock" "vs nginx" "cpu/req"
  printf '%-44s %6s %9s %9s %9s %12s %9s %9s\n' "$(printf '%.0s-' {1..44})" ------ --------- --------- --------- ------------ --------- ---------
  for i in "${!R_LABEL[@]}"; do
    label=${R_LABEL[$i]}
    [ "${R_NGINX[$i]}" = 1 ] && label="$label ($BODY_BYTES B)"
    printf '%-44s %6s %9s %9s %9s %12s %9s %9s\n' "$label" "${R_CONNS[$i]}" "${R_RPS[$i]}" "${R_P50[$i]}" \
      "${R_P99[$i]}" "${R_ERR[$i]}" "$(ratio_of "${R_RPS[$i]}" "${R_CONNS[$i]}")" "${R_CPU[$i]}"
  done
  echo
  echo "non2xx/sock: responses other than 2xx/3xx / socket errors (connect, read, write, timeout)."
  echo "vs nginx: req/s over nginx's at the same connections.  cpu/req: CPU time (user+system) of the"
  echo "server per request: nginx master+workers; sifasuo; on pg sifasuo plus all PostgreSQL processes."
  echo "wrk runs on the same CPUs, so a lower cpu/req means a higher req/s; cpu/req varies less with other load."
  for s in sqlite pg; do
    [ -n "${RSS[$s]:-}" ] || continue
    echo "peak RSS of sifasuo on $s (VmHWM): $(awk -v k="${RSS[$s]}" 'BEGIN { printf "%.1f MiB", k/1024 }')"
  done
  # the issue's target: GET /api/v1/org-units/ID at 64 connections >= 70% of nginx
  for i in "${!R_LABEL[@]}"; do
    if [[ ${R_LABEL[$i]} =~ GET\ /api/v1/org-units/[0-9]+$ ]]; then
      [ "${R_CONNS[$i]}" = 64 ] || continue
      pct=$(awk -v a="${R_RPS[$i]}" -v b="$NGINX_RPS_64" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
      verdict=met
      [ "$pct" -ge 70 ] || verdict="NOT met"
      echo "target (org-unit by id, 64 conns, >= 70% of nginx): ${R_LABEL[$i]%% *} ${pct}% — $verdict"
    fi
  done
  for n in "${NOTES[@]+"${NOTES[@]}"}"; do echo "note: $n"; done
} >"$T/table.txt"

mkdir -p "$(dirname "$OUT")"
cp "$T/table.txt" "$OUT"
echo
cat "$T/table.txt"
echo
echo "(written to ${OUT#"$ROOT"/})"
