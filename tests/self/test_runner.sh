#!/usr/bin/env bash
# The runner's own test (issue 17): a file that fails among files that pass,
# run side by side, fails the whole run (non-zero exit, the failure counted
# in the closing line), and its output is printed whole and in one piece —
# not interleaved with the other files'.  Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { # check CONDITION-STATUS MESSAGE
  if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi
}
cat > "$dir/test_fails.py" <<'PY'
import time
def test_passes(ctx):
    time.sleep(0.3)
def test_fails_with_a_long_story(ctx):
    for i in range(40):
        print(f"story line {i:02d}", flush=True)
        time.sleep(0.01)
    raise AssertionError("deliberate failure for the runner's own test")
PY
cat > "$dir/test_passes.py" <<'PY'
import time
def test_one(ctx):
    for i in range(40):
        print(f"other line {i:02d}", flush=True)
        time.sleep(0.01)
def test_skipped(ctx):
    import harness
    raise harness.Skip("shown as skipped")
PY
API_STORES=sqlite TEST_JOBS=2 tests/run.sh "$dir/test_fails.py" "$dir/test_passes.py" > "$dir/out" 2>&1
rc=$?
sed 's/^/  | /' "$dir/out"
[ "$rc" -ne 0 ]; check $? "a failing file fails the run (exit $rc)"
tail -1 "$dir/out" | grep -qx "2 passed, 1 failed, 1 skipped"; check $? "the closing line counts the failure and the skip"
grep -q "deliberate failure for the runner's own test" "$dir/out"; check $? "the failure's message is shown"
# the failing file's 40 lines stand together, none of the other file's between them
awk '/story line 00/{on=1} on && /other line/{bad=1} /story line 39/{on=0; seen=1} END{exit !(seen && !bad)}' "$dir/out"
check $? "the failing file's output is whole, not interleaved"
grep -q "slowest files:" "$dir/out"; check $? "the slowest files are listed"
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
