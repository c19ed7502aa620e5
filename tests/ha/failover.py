"""Failover test (issue 26 point 1, `make test-ha`): sifasuo on a Patroni
cluster (scripts/pg-cluster.sh: etcd, three PostgreSQL 15 nodes, synchronous
replication, a libpq multi-host URL with target_session_attrs=read-write).

Several client threads create records through the API and note every id
that got a 201.  Meanwhile the primary's postmaster is killed with SIGKILL,
HA_FAILOVERS times (default 5; 50 for the long mode by hand), each time once
the cluster is whole again (a leader, a synchronous standby, three nodes).
The one server process is never restarted.  Afterwards:

  - every acknowledged record is in the store with its title (lost = 0);
  - a create answered 503 commit_unknown ("结果未知") may or may not be
    there: the test looks and counts both outcomes;
  - no answer other than 201 or 503 was given, and the server still runs;
  - the recovery time of each failover (from the kill to the first 201 of a
    request sent after it) is printed, with the median and the worst.

Prints "N passed, N failed, 0 skipped" like the other test files."""
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ["SIFASUO_TEST_ENTITY"] = "1"

from auth_helpers import Session  # noqa: E402
from harness import Server, cleanup, run_cli  # noqa: E402

E = "/api/v1/test-items"
FAILOVERS = int(os.environ.get("HA_FAILOVERS", "5"))
WRITERS = int(os.environ.get("HA_WRITERS", "4"))
CLUSTER = os.path.join(ROOT, "scripts", "pg-cluster.sh")


def cluster(*args):
    r = subprocess.run([CLUSTER, *args], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"pg-cluster.sh {' '.join(args)}: {r.stdout}{r.stderr}")
    return r.stdout


class Ledger:
    """What the clients were told, and when."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}  # id → title
        self.unknown = []  # titles answered 503 commit_unknown
        self.ok_times = []  # (sent, answered) of every 201, monotonic
        self.fail_times = []  # (sent, answered) of every other answer
        self.unavailable = 0  # 503 store_unavailable
        self.no_answer = 0  # connection to sifasuo broken: must not happen
        self.wrong = []  # anything else
        self.reads = {200: 0, 503: 0, "other": 0}


def writer(server, cookie, csrf, ledger, k, stop):
    sess = Session(server)
    sess.cookie, sess.csrf = cookie, csrf
    i = 0
    while not stop.is_set():
        i += 1
        title = f"故障切换 {k}-{i}-{uuid.uuid4().hex[:6]}"
        sent = time.monotonic()
        try:
            st, _, body = sess.post(E, {"title": title, "amount": "1.00"})
        except OSError as e:
            with ledger.lock:
                ledger.no_answer += 1
                ledger.wrong.append(("no answer", repr(e)))
            continue
        answered = time.monotonic()
        with ledger.lock:
            if st == 201:
                ledger.acked[body["id"]] = title
                ledger.ok_times.append((sent, answered))
            else:
                ledger.fail_times.append((sent, answered))
                code = body.get("error", {}).get("code") if isinstance(body, dict) else None
                if st == 503 and code == "commit_unknown":
                    ledger.unknown.append(title)
                elif st == 503 and code == "store_unavailable":
                    ledger.unavailable += 1
                else:
                    ledger.wrong.append((st, body))
        if st != 201:
            time.sleep(0.05)


def recovery(ledger, t_kill):
    """(outage, recovered): seconds from the kill to the first failed answer
    (None when the clients saw none) and to the first 201 of a request sent
    after the last failed answer of this failover."""
    with ledger.lock:
        fails = [a for s, a in ledger.fail_times if a > t_kill]
        last_fail = max(fails) if fails else t_kill
        oks = [a for s, a in ledger.ok_times if s > last_fail]
    return (min(fails) - t_kill if fails else None), (min(oks) - t_kill if oks else None)


def reader(server, cookie, ledger, stop):
    """Lists the records meanwhile: 200, or 503 while no primary answers."""
    sess = Session(server)
    sess.cookie = cookie
    while not stop.is_set():
        try:
            st, _, body = sess.get(E)
        except OSError as e:
            st, body = "no answer", repr(e)
        with ledger.lock:
            ledger.reads[st if st in (200, 503) else "other"] += 1
            if st not in (200, 503):
                ledger.wrong.append((st, body))
        time.sleep(0.05)


def first_ok_after(ledger, t, until):
    """Seconds from t to the first 201 of a request sent after t; None if none before until."""
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        with ledger.lock:
            done = [a for s, a in ledger.ok_times if s > t]
        if done:
            return min(done) - t
        time.sleep(0.02)
    return None


def psql_rows(url, sql):
    r = subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True, check=True)
    return [line.split("|", 1) for line in r.stdout.splitlines() if line]


def main():
    passed = failed = 0
    try:
        out = cluster("start")
    except AssertionError as e:
        print(f"FAIL the cluster did not start: {e}")
        print("0 passed, 1 failed, 0 skipped")
        return 1
    env = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("HA_"))
    ha_dir, url = env["HA_DIR"], env["HA_URL"]
    server = None
    stop = threading.Event()
    threads = []
    try:
        t0 = time.monotonic()
        # setup only: the demo's many small transactions need not wait for the standby
        r = run_cli(["init", "--demo"], url, env={"SIFASUO_TEST_ENTITY": "1",
                                                   "PGOPTIONS": "-c synchronous_commit=off"})
        assert r.returncode == 0, r.stderr
        print(f"init --demo on the cluster: {time.monotonic() - t0:.1f} s")
        server = Server(url, workers=4, extra=["--quiet"])
        first = Session(server, "ljz")
        ledger = Ledger()
        for k in range(WRITERS):
            t = threading.Thread(target=writer, args=(server, first.cookie, first.csrf, ledger, k, stop))
            t.start()
            threads.append(t)
        t = threading.Thread(target=reader, args=(server, first.cookie, ledger, stop))
        t.start()
        threads.append(t)
        rng = random.Random(int(os.environ.get("HA_SEED", str(int(time.time())))))
        recoveries = []
        started = time.monotonic()
        for n in range(FAILOVERS):
            cluster("wait", ha_dir)
            assert first_ok_after(ledger, time.monotonic(), 60) is not None, "no write succeeds on a whole cluster"
            time.sleep(rng.uniform(0.3, 1.5))
            t_kill = time.monotonic()
            name_pid = cluster("kill-primary", ha_dir).strip()
            # the cluster whole again, and a second of writes after that
            cluster("wait", ha_dir)
            assert first_ok_after(ledger, time.monotonic(), 60) is not None, \
                f"failover {n + 1}: no write succeeded within 60 s of the cluster being whole after killing {name_pid}"
            time.sleep(1)
            assert server.proc.poll() is None, "the server exited"
            outage, rec = recovery(ledger, t_kill)
            recoveries.append(rec)
            seen = f"first failed answer after {outage:.2f} s" if outage is not None else "no failed answer"
            print(f"failover {n + 1}: killed {name_pid}; {seen}; writes acknowledged again after {rec:.2f} s",
                  flush=True)
        stop.set()
        for t in threads:
            t.join()
        threads = []
        elapsed = time.monotonic() - started
        cluster("wait", ha_dir)

        # every acknowledged write is there, as acknowledged
        stored = dict((int(i), t) for i, t in psql_rows(url, "SELECT id, title FROM test_item"))
        lost = [i for i, t in ledger.acked.items() if stored.get(i) != t]
        titles = set(stored.values())
        unknown_committed = sum(1 for t in ledger.unknown if t in titles)
        print(f"failovers {FAILOVERS} in {elapsed:.0f} s; writes acknowledged {len(ledger.acked)}, "
              f"lost {len(lost)}; 503 store_unavailable {ledger.unavailable}; "
              f"503 commit_unknown {len(ledger.unknown)} (committed {unknown_committed}, "
              f"not {len(ledger.unknown) - unknown_committed}); other answers {len(ledger.wrong)}; "
              f"reads 200 {ledger.reads[200]}, 503 {ledger.reads[503]}")
        print("recovery (kill → first acknowledged write): median %.2f s, min %.2f s, max %.2f s" %
              (statistics.median(recoveries), min(recoveries), max(recoveries)))
        assert not lost, f"acknowledged writes missing: {lost[:10]}"
        assert not ledger.wrong, f"answers other than 201/503: {ledger.wrong[:5]}"
        # reads through the same server process work after the last failover
        st, _, body = first.get(E)
        assert st == 200, (st, body)
        assert server.proc.poll() is None, "the server exited"
        passed += 1
        print("ok   test_failover_under_concurrent_writes_loses_no_acknowledged_write")
    except AssertionError as e:
        failed += 1
        print(f"FAIL test_failover_under_concurrent_writes_loses_no_acknowledged_write: {e}")
        try:
            print(cluster("status", ha_dir))
        except AssertionError as e2:
            print(e2)
        if server:
            print("server log (last lines):")
            print("".join(open(server.log.name, errors="replace").readlines()[-30:]))
    finally:
        stop.set()
        for t in threads:
            t.join()
        if server:
            server.stop(signal.SIGTERM)
        cluster("stop", ha_dir)
        cleanup()
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
