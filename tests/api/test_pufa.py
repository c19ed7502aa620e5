"""普法依法治理, legislative suggestions and people's assessors (issue 23;
docs/pufa.md): the lines declared in src/modules/pufa.c, legislation.c and
assessors.c — activities with photos and the plans they tick off, model
villages with their criteria and reviews, 法治带头人/法律明白人 and the
coverage rule, 村规民约 versions, a legislative campaign from publication to
feedback, and an assessor candidate's qualification review against the
人民陪审员法.  The two standards rules are checked through the scorecard,
with evidence and not-yet-due before their deadlines."""
import datetime
import os
import subprocess
import uuid

from auth_helpers import Session
from harness import ROOT, shanghai_today, store_exec
from test_checks import _person  # a new resident born in a given year

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

ENTITIES = {
    "pufa-activities": "legal-education", "pufa-activity-photos": "legal-education", "pufa-plans": "legal-education",
    "pufa-plan-items": "legal-education", "rol-people": "legal-education", "model-villages": "legal-education",
    "model-village-reviews": "legal-education", "village-rules": "legal-education",
    "legislation-campaigns": "legislation", "legislation-suggestions": "legislation",
    "assessor-selections": "assessors", "assessor-candidates": "assessors",
}


def _tag():
    return "普" + uuid.uuid4().hex[:6]


def _refused(st, body, field, text):
    assert st == 422, body
    assert text in body["error"]["fields"][field], body


def _office_and_villages(sess):
    office = sess.login_body["user"]["org"]["id"]
    st, _, lst = sess.get(f"/api/v1/org-units?parent={office}&limit=100")
    assert st == 200, lst
    return office, [o for o in lst["items"] if o["level"] == "village"]


def _act(sess, ent, rec, action, **body):
    body["version"] = rec["version"]
    return sess.post(f"/api/v1/{ent}/{rec['id']}/actions/{action}", body)


def _result(sess, org, rule, as_of=None):
    st, _, sc = sess.get(f"/api/v1/standards/scorecard?org={org}" + (f"&as_of={as_of}" if as_of else ""))
    assert st == 200, sc
    return next(r for r in sc["results"] if r["rule"] == rule)


def test_the_lines_reach_meta_menu_groups_and_the_web_app_names_none(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    assert st == 200
    by = {e["name"]: e for e in lst["items"]}
    for name, line in ENTITIES.items():
        assert by[name]["line"] == line, (name, by.get(name))
    assert by["pufa-activities"]["line_label"] == "普法依法治理"
    assert by["legislation-campaigns"]["line_label"] == "立法意见征集"
    assert by["assessor-candidates"]["line_label"] == "人民陪审员"
    st, _, meta = ljz.get("/api/v1/meta/entities/pufa-activities")
    setting = next(f for f in meta["fields"] if f["name"] == "setting")
    assert [c["label"] for c in setting["codes"]] == ["机关", "乡村", "社区", "学校", "企业", "单位", "网络", "家庭"]
    assert [c["key"] for c in meta["children"]] == ["photos"]
    # one file per line: no entity of the lines is named in the web app
    out = subprocess.run(["grep", "-rlE", "|".join(ENTITIES), os.path.join(ROOT, "web", "src")],
                         capture_output=True, text=True)
    assert out.stdout == "", out.stdout


def test_demo_data_of_the_lines(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for ent, least in (("pufa-activities", 2), ("pufa-plans", 1), ("rol-people", 5), ("model-villages", 2),
                       ("village-rules", 1), ("legislation-campaigns", 2), ("assessor-candidates", 3)):
        st, _, lst = ljz.get(f"/api/v1/{ent}?total=1")
        assert st == 200 and lst["total"] >= least, (ent, lst)
    st, _, acts = ljz.get("/api/v1/pufa-activities?assessor_publicity=true")
    assert st == 200 and acts["total"] >= 1, "the assessor system's publicity is an activity marked as such"
    st, _, lst = ljz.get("/api/v1/legislation-campaigns?total=1")
    copies = [x for x in lst["items"] if x["published_by"] == "上海市司法局"]
    assert len(copies) == 1 and copies[0]["call_id"], "the city's demo call reached the office as its own copy"
    st, _, t = Session(s, "shiju").get(f"/api/v1/legislation-campaigns/{copies[0]['call_id']}/tally")
    assert st == 200 and t["totals"]["units"] == 233, t["totals"]


def test_an_activity_with_photos_in_a_village_ticks_off_a_plan_item(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    office, villages = _office_and_villages(ljz)
    tag = _tag()
    st, _, up = ljz.req("POST", "/api/v1/files?name=photo.png", raw_body=PNG, headers={"Content-Type": "image/png"})
    assert st == 201, up
    body = {"theme": f"{tag} 宪法宣传", "held_on": "2026-12-04", "setting": "communities", "place": "社区活动室",
            "audience": 60, "village_id": office}
    st, _, bad = ljz.post("/api/v1/pufa-activities", body)
    _refused(st, bad, "village_id", "请选择村(居)委会")
    body["village_id"] = villages[0]["id"]
    st, _, act = ljz.post("/api/v1/pufa-activities", body)
    assert st == 201, act
    assert act["village_id_name"] == villages[0]["name"]
    for cap in ("主会场", "互动问答"):
        st, _, ph = ljz.post("/api/v1/pufa-activity-photos", {"activity_id": act["id"], "photo": up["sha256"],
                                                               "caption": f"{tag} {cap}"})
        assert st == 201, ph
    st, _, bad = ljz.post("/api/v1/pufa-activity-photos", {"activity_id": act["id"], "caption": "无照片"})
    _refused(st, bad, "photo", "")
    st, _, one = ljz.get(f"/api/v1/pufa-activities/{act['id']}")
    assert [p["caption"] for p in one["photos"]["items"]] == [f"{tag} 主会场", f"{tag} 互动问答"]
    pid = one["photos"]["items"][0]["id"]
    st, hdrs, data = ljz.req("GET", f"/api/v1/pufa-activity-photos/{pid}/files/photo")
    assert st == 200 and data == PNG and hdrs["content-type"] == "image/png"
    # another office may not see it
    st, _, _ = Session(s, "njdl").get(f"/api/v1/pufa-activities/{act['id']}")
    assert st == 404
    # the yearly plan: an item is ticked off by an activity of the plan's year
    st, _, plan = ljz.post("/api/v1/pufa-plans", {"year": 2025, "title": f"{tag} 计划"})
    assert st == 201, plan
    st, _, bad = ljz.post("/api/v1/pufa-plan-items", {"plan_id": plan["id"], "content": "宪法宣传周",
                                                      "activity_id": act["id"]})
    _refused(st, bad, "activity_id", "计划年度内")
    st, _, dup = ljz.post("/api/v1/pufa-plans", {"year": 2026, "title": f"{tag} 重复"})
    assert st == 409 and dup["error"]["code"] == "duplicate", "one plan a year (the demo's 2026 plan)"
    st, _, plans = ljz.get("/api/v1/pufa-plans?year=2026")
    plan26 = plans["items"][0]
    st, _, item = ljz.post("/api/v1/pufa-plan-items", {"plan_id": plan26["id"], "content": f"{tag} 宪法宣传周",
                                                       "setting": "communities", "activity_id": act["id"]})
    assert st == 201 and item["activity_id_name"] == f"{tag} 宪法宣传", item
    # the plan against its activities: items and those ticked off, kept on every write
    st, _, p26 = ljz.get(f"/api/v1/pufa-plans/{plan26['id']}")
    assert (p26["items_total"], p26["items_done"]) == (3, 2), p26
    st, _, lst = ljz.get("/api/v1/pufa-plans?year=2026")
    assert lst["items"][0]["items_done"] == 2, "shown in the list"
    st, _, open_item = ljz.post("/api/v1/pufa-plan-items", {"plan_id": plan26["id"], "content": f"{tag} 未完成事项"})
    assert st == 201, open_item
    st, _, p26 = ljz.get(f"/api/v1/pufa-plans/{plan26['id']}")
    assert (p26["items_total"], p26["items_done"]) == (4, 2), p26
    st, _, gone = Session(s, "ljz_director").req("DELETE", f"/api/v1/pufa-activities/{act['id']}")
    assert st == 200, gone
    st, _, p26 = ljz.get(f"/api/v1/pufa-plans/{plan26['id']}")
    assert (p26["items_total"], p26["items_done"]) == (4, 1), "the activity gone, its item no longer counts as done"


def test_plans_made_before_the_counts_are_counted_at_start(ctx):
    """A store upgraded from before 计划事项/已完成 existed: its plans are counted once at the next start."""
    s = ctx.demo_server()
    store_exec(s.url, "UPDATE pufa_plan SET items_total = NULL, items_done = NULL")
    again = ctx.server(s.url)  # a second process on the same store: its start counts them
    st, _, lst = Session(again, "ljz").get("/api/v1/pufa-plans?year=2026")
    assert st == 200 and lst["items"][0]["items_total"] >= 2 and lst["items"][0]["items_done"] >= 1, lst


def test_model_village_criteria_naming_and_review_deadlines_feed_the_scorecard(ctx):
    s = ctx.demo_server()
    nj = Session(s, "njdl")
    office, villages = _office_and_villages(nj)
    r = _result(nj, office, "c6_model_review")
    assert r["status"] == "pass" and "无已命名" in r["evidence"]["message"], r

    def named(village, on, level):
        st, _, m = nj.post("/api/v1/model-villages", {"name": village["name"], "village_id": village["id"],
                                                      "level": level})
        assert st == 201 and m["wf_state"] == "candidate", m
        st, _, bad = _act(nj, "model-villages", m, "declare", declare_note="材料")
        _refused(st, bad, "c_party", "创建标准「党组织领导有力」尚未达到")
        crit = {k: True for k in ("c_party", "c_self_gov", "c_rules", "c_education", "c_disputes", "c_services",
                                  "c_safety")}
        st, _, m = nj.req("PATCH", f"/api/v1/model-villages/{m['id']}", dict(crit, version=m["version"]))
        assert st == 200, m
        st, _, m = _act(nj, "model-villages", m, "declare", declare_note="创建材料齐全")
        assert st == 200 and m["wf_state"] == "declared", m
        st, _, bad = _act(nj, "model-villages", m, "name", named_year=2020, named_on=on, named_doc="命名文件")
        _refused(st, bad, "named_on", "命名年度内")
        st, _, m = _act(nj, "model-villages", m, "name", named_year=int(on[:4]), named_on=on, named_doc="命名文件")
        assert st == 200 and m["wf_state"] == "named", m
        return m

    # dates relative to today: named two months ago (due in two years), and four years ago (overdue)
    today = shanghai_today()
    recent = today - datetime.timedelta(days=60)
    if (recent.month, recent.day) == (2, 29):
        recent -= datetime.timedelta(days=1)
    named(villages[0], recent.isoformat(), "district")
    r = _result(nj, office, "c6_model_review")
    assert r["status"] == "not_due" and f"{recent.year + 2}-{recent:%m-%d}" in r["evidence"]["message"], r
    old = named(villages[1], f"{today.year - 4}-05-10", "city")
    r = _result(nj, office, "c6_model_review")
    assert r["status"] == "fail" and "逾期未复核 1 个" in r["evidence"]["message"], r
    assert any(x["entity"] == "model-villages" and x["id"] == old["id"] and f"{today.year - 2}-05-10" in x["label"]
               for x in r["evidence"]["records"]), r
    st, _, rv = nj.post("/api/v1/model-village-reviews", {"model_village_id": old["id"], "reviewed_on": today.isoformat(),
                                                          "result": "passed", "findings": "复核合格"})
    assert st == 201, rv
    r = _result(nj, office, "c6_model_review")
    assert r["status"] == "pass", r
    # as of a date before the review was done: the lapse
    assert _result(nj, office, "c6_model_review", f"{today.year - 2}-12-31")["status"] == "fail"
    # only a named village is reviewed
    st, _, cand = nj.post("/api/v1/model-villages", {"name": villages[2]["name"], "village_id": villages[2]["id"],
                                                     "level": "district"})
    st, _, bad = nj.post("/api/v1/model-village-reviews", {"model_village_id": cand["id"], "result": "passed",
                                                           "findings": "x"})
    _refused(st, bad, "model_village_id", "只有已命名")


def test_a_review_to_rectify_comes_due_sooner_and_a_failed_one_fails_until_the_title_is_revoked(ctx):
    """Point 2's review with findings feeds the rule by its conclusion too: 限期整改 brings the
    next review forward to half the cycle (one year by default); 复核不合格 fails the rule while the
    village keeps its title; 撤销命名 ends it."""
    s = ctx.demo_server()
    nj = Session(s, "njdl")
    office, villages = _office_and_villages(nj)
    today = shanghai_today()
    v = villages[3]
    crit = {k: True for k in ("c_party", "c_self_gov", "c_rules", "c_education", "c_disputes", "c_services",
                              "c_safety")}
    st, _, m = nj.post("/api/v1/model-villages", dict(crit, name=v["name"], village_id=v["id"], level="district"))
    assert st == 201, m
    st, _, m = _act(nj, "model-villages", m, "declare", declare_note="创建材料齐全")
    named_on = f"{today.year - 3}-03-10"
    st, _, m = _act(nj, "model-villages", m, "name", named_year=today.year - 3, named_on=named_on, named_doc="命名文件")
    assert st == 200 and m["wf_state"] == "named", m
    # reviewed 13 months ago with 限期整改: the follow-up was due a month ago (a plain pass would be due in 11)
    rectified = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
    rectified = rectified.replace(year=rectified.year - 1)
    due = rectified.replace(year=rectified.year + 1)
    st, _, rv = nj.post("/api/v1/model-village-reviews", {"model_village_id": m["id"], "reviewed_on": rectified.isoformat(),
                                                          "result": "rectify", "findings": "村务公开栏未及时更新"})
    assert st == 201, rv
    r = _result(nj, office, "c6_model_review")
    assert r["status"] == "fail" and "逾期未复核" in r["evidence"]["message"], r
    assert any(x["id"] == m["id"] and f"应于 {due.isoformat()} 前复核" in x["label"] for x in r["evidence"]["records"]), r
    # the follow-up review: 不合格 — the title kept, the rule fails naming the village
    st, _, rv = nj.post("/api/v1/model-village-reviews", {"model_village_id": m["id"], "reviewed_on": today.isoformat(),
                                                          "result": "failed", "findings": "整改不到位, 发生群体性事件"})
    assert st == 201, rv
    r = _result(nj, office, "c6_model_review")
    assert r["status"] == "fail" and "复核不合格尚未撤销命名 1 个" in r["evidence"]["message"], r
    assert not any(x["id"] == m["id"] and "应于" in x["label"] for x in r["evidence"]["records"]), r
    assert any(x["id"] == m["id"] and "复核不合格" in x["label"] for x in r["evidence"]["records"]), r
    st, _, m = nj.get(f"/api/v1/model-villages/{m['id']}")
    st, _, m = _act(nj, "model-villages", m, "revoke", revoke_reason="复核不合格, 撤销命名")
    assert st == 200 and m["wf_state"] == "revoked", m
    r = _result(nj, office, "c6_model_review")
    assert r["status"] != "fail" and not any(x["id"] == m["id"] for x in r["evidence"]["records"]), r


def test_coverage_of_leaders_and_understanders_names_the_villages_below_it(ctx):
    s = ctx.demo_server()
    nj = Session(s, "njdl")
    office, villages = _office_and_villages(nj)
    v = villages[-1]
    r = _result(nj, office, "c6_rol_coverage")
    assert r["status"] == "fail" and r["required"] == "每村(居) 带头人 ≥ 1, 明白人 ≥ 3", r
    assert any(x["id"] == v["id"] and x["entity"] == "rol-people" and x["filter"] == "village_id"
               for x in r["evidence"]["records"]) or len(r["evidence"]["records"]) == 30, r
    before = r["actual"]
    people = [_person(nj, n, 1980) for n in ("严一", "严二", "严三", "严四")]
    st, _, bad = nj.post("/api/v1/rol-people", {"person_id": people[0]["id"], "role": "leader", "village_id": office})
    _refused(st, bad, "village_id", "请选择村(居)委会")
    for p, role in zip(people, ("leader", "understander", "understander", "understander")):
        st, _, rec = nj.post("/api/v1/rol-people", {"person_id": p["id"], "role": role, "village_id": v["id"],
                                                    "appointed_on": "2025-01-10", "training_sessions": 1})
        assert st == 201, rec
    st, _, dup = nj.post("/api/v1/rol-people", {"person_id": people[0]["id"], "role": "leader", "village_id": v["id"]})
    assert st == 409, dup
    r = _result(nj, office, "c6_rol_coverage")
    assert not any(x["id"] == v["id"] for x in r["evidence"]["records"]), r
    covered, total = (int(x) for x in r["actual"].split("/"))
    assert covered == int(before.split("/")[0]) + 1, (before, r)
    # full coverage is checked from the end of the three-year plan: not yet due before it
    assert _result(nj, office, "c6_rol_coverage", "2023-12-31")["status"] == "not_due"
    # someone who left no longer counts
    st, _, lst = nj.get(f"/api/v1/rol-people?village_id={v['id']}&role=understander")
    rec = lst["items"][0]
    st, _, rec = nj.req("PATCH", f"/api/v1/rol-people/{rec['id']}", {"version": rec["version"], "left_on": "2026-11-01"})
    assert st == 200, rec
    r = _result(nj, office, "c6_rol_coverage")
    assert any(x["id"] == v["id"] and "法律明白人 2/3" in x["label"] for x in r["evidence"]["records"]) or \
        int(r["actual"].split("/")[0]) == covered - 1, r


def test_village_rules_review_adoption_and_versions(ctx):
    s = ctx.demo_server()
    nj = Session(s, "njdl")
    office, villages = _office_and_villages(nj)
    v = villages[0]["id"]
    E = "village-rules"

    def adopted(no, on):
        st, _, rec = nj.post(f"/api/v1/{E}", {"village_id": v, "title": "居民公约", "version_no": no,
                                              "content": "第一条 ……"})
        assert st == 201, rec
        st, _, rec = _act(nj, E, rec, "submit")
        assert st == 200 and rec["wf_state"] == "reviewing", rec
        st, _, bad = _act(nj, E, rec, "pass_review", review_on=on, review_result="unlawful", review_opinion="第三条罚款无依据")
        _refused(st, bad, "review_result", "退回修改")
        st, _, rec = _act(nj, E, rec, "return", review_on=on, review_result="unlawful", review_opinion="第三条罚款无依据")
        assert st == 200 and rec["wf_state"] == "draft", rec
        st, _, rec = _act(nj, E, rec, "submit")
        st, _, rec = _act(nj, E, rec, "pass_review", review_on=on, review_result="amend", review_opinion="删去第三条后合法")
        assert st == 200 and rec["wf_state"] == "reviewed", rec
        st, _, rec = _act(nj, E, rec, "adopt", adopted_on=on, filed_on=on)
        assert st == 200 and rec["wf_state"] == "in_force", rec
        return rec

    first = adopted(1, "2025-03-01")
    st, _, dup = nj.post(f"/api/v1/{E}", {"village_id": v, "title": "居民公约", "version_no": 1})
    assert st == 409, "a version number once per village"
    second = adopted(2, "2026-10-01")
    st, _, old = nj.get(f"/api/v1/{E}/{first['id']}")
    assert old["wf_state"] == "superseded" and old["superseded_on"] == "2026-10-01", old
    st, _, hist = nj.get(f"/api/v1/{E}/{first['id']}/history")
    assert any(h["action"] == "workflow.supersede" for h in hist["items"]), hist
    st, _, cur = nj.get(f"/api/v1/{E}?village_id={v}&wf_state=in_force")
    assert [x["id"] for x in cur["items"]] == [second["id"]], "one version in force per village"


def test_village_rules_review_is_the_lawful_administration_lines_review(ctx):
    """Point 4: a version's legality review links the 依法行政 line's 合法性审查 record
    (picked, its date, conclusion and reasons copied); a date and result remain
    possible where the review was not done on the platform."""
    s = ctx.demo_server()
    nj = Session(s, "njdl")
    office, villages = _office_and_villages(nj)
    v, other = villages[1]["id"], villages[2]["id"]
    st, _, reviewer = nj.post("/api/v1/staff", {"name": "审查员丙", "post_type": "political_legal", "position": "staff",
                                                "joined_on": "2020-03-01", "status": "on_duty", "cert_class": "A",
                                                "cert_date": "2019-09-01"})
    assert st == 201, reviewer

    def review(kind, village, opinion):
        st, _, rev = nj.post("/api/v1/legality-reviews", {"title": "村规民约 (修订稿)", "review_type": kind,
                                                          "department": "社区管理办公室", "village_id": village})
        assert st == 201, rev
        st, _, rev = _act(nj, "legality-reviews", rev, "accept", reviewer_id=reviewer["id"])
        assert st == 200, rev
        if opinion:
            st, _, rev = _act(nj, "legality-reviews", rev, "opine", opinion=opinion, opinion_reasons="第五条删去后合法")
            assert st == 200, rev
        return rev

    st, _, rec = nj.post("/api/v1/village-rules", {"village_id": v, "title": "村规民约", "version_no": 7})
    assert st == 201, rec
    st, _, rec = _act(nj, "village-rules", rec, "submit")
    assert st == 200, rec
    for rev, why in ((review("normative_doc", v, "lawful"), "不是村规民约"),
                     (review("village_rules", other, "lawful"), "不一致"),
                     (review("village_rules", v, None), "尚未出具审查意见"),
                     (review("village_rules", v, "unlawful"), "退回修改")):
        st, _, bad = _act(nj, "village-rules", rec, "pass_linked", legality_review_id=rev["id"])
        _refused(st, bad, "legality_review_id", why)
    st, _, again = nj.get(f"/api/v1/village-rules/{rec['id']}")
    assert again["wf_state"] == "reviewing" and again["legality_review_id"] is None, "a refusal changes nothing"
    good = review("village_rules", v, "lawful_if_changed")
    st, _, rec = _act(nj, "village-rules", again, "pass_linked", legality_review_id=good["id"])
    assert st == 200 and rec["wf_state"] == "reviewed", rec
    assert rec["legality_review_id_name"] == "村规民约 (修订稿)", "the review is named, never an id"
    assert rec["review_result"] == "amend" and rec["review_opinion"] == "第五条删去后合法", rec
    assert rec["review_on"] == good["opinion_on"], rec
    st, _, meta = nj.get("/api/v1/meta/entities/village-rules")
    f = next(x for x in meta["fields"] if x["name"] == "legality_review_id")
    assert f["type"] == "ref" and f["ref"] == "legality-reviews", f
    st, _, other_office = Session(s, "ljz").get(f"/api/v1/legality-reviews/{good['id']}")
    assert st == 404, "another office's review is not theirs to read (or link)"


def test_the_demo_city_mostly_covered_a_few_offices_naming_villages(ctx):
    """The demo looks like a real city: most offices have their villages covered; a few
    (陆家嘴, 南京东路 and one in forty) fail, naming the villages short of it."""
    s = ctx.demo_server()
    city = Session(s, "shiju")
    offices = []
    for d in ("黄浦区司法局", "浦东新区司法局"):
        st, _, top = city.get(f"/api/v1/org-units?parent={city.login_body['user']['org']['id']}&limit=100")
        dist = next(x for x in top["items"] if x["name"] == d)
        st, _, lst = city.get(f"/api/v1/org-units?parent={dist['id']}&limit=200")
        offices += [o for o in lst["items"] if o["level"] == "office"]
    fails = []
    for o in offices:
        r = _result(city, o["id"], "c6_rol_coverage")
        if r["status"] == "fail":
            fails.append(o["name"])
            assert r["evidence"]["records"] and all("委会 (法治带头人" in x["label"] for x in r["evidence"]["records"]), r
    assert "陆家嘴街道司法所" in fails and "南京东路街道司法所" in fails, fails
    assert len(fails) <= 5 and len(offices) > 40, (fails, len(offices))


def _call(city, tag, **kw):
    body = {"title": f"{tag} 上海市某条例 (草案)", "kind": "local_regulation", "issuer": "市人大常委会法工委",
            "published_on": "2026-12-01", "deadline": "2026-12-31", "link": "https://example.org/draft"}
    body.update(kw)
    st, _, camp = city.post("/api/v1/legislation-campaigns", body)
    assert st == 201, camp
    return camp


def test_a_city_call_reaches_every_office_and_feedback_every_suggester(ctx):
    """Point 5: the city publishes a draft once; every district and office gets its copy,
    collects suggestions, forwards them (office → district → city); the adoption recorded
    on each suggestion reaches the suggester, counted in the tally at every level."""
    s = ctx.demo_server()
    city, pd, ljz, nj = (Session(s, u) for u in ("shiju", "pudong", "ljz", "njdl"))
    C, S = "/api/v1/legislation-campaigns", "/api/v1/legislation-suggestions"
    tag = _tag()
    camp = _call(city, tag)
    st, _, bad = _act(ljz, "legislation-campaigns", next(iter(ljz.get(f"{C}?limit=1")[2]["items"])), "publish")
    assert st in (403, 409), bad
    st, _, camp = _act(city, "legislation-campaigns", camp, "publish")
    assert st == 200 and camp["wf_state"] == "collecting", camp
    st, _, stats = city.get(f"/api/v1/org-units/{city.login_body['user']['org']['id']}/stats")
    assert camp["published_to"] == stats["counts"]["office"] + stats["counts"]["district"], (camp, stats)
    st, _, again = _act(city, "legislation-campaigns", camp, "publish")
    assert st == 409 and "不能重复发布" in again["error"]["message"], again
    # every office sees its own copy, named after the publisher; the district its own
    mine = {}
    for who in (ljz, nj, pd):
        st, _, lst = who.get(f"{C}?call_id={camp['id']}")
        assert st == 200 and len(lst["items"]) >= 1, lst
        own = [x for x in lst["items"] if x["org_id"] == who.login_body["user"]["org"]["id"]]
        assert len(own) == 1 and own[0]["published_by"] == "上海市司法局" and own[0]["title"] == camp["title"], lst
        mine[who] = own[0]
    st, _, lst = pd.get(f"{C}?call_id={camp['id']}&total=1")
    assert lst["total"] > 30, "浦东's copy and one per office of 浦东"
    st, _, lst = ljz.get(f"{C}?call_id={camp['id']}&total=1")
    assert lst["total"] == 1, "an office sees only its own copy"
    st, _, bad = _act(ljz, "legislation-campaigns", mine[ljz], "publish")
    assert st in (403, 409), bad
    # suggestions in two offices: a resident of the registry, an enterprise, a village
    resident = _person(ljz, "柳全市", 1970)
    sug = []
    for who, b in ((ljz, {"source": "resident", "person_id": resident["id"], "content": "建议增加听证", "article": "第五条"}),
                   (ljz, {"source": "enterprise", "suggester": "某科技公司", "content": "建议明确过渡期"}),
                   (nj, {"source": "village", "suggester": "南京东路某居委会", "content": "建议简化程序"})):
        st, _, x = who.post(S, dict(b, campaign_id=mine[who]["id"], received_on="2026-12-05"))
        assert st == 201, x
        sug.append(x)
    # the office consolidates and forwards to its district
    rec = mine[ljz]
    st, _, rec = _act(ljz, "legislation-campaigns", rec, "consolidate", consolidated="收集意见 2 条")
    st, _, rec = _act(ljz, "legislation-campaigns", rec, "forward", forwarded_on="2026-12-06", forwarded_to="浦东新区司法局")
    assert st == 200 and rec["wf_state"] == "forwarded", rec
    st, _, t = pd.get(f"{C}/{mine[pd]['id']}/tally")
    assert st == 200 and t["totals"]["suggestions"] == 2 and t["totals"]["forwarded"] == 1, t["totals"]
    assert {x["content"] for x in t["suggestions"]} == {"建议增加听证", "建议明确过渡期"}, "浦东 sees its offices' only"
    drec = mine[pd]
    st, _, drec = _act(pd, "legislation-campaigns", drec, "consolidate", consolidated="浦东新区汇总意见 2 条")
    st, _, drec = _act(pd, "legislation-campaigns", drec, "forward", forwarded_on="2026-12-08", forwarded_to="上海市司法局")
    assert st == 200, drec
    # the city sees everything; closing waits for the adoption of each suggestion
    st, _, t = city.get(f"{C}/{camp['id']}/tally")
    assert t["totals"]["suggestions"] == 3 and t["totals"]["units"] == camp["published_to"] + 1, t["totals"]
    st, _, camp = city.get(f"{C}/{camp['id']}")
    st, _, camp = _act(city, "legislation-campaigns", camp, "consolidate", consolidated="全市意见 3 条")
    st, _, camp = _act(city, "legislation-campaigns", camp, "forward", forwarded_on="2026-12-10",
                       forwarded_to="市人大常委会法工委")
    st, _, bad = _act(city, "legislation-campaigns", camp, "close", feedback="采纳 2 条", feedback_on="2026-12-20")
    _refused(st, bad, "feedback", "尚有 3 条未登记采纳情况")
    for x, how in zip(sug, ("adopted", "partly", "not_adopted")):
        st, _, x2 = city.get(f"{S}/{x['id']}")
        st, _, y = city.req("PATCH", f"{S}/{x['id']}", {"version": x2["version"], "adoption": how,
                                                        "feedback_note": "市人大法工委反馈"})
        assert st == 200, y
    st, _, camp = _act(city, "legislation-campaigns", camp, "close", feedback="采纳 2 条", feedback_on="2026-12-20")
    assert st == 200 and camp["wf_state"] == "closed", camp
    # the feedback reaches the suggester: the office sees the adoption, tells them, closes
    st, _, x = ljz.get(f"{S}/{sug[0]['id']}")
    assert x["adoption"] == "adopted" and x["feedback_note"] == "市人大法工委反馈", x
    st, _, bad = _act(ljz, "legislation-campaigns", rec, "close", feedback="已告知", feedback_on="2026-12-21")
    _refused(st, bad, "feedback", "尚有 2 条意见")
    for y in sug[:2]:
        st, _, y = ljz.get(f"{S}/{y['id']}")
        st, _, y = ljz.req("PATCH", f"{S}/{y['id']}", {"version": y["version"], "notified_on": "2026-12-21"})
        assert st == 200, y
    st, h, doc = ljz.get(f"{S}/{sug[0]['id']}/documents/notice")
    doc = doc.decode() if isinstance(doc, bytes) else doc
    assert st == 200 and "立法意见采纳情况告知书" in doc and "采纳" in doc, doc
    st, _, rec = ljz.get(f"{C}/{rec['id']}")
    st, _, rec = _act(ljz, "legislation-campaigns", rec, "close", feedback="已告知", feedback_on="2026-12-21")
    assert st == 200 and rec["wf_state"] == "closed", rec
    st, _, t = city.get(f"{C}/{camp['id']}/tally")
    assert t["totals"]["adopted"] == 2 and t["totals"]["notified"] == 2 and t["totals"]["with_adoption"] == 3, t
    st, _, t = ljz.get(f"{C}/{camp['id']}/tally")
    assert st == 404, "the city's record is not the office's to read"


def test_a_district_call_reaches_its_own_offices_only(ctx):
    s = ctx.demo_server()
    pd, nj, ljz = Session(s, "pudong"), Session(s, "njdl"), Session(s, "ljz")
    camp = _call(pd, _tag(), issuer="浦东新区人民政府")
    st, _, camp = _act(pd, "legislation-campaigns", camp, "publish")
    assert st == 200 and camp["published_to"] > 30, camp
    C = "/api/v1/legislation-campaigns"
    assert ljz.get(f"{C}?call_id={camp['id']}&total=1")[2]["total"] == 1
    assert nj.get(f"{C}?call_id={camp['id']}&total=1")[2]["total"] == 0, "黄浦's office is not 浦东's"


def test_a_campaign_from_publication_to_feedback_reaches_every_suggester(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    C, S = "/api/v1/legislation-campaigns", "/api/v1/legislation-suggestions"
    tag = _tag()
    body = {"title": f"{tag} 上海市某条例 (草案)", "kind": "local_regulation", "issuer": "市人大常委会法工委",
            "published_on": "2026-12-01", "deadline": "2026-11-01", "link": "https://example.org/draft"}
    st, _, bad = ljz.post(C, body)
    _refused(st, bad, "deadline", "不能早于发布日期")
    body["deadline"] = "2026-12-31"
    st, _, camp = ljz.post(C, body)
    assert st == 201 and camp["wf_state"] == "collecting", camp
    resident = _person(ljz, "柳建议", 1975)
    st, _, bad = ljz.post(S, {"campaign_id": camp["id"], "source": "resident", "content": "建议"})
    _refused(st, bad, "suggester", "请选择建议人")
    sug = []
    for b in ({"source": "resident", "person_id": resident["id"], "content": "建议增加听证程序", "article": "第五条"},
              {"source": "enterprise", "suggester": "某科技公司", "content": "建议明确过渡期"}):
        st, _, x = ljz.post(S, dict(b, campaign_id=camp["id"], received_on="2026-12-05"))
        assert st == 201, x
        sug.append(x)
    st, _, camp = ljz.get(f"{C}/{camp['id']}")
    assert len(camp["suggestions"]["items"]) == 2
    st, _, camp = _act(ljz, "legislation-campaigns", camp, "consolidate", consolidated="收集意见 2 条")
    assert st == 200 and camp["wf_state"] == "consolidated", camp
    assert len(camp["suggestions"]["items"]) == 2, "an action's answer is the record as GET shows it, children included"
    st, _, late = ljz.post(S, {"campaign_id": camp["id"], "source": "village", "suggester": "居委会", "content": "迟到"})
    _refused(st, late, "campaign_id", "不再收集")
    st, _, camp = _act(ljz, "legislation-campaigns", camp, "forward", forwarded_on="2026-12-06", forwarded_to="区司法局")
    assert st == 200 and camp["wf_state"] == "forwarded", camp
    st, _, bad = _act(ljz, "legislation-campaigns", camp, "close", feedback="部分采纳", feedback_on="2026-12-07")
    _refused(st, bad, "feedback", "尚有 2 条意见")
    st, _, bad = ljz.req("PATCH", f"{S}/{sug[0]['id']}", {"version": sug[0]["version"], "notified_on": "2026-12-07"})
    _refused(st, bad, "adoption", "请先登记采纳情况")
    for x, how in zip(sug, ("adopted", "not_adopted")):
        st, _, y = ljz.req("PATCH", f"{S}/{x['id']}", {"version": x["version"], "adoption": how,
                                                        "feedback_note": "已告知", "notified_on": "2026-12-07"})
        assert st == 200, y
    st, _, camp = _act(ljz, "legislation-campaigns", camp, "close", feedback="采纳 1 条", feedback_on="2026-12-07")
    assert st == 200 and camp["wf_state"] == "closed" and camp["locked"], camp


def test_a_portal_suggestion_is_collected_and_its_adoption_reaches_the_resident_on_the_tracking_page(ctx):
    """Point 5 "and from the public portal": a resident's suggestion from the portal lands in the
    office's campaign (source 网上门户, the resident in the registry); the tracking page follows the
    campaign and, once the adoption is recorded, shows it with its explanation."""
    from test_portal import Portal
    p = Portal(ctx)
    ljz = Session(p.s, "ljz")
    C, S = "/api/v1/legislation-campaigns", "/api/v1/legislation-suggestions"
    title = f"{_tag()} 上海市生活垃圾管理条例 (修正草案)"
    st, _, camp = ljz.post(C, {"title": title, "kind": "local_regulation", "issuer": "市人大常委会法工委",
                               "published_on": "2026-12-01", "deadline": "2099-12-31"})
    assert st == 201, camp
    st, _, got = p.submit("legislation", {"campaign_id": camp["id"], "article": "第八条", "content": "建议延长投放时间"})
    assert st == 201 and got["code"], got

    def track():
        st, _, t = p.req("POST", "/public/api/v1/track", {"code": got["code"], "phone_last4": "5678"})
        assert st == 200, t
        return t["status"], {d["label"]: d["value"] for d in t["details"]}

    assert track() == ("意见征集中", {"征求意见的草案": title})
    sid = p.record_of(got["code"])
    st, _, sug = ljz.get(f"{S}/{sid}")
    assert sug["source"] == "portal" and sug["person_id_name"] and sug["campaign_id"] == camp["id"], sug
    st, _, camp = _act(ljz, "legislation-campaigns", camp, "consolidate", consolidated="网上意见 1 条")
    assert st == 200, camp
    assert track()[0] == "意见已汇总, 待报送"
    st, _, camp = _act(ljz, "legislation-campaigns", camp, "forward", forwarded_on="2026-12-06",
                       forwarded_to="市人大常委会法工委")
    assert st == 200 and track()[0] == "已报送征求意见单位, 等待采纳情况反馈"
    st, _, sug = ljz.req("PATCH", f"{S}/{sid}", {"version": sug["version"], "adoption": "partly",
                                                 "feedback_note": "投放时间由区政府根据实际确定"})
    assert st == 200, sug
    assert track() == ("已反馈采纳情况", {"征求意见的草案": title, "采纳情况": "部分采纳",
                                          "说明": "投放时间由区政府根据实际确定"})
    # the office records the day the resident was told, then closes the campaign
    st, _, sug = ljz.req("PATCH", f"{S}/{sid}", {"version": sug["version"], "notified_on": "2026-12-21"})
    assert st == 200, sug
    st, _, camp = _act(ljz, "legislation-campaigns", camp, "close", feedback="部分采纳 1 条", feedback_on="2026-12-21")
    assert st == 200 and camp["wf_state"] == "closed", camp


def test_assessor_candidates_qualification_publicity_and_selection(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    A, C = "/api/v1/assessor-selections", "/api/v1/assessor-candidates"
    tag = _tag()
    st, _, sel = ljz.post(A, {"title": f"{tag} 选任", "year": 2026, "court": "浦东新区人民法院", "quota": 1})
    assert st == 201, sel
    young, older = _person(ljz, "郑青年", shanghai_today().year - 25), _person(ljz, "郑长者", 1978)

    def cand(p, **kw):
        st, _, c = ljz.post(C, dict({"selection_id": sel["id"], "person_id": p["id"], "source": "random",
                                     "education": "bachelor"}, **kw))
        assert st == 201, c
        return c

    y = cand(young)
    st, _, bad = _act(ljz, "assessor-candidates", y, "qualify", review_confirmed=True, review_note="符合")
    _refused(st, bad, "person_id", "未满二十八周岁")
    assert "郑" not in bad["error"]["message"] and str(shanghai_today().year - 25) not in bad["error"]["message"]
    st, _, y = _act(ljz, "assessor-candidates", y, "refuse", refuse_reason="age", refuse_note="出生日期核对")
    assert st == 200 and y["wf_state"] == "refused" and y["refuse_reason"] == "age", y
    o = cand(older, education="junior")
    st, _, bad = _act(ljz, "assessor-candidates", o, "refuse", refuse_reason="age", refuse_note="x")
    _refused(st, bad, "refuse_reason", "已年满二十八周岁")
    st, _, bad = _act(ljz, "assessor-candidates", o, "qualify", review_confirmed=True, review_note="符合")
    _refused(st, bad, "education_reason", "高中以上文化程度")
    st, _, o = ljz.req("PATCH", f"{C}/{o['id']}", {"version": o["version"], "education_reason": "长期从事调解工作",
                                                    "x_criminal": True})
    assert st == 200, o
    st, _, bad = _act(ljz, "assessor-candidates", o, "qualify", review_confirmed=True, review_note="符合")
    _refused(st, bad, "x_criminal", "第七条")
    st, _, o = ljz.req("PATCH", f"{C}/{o['id']}", {"version": o["version"], "x_criminal": False})
    st, _, bad = _act(ljz, "assessor-candidates", o, "qualify", review_confirmed=False, review_note="符合")
    _refused(st, bad, "review_confirmed", "勾选确认")
    st, _, o = _act(ljz, "assessor-candidates", o, "qualify", review_confirmed=True, review_note="符合第五条条件")
    assert st == 200 and o["wf_state"] == "qualified", o
    # publicity: at least five working days (2026-12-07 is a Monday)
    st, _, bad = _act(ljz, "assessor-candidates", o, "publicise", publicity_from="2026-12-07", publicity_to="2026-12-09")
    _refused(st, bad, "publicity_to", "不少于 5 个工作日")
    st, _, o = _act(ljz, "assessor-candidates", o, "publicise", publicity_from="2026-12-07", publicity_to="2026-12-11")
    assert st == 200 and o["wf_state"] == "publicising", o
    st, _, o = _act(ljz, "assessor-candidates", o, "object", objection="群众反映曾受行政拘留")
    st, _, o = _act(ljz, "assessor-candidates", o, "dismiss", objection_result="行政拘留不属第七条情形")
    assert st == 200 and o["wf_state"] == "publicising", o
    st, _, bad = _act(ljz, "assessor-candidates", o, "select", selected_on="2026-12-10")
    _refused(st, bad, "selected_on", "公示期满后")
    # 第九条: five times the quota drawn at random before the list goes to the court
    st, _, bad = _act(ljz, "assessor-selections", sel, "submit", submitted_on="2026-12-14")
    _refused(st, bad, "submitted_on", "少于拟任命名额 1 名的 5 倍")
    for i in range(3):
        cand(_person(ljz, f"郑候选{i}", 1970))
    st, _, sel = ljz.get(f"{A}/{sel['id']}")
    st, _, sel = _act(ljz, "assessor-selections", sel, "submit", submitted_on="2026-12-14")
    assert st == 200 and sel["wf_state"] == "submitted", sel
    st, _, o = _act(ljz, "assessor-candidates", o, "select", selected_on="2026-12-15")
    assert st == 200 and o["wf_state"] == "selected", o


def test_assessor_exclusions_the_registry_knows_refuse_the_review(ctx):
    """Point 6 "checked where the registry knows them": a criminal punishment (a 社区矫正对象,
    a 刑满释放人员 of 安置帮教) and a practising 基层法律服务工作者 refuse 资格审查通过 at their
    exclusion, though the reviewer ticked nothing; the message names neither the person nor
    the record."""
    from test_corrections import _entrust
    s = ctx.demo_server()
    ljz, inst = Session(s, "ljz"), Session(s, "pudong_sqjz")
    office = ljz.login_body["user"]["org"]["id"]
    tag = _tag()
    st, _, sel = ljz.post("/api/v1/assessor-selections", {"title": f"{tag} 选任", "year": 2026,
                                                          "court": "浦东新区人民法院", "quota": 5})
    assert st == 201, sel

    def cand(person_id):
        st, _, c = ljz.post("/api/v1/assessor-candidates", {"selection_id": sel["id"], "person_id": person_id,
                                                            "source": "random", "education": "bachelor"})
        assert st == 201, c
        return c

    def refused(c, field, *texts):
        st, _, bad = _act(ljz, "assessor-candidates", c, "qualify", review_confirmed=True, review_note="符合")
        for t in texts:
            _refused(st, bad, field, t)
        msg = bad["error"]["fields"][field]
        assert "郑" not in msg and "监狱" not in msg and "刑初" not in msg, msg
        st, _, again = ljz.get(f"/api/v1/assessor-candidates/{c['id']}")
        assert again["wf_state"] == "applied", "a refusal changes nothing"

    released = _person(ljz, "郑释放", 1975)
    st, _, rp = ljz.post("/api/v1/released-persons", {"person_id": released["id"], "source": "prison",
                                                      "prison": "上海市青浦监狱", "release_date": "2020-01-01"})
    assert st == 201, rp
    refused(cand(released["id"]), "x_criminal", "社区矫正或安置帮教", "受过刑事处罚", "第七条")
    sub = _entrust(inst, office, name="郑矫正")
    refused(cand(sub["person_id"]), "x_criminal", "受过刑事处罚", "第七条")
    worker = _person(ljz, "郑法务", 1972)
    st, _, lst = ljz.get("/api/v1/grassroots-practices?limit=1")
    st, _, w = ljz.post("/api/v1/grassroots-workers", {"practice_id": lst["items"][0]["id"], "person_id": worker["id"],
                                                       "licence_no": f"沪{uuid.uuid4().hex[:8]}", "status": "practising"})
    assert st == 201, w
    wc = cand(worker["id"])
    refused(wc, "x_legal", "基层法律服务工作者", "第六条")
    # once the worker's practice is cancelled the registry no longer knows a reason
    st, _, w = ljz.req("PATCH", f"/api/v1/grassroots-workers/{w['id']}", {"version": w["version"], "status": "cancelled"})
    assert st == 200, w
    st, _, wc = _act(ljz, "assessor-candidates", wc, "qualify", review_confirmed=True, review_note="已注销执业证")
    assert st == 200 and wc["wf_state"] == "qualified", wc


def test_assessor_sources_objections_and_the_fifth_from_applications(ctx):
    """Point 6: individual application or organisation recommendation (the recommender named);
    an objection upheld refuses the candidate; those from application or recommendation are at
    most a fifth of the quota (人民陪审员法第十条); one not selected ends there."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    A, C = "/api/v1/assessor-selections", "/api/v1/assessor-candidates"
    st, _, sel = ljz.post(A, {"title": f"{_tag()} 选任", "year": 2026, "court": "浦东新区人民法院", "quota": 5})
    assert st == 201, sel
    st, _, bad = ljz.post(C, {"selection_id": sel["id"], "person_id": _person(ljz, "周推荐", 1970)["id"],
                              "source": "recommendation", "education": "senior"})
    _refused(st, bad, "recommender", "请填写推荐单位")

    def publicised(name, source, **kw):
        st, _, c = ljz.post(C, dict({"selection_id": sel["id"], "person_id": _person(ljz, name, 1970)["id"],
                                     "source": source, "education": "bachelor"}, **kw))
        assert st == 201, c
        st, _, c = _act(ljz, "assessor-candidates", c, "qualify", review_confirmed=True, review_note="符合条件")
        assert st == 200, c
        st, _, c = _act(ljz, "assessor-candidates", c, "publicise", publicity_from="2026-12-07",
                        publicity_to="2026-12-11")
        assert st == 200 and c["wf_state"] == "publicising", c
        return c

    rec = publicised("周推荐甲", "recommendation", recommender="陆家嘴某居委会")
    app = publicised("周申请乙", "application")
    obj = publicised("周异议丙", "random")
    st, _, obj = _act(ljz, "assessor-candidates", obj, "object", objection="群众反映其系某律师事务所执业律师")
    assert st == 200 and obj["wf_state"] == "objected", obj
    st, _, obj = _act(ljz, "assessor-candidates", obj, "uphold", objection_result="经核实系执业律师",
                      refuse_reason="post", refuse_note="人民陪审员法第六条")
    assert st == 200 and obj["wf_state"] == "refused" and obj["refuse_reason"] == "post", obj
    st, _, rec = _act(ljz, "assessor-candidates", rec, "select", selected_on="2026-12-15")
    assert st == 200 and rec["wf_state"] == "selected", rec
    st, _, bad = _act(ljz, "assessor-candidates", app, "select", selected_on="2026-12-15")
    _refused(st, bad, "selected_on", "不得超过名额数的五分之一 (1 名")
    st, _, app = ljz.get(f"{C}/{app['id']}")
    assert app["wf_state"] == "publicising", "a refusal changes nothing"
    st, _, app = _act(ljz, "assessor-candidates", app, "not_select", selected_on="2026-12-15")
    assert st == 200 and app["wf_state"] == "not_selected", app


def test_the_lines_thresholds_drive_their_rules(ctx):
    """The coverage numbers and the candidates' multiple are the city's settings: changed, the
    rule follows (the scorecard at once; the selection's next submission)."""
    s = ctx.demo_server()
    city, ljz = Session(s, "shiju"), Session(s, "ljz")
    office, villages = _office_and_villages(ljz)
    r = _result(ljz, office, "c6_rol_coverage")
    first = villages[0]  # the demo covers it: one 带头人, three 明白人
    assert r["status"] == "fail" and not any(x["id"] == first["id"] for x in r["evidence"]["records"]), r
    try:
        st, _, body = city.req("PUT", "/api/v1/standards/settings/pufa_min_understanders", {"value": 4})
        assert st == 200, body
        r = _result(ljz, office, "c6_rol_coverage")
        assert r["required"] == "每村(居) 带头人 ≥ 1, 明白人 ≥ 4", r
        assert any(x["id"] == first["id"] and "法律明白人 3/4" in x["label"] for x in r["evidence"]["records"]), r
    finally:
        assert city.req("PUT", "/api/v1/standards/settings/pufa_min_understanders", {"value": 3})[0] == 200
    st, _, sel = ljz.post("/api/v1/assessor-selections", {"title": f"{_tag()} 选任", "year": 2026,
                                                          "court": "浦东新区人民法院", "quota": 1})
    for i in range(5):
        st, _, c = ljz.post("/api/v1/assessor-candidates", {"selection_id": sel["id"], "source": "random",
                                                            "person_id": _person(ljz, f"吴抽选{i}", 1970)["id"],
                                                            "education": "senior"})
        assert st == 201, c
    try:
        assert city.req("PUT", "/api/v1/standards/settings/assessor_candidate_multiple", {"value": 6})[0] == 200
        st, _, bad = _act(ljz, "assessor-selections", sel, "submit", submitted_on="2026-12-14")
        _refused(st, bad, "submitted_on", "少于拟任命名额 1 名的 6 倍")
    finally:
        assert city.req("PUT", "/api/v1/standards/settings/assessor_candidate_multiple", {"value": 5})[0] == 200
    st, _, sel = _act(ljz, "assessor-selections", sel, "submit", submitted_on="2026-12-14")
    assert st == 200 and sel["wf_state"] == "submitted", sel


def test_the_lines_rules_and_thresholds_are_registered_with_the_standards(ctx):
    s = ctx.demo_server()
    st, _, body = Session(s, "ljz").get("/api/v1/standards/rules")
    rules = {r["id"]: r for r in body["items"]}
    assert rules["c6_rol_coverage"]["clause"] == "6" and rules["c6_rol_coverage"]["effective"] == "2024-12-31"
    assert rules["c6_model_review"]["level"] == "office"
    settings = {x["key"]: x["value"] for x in body["settings"]}
    assert settings["pufa_min_leaders"] == 1 and settings["pufa_min_understanders"] == 3
    assert settings["pufa_review_years"] == 2 and settings["assessor_candidate_multiple"] == 5
    st, _, codes = Session(s, "ljz").get("/api/v1/codes/standard_rule")
    labels = {c["code"]: c["label"] for c in codes["items"]}
    assert labels["c6_rol_coverage"] == "条款6 法治带头人、法律明白人全覆盖", labels


def test_a_threshold_the_city_changed_survives_the_start_seeding(ctx):
    """The lines' thresholds are seeded at every start (engine_on_migrate) only
    when the store never had them: a value the city set is kept."""
    s = ctx.demo_server()
    city = Session(s, "shiju")
    st, _, body = city.req("PUT", "/api/v1/standards/settings/pufa_review_years", {"value": 3})
    assert st == 200 and body["value"] == 3, body
    try:
        again = ctx.server(s.url)  # a second process on the same store: its start seeds again
        st, _, rules = Session(again, "ljz").get("/api/v1/standards/rules")
        assert {x["key"]: x["value"] for x in rules["settings"]}["pufa_review_years"] == 3
        assert sum(1 for r in rules["items"] if r["id"] == "c6_model_review") == 1
    finally:
        assert city.req("PUT", "/api/v1/standards/settings/pufa_review_years", {"value": 2})[0] == 200
