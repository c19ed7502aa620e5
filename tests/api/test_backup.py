"""`sifasuo backup` / `sifasuo restore` (issue 9 point 7): a backup taken
while writers keep writing restores every row acknowledged before it began,
with the audit chain intact; restore refuses what it must refuse.  SQLite
uses the online backup API; PostgreSQL pg_dump / pg_restore into an empty
database."""
import os
import sqlite3
import subprocess
import threading
import time

from auth_helpers import Session
from harness import demo_store, new_store, only, run_cli, tmpdir

E = "/api/v1/test-items"


class Writers:
    """Threads creating test records until stopped; every 201 is kept with
    the moment it was acknowledged."""

    def __init__(self, server, n=3):
        self.acked = []  # (time acknowledged, id)
        self.errors = []
        self.stop_flag = False
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(Session(server, "ljz"), i)) for i in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, sess, k):
        i = 0
        while not self.stop_flag:
            i += 1
            try:
                st, _, rec = sess.post(E, {"title": f"备份期间写入 {k}-{i}"})
            except Exception as e:  # the server may be gone in other tests; here it must not be
                self.errors.append(repr(e))
                return
            if st == 201:
                with self.lock:
                    self.acked.append((time.time(), rec["id"]))
            else:
                self.errors.append((st, rec))

    def stop(self):
        self.stop_flag = True
        for t in self.threads:
            t.join()
        assert not self.errors, self.errors[:3]


def _demo_store(ctx):
    url, _ = demo_store(ctx.kind)
    return url


def _ids_in_sqlite(path):
    c = sqlite3.connect(path)
    try:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {r[0] for r in c.execute("SELECT id FROM test_item")}
    finally:
        c.close()


@only("sqlite", "SQLite 文件的备份与恢复")
def test_sqlite_backup_while_writing_then_restore_keeps_every_acknowledged_row(ctx):
    url = _demo_store(ctx)
    path = url[7:]
    s = ctx.server(url)
    w = Writers(s)
    deadline = time.time() + 120
    while len(w.acked) < 30:
        assert time.time() < deadline and not w.errors, ("the writers did not get 30 writes acknowledged", w.errors[:3])
        time.sleep(0.05)
    started = time.time()
    dst = os.path.join(tmpdir("sifasuo-bak-"), "backup.db")
    r = run_cli(["backup", "--to", dst], url)
    ended = time.time()
    # writes acknowledged after the backup, which must not be in it: waited
    # for (a fixed 0.3 s saw none now and then on a loaded machine)
    deadline = time.time() + 60
    while not any(t > ended for t, _ in list(w.acked)) and time.time() < deadline and not w.errors:
        time.sleep(0.05)
    w.stop()
    assert r.returncode == 0 and "备份完成" in r.stdout, r.stdout + r.stderr
    assert oct(os.stat(dst).st_mode & 0o777) == "0o600", "a backup holds personal information"
    before = {i for t, i in w.acked if t < started}
    after = {i for t, i in w.acked if t > ended}
    in_backup = _ids_in_sqlite(dst)
    assert before <= in_backup, sorted(before - in_backup)[:5]
    assert not (after & in_backup), "the backup is one instant, not a mix"
    assert after, "writes went on during and after the backup"
    v = run_cli(["audit", "verify", "--db", "sqlite:" + dst], None, env={"SIFASUO_KEY_FILE": s.keyfile})
    assert v.returncode == 0 and "审计日志完整" in v.stdout, v.stdout + v.stderr
    assert not os.path.exists(dst + "-wal"), "a backup is one self-contained file"

    # not over an existing file without --force
    r = run_cli(["backup", "--to", dst], url)
    assert r.returncode == 1 and "--force" in r.stderr, r.stderr
    # not while the server holds the store
    r = run_cli(["restore", "--from", dst], url)
    assert r.returncode == 1 and "停止服务" in r.stderr, r.stdout + r.stderr
    assert s.request("GET", "/readyz")[0] == 200

    s.stop()
    r = run_cli(["restore", "--from", dst], url)
    assert r.returncode == 0 and "原数据库已改名保留" in r.stdout, r.stdout + r.stderr
    aside = [f for f in os.listdir(os.path.dirname(path)) if ".before-restore-" in f]
    assert aside, os.listdir(os.path.dirname(path))
    assert _ids_in_sqlite(path) == in_backup
    v = run_cli(["audit", "verify"], url)
    assert v.returncode == 0, v.stdout + v.stderr
    s2 = ctx.server(url)
    sess = Session(s2, "ljz")
    for i in sorted(before)[:40]:
        st, _, rec = sess.get(f"{E}/{i}")
        assert st == 200, (i, st, rec)


@only("sqlite", "SQLite 文件的备份与恢复")
def test_sqlite_restore_refuses_foreign_corrupt_and_newer_files(ctx):
    url = _demo_store(ctx)
    d = tmpdir("sifasuo-bak-")
    good = os.path.join(d, "good.db")
    assert run_cli(["backup", "--to", good], url).returncode == 0
    target_before = open(url[7:], "rb").read()

    junk = os.path.join(d, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"not a database at all" * 100)
    foreign = os.path.join(d, "foreign.db")
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    newer = os.path.join(d, "newer.db")
    subprocess.run(["cp", good, newer], check=True)
    c = sqlite3.connect(newer)
    c.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '2030-01-01T00:00:00Z')")
    c.commit()
    c.close()
    corrupt = os.path.join(d, "corrupt.db")
    data = bytearray(open(good, "rb").read())
    page = 4096
    for off in range(page * 3, min(len(data), page * 12)):  # scribble over b-tree pages, keep the header
        data[off] = 0x5A
    with open(corrupt, "wb") as f:
        f.write(data)
    for path, words in [(junk, "不是 SQLite"), (foreign, "不是本平台"), (newer, "比本程序"), (corrupt, ""),
                        (os.path.join(d, "missing.db"), "无法读取")]:
        r = run_cli(["restore", "--from", path], url)
        assert r.returncode == 1 and words in r.stderr, (path, r.stdout, r.stderr)
        assert r.stderr.strip() and any(ord(ch) > 0x4E00 for ch in r.stderr)
    assert open(url[7:], "rb").read() == target_before, "a refused restore changes nothing"
    assert not [f for f in os.listdir(os.path.dirname(url[7:])) if ".before-restore-" in f or ".restore-" in f]
    r = run_cli(["restore"], url)
    assert r.returncode == 2 and "用法" in r.stderr


@only("postgres", "PostgreSQL 的备份与恢复")
def test_postgres_backup_restores_into_an_empty_database_with_the_chain_intact(ctx):
    url = _demo_store(ctx)
    s = ctx.server(url)
    w = Writers(s, n=2)
    deadline = time.time() + 120
    while len(w.acked) < 20:
        assert time.time() < deadline and not w.errors, ("the writers did not get 20 writes acknowledged", w.errors[:3])
        time.sleep(0.05)
    started = time.time()
    dst = os.path.join(tmpdir("sifasuo-bak-"), "backup.dump")
    r = run_cli(["backup", "--to", dst], url)
    w.stop()
    assert r.returncode == 0 and "备份完成" in r.stdout, r.stdout + r.stderr
    assert oct(os.stat(dst).st_mode & 0o777) == "0o600"
    before = {i for t, i in w.acked if t < started}
    head = run_cli(["audit", "verify"], url).stdout

    r = run_cli(["restore", "--from", dst], url)
    assert r.returncode == 1 and "不是空库" in r.stderr, "the live database is never overwritten"
    fresh = new_store("postgres")
    r = run_cli(["restore", "--from", dst], fresh, env={"SIFASUO_KEY_FILE": s.keyfile})
    assert r.returncode == 0, r.stdout + r.stderr
    out = subprocess.run(["psql", fresh, "-qAtc", "SELECT id FROM test_item"], capture_output=True, text=True, check=True)
    restored = {int(x) for x in out.stdout.split()}
    assert before <= restored, sorted(before - restored)[:5]
    v = run_cli(["audit", "verify"], fresh, env={"SIFASUO_KEY_FILE": s.keyfile})
    assert v.returncode == 0 and "审计日志完整" in v.stdout, v.stdout + v.stderr
    trig = subprocess.run(["psql", fresh, "-qAtc", "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'audit_log%'"],
                          capture_output=True, text=True, check=True)
    assert int(trig.stdout) >= 1, "the append-only triggers come back with the data"
    assert head.strip(), head

    junk = os.path.join(os.path.dirname(dst), "junk.dump")
    with open(junk, "wb") as f:
        f.write(b"PGDMP but not really")
    empty = new_store("postgres")
    r = run_cli(["restore", "--from", junk], empty)
    assert r.returncode == 1 and "不是 pg_dump" in r.stderr, r.stderr
