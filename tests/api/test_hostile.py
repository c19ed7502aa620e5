"""Hostile clients (issue 9 point 5), beyond the framing and limit cases of
test_http.py: many slow-loris connections while normal clients keep being
served; deeply nested JSON, invalid UTF-8 in JSON bodies and raw in paths,
oversized and mis-framed bodies sent to a real write route by a signed-in
clerk.  Each gets a 4xx with a Chinese message, and "changes nothing" is
checked by counting the records and audit rows in the store itself before
and after."""
import socket
import sqlite3
import subprocess
import threading
import time

from auth_helpers import Session
from harness import json_of, responses

E = "/api/v1/test-items"


def _rows(s):
    """(records, audit rows) counted in the store, not through the API.  The
    rows the server writes of itself (the standards recomputation's problems
    as "system", the scheduler's escalations) are left out: a fresh store's
    first recomputation may land in the middle of a test."""
    sql = ("SELECT (SELECT COUNT(*) FROM test_item), (SELECT COUNT(*) FROM audit_log "
           "WHERE username IS NULL OR username NOT IN ('system', 'scheduler'))")
    if s.url.startswith("sqlite:"):
        c = sqlite3.connect(s.url[7:])
        try:
            return tuple(c.execute(sql).fetchone())
        finally:
            c.close()
    out = subprocess.run(["psql", s.url, "-qAtc", sql], capture_output=True, text=True, check=True)
    return tuple(int(x) for x in out.stdout.strip().split("|"))


def _chinese(body):
    return any(ord(ch) > 0x4E00 for ch in body["error"]["message"])


def _clerk(ctx):
    s = ctx.demo_server()
    return s, Session(s, "ljz")


def _raw_with_session(s, sess, method, path, body, ctype=b"application/json", extra=b""):
    head = (method.encode() + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + sess.cookie.encode() +
            b"\r\nX-CSRF-Token: " + sess.csrf.encode() + b"\r\nContent-Type: " + ctype + b"\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n")
    out, _ = s.raw(head + body, timeout=20)
    return out


def test_deeply_nested_json_is_400_and_changes_nothing(ctx):
    s, ljz = _clerk(ctx)
    before = _rows(s)
    for body in [b"[" * 100000 + b"]" * 100000, b'{"title":' * 50000 + b"1" + b"}" * 50000,
                 b'{"title":"x","summary":' + b"[" * 5000 + b"]" * 5000 + b"}"]:
        st, _, resp = ljz.req("POST", E, raw_body=body, headers={"Content-Type": "application/json"})
        assert st in (400, 422), (st, resp)
        assert _chinese(resp), resp
    assert _rows(s) == before


def test_invalid_utf8_in_json_is_rejected_and_changes_nothing(ctx):
    s, ljz = _clerk(ctx)
    before = _rows(s)
    cases = [
        b'{"title":"\xff\xfe"}',                 # bytes that are never UTF-8
        b'{"title":"\xe9\x82"}',                 # a truncated sequence
        b'{"title":"\xc0\xaf"}',                 # an overlong '/'
        b'{"title":"\xed\xa0\x80"}',             # an encoded surrogate
        b'{"title":"\\ud800"}',                  # a lone surrogate escape
        b'{"title":"a\\u0000b"}',                # NUL inside text
        b'{"\xff":"x","title":"t"}',             # in a key
    ]
    for body in cases:
        st, _, resp = ljz.req("POST", E, raw_body=body, headers={"Content-Type": "application/json"})
        assert st in (400, 422), (body, st, resp)
        assert _chinese(resp), (body, resp)
    assert _rows(s) == before


def test_invalid_utf8_and_traversal_in_api_paths_are_400_or_404(ctx):
    s, ljz = _clerk(ctx)
    before = _rows(s)
    for path in [b"/api/v1/test-items/\xff\xfe", b"/api/v1/\xc0\xaftest-items", b"/api/v1/test-items/%c0%af",
                 b"/api/v1/test-items/%ed%a0%80", b"/api/v1/%2e%2e/%2e%2e/etc/passwd", b"/api/v1/test-items/..%2f1",
                 b"/api/v1/test-items/1%00", b"/api/v1/test-items/%0d%0aX-Injected:%201"]:
        out = _raw_with_session(s, ljz, "POST", path, b'{"title":"x"}')
        st = responses(out)[:1]
        assert st and st[0] in (400, 404, 405), (path, out[:200])
        assert b"X-Injected" not in out.split(b"\r\n\r\n", 1)[0], "no header injection"
        assert _chinese(json_of(out)), out[:300]
    # well-formed in shape but not UTF-8: a surrogate, an overlong '/', raw
    # or percent-encoded: refused as a bad path (and never logged as such)
    for path in [b"/api/v1/test-items/%ed%a0%80", b"/api/v1/test-items/%e0%80%af", b"/api/v1/test-items/\xed\xa0\x80"]:
        out = _raw_with_session(s, ljz, "GET", path, b"")
        assert responses(out)[:1] == [400] and json_of(out)["error"]["code"] == "bad_path", (path, out[:300])
    assert _rows(s) == before


def test_oversized_and_misframed_bodies_on_a_write_route_change_nothing(ctx):
    s, ljz = _clerk(ctx)
    before = _rows(s)
    big = b'{"title":"' + b"a" * (1024 * 1024 + 10) + b'"}'
    out = _raw_with_session(s, ljz, "POST", E.encode(), big)
    assert responses(out)[:1] == [413], out[:300]
    # a body shorter than its Content-Length, then the connection ends
    head = (b"POST " + E.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + ljz.cookie.encode() +
            b"\r\nX-CSRF-Token: " + ljz.csrf.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    got, _ = s.raw(head + '{"title":"半截'.encode(), timeout=15, half_close=True)
    assert b"HTTP/1.1 201" not in got, "a truncated body is never written"
    # a smuggled second request behind a bad Content-Length is never served
    smuggled = b"POST " + E.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    out = _raw_with_session(s, ljz, "POST", E.encode(), b'{"title":"x"}' + smuggled,
                            extra=b"Content-Length: 13\r\n")
    assert responses(out) == [400], out[:300]
    # wrong media types
    for ctype in [b"text/plain", b"application/jsonx", b"multipart/form-data; boundary=x"]:
        out = _raw_with_session(s, ljz, "POST", E.encode(), b'{"title":"x"}', ctype=ctype)
        assert responses(out)[:1] == [415], (ctype, out[:300])
    assert _rows(s) == before


def test_many_slow_loris_connections_are_dropped_while_clients_are_served(ctx):
    s = ctx.server(extra=["--header-timeout", "1", "--quiet"], workers=2)  # quiet: nobody reads the access log pipe
    slow = []
    for i in range(40):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        c.settimeout(0.05)
        slow.append(c)
    stop = threading.Event()
    dropped = set()

    def trickle():
        # one header byte per connection in turn: each stays "active" to a naive idle timer
        while not stop.is_set() and len(dropped) < len(slow):
            for i, c in enumerate(slow):
                if i in dropped:
                    continue
                try:
                    c.sendall(b"X")
                    if c.recv(100) == b"":
                        dropped.add(i)
                except socket.timeout:
                    pass
                except OSError:
                    dropped.add(i)

    t = threading.Thread(target=trickle)
    t.start()
    served = 0
    deadline = time.time() + 20
    try:
        while len(dropped) < len(slow) and time.time() < deadline:
            st, _, body = s.request("GET", "/healthz")
            assert st == 200, (st, body)
            served += 1
    finally:
        stop.set()
        t.join()
        for c in slow:
            c.close()
    assert len(dropped) == len(slow), f"only {len(dropped)} of {len(slow)} slow connections were dropped"
    assert served > 0
    st, _, _ = s.request("GET", "/readyz")
    assert st == 200


def test_http10_connection_tokens_read_exactly_so_no_response_is_lost(ctx):
    """Found by fuzz_http: HTTP/1.0 with "Connection: xkeep-alive" passed the
    gate as keep-alive (substring match) while evhttp read it as close and
    shut the connection itself inside the reply, losing the response."""
    s = ctx.demo_server()
    for value in [b"xkeep-alive", b"keep-alivex", b"close-keep-alive", b"upgrade"]:
        out, closed = s.raw(b"GET /healthz HTTP/1.0\r\nConnection: " + value + b"\r\n\r\n")
        assert responses(out) == [200], (value, out[:200])
        assert closed, value
    # a real keep-alive token among others keeps the connection for a second request
    out, closed = s.raw(b"GET /healthz HTTP/1.0\r\nConnection: Keep-Alive , x\r\n\r\n"
                        b"GET /readyz HTTP/1.0\r\n\r\n")
    assert responses(out) == [200, 200] and closed, out[:400]
    # HTTP/1.1: only the exact token closes
    out, closed = s.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: x-close\r\n\r\n"
                        b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: te, CLOSE\r\n\r\n")
    assert responses(out) == [200, 200] and closed, out[:400]


def test_half_closed_clients_get_their_answers_and_the_server_survives(ctx):
    """Clients that half-close right after their requests (pipelined, HTTP/1.0,
    Connection: close and rejected methods mixed in), many at once: every
    one gets its answers.  evhttp frees a connection on the client's EOF at
    once; before the gate held that EOF back (framing.c on_under_event), 170
    of these 1,200 connections lost answers (the later ones of a pipeline)."""
    s = ctx.server(extra=["--quiet"], workers=2)
    reqs = [(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1),
            (b"GET /healthz HTTP/1.0\r\n\r\n", 1),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", 2),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
             b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3),
            (b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 1),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1),
            (b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1)]
    short = []
    count = [0]

    def run(k):
        for i in range(150):
            data, want = reqs[(k + i) % len(reqs)]
            out, _ = s.raw(data, timeout=10, half_close=True)
            count[0] += 1
            if len(responses(out)) != want:
                short.append((data[:60], responses(out)))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert s.proc.poll() is None, "the server is still running"
    assert count[0] == 1200 and not short, f"{len(short)} of {count[0]} connections lost answers: {short[:3]}"
    assert s.request("GET", "/readyz")[0] == 200


def test_head_with_a_body_is_rejected_not_smuggled_and_does_not_crash(ctx):
    """Found by fuzz_http (replaying its trace): evhttp reads no body after
    HEAD, so body bytes the gate passed on were parsed as a second request —
    a smuggled GET was served — and evhttp's own error close of such a
    "request" later crashed libevent (SEGV in event_callback_finalize_many_,
    a few seconds after, when the connection's timers ran).  The gate now
    answers 400 and closes."""
    s = ctx.server(extra=["--quiet", "--header-timeout", "1", "--idle-timeout", "1"], workers=1)
    smuggled = b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
    out, closed = s.raw(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled)
    assert responses(out) == [400] and closed, out[:300]
    assert b"ready" not in out
    chunked = (b"HEAD /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
               b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
    for _ in range(6):
        got, _ = s.raw(chunked, half_close=True)
        assert responses(got) == [400], got[:300]
    out, closed = s.raw(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    assert responses(out) == [200], "HEAD with an empty body is fine"
    time.sleep(3)  # let the connections' idle and header timers run: the crash came from them
    assert s.proc.poll() is None, "the server is still running"
    assert s.request("GET", "/readyz")[0] == 200


def test_chunked_trailers_are_rejected_and_do_not_crash(ctx):
    """Found by fuzz_http (its trace replayed): the gate passed trailer lines
    on unchecked; evhttp refused one (bytes no header may hold) and closed the
    connection itself, which crashed libevent a few seconds later.  The gate
    now refuses any trailer field: 400, and the server lives on."""
    s = ctx.server(extra=["--quiet", "--header-timeout", "1", "--idle-timeout", "1"], workers=1)
    for trailer in [b"hello\r\x010\r\x00\x00\x00\n", b"X-Checksum: 1\r\n", b"bad line\r\n"]:
        out, closed = s.raw(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer +
                            b"\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert responses(out) == [400] and closed, (trailer, out[:300])
        assert b'"ready"' not in out
    out, closed = s.raw(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                        b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert responses(out) == [405, 200], "a chunked body without trailers is fine"
    time.sleep(3)  # the crash came from the connections' timers
    assert s.proc.poll() is None, "the server is still running"
    assert s.request("GET", "/readyz")[0] == 200


def test_request_target_must_be_a_path_and_does_not_crash(ctx):
    """Found by fuzz_http (its trace replayed): a target that is not a path
    ("GET \\xff…:x HTTP/1.1", absolute or authority form) passed the gate;
    evhttp's URI parser refused it and closed the connection itself, which
    crashed libevent seconds later.  The gate now answers 400 itself."""
    s = ctx.server(extra=["--quiet", "--header-timeout", "1", "--idle-timeout", "1"], workers=1)
    for target in [b"\xff\xff\xffion\":i/v1otest-t=\xff\xff@\xff1..2", b"http://evil.example/healthz", b"healthz",
                   b"example.com:443", b"*", b"//he\xff\xff'82%%BB\xd5%E+actions/", b"//evil.example/healthz"]:
        out, closed = s.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert responses(out) == [400] and closed, (target, out[:300])
        assert json_of(out)["error"]["code"] == "bad_request"
    time.sleep(3)  # the crash came from the connections' timers
    assert s.proc.poll() is None, "the server is still running"
    assert s.request("GET", "/readyz")[0] == 200


def test_expect_is_answered_by_the_gate_and_does_not_crash(ctx):
    """Found by hand while chasing fuzz_http's open crash (docs/reliability.md
    finding 4): evhttp answers an Expect header itself — 417 with
    "Connection: close" — and frees the connection from inside the filter's
    write callback, after which libevent re-armed the freed filter's write
    timeout; when it expired the worker crashed.  Four such connections took
    the server down within the idle timeout.  The gate now answers Expect
    itself: 417 for an expectation it cannot meet, "100 Continue" when the
    client waits for it, and evhttp never sees the line."""
    s = ctx.server(extra=["--quiet", "--header-timeout", "2", "--idle-timeout", "1"], workers=1)
    login = b'{"username":"nobody","password":"wrong-password-1"}'
    head = (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n" % len(login))
    for _ in range(6):
        got, _ = s.raw(head + b"Expect: please-hurry\r\n\r\n" + login, half_close=True)
        assert responses(got) == [417], got[:300]
        body = json_of(got)
        assert body["error"]["code"] == "expectation_failed" and _chinese(body), body
    # a client that waits for the go-ahead gets it, then its answer
    c = socket.create_connection(("127.0.0.1", s.port))
    c.settimeout(5)
    c.sendall(head + b"Expect: 100-Continue\r\n\r\n")
    first = c.recv(65536)
    assert first == b"HTTP/1.1 100 Continue\r\n\r\n", first
    c.sendall(login)
    got = b""
    while b"}" not in got:
        d = c.recv(65536)
        if not d:
            break
        got += d
    c.close()
    assert responses(got) == [401], got[:300]
    # a client that sent its body at once gets no interim answer
    out, _ = s.raw(head + b"Expect: 100-continue\r\nConnection: close\r\n\r\n" + login)
    assert responses(out) == [401], out[:300]
    # HTTP/1.0 servers ignore Expect (RFC 9110 §10.1.1)
    out, _ = s.raw(head.replace(b"HTTP/1.1", b"HTTP/1.0") + b"Expect: please-hurry\r\n\r\n" + login)
    assert responses(out) == [401], out[:300]
    time.sleep(3)  # the crash came from the connections' idle timers
    assert s.proc.poll() is None, "the server is still running"
    assert s.request("GET", "/readyz")[0] == 200
