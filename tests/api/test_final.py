"""Final states lock the record (issue 15 point 6): in a state declared final
(办结, 已归档, …) update and delete are refused with 409 record_final naming
the state, and so is adding, changing, deleting or restoring a child (an
entity whose .parent points at the record) — unless the workflow declares a
transition out of the state (a reopen), fired only with a reason, which is
audited.  Through the test entities (SIFASUO_TEST_ENTITY=1) and mediation
cases with their parties."""
import time
import uuid

from auth_helpers import Session

E = "/api/v1/test-items"
N = "/api/v1/test-notes"
C = "/api/v1/mediation-cases"
P = "/api/v1/mediation-parties"


def _closed_item(s, title):
    """A test item taken to 办结 under workflow v2 (accept, submit, director's approval)."""
    ljz = Session(s, "ljz")
    st, _, rec = ljz.post(E, {"title": title, "category": "neighborhood", "phone": "13912345678"})
    assert st == 201, rec
    path = f"{E}/{rec['id']}/actions"
    assert ljz.post(f"{path}/accept", {})[0] == 200
    assert ljz.post(f"{path}/submit", {"result": "双方和解"})[0] == 200
    st, _, done = Session(s, "ljz_director").post(f"{path}/approve", {})
    assert st == 200 and done["wf_state"] == "closed", done
    return done


def _assert_final(st, body, state_label):
    assert st == 409, body
    err = body["error"]
    assert err["code"] == "record_final", err
    assert f"「{state_label}」" in err["message"], err["message"]
    return err


def test_final_record_refuses_update_and_delete_naming_the_state(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, open_rec = ljz.post(E, {"title": "未办结的记录"})
    assert open_rec["locked"] is False and "locked_reason" not in open_rec
    rec = _closed_item(s, "已办结的记录")
    assert rec["locked"] is True and "办结" in rec["locked_reason"], rec
    # a list row says whether, the record's own answer why
    st, _, page = ljz.get(f"{E}?limit=100")
    row = next(x for x in page["items"] if x["id"] == rec["id"])
    assert row["locked"] is True and "locked_reason" not in row, row
    assert ljz.get(f"{E}/{rec['id']}")[2]["locked_reason"] == rec["locked_reason"]

    st, _, body = ljz.req("PATCH", f"{E}/{rec['id']}", {"version": rec["version"], "title": "改掉"})
    err = _assert_final(st, body, "办结")
    assert "不能修改" in err["message"] and err["state"] == "closed" and err["state_label"] == "办结"
    assert err["reopen"] == [], "office staff may not reopen: no action offered"
    st, _, body = ljz.req("DELETE", f"{E}/{rec['id']}")
    assert "不能删除" in _assert_final(st, body, "办结")["message"]
    # a district administrator is refused too, and is told how to reopen
    pd = Session(s, "pudong")
    st, _, body = pd.req("DELETE", f"{E}/{rec['id']}")
    err = _assert_final(st, body, "办结")
    assert err["reopen"] == [{"action": "reopen", "label": "重新办理"}], err
    assert "「重新办理」" in err["message"]

    st, _, again = ljz.get(f"{E}/{rec['id']}")
    assert again["title"] == "已办结的记录" and again["version"] == rec["version"] and "deleted_at" not in again
    st, _, h = ljz.get(f"{E}/{rec['id']}/history")
    assert not [i for i in h["items"] if i["action"] in ("record.update", "record.delete")], "nothing written"
    # the metadata says which states lock, and which transitions reopen
    st, _, meta = ljz.get("/api/v1/meta/entities/test-items")
    locks = {x["key"]: x["locks"] for x in meta["workflow"]["states"]}
    assert locks == {"registered": False, "accepted": False, "review": False, "closed": True, "rejected": True}
    reopen = {t["action"]: t["reopen"] for t in meta["workflow"]["transitions"]}
    assert reopen["reopen"] is True and reopen["accept"] is False
    # the list carries the lock as well
    st, _, lst = ljz.get(f"{E}?q=已办结的记录")
    assert [i["locked"] for i in lst["items"]] == [True]


def test_reopen_needs_a_reason_is_audited_and_unlocks(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    pd = Session(s, "pudong")
    rec = _closed_item(s, "重新办理的记录")
    path = f"{E}/{rec['id']}/actions/reopen"
    assert ljz.post(path, {"reason": "x"})[0] == 403, "the reopen has its own permission"
    st, _, seen = pd.get(f"{E}/{rec['id']}")
    assert [(a["action"], a.get("reopen")) for a in seen["actions"]] == [("reopen", True)]
    for body in ({}, {"reason": "   "}, {"reason": ""}, {"reason": 5}, {"reason": "长" * 501}):
        st, _, err = pd.post(path, body)
        assert st == 422 and "reason" in err["error"]["fields"], (body, err)
    st, _, same = ljz.get(f"{E}/{rec['id']}")
    assert same["wf_state"] == "closed" and same["version"] == rec["version"], "a refused reopen changes nothing"
    st, _, back = pd.post(path, {"reason": "当事人反映协议未履行, 区局要求重新办理", "version": rec["version"]})
    assert st == 200 and back["wf_state"] == "accepted" and back["locked"] is False, back
    # the reason is in the record's history, with the reopen marked
    st, _, h = ljz.get(f"{E}/{rec['id']}/history")
    row = next(i for i in h["items"] if i["action"] == "workflow.reopen")
    assert row["detail"]["reason"] == "当事人反映协议未履行, 区局要求重新办理" and row["detail"]["reopen"] is True
    assert row["detail"]["from"] == "closed" and row["detail"]["to"] == "accepted"
    # then it may be edited again
    st, _, up = ljz.req("PATCH", f"{E}/{rec['id']}", {"version": back["version"], "summary": "补充材料"})
    assert st == 200 and up["summary"] == "补充材料", up
    # a reason belongs to a reopen only
    st, _, other = ljz.post(E, {"title": "普通操作"})
    st, _, err = ljz.post(f"{E}/{other['id']}/actions/accept", {"reason": "x"})
    assert st == 422 and "reason" in err["error"]["fields"]


def test_a_workflow_without_a_reopen_keeps_the_record_locked(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, rec = ljz.post(E, {"title": "不予受理的记录"})
    st, _, done = ljz.post(f"{E}/{rec['id']}/actions/reject", {"reject_reason": "不属于受理范围"})
    assert st == 200 and done["wf_state"] == "rejected" and done["locked"] is True
    assert "如需更正" not in done["locked_reason"], "no reopen out of 不予受理"
    pd = Session(s, "pudong")
    st, _, body = pd.req("PATCH", f"{E}/{rec['id']}", {"version": done["version"], "title": "x"})
    assert _assert_final(st, body, "不予受理")["reopen"] == []
    st, _, body = pd.post(f"{E}/{rec['id']}/actions/reopen", {"reason": "x"})
    assert st == 409 and body["error"]["code"] == "action_not_allowed"


def test_children_of_a_final_record_are_locked_with_it(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, meta = ljz.get("/api/v1/meta/entities/test-notes")
    assert meta["parent"] == "item_id"
    st, _, other = ljz.post(E, {"title": "另一条未办结记录"})
    st, _, item = ljz.post(E, {"title": "有备注的记录"})
    st, _, note = ljz.post(N, {"item_id": item["id"], "note": "办理前的备注"})
    assert st == 201, note
    st, _, gone = ljz.post(N, {"item_id": item["id"], "note": "办理前删除的备注"})
    assert ljz.req("DELETE", f"{N}/{gone['id']}")[0] == 200
    st, _, got = ljz.get(f"{N}/{note['id']}")
    assert got["locked"] is False
    path = f"{E}/{item['id']}/actions"
    ljz.post(f"{path}/accept", {})
    ljz.post(f"{path}/submit", {"result": "已办结"})
    st, _, item = Session(s, "ljz_director").post(f"{path}/approve", {})
    assert item["wf_state"] == "closed"

    st, _, body = ljz.post(N, {"item_id": item["id"], "note": "办结后的备注"})
    err = _assert_final(st, body, "办结")
    assert "测试记录" in err["message"] and "不能添加测试备注" in err["message"], err["message"]
    st, _, body = ljz.req("PATCH", f"{N}/{note['id']}", {"version": note["version"], "note": "改"})
    assert "不能修改" in _assert_final(st, body, "办结")["message"]
    st, _, body = ljz.req("PATCH", f"{N}/{note['id']}", {"version": note["version"], "item_id": other["id"]})
    _assert_final(st, body, "办结")  # nor moved out of it
    st, _, body = ljz.req("DELETE", f"{N}/{note['id']}")
    assert "不能删除" in _assert_final(st, body, "办结")["message"]
    pd = Session(s, "pudong")
    st, _, body = pd.post(f"{N}/{gone['id']}/restore")
    assert "不能恢复" in _assert_final(st, body, "办结")["message"]
    # nor moved into it
    st, _, free = ljz.post(N, {"item_id": other["id"], "note": "别处的备注"})
    st, _, body = ljz.req("PATCH", f"{N}/{free['id']}", {"version": free["version"], "item_id": item["id"]})
    _assert_final(st, body, "办结")
    st, _, got = ljz.get(f"{N}/{note['id']}")
    assert got["locked"] is True and "办结" in got["locked_reason"] and got["note"] == "办理前的备注"
    st, _, lst = ljz.get(f"{N}?item_id={item['id']}")
    assert lst["total"] == 1, "nothing was added, nothing removed"

    # an import adds no child to it either
    tag = uuid.uuid4().hex[:8]
    csv = f"所属测试记录,备注\r\n{item['id']},导入{tag}\r\n{other['id']},导入{tag}\r\n".encode()
    st, _, job = ljz.req("POST", f"{N}/import?mode=skip_invalid", raw_body=csv, headers={"Content-Type": "text/csv"})
    assert st == 202, job
    job_id, deadline = job["job"], time.time() + 60
    while True:
        st, _, job = ljz.get(f"/api/v1/jobs/{job_id}")
        if job["status"] in ("done", "failed", "cancelled"):
            break
        assert time.time() < deadline, job
        time.sleep(0.02)
    assert (job["status"], job["written"], job["rejected"]) == ("done", 1, 1), job
    assert job["errors"][0]["row"] == 2 and "「办结」" in job["errors"][0]["message"], job["errors"]

    # reopened, the record takes children again
    st, _, item = pd.post(f"{path}/reopen", {"reason": "需补充备注"})
    assert st == 200, item
    st, _, added = ljz.post(N, {"item_id": item["id"], "note": "重新办理后的备注"})
    assert st == 201, added


def test_archived_mediation_case_is_locked_and_the_district_may_unarchive(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, case = ljz.post(C, {"title": "归档锁定测试纠纷", "received_on": "2026-09-24", "source": "party_application",
                               "category": "neighborhood", "summary": "测试"})
    assert st == 201, case
    st, _, party = ljz.post(P, {"case_id": case["id"], "role": "applicant", "unit_name": "上海某某物业管理有限公司"})
    assert st == 201, party
    for action, body in (("accept", {}), ("start", {}),
                         ("succeed", {"agreement_form": "written", "agreement_content": "赔偿", "resolved_level": "village"}),
                         ("visit", {"visit_note": "已履行"}), ("archive", {})):
        st, _, case = ljz.post(f"{C}/{case['id']}/actions/{action}", body)
        assert st == 200, (action, case)
    assert case["wf_state"] == "archived" and case["locked"] is True and case["actions"] == []

    st, _, body = ljz.req("PATCH", f"{C}/{case['id']}", {"version": case["version"], "summary": "改"})
    assert _assert_final(st, body, "已归档")["message"].startswith("记录已处于「已归档」状态, 不能修改")
    st, _, body = ljz.req("DELETE", f"{C}/{case['id']}")
    _assert_final(st, body, "已归档")
    st, _, body = ljz.post(P, {"case_id": case["id"], "role": "respondent", "unit_name": "某公司"})
    assert "不能添加调解案件当事人" in _assert_final(st, body, "已归档")["message"]
    st, _, body = ljz.req("PATCH", f"{P}/{party['id']}", {"version": party["version"], "agent": "王律师"})
    _assert_final(st, body, "已归档")
    st, _, body = ljz.req("DELETE", f"{P}/{party['id']}")
    _assert_final(st, body, "已归档")

    # the office that archived it may not take it out; the district may, with a reason
    assert ljz.post(f"{C}/{case['id']}/actions/unarchive", {"reason": "x"})[0] == 403
    pd = Session(s, "pudong")
    st, _, body = pd.post(f"{C}/{case['id']}/actions/unarchive", {})
    assert st == 422 and "reason" in body["error"]["fields"]
    st, _, back = pd.post(f"{C}/{case['id']}/actions/unarchive", {"reason": "卷宗评查发现当事人名称有误"})
    assert st == 200 and back["wf_state"] == "visited" and back["locked"] is False, back
    st, _, up = ljz.req("PATCH", f"{P}/{party['id']}", {"version": party["version"], "unit_name": "上海某某物业有限公司"})
    assert st == 200, up
    st, _, again = ljz.post(f"{C}/{case['id']}/actions/archive", {})
    assert st == 200 and again["wf_state"] == "archived"
    st, _, h = ljz.get(f"{C}/{case['id']}/history")
    row = next(i for i in h["items"] if i["action"] == "workflow.unarchive")
    assert row["detail"]["reason"] == "卷宗评查发现当事人名称有误"
