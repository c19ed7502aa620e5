#!/usr/bin/env bash
# pg-pitr-drill.sh — point-in-time restore of PostgreSQL from a base backup
# (pg_basebackup) and the WAL archive, and a drill that proves it on this
# machine (docs/operations.md §7.5).
#
#   scripts/pg-pitr-drill.sh restore BASE ARCHIVE 'TIME' NEWDATA PORT
#       copies the base backup BASE to NEWDATA, replays the archived WAL of
#       ARCHIVE up to TIME (e.g. '2026-12-07 14:00:00+08') and starts a
#       server there on 127.0.0.1:PORT, promoted (read-write) once the target
#       is reached.  The data being restored is never touched.
#   scripts/pg-pitr-drill.sh drill
#       the whole drill on loopback, in a temp dir: a PostgreSQL 15 with WAL
#       archiving, `sifasuo init`, a base backup, accounts created (batch A),
#       the time noted, more accounts (batch B), the primary stopped as if
#       lost, a restore to the noted time; passes when batch A is there,
#       batch B is not, and `sifasuo audit verify` accepts the restored chain.
#       SIFASUO_BIN (default build/sifasuo); PITR_KEEP=1 keeps the temp dir.
#
# As root the servers run as the `postgres` user (tests/lib/pg.sh does the same).
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
die() { echo "pg-pitr-drill: $*" >&2; exit 1; }
# Prints how long the step since the last call took: "  12.3 s  what".
step_t=$EPOCHREALTIME
step() {
  awk -v a="$step_t" -v b="$EPOCHREALTIME" -v w="$1" 'BEGIN { printf "%7.1f s  %s\n", b - a, w }'
  step_t=$EPOCHREALTIME
}
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# restore BASE ARCHIVE TIME NEWDATA PORT
cmd_restore() {
  local base=$1 archive=$2 target=$3 data=$4 port=$5 i
  [ -f "$base/PG_VERSION" ] || die "$base is not a base backup (no PG_VERSION)"
  [ -d "$archive" ] || die "no WAL archive at $archive"
  [ ! -e "$data" ] || die "$data exists: restore into a new directory"
  cp -a "$base" "$data"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$data"
  chmod 700 "$data"
  rm -f "$data/postmaster.pid" "$data/standby.signal"
  touch "$data/recovery.signal"
  # later lines of postgresql.auto.conf win over anything the backup carried
  cat >>"$data/postgresql.auto.conf" <<EOF
# point-in-time restore (scripts/pg-pitr-drill.sh)
restore_command = 'cp $archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
archive_mode = off
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
EOF
  as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$data/restore.log" -w -t 300 start >/dev/null ||
    die "the restored server did not start: $(tail -20 "$data/restore.log")"
  for i in $(seq 1 600); do
    [ "$(as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] &&
      { echo "restored to $target: 127.0.0.1:$port"; return 0; }
    sleep 0.2
  done
  die "the restored server did not finish recovery: $(tail -20 "$data/restore.log")"
}

cmd_drill() {
  local bin=${SIFASUO_BIN:-build/sifasuo}
  [ -x "$bin" ] || die "no sifasuo binary at $bin (make, or set SIFASUO_BIN)"
  bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql-15)"
  local dir p1 p2 url url2 t0 pw="Drill@pitr2026x" u n
  dir=$(mktemp -d /tmp/sifasuo-pitr.XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$dir/archive" "$dir/primary"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir" "$dir/archive" "$dir/primary"
  # shellcheck disable=SC2064
  [ -n "${PITR_KEEP:-}" ] || trap "drill_cleanup '$dir'" EXIT
  t0=$EPOCHREALTIME
  p1=$(free_port) p2=$(free_port)
  as_owner "$PG_BIN/initdb" -D "$dir/primary/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -5 "$dir/initdb.log")"
  cat >>"$dir/primary/data/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $p1
unix_socket_directories = '$dir/primary'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $dir/archive/%f && cp %p $dir/archive/%f.part && mv $dir/archive/%f.part $dir/archive/%f'
EOF
  as_owner "$PG_BIN/pg_ctl" -D "$dir/primary/data" -l "$dir/primary/server.log" -w -t 60 start >/dev/null ||
    die "the primary did not start: $(tail -10 "$dir/primary/server.log")"
  as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$p1" -U postgres sifasuo
  url="postgresql://postgres@127.0.0.1:$p1/sifasuo"
  export SIFASUO_KEY_FILE=$dir/keys
  step "primary with WAL archiving started"
  "$bin" init --db "$url" >"$dir/init.out" 2>&1 || die "sifasuo init failed: $(tail -5 "$dir/init.out")"
  step "sifasuo init"

  # the base backup (as production would take it, -Xstream: complete by itself)
  as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$p1" -U postgres -D "$dir/base" -Fp -Xstream -c fast
  as_owner "$PG_BIN/pg_verifybackup" -q "$dir/base" || die "pg_verifybackup rejected the base backup"
  step "pg_basebackup + pg_verifybackup"

  add_users() { # prefix: three accounts, each its own transaction and audit entry
    for n in 1 2 3; do
      printf '%s\n' "$pw" | "$bin" user add --db "$url" --username "$1$n" --name "演练$1$n" --org 1 --role office_staff \
        --password-stdin >>"$dir/users.out" 2>&1 || die "user add $1$n failed: $(tail -3 "$dir/users.out")"
    done
  }
  add_users drill_a
  step "batch A: 3 accounts"
  local target
  target=$(as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$p1" -U postgres -d sifasuo -qAtc "SELECT CAST(now() AS TEXT)")
  sleep 1.1 # commits after the target carry a later timestamp, whatever the clock's resolution
  add_users drill_b
  step "batch B: 3 accounts"
  # close the WAL segment holding batch B and wait until it is archived
  local seg
  seg=$(as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$p1" -U postgres -d sifasuo -qAtc "SELECT pg_walfile_name(pg_switch_wal())")
  for n in $(seq 1 300); do [ -f "$dir/archive/$seg" ] && break; sleep 0.1; done
  [ -f "$dir/archive/$seg" ] || die "WAL segment $seg was not archived"
  # the primary is lost
  as_owner "$PG_BIN/pg_ctl" -D "$dir/primary/data" -m immediate -w stop >/dev/null
  step "WAL archived, primary stopped"

  cmd_restore "$dir/base" "$dir/archive" "$target" "$dir/restored" "$p2"
  step "restore to the target time"
  url2="postgresql://postgres@127.0.0.1:$p2/sifasuo"
  local a b
  a=$(as_owner "$PG_BIN/psql" "$url2" -qAtc "SELECT COUNT(*) FROM users WHERE username LIKE 'drill\\_a%'")
  b=$(as_owner "$PG_BIN/psql" "$url2" -qAtc "SELECT COUNT(*) FROM users WHERE username LIKE 'drill\\_b%'")
  echo "written before $target: 3 accounts, restored $a; written after: 3 accounts, restored $b"
  [ "$a" = 3 ] && [ "$b" = 0 ] || die "the restore is not at the target time"
  "$bin" audit verify --db "$url2" >"$dir/verify.out" 2>&1 || die "audit verify failed on the restored store: $(cat "$dir/verify.out")"
  step "checked, audit verify"
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "PITR 演练通过 (%.1f s): 恢复到记录的时间点, 之前的写入都在, 之后的都不在, 审计链校验通过\n", b - a }'
}

drill_cleanup() {
  local dir=$1 d
  for d in "$dir/restored" "$dir/primary/data"; do
    [ -f "$d/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1
  done
  rm -rf "$dir"
}

case "${1:-}" in
  restore) shift; [ $# -eq 5 ] || die "usage: restore BASE ARCHIVE 'TIME' NEWDATA PORT"; cmd_restore "$@" ;;
  drill) cmd_drill ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
