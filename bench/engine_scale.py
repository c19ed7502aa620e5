#!/usr/bin/env python3
"""bench/engine_scale.py — the 1,000,000-record reach of the resource engine
(issue 4 "Reaches"), SQLite (or PostgreSQL with --pg URL), python3 standard library only.

  python3 bench/engine_scale.py [--rows 1000000] [--requests 2000] [--keep]

1. `sifasuo init --demo` on a new SQLite store with SIFASUO_TEST_ENTITY=1.
2. Bulk-inserts --rows test_item rows in one transaction with python's
   sqlite3 (the FTS5 triggers fire as for any insert): 40 % spread over the
   36 offices of 浦东新区司法局, 60 % over the other offices; categories from
   dispute_category, amounts in cents, dates in 2023–2026, workflow states,
   phone columns NULL.
3. Starts `sifasuo serve --workers 2` WITHOUT --quiet and, as the district
   user `pudong`, sends each scenario --requests times from one keep-alive
   connection (latency, not throughput); the server-side time of each
   request is the "<N>us" of its access-log line.
4. Times the two statements of a list (COUNT for `total`, the page) directly
   in sqlite3 to show which one dominates.

Prints a Markdown table (p50 / p99 of the server-side time in ms)."""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SIFASUO_BIN", os.path.join(ROOT, "build", "sifasuo"))
USER, PASSWORD = "pudong", "Sfs@demo2026"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉志强建国海燕晓东红梅"
TOPICS = {
    "contract": ["买卖合同货款", "借款合同还款", "装修合同质量"],
    "damages": ["人身损害赔偿", "财产损失赔偿"],
    "environment": ["油烟噪音扰民", "污水排放"],
    "forest_land": ["林地承包界址"],
    "housing_homestead": ["宅基地界址", "房屋买卖过户"],
    "labor": ["拖欠工资", "工伤赔偿", "劳动合同解除"],
    "land_expropriation": ["征地补偿款分配"],
    "marriage_family": ["离婚财产分割", "赡养老人", "抚养费"],
    "medical": ["医疗费用争议", "诊疗过错"],
    "neighborhood": ["楼上漏水", "邻里噪音", "公共通道堆物", "违章搭建遮光"],
    "other": ["其他纠纷"],
    "production_business": ["经营场地租金", "合伙经营分红"],
    "property_management": ["物业费拖欠", "停车位管理", "电梯维修费用"],
    "traffic_accident": ["交通事故赔偿", "电动车碰撞"],
    "village_affairs": ["村务公开", "集体收益分配"],
}
STATES = [("registered", 0.15), ("accepted", 0.25), ("closed", 0.5), ("rejected", 0.1)]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


class PgStore:
    """Just enough of sqlite3's connection for populate(), through psql."""

    def __init__(self, url, tmp):
        self.url, self.tmp = url, tmp

    def execute(self, sql, params=()):
        for p in params:
            sql = sql.replace("?", "'" + str(p).replace("'", "''") + "'", 1)
        out = subprocess.run(["psql", self.url, "-qAt", "-F", "\t", "-c", sql], check=True, capture_output=True,
                             text=True).stdout
        rows = [tuple(int(v) if v.lstrip("-").isdigit() else v for v in line.split("\t"))
                for line in out.splitlines() if line]

        class R(list):
            def fetchone(self):
                return self[0] if self else None

            def fetchall(self):
                return list(self)
        return R(rows)

    def executemany(self, sql, rows):
        """INSERT … VALUES (?, …) → one COPY of a CSV file, then ANALYZE."""
        import csv
        cols = sql[sql.index("(") + 1:sql.index(")")]
        table = sql.split()[2]
        path = os.path.join(self.tmp, "rows.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            for r in rows:
                r = list(r)
                r.insert(2, 1)  # version, a literal in the SQLite statement
                w.writerow(["\\N" if v is None else v for v in r])
        subprocess.run(["psql", self.url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                        f"\\copy {table} ({cols}) FROM '{path}' WITH (FORMAT csv, NULL '\\N')"], check=True)
        os.unlink(path)
        subprocess.run(["psql", self.url, "-qc", f"ANALYZE {table}"], check=True)

    def close(self):
        pass


def populate(path, rows, seed=2026, pg=None):
    db = pg or sqlite3.connect(path, isolation_level=None)
    pudong = db.execute("SELECT path FROM org_units WHERE name = '浦东新区司法局'").fetchone()[0]
    offices = db.execute("SELECT id, path FROM org_units WHERE level = 'office' ORDER BY id").fetchall()
    villages = {}
    for vid, vpath in db.execute("SELECT id, path FROM org_units WHERE level = 'village'"):
        villages.setdefault(vpath.rsplit("/", 2)[0] + "/", []).append(vid)
    inside = [o for o in offices if o[1].startswith(pudong)]
    outside = [o for o in offices if not o[1].startswith(pudong)]
    codes = [c for (c,) in db.execute("SELECT code FROM code_items WHERE list_key = 'dispute_category' ORDER BY sort")]
    creator = db.execute("SELECT id FROM users WHERE username = 'ljz'").fetchone()[0]
    rng = random.Random(seed)
    t0 = time.time()
    base = int(time.mktime((2023, 1, 1, 0, 0, 0, 0, 0, 0)))
    span = int(time.mktime((2026, 11, 1, 0, 0, 0, 0, 0, 0))) - base

    def gen():
        for _ in range(rows):
            oid, opath = rng.choice(inside if rng.random() < 0.4 else outside)
            cat = rng.choice(codes)
            topic = rng.choice(TOPICS.get(cat, ["纠纷"]))
            a, b = name(rng), name(rng)
            ts = base + rng.randrange(span)
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
            day = created[:10]
            happened = time.strftime("%Y-%m-%d", time.gmtime(ts - rng.randrange(30) * 86400))
            due = time.strftime("%Y-%m-%d", time.gmtime(ts + 42 * 86400))
            r, state = rng.random(), "closed"
            for st, p in STATES:
                if r < p:
                    state = st
                    break
                r -= p
            vil = villages.get(opath)
            yield (oid, opath, created, creator, created, creator, state, 2, day, due,
                   time.strftime("%Y-%m-%d", time.gmtime(ts + 3 * 86400)) if state == "registered" else None,
                   f"{a}与{b}{topic}纠纷", f"{a}反映{b}{topic}, 申请人民调解, 涉及人数{rng.randrange(1, 9)}人。",
                   cat, rng.randrange(0, 5_000_000) * 10, rng.randrange(1, 9), happened, int(rng.random() < 0.1),
                   rng.choice(vil) if vil else None,
                   "调解成功, 双方签署协议" if state == "closed" else None,
                   "不属于人民调解范围" if state == "rejected" else None)

    insert = ("INSERT INTO test_item (org_id, org_path, version, created_at, created_by, updated_at, updated_by,"
              " wf_state, wf_version, state_since, due_at, state_due_at, title, summary, category, amount, headcount,"
              " happened_on, urgent, village_id, result, reject_reason) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
              " ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    if pg:
        db.executemany(insert, gen())
    else:
        # through the sqlite3 shell: the search index's triggers need the
        # tokenizer, which Python's sqlite3 cannot load (store/fts_scope.c)
        db.close()
        lit = lambda v: "NULL" if v is None else str(v) if isinstance(v, int) else "'" + v.replace("'", "''") + "'"
        head = insert[:insert.index("VALUES")]
        sh = subprocess.Popen(["sqlite3", "-cmd", f".load {os.path.join(ROOT, 'build', 'sifasuo_fts')}", path],
                              stdin=subprocess.PIPE, text=True)
        sh.stdin.write("BEGIN;\n")
        for r in gen():
            vals = [lit(v) for v in r]
            vals.insert(2, "1")
            sh.stdin.write(f"{head}VALUES ({', '.join(vals)});\n")
        sh.stdin.write("COMMIT;\n")
        sh.stdin.close()
        assert sh.wait() == 0
        db = sqlite3.connect(path, isolation_level=None)
    log(f"inserted {rows} rows in {time.time() - t0:.1f} s")
    n_scope = db.execute("SELECT COUNT(*) FROM test_item WHERE org_path >= ? AND org_path < ?",
                         (pudong, pudong[:-1] + "0")).fetchone()[0]
    db.close()
    return pudong, n_scope


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def req(self, method, path, body=None):
        h = {"Host": "127.0.0.1", "Cookie": self.cookie}
        if body is not None:
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, r.getheaders(), data


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--dir", help="reuse a store made by an earlier --keep run")
    ap.add_argument("--pg", help="PostgreSQL: the URL of an empty database to fill (or, with --dir, filled)")
    args = ap.parse_args()
    tmp = args.dir or tempfile.mkdtemp(prefix="sifasuo-scale.")
    store = os.path.join(tmp, "demo.db")
    env = dict(os.environ, SIFASUO_TEST_ENTITY="1", SIFASUO_KEY_FILE=os.path.join(tmp, "keys"))
    srv = None
    try:
        dburl = args.pg or "sqlite:" + store
        pg = PgStore(args.pg, tmp) if args.pg else None
        if pg:
            if not args.dir:
                subprocess.run([BIN, "init", "--demo", "--db", dburl], env=env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                pudong, n_scope = populate(None, args.rows, pg=pg)
            else:
                pudong = pg.execute("SELECT path FROM org_units WHERE name = '浦东新区司法局'").fetchone()[0]
                n_scope = pg.execute("SELECT COUNT(*) FROM test_item WHERE org_path >= ? AND org_path < ?",
                                     (pudong, pudong[:-1] + "0")).fetchone()[0]
        elif not args.dir:
            subprocess.run([BIN, "init", "--demo", "--db", dburl], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            pudong, n_scope = populate(store, args.rows)
        else:
            db = sqlite3.connect(store)
            pudong = db.execute("SELECT path FROM org_units WHERE name = '浦东新区司法局'").fetchone()[0]
            n_scope = db.execute("SELECT COUNT(*) FROM test_item WHERE org_path >= ? AND org_path < ?",
                                 (pudong, pudong[:-1] + "0")).fetchone()[0]
            db.close()
        if not pg:
            log(f"scope of {USER}: {n_scope} rows; store {os.path.getsize(store) / 2**20:.0f} MiB")
        out = open(os.path.join(tmp, "serve.out"), "w+")
        srv = subprocess.Popen([BIN, "serve", "--db", dburl, "--listen", "127.0.0.1:0", "--workers", "2",
                                "--key-file", env["SIFASUO_KEY_FILE"]], env=env, stdout=out,
                               stderr=open(os.path.join(tmp, "serve.err"), "w"))
        port = None
        for _ in range(6000):  # the first start on a big store builds the list indexes
            m = re.search(r"http://127\.0\.0\.1:(\d+)", open(out.name).read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        if not port:
            sys.exit("server did not start: " + open(os.path.join(tmp, "serve.err")).read())
        c = Client(port)
        st, hdrs, body = c.req("POST", "/api/v1/session", {"username": USER, "password": PASSWORD})
        if st != 200:
            sys.exit(f"sign-in failed: {st} {body[:200]!r}")
        c.cookie = next(m.group(0) for k, v in hdrs if k.lower() == "set-cookie"
                        for m in [re.search(r"sid=[0-9A-Za-z]+", v)] if m)
        first = "/api/v1/test-items?category=neighborhood&sort=-amount&limit=50"
        st, _, body = c.req("GET", first)
        page = json.loads(body)
        assert st == 200 and len(page["items"]) == 50, (st, body[:300])
        total, cursor = page["total"], page["next"]
        ids = [i["id"] for i in page["items"]]
        deep = cursor
        for _ in range(18):
            deep = json.loads(c.req("GET", first + "&after=" + urllib.parse.quote(deep))[2])["next"]
        st, _, body = c.req("GET", "/api/v1/test-items?sort=id&limit=500")
        ids += [i["id"] for i in json.loads(body)["items"]]
        st, _, body = c.req("GET", "/api/v1/test-items?sort=-id&limit=500")
        ids += [i["id"] for i in json.loads(body)["items"]]
        rng = random.Random(7)
        q = urllib.parse.quote("物业费拖欠")
        scenarios = [
            ("(a) list: category=neighborhood&sort=-amount&limit=50", lambda i: first),
            ("(b) the same, after= the first page's cursor", lambda i: first + "&after=" + urllib.parse.quote(cursor)),
            ("(c) GET /api/v1/test-items/<id>", lambda i: f"/api/v1/test-items/{rng.choice(ids)}"),
            ("(d) q=物业费拖欠 (FTS5 trigram), limit=50", lambda i: f"/api/v1/test-items?q={q}&limit=50"),
            ("(e) q=物业费拖欠&category=property_management&sort=-amount",
             lambda i: f"/api/v1/test-items?q={q}&category=property_management&sort=-amount&limit=50"),
            ("(f) list without filter, default sort (-id)", lambda i: "/api/v1/test-items?limit=50"),
            ("(g) list without filter, sort=-amount", lambda i: "/api/v1/test-items?sort=-amount&limit=50"),
            ("(h) the 20th page of (a), total=1", lambda i: first + "&total=1&after=" + urllib.parse.quote(deep)),
        ]
        rows = []
        for label, url in scenarios:
            for i in range(10):  # warm-up, not recorded
                c.req("GET", url(i))
            out.flush()
            start = os.path.getsize(out.name)
            client = []
            for i in range(args.requests):
                t = time.perf_counter()
                st, _, body = c.req("GET", url(i))
                client.append((time.perf_counter() - t) * 1000)
                assert st == 200, (label, st, body[:200])
            totals = json.loads(body).get("total")
            time.sleep(0.3)
            with open(out.name) as f:
                f.seek(start)
                us = [int(m.group(1)) / 1000 for line in f
                      for m in [re.search(r" GET /api/v1/test-items\S* 200 \d+ (\d+)us", line)] if m]
            rows.append((label, len(us), statistics.median(us), pct(us, 99), statistics.median(client),
                         pct(client, 99), totals))
        print(f"\n{args.rows} test_item rows on {'PostgreSQL' if pg else 'SQLite'}, {n_scope} in the scope of "
              f"`{USER}` (浦东新区司法局); page (a) total = {total}; {args.requests} sequential requests per scenario, "
              f"one keep-alive connection, --workers 2.\n")
        print("| scenario | n | server p50 ms | server p99 ms | client p50 ms | client p99 ms | total |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, n, p50, p99, c50, c99, tot in rows:
            print(f"| {label} | {n} | {p50:.2f} | {p99:.2f} | {c50:.2f} | {c99:.2f} | {tot if tot is not None else ''} |")
        if pg:
            return
        # which statement of a list costs: COUNT(*) for total, or the page
        db = sqlite3.connect(store)
        lo, hi = pudong, pudong[:-1] + "0"
        scope = "FROM test_item t WHERE t.org_path >= ? AND t.org_path < ? AND t.deleted_at IS NULL"
        walk = scope.replace("t.org_path", "+t.org_path")
        amount = "COALESCE(t.amount, -9000000000000000000)"
        sqls = [
            ("COUNT, category=neighborhood", f"SELECT COUNT(*) {scope} AND t.category = 'neighborhood'"),
            ("COUNT capped at 10 001, category=neighborhood",
             f"SELECT COUNT(*) FROM (SELECT 1 {scope} AND t.category = 'neighborhood' LIMIT 10001)"),
            ("page, category=neighborhood sort -amount, planner's choice",
             f"SELECT t.id {scope} AND t.category = 'neighborhood' ORDER BY {amount} DESC, t.id DESC LIMIT 51"),
            ("the same walking the sort order (+t.org_path), as the server does",
             f"SELECT t.id {walk} AND t.category = 'neighborhood' ORDER BY {amount} DESC, t.id DESC LIMIT 51"),
            ("COUNT, no filter", f"SELECT COUNT(*) {scope}"),
            ("COUNT capped at 10 001, no filter", f"SELECT COUNT(*) FROM (SELECT 1 {scope} LIMIT 10001)"),
            ("COUNT, q=物业费拖欠",
             f"SELECT COUNT(*) {scope} AND t.id IN (SELECT rowid FROM test_item_fts WHERE test_item_fts MATCH '\"物业费拖欠\"')"),
        ]
        direct = []
        for label, sql in sqls:
            db.execute(sql, (lo, hi)).fetchall()
            ts = []
            for _ in range(20):
                t = time.perf_counter()
                db.execute(sql, (lo, hi)).fetchall()
                ts.append((time.perf_counter() - t) * 1000)
            plan = "; ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, (lo, hi)))
            direct.append((label, statistics.median(ts), plan))
        db.close()

        print("\nThe statements alone, python sqlite3 on the same file (median of 20):\n")
        print("| statement | ms | plan |")
        print("|---|---:|---|")
        for label, ms, plan in direct:
            print(f"| {label} | {ms:.2f} | {plan} |")
    finally:
        if srv:
            srv.terminate()
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
        if args.keep or args.dir:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
