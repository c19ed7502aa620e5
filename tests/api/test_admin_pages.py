"""The administrators' API as the 系统管理 pages use it (issue 7 point 8), on
SQLite and PostgreSQL: the user list's filters, the roles a system
administrator may assign, a reset that hands out a one-time password, and
the audit chain's verification for the audit viewer."""
from auth_helpers import DEMO_PASSWORD, Session, admin_session


def _user(sess, username):
    st, _, body = sess.get("/api/v1/users?q=" + username)
    assert st == 200, body
    return next(u for u in body["items"] if u["username"] == username)


def test_user_list_filters_by_status_role_and_org_subtree(ctx):
    s = ctx.demo_server()
    sys_, _ = admin_session(s, "sysadmin")
    njdl = _user(sys_, "njdl")
    st, _, _ = sys_.req("PATCH", f"/api/v1/users/{njdl['id']}", {"status": "disabled"})
    assert st == 200
    st, _, body = sys_.get("/api/v1/users?status=disabled")
    assert st == 200 and [u["username"] for u in body["items"]] == ["njdl"], body
    st, _, body = sys_.get("/api/v1/users?status=active")
    names = {u["username"] for u in body["items"]}
    assert "njdl" not in names and "ljz" in names, names

    st, _, body = sys_.get("/api/v1/users?q=admin")
    kinds = {u["username"]: [r["admin_kind"] for r in u["roles"]] for u in body["items"]}
    assert kinds["sysadmin"] == ["sys"] and kinds["secadmin"] == ["sec"], kinds
    st, _, body = sys_.get("/api/v1/users?role=office_staff")
    assert st == 200 and {u["username"] for u in body["items"]} == {"ljz", "njdl"}, body
    assert all(any(r["key"] == "office_staff" for r in u["roles"]) for u in body["items"])

    ljz = _user(sys_, "ljz")
    st, _, body = sys_.get(f"/api/v1/users?org_id={ljz['org']['id']}")
    assert st == 200 and {u["username"] for u in body["items"]} == {"ljz", "ljz_director", "tiaojie"}, body
    # a district: its own staff and its offices' staff
    st, _, pud = sys_.get("/api/v1/users?q=pudong_staff")
    district = pud["items"][0]["org"]["id"]
    st, _, body = sys_.get(f"/api/v1/users?org_id={district}")
    names = {u["username"] for u in body["items"]}
    assert {"pudong", "pudong_staff", "ljz", "ljz_director", "tiaojie"} <= names and "njdl" not in names, names
    st, _, body = sys_.get(f"/api/v1/users?org_id={district}&role=office_director&q=ljz")
    assert [u["username"] for u in body["items"]] == ["ljz_director"], body

    for q, field in (("status=gone", "status"), ("org_id=999999", "org_id")):
        st, _, body = sys_.get("/api/v1/users?" + q)
        assert st == 422 and field in body["error"]["fields"], (q, st, body)
    st, _, body = sys_.get("/api/v1/users?org_id=abc")
    assert st == 422, body


def test_locked_account_is_listed_as_locked_and_unlocked_by_enabling(ctx):
    s = ctx.demo_server()
    for _ in range(5):
        s.request("POST", "/api/v1/session", body={"username": "tiaojie", "password": "Wrong#Pass2026"})
    sys_, _ = admin_session(s, "sysadmin")
    st, _, body = sys_.get("/api/v1/users?status=locked")
    assert [u["username"] for u in body["items"]] == ["tiaojie"], body
    assert body["items"][0]["status"] == "locked"
    st, _, _ = sys_.req("PATCH", f"/api/v1/users/{body['items'][0]['id']}", {"status": "active"})
    assert st == 200
    assert sys_.get("/api/v1/users?status=locked")[2]["items"] == []
    Session(s, "tiaojie")  # signs in again


def test_assignable_roles_leave_out_the_administrator_roles(ctx):
    s = ctx.demo_server()
    sys_, _ = admin_session(s, "sysadmin")
    st, _, body = sys_.get("/api/v1/assignable-roles")
    assert st == 200, body
    keys = [r["key"] for r in body["items"]]
    assert "office_staff" in keys and "mediator" in keys, keys
    assert not {"sysadmin", "secadmin", "auditadmin"} & set(keys), keys
    assert all(r["name"] for r in body["items"])
    assert Session(s, "ljz").get("/api/v1/assignable-roles")[0] == 403


def test_reset_without_a_password_hands_out_a_one_time_password(ctx):
    s = ctx.demo_server()
    sys_, _ = admin_session(s, "sysadmin")
    org = _user(sys_, "ljz")["org"]["id"]
    st, _, made = sys_.post("/api/v1/users", {"username": "reset_me", "display_name": "重置测试", "org_id": org,
                                              "password": DEMO_PASSWORD})
    assert st == 201, made
    ljz = {"id": made["id"]}
    st, _, body = sys_.post(f"/api/v1/users/{ljz['id']}/password", {})
    assert st == 200 and body["must_change_password"] is True, body
    otp = body["password"]
    assert len(otp) >= 16 and any(c.isupper() for c in otp) and any(c.isdigit() for c in otp), otp
    assert Session(s).login("reset_me", DEMO_PASSWORD)[0] == 401
    st, who = Session(s).login("reset_me", otp)
    assert st in (200, 403), who
    if st == 200:
        assert who["user"]["must_change_password"] is True, who
    else:
        assert who["error"]["code"] == "must_change_password", who
    # a password given is used as it is and not echoed back
    st, _, body = sys_.post(f"/api/v1/users/{ljz['id']}/password", {"password": "Given#Pass2026x"})
    assert st == 200 and "password" not in body, body
    st, _, body = sys_.post(f"/api/v1/users/{ljz['id']}/password", {"password": 5})
    assert st == 422 and "password" in body["error"]["fields"], body
    aud, _ = admin_session(s, "auditor")
    st, _, log = aud.get(f"/api/v1/audit?action=password.reset&entity=users&entity_id={ljz['id']}")
    assert len(log["items"]) == 2, log
    assert all(otp not in str(i["detail"]) for i in log["items"])


def test_audit_verify_reports_the_chain_and_is_itself_audited(ctx):
    s = ctx.demo_server()
    aud, _ = admin_session(s, "auditor")
    st, _, body = aud.get("/api/v1/audit/verify")
    assert st == 200 and body["intact"] is True and body["first_bad_id"] is None, body
    assert body["rows_checked"] > 10, body
    st, _, log = aud.get("/api/v1/audit?action=audit.verify")
    assert log["items"] and log["items"][0]["detail"]["intact"] is True, log
    sys_, _ = admin_session(s, "sysadmin")
    assert sys_.get("/api/v1/audit/verify")[0] == 403
    assert Session(s, "ljz").get("/api/v1/audit/verify")[0] == 403


def test_create_without_a_password_hands_out_a_one_time_password(ctx):
    s = ctx.demo_server()
    sys_, _ = admin_session(s, "sysadmin")
    org = _user(sys_, "ljz")["org"]["id"]
    st, _, made = sys_.post("/api/v1/users", {"username": "made_otp", "display_name": "一次性密码", "org_id": org})
    assert st == 201 and len(made["password"]) >= 16, made
    st, who = Session(s).login("made_otp", made["password"])
    assert st in (200, 403), who
    st, _, body = sys_.post("/api/v1/users", {"username": "typed_pw", "display_name": "自设密码", "org_id": org,
                                              "password": "Typed#Pass2026x"})
    assert st == 201 and "password" not in body, body
    st, _, body = sys_.post("/api/v1/users", {"username": "bad_pw", "display_name": "坏密码", "org_id": org,
                                              "password": "short"})
    assert st == 422 and "password" in body["error"]["fields"], body


def test_token_permissions_offer_only_business_permissions(ctx):
    s = ctx.demo_server()
    sys_, _ = admin_session(s, "sysadmin")
    st, _, body = sys_.get("/api/v1/token-permissions")
    assert st == 200, body
    keys = {p["key"] for p in body["items"]}
    assert "org.read" in keys and "user.manage" not in keys and "audit.read" not in keys, keys
    assert all(p["admin_kind"] is None and p["label"] for p in body["items"])
    root = sys_.login_body["user"]["org"]["id"]
    st, _, made = sys_.post("/api/v1/api-tokens", {"name": "法院系统", "org_id": root, "permissions": ["org.read"],
                                                   "expires_at": "2099-01-01"})
    assert st == 422 and "expires_at" in made["error"]["fields"], made
    sec, _ = admin_session(s, "secadmin")
    assert sec.get("/api/v1/token-permissions")[0] == 403
