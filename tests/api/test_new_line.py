"""One file per business line (issue 15 point 3): a throwaway line declared
in src/modules/test_line.c alone (served with SIFASUO_TEST_ENTITY=1)
reaches the menu (meta), list, detail, cockpit figures and to-do; its code
list is seeded at start without undoing administrators' edits; its demo
generator runs in `init --demo` and its scale-data generator in
`sifasuo generate line-probes`; and its name is in no other source file."""
import os
import subprocess

from auth_helpers import Session
from harness import ROOT, demo_store, only, run_cli, store_count, store_exec

NAME = "line-probes"
E = "/api/v1/" + NAME


def test_meta_carries_line_title_cockpit_and_panels(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/meta/entities")
    assert st == 200
    probe = next(e for e in lst["items"] if e["name"] == NAME)
    assert probe["line"] == "probe-line" and probe["line_label"] == "探针条线"
    assert probe["title_field"] == "subject"
    assert probe["cockpit"] == {"group": "探针条线", "by_state": True}
    # the existing lines declare theirs: the menu and cockpit read nothing else
    by = {e["name"]: e for e in lst["items"]}
    assert by["mediation-cases"]["line_label"] == "人民调解" and by["mediation-cases"]["title_field"] == "title"
    assert by["staff"]["line"] == "organisation" and by["equipment"]["cockpit"]["group"] == "场所装备经费"
    assert "line" not in by["test-items"], "an entity without a line goes under 业务记录"
    st, _, meta = ljz.get("/api/v1/meta/entities/" + NAME)
    assert st == 200 and meta["panels"] == [] and meta["detail_hide"] == []
    kind = next(f for f in meta["fields"] if f["name"] == "kind")
    assert [c["code"] for c in kind["codes"]] == ["visit", "survey", "talk"]
    st, _, med = ljz.get("/api/v1/meta/entities/mediation-cases")
    assert "documents" in med["panels"] and [d["key"] for d in med["documents"]] == [
        "application", "registration", "agreement", "visit"], "the case declares its documents"


def test_list_detail_todo_and_cockpit_count(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, rec = ljz.post(E, {"subject": "走访楼组长", "kind": "visit", "held_on": "2026-11-20"})
    assert st == 201, rec
    assert rec["wf_state"] == "open" and rec["due_at"]
    st, _, bad = ljz.post(E, {"subject": "x", "kind": "nope"})
    assert st == 422 and "kind" in bad["error"]["fields"], bad
    st, _, one = ljz.get(f"{E}/{rec['id']}")
    assert st == 200 and one["subject"] == "走访楼组长"
    st, _, lst = ljz.get(E + "?total=1&wf_state=open")
    assert st == 200 and any(i["id"] == rec["id"] for i in lst["items"]) and lst["total"] >= 1
    st, _, todo = ljz.get("/api/v1/todo")
    assert st == 200 and todo["counts"].get(NAME, 0) >= 1
    item = next(i for i in todo["items"] if i["entity"] == NAME and i["id"] == rec["id"])
    assert item["title"] == "走访楼组长", "the declared title names the record in the to-do"
    st, _, done = ljz.post(f"{E}/{rec['id']}/actions/finish", {"version": one["version"]})
    assert st == 200 and done["wf_state"] == "done", done
    st, _, lst = ljz.get(E + "?total=1&wf_state=done")
    assert lst["total"] >= 1


def test_demo_generator_runs_in_init_demo(ctx):
    s = ctx.demo_server()
    assert store_count(s.url, "SELECT COUNT(*) FROM line_probe WHERE subject LIKE '演示探针%'") == 3


def test_generate_makes_the_lines_scale_data_continuing_across_runs(ctx):
    """`sifasuo generate <entity>` works for any entity declaring .generate:
    cmd/generate.c names no line, the kind is the entity's name."""
    url, _ = demo_store(ctx.kind)
    r = run_cli(["generate", NAME, "--count", "250", "--batch", "100"], url)
    assert r.returncode == 0 and "已生成条线探针 250 条" in r.stdout, r.stdout + r.stderr
    assert "250/250 (100%)" in r.stderr, "progress per batch on stderr"
    assert run_cli(["generate", NAME, "--count", "5"], url).returncode == 0
    rows = store_count(url, "SELECT COUNT(DISTINCT subject) FROM line_probe WHERE subject LIKE '生成探针 %'")
    assert rows == 255, "the second run continues the numbering"
    assert store_count(url, "SELECT COUNT(*) FROM line_probe l JOIN org_units o ON o.id = l.org_id "
                            "WHERE l.subject LIKE '生成探针 %' AND o.level = 'office' AND l.org_path = o.path") == 255
    assert store_count(url, f"SELECT COUNT(*) FROM audit_log WHERE action = 'data.generate' AND entity = '{NAME}'") == 2
    r = run_cli(["generate", NAME, "--count", "20", "--bulk"], url)
    assert r.returncode == 0 and "索引已重建" in r.stderr, "an entity kind may load in bulk: " + r.stderr
    s = ctx.server(url)
    st, _, lst = Session(s, "shiju").get(E + "?q=生成探针 275")
    assert st == 200 and [i["subject"] for i in lst["items"]] == ["生成探针 275"], "searchable after the rebuild"
    s.stop()


@only("sqlite", "the kinds come from the declarations, not from the store")
def test_generate_unknown_kind_lists_the_declared_kinds(ctx):
    r = run_cli(["generate", "unicorns", "--count", "5"], "sqlite:/nonexistent/never-opened.db")
    assert r.returncode == 2 and "没有可生成的种类 \"unicorns\"" in r.stderr and "可生成的种类" in r.stderr, r.stderr
    for kind, label in (("persons", "人员"), ("mediation-cases", "人民调解案件"), (NAME, "条线探针")):
        assert any(line.split()[:2] == [kind, label] for line in r.stderr.splitlines()), (kind, r.stderr)


def test_code_list_seeded_at_start_keeps_administrators_edits(ctx):
    url, _ = demo_store(ctx.kind)
    # an administrator renamed and deactivated one code and added their own;
    # a code the store never had (as after an upgrade that declares it) is missing
    store_exec(url, "UPDATE code_items SET label = '入户走访', active = 0 WHERE list_key = 'line_probe_kind' AND code = 'visit';"
                    "INSERT INTO code_items (list_key, code, label, sort, active) VALUES ('line_probe_kind', 'phone', '电话回访', 99, 1);"
                    "DELETE FROM code_items WHERE list_key = 'line_probe_kind' AND code = 'talk';")
    s = ctx.server(url)
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/codes/line_probe_kind")
    assert st == 200
    by = {c["code"]: c for c in lst["items"]}
    assert by["visit"]["label"] == "入户走访" and by["visit"]["active"] is False, "an edit is kept"
    assert by["phone"]["label"] == "电话回访", "an added code is kept"
    assert by["talk"]["label"] == "座谈" and by["talk"]["active"] is True, "a declared code the store lacked is added"
    assert by["survey"]["label"] == "调查"


def _files_naming(needle, roots):
    out = subprocess.run(["grep", "-rlF", needle, *roots], cwd=ROOT, capture_output=True, text=True).stdout
    return sorted(set(out.split()))


@only("sqlite", "a check of the source tree, not of a store: once is enough")
def test_a_line_is_one_file(ctx):
    # the line's names are in its own C file and nowhere else in the server
    # or the web app (docs and tests aside)
    for needle in (NAME, "line_probe", "probe-line", "探针条线"):
        assert _files_naming(needle, ["src", "web/src"]) == ["src/modules/test_line.c"], needle
    # plus one line in the module table, by function name
    assert _files_naming("test_line_declare", ["src"]) == [
        "src/modules/modules.c", "src/modules/modules.h", "src/modules/test_line.c"]
    # the generate command names no kind: the lines declare theirs
    text = open(os.path.join(ROOT, "src/cmd/generate.c"), encoding="utf-8").read()
    for word in ("persons", "mediation", "person_", "人员", "调解"):
        assert word not in text, f"src/cmd/generate.c names {word}"
    # and the menu, cockpit and detail page name no entity: what they show
    # of each comes from /api/v1/meta
    s = ctx.demo_server()
    names = [e["name"] for e in Session(s, "ljz").get("/api/v1/meta/entities")[2]["items"]]
    pages = ["web/src/menu.js", "web/src/router.js", "web/src/entities.js", "web/src/pages/CockpitPage.vue",
             "web/src/pages/RecordDetail.vue", "web/src/pages/RecordList.vue"]
    for p in pages:
        text = open(os.path.join(ROOT, p), encoding="utf-8").read()
        for n in names:
            assert f"'{n}'" not in text, f"{p} names {n}"
    assert os.path.exists(os.path.join(ROOT, "src/modules/test_line.c"))
