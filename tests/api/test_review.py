"""Review work (issue 16 point 3): a send-back that must say why, a review
that shows what it rests on and keeps the reviewer's opinion, and a to-do
that holds only waiting records (a final state's reopen is no one's to-do)."""
from auth_helpers import Session


def _staff(sess, name):
    st, _, rec = sess.post("/api/v1/staff", {"name": name, "post_type": "political_legal",
                                              "joined_on": "2026-01-05", "status": "on_duty"})
    assert st == 201, rec
    return rec


def test_send_back_requires_a_reason_kept_in_the_history(ctx):
    s = ctx.demo_server()
    ljz, director, district = Session(s, "ljz"), Session(s, "ljz_director"), Session(s, "pudong")
    st, _, meta = district.get("/api/v1/meta/entities/staff")
    back = next(t for t in meta["workflow"]["transitions"] if t["action"] == "send_back")
    assert back["comment_required"] is True and back["accepts"] == [] and back["shows"] == [], back
    rec = _staff(ljz, "退回测试")
    path = f"/api/v1/staff/{rec['id']}"
    st, _, rec = director.post(path + "/actions/check", {})
    assert st == 200 and rec["wf_state"] == "checked", rec
    for body in ({}, {"comment": "  \n"}, {"comment": None}):
        st, _, err = district.post(path + "/actions/send_back", body)
        assert st == 422 and err["error"]["fields"]["comment"] == "「退回修改」须说明理由", (body, err)
    st, _, same = district.get(path)
    assert same["wf_state"] == "checked" and same["version"] == rec["version"], "a refused send-back changed the record"
    st, _, back_rec = district.post(path + "/actions/send_back", {"comment": "到所日期有误"})
    assert st == 200 and back_rec["wf_state"] == "entered", back_rec
    st, _, hist = ljz.get(path + "/history")
    last = [h for h in hist["items"] if h["action"] == "workflow.send_back"][-1]
    assert last["detail"]["comment"] == "到所日期有误" and last["actor"] == "陈科长", last
    # the other transitions still take no comment
    st, _, rec = director.post(path + "/actions/check", {})
    assert st == 200, rec


def test_close_shows_its_evidence_and_keeps_an_optional_opinion(ctx):
    s = ctx.demo_server()
    ljz, district = Session(s, "ljz"), Session(s, "pudong")
    st, _, meta = district.get("/api/v1/meta/entities/problems")
    close = next(t for t in meta["workflow"]["transitions"] if t["action"] == "close")
    assert close["accepts"] == ["review_note"], close
    assert close["shows"] == ["measures", "evidence_file", "evidence_file2", "ready_for_closure"], close
    assert close["comment_required"] is False

    def submitted(title):
        st, _, p = ljz.post("/api/v1/problems", {"title": title, "rule": "c15_posts", "measures": "增配专职人员"})
        assert st == 201, p
        st, _, p = ljz.post(f"/api/v1/problems/{p['id']}/actions/submit", {"version": p["version"]})
        assert st == 200 and p["wf_state"] == "submitted", p
        return p

    p = submitted("销号意见")
    path = f"/api/v1/problems/{p['id']}"
    # a field the transition neither requires nor accepts is refused, nothing changed
    st, _, err = district.post(path + "/actions/close", {"measures": "改写"})
    assert st == 422 and "measures" in err["error"]["fields"], err
    st, _, err = district.post(path + "/actions/close", {"review_note": "x" * 501})
    assert st == 422 and "review_note" in err["error"]["fields"], err
    st, _, closed = district.post(path + "/actions/close", {"review_note": "佐证齐全, 同意销号"})
    assert st == 200 and closed["wf_state"] == "closed" and closed["review_note"] == "佐证齐全, 同意销号", closed
    # without the opinion the field is left as it was
    q = submitted("销号无意见")
    st, _, closed = district.post(f"/api/v1/problems/{q['id']}/actions/close", {})
    assert st == 200 and closed["wf_state"] == "closed" and closed["review_note"] is None, closed


def test_the_to_do_holds_no_record_in_a_final_state(ctx):
    s = ctx.demo_server()
    district = Session(s, "pudong")
    st, _, meta = district.get("/api/v1/meta/entities/mediation-cases")
    final = [x["key"] for x in meta["workflow"]["states"] if x["final"]]
    live = [x["key"] for x in meta["workflow"]["states"] if not x["final"]]
    st, _, archived = district.get("/api/v1/mediation-cases?wf_state=archived&limit=1")
    assert archived["total"] > 0, "the demo has archived cases in Pudong"
    # the district may reopen (撤销归档) an archived case, but it waits for nobody
    assert any(t["action"] == "unarchive" and t["allowed"] for t in meta["workflow"]["transitions"])
    st, _, todo = district.get("/api/v1/todo")
    assert st == 200
    assert not [i for i in todo["items"] if i["entity"] == "mediation-cases" and i["wf_state"] in final], todo
    st, _, live_list = district.get("/api/v1/mediation-cases?limit=1&wf_state=" + ",".join(live))
    assert todo["counts"]["mediation-cases"] <= live_list["total"], (todo["counts"], live_list["total"])
