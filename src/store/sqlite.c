/* sqlite.c — the embedded store driver (SQLite 3.40).
 *
 * Settings from DESIGN.md: WAL, synchronous=FULL, foreign_keys, secure_delete,
 * a busy timeout (our own handler, lite_busy); statements are prepared once
 * per connection and cached by their SQL text. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/driver.h"
#include "store/fts_scope.h"

typedef struct lite_stmt {
    db_stmt_t base;
    sqlite3_stmt *st;
} lite_stmt_t;

typedef struct lite {
    db_t base;
    sqlite3 *h;
    int64_t busy_since; /* ms (CLOCK_MONOTONIC) the current wait for a lock began */
    stmt_cache_t cache;
    int64_t budget, spent; /* db_set_budget: VM instructions allowed, run */
} lite_t;

/* How long a statement waits for another connection's lock before it fails
 * with DB_BUSY (which the API answers with 503 store_unavailable): 5 s, or
 * SIFASUO_SQLITE_BUSY_MS (1–60000; tests shorten it to show a writer kept
 * waiting without waiting as long). */
static int busy_timeout_ms = 5000;

/* SIFASUO_EXPLAIN_LOG=FILE: every SELECT, when first prepared, appends its
 * SQL and its EXPLAIN QUERY PLAN to FILE (tests/api/test_plans.py checks
 * that each list shape gets the plan the engine means it to).  Off: NULL. */
static const char *explain_log;

static int64_t monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The busy handler: tries again every 1–2 ms until busy_timeout_ms have
 * passed since the wait began (tries == 0).  SQLite's own handler
 * (sqlite3_busy_timeout) sleeps 1, 2, 5, … and then 100 ms between tries, so
 * a waiter slept through the short gaps another writer left between its
 * transactions — the standards recomputation's, 10 ms (standards.c) — and
 * failed after 5 s: 503 (docs/reliability.md finding 6).  A try is one
 * failed lock call: microseconds. */
static int lite_busy(void *arg, int tries) {
    lite_t *l = arg;
    int64_t now = monotonic_ms();
    if (tries == 0) l->busy_since = now;
    if (now - l->busy_since >= busy_timeout_ms || tries >= busy_timeout_ms) return 0;
    struct timespec pause = {0, tries == 0 ? 1000000 : 2000000};
    nanosleep(&pause, NULL);
    return 1;
}

static int map_rc(lite_t *l, int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK:
        return DB_OK;
    case SQLITE_ROW:
        return DB_ROW;
    case SQLITE_DONE:
        return DB_DONE;
    case SQLITE_CONSTRAINT: /* extended codes are on (sqlite_driver_open) */
        db_set_err(&l->base, "%s", sqlite3_errmsg(l->h));
        return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? DB_UNIQUE : DB_CONSTRAINT;
    case SQLITE_INTERRUPT:
        if (l->budget) return DB_OVER_BUDGET;
        db_set_err(&l->base, "%s", sqlite3_errmsg(l->h));
        return DB_ERR;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        db_set_err(&l->base, "%s", sqlite3_errmsg(l->h));
        return DB_BUSY;
    default:
        db_set_err(&l->base, "%s", sqlite3_errmsg(l->h));
        return DB_ERR;
    }
}

/* $N → ?N outside string literals and quoted identifiers, so one SQL text
 * serves both engines and parameter N is exactly N on SQLite too. */
static char *rewrite_placeholders(const char *sql) {
    size_t n = strlen(sql);
    char *out = malloc(n + 1);
    if (!out) abort();
    char quote = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && i + 1 < n && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            c = '?';
        }
        out[j++] = c;
    }
    out[j] = '\0';
    return out;
}

/* Appends "SQL: <sql>" and one indented line per plan step of rw to
 * explain_log, in one write (several workers append to the same file). */
static void explain_to_log(sqlite3 *h, const char *sql, const char *rw) {
    if (strncmp(sql, "SELECT", 6) != 0 && strncmp(sql, "WITH", 4) != 0) return;
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", rw);
    sqlite3_stmt *st = NULL;
    if (!q || sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(q);
        return;
    }
    sqlite3_free(q);
    sqlite3_str *out = sqlite3_str_new(h);
    sqlite3_str_appendf(out, "SQL: %s\n", sql);
    while (sqlite3_step(st) == SQLITE_ROW)
        sqlite3_str_appendf(out, "  %d %d %s\n", sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
                            (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    char *text = sqlite3_str_finish(out);
    FILE *f = text ? fopen(explain_log, "a") : NULL;
    if (f) {
        setvbuf(f, NULL, _IOFBF, strlen(text) + 1);
        fputs(text, f);
        fclose(f);
    }
    sqlite3_free(text);
}

static void lite_drop(db_stmt_t *st) {
    lite_stmt_t *s = (lite_stmt_t *)st;
    sqlite3_finalize(s->st);
    free(s->base.sql);
    free(s);
}

static db_stmt_t *lite_prepare(db_t *db, const char *sql) {
    lite_t *l = (lite_t *)db;
    uint64_t h = stmt_hash(sql);
    lite_stmt_t *s = (lite_stmt_t *)stmt_cache_find(&l->cache, sql, h);
    if (s) {
        if (s->base.active) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
        }
        s->base.active = true;
        return &s->base;
    }
    char *rw = rewrite_placeholders(sql);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(l->h, rw, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc == SQLITE_OK && explain_log) explain_to_log(l->h, sql, rw);
    free(rw);
    if (rc != SQLITE_OK) {
        db_set_err(db, "%s", sqlite3_errmsg(l->h));
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->base.db = db;
    s->st = st;
    s->base.sql = strdup(sql);
    if (!s->base.sql) abort();
    s->base.hash = h;
    s->base.active = true;
    stmt_cache_add(&l->cache, &s->base, lite_drop);
    return &s->base;
}

#define ST(s) (((lite_stmt_t *)(s))->st)
#define LT(s) ((lite_t *)(s)->db)

static int lite_bind_int(db_stmt_t *s, int idx, int64_t v) { return map_rc(LT(s), sqlite3_bind_int64(ST(s), idx, v)); }
static int lite_bind_text(db_stmt_t *s, int idx, const char *v, int len) {
    return map_rc(LT(s), sqlite3_bind_text(ST(s), idx, v, len, SQLITE_TRANSIENT));
}
static int lite_bind_blob(db_stmt_t *s, int idx, const void *v, size_t len) {
    return map_rc(LT(s), sqlite3_bind_blob64(ST(s), idx, v, len, SQLITE_TRANSIENT));
}
static int lite_bind_null(db_stmt_t *s, int idx) { return map_rc(LT(s), sqlite3_bind_null(ST(s), idx)); }
static int lite_step(db_stmt_t *s) { return map_rc(LT(s), sqlite3_step(ST(s))); }
static int lite_column_count(db_stmt_t *s) { return sqlite3_column_count(ST(s)); }
static const char *lite_column_name(db_stmt_t *s, int col) { return sqlite3_column_name(ST(s), col); }
static bool lite_col_null(db_stmt_t *s, int col) { return sqlite3_column_type(ST(s), col) == SQLITE_NULL; }
static int64_t lite_col_int(db_stmt_t *s, int col) { return sqlite3_column_int64(ST(s), col); }
static const char *lite_col_text(db_stmt_t *s, int col) { return (const char *)sqlite3_column_text(ST(s), col); }
static int lite_col_len(db_stmt_t *s, int col) { return sqlite3_column_bytes(ST(s), col); }
static const void *lite_col_blob(db_stmt_t *s, int col, size_t *len) {
    const void *p = sqlite3_column_blob(ST(s), col);
    *len = (size_t)sqlite3_column_bytes(ST(s), col);
    return p;
}
static void lite_reset(db_stmt_t *s) {
    sqlite3_reset(ST(s));
    sqlite3_clear_bindings(ST(s));
    s->active = false;
}
static int64_t lite_changes(db_stmt_t *s) { return sqlite3_changes64(LT(s)->h); }

static int lite_exec(db_t *db, const char *sql) {
    lite_t *l = (lite_t *)db;
    if (strcmp(sql, "BEGIN") == 0 || strcmp(sql, "BEGIN IMMEDIATE") == 0 || strcmp(sql, "COMMIT") == 0 ||
        strcmp(sql, "ROLLBACK") == 0) {
        /* BEGIN, COMMIT, ROLLBACK: from the statement cache, parsed once
         * (sqlite3_exec parsed each: 12 k of a case by id's 149 k
         * instructions went to its read transaction's two) */
        db_stmt_t *s = lite_prepare(db, sql);
        if (!s) return DB_ERR;
        int rc = lite_step(s);
        lite_reset(s);
        return rc == DB_DONE || rc == DB_ROW ? 0 : rc < 0 ? rc : DB_ERR;
    }
    char *msg = NULL;
    int rc = sqlite3_exec(l->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        db_set_err(db, "%s", msg ? msg : sqlite3_errmsg(l->h));
        sqlite3_free(msg);
        int m = map_rc(l, rc);
        if (msg) db_set_err(db, "%s", sqlite3_errmsg(l->h));
        return m < 0 ? m : DB_ERR;
    }
    return 0;
}

/* Reads the file header through SQLite's own file handle (opening and
 * closing a second descriptor would drop SQLite's POSIX locks), then a
 * query: a database overwritten under a cached schema still fails here. */
static bool lite_ping(db_t *db) {
    sqlite3_file *f = NULL;
    char head[16];
    if (sqlite3_file_control(((lite_t *)db)->h, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->xRead(f, head, sizeof head, 0) != SQLITE_OK ||
        memcmp(head, "SQLite format 3", 16) != 0)
        return false;
    db_stmt_t *s = lite_prepare(db, "SELECT 1");
    if (!s) return false;
    bool ok = lite_step(s) == DB_ROW;
    lite_reset(s);
    return ok;
}

static void lite_close(db_t *db) {
    lite_t *l = (lite_t *)db;
    stmt_cache_free(&l->cache, lite_drop);
    sqlite3_close_v2(l->h);
    free(l);
}

/* The progress handler of a budget: called every 1000 VM instructions. */
static int lite_progress(void *arg) {
    lite_t *l = arg;
    l->spent += 1000;
    return l->spent > l->budget;
}

static void lite_budget(db_t *db, int64_t steps) {
    lite_t *l = (lite_t *)db;
    l->budget = steps;
    l->spent = 0;
    sqlite3_progress_handler(l->h, steps ? 1000 : 0, steps ? lite_progress : NULL, l);
}

static int64_t lite_budget_spent(db_t *db) { return ((lite_t *)db)->spent; }

static const db_ops_t lite_ops = {
    .close = lite_close,
    .prepare = lite_prepare,
    .bind_int = lite_bind_int,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .step = lite_step,
    .column_count = lite_column_count,
    .column_name = lite_column_name,
    .col_null = lite_col_null,
    .col_int = lite_col_int,
    .col_text = lite_col_text,
    .col_len = lite_col_len,
    .col_blob = lite_col_blob,
    .reset = lite_reset,
    .changes = lite_changes,
    .exec = lite_exec,
    .ping = lite_ping,
    .budget = lite_budget,
    .budget_spent = lite_budget_spent,
};

static void lite_global_init(void) {
    /* allocation statistics take a process-wide mutex on every malloc: off */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    const char *ms = getenv("SIFASUO_SQLITE_BUSY_MS");
    if (ms && atoi(ms) >= 1 && atoi(ms) <= 60000) busy_timeout_ms = atoi(ms);
    const char *el = getenv("SIFASUO_EXPLAIN_LOG");
    explain_log = el && *el ? el : NULL;
}

int sqlite_driver_open(const char *path, db_t **out, char *err, size_t errlen) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, lite_global_init);
    *out = NULL;
    if (!*path) {
        snprintf(err, errlen, "无法打开数据库 sqlite:%s: 路径为空", path);
        return -1;
    }
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "无法打开数据库 sqlite:%s: %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close_v2(h);
        return -1;
    }
    chmod(path, 0600); /* holds personal information */
    lite_t *l = calloc(1, sizeof(*l));
    if (!l) abort();
    l->base.ops = &lite_ops;
    l->base.kind = DB_SQLITE;
    l->h = h;
    sqlite3_busy_handler(h, lite_busy, l);
    sqlite3_extended_result_codes(h, 1);
    static const char *pragmas = "PRAGMA journal_mode=WAL;"
                                 "PRAGMA synchronous=FULL;"
                                 "PRAGMA foreign_keys=ON;"
                                 "PRAGMA secure_delete=ON;"
                                 "PRAGMA temp_store=MEMORY;"
                                 "PRAGMA cache_size=-16000;";
    char *msg = NULL;
    if (sqlite3_exec(h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "无法打开数据库 sqlite:%s: %s", path, msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        lite_close(&l->base);
        return -1;
    }
    if (fts_scope_register(h) != SQLITE_OK) {
        snprintf(err, errlen, "无法打开数据库 sqlite:%s: 全文检索分词器注册失败: %s", path, sqlite3_errmsg(h));
        lite_close(&l->base);
        return -1;
    }
    *out = &l->base;
    return 0;
}
