#!/usr/bin/env python3
"""Runs tests/api/test_*.py against each store and prints the closing line
"N passed, N failed, N skipped".

  run.py                          every file, on SQLite (and PostgreSQL when
                                  SIFASUO_TEST_PG_URL is set)
  run.py sqlite|postgres ...      these stores only
  run.py test_engine.py ...       these files only (a name here, or a path)
  run.py -k substring             only tests whose "<store>:<file>.<test>" has it

tests/run.sh runs one file on one store per process, several at once."""
import importlib.util
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


def main():
    # the engine's test entities (src/modules/test_entity.c) exist only here
    os.environ["SIFASUO_TEST_ENTITY"] = "1"
    args = sys.argv[1:]
    only = None
    if "-k" in args:
        i = args.index("-k")
        only = args[i + 1]
        del args[i:i + 2]
    here = os.path.dirname(os.path.abspath(__file__))
    kinds = [a for a in args if a in ("sqlite", "postgres")]
    chosen = []
    for a in args:
        if a in ("sqlite", "postgres"):
            continue
        path = a if os.sep in a else os.path.join(here, a)
        if not (os.path.basename(path).startswith("test_") and path.endswith(".py") and os.path.exists(path)):
            print(f"no such test file: {a}")
            print("0 passed, 1 failed, 0 skipped")
            return 2
        chosen.append(os.path.abspath(path))
    if not kinds:
        kinds = ["sqlite", "postgres"] if os.environ.get("SIFASUO_TEST_PG_URL") else ["sqlite"]
    files = chosen or sorted(os.path.join(here, f) for f in os.listdir(here)
                             if f.startswith("test_") and f.endswith(".py"))
    passed = failed = skipped = 0
    for kind in kinds:
        if kind == "postgres" and not os.environ.get("SIFASUO_TEST_PG_URL"):
            print("FAIL postgres: SIFASUO_TEST_PG_URL is not set (tests/run.sh starts a server)")
            failed += 1
            continue
        for path in files:
            fname = os.path.basename(path)
            spec = importlib.util.spec_from_file_location(fname[:-3], path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            tests = [(n, f) for n, f in vars(mod).items() if n.startswith("test_") and callable(f)]
            # a file's tests share one copy of the demo, dated the day it is
            # copied: a file about to start within 5 minutes of a midnight waits
            harness.clear_of_midnight(300)
            ctx = harness.Context(kind)
            try:
                for name, fn in tests:
                    full = f"{kind}:{fname[:-3]}.{name}"
                    if only and only not in full:
                        continue
                    want = getattr(fn, "only_kind", None)
                    if want and want != kind:
                        skipped += 1
                        print(f"skip {full} ({fn.only_reason})", flush=True)
                        continue
                    harness.clear_of_midnight()  # a test's "today" is the server's
                    t0 = time.time()
                    try:
                        fn(ctx)
                        passed += 1
                        print(f"ok   {full} ({time.time() - t0:.2f}s)", flush=True)
                    except harness.Skip as e:
                        skipped += 1
                        print(f"skip {full} ({e})", flush=True)
                    except Exception:
                        failed += 1
                        print(f"FAIL {full}", flush=True)
                        traceback.print_exc(limit=6)
            finally:
                # a sanitizer's report in a server's log fails the file
                for report in ctx.close():
                    failed += 1
                    print(f"FAIL {kind}:{fname[:-3]} (a server's log holds a sanitizer report)\n{report}", flush=True)
    harness.cleanup()
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
