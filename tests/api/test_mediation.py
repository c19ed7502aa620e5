"""People's mediation (issue 8): organisations, mediators, cases with their
workflow and deadlines, parties from the person registry, documents (HTML
and .docx), statistics that add up and match the list, scope."""
import io
import time
import zipfile

from auth_helpers import Session
from harness import demo_store, new_store, run_cli

C = "/api/v1/mediation-cases"
P = "/api/v1/mediation-parties"
# Beijing 2026-09-25 (a Friday) 10:00: deadlines are computed from a known day
PINNED = "2026-09-25T02:00:00Z"

ID_A = "310115198503071234"
ID_B = "310115197711302345"


def _complete(id17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return id17 + "10X98765432"[sum(int(c) * k for c, k in zip(id17, w)) % 11]


def _person(sess, name, id17, **kw):
    idn = _complete(id17)
    st, _, p = sess.post("/api/v1/persons", {"name": name, "id_number": idn, **kw})
    if st == 409:
        return sess, p["error"]["existing"]
    assert st == 201, p
    return sess, p


def _village(sess):
    st, _, me = sess.get("/api/v1/org-units")
    office = me["items"][0]
    st, _, kids = sess.get(f"/api/v1/org-units?parent={office['id']}")
    return office, kids["items"][0]


def _case(sess, **kw):
    body = {"title": "楼上漏水纠纷", "received_on": "2026-09-24", "source": "party_application",
            "category": "neighborhood", "summary": "楼上卫生间漏水, 楼下要求赔偿装修损失", "amount": "12000.50"}
    body.update(kw)
    st, _, c = sess.post(C, body)
    assert st == 201, c
    return c


def _act(sess, case, action, **body):
    return sess.post(f"{C}/{case['id']}/actions/{action}", body)


def test_case_workflow_and_deadlines(ctx):
    # a store of its own: a server on today's clock over the same store
    # (the shared demo server) would end this one's sessions, which it sees
    # as begun months ago, in its start-up housekeeping (seen under ASan)
    url, _ = demo_store(ctx.kind)
    pinned = ctx.server(url, env={"SIFASUO_NOW": PINNED})
    ljz = Session(pinned, "ljz")
    office, village = _village(ljz)
    st, _, morg = ljz.post("/api/v1/mediation-orgs", {"name": f"{village['name']}人民调解委员会", "org_type": "village",
                                                     "village_id": village["id"], "status": "active"})
    assert st == 201, morg
    _, person = _person(ljz, "吴调解", "31011519700101001")
    st, _, med = ljz.post("/api/v1/mediators", {"person_id": person["id"], "mediation_org_id": morg["id"],
                                                "employment": "part_time", "training_hours": 24})
    assert st == 201, med
    assert med["person_id_name"] == "吴**", "a person field carries the masked name next to the id"
    case = _case(ljz, village_id=village["id"], mediation_org_id=morg["id"], mediator_id=med["id"])
    assert case["wf_state"] == "registered" and case["due_at"] is None, "the 30 days start at acceptance"
    st, _, wd = ljz.get("/api/v1/calendar/workdays?from=2026-09-25&days=3")
    assert case["state_due_at"] == wd["date"], "acceptance is decided within 3 working days"
    assert {a["action"] for a in case["actions"]} == {"accept", "reject"}

    st, _, body = _act(ljz, case, "succeed", agreement_form="written", agreement_content="x", resolved_level="village")
    assert st == 409 and body["error"]["code"] == "action_not_allowed"
    st, _, case = _act(ljz, case, "accept")
    assert st == 200 and case["wf_state"] == "accepted", case
    assert case["accepted_on"] == "2026-09-25" and case["due_at"] == "2026-10-25", case
    st, _, case = _act(ljz, case, "start")
    assert case["wf_state"] == "mediating"
    st, _, body = ljz.req("PATCH", f"{C}/{case['id']}", {"version": case["version"], "major": True})
    assert st == 422 and "major" in body["error"]["fields"], "重大疑难复杂 is set by the referral, not by editing"
    st, _, body = _act(ljz, case, "refer_major")
    assert st == 422 and "major_reason" in body["error"]["fields"]
    st, _, case = _act(ljz, case, "refer_major", major_reason="涉及多户居民, 需街道协调")
    assert st == 200 and case["major"] is True and case["wf_state"] == "mediating" and case["due_at"] == "2026-10-25", case
    st, _, body = _act(ljz, case, "refer_major", major_reason="再次提请")
    assert st == 409 and body["error"]["code"] == "already_major"
    st, _, lst = ljz.get(f"{C}?major=true&q=楼上漏水纠纷")
    assert any(c["id"] == case["id"] for c in lst["items"])
    st, _, body = _act(ljz, case, "extend", extension_reason="当事人外出")
    assert st == 422 and "extension_days" in body["error"]["fields"]
    st, _, body = _act(ljz, case, "extend", extension_reason="当事人外出", extension_days=31)
    assert st == 422, "an extension is at most 30 days"
    st, _, case = _act(ljz, case, "extend", extension_reason="当事人外出务工, 需待其返沪", extension_days=15)
    assert st == 200 and case["due_at"] == "2026-11-09" and case["wf_state"] == "mediating", case
    st, _, body = _act(ljz, case, "extend", extension_reason="再次延期", extension_days=5)
    assert st == 409 and body["error"]["code"] == "already_extended", body
    st, _, again = ljz.get(f"{C}/{case['id']}")
    assert again["due_at"] == "2026-11-09" and again["extension_days"] == 15, "the refused extension changed nothing"

    st, _, body = _act(ljz, case, "succeed", agreement_form="written")
    assert st == 422 and {"agreement_content", "resolved_level"} <= set(body["error"]["fields"])
    st, _, body = _act(ljz, case, "succeed", agreement_form="signed", agreement_content="赔偿 8000 元",
                       resolved_level="village")
    assert st == 422 and "agreement_form" in body["error"]["fields"]
    st, _, case = _act(ljz, case, "succeed", agreement_form="written", agreement_content="楼上一次性赔偿楼下 8000 元",
                       resolved_level="village")
    assert st == 200 and case["wf_state"] == "succeeded" and case["closed_on"] == "2026-09-25" and case["due_at"] is None
    assert case["state_due_at"], "the visit is due within working days"
    st, _, case = _act(ljz, case, "visit", visit_note="协议已履行, 双方满意")
    assert st == 200 and case["visited_on"] == "2026-09-25"
    st, _, case = _act(ljz, case, "archive")
    assert st == 200 and case["wf_state"] == "archived" and case["actions"] == []
    st, _, h = ljz.get(f"{C}/{case['id']}/history")
    acts = [i["action"] for i in h["items"]]
    for a in ("workflow.accept", "workflow.refer_major", "workflow.extend", "workflow.succeed", "workflow.visit",
              "workflow.archive"):
        assert a in acts, acts


def test_reject_needs_reason_and_fail_needs_referral(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    case = _case(ljz, title="不予受理的纠纷")
    st, _, body = _act(ljz, case, "reject")
    assert st == 422 and "reject_reason" in body["error"]["fields"]
    st, _, done = _act(ljz, case, "reject", reject_reason="已进入诉讼程序 (人民调解法第十八条)")
    assert st == 200 and done["wf_state"] == "rejected" and done["actions"] == []
    case = _case(ljz, title="调解不成的纠纷", category="contract")
    _act(ljz, case, "accept")
    _act(ljz, case, "start")
    st, _, body = _act(ljz, case, "fail", failure_reason="双方分歧较大", resolved_level="township")
    assert st == 422 and "referral" in body["error"]["fields"]
    st, _, done = _act(ljz, case, "fail", referral="litigation", failure_reason="双方分歧较大", resolved_level="township")
    assert st == 200 and done["wf_state"] == "failed" and done["closed_on"]


def _case_with_parties(ctx):
    if getattr(ctx, "med_case", None):
        return ctx.med_case
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    _, a = _person(ljz, "张建华", "31011519850307123", phone="13812345678")
    _, b = _person(ljz, "李海燕", "31011519771130234")
    case = _case(ljz, title="测试专用押金纠纷", category="contract", amount="5000")
    for role, pid in (("applicant", a["id"]), ("respondent", b["id"])):
        st, _, party = ljz.post(P, {"case_id": case["id"], "role": role, "person_id": pid})
        assert st == 201, party
    st, _, party = ljz.post(P, {"case_id": case["id"], "role": "third_party", "unit_name": "上海某某物业管理有限公司"})
    assert st == 201, party
    # the party's unit is its own field: org_name stays the office the record
    # belongs to (a field named org_name made the JSON carry that key twice)
    assert party["unit_name"] == "上海某某物业管理有限公司" and party["org_name"] == "陆家嘴街道司法所", party
    st, _, body = ljz.post(P, {"case_id": case["id"], "role": "judge"})
    assert st == 422 and "role" in body["error"]["fields"]
    st, _, before = ljz.get(f"{P}?case_id={case['id']}")
    st, _, body = ljz.post(P, {"case_id": case["id"], "role": "respondent"})
    assert st == 422 and "person_id" in body["error"]["fields"], "a party is a person or a unit"
    st, _, body = ljz.post(P, {"case_id": case["id"], "role": "respondent", "person_id": b["id"], "unit_name": "某公司"})
    assert st == 422 and "unit_name" in body["error"]["fields"], "not both"
    st, _, body = ljz.req("PATCH", f"{P}/{party['id']}", {"version": party["version"], "unit_name": ""})
    assert st == 422 and "person_id" in body["error"]["fields"], "an edit cannot leave neither"
    st, _, after = ljz.get(f"{P}?case_id={case['id']}")
    assert after["total"] == before["total"] == 3, "the refused writes left nothing"
    ctx.med_case, ctx.med_a, ctx.med_b = case, a, b
    return case


def test_documents_html_and_docx(ctx):
    case = _case_with_parties(ctx)
    ljz = Session(ctx.demo_server(), "ljz")
    st, h, html = ljz.req("GET", f"{C}/{case['id']}/documents/application")
    text = html if isinstance(html, str) else html.decode() if isinstance(html, bytes) else str(html)
    assert st == 200 and h["content-type"].startswith("text/html"), (st, h)
    assert "人民调解申请书" in text and "张建华" in text and "测试专用押金纠纷" in text and "5,000" not in text
    assert "138****5678" in text and "13812345678" not in text, "phone numbers are masked in documents"
    st, _, body = ljz.get(f"{C}/{case['id']}/documents/agreement")
    assert st == 409 and body["error"]["code"] == "document_not_ready"
    st, _, body = ljz.get(f"{C}/{case['id']}/documents/verdict")
    assert st == 404
    _act(ljz, case, "accept")
    _act(ljz, case, "start")
    st, _, _ = _act(ljz, case, "succeed", agreement_form="written", agreement_content="李海燕于十日内退还押金 5000 元",
                    resolved_level="township")
    assert st == 200
    for kind, title in (("registration", "人民调解受理登记表"), ("agreement", "人民调解协议书")):
        st, h, raw = ljz.req("GET", f"{C}/{case['id']}/documents/{kind}?format=docx")
        assert st == 200 and "wordprocessingml" in h["content-type"], (st, h)
        assert "attachment" in h["content-disposition"]
        z = zipfile.ZipFile(io.BytesIO(raw if isinstance(raw, bytes) else raw.encode("latin-1")))
        assert z.testzip() is None
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(z.namelist())
        xml = z.read("word/document.xml").decode()
        assert title in xml and "张建华" in xml and "李海燕" in xml and "上海某某物业管理有限公司" in xml
        assert 'w:eastAsia="仿宋"' in xml
    assert "退还押金 5000 元" in xml, "the agreement carries its content"
    st, _, body = ljz.get(f"{C}/{case['id']}/documents/agreement?format=pdf")
    assert st == 422
    njdl = Session(ctx.demo_server(), "njdl")
    st, _, body = njdl.get(f"{C}/{case['id']}/documents/agreement")
    assert st == 404, "another office cannot print the case"
    st, _, log = Session(ctx.demo_server(), "auditor").get("/api/v1/audit?action=document.generate")
    if st == 200:
        assert any(i.get("entity_id") == case["id"] for i in log["items"])


def test_scope_other_office_sees_nothing(ctx):
    case = _case_with_parties(ctx)
    s = ctx.demo_server()
    njdl = Session(s, "njdl")
    st, _, _ = njdl.get(f"{C}/{case['id']}")
    assert st == 404
    st, _, lst = njdl.get(f"{C}?q=测试专用押金")
    assert lst["total"] == 0
    st, _, body = njdl.post(P, {"case_id": case["id"], "role": "applicant", "unit_name": "某公司"})
    assert st == 422 and "case_id" in body["error"]["fields"]
    st, _, body = _act(njdl, case, "accept")
    assert st == 404
    office, _ = _village(Session(s, "ljz"))
    st, _, body = njdl.get(f"/api/v1/mediation/stats?org={office['id']}")
    assert st == 422 and "org" in body["error"]["fields"]


def test_stats_add_up_and_match_the_list(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    office, village = _village(ljz)
    made = [_case(ljz, title=f"统计用例 {i}", received_on="2026-03-1%d" % i, category=cat, source=src)
            for i, (cat, src) in enumerate([("marriage_family", "party_application"), ("marriage_family", "court_referral"),
                                            ("labor", "hotline_12345"), ("property_management", "proactive")])]
    _act(ljz, made[0], "accept")
    _act(ljz, made[0], "start")
    _act(ljz, made[0], "succeed", agreement_form="oral", agreement_content="和好", resolved_level="village")
    _act(ljz, made[1], "reject", reject_reason="不属于人民调解范围")
    q = f"org={office['id']}&from=2026-03-01&to=2026-03-31"
    st, _, stats = ljz.get(f"/api/v1/mediation/stats?{q}")
    assert st == 200, stats
    total = stats["total"]
    st, _, lst = ljz.get(f"{C}?org_id={office['id']}&received_on.from=2026-03-01&received_on.to=2026-03-31&limit=1")
    assert total["cases"] == lst["total"] >= 4, (total, lst["total"])
    keys = ["cases", "registered", "mediating", "succeeded", "failed", "rejected", "major"]
    for table in ("by_category", "by_source", "by_month"):
        for k in keys:
            assert sum(r[k] for r in stats[table]) == total[k], (table, k)
        assert sum(float(r["amount"]) for r in stats[table]) == float(total["amount"])
    assert sum(total[k] for k in ("registered", "mediating", "succeeded", "failed", "rejected")) == total["cases"]
    cats = {r["code"]: r for r in stats["by_category"]}
    assert cats["marriage_family"]["cases"] >= 2 and cats["marriage_family"]["label"] == "婚姻家庭"
    assert "medical" in cats, "every category is a row, zero or not"
    assert [r["code"] for r in stats["by_month"]] == ["2026-03"]
    st, _, year = ljz.get(f"/api/v1/mediation/stats?org={office['id']}&from=2026-01-01&to=2026-12-31")
    assert [r["code"] for r in year["by_month"]] == ["2026-%02d" % m for m in range(1, 13)], "every month is a row"
    assert sum(r["cases"] for r in year["by_month"]) == year["total"]["cases"]
    assert stats["indicator"]["resolved_in_village"] >= 1 and 0 < stats["indicator"]["village_rate"] <= 1
    for cat in ("marriage_family", "labor"):
        st, _, lst = ljz.get(f"{C}?org_id={office['id']}&received_on.from=2026-03-01&received_on.to=2026-03-31&category={cat}")
        assert lst["total"] == cats[cat]["cases"]
    # the district sees the office's cases in its own figures
    st, _, dist = Session(s, "pudong").get("/api/v1/mediation/stats?from=2026-03-01&to=2026-03-31")
    assert st == 200 and dist["total"]["cases"] >= total["cases"]
    st, _, other = Session(s, "njdl").get("/api/v1/mediation/stats?from=2026-03-01&to=2026-03-31")
    assert st == 200 and other["total"]["cases"] < total["cases"] or other["org"]["id"] != office["id"]
    st, h, raw = ljz.req("GET", f"/api/v1/mediation/stats?{q}&format=xlsx")
    assert st == 200 and "spreadsheetml" in h["content-type"]
    z = zipfile.ZipFile(io.BytesIO(raw if isinstance(raw, bytes) else raw.encode("latin-1")))
    strings = z.read("xl/sharedStrings.xml").decode()
    assert "人民调解案件统计表" in strings and "婚姻家庭" in strings and "合计" in strings
    st, _, body = ljz.get("/api/v1/mediation/stats?from=2026-13-01")
    assert st == 422 and "from" in body["error"]["fields"]
    st, _, body = ljz.get("/api/v1/mediation/stats?from=2026-05-01&to=2026-04-01")
    assert st == 422


def test_person_entered_once_and_involvements(ctx):
    case = _case_with_parties(ctx)
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    a = ctx.med_a
    st, _, dup = ljz.post("/api/v1/persons", {"name": "张建华", "id_number": _complete("31011519850307123")})
    assert st == 409 and dup["error"]["existing"]["id"] == a["id"], "an ID number already registered offers the person"
    st, _, inv = ljz.get(f"/api/v1/persons/{a['id']}/involvements")
    assert st == 200, inv
    hits = [i for i in inv["items"] if i["entity"] == "mediation-parties"]
    assert hits and hits[0]["field"] == "person_id"
    assert any(i["entity"] == "mediation-cases" and i["id"] == case["id"] for i in inv["items"]), \
        "a party's case is listed as the person's involvement"
    assert inv["hidden"] == 0
    # another office links the same person (entered once, shared) — the
    # first office's view counts that record without showing it
    njdl = Session(s, "njdl")
    other = _case(njdl, title="另一街道的纠纷")
    st, _, party = njdl.post(P, {"case_id": other["id"], "role": "respondent", "person_id": a["id"]})
    assert st == 422 and "person_id" in party["error"]["fields"], \
        "a record links only a person its author may read (issue 15 point 5)"
    st, _, dup = njdl.post("/api/v1/persons", {"name": "张建华", "id_number": _complete("31011519850307123")})
    assert st == 409 and dup["error"]["existing_ref"]["id"] == a["id"], "the full ID number shares the person"
    st, _, party = njdl.post(P, {"case_id": other["id"], "role": "respondent", "person_id": a["id"]})
    assert st == 201, party
    st, _, inv = ljz.get(f"/api/v1/persons/{a['id']}/involvements")
    assert not any(i["entity"] == "mediation-cases" and i["id"] == other["id"] for i in inv["items"])
    assert inv["hidden"] >= 1
    st, _, body = njdl.get(f"/api/v1/persons/{a['id']}/involvements")
    assert st == 404, "the person's record itself stays in its office's scope"


def test_the_city_leader_reads_and_counts_the_citys_mediation_and_changes_nothing(ctx):
    """issue 16 point 10: the cockpit of 市局领导 (全市数据只读与统计) shows
    mediation figures: read and export (entity_t.read_roles), no write."""
    s = ctx.demo_server()
    leader, district = Session(s, "lingdao"), Session(s, "pudong")
    st, _, city = leader.get("/api/v1/mediation/stats?from=2026-01-01&to=2026-12-31")
    assert st == 200 and city["total"]["cases"] > 0, city
    st, _, dist = district.get("/api/v1/mediation/stats?from=2026-01-01&to=2026-12-31")
    assert city["total"]["cases"] >= dist["total"]["cases"], (city["total"], dist["total"])
    st, _, lst = leader.get(f"{C}?limit=1&total=1")
    assert st == 200 and lst["total"] > 0, lst
    assert leader.req("GET", f"{C}/export?format=csv")[0] == 200
    st, _, meta = leader.get("/api/v1/meta/entities/mediation-cases")
    assert meta["can"]["read"] and not meta["can"]["create"] and not meta["can"]["update"], meta["can"]
    st, _, body = leader.post(C, {"title": "领导不办案", "source": "party_application", "category": "neighborhood"})
    assert st == 403, body
    case = lst["items"][0]
    assert leader.req("PATCH", f"{C}/{case['id']}", {"title": "x", "version": case["version"]})[0] == 403
    assert leader.req("DELETE", f"{C}/{case['id']}")[0] == 403
