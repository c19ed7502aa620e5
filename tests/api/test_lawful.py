"""Lawful administration and grassroots rule of law (issue 21; plan clauses
5 and 4): legality reviews with working-day deadlines per type (holidays and
调休), a certified reviewer from the staff register, one extension, the
numbered opinion document and the department's adoption; escalation when
overdue; reconsideration and litigation reply deadlines; enforcement
certificates in the to-do 60 days ahead; counsel checks; observation-point
issues that become a task or a review; the clause-4 standards rule reading
meetings and reports; the returns; the line in the metadata."""
import io
import time
import zipfile

from auth_helpers import Session
from harness import demo_store, run_cli

R = "/api/v1/legality-reviews"
D = "/api/v1/admin-disputes"
# Thursday 24 September 2026, 10:00 in Shanghai: the next day starts the
# 中秋 holidays (25–27), then 国庆 (1–7 October), with 调休 working days on
# Sunday 20 September and Saturday 10 October
PINNED = "2026-09-24T02:00:00Z"


def _pinned(ctx):
    url, _ = demo_store(ctx.kind)
    return ctx.server(url, env={"SIFASUO_NOW": PINNED}), url


def _act(sess, path, rec, action, **body):
    return sess.post(f"{path}/{rec['id']}/actions/{action}", body)


def _staff(sess, certified):
    """A staff member of the caller's office, with or without the qualification."""
    body = {"name": "审查测试" + ("甲" if certified else "乙"), "post_type": "political_legal", "position": "staff",
            "joined_on": "2020-03-01", "status": "on_duty"}
    if certified:
        body.update(cert_class="A", cert_date="2019-09-01")
    st, _, rec = sess.post("/api/v1/staff", body)
    assert st == 201, rec
    return rec


def _review(sess, **kw):
    body = {"title": "辖区停车管理办法 (送审稿)", "review_type": "normative_doc", "department": "社区管理办公室",
            "summary": "起草说明及征求意见情况"}
    body.update(kw)
    st, _, rec = sess.post(R, body)
    assert st == 201, rec
    return rec


def test_review_request_acceptance_extension_opinion_document_adoption(ctx):
    s, _ = _pinned(ctx)
    ljz = Session(s, "ljz")
    rev = _review(ljz)
    assert rev["wf_state"] == "submitted" and rev["requested_on"] == "2026-09-24", rev
    assert rev["review_no"] is None, "numbered on acceptance"
    assert rev["state_due_at"] == "2026-09-29", "2 working days to accept, over the 中秋 holidays"
    st, _, body = _act(ljz, R, rev, "accept")
    assert st == 422 and "reviewer_id" in body["error"]["fields"], body
    plain = _staff(ljz, certified=False)
    st, _, body = _act(ljz, R, rev, "accept", reviewer_id=plain["id"])
    assert st == 422 and "法律职业资格" in body["error"]["fields"]["reviewer_id"], body
    st, _, again = ljz.get(f"{R}/{rev['id']}")
    assert again["wf_state"] == "submitted" and again["reviewer_id"] is None, "a refused acceptance changes nothing"
    cert = _staff(ljz, certified=True)
    st, _, rev = _act(ljz, R, rev, "accept", reviewer_id=cert["id"])
    assert st == 200 and rev["wf_state"] == "reviewing", rev
    # 5 working days for a normative document: 28, 29, 30 September, 8, 9 October
    assert rev["accepted_on"] == "2026-09-24" and rev["due_at"] == "2026-10-09", rev
    assert rev["reviewer_id_name"] == "审查测试甲"
    office = ljz.login_body["user"]["org"]["id"]
    assert rev["review_no"] == f"(2026)法审字第{office}-008号", "the office's demo reviews hold 001–007"
    st, _, body = ljz.get(f"{R}/{rev['id']}/documents/opinion")
    assert st == 409 and body["error"]["code"] == "document_not_ready", body
    # one extension, 10 working days from the deadline (10 October is a 调休 working day)
    st, _, body = _act(ljz, R, rev, "extend")
    assert st == 422 and "extension_reason" in body["error"]["fields"]
    st, _, rev = _act(ljz, R, rev, "extend", extension_reason="需征求区司法局意见")
    assert st == 200 and rev["due_at"] == "2026-10-22" and rev["extended_on"] == "2026-09-24", rev
    st, _, body = _act(ljz, R, rev, "extend", extension_reason="再次延期")
    assert st == 409 and body["error"]["code"] == "already_extended", body
    # the reviewer is checked when named: leaving the post later does not block the opinion
    st, _, moved = ljz.req("PATCH", f"/api/v1/staff/{cert['id']}", {"version": cert["version"], "status": "off_post"})
    assert st == 200, moved
    st, _, rev = _act(ljz, R, rev, "opine", opinion="lawful_if_changed", opinion_reasons="第八条收费标准缺乏依据, 建议删除。")
    assert st == 200 and rev["wf_state"] == "opined" and rev["opinion_on"] == "2026-09-24", rev
    assert rev["due_at"] is None and rev["state_due_at"], "the department's feedback has its own working days"
    st, h, html = ljz.req("GET", f"{R}/{rev['id']}/documents/opinion")
    text = html.decode() if isinstance(html, bytes) else str(html)
    assert st == 200 and "text/html" in h["content-type"], (st, h)
    for want in ("合法性审查意见书", rev["review_no"], "修改后合法", "第八条收费标准缺乏依据", "社区管理办公室", "审查测试甲"):
        assert want in text, want
    st, h, raw = ljz.req("GET", f"{R}/{rev['id']}/documents/opinion?format=docx")
    assert st == 200 and "attachment" in h["content-disposition"], h
    doc = zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml").decode()
    assert "合法性审查意见书" in doc and rev["review_no"] in doc
    st, _, body = ljz.get(f"{R}/{rev['id']}/documents/nope")
    assert st == 404
    st, _, body = ljz.get(f"{R}/{rev['id']}/documents/opinion?format=pdf")
    assert st == 422
    st, _, body = Session(s, "njdl").get(f"{R}/{rev['id']}/documents/opinion")
    assert st == 404, "another office's review is not found"
    st, _, rev = _act(ljz, R, rev, "feedback", adoption="adopted", adoption_note="已删除第八条后提交主任办公会讨论")
    assert st == 200 and rev["wf_state"] == "closed" and rev["feedback_on"] == "2026-09-24" and rev["locked"], rev
    st, _, hist = ljz.get(f"{R}/{rev['id']}/history")
    labels = [i["action_label"] for i in hist["items"]]
    assert "生成文书「合法性审查意见书」" in labels and "受理并指定审查人" in labels, labels


def test_deadline_per_type_comes_from_the_settings(ctx):
    s, _ = _pinned(ctx)
    ljz = Session(s, "ljz")
    cert = _staff(ljz, certified=True)
    rev = _review(ljz, review_type="major_decision", title="老旧小区加装电梯补贴标准")
    st, _, rev = _act(ljz, R, rev, "accept", reviewer_id=cert["id"])
    # the city's setting for major decisions: 7 working days → 12 October (10 October is worked)
    assert st == 200 and rev["due_at"] == "2026-10-12", rev
    pudong = Session(s, "pudong")
    st, _, setting = pudong.post("/api/v1/review-deadlines", {"review_type": "major_decision", "days": 3,
                                                              "extension_days": 0, "basis": "区局规定"})
    assert st == 201, setting
    rev2 = _review(ljz, review_type="major_decision", title="社区食堂补贴")
    st, _, rev2 = _act(ljz, R, rev2, "accept", reviewer_id=cert["id"])
    assert rev2["due_at"] == "2026-09-30", "the district's own setting is nearer than the city's"
    st, _, body = _act(ljz, R, rev2, "extend", extension_reason="x")
    assert st == 409 and body["error"]["code"] == "no_extension", body
    st, _, dup = pudong.post("/api/v1/review-deadlines", {"review_type": "major_decision", "days": 4})
    assert st == 409 and dup["error"]["code"] == "duplicate", dup
    st, _, body = pudong.post("/api/v1/review-deadlines", {"review_type": "contract", "days": 0})
    assert st == 422 and "days" in body["error"]["fields"]


def test_an_overdue_review_escalates(ctx):
    s, url = _pinned(ctx)
    ljz = Session(s, "ljz")
    cert = _staff(ljz, certified=True)
    rev = _review(ljz, title="逾期审查")
    st, _, rev = _act(ljz, R, rev, "accept", reviewer_id=cert["id"])
    assert rev["due_at"] == "2026-10-09" and not rev["escalated"]
    later = "2026-10-13T02:00:00Z"  # two working days late
    r = run_cli(["scheduler"], url, env={"SIFASUO_NOW": later})
    assert r.returncode == 0, r.stdout + r.stderr
    s2 = ctx.server(url, env={"SIFASUO_NOW": later})
    ljz = Session(s2, "ljz")
    st, _, got = ljz.get(f"{R}/{rev['id']}")
    assert got["escalated"] is True and got["overdue"] is True, got
    st, _, todo = ljz.get("/api/v1/todo")
    item = next(i for i in todo["items"] if i["entity"] == "legality-reviews" and i["id"] == rev["id"])
    assert item["overdue"] is True and item["title"] == "逾期审查"
    st, _, lst = ljz.get(R + "?overdue=1&total=1")
    assert any(i["id"] == rev["id"] for i in lst["items"])


def test_reconsideration_and_litigation_reply_deadlines(ctx):
    s, _ = _pinned(ctx)
    ljz = Session(s, "ljz")
    base = {"title": "不服政府信息公开答复", "claimant": "钱国平", "authority": "区人民政府", "department": "党政办公室"}
    # 行政复议法 第四十八条 and 第八十八条: 10 working days from the copy (20 September is a 调休 working day)
    st, _, rc = ljz.post(D, dict(base, kind="reconsideration", copy_received_on="2026-09-18"))
    assert st == 201 and rc["due_at"] == "2026-10-09" and rc["wf_state"] == "received", rc
    assert rc["claimant"] == "钱**" or "*" in rc["claimant"], "the claimant's name is masked"
    # 行政诉讼法 第六十七条: 15 days; the last day, 1 October, is a holiday → the next working day
    st, _, lit = ljz.post(D, dict(base, kind="litigation", title="不服拆违决定", authority="区人民法院",
                                  copy_received_on="2026-09-16"))
    assert st == 201 and lit["due_at"] == "2026-10-08", lit
    st, _, lit2 = ljz.post(D, dict(base, kind="litigation", copy_received_on="2026-09-08"))
    assert lit2["due_at"] == "2026-09-23", "a working last day stays"
    # a corrected receipt date moves the deadline
    st, _, rc = ljz.req("PATCH", f"{D}/{rc['id']}", {"version": rc["version"], "copy_received_on": "2026-09-21"})
    assert st == 200 and rc["due_at"] == "2026-10-12", rc
    st, _, todo = ljz.get("/api/v1/todo")
    item = next(i for i in todo["items"] if i["entity"] == "admin-disputes" and i["id"] == rc["id"])
    assert item["deadline"] == "2026-10-12" and item["title"] == "不服政府信息公开答复"
    st, _, rc = _act(ljz, D, rc, "reply", reply_summary="答复书及证据材料已提交")
    assert st == 200 and rc["wf_state"] == "replied" and rc["due_at"] is None and rc["replied_on"] == "2026-09-24", rc
    st, _, body = _act(ljz, D, rc, "conclude", outcome="nope")
    assert st == 422 and "outcome" in body["error"]["fields"]
    st, _, rc = _act(ljz, D, rc, "conclude", outcome="upheld")
    assert st == 200 and rc["wf_state"] == "concluded"
    st, _, body = ljz.post(D, dict(base, kind="reconsideration"))
    assert st == 422 and "copy_received_on" in body["error"]["fields"], body


def test_imported_disputes_get_their_reply_deadline(ctx):
    s, _ = _pinned(ctx)
    ljz = Session(s, "ljz")
    text = ("案由,类别,申请人/原告,复议机关/受理法院,收到申请书/起诉状副本日期\r\n"
            "导入测试不服罚款,行政复议,孙立平,区人民政府,2026-09-18\r\n"
            "导入测试不服拆违,行政诉讼,周建平,区人民法院,2026-09-16\r\n")
    st, _, body = ljz.req("POST", D + "/import", raw_body=text.encode(), headers={"Content-Type": "text/csv"})
    assert st == 202, body
    deadline = time.time() + 60
    while True:
        st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
        if job["status"] in ("done", "failed", "cancelled"):
            break
        assert time.time() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "done" and job["written"] == 2, job
    st, _, lst = ljz.get(D + "?q=导入测试&sort=copy_received_on")
    got = {i["title"]: i["due_at"] for i in lst["items"]}
    assert got == {"导入测试不服罚款": "2026-10-09", "导入测试不服拆违": "2026-10-08"}, got


def test_enforcement_certificates_expiring_within_60_days_are_in_the_todo(ctx):
    s, _ = _pinned(ctx)
    ljz = Session(s, "ljz")
    E = "/api/v1/enforcement-officers"
    soon = {"name": "执法甲", "department": "城市管理执法中队", "cert_number": "沪执字 T1", "cert_expiry": "2026-11-20",
            "status": "active"}
    st, _, a = ljz.post(E, soon)
    assert st == 201, a
    st, _, b = ljz.post(E, dict(soon, name="执法乙", cert_number="沪执字 T2", cert_expiry="2026-11-25"))
    st, _, c = ljz.post(E, dict(soon, name="执法丙", cert_number="沪执字 T3", cert_expiry="2026-09-01"))
    st, _, gone = ljz.post(E, dict(soon, name="执法丁", cert_number="沪执字 T4", cert_expiry="2026-09-01", status="left"))
    st, _, todo = ljz.get("/api/v1/todo")
    items = {i["id"]: i for i in todo["items"] if i["entity"] == "enforcement-officers"}
    assert a["id"] in items and c["id"] not in items or items[c["id"]]["wf_state"] == "expired"
    assert items[a["id"]]["title"] == "执法甲 的执法证将于 2026-11-20 到期", items[a["id"]]
    assert items[a["id"]]["deadline"] == "2026-11-20"
    assert b["id"] not in items, "25 November is 62 days away"
    assert items[c["id"]]["wf_state_label"] == "已过期"
    assert gone["id"] not in items, "an officer who left is no alert"
    assert todo["counts"]["enforcement-officers"] == len(items)
    st, _, body = Session(s, "njdl").get("/api/v1/todo")
    assert not any(i["entity"] == "enforcement-officers" and i["id"] == a["id"] for i in body["items"])


def test_publicity_and_full_process_records_link_cases_and_reviews(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, revs = ljz.get(R + "?wf_state=closed&limit=1")
    rev = revs["items"][0]
    st, _, off = ljz.get("/api/v1/enforcement-officers?limit=1")
    st, _, pub = ljz.post("/api/v1/enforcement-publicity", {"title": "行政处罚决定公开", "kind": "after",
                                                            "case_no": "城管罚字〔2026〕第 1 号", "review_id": rev["id"]})
    assert st == 201 and pub["review_id_name"] == rev["title"], pub
    st, _, rec = ljz.post("/api/v1/enforcement-records", {"case_no": "城管罚字〔2026〕第 1 号", "title": "现场检查",
                                                          "kind": "audio_video", "officer_id": off["items"][0]["id"]})
    assert st == 201 and rec["recorded_on"], rec
    st, _, lst = ljz.get("/api/v1/enforcement-records?q=城管罚字〔2026〕第 1 号")
    assert any(i["id"] == rec["id"] for i in lst["items"])


def test_counsel_contracts_and_matters(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    C = "/api/v1/counsel-contracts"
    body = {"name": "上海某某律师事务所", "kind": "firm", "start_on": "2026-01-01", "end_on": "2026-12-31",
            "status": "serving"}
    st, _, err = ljz.post(C, body)
    assert st == 422 and "uscc" in err["error"]["fields"], err
    st, _, err = ljz.post(C, dict(body, uscc="31310000MD0000000C"))
    assert st == 422 and "校验码" in err["error"]["fields"]["uscc"], err
    st, _, err = ljz.post(C, dict(body, uscc="31310000MD0000000B", end_on="2025-12-31"))
    assert st == 422 and "end_on" in err["error"]["fields"], err
    st, _, con = ljz.post(C, dict(body, uscc="31310000MD0000000B"))
    assert st == 201, con
    st, _, err = ljz.req("PATCH", f"{C}/{con['id']}", {"version": con["version"], "status": "exited"})
    assert st == 422 and "exit_reason" in err["error"]["fields"], err
    st, _, m = ljz.post("/api/v1/counsel-matters", {"contract_id": con["id"], "title": "审查物业合同", "kind": "review",
                                                    "hours": 3})
    assert st == 201, m
    st, _, got = ljz.get(f"{C}/{con['id']}")
    assert [x["id"] for x in got["matters"]["items"]] == [m["id"]]


def test_observation_issue_becomes_a_task_or_a_review(ctx):
    s, _ = _pinned(ctx)
    ljz = Session(s, "ljz")
    st, _, pt = ljz.post("/api/v1/observation-points", {"name": "测试法治观察点", "established_on": "2025-01-01"})
    assert st == 201, pt
    st, _, ob = ljz.post("/api/v1/observers", {"point_id": pt["id"], "name": "周明", "phone": "13812345678"})
    assert st == 201 and ob["phone"] == "138****5678", ob
    I = "/api/v1/observation-issues"
    st, _, iss = ljz.post(I, {"title": "停车收费未公示", "point_id": pt["id"], "content": "物业擅自调价"})
    assert st == 201 and iss["wf_state"] == "reported" and iss["reported_on"] == "2026-09-24", iss
    st, _, body = _act(ljz, I, iss, "to_task", task_deadline="2026-09-01")
    assert st == 422 and "task_deadline" in body["error"]["fields"], body
    st, _, iss = _act(ljz, I, iss, "to_task", task_deadline="2026-10-30")
    assert st == 200 and iss["wf_state"] == "tasked" and iss["task_id"], iss
    st, _, task = ljz.get(f"/api/v1/rol-tasks/{iss['task_id']}")
    assert task["title"] == "停车收费未公示" and task["wf_state"] == "assigned" and task["due_at"] == "2026-10-30", task
    assert task["source_issue_id"] == iss["id"] and task["source_issue_id_name"] == "停车收费未公示"
    st, _, hist = ljz.get(f"/api/v1/rol-tasks/{task['id']}/history")
    assert hist["items"] and hist["items"][-1]["action"] == "record.create"
    # inspection and assessment of the task
    st, _, insp = ljz.post("/api/v1/rol-inspections", {"task_id": task["id"], "inspectors": "司法所", "findings": "已整改",
                                                       "rating": "good"})
    assert st == 201, insp
    st, _, task = _act(ljz, "/api/v1/rol-tasks", task, "complete", completion_note="已公示")
    assert st == 200 and task["due_at"] is None and task["completed_on"] == "2026-09-24", task
    st, _, body = _act(ljz, "/api/v1/rol-tasks", task, "assess", score=101, assessment="x")
    assert st == 422 and "score" in body["error"]["fields"]
    st, _, task = _act(ljz, "/api/v1/rol-tasks", task, "assess", score=92, assessment="按期完成")
    assert st == 200 and task["wf_state"] == "assessed" and task["score"] == 92
    st, _, iss2 = ljz.post(I, {"title": "社区公约涉嫌限制租户权利", "point_id": pt["id"]})
    st, _, iss2 = _act(ljz, I, iss2, "to_review", review_type="village_rules")
    assert st == 200 and iss2["wf_state"] == "reviewed" and iss2["review_id"], iss2
    st, _, rev = ljz.get(f"{R}/{iss2['review_id']}")
    assert rev["wf_state"] == "submitted" and rev["review_type"] == "village_rules", rev
    assert rev["department"] == "法治观察点: 测试法治观察点" and rev["state_due_at"] == "2026-09-29", rev


def test_clause4_rule_reads_meetings_and_reports_with_evidence(ctx):
    s = ctx.demo_server()
    d = Session(s, "pudong")
    st, _, lst = d.get(f"/api/v1/org-units?parent={d.login_body['user']['org']['id']}&limit=100")
    office = next(o for o in lst["items"] if o["level"] == "office" and o["name"] != "陆家嘴街道司法所")
    for ent in ("admin-meetings", "party-reports"):
        st, _, recs = d.get(f"/api/v1/{ent}?org_id={office['id']}&limit=200")
        for rec in recs["items"]:
            assert d.req("DELETE", f"/api/v1/{ent}/{rec['id']}")[0] == 200

    def c4():
        st, _, sc = d.get(f"/api/v1/standards/scorecard?org={office['id']}")
        assert st == 200, sc
        return next(r for r in sc["results"] if r["rule"] == "c4_meetings")

    r = c4()
    assert r["status"] == "fail" and "无所长列席" in r["evidence"]["message"], r
    st, _, m = d.post("/api/v1/admin-meetings", {"org_id": office["id"], "title": "街道主任办公会议", "kind": "executive",
                                                "held_on": "2026-11-02", "attended": True, "topics": "年度预算",
                                                "opinions": "补充合法性审查", "opinions_count": 1})
    assert st == 201, m
    r = c4()
    assert r["status"] == "fail" and "无向党(工)委汇报" in r["evidence"]["message"], r
    assert any(x["entity"] == "admin-meetings" and x["id"] == m["id"] for x in r["evidence"]["records"]), r
    st, _, old = d.post("/api/v1/party-reports", {"org_id": office["id"], "title": "前年的汇报",
                                                 "reported_to": "party_committee", "reported_on": "2024-06-01"})
    assert c4()["status"] == "fail", "a report more than a year old does not count"
    st, _, rep = d.post("/api/v1/party-reports", {"org_id": office["id"], "title": "司法所工作汇报",
                                                 "reported_to": "party_committee", "reported_on": "2026-10-15"})
    r = c4()
    assert r["status"] == "pass" and r["actual"] == "列席 1 次, 汇报 1 次", r
    ids = {(x["entity"], x["id"]) for x in r["evidence"]["records"]}
    assert ("party-reports", rep["id"]) in ids and ("party-reports", old["id"]) not in ids
    st, _, rules = d.get("/api/v1/standards/rules")
    rule = next(x for x in rules["items"] if x["id"] == "c4_meetings")
    assert "admin_meeting" in rule["facts"], rule


def test_returns_count_reviews_outcomes_appearance_and_counsel(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, ret = ljz.get("/api/v1/lawful/returns?year=2026")
    assert st == 200, ret
    n = lambda rows: sum(x["count"] for x in rows)  # noqa: E731
    assert n(ret["reviews_by_type"]) == 8, "the office's eight demo reviews"
    assert all(x["label"] for x in ret["reviews_by_type"]) and "行政规范性文件合法性审核" in [
        x["label"] for x in ret["reviews_by_type"]], "the rows read by label"
    st, _, lst = ljz.get(R + "?total=1&requested_on.from=2026-01-01&requested_on.to=2026-12-31")
    assert lst["total"] == 8
    assert n(ret["opinions_by_conclusion"]) == 6 and n(ret["adoption"]) == 6
    assert ret["offices"] == 1 and ret["offices_with_counsel"] == 1
    assert ret["hearings"] == ret["head_appeared"] and ret["head_appearance_permille"] in (0, 1000)
    pudong = Session(s, "pudong")
    st, _, dist = pudong.get("/api/v1/lawful/returns?year=2026")
    assert st == 200 and dist["offices"] > 1 and n(dist["reviews_by_type"]) >= 8
    st, _, body = ljz.get("/api/v1/lawful/returns?year=abc")
    assert st == 422 and "year" in body["error"]["fields"]
    st, _, body = ljz.get(f"/api/v1/lawful/returns?org_id={pudong.login_body['user']['org']['id']}")
    assert st == 422 and "org_id" in body["error"]["fields"], "outside the caller's scope"


def test_meta_shows_both_lines_and_the_documents(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    by = {e["name"]: e for e in lst["items"]}
    for name in ("legality-reviews", "enforcement-officers", "enforcement-publicity", "enforcement-records",
                 "admin-disputes", "counsel-contracts"):
        assert by[name]["line"] == "administration" and by[name]["line_label"] == "依法行政", name
    for name in ("rol-tasks", "rol-trainings", "admin-meetings", "party-reports", "observation-points",
                 "observation-issues"):
        assert by[name]["line"] == "rule-of-law" and by[name]["line_label"] == "基层法治", name
    st, _, meta = ljz.get("/api/v1/meta/entities/legality-reviews")
    assert meta["panels"] == ["documents"]
    assert meta["documents"] == [{"key": "opinion", "title": "合法性审查意见书", "ready": "opinion"}]
    st, _, body = ljz.get("/api/v1/staff/1/documents/opinion")
    assert st == 404, "an entity without documents has none"
