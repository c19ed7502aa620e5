"""What a hostile but signed-in user found (issue 18 points 2, 3 and 5): each
test replays the attack and sees it refused.

  - linked records obey scope: a record links only what its author may read,
    missing and out of scope answer alike, documents print a linked person
    as the reader may see them;
  - no PI oracles: a birth date beside a masked ID number is masked with it,
    exact look-ups by a personal-information field are audited and limited;
  - the low findings: framing (CRLF, Host), the access log, the localhost
    cookie rule, Origin, permission before state, oversized filters.
"""
import re

from auth_helpers import Session, admin_session
from harness import json_of, responses

H = b"Host: t\r\n"


def _status(out):
    codes = responses(out)
    return codes[0] if codes else None


# ---- point 5: framing (RFC 9112) ----

def test_http11_without_host_is_400_and_http10_is_served(ctx):
    s = ctx.demo_server()
    out, closed = s.raw(b"GET /healthz HTTP/1.1\r\n\r\n")
    assert _status(out) == 400 and closed, out[:200]
    assert "Host" in json_of(out)["error"]["message"]
    out, _ = s.raw(b"GET /healthz HTTP/1.0\r\n\r\n")
    assert _status(out) == 200, out[:200]


def test_bare_lf_in_header_lines_is_400(ctx):
    s = ctx.demo_server()
    for req in (b"GET /healthz HTTP/1.1\nHost: t\n\n",
                b"GET /healthz HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n",
                b"GET /healthz HTTP/1.1\r\nHost: t\r\n\n",
                b"GET /healthz HTTP/1.0\n\n"):
        out, closed = s.raw(req)
        assert _status(out) == 400 and closed, (req, out[:200])
        assert "CRLF" in json_of(out)["error"]["message"]


def test_bare_lf_inside_a_chunked_body_is_400(ctx):
    s = ctx.demo_server()
    head = b"POST /healthz HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
    for body in (b"5\nhello\r\n0\r\n\r\n", b"5\r\nhello\n0\r\n\r\n", b"5\r\nhello\r\n0\n\r\n", b"5\r\nhello\r\n0\r\n\n"):
        out, closed = s.raw(head + body + b"GET /healthz HTTP/1.1\r\n" + H + b"\r\n")
        assert responses(out) == [400] and closed, (body, out[:300])
    # the same with CRLF everywhere is read (405: /healthz takes no POST)
    out, _ = s.raw(head + b"5\r\nhello\r\n0\r\n\r\n" + b"GET /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert responses(out) == [405, 200], out[:300]


# ---- point 5: the access log writes the path as sent ----

def test_access_log_cannot_be_forged_through_a_decoded_path(ctx):
    s = ctx.demo_server()
    forged = "/api/v1/x%20200%2095%20999us%20user=secadmin%0Afake"
    st, _, _ = s.request("GET", forged)
    assert st in (400, 404)
    st, _, _ = s.request("GET", "/api/v1/%E4%BA%BA%20x")
    import time
    for _ in range(50):
        lines = [ln for ln in list(s.access) if "/api/v1/x" in ln or "/api/v1/%E4" in ln]
        if len(lines) >= 2:
            break
        time.sleep(0.05)
    assert len(lines) >= 2, list(s.access)[-5:]
    for ln in lines:
        fields = ln.split(" ")
        assert len(fields) == 8, ln  # at method path status bytes time user
        assert fields[7].startswith("user="), ln
    assert any("/api/v1/x%20200%2095%20999us%20user=secadmin%0Afake" in ln for ln in lines), lines
    assert not any("user=secadmin" in ln.split(" ")[7] for ln in lines), lines


# ---- point 5: the localhost cookie rule and Origin ----

def test_cookie_without_secure_only_for_an_exact_loopback_host(ctx):
    s = ctx.demo_server()
    body = {"username": "ljz", "password": "Sfs@demo2026"}
    for host, insecure in (("localhost", True), ("localhost:8080", True), ("127.0.0.1:9", True), ("[::1]:8080", True),
                           ("localhost.evil.com", False), ("127.0.0.1.evil.com", False), ("localhostx", False),
                           ("[::1].evil.com", False), ("evil.com", False)):
        st, h, b = s.request("POST", "/api/v1/session", body=body, headers={"Host": host})
        assert st == 200, (host, b)
        cookie = h["set-cookie"]
        if insecure:
            assert cookie.startswith("sid=") and "Secure" not in cookie, (host, cookie)
        else:
            assert cookie.startswith("__Host-sid=") and "; Secure" in cookie, (host, cookie)


def test_origin_is_compared_as_scheme_host_and_port(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")

    def write(host, origin):
        h = {"Origin": origin, "Host": host} if origin else {"Host": host}
        st, _, b = ljz.req("POST", "/api/v1/persons", {}, headers=h)
        return st, b

    # plain-HTTP localhost: the site is http://127.0.0.1[:80]
    for origin in ("https://127.0.0.1", "ftp://127.0.0.1", "http://127.0.0.1:8080", "http://127.0.0.1.evil.com",
                   "null", "http://127.0.0.1@evil.com", "127.0.0.1"):
        st, b = write("127.0.0.1", origin)
        assert st == 403 and b["error"]["code"] == "origin_mismatch", (origin, st, b)
    for origin in ("http://127.0.0.1", "http://127.0.0.1:80", "HTTP://127.0.0.1"):
        st, b = write("127.0.0.1", origin)
        assert st == 422, (origin, st, b)  # past the Origin check: the empty person is refused
    # any other host is served over https (its cookie is Secure), by a proxy or our TLS
    site = "sifasuo.example.gov.cn"
    st, h, b = s.request("POST", "/api/v1/session", body={"username": "ljz", "password": "Sfs@demo2026"},
                         headers={"Host": site})
    assert st == 200 and h["set-cookie"].startswith("__Host-sid="), h
    ljz.cookie, ljz.csrf = h["set-cookie"].split(";", 1)[0], b["csrf_token"]
    for origin in ("http://" + site, "https://" + site + ":8443", "https://evil.example", "https://" + site + ".evil"):
        st, b = write(site, origin)
        assert st == 403 and b["error"]["code"] == "origin_mismatch", (origin, st, b)
    for origin in ("https://" + site, "https://" + site + ":443", "https://SIFASUO.example.gov.cn"):
        st, b = write(site, origin)
        assert st == 422, (origin, st, b)
    st, b = write(site + ":8443", "https://" + site + ":8443")
    assert st == 422, b


# ---- point 3: no PI oracles ----

FULL_DATE = re.compile(r"(19|20)\d\d-[01]\d-[0-3]\d")


def test_staff_birth_date_is_masked_with_the_id_number_everywhere(ctx):
    """The attack: the staff list showed birth_date beside the masked
    id_number (310***********1234), which leaves a handful of candidates."""
    s = ctx.demo_server()
    ljz, director = Session(s, "ljz"), Session(s, "ljz_director")
    st, _, lst = ljz.get("/api/v1/staff?limit=20")
    assert st == 200 and lst["items"], lst
    masked = [i for i in lst["items"] if i["birth_date"]]
    assert masked, "the demo staff have birth dates"
    for i in lst["items"]:
        assert i["birth_date"] is None or re.fullmatch(r"\d{4}-\*\*-\*\*", i["birth_date"]), i
        assert "*" in (i["id_number"] or "*"), i
    one = masked[0]
    st, _, rec = ljz.get(f"/api/v1/staff/{one['id']}")
    assert st == 200 and rec["birth_date"] == one["birth_date"], rec
    st, _, meta = ljz.get("/api/v1/meta/entities/staff")
    assert st == 200, meta
    f = next(f for f in meta["fields"] if f["name"] == "birth_date")
    assert f["pi"] and f["masked_with"] == "id_number", f
    # export (CSV) without unmask: the year only
    full = _full_birth(director, one["id"])
    st, _, csv = ljz.get("/api/v1/staff/export?format=csv")
    assert st == 200, csv
    text = csv.decode("utf-8-sig")
    assert full not in text and one["birth_date"] in text, text[:300]
    # no filter, sort or search by it: each would be the same oracle
    for q in ("birth_date=1980-01-01", "birth_date.from=1980-01-01", "sort=birth_date"):
        st, _, b = ljz.get("/api/v1/staff?" + q)
        assert st == 422, (q, b)
    # the unmask (pi.unmask, audited) shows it in full, with the number
    assert FULL_DATE.fullmatch(full) and full[:4] == one["birth_date"][:4], full
    st, _, csv = director.get("/api/v1/staff/export?format=csv&unmask=1")
    assert st == 200 and full in csv.decode("utf-8-sig")
    # an edit keeps it masked in the answer and the history
    st, _, upd = ljz.req("PATCH", f"/api/v1/staff/{one['id']}", {"version": rec["version"], "birth_date": "1979-03-04"})
    assert st == 200 and upd["birth_date"] == "1979-**-**", upd
    st, _, hist = ljz.get(f"/api/v1/staff/{one['id']}/history")
    assert st == 200 and "1979-03-04" not in str(hist), hist
    assert _full_birth(director, one["id"]) == "1979-03-04"


def _full_birth(director, sid):
    st, _, full = director.post(f"/api/v1/staff/{sid}/unmask")
    assert st == 200, full
    return full["birth_date"]


def _candidate_ids(n):
    """n valid (GB 11643) resident ID numbers, as an attacker would try them."""
    return [_gb11643("310115%s%03d" % ("19800101", 100 + k)) for k in range(n)]


def test_pi_lookups_are_audited_and_limited_per_user(ctx):
    from harness import demo_store
    url, _ = demo_store(ctx.kind)
    s = ctx.server(url, workers=1)  # a setting reaches other workers within 5 s; one worker sees it at once
    njdl = Session(s, "njdl")
    ids = _candidate_ids(24)
    # 20 a minute by default, counted across the registers and the person registry
    for k, idn in enumerate(ids[:20]):
        path = "/api/v1/staff?id_number=" if k % 2 else "/api/v1/persons?id_number="
        st, _, b = njdl.get(path + idn)
        assert st == 200, (k, b)
    st, h, b = njdl.get("/api/v1/staff?id_number=" + ids[20])
    assert st == 429 and b["error"]["code"] == "rate_limited" and "个人信息" in b["error"]["message"], b
    assert h.get("retry-after") == "60"
    st, _, b = njdl.get("/api/v1/persons?id_number=" + ids[20])
    assert st == 429, b
    st, _, b = njdl.get("/api/v1/staff/export?format=csv&id_number=" + ids[20])
    assert st == 429, b
    # other lists of the same user are not limited, nor other users' look-ups
    assert njdl.get("/api/v1/staff?limit=1")[0] == 200
    assert Session(s, "ljz").get("/api/v1/persons?id_number=" + ids[21])[0] == 200
    # the security administrator's setting
    sec, _ = admin_session(s, "secadmin")
    st, _, sets = sec.get("/api/v1/settings")
    assert st == 200 and "pi.lookup_per_minute" in str(sets), sets
    st, _, b = sec.req("PUT", "/api/v1/settings/pi.lookup_per_minute", {"value": 0})
    assert st == 422, b
    st, _, b = sec.req("PUT", "/api/v1/settings/pi.lookup_per_minute", {"value": 21})
    assert st == 200, b
    assert njdl.get("/api/v1/staff?id_number=" + ids[22])[0] == 200
    assert njdl.get("/api/v1/staff?id_number=" + ids[23])[0] == 429
    # the audit: who, which field, hit or miss — never the value
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get("/api/v1/audit?action=pi.lookup&limit=200")
    assert st == 200, log
    mine = [i for i in log["items"] if i["username"] == "njdl"]
    ok = [i for i in mine if i["result"] == "ok"]
    denied = [i for i in mine if i["result"] == "denied"]
    assert len(ok) == 21 and len(denied) == 4, (len(ok), len(denied))
    for i in ok:
        d = i["detail"] if isinstance(i["detail"], dict) else __import__("json").loads(i["detail"])
        assert d["field"] == "id_number" and d["hit"] is False, d
        assert i["entity"] in ("staff", "persons"), i
    for idn in ids:
        assert idn not in str(log) and "*" + idn[-4:] not in str(mine), "the value, masked or not, is never in the audit"


def test_a_pi_lookup_that_finds_someone_is_audited_as_a_hit(ctx):
    s = ctx.demo_server()
    director = Session(s, "ljz_director")
    st, _, lst = director.get("/api/v1/staff?limit=1")
    sid = lst["items"][0]["id"]
    st, _, full = director.post(f"/api/v1/staff/{sid}/unmask")
    st, _, hit = director.get("/api/v1/staff?id_number=" + full["id_number"])
    assert st == 200 and [i["id"] for i in hit["items"]] == [sid], hit
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get("/api/v1/audit?action=pi.lookup&limit=50")
    rows = [i for i in log["items"] if i["username"] == "ljz_director"]
    assert rows and '"hit":true' in str(rows[0]["detail"]).replace("True", "true").replace(" ", "").replace("'", '"'), rows
    assert full["id_number"] not in str(log)


# ---- point 2: linked records obey scope ----

CASES, PARTIES, P = "/api/v1/mediation-cases", "/api/v1/mediation-parties", "/api/v1/persons"


def _gb11643(id17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return id17 + "10X98765432"[sum(int(c) * w[i] for i, c in enumerate(id17)) % 11]


def _new_case(sess, title):
    st, _, case = sess.post(CASES, {"title": title, "received_on": "2026-10-01", "source": "proactive",
                                    "category": "other"})
    assert st == 201, case
    return case


def test_a_party_out_of_scope_or_missing_is_the_same_422_and_changes_nothing(ctx):
    """The attack: an office user could not GET a person of another district
    (404) but could add that person's id as a party to its own case."""
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    st, _, theirs = ljz.get(P + "?limit=1")
    pid = theirs["items"][0]["id"]
    case = _new_case(njdl, "越权关联测试")
    answers = []
    for person in (pid, 10 ** 9, pid + 10 ** 6):
        st, _, b = njdl.post(PARTIES, {"case_id": case["id"], "role": "applicant", "person_id": person})
        assert st == 422 and "person_id" in b["error"]["fields"], b
        # a Chinese message naming the field by its label, not its key
        assert b["error"]["message"].startswith("当事人 (自然人): ") and "person_id" not in b["error"]["message"], b
        answers.append(b)
    assert answers[0] == answers[1] == answers[2], "missing and out of scope must read the same"
    st, _, c = njdl.get(f"{CASES}/{case['id']}")
    assert st == 200 and c["parties"]["items"] == [], c
    # a ref to another office's record: the same words whether it exists or not
    st, _, other = ljz.get(CASES + "?limit=1")
    refs = []
    for cid in (other["items"][0]["id"], 10 ** 9):
        st, _, b = njdl.post(PARTIES, {"case_id": cid, "role": "applicant", "unit_name": "某公司"})
        assert st == 422 and "case_id" in b["error"]["fields"] and b["error"]["message"].startswith("案件: "), b
        refs.append(b)
    assert refs[0] == refs[1]
    # and a change to a party: the same rule
    st, _, own = njdl.post(PARTIES, {"case_id": case["id"], "role": "applicant", "unit_name": "某公司"})
    assert st == 201, own
    st, _, b = njdl.req("PATCH", f"{PARTIES}/{own['id']}", {"version": own["version"], "unit_name": None,
                                                             "person_id": pid})
    assert st == 422 and "person_id" in b["error"]["fields"], b


def test_walking_person_ids_answers_nothing_different_out_of_scope(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    pid = ljz.get(P + "?limit=1")[2]["items"][0]["id"]
    missing = 10 ** 9
    for path in ("", "/involvements"):
        a = njdl.get(f"{P}/{pid}{path}")
        b = njdl.get(f"{P}/{missing}{path}")
        assert a[0] == b[0] == 404 and a[2] == b[2], (path, a, b)
    a = njdl.post(f"{P}/{pid}/merge", {"into_id": pid + 1, "reason": "重复登记"})
    b = njdl.post(f"{P}/{missing}/merge", {"into_id": pid + 1, "reason": "重复登记"})
    assert a[0] == b[0] and a[2] == b[2], (a, b)
    for path in (f"/api/v1/mediation-cases/{ljz.get(CASES + '?limit=1')[2]['items'][0]['id']}", f"{CASES}/{missing}"):
        st, _, body = njdl.get(path)
        assert st == 404 and body["error"]["code"] == "not_found", body


def test_documents_print_a_linked_person_as_the_reader_may_see_them(ctx):
    """A person of 南京东路 (黄浦) shared with 陆家嘴 by its full ID number
    is a party to 陆家嘴's case: 陆家嘴 prints them in full; the 浦东 district,
    which may read the case but not that person, gets them masked."""
    s = ctx.demo_server()
    ljz, njdl, pudong = Session(s, "ljz"), Session(s, "njdl"), Session(s, "pudong")
    idn = _gb11643("31010119770707%03d" % (ctx.__hash__() % 500 * 2 + 1))
    st, _, person = njdl.post(P, {"name": "欧阳共享", "id_number": idn, "phone": "13912340000"})
    assert st == 201, person
    st, _, dup = ljz.post(P, {"name": "欧阳共享", "id_number": idn})
    assert st == 409 and dup["error"]["existing_ref"]["id"] == person["id"], dup
    case = _new_case(ljz, "文书脱敏测试")
    st, _, party = ljz.post(PARTIES, {"case_id": case["id"], "role": "applicant", "person_id": person["id"]})
    assert st == 201, party
    st, _, own = ljz.get(f"{CASES}/{case['id']}/documents/application")
    assert st == 200, own
    own = own.decode() if isinstance(own, bytes) else str(own)
    assert "欧阳共享" in own and "1977年生" in own and "139****0000" in own, re.findall(r"<td>[^<]*</td>", own)
    st, _, other = pudong.get(f"{CASES}/{case['id']}/documents/application")
    assert st == 200, other
    other = other.decode() if isinstance(other, bytes) else str(other)
    assert "欧阳共享" not in other and "欧阳**" in other, re.findall(r"<td>[^<]*</td>", other)
    assert "1977" not in other and "13912340000" not in other and idn not in other, other[-800:]
    st, _, docx = pudong.get(f"{CASES}/{case['id']}/documents/application?format=docx")
    assert st == 200 and "欧阳共享".encode() not in _docx_text(docx), "the Word file too"
    # and the case's own view of the party: the masked name only
    st, _, c = pudong.get(f"{CASES}/{case['id']}")
    assert "欧阳共享" not in str(c) and idn not in str(c), c
    # an unmasked export (pi.unmask) of the parties: the full name only for whom may read the person
    st, _, csv = pudong.get(f"{PARTIES}/export?format=csv&unmask=1&case_id={case['id']}")
    assert st == 200 and "欧阳共享" not in csv.decode("utf-8-sig") and "欧阳**" in csv.decode("utf-8-sig"), csv
    st, _, csv = Session(s, "ljz_director").get(f"{PARTIES}/export?format=csv&unmask=1&case_id={case['id']}")
    assert st == 200 and "欧阳共享" in csv.decode("utf-8-sig"), csv


def _docx_text(blob):
    import io
    import zipfile
    return zipfile.ZipFile(io.BytesIO(blob)).read("word/document.xml")


# ---- point 5: permission before state; oversized filters ----

def test_a_workflow_action_says_nothing_about_state_to_who_may_not_fire_it(ctx):
    s = ctx.demo_server()
    ljz, njdl, pudong = Session(s, "ljz"), Session(s, "njdl"), Session(s, "pudong")
    case = _new_case(ljz, "先权限后状态")
    # unreadable: 404, as if missing, whatever the action and the state
    for action in ("accept", "archive", "unarchive"):
        a = njdl.post(f"{CASES}/{case['id']}/actions/{action}", {"version": case["version"]})
        b = njdl.post(f"{CASES}/{10 ** 9}/actions/{action}", {"version": 1})
        assert a[0] == b[0] == 404 and a[2] == b[2], (action, a, b)
    # readable, but no permission for the action (撤销归档 is the district's): 403, not 409 with the state
    st, _, b = ljz.post(f"{CASES}/{case['id']}/actions/unarchive", {"version": case["version"]})
    assert st == 403 and b["error"]["code"] == "forbidden", b
    assert "登记" not in str(b) and "registered" not in str(b), b
    # one who holds it learns the state: 409
    st, _, b = pudong.post(f"{CASES}/{case['id']}/actions/unarchive", {"version": case["version"]})
    assert st == 409, b
    st, _, c = ljz.get(f"{CASES}/{case['id']}")
    assert c["wf_state"] == "registered" and c["version"] == case["version"], "nothing changed"


def test_62_or_more_values_in_one_filter_is_a_422(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for name, vals in (("category", ["c%d" % i for i in range(62)]), ("id", [str(i) for i in range(70)]),
                       ("wf_state", ["registered"] * 100)):
        st, _, b = ljz.get(f"{CASES}?{name}=" + ",".join(vals))
        assert st == 422 and b["error"]["code"] == "too_many_filter_values", (name, st, b)
        assert re.search(r"[\u4e00-\u9fff]", b["error"]["message"]), b
    st, _, b = ljz.get(f"{CASES}/export?format=csv&category=" + ",".join("c%d" % i for i in range(62)))
    assert st == 422 and b["error"]["code"] == "too_many_filter_values", b


def test_a_linked_record_shows_its_title_only_to_who_may_read_it(ctx):
    """The 浦东 district links a 陆家嘴 case to another office's 调委会: the
    district sees its name; 陆家嘴, which may not read that committee, sees
    the link withheld — in the record, the list, the export and the history."""
    s = ctx.demo_server()
    ljz, pudong = Session(s, "ljz"), Session(s, "pudong")
    ljz_org = ljz.login_body["user"]["org"]["id"]
    st, _, orgs = pudong.get("/api/v1/mediation-orgs?limit=200")
    assert st == 200, orgs
    other = next(o for o in orgs["items"] if o["org_id"] != ljz_org)
    st, _, case = pudong.post(CASES, {"title": "区局代为登记", "received_on": "2026-10-02", "source": "proactive",
                                      "category": "other", "org_id": ljz_org, "mediation_org_id": other["id"]})
    assert st == 201 and case["mediation_org_id_name"] == other["name"], case
    withheld = "(无权查看的记录)"
    st, _, mine = ljz.get(f"{CASES}/{case['id']}")
    assert st == 200 and mine["mediation_org_id_name"] == withheld, mine
    assert other["name"] not in str(mine)
    st, _, lst = ljz.get(f"{CASES}?q=区局代为登记")
    row = next(i for i in lst["items"] if i["id"] == case["id"])
    assert row["mediation_org_id_name"] == withheld, row
    st, _, csv = ljz.get(f"{CASES}/export?format=csv&q=区局代为登记")
    assert st == 200 and other["name"] not in csv.decode("utf-8-sig"), csv[:400]
    st, _, hist = ljz.get(f"{CASES}/{case['id']}/history")
    assert st == 200 and other["name"] not in str(hist), hist
    st, _, hist = pudong.get(f"{CASES}/{case['id']}/history")
    assert other["name"] in str(hist), "the district, which may read it, sees the name"


def test_registering_a_number_another_unit_holds_is_a_limited_audited_look_up(ctx):
    """POST /persons answers 409 "already registered" (with the person to link)
    for a number the registry holds: a look-up by the full number, so it is
    limited and audited as one, and a miss registers the person."""
    from harness import demo_store
    url, _ = demo_store(ctx.kind)
    s = ctx.server(url, workers=1)
    ids = _candidate_ids(30)[25:27]
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    st, _, p = ljz.post("/api/v1/persons", {"name": "王某某", "id_number": ids[0]})
    assert st == 201, p
    for k in range(20):
        st, _, b = njdl.post("/api/v1/persons", {"name": "王某某", "id_number": ids[0]})
        assert st == 409 and b["error"]["code"] == "duplicate_person", (k, b)
    st, h, b = njdl.post("/api/v1/persons", {"name": "李某某", "id_number": ids[1]})
    assert st == 429 and b["error"]["code"] == "rate_limited" and h.get("retry-after") == "60", b
    assert ljz.get(f"/api/v1/persons?limit=5")[0] == 200
    st, _, found = ljz.get("/api/v1/persons?id_number=" + ids[1])
    assert st == 200 and found["items"] == [], "the refused registration wrote nothing"
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get("/api/v1/audit?action=pi.lookup&limit=100")
    mine = [i for i in log["items"] if i["username"] == "njdl"]
    assert len([i for i in mine if i["result"] == "ok"]) == 20 and len(mine) == 21, len(mine)
    assert ids[0] not in str(mine), "never the value"
