/* db.c — the store interface: dispatch to the driver chosen by the URL. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/driver.h"

void db_set_err(db_t *db, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->err, sizeof(db->err), fmt, ap);
    va_end(ap);
}

void db_redact_url(const char *url, char *out, size_t n) {
    /* scheme://user:password@host → scheme://user:***@host */
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = NULL;
    if (at) {
        for (const char *p = scheme + 3; p < at; p++)
            if (*p == ':') {
                colon = p;
                break;
            }
    }
    if (colon) snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
    else snprintf(out, n, "%s", url);
    /* a password=… key in the query string */
    char *pw = strstr(out, "password=");
    if (pw) {
        char *end = strchr(pw, '&');
        char rest[512] = "";
        if (end) snprintf(rest, sizeof(rest), "%s", end);
        size_t off = (size_t)(pw - out) + 9;
        if (off < n) snprintf(pw + 9, n - off, "***%s", rest);
    }
}

int db_open(const char *url, db_t **out, char *err, size_t errlen) {
    *out = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) return sqlite_driver_open(url + 7, out, err, errlen);
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return postgres_driver_open(url, out, err, errlen);
    char red[512];
    db_redact_url(url, red, sizeof(red));
    snprintf(err, errlen, "无法打开数据库 %s: 不支持的地址 (应为 sqlite:路径 或 postgresql://…)", red);
    return -1;
}

void db_close(db_t *db) {
    if (db) db->ops->close(db);
}
db_kind_t db_kind(const db_t *db) { return db->kind; }
const char *db_errmsg(db_t *db) { return db->err; }
db_stmt_t *db_prepare(db_t *db, const char *sql) { return db->ops->prepare(db, sql); }
db_stmt_t *db_prepare_custom(db_t *db, const char *sql) {
    db_stmt_t *s = db->ops->prepare(db, sql);
    if (s) s->custom_plan = true;
    return s;
}
int db_bind_int(db_stmt_t *s, int idx, int64_t v) { return s->db->ops->bind_int(s, idx, v); }
int db_bind_text(db_stmt_t *s, int idx, const char *v, int len) {
    if (!v) return s->db->ops->bind_null(s, idx);
    return s->db->ops->bind_text(s, idx, v, len < 0 ? (int)strlen(v) : len);
}
int db_bind_blob(db_stmt_t *s, int idx, const void *v, size_t len) { return s->db->ops->bind_blob(s, idx, v, len); }
int db_bind_null(db_stmt_t *s, int idx) { return s->db->ops->bind_null(s, idx); }
int db_step(db_stmt_t *s) { return s->db->ops->step(s); }
int db_column_count(db_stmt_t *s) { return s->db->ops->column_count(s); }
const char *db_column_name(db_stmt_t *s, int col) { return s->db->ops->column_name(s, col); }
bool db_col_null(db_stmt_t *s, int col) { return s->db->ops->col_null(s, col); }
int64_t db_col_int(db_stmt_t *s, int col) { return s->db->ops->col_int(s, col); }
const char *db_col_text(db_stmt_t *s, int col) { return s->db->ops->col_text(s, col); }
int db_col_len(db_stmt_t *s, int col) { return s->db->ops->col_len(s, col); }
const void *db_col_blob(db_stmt_t *s, int col, size_t *len) { return s->db->ops->col_blob(s, col, len); }
void db_reset(db_stmt_t *s) { s->db->ops->reset(s); }
int64_t db_changes(db_stmt_t *s) { return s->db->ops->changes(s); }
int db_exec(db_t *db, const char *sql) { return db->ops->exec(db, sql); }
bool db_ping(db_t *db) { return db->ops->ping(db); }
bool db_in_tx(db_t *db) { return db->in_tx; }

/* A read snapshot for a whole GET (SQLite only: one read transaction is
 * cheaper than one per statement; PostgreSQL would pay two round trips). */
int db_read_begin(db_t *db) {
    if (db->kind != DB_SQLITE || db->in_tx || db->in_read) return 0;
    int rc = db_exec(db, "BEGIN");
    if (rc == 0) db->in_read = true;
    return rc;
}

void db_read_end(db_t *db) {
    if (!db->in_read) return;
    db->in_read = false;
    db_exec(db, "COMMIT");
}

bool db_commit_unknown(const db_t *db) { return db->commit_unknown; }

int db_begin(db_t *db) {
    db_read_end(db); /* a write takes its own fresh transaction, never an upgraded read */
    db->commit_unknown = false;
    int rc = db_exec(db, db->kind == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
    if (rc == 0) db->in_tx = true;
    return rc;
}

int db_commit(db_t *db) {
    int rc = db_exec(db, "COMMIT");
    if (rc != 0) {
        db_exec(db, "ROLLBACK");
    }
    db->in_tx = false;
    return rc;
}

int db_rollback(db_t *db) {
    if (!db->in_tx) return 0;
    int rc = db_exec(db, "ROLLBACK");
    db->in_tx = false;
    return rc;
}

int64_t db_query_int(db_t *db, const char *sql, int64_t dflt) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return dflt;
    int64_t v = dflt;
    if (db_step(s) == DB_ROW && !db_col_null(s, 0)) v = db_col_int(s, 0);
    db_reset(s);
    return v;
}
