#!/usr/bin/env bash
# Browser tests: a real server on a fresh demo store, Debian's chromium
# driven by playwright-core (tests/e2e/run.mjs).  Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${SIFASUO_BIN:-build/sifasuo}
if [ ! -f web/dist/index.html ] || [ ! -d web/node_modules/playwright-core ]; then
  echo "web app not built (make all needs npm): 0 passed, 1 failed"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "chromium is missing (scripts/deps.sh --test installs it)"
  echo "0 passed, 1 failed"
  exit 1
fi
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
export SIFASUO_KEY_FILE=$dir/keys
# the engine's test entities (测试记录, src/modules/test_entity.c) for the records pages' tests
export SIFASUO_TEST_ENTITY=1
"$BIN" init --demo --db "sqlite:$dir/e2e.db" > "$dir/init.log" 2>&1 || { cat "$dir/init.log"; echo "0 passed, 1 failed"; exit 1; }
"$BIN" serve --db "sqlite:$dir/e2e.db" --listen 127.0.0.1:0 --workers 2 --quiet > "$dir/out" 2> "$dir/err" &
pid=$!
for _ in $(seq 50); do grep -q "http://" "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out" | head -1)
[ -n "$url" ] || { cat "$dir/err"; echo "0 passed, 1 failed"; exit 1; }
SIFASUO_URL=$url SIFASUO_USER=shiju SIFASUO_PASS='Sfs@demo2026' node tests/e2e/run.mjs
