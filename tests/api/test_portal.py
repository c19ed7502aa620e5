"""公众门户 (issue 24; docs/portal.md): the public listener serves only
/public/ — every staff route is 404 there, cookie or not; a resident's
submission lands as the record a clerk would enter, with the resident in the
registry (deduplicated) and the channel kept; tracking by code + the phone's
last four digits; per-IP and per-phone limits (another address still
served), a server-drawn proof-of-work challenge used once, duplicate
detection, every submission and refusal audited with its address."""
import base64
import hashlib
import http.client
import json
import os
import re
import time

from auth_helpers import Session
from harness import Server, demo_store, run_cli, store_count, store_exec, tmpdir

LJZ_OFFICE_SQL = "SELECT id FROM org_units WHERE name = '陆家嘴街道司法所'"


def idcard(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(a) * b for a, b in zip(first17, w)) % 11]


class Portal:
    """A demo server with its public listener; requests from a chosen loopback address."""

    def __init__(self, ctx, settings=None):
        self.url, _ = demo_store(ctx.kind)
        sets = {"portal.pow_bits": 8}
        sets.update(settings or {})
        for k, v in sets.items():
            store_exec(self.url, f"INSERT INTO settings (key, value) VALUES ('{k}', '{v}')")
        self.sms = os.path.join(tmpdir("sifasuo-sms-"), "sms.log")
        self.s = Server(self.url, extra=["--public-listen", "127.0.0.1:0"], env={"SIFASUO_SMS": "log:" + self.sms})
        ctx._servers.append(self.s)
        for _ in range(100):
            m = [re.search(r"公众门户已启动: http://127\.0\.0\.1:(\d+)/", a) for a in list(self.s.access)]
            m = [x for x in m if x]
            if m:
                self.port = int(m[0].group(1))
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the public listener did not start")
        self.office = store_count(self.url, LJZ_OFFICE_SQL)
        self.village = store_count(self.url, f"SELECT MIN(id) FROM org_units WHERE parent_id = {self.office}")

    def req(self, method, path, body=None, src="127.0.0.1", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(src, 0))
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        try:
            return r.status, hdrs, json.loads(raw)
        except ValueError:
            return r.status, hdrs, raw

    def pow(self, src="127.0.0.1"):
        st, _, ch = self.req("GET", "/public/api/v1/challenge", src=src)
        assert st == 200, ch
        c, bits, n = ch["challenge"], ch["bits"], 0
        while int(hashlib.sha256(f"{c}:{n}".encode()).hexdigest(), 16) >> (256 - bits):
            n += 1
        return {"challenge": c, "nonce": str(n)}

    def submit(self, kind, fields, applicant=None, src="127.0.0.1", place=None, pow=None, channel="web"):
        body = {"kind": kind, "channel": channel, "fields": fields,
                "applicant": applicant or {"name": "王小明", "id_number": idcard("31011519800101123"),
                                           "phone": "13812345678"},
                "pow": pow or self.pow(src)}
        body.update(place if place is not None else {"office_id": self.office, "village_id": self.village})
        return self.req("POST", "/public/api/v1/submissions", body, src=src)

    def record_of(self, code):
        return store_count(self.url, f"SELECT record_id FROM portal_submissions WHERE code = '{code}'")


def todo_ids(sess, entity):
    st, _, todo = sess.get(f"/api/v1/todo?entity={entity}&limit=200")
    assert st == 200, todo
    return [i["id"] for i in todo["items"] if i["entity"] == entity and i["wf_state"] == "registered"]


MEDIATION = {"title": "楼上漏水纠纷", "category": "neighborhood", "summary": "楼上漏水两月, 协商未果", "respondent_name": "李四"}


def test_the_public_listener_answers_404_for_every_staff_route(ctx):
    p = Portal(ctx)
    routes = [l.split() for l in run_cli(["routes"]).stdout.splitlines()]
    assert len(routes) > 50, routes
    staff = Session(p.s, "ljz")  # a valid staff cookie: it opens nothing on the public face
    checked = 0
    for method, pattern, flags in routes:
        path = re.sub(r":[a-z_]+", "1", pattern)
        st, _, body = p.req(method, path, body={} if method in ("POST", "PUT", "PATCH") else None,
                            headers={"Cookie": staff.cookie, "X-CSRF-Token": staff.csrf})
        if flags == "portal":
            assert path.startswith("/public/api/") and st != 404, (method, path, st, body)
        else:
            assert st == 404, (method, pattern, st, body)
            checked += 1
    assert checked > 50
    # nor the staff app, its assets or anything else outside /public/
    for path in ("/index.html", "/assets/x.js", "/api/v1/session", "/healthz", "/public/../api/v1/session"):
        assert p.req("GET", path)[0] in (400, 404), path
    st, h, _ = p.req("GET", "/")
    assert st == 302 and h["location"] == "/public/"
    # the staff listener still serves its routes
    assert staff.get("/api/v1/session")[0] == 200


def test_a_mediation_request_lands_as_a_registered_case_and_the_reply_reaches_the_tracking_page(ctx):
    p = Portal(ctx)
    before = store_count(p.url, "SELECT COUNT(*) FROM persons")
    st, _, got = p.submit("mediation", MEDIATION)
    assert st == 201, got
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", got["code"]) and got["township"] == "陆家嘴街道", got
    assert "30 日" in got["next_step"] and got["due_on"], got
    assert store_count(p.url, "SELECT COUNT(*) FROM persons") == before + 1
    cid = p.record_of(got["code"])
    ljz = Session(p.s, "ljz")
    st, _, case = ljz.get(f"/api/v1/mediation-cases/{cid}")
    assert st == 200 and case["wf_state"] == "registered" and case["source"] == "party_application", case
    assert case["village_id"] == p.village and "李四" in case["summary"], case
    # the applicant is a party, from the registry, masked as staff see it
    st, _, parties = ljz.get(f"/api/v1/mediation-parties?case_id={cid}")
    assert st == 200 and [x["role"] for x in parties["items"]] == ["applicant"], parties
    assert parties["items"][0]["person_id_name"] == "王**", parties
    # in the clerk's to-do, as a 登记 case
    assert cid in todo_ids(ljz, "mediation-cases")
    # the channel, and replies: a public one reaches the resident, an internal one does not
    st, _, sub = ljz.get(f"/api/v1/portal/mediation-cases/{cid}")
    assert st == 200 and sub["submission"]["channel"] == "web" and sub["submission"]["code"] == got["code"], sub
    assert ljz.post(f"/api/v1/portal/mediation-cases/{cid}/replies", {"body": "已收到, 请于周三上午来所", "public": True})[0] == 201
    assert ljz.post(f"/api/v1/portal/mediation-cases/{cid}/replies", {"body": "内部: 先联系居委", "public": False})[0] == 201
    assert ljz.post(f"/api/v1/portal/mediation-cases/{cid}/replies", {"body": ""})[0] == 422
    st, _, t = p.req("POST", "/public/api/v1/track", {"code": got["code"].lower(), "phone_last4": "5678"})
    assert st == 200 and t["status"] == "登记" and t["kind_label"] == "人民调解申请", t
    assert [x["body"] for x in t["replies"]] == ["已收到, 请于周三上午来所"], t
    assert "王小明" not in json.dumps(t, ensure_ascii=False) and "5678" not in json.dumps(t), t
    assert p.req("POST", "/public/api/v1/track", {"code": got["code"], "phone_last4": "5679"})[0] == 404
    # 受理: the tracking page follows the record
    assert ljz.post(f"/api/v1/mediation-cases/{cid}/actions/accept", {})[0] == 200
    t = p.req("POST", "/public/api/v1/track", {"code": got["code"], "phone_last4": "5678"})[2]
    assert t["status"] == "已受理" and t["record_no"], t
    sms = open(p.sms, encoding="utf-8").read()
    assert got["code"] in sms and "138****5678" in sms and "13812345678" not in sms and "新的答复" in sms, sms
    # another office neither sees nor answers it
    assert Session(p.s, "njdl").get(f"/api/v1/portal/mediation-cases/{cid}")[0] == 404
    # audited with the address
    assert store_count(p.url, "SELECT COUNT(*) FROM audit_log WHERE action = 'portal.submit' AND ip = '127.0.0.1'") == 1


def test_the_registry_deduplicates_the_resident_and_the_other_party(ctx):
    p = Portal(ctx)
    idn = idcard("31011519800101123")
    before = store_count(p.url, "SELECT COUNT(*) FROM persons")
    other = {"name": "李四", "id_number": idcard("31011519750505567")}
    st, _, a = p.submit("mediation", dict(MEDIATION, respondent=other))
    assert st == 201, a
    st, _, b = p.submit("consultation", {"title": "继承问题", "category": "inheritance", "question": "父亲去世未留遗嘱, 房产如何继承?"})
    assert st == 201, b
    assert store_count(p.url, "SELECT COUNT(*) FROM persons") == before + 2  # the resident once, the other party once
    cid, qid = p.record_of(a["code"]), p.record_of(b["code"])
    ljz = Session(p.s, "ljz")
    parties = ljz.get(f"/api/v1/mediation-parties?case_id={cid}")[2]["items"]
    applicant = next(x["person_id"] for x in parties if x["role"] == "applicant")
    assert [x["role"] for x in parties] == ["applicant", "respondent"], parties
    q = ljz.get(f"/api/v1/legal-consultations/{qid}")[2]
    assert q["person_id"] == applicant and q["channel"] == "online" and q["wf_state"] == "pending", q
    assert q["wf_state_label"] == "待解答", q
    # staff find the resident by the full ID number: the one person
    st, _, found = ljz.get(f"/api/v1/persons?id_number={idn}")
    assert st == 200 and [x["id"] for x in found["items"]] == [applicant], found
    # the clerk answers; the answer is required by the action
    assert ljz.post(f"/api/v1/legal-consultations/{qid}/actions/answer", {})[0] == 422
    st, _, done = ljz.post(f"/api/v1/legal-consultations/{qid}/actions/answer", {"answer": "按法定继承, 配偶子女父母均分"})
    assert st == 200 and done["wf_state"] == "answered", done
    # a staff entry is still answered on the spot, and must carry its answer
    st, _, err = ljz.post("/api/v1/legal-consultations", {"consulted_on": "2026-12-01", "channel": "walk_in", "category": "labor",
                                                          "title": "工资拖欠", "question": "老板欠薪三个月"})
    assert st == 422 and "answer" in err["error"]["fields"], err


def test_per_ip_limit_answers_429_while_another_address_is_served(ctx):
    p = Portal(ctx, {"portal.ip_per_hour": 3, "portal.phone_per_day": 100, "portal.track_per_hour": 2})
    for i in range(3):
        st, _, got = p.submit("consultation", {"title": f"问题{i}", "category": "labor", "question": f"欠薪 {i}"})
        assert st == 201, got
    st, h, err = p.submit("consultation", {"title": "问题9", "category": "labor", "question": "欠薪 9"})
    assert st == 429 and err["error"]["code"] == "rate_limited" and h["retry-after"] == "3600", err
    st, _, got = p.submit("consultation", {"title": "问题9", "category": "labor", "question": "欠薪 9"}, src="127.0.0.2")
    assert st == 201, got
    assert store_count(p.url, "SELECT COUNT(*) FROM audit_log WHERE action = 'portal.refused' AND ip = '127.0.0.1'") >= 1
    # tracking and address matching: their own counts per address
    for path, body in (("/public/api/v1/track", {"code": "ABCDEFGHJK", "phone_last4": "1234"}),
                       ("/public/api/v1/places/match", {"address": "浦东新区陆家嘴环路1000号"})):
        assert [p.req("POST", path, body)[0] for _ in range(3)][2] == 429, path
        assert p.req("POST", path, body, src="127.0.0.2")[0] in (200, 404), path


def test_per_phone_limit_and_duplicates(ctx):
    p = Portal(ctx, {"portal.phone_per_day": 2})
    q = {"title": "租房押金", "category": "housing", "question": "房东不退押金"}
    assert p.submit("consultation", q)[0] == 201
    st, _, err = p.submit("consultation", q, src="127.0.0.2")
    assert st == 409 and err["error"]["code"] == "duplicate_submission", err
    assert p.submit("consultation", dict(q, question="房东不退押金怎么办"))[0] == 201
    st, _, err = p.submit("consultation", dict(q, question="第三次"), src="127.0.0.3")
    assert st == 429 and "手机号码" in err["error"]["message"], err


def test_the_challenge_is_the_servers_signed_and_serves_once(ctx):
    p = Portal(ctx)
    n = store_count(p.url, "SELECT COUNT(*) FROM legal_consultation")
    q = {"title": "劳动合同", "category": "labor", "question": "试用期被辞退"}
    body = {"kind": "consultation", "fields": q, "office_id": p.office,
            "applicant": {"name": "王小明", "id_number": idcard("31011519800101123"), "phone": "13812345678"}}
    st, _, err = p.req("POST", "/public/api/v1/submissions", body)
    assert st == 422 and err["error"]["code"] == "challenge_failed", err
    good = p.pow()
    forged = dict(good, challenge=good["challenge"].replace(".8.", ".1.", 1))
    for bad in (forged, dict(good, nonce="x" * 40), {"challenge": "1.2.3.4", "nonce": "1"}):
        st, _, err = p.req("POST", "/public/api/v1/submissions", dict(body, pow=bad))
        assert st == 422 and err["error"]["code"] == "challenge_failed", (bad, err)
    assert p.req("POST", "/public/api/v1/submissions", dict(body, pow=good))[0] == 201
    st, _, err = p.req("POST", "/public/api/v1/submissions", dict(body, pow=good, fields=dict(q, question="另一个")))
    assert st == 409 and err["error"]["code"] == "challenge_used", err
    assert store_count(p.url, "SELECT COUNT(*) FROM legal_consultation") == n + 1


def test_bad_input_is_422_in_chinese_and_changes_nothing(ctx):
    p = Portal(ctx)
    cases = store_count(p.url, "SELECT COUNT(*) FROM mediation_case")
    persons = store_count(p.url, "SELECT COUNT(*) FROM persons")
    bad = [
        ({"name": "王小明", "id_number": "310115198001011230", "phone": "13812345678"}, {}, "applicant.id_number"),
        ({"name": "王小明", "id_number": idcard("31011519800101123"), "phone": "2381234567"}, {}, "applicant.phone"),
        (None, {"category": "nonsense"}, "category"),
        (None, {"title": ""}, "title"),
    ]
    for applicant, change, field in bad:
        st, _, err = p.submit("mediation", dict(MEDIATION, **change), applicant=applicant)
        assert st == 422 and field in err["error"]["fields"], (field, err)
        assert re.search(r"[\u4e00-\u9fff]", err["error"]["message"]), err
    st, _, err = p.submit("mediation", MEDIATION, place={"office_id": 1})
    assert st == 422 and "office_id" in err["error"]["fields"], err
    # a village of another office with this office: refused
    other = store_count(p.url, "SELECT MIN(v.id) FROM org_units v JOIN org_units o ON o.id = v.parent_id "
                               "WHERE v.level = 'village' AND o.name = '南京东路街道司法所'")
    st, _, err = p.submit("mediation", MEDIATION, place={"office_id": p.office, "village_id": other})
    assert st == 422, err
    st, _, err = p.submit("nonsense", MEDIATION)
    assert st == 422 and "kind" in err["error"]["fields"], err
    assert store_count(p.url, "SELECT COUNT(*) FROM mediation_case") == cases
    assert store_count(p.url, "SELECT COUNT(*) FROM persons") == persons


def test_places_search_and_an_address_matched_to_its_township(ctx):
    p = Portal(ctx)
    st, _, d = p.req("GET", "/public/api/v1/places")
    assert st == 200 and any(x["name"] == "浦东新区" for x in d["items"]), d
    pd = next(x["id"] for x in d["items"] if x["name"] == "浦东新区")
    towns = p.req("GET", f"/public/api/v1/places?parent={pd}")[2]["items"]
    assert any(x["name"] == "陆家嘴街道" and x["id"] == p.office for x in towns), towns
    st, _, found = p.req("GET", "/public/api/v1/places?q=%E9%99%86%E5%AE%B6%E5%98%B4")  # 陆家嘴
    assert st == 200 and found["items"][0]["office_id"] == p.office and found["items"][0]["district"] == "浦东新区", found
    st, _, m = p.req("POST", "/public/api/v1/places/match", {"address": "上海市浦东新区陆家嘴环路1000号"})
    assert st == 200 and m["office_id"] == p.office and m["township"] == "陆家嘴街道", m
    st, _, err = p.req("POST", "/public/api/v1/places/match", {"address": "火星"})
    assert st == 422, err
    # an address instead of a pick: the submission goes to the matched office
    st, _, got = p.submit("consultation", {"title": "物业费", "category": "housing", "question": "物业费标准"},
                          place={"address": "浦东新区陆家嘴环路1000号"})
    assert st == 201 and got["township"] == "陆家嘴街道", got


def test_reconsideration_legal_aid_and_legislation_land_in_their_lines(ctx):
    p = Portal(ctx)
    ljz = Session(p.s, "ljz")
    fields = {"respondent": "浦东新区市场监督管理局", "act": "行政处罚决定书 (浦市监罚〔2026〕12号)",
              "requests": "撤销该处罚决定", "act_known_on": "2026-11-20"}
    pdf = b"%PDF-1.4\n% portal test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    n = store_count(p.url, "SELECT COUNT(*) FROM reconsideration_intake")
    for bad, why in (([{"name": "a.txt", "data": base64.b64encode(b"just text").decode()}], "type"),
                     ([{"name": "a.pdf", "data": "@@@@"}], "base64"),
                     ([{"name": "big.pdf", "data": base64.b64encode(b"%PDF-" + b"x" * (2 * 1024 * 1024)).decode()}], "size"),
                     ([{"name": f"{i}.pdf", "data": base64.b64encode(pdf).decode()} for i in range(4)], "count")):
        body = {"kind": "reconsideration", "fields": fields, "office_id": p.office, "attachments": bad, "pow": p.pow(),
                "applicant": {"name": "王小明", "id_number": idcard("31011519800101123"), "phone": "13812345678"}}
        st, _, err = p.req("POST", "/public/api/v1/submissions", body)
        assert st == 422 and "attachments" in err["error"]["fields"], (why, err)
    assert store_count(p.url, "SELECT COUNT(*) FROM reconsideration_intake") == n
    body = {"kind": "reconsideration", "fields": fields, "office_id": p.office, "pow": p.pow(),
            "attachments": [{"name": "处罚决定书.pdf", "data": base64.b64encode(pdf).decode()}],
            "applicant": {"name": "王小明", "id_number": idcard("31011519800101123"), "phone": "13812345678"}}
    st, _, got = p.req("POST", "/public/api/v1/submissions", body)
    assert st == 201 and "5 个工作日" in got["next_step"], got
    rid = p.record_of(got["code"])
    rec = ljz.get(f"/api/v1/reconsideration-intakes/{rid}")[2]
    assert rec["wf_state"] == "received" and rec["mode"] == "written" and rec["body"] == "浦东新区人民政府", rec
    assert rec["receipt_no"], rec
    st, _, att = ljz.get(f"/api/v1/reconsideration-intakes/{rid}/attachments")
    assert st == 200 and [(a["name"], a["mime"]) for a in att["items"]] == [("处罚决定书.pdf", "application/pdf")], att
    body = dict(body, kind="consultation", pow=p.pow(), fields={"title": "附件", "category": "labor", "question": "带附件"})
    st, _, err = p.req("POST", "/public/api/v1/submissions", body)
    assert st == 422 and err["error"]["fields"]["attachments"] == "该事项不接受附件", err
    st, _, got = p.submit("legal_aid", {"matter": "追索劳动报酬", "case_kind": "labor", "hardship": "minimum_living",
                                        "hardship_facts": "低保家庭", "household_size": 3, "monthly_income": "800.00"})
    assert st == 201, got
    rec = ljz.get(f"/api/v1/legal-aid-preapps/{p.record_of(got['code'])}")[2]
    assert rec["wf_state"] == "applied" and rec["household_size"] == 3, rec
    # legislation: only against a campaign of the office still collecting
    st, _, err = p.submit("legislation", {"campaign_id": 999999, "content": "建议增加停车位"})
    assert st == 422 and "campaign_id" in err["error"]["fields"], err
    st, _, camp = ljz.post("/api/v1/legislation-campaigns", {"title": "上海市养犬管理条例 (修订草案)", "kind": "local_regulation",
                                                             "issuer": "市人大常委会法工委", "published_on": "2026-12-01",
                                                             "deadline": "2099-12-31"})
    assert st == 201, camp
    lst = p.req("GET", f"/public/api/v1/campaigns?office_id={p.office}")[2]["items"]
    assert [c["id"] for c in lst if c["id"] == camp["id"]], lst
    st, _, got = p.submit("legislation", {"campaign_id": camp["id"], "article": "第十二条", "content": "建议明确遛狗时间"})
    assert st == 201, got
    rec = ljz.get(f"/api/v1/legislation-suggestions/{p.record_of(got['code'])}")[2]
    assert rec["source"] == "portal" and rec["campaign_id"] == camp["id"], rec
