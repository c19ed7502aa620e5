/* demo_mediation.c — a year of people's mediation for `sifasuo init --demo`
 * (issue 8 point 6): a mediation committee in every office's street/town and
 * every village, one mediator per office, and cases_per_office cases per
 * office registered over the twelve months to 2026-11-30, with parties from
 * the office's demo residents.
 *
 * Proportions follow the shape of Shanghai's published people's mediation
 * figures: neighbourhood, property-management and damages disputes lead;
 * about half come from the parties' own application; ~95 % of the cases
 * that end are settled, three in four of those in the village (小事不出村).
 * Cases of the last six weeks are still open in every state.  A fixed seed
 * and a fixed calendar make every fresh store identical.  Written with
 * direct INSERTs in one transaction (no audit rows: demo data, like the
 * demo residents). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/demo.h"
#include "util/buf.h"

#define LAST_DAY_UNIX 1795996800 /* 2026-11-30T00:00:00Z: the end of the demo year */
#define YEAR_DAYS 365

static uint64_t rng_state;
static uint32_t rnd(void) { return (uint32_t)(demo_splitmix64(&rng_state) >> 32); }

typedef struct weighted {
    const char *code;
    int weight; /* per thousand */
} weighted_t;

static const char *pick(const weighted_t *w) {
    int total = 0;
    for (const weighted_t *p = w; p->code; p++) total += p->weight;
    int x = (int)(rnd() % (uint32_t)total);
    for (const weighted_t *p = w; p->code; p++)
        if ((x -= p->weight) < 0) return p->code;
    return w->code;
}

static const weighted_t categories[] = {
    {"neighborhood", 220}, {"property_management", 120}, {"damages", 100}, {"marriage_family", 90},
    {"other", 85}, {"contract", 80}, {"labor", 80}, {"traffic_accident", 70}, {"housing_homestead", 60},
    {"medical", 30}, {"production_business", 20}, {"environment", 15}, {"land_expropriation", 10},
    {"village_affairs", 15}, {"forest_land", 5}, {NULL, 0},
};
static const weighted_t sources[] = {
    {"party_application", 450}, {"proactive", 250}, {"court_referral", 120},
    {"police_referral", 80}, {"hotline_12345", 70}, {"agency_transfer", 30}, {NULL, 0},
};
static const weighted_t levels[] = {{"village", 740}, {"township", 230}, {"district", 30}, {NULL, 0}};
static const weighted_t referrals[] = {
    {"litigation", 600}, {"arbitration", 150}, {"administrative", 150}, {"other", 100}, {NULL, 0},
};

static const struct {
    const char *category, *titles[3];
    bool company; /* the respondent is usually a company */
} titles[] = {
    {"neighborhood", {"楼上漏水纠纷", "噪声扰民纠纷", "占用公共通道纠纷"}, false},
    {"property_management", {"物业费缴纳纠纷", "停车位管理纠纷", "电梯维修费用分摊纠纷"}, true},
    {"damages", {"宠物伤人赔偿纠纷", "装修损坏赔偿纠纷", "人身损害赔偿纠纷"}, false},
    {"marriage_family", {"赡养费纠纷", "离婚财产分割纠纷", "继承房产纠纷"}, false},
    {"other", {"消费纠纷", "借款纠纷", "其他民间纠纷"}, false},
    {"contract", {"房屋租赁押金纠纷", "装修合同纠纷", "买卖合同纠纷"}, true},
    {"labor", {"拖欠工资纠纷", "工伤待遇纠纷", "解除劳动合同补偿纠纷"}, true},
    {"traffic_accident", {"非机动车碰撞赔偿纠纷", "机动车事故赔偿纠纷", "停车剐蹭赔偿纠纷"}, true},
    {"housing_homestead", {"宅基地界址纠纷", "房屋买卖过户纠纷", "公房承租权纠纷"}, false},
    {"medical", {"诊疗损害赔偿纠纷", "医疗费用纠纷", "美容服务纠纷"}, true},
    {"production_business", {"货款结算纠纷", "合伙经营纠纷", "承包经营纠纷"}, true},
    {"environment", {"油烟污染纠纷", "施工噪声纠纷", "污水排放纠纷"}, true},
    {"land_expropriation", {"动迁补偿安置纠纷", "征收面积认定纠纷", "过渡费纠纷"}, false},
    {"village_affairs", {"集体收益分配纠纷", "村务公开纠纷", "土地承包纠纷"}, false},
    {"forest_land", {"林地承包纠纷", "土地流转纠纷", "农田灌溉纠纷"}, false},
};
static const char *const companies[] = {"上海某某物业管理有限公司", "上海某某装饰工程有限公司", "上海某某商贸有限公司",
                                        "某某财产保险股份有限公司上海分公司", "上海某某餐饮管理有限公司"};

typedef struct office {
    int64_t id;
    char path[128], name[128];
    int64_t morg, mediator, persons[3];
    int npersons;
    int64_t *villages, *village_morgs;
    char (*village_paths)[128];
    int nvillages;
} office_t;

static void ymd(int64_t t, char out[11]) {
    int64_t days = t / 86400;
    /* civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian */
    days += 719468;
    int64_t era = days / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    char buf[48];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static int load_offices(db_t *db, office_t **out, int *n) {
    db_stmt_t *s = db_prepare(db, "SELECT id, path, name FROM org_units WHERE level = 'office' ORDER BY id");
    if (!s) return -1;
    int cap = 0, rc;
    office_t *o = NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            o = realloc(o, sizeof(office_t) * (size_t)cap);
        }
        office_t *f = &o[(*n)++];
        memset(f, 0, sizeof(*f));
        f->id = db_col_int(s, 0);
        snprintf(f->path, sizeof(f->path), "%s", db_col_text(s, 1));
        snprintf(f->name, sizeof(f->name), "%s", db_col_text(s, 2));
    }
    db_reset(s);
    *out = o; /* the caller frees it, also after an error */
    if (rc != DB_DONE) return -1;
    for (int i = 0; i < *n; i++) {
        office_t *f = &o[i];
        /* only the village committees have a village_id here; naming org_type too made PostgreSQL, without
         * statistics on the fresh table, AND in the 6,600-row org_type index: 30 ms an office */
        s = db_prepare(db, "SELECT o.id, o.path, m.id FROM org_units o JOIN mediation_org m ON m.village_id = o.id "
                           "WHERE o.parent_id = $1 AND o.level = 'village' ORDER BY o.id");
        if (!s) return -1;
        db_bind_int(s, 1, f->id);
        int vcap = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            if (f->nvillages == vcap) {
                vcap = vcap ? vcap * 2 : 32;
                f->villages = realloc(f->villages, sizeof(int64_t) * (size_t)vcap);
                f->village_morgs = realloc(f->village_morgs, sizeof(int64_t) * (size_t)vcap);
                f->village_paths = realloc(f->village_paths, sizeof(*f->village_paths) * (size_t)vcap);
            }
            f->villages[f->nvillages] = db_col_int(s, 0);
            f->village_morgs[f->nvillages] = db_col_int(s, 2);
            snprintf(f->village_paths[f->nvillages++], 128, "%s", db_col_text(s, 1));
        }
        db_reset(s);
        if (rc != DB_DONE) return -1;
        s = db_prepare(db, "SELECT id FROM persons WHERE org_id = $1 ORDER BY id LIMIT 3");
        if (!s) return -1;
        db_bind_int(s, 1, f->id);
        while ((rc = db_step(s)) == DB_ROW && f->npersons < 3)
            f->persons[f->npersons++] = db_col_int(s, 0);
        db_reset(s);
        if (rc < 0) return -1;
    }
    return 0;
}

static void free_offices(office_t *o, int n) {
    for (int i = 0; i < n; i++) {
        free(o[i].villages);
        free(o[i].village_morgs);
        free(o[i].village_paths);
    }
    free(o);
}

#define NOW "2026-11-30T09:00:00Z"

static int64_t insert_morg(db_t *db, int64_t org, const char *path, const char *name, const char *type, int64_t village) {
    db_stmt_t *s = db_prepare(db, "INSERT INTO mediation_org (org_id, org_path, created_at, updated_at, name, org_type, "
                                  "village_id, established_on, status) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, 'active') "
                                  "RETURNING id");
    if (!s) return -1;
    db_bind_int(s, 1, org);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, NOW, -1);
    db_bind_text(s, 4, name, -1);
    db_bind_text(s, 5, type, -1);
    if (village) db_bind_int(s, 6, village);
    else db_bind_null(s, 6);
    db_bind_text(s, 7, village ? "2011-01-01" : "2010-06-01", -1); /* 人民调解法 in force 2011-01-01 */
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return id;
}

/* ---- batches: one INSERT of BATCH cases, one of their parties ----
 * (row by row, a year of cases cost PostgreSQL thousands of round trips:
 * +7 s on a loaded machine; batched it is a few dozen) */

#define BATCH 64
#define CASE_COLS 30
#define PARTY_COLS 4

typedef struct cell {
    bool is_int;
    int64_t i;
    const char *s; /* NULL → SQL NULL (for a text cell) */
    char buf[64];  /* storage for generated text */
} cell_t;

static cell_t case_rows[BATCH][CASE_COLS], party_rows[2 * BATCH][PARTY_COLS];
static int ncases, nparties;

static void put_int(cell_t *c, int64_t v) { c->is_int = true, c->i = v, c->s = NULL; }
static void put_text(cell_t *c, const char *v) { c->is_int = false, c->s = v; }
static void put_copy(cell_t *c, const char *v) {
    c->is_int = false;
    if (!v) {
        c->s = NULL;
        return;
    }
    snprintf(c->buf, sizeof(c->buf), "%s", v);
    c->s = c->buf;
}

static void bind_cell(db_stmt_t *st, int idx, const cell_t *c) {
    if (c->is_int) db_bind_int(st, idx, c->i);
    else db_bind_text(st, idx, c->s, -1);
}

/* "($1, $2, …), (…)" for rows × cols placeholders, each cast to types[c] when given. */
static void values_sql(buf_t *b, int rows, int cols, const char *const *types, int first) {
    int p = first;
    for (int r = 0; r < rows; r++) {
        buf_puts(b, r ? ", (" : "(");
        for (int c = 0; c < cols; c++) {
            if (c) buf_puts(b, ", ");
            if (types) buf_printf(b, "CAST($%d AS %s)", p++, types[c]);
            else buf_printf(b, "$%d", p++);
        }
        buf_putc(b, ')');
    }
}

static int flush_batch(db_t *db) {
    if (!ncases) return 0;
    buf_t sql = BUF_INIT;
    buf_puts(&sql, "INSERT INTO mediation_case (org_id, org_path, created_at, updated_at, wf_state, wf_version, state_since, "
                   "due_at, case_no, title, received_on, source, category, summary, amount, village_id, mediation_org_id, "
                   "mediator_id, major, accepted_on, reject_reason, agreement_form, agreement_content, "
                   "performance_deadline, resolved_level, referral, failure_reason, closed_on, visit_note, visited_on) VALUES ");
    values_sql(&sql, ncases, CASE_COLS, NULL, 1);
    db_stmt_t *st = db_prepare(db, sql.data);
    int rc = -1;
    if (st) {
        for (int r = 0; r < ncases; r++)
            for (int c = 0; c < CASE_COLS; c++) bind_cell(st, r * CASE_COLS + c + 1, &case_rows[r][c]);
        rc = db_step(st) == DB_DONE ? 0 : -1;
        db_reset(st);
    }
    /* the parties find their case by its number (indexed: case_no is a sort key) */
    static const char *const types[PARTY_COLS] = {"TEXT", "TEXT", "BIGINT", "TEXT"};
    buf_clear(&sql);
    buf_puts(&sql, "INSERT INTO mediation_party (org_id, org_path, created_at, updated_at, case_id, role, person_id, unit_name) "
                   "SELECT c.org_id, c.org_path, $1, $1, c.id, v.column2, v.column3, v.column4 FROM (VALUES ");
    values_sql(&sql, nparties, PARTY_COLS, types, 2);
    buf_puts(&sql, ") AS v JOIN mediation_case c ON c.case_no = v.column1 ORDER BY c.id, v.column2");
    st = rc == 0 ? db_prepare(db, sql.data) : NULL;
    rc = -1;
    if (st) {
        db_bind_text(st, 1, NOW, -1);
        for (int r = 0; r < nparties; r++)
            for (int c = 0; c < PARTY_COLS; c++) bind_cell(st, r * PARTY_COLS + c + 2, &party_rows[r][c]);
        rc = db_step(st) == DB_DONE && db_changes(st) == nparties ? 0 : -1;
        db_reset(st);
    }
    buf_free(&sql);
    ncases = nparties = 0;
    return rc;
}

static void add_party(const char *case_no, const char *role, int64_t person, const char *unit_name) {
    cell_t *p = party_rows[nparties++];
    put_copy(&p[0], case_no);
    put_text(&p[1], role);
    if (person) put_int(&p[2], person);
    else put_text(&p[2], NULL);
    put_text(&p[3], unit_name);
}

/* One case: its dates, state and result drawn from the proportions above. */
static int insert_case(db_t *db, office_t *f, int seq) {
    int age = (int)(rnd() % YEAR_DAYS); /* days before the end of the year */
    char received[11], accepted[11], due[11], closed[11], visited[11], perform[11];
    ymd(LAST_DAY_UNIX - (int64_t)age * 86400, received);
    const char *category = pick(categories), *source = pick(sources);
    int ti = 0;
    while (strcmp(titles[ti].category, category) != 0) ti++;
    const char *title = titles[ti].titles[rnd() % 3];
    int64_t amount = rnd() % 10 < 4 ? 0 : (int64_t)(500 + rnd() % 1000) * (int64_t)(1 + rnd() % 60) * 100;
    bool major = rnd() % 1000 < 30;
    /* the outcome: old cases are finished; the last six weeks are open */
    const char *state, *level = NULL, *form = NULL, *referral = NULL;
    int r = (int)(rnd() % 1000);
    if (r < 30) state = "rejected";
    else if (age < 3) state = "registered";
    else if (age < 10) state = r % 3 ? "mediating" : "accepted";
    else if (age < 42 && r % 4 == 0) state = "mediating";
    else {
        bool ok = r < 950 || (major && r < 975);
        level = major ? (rnd() % 2 ? "district" : "township") : pick(levels);
        if (ok) form = rnd() % 10 < 7 ? "written" : "oral";
        else referral = pick(referrals);
        state = age < 20 ? (ok ? "succeeded" : "failed") : age < 60 ? "visited" : "archived";
    }
    int vi = f->nvillages ? (int)(rnd() % (uint32_t)f->nvillages) : -1;
    /* a village committee mediates what it settles in the village; the office the rest */
    bool in_village = vi >= 0 && (level ? strcmp(level, "village") == 0 : rnd() % 10 < 7);
    int64_t owner = in_village ? f->villages[vi] : f->id;
    const char *path = in_village ? f->village_paths[vi] : f->path;
    int64_t morg = in_village ? f->village_morgs[vi] : f->morg;
    bool accepted_yet = strcmp(state, "registered") != 0 && strcmp(state, "rejected") != 0;
    ymd(LAST_DAY_UNIX - (int64_t)(age - 1) * 86400, accepted);
    ymd(LAST_DAY_UNIX - (int64_t)(age - 31) * 86400, due);
    int took = 3 + (int)(rnd() % 25);
    ymd(LAST_DAY_UNIX - (int64_t)(age - took) * 86400, closed);
    ymd(LAST_DAY_UNIX - (int64_t)(age - took - 10) * 86400, visited);
    ymd(LAST_DAY_UNIX - (int64_t)(age - took - 30) * 86400, perform);
    bool closed_yet = form || referral;
    bool visited_yet = closed_yet && (!strcmp(state, "visited") || !strcmp(state, "archived"));
    char case_no[48];
    snprintf(case_no, sizeof(case_no), "(%.4s)沪调字第%lld-%04d号", received, (long long)f->id, seq);
    static const char *const summaries[] = {"双方多次协商未果, 申请人请求调解委员会依法调处。",
                                            "矛盾已持续数月, 双方情绪较为激动, 请求尽快调处。",
                                            "双方对责任和赔偿数额存在争议, 同意由调解委员会主持调解。"};
    const char *summary = summaries[rnd() % 3];
    cell_t *c = case_rows[ncases++];
    put_int(&c[0], owner);
    put_copy(&c[1], path);
    put_text(&c[2], NOW);
    put_text(&c[3], NOW);
    put_text(&c[4], state);
    put_int(&c[5], 1);
    put_copy(&c[6], received);
    put_copy(&c[7], accepted_yet && !closed_yet ? due : NULL);
    put_copy(&c[8], case_no);
    put_text(&c[9], title);
    put_copy(&c[10], received);
    put_text(&c[11], source);
    put_text(&c[12], category);
    put_text(&c[13], summary);
    put_int(&c[14], amount);
    if (vi >= 0) put_int(&c[15], f->villages[vi]);
    else put_text(&c[15], NULL);
    put_int(&c[16], morg);
    if (f->mediator > 0) put_int(&c[17], f->mediator);
    else put_text(&c[17], NULL);
    put_int(&c[18], major);
    put_copy(&c[19], accepted_yet ? accepted : NULL);
    put_text(&c[20], strcmp(state, "rejected") == 0 ? "已向人民法院起诉, 不属于人民调解受理范围" : NULL);
    put_text(&c[21], form);
    put_text(&c[22], form ? "双方自愿达成协议, 一方于约定期限内向另一方支付补偿款并赔礼道歉" : NULL);
    put_copy(&c[23], form ? perform : NULL);
    put_text(&c[24], level);
    put_text(&c[25], referral);
    put_text(&c[26], referral ? "双方分歧较大, 未能达成协议" : NULL);
    put_copy(&c[27], closed_yet ? closed : NULL);
    put_text(&c[28], visited_yet ? "协议履行情况良好, 当事人表示满意" : NULL);
    put_copy(&c[29], visited_yet ? visited : NULL);
    int64_t a = f->npersons ? f->persons[seq % f->npersons] : 0;
    int64_t b = f->npersons > 1 ? f->persons[(seq + 1) % f->npersons] : 0;
    bool company = titles[ti].company && rnd() % 10 < 6;
    add_party(case_no, "applicant", a, a ? NULL : "申请人");
    add_party(case_no, "respondent", company ? 0 : b,
              company || !b ? companies[rnd() % (sizeof(companies) / sizeof(companies[0]))] : NULL);
    return ncases == BATCH ? flush_batch(db) : 0;
}

int demo_seed_mediation(db_t *db, int cases_per_office, char *err, size_t errlen) {
    rng_state = 20221130;
    office_t *o = NULL;
    int n = 0;
    if (cases_per_office < 0) return 0;
    if (db_begin(db) != 0) goto fail;
    /* a committee in every village: one statement */
    db_stmt_t *vs = db_prepare(db, "INSERT INTO mediation_org (org_id, org_path, created_at, updated_at, name, org_type, "
                                   "village_id, established_on, status) SELECT id, path, $1, $1, name || '人民调解委员会', "
                                   "'village', id, '2011-01-01', 'active' FROM org_units WHERE level = 'village' ORDER BY id");
    if (!vs) goto fail_tx;
    db_bind_text(vs, 1, NOW, -1);
    int vrc = db_step(vs);
    db_reset(vs);
    if (vrc != DB_DONE || load_offices(db, &o, &n) != 0) goto fail_tx;
    for (int i = 0; i < n; i++) {
        office_t *f = &o[i];
        char name[200];
        const char *cut = strstr(f->name, "司法所");
        snprintf(name, sizeof(name), "%.*s人民调解委员会", cut ? (int)(cut - f->name) : (int)strlen(f->name), f->name);
        if ((f->morg = insert_morg(db, f->id, f->path, name, "township", 0)) < 0) goto fail_tx;
        if (f->npersons == 3) { /* the third demo resident serves as the office's full-time mediator */
            db_stmt_t *s = db_prepare(db, "INSERT INTO mediator (org_id, org_path, created_at, updated_at, person_id, "
                                          "mediation_org_id, employment, training_hours, appointed_on, status) "
                                          "VALUES ($1, $2, $3, $3, $4, $5, 'full_time', $6, '2022-03-01', 'active') RETURNING id");
            if (!s) goto fail_tx;
            db_bind_int(s, 1, f->id);
            db_bind_text(s, 2, f->path, -1);
            db_bind_text(s, 3, NOW, -1);
            db_bind_int(s, 4, f->persons[2]);
            db_bind_int(s, 5, f->morg);
            db_bind_int(s, 6, 16 + (int64_t)(rnd() % 40));
            f->mediator = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
            db_reset(s);
            if (f->mediator < 0) goto fail_tx;
        }
        for (int k = 0; k < cases_per_office; k++)
            if (insert_case(db, f, k + 1) != 0) goto fail_tx;
        /* the numbers given here are 1..cases_per_office whatever the year:
         * the engine's sequence (entity_t.number) goes on after them */
        db_stmt_t *q = db_prepare(db, "INSERT INTO number_seq (entity, org_id, year, last) "
                                      "VALUES ('mediation-cases', $1, $2, $3)");
        if (!q) goto fail_tx;
        for (int year = 2024; year <= 2026; year++) {
            db_bind_int(q, 1, f->id);
            db_bind_int(q, 2, year);
            db_bind_int(q, 3, cases_per_office);
            int qrc = db_step(q);
            db_reset(q);
            if (qrc != DB_DONE) goto fail_tx;
        }
    }
    if (flush_batch(db) != 0 || db_commit(db) != 0) goto fail_tx;
    free_offices(o, n);
    return 0;
fail_tx:
    snprintf(err, errlen, "载入演示调解数据失败: %s", db_errmsg(db));
    db_rollback(db);
    ncases = nparties = 0;
    free_offices(o, n);
    return -1;
fail:
    snprintf(err, errlen, "载入演示调解数据失败: %s", db_errmsg(db));
    free_offices(o, n);
    return -1;
}
