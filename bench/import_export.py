#!/usr/bin/env python3
"""bench/import_export.py — the resource engine's bulk paths, timed once
(issue 4 points 9–11; outside the test suite: timings are reported, never
asserted).

Starts a demo server (test entities on) against a fresh store, imports N
generated rows of test-items as one CSV job (UTF-8, or GBK with --gbk),
polls the job, then exports every row as CSV and as XLSX.

    python3 bench/import_export.py [sqlite|postgres] [--rows 100000] [--gbk] [--mode skip_invalid]

postgres needs SIFASUO_TEST_PG_URL (tests/lib/pg.sh: pg_start)."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "api"))
os.environ["SIFASUO_TEST_ENTITY"] = "1"
import harness  # noqa: E402
from auth_helpers import Session  # noqa: E402

CATS = ["邻里", "婚姻家庭", "合同", "物业纠纷", "labor", "damages"]


def make_csv(n):
    lines = ["标题,概要,类别,金额 (元),人数,发生日期,紧急,联系电话"]
    for i in range(n):
        lines.append(f"批量导入第{i}号,\"概要, 含逗号\",{CATS[i % len(CATS)]},{i % 100000}.{i % 100:02d},{i % 50},"
                     f"2026-{1 + i % 12:02d}-{1 + i % 28:02d},{'是' if i % 3 == 0 else '否'},139{i % 100000000:08d}")
    return ("\r\n".join(lines) + "\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", nargs="?", default="sqlite")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--gbk", action="store_true")
    ap.add_argument("--mode", default="all_or_nothing")
    a = ap.parse_args()
    ctx = harness.Context(a.kind)
    try:
        s = ctx.demo_server()
        ljz = Session(s, "ljz")
        text = make_csv(a.rows)
        data = text.encode("gbk") if a.gbk else ("\ufeff" + text).encode()
        print(f"{a.kind}: {a.rows} rows, {len(data) / 1e6:.1f} MB ({'GBK' if a.gbk else 'UTF-8'})")
        t0 = time.time()
        st, _, body = ljz.req("POST", f"/api/v1/test-items/import?mode={a.mode}", raw_body=data,
                              headers={"Content-Type": "text/csv"})
        assert st == 202, body
        t_upload = time.time() - t0
        while True:
            st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        t_job = time.time() - t0
        print(f"import: upload {t_upload:.2f} s, job {job['status']} after {t_job:.2f} s "
              f"(written {job['written']}, rejected {job['rejected']}; server timings {job.get('timing_ms')})")
        for fmt in ("csv", "xlsx"):
            t0 = time.time()
            st, h, payload = ljz.get(f"/api/v1/test-items/export?format={fmt}")
            assert st == 200, payload
            print(f"export {fmt}: {h.get('x-export-rows')} rows, {len(payload) / 1e6:.1f} MB in {time.time() - t0:.2f} s")
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
