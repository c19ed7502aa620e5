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
#include "store/db.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

#define GEN_MAX_OFFICES 65536

typedef struct gen {
    db_t *db;
    const keys_t *keys;
    int64_t start; /* number of items earlier runs made: this run's first index */
    int noffices;
    int64_t *offices;
    char (*region)[7]; /* each office's district code (GB/T 2260) */
} gen_t;

typedef struct generator {
    const char *kind, *label;
    int (*prepare)(gen_t *g, char *err, size_t errlen);
    int (*one)(gen_t *g, int64_t i); /* 0, or -1 (db_errmsg tells why) */
} generator_t;

/* splitmix64 of i: the same item gets the same values on every run. */
static uint64_t mix(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Every office with its district's code, the owners of generated rows. */
static int load_offices(gen_t *g, char *err, size_t errlen) {
    db_stmt_t *s = db_prepare(g->db, "SELECT o.id, d.code FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                                     "WHERE o.level = 'office' ORDER BY o.id");
    if (!s) {
        snprintf(err, errlen, "%s", db_errmsg(g->db));
        return -1;
    }
    g->offices = malloc(sizeof(*g->offices) * GEN_MAX_OFFICES);
    g->region = malloc(sizeof(*g->region) * GEN_MAX_OFFICES);
    if (!g->offices || !g->region) abort();
    while (db_step(s) == DB_ROW && g->noffices < GEN_MAX_OFFICES) {
        const char *c = db_col_text(s, 1);
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

static const generator_t generators[] = {
    {"persons", "人员", persons_prepare, persons_one},
    /* {"mediation-cases", "人民调解案件", cases_prepare, cases_one}, — see docs/operations.md "规模数据" */
    {NULL, NULL, NULL, NULL},
};

static long long now_ms(void) { return time_mono_us() / 1000; }

static void progress(const generator_t *gen, int64_t done, int64_t count, long long t0, bool last) {
    long long ms = now_ms() - t0;
    double rate = ms > 0 ? (double)done * 1000.0 / (double)ms : 0;
    fprintf(stderr, "%s生成%s: %lld/%lld (%d%%) 用时 %.1f 秒, 每秒 %.0f 条%s", isatty(2) ? "\r" : "", gen->label,
            (long long)done, (long long)count, count ? (int)(100 * done / count) : 100, (double)ms / 1000.0, rate,
            isatty(2) && !last ? "" : "\n");
}

/* Parses --count N and --batch N from the command's own arguments. */
static int parse_counts(cli_opts_t *o, int64_t *count, int64_t *batch) {
    for (int i = 1; i < o->argc; i++) {
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
    int64_t count = 0, batch = 5000;
    if (!gen || parse_counts(o, &count, &batch) != 0) {
        fprintf(stderr, "用法: sifasuo generate <种类> --count N [--batch 每个事务的条数, 默认 5000]\n种类:");
        for (const generator_t *g = generators; g->kind; g++)
            fprintf(stderr, " %s (%s)", g->kind, g->label);
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
    gen_t g = {.db = db, .keys = &keys};
    int rc = 1;
    if (gen->prepare(&g, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    long long t0 = now_ms(), shown = t0;
    for (int64_t done = 0; done < count;) {
        int64_t n = count - done < batch ? count - done : batch;
        if (db_begin(db) != 0) goto store;
        for (int64_t k = 0; k < n; k++)
            if (gen->one(&g, g.start + done + k) != 0) goto store_tx;
        if (db_commit(db) != 0) goto store;
        done += n;
        if (now_ms() - shown >= 1000 || done == count) {
            progress(gen, done, count, t0, done == count);
            shown = now_ms();
        }
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
    db_close(db);
    keys_wipe(&keys);
    return rc;
}
