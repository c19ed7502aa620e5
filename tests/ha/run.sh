#!/usr/bin/env bash
# make test-ha (issue 26, docs/reliability.md "Failover test"): the failover
# test against a Patroni cluster that scripts/pg-cluster.sh starts and stops
# on loopback.  HA_FAILOVERS=N (default 5; 50 for the long mode by hand).
set -uo pipefail
cd "$(dirname "$0")/../.."
export SIFASUO_BIN=${SIFASUO_BIN:-build/sifasuo}
started=$EPOCHREALTIME
python3 tests/ha/failover.py
rc=$?
awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "test-ha: %.0f s\n", b - a }'
exit $rc
