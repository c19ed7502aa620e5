"""安置帮教 (issue 20 points 8–11; docs/resettlement.md): the line declared
in src/modules/resettlement.c — released persons with their hand-over within
the city's deadline, 未衔接 with reasons, the 5-year aid period, 帮教小组,
visits, measures and re-offences, all protected records; the prisons'
pre-release lists imported from CSV and xlsx and matched to the person
registry through the one intake; the monthly 衔接率/安置率/帮教率 per unit."""
import datetime
import io
import os
import subprocess
import zipfile

from auth_helpers import Session, admin_session, create_user
from harness import ROOT, resident_id17, shanghai_today
from test_checks import _complete, _person

P = "/api/v1/released-persons"
IMPORT = "/api/v1/resettlement/prerelease/import"
ENTITIES = ["released-persons", "resettle-team-members", "resettle-visits", "resettle-measures",
            "resettle-reoffences", "prerelease-lists"]


def _id_number(year=1980):
    return _complete(resident_id17(year))


def _today():
    return shanghai_today()


def _upload(sess, data, month="2026-12", prison="上海市提篮桥监狱", **q):
    qs = "&".join([f"month={month}", f"prison={prison}"] + [f"{k}={v}" for k, v in q.items()])
    ctype = "text/csv" if isinstance(data, str) or not data.startswith(b"PK") else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raw = data.encode("gb18030") if isinstance(data, str) else data
    return sess.req("POST", f"{IMPORT}?{qs}", raw_body=raw, headers={"Content-Type": ctype})


def _xlsx(rows):
    """A minimal workbook as Excel writes it: shared strings, numbers (a date
    as its serial), the sheet found through the workbook's relationships."""
    strings, sheet_rows = [], []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if v is None:
                continue
            if isinstance(v, datetime.date):
                serial = (v - datetime.date(1899, 12, 30)).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            else:
                strings.append(str(v))
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId7"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/list.xml"/>'
                   '</Relationships>')
        z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main">' + "".join(f"<si><t>{esc(s)}</t></si>" for s in strings) + "</sst>")
        z.writestr("xl/worksheets/list.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.'
                   'org/spreadsheetml/2006/main"><sheetData>' + "".join(sheet_rows) + "</sheetData></worksheet>")
    return out.getvalue()


def _act(sess, rec, action, **body):
    body["version"] = rec["version"]
    return sess.post(f"{P}/{rec['id']}/actions/{action}", body)


def _other_pudong_office(s, pd):
    st, _, units = pd.get(f"/api/v1/org-units?parent={pd.login_body['user']['org']['id']}&limit=100")
    ljz = Session(s, "ljz").login_body["user"]["org"]["id"]
    return next(u for u in units["items"] if u["level"] == "office" and u["id"] != ljz)


def test_the_line_reaches_meta_as_protected_records_and_the_web_app_names_none(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    assert st == 200
    by = {e["name"]: e for e in lst["items"]}
    for name in ENTITIES:
        assert by[name]["line"] == "resettlement" and by[name]["line_label"] == "安置帮教", by.get(name)
    for name in ENTITIES[:-1]:
        assert by[name]["protected"] is True, name
    st, _, meta = ljz.get(f"/api/v1/meta/entities/released-persons")
    assert [c["key"] for c in meta["children"]] == ["team", "visits", "measures", "reoffences"]
    assert [s_["label"] for s_ in meta["workflow"]["states"]] == ["待衔接", "未衔接", "帮教中", "帮教期满", "终止帮教"]
    reason = next(f for f in meta["fields"] if f["name"] == "unreached_reason")
    assert "下落不明 (人户分离, 无法联系)" in [c["label"] for c in reason["codes"]]
    out = subprocess.run(["grep", "-rlE", "|".join(ENTITIES), os.path.join(ROOT, "web", "src")],
                         capture_output=True, text=True)
    assert out.stdout == "", out.stdout
    # the city's settings, with their defaults
    shiju = Session(s, "shiju")
    st, _, rules = shiju.get("/api/v1/standards/rules")
    settings = {x["key"]: x["value"] for x in rules["settings"]}
    assert settings["resettle_handover_days"] == 30 and settings["resettle_aid_years"] == 5, settings


def test_demo_office_caseload_in_every_state(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get(f"{P}?limit=50")
    assert st == 200 and lst["total"] == 8, lst
    states = sorted(i["wf_state"] for i in lst["items"])
    assert states == ["aiding"] * 3 + ["ended", "pending", "pending", "terminated", "unreached"], states
    assert all(i["person_id_name"] and "*" in i["person_id_name"] for i in lst["items"]), "names masked"
    st, _, over = ljz.get(f"{P}?overdue=1")
    assert st == 200 and over["total"] >= 2, over  # one pending and the unreached one past 衔接期限
    st, _, un = ljz.get(f"{P}?wf_state=unreached")
    assert un["items"][0]["unreached_reason"] == "left_city", un
    key = next(i for i in lst["items"] if i["key_subject"] and i["wf_state"] == "aiding")
    st, _, rec = ljz.get(f"{P}/{key['id']}")
    assert st == 200 and len(rec["team"]["items"]) == 4 and len(rec["visits"]["items"]) == 3, rec
    assert {m["outcome"] for m in rec["measures"]["items"]} == {"done"}, rec["measures"]
    assert rec["aid_until"] == "2031-06-15", rec
    st, _, bl = ljz.get("/api/v1/prerelease-lists")
    assert st == 200 and bl["items"][0]["prison"] == "上海市提篮桥监狱", bl
    # the generic create of a list is withheld: lists come from the import
    st, _, body = ljz.post("/api/v1/prerelease-lists", {"month": "2026-12", "prison": "x"})
    assert st == 405 and "导入预释放名单" in body["error"]["message"], body


def test_a_prison_list_in_csv_is_checked_whole_then_matched_to_the_registry(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    known_id = _id_number(1979)
    st, _, known = ljz.post("/api/v1/persons", {"name": "钱已登", "id_number": known_id})  # already in the registry
    assert st == 201, known
    new_id = _id_number(1985)
    release = (_today() + datetime.timedelta(days=10)).strftime("%Y/%m/%d")
    csv = ("序号,姓名,性别,公民身份号码,罪名,原判刑期,刑满日期,释放后居住地,是否重点帮教对象,备注\r\n"
           f"1,钱已登,男,{known_id},盗窃罪,有期徒刑二年,{release},浦东新区陆家嘴街道梅园一村,否,\r\n"
           f"2,孙新来,男,{new_id},诈骗罪,有期徒刑三年,{_today().year}年{_today().month}月1日,浦东新区陆家嘴街道,是,累犯\r\n"
           "3,李有误,男,310115198001011234,抢劫罪,有期徒刑五年,2026-13-01,,否,\r\n"
           ",,,,,,,,,\r\n")
    # one bad row: nothing is written, every reason is given by row
    st, _, body = _upload(ljz, csv)
    assert st == 422 and body["error"]["code"] == "import_rejected", body
    rows = {e["row"]: e["message"] for e in body["error"]["errors"]}
    assert list(rows) == [4] and "公民身份号码" in rows[4], rows
    st, _, lst = ljz.get(f"{P}?q=盗窃罪")
    # the valid rows, once the clerk chooses to skip the bad one
    st, _, res = _upload(ljz, csv, mode="skip_invalid", file_name="提篮桥12月.csv")
    assert st == 201, res
    assert (res["rows"], res["created"], res["matched"], res["registered"], res["rejected"]) == (3, 2, 1, 1, 1), res
    assert res["offices"] == [{"id": ljz.login_body["user"]["org"]["id"], "name": "陆家嘴街道司法所", "n": 2}], res
    assert "性别" in res["ignored_columns"] and "序号" in res["ignored_columns"], res
    st, _, lst = ljz.get(f"{P}?batch_id={res['batch']}")
    assert st == 200 and lst["total"] == 2, lst
    mine = {i["person_id"]: i for i in lst["items"]}
    assert known["id"] in mine, "matched to the registry's person, not a second one"
    kept = mine[known["id"]]
    assert kept["wf_state"] == "pending" and kept["source"] == "prison", kept
    rel = datetime.datetime.strptime(release, "%Y/%m/%d").date()
    assert kept["due_at"][:10] == (rel + datetime.timedelta(days=30)).isoformat(), kept
    assert kept["aid_until"] == rel.replace(year=rel.year + 5).isoformat(), kept
    other = next(i for pid, i in mine.items() if pid != known["id"])
    assert other["key_subject"] is True and other["key_reason"] == "other", other
    st, _, full = ljz.get(f"{P}/{other['id']}")
    assert full["residence"] != "浦东新区陆家嘴街道" and full["residence"], "masked at rest and in answers"
    # the new person is in the registry now, registered for the office
    st, _, found = ljz.get(f"/api/v1/persons?id_number={new_id}")
    assert st == 200 and found["items"] and found["items"][0]["name"] == "孙新来", found
    # a list sent twice doubles no one
    st, _, again = _upload(ljz, csv, mode="skip_invalid")
    assert st == 201 and again["created"] == 0 and again["duplicates"] == 2, again
    # the history starts with the import
    st, _, hist = ljz.get(f"{P}/{kept['id']}/history")
    assert hist["items"][0]["action"] == "record.create", hist
    # a name that disagrees with the registry is refused, not linked
    bad = f"姓名,身份证号,释放日期\r\n钱另名,{known_id},{_today().isoformat()}\r\n"
    st, _, body = _upload(ljz, bad)
    assert st == 422 and "姓名与人员库" in body["error"]["errors"][0]["message"], body
    # bad parameters and files: a clear 422, nothing written
    assert _upload(ljz, csv, month="2026-13")[0] == 422
    st, _, body = _upload(ljz, "名字,号码\r\n甲,1\r\n")
    assert st == 422 and "表头" in body["error"]["message"], body
    st, _, body = _upload(ljz, b"PK\x03\x04 not a workbook")
    assert st == 422 and "xlsx" in body["error"]["message"], body
    st, _, body = _upload(ljz, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert st == 422 and "另存为 .xlsx" in body["error"]["message"], body


def test_a_district_imports_an_xlsx_list_and_each_row_reaches_its_office(ctx):
    s = ctx.demo_server()
    pd = Session(s, "pudong")
    other = _other_pudong_office(s, pd)
    town = other["name"].replace("司法所", "")
    a, b, c = _id_number(1970), _id_number(1971), _id_number(1972)
    day = _today() - datetime.timedelta(days=3)
    wb = _xlsx([
        ["上海市周浦监狱 2026 年 12 月预释放人员名单"],
        ["姓名", "公民身份号码", "刑期止日", "罪名", "户籍地", "居住地", "接收司法所"],
        ["赵陆家", a, day, "盗窃罪", "浦东新区陆家嘴街道", None, None],
        ["钱外所", b, day, "诈骗罪", None, f"浦东新区{town}某路 1 号", None],
        ["孙指定", c, "2026-11-20", "寻衅滋事罪", None, None, other["name"]],
    ])
    st, _, dry = _upload(pd, wb, prison="上海市周浦监狱", dry_run=1)
    assert st == 200 and dry["dry_run"] is True and dry["batch"] is None and dry["created"] == 3, dry
    st, _, res = _upload(pd, wb, prison="上海市周浦监狱", file_name="周浦监狱.xlsx")
    assert st == 201 and res["created"] == 3 and res["registered"] == 3, res
    by = {o["name"]: o["n"] for o in res["offices"]}
    assert by == {"陆家嘴街道司法所": 1, other["name"]: 2}, by
    # the office reads its own; the district wrote them but reads none without a grant
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get(f"{P}?batch_id={res['batch']}")
    assert st == 200 and lst["total"] == 1 and lst["items"][0]["release_date"] == day.isoformat(), lst
    assert pd.get(f"{P}?batch_id={res['batch']}")[0] == 403
    # the list itself (counts, no one's name) is the district's
    st, _, bl = pd.get(f"/api/v1/prerelease-lists/{res['batch']}")
    assert st == 200 and bl["rows"] == 3 and bl["registered"] == 3, bl
    # a person another district registered is matched, not registered again, and
    # shared with the receiving office (一次录入、多方共享): its records may link them
    njdl = Session(s, "njdl")
    far_id = _id_number(1966)
    st, _, far = njdl.post("/api/v1/persons", {"name": "郑外区", "id_number": far_id})
    assert st == 201, far
    ljz_ = Session(s, "ljz")
    st, _, body = ljz_.post(P, {"person_id": far["id"], "source": "other", "prison": "x", "release_date": "2020-01-01"})
    assert st == 422, "not shared yet"
    wb4 = _xlsx([["姓名", "身份证号", "释放日期", "接收司法所"], ["郑外区", far_id, day, "陆家嘴街道司法所"]])
    st, _, res4 = _upload(pd, wb4)
    assert st == 201 and res4["matched"] == 1 and res4["registered"] == 0, res4
    st, _, body = ljz_.post(P, {"person_id": far["id"], "source": "other", "prison": "x", "release_date": "2020-01-01"})
    assert st == 201, body
    # an address no office of the district names: the row says what to do
    wb2 = _xlsx([["姓名", "身份证号", "释放日期", "居住地"], ["周不明", _id_number(1990), day, "江苏省昆山市"]])
    st, _, body = _upload(pd, wb2)
    assert st == 422 and "接收司法所" in body["error"]["errors"][0]["message"], body
    # an office does not take another office's person
    wb3 = _xlsx([["姓名", "身份证号", "释放日期", "接收司法所"], ["吴别所", _id_number(1990), day, other["name"]]])
    st, _, body = _upload(ljz, wb3)
    assert st == 422 and "不存在或不在您的管辖范围内" in body["error"]["errors"][0]["message"], body


def test_hand_over_unreached_aid_period_and_the_city_setting(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    shiju = Session(s, "shiju")
    st, _, body = shiju.req("PUT", "/api/v1/standards/settings/resettle_handover_days", {"value": 15})
    assert st == 200, body
    person = _person(ljz, "衔接测", 1988)
    release = (_today() - datetime.timedelta(days=2)).isoformat()
    st, _, rec = ljz.post(P, {"person_id": person["id"], "source": "prison", "prison": "上海市青浦监狱",
                              "release_date": release})
    assert st == 201, rec
    assert rec["due_at"][:10] == (_today() + datetime.timedelta(days=13)).isoformat(), rec
    assert rec["aid_until"] == (_today() - datetime.timedelta(days=2)).replace(
        year=_today().year + 5).isoformat(), rec
    shiju.req("PUT", "/api/v1/standards/settings/resettle_handover_days", {"value": 30})
    # read-only fields come from the workflow
    st, _, body = ljz.req("PATCH", f"{P}/{rec['id']}", {"version": rec["version"], "handover_on": release})
    assert st == 422, body
    # 未衔接 needs the reason and its account
    st, _, body = _act(ljz, rec, "unreached", unreached_reason="unknown_whereabouts")
    assert st == 422, body
    st, _, rec = _act(ljz, rec, "unreached", unreached_reason="unknown_whereabouts",
                      unreached_note="居委会上门三次未见本人, 电话停机")
    assert st == 200 and rec["wf_state"] == "unreached" and rec["due_at"], rec
    st, _, rec = _act(ljz, rec, "handover", handover_way="reported")
    assert st == 200 and rec["wf_state"] == "aiding" and rec["handover_on"] == _today().isoformat(), rec
    # the hand-over met its deadline; the next one is the first visit, a quarter later
    assert rec["due_at"][:10] == (_today() + datetime.timedelta(days=90)).isoformat(), rec
    # the aid period runs five years: no 期满解除 before it ends
    st, _, body = _act(ljz, rec, "end")
    assert st == 409 and "届满前不能解除" in body["error"]["message"], body
    # placement, a key subject needs its category
    st, _, body = ljz.req("PATCH", f"{P}/{rec['id']}", {"version": rec["version"], "key_subject": True})
    assert st == 422 and "类别" in body["error"]["fields"]["key_reason"], body
    st, _, rec = ljz.req("PATCH", f"{P}/{rec['id']}", {"version": rec["version"], "key_subject": True,
                                                        "key_reason": "risk", "placement": "employed",
                                                        "placed_on": _today().isoformat()})
    assert st == 200 and rec["placement"] == "employed", rec
    assert rec["due_at"][:10] == (_today() + datetime.timedelta(days=30)).isoformat(), "a key subject monthly"
    # the record's children: team, visits, measures with outcomes, re-offence
    rid = rec["id"]
    assert ljz.post("/api/v1/resettle-team-members", {"released_id": rid, "member_name": "刘芳",
                                                       "role": "leader"})[0] == 201
    st, _, body = ljz.post("/api/v1/resettle-visits", {"released_id": rid, "kind": "home", "visitors": "刘芳",
                                                       "content": "家访", "visited_on": "2001-01-01"})
    assert st == 422 and "早于释放日期" in body["error"]["fields"]["visited_on"], body
    yesterday = (_today() - datetime.timedelta(days=1)).isoformat()
    assert ljz.post("/api/v1/resettle-visits", {"released_id": rid, "kind": "home", "visitors": "刘芳",
                                                 "content": "家访, 了解就业", "visited_on": yesterday})[0] == 201
    st, _, rec = ljz.get(f"{P}/{rid}")
    assert rec["due_at"][:10] == (_today() + datetime.timedelta(days=29)).isoformat(), "the visit moved the next one"
    st, _, body = ljz.post("/api/v1/resettle-measures", {"released_id": rid, "kind": "relief", "content": "临时救助",
                                                         "outcome": "done"})
    assert st == 422 and "outcome_note" in body["error"]["fields"], body
    assert ljz.post("/api/v1/resettle-measures", {"released_id": rid, "kind": "relief", "content": "临时救助",
                                                   "outcome": "done", "outcome_note": "已发放 1000 元",
                                                   "amount": "1000.00"})[0] == 201
    st, _, rec = ljz.get(f"{P}/{rid}")
    assert len(rec["team"]["items"]) == 1 and len(rec["visits"]["items"]) == 1 and len(rec["measures"]["items"]) == 1
    # ended by a new crime: terminate with the reason; the record is then locked
    assert ljz.post("/api/v1/resettle-reoffences", {"released_id": rid, "occurred_on": _today().isoformat(),
                                                     "kind": "crime", "charge": "涉嫌盗窃罪"})[0] == 201
    st, _, rec = _act(ljz, rec, "terminate", end_reason="reoffended")
    assert st == 200 and rec["wf_state"] == "terminated" and rec["locked"], rec
    st, _, body = ljz.post("/api/v1/resettle-visits", {"released_id": rid, "kind": "phone", "visitors": "刘芳",
                                                       "content": "电话"})
    assert st == 409, body
    # a hand-over before the release is refused
    st, _, fut = ljz.post(P, {"person_id": _person(ljz, "未释放", 1990)["id"], "source": "prison",
                              "prison": "上海市提篮桥监狱",
                              "release_date": (_today() + datetime.timedelta(days=20)).isoformat()})
    assert st == 201, fut
    st, _, body = _act(ljz, fut, "handover", handover_way="escorted")
    assert st == 422 and "尚未释放" in body["error"]["message"], body


def test_no_one_outside_the_office_sees_a_released_person_without_break_the_glass(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    pd = Session(s, "pudong")
    njdl = Session(s, "njdl")  # another district's office
    other = _other_pudong_office(s, pd)
    create_user(s, "res_other_office", other["id"], ["office_staff"], "Res#Other2026x", "另一所")
    st, _, body = Session(s, "res_other_office", "Res#Other2026x").post(
        "/api/v1/session/password", {"old_password": "Res#Other2026x", "new_password": "Res#Changed2026y"})
    assert st in (200, 204), body
    oo = Session(s, "res_other_office", "Res#Changed2026y")
    person = _person(ljz, "保护测", 1983)
    st, _, rec = ljz.post(P, {"person_id": person["id"], "source": "prison", "prison": "上海市提篮桥监狱",
                              "release_date": "2019-03-01"})  # outside the months the statistics test counts
    assert st == 201, rec
    assert ljz.post("/api/v1/resettle-visits", {"released_id": rec["id"], "kind": "home", "visitors": "刘芳",
                                                 "content": "家访"})[0] == 201
    for who, list_status in ((njdl, 200), (oo, 200), (pd, 403)):
        st, _, body = who.get(f"{P}/{rec['id']}")
        assert st in (403, 404), (who.login_body["user"]["username"], st, body)
        st, _, lst = who.get(P)
        assert st == list_status, lst
        if st == 200:
            assert rec["id"] not in {i["id"] for i in lst["items"]}
        assert who.get(f"{P}/{rec['id']}/history")[0] in (403, 404)
        st, _, ex = who.get(f"{P}/export?format=csv")
        assert st in (200, 403) and (st == 403 or "保护测" not in bytes(ex).decode("utf-8", "replace"))
        st, _, todo = who.get("/api/v1/todo")
        assert st == 200 and all(i.get("id") != rec["id"] or i.get("entity") != "released-persons"
                                 for i in todo.get("items", [])), todo
        assert who.post(f"{P}/{rec['id']}/actions/handover", {"handover_way": "reported",
                                                              "version": rec["version"]})[0] in (403, 404)
    # the person page lists it only for the office
    st, _, inv = pd.get(f"/api/v1/persons/{person['id']}/involvements")
    assert st == 200 and all(i["entity"] != "released-persons" for i in inv["items"]), inv
    # statistics are counts, never names; another district's count none of them
    st, _, hp_stats = njdl.get("/api/v1/resettlement/stats")
    assert st == 200 and hp_stats["total"]["released"] == 0 and hp_stats["total"]["on_register"] == 0, hp_stats
    assert "保护测" not in str(hp_stats)
    # with a break-the-glass grant the district reads it, and every read is audited
    st, _, g = pd.post("/api/v1/breakglass", {"org_id": ljz.login_body["user"]["org"]["id"],
                                              "entity": "released-persons", "reason": "区局核查未衔接人员情况"})
    assert st == 201, g
    st, _, body = pd.get(f"{P}/{rec['id']}")
    assert st == 200 and body["person_id_name"] == rec["person_id_name"], body
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get("/api/v1/audit?action=record.read_protected&user=pudong&limit=200")
    assert st == 200 and any(i["entity"] == "released-persons" and i["entity_id"] == rec["id"]
                             for i in log["items"]), log
    # the grant opened 陆家嘴 only: the other office still sees nothing
    assert oo.get(f"{P}/{rec['id']}")[0] == 404


def test_monthly_statistics_per_unit_with_rates_and_xlsx(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    pd = Session(s, "pudong")
    # the demo office in October 2026: two released (one 未衔接, both past the deadline)
    st, _, oct_ = ljz.get("/api/v1/resettlement/stats?month=2026-10")
    assert st == 200, oct_
    t = oct_["total"]
    assert (t["released"], t["handed"], t["unreached"], t["overdue"]) == (2, 0, 1, 2), t
    assert t["handover_rate"] == 0.0, t
    # on the register at the month's end: three handed over and not ended
    assert (t["on_register"], t["placed"], t["aided"], t["key"]) == (3, 2, 1, 1), t
    assert t["placement_rate"] == 66.7 and t["aid_rate"] == 33.3, t
    assert oct_["rows"] == [] and oct_["org"]["name"] == "陆家嘴街道司法所", oct_
    assert [m["month"] for m in oct_["months"]][-1] == "2026-10" and len(oct_["months"]) == 12
    aug = next(m for m in oct_["months"] if m["month"] == "2026-08")
    assert aug["reoffended"] == 1, aug
    # the district: one row per office, 陆家嘴's row as the office's own figures
    st, _, dist = pd.get("/api/v1/resettlement/stats?month=2026-10")
    assert st == 200 and dist["org"]["level"] == "district", dist
    row = next(r for r in dist["rows"] if r["name"] == "陆家嘴街道司法所")
    for k in ("released", "handed", "unreached", "on_register", "placed", "aided", "key"):
        assert row[k] == t[k], (k, row, t)
    assert all(r["level"] == "office" for r in dist["rows"])
    assert dist["total"]["released"] >= t["released"]
    # the city: one row per district, drillable to the district
    shiju = Session(s, "shiju")
    st, _, city = shiju.get("/api/v1/resettlement/stats?month=2026-10")
    assert st == 200 and any(r["name"] == "浦东新区司法局" for r in city["rows"]), city
    pdrow = next(r for r in city["rows"] if r["name"] == "浦东新区司法局")
    st, _, drill = shiju.get(f"/api/v1/resettlement/stats?month=2026-10&org={pdrow['id']}")
    assert drill["total"]["released"] == pdrow["released"], drill
    # xlsx, audited as an export
    st, h, x = pd.get("/api/v1/resettlement/stats?month=2026-10&format=xlsx")
    assert st == 200 and bytes(x)[:2] == b"PK" and "spreadsheetml" in h["content-type"], h
    # bad input and a unit outside the scope
    assert pd.get("/api/v1/resettlement/stats?month=2026-13")[0] == 422
    assert ljz.get(f"/api/v1/resettlement/stats?org={pdrow['id']}")[0] == 422


def test_a_subject_released_from_corrections_appears_in_resettlement_without_retyping(ctx):
    from test_corrections import _act as corr_act, _office, _supervised
    s = ctx.demo_server()
    inst, ljz, director = Session(s, "pudong_sqjz"), Session(s, "ljz"), Session(s, "ljz_director")
    rec = _supervised(inst, _office(ljz), cls="normal", name="移交帮教", corr_type="parole")
    st, _, done = corr_act(director, "corrections-subjects", rec, "release", released_on=_today().isoformat(),
                           release_cert_no="沪浦矫解字 (2026) 第 101 号", resettlement_applicable=True)
    assert st == 200 and done["wf_state"] == "released", done
    st, _, lst = ljz.get(f"{P}?corrections_id={rec['id']}")
    assert st == 200 and lst["total"] == 1, lst
    got = lst["items"][0]
    assert got["person_id"] == rec["person_id"] and got["source"] == "corrections", got
    assert got["wf_state"] == "aiding" and got["release_date"] == _today().isoformat(), got
    st, _, full = ljz.get(f"{P}/{got['id']}")
    assert full["handover_way"] == "corrections" and full["handover_on"] == _today().isoformat(), full
    assert full["corrections_id_name"] == rec["person_id_name"], "linked to the corrections file by name"
    assert "假释" in full["prison"] and "第 101 号" in full["note"], full
    assert full["due_at"][:10] == (_today() + datetime.timedelta(days=90)).isoformat(), "the first visit is due"
    assert full["aid_until"] == _today().replace(year=_today().year + 5).isoformat(), full
    st, _, hist = ljz.get(f"{P}/{got['id']}/history")
    assert hist["items"][0]["action"] == "record.create", hist
    # the institution reads corrections, not resettlement: the record is the office's
    assert inst.get(f"{P}/{got['id']}")[0] in (403, 404)
    # a probation subject not marked for resettlement, and a terminated one, are not handed on
    plain = _supervised(inst, _office(ljz), cls="normal", name="缓刑不移交", corr_type="probation")
    st, _, done = corr_act(director, "corrections-subjects", plain, "release", released_on=_today().isoformat(),
                           release_cert_no="沪浦矫解字 (2026) 第 102 号", resettlement_applicable=False)
    assert st == 200, done
    assert ljz.get(f"{P}?corrections_id={plain['id']}")[2]["total"] == 0
    gone = _supervised(inst, _office(ljz), cls="normal", name="撤销假释", corr_type="parole")
    st, _, t = corr_act(inst, "corrections-subjects", gone, "terminate", ended_on=_today().isoformat(),
                        end_reason="revoked")
    assert st == 200, t
    assert ljz.get(f"{P}?corrections_id={gone['id']}")[2]["total"] == 0


def test_generate_released_persons_for_scale_and_the_statistics_count_them(ctx):
    from harness import demo_store, run_cli
    url, _ = demo_store(ctx.kind)
    r = run_cli(["generate", "released-persons", "--count", "120", "--batch", "50"], url)
    assert r.returncode == 0 and "已生成安置帮教对象 120 条" in r.stdout, r.stdout + r.stderr
    assert run_cli(["generate", "released-persons", "--count", "30"], url).returncode == 0
    s = ctx.server(url)
    st, _, city = Session(s, "shiju").get("/api/v1/resettlement/stats?month=2026-10")
    assert st == 200 and city["total"]["on_register"] >= 50, city["total"]
    assert sum(r_["on_register"] for r_ in city["rows"]) == city["total"]["on_register"], "rows add up to the total"
    s.stop()
