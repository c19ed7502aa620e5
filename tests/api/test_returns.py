"""Statistical returns (统计报表, issue 25 point 5): a unit's return generated
from the records for a period (numbers kept as a snapshot, regenerable while
a draft), reviewed, submitted and received by the unit above, sent back with
a reason; the consistency rules checked before 报送 (an office's submitted
return must agree with its district's count); the .xlsx in the form's
layout; scope and bad input."""
import io
import re
import zipfile

from auth_helpers import Session, admin_session
from harness import demo_store

R = "/api/v1/stat-returns"
Q3 = {"form": "mediation", "year": 2026, "period": "q3"}


def _unit(sess):
    return sess.login_body["user"]["org"]["id"]


def _table(rec, key):
    import json
    fig = json.loads(rec["figures"])
    return next(t for t in fig["tables"] if t["key"] == key), fig


def _col(t, key):
    i = [c["key"] for c in t["cols"]].index(key)
    return sum(r["values"][i] for r in t["rows"])


def _act(sess, rec, action, **body):
    return sess.post(f"{R}/{rec['id']}/actions/{action}", body)


def test_district_q3_mediation_return_generated_reviewed_submitted_received(ctx):
    s = ctx.demo_server()
    pudong, shiju = Session(s, "pudong"), Session(s, "shiju")
    district = _unit(pudong)
    st, _, rec = pudong.post(R + "/generate", {**Q3, "org_id": district})
    assert st == 201, rec
    assert rec["wf_state"] == "draft" and rec["title"] == "浦东新区司法局 2026年第三季度 人民调解工作统计表", rec
    assert rec["period_from"] == "2026-07-01" and rec["period_to"] == "2026-09-30" and rec["preparer"] == "陈科长"
    by_type, fig = _table(rec, "by_type")
    by_source, _ = _table(rec, "by_source")
    assert fig["problems"] == [], fig["problems"]
    # the numbers are the records': the cases registered in Q3 and accepted
    st, _, stats = pudong.get("/api/v1/mediation/stats?from=2026-07-01&to=2026-09-30")
    accepted = stats["total"]["cases"] - stats["total"]["registered"] - stats["total"]["rejected"]
    assert accepted > 0 and _col(by_type, "accepted") == accepted == _col(by_source, "accepted")
    assert _col(by_type, "succeeded") == stats["total"]["succeeded"]
    for row in by_type["rows"]:
        a, s_, f, m = row["values"][:4]
        assert s_ + f + m == a, row
    orgs, _ = _table(rec, "orgs")
    assert _col(orgs, "count") >= _col(orgs, "with_cases") > 0
    # every office of the district is counted apart for the offices' returns
    assert len(fig["offices"]) > 10 and sum(o["totals"]["by_type.accepted"] for o in fig["offices"]) == accepted
    # one return per unit, form and period
    st, _, body = pudong.post(R + "/generate", {**Q3, "org_id": district})
    assert st == 409 and body["error"]["code"] == "return_exists" and body["error"]["id"] == rec["id"]
    # the snapshot is not edited by hand; the note is
    st, _, body = pudong.req("PATCH", f"{R}/{rec['id']}", {"version": rec["version"], "figures": "{}"})
    assert st == 422, body
    st, _, rec = pudong.req("PATCH", f"{R}/{rec['id']}", {"version": rec["version"], "note": "含区级调委会数据"})
    assert st == 200, rec
    st, _, body = pudong.post(R, {"title": "手工报表"})
    assert st == 405 and "生成报表" in body["error"]["message"]
    # 审核 → 报送 → 市局接收
    st, _, rec = _act(pudong, rec, "review")
    assert st == 200 and rec["wf_state"] == "reviewed" and rec["reviewer"] == "陈科长", rec
    st, _, body = pudong.post(f"{R}/{rec['id']}/regenerate")
    assert st == 409 and body["error"]["code"] == "return_not_draft"
    st, _, rec = _act(pudong, rec, "submit")
    assert st == 200 and rec["wf_state"] == "submitted" and rec["submitted_on"], rec
    st, _, body = _act(pudong, rec, "receive")
    assert st == 403 and body["error"]["code"] == "not_superior", body
    st, _, rec = _act(shiju, rec, "receive")
    assert st == 200 and rec["wf_state"] == "received" and rec["received_on"], rec
    # the .xlsx: a sheet per table, the title, the unit, merged headings, frozen panes, A4
    st, h, data = shiju.get(f"{R}/{rec['id']}/xlsx")
    assert st == 200 and h["content-type"].startswith("application/vnd.openxmlformats"), data
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = z.read("xl/sharedStrings.xml").decode()
    assert "人民调解工作统计表" in shared and "浦东新区司法局" in shared and "调解结果" in shared
    assert "填报人: 陈科长" in shared and "审核人: 陈科长" in shared
    sheets = [n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml", n)]
    assert len(sheets) == 5
    s4 = z.read("xl/worksheets/sheet4.xml").decode()
    assert "<mergeCell " in s4 and 'state="frozen"' in s4 and 'paperSize="9"' in s4
    auditor, _ = admin_session(s, "auditor")
    st, _, audit = auditor.get(f"/api/v1/audit?entity=stat-returns&entity_id={rec['id']}")
    assert {"record.create", "record.export"} <= {a["action"] for a in audit["items"]}


def test_district_submit_refused_while_an_office_return_disagrees(ctx):
    url, _ = demo_store(ctx.kind)
    s = ctx.server(url)
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    pudong = Session(s, "pudong")
    office = _unit(ljz)
    st, _, mine = ljz.post(R + "/generate", {**Q3, "org_id": office})
    assert st == 201, mine
    st, _, body = _act(ljz, mine, "review")
    assert st == 403, "office staff prepare; the director reviews"
    st, _, body = _act(pudong, mine, "review")
    assert st == 403 and body["error"]["code"] == "not_own_unit", "the office reviews its own return"
    st, _, mine = _act(director, mine, "review")
    assert st == 200, mine
    st, _, mine = _act(director, mine, "submit")
    assert st == 200 and mine["wf_state"] == "submitted", mine
    # a case of Q3 accepted after the office reported
    st, _, case = ljz.post("/api/v1/mediation-cases", {"title": "补录的邻里纠纷", "received_on": "2026-08-03",
                                                       "source": "court_referral", "category": "neighborhood"})
    assert st == 201, case
    st, _, case = ljz.post(f"/api/v1/mediation-cases/{case['id']}/actions/accept", {})
    assert st == 200, case
    st, _, dist = pudong.post(R + "/generate", {**Q3, "org_id": _unit(pudong)})
    assert st == 201, dist
    assert any("陆家嘴街道司法所" in p for p in _table(dist, "by_type")[1]["problems"])
    st, _, dist = _act(pudong, dist, "review")
    assert st == 200, dist
    st, _, body = _act(pudong, dist, "submit")
    assert st == 409 and body["error"]["code"] == "inconsistent", body
    assert "陆家嘴街道司法所" in body["error"]["message"] and "受理" in body["error"]["message"], body
    st, _, again = pudong.get(f"{R}/{dist['id']}")
    assert again["wf_state"] == "reviewed", "nothing changed"
    # the district sends the office's return back with a reason; the office regenerates and resubmits
    st, _, body = _act(pudong, mine, "send_back")
    assert st == 422, body
    st, _, mine = _act(pudong, mine, "send_back", return_reason="8 月补录案件未统计, 请重新生成")
    assert st == 200 and mine["wf_state"] == "draft" and mine["return_reason"].startswith("8 月"), mine
    st, _, mine = ljz.post(f"{R}/{mine['id']}/regenerate")
    assert st == 200 and mine["return_reason"] is None, mine
    for action in ("review", "submit"):
        st, _, mine = _act(director, mine, action)
        assert st == 200, mine
    st, _, dist = _act(pudong, dist, "submit")
    assert st == 200 and dist["wf_state"] == "submitted", dist


def test_bad_input_and_scope(ctx):
    s = ctx.demo_server()
    ljz, njdl, pudong = Session(s, "ljz"), Session(s, "njdl"), Session(s, "pudong")
    office = _unit(ljz)
    cases = [
        ({"form": "nope", "year": 2026, "period": "q3", "org_id": office}, "form"),
        ({"form": "mediation", "year": 2026, "period": "q5", "org_id": office}, "period"),
        ({"form": "mediation", "year": 2099, "period": "q1", "org_id": office}, "year"),
        ({"form": "mediation", "year": 2026, "period": "q3", "org_id": "陆家嘴"}, "org_id"),
    ]
    for body, field in cases:
        st, _, err = ljz.post(R + "/generate", body)
        assert st == 422 and field in err["error"]["fields"], (body, err)
    st, _, err = njdl.post(R + "/generate", {**Q3, "org_id": office})
    assert st == 422 and "管辖范围" in err["error"]["fields"]["org_id"], "another office's unit"
    st, _, rec = ljz.post(R + "/generate", {**Q3, "period": "h1", "org_id": office})
    assert st == 201, rec
    st, _, err = njdl.get(f"{R}/{rec['id']}/xlsx")
    assert st == 404, "outside the reader's scope reads as missing"
    st, _, err = njdl.post(f"{R}/{rec['id']}/regenerate")
    assert st == 404
    st, _, lst = pudong.get(R + "?period=h1&form=mediation")
    assert any(x["id"] == rec["id"] for x in lst["items"])
    st, _, lst = njdl.get(R + "?period=h1")
    assert all(x["id"] != rec["id"] for x in lst["items"])


def test_pls_return_counts_what_the_pls_returns_count(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    office = _unit(ljz)
    st, _, rec = ljz.post(R + "/generate", {"form": "pls", "year": 2026, "period": "year", "org_id": office})
    assert st == 201 and rec["title"].endswith("2026年全年 公共法律服务工作统计表"), rec
    by_channel, fig = _table(rec, "by_channel")
    by_category, _ = _table(rec, "by_category")
    assert fig["problems"] == [], fig["problems"]
    st, _, pls = ljz.get(f"/api/v1/pls/returns?year=2026&org_id={office}")
    assert st == 200, pls
    assert _col(by_channel, "count") == _col(by_category, "count") == pls["consultations"] > 0, pls
    assert _col(by_channel, "to_mediation") <= _col(by_channel, "referred") <= _col(by_channel, "count")


def test_corrections_return_balances_and_ends_with_the_register(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    office = _unit(ljz)
    st, _, rec = ljz.post(R + "/generate", {"form": "corrections", "year": 2026, "period": "q3", "org_id": office})
    assert st == 201, rec
    t, fig = _table(rec, "by_type")
    assert fig["problems"] == [], fig["problems"]
    for row in t["rows"]:
        b, n, r1, r2, r3, e = row["values"]
        assert b + n - r1 - r2 - r3 == e, row
    # 期末在册 is the monthly returns' 在册人数 at the end of September
    st, _, ret = ljz.get(f"/api/v1/corrections/returns?org_id={office}&month=2026-09")
    assert st == 200, ret
    assert _col(t, "end") == ret["total"]["register"] > 0, (_col(t, "end"), ret["total"])


def test_resettlement_return_counts_the_released_as_the_statistics_do(ctx):
    s = ctx.demo_server()
    pudong = Session(s, "pudong")
    district = _unit(pudong)
    st, _, rec = pudong.post(R + "/generate", {"form": "resettlement", "year": 2026, "period": "year", "org_id": district})
    assert st == 201, rec
    by_source, fig = _table(rec, "by_source")
    by_crime, _ = _table(rec, "by_crime")
    assert fig["problems"] == [], fig["problems"]
    released = 0
    for month in (f"2026-{m:02d}" for m in range(1, 13)):
        st, _, m = pudong.get(f"/api/v1/resettlement/stats?month={month}")
        assert st == 200, m
        released += m["total"]["released"]
    assert _col(by_source, "released") == _col(by_crime, "released") == released > 0, released
