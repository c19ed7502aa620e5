"""消息提醒 (issue 16 point 4): notices made by the server — a send-back
tells the record's creator with its reason, a declared transition (问题
审核销号) tells as "closed", the scheduler tells of a deadline within 3
working days once — read by their owner only, marked read one by one or all."""
import time

from auth_helpers import Session
from harness import run_cli


def _staff(sess, name):
    st, _, rec = sess.post("/api/v1/staff", {"name": name, "post_type": "political_legal",
                                              "joined_on": "2026-01-05", "status": "on_duty"})
    assert st == 201, rec
    return rec


def _mine(sess, **q):
    st, _, got = sess.get("/api/v1/notifications?" + "&".join(f"{k}={v}" for k, v in q.items()))
    assert st == 200, got
    return got


def test_a_send_back_tells_the_creator_who_marks_it_read(ctx):
    s = ctx.demo_server()
    ljz, director, district, njdl = (Session(s, u) for u in ("ljz", "ljz_director", "pudong", "njdl"))
    before = _mine(ljz, limit=100)["unread"]
    rec = _staff(ljz, "提醒测试")
    path = f"/api/v1/staff/{rec['id']}"
    assert director.post(path + "/actions/check", {})[0] == 200
    st, _, back = district.post(path + "/actions/send_back", {"comment": "学历证明缺失"})
    assert st == 200, back
    got = _mine(ljz, limit=100)
    assert got["unread"] == before + 1, got["unread"]
    n = next(i for i in got["items"] if i["record_id"] == rec["id"])
    assert n["kind"] == "sent_back" and n["entity"] == "staff" and n["entity_label"] == "司法所工作人员", n
    assert n["title"] == "提醒测试" and n["label"] == "退回修改" and n["body"] == "学历证明缺失" and n["read_at"] is None, n
    # the one who sent it back is not told of their own act; nobody else is
    assert not [i for i in _mine(district, limit=100)["items"] if i["record_id"] == rec["id"]]
    assert not [i for i in _mine(njdl, limit=100)["items"] if i["record_id"] == rec["id"]]
    # another user cannot mark it read
    st, _, other = njdl.post("/api/v1/notifications/read", {"ids": [n["id"]]})
    assert st == 200 and other["marked"] == 0, other
    st, _, ok = ljz.post("/api/v1/notifications/read", {"ids": [n["id"]]})
    assert st == 200 and ok["marked"] == 1, ok
    assert _mine(ljz, limit=1)["unread"] == before
    assert _mine(ljz, unread=1, limit=100)["items"] == [] or all(i["id"] != n["id"] for i in _mine(ljz, unread=1, limit=100)["items"])
    for bad in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": [0]}, {"ids": list(range(1, 300))}):
        st, _, err = ljz.post("/api/v1/notifications/read", bad)
        assert st == 422, (bad, err)
    st, _, ok = ljz.post("/api/v1/notifications/read", {"all": True})
    assert st == 200 and _mine(ljz, limit=1)["unread"] == 0, ok
    for bad in ("limit=0", "limit=101", "after=x"):
        assert ljz.get("/api/v1/notifications?" + bad)[0] == 422, bad


def test_a_declared_transition_tells_the_creator_and_pages_go_back(ctx):
    s = ctx.demo_server()
    ljz, district = Session(s, "ljz"), Session(s, "pudong")
    ids = []
    for i in range(3):
        st, _, p = ljz.post("/api/v1/problems", {"title": f"销号提醒{i}", "rule": "c15_posts", "measures": "整改"})
        assert st == 201, p
        st, _, p = ljz.post(f"/api/v1/problems/{p['id']}/actions/submit", {"version": p["version"]})
        st, _, p = district.post(f"/api/v1/problems/{p['id']}/actions/close", {"review_note": "同意"})
        assert st == 200 and p["wf_state"] == "closed", p
        ids.append(p["id"])
    page1 = _mine(ljz, limit=2)
    assert len(page1["items"]) == 2 and page1["next"], page1
    page2 = _mine(ljz, limit=2, after=page1["next"])
    got = [i for i in page1["items"] + page2["items"] if i["entity"] == "problems"]
    assert [i["record_id"] for i in got] == ids[::-1], got
    assert all(i["kind"] == "closed" and i["label"] == "审核销号" for i in got), got


def test_the_scheduler_tells_of_a_deadline_within_three_working_days_once(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    # a case just registered must be decided on within 3 working days
    st, _, case = ljz.post("/api/v1/mediation-cases", {"title": "到期提醒测试", "source": "party_application",
                                                        "category": "neighborhood"})
    assert st == 201 and case["state_due_at"], case
    for _ in range(2):
        r = run_cli(["scheduler"], s.url)
        assert r.returncode == 0, r.stdout + r.stderr
    got = [i for i in _mine(ljz, limit=100)["items"] if i["entity"] == "mediation-cases" and i["record_id"] == case["id"]]
    assert len(got) == 1 and got[0]["kind"] == "due_soon" and case["state_due_at"] in got[0]["label"], got
    # past the deadline: told once more, as overdue
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 20 * 86400))
    for _ in range(2):
        assert run_cli(["scheduler"], s.url, env={"SIFASUO_NOW": later}).returncode == 0
    got = [i for i in _mine(ljz, limit=100)["items"] if i["entity"] == "mediation-cases" and i["record_id"] == case["id"]]
    assert sorted(i["kind"] for i in got) == ["due_soon", "overdue"], got


def test_a_task_the_district_assigns_to_an_office_tells_those_who_report_it(ctx):
    """"assigned to me": a record created for another unit than its author's
    (交办, entity_t.notify_assigned: rol-tasks) tells the users there who may
    act on it from its first state — not the author, not another office."""
    s = ctx.demo_server()
    ljz, director, district, njdl = (Session(s, u) for u in ("ljz", "ljz_director", "pudong", "njdl"))
    office = ljz.login_body["user"]["org"]["id"]
    st, _, task = district.post("/api/v1/rol-tasks", {"title": "交办提醒测试", "kind": "decision",
                                                      "deadline_on": "2099-12-31", "org_id": office})
    assert st == 201, task
    for sess in (ljz, director):
        got = [i for i in _mine(sess, limit=100)["items"] if i["entity"] == "rol-tasks" and i["record_id"] == task["id"]]
        assert len(got) == 1, got
        n = got[0]
        assert n["kind"] == "assigned" and n["title"] == "交办提醒测试" and n["label"] == "交办", n
        assert "交办的法治建设任务" in n["body"], n
    for sess in (district, njdl):
        assert not [i for i in _mine(sess, limit=100)["items"] if i["entity"] == "rol-tasks"]
    # a task the office makes for itself is nobody's assignment
    st, _, own = ljz.post("/api/v1/rol-tasks", {"title": "自办任务", "kind": "decision", "deadline_on": "2099-12-31"})
    assert st == 201, own
    assert not [i for i in _mine(director, limit=100)["items"] if i["record_id"] == own["id"] and i["entity"] == "rol-tasks"]


def test_a_report_the_city_sends_back_tells_the_district_that_made_it(ctx):
    s = ctx.demo_server()
    d, clerk, city = Session(s, "pudong"), Session(s, "pudong_staff"), Session(s, "shiju")
    pudong = d.login_body["user"]["org"]["id"]
    st, _, rep = clerk.post("/api/v1/annual-reports/generate", {"district": pudong, "year": 2026})
    assert st == 201, rep
    filled = {k: "已填写" for k in ("s1_basic", "s2_compliance", "s3_problems", "s4_experience", "s5_issues", "s6_next")
              if "请填写" in (rep.get(k) or "")}
    st, _, rep = clerk.req("PATCH", f"/api/v1/annual-reports/{rep['id']}", dict(filled, version=rep["version"]))
    assert st == 200, rep
    st, _, body = d.post(f"/api/v1/annual-reports/{rep['id']}/actions/approve", {})
    assert st == 200, body
    assert d.post(f"/api/v1/annual-reports/{rep['id']}/actions/submit", {})[0] == 200
    st, _, rep = city.post(f"/api/v1/annual-reports/{rep['id']}/actions/send_back", {"comment": "请补充", "city_note": "请补充问题整改情况"})
    assert st == 200, rep
    got = [i for i in _mine(clerk, limit=100)["items"] if i["entity"] == "annual-reports" and i["record_id"] == rep["id"]]
    assert len(got) == 1 and got[0]["kind"] == "report_sent_back" and got[0]["label"] == "市局退回", got
