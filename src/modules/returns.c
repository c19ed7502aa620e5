/* returns.c — the counting helpers of the lines' returns (returns.h). */
#include "modules/returns.h"

#include <stdio.h>
#include <stdlib.h>

#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/workflow.h"

bool returns_period(http_req_t *r, bool months, returns_period_t *p) {
    const char *y = http_query(r, "year"), *m = months ? http_query(r, "month") : NULL, *org = http_query(r, "org_id");
    char today[11];
    wf_today(today);
    p->year = y ? atoi(y) : atoi(today);
    p->month = m && *m ? atoi(m) : 0;
    if (p->year < 2000 || p->year > 2999) return http_invalid(r, "year", "年度应为 2000 到 2999 之间的年份"), false;
    if (m && *m && (p->month < 1 || p->month > 12)) return http_invalid(r, "month", "月份应为 1 到 12"), false;
    const char *path = scope_path(r);
    if (org && *org) {
        const char *u = scope_unit_path(r, atoll(org));
        if (!u || !scope_covers(r, u)) return http_invalid(r, "org_id", "所属机构不存在或不在您的管辖范围内"), false;
        path = u;
    }
    p->lo = path ? path : "/";
    scope_upper(p->lo, p->hi, sizeof(p->hi));
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int mo = p->month, leap = (p->year % 4 == 0 && p->year % 100 != 0) || p->year % 400 == 0;
    snprintf(p->from, sizeof(p->from), "%04d-%02d-01", p->year, mo ? mo : 1);
    snprintf(p->to, sizeof(p->to), "%04d-%02d-%02d", p->year, mo ? mo : 12,
             mo ? mdays[mo - 1] + (mo == 2 && leap) : 31);
    return true;
}

db_stmt_t *returns_statement(http_req_t *r, const char *sql, const char *lo, const char *hi, const char *from,
                             const char *to) {
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return NULL;
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, from, -1);
    db_bind_text(s, 4, to, -1);
    return s;
}

int returns_grouped(http_req_t *r, jw_t *w, const char *name, const char *list, const char *sql, const char *lo,
                    const char *hi, const char *from, const char *to) {
    db_stmt_t *s = returns_statement(r, sql, lo, hi, from, to);
    if (!s) return -1;
    jw_key(w, name);
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *code = db_col_null(s, 0) ? NULL : db_col_text(s, 0);
        const char *label = code ? code_label(r->db, list, code) : NULL;
        jw_obj(w);
        jw_kstr(w, "code", code);
        jw_kstr(w, "label", label ? label : code ? code : "未填写");
        jw_kint(w, "count", db_col_int(s, 1));
        jw_obj_end(w);
    }
    db_reset(s);
    jw_arr_end(w);
    return rc == DB_DONE ? 0 : -1;
}

int64_t returns_count(http_req_t *r, const char *sql, const char *lo, const char *hi, const char *from,
                      const char *to) {
    db_stmt_t *s = returns_statement(r, sql, lo, hi, from, to);
    if (!s) return -1;
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return n;
}
