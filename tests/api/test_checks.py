"""Checks with context (issue 15 point 4): an entity's rule sees the
operation, the record before and after, and the records and persons it
links to, and runs on create, update, every import row and a workflow
action that writes fields.  Through the test entity test-checked
(src/modules/test_entity.c, checked_rule): a party must be 18 (birth date
from the ID number), the amount may not exceed the linked test item's, the
headcount may not decrease on an update, and closing needs an amount."""
import time
import uuid

from auth_helpers import Session
from harness import resident_id17

C = "/api/v1/test-checked"
I = "/api/v1/test-items"


def _tag():
    return "规" + uuid.uuid4().hex[:8]


def _complete(id17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return id17 + "10X98765432"[sum(int(c) * k for c, k in zip(id17, w)) % 11]


def _person(sess, name, year):
    """A new person born in year (a resident ID number no one else holds)."""
    st, _, p = sess.post("/api/v1/persons", {"name": name, "id_number": _complete(resident_id17(year))})
    assert st == 201, p
    return p


def _item(sess, tag, amount):
    st, _, it = sess.post(I, {"title": f"{tag} 上级", "amount": amount})
    assert st == 201, it
    return it


def _refused(st, body, field, text):
    assert st == 422, body
    assert body["error"]["code"] == "validation_failed", body
    assert text in body["error"]["fields"][field], body
    # the message names the field by its Chinese label, never its key
    assert body["error"]["message"].endswith(body["error"]["fields"][field]), body
    assert field not in body["error"]["message"], body


def test_create_refuses_a_minor_party_by_the_birth_date_of_the_id_number(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    minor, adult = _person(ljz, "钱小", 2015), _person(ljz, "钱大", 1985)
    st, _, body = ljz.post(C, {"title": f"{tag} 未成年", "party_id": minor["id"]})
    _refused(st, body, "party_id", "当事人须年满 18 周岁")
    assert "钱" not in body["error"]["message"], "no personal data in the answer"
    st, _, lst = ljz.get(f"{C}?q={tag}")
    assert lst["total"] == 0, "the refused create is rolled back"
    st, _, rec = ljz.post(C, {"title": f"{tag} 成年", "party_id": adult["id"]})
    assert st == 201, rec
    # an update to the minor is refused too
    st, _, body = ljz.req("PATCH", f"{C}/{rec['id']}", {"party_id": minor["id"], "version": rec["version"]})
    _refused(st, body, "party_id", "年满 18 周岁")


def test_amount_capped_by_the_linked_record_on_create_and_update(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    item = _item(ljz, tag, "1000.00")
    st, _, body = ljz.post(C, {"title": f"{tag} 超额", "item_id": item["id"], "amount": "1500"})
    _refused(st, body, "amount", "金额不能超过所属测试记录的金额 (1000.00 元)")
    st, _, rec = ljz.post(C, {"title": f"{tag} 未超", "item_id": item["id"], "amount": "800"})
    assert st == 201, rec
    st, _, body = ljz.req("PATCH", f"{C}/{rec['id']}", {"amount": "1000.01", "version": rec["version"]})
    _refused(st, body, "amount", "1000.00 元")
    st, _, now = ljz.get(f"{C}/{rec['id']}")
    assert now["amount"] == "800.00" and now["version"] == rec["version"], "the refused update is rolled back"
    # without a link there is no cap: the linked record is read only when set
    st, _, free = ljz.post(C, {"title": f"{tag} 无上级", "amount": "99999"})
    assert st == 201, free


def test_update_sees_the_record_before_headcount_may_not_decrease(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    st, _, rec = ljz.post(C, {"title": f"{tag} 人数", "headcount": 5})
    assert st == 201, rec
    st, _, body = ljz.req("PATCH", f"{C}/{rec['id']}", {"headcount": 3, "version": rec["version"]})
    _refused(st, body, "headcount", "人数不能减少 (原为 5 人)")
    st, _, up = ljz.req("PATCH", f"{C}/{rec['id']}", {"headcount": 6, "version": rec["version"]})
    assert st == 200 and up["headcount"] == 6, up
    # an edit of another field leaves the headcount as it was: fine
    st, _, up = ljz.req("PATCH", f"{C}/{rec['id']}", {"title": f"{tag} 改名", "version": up["version"]})
    assert st == 200, up


def test_an_action_that_writes_fields_runs_the_rule(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    st, _, rec = ljz.post(C, {"title": f"{tag} 办结"})
    assert st == 201, rec
    st, _, body = ljz.post(f"{C}/{rec['id']}/actions/close", {"result": "已调解"})
    _refused(st, body, "amount", "办结前须填写金额")
    st, _, now = ljz.get(f"{C}/{rec['id']}")
    assert now["wf_state"] == "open" and now["result"] is None, "the refused action is rolled back"
    st, _, up = ljz.req("PATCH", f"{C}/{rec['id']}", {"amount": "10", "version": now["version"]})
    assert st == 200, up
    st, _, done = ljz.post(f"{C}/{rec['id']}/actions/close", {"result": "已调解"})
    assert st == 200 and done["wf_state"] == "closed" and done["result"] == "已调解", done


def _import(sess, text, query=""):
    st, h, body = sess.req("POST", f"{C}/import{query}", raw_body=text.encode("utf-8"),
                           headers={"Content-Type": "text/csv"})
    assert st == 202, body
    deadline = time.time() + 60
    while True:
        st, _, job = sess.get(f"/api/v1/jobs/{body['job']}")
        assert st == 200, job
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        assert time.time() < deadline, job
        time.sleep(0.02)


def test_every_import_row_runs_the_rule(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    minor, adult = _person(ljz, "孙小", 2016), _person(ljz, "孙大", 1980)
    item = _item(ljz, tag, "100")
    text = ("标题,当事人编号,所属测试记录编号,金额 (元),人数\r\n"
            f"{tag} 好,{adult['id']},{item['id']},50,2\r\n"
            f"{tag} 未成年,{minor['id']},,,\r\n"
            f"{tag} 超额,,{item['id']},100.01,\r\n"
            f"{tag} 也好,,,100000,1\r\n")
    job = _import(ljz, text)
    assert job["status"] == "failed", job
    assert (job["total"], job["rejected"], job["written"]) == (4, 2, 0), job
    errs = {(e["row"], e["field"]): e for e in job["errors"]}
    assert errs[(3, "party_id")]["message"] == "当事人须年满 18 周岁", errs
    assert errs[(3, "party_id")]["label"] == "当事人"
    assert errs[(4, "amount")]["message"] == "金额不能超过所属测试记录的金额 (100.00 元)", errs
    assert errs[(4, "amount")]["label"] == "金额 (元)"
    st, _, lst = ljz.get(f"{C}?q={tag}")
    assert lst["total"] == 0, "all or nothing: nothing written"
    job = _import(ljz, text, "?mode=skip_invalid")
    assert job["status"] == "done" and job["written"] == 2, job
    st, _, lst = ljz.get(f"{C}?q={tag}")
    assert sorted(i["title"] for i in lst["items"]) == sorted([f"{tag} 好", f"{tag} 也好"])


def test_a_mediation_party_import_runs_its_rule(ctx):
    """party_check (mediation.c) ran on create and update only; an import row
    with neither a person nor a unit now gets its reason."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    st, _, case = ljz.post("/api/v1/mediation-cases", {
        "title": f"{tag} 押金纠纷", "received_on": "2026-09-24", "source": "party_application",
        "category": "contract", "summary": "押金未退", "amount": "3000"})
    assert st == 201, case
    adult = _person(ljz, "周大", 1979)
    text = ("案件编号,当事人地位,当事人 (自然人)编号,当事人 (单位),代理人\r\n"
            f"{case['id']},申请人,{adult['id']},,\r\n"
            f"{case['id']},被申请人,,,{tag}\r\n")
    st, h, body = ljz.req("POST", "/api/v1/mediation-parties/import", raw_body=text.encode("utf-8"),
                          headers={"Content-Type": "text/csv"})
    assert st == 202, body
    deadline = time.time() + 60
    while True:
        st, _, job = ljz.get(f"/api/v1/jobs/{body['job']}")
        if job["status"] in ("done", "failed", "cancelled"):
            break
        assert time.time() < deadline, job
        time.sleep(0.02)
    assert job["status"] == "failed" and job["rejected"] == 1, job
    (err,) = job["errors"]
    assert (err["row"], err["field"], err["label"]) == (3, "person_id", "当事人 (自然人)"), err
    assert err["message"] == "请选择当事人 (自然人), 或填写当事人 (单位)", err
