"""Organisation and staff registers (issue 5): every register entity with
validation, scope, the shared two-step verification (信息校核 → 信息审核)
with an edit after approval going back for review, history, stored files,
office changes applied to the org tree, and demo data with findings."""
import json
import subprocess

from auth_helpers import Session, admin_session, create_user
from harness import new_store, run_cli, sqlite_shell

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

def idcard(first17):
    """A valid citizen ID number: 17 digits and the GB 11643 check character."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * k for c, k in zip(first17, w)) % 11]


def bad_check(first17):
    good = idcard(first17)
    return first17 + ("0" if good[-1] != "0" else "1")


REGISTERS = ["office-profiles", "staff", "staff-trainings", "commendations", "staff-rotations", "premises",
             "equipment", "funding", "party-branches", "office-rules", "village-extensions"]

# one live record per key (entity_t.unique)
UNIQUE = {"office-profiles": "org_id", "funding": "org_id year category", "party-branches": "org_id"}


def _staff(sess, **kw):
    body = {"name": "测试员", "gender": "F", "id_number": idcard("31011519900101122"), "phone": "13912345678",
            "post_type": "political_legal", "position": "staff", "joined_on": "2020-03-01", "status": "on_duty",
            "cert_class": "A", "cert_date": "2019-09-01"}
    body.update(kw)
    st, _, rec = sess.post("/api/v1/staff", body)
    assert st == 201, rec
    return rec


def _pudong_offices(sess):
    """Pudong's offices other than 陆家嘴 (which other tests use)."""
    pudong = sess.login_body["user"]["org"]["id"]
    st, _, lst = sess.get(f"/api/v1/org-units?parent={pudong}&limit=100")
    assert st == 200, lst
    return pudong, [o for o in lst["items"] if o["level"] == "office" and o["name"] != "陆家嘴街道司法所"]


def test_every_register_is_declared_with_the_shared_verification(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    names = {i["name"] for i in lst["items"]}
    assert set(REGISTERS) <= names, names
    for name in REGISTERS:
        st, _, meta = ljz.get(f"/api/v1/meta/entities/{name}")
        assert st == 200, meta
        wf = meta["workflow"]
        assert [x["key"] for x in wf["states"]] == ["entered", "checked", "approved"], (name, wf)
        assert wf["initial"] == "entered"
    st, _, meta = ljz.get("/api/v1/meta/entities/premises")
    area = next(f for f in meta["fields"] if f["name"] == "floor_area")
    assert area["type"] == "decimal" and area["scale"] == 2
    assert next(f for f in meta["fields"] if f["name"] == "photo_exterior")["type"] == "file"
    st, _, meta = ljz.get("/api/v1/meta/entities/staff")
    pi = {f["name"] for f in meta["fields"] if f.get("pi")}
    assert pi == {"id_number", "phone", "birth_date"}, pi  # the birth date is masked with the number (issue 18)
    assert next(f for f in meta["fields"] if f["name"] == "birth_date")["masked_with"] == "id_number"


def test_staff_validation_answers_each_field_in_chinese_and_writes_nothing(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, before = ljz.get("/api/v1/staff?limit=1&total=1")
    bad = {"name": "", "id_number": bad_check("31011519900101122"), "phone": "1234", "post_type": "contractor",
           "joined_on": "2020-02-30", "status": "on_duty", "post_diverted": "是"}
    st, _, body = ljz.post("/api/v1/staff", bad)
    assert st == 422, body
    f = body["error"]["fields"]
    for k in ("name", "id_number", "phone", "post_type", "joined_on", "post_diverted"):
        assert k in f, (k, f)
    assert "校验" in f["id_number"] or "身份" in f["id_number"] or "号码" in f["id_number"], f["id_number"]
    assert "手机" in f["phone"]
    st, _, after = ljz.get("/api/v1/staff?limit=1&total=1")
    assert after["total"] == before["total"]
    # premises: area is a decimal with at most 2 places, signage a code
    st, _, body = ljz.post("/api/v1/premises", {"address": "某路 1 号", "floor_area": "120.555", "signage_status": "x"})
    assert st == 422 and {"floor_area", "signage_status"} <= set(body["error"]["fields"]), body
    # funding: the year is bounded, the five categories only
    st, _, body = ljz.post("/api/v1/funding", {"year": 1999, "category": "travel", "amount": "1", "in_budget": True})
    assert st == 422 and {"year", "category"} <= set(body["error"]["fields"]), body


def _valid_bodies(ljz):
    """A minimal valid record of each register, in the 陆家嘴 office."""
    staff = _staff(ljz, name="通用测试")
    office = ljz.login_body["user"]["org"]["id"]
    st, _, villages = ljz.get(f"/api/v1/org-units?parent={office}&limit=1")
    return {
        "office-profiles": {"office_type": "subdistrict", "approved_posts": 4},
        "staff": {"name": "甲", "post_type": "clerk", "joined_on": "2024-01-02", "status": "on_duty"},
        "staff-trainings": {"staff_id": staff["id"], "title": "业务培训", "kind": "business", "start_on": "2024-01-01"},
        "commendations": {"title": "先进司法所", "level": "district", "awarded_on": "2024-01-01"},
        "staff-rotations": {"person_name": "张三", "kind": "city_stint", "start_on": "2024-01-01"},
        "premises": {"address": "银城中路 1 号", "floor_area": "120.5", "signage_status": "done",
                     "signage_done_on": "2023-06-30"},
        "equipment": {"item": "computer", "category": "office_comm", "quantity": 4},
        "funding": {"year": 2025, "category": "personnel", "amount": "1", "in_budget": True},
        "party-branches": {"name": "党支部", "kind": "independent"},
        "office-rules": {"title": "学习制度", "category": "study", "adopted_on": "2024-01-01"},
        "village-extensions": {"village_id": villages["items"][0]["id"], "kind": "service_room",
                               "started_on": "2024-01-01"},
    }


def test_each_register_validates_scopes_verifies_and_keeps_history(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    director, district = Session(s, "ljz_director"), Session(s, "pudong_staff")
    bodies = _valid_bodies(ljz)
    for name in REGISTERS:
        base = f"/api/v1/{name}"
        st, _, meta = ljz.get(f"/api/v1/meta/entities/{name}")
        required = {f["name"] for f in meta["fields"] if f["required"] and not f["readonly"]}
        st, _, body = ljz.post(base, {})
        assert st == 422 and required <= set(body["error"]["fields"]), (name, body)
        st, _, body = ljz.post(base, dict(bodies[name], colour="red"))
        assert st == 422 and "colour" in body["error"]["fields"], (name, body)
        st, _, rec = ljz.post(base, bodies[name])
        if st == 409 and name in UNIQUE:  # the demo's record of the office: one per key
            assert ljz.req("DELETE", f"{base}/{rec['error']['id']}")[0] == 200, name
            st, _, rec = ljz.post(base, bodies[name])
        assert st == 201 and rec["wf_state"] == "entered", (name, rec)
        path = f"{base}/{rec['id']}"
        assert njdl.get(path)[0] == 404, name
        assert rec["id"] not in [x["id"] for x in njdl.get(base + "?limit=500")[2]["items"]], name
        assert district.get(path)[0] == 200, name
        st, _, rec = director.post(path + "/actions/check", {})
        assert st == 200 and rec["wf_state"] == "checked", (name, rec)
        st, _, rec = district.post(path + "/actions/approve", {})
        assert st == 200 and rec["wf_state"] == "approved", (name, rec)
        dates = [f["name"] for f in meta["fields"] if f["type"] == "date" and not f["readonly"] and not f["pi"]]
        key, val = (dates[0], "2024-02-29") if dates else ("note", "补充说明")
        st, _, rec = ljz.req("PATCH", path, {key: val, "version": rec["version"]})
        assert st == 200 and rec["wf_state"] == "entered" and rec[key] == val, (name, rec)
        st, _, hist = ljz.get(path + "/history")
        acts = [h["action"] for h in hist["items"]]
        assert acts == ["record.create", "workflow.check", "workflow.approve", "record.update"], (name, acts)
        assert hist["items"][3]["detail"]["after"][key] == val, name


def test_staff_personal_information_is_masked_found_by_index_and_unmask_audited(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    number = idcard("31011519850615002")
    rec = _staff(ljz, name="林晓", id_number=number.lower(), phone="13800001111")
    assert rec["id_number"] != number and "*" in rec["id_number"], rec
    assert "*" in rec["phone"]
    st, _, lst = ljz.get("/api/v1/staff?id_number=" + number.lower())
    assert st == 200 and [x["id"] for x in lst["items"]] == [rec["id"]], lst
    assert ljz.post(f"/api/v1/staff/{rec['id']}/unmask")[0] == 403, "office staff may not unmask"
    d = Session(s, "ljz_director")
    st, _, full = d.post(f"/api/v1/staff/{rec['id']}/unmask")
    assert st == 200 and full["id_number"] == number and full["phone"] == "13800001111", full
    st, _, hist = d.get(f"/api/v1/staff/{rec['id']}/history")
    assert [h["action"] for h in hist["items"]][-1] == "pi.unmask"
    assert number not in str(hist), "history never holds the plain number"


def test_registers_are_scoped_to_the_office_and_its_district(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    rec = _staff(ljz, name="范围测试", id_number=idcard("31011519880707001"))
    assert njdl.get(f"/api/v1/staff/{rec['id']}")[0] == 404
    st, _, lst = njdl.get("/api/v1/staff?limit=200")
    own = njdl.login_body["user"]["org"]["id"]
    assert lst["items"] and all(x["org_id"] == own for x in lst["items"]), "only the own office's staff"
    assert Session(s, "pudong_staff").get(f"/api/v1/staff/{rec['id']}")[0] == 200
    # another office's staff record cannot be named in a training
    st, _, body = njdl.post("/api/v1/staff-trainings", {"staff_id": rec["id"], "title": "培训", "kind": "business",
                                                         "start_on": "2024-05-01"})
    assert st == 422 and "staff_id" in body["error"]["fields"], body
    # nor a village outside the office in an extension record
    st, _, body = njdl.post("/api/v1/village-extensions", {"village_id": ljz.login_body["user"]["org"]["id"],
                                                            "kind": "service_room", "started_on": "2024-01-01"})
    assert st == 422 and "village_id" in body["error"]["fields"], body


def test_two_step_verification_and_an_edit_after_approval_goes_back(ctx):
    s = ctx.demo_server()
    ljz, director, district = Session(s, "ljz"), Session(s, "ljz_director"), Session(s, "pudong_staff")
    st, _, rec = ljz.post("/api/v1/funding", {"year": 2025, "category": "casework", "amount": "68000.00",
                                              "in_budget": True, "source": "district"})
    assert st == 201 and rec["wf_state"] == "entered" and rec["wf_state_label"] == "待所长校核", rec
    assert [a["action"] for a in rec["actions"]] == [], "the clerk cannot check her own entry"
    path = f"/api/v1/funding/{rec['id']}"
    assert ljz.post(path + "/actions/check", {})[0] == 403
    assert district.post(path + "/actions/approve", {})[0] == 409, "approve only after the check"
    st, _, rec = director.post(path + "/actions/check", {"comment": "与预算批复一致"})
    assert st == 200 and rec["wf_state"] == "checked", rec
    assert director.post(path + "/actions/approve", {})[0] == 403, "the district approves"
    st, _, rec = district.post(path + "/actions/approve", {})
    assert st == 200 and rec["wf_state"] == "approved" and rec["actions"] == [], rec
    # an edit of the approved record sends it back to the office director
    st, _, up = ljz.req("PATCH", path, {"amount": "70000", "version": rec["version"]})
    assert st == 200 and up["wf_state"] == "entered" and up["amount"] == "70000.00", up
    # an edit that changes nothing keeps the state
    st, _, same = ljz.req("PATCH", path, {"version": up["version"]})
    assert st == 200 and same["wf_state"] == "entered"
    st, _, hist = ljz.get(path + "/history")
    acts = [h["action"] for h in hist["items"]]
    assert acts[:4] == ["record.create", "workflow.check", "workflow.approve", "record.update"], acts
    upd = hist["items"][3]["detail"]
    assert upd["before"]["wf_state"] == "approved" and upd["after"]["wf_state"] == "entered", upd
    assert upd["before"]["amount"] == "68000.00" and upd["after"]["amount"] == "70000.00"
    # a send-back by the district returns it to the office
    director.post(path + "/actions/check", {})
    st, _, rec = district.post(path + "/actions/send_back", {"comment": "金额与预算表不符"})
    assert st == 200 and rec["wf_state"] == "entered", rec
    # the director's to-do inbox lists it
    st, _, todo = director.get("/api/v1/todo")
    assert any(i["entity"] == "funding" and i["id"] == rec["id"] for i in todo["items"]), todo


def test_files_are_stored_by_hash_checked_by_content_scoped_and_audited(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    up = lambda sess, data, name="外观.png": sess.req("POST", "/api/v1/files?name=" + name, raw_body=data,
                                                         headers={"Content-Type": "application/octet-stream"})
    st, _, f = up(ljz, PNG)
    assert st == 201 and f["mime"] == "image/png" and f["size"] == len(PNG) and len(f["sha256"]) == 64, f
    assert up(ljz, b"MZ\x90\x00 not an image", "a.exe")[0] == 415
    st, _, body = up(ljz, b"")
    assert st == 422, body
    st, _, body = up(ljz, b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 1))
    assert st == 413, body
    st, _, prem = ljz.get("/api/v1/premises?limit=1")
    p = prem["items"][0]
    path = f"/api/v1/premises/{p['id']}"
    st, _, body = ljz.req("PATCH", path, {"photo_exterior": "0" * 64, "version": p["version"]})
    assert st == 422 and "photo_exterior" in body["error"]["fields"], "a hash nobody uploaded"
    st, _, body = ljz.req("PATCH", path, {"photo_exterior": "../../etc/passwd", "version": p["version"]})
    assert st == 422
    st, _, rec = ljz.req("PATCH", path, {"photo_exterior": f["sha256"], "version": p["version"]})
    assert st == 200 and rec["photo_exterior"] == f["sha256"], rec
    st, h, data = ljz.get(path + "/files/photo_exterior")
    assert st == 200 and data == PNG and h["content-type"] == "image/png", (st, h)
    assert "nosniff" in h.get("x-content-type-options", "")
    assert njdl.get(path + "/files/photo_exterior")[0] == 404, "another office's record"
    assert ljz.get(path + "/files/address")[0] == 404, "not a file field"
    assert ljz.get(path + "/files/floor_plan")[0] == 404, "nothing uploaded yet"
    st, _, hist = ljz.get(path + "/history")
    assert "file.download" in [x["action"] for x in hist["items"]]
    # another office may not attach this office's upload by its hash
    st, _, np = njdl.get("/api/v1/premises?limit=1")
    q = np["items"][0]
    st, _, body = njdl.req("PATCH", f"/api/v1/premises/{q['id']}", {"photo_exterior": f["sha256"], "version": q["version"]})
    assert st == 422, body
    # … until it uploads the same file itself (stored once)
    assert up(njdl, PNG)[0] == 201
    st, _, body = njdl.req("PATCH", f"/api/v1/premises/{q['id']}", {"photo_exterior": f["sha256"], "version": q["version"]})
    assert st == 200, body
    st, _, pdf = up(ljz, PDF, "制度.pdf")
    assert st == 201 and pdf["mime"] == "application/pdf"


def _office_user(s, name, org_id):
    """A new clerk of an office (the demo has clerks only in two offices)."""
    create_user(s, name, org_id, ["office_staff"], "Merge#Clerk2026x")
    sess = Session(s, name, password="Merge#Clerk2026x")
    st, _, body = sess.post("/api/v1/session/password", {"old_password": "Merge#Clerk2026x",
                                                          "new_password": "Merge#Clerk2027y"})
    assert st == 200, body
    return sess


def _change(sess, **kw):
    st, _, rec = sess.post("/api/v1/office-changes", kw)
    assert st == 201, rec
    return rec


def _through(district, city, rec, today):
    path = f"/api/v1/office-changes/{rec['id']}"
    st, _, body = district.post(path + "/actions/submit", {})
    assert st == 422 and "approval_doc" in body["error"]["fields"], "submitting needs the approval document"
    st, _, rec = district.post(path + "/actions/submit", {"approval_doc": "浦编〔2026〕7号", "approval_date": today})
    assert st == 200 and rec["wf_state"] == "submitted", rec
    assert district.post(path + "/actions/file", {"filing_doc": "x", "filing_date": today})[0] == 403
    st, _, rec = city.post(path + "/actions/file", {"filing_doc": "沪司备〔2026〕3号", "filing_date": today})
    assert st == 200 and rec["wf_state"] == "filed", rec
    return city.post(path + "/actions/apply", {})


def test_office_changes_are_filed_then_applied_to_the_org_tree(ctx):
    import datetime
    now = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    today, yesterday = now.strftime("%Y-%m-%d"), (now - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    s = ctx.demo_server()
    district, city = Session(s, "pudong"), Session(s, "shiju")
    pudong, offices = _pudong_offices(district)
    a, b, c = offices[0], offices[1], offices[2]
    assert Session(s, "ljz").post("/api/v1/office-changes", {"change_type": "rename", "effective_on": today})[0] == 403

    # rename: the old name is kept with the dates it held
    rec = _change(district, change_type="rename", office_id=c["id"], new_name="测试更名街道司法所", effective_on=today)
    st, _, rec = _through(district, city, rec, today)
    assert st == 200 and rec["wf_state"] == "applied" and rec["result_org_id"] == c["id"], rec
    st, _, unit = city.get(f"/api/v1/org-units/{c['id']}")
    assert unit["name"] == "测试更名街道司法所"
    units_then = lambda parent, day: {u["id"]: u for u in city.get(
        f"/api/v1/org-units?parent={parent}&as_of={day}&limit=500")[2]["items"]}
    assert units_then(pudong, yesterday)[c["id"]]["name"] == c["name"], "the name it had yesterday"
    assert units_then(pudong, today)[c["id"]]["name"] == "测试更名街道司法所"
    st, _, body = city.get(f"/api/v1/org-units?parent={pudong}&as_of=2024-02-30")
    assert st == 422, body

    # a change not yet effective cannot be applied, and nothing moves
    rec = _change(district, change_type="revoke", office_id=b["id"], effective_on="2099-01-01")
    st, _, body = _through(district, city, rec, today)
    assert st == 422 and "effective_on" in body["error"]["fields"], body
    st, _, again = city.get(f"/api/v1/office-changes/{rec['id']}")
    assert again["wf_state"] == "filed"

    # merge: villages, staff and business records move; the office's own registers stay
    st, _, a_staff = city.get(f"/api/v1/staff?org_id={a['id']}&limit=200")
    st, _, a_prof = city.get(f"/api/v1/office-profiles?org_id={a['id']}")
    st, _, a_vill = city.get(f"/api/v1/org-units?parent={a['id']}&limit=500")
    assert a_staff["items"] and a_prof["items"] and a_vill["items"]
    # a rule text uploaded by A's clerk, on one of A's rules
    a_clerk, b_clerk = _office_user(s, "a_clerk", a["id"]), _office_user(s, "b_clerk", b["id"])
    st, _, f = a_clerk.req("POST", "/api/v1/files?name=制度.pdf", raw_body=PDF, headers={"Content-Type": "application/pdf"})
    assert st == 201, f
    st, _, rule = a_clerk.post("/api/v1/office-rules", {"title": "合并前的制度", "category": "study",
                                                         "adopted_on": "2024-01-01", "document": f["sha256"]})
    assert st == 201, rule
    rec = _change(district, change_type="merge", office_id=a["id"], merge_into_id=b["id"], effective_on=today,
                  reason="区划调整")
    st, _, rec = _through(district, city, rec, today)
    assert st == 200 and rec["wf_state"] == "applied", rec
    st, _, unit = city.get(f"/api/v1/org-units/{a['id']}")
    assert unit["valid_to"] == today, unit
    st, _, b_vill = city.get(f"/api/v1/org-units?parent={b['id']}&limit=500")
    moved = {v["id"] for v in a_vill["items"]}
    assert moved <= {v["id"] for v in b_vill["items"]}
    assert all(v["path"].startswith(b["path"]) for v in b_vill["items"] if v["id"] in moved)
    st, _, b_staff = city.get(f"/api/v1/staff?org_id={b['id']}&limit=500")
    assert {x["id"] for x in a_staff["items"]} <= {x["id"] for x in b_staff["items"]}
    # the structure as it stood yesterday: A with its villages, B without them
    before = units_then(pudong, yesterday)
    assert a["id"] in before and before[a["id"]]["child_count"] == len(a_vill["items"]), before.get(a["id"])
    assert a["id"] not in units_then(pudong, today), "closed from the effective date"
    assert set(units_then(a["id"], yesterday)) == moved
    assert not moved & set(units_then(b["id"], yesterday)) and moved <= set(units_then(b["id"], today))
    assert all(u["parent_id"] == a["id"] for u in units_then(a["id"], yesterday).values())
    st, _, prof = city.get(f"/api/v1/office-profiles/{a_prof['items'][0]['id']}")
    assert prof["org_id"] == a["id"], "the closed office keeps its profile (history)"
    # the district's own staff user still sees the moved records in scope
    x = a_staff["items"][0]["id"]
    assert Session(s, "pudong_staff").get(f"/api/v1/staff/{x}")[0] == 200
    # B's clerk now holds A's rule and its file: opens it, and may name the file again
    st, _, rule = b_clerk.get(f"/api/v1/office-rules/{rule['id']}")
    assert st == 200 and rule["org_id"] == b["id"], rule
    st, _, data = b_clerk.get(f"/api/v1/office-rules/{rule['id']}/files/document")
    assert st == 200 and data == PDF
    st, _, body = b_clerk.req("PATCH", f"/api/v1/office-rules/{rule['id']}",
                              {"document": f["sha256"], "title": "合并后的制度", "version": rule["version"]})
    assert st == 200, body
    # a merged office cannot change again
    rec = _change(district, change_type="rename", office_id=a["id"], new_name="再改", effective_on=today)
    st, _, body = _through(district, city, rec, today)
    assert st == 422 and "office_id" in body["error"]["fields"], body

    # establish: a new office under the district, valid from the effective date
    rec = _change(district, change_type="establish", new_name="测试新设司法所", new_type="dev_zone", effective_on=today)
    st, _, rec = _through(district, city, rec, today)
    assert st == 200 and rec["result_org_id"], rec
    st, _, unit = city.get(f"/api/v1/org-units/{rec['result_org_id']}")
    assert unit["parent_id"] == pudong and unit["level"] == "office" and unit["valid_from"] == today, unit
    assert unit["id"] in units_then(pudong, today) and unit["id"] not in units_then(pudong, yesterday)
    assert unit["path"].endswith(f"/{unit['id']}/")
    st, _, hist = city.get(f"/api/v1/office-changes/{rec['id']}/history")
    assert [h["action"] for h in hist["items"]] == ["record.create", "workflow.submit", "workflow.file", "workflow.apply"]


def test_demo_registers_cover_every_office_with_findings(ctx):
    s = ctx.demo_server()
    city = Session(s, "shiju")

    def total(q):
        st, _, body = city.get(q + ("&" if "?" in q else "?") + "limit=1&total=1")
        assert st == 200, body
        return body["total"]

    offices = 216
    assert total("/api/v1/office-profiles") >= offices - 3  # other tests of this module may merge
    assert total("/api/v1/premises") >= offices - 3
    assert total("/api/v1/party-branches") >= offices - 3
    assert total("/api/v1/staff?post_type=political_legal") > 3 * offices
    assert total("/api/v1/funding?year=2024") > 4 * offices
    for name in REGISTERS:
        assert total(f"/api/v1/{name}") > 0, name
    # findings for the standards engine
    assert total("/api/v1/office-profiles?approved_posts.to=3") > 0, "clause 15: fewer than 4 posts"
    assert total("/api/v1/staff?post_diverted=true") > 0, "clause 15: posts diverted"
    assert total("/api/v1/premises?signage_status=in_progress,not_started") > 0, "clause 18: signage unfinished"
    assert total("/api/v1/premises?signage_done_on.from=2024-01-01") > 0, "clause 18: signage late"
    assert total("/api/v1/premises?has_duty_room=false") > 0
    assert total("/api/v1/funding?in_budget=false") > 0, "clause 20"
    assert total("/api/v1/equipment?renewal_due.to=2024-12-31") > 0, "clause 19: renewal overdue"
    assert total("/api/v1/staff?position=director&appointed_on.from=2022-08-05") > 0
    assert total("/api/v1/office-changes") >= 2
    # and a mix of verification states
    for state in ("entered", "checked", "approved"):
        assert total(f"/api/v1/staff?wf_state={state}") > 0, state


def test_import_checks_file_fields_like_a_form(ctx):
    import time
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, f = ljz.req("POST", "/api/v1/files?name=a.png", raw_body=PNG, headers={"Content-Type": "image/png"})
    assert st == 201, f

    def run(photo):
        csv = f"地址,建筑面积 (m²),外观标识,外观照片\r\n浦东南路 9 号,150.25,done,{photo}\r\n"
        st, _, body = ljz.req("POST", "/api/v1/premises/import", raw_body=csv.encode(),
                              headers={"Content-Type": "text/csv"})
        assert st == 202, body
        deadline = time.time() + 60
        while True:
            st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
            if job["status"] in ("done", "failed", "cancelled"):
                return job
            assert time.time() < deadline, job
            time.sleep(0.05)

    job = run("0" * 64)
    assert job["status"] == "failed" and [e["field"] for e in job["errors"]] == ["photo_exterior"], job
    job = run(f["sha256"])
    assert job["status"] == "done" and job["written"] == 1, job
    st, _, lst = ljz.get("/api/v1/premises?q=浦东南路 9 号")
    assert lst["items"][0]["photo_exterior"] == f["sha256"] and lst["items"][0]["wf_state"] == "entered"


def _store(url, sql):
    """Runs SQL straight on the store; returns its output."""
    if url.startswith("sqlite:"):
        return subprocess.run([*sqlite_shell(url[7:]), sql], capture_output=True, text=True, check=True).stdout.strip()
    return subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True, check=True).stdout.strip()


def test_one_live_record_per_key_answers_409_naming_the_existing_one(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    # a second office profile of the office: 409 naming the first, nothing written
    st, _, lst = ljz.get("/api/v1/office-profiles?limit=10&total=1")
    assert st == 200 and lst["total"] == 1, lst
    first = lst["items"][0]
    st, _, body = ljz.post("/api/v1/office-profiles", {"office_type": "subdistrict", "approved_posts": 5})
    assert st == 409 and body["error"]["code"] == "duplicate" and body["error"]["id"] == first["id"], body
    assert f"编号 {first['id']}" in body["error"]["message"] and "机构信息" in body["error"]["message"], body
    assert ljz.get("/api/v1/office-profiles?limit=10&total=1")[2]["total"] == 1
    # another office's key is its own
    st, _, other = njdl.get("/api/v1/party-branches?limit=1")
    assert other["items"], other
    # funding: one row per (office, year, category); another category or year is fine
    body = {"year": 2031, "category": "personnel", "amount": "100", "in_budget": True}
    st, _, a = ljz.post("/api/v1/funding", body)
    assert st == 201, a
    st, _, dup = ljz.post("/api/v1/funding", dict(body, amount="200"))
    assert st == 409 and dup["error"]["id"] == a["id"], dup
    assert "年度、经费类别" in dup["error"]["message"], dup
    st, _, b = ljz.post("/api/v1/funding", dict(body, category="casework"))
    assert st == 201, b
    # an update onto an existing key: 409, the record unchanged
    st, _, up = ljz.req("PATCH", f"/api/v1/funding/{b['id']}", {"category": "personnel", "version": b["version"]})
    assert st == 409 and up["error"]["id"] == a["id"], up
    assert ljz.get(f"/api/v1/funding/{b['id']}")[2]["category"] == "casework"
    # an update of other fields of a keyed record is fine
    st, up, _ = ljz.req("PATCH", f"/api/v1/funding/{a['id']}", {"amount": "150", "version": a["version"]})
    assert st == 200, up
    # delete frees the key; restoring the old one while a new one lives: 409
    assert ljz.req("DELETE", f"/api/v1/funding/{a['id']}")[0] == 200
    st, _, c = ljz.post("/api/v1/funding", body)
    assert st == 201, c
    d = Session(s, "pudong")  # restore is the district administrator's
    st, _, body2 = d.post(f"/api/v1/funding/{a['id']}/restore")
    assert st == 409 and body2["error"]["id"] == c["id"], body2
    assert ljz.req("DELETE", f"/api/v1/funding/{c['id']}")[0] == 200
    st, _, back = d.post(f"/api/v1/funding/{a['id']}/restore")
    assert st == 200 and back["id"] == a["id"], back
    assert ljz.get(f"/api/v1/funding/{a['id']}")[0] == 200, "live again"


def test_import_refuses_rows_that_repeat_a_key(ctx):
    import time
    s = ctx.demo_server()
    ljz = Session(s, "ljz")

    def run(csv, mode):
        st, _, body = ljz.req("POST", f"/api/v1/funding/import?mode={mode}", raw_body=csv.encode(),
                              headers={"Content-Type": "text/csv"})
        assert st == 202, body
        deadline = time.time() + 60
        while True:
            st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
            if job["status"] in ("done", "failed", "cancelled"):
                return job
            assert time.time() < deadline, job
            time.sleep(0.05)

    st, _, have = ljz.post("/api/v1/funding", {"year": 2032, "category": "personnel", "amount": "1", "in_budget": True})
    assert st == 201, have
    csv = ("年度,经费类别,金额 (元),列入财政预算\r\n2032,personnel,5,是\r\n2032,casework,5,是\r\n"
           "2032,casework,6,是\r\n2032,public_use,7,否\r\n")
    job = run(csv, "all_or_nothing")
    assert job["status"] == "failed", job
    errs = {e["row"]: e["message"] for e in job["errors"]}
    assert set(errs) == {2, 4}, job
    assert f"编号 {have['id']}" in errs[2] and "第 3 行" in errs[4], errs
    job = run(csv, "skip_invalid")
    assert job["status"] == "done" and job["written"] == 2, job
    st, _, lst = ljz.get("/api/v1/funding?year=2032&limit=10")
    assert sorted(x["category"] for x in lst["items"]) == ["casework", "personnel", "public_use"], lst


def test_unique_index_on_an_existing_store_names_duplicates_instead_of_dropping_them(ctx):
    url = new_store(ctx.kind)
    assert run_cli(["init"], url).returncode == 0
    org = _store(url, "SELECT MIN(id) FROM org_units")
    _store(url, "DROP INDEX office_profile_uq")
    ins = ("INSERT INTO office_profile (org_id, org_path, version, created_at, updated_at, office_type) "
           f"VALUES ({org}, '/', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'town')")
    for _ in range(2):
        _store(url, ins)
    ids = _store(url, "SELECT id FROM office_profile ORDER BY id").split()
    r = run_cli(["migrate"], url)
    assert r.returncode != 0, r.stdout
    assert "重复" in r.stderr and all(i in r.stderr for i in ids), r.stderr
    assert _store(url, "SELECT COUNT(*) FROM office_profile") == "2", "nothing dropped"
    # a deleted duplicate does not count
    _store(url, f"UPDATE office_profile SET deleted_at = '2026-01-02T00:00:00Z' WHERE id = {ids[1]}")
    r = run_cli(["migrate"], url)
    assert r.returncode == 0, r.stderr
    with_index = "SELECT COUNT(*) FROM " + ("sqlite_master WHERE type = 'index' AND name = 'office_profile_uq'"
                                           if url.startswith("sqlite:") else "pg_indexes WHERE indexname = 'office_profile_uq'")
    assert _store(url, with_index) == "1"


def test_four_eyes_the_checker_may_not_approve_the_same_record(ctx):
    s = ctx.demo_server()
    ljz, admin, staff, director = Session(s, "ljz"), Session(s, "pudong"), Session(s, "pudong_staff"), Session(
        s, "ljz_director")
    st, _, rec = ljz.post("/api/v1/commendations", {"title": "四眼原则", "level": "district", "awarded_on": "2025-01-01"})
    assert st == 201, rec
    path = f"/api/v1/commendations/{rec['id']}"
    # the district administrator holds both permissions: checks, then may not approve
    st, _, rec = admin.post(path + "/actions/check", {})
    assert st == 200 and rec["wf_state"] == "checked", rec
    st, _, body = admin.post(path + "/actions/approve", {})
    assert st == 403 and body["error"]["code"] == "four_eyes" and "另一人" in body["error"]["message"], body
    assert admin.get(path)[2]["wf_state"] == "checked", "nothing changed"
    # someone else approves
    st, _, rec = staff.post(path + "/actions/approve", {})
    assert st == 200 and rec["wf_state"] == "approved", rec
    # after an edit and a new check by the director, the administrator may approve
    st, _, rec = ljz.req("PATCH", path, {"title": "四眼原则 (修订)", "version": rec["version"]})
    assert st == 200 and rec["wf_state"] == "entered", rec
    assert director.post(path + "/actions/check", {})[0] == 200
    st, _, rec = admin.post(path + "/actions/approve", {})
    assert st == 200 and rec["wf_state"] == "approved", rec
    st, _, hist = ljz.get(path + "/history")
    assert [h["action"] for h in hist["items"]][-3:] == ["record.update", "workflow.check", "workflow.approve"]


def test_simultaneous_creates_of_one_key_one_201_the_rest_409_naming_it(ctx):
    """Creates of one key at the same moment: on PostgreSQL several pass the
    check before any commits and the unique index stops all but one — those
    were 503; each is now the same 409 as the check's, naming the survivor."""
    from harness import at_once
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for round_ in range(8):
        body = {"year": 2040 + round_, "category": "personnel", "amount": "100", "in_budget": True}
        out = at_once(6, lambda i: ljz.post("/api/v1/funding", body))
        made = [b for st, _, b in out if st == 201]
        assert len(made) == 1, [(st, b) for st, _, b in out]
        for st, _, b in out:
            if st != 201:
                assert st == 409 and b["error"]["code"] == "duplicate" and b["error"]["id"] == made[0]["id"], (st, b)
                assert f"编号 {made[0]['id']}" in b["error"]["message"], b
        st, _, lst = ljz.get(f"/api/v1/funding?year={body['year']}&limit=10&total=1")
        assert lst["total"] == 1, lst


def test_office_change_moves_a_merged_offices_accounts_and_disables_a_revoked_ones(ctx):
    """Merged: the closed office's accounts move to the successor with its
    records, so its clerks keep working there (their to-dos follow the
    records); revoked: nothing survives to move them to, so they are
    disabled.  Each account's change is audited with the office change."""
    import datetime
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).strftime("%Y-%m-%d")
    s = ctx.demo_server()
    district, city = Session(s, "pudong"), Session(s, "shiju")
    pudong, offices = _pudong_offices(district)
    a, b, c = offices[-1], offices[-2], offices[-3]
    a_clerk, c_clerk = _office_user(s, "merge_clerk", a["id"]), _office_user(s, "revoke_clerk", c["id"])
    st, _, rec = a_clerk.post("/api/v1/commendations", {"title": "合并前待校核", "level": "district",
                                                        "awarded_on": "2025-01-01"})
    assert st == 201, rec
    ch = _change(district, change_type="merge", office_id=a["id"], merge_into_id=b["id"], effective_on=today)
    st, _, ch = _through(district, city, ch, today)
    assert st == 200 and ch["wf_state"] == "applied", ch
    st, _, me = a_clerk.get("/api/v1/session")
    assert st == 200 and me["user"]["org"]["id"] == b["id"], me["user"]
    # the clerk still opens the record (now the successor's) and B's own records
    st, _, moved = a_clerk.get(f"/api/v1/commendations/{rec['id']}")
    assert st == 200 and moved["org_id"] == b["id"], moved
    st, _, lst = a_clerk.get(f"/api/v1/staff?org_id={b['id']}&limit=1&total=1")
    assert st == 200 and lst["total"] > 0, lst
    # revoke: the office's clerk is signed out and can no longer sign in
    ch = _change(district, change_type="revoke", office_id=c["id"], effective_on=today)
    st, _, ch = _through(district, city, ch, today)
    assert st == 200 and ch["wf_state"] == "applied", ch
    assert c_clerk.get("/api/v1/session")[0] == 401
    st, body = Session(s).login("revoke_clerk", "Merge#Clerk2027y")
    assert st == 401 and body["error"]["code"] == "invalid_credentials", body  # a disabled account answers as any refusal
    aud = admin_session(s, "auditor")[0]
    st, _, log = aud.get("/api/v1/audit?action=user.move&limit=10")
    assert st == 200 and any("并入" in json.dumps(i["detail"], ensure_ascii=False) for i in log["items"]), log
    st, _, log = aud.get("/api/v1/audit?action=user.disable&limit=10")
    assert st == 200 and any("撤销" in json.dumps(i["detail"], ensure_ascii=False) for i in log["items"]), log


def test_four_eyes_holds_when_the_audit_rows_of_the_check_are_gone(ctx):
    """Audit rows may be purged after 180 days; who checked a record is kept
    with the workflow (workflow_steps), so the checker still may not approve."""
    from harness import store_count, store_exec
    s = ctx.demo_server()
    ljz, admin, staff = Session(s, "ljz"), Session(s, "pudong"), Session(s, "pudong_staff")
    st, _, rec = ljz.post("/api/v1/commendations", {"title": "审计清除后的四眼", "level": "district",
                                                    "awarded_on": "2025-02-01"})
    assert st == 201, rec
    path = f"/api/v1/commendations/{rec['id']}"
    assert admin.post(path + "/actions/check", {})[0] == 200
    where = f"entity = 'commendations' AND entity_id = {rec['id']} AND action = 'workflow.check'"
    assert store_count(s.url, f"SELECT COUNT(*) FROM audit_log WHERE {where}") == 1
    if s.url.startswith("sqlite:"):  # as a purge would, past the append-only guard
        store_exec(s.url, "BEGIN; DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE " + where + "; "
                   "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                   "WHEN OLD.at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-180 days') "
                   "BEGIN SELECT RAISE(ABORT, '审计日志只能追加'); END; COMMIT;")
    else:
        store_exec(s.url, "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; "
                   "DELETE FROM audit_log WHERE " + where + "; "
                   "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only; COMMIT;")
    assert store_count(s.url, f"SELECT COUNT(*) FROM audit_log WHERE {where}") == 0
    st, _, body = admin.post(path + "/actions/approve", {})
    assert st == 403 and body["error"]["code"] == "four_eyes", body
    st, _, rec = staff.post(path + "/actions/approve", {})
    assert st == 200 and rec["wf_state"] == "approved", rec


def test_an_import_starts_its_records_in_a_declared_state_its_importer_may_reach(ctx):
    """issue 16 point 8: registers declare import_states "checked approved";
    the import may start its rows there when the importer holds a transition
    into that state's permission, else 422 and no job; audited with the state."""
    import time
    s = ctx.demo_server()
    ljz, director, district = Session(s, "ljz"), Session(s, "ljz_director"), Session(s, "pudong")

    def run(sess, state, addr):
        csv = f"地址,建筑面积 (m²),外观标识\r\n{addr},120,done\r\n"
        q = f"?state={state}" if state else ""
        st, _, body = sess.req("POST", f"/api/v1/premises/import{q}", raw_body=csv.encode(),
                               headers={"Content-Type": "text/csv"})
        if st != 202:
            return st, body
        deadline = time.time() + 60
        while True:
            st, _, job = sess.get(f"/api/v1/jobs/{body['job']}")
            if job["status"] in ("done", "failed", "cancelled"):
                return 202, job
            assert time.time() < deadline, job
            time.sleep(0.05)

    st, meta = ljz.get("/api/v1/meta/entities/premises")[0::2]
    assert meta["import_states"] == [], "a clerk may not check: no state offered"
    st, meta = director.get("/api/v1/meta/entities/premises")[0::2]
    assert [x["key"] for x in meta["import_states"]] == ["checked"], meta["import_states"]
    st, body = run(ljz, "checked", "浦东南路 11 号")
    assert st == 422 and "待区局审核" in body["error"]["message"], body
    st, body = run(director, "approved", "浦东南路 11 号")
    assert st == 422 and body["error"]["fields"] == {"state": body["error"]["message"]}, body
    st, body = run(director, "nonsense", "浦东南路 11 号")
    assert st == 422, body
    st, job = run(director, "checked", "浦东南路 12 号")
    assert st == 202 and job["status"] == "done" and job["written"] == 1, job
    st, _, lst = director.get("/api/v1/premises?q=浦东南路 12 号")
    assert lst["items"][0]["wf_state"] == "checked", lst["items"][0]
    st, job = run(district, "approved", "浦东南路 13 号")
    assert job["status"] == "done", job
    st, _, lst = district.get("/api/v1/premises?q=浦东南路 13 号")
    rec = lst["items"][0]
    assert rec["wf_state"] == "approved", rec
    # the initial state stays the default; the audit row names the state chosen
    st, job = run(ljz, None, "浦东南路 14 号")
    st, _, lst = ljz.get("/api/v1/premises?q=浦东南路 14 号")
    assert lst["items"][0]["wf_state"] == "entered", lst["items"][0]
    aud, _ = admin_session(s, "auditor")
    st, _, audit = aud.get("/api/v1/audit?action=record.import&limit=5")
    assert st == 200, audit
    states = [json.loads(a["detail"]).get("state") if isinstance(a["detail"], str) else a["detail"].get("state")
              for a in audit["items"]]
    assert "approved" in states and "checked" in states and "entered" in states, states
