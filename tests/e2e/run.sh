#!/usr/bin/env bash
# Browser tests: tests/e2e/run.sh [FILE.mjs ...] — each file (default: every
# tests/e2e/test_*.mjs, one after another) against a server of its own on a
# fresh demo store (a copy of the run's template when tests/run.sh made one,
# SIFASUO_TEST_TEMPLATES, else `init --demo`), driving Debian's chromium
# through playwright-core.  Ends with "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${SIFASUO_BIN:-build/sifasuo}
if [ ! -f web/dist/index.html ] || [ ! -d web/node_modules/playwright-core ]; then
  echo "web app not built (make all needs npm)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "chromium is missing (scripts/deps.sh --test installs it)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tests/e2e/test_*.mjs)
if [ ${#files[@]} -gt 1 ]; then
  p=0 f=0 s=0
  for file in "${files[@]}"; do
    out=$("$0" "$file" 2>&1)
    echo "$out"
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
    if [ -z "$line" ]; then f=$((f + 1)); continue; fi
    read -r a _ b _ c _ <<< "${line//,/}"
    p=$((p + a)) f=$((f + b)) s=$((s + ${c:-0}))
  done
  echo "$p passed, $f failed, $s skipped"
  [ "$f" -eq 0 ]
  exit
fi
file=${files[0]}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null; }; rm -rf "$dir"' EXIT
# the engine's test entities (测试记录, src/modules/test_entity.c) for the records pages' tests
export SIFASUO_TEST_ENTITY=1
tpl=${SIFASUO_TEST_TEMPLATES:-}/sqlite/store
# The demo is dated around the day it is made (the corrections' check-ins
# and alerts): the file's tests run on one Shanghai day, so a file about to
# start within 5 minutes of midnight (16:00 UTC) waits for it, and a
# template made before a midnight is not used after it.
left=$(( 86400 - ($(date +%s) + 8 * 3600) % 86400 ))
if [ "$left" -lt 300 ]; then
  echo "(Shanghai's midnight in $left s: the file waits until it has passed)"
  sleep $((left + 1))
fi
today=$(date -u -d '+8 hours' +%F)
if [ -n "${SIFASUO_TEST_TEMPLATES:-}" ] && [ -f "$tpl/test.db" ] && [ "$(cat "$tpl/../day" 2>/dev/null)" = "$today" ]; then
  cp -a "$tpl/." "$dir/"
  mv "$dir/test.db" "$dir/e2e.db"
  for x in -wal -shm; do [ -f "$dir/test.db$x" ] && mv "$dir/test.db$x" "$dir/e2e.db$x"; done
  export SIFASUO_KEY_FILE=$dir/keys
else
  export SIFASUO_KEY_FILE=$dir/keys
  "$BIN" init --demo --db "sqlite:$dir/e2e.db" > "$dir/init.log" 2>&1 || { cat "$dir/init.log"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
  # the day's scheduler pass before the server starts, as in the run's template (harness.make_template)
  "$BIN" scheduler --db "sqlite:$dir/e2e.db" >> "$dir/init.log" 2>&1 || { cat "$dir/init.log"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi
# the public portal's own listener too (SIFASUO_PUBLIC_URL; test_portal.mjs), and its SMS log
export SIFASUO_SMS="log:$dir/sms.log"
"$BIN" serve --db "sqlite:$dir/e2e.db" --listen 127.0.0.1:0 --public-listen 127.0.0.1:0 --workers 2 --quiet > "$dir/out" 2> "$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q "http://" "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out" | head -1)
[ -n "$url" ] || { cat "$dir/err"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
for _ in $(seq 50); do grep -q "公众门户已启动" "$dir/out" 2>/dev/null && break; sleep 0.1; done
export SIFASUO_PUBLIC_URL=$(grep -o '公众门户已启动: http://127.0.0.1:[0-9]*' "$dir/out" | grep -o 'http://.*')
export SIFASUO_SMS_LOG=$dir/sms.log
# SIFASUO_E2E_DB: the store, for a test that runs a command on it (the scheduler with the clock moved)
SIFASUO_E2E_DB="sqlite:$dir/e2e.db" SIFASUO_URL=$url SIFASUO_USER=shiju SIFASUO_PASS='Sfs@demo2026' node "$file"
