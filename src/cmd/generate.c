/* generate.c — `sifasuo generate <kind> --count N [--batch N]`: scale data
 * for load and capacity tests (issue 9 point 2), on top of
 * `init --demo [--scale nation]`, on both stores.
 *
 * A generator is one row of the table at the bottom: a prepare function
 * (load what rows refer to, e.g. the offices) and a function that inserts
 * item i inside the open transaction, through the same code path the
 * application uses (persons: person_insert — encrypted, blind-indexed).
 * The loop here does the rest: batches of --batch items per transaction,
 * progress and rate on stderr, one audit row per run.  Items are numbered
 * across runs (a second run continues after the first), so generated keys
 * stay unique.  Adding mediation cases is one more row and two functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/audit.h"
#include "cmd/cli.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "store/db.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

#define GEN_MAX_OFFICES 65536
#define GEN_PATH_MAX 64

typedef struct gen {
    db_t *db;
    const keys_t *keys;
    int64_t start; /* number of items earlier runs made: this run's first index */
    int64_t count; /* items this run makes */
    int noffices;
    int64_t *offices;
    char (*region)[7]; /* each office's district code (GB/T 2260) */
    char (*path)[GEN_PATH_MAX]; /* each office's org path (/1/22/38/) */
    struct case_row *rows; /* mediation cases: rows waiting for the next multi-row INSERT */
    int nrows;
} gen_t;

typedef struct generator {
    const char *kind, *label;
    int (*prepare)(gen_t *g, char *err, size_t errlen);
    int (*one)(gen_t *g, int64_t i); /* 0, or -1 (db_errmsg tells why) */
    int (*flush)(gen_t *g);          /* NULL, or writes what one() buffered; before each commit */
    int64_t batch;                   /* default items per transaction */
    const char *entity;              /* an engine entity: a large run rebuilds its indexes (engine_unindex) */
} generator_t;

/* From this many items on, a run drops the entity's derived indexes first
 * and builds them once at the end: one sort per index instead of 10^7
 * inserts into scattered pages (and the same for the search index and the
 * list counts).  Below it, the indexes are kept up row by row. */
#define GEN_REBUILD_MIN 100000

/* splitmix64 of i: the same item gets the same values on every run. */
static uint64_t mix(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Every office with its district's code, the owners of generated rows. */
static int load_offices(gen_t *g, char *err, size_t errlen) {
    db_stmt_t *s = db_prepare(g->db, "SELECT o.id, d.code, o.path FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                                     "WHERE o.level = 'office' ORDER BY o.id");
    if (!s) {
        snprintf(err, errlen, "%s", db_errmsg(g->db));
        return -1;
    }
    g->offices = malloc(sizeof(*g->offices) * GEN_MAX_OFFICES);
    g->region = malloc(sizeof(*g->region) * GEN_MAX_OFFICES);
    g->path = malloc(sizeof(*g->path) * GEN_MAX_OFFICES);
    if (!g->offices || !g->region || !g->path) abort();
    while (db_step(s) == DB_ROW && g->noffices < GEN_MAX_OFFICES) {
        const char *c = db_col_text(s, 1);
        const char *path = db_col_text(s, 2);
        if (!path || strlen(path) >= GEN_PATH_MAX) {
            db_reset(s);
            snprintf(err, errlen, "机构路径过长: %s", path ? path : "");
            return -1;
        }
        snprintf(g->path[g->noffices], GEN_PATH_MAX, "%s", path);
        g->offices[g->noffices] = db_col_int(s, 0);
        snprintf(g->region[g->noffices], 7, "%.6s", c && strlen(c) >= 6 && c[0] >= '1' && c[0] <= '6' ? c : "310101");
        g->noffices++;
    }
    db_reset(s);
    if (!g->noffices) {
        snprintf(err, errlen, "没有司法所: 请先运行 sifasuo init --demo [--scale nation]");
        return -1;
    }
    return 0;
}

/* ---- persons: 人员 with valid, unique, fictitious ID numbers ----
 * Generated people are born 1900-01-01 … 1949-12-31 (demo residents are
 * born 1950 or later, so the two never collide): item i is born on day
 * i / 1000 of that range with sequence number i % 1000 — unique for the
 * first 18 million — in the district of office i mod offices. */
#define GEN_PERSON_DAYS 18262 /* days from 1900-01-01 to 1949-12-31 */

static int persons_prepare(gen_t *g, char *err, size_t errlen) {
    g->start = db_query_int(g->db, "SELECT COUNT(*) FROM persons WHERE birth_date < '1950-01-01'", 0);
    return load_offices(g, err, errlen);
}

static int persons_one(gen_t *g, int64_t i) {
    static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                           "徐", "孙", "朱", "马", "胡", "郭", "林", "何", "高", "欧阳"};
    static const char *const given[] = {"伟", "芳",   "娜",   "敏",   "静",   "丽",   "强",   "磊",
                                        "军", "洋",   "勇",   "艳",   "杰",   "娟",   "涛",   "明",
                                        "超", "秀英", "桂英", "建华", "志强", "晓东", "海燕", "文斌"};
    static const char *const roads[] = {"浦东南路", "世纪大道", "南京东路", "淮海中路",
                                        "四川北路", "长寿路",   "虹桥路",   "中山北路"};
    if (i / 1000 >= GEN_PERSON_DAYS) {
        fprintf(stderr, "\n生成的人员最多 %d 万 (出生日期已用完)\n", GEN_PERSON_DAYS / 10);
        return -1;
    }
    uint64_t r = mix((uint64_t)i);
    int office = (int)(i % g->noffices);
    char day[21], id[19], name[32], phone[12], addr[96];
    iso_from_unix(-2208988800LL + (i / 1000) * 86400LL, day); /* 1900-01-01 + i/1000 days */
    snprintf(id, sizeof(id), "%s%.4s%.2s%.2s%03d", g->region[office], day, day + 5, day + 8, (int)(i % 1000));
    idcard_complete(id);
    snprintf(name, sizeof(name), "%s%s", surnames[r % 20], given[(r >> 8) % 24]);
    snprintf(phone, sizeof(phone), "1%d%09d", 3 + (int)((r >> 16) % 7), (int)((r >> 24) % 1000000000));
    snprintf(addr, sizeof(addr), "上海市%s%d弄%d号", roads[(r >> 56) % 8], 1 + (int)((r >> 40) % 999),
             1 + (int)((r >> 50) % 60));
    return person_insert(g->db, g->keys, g->offices[office], name, id, phone, addr, 0) > 0 ? 0 : -1;
}

/* ---- mediation cases: 人民调解案件, valid records of every state ----
 * Item i is case number GEN-<i+1, 10 digits> (generated cases are told
 * apart by that prefix; the numbers run 1, 2, 3, … across runs, so a run
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

static int cases_prepare(gen_t *g, char *err, size_t errlen) {
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
    g->rows = calloc(GEN_CASE_ROWS, sizeof(*g->rows));
    if (!g->rows) abort();
    return load_offices(g, err, errlen);
}

/* yyyy-mm-dd of the day `back` days before GEN_CASE_END. */
static void day_before_end(int64_t back, char out[11]) {
    char iso[21];
    iso_from_unix(GEN_CASE_END - back * 86400, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

static int cases_flush(gen_t *g);

static int cases_one(gen_t *g, int64_t i) {
    uint64_t r = mix((uint64_t)i), r2 = mix((uint64_t)i ^ 0x5EEDCA5EULL);
    case_row_t *c = &g->rows[g->nrows++];
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
    snprintf(c->created, sizeof(c->created), "%sT01:00:00Z", c->received); /* 09:00 in Shanghai */
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
    return g->nrows == GEN_CASE_ROWS ? cases_flush(g) : 0;
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
static int cases_flush(gen_t *g) {
    if (!g->nrows) return 0;
    buf_t sql = BUF_INIT;
    cases_sql(&sql, g->nrows);
    db_stmt_t *s = db_prepare(g->db, sql.data);
    buf_free(&sql);
    if (!s) return -1;
    for (int r = 0; r < g->nrows; r++) {
        const case_row_t *c = &g->rows[r];
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
    g->nrows = 0;
    return rc == DB_DONE ? 0 : -1;
}

static const generator_t generators[] = {
    {"persons", "人员", persons_prepare, persons_one, NULL, 5000, NULL},
    /* cases: a commit rewrites every index page the batch touched, so fewer, larger ones */
    {"mediation-cases", "人民调解案件", cases_prepare, cases_one, cases_flush, 50000, "mediation-cases"},
    {NULL, NULL, NULL, NULL, NULL, 0, NULL},
};

static long long now_ms(void) { return time_mono_us() / 1000; }

static void progress(const generator_t *gen, int64_t done, int64_t count, long long t0, bool last) {
    long long ms = now_ms() - t0;
    double rate = ms > 0 ? (double)done * 1000.0 / (double)ms : 0;
    fprintf(stderr, "%s生成%s: %lld/%lld (%d%%) 用时 %.1f 秒, 每秒 %.0f 条%s", isatty(2) ? "\r" : "", gen->label,
            (long long)done, (long long)count, count ? (int)(100 * done / count) : 100, (double)ms / 1000.0, rate,
            isatty(2) && !last ? "" : "\n");
}

/* engine_build_indexes's progress: "重建索引 12/50 …", with the time so far. */
static void index_progress(int i, int n, const char *name, void *arg) {
    long long ms = now_ms() - *(long long *)arg;
    if (name)
        fprintf(stderr, "重建索引 %d/%d (%d%%) 用时 %.1f 秒: %s\n", i + 1, n, n ? 100 * i / n : 100, (double)ms / 1000.0,
                name);
    else
        fprintf(stderr, "列表索引已建 %d 个 (用时 %.1f 秒); 重建全文索引与计数…\n", n, (double)ms / 1000.0);
}

/* Parses --count N, --batch N and --bulk from the command's own arguments. */
static int parse_counts(cli_opts_t *o, int64_t *count, int64_t *batch, bool *bulk) {
    for (int i = 1; i < o->argc; i++) {
        if (strcmp(o->argv[i], "--bulk") == 0) {
            *bulk = true;
            continue;
        }
        int64_t *dst = strcmp(o->argv[i], "--count") == 0 ? count : strcmp(o->argv[i], "--batch") == 0 ? batch : NULL;
        char *end = NULL;
        long long v = dst && i + 1 < o->argc ? strtoll(o->argv[++i], &end, 10) : 0;
        if (!dst || !end || *end || v < 1 || v > 100000000) {
            fprintf(stderr, "参数无效: %s\n", o->argv[i]);
            return 2;
        }
        *dst = v;
    }
    return *count > 0 ? 0 : 2;
}

int cmd_generate(cli_opts_t *o) {
    const generator_t *gen = NULL;
    for (const generator_t *g = generators; o->argc > 0 && g->kind; g++)
        if (strcmp(o->argv[0], g->kind) == 0) gen = g;
    int64_t count = 0, batch = gen ? gen->batch : 0;
    bool bulk = false;
    if (!gen || parse_counts(o, &count, &batch, &bulk) != 0) {
        fprintf(stderr, "用法: sifasuo generate <种类> --count N [--batch 每个事务的条数] [--bulk]\n"
                        "  --bulk: 先删除列表索引、全文索引与计数, 装载后一次重建 (%d 条起自动如此; 请先停止服务)\n种类:",
                GEN_REBUILD_MIN);
        for (const generator_t *g = generators; g->kind; g++)
            fprintf(stderr, " %s (%s, 每批默认 %lld 条)", g->kind, g->label, (long long)g->batch);
        fprintf(stderr, "\n");
        return 2;
    }
    keys_t keys;
    char err[640];
    if (keys_load_or_create(o->key_file, &keys, false, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    db_t *db = cli_open_store(o);
    if (!db) {
        keys_wipe(&keys);
        return 2;
    }
    gen_t g = {.db = db, .keys = &keys, .count = count};
    int rc = 1;
    if (gen->prepare(&g, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    const entity_t *rebuild = gen->entity && (bulk || count >= GEN_REBUILD_MIN) ? entity_find(gen->entity) : NULL;
    if (rebuild) {
        fprintf(stderr, "批量装载: 先删除%s的列表索引、全文索引与计数, 装载后一次重建 (中途停止时, 下次启动服务会重建)\n",
                gen->label);
        if (engine_unindex(db, rebuild, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
    }
    long long t0 = now_ms(), shown = t0;
    for (int64_t done = 0; done < count;) {
        int64_t n = count - done < batch ? count - done : batch;
        if (db_begin(db) != 0) goto store;
        for (int64_t k = 0; k < n; k++)
            if (gen->one(&g, g.start + done + k) != 0) goto store_tx;
        if (gen->flush && gen->flush(&g) != 0) goto store_tx;
        if (db_commit(db) != 0) goto store;
        done += n;
        if (now_ms() - shown >= 1000 || done == count) {
            progress(gen, done, count, t0, done == count);
            shown = now_ms();
        }
    }
    if (rebuild) {
        long long t1 = now_ms();
        fprintf(stderr, "重建索引…\n");
        /* PostgreSQL sorts each index in this much memory instead of on disk */
        if (db_kind(db) != DB_SQLITE && db_exec(db, "SET maintenance_work_mem = '1GB'") != 0) goto store;
        if (engine_build_indexes(db, rebuild, index_progress, &t1, err, sizeof(err)) != 0 ||
            engine_migrate(db, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
        fprintf(stderr, "索引已重建 (用时 %.1f 秒)\n", (double)(now_ms() - t1) / 1000.0);
    }
    /* PostgreSQL plans by its statistics, which autovacuum would refresh
     * only some minutes later (and not while the load holds the table):
     * until then the planner takes the new rows for none, and a district's
     * case list took 0.5 s instead of 1 ms.  A sample per table: seconds. */
    if (db_kind(db) != DB_SQLITE) {
        long long t1 = now_ms();
        fprintf(stderr, "更新统计信息…\n");
        if (db_exec(db, "ANALYZE") != 0) goto store;
        fprintf(stderr, "统计信息已更新 (用时 %.1f 秒)\n", (double)(now_ms() - t1) / 1000.0);
    }
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"count\":%lld,\"first\":%lld}", gen->kind, (long long)count,
             (long long)g.start);
    audit_event_t ev = {.action = "data.generate",
                        .entity = gen->kind,
                        .result = "ok",
                        .detail_json = detail,
                        .username = "cli:generate",
                        .ip = "local"};
    if (audit_write(db, &keys, &ev) != 0) goto store;
    printf("已生成%s %lld 条 (用时 %.1f 秒)\n", gen->label, (long long)count, (double)(now_ms() - t0) / 1000.0);
    rc = 0;
    goto out;
store_tx:
    db_rollback(db);
store:
    fprintf(stderr, "\n生成失败 (当前事务已回滚, 此前各批已提交): %s\n", db_errmsg(db));
out:
    free(g.offices);
    free(g.region);
    free(g.path);
    free(g.rows);
    db_close(db);
    keys_wipe(&keys);
    return rc;
}
