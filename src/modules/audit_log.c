/* audit_log.c — reading the security audit log (issue 3 point 8).
 *
 *   GET /api/v1/audit?from=&to=&user=&action=&entity=&entity_id=&result=&after=&limit=
 *       → {"items":[…],"next":"ID"|null}, newest first, keyset paged by id.
 *   GET /api/v1/audit/verify
 *       → {"intact":bool,"rows_checked":N,"first_bad_id":ID|null}: the whole
 *         hash chain walked, as `sifasuo audit verify` does.
 *
 * from/to are dates (UTC, both inclusive); user is a user id or a username.
 * An auditor whose unit is not the root sees the rows of actors within their
 * subtree.  Each query is itself audited (审计管理员的操作也要留痕). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "http/http.h"
#include "modules/modules.h"
#include "util/timeutil.h"

#define AUDIT_MAX_LIMIT 200
#define AUDIT_DEFAULT_LIMIT 50

typedef struct param {
    const char *text; /* NULL → int */
    int64_t num;
} param_t;

/* The query is assembled from the constant fragments below, chosen by which
 * filters are present, so each combination is one cached statement whose
 * plan can use its index; request text only ever reaches bound parameters. */
typedef struct query {
    buf_t sql;
    param_t p[12];
    int n;
} query_t;

/* Appends frag, then the next placeholder bound to v. */
static void add_text(query_t *q, const char *frag, const char *v) {
    q->p[q->n++] = (param_t){v, 0};
    buf_puts(&q->sql, frag);
    buf_printf(&q->sql, "$%d", q->n);
}

static void add_int(query_t *q, const char *frag, int64_t v) {
    q->p[q->n++] = (param_t){NULL, v};
    buf_puts(&q->sql, frag);
    buf_printf(&q->sql, "$%d", q->n);
}

static bool all_digits(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

/* A date's first instant, or that of the day after (for an inclusive "to"). */
static const char *day_bound(http_req_t *r, const char *date, bool next_day) {
    int64_t t;
    if (!date_valid(date) || !unix_from_iso(date, &t)) return NULL;
    char *out = arena_alloc(r->arena, 21);
    iso_from_unix(t + (next_day ? 86400 : 0), out);
    return out;
}

/* The root's path is "/N/": its auditors also see rows with no org (sign-in
 * attempts for unknown names). */
static bool is_root_path(const char *path) {
    size_t n = path ? strlen(path) : 0;
    return n >= 3 && path[0] == '/' && strchr(path + 1, '/') == path + n - 1;
}

static void write_detail(jw_t *w, const char *detail) {
    if (!detail) {
        jw_null(w);
        return;
    }
    /* written as an object when it is one (audit_write checks it); anything
     * else — only a tampered row — goes out as a string */
    json_t *v = json_loads(detail, 0, NULL);
    if (json_is_object(v))
        jw_raw(w, detail);
    else
        jw_str(w, detail);
    json_decref(v);
}

static void write_filters_detail(buf_t *d, http_req_t *r) {
    static const char *const keys[] = {"from", "to", "user", "action", "entity", "entity_id", "result", "after", NULL};
    buf_putc(d, '{');
    bool first = true;
    for (int i = 0; keys[i]; i++) {
        const char *v = http_query(r, keys[i]);
        if (!v) continue;
        buf_printf(d, "%s\"%s\":", first ? "" : ",", keys[i]);
        json_escape(d, v, strlen(v));
        first = false;
    }
    buf_putc(d, '}');
}

static void list_audit(http_req_t *r) {
    const char *from = http_query(r, "from"), *to = http_query(r, "to"), *user = http_query(r, "user");
    const char *action = http_query(r, "action"), *entity = http_query(r, "entity"), *result = http_query(r, "result");
    const char *lim = http_query(r, "limit");
    int64_t entity_id = http_query_id(r, "entity_id"), after = http_query_id(r, "after");
    const char *from_at = from ? day_bound(r, from, false) : NULL, *to_at = to ? day_bound(r, to, true) : NULL;
    if ((from && !from_at) || (to && !to_at)) {
        http_error(r, 422, "validation_failed", "参数 from/to 必须是日期 YYYY-MM-DD");
        return;
    }
    if (entity_id == -2 || after == -2) {
        http_error(r, 422, "validation_failed", "参数 entity_id/after 必须是正整数");
        return;
    }
    int limit = AUDIT_DEFAULT_LIMIT;
    if (lim) {
        limit = all_digits(lim) && strlen(lim) <= 4 ? atoi(lim) : 0;
        if (limit < 1 || limit > AUDIT_MAX_LIMIT) {
            http_error(r, 422, "validation_failed", "参数 limit 必须在 1 到 200 之间");
            return;
        }
    }

    buf_t d = BUF_INIT;
    write_filters_detail(&d, r);
    int arc = auth_audit(r, "audit.query", "audit_log", 0, "ok", d.data);
    buf_free(&d);
    if (arc != 0) {
        http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
        return;
    }

    query_t q = {.sql = BUF_INIT};
    buf_puts(&q.sql, "SELECT a.id, a.at, a.user_id, a.username, a.org_id, a.ip, a.user_agent, a.action, a.entity, "
                     "a.entity_id, a.result, a.detail, a.hash FROM audit_log a WHERE a.id < $1");
    q.p[q.n++] = (param_t){NULL, after > 0 ? after : INT64_MAX};
    if (from_at) add_text(&q, " AND a.at >= ", from_at);
    if (to_at) add_text(&q, " AND a.at < ", to_at);
    if (user && all_digits(user) && strlen(user) <= 18)
        add_int(&q, " AND a.user_id = ", atoll(user));
    else if (user)
        add_text(&q, " AND a.username = ", user);
    if (action) add_text(&q, " AND a.action = ", action);
    if (entity) add_text(&q, " AND a.entity = ", entity);
    if (entity_id > 0) add_int(&q, " AND a.entity_id = ", entity_id);
    if (result) add_text(&q, " AND a.result = ", result);
    const char *own = scope_path(r);
    if (own && !is_root_path(own)) {
        char *hi = arena_alloc(r->arena, strlen(own) + 1);
        scope_upper(own, hi, strlen(own) + 1);
        add_text(&q, " AND EXISTS (SELECT 1 FROM org_units o WHERE o.id = a.org_id AND o.path >= ", own);
        add_text(&q, " AND o.path < ", hi);
        buf_putc(&q.sql, ')');
    }
    add_int(&q, " ORDER BY a.id DESC LIMIT ", limit + 1);

    db_stmt_t *s = db_prepare(r->db, q.sql.data);
    buf_free(&q.sql);
    if (!s) {
        http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
        return;
    }
    for (int i = 0; i < q.n; i++) {
        if (q.p[i].text)
            db_bind_text(s, i + 1, q.p[i].text, -1);
        else
            db_bind_int(s, i + 1, q.p[i].num);
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0, rc;
    int64_t last = 0;
    bool more = false;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == limit) {
            more = true;
            break;
        }
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "at", db_col_text(s, 1));
        static const char *const id_cols[] = {"user_id", "org_id", "entity_id"};
        static const int id_idx[] = {2, 4, 9};
        for (int i = 0; i < 3; i++) {
            jw_key(w, id_cols[i]);
            if (db_col_null(s, id_idx[i]))
                jw_null(w);
            else
                jw_int(w, db_col_int(s, id_idx[i]));
        }
        jw_kstr(w, "username", db_col_text(s, 3));
        jw_kstr(w, "ip", db_col_text(s, 5));
        jw_kstr(w, "user_agent", db_col_text(s, 6));
        jw_kstr(w, "action", db_col_text(s, 7));
        jw_kstr(w, "entity", db_col_text(s, 8));
        jw_kstr(w, "result", db_col_text(s, 10));
        jw_key(w, "detail");
        write_detail(w, db_col_text(s, 11));
        jw_kstr(w, "hash", db_col_text(s, 12));
        jw_obj_end(w);
        last = db_col_int(s, 0);
        n++;
    }
    db_reset(s);
    if (rc < 0) {
        http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
        return;
    }
    jw_arr_end(w);
    jw_key(w, "next");
    if (more) {
        char nx[24];
        snprintf(nx, sizeof(nx), "%lld", (long long)last);
        jw_str(w, nx);
    } else {
        jw_null(w);
    }
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* The chain check for the audit viewer; the check itself is audited after
 * it, so its answer is about the rows written before it was asked. */
static void verify_audit(http_req_t *r) {
    int64_t bad = 0, rows = 0;
    char err[256];
    db_read_end(r->db); /* the walk takes its own read snapshot */
    int rc = audit_verify(r->db, auth_keys(), &bad, &rows, err, sizeof(err));
    if (rc < 0) {
        http_error(r, 503, "store_unavailable", err);
        return;
    }
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"intact\":%s,\"rows_checked\":%lld}", rc == 0 ? "true" : "false", (long long)rows);
    if (auth_audit(r, "audit.verify", "audit_log", bad, "ok", detail) != 0) {
        http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
        return;
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kbool(w, "intact", rc == 0);
    jw_kint(w, "rows_checked", rows);
    jw_key(w, "first_bad_id");
    if (bad) jw_int(w, bad);
    else jw_null(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/audit", list_audit, .perm = "audit.read"},
    {"GET", "/api/v1/audit/verify", verify_audit, .perm = "audit.read"},
    {0},
};

void audit_register(void) { router_add(routes); }
