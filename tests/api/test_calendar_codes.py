"""The working-day calendar and the code lists (字典) through the real server
(issue 4 points 4 and 6): every signed-in user reads them, only the system
administrator edits them, bad input answers 422 with Chinese messages per
field, and every edit leaves an audit row with its before and after."""
import re

from auth_helpers import Session, admin_session

CJK = re.compile(r"[\u4e00-\u9fff]")


def _sysadmin(ctx):
    s = ctx.demo_server()
    return s, admin_session(s, "sysadmin")[0]


def _audit_rows(s, action, entity):
    aud, _ = admin_session(s, "auditor")
    st, _, body = aud.get(f"/api/v1/audit?action={action}&entity={entity}&limit=100")
    assert st == 200, body
    return body["items"]


def _assert_422(st, body, field):
    assert st == 422, (st, body)
    assert body["error"]["code"] == "validation_failed", body
    assert field in body["error"]["fields"], body
    assert CJK.search(body["error"]["fields"][field]) and CJK.search(body["error"]["message"]), body


# ---- calendar ---------------------------------------------------------------

def test_calendar_year_is_read_by_any_signed_in_user(ctx):
    s = ctx.demo_server()
    st, _, body = s.request("GET", "/api/v1/calendar?year=2024")
    assert st == 401, "signed-in users only"
    ljz = Session(s, "ljz")
    st, _, body = ljz.get("/api/v1/calendar?year=2024")
    assert st == 200, body
    assert body["year"] == 2024 and body["workdays"] == 251
    days = {d["date"]: d for d in body["days"]}
    assert days["2024-09-29"]["kind"] == "workday" and days["2024-10-12"]["kind"] == "workday"
    assert all(days[f"2024-10-0{i}"]["kind"] == "holiday" and days[f"2024-10-0{i}"]["name"] == "国庆节"
               for i in range(1, 8))
    assert "2024-10-08" not in days
    assert all(d["date"].startswith("2024-") for d in body["days"])
    assert days["2024-10-01"]["source"] == "国务院办公厅关于2024年部分节假日安排的通知"
    st, _, body = ljz.get("/api/v1/calendar?year=2027")
    assert st == 200 and body["days"], body
    assert all(d["source"].startswith("暂定") for d in body["days"]), "2027 is provisional"
    st, _, body = ljz.get("/api/v1/calendar")
    assert st == 200 and isinstance(body["year"], int), "defaults to this year"


def test_calendar_workdays_endpoint_adds_working_days(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for frm, n, want in [("2024-09-27", 1, "2024-09-29"), ("2024-09-30", 1, "2024-10-08"),
                         ("2024-02-01", 30, "2024-03-19"), ("2024-10-03", 0, "2024-10-03")]:
        st, _, body = ljz.get(f"/api/v1/calendar/workdays?from={frm}&days={n}")
        assert st == 200 and body["date"] == want, (frm, n, body)


def test_calendar_bad_queries_are_422_in_chinese(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for q in ["year=24", "year=abcd", "year=1899", "year=3000", "year=2024x"]:
        st, _, body = ljz.get("/api/v1/calendar?" + q)
        _assert_422(st, body, "year")
    for q, field in [("from=2024-02-30&days=1", "from"), ("from=2024-1-01&days=1", "from"), ("days=1", "from"),
                     ("from=2024-10-08&days=-1", "days"), ("from=2024-10-08&days=x", "days"),
                     ("from=2024-10-08", "days"), ("from=2024-10-08&days=10001", "days")]:
        st, _, body = ljz.get("/api/v1/calendar/workdays?" + q)
        _assert_422(st, body, field)


def test_calendar_edit_by_sysadmin_moves_deadlines_and_is_audited(ctx):
    s, admin = _sysadmin(ctx)
    ljz = Session(s, "ljz")
    st, _, body = ljz.get("/api/v1/calendar/workdays?from=2024-11-04&days=1")
    assert body["date"] == "2024-11-05"
    st, _, body = admin.req("PUT", "/api/v1/calendar/2024-11-05", {"kind": "holiday", "name": "测试假日"})
    assert st == 201 and body["kind"] == "holiday" and body["source"].startswith("管理员维护"), body
    st, _, body = ljz.get("/api/v1/calendar/workdays?from=2024-11-04&days=1")
    assert body["date"] == "2024-11-06", "another worker sees the edit at once"
    st, _, body = admin.req("PUT", "/api/v1/calendar/2024-11-05",
                            {"kind": "holiday", "name": "测试假日 (改)", "source": "沪府办通知"})
    assert st == 200 and body["name"] == "测试假日 (改)" and body["source"] == "沪府办通知", body
    st, _, body = admin.req("PUT", "/api/v1/calendar/2024-11-09", {"kind": "workday", "name": "测试调休上班"})
    assert st == 201, body
    st, _, body = ljz.get("/api/v1/calendar?year=2024")
    days = {d["date"]: d for d in body["days"]}
    assert days["2024-11-05"]["name"] == "测试假日 (改)" and days["2024-11-09"]["kind"] == "workday"
    assert body["workdays"] == 251, "one day off, one make-up day"
    for date in ("2024-11-05", "2024-11-09"):
        st, _, body = admin.req("DELETE", f"/api/v1/calendar/{date}")
        assert st == 200 and body["deleted"] is True, body
    st, _, body = admin.req("DELETE", "/api/v1/calendar/2024-11-05")
    assert st == 404 and CJK.search(body["error"]["message"]), body
    st, _, body = ljz.get("/api/v1/calendar/workdays?from=2024-11-04&days=1")
    assert body["date"] == "2024-11-05"

    sets = [r for r in _audit_rows(s, "calendar.set", "holidays") if r["entity_id"] == 20241105]
    assert len(sets) == 2 and all(r["username"] == "sysadmin" and r["result"] == "ok" for r in sets), sets
    newest, first = sets[0]["detail"], sets[1]["detail"]
    assert first["before"] is None and first["after"]["name"] == "测试假日", first
    assert newest["before"]["name"] == "测试假日" and newest["after"]["name"] == "测试假日 (改)", newest
    dels = [r for r in _audit_rows(s, "calendar.delete", "holidays") if r["entity_id"] == 20241105]
    assert len(dels) == 1 and dels[0]["detail"]["before"]["name"] == "测试假日 (改)", dels
    assert dels[0]["detail"]["after"] is None


def test_calendar_edit_is_refused_to_a_business_user(ctx):
    s = ctx.demo_server()
    for user in ("ljz", "ljz_director", "pudong"):
        sess = Session(s, user)
        st, _, body = sess.req("PUT", "/api/v1/calendar/2024-11-05", {"kind": "holiday", "name": "x"})
        assert st == 403, (user, st, body)
        st, _, body = sess.req("DELETE", "/api/v1/calendar/2024-10-01")
        assert st == 403, (user, st, body)
    ljz = Session(s, "ljz")
    st, _, body = ljz.get("/api/v1/calendar?year=2024")
    assert "2024-11-05" not in {d["date"] for d in body["days"]}


def test_calendar_bad_edits_are_422_in_chinese(ctx):
    s, admin = _sysadmin(ctx)
    for date, payload, field in [
        ("2024-02-30", {"kind": "holiday", "name": "x"}, "date"),
        ("20241105", {"kind": "holiday", "name": "x"}, "date"),
        ("2024-11-05", {"kind": "off", "name": "x"}, "kind"),
        ("2024-11-05", {"name": "x"}, "kind"),
        ("2024-11-05", {"kind": "workday", "name": "x"}, "kind"),  # a Tuesday: already a working day
        ("2024-11-05", {"kind": "holiday", "name": ""}, "name"),
        ("2024-11-05", {"kind": "holiday", "name": "假" * 51}, "name"),
        ("2024-11-05", {"kind": "holiday", "name": "a\nb"}, "name"),
        ("2024-11-05", {"kind": "holiday", "name": 5}, "name"),
        ("2024-11-05", {"kind": "holiday", "name": "x", "source": 7}, "source"),
        ("2024-11-05", {"kind": "holiday", "name": "x", "colour": "red"}, "colour"),
    ]:
        st, _, body = admin.req("PUT", f"/api/v1/calendar/{date}", payload)
        _assert_422(st, body, field)
    st, _, body = admin.req("PUT", "/api/v1/calendar/2024-11-05", {"kind": "workday", "name": "x"})
    assert "周六或周日" in body["error"]["fields"]["kind"], body
    st, _, body = admin.req("DELETE", "/api/v1/calendar/2024-13-01")
    _assert_422(st, body, "date")
    ljz = Session(s, "ljz")
    st, _, body = ljz.get("/api/v1/calendar?year=2024")
    assert "2024-11-05" not in {d["date"] for d in body["days"]}, "nothing was written"


# ---- code lists ---------------------------------------------------------------

def test_codes_are_read_by_any_signed_in_user(ctx):
    s = ctx.demo_server()
    st, _, body = s.request("GET", "/api/v1/codes")
    assert st == 401
    ljz = Session(s, "ljz")
    st, _, body = ljz.get("/api/v1/codes")
    assert st == 200, body
    lists = {l["key"]: l for l in body["items"]}
    for key in ("dispute_category", "mediation_source", "mediation_org_type", "gender", "education", "post_type",
                "position", "staff_status", "equipment_category", "funding_category", "room_type",
                "certificate_class", "party_membership", "id_type"):
        assert key in lists and lists[key]["count"] > 0 and CJK.search(lists[key]["name"]), key
    assert lists["gender"]["editable"] is False
    st, _, body = ljz.get("/api/v1/codes/dispute_category")
    assert st == 200 and body["key"] == "dispute_category" and body["name"] == "纠纷类型", body
    labels = [i["label"] for i in body["items"]]
    assert labels[0] == "婚姻家庭" and labels[-1] == "其他" and len(labels) == 15, labels
    assert all(set(i) == {"code", "label", "sort", "active"} for i in body["items"])
    st, _, body = ljz.get("/api/v1/codes/post_type")
    assert [i["label"] for i in body["items"]][3] == "辅助人员-政府购买服务"
    st, _, body = ljz.get("/api/v1/codes/no_such_list")
    assert st == 404 and CJK.search(body["error"]["message"]), body


def test_codes_edit_by_sysadmin_creates_deactivates_and_is_audited(ctx):
    s, admin = _sysadmin(ctx)
    ljz = Session(s, "ljz")
    st, _, body = admin.req("PUT", "/api/v1/codes/dispute_category/online_shopping", {"label": "网络购物"})
    assert st == 201 and body["sort"] == 1000 and body["active"] is True, body
    st, _, body = ljz.get("/api/v1/codes/dispute_category")
    items = {i["code"]: i for i in body["items"]}
    assert items["online_shopping"]["label"] == "网络购物" and body["items"][-1]["code"] == "online_shopping"
    st, _, body = admin.req("PUT", "/api/v1/codes/dispute_category/online_shopping", {"label": "电商纠纷", "sort": 125})
    assert st == 200 and body["label"] == "电商纠纷" and body["sort"] == 125 and body["active"] is True, body
    st, _, body = admin.req("PUT", "/api/v1/codes/dispute_category/online_shopping", {"active": False})
    assert st == 200 and body["active"] is False and body["label"] == "电商纠纷", body
    st, _, body = ljz.get("/api/v1/codes/dispute_category")
    items = {i["code"]: i for i in body["items"]}
    assert items["online_shopping"]["active"] is False, "retired, not deleted: old records still resolve it"
    codes = [i["code"] for i in body["items"]]
    assert codes.index("online_shopping") == codes.index("traffic_accident") + 1, "sort 125 sits after 120"
    st, _, body = admin.req("DELETE", "/api/v1/codes/dispute_category/online_shopping")
    assert st == 405, "codes are never deleted"

    rows = [r for r in _audit_rows(s, "code.create", "code_items") if r["detail"]["code"] == "online_shopping"]
    assert len(rows) == 1 and rows[0]["username"] == "sysadmin", rows
    assert rows[0]["detail"]["before"] is None and rows[0]["detail"]["after"]["label"] == "网络购物"
    rows = [r for r in _audit_rows(s, "code.update", "code_items") if r["detail"]["code"] == "online_shopping"]
    assert len(rows) == 2, rows
    assert rows[0]["detail"]["before"]["active"] is True and rows[0]["detail"]["after"]["active"] is False
    assert rows[1]["detail"]["before"]["label"] == "网络购物" and rows[1]["detail"]["after"]["label"] == "电商纠纷"


def test_codes_edit_is_refused_to_a_business_user(ctx):
    s = ctx.demo_server()
    for user in ("ljz", "ljz_director", "shiju"):
        sess = Session(s, user)
        st, _, body = sess.req("PUT", "/api/v1/codes/dispute_category/other", {"label": "其它"})
        assert st == 403, (user, st, body)
    st, _, body = Session(s, "ljz").get("/api/v1/codes/dispute_category")
    assert {i["code"]: i["label"] for i in body["items"]}["other"] == "其他"


def test_codes_bad_edits_are_422_in_chinese(ctx):
    s, admin = _sysadmin(ctx)
    for code, payload, field in [
        ("bad code", {"label": "x"}, "code"),
        ("x" * 33, {"label": "x"}, "code"),
        ("代码", {"label": "x"}, "code"),
        ("new_code", {}, "label"),
        ("new_code", {"label": ""}, "label"),
        ("new_code", {"label": "名" * 51}, "label"),
        ("new_code", {"label": 3}, "label"),
        ("new_code", {"label": "新", "sort": "1"}, "sort"),
        ("new_code", {"label": "新", "sort": -1}, "sort"),
        ("new_code", {"label": "新", "active": "yes"}, "active"),
        ("new_code", {"label": "新", "colour": "red"}, "colour"),
        ("new_code", {"label": "邻里"}, "label"),  # an active item already shows this label
    ]:
        st, _, body = admin.req("PUT", f"/api/v1/codes/dispute_category/{code}", payload)
        _assert_422(st, body, field)
    st, _, body = admin.req("PUT", "/api/v1/codes/gender/U", {"label": "未说明"})
    assert st == 409 and body["error"]["code"] == "code_list_locked" and CJK.search(body["error"]["message"]), body
    st, _, body = admin.req("PUT", "/api/v1/codes/no_such_list/x", {"label": "x"})
    assert st == 404, body
    st, _, body = Session(s, "ljz").get("/api/v1/codes/dispute_category")
    assert "new_code" not in {i["code"] for i in body["items"]}, "nothing was written"
