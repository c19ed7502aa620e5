"""Read replicas (issue 26 point 3): `serve --db-replica URL` reads lists,
statistics and scorecards from a PostgreSQL hot standby, with read-your-writes
for the session that just wrote (the sfs_lsn cookie: the standby must have
replayed the session's last commit, else the primary answers).

The standby is real: tests/lib/pg.sh's pg_pair starts a primary of its own and
a standby made from it with pg_basebackup -R, streaming.  A standby is a
PostgreSQL feature; a SQLite file has none, so these tests run on PostgreSQL
only, except the refusal of --db-replica with SQLite."""
import glob
import os
import subprocess
import time

from harness import ROOT, Server, _keyfiles, demo_store, keyfile_for, only, run_cli, tmpdir
from auth_helpers import Session

C = "/api/v1/mediation-cases"
WHY = "热备库 (流复制) 是 PostgreSQL 的功能, SQLite 没有备库"


class Pair:
    """A primary and a streaming standby holding the demo data."""

    def __init__(self):
        self.dir = tmpdir("sifasuo-pair-")
        out = subprocess.run(["bash", "-c", 'source tests/lib/pg.sh && pg_pair "$0"', self.dir], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError("pg_pair failed: " + out.stderr)
        pport, sport = out.stdout.split()
        subprocess.run(["psql", f"postgresql://postgres@127.0.0.1:{pport}/postgres", "-qAtc",
                        "CREATE DATABASE sifasuo"], check=True, capture_output=True)
        self.primary = f"postgresql://postgres@127.0.0.1:{pport}/sifasuo"
        self.standby = f"postgresql://postgres@127.0.0.1:{sport}/sifasuo"
        # the demo data: a copy of the run's template moved over (pg_dump |
        # pg_restore, about 3x faster here than another init --demo), with
        # its key file; the standby has the same store, so the same keys
        copy, _ = demo_store("postgres")
        dump = subprocess.Popen(["pg_dump", "-Fc", copy], stdout=subprocess.PIPE)
        r = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", self.primary], stdin=dump.stdout,
                           capture_output=True, text=True)
        dump.stdout.close()
        if dump.wait() != 0 or r.returncode != 0:
            raise RuntimeError("copying the demo store failed: " + r.stderr)
        _keyfiles[self.primary] = keyfile_for(copy)
        self.wait_replayed()

    def psql(self, url, sql):
        return subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True, check=True).stdout.strip()

    def wait_replayed(self, limit_s=30):
        lsn = self.psql(self.primary, "SELECT pg_current_wal_insert_lsn()")
        start = time.monotonic()
        while time.monotonic() - start < limit_s:
            try:
                if self.psql(self.standby, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t":
                    return
            except subprocess.CalledProcessError:
                pass  # the database not replayed yet
            time.sleep(0.1)
        raise RuntimeError("the standby did not catch up")

    def stop_standby(self):
        pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
        cmd = [pg_ctl, "-D", os.path.join(self.dir, "standby"), "-m", "immediate", "-w", "stop"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, cwd=self.dir, capture_output=True, check=True)

    def stop(self):
        subprocess.run(["bash", "-c", 'source tests/lib/pg.sh && pg_pair_stop "$0"', self.dir], cwd=ROOT,
                       capture_output=True)


def _pair(ctx):
    """The module's pair and a server on it reading from the standby (made
    once: a pair costs an initdb, an init --demo and a base backup)."""
    if not getattr(ctx, "pair", None):
        ctx.pair = Pair()
        ctx.replica_server = Server(ctx.pair.primary, extra=["--db-replica", ctx.pair.standby])
        ctx._servers.append(ctx.replica_server)
        ctx._servers.append(ctx.pair)  # stopped after the server (Context.close stops each)
    return ctx.pair, ctx.replica_server


class Browser(Session):
    """A session that keeps every cookie it is given, as a browser does."""

    def req(self, method, path, body=None, csrf=True, headers=None, raw_body=None):
        jar = getattr(self, "jar", {})
        h = dict(headers or {})
        extra = "; ".join(f"{k}={v}" for k, v in jar.items())
        if extra:
            h["Cookie"] = (self.cookie + "; " + extra) if self.cookie else extra
        st, hdrs, body = Session.req(self, method, path, body=body, csrf=csrf, headers=h, raw_body=raw_body)
        c = hdrs.get("set-cookie", "")
        if c.startswith("sfs_lsn="):
            self.jar = dict(jar, sfs_lsn=c.split(";", 1)[0].split("=", 1)[1])
        return st, hdrs, body


def _new_case(sess, title):
    st, h, case = sess.post(C, {"title": title, "received_on": "2026-09-24", "source": "party_application",
                                "category": "neighborhood", "summary": "读写分离测试"})
    assert st == 201, case
    return case, h


def _listed(sess, case):
    st, h, body = sess.get(f"{C}?limit=100&fields=title&sort=-id")
    assert st == 200, body
    return case["id"] in [i["id"] for i in body["items"]], h.get("x-sifasuo-read")


@only("postgres", WHY)
def test_lists_statistics_and_scorecards_read_the_standby(ctx):
    pair, s = _pair(ctx)
    ljz = Browser(s, "ljz")
    office = ljz.login_body["user"]["org"]["id"]
    for path in (f"{C}?limit=5", f"/api/v1/mediation/stats?org={office}",
                 f"/api/v1/standards/scorecard?org={office}"):
        st, h, body = ljz.get(path)
        assert st == 200 and h.get("x-sifasuo-read") == "replica", (path, st, h.get("x-sifasuo-read"), body)
    # one record, and anything not a list, from the primary
    st, _, body = ljz.get(f"{C}?limit=1")
    st, h, body = ljz.get(f"{C}/{body['items'][0]['id']}")
    assert st == 200 and h.get("x-sifasuo-read") is None, (st, h)


@only("postgres", WHY)
def test_a_write_then_an_immediate_list_shows_it(ctx):
    pair, s = _pair(ctx)
    ljz = Browser(s, "ljz")
    served = {}
    for i in range(20):
        case, h = _new_case(ljz, f"写后即读 {i}")
        assert "sfs_lsn=" in h.get("set-cookie", ""), "a signed-in write names its commit's position"
        shown, where = _listed(ljz, case)
        assert shown, f"write {i}: the list right after it does not show it (read from {where})"
        served[where] = served.get(where, 0) + 1
        st, h, again = ljz.get(f"{C}/{case['id']}")
        assert st == 200 and again["title"] == f"写后即读 {i}" and h.get("x-sifasuo-read") is None
    print(f"  20 writes, each listed at once: {served}")
    assert served.get("replica"), "the standby never served the list"


@only("postgres", WHY)
def test_a_standby_behind_serves_others_but_the_writer_reads_the_primary(ctx):
    pair, s = _pair(ctx)
    writer, other = Browser(s, "ljz"), Browser(s, "ljz")
    pair.psql(pair.standby, "SELECT pg_wal_replay_pause()")
    try:
        case, _ = _new_case(writer, "备库暂停时登记")
        t0 = time.monotonic()
        shown, where = _listed(writer, case)
        waited = time.monotonic() - t0
        assert shown and where == "primary", (shown, where)
        # bounded: the writer's read waited for the standby at most a moment
        assert waited < 5, waited
        # a session without the write's position reads the standby, a moment behind
        shown, where = _listed(other, case)
        assert where == "replica" and not shown, (shown, where)
    finally:
        pair.psql(pair.standby, "SELECT pg_wal_replay_resume()")
    pair.wait_replayed()
    shown, where = _listed(writer, case)
    assert shown and where == "replica", (shown, where)


@only("postgres", WHY)
def test_a_standby_that_goes_away_leaves_the_primary_answering(ctx):
    pair, s = _pair(ctx)
    ljz = Browser(s, "ljz")
    assert _listed(ljz, {"id": 0})[1] == "replica"
    pair.stop_standby()
    # a read that meets the dead standby before a worker's next check of it
    # answers 503 and drops it: at most one such read per worker (the server
    # has 2), every other read is answered by the primary
    failed = 0
    for i in range(8):
        case, _ = _new_case(ljz, f"备库停机后登记 {i}")
        st, h, body = ljz.get(f"{C}?limit=100&fields=title&sort=-id")
        if st == 503:
            failed += 1
            continue
        assert st == 200 and case["id"] in [x["id"] for x in body["items"]], (i, st, body)
        assert h.get("x-sifasuo-read") in (None, "primary"), h
    assert failed <= 2, f"{failed} reads failed after the standby stopped"


def test_db_replica_is_refused_without_postgresql(ctx):
    url = "sqlite:" + os.path.join(tmpdir("sifasuo-rep-"), "x.db")
    r = run_cli(["serve", "--listen", "127.0.0.1:0", "--db-replica", "postgresql://127.0.0.1:1/x"], url)
    assert r.returncode == 2 and "--db-replica 只用于 PostgreSQL" in r.stderr, (r.returncode, r.stderr)
