#!/usr/bin/env python3
"""Runs every tests/api/test_*.py against each store and prints the closing
line "N passed, N failed".  Usage: run.py [sqlite|postgres ...] [-k substring]"""
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
    kinds = args or (["sqlite", "postgres"] if os.environ.get("SIFASUO_TEST_PG_URL") else ["sqlite"])
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(f for f in os.listdir(here) if f.startswith("test_") and f.endswith(".py"))
    passed = failed = 0
    for kind in kinds:
        for fname in files:
            spec = importlib.util.spec_from_file_location(fname[:-3], os.path.join(here, fname))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            tests = [(n, f) for n, f in vars(mod).items() if n.startswith("test_") and callable(f)]
            ctx = harness.Context(kind)
            try:
                for name, fn in tests:
                    full = f"{kind}:{fname[:-3]}.{name}"
                    if only and only not in full:
                        continue
                    t0 = time.time()
                    try:
                        fn(ctx)
                        passed += 1
                        print(f"ok   {full} ({time.time() - t0:.2f}s)", flush=True)
                    except Exception:
                        failed += 1
                        print(f"FAIL {full}", flush=True)
                        traceback.print_exc(limit=6)
            finally:
                ctx.close()
    harness.cleanup()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
