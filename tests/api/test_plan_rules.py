"""Standards that say what the plan says (issue 19; docs/standards.md): crafted
cases through the API as district and office staff would, on SQLite and
PostgreSQL — identifiers (point 5), results and problems that follow the org
tree (point 3)."""
import uuid

from auth_helpers import Session
from test_checks import _complete


def _tag():
    return "标" + uuid.uuid4().hex[:6]


def _field_error(st, body, field, text):
    assert st == 422, body
    assert text in body["error"]["fields"][field], body


# ---- point 5: identifiers ----

def test_a_pre_1900_id_number_gets_its_own_message(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, bad = ljz.post("/api/v1/persons", {"name": "百岁甲", "id_number": _complete("31011518991231001")})
    _field_error(st, bad, "id_number", "早于1900年")
    st, _, bad = ljz.post("/api/v1/persons", {"name": "百岁乙", "id_number": _complete("31011518990229001")})
    _field_error(st, bad, "id_number", "出生日期无效")  # 1899 had no 29 February


VALID_USCC = "91350100M000100Y43"  # GB 32100's own example
BAD_USCC = "91350100M000100Y44"   # its check character changed


def test_every_field_holding_an_organisations_code_checks_it(ctx):
    """统一社会信用代码 on mediation committees, unit parties, the units that make
    legislative suggestions and counsel firms: one GB 32100 check, one message."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    st, _, bad = ljz.post("/api/v1/mediation-orgs", {"name": f"{tag}调委会", "org_type": "enterprise", "uscc": BAD_USCC})
    _field_error(st, bad, "uscc", "校验码")
    st, _, org = ljz.post("/api/v1/mediation-orgs", {"name": f"{tag}调委会", "org_type": "enterprise", "uscc": VALID_USCC})
    assert st == 201 and org["uscc"] == VALID_USCC, org
    st, _, cases = ljz.get("/api/v1/mediation-cases?wf_state=registered,accepted,mediating&limit=1")
    case = cases["items"][0]
    st, _, bad = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "respondent",
                                                        "unit_name": f"{tag}物业公司", "unit_uscc": BAD_USCC})
    _field_error(st, bad, "unit_uscc", "校验码")
    st, _, p = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "respondent",
                                                      "unit_name": f"{tag}物业公司", "unit_uscc": VALID_USCC})
    assert st == 201 and p["unit_uscc"] == VALID_USCC, p
    st, _, camps = ljz.get("/api/v1/legislation-campaigns?wf_state=collecting&limit=1")
    st, _, bad = ljz.post("/api/v1/legislation-suggestions", {
        "campaign_id": camps["items"][0]["id"], "source": "enterprise", "suggester": f"{tag}科技公司",
        "suggester_uscc": BAD_USCC, "content": "建议", "received_on": camps["items"][0]["published_on"]})
    _field_error(st, bad, "suggester_uscc", "校验码")
    st, _, bad = ljz.post("/api/v1/counsel-contracts", {"name": f"{tag}律师事务所", "kind": "firm", "uscc": BAD_USCC,
                                                        "start_on": "2026-01-01", "end_on": "2026-12-31",
                                                        "status": "serving"})
    _field_error(st, bad, "uscc", "校验码")


# ---- point 3: results and problems follow the org tree ----

def _offices_in_matrix(sess, org, as_of=None):
    st, _, m = sess.get(f"/api/v1/standards/matrix?org={org}" + (f"&as_of={as_of}" if as_of else ""))
    assert st == 200, m
    return {o["id"] for o in m["offices"]}


def _apply(district, city, **kw):
    today = kw.pop("today")
    st, _, rec = district.post("/api/v1/office-changes", kw)
    assert st == 201, rec
    path = f"/api/v1/office-changes/{rec['id']}"
    st, _, rec = district.post(path + "/actions/submit", {"approval_doc": "浦编〔2026〕9号", "approval_date": today})
    assert st == 200, rec
    st, _, rec = city.post(path + "/actions/file", {"filing_doc": "沪司备〔2026〕9号", "filing_date": today})
    assert st == 200, rec
    st, _, rec = city.post(path + "/actions/apply", {})
    assert st == 200 and rec["wf_state"] == "applied", rec
    return rec


def _open_problems(sess, org):
    st, _, lst = sess.get(f"/api/v1/problems?org_id={org}&wf_state=open,rectifying,submitted,reopened&limit=200")
    assert st == 200, lst
    return lst["items"]


def test_a_merge_and_a_backdated_revoke_move_results_and_problems_with_the_tree(ctx):
    import datetime
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).strftime("%Y-%m-%d")
    year = int(today[:4])
    s = ctx.demo_server()
    district, city = Session(s, "pudong"), Session(s, "shiju")
    pudong = district.login_body["user"]["org"]["id"]
    st, _, lst = district.get(f"/api/v1/org-units?parent={pudong}&limit=100")
    offices = [o for o in lst["items"] if o["level"] == "office" and o["name"] != "陆家嘴街道司法所"]
    a, b, c = offices[-1], offices[-2], offices[-3]
    before = _offices_in_matrix(city, pudong)
    assert {a["id"], b["id"], c["id"]} <= before
    a_problems = _open_problems(city, a["id"])
    assert a_problems, "the demo's failing rules opened problems in every office"
    b_rules = {p["rule"] for p in _open_problems(city, b["id"])}

    # merge a into b: a's results leave today's scorecard at once, no rebuild
    _apply(district, city, change_type="merge", office_id=a["id"], merge_into_id=b["id"], effective_on=today, today=today)
    after = _offices_in_matrix(city, pudong)
    assert a["id"] not in after and b["id"] in after and len(after) == len(before) - 1, (len(before), len(after))
    assert a["id"] in _offices_in_matrix(city, pudong, f"{year - 1}-12-31"), "last year's structure stands"
    # a's problems: the successor's own (unit, rule), one per rule
    mine = _open_problems(city, b["id"])
    rules = [p["rule"] for p in mine if p["rule"]]
    assert len(rules) == len(set(rules)), "one open problem per rule at the successor"
    for p in a_problems:
        st, _, q = city.get(f"/api/v1/problems/{p['id']}")
        if p["rule"] in b_rules:
            assert q["wf_state"] == "voided" and "机构合并" in q["void_reason"], q
        else:
            assert q["wf_state"] == p["wf_state"] and q["org_id"] == b["id"], q
        st, _, h = city.get(f"/api/v1/problems/{p['id']}/history")
        assert {"problem.rekey", "workflow.void"} & {x["action"] for x in h["items"]}, h
    # the re-keyed ones follow b's rule: flagged ready when it passes (not tested here), never a second one
    st, _, again = city.post("/api/v1/standards/rebuild", {})
    assert st in (200, 202), again
    rules = [p["rule"] for p in _open_problems(city, b["id"]) if p["rule"]]
    assert len(rules) == len(set(rules)), "a rebuild opens no duplicate"

    # a revoke back-dated into last year: that year's end and today lose the office, the year before keeps it
    c_problems = _open_problems(city, c["id"])
    _apply(district, city, change_type="revoke", office_id=c["id"], effective_on=f"{year - 1}-06-30", today=today)
    assert c["id"] not in _offices_in_matrix(city, pudong)
    assert c["id"] not in _offices_in_matrix(city, pudong, f"{year - 1}-12-31")
    assert c["id"] in _offices_in_matrix(city, pudong, f"{year - 2}-12-31")
    for p in c_problems:
        st, _, q = city.get(f"/api/v1/problems/{p['id']}")
        assert q["wf_state"] == "voided" and "机构撤销" in q["void_reason"], q
        st, _, h = city.get(f"/api/v1/problems/{p['id']}/history")
        assert any(x["action"] == "workflow.void" for x in h["items"]), h
    assert not _open_problems(city, c["id"])


def test_problems_are_never_deleted_and_closed_only_when_the_rule_passes(ctx):
    s = ctx.demo_server()
    district, director = Session(s, "pudong"), Session(s, "ljz_director")
    office = director.login_body["user"]["org"]["id"]
    p = next(x for x in _open_problems(director, office) if x["rule"] and not x["ready_for_closure"])
    st, _, body = director.req("DELETE", f"/api/v1/problems/{p['id']}")
    assert st == 405 and "作废" in body["error"]["message"], body
    st, _, body = district.req("DELETE", f"/api/v1/problems/{p['id']}")
    assert st == 405, body
    st, _, meta = director.get("/api/v1/meta/entities/problems")
    assert meta["can"]["delete"] is False and meta["delete_via"], meta["can"]
    st, _, p = director.post(f"/api/v1/problems/{p['id']}/actions/submit", {})
    assert st == 200 and p["wf_state"] == "submitted", p
    st, _, body = district.post(f"/api/v1/problems/{p['id']}/actions/close", {})
    assert st == 409 and "仍未达标" in body["error"]["message"], body
    st, _, body = district.post(f"/api/v1/problems/{p['id']}/actions/close_override", {"override_reason": "  "})
    assert st == 422 and "override_reason" in body["error"]["fields"], body
    st, _, q = district.get(f"/api/v1/problems/{p['id']}")
    assert q["wf_state"] == "submitted", "a refusal changes nothing"
    assert director.post(f"/api/v1/problems/{p['id']}/actions/close_override",
                         {"override_reason": "街道已书面承诺年内补足"})[0] in (403, 404), "the district's override"
    st, _, q = district.post(f"/api/v1/problems/{p['id']}/actions/close_override",
                             {"override_reason": "街道已书面承诺年内补足, 区局同意先行销号"})
    assert st == 200 and q["wf_state"] == "closed" and q["override_reason"].startswith("街道已书面承诺"), q
    st, _, h = district.get(f"/api/v1/problems/{p['id']}/history")
    assert any(x["action"] == "workflow.close_override" for x in h["items"]), h
    # a problem opened in error is voided by the district with its reason, never deleted
    st, _, own = district.post("/api/v1/problems", {"title": "误报: 档案室", "org_id": office})
    assert st == 201, own
    st, _, body = district.post(f"/api/v1/problems/{own['id']}/actions/void", {})
    assert st == 422 and "void_reason" in body["error"]["fields"], body
    st, _, own = district.post(f"/api/v1/problems/{own['id']}/actions/void", {"void_reason": "重复登记, 见另一条"})
    assert st == 200 and own["wf_state"] == "voided" and own["locked"], own


# ---- point 4: encodings decided, not guessed ----

def _upload(sess, data, query=""):
    st, _, body = sess.req("POST", f"/api/v1/test-items/import{query}", raw_body=data,
                           headers={"Content-Type": "text/csv"})
    assert st == 202, body
    from test_engine_io import _wait
    return _wait(sess, body["job"])


def test_imports_say_which_encoding_they_chose_and_why_and_a_suspect_utf8_file_waits_for_the_users_choice(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = uuid.uuid4().hex[:6]
    # GBK bytes that happen to be valid UTF-8: 叶卓伟 reads as "Ҷ\u05ffΰ"
    text = f"title,category,amount,happened_on\r\n叶卓伟{tag},neighborhood,100,2026-10-01\r\n"
    data = text.encode("gbk")
    data.decode("utf-8")  # valid UTF-8 by accident
    dry = _upload(ljz, data, "?dry_run=1")
    assert dry["status"] == "done" and dry["charset"] == "UTF-8" and dry["charset_suspect"] is True, dry
    assert "很可能是 GBK" in dry["charset_note"], dry
    assert dry["preview"][1][0].startswith("Ҷ"), "the preview shows the rows as decoded, before anything is written"
    assert dry["preview_alternative"]["charset"] == "GB18030"
    assert dry["preview_alternative"]["rows"][1][0] == f"叶卓伟{tag}", dry["preview_alternative"]
    st, _, lst = ljz.get(f"/api/v1/test-items?q={tag}&total=1")
    assert lst["total"] == 0
    # imported without a choice: refused, nothing written
    job = _upload(ljz, data)
    assert job["status"] == "failed" and "选择编码" in job["error"] and job["written"] == 0, job
    # the user chooses GBK: imported as Chinese, and the reason says it was the user's choice
    job = _upload(ljz, data, "?charset=gbk")
    assert job["status"] == "done" and job["written"] == 1 and job["charset"] == "GB18030", job
    assert job["charset_reason"] == "按您的选择以 GBK (GB18030) 解码" and job["charset_suspect"] is False, job
    st, _, lst = ljz.get(f"/api/v1/test-items?q={tag}")
    assert [i["title"] for i in lst["items"]] == [f"叶卓伟{tag}"], lst
    # the reasons of the automatic choices
    for data, charset, why in (
            (("\ufeff" + text.replace("叶卓伟", "王")).encode("utf-8"), "UTF-8", "BOM"),
            (text.replace("叶卓伟", "王").encode("utf-8"), "UTF-8", "都是有效的 UTF-8"),
            (text.replace("叶卓伟", "刘芳").encode("gbk"), "GB18030", "不是有效的 UTF-8")):
        job = _upload(ljz, data, "?dry_run=1")
        assert job["charset"] == charset and why in job["charset_reason"] and not job["charset_suspect"], job
    # a choice the bytes contradict is refused with the reason
    job = _upload(ljz, text.replace("叶卓伟", "刘芳").encode("gbk"), "?charset=utf-8&dry_run=1")
    assert job["status"] == "failed" and "不是有效的 UTF-8" in job["error"], job
    st, _, body = ljz.req("POST", "/api/v1/test-items/import?charset=latin1", raw_body=b"a\r\n",
                          headers={"Content-Type": "text/csv"})
    assert st == 422 and "charset" in body["error"]["fields"], body


# ---- point 2: rules re-read against the plan ----

def test_who_is_in_post_and_who_counts_as_a_certificate_holder(ctx):
    """Clause 15 专编专用: 借调 and 离岗 are not in post; no 核定编制数, no pass.  Clause 16
    配备1名具备法律职业资格证书的工作人员: not a hired counsel, not a 退休 record without a date."""
    from test_standards import _create, _office, _patch, _result, _staff
    s = ctx.demo_server()
    d = Session(s, "pudong")
    office = _office(ctx, d)
    four = [_staff(d, office) for _ in range(4)]
    r = _result(d, office["id"], "c15_posts")
    assert r["status"] == "fail" and "未登记核定编制数" in r["evidence"]["message"], r
    _create(d, "office-profiles", office, office_type="subdistrict", approved_posts=4)
    assert _result(d, office["id"], "c15_posts")["status"] == "pass"
    moved = _patch(d, "staff", four[0], status="seconded")
    r = _result(d, office["id"], "c15_posts")
    assert r["status"] == "fail" and r["actual"] == "3", "借调 is not in post"
    _patch(d, "staff", moved, status="off_post")
    assert _result(d, office["id"], "c15_posts")["actual"] == "3", "离岗 is not in post"
    # certificate holders: a hired legal counsel is no staff member; a 退休 record without a date is gone
    _staff(d, office, post_type="legal_adviser", position="staff", cert_class="A", cert_date="2020-01-01")
    assert _result(d, office["id"], "c16_certified")["status"] == "fail"
    gone = _staff(d, office, status="retired", cert_class="A", cert_date="2020-01-01")
    assert _result(d, office["id"], "c16_certified")["status"] == "fail", "退休 without a leaving date"
    _patch(d, "staff", gone, left_on="2025-06-30")
    assert _result(d, office["id"], "c16_certified", "2024-12-31")["status"] == "pass", "in post until it left"
    assert _result(d, office["id"], "c16_certified")["status"] == "fail"


def test_a_deputy_appointed_without_a_certificate_who_left_stays_in_that_years_result(ctx):
    from test_standards import _office, _result, _staff
    s = ctx.demo_server()
    d = Session(s, "pudong")
    office = _office(ctx, d)
    dep = _staff(d, office, name="短任副所长", position="deputy_director", appointed_on="2022-09-01",
                 joined_on="2022-09-01", left_on="2022-11-30")
    r = _result(d, office["id"], "c16_leaders_certified", "2022-12-31")
    assert r["status"] == "fail" and r["evidence"]["records"][0]["id"] == dep["id"], r
    assert _result(d, office["id"], "c16_leaders_certified", "2023-12-31")["status"] == "pass", "a later year"


def test_yearly_rules_are_not_due_before_the_years_end_and_open_no_problem(ctx):
    from test_standards import _office, _result, _staff
    s = ctx.demo_server()
    d = Session(s, "pudong")
    office = _office(ctx, d)
    _staff(d, office)
    r = _result(d, office["id"], "c16_share_rising", "2025-06-30")
    assert r["status"] == "not_due" and "年度指标" in r["evidence"]["message"], r
    assert _result(d, office["id"], "c16_share_rising", "2025-12-31")["status"] == "fail"
    pudong = d.login_body["user"]["org"]["id"]
    r = _result(d, pudong, "c17_rotation", "2025-06-30")
    assert r["status"] in ("pass", "not_due"), r
    # the plan's words: the district's and the city's overall share, at the year's end
    for org, who in ((pudong, d), (Session(s, "shiju").login_body["user"]["org"]["id"], Session(s, "shiju"))):
        rule = "c16_share_district" if who is d else "c16_share_city"
        mid, end = _result(who, org, rule, "2025-06-30"), _result(who, org, rule, "2025-12-31")
        assert mid["status"] in ("pass", "not_due") and end["status"] in ("pass", "fail"), (mid, end)
        assert "专项编制人员持证" in end["evidence"]["message"], end
    # problems come only from due failures: none for the office's share rule today (not its year's end)
    st, _, lst = d.get(f"/api/v1/problems?org_id={office['id']}&rule=c16_share_rising")
    assert lst["items"] == [], lst


def test_signage_needs_its_date_and_full_guarantee_a_positive_amount(ctx):
    from test_standards import _create, _office, _result
    s = ctx.demo_server()
    d = Session(s, "pudong")
    office = _office(ctx, d)
    _create(d, "premises", office, address="测试路 1 号", floor_area="150", property_clear=True,
            has_business_room=True, has_archive_room=True, has_duty_room=True, signage_status="done")
    r = _result(d, office["id"], "c18_signage", "2022-12-31")
    assert r["status"] == "not_due", r
    r = _result(d, office["id"], "c18_signage")
    assert r["status"] == "fail" and "未登记完成日期" in r["evidence"]["message"], r
    for cat in ("personnel", "public_use", "equipment", "infrastructure", "casework"):
        _create(d, "funding", office, year=2025, category=cat, amount="0" if cat == "casework" else "1000",
                in_budget=True)
    r = _result(d, office["id"], "c20_funding", "2025-12-31")
    assert r["status"] == "fail" and "办案(业务)经费" in r["evidence"]["message"], r


# ---- point 1: a township register ----

def test_townships_are_registered_and_clause14_names_one_left_without_an_office(ctx):
    import datetime
    from test_standards import _result
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).strftime("%Y-%m-%d")
    s = ctx.demo_server()
    district, city = Session(s, "pudong"), Session(s, "shiju")
    pudong = district.login_body["user"]["org"]["id"]
    st, _, towns = district.get("/api/v1/townships?total=1&limit=200")
    assert st == 200 and towns["total"] > 30, towns.get("total")
    st, _, lst = district.get(f"/api/v1/org-units?parent={pudong}&limit=100")
    offices = [o for o in lst["items"] if o["level"] == "office" and o["name"] != "陆家嘴街道司法所"]
    gone = offices[-4]
    town = next(t for t in towns["items"] if t["office_id"] == gone["id"])
    assert town["office_id_name"] == gone["name"] and town["name"] in gone["name"], town
    named = lambda as_of=None: {x["id"] for x in _result(district, pudong, "c14_townships", as_of)["evidence"]["records"]}
    assert town["id"] not in named(), "served by its office"
    # (the earlier tests of this file revoked and merged Pudong offices: their townships are named)
    # a township must name a 司法所, not a village or a district
    st, _, bad = district.post("/api/v1/townships", {"name": "测试镇", "kind": "town", "established_on": "2020-01-01",
                                                     "office_id": pudong})
    assert st == 422 and "office_id" in bad["error"]["fields"], bad
    # the office is revoked: its township is left without one, named
    _apply(district, city, change_type="revoke", office_id=gone["id"], effective_on=today, today=today)
    r = _result(district, pudong, "c14_townships")
    assert r["status"] == "fail" and any(x["id"] == town["id"] and town["name"] in x["label"]
                                         for x in r["evidence"]["records"]), r
    assert town["id"] not in named(f"{int(today[:4]) - 1}-12-31"), "last year it had its office"
    # a new office created through 编办批复 + 市局备案 passes c14_filed without a typed profile, and serves the township
    rec = _apply(district, city, change_type="establish", new_name="测试新设街道司法所", new_type="subdistrict",
                 effective_on=today, today=today)
    new_office = rec["result_org_id"]
    r = _result(district, new_office, "c14_filed")
    assert r["status"] == "pass" and "编办批复" in r["evidence"]["message"], r
    st, _, t = district.get(f"/api/v1/townships/{town['id']}")
    st, _, t = district.req("PATCH", f"/api/v1/townships/{town['id']}", {"version": t["version"], "office_id": new_office})
    assert st == 200, t
    assert town["id"] not in named(), "served by the new office"
    # a development zone counts only with social-management duties
    st, _, z = district.post("/api/v1/townships", {"name": "测试开发区", "kind": "dev_zone", "established_on": "2020-01-01"})
    assert st == 201, z
    assert z["id"] not in named()
    st, _, z = district.req("PATCH", f"/api/v1/townships/{z['id']}", {"version": z["version"], "social_duties": True})
    r = _result(district, pudong, "c14_townships")
    assert r["status"] == "fail" and any("测试开发区 (未设司法所)" == x["label"] for x in r["evidence"]["records"]), r


# ---- point 6 (part): no 审定 or 报送 while placeholder text remains ----

def test_a_report_with_placeholder_text_is_neither_approved_nor_submitted(ctx):
    s = ctx.demo_server()
    d = Session(s, "pudong")
    pudong = d.login_body["user"]["org"]["id"]
    st, _, rep = d.post("/api/v1/annual-reports/generate", {"district": pudong, "year": 2025})
    assert st in (200, 201), rep
    st, _, rep = d.req("PATCH", f"/api/v1/annual-reports/{rep['id']}",
                       {"version": rep["version"], "s4_experience": "(请填写本区经验做法与特色亮点)"})
    assert st == 200, rep
    st, _, body = d.post(f"/api/v1/annual-reports/{rep['id']}/actions/approve", {})
    assert st == 409 and body["error"]["code"] == "placeholder_left" and "四、经验做法与特色亮点" in body["error"]["message"], body
    st, _, rep = d.get(f"/api/v1/annual-reports/{rep['id']}")
    assert rep["wf_state"] == "draft", "nothing changed"
    st, _, rep = d.req("PATCH", f"/api/v1/annual-reports/{rep['id']}",
                       {"version": rep["version"], "s4_experience": "推行“楼宇调解”, 建成 12 个楼宇调解室"})
    st, _, rep = d.post(f"/api/v1/annual-reports/{rep['id']}/actions/approve", {})
    assert st == 200 and rep["wf_state"] == "approved", rep


# ---- point 6 (part): documents fit for signature ----

def test_a_mediation_agreement_prints_full_particulars_chinese_dates_and_lines_to_fill(ctx):
    import urllib.parse
    from test_mediation import C, _act, _case_with_parties
    case = _case_with_parties(ctx)
    s = ctx.demo_server()
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    _act(ljz, case, "accept")
    _act(ljz, case, "start")
    st, _, _ = _act(ljz, case, "succeed", agreement_form="written", agreement_content="李海燕于十日内退还押金 5000 元",
                    resolved_level="township")
    assert st == 200
    st, _, doc = director.get(f"{C}/{case['id']}/documents/agreement")
    doc = doc.decode() if isinstance(doc, bytes) else doc
    assert st == 200 and "13812345678" in doc, "the director may unmask: full numbers on a document to sign"
    assert "于 — 前" not in doc and "于＿＿＿＿年＿＿月＿＿日前履行完毕" in doc, "a missing 履行期限 is a line to fill"
    assert "编号：" in doc and "经调解，双方当事人" in doc, "full-width punctuation"
    st, _, log = Session(s, "auditor").get("/api/v1/audit?action=pi.unmask&limit=50")
    if st == 200:
        assert any('"via":"document"' in json_dumps(i) or "document" in json_dumps(i) for i in log["items"]), log
    st, _, doc = ljz.get(f"{C}/{case['id']}/documents/agreement")
    doc = doc.decode() if isinstance(doc, bytes) else doc
    assert "138****5678" in doc and "13812345678" not in doc, "a clerk who may not unmask prints them masked"
    st, _, reg = ljz.get(f"{C}/{case['id']}/documents/registration")
    reg = reg.decode() if isinstance(reg, bytes) else reg
    assert "年" in reg and "月" in reg and "日" in reg and not any(f"{y}-" in reg for y in ("2025", "2026")), \
        "dates read 2026年12月7日"
    st, _, rec = ljz.get(f"{C}/{case['id']}")
    st, h, raw = ljz.req("GET", f"{C}/{case['id']}/documents/agreement?format=docx")
    assert st == 200 and urllib.parse.quote(rec["case_no"]) in h["content-disposition"], h["content-disposition"]


def json_dumps(x):
    import json
    return json.dumps(x, ensure_ascii=False)


def test_the_annual_reports_appendix_is_a_landscape_section_at_the_end_and_its_excel_prints(ctx):
    import io
    import zipfile
    s = ctx.demo_server()
    d = Session(s, "pudong")
    pudong = d.login_body["user"]["org"]["id"]
    st, _, rep = d.post("/api/v1/annual-reports/generate", {"district": pudong, "year": 2024})
    assert st in (200, 201), rep
    st, h, raw = d.req("GET", f"/api/v1/annual-reports/{rep['id']}/docx")
    assert st == 200, h
    doc = zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml").decode()
    assert doc.index("六、下一步工作") < doc.index("附表："), "the appendix sits at the end"
    assert doc.count("<w:sectPr>") == 2 and 'w:orient="landscape"' in doc[doc.index("附表："):], "a landscape section"
    assert doc.count("<w:tblHeader/>") == 1, "its heading row repeats on every page"
    assert '<w:gridCol w:w="2800"/>' in doc, "the office column fits a name on one line"
    st, h, raw = d.req("GET", f"/api/v1/annual-reports/{rep['id']}/xlsx")
    z = zipfile.ZipFile(io.BytesIO(raw))
    for sheet in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        x = z.read(sheet).decode()
        assert 'orientation="landscape"' in x and 'state="frozen"' in x, sheet
    wb = z.read("xl/workbook.xml").decode()
    assert "Print_Titles" in wb, "header rows repeat when printed"
    strings = z.read("xl/sharedStrings.xml").decode()
    assert "序号" in strings and ">编号<" not in strings, "no internal ids"
