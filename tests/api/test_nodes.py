"""Several app nodes on one store (issue 26 point 2): two `sifasuo serve`
processes on the same store, with Debian's nginx in front.  Sessions, the
process-wide caches, permissions and rate limits agree across the nodes, and
the scheduler's pass runs once whichever nodes run (docs/operations.md 12).

On PostgreSQL this is the production layout.  On SQLite it is two processes
on one file on one machine, which works the same way (WAL lets them share the
file; the caches follow the same generation rows; the lease is the same row),
so every test here runs on both stores."""
import datetime
import time

from auth_helpers import DEMO_PASSWORD, Session, admin_session, create_user
from test_plan_rules import _apply  # an office change filed and applied
from harness import Nginx, demo_store, store_exec, store_query

# the generation check (engine/gencache.h GENCACHE_CHECK_MS) and the signed-in
# principals' lifetime on other nodes (auth/pcache.c PCACHE_TTL_US), with
# room for a loaded machine: the bound each change must show within
GEN_CHECK_S, PCACHE_TTL_S, SLACK_S = 1.0, 2.0, 3.0


def _nodes(ctx, n=2, env=None):
    """n servers on one demo store (the same key file), believing the
    X-Real-IP of a proxy on this machine."""
    url, _ = demo_store(ctx.kind)
    return url, [ctx.server(url, extra=["--trusted-proxy", "127.0.0.1"], env=env) for _ in range(n)]


def _until(fn, limit_s):
    """Calls fn until it returns true or limit_s passes; returns the seconds
    it took, or None when it never did."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if fn():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def _served(node, path):
    return sum(1 for line in node.access if path in line)


def test_sign_in_on_one_node_write_through_another_and_through_nginx(ctx):
    url, (a, b) = _nodes(ctx)
    ljz = Session(a, "ljz")
    ljz.s = b  # the same cookie and CSRF token, another process
    st, _, case = ljz.post("/api/v1/mediation-cases", {
        "title": "两节点测试纠纷", "received_on": "2026-09-24", "source": "party_application",
        "category": "neighborhood", "summary": "在一个节点登录, 在另一个节点登记"})
    assert st == 201, case
    ljz.s = a
    st, _, again = ljz.get(f"/api/v1/mediation-cases/{case['id']}")
    assert st == 200 and again["title"] == "两节点测试纠纷", again
    # through nginx, round robin: every request answered, both nodes served
    ng = Nginx([a, b])
    try:
        ljz.s = ng
        before = (_served(a, "GET /api/v1/mediation-cases 200"), _served(b, "GET /api/v1/mediation-cases 200"))
        for _ in range(8):
            st, _, body = ljz.get("/api/v1/mediation-cases?limit=100&fields=title")
            assert st == 200 and case["id"] in [i["id"] for i in body["items"]], body
        # the access log line is written after the reply and read by a thread: waited for
        served = lambda: (_served(a, "GET /api/v1/mediation-cases 200"), _served(b, "GET /api/v1/mediation-cases 200"))
        _until(lambda: sum(served()) >= sum(before) + 8, 30)
        after = served()
        assert after[0] > before[0] and after[1] > before[1], (before, after)
        # signing out on one node ends the session on the other within the
        # cached principal's lifetime
        ljz.s = b
        assert ljz.req("DELETE", "/api/v1/session")[0] in (200, 204)
        ljz.s = a
        took = _until(lambda: ljz.get("/api/v1/mediation-cases?limit=1")[0] == 401, PCACHE_TTL_S + SLACK_S)
        assert took is not None, "the session signed out on node B still works on node A"
    finally:
        ng.stop()


def test_org_unit_renamed_on_one_node_shows_on_the_other_within_the_generation_check(ctx):
    url, (a, b) = _nodes(ctx)
    now = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    today = now.strftime("%Y-%m-%d")
    district, city = Session(a, "pudong"), Session(a, "shiju")
    pudong = district.login_body["user"]["org"]["id"]
    st, _, offices = district.get(f"/api/v1/org-units?parent={pudong}&limit=500")
    assert st == 200, offices
    office = [u for u in offices["items"] if u.get("level") == "office"][0]
    watcher = Session(b, "pudong")
    staff = f"/api/v1/staff?org_id={office['id']}&limit=3"
    st, _, rows = watcher.get(staff)
    assert st == 200 and rows["items"] and rows["items"][0]["org_name"] == office["name"], rows
    # the rename, filed and applied on node A
    _apply(district, city, change_type="rename", office_id=office["id"], new_name="两节点更名街道司法所",
           effective_on=today, today=today)
    # node B's snapshot of the org tree follows the stored generation
    took = _until(lambda: watcher.get(staff)[2]["items"][0]["org_name"] == "两节点更名街道司法所",
                  GEN_CHECK_S + SLACK_S)
    assert took is not None, "node B still shows the old name of the office"
    print(f"  node B showed the new name {took:.2f} s after node A applied it")


def test_permission_removed_on_one_node_holds_on_the_other(ctx):
    url, (a, b) = _nodes(ctx)
    sess = Session(a, "ljz")
    office = sess.login_body["user"]["org"]["id"]
    uid = create_user(a, "nodeclerk", office, ["office_staff"], "Node#Clerk2026x")
    clerk = Session(b, "nodeclerk", password="Node#Clerk2026x")
    if clerk.login_body["user"].get("must_change_password"):
        st, _, body = clerk.post("/api/v1/session/password", {"old_password": "Node#Clerk2026x",
                                                               "new_password": "Node#Clerk2027y"})
        assert st == 200, body
    sec, _ = admin_session(a, "secadmin")
    st, _, body = clerk.get("/api/v1/mediation-cases?limit=1")  # node B caches the principal now
    assert st == 200, body
    st, _, body = sec.req("PUT", f"/api/v1/users/{uid}/roles", {"roles": []})
    assert st == 200, body
    took = _until(lambda: clerk.get("/api/v1/mediation-cases?limit=1")[0] == 403, PCACHE_TTL_S + SLACK_S)
    assert took is not None, "node B still lets the account read after its roles were taken away on node A"
    print(f"  node B refused {took:.2f} s after node A removed the roles")


def test_login_rate_limit_adds_up_across_nodes(ctx):
    url, (a, b) = _nodes(ctx)
    ng = Nginx([a, b])
    try:
        probe = Session(ng)
        limit = 30  # login.ip_limit's default (auth/roles.c)
        for i in range(limit):
            st, body = probe.login(f"nosuchuser{i}", DEMO_PASSWORD)
            assert st == 401, (i, st, body)
        # the access log line is written after the reply and read by a thread:
        # the last ones waited for (counted at once, 29 of 30 were seen)
        tried = lambda: (_served(a, "POST /api/v1/session"), _served(b, "POST /api/v1/session"))
        _until(lambda: sum(tried()) >= limit, 30)
        fails = tried()
        assert fails[0] and fails[1] and sum(fails) >= limit, f"both nodes took failed sign-ins: {fails}"
        st, body = probe.login("nosuchuser-last", DEMO_PASSWORD)
        assert st == 429, (st, body)
        # and each node on its own counts the others' failures (the same address)
        for node in (a, b):
            st, body = Session(node).login("ljz", DEMO_PASSWORD)
            assert st == 429 and "频繁" in body["error"]["message"], body
    finally:
        ng.stop()


def _lease(url):
    row = store_query(url, "SELECT holder, passes FROM leases WHERE name = 'scheduler'").split("|")
    return row[0], int(row[1])


def test_scheduler_pass_runs_once_across_nodes_and_moves_when_its_holder_dies(ctx):
    url, nodes = _nodes(ctx, env={"SIFASUO_SCHEDULER_PERIOD_S": "1"})
    start = time.monotonic()
    assert _until(lambda: _lease(url)[1] > 0, 10) is not None, "no scheduler pass ran"
    passes0 = _lease(url)[1]
    time.sleep(4)
    holder, passes = _lease(url)
    elapsed = time.monotonic() - start
    # every node tries once a second: two nodes would make ~2 passes a second
    assert passes - passes0 <= 4 + 1, f"{passes - passes0} passes in 4 s with a period of 1 s: more than one node ran them"
    leader = [n for n in nodes if f" {n.proc.pid} " in holder + " "]
    assert len(leader) == 1, holder
    leader = leader[0]
    other = nodes[1] if leader is nodes[0] else nodes[0]
    logs = [open(n.log.name).read() for n in nodes]
    ran = [("this node runs the passes" in t) for t in logs]
    assert ran == [n is leader for n in nodes], (ran, elapsed)
    # the leader dies without giving the lease up: the other node, on the
    # same host, sees its process gone and takes over at its next try
    leader.stop(sig=9)
    took = _until(lambda: f" {other.proc.pid} " in _lease(url)[0] + " ", 1 + 1 + SLACK_S)
    assert took is not None, "no node took the scheduler over from the dead one"
    print(f"  the other node took the scheduler over {took:.1f} s after its holder was killed")
    # a holder on another host cannot be checked: its lease must run out
    until = int(time.time()) + 3
    store_exec(url, f"UPDATE leases SET holder = 'elsewhere 4242 1', expires_at = {until} WHERE name = 'scheduler'")
    took = _until(lambda: f" {other.proc.pid} " in _lease(url)[0] + " ", 3 + 1 + SLACK_S)
    assert took is not None and time.time() >= until, "the lease of another host was taken before it ran out"
    print(f"  and from another host's holder {took:.1f} s later, when its lease ran out")
