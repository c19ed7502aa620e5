"""Webhooks (issue 25 point 3): a token subscribes entities and events to a
URL; each change of the feed it may read is POSTed there, signed with
HMAC-SM3 over "<timestamp>.<body>", retried with a doubling back-off while
the receiver is down, kept in order per record, dead after max_attempts
failures and replayable.  The receiver is a real HTTP server on loopback
that this test stops and starts again."""
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from auth_helpers import Session
from harness import ROOT, demo_store
from test_changes import make_token, staff

HOOKS = "/api/v1/webhooks"


def _hold(port=0):
    """A socket bound to 127.0.0.1:port and not listening: a connection to it
    is refused, and no other socket can take the port meanwhile."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
    sock.bind(("127.0.0.1", port))
    return sock


class Receiver:
    """A loopback HTTP receiver that can go down (its port closed: the
    connection is refused) and come back on the same port.  While down it
    holds the port with a bound socket that does not listen: a port only
    probed free could be taken in the meantime (any outgoing connection's
    source port, a server's store connection) and the receiver would not
    come back on it."""

    def __init__(self, tls_context=None):
        self.hold = _hold()
        self.port = self.hold.getsockname()[1]
        self.got = []
        self.server = None
        self.tls = tls_context

    def up(self):
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                got.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.hold.close()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self.hold = _hold(self.port)


def hmac_sm3(secret, msg):
    try:
        return hmac.new(secret.encode(), msg, "sm3").hexdigest()
    except ValueError:  # a Python without SM3 in hashlib: OpenSSL's command does it
        out = subprocess.run(["openssl", "dgst", "-sm3", "-hmac", secret], input=msg, capture_output=True, check=True)
        return out.stdout.decode().rsplit("= ", 1)[1].strip()


def verify(secret, d):
    h = d["headers"]
    expect = "sm3=" + hmac_sm3(secret, h["x-sifasuo-timestamp"].encode() + b"." + d["body"])
    return hmac.compare_digest(expect, h["x-sifasuo-signature"])


def wait(cond, timeout=40, what=""):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def deliveries(s, auth, hook, status=None):
    st, _, body = s.request("GET", f"{HOOKS}/{hook}/deliveries" + (f"?status={status}" if status else ""), headers=auth)
    assert st == 200, body
    return body["items"]


def subscribe(s, auth, rx, **kw):
    body = {"url": f"http://127.0.0.1:{rx.port}/hook", "entities": ["staff"]}
    body.update(kw)
    st, _, hook = s.request("POST", HOOKS, body=body, headers=auth)
    assert st == 201, hook
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) >= 46, hook["secret"]
    assert hook["events"] == kw.get("events", ["create", "update", "transition", "delete", "restore"])
    return hook


def test_a_receiver_down_for_a_while_gets_every_change_signed_and_in_order(ctx):
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    rx = Receiver()
    rx.up()
    hook = subscribe(s, auth, rx)
    rx.down()
    ljz = Session(s, "ljz")
    a = staff(ljz, "推送甲", id_number="310115198503071230")
    st, _, a = ljz.req("PATCH", f"/api/v1/staff/{a['id']}", {"version": a["version"], "major": "法学"})
    assert st == 200, a
    b = staff(ljz, "推送乙")
    outside = staff(Session(s, "njdl"), "外区推送")
    # the receiver is down: retried, the record's second change waits for its first
    pend = wait(lambda: (lambda d: d if len(d) == 3 and any(x["attempts"] >= 2 for x in d) else None)(
        deliveries(s, auth, hook["id"], "pending")), what="retries")
    of_a = [x for x in pend if x["record_id"] == a["id"]]
    assert [x["event"] for x in of_a] == ["create", "update"]
    assert of_a[0]["attempts"] >= 2 and of_a[0]["last_error"] and of_a[1]["attempts"] == 0, of_a
    assert all(x["next_attempt_at"] for x in pend)
    time.sleep(1)
    rx.up()
    wait(lambda: len(rx.got) >= 3, what="the deliveries after the receiver came back")
    time.sleep(1)
    assert len(rx.got) == 3, [d["body"] for d in rx.got]
    bodies = [json.loads(d["body"]) for d in rx.got]
    assert all(verify(hook["secret"], d) for d in rx.got), "every delivery signed with HMAC-SM3"
    assert not verify("wrong" + hook["secret"], rx.got[0])
    got_a = [b_ for b_ in bodies if b_["change"]["record_id"] == a["id"]]
    assert [x["change"]["event"] for x in got_a] == ["create", "update"], "one record's changes in order"
    assert {x["change"]["record_id"] for x in bodies} == {a["id"], b["id"]}, "nothing outside the token's scope"
    assert outside["id"] not in {x["change"]["record_id"] for x in bodies}
    rec = got_a[-1]["change"]["record"]
    assert rec["major"] == "法学" and rec["id_number"] != "310115198503071230" and "*" in rec["id_number"]
    h = rx.got[0]["headers"]
    assert h["x-sifasuo-event"] in ("staff.create", "staff.update") and h["x-sifasuo-delivery"].isdigit()
    assert abs(int(h["x-sifasuo-timestamp"]) - time.time()) < 120
    # the example client (docs/examples/feed_client.py) checks it the same way
    body = os.path.join(tempfile.mkdtemp(prefix="sifasuo-hook-"), "delivery.json")
    with open(body, "wb") as f:
        f.write(rx.got[0]["body"])
    example = [sys.executable, os.path.join(ROOT, "docs", "examples", "feed_client.py"), "verify",
               "--timestamp", h["x-sifasuo-timestamp"], "--signature", h["x-sifasuo-signature"], "--body-file", body]
    p = subprocess.run(example + ["--secret", hook["secret"]], capture_output=True, text=True)
    assert p.returncode == 0 and "签名有效" in p.stdout, (p.stdout, p.stderr)
    p = subprocess.run(example + ["--secret", hook["secret"] + "x"], capture_output=True, text=True)
    assert p.returncode == 1 and "签名无效" in p.stdout
    done = deliveries(s, auth, hook["id"])
    assert [x["status"] for x in done] == ["delivered"] * 3 and all(x["delivered_at"] for x in done)
    rx.down()


def test_after_max_attempts_a_delivery_is_dead_until_replayed(ctx):
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    rx = Receiver()
    hook = subscribe(s, auth, rx, max_attempts=2, events=["create"])
    rec = staff(Session(s, "ljz"), "死信测试")
    dead = wait(lambda: deliveries(s, auth, hook["id"], "dead"), what="the dead letter")
    assert len(dead) == 1 and dead[0]["record_id"] == rec["id"] and dead[0]["attempts"] == 2, dead
    assert "连接" in dead[0]["last_error"], dead
    rx.up()
    time.sleep(1.5)
    assert rx.got == [], "a dead delivery is not sent again by itself"
    path = f"{HOOKS}/{hook['id']}/deliveries/{dead[0]['id']}/replay"
    st, _, body = s.request("POST", path, headers=auth)
    assert st == 200 and body["status"] == "pending", body
    st, _, err = s.request("POST", path, headers=auth)
    assert st in (200, 409), err  # 409 while it waits; 200 if it went out already
    wait(lambda: rx.got, what="the replayed delivery")
    assert verify(hook["secret"], rx.got[0]) and json.loads(rx.got[0]["body"])["change"]["record_id"] == rec["id"]
    wait(lambda: deliveries(s, auth, hook["id"], "delivered"), what="the delivered status")
    assert deliveries(s, auth, hook["id"], "dead") == []
    assert s.request("POST", f"{HOOKS}/{hook['id']}/deliveries/999999/replay", headers=auth)[0] == 404
    # an update is not subscribed: nothing queued for it
    rx.down()


def test_only_a_token_subscribes_to_what_it_may_read(ctx):
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    rx = Receiver()
    good = {"url": f"http://127.0.0.1:{rx.port}/x", "entities": ["staff"]}
    for bad, field in (({"url": "http://example.com/x"}, "url"), ({"url": "ftp://127.0.0.1/x"}, "url"),
                       ({"url": "https://u:p@example.com/x"}, "url"), ({"entities": []}, "entities"),
                       ({"entities": ["nonsense"]}, "entities"), ({"events": ["explode"]}, "events"),
                       ({"max_attempts": 0}, "max_attempts"), ({"max_attempts": 21}, "max_attempts"),
                       ({"after": "x"}, "after")):
        st, _, err = s.request("POST", HOOKS, body=dict(good, **bad), headers=auth)
        assert st == 422 and field in err["error"]["fields"], (bad, err)
    st, _, err = s.request("POST", HOOKS, body=dict(good, entities=["mediation-cases"]), headers=auth)
    assert st == 403 and "人民调解案件" in err["error"]["message"], err
    st, _, err = Session(s, "pudong").post(HOOKS, good)
    assert st == 403, "an account follows the feed; webhooks are a token's"
    st, _, hook = s.request("POST", HOOKS, body=dict(good, url="https://hooks.example.org/sifasuo"), headers=auth)
    assert st == 201, hook
    st, _, lst = s.request("GET", HOOKS, headers=auth)
    assert st == 200 and [h["id"] for h in lst["items"]] == [hook["id"]] and "secret" not in lst["items"][0]
    other = make_token(s, "pudong", ["register.staff.read"], name="另一系统")
    assert s.request("GET", f"{HOOKS}/{hook['id']}/deliveries", headers=other)[0] == 404
    assert s.request("DELETE", f"{HOOKS}/{hook['id']}", headers=other)[0] == 404
    assert s.request("DELETE", f"{HOOKS}/{hook['id']}", headers=auth)[0] == 204
    assert s.request("GET", HOOKS, headers=auth)[2]["items"] == []


def test_two_nodes_on_one_store_deliver_each_change_once(ctx):
    url, _ = demo_store(ctx.kind)
    a, b = ctx.server(url), ctx.server(url)  # each runs its delivery thread
    auth = make_token(a, "pudong", ["register.staff.read"])
    rx = Receiver()
    rx.up()
    hook = subscribe(a, auth, rx, events=["create"])
    ljz_a, ljz_b = Session(a, "ljz"), Session(b, "ljz")
    made = [staff(ljz_a if i % 2 else ljz_b, f"双节点{i}")["id"] for i in range(6)]
    wait(lambda: len(rx.got) >= 6, what="six deliveries")
    time.sleep(2)
    ids = sorted(json.loads(d["body"])["change"]["record_id"] for d in rx.got)
    assert ids == sorted(made), "each change queued and sent once though two nodes follow the feed"
    assert len({d["headers"]["x-sifasuo-delivery"] for d in rx.got}) == 6
    assert len(deliveries(b, auth, hook["id"], "delivered")) == 6
    rx.down()


def test_https_is_verified_an_untrusted_receiver_gets_nothing_a_trusted_one_gets_it(ctx):
    """https is verified (CA and host name): a self-signed receiver is a
    failed delivery, never a delivery — until its CA is trusted."""
    import ssl
    work = tempfile.mkdtemp(prefix="sifasuo-tls-")
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   capture_output=True, check=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["register.staff.read"])
    rx = Receiver(tls)
    rx.up()
    body = {"url": f"https://127.0.0.1:{rx.port}/hook", "entities": ["staff"], "max_attempts": 1}
    st, _, hook = s.request("POST", HOOKS, body=body, headers=auth)
    assert st == 201, hook
    staff(Session(s, "ljz"), "证书测试")
    dead = wait(lambda: deliveries(s, auth, hook["id"], "dead"), what="the refused delivery")
    assert "TLS" in dead[0]["last_error"] and dead[0]["last_status"] is None, dead
    assert rx.got == []
    # the same receiver trusted (OpenSSL's SSL_CERT_FILE names the CA file): delivered over TLS
    url, _ = demo_store(ctx.kind)
    t = ctx.server(url, env={"SSL_CERT_FILE": cert})
    auth = make_token(t, "pudong", ["register.staff.read"])
    st, _, hook = t.request("POST", HOOKS, body=body, headers=auth)
    assert st == 201, hook
    rec = staff(Session(t, "ljz"), "证书可信")
    wait(lambda: rx.got, what="the delivery over TLS")
    assert verify(hook["secret"], rx.got[0]) and json.loads(rx.got[0]["body"])["change"]["record_id"] == rec["id"]
    rx.down()
