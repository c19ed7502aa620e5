"""`sifasuo generate persons` (issue 9 point 2): scale data through the real
registration path — valid GB 11643 ID numbers, encrypted, blind-indexed so
lookup and duplicate detection find them — in batches, continuing across
runs, audited; on both stores.  (The sizes here are small; the timings of
10^5 and 10^6 are in docs/operations.md.)"""
import sqlite3
import subprocess

from auth_helpers import Session
from harness import Server, demo_store, new_store, run_cli, store_exec

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _valid_id(s):
    return len(s) == 18 and s[:17].isdigit() and "10X98765432"[sum(int(c) * w for c, w in zip(s, W)) % 11] == s[17]


def _query(url, sql):
    if url.startswith("sqlite:"):
        c = sqlite3.connect(url[7:])
        try:
            return [tuple(r) for r in c.execute(sql)]
        finally:
            c.close()
    out = subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True, check=True)
    return [tuple(int(x) if x.isdigit() else x for x in line.split("|")) for line in out.stdout.split("\n") if line]


def test_generate_persons_in_batches_valid_indexed_and_continuing(ctx):
    url, _ = demo_store(ctx.kind)
    before = _query(url, "SELECT COUNT(*) FROM persons")[0][0]
    r = run_cli(["generate", "persons", "--count", "1300", "--batch", "500"], url)
    assert r.returncode == 0 and "已生成人员 1300 条" in r.stdout, r.stdout + r.stderr
    assert "1300/1300 (100%)" in r.stderr, "progress on stderr"
    r = run_cli(["generate", "persons", "--count", "700"], url)
    assert r.returncode == 0, "a second run continues the numbering: no duplicate ID numbers: " + r.stderr
    assert _query(url, "SELECT COUNT(*) FROM persons")[0][0] == before + 2000
    assert _query(url, "SELECT COUNT(DISTINCT id_index) FROM persons")[0][0] == before + 2000
    assert _query(url, "SELECT COUNT(*) FROM persons WHERE id_enc LIKE '%19%' AND id_enc NOT LIKE 'v%'")[0][0] == 0
    assert _query(url, "SELECT COUNT(*) FROM audit_log WHERE action = 'data.generate'")[0][0] == 2

    s = Server(url, extra=["--quiet"])
    ctx._servers.append(s)
    director = Session(s, "ljz_director")
    org = director.login_body["user"]["org"]["id"]
    ids = [row[0] for row in _query(url, f"SELECT id FROM persons WHERE org_id = {org} AND birth_date < '1950-01-01' "
                                         "ORDER BY id LIMIT 3")]
    assert ids, "generated persons are spread over every office"
    for pid in ids:
        st, _, p = director.post(f"/api/v1/persons/{pid}/unmask")
        assert st == 200, p
        assert _valid_id(p["id_number"]) and p["phone"].startswith("1") and len(p["phone"]) == 11, p
        st, _, found = director.get(f"/api/v1/persons?id_number={p['id_number']}")
        assert [i["id"] for i in found["items"]] == [pid], "the blind index finds a generated person"
        st, _, dup = director.post("/api/v1/persons", {"name": "重复登记", "id_number": p["id_number"]})
        assert st == 409 and dup["error"]["code"] == "duplicate_person", dup
    s.stop()
    v = run_cli(["audit", "verify"], url)
    assert v.returncode == 0, v.stdout + v.stderr


def test_generate_usage_errors(ctx):
    url = new_store(ctx.kind)
    assert run_cli(["init"], url).returncode == 0
    for args in (["generate"], ["generate", "unicorns", "--count", "5"], ["generate", "persons"],
                 ["generate", "persons", "--count", "0"], ["generate", "persons", "--count", "x"]):
        r = run_cli(args, url)
        assert r.returncode == 2 and "用法" in r.stderr, (args, r.stderr)
    r = run_cli(["generate", "persons", "--count", "5"], url)
    assert r.returncode == 1 and "init --demo" in r.stderr, "without offices there is nothing to own the rows"


def test_generate_mediation_cases_listed_shown_searched_counted_and_continuing(ctx):
    """Generated cases are records like any: owned by offices (org path of
    the owner), in valid workflow states, registered over several years,
    numbered GEN-0000000001… across runs, searchable, counted by the
    statistics; a run inserts them in multi-row statements, one audit row."""
    url, _ = demo_store(ctx.kind)
    before = _query(url, "SELECT COUNT(*) FROM mediation_case")[0][0]
    r = run_cli(["generate", "mediation-cases", "--count", "1300", "--batch", "500"], url)
    assert r.returncode == 0 and "已生成人民调解案件 1300 条" in r.stdout, r.stdout + r.stderr
    assert "1300/1300 (100%)" in r.stderr, "progress on stderr"
    r = run_cli(["generate", "mediation-cases", "--count", "700"], url)
    assert r.returncode == 0, r.stderr
    rows = _query(url, "SELECT COUNT(*), COUNT(DISTINCT case_no), MIN(case_no), MAX(case_no) FROM mediation_case "
                       "WHERE case_no LIKE 'GEN-%'")
    assert rows == [(2000, 2000, "GEN-0000000001", "GEN-0000002000")], "the second run continues the numbering"
    assert _query(url, "SELECT COUNT(*) FROM mediation_case")[0][0] == before + 2000
    for _ in range(2):  # after an odd number too, the next run takes the very next number
        assert run_cli(["generate", "mediation-cases", "--count", "1"], url).returncode == 0
    assert _query(url, "SELECT COUNT(*), MAX(case_no) FROM mediation_case WHERE case_no LIKE 'GEN-%'") == \
        [(2002, "GEN-0000002002")], "numbers run on without a gap"
    assert _query(url, "SELECT COUNT(*) FROM mediation_case c JOIN org_units o ON o.id = c.org_id "
                       "WHERE c.case_no LIKE 'GEN-%' AND c.org_path = o.path AND o.level = 'office'")[0][0] == 2002
    years = _query(url, "SELECT COUNT(DISTINCT substr(received_on, 1, 4)) FROM mediation_case WHERE case_no LIKE 'GEN-%'")
    assert years[0][0] >= 6, "registered over six years"
    states = {s for (s,) in _query(url, "SELECT DISTINCT wf_state FROM mediation_case WHERE case_no LIKE 'GEN-%'")}
    assert {"archived", "visited", "rejected"} <= states, states
    assert _query(url, "SELECT COUNT(*) FROM audit_log WHERE action = 'data.generate' AND entity = 'mediation-cases'")[0][0] == 4

    s = Server(url, extra=["--quiet"])
    ctx._servers.append(s)
    director = Session(s, "ljz_director")
    org = director.login_body["user"]["org"]["id"]
    mine = _query(url, f"SELECT id, case_no FROM mediation_case WHERE org_id = {org} AND case_no LIKE 'GEN-%' "
                       "ORDER BY id LIMIT 1")
    assert mine, "generated cases are spread over every office"
    cid, no = mine[0]
    st, _, case = director.get(f"/api/v1/mediation-cases/{cid}")
    assert st == 200 and case["case_no"] == no and case["wf_state"] in states, case
    assert case["title"].endswith("纠纷") and case["category"] and case["source"], case
    st, _, lst = director.get(f"/api/v1/mediation-cases?wf_state={case['wf_state']}&sort=-received_on&limit=200")
    assert st == 200 and cid in [i["id"] for i in lst["items"]] or lst.get("next"), lst
    st, _, found = director.get(f"/api/v1/mediation-cases?q={no}")
    assert st == 200 and [i["id"] for i in found["items"]] == [cid], "a generated case is found by its number"
    st, _, stats = director.get(f"/api/v1/mediation/stats?org={org}")
    assert st == 200, stats
    counted = _query(url, f"SELECT COUNT(*) FROM mediation_case WHERE org_path LIKE "
                          f"(SELECT path FROM org_units WHERE id = {org}) || '%' AND deleted_at IS NULL")[0][0]
    assert counted > 1 and stats["total"]["cases"] == counted, ("the statistics count generated cases", stats["total"])
    other = Session(s, "njdl")  # 南京东路 (黄浦区), not 陆家嘴
    st, _, hidden = other.get(f"/api/v1/mediation-cases/{cid}")
    assert st in (403, 404), "scope applies to generated cases"
    s.stop()
    v = run_cli(["audit", "verify"], url)
    assert v.returncode == 0, v.stdout + v.stderr


def _derived(url):
    """The names of mediation_case's indexes and triggers, and of the tables
    kept beside it (search, counts)."""
    if url.startswith("sqlite:"):
        return _query(url, "SELECT type, name FROM sqlite_master WHERE name LIKE 'mediation_case%' "
                           "OR tbl_name = 'mediation_case' ORDER BY 1, 2")
    return _query(url, "SELECT 'index', indexname FROM pg_indexes WHERE tablename LIKE 'mediation_case%' "
                       "UNION ALL SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal "
                       "AND tgrelid = 'mediation_case'::regclass UNION ALL SELECT 'table', tablename FROM pg_tables "
                       "WHERE tablename LIKE 'mediation_case%' ORDER BY 1, 2")


def test_generate_bulk_drops_and_rebuilds_every_derived_index(ctx):
    """--bulk (automatic from 100 000 cases) loads the rows without index
    upkeep and then builds the list indexes, the search index and the list
    counts once: afterwards the same indexes, triggers and tables exist, the
    counts match the rows, search finds a generated case, and writes through
    the API keep everything in step again."""
    url, _ = demo_store(ctx.kind)
    before = _derived(url)
    assert ("table", "mediation_case_counts") in before and len(before) > 40, before
    r = run_cli(["generate", "mediation-cases", "--count", "1500", "--bulk"], url)
    assert r.returncode == 0 and "批量装载" in r.stderr and "索引已重建" in r.stderr, r.stdout + r.stderr
    assert "重建索引 1/" in r.stderr and "列表索引已建" in r.stderr, "index by index, with progress"
    assert _derived(url) == before, "every derived index, trigger and table is back"
    if not url.startswith("sqlite:"):
        # PostgreSQL plans by statistics: without them a district's list read every archived case
        assert "统计信息已更新" in r.stderr, r.stderr
        assert _query(url, "SELECT CASE WHEN last_analyze IS NULL THEN 0 ELSE 1 END FROM pg_stat_user_tables "
                           "WHERE relname = 'mediation_case'") == [(1,)], "the loaded table is analysed"
    cells = _query(url, "SELECT wf_state, org_path, n FROM mediation_case_counts WHERE n <> 0 ORDER BY 1, 2")
    rows = _query(url, "SELECT COALESCE(wf_state, ''), org_path, COUNT(*) FROM mediation_case "
                       "WHERE deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2")
    assert cells == rows and sum(n for _, _, n in cells) >= 1500, "the counts are rebuilt from the rows"
    s = Server(url, extra=["--quiet"])
    ctx._servers.append(s)
    director = Session(s, "ljz_director")
    org = director.login_body["user"]["org"]["id"]
    cid, no = _query(url, f"SELECT id, case_no FROM mediation_case WHERE org_id = {org} AND case_no LIKE 'GEN-%' "
                          "ORDER BY id DESC LIMIT 1")[0]
    st, _, found = director.get(f"/api/v1/mediation-cases?q={no}")
    assert st == 200 and [i["id"] for i in found["items"]] == [cid], "the search index holds the loaded cases"
    st, _, lst = director.get("/api/v1/mediation-cases?wf_state=archived&limit=1")
    want = _query(url, f"SELECT COUNT(*) FROM mediation_case WHERE deleted_at IS NULL AND wf_state = 'archived' "
                       f"AND org_path LIKE (SELECT path FROM org_units WHERE id = {org}) || '%'")[0][0]
    assert st == 200 and lst["total"] == want > 0, (lst.get("total"), want)
    # an archived case is locked (issue 15): delete one still open, and its
    # state's count drops by one
    open_id, state = _query(url, f"SELECT id, wf_state FROM mediation_case WHERE org_id = {org} "
                                 "AND deleted_at IS NULL AND wf_state NOT IN ('archived', 'rejected') "
                                 "ORDER BY id DESC LIMIT 1")[0]
    had = director.get(f"/api/v1/mediation-cases?wf_state={state}&limit=1")[2]["total"]
    st, _, gone = director.req("DELETE", f"/api/v1/mediation-cases/{open_id}")
    assert st == 200, gone
    assert director.get(f"/api/v1/mediation-cases?wf_state={state}&limit=1")[2]["total"] == had - 1, \
        "the rebuilt triggers count again"
    s.stop()


def test_start_drops_list_indexes_no_longer_declared(ctx):
    """The code × sort indexes are made for the default sort only (each one
    costs every write): a store made by an earlier release has one for every
    sort, and the next start drops those — and only the engine's own list
    indexes, never another one on the table."""
    url, _ = demo_store(ctx.kind)
    names = {n for t, n in _derived(url) if t == "index"}
    assert "mediation_case_lf_category_received_on" in names, "the default sort's pair"
    assert "mediation_case_lf_category_amount" not in names and len(names) < 60, sorted(names)
    stale = "CREATE INDEX mediation_case_lf_category_amount ON mediation_case (category, COALESCE(amount, 0), id) " \
            "WHERE deleted_at IS NULL"
    _query(url, stale)
    _query(url, "CREATE INDEX mediation_case_dba_extra ON mediation_case (summary)")
    assert {"mediation_case_lf_category_amount", "mediation_case_dba_extra"} <= {n for t, n in _derived(url)}
    s = Server(url, extra=["--quiet"])
    ctx._servers.append(s)
    after = {n for t, n in _derived(url) if t == "index"}
    assert "mediation_case_lf_category_amount" not in after, "the stale pair is dropped"
    assert after == names | {"mediation_case_dba_extra"}, sorted(after ^ (names | {"mediation_case_dba_extra"}))
    s.stop()


def test_start_renames_a_renamed_field_keeping_its_values(ctx):
    """A field renamed in the declaration (mediation-parties' unit, once
    org_name, the key every record carries for its office) keeps its values:
    the next start renames the column, and the search over it works again
    (SQLite's FTS5 table is rebuilt, PostgreSQL's trigram index renamed)."""
    url, _ = demo_store(ctx.kind)
    units = _query(url, "SELECT id, unit_name FROM mediation_party WHERE unit_name IS NOT NULL ORDER BY id")
    assert units, "the demo has parties that are units"
    # the store as the release before the rename left it
    if url.startswith("sqlite:"):  # the shell: dropping the search table needs its tokenizer
        store_exec(url, "DROP TRIGGER mediation_party_fts_ai; DROP TRIGGER mediation_party_fts_ad; "
                        "DROP TRIGGER mediation_party_fts_au; DROP TABLE mediation_party_fts; "
                        "DROP VIEW mediation_party_fts_src; "
                        "ALTER TABLE mediation_party RENAME COLUMN unit_name TO org_name; "
                        "CREATE VIRTUAL TABLE mediation_party_fts USING fts5(org_name, content='mediation_party', "
                        "content_rowid='id', tokenize='trigram case_sensitive 1'); "
                        "INSERT INTO mediation_party_fts (mediation_party_fts) VALUES ('rebuild')")
    else:
        _query(url, "ALTER TABLE mediation_party RENAME COLUMN unit_name TO org_name")
        _query(url, "ALTER INDEX mediation_party_unit_name_trgm RENAME TO mediation_party_org_name_trgm")
    s = Server(url, extra=["--quiet"])
    ctx._servers.append(s)
    assert _query(url, "SELECT id, unit_name FROM mediation_party WHERE unit_name IS NOT NULL ORDER BY id") == units
    pid, name = units[0]
    shiju = Session(s, "shiju")
    st, _, rec = shiju.get(f"/api/v1/mediation-parties/{pid}")
    office = _query(url, f"SELECT name FROM org_units WHERE id = {rec['org_id']}")[0][0]
    assert st == 200 and rec["unit_name"] == name and rec["org_name"] == office, rec
    st, _, found = shiju.get(f"/api/v1/mediation-parties?q={name[:6]}&limit=100")
    assert st == 200 and pid in [i["id"] for i in found["items"]], found
    if not url.startswith("sqlite:"):
        names = {r[0] for r in _query(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'mediation_party'")}
        assert "mediation_party_unit_name_trgm" in names and "mediation_party_org_name_trgm" not in names, names
    s.stop()
