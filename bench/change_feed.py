#!/usr/bin/env python3
"""bench/change_feed.py — following the change feed (issue 25 point 2),
timed once (outside the test suite: timings are reported, never asserted).

Starts a demo server (test entities on) against a fresh store, imports N
rows of test-items as one CSV job (each row is a record.create in the audit
log, so a change in the feed), then follows GET /api/v1/changes from 0 in
pages of --limit as the office user who imported them, and reports changes
per second and the time of a page (p50 / p99, client side).

    python3 bench/change_feed.py [sqlite|postgres] [--rows 20000] [--limit 500]

postgres needs SIFASUO_TEST_PG_URL (tests/lib/pg.sh: pg_start)."""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "api"))
sys.path.insert(0, os.path.dirname(__file__))
os.environ["SIFASUO_TEST_ENTITY"] = "1"
import harness  # noqa: E402
from auth_helpers import Session  # noqa: E402
from import_export import make_csv  # noqa: E402
from standards_scorecard import pct  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", nargs="?", default="sqlite")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--limit", type=int, default=500)
    a = ap.parse_args()
    ctx = harness.Context(a.kind)
    try:
        s = ctx.demo_server()
        ljz = Session(s, "ljz")
        st, _, head = ljz.get("/api/v1/changes?after=now&entities=test-items")
        assert st == 200, head
        st, _, body = ljz.req("POST", "/api/v1/test-items/import?mode=all_or_nothing",
                              raw_body=("\ufeff" + make_csv(a.rows)).encode(), headers={"Content-Type": "text/csv"})
        assert st == 202, body
        while True:
            st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.1)
        assert job["status"] == "done", job
        after, n, pages, t0 = head["next"], 0, [], time.time()
        while True:
            p0 = time.time()
            st, _, page = ljz.get(f"/api/v1/changes?after={after}&limit={a.limit}&entities=test-items")
            assert st == 200, page
            pages.append((time.time() - p0) * 1000)
            n += len(page["items"])
            after = page["next"]
            if not page["more"]:
                break
        dt = time.time() - t0
        print(f"{a.kind}: {n} changes followed in {len(pages)} pages of {a.limit}, {dt:.2f} s, "
              f"{n / dt:.0f} changes/s; page p50 {pct(pages, 50):.1f} ms, p99 {pct(pages, 99):.1f} ms, "
              f"mean {statistics.mean(pages):.1f} ms")
        assert n == a.rows, (n, a.rows)
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
