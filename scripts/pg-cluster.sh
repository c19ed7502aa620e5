#!/usr/bin/env bash
# pg-cluster.sh — a PostgreSQL 15 high-availability cluster on this machine
# only, for `make test-ha` and for trying failover by hand (docs/operations.md
# "PostgreSQL 高可用集群"): one etcd, three PostgreSQL nodes under Patroni with
# synchronous replication (synchronous_mode), and no proxy — sifasuo connects
# with a libpq multi-host URL and target_session_attrs=read-write, so libpq
# itself finds the node that takes writes.  Everything listens on 127.0.0.1,
# on free ports, under one temp dir; PostgreSQL and Patroni run as the
# `postgres` user when started as root (as tests/lib/pg.sh does).
#
#   scripts/pg-cluster.sh start [DIR]   start; prints DIR and the URL (also in DIR/env)
#   scripts/pg-cluster.sh wait DIR      until a leader, a synchronous standby and
#                                       every node streaming (HA_WAIT_S, default 120)
#   scripts/pg-cluster.sh primary DIR   the leader's name and its postmaster's pid
#   scripts/pg-cluster.sh kill-primary DIR   kill -9 the leader's postmaster
#   scripts/pg-cluster.sh status DIR    patronictl list
#   scripts/pg-cluster.sh stop DIR      stop everything and remove DIR
#
# Failover settings (Patroni's dynamic configuration, bootstrap.dcs): ttl 10 s,
# loop_wait 1 s, primary_start_timeout 0 (a crashed primary is not restarted
# in place: its leader key is given up at once), synchronous_mode on (only the
# synchronous standby, which has every acknowledged commit, may be promoted),
# pg_rewind to bring the old primary back as a standby.
set -euo pipefail

NODES=3
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

die() { echo "pg-cluster: $*" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Runs a command as the owner of the data (postgres when we are root).
# setpriv execs (no fork), so a pid taken with $! is the program's own.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

load() {
  local dir=${1:-}
  [ -n "$dir" ] && [ -f "$dir/env" ] || die "no cluster in '${dir}' (scripts/pg-cluster.sh start first)"
  # shellcheck disable=SC1091
  source "$dir/env"
}

node_conf() {
  local dir=$1 i=$2 pg=$3 api=$4 etcd=$5
  cat <<EOF
scope: sifasuo-ha
name: pg$i
restapi:
  listen: 127.0.0.1:$api
  connect_address: 127.0.0.1:$api
etcd3:
  hosts: 127.0.0.1:$etcd
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    primary_start_timeout: 0
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        wal_log_hints: 'on'
        hot_standby: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        max_connections: 100
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $dir/pg$i/data
  bin_dir: $PG_BIN
  pgpass: $dir/pg$i/pgpass
  authentication:
    superuser: {username: postgres, password: postgres}
    replication: {username: replicator, password: replicator}
    rewind: {username: postgres, password: postgres}
  parameters:
    unix_socket_directories: '$dir/pg$i'
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
log:
  dir: $dir/pg$i
  file_size: 10000000
  file_num: 2
EOF
}

cmd_start() {
  command -v patroni >/dev/null || die "patroni not installed (apt-get install patroni)"
  command -v etcd >/dev/null || die "etcd not installed (apt-get install etcd-server)"
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql-15)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then die "running as root without a 'postgres' user"; fi
  local dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/sifasuo-ha.XXXXXX); else mkdir -p "$dir"; fi
  chmod 755 "$dir"
  local etcd_port etcd_peer hosts="" i
  etcd_port=$(free_port) etcd_peer=$(free_port)
  {
    echo "HA_DIR=$dir"
    echo "HA_ETCD_PORT=$etcd_port"
  } >"$dir/env"
  # a start that fails leaves nothing running behind it
  # shellcheck disable=SC2064
  trap "cmd_stop '$dir' >/dev/null 2>&1" EXIT
  mkdir -p "$dir/etcd"
  etcd --name e1 --data-dir "$dir/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "e1=http://127.0.0.1:$etcd_peer" --initial-cluster-state new \
    >"$dir/etcd/etcd.log" 2>&1 &
  echo "HA_ETCD_PID=$!" >>"$dir/env"
  for i in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$etcd_port/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$etcd_port/health" >/dev/null || die "etcd did not start: $(tail -5 "$dir/etcd/etcd.log")"
  for i in $(seq 1 $NODES); do
    local pg api
    pg=$(free_port) api=$(free_port)
    mkdir -p "$dir/pg$i"
    node_conf "$dir" "$i" "$pg" "$api" "$etcd_port" >"$dir/pg$i/patroni.yml"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir/pg$i"
    chmod 700 "$dir/pg$i"
    (
      cd "$dir/pg$i"
      [ "$(id -u)" -eq 0 ] && exec setpriv --reuid=postgres --regid=postgres --init-groups -- \
        patroni "$dir/pg$i/patroni.yml" >"$dir/pg$i/patroni.out" 2>&1
      exec patroni "$dir/pg$i/patroni.yml" >"$dir/pg$i/patroni.out" 2>&1
    ) &
    echo "HA_PG$i=$pg HA_API$i=$api HA_PATRONI_PID$i=$!" >>"$dir/env"
    hosts+="${hosts:+,}127.0.0.1:$pg"
    # the first node bootstraps alone, the others then clone it
    [ "$i" -eq 1 ] && wait_leader "$dir" "$api"
  done
  echo "HA_HOSTS=$hosts" >>"$dir/env"
  echo "HA_URL='postgresql://postgres@$hosts/sifasuo?target_session_attrs=read-write&connect_timeout=2'" >>"$dir/env"
  load "$dir"
  cmd_wait "$dir"
  as_owner "$PG_BIN/psql" "postgresql://postgres@$hosts/postgres?target_session_attrs=read-write" -qAtc \
    "CREATE DATABASE sifasuo" >/dev/null
  trap - EXIT
  echo "HA_DIR=$dir"
  echo "HA_URL=$HA_URL"
}

# Waits until the node whose REST API is on port api is the leader.
wait_leader() {
  local dir=$1 api=$2 i
  for i in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$api/primary" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "the first node did not become leader: $(tail -20 "$dir/pg1/patroni.out")"
}

# The cluster as Patroni sees it: one JSON line from any node's REST API.
cluster_json() {
  local i port
  for i in $(seq 1 $NODES); do
    port=$(eval echo "\$HA_API$i")
    curl -sf --max-time 2 "http://127.0.0.1:$port/cluster" && return 0
  done
  return 1
}

cmd_wait() {
  load "$1"
  local i limit=$((${HA_WAIT_S:-120} * 5))
  for i in $(seq 1 $limit); do
    if cluster_json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]
leader = [x for x in m if x["role"] == "leader" and x["state"] == "running"]
sync = [x for x in m if x["role"] == "sync_standby" and x["state"] in ("running", "streaming")]
up = [x for x in m if x["state"] in ("running", "streaming")]
sys.exit(0 if len(leader) == 1 and sync and len(up) == '"$NODES"' else 1)'; then
      return 0
    fi
    sleep 0.2
  done
  echo "pg-cluster: the cluster did not become healthy in ${HA_WAIT_S:-120} s:" >&2
  cluster_json >&2 || true
  return 1
}

# Prints "NAME PID": the leader and its postmaster (first line of postmaster.pid).
cmd_primary() {
  load "$1"
  local name
  name=$(cluster_json | python3 -c '
import json, sys
print(next(x["name"] for x in json.load(sys.stdin)["members"] if x["role"] == "leader"))') || die "no leader"
  echo "$name $(head -1 "$HA_DIR/$name/data/postmaster.pid")"
}

cmd_kill_primary() {
  local name pid
  read -r name pid < <(cmd_primary "$1")
  kill -9 "$pid"
  echo "$name $pid"
}

cmd_status() {
  load "$1"
  as_owner patronictl -c "$HA_DIR/pg1/patroni.yml" list
}

cmd_stop() {
  local dir=${1:-}
  [ -f "$dir/env" ] || return 0
  load "$dir"
  local i pid j=0
  for i in $(seq 1 $NODES); do
    pid=$(eval echo "\${HA_PATRONI_PID$i:-}")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  # Patroni stops its PostgreSQL on SIGTERM; a node it left behind is stopped here
  for i in $(seq 1 $NODES); do
    pid=$(eval echo "\${HA_PATRONI_PID$i:-}")
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $((j += 1)) -lt 150 ]; do sleep 0.2; done
  done
  for i in $(seq 1 $NODES); do
    [ -f "$HA_DIR/pg$i/data/postmaster.pid" ] &&
      as_owner "$PG_BIN/pg_ctl" -D "$HA_DIR/pg$i/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  done
  kill "$HA_ETCD_PID" 2>/dev/null || true
  wait "$HA_ETCD_PID" 2>/dev/null || true
  rm -rf "$HA_DIR"
}

case "${1:-}" in
  start) cmd_start "${2:-}" ;;
  wait) cmd_wait "${2:-}" ;;
  primary) cmd_primary "${2:-}" ;;
  kill-primary) cmd_kill_primary "${2:-}" ;;
  status) cmd_status "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
