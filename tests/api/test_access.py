"""One access path (issue 15 point 5): every way a protected record, or what
links to it, leaves the server asks engine_may_read (src/engine/access.c).
A protected test entity (test-secrets: a workflow, a linked person, a phone
number) goes through each path as

  (a) a district user of another district (outside the scope),
  (b) the owning office's district user without break-the-glass,
  (c) the same user with an active grant (each read audited).
"""
import random
import time

from auth_helpers import Session, admin_session, create_user

S = "/api/v1/test-secrets"
L = "/api/v1/test-secret-links"
PROTECTED = "受保护的业务数据"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _outsider(s):
    """A district official of 黄浦区 (njdl's district), not over 陆家嘴."""
    njdl = Session(s, "njdl")
    st, _, office = njdl.get(f"/api/v1/org-units/{njdl.login_body['user']['org']['id']}")
    assert st == 200, office
    create_user(s, "hp_district", office["parent_id"], ["district_staff"], "Typed#Pass2026x", "黄浦区科员")
    hp = Session(s, "hp_district", "Typed#Pass2026x")
    st, _, body = hp.post("/api/v1/session/password", {"old_password": "Typed#Pass2026x",
                                                       "new_password": "Another#Pass2026y"})
    assert st in (200, 204), body
    return Session(s, "hp_district", "Another#Pass2026y")


def _text(payload):
    return payload.decode("utf-8", "replace") if isinstance(payload, (bytes, bytearray)) else str(payload)


def _todo_has(sess, rid):
    st, _, todo = sess.get("/api/v1/todo")
    assert st == 200, todo
    return any((i["entity"], i["id"]) == ("test-secrets", rid) for i in todo["items"])


def test_protected_record_through_every_path(ctx):
    s = ctx.demo_server()
    ljz, pd = Session(s, "ljz"), Session(s, "pudong")
    hp = _outsider(s)
    ljz_org = ljz.login_body["user"]["org"]["id"]

    # the owning office: a person, an open record linking them, a reviewed one
    idno = "H%08d" % random.randrange(10**8)
    st, _, person = ljz.post("/api/v1/persons", {"name": "矫正对象乙", "id_type": "hk_macao_permit", "id_number": idno})
    assert st == 201, person
    st, _, f = ljz.req("POST", "/api/v1/files?name=scan.pdf", raw_body=PDF, headers={"Content-Type": "application/pdf"})
    assert st == 201, f
    st, _, a = ljz.post(S, {"title": "矫正档案甲", "subject_id": person["id"], "phone": "13912345678",
                            "scan": f["sha256"]})
    assert st == 201 and a["subject_id_name"].startswith("矫*") and a["phone"] == "139****5678", a
    st, _, b = ljz.post(S, {"title": "矫正档案乙"})
    assert st == 201, b
    st, _, b = ljz.post(f"{S}/{b['id']}/actions/review", {"version": b["version"]})
    assert st == 200 and b["wf_state"] == "reviewed", b
    assert _todo_has(ljz, a["id"]), "the office's own to-do lists it"
    st, _, own = ljz.post(L, {"title": "关联甲", "secret_id": a["id"]})
    assert st == 201, own
    before = ljz.get(S)[2]["total"]

    def refused(sess, st, body, outside):
        """(a) 404 as if missing; (b) 403 protected; never the record."""
        if outside:
            assert st == 404 and body["error"]["code"] == "not_found", body
        else:
            assert st == 403 and body["error"]["code"] == "protected" and PROTECTED in body["error"]["message"], body
        assert "矫正档案" not in _text(body)

    for sess, outside in ((hp, True), (pd, False)):
        # GET, history, the record's document, unmask
        for path in (f"{S}/{a['id']}", f"{S}/{a['id']}/history", f"{S}/{a['id']}/files/scan"):
            st, _, body = sess.get(path)
            refused(sess, st, body, outside)
        st, _, body = sess.post(f"{S}/{a['id']}/unmask")
        if outside:
            assert st in (403, 404) and "矫正" not in _text(body), body
        else:
            refused(sess, st, body, outside)
        # list, search, export: nothing of the protected line without a grant
        for path in (S, f"{S}?q=矫正档案", f"{S}/export?format=csv"):
            st, _, body = sess.get(path)
            assert st == 403 and "矫正档案" not in _text(body), (path, st, body)
        # the to-do
        assert not _todo_has(sess, a["id"]), "the to-do lists only what the user may read"
        # an action: may-read decides before the state (403/404, not 409)
        st, _, body = sess.post(f"{S}/{b['id']}/actions/review", {})
        refused(sess, st, body, outside)
        assert "已审核" not in _text(body), "the state is not revealed"
        st, _, body = sess.post(f"{S}/{a['id']}/actions/review", {})
        refused(sess, st, body, outside)
        # update
        st, _, body = sess.req("PATCH", f"{S}/{a['id']}", {"title": "改", "version": a["version"]})
        refused(sess, st, body, outside)
        # create: refused before anything is written (never a 403 after a commit)
        st, _, body = sess.post(S, {"title": "区里登记的档案", "org_id": ljz_org})
        if outside:
            assert st == 422 and "org_id" in body["error"]["fields"], body
        else:
            assert st == 403 and body["error"]["code"] == "protected", body
        # a record may link only what its author may read: the same words as for a missing id
        st, _, body = sess.post(L, {"title": "关联", "secret_id": a["id"]})
        assert st == 422 and "secret_id" in body["error"]["fields"], body
        st, _, missing = sess.post(L, {"title": "关联", "secret_id": 99999999})
        assert st == 422 and missing["error"]["fields"]["secret_id"] == body["error"]["fields"]["secret_id"]
        # the person through the record: the protected record is not listed
        st, _, inv = sess.get(f"/api/v1/persons/{person['id']}/involvements")
        if outside:
            assert st == 404, inv
        else:
            assert st == 200 and all(i["entity"] != "test-secrets" for i in inv["items"]), inv
            assert inv["hidden_by_entity"].get("test-secrets") == 1, inv

    # a record may link only a person its author may read: the other
    # district's official learns the person only by typing the full ID number
    st, _, body = hp.post("/api/v1/test-items", {"title": "黄浦的记录", "party_id": person["id"]})
    assert st == 422 and "party_id" in body["error"]["fields"], body
    st, _, missing = hp.post("/api/v1/test-items", {"title": "黄浦的记录", "party_id": 99999999})
    assert missing["error"]["fields"]["party_id"] == body["error"]["fields"]["party_id"], "the same words"
    st, _, dup = hp.post("/api/v1/persons", {"name": "矫正对象乙", "id_type": "hk_macao_permit", "id_number": idno})
    assert st == 409 and dup["error"]["existing_ref"]["id"] == person["id"], dup
    st, _, item = hp.post("/api/v1/test-items", {"title": "黄浦的记录", "party_id": person["id"]})
    assert st == 201 and item["party_id"] == person["id"], item
    assert hp.get(f"/api/v1/persons/{person['id']}")[0] == 404, "linking does not open the person's details"

    # nothing of the above changed or created anything
    st, _, lst = ljz.get(S)
    assert st == 200 and lst["total"] == before, lst
    st, _, again = ljz.get(f"{S}/{a['id']}")
    assert again["version"] == a["version"] and again["wf_state"] == "registered", again

    # (c) with an active break-the-glass grant on the office
    st, g = 0, None
    st, _, g = pd.post("/api/v1/breakglass", {"org_id": ljz_org, "entity": "test-secrets",
                                              "reason": "区局复核矫正对象的报到记录"})
    assert st == 201, g
    st, _, body = pd.get(f"{S}/{a['id']}")
    assert st == 200 and body["title"] == "矫正档案甲" and body["phone"] == "139****5678", "masked still"
    assert body["subject_id_name"] == a["subject_id_name"], body
    st, h, doc = pd.get(f"{S}/{a['id']}/files/scan")
    assert st == 200 and bytes(doc) == PDF, (st, h)
    st, _, hist = pd.get(f"{S}/{a['id']}/history")
    assert st == 200 and any(i["action"] == "record.create" for i in hist["items"]), hist
    st, _, lst = pd.get(f"{S}?q=矫正档案")
    assert st == 200 and {i["id"] for i in lst["items"]} == {a["id"], b["id"]}, lst
    st, _, csv = pd.get(f"{S}/export?format=csv")
    assert st == 200 and "矫正档案甲" in _text(csv) and "13912345678" not in _text(csv)
    assert _todo_has(pd, a["id"])
    st, _, inv = pd.get(f"/api/v1/persons/{person['id']}/involvements")
    assert st == 200 and any(i["entity"] == "test-secrets" and i["id"] == a["id"] for i in inv["items"]), inv
    st, _, body = pd.post(f"{S}/{a['id']}/unmask")
    assert st == 200 and body["phone"] == "13912345678", body
    # the state may now be told
    st, _, body = pd.post(f"{S}/{b['id']}/actions/review", {})
    assert st == 409 and "已审核" in body["error"]["message"], body
    st, _, linked = pd.post(L, {"title": "关联乙", "secret_id": a["id"]})
    assert st == 201, linked
    st, _, made = pd.post(S, {"title": "区里登记的档案", "org_id": ljz_org})
    assert st == 201 and made["title"] == "区里登记的档案", made
    st, _, upd = pd.req("PATCH", f"{S}/{a['id']}", {"title": "矫正档案甲 (复核)", "version": a["version"]})
    assert st == 200 and upd["title"] == "矫正档案甲 (复核)", upd
    st, _, done = pd.post(f"{S}/{a['id']}/actions/review", {"version": upd["version"]})
    assert st == 200 and done["wf_state"] == "reviewed", done
    # a second grant, on another office of the district: lists and the to-do
    # cover both grants' offices (not only the newest grant's)
    st, _, units = pd.get(f"/api/v1/org-units?parent={pd.login_body['user']['org']['id']}")
    other = next(u for u in units["items"] if u["level"] == "office" and u["id"] != ljz_org)
    st, g2 = pd.post("/api/v1/breakglass", {"org_id": other["id"], "entity": "test-secrets",
                                             "reason": "区局复核另一司法所的矫正档案"})[0:3:2]
    assert st == 201, g2
    st, _, there = pd.post(S, {"title": "另一司法所的档案", "org_id": other["id"]})
    assert st == 201, there
    st, _, lst = pd.get(f"{S}?limit=100")
    ids = {i["id"] for i in lst["items"]}
    assert {made["id"], there["id"]} <= ids, lst
    assert _todo_has(pd, made["id"]) and _todo_has(pd, there["id"])

    # the grant is for 陆家嘴's office: the other district still sees nothing
    assert hp.get(f"{S}/{a['id']}")[0] == 404

    # every read through the grant is audited, by the path it took
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get("/api/v1/audit?action=record.read_protected&user=pudong&limit=200")
    assert st == 200, log
    via = {(i.get("detail") or {}).get("via") for i in log["items"]}
    assert {"get", "history", "list", "todo", "involvements", "file"} <= via, via
    assert any(i["entity_id"] == a["id"] for i in log["items"])
    st, _, log = aud.get("/api/v1/audit?action=breakglass.grant&user=pudong")
    assert st == 200 and log["items"], log


def _import(sess, path, text):
    return sess.req("POST", f"{path}/import?mode=skip_invalid", raw_body=text.encode("utf-8"),
                    headers={"Content-Type": "text/csv"})


def _wait(sess, job_id):
    deadline = time.time() + 60
    while True:
        st, _, job = sess.get(f"/api/v1/jobs/{job_id}")
        assert st == 200, job
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        assert time.time() < deadline, job
        time.sleep(0.05)


def test_import_links_only_what_the_importer_may_read(ctx):
    """The import job checks each row's links as the importer, with the read
    rights it had when the import was accepted (engine/access.c)."""
    s = ctx.demo_server()
    # pudong_staff: a district user without a grant (the file's other test
    # gives "pudong" one, and the server may be shared)
    ljz, pd = Session(s, "ljz"), Session(s, "pudong_staff")
    st, _, a = ljz.post(S, {"title": "矫正档案丙"})
    assert st == 201, a
    # a district user without a grant: no protected records land above the office
    st, _, body = _import(pd, S, "标题\n区里导入的档案\n")
    assert st == 403 and body["error"]["code"] == "protected", body
    # and an ordinary record may not link the protected one
    st, _, body = _import(pd, L, f"标题,受保护测试记录\n关联丙,{a['id']}\n")
    assert st == 202, body
    job = _wait(pd, body["job"])
    assert job["written"] == 0 and job["errors"][0]["field"] == "secret_id", job
    assert "access" not in job, "the job's own access facts are not shown"
    # the office links its own
    st, _, body = _import(ljz, L, f"标题,受保护测试记录\n关联丙,{a['id']}\n")
    assert st == 202, body
    job = _wait(ljz, body["job"])
    assert job["status"] == "done" and job["written"] == 1, job
