# pg.sh — a throwaway PostgreSQL 15 server for the tests (source this file).
#
#   source tests/lib/pg.sh
#   pg_start || exit 1          # temp dir, random port on 127.0.0.1, trust auth
#   url=$(pg_new_db t_mine)     # a fresh database, its URL on stdout
#   ...                         # $SIFASUO_TEST_PG_URL → database sifasuo_test
#   pg_stop                     # fast shutdown, temp dir removed
#
# Works on a clean Debian 12 with postgresql-15 installed and nothing running:
# as root the server runs as the `postgres` user (PostgreSQL refuses root),
# otherwise as the current user.  fsync and synchronous_commit keep their
# defaults, as in production.  PG_BIN overrides where the binaries are.

# The directory holding initdb/pg_ctl: $PG_BIN, else the newest Debian
# /usr/lib/postgresql/N/bin, else whatever is on PATH.
_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  d=$(command -v initdb 2>/dev/null) && { dirname "$d"; return; }
  return 1
}

# Runs a command as the server's owner, from inside the temp dir (the owner
# may not be able to read the caller's working directory).
_pg_as_owner() {
  if [ "$(id -u)" -ne 0 ]; then
    (cd "$_PG_DIR" && "$@")
  elif command -v runuser >/dev/null; then
    (cd "$_PG_DIR" && runuser -u postgres -- "$@")
  else
    local q
    q=$(printf '%q ' "$@")
    (cd "$_PG_DIR" && su postgres -s /bin/sh -c "$q")
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
_pg_free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
  fi
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# Makes a cluster in DATA (initdb, trust, UTF-8), its output in LOG.
_pg_initdb() {
  local data=$1 log=$2 loc
  for loc in C.UTF-8 C; do
    _pg_as_owner "$_PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale="$loc" >"$log" 2>&1 && return 0
    _pg_as_owner rm -rf "$data"
  done
  return 1
}

# Starts the cluster in DATA on a free port of 127.0.0.1 (its socket in
# $_PG_DIR), waits until it answers and prints the port.
_pg_run() {
  local data=$1 log=$2 port attempt i
  for attempt in 1 2 3 4 5; do
    port=$(_pg_free_port) || return 1
    if _pg_as_owner "$_PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $_PG_DIR" >/dev/null 2>&1; then
      for i in $(seq 1 100); do
        "$_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && { echo "$port"; return 0; }
        sleep 0.1
      done
      return 1
    fi
    # most likely someone took the port between the probe and the bind
    _pg_as_owner "$_PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
  done
  return 1
}

# pg_start: see the top of this file.
# Starts the server and creates database sifasuo_test; exports
# SIFASUO_TEST_PG_URL (and SIFASUO_PG_DIR, SIFASUO_PG_PORT).  Returns non-zero,
# with the reason and the server log on stderr, when it cannot.
pg_start() {
  if [ -n "${_PG_DIR:-}" ]; then echo "pg_start: already running in $_PG_DIR" >&2; return 1; fi
  local bin
  bin=$(_pg_bin) || { echo "pg_start: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2; return 1; }
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "pg_start: running as root but there is no 'postgres' user to run the server" >&2
    return 1
  fi
  # /tmp rather than $TMPDIR: as root the postgres user must be able to reach it
  _PG_DIR=$(mktemp -d /tmp/sifasuo-pg.XXXXXX) || return 1
  chmod 700 "$_PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$_PG_DIR"; fi
  _PG_BIN=$bin
  local port
  if ! _pg_initdb "$_PG_DIR/data" "$_PG_DIR/initdb.log"; then
    echo "pg_start: initdb failed:" >&2
    cat "$_PG_DIR/initdb.log" >&2
    _pg_cleanup
    return 1
  fi
  if ! port=$(_pg_run "$_PG_DIR/data" "$_PG_DIR/server.log"); then
    echo "pg_start: the server did not start or does not answer:" >&2
    tail -20 "$_PG_DIR/server.log" >&2 2>/dev/null
    _pg_cleanup
    return 1
  fi
  export SIFASUO_PG_DIR=$_PG_DIR SIFASUO_PG_PORT=$port
  export SIFASUO_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/sifasuo_test"
  if ! pg_new_db sifasuo_test >/dev/null; then
    pg_stop
    return 1
  fi
  return 0
}

# Creates database NAME ([a-z_][a-z0-9_]*) on the running test server and
# prints its URL.
pg_new_db() {
  local name=${1:-}
  if ! [[ $name =~ ^[a-z_][a-z0-9_]*$ ]]; then echo "pg_new_db: bad database name '$name'" >&2; return 1; fi
  if [ -z "${SIFASUO_PG_PORT:-}" ]; then echo "pg_new_db: no server (call pg_start first)" >&2; return 1; fi
  "$_PG_BIN/createdb" -h 127.0.0.1 -p "$SIFASUO_PG_PORT" -U postgres "$name" || return 1
  echo "postgresql://postgres@127.0.0.1:$SIFASUO_PG_PORT/$name"
}

# Stops the server (fast shutdown) and removes its directory.  Safe to call
# twice or without pg_start.
pg_stop() {
  [ -n "${_PG_DIR:-}" ] || return 0
  if [ -f "$_PG_DIR/data/postmaster.pid" ]; then
    if ! _pg_as_owner "$_PG_BIN/pg_ctl" -D "$_PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
      echo "pg_stop: fast shutdown failed; stopping immediately" >&2
      _pg_as_owner "$_PG_BIN/pg_ctl" -D "$_PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1
    fi
  fi
  _pg_cleanup
}

_pg_cleanup() {
  rm -rf "$_PG_DIR"
  unset _PG_DIR _PG_BIN SIFASUO_PG_DIR SIFASUO_PG_PORT SIFASUO_TEST_PG_URL
}

# pg_pair DIR — a primary and a hot standby streaming from it (pg_basebackup
# -R), in DIR (empty; made by the caller), for tests of read replicas
# (tests/api/test_replica.py).  Apart from the shared test server: a base
# backup copies a whole cluster, and the shared one holds every test's
# databases.  Prints "PRIMARY_PORT STANDBY_PORT"; pg_pair_stop DIR stops both.
# Needs nothing from pg_start, so a test process can call it in a new shell.
pg_pair() {
  local dir=${1:-} _PG_DIR _PG_BIN pport sport
  [ -d "$dir" ] || { echo "pg_pair: no folder '$dir'" >&2; return 1; }
  _PG_DIR=$dir
  _PG_BIN=$(_pg_bin) || { echo "pg_pair: PostgreSQL server binaries not found" >&2; return 1; }
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  _pg_initdb "$dir/primary" "$dir/initdb.log" || { cat "$dir/initdb.log" >&2; return 1; }
  pport=$(_pg_run "$dir/primary" "$dir/primary.log") || { tail -20 "$dir/primary.log" >&2; return 1; }
  if ! _pg_as_owner "$_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$dir/standby" -R \
       -X stream -c fast >"$dir/basebackup.log" 2>&1; then
    echo "pg_pair: pg_basebackup failed:" >&2
    cat "$dir/basebackup.log" >&2
    return 1
  fi
  sport=$(_pg_run "$dir/standby" "$dir/standby.log") || { tail -20 "$dir/standby.log" >&2; return 1; }
  echo "$pport $sport"
}

pg_pair_stop() {
  local dir=${1:-} _PG_DIR _PG_BIN d
  [ -d "$dir" ] || return 0
  _PG_DIR=$dir
  _PG_BIN=$(_pg_bin) || return 1
  for d in standby primary; do
    [ -f "$dir/$d/postmaster.pid" ] && _pg_as_owner "$_PG_BIN/pg_ctl" -D "$dir/$d" -m immediate -w -t 30 stop >/dev/null 2>&1
  done
  rm -rf "$dir"
}
