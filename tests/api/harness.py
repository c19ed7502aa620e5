"""Black-box API test harness: starts the real binary against a temporary
store and talks HTTP to it.  Standard library only.

Each test module defines functions named test_*; they take a `ctx` argument
(a Context) and raise AssertionError on failure.  run.py discovers and runs
them once per store (SQLite, and PostgreSQL when SIFASUO_TEST_PG_URL is set)
and prints the closing line "N passed, N failed"."""
import collections
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("SIFASUO_BIN", os.path.join(ROOT, "build", "sifasuo"))
# the search tokenizer as an extension (Makefile): the sqlite3 shell needs it
# to write to a searchable table or drop its index (store/fts_scope.c)
FTS_EXT = os.path.join(ROOT, "build", "sifasuo_fts")


def sqlite_shell(path, timeout_ms=10000):
    """The sqlite3 shell's command on a store, the search tokenizer loaded."""
    return ["sqlite3", "-cmd", f".load {FTS_EXT}", "-cmd", f".timeout {timeout_ms}", path]


_tmpdirs = []


def tmpdir(prefix):
    """A temporary folder removed when the run ends (run.py calls cleanup)."""
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def cleanup():
    import shutil
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    _tmpdirs.clear()


class Skip(Exception):
    """Raised by a test (or by run.py for a test marked @only) that does not
    apply here; run.py reports it as skipped with this reason."""


def shanghai_today():
    """Today in Shanghai, the server's calendar (UTC+8): from 16:00 UTC it is
    already tomorrow there, so a test comparing with the machine's date fails
    every evening (UTC)."""
    import datetime
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()


_ids = iter(range(10 ** 9))


def resident_id17(year, region="310115"):
    """The first 17 digits of a resident ID number (GB 11643) born in year,
    never the same twice in this process: month, day and sequence number
    come from a counter, not a random draw.  Random draws could meet each
    other in one store (a file's tests share their demo server) or one of
    the demo's residents, and the registry answered 409.  The sequence
    numbers are 000-099 (the lines' demo residents have 8xx and 9xx; the
    registry's random demo residents are fixed by their seed, so a clash
    with one would show on every run, never by chance)."""
    n = next(_ids)
    return f"{region}{year:04d}{n % 12 + 1:02d}{n // 12 % 28 + 1:02d}{n // 336 % 100:03d}"


MIDNIGHT_MARGIN_S = 180


def clear_of_midnight(margin=MIDNIGHT_MARGIN_S):
    """Waits, when Shanghai's midnight (16:00 UTC, the server's calendar) or
    UTC's (the audit log's from/to) is under margin seconds away, until it
    has passed.  A test takes "today" once and compares it with the dates the
    server gives its records seconds later: one that runs across a midnight
    fails on it, whatever hour CI starts.  run.py calls this before each
    test, so every test runs within one day of both calendars (a test takes
    well under 3 minutes; the wait costs at most that, on the few runs that
    meet a midnight)."""
    while True:
        now = time.time()
        left = min(86400 - (now + 8 * 3600) % 86400, 86400 - now % 86400)
        if left >= margin:
            return
        print(f"(midnight in {left:.0f} s: the next test waits until it has passed)", flush=True)
        time.sleep(left + 1)


def only(kind, reason):
    """Marks a test that runs on one store only (e.g. a SQLite file's own
    backup); on the other it is reported as skipped, with the reason."""
    def mark(fn):
        fn.only_kind, fn.only_reason = kind, reason
        return fn
    return mark


def new_store(kind):
    """Returns a fresh, empty store URL of the given kind ('sqlite'|'postgres')."""
    if kind == "sqlite":
        d = tmpdir("sifasuo-test-")
        return "sqlite:" + os.path.join(d, "test.db")
    base = os.environ["SIFASUO_TEST_PG_URL"]
    name = "t_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", base, "-qAtc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return base.rsplit("/", 1)[0] + "/" + name


_keyfiles = {}
_TEMPLATE_DB = "tpl_demo"


def make_template(kind, root):
    """Builds the demo store of one kind once (`init --demo`, with the
    engine's test entities) under root/<kind>: SQLite's file and key file,
    or PostgreSQL database tpl_demo with its key file; the init output goes
    to root/<kind>/demo.out.  tests/run.sh calls this (template.py) once per
    run; demo_store() copies it."""
    d = os.path.join(root, kind)
    os.makedirs(d, exist_ok=True)
    if kind == "sqlite":
        url = "sqlite:" + os.path.join(d, "store", "test.db")
        os.makedirs(os.path.dirname(url[7:]))
    else:
        base = os.environ["SIFASUO_TEST_PG_URL"]
        # a name of its own: a second run against the same server (run.py
        # by hand, twice) finds the first one's template still there
        name = f"{_TEMPLATE_DB}_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", base, "-qAtc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        with open(os.path.join(d, "dbname"), "w") as f:
            f.write(name)
        url = base.rsplit("/", 1)[0] + "/" + name
        _keyfiles[url] = os.path.join(d, "keys")
    day = shanghai_today().isoformat()
    r = run_cli(["init", "--demo"], url, env={"SIFASUO_TEST_ENTITY": "1"})
    if r.returncode != 0:
        raise RuntimeError(f"init --demo ({kind}) failed: " + r.stderr)
    # the day's scheduler pass done here, once: a server started on a copy
    # finds nothing left to raise, so its own first pass (a thread, at
    # start) no longer changes what a test reads twice (test_corrections
    # compared two returns and the pass raised a 脱管 alert between them)
    s = run_cli(["scheduler"], url, env={"SIFASUO_TEST_ENTITY": "1"})
    if s.returncode != 0:
        raise RuntimeError(f"scheduler on the demo ({kind}) failed: " + s.stdout + s.stderr)
    with open(os.path.join(d, "demo.out"), "w") as f:
        f.write(r.stdout)
    # the demo is dated around the day it was made (check-ins, alerts):
    # the day it belongs to, or none when a midnight fell while it was made
    with open(os.path.join(d, "day"), "w") as f:
        f.write(day if shanghai_today().isoformat() == day else "")


def _made_today(d):
    """Whether the template in d was made on today's date in Shanghai: one
    made before a midnight is yesterday's demo after it (a run that starts
    at 15:55 UTC), and its overdue check-ins and alerts are a day off."""
    try:
        with open(os.path.join(d, "day")) as f:
            return f.read().strip() == shanghai_today().isoformat()
    except OSError:
        return False


_own_template = {}


def _template_dir(kind):
    """The run's template of this kind (SIFASUO_TEST_TEMPLATES, made by
    tests/run.sh) when it was made today, else one made by this process on
    first use (and again after a midnight)."""
    root = os.environ.get("SIFASUO_TEST_TEMPLATES")
    if root and os.path.exists(os.path.join(root, kind, "demo.out")) and _made_today(os.path.join(root, kind)):
        return os.path.join(root, kind)
    if kind not in _own_template or not _made_today(_own_template[kind]):
        root = tmpdir("sifasuo-tpl-")
        make_template(kind, root)
        _own_template[kind] = os.path.join(root, kind)
    return _own_template[kind]


def demo_store(kind):
    """A fresh store holding the demo data, as `init --demo` leaves it, and
    its key file: a copy of the run's template (a file copy on SQLite,
    CREATE DATABASE … TEMPLATE on PostgreSQL), not a new init.  Returns
    (url, the init's output)."""
    import shutil
    t = _template_dir(kind)
    out = open(os.path.join(t, "demo.out")).read()
    if kind == "sqlite":
        d = tmpdir("sifasuo-test-")
        os.rmdir(d)
        shutil.copytree(os.path.join(t, "store"), d)
        return "sqlite:" + os.path.join(d, "test.db"), out
    base = os.environ["SIFASUO_TEST_PG_URL"]
    name = "t_" + uuid.uuid4().hex[:12]
    with open(os.path.join(t, "dbname")) as f:
        template = f.read().strip()
    # CREATE DATABASE … TEMPLATE fails while another session is connected to
    # the template (another copy starting at the same moment): retry briefly
    for attempt in range(50):
        r = subprocess.run(["psql", base, "-qAtc", f"CREATE DATABASE {name} TEMPLATE {template}"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            break
        if "being accessed by other users" not in r.stderr:
            raise RuntimeError("CREATE DATABASE … TEMPLATE failed: " + r.stderr)
        time.sleep(0.2)
    else:
        raise RuntimeError("CREATE DATABASE … TEMPLATE: the template stayed busy")
    url = base.rsplit("/", 1)[0] + "/" + name
    kd = tmpdir("sifasuo-keys-")
    shutil.copy(os.path.join(t, "keys"), os.path.join(kd, "keys"))
    _keyfiles[url] = os.path.join(kd, "keys")
    return url, out


def keyfile_for(url):
    """Each store has its own key file, as an installation would."""
    if url not in _keyfiles:
        if url.startswith("sqlite:"):
            _keyfiles[url] = os.path.join(os.path.dirname(url[7:]), "keys")
        else:
            _keyfiles[url] = os.path.join(tmpdir("sifasuo-keys-"), "keys")
    return _keyfiles[url]


_filesdirs = {}


def files_dir_for(url):
    """Each PostgreSQL store its own stored-files folder, removed at the end."""
    if url not in _filesdirs:
        _filesdirs[url] = tmpdir("sifasuo-files-")
    return _filesdirs[url]


def store_count(url, sql):
    """SELECT COUNT(*) … straight from the store (the list's total stops at
    10 000, docs/api.md).  sql is the test's own text, never user input."""
    cmd = [*sqlite_shell(url[7:]), sql] if url.startswith("sqlite:") else ["psql", url, "-qAtc", sql]
    return int(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip())


def store_query(url, sql):
    """The text of a query's rows straight from the store, columns joined by
    "|" and rows by newlines (sqlite3's and psql -At's shared form).  sql is
    the test's own text, never user input."""
    cmd = [*sqlite_shell(url[7:], 5000), sql] if url.startswith("sqlite:") else ["psql", url, "-qAtc", sql]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def at_once(n, fn):
    """Calls fn(i) for i in 0..n-1 on n threads released together (a
    barrier), so the requests they send meet in the server; returns the
    results in order."""
    gate, out = threading.Barrier(n), [None] * n

    def run(i):
        gate.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@contextlib.contextmanager
def recomputing(url):
    """A second process writing the store all the time: `sifasuo check
    --rebuild` in a loop (SIFASUO_NOW in 2080 makes 59 dates of 18
    transactions each, ~10 s a run), killed on leaving the block.  Yields
    the exit codes of the runs so far (0, or 1 when some rule fails)."""
    env = dict(os.environ, SIFASUO_KEY_FILE=keyfile_for(url), SIFASUO_NOW="2080-06-01T00:00:00Z")
    stop, runs, current = threading.Event(), [], [None]

    def loop():
        while not stop.is_set():
            current[0] = subprocess.Popen([BIN, "check", "--rebuild", "--db", url], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rc = current[0].wait()
            if not stop.is_set():
                runs.append(rc)

    th = threading.Thread(target=loop)
    th.start()
    try:
        time.sleep(1)  # under way
        yield runs
    finally:
        stop.set()
        if current[0] and current[0].poll() is None:
            current[0].kill()
        th.join()


def store_exec(url, sql):
    """Runs the test's own SQL script straight in the store (to stage what
    the API cannot, such as audit rows gone after a purge)."""
    cmd = [*sqlite_shell(url[7:], 5000), sql] if url.startswith("sqlite:") else \
        ["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql]
    subprocess.run(cmd, capture_output=True, text=True, check=True)


def run_cli(args, url=None, input=None, env=None):
    """Runs a sifasuo command; returns CompletedProcess (text)."""
    cmd = [BIN] + args + (["--db", url] if url else [])
    e = dict(os.environ)
    if url:
        e["SIFASUO_KEY_FILE"] = keyfile_for(url)
    if env:
        e.update(env)
    return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=300, cwd=ROOT, env=e)


class Server:
    """One running server on a free port."""

    def __init__(self, url, workers=2, extra=(), web_root=None, env=None):
        self.url = url
        self.keyfile = keyfile_for(url)
        args = [BIN, "serve", "--db", url, "--listen", "127.0.0.1:0", "--workers", str(workers),
                "--key-file", self.keyfile]
        if web_root:
            args += ["--web-root", web_root]
        args += list(extra)
        e = dict(os.environ)
        e["SIFASUO_KEY_FILE"] = self.keyfile
        if not url.startswith("sqlite:"):  # uploads go beside a SQLite file, else here (not var/files)
            e.setdefault("SIFASUO_FILES_DIR", files_dir_for(url))
        if env:
            e.update(env)
        self.log = tempfile.NamedTemporaryFile(prefix="sifasuo-log-", delete=False)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=ROOT, env=e)
        line = self.proc.stdout.readline()
        m = re.search(r"https?://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("server did not start: " + line + open(self.log.name).read())
        self.port = int(m.group(1))
        # the access log goes to stdout: drained here, or after ~64 KiB of
        # lines the pipe fills and the server blocks writing to it
        self.access = collections.deque(maxlen=20000)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.access.append(line.rstrip("\n"))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    _SANITIZER = re.compile(r"^(==\d+==ERROR: (Address|Leak)Sanitizer|.*: runtime error: )", re.M)

    def sanitizer_report(self):
        """The first sanitizer report in the server's log (from its first
        line, up to 60 lines), or None."""
        try:
            text = open(self.log.name, errors="replace").read()
        except OSError:
            return None
        m = self._SANITIZER.search(text)
        if not m:
            return None
        return "\n".join(text[m.start():].splitlines()[:60])

    def request(self, method, path, body=None, headers=None, raw_body=None):
        """Returns (status, headers dict (lower-case keys), parsed JSON or raw bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        path = urllib.parse.quote(path, safe="/?&=.,-_~%:+")
        h = dict(headers or {})
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        resp = c.getresponse()
        payload = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        c.close()
        if hdrs.get("content-type", "").startswith("application/json") and payload:
            return resp.status, hdrs, json.loads(payload)
        return resp.status, hdrs, payload

    def raw(self, data, timeout=5, read=True, half_close=False):
        """Sends raw bytes on a new connection (then shuts its sending side
        when half_close); returns everything received until the server
        closes (or timeout, or a reset), and whether it closed."""
        s = socket.create_connection(("127.0.0.1", self.port))
        s.settimeout(timeout)
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        out, closed = b"", False
        if read:
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        closed = True
                        break
                    out += d
            except OSError:
                pass
        s.close()
        return out, closed


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


class Nginx:
    """Debian's nginx in front of several servers (issue 26 point 2), as
    docs/security.md 12.3 sets it up: round robin over the nodes, the client's
    address in X-Real-IP.  Its own folder, loopback, a free port; talks HTTP
    with request() like a Server.  The nodes should be started with
    --trusted-proxy 127.0.0.1 to believe X-Real-IP."""

    def __init__(self, nodes):
        self.dir = tmpdir("sifasuo-nginx-")
        os.chmod(self.dir, 0o755)  # as root the workers run as nobody
        # a port free when probed may be taken before nginx binds it (by any
        # outgoing connection's source port, and the suite makes many): then
        # another one
        for attempt in range(5):
            try:
                return self._start(nodes)
            except RuntimeError as e:
                if "Address already in use" not in str(e) or attempt == 4:
                    raise

    def _start(self, nodes):
        self.port = free_port()
        upstream = "".join(f"        server 127.0.0.1:{n.port};\n" for n in nodes)
        conf = f"""daemon off;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {self.dir}/body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    upstream sifasuo {{
{upstream}        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        client_max_body_size 64m;
        location / {{
            proxy_pass http://sifasuo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_next_upstream off;
        }}
    }}
}}
"""
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-c", path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        for _ in range(600):  # 30 s: a loaded machine
            if self.proc.poll() is not None:
                raise RuntimeError("nginx did not start: " + self.proc.stderr.read())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx does not answer on port %d" % self.port)

    request = Server.request

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast: a graceful stop waits out idle connections
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Context:
    """What a test gets: the store kind and URL, and a demo server started on
    demand (shared by the tests of one module)."""

    def __init__(self, kind):
        self.kind = kind
        self._demo = None
        self._servers = []

    def demo_server(self):
        if self._demo is None:
            url, self.demo_output = demo_store(self.kind)
            self._demo = Server(url)
            self._servers.append(self._demo)
        return self._demo

    def server(self, url=None, **kw):
        s = Server(url or new_store(self.kind), **kw)
        self._servers.append(s)
        return s

    def close(self):
        """Stops the servers; returns what a sanitizer reported in their
        logs (make asan's API pass: a leak or an error a request caused
        shows only there, after the answer was right)."""
        reports = []
        for s in self._servers:
            s.stop()
            # (a test may add other things to stop: test_replica's pair)
            r = s.sanitizer_report() if isinstance(s, Server) else None
            if r:
                reports.append(r)
        return reports


def status_line(raw):
    return raw.split(b"\r\n", 1)[0].decode(errors="replace")


def responses(raw):
    """Status codes of every response in a raw byte stream."""
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


def json_of(raw):
    """The JSON body of the first response in a raw stream."""
    body = raw.split(b"\r\n\r\n", 1)[1]
    m = re.match(rb"(\{.*?\})(HTTP/1\.1|$)", body, re.S)
    return json.loads(m.group(1) if m else body)
