"""The change feed (issue 25 point 2): GET /api/v1/changes — every create,
update, transition and delete in commit order, each with the record as the
token's scope and masking show it; cursors that survive a restart and mean
the same on another node; no committed change skipped and no uncommitted one
shown while many writers commit at once."""
import json
import threading
import time

from auth_helpers import Session, admin_session
from harness import demo_store

FEED = "/api/v1/changes"


def make_token(s, username, perms, name="区级业务系统"):
    """An API token of username's unit holding perms (三员分立: the system
    administrator makes it, the security administrators grant it)."""
    unit = Session(s, username).login_body["user"]["org"]["id"]
    sys_, _ = admin_session(s, "sysadmin")
    exp = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))
    st, _, body = sys_.post("/api/v1/api-tokens", {"name": name, "org_id": unit, "expires_at": exp})
    assert st == 201, body
    tok, tid = body["token"], body["id"]
    sec, _ = admin_session(s, "secadmin")
    st, _, body = sec.req("PUT", f"/api/v1/api-tokens/{tid}/permissions", {"permissions": perms})
    assert st in (200, 202), body
    if st == 202:
        sec2, _ = admin_session(s, "secadmin2")
        st, _, body = sec2.post(f"/api/v1/grants/{body['id']}/approve")
        assert st == 200, body
    return {"Authorization": "Bearer " + tok}


def feed(s, auth, after="0", entities="staff", limit=500):
    q = f"{FEED}?after={after}&limit={limit}" + (f"&entities={entities}" if entities else "")
    st, _, body = s.request("GET", q, headers=auth)
    assert st == 200, body
    return body


def follow(s, auth, after="0", entities="staff"):
    """Every item after the cursor, page by page; (items, the last cursor)."""
    items = []
    while True:
        page = feed(s, auth, after, entities)
        items += page["items"]
        assert int(page["next"]) >= int(after)
        after = page["next"]
        if not page["more"]:
            return items, after


def staff(sess, name, **kw):
    body = {"name": name, "post_type": "political_legal", "joined_on": "2026-01-05", "status": "on_duty"}
    body.update(kw)
    st, _, rec = sess.post("/api/v1/staff", body)
    assert st == 201, rec
    return rec


def test_each_write_appears_in_order_with_the_record_as_the_token_reads_it(ctx):
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    _, head = follow(s, auth)
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    rec = staff(ljz, "变更流测试", id_number="310115198503071230", phone="13812345678")
    path = f"/api/v1/staff/{rec['id']}"
    st, _, rec = ljz.req("PATCH", path, {"version": rec["version"], "major": "法学"})
    assert st == 200, rec
    st, _, rec = director.post(path + "/actions/check", {})
    assert st == 200, rec
    items, cur = follow(s, auth, head)
    mine = [i for i in items if i["record_id"] == rec["id"]]
    assert [(i["event"], i["action"]) for i in mine] == [("create", None), ("update", None), ("transition", "check")], mine
    assert [i["action_label"] for i in mine] == ["创建", "修改", "校核无误"]
    assert all(i["entity"] == "staff" and i["entity_label"] == "司法所工作人员" for i in mine)
    cursors = [int(i["cursor"]) for i in items]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    # the record now, exactly as the token's GET shows it: masked
    st, _, got = s.request("GET", path, headers=auth)
    assert st == 200
    assert mine[-1]["record"] == got, (mine[-1]["record"], got)
    assert mine[-1]["record"]["id_number"] != "310115198503071230" and "*" in mine[-1]["record"]["id_number"]
    assert "13812345678" not in str(items)
    # a delete: the change without the record
    st, _, _ = ljz.req("DELETE", path)
    assert st in (200, 204)
    more, cur2 = follow(s, auth, cur)
    dels = [i for i in more if i["record_id"] == rec["id"]]
    assert [i["event"] for i in dels] == ["delete"] and dels[0]["record"] is None, dels
    assert follow(s, auth, cur2)[0] == [], "nothing new: the same cursor answers empty"
    st, _, now = s.request("GET", FEED + "?after=now", headers=auth)
    assert st == 200 and now["items"] == [] and int(now["next"]) >= int(cur2) and now["more"] is False, now


def test_the_feed_keeps_to_the_tokens_scope_and_permissions(ctx):
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    _, head = follow(s, auth)
    other = staff(Session(s, "njdl"), "外区人员")      # 黄浦区: outside 浦东新区
    inside = staff(Session(s, "ljz"), "本区人员")
    items, _ = follow(s, auth, head)
    ids = {i["record_id"] for i in items}
    assert inside["id"] in ids and other["id"] not in ids
    # without entities: every entity the token may read, which is staff only
    assert {i["entity"] for i in follow(s, auth, head, entities=None)[0]} == {"staff"}
    st, _, err = s.request("GET", FEED + "?entities=mediation-cases", headers=auth)
    assert st == 403 and "人民调解案件" in err["error"]["message"], err
    for bad in ("entities=nonsense", "after=abc", "after=-1", "limit=0", "limit=501"):
        st, _, err = s.request("GET", FEED + "?" + bad, headers=auth)
        assert st == 422 and err["error"]["code"] == "validation_failed", (bad, err)
    st, _, err = s.request("GET", FEED + "?after=999999999", headers=auth)
    assert st == 410 and err["error"]["code"] == "cursor_expired", "a cursor past the log's end is not followed"
    assert s.request("GET", FEED)[0] == 401
    # a signed-in user reads the same feed with their own scope
    njdl = Session(s, "njdl")
    st, _, body = njdl.get(FEED + f"?entities=staff&after={head}")
    assert st == 200 and other["id"] in {i["record_id"] for i in body["items"]}
    assert inside["id"] not in {i["record_id"] for i in body["items"]}


def test_a_cursor_survives_a_restart_and_means_the_same_on_another_node(ctx):
    url, _ = demo_store(ctx.kind)
    a = ctx.server(url)
    auth = make_token(a, "pudong", ["register.staff.read"])
    _, head = follow(a, auth)
    ljz = Session(a, "ljz")
    made = [staff(ljz, f"重启前{i}")["id"] for i in range(3)]
    b = ctx.server(url)  # a second node on the same store
    from_a, _ = follow(a, auth, head)
    from_b, _ = follow(b, auth, head)
    assert [i["cursor"] for i in from_a] == [i["cursor"] for i in from_b]
    assert [i["record_id"] for i in from_a if i["event"] == "create"] == made
    a.stop()
    b.stop()
    c = ctx.server(url)
    again, _ = follow(c, auth, head)
    assert [i["cursor"] for i in again] == [i["cursor"] for i in from_a]
    mid = from_a[0]["cursor"]
    assert [i["cursor"] for i in follow(c, auth, mid)[0]] == [i["cursor"] for i in from_a[1:]]


def test_concurrent_writers_no_change_skipped_none_shown_twice(ctx):
    url, _ = demo_store(ctx.kind)
    s = ctx.server(url, workers=8)
    auth = make_token(s, "pudong", ["register.staff.read"])
    _, head = follow(s, auth)
    writers, per = 6, 12
    created, errors = [], []
    lock = threading.Lock()
    done = threading.Event()

    def write(k):
        try:
            sess = Session(s, "ljz")
            for i in range(per):
                rec = staff(sess, f"并发{k}-{i}")
                with lock:
                    created.append(rec["id"])
        except Exception as e:  # reported below
            errors.append(repr(e))

    seen, cursors = [], []

    def read():
        cur = head
        while True:
            finished = done.is_set()
            page = feed(s, auth, cur)
            seen.extend(i["record_id"] for i in page["items"] if i["event"] == "create")
            cursors.extend(int(i["cursor"]) for i in page["items"])
            cur = page["next"]
            if finished and not page["more"]:
                return
            time.sleep(0.005)

    reader = threading.Thread(target=read)
    reader.start()
    ts = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    done.set()
    reader.join()
    assert not errors, errors
    assert len(created) == writers * per
    assert sorted(seen) == sorted(created), "every committed create seen exactly once"
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


def test_the_example_client_follows_the_feed_into_a_csv(ctx):
    """docs/examples/feed_client.py (issue 25 point 6): follows the feed into
    a CSV from a saved cursor; a second run appends only what is new."""
    import csv
    import os
    import subprocess
    import sys
    import tempfile
    from harness import ROOT
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    token = auth["Authorization"].split(" ", 1)[1]
    work = tempfile.mkdtemp(prefix="sifasuo-feed-")
    out = os.path.join(work, "changes.csv")
    script = os.path.join(ROOT, "docs", "examples", "feed_client.py")

    def run():
        p = subprocess.run([sys.executable, script, "follow", "--url", f"http://127.0.0.1:{s.port}", "--token", token,
                            "--entities", "staff", "--csv", out, "--once"], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        with open(out, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    first = run()
    assert first and [int(r["cursor"]) for r in first] == sorted(int(r["cursor"]) for r in first)
    rec = staff(Session(s, "ljz"), "示例客户端")
    second = run()
    added = second[len(first):]
    assert [(r["record_id"], r["event"]) for r in added] == [(str(rec["id"]), "create")], added
    assert json.loads(added[0]["record"])["name"] == "示例客户端" and added[0]["entity_label"] == "司法所工作人员"
    assert open(out + ".cursor").read() == added[0]["cursor"]
