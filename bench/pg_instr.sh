#!/usr/bin/env bash
# bench/pg_instr.sh — PostgreSQL backend instructions per execution of a
# statement, under callgrind: the backend's side of an A/B that the
# machine's load does not move (bench/instr.sh counts sifasuo's side).
#
#   bench/pg_instr.sh DATADIR DBNAME ID SCRIPT...
#     DATADIR  a PostgreSQL 15 data directory whose server is STOPPED (e.g. a
#              tests/lib/pg.sh cluster after pg_ctl stop); it is started
#              here under valgrind on a free port, and stopped again
#     DBNAME   the database holding the store
#     ID       the value of $1 in the scripts (a record's id)
#     SCRIPT   files of SQL, one statement a line with $1 as the parameter
#              (as sifasuo prepares them; bench/pg_statements.py shows a
#              request's statements); each argument is one transaction, and
#              "a.sql+b.sql" runs both in one transaction (a GET that
#              reads its children with a second statement)
#
# For each, pgbench -M prepared (extended protocol, parameters bound, as
# libpq in sifasuo) runs 20 and then 220 transactions on one connection;
# the difference of the two backends' instructions / 200 is one
# transaction's work, connection set-up and the first plans left out.
# pg_stat_statements, when preloaded, is counted too (a few K).
set -eu
DATA=$1 DB=$2 ID=$3
shift 3
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
OUT=$(mktemp -d /tmp/pg-instr.XXXXXX)
chmod 777 "$OUT"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$(stat -c %U "$DATA")" -- "$@"; else "$@"; fi; }
(cd "$OUT" && as_owner valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$OUT/cg.%p" \
  "$BIN/postgres" -D "$DATA" -p "$PORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$OUT" \
  -c autovacuum=off >"$OUT/postmaster.log" 2>&1) &
PM=$!
stop() {
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || kill "$PM" 2>/dev/null || true
  wait "$PM" 2>/dev/null || true
  rm -rf "$OUT"
}
trap stop EXIT
for _ in $(seq 120); do "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break; sleep 1; done
# instructions of the backend that ran $2 transactions of script $1
backend_ir() {
  local before f best=0 t
  before=$(ls "$OUT"/cg.* | sort)
  "$BIN/pgbench" -n -M prepared -c 1 -t "$2" -f "$1" "postgresql://postgres@127.0.0.1:$PORT/$DB" >"$OUT/pgbench.log" 2>&1 ||
    { cat "$OUT/pgbench.log" >&2; exit 1; }
  sleep 3 # the backend exits and callgrind writes its file
  for f in $(comm -13 <(echo "$before") <(ls "$OUT"/cg.* | sort)); do
    t=$(awk '/^summary:/ { print $2 }' "$f")
    [ "${t:-0}" -gt "$best" ] && best=$t
  done
  echo "$best"
}
for arg in "$@"; do
  s=$OUT/script.sql
  { echo "\\set id $ID"; for f in ${arg//+/ }; do sed 's/\$1/:id/g; s/;*$/;/' "$f"; done; } >"$s"
  chmod 644 "$s"
  a=$(backend_ir "$s" 20)
  b=$(backend_ir "$s" 220)
  printf '%-40s %8.1f K backend instructions a transaction\n' "$arg (\$1 = $ID)" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) / 200 / 1000 }')"
done
