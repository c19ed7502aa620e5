"""The resource engine (issue 4) through its test entities (declared only
with SIFASUO_TEST_ENTITY=1): validation, lists, scope, versions, soft
delete, history, workflows with working-day deadlines, the to-do inbox,
escalation, protected records, personal information."""
import subprocess
import time
from urllib.parse import quote

from auth_helpers import Session, admin_session
from harness import demo_store, new_store, recomputing, run_cli, sqlite_shell, store_exec

E = "/api/v1/test-items"


def _new(sess, **kw):
    body = {"title": "邻里噪音纠纷", "category": "neighborhood", "amount": "1200.50", "headcount": 2,
            "happened_on": "2026-11-02", "urgent": False, "phone": "13912345678"}
    body.update(kw)
    st, _, rec = sess.post(E, body)
    assert st == 201, rec
    return rec


def _codes(sess):
    st, _, meta = sess.get("/api/v1/meta/entities/test-items")
    cat = next(f for f in meta["fields"] if f["name"] == "category")
    return [c["code"] for c in cat["codes"]]


def test_meta_describes_fields_workflow_and_rights(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    item = next(i for i in lst["items"] if i["name"] == "test-items")
    assert item["label"] == "测试记录" and item["can"]["create"] and not item["can"]["restore"]
    st, _, meta = ljz.get("/api/v1/meta/entities/test-items")
    names = [f["name"] for f in meta["fields"]]
    assert names[:3] == ["title", "summary", "category"]
    amount = next(f for f in meta["fields"] if f["name"] == "amount")
    assert amount["type"] == "decimal" and amount["scale"] == 2
    assert next(f for f in meta["fields"] if f["name"] == "phone")["pi"] is True
    assert len(_codes(ljz)) >= 15
    wf = meta["workflow"]
    assert wf["version"] == 2 and wf["initial"] == "registered" and wf["deadline_days"] == 30
    approve = next(t for t in wf["transitions"] if t["action"] == "approve")
    assert approve["allowed"] is False, "office staff may not approve"
    d = Session(s, "ljz_director")
    st, _, meta = d.get("/api/v1/meta/entities/test-items")
    assert next(t for t in meta["workflow"]["transitions"] if t["action"] == "approve")["allowed"] is True


def test_create_validates_every_field_in_chinese(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    njdl = Session(s, "njdl")
    other_org = njdl.login_body["user"]["org"]["id"]
    bad = {"title": 5, "amount": "12.345", "headcount": 99999, "happened_on": "2026-02-30", "urgent": "yes",
           "category": "nope", "village_id": other_org, "phone": "12345", "colour": "red", "result": "x"}
    st, _, body = ljz.post(E, bad)
    assert st == 422, body
    f = body["error"]["fields"]
    for k in ["title", "amount", "headcount", "happened_on", "urgent", "category", "village_id", "phone", "colour", "result"]:
        assert k in f, (k, f)
        assert any(ord(ch) > 0x4E00 for ch in f[k]), (k, f[k])
    st, _, body = ljz.post(E, {"summary": "没有标题"})
    assert st == 422 and body["error"]["fields"]["title"] == "必填"
    st, _, body = ljz.post(E, {"title": "x" * 101})
    assert st == 422 and "100" in body["error"]["fields"]["title"]
    st, _, body = ljz.post(E, {"title": "金额是浮点", "amount": 0.1})
    assert st == 201 and body["amount"] == "0.10", "decimals are exact, never binary floats"


def test_record_round_trip_masked_versioned(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    rec = _new(ljz)
    assert rec["amount"] == "1200.50" and rec["phone"] == "139****5678" and rec["version"] == 1
    assert rec["wf_state"] == "registered" and rec["wf_state_label"] == "登记" and rec["wf_version"] == 2
    assert rec["due_at"] > rec["created_at"][:10] and rec["state_due_at"]
    st, _, got = ljz.get(f"{E}/{rec['id']}")
    assert got == rec
    st, _, body = ljz.req("PATCH", f"{E}/{rec['id']}", {"title": "改了标题"})
    assert st == 422 and "version" in body["error"]["fields"]
    st, _, up = ljz.req("PATCH", f"{E}/{rec['id']}", {"title": "改了标题", "version": 1})
    assert st == 200 and up["version"] == 2 and up["title"] == "改了标题"
    st, _, body = ljz.req("PATCH", f"{E}/{rec['id']}", {"title": "迟到的修改", "version": 1})
    assert st == 409 and body["error"]["code"] == "version_conflict"
    st, _, got = ljz.get(f"{E}/{rec['id']}")
    assert got["title"] == "改了标题", "a stale write changes nothing"
    st, _, body = ljz.req("PATCH", f"{E}/{rec['id']}", {"org_id": 1, "version": 2})
    assert st == 422


def test_lists_filter_sort_page_and_search(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    codes = _codes(ljz)
    made = []
    for i in range(7):
        made.append(_new(ljz, title=f"第{i}号 物业漏水", category=codes[i % 3], amount=f"{100 * i}.00",
                         happened_on=f"2026-10-0{i + 1}", urgent=i % 2 == 0))
    st, _, body = ljz.get(f"{E}?category={codes[0]},{codes[1]}&limit=500")
    assert body["total"] == len(body["items"]) and all(i["category"] in codes[:2] for i in body["items"])
    st, _, body = ljz.get(f"{E}?amount.from=200&amount.to=400&q=物业漏水")
    assert sorted(i["amount"] for i in body["items"]) == ["200.00", "300.00", "400.00"]
    st, _, body = ljz.get(f"{E}?happened_on.from=2026-10-02&happened_on.to=2026-10-03&q=物业")
    assert len(body["items"]) == 2
    st, _, body = ljz.get(f"{E}?q=漏水&urgent=true")
    assert len(body["items"]) == 4
    st, _, body = ljz.get(f"{E}?q=漏")  # one Chinese character
    assert len(body["items"]) >= 7
    # keyset paging by amount, descending: no row twice, none lost
    seen, after = [], None
    while True:
        st, _, page = ljz.get(f"{E}?q=物业漏水&sort=-amount&limit=3" + (f"&after={after}" if after else ""))
        seen += [i["amount"] for i in page["items"]]
        assert page.get("total") == (None if after else 7), "total on the first page only"
        if after:
            assert ljz.get(f"{E}?q=物业漏水&sort=-amount&limit=3&after={after}&total=1")[2]["total"] == 7
        after = page["next"]
        if not after:
            break
    assert "total" not in ljz.get(f"{E}?q=物业漏水&total=0")[2]
    assert seen == sorted(seen, key=float, reverse=True) and len(seen) == 7
    for q in ["nosuchfield=1", "amount.gt=5", "sort=summary", "amount=abc", "after=zz", "limit=0"]:
        st, _, body = ljz.get(f"{E}?{q}")
        assert st == 422, q
    st, _, body = ljz.get(f"{E}?phone=13912345678")
    assert body["items"] and all(i["phone"] == "139****5678" for i in body["items"]), "blind-index lookup"


def test_list_fields_choose_what_items_carry(ctx):
    """?fields= (the web list's shown columns): the spine and those fields
    only, the same values as the whole record, paging by a field not asked
    for; anything else is a 422 naming fields."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    made = [_new(ljz, title=f"选列{i} 物业漏水", amount=f"{i}00.00") for i in range(3)]
    st, _, whole = ljz.get(f"{E}?q=选列&sort=-amount")
    assert st == 200 and whole["total"] == 3
    assert all("summary" in i and "actions" in i for i in whole["items"]), "without fields=, whole records"
    spine = {"id", "org_id", "org_name", "version", "created_at", "updated_at", "wf_state", "wf_state_label",
             "wf_version", "due_at", "state_due_at", "overdue", "escalated", "locked"}
    chosen = {"title", "phone", "party_id", "party_id_name", "happened_on"}
    seen, after = [], None
    while True:
        st, _, page = ljz.get(f"{E}?q=选列&sort=-amount&limit=2&fields=title,phone,party_id,happened_on"
                              + (f"&after={after}" if after else ""))
        assert st == 200, page
        for item in page["items"]:
            assert set(item) == spine | chosen, set(item) ^ (spine | chosen)
            full = next(w for w in whole["items"] if w["id"] == item["id"])
            assert all(item[k] == full[k] for k in item), "the same values as the whole record"
            assert item["phone"] == "139****5678", "still masked"
        seen += [i["id"] for i in page["items"]]
        after = page["next"]
        if not after:
            break
    assert seen == [w["id"] for w in whole["items"]] == [m["id"] for m in reversed(made)]
    for q in ["fields=nosuch", "fields=", "fields=title,", "fields=title,,summary", "fields=" + "x" * 300]:
        st, _, body = ljz.get(f"{E}?{q}")
        assert st == 422 and "fields" in body["error"]["fields"], (q, body)
        assert any(ord(ch) > 0x4E00 for ch in body["error"]["fields"]["fields"]), body


def test_scope_two_offices(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    rec = _new(ljz, title="只属于陆家嘴")
    st, _, _ = njdl.get(f"{E}/{rec['id']}")
    assert st == 404
    for method, path, body in [("PATCH", f"{E}/{rec['id']}", {"title": "x", "version": 1}),
                               ("DELETE", f"{E}/{rec['id']}", None),
                               ("POST", f"{E}/{rec['id']}/actions/accept", {}),
                               ("GET", f"{E}/{rec['id']}/history", None)]:
        st, _, _ = njdl.req(method, path, body)
        assert st == 404, (method, path, st)
    st, _, lst = njdl.get(f"{E}?q=只属于陆家嘴")
    assert lst["items"] == [] and lst["total"] == 0
    pd = Session(s, "pudong")
    st, _, lst = pd.get(f"{E}?q=只属于陆家嘴")
    assert lst["total"] == 1, "the district sees its offices"


def test_soft_delete_restore_and_history(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    rec = _new(ljz, title="将被删除")
    st, _, up = ljz.req("PATCH", f"{E}/{rec['id']}", {"amount": "99.99", "version": 1})
    st, _, d = ljz.req("DELETE", f"{E}/{rec['id']}")
    assert st == 200 and d["deleted_at"]
    st, _, _ = ljz.get(f"{E}/{rec['id']}")
    assert st == 404
    st, _, lst = ljz.get(f"{E}?q=将被删除")
    assert lst["total"] == 0
    assert ljz.post(f"{E}/{rec['id']}/restore")[0] == 403
    pd = Session(s, "pudong")
    st, _, lst = pd.get(f"{E}?q=将被删除&deleted=1")
    assert lst["total"] == 1
    st, _, back = pd.post(f"{E}/{rec['id']}/restore")
    assert st == 200 and "deleted_at" not in back
    st, _, h = ljz.get(f"{E}/{rec['id']}/history")
    acts = [i["action"] for i in h["items"]]
    assert acts == ["record.create", "record.update", "record.delete", "record.restore"], acts
    upd = h["items"][1]["detail"]
    assert upd["before"]["amount"] == "1200.50" and upd["after"]["amount"] == "99.99"
    assert "phone" not in upd["after"], "unchanged fields are not repeated"
    assert "13912345678" not in str(h), "personal information stays masked in history"


def test_workflow_guards_requirements_permissions_and_versions(ctx):
    s = ctx.demo_server()
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    rec = _new(ljz, title="流程测试")
    path = f"{E}/{rec['id']}/actions"
    st, _, body = ljz.post(f"{path}/reject", {})
    assert st == 422 and "reject_reason" in body["error"]["fields"]
    st, _, body = ljz.post(f"{path}/submit", {"result": "x"})
    assert st == 409 and body["error"]["code"] == "action_not_allowed"
    assert sorted(a["action"] for a in body["error"]["allowed"]) == ["accept", "reject"]
    assert "登记" in body["error"]["message"]
    st, _, acc = ljz.post(f"{path}/accept", {"comment": "材料齐全"})
    assert st == 200 and acc["wf_state"] == "accepted" and acc["version"] == 2
    st, _, body = ljz.post(f"{path}/accept", {})
    assert st == 409
    st, _, body = ljz.post(f"{path}/submit", {"result": "双方和解", "colour": "x"})
    assert st == 422 and "colour" in body["error"]["fields"]
    st, _, sub = ljz.post(f"{path}/submit", {"result": "双方和解"})
    assert st == 200 and sub["wf_state"] == "review" and sub["result"] == "双方和解"
    assert ljz.post(f"{path}/approve", {})[0] == 403
    st, _, done = director.post(f"{path}/approve", {})
    assert st == 200 and done["wf_state"] == "closed" and done["due_at"] is None
    st, _, h = ljz.get(f"{E}/{rec['id']}/history")
    wf = [i for i in h["items"] if i["action"].startswith("workflow.")]
    assert [i["action"] for i in wf] == ["workflow.accept", "workflow.submit", "workflow.approve"]
    assert wf[0]["detail"]["comment"] == "材料齐全" and wf[0]["detail"]["from"] == "registered"
    # a record begun under v1 finishes under v1
    old = _new(ljz, title="旧版流程")
    if ctx.kind == "sqlite":
        subprocess.run([*sqlite_shell(s.url[7:]), f"UPDATE test_item SET wf_version = 1 WHERE id = {old['id']}"], check=True)
    else:
        subprocess.run(["psql", s.url, "-qc", f"UPDATE test_item SET wf_version = 1 WHERE id = {old['id']}"], check=True)
    p2 = f"{E}/{old['id']}/actions"
    assert ljz.post(f"{p2}/accept", {})[0] == 200
    assert ljz.post(f"{p2}/submit", {"result": "x"})[0] == 404, "v1 has no review step"
    st, _, closed = ljz.post(f"{p2}/close", {"result": "调解成功"})
    assert st == 200, closed
    assert closed["wf_state"] == "closed" and closed["wf_version"] == 1


def test_todo_overdue_first_and_escalation(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    rec = _new(ljz, title="待办事项")
    st, _, todo = ljz.get("/api/v1/todo")
    assert st == 200 and todo["counts"]["test-items"] >= 1
    assert any(i["id"] == rec["id"] and i["entity"] == "test-items" for i in todo["items"])
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60 * 86400))
    s2 = ctx.server(s.url, env={"SIFASUO_NOW": later})
    ljz = Session(s2, "ljz")  # two months on, a new sign-in
    st, _, todo = ljz.get("/api/v1/todo")
    assert st == 200, todo
    assert todo["items"][0]["overdue"] is True and todo["overdue"] >= 1
    r = run_cli(["scheduler"], s.url, env={"SIFASUO_NOW": later})
    assert r.returncode == 0 and "督办" in r.stdout, r.stdout + r.stderr
    st, _, got = ljz.get(f"{E}/{rec['id']}")
    assert got["escalated"] is True and got["overdue"] is True
    st, _, h = ljz.get(f"{E}/{rec['id']}/history")
    assert any(i["action"] == "workflow.escalate" for i in h["items"])
    st, _, lst = ljz.get(f"{E}?overdue=1&q=待办事项")
    assert lst["total"] >= 1 and all(i["overdue"] for i in lst["items"])
    assert ljz.get(f"{E}?overdue=1&org_id={ljz.login_body['user']['org']['id']}&sort=-amount")[2]["total"] >= 1
    st, _, every = ljz.get(f"{E}?overdue=0&q=待办事项")
    assert st == 200 and every["total"] >= lst["total"], "overdue=0 filters nothing"
    st, _, body = ljz.get(f"{E}?overdue=yes")
    assert st == 422 and "overdue" in body["error"]["fields"], body
    njdl = Session(s, "njdl")
    st, _, todo = njdl.get("/api/v1/todo")
    # (by entity and id: njdl's inbox holds problems too, whose ids may match)
    assert all((i["entity"], i["id"]) != ("test-items", rec["id"]) for i in todo["items"]), \
        "another office's to-dos stay there"
    s2.stop()  # two months ahead, its sweep would end the later tests' sessions on the shared store


def test_protected_records_need_break_the_glass(ctx):
    s = ctx.demo_server()
    ljz, pd = Session(s, "ljz"), Session(s, "pudong")
    st, _, sec = ljz.post("/api/v1/test-secrets", {"title": "矫正对象甲"})
    assert st == 201
    assert ljz.get(f"/api/v1/test-secrets/{sec['id']}")[0] == 200, "the owning office reads its own"
    st, _, body = pd.get(f"/api/v1/test-secrets/{sec['id']}")
    assert st == 403 and body["error"]["code"] == "protected"
    assert pd.get("/api/v1/test-secrets")[0] == 403
    st, _, g = pd.post("/api/v1/breakglass", {"org_id": ljz.login_body["user"]["org"]["id"], "entity": "test-secrets",
                                              "reason": "区局复核矫正对象的报到记录"})
    assert st == 201, g
    st, _, body = pd.get(f"/api/v1/test-secrets/{sec['id']}")
    assert st == 200 and body["title"] == "矫正对象甲"
    st, _, lst = pd.get("/api/v1/test-secrets")
    assert lst["total"] >= 1
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get("/api/v1/audit?action=record.read_protected")
    assert any(i["username"] == "pudong" and i["entity_id"] == sec["id"] for i in log["items"])


def test_unmask_engine_field(ctx):
    s = ctx.demo_server()
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    rec = _new(ljz, title="联系电话", phone="13700001111")
    assert ljz.post(f"{E}/{rec['id']}/unmask")[0] == 403
    st, _, body = director.post(f"{E}/{rec['id']}/unmask")
    assert st == 200 and body["phone"] == "13700001111"


def test_unmask_answers_while_another_process_writes(ctx):
    """The values are shown only once the pi.unmask audit row is written.
    That write ran while the record's SELECT was still open, and SQLite
    refuses a write on a read snapshot that another connection has committed
    past: with a second process writing all the time, unmask answered 503
    audit_failed (test_unmask_engine_field did, when another server's
    standards recomputation overlapped it).  Now the values are decrypted
    and the statement reset before the audit row."""
    url, _ = demo_store(ctx.kind)
    s = ctx.server(url)
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    rec = _new(ljz, title="联系电话", phone="13700001111")
    with recomputing(url):
        answers = [director.post(f"{E}/{rec['id']}/unmask") for _ in range(30)]
    bad = [(st, body) for st, _, body in answers if st != 200 or body["phone"] != "13700001111"]
    assert not bad, f"{len(bad)} of {len(answers)}, e.g. {bad[0]}"


def test_record_lists_the_actions_of_its_own_workflow_version(ctx):
    s = ctx.demo_server()
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    rec = _new(ljz, title="按钮来自记录")
    assert sorted(a["action"] for a in rec["actions"]) == ["accept", "reject"]
    reject = next(a for a in rec["actions"] if a["action"] == "reject")
    assert reject["requires"] == ["reject_reason"] and reject["label"] == "不予受理"
    st, _, acc = ljz.post(f"{E}/{rec['id']}/actions/accept", {})
    st, _, sub = ljz.post(f"{E}/{rec['id']}/actions/submit", {"result": "和解"})
    assert [a["action"] for a in sub["actions"]] == ["send_back"], "staff may not approve"
    st, _, seen = director.get(f"{E}/{rec['id']}")
    assert sorted(a["action"] for a in seen["actions"]) == ["approve", "send_back"]


def test_search_same_rows_on_both_engines(ctx):
    """q through FTS5 trigram (SQLite, 3+ characters), instr (SQLite, 1–2)
    and LIKE with escaped metacharacters (PostgreSQL): case-sensitive
    substrings, identical rows, the index kept in step on update."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    rows = [("张伟", "邻里噪音纠纷"), ("张伟明 物业欠费", None), ("ABC公司 合同纠纷", "小写无"),
            ("退款100%到账", "编号 a_b1"), ('他说"你好"就走了', "x"), ("100 元 退款", "ab1 axb1")]
    made = []
    for title, summary in rows:
        body = {"title": title}
        if summary:
            body["summary"] = summary
        made.append(_new(ljz, **body))
    ids = [r["id"] for r in made]

    def found(q):
        st, _, body = ljz.get(f"{E}?q={quote(q)}&limit=500")
        assert st == 200, body
        return sorted(ids.index(i["id"]) for i in body["items"] if i["id"] in ids)

    cases = {"张": [0, 1], "张伟": [0, 1], "张伟明": [1], "噪音纠纷": [0], "纠纷": [0, 2],
             "ABC": [2], "abc": [], "Abc": [], "ABC公": [2],
             "%": [3], "100%": [3], "0%到": [3], "_": [3], "a_b": [3], "a_b1": [3],
             '"': [4], '"你好"': [4], '说"你': [4], "x": [4, 5], "退款": [3, 5]}
    for q, want in cases.items():
        assert found(q) == want, (q, found(q), want)
    st, _, up = ljz.req("PATCH", f"{E}/{ids[1]}", {"title": "李明 物业欠费", "version": 1})
    assert st == 200, up
    assert found("张伟明") == [] and found("李明 物") == [1] and found("张伟") == [0]


def _bulk_rows(s, rows):
    """Inserts test_item rows straight into the store (10 000 through the API
    would take minutes); the FTS triggers fire as for any insert."""
    cols = "org_id, org_path, version, created_at, updated_at, deleted_at, headcount, title, category, amount"
    vals = ",\n".join("(" + ", ".join("NULL" if v is None else str(v) if isinstance(v, int) else "'" + v + "'"
                                       for v in r) + ")" for r in rows)
    sql = f"BEGIN; INSERT INTO test_item ({cols}) VALUES\n{vals};\nCOMMIT;\n"
    if s.url.startswith("sqlite:"):
        # the server's own writers (the scheduler) may hold the lock a moment
        subprocess.run([*sqlite_shell(s.url[7:])], input=sql, text=True, check=True)
    else:
        subprocess.run(["psql", s.url, "-q", "-v", "ON_ERROR_STOP=1"], input=sql, text=True, check=True,
                       capture_output=True)


def _store_scalar(s, sql):
    if s.url.startswith("sqlite:"):
        return subprocess.run([*sqlite_shell(s.url[7:]), sql], capture_output=True, text=True,
                              check=True).stdout.strip()
    return subprocess.run(["psql", s.url, "-qAtc", sql], capture_output=True, text=True, check=True).stdout.strip()


def test_large_lists_cap_total_and_page_by_key(ctx):
    """Over 10 000 matches, total is capped and later pages skip it; paging
    by key stays exact whichever index the page walks (the sort order when
    the scope holds many rows, the scope range when it holds few)."""
    url, _ = demo_store(ctx.kind)
    s = ctx.server(url, env={"SIFASUO_TEST_ENTITY": "1"})
    ljz = Session(s, "ljz")
    org_id = ljz.login_body["user"]["org"]["id"]
    path = _store_scalar(s, f"SELECT path FROM org_units WHERE id = {org_id}")
    cats = ["neighborhood", "labor", "contract"]
    rows, live = [], {}
    for i in range(10_500):
        deleted = "2026-11-02T00:00:00Z" if i % 50 == 7 else None
        amount = None if i % 97 == 3 else (i * 7919) % 5000 * 100  # repeats: ties are broken by id
        title = None if i % 89 == 5 else f"记录{(i * 31) % 1000:04d}"
        rows.append((org_id, path, 1, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z", deleted, i, title, cats[i % 3],
                     amount))
        if not deleted:
            live[i] = cats[i % 3]
    _bulk_rows(s, rows)

    def walk(query, limit, key):
        seen, after = [], None
        while True:
            st, _, page = ljz.get(f"{E}?{query}&limit={limit}" + (f"&after={after}" if after else ""))
            assert st == 200, page
            if not seen:
                first = page
                if page["next"]:
                    st, _, again = ljz.get(f"{E}?{query}&limit={limit}&after={page['next']}&total=1")
                    assert again["total"] == page["total"], "total=1 counts on a later page too"
            else:
                assert "total" not in page, "later pages are not counted"
            seen += page["items"]
            after = page["next"]
            if not after:
                break
        keys = [key(i) for i in seen]
        assert keys == sorted(keys), f"{query}: in order, ties by id"
        return first, [i["headcount"] for i in seen]

    def amount(i):
        return float(i["amount"]) if i["amount"] is not None else -1

    first, seen = walk("sort=-amount", 500, lambda i: (-amount(i), -i["id"]))
    assert first["total"] == 10_000 and first.get("total_capped") is True, {k: v for k, v in first.items() if k != "items"}
    assert sorted(seen) == sorted(live), "every live row once, missing amounts last"
    # empty values last in either direction (issue 16), among themselves by id
    first, seen = walk("category=labor&sort=title", 400, lambda i: (not i["title"], i["title"] or "", i["id"]))
    labor = sorted(i for i, c in live.items() if c == "labor")
    assert first["total"] == len(labor) and "total_capped" not in first
    assert sorted(seen) == labor
    first, seen = walk("category=contract", 300, lambda i: -i["id"])  # default sort -id
    assert sorted(seen) == sorted(i for i, c in live.items() if c == "contract")
    first, seen = walk("category=neighborhood&sort=amount", 500, lambda i: (i["amount"] is None, amount(i), i["id"]))
    assert sorted(seen) == sorted(i for i, c in live.items() if c == "neighborhood")
    # few matches: the page takes the filter's range and sorts (SQLite), later pages keep that plan
    first, seen = walk("amount.from=0&amount.to=100&sort=-amount", 20, lambda i: (-amount(i), -i["id"]))
    assert len(seen) == first["total"] and 100 < len(seen) < 400, first["total"]
    assert all(0 <= amount(i) <= 100 for i in ljz.get(f"{E}?amount.from=0&amount.to=100&limit=500")[2]["items"])
    # a scope with few rows (another office): the exact count, not capped
    st, _, page = Session(s, "njdl").get(f"{E}?sort=-amount")
    assert page["total"] == 0 and "total_capped" not in page and page["items"] == []


def test_list_totals_are_kept_on_write_whoever_writes(ctx):
    """A list filtered by scope, office and workflow state only takes its
    total from <table>_counts, which triggers keep in the writing
    transaction: creates, workflow actions, deletes and restores through
    the API, and writes straight into the store (an office merge's move, a
    purge) alike.  The totals the API answers equal a count of the live
    rows, and so do the cells once folded."""
    s = ctx.demo_server()
    ljz, pd = Session(s, "ljz"), Session(s, "pudong")
    ljz_id = ljz.login_body["user"]["org"]["id"]
    made = [_new(ljz, title=f"计数{i}") for i in range(6)]
    for rec in made[:3]:
        assert ljz.post(f"{E}/{rec['id']}/actions/accept", {})[0] == 200
    assert ljz.req("DELETE", f"{E}/{made[3]['id']}")[0] == 200
    assert ljz.req("DELETE", f"{E}/{made[4]['id']}")[0] == 200
    assert pd.post(f"{E}/{made[4]['id']}/restore")[0] == 200
    st, _, up = ljz.req("PATCH", f"{E}/{made[5]['id']}", {"title": "改名", "version": 1})
    assert st == 200, up
    other = Session(s, "njdl").login_body["user"]["org"]["id"]
    store_exec(s.url, f"UPDATE test_item SET org_id = {other}, org_path = (SELECT path FROM org_units WHERE id = {other}) "
                      f"WHERE id = {made[0]['id']}")
    store_exec(s.url, f"DELETE FROM test_item WHERE id = {made[1]['id']}")
    path = _store_scalar(s, f"SELECT path FROM org_units WHERE id = {ljz_id}")
    pd_path = _store_scalar(s, f"SELECT path FROM org_units WHERE id = {pd.login_body['user']['org']['id']}")
    for sess, query, where in [
            (ljz, "", f"org_path = '{path}'"),
            (ljz, "wf_state=accepted", f"org_path = '{path}' AND wf_state = 'accepted'"),
            (pd, "wf_state=registered,accepted", f"org_path LIKE '{pd_path}%' AND wf_state IN ('registered', 'accepted')"),
            (pd, f"org_id={ljz_id}&wf_state=registered&sort=-amount", f"org_path = '{path}' AND wf_state = 'registered'"),
            (Session(s, "shiju"), f"org_id={other}", f"org_id = {other}")]:
        st, _, page = sess.get(f"{E}?{query}&limit=2")
        assert st == 200, page
        want = int(_store_scalar(s, f"SELECT COUNT(*) FROM test_item WHERE deleted_at IS NULL AND {where}"))
        assert page["total"] == want and want > 0, (query, page["total"], want)
    # (PostgreSQL keeps each statement's change apart until the job thread
    # folds it in once a minute; `sifasuo scheduler` folds now)
    assert run_cli(["scheduler"], s.url).returncode == 0
    cells = _store_scalar(s, "SELECT org_path, wf_state, n FROM test_item_counts WHERE n <> 0 ORDER BY 1, 2")
    rows = _store_scalar(s, "SELECT org_path, COALESCE(wf_state, ''), COUNT(*) FROM test_item "
                            "WHERE deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2")
    assert cells == rows and cells, (cells, rows)
    if ctx.kind != "sqlite":
        assert _store_scalar(s, "SELECT COUNT(*) FROM test_item_counts_new") == "0", "folded"
    assert ljz.get(f"{E}?wf_state=accepted&limit=1")[2]["total"] == \
        int(_store_scalar(s, f"SELECT COUNT(*) FROM test_item WHERE deleted_at IS NULL AND org_path = '{path}' "
                             "AND wf_state = 'accepted'")), "the same total after the fold"
    if ctx.kind == "sqlite":
        return

    # PostgreSQL: the roll-up to every ancestor unit, which the totals read,
    # follows the cells; made again from them when missing (a store of the
    # version before it)
    def rolled_up():
        want = {}
        for line in _store_scalar(s, "SELECT org_path, COALESCE(wf_state, ''), COUNT(*) FROM test_item "
                                     "WHERE deleted_at IS NULL GROUP BY 1, 2").splitlines():
            p, st, n = line.split("|")
            for i in range(1, len(p)):
                if p[i] == "/":
                    want[(p[:i + 1], st)] = want.get((p[:i + 1], st), 0) + int(n)
        return want

    def up_table():
        return {(p, st): int(n) for p, st, n in (line.split("|") for line in _store_scalar(
            s, "SELECT org_path, wf_state, n FROM test_item_counts_up WHERE n <> 0").splitlines())}

    assert up_table() == rolled_up() and rolled_up()
    store_exec(s.url, "DROP TABLE test_item_counts_up")
    s2 = ctx.server(s.url)  # a second node starts on the store and makes it
    assert up_table() == rolled_up()
    pd2 = Session(s2, "pudong")
    st, _, page = pd2.get(f"{E}?wf_state=registered,accepted&limit=1")
    assert page["total"] == int(_store_scalar(s, f"SELECT COUNT(*) FROM test_item WHERE deleted_at IS NULL AND "
                                                 f"org_path LIKE '{pd_path}%' AND wf_state IN ('registered', 'accepted')"))


def test_a_repeated_list_has_the_same_total_as_a_count(ctx):
    """A list asked again (on PostgreSQL its total then comes in the page's
    own statement, the plan chosen by the last count of the same
    conditions): its total equals a count of the live rows after every
    write, an empty first page says 0, a later page with total=1 and a page
    that puts empties last (two parts: counted apart) say the same."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    org = ljz.login_body["user"]["org"]["id"]

    def count(state):
        return int(_store_scalar(s, f"SELECT COUNT(*) FROM test_item WHERE deleted_at IS NULL AND org_id = {org} "
                                    f"AND wf_state = '{state}'"))

    def total(query):
        st, _, page = ljz.get(f"{E}?{query}")
        assert st == 200, page
        return page

    made = [_new(ljz, title=f"同计{i}", amount=f"{i}00.00") for i in range(5)]
    for query in ["wf_state=registered&limit=2", "wf_state=registered&limit=2&sort=-amount",
                  "wf_state=registered&limit=2&sort=amount"]:
        for _ in range(3):  # the first counts apart; the next ones fold
            page = total(query)
            assert page["total"] == count("registered") and len(page["items"]) == 2, (query, page["total"])
        page = total(query)
        again = total(f"{query}&after={page['next']}&total=1")
        assert again["total"] == page["total"] and again["items"], query
    assert ljz.post(f"{E}/{made[0]['id']}/actions/accept", {})[0] == 200
    _new(ljz, title="又一件")
    assert total("wf_state=registered&limit=2")["total"] == count("registered")
    assert total("wf_state=accepted&limit=2")["total"] == count("accepted") > 0
    assert ljz.req("DELETE", f"{E}/{made[1]['id']}")[0] == 200
    assert total("wf_state=registered&limit=2")["total"] == count("registered")
    njdl = Session(s, "njdl")
    none = int(_store_scalar(s, "SELECT COUNT(*) FROM test_item WHERE org_id = "
                                f"{njdl.login_body['user']['org']['id']} AND wf_state = 'closed'"))
    assert none == 0, "another office's closed items: none"
    for _ in range(2):  # nothing matches: no row to carry the total
        st, _, page = njdl.get(f"{E}?wf_state=closed&limit=2")
        assert st == 200 and page["total"] == 0 and page["items"] == [] and page["next"] is None, page
    page = total("wf_state=registered&limit=500")
    assert page["next"] is None and len(page["items"]) == page["total"] == count("registered")
    last = total("wf_state=registered&limit=1&after=1f31&total=1")  # after id 1, newest first: past every row
    assert last["items"] == [] and last["total"] == count("registered")


def test_one_state_sorted_pages_by_key_without_gaps(ctx):
    """A list of one workflow state sorted by a field (on PostgreSQL led by
    the state, so the planner walks the state's sort index) pages by key
    exactly: every record of the state once, in order, ties by id, across
    pages, in both directions."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    made = [_new(ljz, title=f"分页{i}", amount=f"{(i * 37) % 5}00.00") for i in range(9)]
    for rec in made[::3]:
        assert ljz.post(f"{E}/{rec['id']}/actions/accept", {})[0] == 200
    for sort, key in [("-amount", lambda i: (-float(i["amount"]), -i["id"])),
                      ("amount", lambda i: (float(i["amount"]), i["id"]))]:
        for state in ["registered", "accepted"]:
            seen, after = [], None
            while True:
                st, _, page = ljz.get(f"{E}?wf_state={state}&sort={sort}&limit=2" + (f"&after={after}" if after else ""))
                assert st == 200, page
                assert all(i["wf_state"] == state for i in page["items"])
                seen += page["items"]
                after = page["next"]
                if not after:
                    break
            assert [key(i) for i in seen] == sorted(key(i) for i in seen), (sort, state)
            want = int(_store_scalar(s, f"SELECT COUNT(*) FROM test_item WHERE deleted_at IS NULL AND wf_state = '{state}' "
                                        f"AND org_id = {ljz.login_body['user']['org']['id']}"))
            assert len(seen) == len({i["id"] for i in seen}) == want, (sort, state, len(seen), want)
