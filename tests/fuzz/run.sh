#!/usr/bin/env bash
# make fuzz — builds the libFuzzer targets tests/fuzz/fuzz_*.c with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer against the project's own
# objects (everything but main.c, compiled into build-fuzz/), and runs each
# for a bounded time from its committed seed corpus.
#   tests/fuzz/run.sh                    every target, FUZZ_SECONDS (30) each
#   tests/fuzz/run.sh fuzz_url fuzz_http just these
#   FUZZ_SECONDS=600 tests/fuzz/run.sh   a longer run
#   tests/fuzz/run.sh --build            build only
# New inputs go to build-fuzz/corpus/<target> (not committed); a crash is
# written to build-fuzz/crashes/ and ends the run with exit 1 — turn it into
# a regression test (tests/unit or tests/api) and add the input to
# tests/fuzz/corpus/<target>/ once fixed.  Needs clang and libclang-rt-14-dev
# (scripts/deps.sh --fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
B=build-fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
build_only=
targets=()
for a in "$@"; do
  case "$a" in
    --build) build_only=1 ;;
    *) targets+=("$a") ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
command -v clang >/dev/null || { echo "没有 clang: 请运行 scripts/deps.sh --fuzz" >&2; exit 2; }

# the project's objects, instrumented for coverage (fuzzer-no-link) and the sanitizers
make -s -j"${FUZZ_JOBS:-2}" BUILD=$B CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link $SAN" HARDEN=-fPIE \
  LDFLAGS="$SAN -pie" $B/sifasuo
mapfile -t objs < <(find $B/obj -name '*.o' ! -path "$B/obj/src/main.o" | sort)
PKGS="libevent libevent_pthreads libevent_openssl sqlite3 libpq jansson openssl xlsxwriter expat zlib"
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/$t.c" ] || { echo "没有这个目标: $t" >&2; exit 2; }
  if [ ! -x "$B/fuzz/$t" ] || [ -n "$(find "tests/fuzz/$t.c" "${objs[@]}" -newer "$B/fuzz/$t" -print -quit)" ]; then
    mkdir -p $B/fuzz
    echo "  LINK $t"
    # shellcheck disable=SC2046
    clang -std=c17 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer $SAN -Isrc -I$B/gen $(pkg-config --cflags $PKGS) \
      -o "$B/fuzz/$t" "tests/fuzz/$t.c" "${objs[@]}" $(pkg-config --libs $PKGS) -largon2 -lpthread -lm
  fi
done
[ -n "$build_only" ] && exit 0

status=0
for t in "${targets[@]}"; do
  mkdir -p "$B/corpus/$t" "$B/crashes"
  seeds="tests/fuzz/corpus/$t"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
  echo "== $t (${SECONDS_EACH}s)"
  # detect_leaks=0 for fuzz_http: the server thread's long-lived state is not a per-input leak
  leaks=1
  [ "$t" = fuzz_http ] && leaks=0
  if ! ASAN_OPTIONS="detect_leaks=$leaks:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
       "$B/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$B/crashes/$t-" "${dict[@]}" "$B/corpus/$t" "$seeds" 2>"$B/$t.log"; then
    echo "FAIL $t: see $B/$t.log and $B/crashes/"
    grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$B/$t.log" | head -20
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov: " "$B/$t.log" | tail -3
  fi
done
exit $status
