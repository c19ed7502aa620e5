#!/usr/bin/env python3
"""bench/standards_scorecard.py — the scorecard reach of issue 6: the city
scorecard over ~215 offices ≤ 20 ms server time, the national one over
~40,000 offices (`init --demo --scale nation`) ≤ 200 ms.  SQLite, python3
standard library only.

  python3 bench/standards_scorecard.py [--scale city|nation] [--requests 200] [--keep]

1. `sifasuo init --demo [--scale nation]` on a new SQLite store.
2. `sifasuo check --rebuild` (timed): every rule for every unit, today and
   each 31 December since 2022, with the problems the failures open.
3. A user at the root unit (`user add`), `serve --workers 2` without
   --quiet; GET /api/v1/standards/scorecard?org=<root> --requests times from
   one keep-alive connection, the server-side time of each request being the
   "<N>us" of its access-log line; then the same for one district and one
   office, and a register write (POST /api/v1/staff) that refreshes its
   office's results in its own transaction.

Prints a Markdown table (p50 / p99 in ms)."""
import argparse
import http.client
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SIFASUO_BIN", os.path.join(ROOT, "build", "sifasuo"))
PASSWORD = "Sfs@demo2026"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookie = self.csrf = None

    def req(self, method, path, body=None):
        h = {"Host": "127.0.0.1"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        self.c.request(method, path, body=data, headers=h)
        r = self.c.getresponse()
        payload = r.read()
        return r.status, r.getheaders(), payload

    def login(self, user, password):
        st, hdrs, body = self.req("POST", "/api/v1/session", {"username": user, "password": password})
        assert st == 200, body
        self.cookie = dict(hdrs)["Set-Cookie"].split(";", 1)[0]
        self.csrf = json.loads(body)["csrf_token"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="city", choices=["city", "nation"])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sifasuo-bench-std-")
    store = os.path.join(tmp, "bench.db")
    url = "sqlite:" + store
    env = dict(os.environ, SIFASUO_KEY_FILE=os.path.join(tmp, "keys"))
    server = None
    try:
        t = time.time()
        cmd = [BIN, "init", "--demo", "--db", url] + (["--scale", "nation"] if args.scale == "nation" else [])
        subprocess.run(cmd, check=True, env=env, capture_output=True)
        t_init = time.time() - t
        t = time.time()
        r = subprocess.run([BIN, "check", "--rebuild", "--db", url, "--format", "json"], env=env, capture_output=True, text=True)
        t_rebuild = time.time() - t
        assert r.returncode in (0, 1), r.stderr
        db = sqlite3.connect(store)
        root = db.execute("SELECT MIN(id) FROM org_units WHERE parent_id IS NULL").fetchone()[0]
        offices = db.execute("SELECT COUNT(*) FROM org_units WHERE level = 'office'").fetchone()[0]
        results = db.execute("SELECT COUNT(*) FROM standard_result").fetchone()[0]
        problems = db.execute("SELECT COUNT(*) FROM problem").fetchone()[0]
        district = db.execute("SELECT id FROM org_units WHERE level = 'district' ORDER BY id LIMIT 1").fetchone()[0]
        office, opath = db.execute("SELECT id, path FROM org_units WHERE level = 'office' AND path LIKE "
                                   "(SELECT path FROM org_units WHERE id = ?) || '%' ORDER BY id LIMIT 1",
                                   (district,)).fetchone()
        db.close()
        subprocess.run([BIN, "user", "add", "--username", "benchroot", "--org", str(root), "--role", "city_leader",
                        "--password-stdin", "--db", url], input=PASSWORD + "\n", env=env, check=True, capture_output=True,
                       text=True)
        log = open(os.path.join(tmp, "serve.log"), "w")
        server = subprocess.Popen([BIN, "serve", "--db", url, "--listen", "127.0.0.1:0", "--workers", "2"],
                                  stdout=log, stderr=subprocess.DEVNULL, text=True, env=env)
        port = None
        for _ in range(600):
            m = re.search(r"https?://127\.0\.0\.1:(\d+)", open(log.name).read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        assert port, open(log.name).read()
        c = Client(port)
        c.login("benchroot", PASSWORD)
        rows = []
        scenarios = [(f"scorecard of the root ({offices} offices)", f"/api/v1/standards/scorecard?org={root}"),
                     ("scorecard of a district", f"/api/v1/standards/scorecard?org={district}"),
                     ("scorecard of an office", f"/api/v1/standards/scorecard?org={office}")]
        for label, path in scenarios:
            for _ in range(5):
                st, _, body = c.req("GET", path)
                assert st == 200, body[:300]
            log.flush()
            start = os.path.getsize(log.name)
            client = []
            for _ in range(args.requests):
                t = time.perf_counter()
                st, _, body = c.req("GET", path)
                client.append((time.perf_counter() - t) * 1000)
                assert st == 200, body[:300]
            time.sleep(0.3)
            with open(log.name) as f:
                f.seek(start)
                us = [int(m.group(1)) / 1000 for line in f
                      for m in [re.search(r" GET /api/v1/standards/scorecard 200 \d+ (\d+)us", line)] if m]
            rows.append((label, len(us), statistics.median(us), pct(us, 99), statistics.median(client)))
        # a register write refreshing its office (and its district's and city's rules) in its transaction
        log.flush()
        start = os.path.getsize(log.name)
        for i in range(20):
            st, _, body = c.req("POST", "/api/v1/staff", {"name": f"基准{i}", "post_type": "political_legal",
                                                          "joined_on": "2024-01-01", "status": "on_duty", "org_id": office})
            assert st == 201, body[:300]
        time.sleep(0.3)
        with open(log.name) as f:
            f.seek(start)
            us = [int(m.group(1)) / 1000 for line in f for m in [re.search(r" POST /api/v1/staff 201 \d+ (\d+)us", line)] if m]
        rows.append(("POST /api/v1/staff (refreshes the office)", len(us), statistics.median(us), pct(us, 99), 0))
        print(f"scale {args.scale}: {offices} offices; init {t_init:.1f} s; check --rebuild {t_rebuild:.1f} s "
              f"({results} results, {problems} problems opened)\n")
        print("| request | n | p50 ms (server) | p99 ms (server) | p50 ms (client) |")
        print("|---|---|---|---|---|")
        for label, n, p50, p99, cl in rows:
            print(f"| {label} | {n} | {p50:.2f} | {p99:.2f} | {cl:.2f} |")
    finally:
        if server:
            server.terminate()
            server.wait()
        if args.keep:
            print("kept:", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
