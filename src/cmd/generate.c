/* generate.c — `sifasuo generate <kind> --count N [--batch N] [--bulk]`:
 * scale data for load and capacity tests (issue 9 point 2), on top of
 * `init --demo [--scale nation]`, on both stores.
 *
 * The kinds are declared where their data lives (engine/generate.h): an
 * entity's .generate, or a module's registration for data that is no
 * engine entity; this file names none.  A generator prepares (loads what rows
 * refer to, finds where earlier runs stopped) and inserts item i inside the
 * open transaction through the code path the application uses.  The loop
 * here does the rest: batches of --batch items per transaction, progress
 * and rate on stderr, the bulk index drop and rebuild of an entity kind,
 * statistics, one audit row per run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/audit.h"
#include "cmd/cli.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "store/db.h"
#include "util/crypto.h"
#include "util/log.h"

/* From this many items on, a run drops the entity's derived indexes first
 * and builds them once at the end: one sort per index instead of 10^7
 * inserts into scattered pages (and the same for the search index and the
 * list counts).  Below it, the indexes are kept up row by row. */
#define GEN_REBUILD_MIN 100000

static long long now_ms(void) { return time_mono_us() / 1000; }

static void progress(const engine_gen_kind_t *gen, int64_t done, int64_t count, long long t0, bool last) {
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

static void print_kind(const engine_gen_kind_t *k, void *arg) {
    (void)arg;
    fprintf(stderr, "  %-18s %s (每批默认 %lld 条%s)\n", k->kind, k->label, (long long)k->gen->batch,
            k->entity ? ", 可 --bulk" : "");
}

static void usage(void) {
    fprintf(stderr, "用法: sifasuo generate <种类> --count N [--batch 每个事务的条数] [--bulk]\n"
                    "  --bulk: 先删除列表索引、全文索引与计数, 装载后一次重建 (%d 条起自动如此; 请先停止服务)\n"
                    "可生成的种类:\n",
            GEN_REBUILD_MIN);
    engine_generator_each(print_kind, NULL);
}

int cmd_generate(cli_opts_t *o) {
    engine_gen_kind_t kind;
    if (o->argc < 1) {
        usage();
        return 2;
    }
    if (!engine_generator_find(o->argv[0], &kind)) {
        fprintf(stderr, "没有可生成的种类 \"%s\"\n", o->argv[0]);
        usage();
        return 2;
    }
    const engine_generator_t *gen = kind.gen;
    int64_t count = 0, batch = gen->batch;
    bool bulk = false;
    if (parse_counts(o, &count, &batch, &bulk) != 0) {
        usage();
        return 2;
    }
    if (bulk && !kind.entity) fprintf(stderr, "%s没有可重建的列表索引: 忽略 --bulk\n", kind.label);
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
    const entity_t *rebuild = kind.entity && (bulk || count >= GEN_REBUILD_MIN) ? kind.entity : NULL;
    engine_gen_t g = {.db = db, .keys = &keys, .count = count, .batch = batch, .bulk = rebuild != NULL};
    int rc = 1;
    if (gen->prepare(&g, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (rebuild) {
        fprintf(stderr, "批量装载: 先删除%s的列表索引、全文索引与计数, 装载后一次重建 (中途停止时, 下次启动服务会重建)\n",
                kind.label);
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
            progress(&kind, done, count, t0, done == count);
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
     * list of 10^7 rows took 0.5 s instead of 1 ms.  A sample per table: seconds. */
    if (db_kind(db) != DB_SQLITE) {
        long long t1 = now_ms();
        fprintf(stderr, "更新统计信息…\n");
        if (db_exec(db, "ANALYZE") != 0) goto store;
        fprintf(stderr, "统计信息已更新 (用时 %.1f 秒)\n", (double)(now_ms() - t1) / 1000.0);
    }
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"count\":%lld,\"first\":%lld}", kind.kind, (long long)count,
             (long long)g.start);
    audit_event_t ev = {.action = "data.generate",
                        .entity = kind.kind,
                        .result = "ok",
                        .detail_json = detail,
                        .username = "cli:generate",
                        .ip = "local"};
    if (audit_write(db, &keys, &ev) != 0) goto store;
    printf("已生成%s %lld 条 (用时 %.1f 秒)\n", kind.label, (long long)count, (double)(now_ms() - t0) / 1000.0);
    rc = 0;
    goto out;
store_tx:
    db_rollback(db);
store:
    fprintf(stderr, "\n生成失败 (当前事务已回滚, 此前各批已提交): %s\n", db_errmsg(db));
out:
    if (gen->done) gen->done(&g);
    engine_gen_release(&g);
    db_close(db);
    keys_wipe(&keys);
    return rc;
}
