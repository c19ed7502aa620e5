/* mediation_generate.c — `sifasuo generate mediation-cases --count N
 * [--bulk]`: scale data for the people's mediation line (issue 9 point 2),
 * declared as the cases entity's .generate (mediation.c; the driver is
 * cmd/generate.c, which names no line).
 *
 * 人民调解案件, valid records of every state.  Item i is case number
 * GEN-<i+1, 10 digits> (generated cases are told apart by that prefix; the numbers run 1, 2, 3, … across runs, so a run
 * finds its first number by a binary search over exact case_no lookups on
 * the case_no index: ~30 lookups, in any collation), owned by office
 * i mod offices, registered on a day of the six years to 2026-11-30; the
 * state, result and dates follow the proportions of the demo year (three
 * cases in a hundred rejected, the last six weeks still open, the rest
 * settled, visited and archived).  No parties: personal information lives
 * in the person registry, and a case needs none to be listed, shown,
 * searched or counted.  Rows go in as multi-row INSERTs of GEN_CASE_ROWS
 * rows with bound parameters (one round trip per 250 rows on PostgreSQL);
 * the engine's FTS5 triggers (SQLite) and trigram indexes (PostgreSQL)
 * index them as they arrive, so generated cases are searchable like any. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/generate.h"
#include "modules/modules.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define GEN_CASE_END 1795996800 /* 2026-11-30T00:00:00Z, the demo's last day */
#define GEN_CASE_DAYS 2191      /* six years of registrations */
/* rows per INSERT: 6 250 parameters (libpq 15 refuses a parameter
 * description over 30 000 bytes, i.e. 7 500 parameters) */
#define GEN_CASE_ROWS 250
#define GEN_CASE_COLS 25

typedef struct case_row {
    int64_t org_id, amount, major;
    const char *state, *title, *summary, *source, *category, *reject_reason, *agreement_form, *agreement_content,
        *level, *referral, *failure_reason, *visit_note;
    char path[GEN_PATH_MAX], created[21], received[11], case_no[32], due[11], accepted[11], perform[11], closed[11],
        visited[11];
} case_row_t;

/* The rows waiting for the next multi-row INSERT (engine_gen_t.own). */
typedef struct case_rows {
    int n;
    case_row_t row[GEN_CASE_ROWS];
} case_rows_t;

static case_rows_t *rows_of(engine_gen_t *g) { return g->own; }

typedef struct weighted {
    const char *code;
    int weight; /* per thousand */
} weighted_t;

/* The code whose share of 1000 holds x (x < 1000). */
static const char *pick(const weighted_t *w, unsigned x) {
    for (const weighted_t *p = w; p->code; p++)
        if ((int)x < p->weight) return p->code;
        else x -= (unsigned)p->weight;
    return w->code;
}

static const weighted_t gen_categories[] = {
    {"neighborhood", 220}, {"property_management", 120}, {"damages", 100}, {"marriage_family", 90},
    {"other", 85}, {"contract", 80}, {"labor", 80}, {"traffic_accident", 70}, {"housing_homestead", 60},
    {"medical", 30}, {"production_business", 20}, {"environment", 15}, {"land_expropriation", 10},
    {"village_affairs", 15}, {"forest_land", 5}, {NULL, 0},
};
static const weighted_t gen_sources[] = {
    {"party_application", 450}, {"proactive", 250}, {"court_referral", 120},
    {"police_referral", 80}, {"hotline_12345", 70}, {"agency_transfer", 30}, {NULL, 0},
};
static const weighted_t gen_levels[] = {{"village", 740}, {"township", 230}, {"district", 30}, {NULL, 0}};
static const weighted_t gen_referrals[] = {
    {"litigation", 600}, {"arbitration", 150}, {"administrative", 150}, {"other", 100}, {NULL, 0},
};
/* one title per category and variant, in the order of gen_categories */
static const char *const gen_titles[][3] = {
    {"楼上漏水纠纷", "噪声扰民纠纷", "占用公共通道纠纷"},
    {"物业费缴纳纠纷", "停车位管理纠纷", "电梯维修费用分摊纠纷"},
    {"宠物伤人赔偿纠纷", "装修损坏赔偿纠纷", "人身损害赔偿纠纷"},
    {"赡养费纠纷", "离婚财产分割纠纷", "继承房产纠纷"},
    {"消费纠纷", "借款纠纷", "其他民间纠纷"},
    {"房屋租赁押金纠纷", "装修合同纠纷", "买卖合同纠纷"},
    {"拖欠工资纠纷", "工伤待遇纠纷", "解除劳动合同补偿纠纷"},
    {"非机动车碰撞赔偿纠纷", "机动车事故赔偿纠纷", "停车剐蹭赔偿纠纷"},
    {"宅基地界址纠纷", "房屋买卖过户纠纷", "公房承租权纠纷"},
    {"诊疗损害赔偿纠纷", "医疗费用纠纷", "美容服务纠纷"},
    {"货款结算纠纷", "合伙经营纠纷", "承包经营纠纷"},
    {"油烟污染纠纷", "施工噪声纠纷", "污水排放纠纷"},
    {"动迁补偿安置纠纷", "征收面积认定纠纷", "过渡费纠纷"},
    {"集体收益分配纠纷", "村务公开纠纷", "土地承包纠纷"},
    {"林地承包纠纷", "土地流转纠纷", "农田灌溉纠纷"},
};
static const char *const gen_summaries[] = {"双方多次协商未果, 申请人请求调解委员会依法调处。",
                                            "矛盾已持续数月, 双方情绪较为激动, 请求尽快调处。",
                                            "双方对责任和赔偿数额存在争议, 同意由调解委员会主持调解。"};

static void case_no_of(int64_t i, char out[32]) { snprintf(out, 32, "GEN-%010lld", (long long)(i + 1)); }

/* Whether generated case i (0-based) exists, deleted or not. */
static int case_exists(db_t *db, int64_t i) {
    db_stmt_t *s = db_prepare(db, "SELECT 1 FROM mediation_case WHERE case_no = $1");
    if (!s) return -1;
    char no[32];
    case_no_of(i, no);
    db_bind_text(s, 1, no, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int cases_prepare(engine_gen_t *g, char *err, size_t errlen) {
    /* earlier runs made cases 0 … start-1 (committed batches are a prefix):
     * find the first missing number, doubling then halving */
    int64_t lo = 0, hi = 1; /* cases 0 … lo-1 exist; case hi-1 does not, once found */
    int e;
    while ((e = case_exists(g->db, hi - 1)) == 1) lo = hi, hi *= 2;
    while (e >= 0 && hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((e = case_exists(g->db, mid - 1)) == 1) lo = mid;
        else if (e == 0) hi = mid;
    }
    if (e < 0) {
        snprintf(err, errlen, "%s", db_errmsg(g->db));
        return -1;
    }
    g->start = lo;
    /* SQLite: the index pages of a large table want 1 GiB of cache while
     * loading; and no fsync per commit (WAL still keeps every commit atomic
     * and in order, so a crash loses at most the last batches, and a rerun
     * continues after the ones that survived); the bulk rebuild's
     * CREATE INDEX sorts with helper threads */
    if (db_kind(g->db) == DB_SQLITE &&
        db_exec(g->db, "PRAGMA cache_size=-1048576; PRAGMA synchronous=NORMAL; PRAGMA threads=4") != 0) {
        snprintf(err, errlen, "%s", db_errmsg(g->db));
        return -1;
    }
    g->own = calloc(1, sizeof(case_rows_t));
    if (!g->own) abort();
    return engine_gen_offices(g, err, errlen);
}

/* yyyy-mm-dd of the day `back` days before GEN_CASE_END. */
static void day_before_end(int64_t back, char out[11]) {
    char iso[21];
    iso_from_unix(GEN_CASE_END - back * 86400, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

static int cases_flush(engine_gen_t *g);

static int cases_one(engine_gen_t *g, int64_t i) {
    uint64_t r = engine_gen_mix((uint64_t)i), r2 = engine_gen_mix((uint64_t)i ^ 0x5EEDCA5EULL);
    case_row_t *c = &rows_of(g)->row[rows_of(g)->n++];
    memset(c, 0, sizeof(*c));
    int office = (int)(i % g->noffices);
    /* a run registers its cases in date order over the six years: the date
     * indexes (a third of the table's 63) then grow at their ends instead of
     * at random pages, which is what keeps 10^7 rows loadable */
    int64_t k = i - g->start, n = g->count > 0 ? g->count : 1;
    int64_t age = GEN_CASE_DAYS - 1 - (int64_t)((double)k * GEN_CASE_DAYS / (double)n); /* days before the last day */
    if (age < 0) age = 0;
    c->org_id = g->offices[office];
    memcpy(c->path, g->path[office], sizeof(c->path));
    case_no_of(i, c->case_no);
    day_before_end(age, c->received);
    memcpy(c->created, c->received, 10); /* that day at 09:00 in Shanghai */
    memcpy(c->created + 10, "T01:00:00Z", sizeof("T01:00:00Z"));
    unsigned cat = 0;
    for (unsigned x = (unsigned)((r >> 16) % 1000); gen_categories[cat].code && x >= (unsigned)gen_categories[cat].weight;)
        x -= (unsigned)gen_categories[cat++].weight;
    if (!gen_categories[cat].code) cat = 0;
    c->category = gen_categories[cat].code;
    c->title = gen_titles[cat][(r >> 26) % 3];
    c->source = pick(gen_sources, (unsigned)((r >> 28) % 1000));
    c->summary = gen_summaries[(r >> 38) % 3];
    c->amount = (r2 % 10) < 4 ? 0 : (int64_t)(500 + (r2 >> 8) % 1000) * (int64_t)(1 + (r2 >> 20) % 60) * 100;
    c->major = (r2 >> 30) % 1000 < 30;
    /* the outcome: old cases are finished; the last six weeks are open */
    unsigned x = (unsigned)((r >> 44) % 1000);
    bool closed = false, accepted = true, visited = false;
    if (x < 30) c->state = "rejected", c->reject_reason = "已向人民法院起诉, 不属于人民调解受理范围", accepted = false;
    else if (age < 3) c->state = "registered", accepted = false;
    else if (age < 10) c->state = x % 3 ? "mediating" : "accepted";
    else if (age < 42 && x % 4 == 0) c->state = "mediating";
    else {
        bool ok = x < 950 || (c->major && x < 975);
        c->level = c->major ? ((r2 >> 40) % 2 ? "district" : "township") : pick(gen_levels, (unsigned)((r2 >> 40) % 1000));
        if (ok) {
            c->agreement_form = (r2 >> 50) % 10 < 7 ? "written" : "oral";
            c->agreement_content = "双方自愿达成协议, 一方于约定期限内向另一方支付补偿款并赔礼道歉";
        } else {
            c->referral = pick(gen_referrals, (unsigned)((r2 >> 50) % 1000));
            c->failure_reason = "双方分歧较大, 未能达成协议";
        }
        c->state = age < 20 ? (ok ? "succeeded" : "failed") : age < 60 ? "visited" : "archived";
        closed = true;
        visited = age >= 20;
    }
    int64_t took = 3 + (int64_t)((r2 >> 56) % 25);
    if (accepted) day_before_end(age - 1, c->accepted);
    if (accepted && !closed) day_before_end(age - 31, c->due); /* 30 days from acceptance */
    if (closed) day_before_end(age - took, c->closed);
    if (c->agreement_form) day_before_end(age - took - 30, c->perform);
    if (visited) {
        day_before_end(age - took - 10, c->visited);
        c->visit_note = "协议履行情况良好, 当事人表示满意";
    }
    return rows_of(g)->n == GEN_CASE_ROWS ? cases_flush(g) : 0;
}

/* "INSERT … VALUES ($1, …, $25), ($26, …), …" for n rows. */
static void cases_sql(buf_t *b, int n) {
    buf_puts(b, "INSERT INTO mediation_case (org_id, org_path, created_at, updated_at, wf_state, wf_version, state_since, "
                "due_at, case_no, title, received_on, source, category, summary, amount, major, accepted_on, "
                "reject_reason, agreement_form, agreement_content, performance_deadline, resolved_level, referral, "
                "failure_reason, closed_on, visit_note, visited_on) VALUES ");
    for (int r = 0, p = 1; r < n; r++, p += GEN_CASE_COLS)
        buf_printf(b,
                   "%s($%d, $%d, $%d, $%d, $%d, 1, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, "
                   "$%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
                   r ? ", " : "", p, p + 1, p + 2, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8, p + 9, p + 10,
                   p + 11, p + 12, p + 13, p + 14, p + 15, p + 16, p + 17, p + 18, p + 19, p + 20, p + 21, p + 22, p + 23,
                   p + 24);
}

/* Binds an empty buffer as NULL. */
static void bind_opt(db_stmt_t *s, int idx, const char *v) { db_bind_text(s, idx, v && *v ? v : NULL, -1); }

/* Writes the buffered rows: one prepared statement per row count (the
 * full one is reused batch after batch; a shorter last one once). */
static int cases_flush(engine_gen_t *g) {
    if (!rows_of(g)->n) return 0;
    buf_t sql = BUF_INIT;
    cases_sql(&sql, rows_of(g)->n);
    db_stmt_t *s = db_prepare(g->db, sql.data);
    buf_free(&sql);
    if (!s) return -1;
    for (int r = 0; r < rows_of(g)->n; r++) {
        const case_row_t *c = &rows_of(g)->row[r];
        int p = 1 + r * GEN_CASE_COLS;
        db_bind_int(s, p, c->org_id);
        db_bind_text(s, p + 1, c->path, -1);
        db_bind_text(s, p + 2, c->created, -1);
        db_bind_text(s, p + 3, c->state, -1);
        db_bind_text(s, p + 4, c->received, -1);
        bind_opt(s, p + 5, c->due);
        db_bind_text(s, p + 6, c->case_no, -1);
        db_bind_text(s, p + 7, c->title, -1);
        db_bind_text(s, p + 8, c->received, -1);
        db_bind_text(s, p + 9, c->source, -1);
        db_bind_text(s, p + 10, c->category, -1);
        db_bind_text(s, p + 11, c->summary, -1);
        db_bind_int(s, p + 12, c->amount);
        db_bind_int(s, p + 13, c->major);
        bind_opt(s, p + 14, c->accepted);
        bind_opt(s, p + 15, c->reject_reason);
        bind_opt(s, p + 16, c->agreement_form);
        bind_opt(s, p + 17, c->agreement_content);
        bind_opt(s, p + 18, c->perform);
        bind_opt(s, p + 19, c->level);
        bind_opt(s, p + 20, c->referral);
        bind_opt(s, p + 21, c->failure_reason);
        bind_opt(s, p + 22, c->closed);
        bind_opt(s, p + 23, c->visit_note);
        bind_opt(s, p + 24, c->visited);
    }
    int rc = db_step(s);
    db_reset(s);
    rows_of(g)->n = 0;
    return rc == DB_DONE ? 0 : -1;
}

static void cases_done(engine_gen_t *g) {
    free(g->own);
    g->own = NULL;
}

/* cases: a commit rewrites every index page the batch touched, so fewer,
 * larger ones than the default */
const engine_generator_t mediation_case_generator = {
    .batch = 50000,
    .prepare = cases_prepare,
    .one = cases_one,
    .flush = cases_flush,
    .done = cases_done,
};
