/* postgres.c — the scale-out store driver (PostgreSQL 15 via libpq).
 *
 * Statements are prepared once per connection under generated names and
 * cached by their SQL text, as in sqlite.c.  Parameters go as text (integers
 * formatted) except blobs (binary); results come back as text and are walked
 * row by row.  Instants are normalised on read to UTC ISO-8601
 * ("2026-11-28T12:00:00Z"), whatever the session time zone.
 *
 * Failover (issue 26, docs/operations.md "PostgreSQL 高可用集群"): the URL may
 * name several hosts with target_session_attrs=read-write, and PQreset then
 * finds the node that now takes writes.  A lost connection is noticed when a
 * call fails (PQstatus CONNECTION_BAD), or when the server answers that it is
 * read-only (a demoted primary, SQLSTATE 25006).  What happens then:
 *  - outside a transaction, a statement that cannot have changed anything
 *    (preparing, a SELECT, BEGIN) is retried once on a new connection;
 *  - anything else fails with DB_UNAVAILABLE and the next call reconnects
 *    (reconnect(): statements are re-prepared lazily, by generation);
 *  - a connection lost inside a transaction is never silently replaced:
 *    everything fails with DB_UNAVAILABLE until the caller rolls back, so a
 *    COMMIT can never report work that died with the old session;
 *  - a COMMIT sent whose answer was lost may have committed (on a
 *    synchronous standby that is then promoted): db.commit_unknown is set and
 *    the request answers 503 "结果未知" (http_store_error), never 2xx and
 *    never "not saved". */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/driver.h"
#include "util/buf.h"
#include "util/log.h"

#define TS_MAX 40 /* "YYYYY-MM-DDTHH:MM:SS.ffffffZ" and some */

/* type OIDs (server header catalog/pg_type_d.h is not for clients) */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184 };

typedef struct pg_stmt {
    db_stmt_t base;
    char name[24];  /* server-side prepared statement name */
    unsigned gen;   /* connection generation it was prepared in */
    PGresult *desc; /* parameter count, column names and types */
    /* parameters: bytes live in pdata, addressed by offset (pdata may move) */
    int nparams;
    size_t *poff;
    int *plen, *pfmt;
    bool *pset; /* false: NULL */
    const char **pval;
    buf_t pdata;
    /* result */
    PGresult *res;
    bool executed;
    int rc; /* result of the execution (DB_DONE or an error) */
    int row, nrows;
    int64_t changes;
    int ncols;
    unsigned char **blob; /* decoded bytea of the current row, per column */
    size_t *blob_len;
    char (*ts)[TS_MAX]; /* normalised instants of the current row, per column */
} pg_stmt_t;

typedef struct pg {
    db_t base;
    PGconn *conn;
    unsigned gen;     /* bumped by each successful PQreset */
    unsigned next_id; /* for statement names */
    bool tx_lost;     /* the connection died inside a transaction */
    bool read_only;   /* the server said it takes no writes: find the primary again */
    stmt_cache_t cache;
} pg_t;

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

/* Copies the first line of msg (no trailing blanks) into out. */
static void first_line(const char *msg, char *out, size_t n) {
    if (!msg) msg = "";
    size_t len = strcspn(msg, "\r\n");
    while (len && (msg[len - 1] == ' ' || msg[len - 1] == '\t'))
        len--;
    snprintf(out, n, "%.*s", (int)len, msg);
}

static void set_conn_err(pg_t *pg) {
    char line[400];
    first_line(PQerrorMessage(pg->conn), line, sizeof(line));
    db_set_err(&pg->base, "%s", *line ? line : "数据库连接已断开");
}

/* Maps a failed result (or NULL) to a DB_* code and records the message. */
static int map_error(pg_t *pg, const PGresult *res) {
    if (PQstatus(pg->conn) == CONNECTION_BAD) {
        set_conn_err(pg);
        if (pg->base.in_tx) pg->tx_lost = true;
        return DB_UNAVAILABLE;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (msg)
        db_set_err(&pg->base, "%s", msg);
    else
        set_conn_err(pg);
    if (!state) return DB_ERR;
    if (strcmp(state, "25006") == 0) { /* read_only_sql_transaction: we are on a standby */
        pg->read_only = true;
        if (pg->base.in_tx) pg->tx_lost = true; /* never carried on to a new connection */
        return DB_UNAVAILABLE;
    }
    if (strcmp(state, "23505") == 0) return DB_UNIQUE;
    if (strncmp(state, "23", 2) == 0) return DB_CONSTRAINT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0) return DB_BUSY;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) return DB_UNAVAILABLE;
    return DB_ERR;
}

static bool result_ok(const PGresult *res) {
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

/* NOTICEs (e.g. "already exists, skipping") are chatter; WARNINGs go to the log. */
static void on_notice(void *arg, const PGresult *res) {
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (sev && strcmp(sev, "WARNING") == 0) {
        char line[400];
        first_line(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), line, sizeof(line));
        log_warn("postgres: %s", line);
    }
}

/* Session settings every connection (and every reset one) runs with. */
static int session_setup(PGconn *conn) {
    PGresult *r = PQexec(conn, "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET client_encoding TO 'UTF8'");
    int ok = r && result_ok(r);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Makes sure the connection is usable: one PQreset when it has dropped or
 * landed on a standby, unless a transaction died with it.  The statement
 * cache is invalidated by generation: every cached statement is prepared
 * again on the new session at its next use.  0 or DB_UNAVAILABLE. */
static int ensure_conn(pg_t *pg) {
    if (pg->tx_lost) {
        db_set_err(&pg->base, "数据库连接在事务中断开, 事务已丢失, 须先回滚");
        return DB_UNAVAILABLE;
    }
    if (PQstatus(pg->conn) == CONNECTION_OK && !pg->read_only) return 0;
    PQreset(pg->conn);
    if (PQstatus(pg->conn) != CONNECTION_OK || session_setup(pg->conn) != 0) {
        set_conn_err(pg);
        return DB_UNAVAILABLE;
    }
    pg->gen++; /* server-side statements died with the old session */
    pg->read_only = false;
    log_warn("postgres: connection re-established");
    return 0;
}

/* After a call failed with rc: true when it may be sent once more on a new
 * connection — the connection was lost (or is read-only) outside a
 * transaction, the call could not have changed anything (idempotent), and
 * reconnecting worked. */
static bool retry_on_new_conn(pg_t *pg, int rc, bool idempotent) {
    if (rc != DB_UNAVAILABLE || !idempotent || pg->base.in_tx || pg->tx_lost) return false;
    if (PQstatus(pg->conn) == CONNECTION_OK && !pg->read_only) return false; /* the server refused it */
    return ensure_conn(pg) == 0;
}

/* A statement that begins with SELECT (so never a writing CTE): outside a
 * transaction, sending it twice changes nothing that matters — a row lock or
 * session advisory lock died with the old session, a sequence at most skips
 * a number. */
static bool is_read(const char *sql) {
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0;
}

/* Frees what the current row decoded. */
static void clear_row(pg_stmt_t *s) {
    if (!s->blob) return;
    for (int i = 0; i < s->ncols; i++) {
        if (s->blob[i]) PQfreemem(s->blob[i]);
        s->blob[i] = NULL;
    }
}

static void clear_result(pg_stmt_t *s) {
    clear_row(s);
    PQclear(s->res);
    s->res = NULL;
    s->executed = false;
    s->row = -1;
    s->nrows = 0;
}

static void clear_params(pg_stmt_t *s) {
    for (int i = 0; i < s->nparams; i++)
        s->pset[i] = false;
    buf_clear(&s->pdata);
}

static void stmt_free(pg_stmt_t *s) {
    clear_result(s);
    PQclear(s->desc);
    free(s->base.sql);
    free(s->poff);
    free(s->plen);
    free(s->pfmt);
    free(s->pset);
    free(s->pval);
    buf_free(&s->pdata);
    free(s->blob);
    free(s->blob_len);
    free(s->ts);
    free(s);
}

/* Prepares s->sql on the server under s->name; 0 or a DB_* error. */
static int server_prepare(pg_t *pg, pg_stmt_t *s) {
    PGresult *r = PQprepare(pg->conn, s->name, s->base.sql, 0, NULL);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = map_error(pg, r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    s->gen = pg->gen;
    return 0;
}

/* Sizes the per-column scratch for n columns. */
static void ensure_cols(pg_stmt_t *s, int n) {
    if (n <= s->ncols && s->blob) return;
    clear_row(s);
    free(s->blob);
    free(s->blob_len);
    free(s->ts);
    s->blob = xcalloc((size_t)n, sizeof(*s->blob));
    s->blob_len = xcalloc((size_t)n, sizeof(*s->blob_len));
    s->ts = xcalloc((size_t)n, sizeof(*s->ts));
    s->ncols = n;
}

/* Evicted from the cache: gone here and on the server. */
static void pg_drop(db_stmt_t *st) {
    pg_stmt_t *s = (pg_stmt_t *)st;
    pg_t *pg = (pg_t *)st->db;
    if (s->gen == pg->gen && PQstatus(pg->conn) == CONNECTION_OK) {
        char dealloc[48];
        snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", s->name);
        PQclear(PQexec(pg->conn, dealloc));
    }
    stmt_free(s);
}

static db_stmt_t *pg_prepare(db_t *db, const char *sql) {
    pg_t *pg = (pg_t *)db;
    uint64_t h = stmt_hash(sql);
    pg_stmt_t *found = (pg_stmt_t *)stmt_cache_find(&pg->cache, sql, h);
    if (found) {
        if (found->base.active) {
            clear_result(found);
            clear_params(found);
        }
        found->base.active = true;
        return &found->base;
    }
    if (ensure_conn(pg) != 0) return NULL;
    pg_stmt_t *s = xcalloc(1, sizeof(*s));
    s->base.db = db;
    s->base.sql = strdup(sql);
    if (!s->base.sql) abort();
    s->base.hash = h;
    s->row = -1;
    snprintf(s->name, sizeof(s->name), "sfs_%u", pg->next_id++);
    int rc = server_prepare(pg, s);
    if (rc != 0 && retry_on_new_conn(pg, rc, true)) rc = server_prepare(pg, s);
    if (rc != 0) {
        stmt_free(s);
        return NULL;
    }
    s->desc = PQdescribePrepared(pg->conn, s->name);
    if (!s->desc || PQresultStatus(s->desc) != PGRES_COMMAND_OK) {
        map_error(pg, s->desc);
        stmt_free(s);
        return NULL;
    }
    s->nparams = PQnparams(s->desc);
    size_t np = (size_t)s->nparams;
    s->poff = xcalloc(np, sizeof(*s->poff));
    s->plen = xcalloc(np, sizeof(*s->plen));
    s->pfmt = xcalloc(np, sizeof(*s->pfmt));
    s->pset = xcalloc(np, sizeof(*s->pset));
    s->pval = xcalloc(np, sizeof(*s->pval));
    ensure_cols(s, PQnfields(s->desc));
    s->base.active = true;
    stmt_cache_add(&pg->cache, &s->base, pg_drop);
    return &s->base;
}

#define PS(s) ((pg_stmt_t *)(s))
#define PG(s) ((pg_t *)(s)->db)

/* Stores len bytes for parameter idx (1-based) in format fmt (0 text, 1 binary). */
static int bind_bytes(db_stmt_t *st, int idx, const void *v, size_t len, int fmt) {
    pg_stmt_t *s = PS(st);
    if (idx < 1 || idx > s->nparams) {
        db_set_err(st->db, "参数序号 %d 超出范围 (语句有 %d 个参数)", idx, s->nparams);
        return DB_ERR;
    }
    if (len > INT32_MAX) {
        db_set_err(st->db, "参数 %d 过大", idx);
        return DB_ERR;
    }
    int i = idx - 1;
    s->poff[i] = s->pdata.len;
    s->plen[i] = (int)len;
    s->pfmt[i] = fmt;
    s->pset[i] = true;
    buf_add(&s->pdata, v, len); /* NUL-terminated: text parameters need it */
    buf_putc(&s->pdata, '\0');
    return DB_OK;
}

static int pg_bind_int(db_stmt_t *s, int idx, int64_t v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    return bind_bytes(s, idx, tmp, (size_t)n, 0);
}
static int pg_bind_text(db_stmt_t *s, int idx, const char *v, int len) {
    return bind_bytes(s, idx, v, len < 0 ? strlen(v) : (size_t)len, 0);
}
static int pg_bind_blob(db_stmt_t *s, int idx, const void *v, size_t len) {
    return bind_bytes(s, idx, len ? v : "", len, 1);
}
static int pg_bind_null(db_stmt_t *st, int idx) {
    pg_stmt_t *s = PS(st);
    if (idx < 1 || idx > s->nparams) {
        db_set_err(st->db, "参数序号 %d 超出范围 (语句有 %d 个参数)", idx, s->nparams);
        return DB_ERR;
    }
    s->pset[idx - 1] = false;
    return DB_OK;
}

/* Runs the statement with its bindings; stores the result. */
static int execute(pg_stmt_t *s) {
    pg_t *pg = PG(&s->base);
    s->executed = true;
    s->row = -1;
    s->nrows = 0;
    for (int i = 0; i < s->nparams; i++)
        s->pval[i] = s->pset[i] ? s->pdata.data + s->poff[i] : NULL;
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = ensure_conn(pg);
        if (rc == 0 && s->gen != pg->gen) rc = server_prepare(pg, s);
        if (rc == 0) {
            /* custom: the unnamed statement, planned with these values */
            s->res = s->base.custom_plan
                         ? PQexecParams(pg->conn, s->base.sql, s->nparams, NULL, s->pval, s->plen, s->pfmt, 0)
                         : PQexecPrepared(pg->conn, s->name, s->nparams, s->pval, s->plen, s->pfmt, 0);
            if (s->res && result_ok(s->res)) break;
            rc = map_error(pg, s->res);
            PQclear(s->res);
            s->res = NULL;
        }
        if (attempt > 0 || !retry_on_new_conn(pg, rc, is_read(s->base.sql))) return s->rc = rc;
    }
    if (PQresultStatus(s->res) == PGRES_TUPLES_OK) s->nrows = PQntuples(s->res);
    const char *n = PQcmdTuples(s->res);
    s->changes = *n ? strtoll(n, NULL, 10) : 0;
    if (PQnfields(s->res) > s->ncols) ensure_cols(s, PQnfields(s->res));
    return s->rc = DB_DONE;
}

static int pg_step(db_stmt_t *st) {
    pg_stmt_t *s = PS(st);
    if (!s->executed) {
        int rc = execute(s);
        if (rc != DB_DONE) return rc;
    }
    if (s->rc != DB_DONE) return s->rc;
    clear_row(s);
    if (s->row + 1 >= s->nrows) {
        s->row = s->nrows;
        return DB_DONE;
    }
    s->row++;
    return DB_ROW;
}

/* The result to read column metadata from: the executed one, else the description. */
static const PGresult *meta(pg_stmt_t *s) { return s->res ? s->res : s->desc; }

static bool on_row(pg_stmt_t *s, int col) {
    return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

static int pg_column_count(db_stmt_t *s) { return PQnfields(meta(PS(s))); }
static const char *pg_column_name(db_stmt_t *s, int col) { return PQfname(meta(PS(s)), col); }
static bool pg_col_null(db_stmt_t *st, int col) {
    pg_stmt_t *s = PS(st);
    return !on_row(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n digits; -1 when they are not there. */
static int64_t digits(const char **p, int n) {
    int64_t v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* Rewrites PostgreSQL's ISO output ("2026-11-28 20:00:00.25+08") as UTC
 * ISO-8601 ("2026-11-28T12:00:00.250Z"): milliseconds when the fraction has
 * at most three digits, else all six, so a value read back binds equal.
 * Returns false (leave the text as it is) for infinity, BC and anything else
 * unexpected. */
static bool normalise_instant(const char *in, char *out, size_t n) {
    const char *p = in;
    int64_t y = 0;
    int yd = 0;
    for (; *p >= '0' && *p <= '9' && yd < 7; p++, yd++)
        y = y * 10 + (*p - '0');
    if (yd < 4 || *p++ != '-') return false;
    int64_t mo = digits(&p, 2);
    if (mo < 1 || *p++ != '-') return false;
    int64_t d = digits(&p, 2);
    if (d < 1 || (*p != ' ' && *p != 'T')) return false;
    p++;
    int64_t hh = digits(&p, 2);
    if (hh < 0 || *p++ != ':') return false;
    int64_t mi = digits(&p, 2);
    if (mi < 0 || *p++ != ':') return false;
    int64_t ss = digits(&p, 2);
    if (ss < 0) return false;
    char frac[7] = "";
    int fd = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (fd < 6) frac[fd++] = *p;
        frac[fd] = '\0';
    }
    while (fd > 0 && frac[fd - 1] == '0')
        frac[--fd] = '\0';
    int64_t off = 0; /* seconds east of UTC */
    if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int64_t part[3] = {0, 0, 0}; /* hours, minutes, seconds */
        for (int i = 0; i < 3; i++) {
            if (i > 0 && *p++ != ':') break;
            if ((part[i] = digits(&p, 2)) < 0) return false;
            if (*p != ':') break;
        }
        off = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    }
    if (*p) return false; /* " BC" or something unknown */
    int64_t secs = days_from_civil(y, (int)mo, (int)d) * 86400 + hh * 3600 + mi * 60 + ss - off;
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) rem += 86400, days--;
    int m, dd;
    civil_from_days(days, &y, &m, &dd);
    if (y < 1) return false;
    if (y > 9999 || n < sizeof("YYYY-MM-DDTHH:MM:SS.ffffffZ")) { /* rare: the general way */
        int w = snprintf(out, n, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, dd, (int)(rem / 3600),
                         (int)(rem / 60 % 60), (int)(rem % 60));
        if (w < 0 || (size_t)w >= n) return false;
        if (fd) w += snprintf(out + w, n - (size_t)w, ".%s%s", frac, fd < 3 ? (fd == 1 ? "00" : "0") : "");
        snprintf(out + w, n - (size_t)w, "Z");
        return true;
    }
    /* digit by digit: snprintf was ~3 K instructions an instant (two a
     * record, three a list row: a quarter of a 20-row list's instructions
     * on PostgreSQL, 645 K a list) */
    int v[6] = {(int)y, m, dd, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60)};
    char *o = out;
    *o++ = (char)('0' + v[0] / 1000), *o++ = (char)('0' + v[0] / 100 % 10);
    *o++ = (char)('0' + v[0] / 10 % 10), *o++ = (char)('0' + v[0] % 10);
    for (int i = 1; i < 6; i++) {
        *o++ = "--T::"[i - 1];
        *o++ = (char)('0' + v[i] / 10), *o++ = (char)('0' + v[i] % 10);
    }
    if (fd) { /* milliseconds when at most three digits, else all six */
        *o++ = '.';
        for (int i = 0; i < (fd <= 3 ? 3 : fd); i++)
            *o++ = i < fd ? frac[i] : '0';
    }
    *o++ = 'Z';
    *o = '\0';
    return true;
}

static const char *pg_col_text(db_stmt_t *st, int col) {
    pg_stmt_t *s = PS(st);
    if (!on_row(s, col) || PQgetisnull(s->res, s->row, col)) return NULL;
    const char *v = PQgetvalue(s->res, s->row, col);
    Oid t = PQftype(s->res, col);
    if ((t == OID_TIMESTAMPTZ || t == OID_TIMESTAMP) && normalise_instant(v, s->ts[col], TS_MAX)) return s->ts[col];
    return v;
}

static int64_t pg_col_int(db_stmt_t *st, int col) {
    pg_stmt_t *s = PS(st);
    if (!on_row(s, col) || PQgetisnull(s->res, s->row, col)) return 0;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) == OID_BOOL) return *v == 't';
    return strtoll(v, NULL, 10);
}

static const void *pg_col_blob(db_stmt_t *st, int col, size_t *len) {
    pg_stmt_t *s = PS(st);
    *len = 0;
    if (!on_row(s, col) || PQgetisnull(s->res, s->row, col)) return NULL;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) != OID_BYTEA) {
        *len = (size_t)PQgetlength(s->res, s->row, col);
        return v;
    }
    if (!s->blob[col]) {
        s->blob[col] = PQunescapeBytea((const unsigned char *)v, &s->blob_len[col]);
        if (!s->blob[col]) abort(); /* only fails on out of memory */
    }
    *len = s->blob_len[col];
    return s->blob[col];
}

static int pg_col_len(db_stmt_t *st, int col) {
    pg_stmt_t *s = PS(st);
    if (!on_row(s, col) || PQgetisnull(s->res, s->row, col)) return 0;
    Oid t = PQftype(s->res, col);
    if (t == OID_BYTEA) {
        size_t n;
        pg_col_blob(st, col, &n);
        return (int)n;
    }
    if (t == OID_TIMESTAMPTZ || t == OID_TIMESTAMP) return (int)strlen(pg_col_text(st, col));
    return PQgetlength(s->res, s->row, col);
}

static void pg_reset(db_stmt_t *st) {
    pg_stmt_t *s = PS(st);
    clear_result(s);
    clear_params(s);
    s->base.active = false;
}

static int64_t pg_changes(db_stmt_t *s) { return PS(s)->changes; }

static int pg_exec(db_t *db, const char *sql) {
    pg_t *pg = (pg_t *)db;
    bool commit = strcasecmp(sql, "COMMIT") == 0;
    if (pg->tx_lost && strcasecmp(sql, "ROLLBACK") == 0) {
        pg->tx_lost = false; /* the server rolled it back when the session died */
        return 0;
    }
    int rc = ensure_conn(pg);
    if (rc != 0) return rc;
    /* db_commit's ROLLBACK after a failed COMMIT: nothing is open any more */
    if (PQtransactionStatus(pg->conn) == PQTRANS_IDLE && strcasecmp(sql, "ROLLBACK") == 0) return 0;
    PGresult *r = PQexec(pg->conn, sql);
    if ((!r || !result_ok(r)) && retry_on_new_conn(pg, map_error(pg, r), strcasecmp(sql, "BEGIN") == 0)) {
        PQclear(r);
        r = PQexec(pg->conn, sql);
    }
    if (!r || !result_ok(r)) {
        rc = map_error(pg, r);
        PQclear(r);
        /* sent, and the answer lost with the connection: it may have committed */
        if (commit && rc == DB_UNAVAILABLE && PQstatus(pg->conn) == CONNECTION_BAD) db->commit_unknown = true;
        return rc;
    }
    /* COMMIT of a transaction that had failed "succeeds" as ROLLBACK */
    if (commit && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
        db_set_err(db, "事务中有语句失败, 提交已改为回滚");
        rc = DB_ERR;
    }
    PQclear(r);
    return rc;
}

static bool pg_ping(db_t *db) {
    db_stmt_t *s = pg_prepare(db, "SELECT 1");
    if (!s) return false;
    bool ok = pg_step(s) == DB_ROW;
    pg_reset(s);
    return ok;
}

static void pg_close(db_t *db) {
    pg_t *pg = (pg_t *)db;
    for (size_t i = 0; i < pg->cache.cap; i++) /* the server drops them with the session */
        if (pg->cache.slot[i]) stmt_free((pg_stmt_t *)pg->cache.slot[i]);
    free(pg->cache.slot);
    PQfinish(pg->conn);
    free(pg);
}

static const db_ops_t pg_ops = {
    .close = pg_close,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .col_null = pg_col_null,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_len = pg_col_len,
    .col_blob = pg_col_blob,
    .reset = pg_reset,
    .changes = pg_changes,
    .exec = pg_exec,
    .ping = pg_ping,
};

int postgres_driver_open(const char *url, db_t **out, char *err, size_t errlen) {
    *out = NULL;
    /* Keywords before dbname are defaults the URL may override; those after it win. */
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"5", "sifasuo", url, "UTF8", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) abort(); /* only on out of memory */
    char red[512], line[400];
    if (PQstatus(conn) != CONNECTION_OK || session_setup(conn) != 0) {
        db_redact_url(url, red, sizeof(red));
        first_line(PQerrorMessage(conn), line, sizeof(line));
        snprintf(err, errlen, "无法连接数据库 %s: %s", red, *line ? line : "未知原因");
        PQfinish(conn);
        return -1;
    }
    PQsetNoticeReceiver(conn, on_notice, NULL);
    pg_t *pg = xcalloc(1, sizeof(*pg));
    pg->base.ops = &pg_ops;
    pg->base.kind = DB_POSTGRES;
    pg->conn = conn;
    *out = &pg->base;
    return 0;
}
