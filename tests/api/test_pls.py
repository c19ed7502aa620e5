"""公共法律服务 and grassroots legal service supervision (issue 22; plan clauses
10 and 11; docs/public-legal-services.md): the line declared in
src/modules/pls.c and pls_advisors.c — service points and their map, a
consultation answered and referred (to mediation: the case registered with
the parties already in the person registry, nobody typed again), 代收行政复议申请
with its printed 回执 and forwarding within the city's setting, legal-aid
pre-applications, village legal advisors with the coverage and duty rules,
基层法律服务所 with their workers, inspections and complaints, and the returns
per office, district and month."""
import datetime
import io
import os
import subprocess
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
import zipfile

from auth_helpers import Session
from harness import ROOT, shanghai_today
from test_checks import _person  # a new resident born in a given year
from test_pufa import _act, _office_and_villages as _villages, _refused, _result  # the lines' shared helpers

ENTITIES = ["service-points", "legal-consultations", "reconsideration-intakes", "legal-aid-preapps",
            "village-advisors", "advisor-villages", "advisor-logs", "advisor-evaluations", "grassroots-practices",
            "grassroots-workers", "practice-inspections", "practice-complaints"]
C, I, A = "/api/v1/legal-consultations", "/api/v1/reconsideration-intakes", "/api/v1/legal-aid-preapps"
ADV = "/api/v1/village-advisors"

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(first17):
    """A valid 统一社会信用代码 (GB 32100 check character) from 17 characters."""
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return first17 + USCC_CHARS[(31 - s % 31) % 31]


def _tag():
    return "法" + uuid.uuid4().hex[:6]


def _consultation(sess, person, other=None, **kw):
    body = {"channel": "walk_in", "category": "neighborhood", "title": f"邻居漏水{_tag()}",
            "question": "楼上卫生间漏水, 协商未果。", "answer": "告知可申请人民调解, 也可起诉。",
            "person_id": person["id"]}
    if other:
        body["counterpart_person_id"] = other["id"]
    body.update(kw)
    st, _, rec = sess.post(C, body)
    assert st == 201, rec
    return rec


def test_the_line_reaches_meta_and_the_menu_and_the_web_app_names_none(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    assert st == 200
    by = {e["name"]: e for e in lst["items"]}
    for name in ENTITIES:
        assert by[name]["line"] == "legal-services" and by[name]["line_label"] == "公共法律服务", by.get(name)
    st, _, meta = ljz.get("/api/v1/meta/entities/legal-consultations")
    channel = next(f for f in meta["fields"] if f["name"] == "channel")
    assert [c["label"] for c in channel["codes"]] == ["来访", "电话", "12348 热线转来", "网上咨询", "村(居)工作室"]
    assert [t["action"] for t in meta["workflow"]["transitions"]][:2] == ["refer", "refer_mediation"]
    st, _, meta = ljz.get("/api/v1/meta/entities/village-advisors")
    assert [c["key"] for c in meta["children"]] == ["villages", "logs", "evaluations"]
    out = subprocess.run(["grep", "-rlE", "|".join(ENTITIES), os.path.join(ROOT, "web", "src")],
                         capture_output=True, text=True)
    assert out.stdout == "", out.stdout


def test_demo_data_for_every_part(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for name in ENTITIES:
        st, _, lst = ljz.get(f"/api/v1/{name}?limit=5")
        assert st == 200 and lst["total"] > 0, (name, lst)
    st, _, lst = ljz.get(f"{C}?wf_state=referred&referral=mediation")
    assert lst["total"] == 1 and lst["items"][0]["mediation_case_id"], lst
    st, _, lst = ljz.get("/api/v1/service-points?kind=station")
    assert lst["total"] == 1 and lst["items"][0]["name"] == "陆家嘴街道公共法律服务工作站", lst
    st, _, lst = ljz.get("/api/v1/village-advisors?wf_state=exited")
    assert lst["total"] == 1, lst
    adv = lst["items"][0]
    assert adv["exit_reason"] == "resigned" and adv["person_id_name"].endswith("*") or "*" in adv["person_id_name"]


def test_a_walk_in_consultation_referred_to_mediation_registers_the_case_with_its_parties(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    a, b = _person(ljz, "林申请", 1980), _person(ljz, "蔡对方", 1975)
    con = _consultation(ljz, a, b)
    assert con["consult_no"].startswith(f"({shanghai_today().year})法咨字第"), con
    assert con["wf_state"] == "answered" and con["consulted_on"] == shanghai_today().isoformat()
    st, _, orgs = ljz.get("/api/v1/mediation-orgs?limit=1")
    morg = orgs["items"][0]
    # the generic referral refuses mediation: the case must be registered by its own action
    st, _, bad = _act(ljz, "legal-consultations", con, "refer", referral="mediation", referral_to="调委会")
    _refused(st, bad, "referral", "转人民调解")
    st, _, before = ljz.get("/api/v1/mediation-cases?limit=1&total=1")
    st, _, con = _act(ljz, "legal-consultations", con, "refer_mediation", dispute_category="neighborhood",
                      mediation_org_id=morg["id"])
    assert st == 200 and con["wf_state"] == "referred", con
    assert con["referral"] == "mediation" and con["referral_to"] == morg["name"], con
    assert con["referred_on"] == shanghai_today().isoformat()
    case_id = con["mediation_case_id"]
    st, _, case = ljz.get(f"/api/v1/mediation-cases/{case_id}")
    assert st == 200, case
    assert case["wf_state"] == "registered" and case["title"] == con["title"], case
    assert case["category"] == "neighborhood" and case["mediation_org_id"] == morg["id"], case
    assert con["consult_no"] in case["summary"], case
    parties = {p["role"]: p for p in case["parties"]["items"]}
    assert parties["applicant"]["person_id"] == a["id"] and parties["respondent"]["person_id"] == b["id"], parties
    st, _, after = ljz.get("/api/v1/mediation-cases?limit=1&total=1")
    assert after["total"] == before["total"] + 1
    # the case's history says where it came from; the consultation's links to it by name
    st, _, hist = ljz.get(f"/api/v1/mediation-cases/{case_id}/history")
    assert hist["items"][0]["action_label"] == "创建", hist
    assert con["mediation_case_id_name"] == case["title"], con
    # the case goes its own way: accepted, it takes its number
    st, _, case = _act(ljz, "mediation-cases", case, "accept")
    assert st == 200 and case["case_no"], case
    # follow-up of the referral's outcome
    st, _, con = _act(ljz, "legal-consultations", con, "follow", outcome="accepted", outcome_note="调委会已受理")
    assert st == 200 and con["wf_state"] == "followed" and con["followed_on"], con


def test_a_referral_to_mediation_without_the_other_party_changes_nothing(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    con = _consultation(ljz, _person(ljz, "单方人", 1982))
    st, _, orgs = ljz.get("/api/v1/mediation-orgs?limit=1")
    st, _, before = ljz.get("/api/v1/mediation-cases?limit=1&total=1")
    st, _, bad = _act(ljz, "legal-consultations", con, "refer_mediation", dispute_category="neighborhood",
                      mediation_org_id=orgs["items"][0]["id"])
    assert st == 422 and "对方当事人" in bad["error"]["message"], bad
    st, _, again = ljz.get(f"{C}/{con['id']}")
    assert again["wf_state"] == "answered" and again["version"] == con["version"], again
    st, _, after = ljz.get("/api/v1/mediation-cases?limit=1&total=1")
    assert after["total"] == before["total"]
    # other referrals, and a unit as the other party
    st, _, bad = ljz.post(C, {"channel": "walk_in", "category": "labor", "title": "x", "question": "q", "answer": "a",
                              "counterpart_person_id": con["person_id"], "counterpart_unit": "某公司"})
    _refused(st, bad, "counterpart_unit", "不填单位名称")
    st, _, bad = ljz.post(C, {"channel": "village", "category": "labor", "title": "x", "question": "q", "answer": "a"})
    _refused(st, bad, "village_id", "须选择村(居)")
    st, _, con = _act(ljz, "legal-consultations", con, "refer", referral="legal_aid", referral_to="区法律援助中心")
    assert st == 200 and con["wf_state"] == "referred" and con["due_at"] is None and con["state_due_at"], con


def test_a_referral_to_mediation_against_a_company_registers_the_company_as_respondent(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    a = _person(ljz, "顾业主", 1979)
    con = _consultation(ljz, a, counterpart_unit="上海某物业管理有限公司", category="housing")
    st, _, orgs = ljz.get("/api/v1/mediation-orgs?limit=1")
    st, _, con = _act(ljz, "legal-consultations", con, "refer_mediation", dispute_category="property_management",
                      mediation_org_id=orgs["items"][0]["id"])
    assert st == 200 and con["mediation_case_id"], con
    st, _, case = ljz.get(f"/api/v1/mediation-cases/{con['mediation_case_id']}")
    parties = {p["role"]: p for p in case["parties"]["items"]}
    assert parties["applicant"]["person_id"] == a["id"], parties
    assert parties["respondent"]["unit_name"] == "上海某物业管理有限公司" and not parties["respondent"]["person_id"]


def test_a_consultation_at_a_village_names_a_village_and_satisfaction_is_kept(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    office, villages = _villages(ljz)
    con = _consultation(ljz, _person(ljz, "村咨询", 1960), channel="village", village_id=villages[0]["id"],
                        satisfaction="very")
    st, _, con = _act(ljz, "legal-consultations", con, "close")
    assert st == 200 and con["wf_state"] == "closed" and con["locked"], con
    st, _, bad = ljz.post(C, {"channel": "village", "category": "labor", "title": "x", "question": "q", "answer": "a",
                              "village_id": office})
    _refused(st, bad, "village_id", "请选择村(居)委会")


def test_reconsideration_intake_receipt_forwarding_and_acknowledgement(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    p = _person(ljz, "韦申请", 1970)
    today = shanghai_today().isoformat()
    body = {"applicant_id": p["id"], "respondent": "上海市浦东新区市场监督管理局", "act": "罚款 2000 元的行政处罚决定",
            "requests": "撤销该处罚决定", "mode": "written", "materials": "申请书 1 份, 处罚决定书复印件 1 份",
            "pages": 4, "body": "上海市浦东新区人民政府", "act_known_on": today}
    st, _, rec = ljz.post(I, body)
    assert st == 201, rec
    assert rec["receipt_no"].startswith(f"({today[:4]})代收复字第") and rec["wf_state"] == "received", rec
    # the forwarding deadline: the city's setting (5 working days) from receipt
    assert rec["due_at"] and rec["due_at"] > today, rec
    st, _, rules = ljz.get("/api/v1/standards/rules")
    assert {x["key"]: x["value"] for x in rules["settings"]}["pls_forward_days"] == 5
    # the receipt, printed from the record (audited)
    st, h, html = ljz.req("GET", f"{I}/{rec['id']}/documents/receipt")
    assert st == 200, html
    text = html.decode() if isinstance(html, bytes) else str(html)
    assert "代收行政复议申请回执" in text and rec["receipt_no"] in text and "上海市浦东新区人民政府" in text
    y, m, d = (int(x) for x in rec["due_at"][:10].split("-"))
    assert f"将于{y}年{m}月{d}日前转送" in text, "the deadline as a document writes a date"
    assert "韦" in text and "韦申请" not in text  # the applicant masked
    st, h, raw = ljz.req("GET", f"{I}/{rec['id']}/documents/receipt?format=docx")
    assert st == 200 and raw[:2] == b"PK"
    st, _, hist = ljz.get(f"{I}/{rec['id']}/history")
    assert any(x["action_label"] == "生成文书「代收行政复议申请回执」" for x in hist["items"]), hist
    st, _, rec = _act(ljz, "reconsideration-intakes", rec, "forward", forward_method="in_person")
    assert st == 200 and rec["wf_state"] == "forwarded" and rec["forwarded_on"] == today, rec
    assert rec["forward_late"] is False and rec["due_at"] is None, rec
    st, _, bad = _act(ljz, "reconsideration-intakes", rec, "acknowledge", acknowledged_on="2000-01-01",
                      ack_note="登记号 1")
    _refused(st, bad, "acknowledged_on", "不能早于转送日期")
    st, _, rec = _act(ljz, "reconsideration-intakes", rec, "acknowledge", acknowledged_on=today, ack_note="登记号 88")
    assert st == 200 and rec["wf_state"] == "acknowledged" and rec["locked"], rec
    # bad input: a date known after receipt
    bad_body = dict(body, act_known_on="2999-01-01")
    st, _, bad = ljz.post(I, bad_body)
    assert st == 422, bad


def test_a_late_forwarding_is_kept_and_the_city_sets_the_days(ctx):
    s = ctx.demo_server()
    ljz, city = Session(s, "ljz"), Session(s, "shiju")
    p = _person(ljz, "迟转送", 1971)
    body = {"applicant_id": p["id"], "respondent": "某局", "act": "某决定", "requests": "撤销", "mode": "oral",
            "materials": "笔录 1 份", "body": "上海市浦东新区人民政府", "received_on": "2026-01-05"}
    st, _, old = ljz.post(I, body)
    assert st == 201 and old["due_at"] == "2026-01-12", old  # 5 working days (the demo calendar: no holiday)
    st, _, old = _act(ljz, "reconsideration-intakes", old, "forward", forward_method="post")
    assert st == 200 and old["forward_late"] is True, old
    st, _, r = city.req("PUT", "/api/v1/standards/settings/pls_forward_days", {"value": 7})
    assert st == 200, r
    try:
        st, _, rec = ljz.post(I, body)
        assert st == 201 and rec["due_at"] == "2026-01-14", rec
    finally:
        assert city.req("PUT", "/api/v1/standards/settings/pls_forward_days", {"value": 5})[0] == 200
    st, _, bad = ljz.req("PUT", "/api/v1/standards/settings/pls_forward_days", {"value": 9})
    assert st == 403, bad


def test_legal_aid_pre_application_is_checked_forwarded_and_its_result_recorded(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    p = _person(ljz, "钟援助", 1966)
    body = {"applicant_id": p["id"], "matter": "追索劳动报酬", "case_kind": "labor", "hardship": "low_income",
            "hardship_facts": "家庭月收入低于本市低收入标准"}
    st, _, bad = ljz.post(A, body)
    _refused(st, bad, "household_size", "家庭人口")
    st, _, rec = ljz.post(A, dict(body, household_size=3, monthly_income="980.50"))
    assert st == 201 and rec["wf_state"] == "applied" and rec["due_at"], rec
    st, _, rec = _act(ljz, "legal-aid-preapps", rec, "ask_more", prelim_note="请补充低收入家庭认定证明")
    assert st == 200 and rec["wf_state"] == "supplementing", rec
    st, _, rec = _act(ljz, "legal-aid-preapps", rec, "resubmit")
    st, _, rec = _act(ljz, "legal-aid-preapps", rec, "forward", prelim_note="材料齐全, 予以转交",
                      aid_centre="上海市浦东新区法律援助中心")
    assert st == 200 and rec["wf_state"] == "forwarded" and rec["due_at"] is None and rec["forwarded_on"], rec
    st, _, bad = _act(ljz, "legal-aid-preapps", rec, "record_result", result="granted", decided_on="2000-01-01",
                      result_note="x")
    _refused(st, bad, "decided_on", "不能早于转交日期")
    st, _, rec = _act(ljz, "legal-aid-preapps", rec, "record_result", result="granted",
                      decided_on=shanghai_today().isoformat(), result_note="已指派律师")
    assert st == 200 and rec["wf_state"] == "decided", rec
    # the means test waived: no income asked
    st, _, rec = ljz.post(A, dict(body, hardship="exempt"))
    assert st == 201, rec


def test_advisor_firms_carry_a_valid_credit_code(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    p = _person(ljz, "严律师", 1985)
    good = uscc("31310000MA1234567")
    body = {"person_id": p["id"], "kind": "lawyer", "licence_no": "13101201911111111", "firm_name": "上海市某律师事务所",
            "firm_uscc": good[:-1] + ("0" if good[-1] != "0" else "1"), "selection": "open",
            "appointed_on": "2026-01-01"}
    st, _, bad = ljz.post(ADV, body)
    _refused(st, bad, "firm_uscc", "校验码错误")
    st, _, bad = ljz.post(ADV, dict(body, firm_uscc="31310000MA12345"))
    _refused(st, bad, "firm_uscc", "18")
    st, _, adv = ljz.post(ADV, dict(body, firm_uscc=good))
    assert st == 201 and adv["wf_state"] == "serving", adv
    st, _, bad = ljz.post("/api/v1/grassroots-practices", {"name": "x", "uscc": "9131000012345678X0", "licence_no": "1",
                                                            "address": "a", "status": "active"})
    assert st == 422 and "uscc" in bad["error"]["fields"], bad
    st, _, adv = _act(ljz, "village-advisors", adv, "exit", exit_on="2026-06-30", exit_reason="resigned",
                      exit_note="本人辞任")
    assert st == 200 and adv["wf_state"] == "exited", adv
    st, _, bad = _act(ljz, "village-advisors", adv, "exit", exit_on="2026-06-30", exit_reason="resigned",
                      exit_note="x")
    assert st == 409, bad


def test_advisors_are_evaluated_each_year_by_the_village_and_the_office(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    # an advisor of its own: the demo's serve the coverage and duty tests (one server per file)
    st, _, adv = ljz.post(ADV, {"person_id": _person(ljz, "考核顾问", 1983)["id"], "kind": "lawyer",
                                "licence_no": "13101201922222222", "firm_name": "上海市某律师事务所",
                                "firm_uscc": uscc("31310000MA7654321"), "selection": "open",
                                "appointed_on": shanghai_today().isoformat()})  # not serving in last month's returns
    assert st == 201, adv
    E = "/api/v1/advisor-evaluations"
    body = {"advisor_id": adv["id"], "year": 2026, "village_rating": "competent", "village_opinion": "按时驻村",
            "office_rating": "incompetent", "conclusion": "incompetent"}
    st, _, bad = ljz.post(E, body)
    _refused(st, bad, "office_opinion", "不称职")
    st, _, ev = ljz.post(E, dict(body, office_opinion="全年驻村 5 天, 未完成合同审查"))
    assert st == 201 and ev["conclusion"] == "incompetent", ev
    st, _, dup = ljz.post(E, dict(body, office_rating="competent", conclusion="competent"))
    assert st == 409 and dup["error"]["code"] == "duplicate", dup
    st, _, full = ljz.get(f"{ADV}/{adv['id']}")
    assert [e["year"] for e in full["evaluations"]["items"]].count(2026) == 1, full["evaluations"]
    # found 不称职, the advisor exits with that reason; their evaluations stay
    st, _, gone = _act(ljz, "village-advisors", full, "exit", exit_on=shanghai_today().isoformat(),
                       exit_reason="evaluation_failed", exit_note="年度考核不称职, 予以解聘")
    assert st == 200 and gone["wf_state"] == "exited" and gone["exit_reason"] == "evaluation_failed", gone
    assert gone["evaluations"]["items"], gone
    # gone, the advisor logs no more service: the refusal names the advisor (masked), not a number
    st, _, bad = ljz.post("/api/v1/advisor-logs", {"advisor_id": adv["id"], "village_id": _villages(ljz)[1][0]["id"],
                                                   "kind": "lecture", "content": "讲座"})
    msg = bad["error"]["message"]
    assert st == 409 and bad["error"]["code"] == "record_final", bad
    assert f"「{gone['person_id_name']}」" in msg and "编号" not in msg and "已退出" in msg, msg


def test_coverage_rule_names_the_uncovered_village_until_an_advisor_serves_it(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    office, villages = _villages(ljz)
    res = _result(ljz, office, "c11_advisor_coverage")
    assert res["status"] == "fail", res
    bare = [r for r in res["evidence"]["records"] if r["entity"] == "advisor-villages"]
    assert len(bare) == 1 and bare[0]["filter"] == "village_id", res
    village = next(v for v in villages if v["id"] == bare[0]["id"])
    assert village["name"] in bare[0]["label"] and "无在任" in bare[0]["label"], bare
    st, _, lst = ljz.get(f"{ADV}?wf_state=serving&limit=1")
    adv = lst["items"][0]
    st, _, bad = ljz.post("/api/v1/advisor-villages", {"advisor_id": adv["id"], "village_id": office})
    _refused(st, bad, "village_id", "请选择村(居)委会")
    st, _, asg = ljz.post("/api/v1/advisor-villages", {"advisor_id": adv["id"], "village_id": village["id"],
                                                       "from_on": "2026-01-01"})
    assert st == 201, asg
    try:
        st, _, dup = ljz.post("/api/v1/advisor-villages", {"advisor_id": adv["id"], "village_id": village["id"],
                                                           "from_on": "2026-02-01"})
        _refused(st, dup, "village_id", "已服务该村(居)")
        res = _result(ljz, office, "c11_advisor_coverage")
        assert res["status"] == "pass" and res["actual"] == f"{len(villages)}/{len(villages)}", res
    finally:
        assert ljz.req("DELETE", f"/api/v1/advisor-villages/{asg['id']}")[0] in (200, 204)
    assert _result(ljz, office, "c11_advisor_coverage")["status"] == "fail"


def test_duty_rule_reads_last_months_on_site_days_against_the_citys_quota(ctx):
    s = ctx.demo_server()
    ljz, city = Session(s, "ljz"), Session(s, "shiju")
    office = ljz.login_body["user"]["org"]["id"]
    res = _result(ljz, office, "c11_advisor_duty")
    recs = res["evidence"]["records"]
    assert res["status"] == "fail" and len(recs) == 1 and recs[0]["entity"] == "village-advisors", res
    assert "驻村(居) 1 天, 应不少于 2 天" in recs[0]["label"], res
    st, _, r = city.req("PUT", "/api/v1/standards/settings/pls_onsite_days_month", {"value": 1})
    assert st == 200, r
    try:
        assert _result(ljz, office, "c11_advisor_duty")["status"] == "pass"
    finally:
        assert city.req("PUT", "/api/v1/standards/settings/pls_onsite_days_month", {"value": 2})[0] == 200
    # a log must be of a village the advisor serves that day
    st, _, lst = ljz.get(f"{ADV}?wf_state=serving&limit=1")
    adv = lst["items"][0]
    st, _, full = ljz.get(f"{ADV}/{adv['id']}")
    served = full["villages"]["items"][0]["village_id"]
    st, _, bad = ljz.post("/api/v1/advisor-logs", {"advisor_id": adv["id"], "village_id": served,
                                                   "served_on": "2024-01-05", "kind": "onsite", "content": "值班"})
    _refused(st, bad, "village_id", "不服务这个村(居)")
    st, _, log = ljz.post("/api/v1/advisor-logs", {"advisor_id": adv["id"], "village_id": served, "kind": "lecture",
                                                   "content": "民法典讲座", "people": 40})
    assert st == 201, log


def test_practices_workers_inspections_and_complaints(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/grassroots-practices?limit=1")
    practice = lst["items"][0]
    st, _, full = ljz.get(f"/api/v1/grassroots-practices/{practice['id']}")
    assert len(full["workers"]["items"]) == 2 and full["inspections"]["items"], full
    # a complaint against a worker of another practice is refused
    st, _, other = ljz.post("/api/v1/grassroots-practices", {"name": f"测试法律服务所{_tag()}",
                                                              "uscc": uscc("33310115MA" + uuid.uuid4().hex[:7].upper()
                                                                           .replace("I", "1").replace("O", "0")),
                                                              "licence_no": "沪0001", "address": "某路 1 号",
                                                              "status": "active"})
    assert st == 201, other
    worker = full["workers"]["items"][0]
    # a 基层法律服务工作者's licence number is one person's: a second worker with it is refused
    st, _, dup = ljz.post("/api/v1/grassroots-workers", {"practice_id": other["id"], "licence_no": worker["licence_no"],
                                                         "person_id": _person(ljz, "重号者", 1988)["id"],
                                                         "status": "practising"})
    assert st == 409 and dup["error"]["code"] == "duplicate", dup
    st, _, bad = ljz.post("/api/v1/practice-complaints", {"practice_id": other["id"], "worker_id": worker["id"],
                                                          "content": "收费不规范"})
    _refused(st, bad, "worker_id", "不属于")
    st, _, c = ljz.post("/api/v1/practice-complaints", {"practice_id": practice["id"], "worker_id": worker["id"],
                                                        "content": "收费不规范", "complainant_id":
                                                            _person(ljz, "投诉人", 1977)["id"]})
    assert st == 201 and c["due_at"], c
    st, _, c = _act(ljz, "practice-complaints", c, "handle", finding="unfounded", measures="经核查收费符合标准, 已答复")
    assert st == 200 and c["wf_state"] == "handled" and c["handled_on"], c
    # an inspection below 合格 says what to put right; one per practice and year
    st, _, bad = ljz.post("/api/v1/practice-inspections", {"practice_id": other["id"], "year": 2026,
                                                           "result": "fail", "findings": "档案缺失"})
    _refused(st, bad, "rectification", "整改要求")
    st, _, dup = ljz.post("/api/v1/practice-inspections", {"practice_id": practice["id"], "year": 2025,
                                                           "result": "pass", "findings": "合格"})
    assert st == 409 and dup["error"]["code"] == "duplicate", dup


def test_returns_by_channel_category_referral_and_coverage_drill_down(ctx):
    s = ctx.demo_server()
    city, ljz = Session(s, "shiju"), Session(s, "ljz")
    st, _, r = city.get("/api/v1/pls/returns?year=2026")
    assert st == 200, r
    assert r["consultations"] >= 90 and r["intakes"] >= 24 and r["aid_applications"] >= 24, r
    assert r["villages"] > 6000 and 0 < r["villages_covered"] < r["villages"], r
    assert {x["code"] for x in r["by_channel"]} >= {"walk_in", "hotline_12348", "online", "phone"}, r["by_channel"]
    assert sum(x["count"] for x in r["by_category"]) == r["consultations"]
    assert {x["code"] for x in r["referrals_by_type"]} >= {"legal_aid", "mediation", "notary", "lawyer"}
    assert r["intakes_late"] >= 1 and r["advisor_services"] > 0
    assert len(r["units"]) == 16 and all(u["level"] == "district" for u in r["units"]), r["units"]
    assert sum(u["consultations"] for u in r["units"]) == r["consultations"]
    pudong = next(u for u in r["units"] if u["name"].startswith("浦东"))
    st, _, d = city.get(f"/api/v1/pls/returns?year=2026&org_id={pudong['id']}")
    assert d["consultations"] == pudong["consultations"] and d["units"], d
    assert all(u["level"] == "office" for u in d["units"])
    st, _, m = city.get("/api/v1/pls/returns?year=2026&month=11")
    assert m["from"] == "2026-11-01" and m["to"] == "2026-11-30" and m["consultations"] < r["consultations"], m
    # the year month by month: the months add up to the year, and each is its month's returns
    assert [x["month"] for x in r["by_month"]] == list(range(1, 13)) and "by_month" not in m
    for key in ("consultations", "referrals", "intakes", "aid_applications", "advisor_services"):
        assert sum(x[key] for x in r["by_month"]) == r[key], key
        assert r["by_month"][10][key] == m[key], key
    st, _, bad = city.get("/api/v1/pls/returns?year=2026&month=13")
    _refused(st, bad, "month", "1 到 12")
    # an office sees its own; another office's unit is out of its scope
    st, _, own = ljz.get("/api/v1/pls/returns?year=2026")
    assert own["consultations"] == 8 or own["consultations"] > 0, own
    st, _, bad = ljz.get(f"/api/v1/pls/returns?year=2026&org_id={pudong['id']}")
    assert st == 422, bad
    # the advisors' duties in November against the city's quotas: one was on site one day
    st, _, nov = ljz.get("/api/v1/pls/returns?year=2026&month=11")
    assert nov["quotas"] == {"onsite_days_month": 2, "lectures_year": 2, "reviews_year": 4}, nov["quotas"]
    assert nov["advisor_entity"] == "village-advisors" and nov["advisors_listed_total"] == len(nov["advisors"])
    days = sorted(a["onsite_days"] for a in nov["advisors"])
    assert days[0] == 1 and days[-1] == 2 and all(a["villages"] > 0 for a in nov["advisors"]), nov["advisors"]
    assert all("*" in a["name"] for a in nov["advisors"])  # names masked, as in lists
    assert sum(a["lectures"] for a in nov["advisors"]) == len(nov["advisors"])


def _list_total(sess, link, **more):
    qs = "&".join(f"{k}={urllib.parse.quote(str(v))}" for k, v in {**link["query"], **more}.items())
    st, _, lst = sess.get(f"/api/v1/{link['entity']}?limit=1&total=1&{qs}")
    assert st == 200, (link, lst)
    return lst["total"]


def test_every_figure_of_the_returns_opens_the_records_behind_it(ctx):
    """Point 7, drillable: each figure's and each grouped row's link is a list
    whose total is the figure — for the caller's own unit and a unit drilled
    into, a year and a month."""
    s = ctx.demo_server()
    city, ljz = Session(s, "shiju"), Session(s, "ljz")
    st, _, r = city.get("/api/v1/pls/returns?year=2026")
    pudong = next(u for u in r["units"] if u["name"].startswith("浦东"))
    for sess, q in ((ljz, "year=2026"), (city, f"year=2026&org_id={pudong['id']}"), (ljz, "year=2026&month=11")):
        st, _, r = sess.get(f"/api/v1/pls/returns?{q}")
        assert st == 200, r
        assert set(r["links"]) >= {"consultations", "referrals", "mediation_referrals", "intakes", "intakes_late",
                                   "aid_applications", "advisor_services", "points"}, r["links"]
        checked = 0
        for key, link in r["links"].items():
            assert _list_total(sess, link) == r[key], (q, key, link)
            checked += r[key]
        assert checked > 0, q
        for name, link in r["group_links"].items():
            for row in r[name]:
                if row["code"] is not None:
                    assert _list_total(sess, link, **{link["field"]: row["code"]}) == row["count"], (q, name, row)
        if "org_id" in q:
            assert all(l["query"]["org_id"] == str(pudong["id"]) for l in r["links"].values())
    # the late forwarding of the demo: one figure, one record
    st, _, r = city.get("/api/v1/pls/returns?year=2026")
    assert r["intakes_late"] >= 1 and _list_total(city, r["links"]["intakes_late"]) == r["intakes_late"]


def _xlsx_rows(raw, sheet):
    """The rows of a sheet, blank ones included, as lists of cell values (text or number)."""
    z = zipfile.ZipFile(io.BytesIO(raw))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    strings = [("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
               for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
    rows = []
    for row in ET.fromstring(z.read(f"xl/worksheets/sheet{sheet}.xml")).iter(f"{{{ns['m']}}}row"):
        while len(rows) < int(row.get("r")) - 1:
            rows.append([])
        cells = []
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            if v is None:
                cells.append(None)
            elif c.get("t") == "s":
                cells.append(strings[int(v.text)])
            else:
                cells.append(float(v.text))
        rows.append(cells)
    return rows


def test_the_returns_as_an_excel_workbook(ctx):
    """Point 7: the returns a district hands on — its offices' figures, the whole, the grouped tables and the
    months — as .xlsx, the same figures as the page; audited as an export."""
    s = ctx.demo_server()
    city = Session(s, "shiju")
    st, _, r = city.get("/api/v1/pls/returns?year=2026")
    pudong = next(u for u in r["units"] if u["name"].startswith("浦东"))
    st, _, d = city.get(f"/api/v1/pls/returns?year=2026&org_id={pudong['id']}")
    st, h, raw = city.req("GET", f"/api/v1/pls/returns?year=2026&org_id={pudong['id']}&format=xlsx")
    assert st == 200 and h["content-type"].startswith("application/vnd.openxmlformats"), (st, h)
    assert "attachment" in h["content-disposition"], h
    rows = _xlsx_rows(raw, 1)
    assert rows[0][0] == "公共法律服务统计 (浦东新区司法局, 2026 年)", rows[0]
    head = rows[3]
    assert head[:4] == ["单位", "法律咨询", "转介", "其中转人民调解"] and head[-1] == "覆盖率", head
    by_name = {row[0]: row for row in rows[4:] if row and isinstance(row[0], str)}
    for u in d["units"]:
        row = by_name[u["name"]]
        assert row[1] == u["consultations"] and row[4] == u["intakes"] and row[10] == u["advisor_services"], (u, row)
    whole = by_name["合计 (含本级)"]
    assert whole[1] == d["consultations"] and whole[12] == d["villages_covered"], (whole, d)
    walk_in = next(x["count"] for x in d["by_channel"] if x["code"] == "walk_in")
    i = next(k for k, row in enumerate(rows) if row and row[0] == "法律咨询 (按渠道)")
    assert ["来访", walk_in] in [row[:2] for row in rows[i:i + 8]], rows[i:i + 8]
    months = _xlsx_rows(raw, 2)
    assert months[0][:2] == ["月份", "法律咨询"] and len(months) == 13, months
    assert sum(row[1] for row in months[1:]) == d["consultations"]
    # a month's workbook has no months sheet; a wrong format is refused
    st, h, raw = city.req("GET", "/api/v1/pls/returns?year=2026&month=11&format=xlsx")
    assert st == 200 and "xl/worksheets/sheet2.xml" not in zipfile.ZipFile(io.BytesIO(raw)).namelist()
    st, _, bad = city.get("/api/v1/pls/returns?year=2026&format=pdf")
    _refused(st, bad, "format", "xlsx")
    st, _, bad = Session(s, "ljz").req("GET", f"/api/v1/pls/returns?year=2026&org_id={pudong['id']}&format=xlsx")
    assert st == 422 and "org_id" in bad["error"]["fields"], bad


def test_the_map_shows_what_each_point_offers_and_who_staffs_it(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, m = ljz.get("/api/v1/pls/map")
    station = next(p for p in m["points"] if p["kind"] == "station")
    assert station["staff_count"] > 0 and station["staffing"], station
    assert "法律咨询" in station["services"] and "代收行政复议申请" in station["services"], station
    st, _, full = ljz.get(f"/api/v1/service-points/{station['id']}")
    assert station["online"] == bool(full["online"]), (station, full)
    st, _, meta = ljz.get("/api/v1/meta/entities/service-points")
    labels = {f["name"]: f["label"] for f in meta["fields"]}
    offered = [labels[k] for k in labels if k.startswith("svc_") and full.get(k)]
    assert station["services"] == offered, (station["services"], offered)


def test_the_map_has_every_point_with_its_district(ctx):
    s = ctx.demo_server()
    city = Session(s, "shiju")
    st, _, m = city.get("/api/v1/pls/map")
    assert st == 200 and m["entity"] == "service-points", m
    assert len(m["points"]) >= 216 and not m["truncated"]
    districts = {p["district"] for p in m["points"]}
    assert len(districts) == 16, districts
    for p in m["points"]:
        assert 120.5 < p["lng"] < 122.5 and 30.5 < p["lat"] < 32, p
    st, _, ljz_map = Session(s, "ljz").get("/api/v1/pls/map")
    assert {p["org_name"] for p in ljz_map["points"]} == {"陆家嘴街道司法所"}, ljz_map
    # the position is given whole, inside Shanghai
    st, _, bad = city.post("/api/v1/service-points", {"name": "x", "kind": "park", "address": "a", "hours": "h",
                                                      "staff_count": 1, "status": "open", "lng": "121.5"})
    _refused(st, bad, "lat", "同时填写")
    st, _, bad = city.post("/api/v1/service-points", {"name": "x", "kind": "park", "address": "a", "hours": "h",
                                                      "staff_count": 1, "status": "open", "lng": "116.4", "lat": "39.9"})
    assert st == 422 and "lng" in bad["error"]["fields"], bad


def test_one_workstation_per_street_or_town(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, bad = ljz.post("/api/v1/service-points", {"name": "第二工作站", "kind": "station", "address": "a",
                                                     "hours": "h", "staff_count": 1, "status": "open"})
    _refused(st, bad, "kind", "站所合一")
    st, _, lst = ljz.get("/api/v1/service-points?kind=station")
    assert lst["total"] == 1
