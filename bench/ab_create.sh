#!/usr/bin/env bash
# bench/ab_create.sh — the durable create of `make bench`, A/B between two
# builds in one sitting, alternated so that a drift of the machine falls on
# both: A B B A, ROUNDS times.  A whole `make bench` runs each scenario once
# per build; a write's CPU per request moves ±15 % between two runs of the
# same binary (the fsync's wait decides how many requests share a commit), so
# one pair of runs cannot tell 5 % apart.  Each build gets its own store
# (init --demo + RECORDS generated cases), both on one PostgreSQL server or
# each on its own SQLite file; the CPU charged is sifasuo's plus, on pg,
# every PostgreSQL process's.
#
#   bench/ab_create.sh sqlite|pg OLD_BIN NEW_BIN
#   ROUNDS=3 SECONDS_EACH=5 CONNS=64 RECORDS=100000
#
# Prints one line per run and the mean CPU per create of each build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STORE=${1:?sqlite or pg}
OLD=${2:?old binary}
NEW=${3:?new binary}
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_EACH:-5}
CONNS=${CONNS:-64}
RECORDS=${RECORDS:-100000}
for b in "$OLD" "$NEW"; do [ -x "$b" ] || { echo "ab_create: $b is not an executable" >&2; exit 1; }; done
command -v wrk >/dev/null || { echo "ab_create: wrk not found (scripts/deps.sh --bench)" >&2; exit 1; }

T=$(mktemp -d /tmp/sifasuo-ab.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$STORE" != pg ] || pg_stop || true
  rm -rf "$T"
}
trap cleanup EXIT
lcurl() { curl --noproxy '*' -sS --max-time 30 "$@"; }
# CPU ticks of the processes $@ and their children (as bench/run.sh counts)
cpu_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v roots=" $* " '{
      pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      if (index(roots, " " pid " ")) t += f[12] + f[13] + f[14] + f[15]
      else if (index(roots, " " f[2] " ")) t += f[12] + f[13]
    } END { print t + 0 }'
}

DB_PID=
if [ "$STORE" = pg ]; then
  # shellcheck source=tests/lib/pg.sh disable=SC1091
  source "$ROOT/tests/lib/pg.sh"
  pg_start
  DB_PID=$(head -1 "$SIFASUO_PG_DIR/data/postmaster.pid")
fi

declare -A URL=() SPID=() COOKIE=() CSRF=() BODY=()
for who in old new; do
  bin=$OLD; [ $who = new ] && bin=$NEW
  mkdir -m 700 "$T/$who"
  if [ "$STORE" = pg ]; then db=$(pg_new_db "ab_$who"); else db="sqlite:$T/$who/demo.db"; fi
  SIFASUO_KEY_FILE=$T/$who/keys "$bin" init --demo --db "$db" >"$T/$who/init.log" 2>&1 ||
    { tail -5 "$T/$who/init.log" >&2; exit 1; }
  SIFASUO_KEY_FILE=$T/$who/keys "$bin" generate mediation-cases --count "$RECORDS" --db "$db" >"$T/$who/gen.log" 2>&1 ||
    { tail -5 "$T/$who/gen.log" >&2; exit 1; }
  [ "$STORE" != pg ] || psql -q "$db" -c "VACUUM ANALYZE" >/dev/null
  "$bin" serve --db "$db" --listen 127.0.0.1:0 --key-file "$T/$who/keys" --quiet >"$T/$who/out" 2>"$T/$who/err" &
  SPID[$who]=$!
  PIDS+=("${SPID[$who]}")
  for _ in $(seq 1 100); do
    URL[$who]=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/$who/out" 2>/dev/null | head -1 || true)
    [ -n "${URL[$who]}" ] && break
    sleep 0.1
  done
  [ -n "${URL[$who]}" ] || { cat "$T/$who/err" >&2; exit 1; }
  lcurl -f -D "$T/$who/hdr" -o "$T/$who/login.json" -H 'Host: 127.0.0.1' -H 'Content-Type: application/json' \
    --data '{"username":"shiju","password":"Sfs@demo2026"}' "${URL[$who]}/api/v1/session"
  COOKIE[$who]=$(tr -d '\r' <"$T/$who/hdr" | grep -io 'sid=[0-9a-zA-Z]*' | head -1)
  CSRF[$who]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$T/$who/login.json")
  # an office of 浦东新区: the district's first child, as bench/run.sh picks it
  get() { lcurl -f -H "Cookie: ${COOKIE[$who]}" -H 'Host: 127.0.0.1' "${URL[$who]}$1"; }
  root=$(get /api/v1/org-units | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  district=$(get "/api/v1/org-units?parent=$root&limit=1000" |
    python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin)["items"] if i["name"] == "浦东新区司法局"][0])')
  office=$(get "/api/v1/org-units?parent=$district&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  BODY[$who]=$(printf '{"org_id":%d,"title":"压测登记: 楼上漏水纠纷","received_on":"2026-11-30","source":"party_application",%s}' \
    "$office" '"category":"neighborhood","summary":"楼上卫生间漏水, 楼下要求赔偿装修损失 (bench/ab_create.sh 写入)","amount":"12000.50"')
  st=$(lcurl -o "$T/$who/check.json" -w '%{http_code}' -H "Cookie: ${COOKIE[$who]}" -H "X-CSRF-Token: ${CSRF[$who]}" \
    -H 'Host: 127.0.0.1' -H 'Content-Type: application/json' --data "${BODY[$who]}" "${URL[$who]}/api/v1/mediation-cases")
  [ "$st" = 201 ] || { cat "$T/$who/check.json" >&2; echo "ab_create: the $who build answered $st to a create" >&2; exit 1; }
done

declare -A SUM=() N=()
CLK=$(getconf CLK_TCK)
echo "durable create, $STORE, $RECORDS cases, wrk -c$CONNS -d${SECS}s, CPU of sifasuo$([ "$STORE" = pg ] && echo ' + PostgreSQL') a request"
for r in $(seq 1 "$ROUNDS"); do
  for who in old new new old; do
    export BENCH_COOKIE=${COOKIE[$who]} BENCH_CSRF=${CSRF[$who]} BENCH_BODY=${BODY[$who]} BENCH_REPORT_LUA=$ROOT/bench/wrk-report.lua
    wrk -t2 -c"$CONNS" -d1s --timeout 10s -s "$ROOT/bench/wrk-create.lua" "${URL[$who]}/api/v1/mediation-cases" >/dev/null 2>&1 || true
    t0=$(cpu_ticks "${SPID[$who]}" $DB_PID)
    wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s -s "$ROOT/bench/wrk-create.lua" "${URL[$who]}/api/v1/mediation-cases" >"$T/wrk.txt" 2>&1
    t1=$(cpu_ticks "${SPID[$who]}" $DB_PID)
    line=$(grep '^BENCH ' "$T/wrk.txt" | tail -1)
    n=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
    bad=$(sed 's/.* status=\([0-9]*\).*/\1/' <<<"$line")
    us=$(awk -v d="$((t1 - t0))" -v n="$n" -v c="$CLK" 'BEGIN { printf "%.1f", d / c * 1e6 / n }')
    printf '  round %d  %-3s  %6d creates (%s refused)  %8.1f us\n' "$r" "$who" "$n" "$bad" "$us"
    SUM[$who]=$(awk -v a="${SUM[$who]:-0}" -v b="$us" 'BEGIN { print a + b }')
    N[$who]=$((${N[$who]:-0} + 1))
  done
done
awk -v so="${SUM[old]}" -v no="${N[old]}" -v sn="${SUM[new]}" -v nn="${N[new]}" 'BEGIN {
  o = so / no; n = sn / nn
  printf "mean: old %.1f us, new %.1f us a create: %+.1f %%\n", o, n, (n - o) / o * 100 }'
