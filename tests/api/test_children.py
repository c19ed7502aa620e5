"""Children and numbers (issue 15 point 8).  A parent declares its children
(entity_t.children): its GET carries the live ones under the declared key
with their list columns (at most 100, "more" past that); a child is created
by the child's own create naming the parent; deleting a parent with live
children is refused (409 naming how many) or deletes them too, audited, and
a restore of the parent brings back those deleted with it.  A number
(entity_t.number) is assigned at creation or at a named transition, per
office and year, gap-free (a failed create gives its number back) and unique
under concurrent creates.  A date field may default to today (Shanghai).

Through the test entities test-folders (number at creation, FF_TODAY dates)
with test-entries (cascade) and test-holds (refuse), and mediation cases
with their parties (number at 受理)."""
import datetime
import re
import time

from auth_helpers import Session
from harness import at_once, store_exec, store_query

F = "/api/v1/test-folders"
EN = "/api/v1/test-entries"
H = "/api/v1/test-holds"
C = "/api/v1/mediation-cases"
P = "/api/v1/mediation-parties"


def _today():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).strftime("%Y-%m-%d")


def _folder(sess, title="卷宗", **kw):
    st, _, rec = sess.post(F, dict({"title": title}, **kw))
    assert st == 201, rec
    return rec


def _seq(no):
    m = re.fullmatch(r"\((\d{4})\)沪(.+)测字第(\d+)-(\d{3,})号", no or "")
    assert m, no
    return int(m.group(4))


def test_parent_get_carries_its_live_children_with_their_list_columns(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    f = _folder(ljz, "子记录展示")
    assert f["entries"] == {"entity": "test-entries", "items": [], "more": False}, f
    ids = []
    for text in ("申请书", "身份证明", "调解笔录"):
        st, _, e = ljz.post(EN, {"folder_id": f["id"], "text": text, "note": "不在列表列"})
        assert st == 201, e
        ids.append(e["id"])
    st, _, hold = ljz.post(H, {"folder_id": f["id"], "reason": "涉诉"})
    assert st == 201, hold
    assert ljz.req("DELETE", f"{EN}/{ids[1]}")[0] == 200
    st, _, got = ljz.get(f"{F}/{f['id']}")
    assert st == 200, got
    items = got["entries"]["items"]
    assert [i["id"] for i in items] == [ids[0], ids[2]], "live children, in id order"
    assert items[0]["text"] == "申请书" and "note" not in items[0], "list columns only"
    assert "folder_id" not in items[0], "the parent is not repeated"
    assert "party_id_name" in items[0], "a person column carries the masked name"
    assert got["entries"]["more"] is False
    assert [h["reason"] for h in got["holds"]["items"]] == ["涉诉"]
    # the metadata names the child kinds and what deleting the parent does
    st, _, meta = ljz.get("/api/v1/meta/entities/test-folders")
    assert meta["children"] == [
        {"key": "entries", "entity": "test-entries", "label": "测试卷内文件", "parent_field": "folder_id",
         "on_delete": "cascade"},
        {"key": "holds", "entity": "test-holds", "label": "测试保全", "parent_field": "folder_id",
         "on_delete": "refuse"}], meta["children"]
    # a list of the parent does not carry children
    st, _, lst = ljz.get(f"{F}?limit=5")
    assert "entries" not in lst["items"][0]


def test_a_parent_counts_its_live_children_whoever_writes_them(ctx):
    """The parent's GET reads a kind of child only when the parent's count
    of it (n_<child table>, kept by triggers) says it has some: the count
    follows creates, deletes, restores, moves between parents, and writes
    made straight in the store (another node, psql)."""
    s = ctx.demo_server()
    ljz, pd = Session(s, "ljz"), Session(s, "pudong")
    a, b = _folder(ljz, "计数甲"), _folder(ljz, "计数乙")
    ids = [ljz.post(EN, {"folder_id": a["id"], "text": t})[2]["id"] for t in ("一", "二", "三")]

    def shown(f):
        st, _, got = ljz.get(f"{F}/{f['id']}")
        assert st == 200, got
        return [i["id"] for i in got["entries"]["items"]]

    def counts_agree():
        bad = store_query(s.url, "SELECT COUNT(*) FROM test_folder p WHERE n_test_entry <> (SELECT COUNT(*) "
                                 "FROM test_entry c WHERE c.folder_id = p.id AND c.deleted_at IS NULL)")
        assert bad == "0", "a folder's count of its entries is off"

    assert shown(a) == ids and shown(b) == []
    counts_agree()
    assert ljz.req("DELETE", f"{EN}/{ids[0]}")[0] == 200
    assert shown(a) == ids[1:]
    assert pd.post(f"{EN}/{ids[0]}/restore")[0] == 200
    assert shown(a) == ids
    st, _, e = ljz.get(f"{EN}/{ids[2]}")
    st, _, moved = ljz.req("PATCH", f"{EN}/{ids[2]}", {"folder_id": b["id"], "version": e["version"]})
    assert st == 200, moved
    assert shown(a) == ids[:2] and shown(b) == [ids[2]]
    counts_agree()
    # straight in the store: a delete, a soft delete undone, a move back
    store_exec(s.url, f"DELETE FROM test_entry WHERE id = {ids[1]}")
    assert shown(a) == ids[:1]
    store_exec(s.url, f"UPDATE test_entry SET deleted_at = updated_at WHERE id = {ids[0]}")
    assert shown(a) == []
    store_exec(s.url, f"UPDATE test_entry SET deleted_at = NULL WHERE id = {ids[0]}")
    store_exec(s.url, f"UPDATE test_entry SET folder_id = {a['id']} WHERE id = {ids[2]}")
    assert shown(a) == [ids[0], ids[2]] and shown(b) == []
    counts_agree()


def test_more_than_100_children_are_capped_and_said_so(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    f = _folder(ljz, "很多子记录")
    for i in range(101):
        assert ljz.post(EN, {"folder_id": f["id"], "text": f"第{i}份"})[0] == 201
    st, _, got = ljz.get(f"{F}/{f['id']}")
    assert len(got["entries"]["items"]) == 100 and got["entries"]["more"] is True
    st, _, lst = ljz.get(f"{EN}?folder_id={f['id']}&total=1")
    assert lst["total"] == 101, "the child's list, filtered by the parent, has them all"


def test_deleting_a_parent_with_live_refusing_children_is_409_naming_how_many(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    f = _folder(ljz, "有保全")
    holds = [ljz.post(H, {"folder_id": f["id"], "reason": r})[2] for r in ("涉诉", "审计")]
    st, _, body = ljz.req("DELETE", f"{F}/{f['id']}")
    assert st == 409, body
    assert body["error"]["code"] == "has_children"
    assert "还有 2 条测试保全" in body["error"]["message"], body
    assert ljz.get(f"{F}/{f['id']}")[0] == 200, "nothing deleted"
    for h in holds:
        assert ljz.req("DELETE", f"{H}/{h['id']}")[0] == 200
    assert ljz.req("DELETE", f"{F}/{f['id']}")[0] == 200


def test_deleting_a_parent_cascades_to_its_children_audited_and_restore_brings_them_back(ctx):
    s = ctx.demo_server()
    ljz, pd = Session(s, "ljz"), Session(s, "pudong")
    f = _folder(ljz, "级联删除")
    kept = [ljz.post(EN, {"folder_id": f["id"], "text": t})[2]["id"] for t in ("甲", "乙")]
    gone = ljz.post(EN, {"folder_id": f["id"], "text": "早已删除"})[2]["id"]
    assert ljz.req("DELETE", f"{EN}/{gone}")[0] == 200
    time.sleep(1.1)  # deletion times are to the second: a restore matches the parent's
    st, _, d = ljz.req("DELETE", f"{F}/{f['id']}")
    assert st == 200, d
    for i in kept:
        assert ljz.get(f"{EN}/{i}")[0] == 404, "deleted with its parent"
    st, _, h = pd.get(f"{EN}/{kept[0]}/history")
    last = h["items"][-1]
    assert last["action"] == "record.delete", h
    assert last["detail"]["cascade_from"] == {"entity": "test-folders", "id": f["id"]}, last
    st, _, lst = ljz.get(f"{EN}?folder_id={f['id']}&total=1")
    assert lst["total"] == 0
    # the restore brings back what went with the parent, not what was deleted before
    st, _, back = pd.post(f"{F}/{f['id']}/restore")
    assert st == 200, back
    st, _, got = ljz.get(f"{F}/{f['id']}")
    assert [i["id"] for i in got["entries"]["items"]] == kept, got["entries"]
    assert ljz.get(f"{EN}/{gone}")[0] == 404
    st, _, h = pd.get(f"{EN}/{kept[1]}/history")
    assert h["items"][-1]["action"] == "record.restore"
    assert h["items"][-1]["detail"]["restored_with"] == {"entity": "test-folders", "id": f["id"]}


def test_a_case_carries_its_parties_added_from_it_and_deleting_it_takes_them_along(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, case = ljz.post(C, {"title": "当事人测试纠纷", "source": "party_application", "category": "neighborhood"})
    assert st == 201, case
    assert case["received_on"] == _today(), "登记日期 defaults to today"
    assert case["case_no"] is None, "numbered on acceptance"
    st, _, party = ljz.post(P, {"case_id": case["id"], "role": "applicant", "unit_name": "某物业公司"})
    assert st == 201, party
    st, _, got = ljz.get(f"{C}/{case['id']}")
    assert [p["unit_name"] for p in got["parties"]["items"]] == ["某物业公司"], got["parties"]
    assert got["parties"]["items"][0]["role"] == "applicant"
    # a workflow action answers with the record as GET shows it, parties included
    st, _, accepted = ljz.post(f"{C}/{case['id']}/actions/accept", {})
    assert st == 200 and accepted["wf_state"] == "accepted", accepted
    assert [p["unit_name"] for p in accepted["parties"]["items"]] == ["某物业公司"], accepted
    assert ljz.req("DELETE", f"{C}/{case['id']}")[0] == 200
    assert ljz.get(f"{P}/{party['id']}")[0] == 404


def test_parties_added_to_one_case_at_once_all_count(ctx):
    """Each party's write updates its case's count of parties, so writers
    of one case meet on its row: none is refused and none is lost.  (On
    PostgreSQL the parent check locks the row FOR NO KEY UPDATE rather than
    FOR SHARE; with the audit chain's lock serialising writes this run passed
    with FOR SHARE too, so it pins the outcome, not that choice.)"""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, case = ljz.post(C, {"title": "多方当事人纠纷", "source": "party_application", "category": "neighborhood"})
    assert st == 201, case
    out = at_once(12, lambda i: ljz.post(P, {"case_id": case["id"], "role": "applicant", "unit_name": f"公司{i}"}))
    assert all(st == 201 for st, _, _ in out), [b for st, _, b in out if st != 201]
    st, _, got = ljz.get(f"{C}/{case['id']}")
    assert sorted(p["unit_name"] for p in got["parties"]["items"]) == sorted(f"公司{i}" for i in range(12))
    assert store_query(s.url, f"SELECT n_mediation_party FROM mediation_case WHERE id = {case['id']}") == "12"


def test_a_parent_is_created_with_its_children_in_one_request_or_not_at_all(ctx):
    """issue 16 point 2: the children a create's body carries under their
    keys are created with the parent, in its transaction, owned by its unit."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, f = ljz.post(F, {"title": "随卷新建", "entries": [{"text": "申请书"}, {"text": "笔录", "note": "附"}],
                            "holds": [{"reason": "涉诉"}]})
    assert st == 201, f
    assert [e["text"] for e in f["entries"]["items"]] == ["申请书", "笔录"], f["entries"]
    assert [h["reason"] for h in f["holds"]["items"]] == ["涉诉"], f["holds"]
    entry = f["entries"]["items"][0]
    st, _, got = ljz.get(f"{EN}/{entry['id']}")
    assert got["folder_id"] == f["id"] and got["org_id"] == f["org_id"], got
    st, _, h = Session(s, "pudong").get(f"{EN}/{entry['id']}/history")
    assert h["items"][0]["action"] == "record.create", h
    assert h["items"][0]["detail"]["with_parent"] == {"entity": "test-folders", "id": f["id"]}, h["items"][0]
    # one bad child: 422 at "entries.1.text" naming its row, and nothing kept, not even the number
    before = _folder(ljz, "之前")
    st, _, body = ljz.post(F, {"title": "坏子记录", "entries": [{"text": "好"}, {"note": "缺内容"}]})
    assert st == 422, body
    assert body["error"]["fields"] == {"entries.1.text": "必填"}, body
    assert body["error"]["message"] == "第 2 条测试卷内文件: 内容: 必填", body
    st, _, lst = ljz.get(F + "?q=坏子记录&total=1")
    assert lst["total"] == 0, lst
    after = _folder(ljz, "之后")
    assert _seq(after["folder_no"]) == _seq(before["folder_no"]) + 1, "the failed create gave its number back"
    # the parent field is the new parent's whatever the item says; a non-list is refused
    st, _, g = ljz.post(F, {"title": "指向别处", "entries": [{"text": "x", "folder_id": before["id"]}]})
    assert st == 201 and len(g["entries"]["items"]) == 1, g
    st, _, lst = ljz.get(f"{EN}?folder_id={before['id']}&total=1")
    assert lst["total"] == 0, lst
    st, _, body = ljz.post(F, {"title": "非列表", "entries": {"text": "x"}})
    assert st == 422 and body["error"]["fields"] == {"entries": "测试卷内文件应为列表"}, body
    st, _, body = ljz.post(F, {"title": "太多", "entries": [{"text": str(i)} for i in range(101)]})
    assert st == 422 and "100" in body["error"]["message"], body


def test_a_clerk_registers_a_case_with_two_parties_in_one_request(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, person = ljz.post("/api/v1/persons", {"name": "韩梅梅", "id_type": "hk_macao_permit",
                                                 "id_number": "H87654321"})
    assert st in (201, 409), person
    pid = person["id"] if st == 201 else person["error"]["existing"]["id"]
    st, _, case = ljz.post(C, {"title": "两方当事人纠纷", "source": "party_application", "category": "neighborhood",
                               "parties": [{"role": "applicant", "person_id": pid},
                                           {"role": "respondent", "unit_name": "某物业公司"}]})
    assert st == 201, case
    items = case["parties"]["items"]
    assert [p["role"] for p in items] == ["applicant", "respondent"], items
    assert items[1]["unit_name"] == "某物业公司" and items[0]["person_id"] == pid, items
    # the party's own rule (a person or a unit, never both) refuses the whole case
    st, _, body = ljz.post(C, {"title": "双重身份", "source": "party_application", "category": "neighborhood",
                               "parties": [{"role": "applicant", "person_id": pid, "unit_name": "又是单位"}]})
    assert st == 422, body
    assert body["error"]["fields"] == {"parties.0.unit_name": "当事人是自然人时不填单位名称"}, body
    assert body["error"]["message"].startswith("第 1 条调解案件当事人: 当事人 (单位): "), body
    st, _, lst = ljz.get(C + "?q=双重身份&total=1")
    assert lst["total"] == 0, lst


def test_numbers_are_assigned_at_creation_consecutive_and_gap_free_after_a_failed_create(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    a = _folder(ljz, "编号一")
    year = _today()[:4]
    assert re.fullmatch(rf"\({year}\)沪浦测字第{a['org_id']}-\d{{3}}号", a["folder_no"]), a["folder_no"]
    # a create that fails after its number was taken (the entity's rule) gives it back
    st, _, body = ljz.post(F, {"title": "作废"})
    assert st == 422 and "作废" in body["error"]["message"], body
    b = _folder(ljz, "编号二")
    assert _seq(b["folder_no"]) == _seq(a["folder_no"]) + 1, (a["folder_no"], b["folder_no"])
    # the number is the engine's: a create or an update may not set it
    st, _, body = ljz.post(F, {"title": "自编号", "folder_no": "(2026)沪浦测字第1-001号"})
    assert st == 422 and body["error"]["fields"]["folder_no"] == "由系统按年度顺序编号", body
    st, _, body = ljz.req("PATCH", f"{F}/{b['id']}", {"version": b["version"], "folder_no": "x"})
    assert st == 422, body
    # another office (南京东路, 黄浦区) counts on its own, with its district's short name
    other = _folder(Session(s, "njdl"), "另一所")
    assert re.fullmatch(rf"\({year}\)沪黄测字第{other['org_id']}-\d{{3}}号", other["folder_no"]), other["folder_no"]
    assert other["org_id"] != a["org_id"]


def test_twenty_creates_at_once_get_twenty_distinct_consecutive_numbers(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    first = _seq(_folder(ljz, "并发前")["folder_no"])
    out = at_once(20, lambda i: ljz.post(F, {"title": f"并发{i}"}))
    assert all(st == 201 for st, _, _ in out), [b for st, _, b in out if st != 201]
    seqs = sorted(_seq(b["folder_no"]) for _, _, b in out)
    assert seqs == list(range(first + 1, first + 21)), seqs
    assert len({b["folder_no"] for _, _, b in out}) == 20


def test_a_case_is_numbered_when_accepted_after_the_demo_numbers_and_keeps_it(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    body = {"title": "编号测试纠纷", "source": "party_application", "category": "neighborhood"}
    st, _, case = ljz.post(C, body)
    st, _, rejected = ljz.post(C, body)
    st, _, acc = ljz.post(f"{C}/{case['id']}/actions/accept", {})
    assert st == 200, acc
    m = re.fullmatch(r"\((\d{4})\)沪调字第(\d+)-(\d{4})号", acc["case_no"] or "")
    assert m and m.group(1) == _today()[:4], acc["case_no"]
    st, _, rej = ljz.post(f"{C}/{rejected['id']}/actions/reject", {"reject_reason": "不属于调解范围"})
    assert st == 200 and rej["case_no"] is None, "a rejected application takes no number"
    # no other case of the store has it (the demo's numbers are counted in)
    st, _, lst = ljz.get(f"{C}?sort=-case_no&limit=100&fields=case_no")
    nos = [i["case_no"] for i in lst["items"] if i.get("case_no")]
    assert nos.count(acc["case_no"]) == 1, acc["case_no"]
    st, _, again = ljz.post(C, body)
    st, _, acc2 = ljz.post(f"{C}/{again['id']}/actions/accept", {})
    assert int(acc2["case_no"][-5:-1]) == int(m.group(3)) + 1, (acc["case_no"], acc2["case_no"])


def test_dates_declared_today_default_to_shanghai_today_and_meta_says_so(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    f = _folder(ljz, "日期默认")
    assert f["opened_on"] == _today() and f["remind_on"] == _today(), f
    g = _folder(ljz, "给定日期", opened_on="2026-01-05", remind_on=None)
    assert g["opened_on"] == "2026-01-05" and g["remind_on"] is None, "given values and an explicit null stay"
    st, _, meta = ljz.get("/api/v1/meta/entities/test-folders")
    fields = {x["name"]: x for x in meta["fields"]}
    assert fields["opened_on"]["default"] == "today" and fields["opened_on"]["default_value"] == _today()
    assert "default" not in fields["title"]
    assert meta["number"] == {"field": "folder_no", "pattern": "({year})沪{district}测字第{office}-{seq:3}号",
                              "at": None}
    st, _, meta = ljz.get("/api/v1/meta/entities/mediation-cases")
    assert meta["number"]["at"] == "accept"
    assert {x["name"]: x for x in meta["fields"]}["received_on"]["default"] == "today"


def test_an_import_numbers_its_rows_in_row_order_after_the_last_number(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    before = _seq(_folder(ljz, "导入前")["folder_no"])
    csv = "标题,立卷日期\r\n导入甲,2026-03-01\r\n导入乙,2026-03-02\r\n导入丙,2026-03-03\r\n"
    st, _, body = ljz.req("POST", f"{F}/import", raw_body=csv.encode(), headers={"Content-Type": "text/csv"})
    assert st == 202, body
    deadline = time.time() + 60
    while True:
        st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
        if job["status"] in ("done", "failed", "cancelled"):
            break
        assert time.time() < deadline, job
        time.sleep(0.05)
    assert job["status"] == "done" and job["written"] == 3, job
    st, _, lst = ljz.get(f"{F}?sort=id&limit=100")
    got = {i["title"]: _seq(i["folder_no"]) for i in lst["items"] if i["title"].startswith("导入") and i["title"] != "导入前"}
    assert got == {"导入甲": before + 1, "导入乙": before + 2, "导入丙": before + 3}, got
    assert _seq(_folder(ljz, "导入后")["folder_no"]) == before + 4
