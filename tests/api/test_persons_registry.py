"""The person registry (issue 8 point 1): other document types with their
own checks, derived gender and birth date, household registration, the
existing-person offer across offices, and merging duplicates by request and
approval with every link repointed and the history kept."""
from auth_helpers import Session

P = "/api/v1/persons"


def _id(id17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return id17 + "10X98765432"[sum(int(c) * k for c, k in zip(id17, w)) % 11]


def test_document_types_checked_each_their_way(ctx):
    ljz = Session(ctx.demo_server(), "ljz")
    for typ, bad in [("passport", "12"), ("hk_macao_permit", "X12345678"), ("hk_macao_permit", "H1234567"),
                     ("taiwan_permit", "1234567"), ("foreign_pr_card", "AB1234567890123"), ("shoe", "123456")]:
        st, _, body = ljz.post(P, {"name": "测试", "id_type": typ, "id_number": bad})
        assert st == 422 and ({"id_number", "id_type"} & set(body["error"]["fields"])), (typ, bad, body)
    st, _, hk = ljz.post(P, {"name": "陈大文", "id_type": "hk_macao_permit", "id_number": "h12345678", "gender": "M",
                             "birth_date": "1980-05-06"})
    assert st == 201 and hk["id_type"] == "hk_macao_permit" and hk["gender"] == "M" and hk["birth_year"] == "1980", hk
    assert hk["id_number"] != "H12345678" and hk["id_number"].endswith("678"), "masked"
    st, _, dup = ljz.post(P, {"name": "陈大文", "id_type": "hk_macao_permit", "id_number": "H1234 5678"})
    assert st == 409 and dup["error"]["existing"]["id"] == hk["id"], "the same permit is the same person"
    st, _, other = ljz.post(P, {"name": "Chan", "id_type": "passport", "id_number": "H12345678"})
    assert st == 201 and other["id"] != hk["id"], "a passport with the same characters is another document"
    st, _, found = ljz.get(f"{P}?id_type=hk_macao_permit&id_number=H12345678")
    assert [i["id"] for i in found["items"]] == [hk["id"]]
    for typ, good in [("taiwan_permit", "87654321"), ("foreign_pr_card", "USA123456789012"),
                      ("foreign_pr_card", "912345678901234567"), ("passport", "E12345678")]:
        st, _, body = ljz.post(P, {"name": "测试人员", "id_type": typ, "id_number": good})
        assert st == 201, (typ, body)
    st, _, body = ljz.post(P, {"name": "王五", "id_number": _id("31010119900101001"), "gender": "F"})
    assert st == 422 and "gender" in body["error"]["fields"], "a resident ID decides gender itself"


def test_household_registration_encrypted_and_unmasked(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, p = ljz.post(P, {"name": "赵户籍", "id_number": _id("31011519880808002"), "household": "安徽省合肥市蜀山区某路 1 号"})
    assert st == 201 and "household" not in p and p["gender"] == "F" and p["birth_year"] == "1988"
    st, _, full = Session(s, "ljz_director").post(f"{P}/{p['id']}/unmask")
    assert st == 200 and full["household"] == "安徽省合肥市蜀山区某路 1 号"


def test_other_office_gets_a_reference_to_link(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    idn = _id("31011519660606003")
    st, _, p = ljz.post(P, {"name": "钱共享", "id_number": idn})
    assert st == 201
    st, _, dup = njdl.post(P, {"name": "钱共享", "id_number": idn})
    assert st == 409 and "existing" not in dup["error"]
    assert dup["error"]["existing_ref"] == {"id": p["id"], "name": "钱**"}
    st, _, case = njdl.post("/api/v1/mediation-cases", {"title": "共享人员测试", "received_on": "2026-10-01",
                                                        "source": "proactive", "category": "other"})
    st, _, party = njdl.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "applicant", "person_id": p["id"]})
    assert st == 201 and party["person_id_name"] == "钱**", party


def test_merge_by_request_and_approval_keeps_history(ctx):
    s = ctx.demo_server()
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    st, _, keep = ljz.post(P, {"name": "孙合并", "id_number": _id("31011519700202004")})
    st, _, dupl = ljz.post(P, {"name": "孙合并", "id_type": "passport", "id_number": "E99887766"})
    assert st == 201
    st, _, case = ljz.post("/api/v1/mediation-cases", {"title": "合并测试纠纷", "received_on": "2026-10-02",
                                                       "source": "proactive", "category": "other"})
    st, _, party = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "applicant", "person_id": dupl["id"]})
    assert st == 201
    st, _, body = ljz.post(f"{P}/{dupl['id']}/merge", {"into_id": dupl["id"], "reason": "同一人"})
    assert st == 422 and "into_id" in body["error"]["fields"]
    st, _, body = ljz.post(f"{P}/{dupl['id']}/merge", {"into_id": keep["id"]})
    assert st == 422 and "reason" in body["error"]["fields"]
    st, _, req = ljz.post(f"{P}/{dupl['id']}/merge", {"into_id": keep["id"], "reason": "同一人, 先以护照登记"})
    assert st == 201 and req["status"] == "requested", req
    st, _, body = ljz.post(f"{P}/{dupl['id']}/merge", {"into_id": keep["id"], "reason": "再次申请"})
    assert st == 409 and body["error"]["code"] == "merge_pending"
    st, _, body = ljz.post(f"/api/v1/person-merges/{req['id']}/approve", {})
    assert st == 403, "office staff cannot approve"
    st, _, lst = director.get("/api/v1/person-merges?status=requested")
    assert any(m["id"] == req["id"] for m in lst["items"])
    st, _, body = Session(s, "njdl").get("/api/v1/person-merges")
    assert st == 403
    st, _, done = director.post(f"/api/v1/person-merges/{req['id']}/approve", {"note": "核实为同一人"})
    assert st == 200 and done["status"] == "approved" and done["moved"] == {"mediation-parties.person_id": 1}, done
    st, _, again = director.post(f"/api/v1/person-merges/{req['id']}/reject", {"note": "x"})
    assert st == 409
    st, _, got = ljz.get(f"/api/v1/mediation-parties/{party['id']}")
    assert got["person_id"] == keep["id"] and got["version"] == party["version"] + 1
    st, _, h = ljz.get(f"/api/v1/mediation-parties/{party['id']}/history")
    assert any(i["action"] == "record.update" for i in h["items"]), "the party's history shows the merge"
    st, _, old = ljz.get(f"{P}/{dupl['id']}")
    assert st == 200 and old["merged_into"] == keep["id"], "the duplicate stays, pointing at the person kept"
    st, _, dup = ljz.post(P, {"name": "孙合并", "id_type": "passport", "id_number": "E99887766"})
    assert st == 409 and dup["error"]["existing"]["id"] == keep["id"], "the merged number offers the person kept"
    st, _, body = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "respondent", "person_id": dupl["id"]})
    assert st == 422 and "person_id" in body["error"]["fields"], "a merged person cannot be linked"
    st, _, inv = ljz.get(f"{P}/{keep['id']}/involvements")
    assert any(i["entity"] == "mediation-cases" and i["id"] == case["id"] for i in inv["items"])
    st, _, h = Session(s, "auditor").get(f"/api/v1/audit?entity=persons&entity_id={dupl['id']}")
    if st == 200:
        assert {"person.merge.request", "person.merge"} <= {i["action"] for i in h["items"]}


def test_find_by_name_within_scope(ctx):
    """The registry page's 按姓名查找: ?name= keeps the persons in scope whose
    name contains the text (LIKE with %, _ taken literally); another office's
    persons stay out."""
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    st, _, a = ljz.post(P, {"name": "欧阳查找", "id_number": _id("31011519700101004")})
    assert st == 201
    st, _, b = njdl.post(P, {"name": "欧阳查找", "id_number": _id("31011519700101012")})
    assert st == 201
    st, _, c = ljz.post(P, {"name": "百分%号", "id_type": "passport", "id_number": "E98765432"})
    assert st == 201
    st, _, found = ljz.get(f"{P}?name=" + "欧阳")
    assert st == 200 and [i["id"] for i in found["items"]] == [a["id"]], found
    st, _, found = ljz.get(f"{P}?name=" + "阳查")
    assert [i["id"] for i in found["items"]] == [a["id"]], "contains, not only a prefix"
    st, _, found = ljz.get(f"{P}?name=%25")
    assert [i["id"] for i in found["items"]] == [c["id"]], "% is a character, not a wildcard"
    st, _, found = ljz.get(f"{P}?name=_")
    assert found["items"] == [], "_ is a character, not a wildcard"
    st, _, found = njdl.get(f"{P}?name=" + "欧阳查找")
    assert [i["id"] for i in found["items"]] == [b["id"]]
    st, _, body = ljz.get(f"{P}?name=" + "长" * 40)
    assert st == 422 and "name" in body["error"]["fields"]


def test_open_merge_requests_are_in_the_approvers_todo_but_not_the_requesters(ctx):
    """工作台 counts: a merge request waits in the to-do of those who may
    approve it in its scope (the office director, the district), never in
    its requester's (four eyes), and leaves it once decided."""
    s = ctx.demo_server()
    ljz, director, district = Session(s, "ljz"), Session(s, "ljz_director"), Session(s, "pudong")

    def merges(sess):
        st, _, todo = sess.get("/api/v1/todo")
        assert st == 200, todo
        return todo["counts"].get("person-merges", 0), [i for i in todo["items"] if i["entity"] == "person-merges"]

    (d0, _), (p0, _) = merges(director), merges(district)
    assert "person-merges" not in ljz.get("/api/v1/todo")[2]["counts"], "office staff cannot approve: no count"
    st, _, keep = ljz.post(P, {"name": "钱待办", "id_number": _id("31011519710303005")})
    st, _, dupl = ljz.post(P, {"name": "钱待办", "id_type": "passport", "id_number": "E55667788"})
    assert st == 201, dupl
    st, _, req = ljz.post(f"{P}/{dupl['id']}/merge", {"into_id": keep["id"], "reason": "同一人"})
    assert st == 201, req
    (d1, items), (p1, _) = merges(director), merges(district)
    assert (d1, p1) == (d0 + 1, p0 + 1), ((d0, p0), (d1, p1))
    item = next(i for i in items if i["id"] == req["id"])
    assert item["entity_label"] == "人员合并申请" and item["wf_state"] == "requested" and "合并到" in item["title"], item
    assert "钱待办" not in item["title"], "names stay masked"
    # the director's own request waits for someone else
    st, _, other = director.post(P, {"name": "李待办", "id_type": "passport", "id_number": "E55667799"})
    st, _, req2 = director.post(f"{P}/{other['id']}/merge", {"into_id": keep["id"], "reason": "同一人"})
    assert st == 201, req2
    (d2, items), (p2, _) = merges(director), merges(district)
    assert (d2, p2) == (d1, p1 + 1) and all(i["id"] != req2["id"] for i in items), ((d1, p1), (d2, p2))
    st, _, done = director.post(f"/api/v1/person-merges/{req['id']}/approve", {"note": "核实为同一人"})
    assert st == 200, done
    st, _, done = district.post(f"/api/v1/person-merges/{req2['id']}/reject", {"note": "不是同一人"})
    assert st == 200, done
    assert (merges(director)[0], merges(district)[0]) == (d0, p0), "decided: out of every to-do"
