"""The audit log through the real server and CLI (issue 3 point 8):
GET /api/v1/audit filters and keyset paging, its own queries audited, and
`sifasuo audit verify|purge` on both engines."""
import datetime
import subprocess

from auth_helpers import admin_session
from harness import demo_store, new_store, only, run_cli


def _auditor(ctx):
    s = ctx.demo_server()
    return s, admin_session(s, "auditor")[0]


def test_audit_pages_newest_first_without_overlap(ctx):
    s, aud = _auditor(ctx)
    st, _, first = aud.get("/api/v1/audit?limit=3")
    assert st == 200 and len(first["items"]) == 3 and first["next"], first
    st, _, second = aud.get("/api/v1/audit?limit=3&after=" + first["next"])
    assert st == 200, second
    a = [i["id"] for i in first["items"]]
    b = [i["id"] for i in second["items"]]
    assert a == sorted(a, reverse=True) and b == sorted(b, reverse=True)
    assert max(b) < min(a), (a, b)
    item = first["items"][0]
    for k in ("id", "at", "user_id", "username", "org_id", "ip", "user_agent", "action", "entity", "entity_id",
              "result", "detail", "hash"):
        assert k in item, k
    assert len(item["hash"]) == 64


def test_audit_filters_by_user_action_result_entity_and_date(ctx):
    s, aud = _auditor(ctx)
    for _ in range(2):
        s.request("POST", "/api/v1/session", body={"username": "njdl", "password": "wrong-Pass-9"})
    st, _, body = aud.get("/api/v1/audit?user=njdl&action=login.failure&result=denied")
    assert st == 200 and len(body["items"]) >= 2, body
    assert all(i["username"] == "njdl" and i["action"] == "login.failure" for i in body["items"])
    uid = body["items"][0]["user_id"]
    st, _, by_id = aud.get(f"/api/v1/audit?user={uid}&action=login.failure")
    assert [i["id"] for i in by_id["items"]] == [i["id"] for i in body["items"]]
    st, _, ent = aud.get(f"/api/v1/audit?entity=users&entity_id={uid}")
    assert ent["items"] and all(i["entity"] == "users" and i["entity_id"] == uid for i in ent["items"])
    today = datetime.datetime.now(datetime.timezone.utc).date()
    st, _, day = aud.get(f"/api/v1/audit?user=njdl&action=login.failure&from={today}&to={today}")
    assert len(day["items"]) == len(body["items"]), "to is inclusive"
    tomorrow = today + datetime.timedelta(days=1)
    st, _, none = aud.get(f"/api/v1/audit?user=njdl&from={tomorrow}")
    assert st == 200 and none["items"] == [] and none["next"] is None


def test_audit_bad_parameters_are_422(ctx):
    s, aud = _auditor(ctx)
    for q in ("limit=0", "limit=201", "limit=x", "from=2026-02-30", "to=yesterday", "after=-3", "entity_id=abc"):
        st, _, body = aud.get("/api/v1/audit?" + q)
        assert st == 422 and body["error"]["code"] == "validation_failed", (q, st, body)


def test_audit_reading_the_log_is_itself_audited(ctx):
    s, aud = _auditor(ctx)
    aud.get("/api/v1/audit?action=login.success")
    st, _, body = aud.get("/api/v1/audit?action=audit.query&user=auditor&limit=5")
    assert st == 200 and body["items"], body
    assert {"action": "login.success"} in [i["detail"] for i in body["items"]]


def test_audit_purge_keeps_180_days_and_the_chain(ctx):
    url, _ = demo_store(ctx.kind)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    r = run_cli(["audit", "purge", "--before", str(today - datetime.timedelta(days=30))], url)
    assert r.returncode == 2 and "180" in r.stderr, r.stdout + r.stderr
    r = run_cli(["audit", "purge"], url)
    assert r.returncode == 2
    r = run_cli(["audit", "purge", "--before", str(today - datetime.timedelta(days=200))], url)
    assert r.returncode == 0 and "0 条" in r.stdout, r.stdout + r.stderr
    r = run_cli(["audit", "verify"], url)
    assert r.returncode == 0 and "审计日志完整" in r.stdout, r.stdout + r.stderr


@only("postgres", "PostgreSQL 的审计触发器; SQLite 上由 test_auth 的篡改测试覆盖")
def test_audit_tamper_detected_on_postgres_with_the_trigger_dropped(ctx):
    url, _ = demo_store("postgres")
    edit = subprocess.run(["psql", url, "-qAtc", "UPDATE audit_log SET username = 'mallory' WHERE id = 4"],
                          capture_output=True, text=True)
    assert edit.returncode != 0 and "审计日志只能追加" in edit.stderr, edit.stderr
    subprocess.run(["psql", url, "-qAtc", "DROP TRIGGER audit_log_append_only ON audit_log; "
                    "UPDATE audit_log SET username = 'mallory' WHERE id = 4"], check=True, capture_output=True)
    r = run_cli(["audit", "verify"], url)
    assert r.returncode == 1 and "审计日志在第 4 条被篡改" in r.stdout, r.stdout + r.stderr
