/* test_line.c — a throwaway business line, declared in this one file
 * (issue 15 point 3, "One file per line"; docs/engine.md "Adding a
 * business line").  Served only when SIFASUO_TEST_ENTITY=1, as the test
 * entities are.  tests/api/test_new_line.py checks that it reaches the menu
 * (meta), list, detail, cockpit and to-do, that its code list is seeded at
 * start without undoing an administrator's edits, that its demo and scale
 * data generators run (init --demo, generate line-probes), and that its
 * name appears in no other file of src/ or web/src/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "modules/modules.h"

/* its code list, seeded at every start (codes the store already holds are left alone) */
static const code_seed_t kinds[] = {
    {"visit", "走访"},
    {"survey", "调查"},
    {"talk", "座谈"},
    {0},
};
static const code_list_decl_t lists[] = {
    {"line_probe_kind", "探针类型", kinds},
    {0},
};

static const field_t fields[] = {
    {"subject", "事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"kind", "类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "line_probe_kind"},
    {"held_on", "日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"note", "说明", F_TEXT, 0, .max = 500},
    {0},
};

static const wf_state_t states[] = {
    {"open", "办理中", 5},
    {"done", "已办结", 0, true},
    {0},
};
static const wf_transition_t transitions[] = {
    {"finish", "办结", "open", "done"},
    {0},
};
static const workflow_t flow_v1 = {1, "open", states, transitions, .deadline_days = 10};
static const workflow_t *const flows[] = {&flow_v1, NULL};

/* Demo data: one open record in each of the first three offices. */
static int probe_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    db_stmt_t *q = db_prepare(d->db, "SELECT id, path FROM org_units WHERE level = 'office' ORDER BY id LIMIT 3");
    if (!q) goto fail;
    int rc, n = 0;
    while ((rc = db_step(q)) == DB_ROW) {
        db_stmt_t *s = db_prepare(d->db, "INSERT INTO line_probe (org_id, org_path, created_at, updated_at, wf_state, "
                                         "wf_version, state_since, subject, kind, held_on) "
                                         "VALUES ($1, $2, $3, $3, 'open', 1, $5, $4, 'visit', '2026-11-02')");
        if (!s) break;
        char subject[64];
        snprintf(subject, sizeof(subject), "演示探针 %d", ++n);
        db_bind_int(s, 1, db_col_int(q, 0));
        db_bind_text(s, 2, db_col_text(q, 1), -1);
        db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
        db_bind_text(s, 4, subject, -1);
        db_bind_text(s, 5, "2026-11-30T09:00:00Z", -1);
        int ok = db_step(s) == DB_DONE;
        db_reset(s);
        if (!ok) break;
    }
    db_reset(q);
    if (rc == DB_DONE) return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* Scale data (`sifasuo generate line-probes --count N`): item i is
 * "生成探针 i+1", owned by office i mod offices; a run continues after the
 * probes earlier runs made. */
static int probe_prepare(engine_gen_t *g, char *err, size_t errlen) {
    g->start = db_query_int(g->db, "SELECT COUNT(*) FROM line_probe WHERE subject LIKE '生成探针 %'", 0);
    return engine_gen_offices(g, err, errlen);
}

static int probe_one(engine_gen_t *g, int64_t i) {
    int office = (int)(i % g->noffices);
    db_stmt_t *s = db_prepare(g->db, "INSERT INTO line_probe (org_id, org_path, created_at, updated_at, wf_state, "
                                     "wf_version, state_since, subject, kind, held_on) "
                                     "VALUES ($1, $2, $3, $3, 'open', 1, $5, $4, 'survey', '2026-11-03')");
    if (!s) return -1;
    char subject[64];
    snprintf(subject, sizeof(subject), "生成探针 %lld", (long long)(i + 1));
    db_bind_int(s, 1, g->offices[office]);
    db_bind_text(s, 2, g->path[office], -1);
    db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
    db_bind_text(s, 4, subject, -1);
    db_bind_text(s, 5, "2026-11-30T09:00:00Z", -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

static const engine_generator_t probe_generator = {.batch = 100, .prepare = probe_prepare, .one = probe_one};

static const entity_t probes = {
    .name = "line-probes",
    .label = "条线探针",
    .table = "line_probe",
    .perm = "line_probe",
    .fields = fields,
    .flows = flows,
    .default_sort = "-held_on",
    .roles = "office_staff office_director district_admin district_staff city_staff city_leader",
    .code_lists = lists,
    .line = "probe-line",
    .line_label = "探针条线",
    .title = "subject",
    .cockpit = "",
    .cockpit_by_state = true,
    .number = NULL, /* point 8: its number pattern, when numbers land */
    .demo = probe_demo,
    .generate = &probe_generator,
};

void test_line_declare(void) {
    const char *on = getenv("SIFASUO_TEST_ENTITY");
    if (on && strcmp(on, "1") == 0) entity_register(&probes);
}
