#!/usr/bin/env bash
# bench/instr.sh — instructions per request under callgrind: an A/B that the
# machine's load does not move (wrk's CPU per request does, ±25 % on a busy
# 2-core machine).  Counts sifasuo's own user-space instructions (SQLite
# included, the kernel not); PostgreSQL's backends are not counted.
#
#   bench/instr.sh NAME BIN [PORT]
#     NAME   a label; the store is kept in /var/tmp/sifasuo-instr-NAME
#            (init --demo + BENCH_RECORDS generated cases, made once)
#     BIN    the sifasuo binary (a build of another commit for the "before")
#   BENCH_RECORDS=100000  cases generated (once per NAME)
#   N=200                 sequential requests per scenario (one worker)
#   SCEN="case list6 listall"  (also: parties: a case with its parties, as
#                         the demo makes them; create, import; asc, desc: the district's
#                         cases by closed_on, whose empties come last both ways;
#                         skew: the city's cases received in a half-year by
#                         closing date, which a walk reads from the oldest)
#   IMPORT_ROWS=2000      rows of the import scenario (one CSV job)
#   INSTR_DB=URL INSTR_KEYS=FILE  another store instead (e.g. PostgreSQL, made
#                         by the caller: init --demo, generate); sifasuo's
#                         instructions only — libpq included, the backend not
#                         (for the backend: docs/performance.md, "Issue 15,
#                         fourth pass")
#
# Prints, per scenario, the body size and the instructions per request;
# create: a durable POST of a new case (the CPU, not the fsync's wait);
# import: per imported row, the job included (the worker thread is counted).
set -u
NAME=$1 BIN=$2 PORT=${3:-18100}
RECORDS=${BENCH_RECORDS:-100000} N=${N:-200}
for c in valgrind callgrind_control callgrind_annotate curl python3; do
  command -v $c >/dev/null || { echo "$c not found (scripts/deps.sh --bench)" >&2; exit 1; }
done
D=/var/tmp/sifasuo-instr-$NAME DB=sqlite:/var/tmp/sifasuo-instr-$NAME/db
mkdir -p "$D"
if [ -n "${INSTR_DB:-}" ]; then
  DB=$INSTR_DB
  cp "${INSTR_KEYS:?INSTR_KEYS: the key file of INSTR_DB}" "$D/keys"
elif [ ! -f "$D/ready" ]; then
  "$BIN" init --demo --db "$DB" --key-file "$D/keys" >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }
  "$BIN" generate mediation-cases --count "$RECORDS" --bulk --db "$DB" --key-file "$D/keys" >/dev/null 2>&1 ||
    { echo "generate failed" >&2; exit 1; }
  touch "$D/ready"
fi
rm -f "$D"/cg.*
valgrind --tool=callgrind --callgrind-out-file="$D/cg.out.%p" "$BIN" serve --quiet --listen 127.0.0.1:$PORT \
  --db "$DB" --key-file "$D/keys" --workers 1 >"$D/serve.log" 2>&1 &
SP=$!
trap 'kill $SP 2>/dev/null; wait $SP 2>/dev/null' EXIT
U=http://127.0.0.1:$PORT
for _ in $(seq 120); do curl -s -o /dev/null "$U/healthz" && break; sleep 0.5; done
curl -s -D "$D/h" -o /dev/null -H 'Host: 127.0.0.1' -H 'Content-Type: application/json' \
  --data '{"username":"shiju","password":"Sfs@demo2026"}' "$U/api/v1/session"
COOKIE=$(grep -i '^set-cookie' "$D/h" | head -1 | sed 's/^[Ss]et-[Cc]ookie: //;s/;.*//')
CSRF=$(curl -s -H "Cookie: $(grep -i '^set-cookie' "$D/h" | head -1 | sed 's/^[Ss]et-[Cc]ookie: //;s/;.*//')" \
  -H 'Host: 127.0.0.1' "$U/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
g() { curl -s -H "Cookie: $COOKIE" -H 'Host: 127.0.0.1' "$U$1"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
ROOT=$(g /api/v1/org-units | py 'print(d["items"][0]["id"])')
ORG=$(g "/api/v1/org-units?parent=$ROOT&limit=1000" | py 'print([u["id"] for u in d["items"] if u["name"].startswith("浦东")][0])')
CASE=$(g "/api/v1/mediation-cases?org_id=$ORG&q=GEN-&limit=1&total=0" | py 'print(d["items"][0]["id"])')
L="/api/v1/mediation-cases?org_id=$ORG&wf_state=archived&sort=-received_on&limit=20"
OFFICE=$(g "/api/v1/org-units?parent=$ORG&limit=1000" | py 'print(d["items"][0]["id"])')
OFFICE_NAME=$(g "/api/v1/org-units/$OFFICE" | py 'print(d["name"])')
BODY=$(printf '{"org_id":%d,"title":"压测登记: 楼上漏水纠纷","received_on":"2026-11-30","source":"party_application","category":"neighborhood","summary":"楼上卫生间漏水, 楼下要求赔偿装修损失","amount":"12000.50"}' "$OFFICE")
ROWS=${IMPORT_ROWS:-2000}
python3 - "$ROWS" "$OFFICE_NAME" >"$D/import.csv" <<'PYEOF'
import sys
n, office = int(sys.argv[1]), sys.argv[2]
print("案由,登记日期,案件来源,纠纷类型,纠纷概要,涉及金额 (元),所属机构", end="\r\n")
for i in range(n):
    print(f"导入第{i}号: 邻里噪音纠纷,2026-{1 + i % 11:02d}-{1 + i % 28:02d},party_application,neighborhood,"
          f"楼上夜间噪音影响休息 {i},{i % 50000}.50,{office}", end="\r\n")
PYEOF
post() { curl -s -H "Cookie: $COOKIE" -H 'Host: 127.0.0.1' -H "X-CSRF-Token: $CSRF" "$@"; }
# one scenario whose work is not N GETs: create (N POSTs) or import (one job of ROWS rows)
special() {
  case $1 in
  create)
    for _ in $(seq "$N"); do printf 'url = "%s"\noutput = /dev/null\n' "$U/api/v1/mediation-cases"; done >"$D/curl.cfg"
    post -K "$D/curl.cfg" -H 'Content-Type: application/json' --data "$BODY" ;;
  import)
    local job
    job=$(post -H 'Content-Type: text/csv' --data-binary @"$D/import.csv" "$U/api/v1/mediation-cases/import?mode=all_or_nothing" |
      py 'print(d["job"]["id"] if isinstance(d["job"], dict) else d["job"])')
    for _ in $(seq 1200); do
      st=$(g "/api/v1/jobs/$job" | py 'print(d.get("status") or d.get("state"))')
      case $st in done|succeeded|failed|error) break ;; esac
      sleep 0.5
    done
    echo "import job $job: $st" >&2 ;;
  esac
}
PCASE=$(g "/api/v1/mediation-parties?limit=1&total=0" | py 'print(d["items"][0]["case_id"] if d["items"] else 0)')
declare -A P=([case]="/api/v1/mediation-cases/$CASE" [parties]="/api/v1/mediation-cases/$PCASE" [list6]="$L&fields=case_no,title,received_on,source,category,major"
  [listall]="$L"
  [asc]="/api/v1/mediation-cases?org_id=$ORG&sort=closed_on&limit=20&fields=case_no,title,received_on,closed_on"
  [desc]="/api/v1/mediation-cases?org_id=$ORG&sort=-closed_on&limit=20&fields=case_no,title,received_on,closed_on"
  [skew]="/api/v1/mediation-cases?received_on.from=2025-01-01&received_on.to=2025-06-30&sort=closed_on&limit=20&fields=case_no,title,received_on,closed_on")
for k in ${SCEN:-case list6 listall}; do
  per=$N
  if [ "$k" = create ] || [ "$k" = import ]; then
    [ "$k" = create ] && { post -o /dev/null -H 'Content-Type: application/json' --data "$BODY" "$U/api/v1/mediation-cases"; }
    echo '{}' >"$D/body.$k"
    callgrind_control -z $SP >/dev/null
    special "$k"
    [ "$k" = import ] && per=$ROWS
  else
    for _ in $(seq 20); do g "${P[$k]}" >/dev/null; done # warm: statements prepared, caches loaded
    g "${P[$k]}" >"$D/body.$k"
    callgrind_control -z $SP >/dev/null
    for _ in $(seq "$N"); do printf 'url = "%s"\noutput = /dev/null\n' "$U${P[$k]}"; done >"$D/curl.cfg"
    curl -s -K "$D/curl.cfg" -H "Cookie: $COOKIE" -H 'Host: 127.0.0.1'
  fi
  callgrind_control -d "$k" $SP >/dev/null
  f=$(ls -t "$D"/cg.out.* | head -1)
  mv "$f" "$D/cg.$k"
  ir=$(callgrind_annotate "$D/cg.$k" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  printf '%-10s %-8s body %6d B  %8s K instructions a request\n' "$NAME" "$k" "$(wc -c <"$D/body.$k")" \
    "$(awk -v i="${ir:-0}" -v n="$per" 'BEGIN { printf "%.1f", i / n / 1000 }')"
done
echo "profiles: $D/cg.<scenario> (callgrind_annotate --inclusive=yes)"
