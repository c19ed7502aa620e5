"""Referrals from outside bodies (外部机构移送, issue 25 point 4): a court's
API token refers a dispute — a mediation case in 登记 at the office of the
place, its source the court's, its parties matched to the person registry
(an existing person linked and shared with the office, a new one registered
there) — and follows the status of what it referred, and only that; scope,
idempotent retries and bad input that writes nothing."""
import time

from auth_helpers import Session, admin_session
from test_mediation import _complete

REF = "/api/v1/referrals"


def _token(s, org_id, perms, name):
    sys_, _ = admin_session(s, "sysadmin")
    exp = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))
    st, _, body = sys_.post("/api/v1/api-tokens", {"name": name, "org_id": org_id, "expires_at": exp})
    assert st == 201, body
    sec, _ = admin_session(s, "secadmin")
    st, _, grant = sec.req("PUT", f"/api/v1/api-tokens/{body['id']}/permissions", {"permissions": perms})
    assert st == 200 and grant["status"] == "applied", grant
    return {"Authorization": "Bearer " + body["token"]}


def _places(ljz):
    office = ljz.login_body["user"]["org"]["id"]
    st, _, me = ljz.get(f"/api/v1/org-units/{office}")
    st, _, kids = ljz.get(f"/api/v1/org-units?parent={office}")
    return me, kids["items"][0]


def _body(place_code, ext, parties, **kw):
    body = {"external_no": ext, "title": "物业费纠纷诉前委派调解", "category": "contract", "place_code": place_code,
            "summary": "业主拖欠物业费两年", "amount": "8600.00", "received_on": "2026-11-02", "parties": parties}
    body.update(kw)
    return body


def _count(sess, path):
    st, _, body = sess.get(path)
    assert st == 200, body
    return body["total"]


def test_court_refers_a_case_to_the_office_of_the_place_and_follows_it(ctx):
    s = ctx.demo_server()
    ljz, njdl, pudong = Session(s, "ljz"), Session(s, "njdl"), Session(s, "pudong")
    office, village = _places(ljz)
    court = _token(s, pudong.login_body["user"]["org"]["id"], ["referral.court"], "浦东新区人民法院")
    # a person registered by another district's office: matched by number, shared with 陆家嘴
    elsewhere = _complete("31010119880512321")
    st, _, p = njdl.post("/api/v1/persons", {"name": "钱某某", "id_number": elsewhere})
    assert st == 201, p
    fresh = _complete("31011519920304561")
    parties = [{"role": "applicant", "name": "孙某", "id_number": fresh, "phone": "13812345678"},
               {"role": "respondent", "name": "钱某", "id_number": elsewhere},
               {"role": "third_party", "unit_name": "某业主委员会"}]
    st, _, ref = s.request("POST", REF, body=_body(village["code"], "(2026)沪0115民诉前调1234号", parties), headers=court)
    assert st == 201, ref
    assert ref["office"] == office["name"] and ref["source"] == "court_referral", ref
    assert ref["case"]["state"] == "registered" and ref["case"]["state_label"] == "登记" and ref["case"]["case_no"] is None
    assert "parties" not in ref and "summary" not in ref["case"], "the body follows the status, not the file"
    # the office's case: registered at 陆家嘴, the village of the place, the parties from the registry
    st, _, case = ljz.get(f"/api/v1/mediation-cases/{ref['case']['id']}")
    assert st == 200, case
    assert case["org_id"] == office["id"] and case["village_id"] == village["id"] and case["source"] == "court_referral"
    assert case["amount"] == "8600.00" and case["summary"].startswith("浦东新区人民法院移送 (编号 (2026)沪0115民诉前调1234号)")
    items = case["parties"]["items"]
    assert len(items) == 3 and {i["role"] for i in items} == {"applicant", "respondent", "third_party"}
    respondent = next(i for i in items if i["role"] == "respondent")
    assert respondent["person_id"] == p["id"], "the registered person, not a second one"
    # shared with the office the case went to: its staff may link the person (engine_person_readable)
    st, _, linked = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "third_party",
                                                           "person_id": p["id"]})
    assert st == 201, linked
    st, _, _ = Session(s, "ljz").req("DELETE", f"/api/v1/mediation-parties/{linked['id']}")
    st, _, found = ljz.get(f"/api/v1/persons?id_number={fresh}")
    assert st == 200 and len(found["items"]) == 1 and found["items"][0]["org"]["name"] == office["name"], found
    st, _, lst = ljz.get(f"/api/v1/inbound-referrals?case_id={ref['case']['id']}")
    assert st == 200 and lst["items"][0]["body_name"] == "浦东新区人民法院", lst
    # the token follows the status as the office works the case
    st, _, acc = ljz.post(f"/api/v1/mediation-cases/{case['id']}/actions/accept", {})
    assert st == 200, acc
    st, _, now = s.request("GET", f"{REF}/{ref['id']}", headers=court)
    assert st == 200 and now["case"]["state"] == "accepted" and now["case"]["case_no"] == acc["case_no"], now
    st, _, mine = s.request("GET", REF, headers=court)
    assert st == 200 and [i["id"] for i in mine["items"]] == [ref["id"]], mine
    # a retry of the same number creates nothing
    before = _count(ljz, "/api/v1/mediation-cases?source=court_referral")
    st, _, again = s.request("POST", REF, body=_body(village["code"], "(2026)沪0115民诉前调1234号", parties),
                             headers=court)
    assert st == 409 and again["error"]["code"] == "referral_exists" and again["error"]["id"] == ref["id"], again
    assert _count(ljz, "/api/v1/mediation-cases?source=court_referral") == before
    # the token reads nothing else: not the cases, not the persons, not another body's referrals
    for path in ("/api/v1/mediation-cases", f"/api/v1/mediation-cases/{case['id']}", f"/api/v1/persons/{p['id']}"):
        st, _, _ = s.request("GET", path, headers=court)
        assert st in (403, 404), (path, st)
    police = _token(s, pudong.login_body["user"]["org"]["id"], ["referral.police"], "浦东公安分局")
    st, _, body = s.request("GET", f"{REF}/{ref['id']}", headers=police)
    assert st == 404, body
    st, _, body = s.request("GET", REF, headers=police)
    assert st == 200 and body["items"] == []
    # the police token refers as the police, whatever it claims
    st, _, body = s.request("POST", REF, body=_body(office["code"], "沪公浦调2026-88", parties[:1],
                                                    source="court_referral"), headers=police)
    assert st == 422 and "source" in body["error"]["fields"], body
    st, _, pol = s.request("POST", REF, body=_body(office["code"], "沪公浦调2026-88", parties[:1]), headers=police)
    assert st == 201 and pol["source"] == "police_referral", pol


def test_scope_and_bad_input_write_nothing(ctx):
    s = ctx.demo_server()
    ljz, njdl, pudong = Session(s, "ljz"), Session(s, "njdl"), Session(s, "pudong")
    office, _ = _places(ljz)
    other, _ = _places(njdl)
    court = _token(s, pudong.login_body["user"]["org"]["id"], ["referral.court"], "浦东新区人民法院 (2)")
    ok = [{"role": "applicant", "name": "周某", "id_number": _complete("31011519800101123")}]
    before = _count(ljz, "/api/v1/mediation-cases")
    bad = [
        (_body(other["code"], "A-1", ok), "place_code"),  # 黄浦: outside the token's district
        (_body("999999999", "A-2", ok), "place_code"),
        (_body(office["code"], "A-3", ok, category="nope"), "category"),
        (_body(office["code"], "", ok), "external_no"),
        (_body(office["code"], "A-4", [{"role": "applicant", "name": "周某", "id_number": "310115198001011234"}]),
         "parties[0].id_number"),
        (_body(office["code"], "A-5", [{"role": "respondent", "unit_name": "某公司"}]), "parties"),
        (_body(office["code"], "A-6", ok, amount="-5"), "amount"),
        (_body(office["code"], "A-7", ok, received_on="2099-01-01"), "received_on"),
        (_body(office["code"], "A-8", ok, case_id=5), "case_id"),
    ]
    for body, field in bad:
        st, _, err = s.request("POST", REF, body=body, headers=court)
        assert st == 422 and field in err["error"]["fields"], (field, st, err)
        assert err["error"]["message"], err
    assert _count(ljz, "/api/v1/mediation-cases") == before, "a refused referral writes nothing"
    st, _, err = s.request("POST", REF, body=_body(office["code"], "A-9", ok), headers={})
    assert st == 401
    st, _, err = ljz.post(REF, _body(office["code"], "A-9", ok))
    assert st == 403 and err["error"]["code"] == "token_only", err
    plain = _token(s, pudong.login_body["user"]["org"]["id"], ["org.read"], "区政务系统")
    st, _, err = s.request("POST", REF, body=_body(office["code"], "A-9", ok), headers=plain)
    assert st == 403, err
