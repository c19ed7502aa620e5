"""Plans that do not depend on luck (issue 27 point 1) and empty values last
(issue 16): every list shape of 人民调解案件 the API allows (list_shapes.py:
each filter alone, each declared sort both ways, the states, overdue,
deleted, q) at the city, district and office levels, over a store with a
few thousand generated cases.  On SQLite each statement's EXPLAIN QUERY
PLAN (the server writes it with SIFASUO_EXPLAIN_LOG) must read the index
the engine named (INDEXED BY), and never scan the table or sort a scan of
it — before and after ANALYZE, with the same index for the same statement."""
import os
import re
import sqlite3
import tempfile
from urllib.parse import quote

from auth_helpers import Session
from harness import Server, demo_store, only, run_cli, store_count, store_exec, store_query
from list_shapes import shapes

E = "/api/v1/mediation-cases"
USERS = ("shiju", "pudong", "ljz")  # the city, a district, an office


def _store_with_cases(kind, n=3000):
    url, _ = demo_store(kind)
    r = run_cli(["generate", "mediation-cases", "--count", str(n)], url)
    assert r.returncode == 0, r.stderr
    return url


def _run_shapes(server):
    """Requests every shape as each user; returns the count of answers."""
    shiju = Session(server, "shiju")
    st, _, meta = shiju.get("/api/v1/meta/entities/mediation-cases")
    st, _, some = shiju.get(f"{E}?limit=200&total=0")
    def sample(f):
        return next((it[f["name"]] for it in some["items"] if it.get(f["name"]) is not None), None)
    all_shapes = shapes(meta, sample)
    assert len(all_shapes) > 200
    n = 0
    for user in USERS:
        sess = shiju if user == "shiju" else Session(server, user)
        for label, q in all_shapes:
            st, _, body = sess.get(f"{E}?{q}&limit=20")
            # ?deleted=1 needs the restore right (a 422 saying so), every other shape answers
            assert st == 200 or (st == 422 and label.startswith("deleted")), (user, label, body)
            n += 1
    return n


def _plans(log):
    """{sql: [plan lines]} of the statements over mediation_case t."""
    out = {}
    for block in re.split(r"^SQL: ", open(log, encoding="utf-8").read(), flags=re.M)[1:]:
        sql, *plan = block.rstrip("\n").split("\n")
        page = "t.id, t.org_id, t.org_path, t.version" in sql  # a list's page (engine_select_cols)
        # its count or probe; q's may start from the search index (records.c q_join)
        count = sql.startswith("SELECT COUNT(*) FROM (SELECT 1 FROM mediation_case")
        if " mediation_case t" in sql and (page or count):
            out[sql] = [p.strip().split(" ", 2) for p in plan]  # [id, parent, detail]
    return out


def _check(plans):
    """The rules every list statement keeps; returns {sql: indexes read}."""
    read = {}
    for sql, steps in plans.items():
        plan = [d for _, _, d in steps]
        text = " | ".join(plan)
        assert not re.search(r"\bSCAN t\b(?! USING)", text), f"full scan of the table: {text}\n{sql}"
        assert not ("TEMP B-TREE FOR ORDER BY" in text and "SCAN t USING" in text and "SEARCH t" not in text), \
            f"a scan of the table sorted: {text}\n{sql}"
        named = re.findall(r"INDEXED BY (\w+)", sql)
        used = set(re.findall(r"\bt USING (?:COVERING )?INDEX (\w+)", text))
        for idx in named:
            assert idx in used, f"named {idx}, read {used}: {sql}"
        # a list's page or count without a named index is q through FTS5
        if "LIMIT" in sql and not named:
            assert "_fts MATCH" in sql, f"no index chosen: {sql}\n{text}"
        # a walk (the sort's own index) sorts nothing but the merge of its two
        # parts (empties last): a sort under the walk itself reads every match
        # a walk (a sort writes "+<key>", or "(+<key> = <empty>)" first: empties last in one pass)
        if named and " ORDER BY " in sql and " ORDER BY +" not in sql and " ORDER BY (+" not in sql:
            detail = {i: d for i, _, d in steps}
            for _, parent, d in steps:
                if "TEMP B-TREE" in d:
                    assert detail.get(parent) in ("LEFT", "RIGHT"), f"a walk that sorts: {text}\n{sql}"
        read[sql] = used
    return read


@only("sqlite", "EXPLAIN QUERY PLAN 与 INDEXED BY 是 SQLite 的; PostgreSQL 按绑定值规划 (docs/engine.md)")
def test_every_list_shape_reads_the_index_the_engine_chose_before_and_after_analyze(ctx):
    url = _store_with_cases(ctx.kind)
    reads = []
    for analyzed in (False, True):
        if analyzed:
            with sqlite3.connect(url[len("sqlite:"):]) as db:
                db.execute("ANALYZE")
        log = tempfile.mktemp(prefix="sifasuo-plans-", suffix=".log")
        s = ctx.server(url, env={"SIFASUO_EXPLAIN_LOG": log})
        try:
            assert _run_shapes(s) > 600
        finally:
            s.stop()
        plans = _plans(log)
        os.unlink(log)
        assert len(plans) > 300, len(plans)
        # the spine's sorts walk their own index, and ?deleted=1 reads the
        # deleted rows' (a city's list by created_at sorted every case)
        named = {i for sql in plans for i in re.findall(r"INDEXED BY (\w+)", sql)}
        for idx in ("created_at", "updated_at", "due_at", "closed_on"):
            assert f"mediation_case_lk_{idx}" in named, (idx, sorted(named))
        assert "mediation_case_dead" in named, sorted(named)
        reads.append(_check(plans))
    before, after = reads
    same = set(before) & set(after)
    assert len(same) > 300
    for sql in same:
        assert before[sql] == after[sql], f"ANALYZE changed the index read: {before[sql]} → {after[sql]}\n{sql}"


def test_a_filter_field_has_no_plain_index_besides_its_live_one(ctx):
    url, _ = demo_store(ctx.kind)
    Server(url).stop()  # a start derives the indexes (and drops the stale ones)
    if url.startswith("sqlite:"):
        q = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{}'"
    else:
        q = "SELECT COUNT(*) FROM pg_indexes WHERE indexname = '{}'"
    assert store_count(url, q.format("mediation_case_lf_category")) == 1
    assert store_count(url, q.format("mediation_case_category")) == 0
    assert store_count(url, q.format("mediation_case_received_on")) == 0
    # references keep theirs (a mediator's cases, deleted ones too); a sort-only field too
    assert store_count(url, q.format("mediation_case_mediator_id")) == 1
    assert store_count(url, q.format("mediation_case_case_no")) == 1


def _pages(sess, path, limit):
    items, nxt, total = [], None, None
    while True:
        st, _, body = sess.get(f"{path}&limit={limit}" + (f"&after={nxt}" if nxt else "&total=1"))
        assert st == 200, body
        total = body["total"] if total is None else total
        items += body["items"]
        nxt = body["next"]
        if not nxt:
            return items, total


def _assert_empties_last(items, total, field, desc, key=lambda v: v):
    ids = [it["id"] for it in items]
    assert len(ids) == total and len(set(ids)) == len(ids)
    empty = [it.get(field) in (None, "") for it in items]
    assert empty == sorted(empty), f"an empty {field} before a value"
    vals = [key(it[field]) for it, e in zip(items, empty) if not e]
    assert vals == sorted(vals, reverse=desc)
    gone = [it["id"] for it, e in zip(items, empty) if e]
    assert gone == sorted(gone, reverse=desc)  # the empties among themselves: by id, in the same direction
    return sum(empty)


def test_empty_values_come_last_ascending_and_descending_across_pages(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for field, key in (("closed_on", str), ("amount", float), ("due_at", str)):
        for desc in (False, True):
            items, total = _pages(ljz, f"{E}?sort={'-' if desc else ''}{field}&fields=closed_on,amount", 7)
            n = _assert_empties_last(items, total, field, desc, key)
            if field != "amount":  # the demo's office has both, so pages cross the boundary
                assert 0 < n < total, (field, n, total)


def test_a_sortable_timestamp_sorts_with_empties_last_on_both_stores(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, item = ljz.post("/api/v1/test-items", {"title": "带时间备注的记录"})
    assert st == 201, item
    times = ["2026-11-02T08:00:00Z", None, "2026-10-01T23:59:59Z", None, "2026-12-01T00:00:00Z"]
    for i, t in enumerate(times):
        body = {"item_id": item["id"], "note": f"备注{i}"}
        if t:
            body["noted_at"] = t
        st, _, note = ljz.post("/api/v1/test-notes", body)
        assert st == 201, note
    for desc in (False, True):
        items, total = _pages(ljz, f"/api/v1/test-notes?item_id={item['id']}&sort={'-' if desc else ''}noted_at", 2)
        assert _assert_empties_last(items, total, "noted_at", desc) == 2
        assert total == 5


def _named(log):
    """The indexes named by the list statements of the log, in order."""
    return [i for sql in _plans(log) for i in re.findall(r"INDEXED BY (\w+)", sql)]


@only("sqlite", "INDEXED BY 是 SQLite 的; PostgreSQL 按绑定值规划 (docs/engine.md)")
def test_a_small_scope_reads_its_own_matches_and_walks_when_its_index_holds_the_filter(ctx):
    """Issue 27 at 10^6: an office's list read every case of the office
    (4 635, a table row each) for a code's 354 matches or a date range's
    1 455 (13–17 ms); and a state's list sorted those it could walk past in
    its index for a quarter of the cost (6.6 ms against 0.6); q read a table
    row for each of the city's 40 367 matches (97 ms for an office)."""
    url = _store_with_cases(ctx.kind)
    log = tempfile.mktemp(prefix="sifasuo-plans-", suffix=".log")
    s = ctx.server(url, env={"SIFASUO_EXPLAIN_LOG": log})
    try:
        ljz, pudong = Session(s, "ljz"), Session(s, "pudong")
        st, _, meta = ljz.get("/api/v1/meta/entities/mediation-cases")
        code = next(f for f in meta["fields"] if f["name"] == "category")["codes"][0]["code"]
        # an equality: (category, org_path) sought to the office's own matches
        st, _, body = ljz.get(f"{E}?category={code}&sort=amount&limit=20")
        assert st == 200, body
        named = _named(log)
        assert "mediation_case_lf_category" in named and "mediation_case_live" not in named, named
        # a range matching more cases elsewhere than the office has: (org_path, visited_on)
        open(log, "w").close()
        st, _, body = ljz.get(f"{E}?visited_on.from=2024-01-01&sort=received_on&limit=20")
        assert st == 200, body
        named = _named(log)
        assert "mediation_case_lo_visited_on" in named and "mediation_case_live" not in named, named
        # one state sorted by a field: a walk of (wf_state, key, id, org_path) when M²·4 ≥ (limit + 1)·N,
        # a limit chosen so that M² alone would not be (the walk's entries weighed as table rows)
        m = pudong.get(f"{E}?wf_state=archived&limit=1")[2]["total"]
        n = store_count(url, "SELECT MAX(id) FROM mediation_case")
        limit = 4 * m * m // n - 1
        assert 1 <= limit <= 500 and (limit + 1) * n > m * m, (m, n, limit)
        open(log, "w").close()
        st, _, body = pudong.get(f"{E}?wf_state=archived&sort=received_on&limit={limit}")
        assert st == 200 and len(body["items"]) == min(limit, m), body
        days = [it["received_on"] for it in body["items"]]
        assert days == sorted(days)
        named = _named(log)
        assert "mediation_case_lw_received_on" in named, named
        # q: the index yields the office's own matches (fewer than its cases), each checked in
        # (id, org_path), never in its table row; the city's all of them, checked alike (or the
        # sort's index walked, when the matches are many); an office's one-character q (no
        # token to look up): the office's rows drive
        for sess, q, idx in ((ljz, "调解委员会", {"mediation_case_lq"}),
                             (Session(s, "shiju"), "调解委员会", {"mediation_case_lq", "mediation_case_lk_amount"}),
                             (ljz, "调", {"mediation_case_live"})):
            open(log, "w").close()
            st, _, body = sess.get(f"{E}?q={quote(q)}&sort=amount&limit=20")
            assert st == 200 and body["total"] > 0, body
            assert all(q in (it.get("title") or "") + (it.get("summary") or "") for it in body["items"])
            named = _named(log)
            assert named and set(named) <= idx, (idx, named)
    finally:
        s.stop()
        os.unlink(log)


@only("sqlite", "按预算换序是 SQLite 的走索引方案; PostgreSQL 由规划器按统计选择 (docs/engine.md)")
def test_past_the_cap_a_sort_it_cannot_walk_in_bounds_becomes_the_ranges_own_order(ctx):
    """Issue 27: the city's cases accepted since January sorted by creation
    time walked every case created before (50-60 ms at 10^6, without end at
    10^7).  Past 10 000 matches a first page walks within a budget and past
    it answers in the range's own order, saying so; a later page, whose
    cursor belongs to the order asked, keeps it."""
    url, _ = demo_store(ctx.kind)
    r = run_cli(["generate", "mediation-cases", "--count", "36000", "--bulk"], url)
    assert r.returncode == 0, r.stderr
    s = ctx.server(url)
    try:
        shiju = Session(s, "shiju")
        since = "accepted_on.from=2025-01-01"
        st, _, body = shiju.get(f"{E}?{since}&sort=created_at&limit=20")
        assert st == 200, body
        assert body["total"] == 10000 and body["total_capped"], body
        assert body["sorted_by"] == "accepted_on", body
        days = [(it["accepted_on"], it["id"]) for it in body["items"]]
        assert len(days) == 20 and days == sorted(days) and days[0][0] >= "2025-01-01", days
        # the same page as asking for that order, which says nothing
        st, _, own = shiju.get(f"{E}?{since}&sort=accepted_on&limit=20")
        assert st == 200 and "sorted_by" not in own, own
        assert [it["id"] for it in own["items"]] == [it["id"] for it in body["items"]]
        # a later page: its cursor is of the order asked, which it keeps
        st, _, first = shiju.get(f"{E}?sort=created_at&limit=1&total=0")
        assert st == 200 and first["next"], first
        st, _, later = shiju.get(f"{E}?{since}&sort=created_at&limit=20&after={first['next']}")
        assert st == 200 and "sorted_by" not in later and len(later["items"]) == 20, later
        times = [it["created_at"] for it in later["items"]]
        assert times == sorted(times) and all(it["accepted_on"] >= "2025-01-01" for it in later["items"])
        # descending too: the range's own order, the same direction
        st, _, down = shiju.get(f"{E}?closed_on.from=2024-01-01&sort=-case_no&limit=20")
        assert st == 200, down
        if "sorted_by" in down:
            assert down["sorted_by"] == "-closed_on", down
            days = [it["closed_on"] for it in down["items"]]
            assert days == sorted(days, reverse=True), days
        # a code instead of a range: the default order, which the code's pair index walks (the
        # open cases, closed_on empty and last, hold no agreement: the walk read every one of them)
        st, _, code = shiju.get(f"{E}?agreement_form=written&sort=closed_on&limit=20")
        assert st == 200 and code["total_capped"] and code["sorted_by"] == "-received_on", code
        days = [(it["received_on"], it["id"]) for it in code["items"]]
        assert days == sorted(days, reverse=True) and all(it["agreement_form"] == "written" for it in code["items"])
        # the default order asked for: nothing to change
        st, _, same = shiju.get(f"{E}?agreement_form=written&limit=20")
        assert st == 200 and "sorted_by" not in same and same["items"] == code["items"], same
    finally:
        s.stop()


@only("sqlite", "检索索引按辖区分词是 SQLite 的 FTS5 方案; PostgreSQL 用 pg_trgm (docs/engine.md)")
def test_the_search_index_holds_each_case_under_its_district_and_office_and_a_moved_case_moves(ctx):
    """Issue 27 at 10^6: a district's q of a frequent term (物业费) found the
    city's 40 367 matches and checked each against the district (23–29 ms).
    The tokenizer (store/fts_scope.c) also writes every trigram under the
    case's district and office, and a query asks the scope's own: the index
    yields exactly the unit's matches, and a case moved to another office
    (its org_path changed by any writer) moves its tokens with it."""
    url = _store_with_cases(ctx.kind)
    term = "调解委员会"
    office = store_query(url, "SELECT u.path FROM org_units u JOIN users x ON x.org_id = u.id WHERE x.username = 'ljz'")
    district = store_query(url, "SELECT u.path FROM org_units u JOIN users x ON x.org_id = u.id "
                                "WHERE x.username = 'pudong'")
    assert office.startswith(district) and office != district, (office, district)
    other = store_query(url, f"SELECT path FROM org_units WHERE level = 'office' AND path LIKE '{district}%' "
                             f"AND path <> '{office}' ORDER BY id LIMIT 1")

    def indexed(path, phrase=term):
        mark = f"'\"' || char(1) || '{path}' || char(1) || '{phrase}\"'" if path else f"'\"{phrase}\"'"
        return int(store_query(url, f"SELECT COUNT(*) FROM mediation_case_fts WHERE mediation_case_fts MATCH {mark}"))

    def stored(path):
        return int(store_query(url, f"SELECT COUNT(*) FROM mediation_case WHERE org_path >= '{path}' AND "
                                    f"org_path < '{path[:-1]}0' AND (instr(title, '{term}') OR instr(summary, '{term}') "
                                    f"OR instr(case_no, '{term}'))"))

    city_n, district_n, office_n, other_n = indexed(None), indexed(district), indexed(office), indexed(other)
    assert office_n == stored(office) and district_n == stored(district) and other_n == stored(other), \
        (office_n, district_n, other_n)
    assert 0 < office_n < district_n < city_n, (office_n, district_n, city_n)
    assert indexed(district, "不在任何案件里的词") == 0
    # a case of the office moved to another office of the district: its tokens follow
    moved = store_query(url, f"SELECT id FROM mediation_case WHERE org_path = '{office}' AND instr(title || "
                             f"coalesce(summary, ''), '{term}') ORDER BY id LIMIT 1")
    store_exec(url, f"UPDATE mediation_case SET org_path = '{other}' WHERE id = {moved}")
    assert (indexed(office), indexed(other), indexed(district), indexed(None)) == \
        (office_n - 1, other_n + 1, district_n, city_n)
    # the office's q answers the office's matches, through the index of its own
    s = ctx.server(url)
    try:
        st, _, body = Session(s, "ljz").get(f"{E}?q={quote(term)}&limit=1&total=1")
        live = int(store_query(url, f"SELECT COUNT(*) FROM mediation_case WHERE org_path >= '{office}' AND org_path "
                                    f"< '{office[:-1]}0' AND deleted_at IS NULL AND (instr(title, '{term}') OR instr(summary, '{term}') OR "
                                    f"instr(case_no, '{term}'))"))
        assert st == 200 and body["total"] == live, (body.get("total"), live)
    finally:
        s.stop()


@only("sqlite", "检索索引的连接与顺序是 SQLite 的 FTS5 方案; PostgreSQL 用 pg_trgm (docs/engine.md)")
def test_q_with_many_matches_streams_from_the_search_index_and_past_the_cap_takes_its_order(ctx):
    """Issue 27 at 10^6: the city's two-character q (纠纷, in every case)
    gathered all its matches before a count that stops at 10 001 (170–270
    ms).  Past Q_GATHER_CAP matches in the scope's unit the search index is
    joined instead: the count streams from it, a walk looks each row up in
    it, and id order is its own.  Past the cap, a first page whose walk runs
    over budget (the matches all at the far end of the order asked) is
    answered in id order, saying so."""
    url, _ = demo_store(ctx.kind)
    r = run_cli(["generate", "mediation-cases", "--count", "30000", "--bulk"], url)
    assert r.returncode == 0, r.stderr
    # 22 000 cases carry a word of their own, and the largest amounts: by amount they come last
    # (through the sqlite3 shell, whose writes keep the search index through its tokenizer)
    top = int(store_query(url, "SELECT MAX(id) FROM mediation_case"))
    store_exec(url, f"UPDATE mediation_case SET title = '专用词' || title, amount = 900000000 + id WHERE id > {top - 22000}")
    term = quote("专用词")
    log = tempfile.mktemp(prefix="sifasuo-plans-", suffix=".log")
    s = ctx.server(url, env={"SIFASUO_EXPLAIN_LOG": log})
    try:
        shiju = Session(s, "shiju")
        # id order: the search index yields it, each match checked in (id, org_path)
        st, _, down = shiju.get(f"{E}?q={term}&sort=-id&limit=20")
        assert st == 200 and down["total"] == 10000 and down["total_capped"] and "sorted_by" not in down, down
        ids = [it["id"] for it in down["items"]]
        want = store_query(url, f"SELECT id FROM mediation_case WHERE instr(title, '专用词') AND deleted_at IS NULL "
                                f"ORDER BY id DESC LIMIT 40").split("\n")
        assert ids == [int(i) for i in want[:20]], (ids, want[:20])
        st, _, page2 = shiju.get(f"{E}?q={term}&sort=-id&limit=20&after={down['next']}")
        assert st == 200 and [it["id"] for it in page2["items"]] == [int(i) for i in want[20:]], page2
        plans = _plans(log)
        counts = [q for q in plans if q.startswith("SELECT COUNT(*) FROM (SELECT 1 FROM mediation_case_fts f CROSS JOIN")]
        pages = [q for q in plans if "FROM mediation_case_fts f CROSS JOIN mediation_case t" in q and "ORDER BY f.rowid DESC" in q]
        assert counts and pages, list(plans)
        for q in pages:
            assert not any("TEMP B-TREE" in d for _, _, d in plans[q]), plans[q]
        # another order past the cap, the matches at its far end: walked within a budget, then
        # answered in id order (the same direction), saying so
        st, _, body = shiju.get(f"{E}?q={term}&sort=amount&limit=20")
        assert st == 200 and body["sorted_by"] == "id", body
        got = [it["id"] for it in body["items"]]
        assert got == sorted(got) and all("专用词" in it["title"] for it in body["items"]), body
        # a word in every case: the walk of the order asked finds its page at once, each row it
        # passes looked up in the search index (its statement is the one the walk above prepared
        # when the same worker served both: each is logged once, when first prepared)
        st, _, every = shiju.get(f"{E}?q={quote('纠纷')}&sort=amount&limit=20")
        assert st == 200 and every["total_capped"] and "sorted_by" not in every, every
        amounts = [it["amount"] for it in every["items"]]
        assert len(amounts) == 20 and amounts == sorted(amounts), amounts
        walked = [q for q in _plans(log) if "INDEXED BY mediation_case_lk_amount CROSS JOIN mediation_case_fts f" in q]
        assert walked, list(_plans(log))
        # a district's: its own matches only, counted from its own tokens
        pudong = Session(s, "pudong")
        st, _, mine = pudong.get(f"{E}?q={term}&limit=1&total=1")
        district = store_query(url, "SELECT u.path FROM org_units u JOIN users x ON x.org_id = u.id "
                                    "WHERE x.username = 'pudong'")
        n = int(store_query(url, f"SELECT COUNT(*) FROM mediation_case WHERE org_path >= '{district}' AND org_path < "
                                 f"'{district[:-1]}0' AND instr(title, '专用词') AND deleted_at IS NULL"))
        assert st == 200 and mine["total"] == min(n, 10000), (mine.get("total"), n)
        # one character (no token to look up): the scope's rows read within a budget, past which the
        # list is refused, saying why, rather than read whole; a character in every case is answered
        st, _, refused = shiju.get(f"{E}?q={quote('砼')}&limit=20")
        assert st == 422 and refused["error"]["code"] == "q_too_short", refused
        assert "两个字以上" in refused["error"]["message"] and "「砼」" in refused["error"]["message"], refused
        st, _, common = shiju.get(f"{E}?q={quote('纠')}&limit=20")
        assert st == 200 and common["total_capped"] and len(common["items"]) == 20, common
        st, _, office = Session(s, "ljz").get(f"{E}?q={quote('砼')}&limit=20")
        assert st == 200 and office["total"] == 0, office
    finally:
        s.stop()
        os.unlink(log)


@only("sqlite", "按预算换序是 SQLite 的走索引方案; PostgreSQL 由规划器按统计选择 (docs/engine.md)")
def test_past_the_cap_overdue_takes_the_deadline_order_and_one_state_the_default(ctx):
    """Issue 27 at 10^7: the city's overdue cases by 回访日期 walked every
    closed case first (8–10 s), its registered cases by creation time every
    older case (2 s).  Past the cap, a first page whose walk runs over its
    budget is answered by deadline (overdue: the most overdue first) or in
    the default order (one state sorted by a spine column), saying so."""
    url, _ = demo_store(ctx.kind)
    r = run_cli(["generate", "mediation-cases", "--count", "30000", "--bulk"], url)
    assert r.returncode == 0, r.stderr
    # 12 000 registered cases, overdue, created last and never visited: at the far end of both walks
    top = int(store_query(url, "SELECT MAX(id) FROM mediation_case"))
    store_exec(url, f"UPDATE mediation_case SET wf_state = 'registered', due_at = '2020-01-01', visited_on = NULL, "
                    f"created_at = '2099-01-01T00:00:00Z' WHERE id > {top - 12000}")
    s = ctx.server(url)
    try:
        shiju = Session(s, "shiju")
        st, _, body = shiju.get(f"{E}?overdue=1&sort=-visited_on&limit=20")
        assert st == 200 and body["total_capped"] and body["sorted_by"] == "due_at", body
        due = [it["due_at"] for it in body["items"]]
        assert len(due) == 20 and due == sorted(due) and all(d < "2026" for d in due), due
        st, _, body = shiju.get(f"{E}?wf_state=registered&sort=created_at&limit=20")
        assert st == 200 and body["total_capped"] and body["sorted_by"] == "-received_on", body
        days = [it["received_on"] for it in body["items"]]
        assert len(days) == 20 and days == sorted(days, reverse=True), days
        assert all(it["wf_state"] == "registered" for it in body["items"]), body
        # the order asked, when it is the one answered, says nothing
        st, _, own = shiju.get(f"{E}?overdue=1&sort=due_at&limit=20")
        assert st == 200 and "sorted_by" not in own, own
    finally:
        s.stop()
