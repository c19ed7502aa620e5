/* mediation_stats.c — people's mediation statistics (issue 8 point 5):
 *
 *   GET /api/v1/mediation/stats?org=ID&from=YYYY-MM-DD&to=YYYY-MM-DD[&format=xlsx]
 *
 * The cases registered (received_on) in [from, to] and owned in org's
 * subtree (default: the caller's whole scope), counted by dispute category,
 * source, level resolved and month, each row split by result — laid out
 * like the official 人民调解案件统计表 (rows: categories; columns: cases,
 * then the results, major cases and the amount involved).  Every table's
 * rows add up to the same total, and the total equals the list endpoint's
 * `total` for GET /api/v1/mediation-cases?org_id=ID&received_on.from=&received_on.to=
 * (tests/api/test_mediation.py checks both).  Rows follow the code list's
 * order and include zero rows, as a printed table does.
 *
 * The result of a case is read from its record, not its state, so it stays
 * after 回访 and 归档: agreement_form set → 调解成功, referral set → 调解不成,
 * state rejected → 不予受理, state registered → 待受理, else 调解中.
 *
 * "小事不出村, 大事不出街道乡镇" (clause 7): of the cases resolved
 * (调解成功), the share resolved at village level, and at village or
 * township level.
 *
 * One GROUP BY over the matching rows, folded in C.  It reads every matching
 * row: fine for an office or a district's year; the city-wide figures of
 * the 10-million-case dataset (issue 9) need precomputed counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "engine/values.h"
#include "modules/modules.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xlsx_tmp.h"

enum { R_REGISTERED, R_MEDIATING, R_SUCCEEDED, R_FAILED, R_REJECTED, N_RESULTS };
static const char *const result_codes[N_RESULTS] = {"registered", "mediating", "succeeded", "failed", "rejected"};
static const char *const result_labels[N_RESULTS] = {"待受理", "调解中", "调解成功", "调解不成", "不予受理"};

typedef struct counts {
    int64_t cases, by_result[N_RESULTS], major, amount; /* amount in fen */
} counts_t;

typedef struct row {
    const char *code, *label;
    counts_t c;
} row_t;

typedef struct table {
    const char *key, *title, *head; /* JSON key, section title, first column's heading */
    row_t *rows;
    int n, cap;
} table_t;

enum { T_CATEGORY, T_SOURCE, T_LEVEL, T_MONTH, N_TABLES };

typedef struct stats {
    http_req_t *r;
    table_t t[N_TABLES];
    counts_t total;
} stats_t;

static row_t *row_get(http_req_t *r, table_t *t, const char *code, const char *label) {
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].code, code) == 0) return &t->rows[i];
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        row_t *n = arena_calloc(r->arena, sizeof(row_t) * (size_t)cap);
        if (t->n) memcpy(n, t->rows, sizeof(row_t) * (size_t)t->n);
        t->rows = n, t->cap = cap;
    }
    row_t *w = &t->rows[t->n++];
    w->code = arena_strdup(r->arena, code);
    w->label = arena_strdup(r->arena, label ? label : code);
    return w;
}

/* The code list's items in order, as zero rows. */
static int seed_rows(http_req_t *r, table_t *t, const char *list) {
    db_stmt_t *s = db_prepare(r->db, "SELECT code, label FROM code_items WHERE list_key = $1 ORDER BY sort, code");
    if (!s) return -1;
    db_bind_text(s, 1, list, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) row_get(r, t, db_col_text(s, 0), db_col_text(s, 1));
    db_reset(s);
    return rc < 0 ? -1 : 0;
}

static void add(counts_t *c, int result, int64_t n, int64_t major, int64_t amount) {
    c->cases += n;
    c->by_result[result] += n;
    c->major += major;
    c->amount += amount;
}

static int month_cmp(const void *a, const void *b) { return strcmp(((const row_t *)a)->code, ((const row_t *)b)->code); }

/* ---- JSON ---- */

static void write_counts(jw_t *w, const counts_t *c) {
    jw_kint(w, "cases", c->cases);
    for (int i = 0; i < N_RESULTS; i++) jw_kint(w, result_codes[i], c->by_result[i]);
    jw_kint(w, "major", c->major);
    char d[40];
    decimal_format(c->amount, 2, d, sizeof(d));
    jw_kstr(w, "amount", d);
}

static void write_rate(jw_t *w, const char *k, int64_t part, int64_t whole) {
    char v[32];
    snprintf(v, sizeof(v), "%.4f", whole ? (double)part / (double)whole : 0.0);
    jw_key(w, k);
    jw_raw(w, v);
}

static void write_json(http_req_t *r, stats_t *st, int64_t org, const char *org_name, const char *from, const char *to) {
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", org);
    jw_kstr(w, "name", org_name);
    jw_obj_end(w);
    jw_kstr(w, "from", from);
    jw_kstr(w, "to", to);
    jw_key(w, "results");
    jw_arr(w);
    for (int i = 0; i < N_RESULTS; i++) {
        jw_obj(w);
        jw_kstr(w, "code", result_codes[i]);
        jw_kstr(w, "label", result_labels[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "total");
    jw_obj(w);
    write_counts(w, &st->total);
    jw_obj_end(w);
    for (int t = 0; t < N_TABLES; t++) {
        jw_key(w, st->t[t].key);
        jw_arr(w);
        for (int i = 0; i < st->t[t].n; i++) {
            jw_obj(w);
            jw_kstr(w, "code", st->t[t].rows[i].code);
            jw_kstr(w, "label", st->t[t].rows[i].label);
            write_counts(w, &st->t[t].rows[i].c);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    /* 小事不出村, 大事不出街道乡镇 */
    int64_t resolved = st->total.by_result[R_SUCCEEDED], village = 0, township = 0;
    for (int i = 0; i < st->t[T_LEVEL].n; i++) {
        const row_t *w2 = &st->t[T_LEVEL].rows[i];
        if (strcmp(w2->code, "village") == 0) village = w2->c.by_result[R_SUCCEEDED];
        if (strcmp(w2->code, "township") == 0) township = w2->c.by_result[R_SUCCEEDED];
    }
    jw_key(w, "indicator");
    jw_obj(w);
    jw_kint(w, "resolved", resolved);
    jw_kint(w, "resolved_in_village", village);
    jw_kint(w, "resolved_in_township", township);
    write_rate(w, "village_rate", village, resolved);
    write_rate(w, "within_township_rate", village + township, resolved);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* ---- XLSX: the sections one under another on one sheet ---- */

static int write_xlsx(http_req_t *r, stats_t *st, const char *org_name, const char *from, const char *to, buf_t *out) {
    xlsx_tmp_t tmp;
    lxw_workbook *wb = xlsx_tmp_open(&tmp);
    if (!wb) return xlsx_tmp_finish(&tmp, NULL, NULL), -1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "人民调解统计表");
    lxw_format *bold = workbook_add_format(wb), *title = workbook_add_format(wb), *money = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_border(bold, LXW_BORDER_THIN);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_num_format(money, "#,##0.00");
    format_set_border(money, LXW_BORDER_THIN);
    lxw_format *cell = workbook_add_format(wb);
    format_set_border(cell, LXW_BORDER_THIN);
    worksheet_set_column(ws, 0, 0, 18, NULL);
    worksheet_set_column(ws, 1, 8, 11, NULL);
    worksheet_set_column(ws, 8, 8, 16, NULL);
    lxw_row_t row = 0;
    worksheet_write_string(ws, row++, 0, arena_printf(r->arena, "人民调解案件统计表 (%s)", org_name), title);
    worksheet_write_string(ws, row++, 0,
                           arena_printf(r->arena, "统计期间: %s 至 %s (按登记日期)", from ? from : "不限", to ? to : "不限"),
                           NULL);
    for (int t = 0; t < N_TABLES; t++) {
        row++;
        worksheet_write_string(ws, row++, 0, st->t[t].title, bold);
        worksheet_write_string(ws, row, 0, st->t[t].head, bold);
        worksheet_write_string(ws, row, 1, "案件数", bold);
        for (int i = 0; i < N_RESULTS; i++) worksheet_write_string(ws, row, (lxw_col_t)(2 + i), result_labels[i], bold);
        worksheet_write_string(ws, row, 7, "重大疑难复杂", bold);
        worksheet_write_string(ws, row++, 8, "涉及金额 (元)", bold);
        counts_t sum = {0};
        for (int i = 0; i <= st->t[t].n; i++, row++) {
            const counts_t *c = i < st->t[t].n ? &st->t[t].rows[i].c : &sum;
            worksheet_write_string(ws, row, 0, i < st->t[t].n ? st->t[t].rows[i].label : "合计", i < st->t[t].n ? cell : bold);
            worksheet_write_number(ws, row, 1, (double)c->cases, cell);
            for (int k = 0; k < N_RESULTS; k++) worksheet_write_number(ws, row, (lxw_col_t)(2 + k), (double)c->by_result[k], cell);
            worksheet_write_number(ws, row, 7, (double)c->major, cell);
            worksheet_write_number(ws, row, 8, (double)c->amount / 100.0, money);
            if (i < st->t[t].n) {
                sum.cases += c->cases, sum.major += c->major, sum.amount += c->amount;
                for (int k = 0; k < N_RESULTS; k++) sum.by_result[k] += c->by_result[k];
            }
        }
    }
    return xlsx_tmp_finish(&tmp, wb, out);
}

/* ---- the handler ---- */

static void mediation_stats(http_req_t *r) {
    const char *from = http_query(r, "from"), *to = http_query(r, "to"), *format = http_query(r, "format");
    int64_t org = http_query_id(r, "org");
    json_t *errs = json_object();
    if (org == -2) json_object_set_new(errs, "org", json_string("org 须为机构编号"));
    if (from && !date_valid(from)) json_object_set_new(errs, "from", json_string("日期格式应为 YYYY-MM-DD"));
    if (to && !date_valid(to)) json_object_set_new(errs, "to", json_string("日期格式应为 YYYY-MM-DD"));
    if (from && to && date_valid(from) && date_valid(to) && strcmp(from, to) > 0)
        json_object_set_new(errs, "to", json_string("结束日期不能早于开始日期"));
    if (format && strcmp(format, "json") && strcmp(format, "xlsx"))
        json_object_set_new(errs, "format", json_string("format 只能是 json 或 xlsx"));
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        json_decref(errs);
        return;
    }
    json_decref(errs);
    /* the unit: given, or the caller's own scope root */
    const char *scope = scope_path(r);
    db_stmt_t *s;
    if (org > 0) {
        s = db_prepare(r->db, "SELECT id, name, path FROM org_units WHERE id = $1");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, org);
    } else {
        s = db_prepare(r->db, "SELECT id, name, path FROM org_units WHERE path = $1");
        if (!s) return http_store_error(r);
        db_bind_text(s, 1, scope ? scope : "/", -1);
    }
    int rc = db_step(s);
    const char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 2)) : NULL;
    const char *org_name = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 1)) : "全部";
    if (rc == DB_ROW) org = db_col_int(s, 0);
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!path && org > 0) return http_invalid(r, "org", "机构不存在或不在您的管辖范围内");
    if (!path) path = scope ? scope : "/";
    if (!scope_covers(r, path)) return http_invalid(r, "org", "机构不存在或不在您的管辖范围内");
    /* the one access path (engine/access.c): statistics count only cases
     * the caller may read (not protected: scope and read permission) */
    const entity_t *ce = entity_find("mediation-cases");
    engine_grants_t grants;
    engine_read_t ra = ce ? engine_read_range(r, ce, &grants) : ENGINE_READ_NOT_FOUND;
    if (!ENGINE_READABLE(ra)) return engine_read_refuse(r, ra);
    char hi[512];
    scope_upper(path, hi, sizeof(hi));

    stats_t st = {.r = r};
    st.t[T_CATEGORY] = (table_t){.key = "by_category", .title = "一、按纠纷类型", .head = "纠纷类型"};
    st.t[T_SOURCE] = (table_t){.key = "by_source", .title = "二、按案件来源", .head = "案件来源"};
    st.t[T_LEVEL] = (table_t){.key = "by_level", .title = "三、按化解层级 (已办结)", .head = "化解层级"};
    st.t[T_MONTH] = (table_t){.key = "by_month", .title = "四、按月份 (登记)", .head = "月份"};
    /* every month of a bounded period is a row, as on the printed table */
    if (from && to && strcmp(from, to) <= 0) {
        int y = atoi(from), m = atoi(from + 5), ty = atoi(to), tm = atoi(to + 5);
        for (int n = 0; n < 120 && (y < ty || (y == ty && m <= tm)); n++) {
            char ym[16];
            snprintf(ym, sizeof(ym), "%04d-%02d", y % 10000, m % 100);
            row_get(r, &st.t[T_MONTH], ym, ym);
            if (++m == 13) m = 1, y++;
        }
    }
    if (seed_rows(r, &st.t[T_CATEGORY], "dispute_category") || seed_rows(r, &st.t[T_SOURCE], "mediation_source") ||
        seed_rows(r, &st.t[T_LEVEL], "mediation_level"))
        return http_store_error(r);

    s = db_prepare(http_read_db(r), /* statistics may come from a hot standby */
                   "SELECT category, source, CASE WHEN agreement_form IS NOT NULL THEN 2 WHEN referral IS NOT NULL THEN 3 "
                   "WHEN wf_state = 'rejected' THEN 4 WHEN wf_state = 'registered' THEN 0 ELSE 1 END, resolved_level, "
                   "substr(received_on, 1, 7), COUNT(*), SUM(CASE WHEN major = 1 THEN 1 ELSE 0 END), "
                   "COALESCE(SUM(amount), 0) FROM mediation_case "
                   "WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL "
                   "AND ($3 = '' OR received_on >= $3) AND ($4 = '' OR received_on <= $4) "
                   "GROUP BY 1, 2, 3, 4, 5");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, from ? from : "", -1);
    db_bind_text(s, 4, to ? to : "", -1);
    while ((rc = db_step(s)) == DB_ROW) {
        int result = (int)db_col_int(s, 2);
        int64_t n = db_col_int(s, 5), major = db_col_int(s, 6), amount = db_col_int(s, 7);
        if (result < 0 || result >= N_RESULTS) continue;
        add(&st.total, result, n, major, amount);
        add(&row_get(r, &st.t[T_CATEGORY], db_col_text(s, 0), NULL)->c, result, n, major, amount);
        add(&row_get(r, &st.t[T_SOURCE], db_col_text(s, 1), NULL)->c, result, n, major, amount);
        /* the level table counts the cases with a result; its total is theirs */
        if (!db_col_null(s, 3)) add(&row_get(r, &st.t[T_LEVEL], db_col_text(s, 3), NULL)->c, result, n, major, amount);
        add(&row_get(r, &st.t[T_MONTH], db_col_text(s, 4), NULL)->c, result, n, major, amount);
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    qsort(st.t[T_MONTH].rows, (size_t)st.t[T_MONTH].n, sizeof(row_t), month_cmp);

    if (format && strcmp(format, "xlsx") == 0) {
        buf_t file = BUF_INIT;
        if (write_xlsx(r, &st, org_name, from, to, &file) != 0) {
            buf_free(&file);
            log_error("mediation stats: xlsx failed");
            return http_error(r, 500, "export_failed", "统计表生成失败");
        }
        char detail[200];
        snprintf(detail, sizeof(detail), "{\"report\":\"mediation_stats\",\"org\":%lld,\"format\":\"xlsx\"}", (long long)org);
        if (auth_audit(r, "record.export", "mediation-cases", 0, "ok", detail) != 0) {
            buf_free(&file);
            return http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
        }
        http_set_header(r, "Cache-Control", "no-store");
        http_set_header(r, "Content-Disposition",
                        arena_printf(r->arena, "attachment; filename=\"mediation-stats.xlsx\"; filename*=UTF-8''%s",
                                     engine_rfc5987(r, arena_printf(r->arena, "人民调解统计表-%s.xlsx", org_name))));
        http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.data, file.len);
        buf_free(&file);
        return;
    }
    write_json(r, &st, org, org_name, from, to);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/mediation/stats", mediation_stats, .perm = "mediation.case.read"},
    {0},
};

void mediation_stats_register(void) { router_add(routes); }
