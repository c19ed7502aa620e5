"""Sign-in helpers for API tests: sessions with cookies and CSRF, TOTP codes."""
import base64
import hashlib
import hmac
import http.client
import json
import struct
import time

DEMO_PASSWORD = "Sfs@demo2026"


def totp(secret_b32, t=None):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((t if t is not None else time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


class Session:
    """A signed-in browser: keeps the cookie and the CSRF token."""

    def __init__(self, server, username=None, password=DEMO_PASSWORD, totp_code=None, expect=200):
        self.s = server
        self.cookie = None
        self.csrf = None
        self.login_status = None
        self.login_body = None
        if username:
            st, body = self.login(username, password, totp_code)
            assert st == expect, (username, st, body)

    def login(self, username, password, totp_code=None):
        payload = {"username": username, "password": password}
        if totp_code:
            payload["totp"] = totp_code
        st, h, body = self.s.request("POST", "/api/v1/session", body=payload, headers={"Host": "127.0.0.1"})
        self.login_status, self.login_body = st, body
        if st == 200:
            self.cookie = h["set-cookie"].split(";", 1)[0]
            self.csrf = body["csrf_token"]
        return st, body

    def req(self, method, path, body=None, csrf=True, headers=None, raw_body=None):
        h = {"Host": "127.0.0.1"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        return self.s.request(method, path, body=body, headers=h, raw_body=raw_body)

    def get(self, path):
        return self.req("GET", path)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, body=body if body is not None else {}, **kw)


_secrets = {}
_codes = {}
_sessions = {}


def admin_session(server, username):
    """Signs in an administrator of the demo, completing the TOTP enrolment
    its role requires the first time; returns (session, secret).  A TOTP code
    is accepted once (RFC 6238), so a signed-in session is reused while it
    lasts, and a fresh sign-in spends one of the recovery codes."""
    key = (server.url, username)
    if key in _sessions:
        old = _sessions[key]
        sess = Session(server)
        sess.cookie, sess.csrf, sess.login_body = old.cookie, old.csrf, old.login_body
        if sess.get("/api/v1/session")[0] == 200:
            return sess, _secrets[key]
    if key in _secrets:
        sess = Session(server)
        st, body = sess.login(username, DEMO_PASSWORD, _codes[key].pop())
        assert st == 200, body
        _sessions[key] = sess
        return sess, _secrets[key]
    sess = Session(server, username)
    assert sess.login_body["user"]["totp_setup_required"] is True
    st, _, body = sess.post("/api/v1/session/totp/setup")
    assert st == 200, body
    secret = body["secret"]
    st, _, body = sess.post("/api/v1/session/totp/enable", {"code": totp(secret)})
    assert st == 200 and len(body["recovery_codes"]) == 10, body
    _secrets[key] = secret
    _codes[key] = list(body["recovery_codes"])
    _sessions[key] = sess
    return sess, secret


def grant_roles(server, user_id, roles):
    """Gives an account business roles the way 三员分立 allows (issue 18):
    the security administrator grants them; a grant that adds 查看完整个人信息
    or an export permission waits for a second security administrator, who
    approves it.  Returns the answer of the grant that took effect."""
    sec, _ = admin_session(server, "secadmin")
    st, _, body = sec.req("PUT", f"/api/v1/users/{user_id}/roles", {"roles": roles})
    assert st in (200, 202), (st, body)
    if st == 202:
        sec2, _ = admin_session(server, "secadmin2")
        st, _, body = sec2.post(f"/api/v1/grants/{body['id']}/approve")
        assert st == 200, body
    return body


def create_user(server, username, org_id, roles, password=DEMO_PASSWORD, display_name=None):
    """An account made by the system administrator (no roles), then given its
    roles by the security administrators (grant_roles); returns its id."""
    sys_, _ = admin_session(server, "sysadmin")
    st, _, body = sys_.post("/api/v1/users", {"username": username, "display_name": display_name or username,
                                              "org_id": org_id, "password": password})
    assert st == 201, body
    grant_roles(server, body["id"], roles)
    return body["id"]
