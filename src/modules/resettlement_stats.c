/* resettlement_stats.c — 安置帮教 statistics (issue 20 point 10;
 * docs/resettlement.md "Statistics"):
 *
 *   GET /api/v1/resettlement/stats?org=ID&month=YYYY-MM[&format=xlsx]
 *
 * For the unit (default: the caller's scope root) and each unit one level
 * below it (a city's districts, a district's offices; an office alone),
 * the month's figures:
 *
 *   released        释放人数: release date in the month
 *   handed          of them, handed over (衔接) — at any time so far
 *   handed_in_time  of them, handed over within resettle_handover_days
 *   unreached       of them, recorded 未衔接
 *   overdue         of them, not handed over and past the deadline today
 *   handover_rate   衔接率 = handed / released
 *   on_register     在册: handed over by the month's end, aid period not
 *                   over, not ended or terminated by then
 *   placed          of them, placed (安置情况 other than 未安置, dated by then)
 *   placement_rate  安置率 = placed / on_register
 *   aided           of them, with a 帮教小组 and a visit within the
 *                   resettle_visit_days before the month's end
 *   aid_rate        帮教率 = aided / on_register
 *   key             of them, 重点帮教对象
 *   reoffended      persons with a 重新违法犯罪 record dated in the month
 *
 * and the unit's last twelve months (months[]).  Counts only — never a
 * name or a record: the records stay behind the protected lists (a
 * district reads them with a break-the-glass grant).  The cockpit drills
 * through the units with these rows.  The figures read every record of
 * the unit (a district's few thousand); the city's need precomputing once
 * it holds hundreds of thousands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/resettlement.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"
#include "util/xlsx_tmp.h"

enum {
    K_RELEASED,
    K_HANDED,
    K_IN_TIME,
    K_UNREACHED,
    K_OVERDUE,
    K_REGISTER,
    K_PLACED,
    K_AIDED,
    K_KEY,
    K_REOFFENDED,
    NK,
};
static const char *const keys[NK] = {"released",    "handed", "handed_in_time", "unreached", "overdue",
                                     "on_register", "placed", "aided",          "key",       "reoffended"};
static const char *const labels[NK] = {"释放人数",     "已衔接", "按期衔接", "未衔接",       "超期未衔接",
                                       "在册帮教对象", "已安置", "已帮教",   "重点帮教对象", "重新违法犯罪"};

typedef struct person {
    const char *path, *release, *state, *handed, *placement, *placed, *aid_until, *ended;
    bool key, team;
    int64_t id;
    char due[11]; /* the hand-over deadline: release + resettle_handover_days */
    int unit;     /* the row (unit below) the person counts in, -1: the unit's own */
} person_t;

typedef struct unit {
    int64_t id;
    const char *name, *level, *path;
    int64_t n[NK];
} unit_t;

typedef struct visit {
    int64_t released;
    const char *on, *path; /* the date; the owner's path (re-offences are counted per unit) */
} visit_t;

typedef struct data {
    person_t *p;
    int np;
    visit_t *v; /* sorted by released id, then date */
    int nv;
    visit_t *re; /* reoffences */
    int nre;
    int64_t handover_days, visit_days;
    char today[11];
} data_t;

static void month_bounds(const char *month, char start[11], char end[11]) {
    int y = atoi(month), m = atoi(month + 5);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int d = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    char text[40];
    snprintf(text, sizeof(text), "%04d-%02d-01", y, m);
    snprintf(start, 11, "%.10s", text);
    snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
    snprintf(end, 11, "%.10s", text);
}
static void shift_days(const char *date, int64_t days, char out[11]) {
    int64_t t = 0;
    unix_from_iso(date, &t);
    char iso[21];
    iso_from_unix(t + days * 86400, iso);
    snprintf(out, 11, "%.10s", iso);
}

static bool has_visit_between(const data_t *d, int64_t id, const char *from, const char *to) {
    /* binary search for the person's first visit */
    int lo = 0, hi = d->nv;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (d->v[mid].released < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < d->nv && d->v[i].released == id; i++)
        if (strcmp(d->v[i].on, from) >= 0 && strcmp(d->v[i].on, to) <= 0) return true;
    return false;
}

/* Adds person x's figures for the month [start, end] into n; from: the
 * first day a visit counts for 帮教 (end − resettle_visit_days). */
static void count_person(const data_t *d, const person_t *x, const char *start, const char *end, const char *from,
                         int64_t n[NK]) {
    if (strcmp(x->release, start) >= 0 && strcmp(x->release, end) <= 0) {
        n[K_RELEASED]++;
        if (x->handed) {
            n[K_HANDED]++;
            if (strcmp(x->handed, x->due) <= 0) n[K_IN_TIME]++;
        } else if (strcmp(x->state, "unreached") == 0 || strcmp(x->state, "pending") == 0) {
            if (strcmp(x->state, "unreached") == 0) n[K_UNREACHED]++;
            if (strcmp(x->due, d->today) < 0) n[K_OVERDUE]++;
        }
    }
    bool on_register = x->handed && strcmp(x->handed, end) <= 0 && (!x->aid_until || strcmp(x->aid_until, end) > 0) &&
                       (!x->ended || strcmp(x->ended, end) > 0);
    if (!on_register) return;
    n[K_REGISTER]++;
    if (x->placement && strcmp(x->placement, "unplaced") && (!x->placed || strcmp(x->placed, end) <= 0)) n[K_PLACED]++;
    if (x->key) n[K_KEY]++;
    if (x->team && has_visit_between(d, x->id, from, end)) n[K_AIDED]++;
}

/* The row of the units below whose subtree holds path; -1 when none. */
static int row_of(const unit_t *rows, int nrows, const char *path) {
    for (int i = 0; i < nrows; i++)
        if (strncmp(path, rows[i].path, strlen(rows[i].path)) == 0) return i;
    return -1;
}

/* The month's figures of the unit (into top) and of each unit below (rows):
 * one pass over the people, each added to their row. */
static void fill_month(const data_t *d, const char *month, unit_t *top, unit_t *rows, int nrows) {
    char start[11], end[11], from[11];
    month_bounds(month, start, end);
    shift_days(end, -d->visit_days, from);
    for (int i = 0; i < d->np; i++) {
        int64_t n[NK] = {0};
        count_person(d, &d->p[i], start, end, from, n);
        for (int k = 0; k < NK; k++) {
            top->n[k] += n[k];
            if (rows && d->p[i].unit >= 0) rows[d->p[i].unit].n[k] += n[k];
        }
    }
    /* re-offences: persons, not records (the records are sorted by person) */
    int64_t last = 0;
    for (int i = 0; i < d->nre; i++) {
        if (d->re[i].released == last) continue;
        if (strcmp(d->re[i].on, start) < 0 || strcmp(d->re[i].on, end) > 0) continue;
        last = d->re[i].released;
        top->n[K_REOFFENDED]++;
        int u = rows ? row_of(rows, nrows, d->re[i].path) : -1;
        if (u >= 0) rows[u].n[K_REOFFENDED]++;
    }
}

static int visit_cmp(const void *a, const void *b) {
    const visit_t *x = a, *y = b;
    if (x->released != y->released) return x->released < y->released ? -1 : 1;
    return strcmp(x->on, y->on);
}

static const char *col_copy(http_req_t *r, db_stmt_t *s, int col) {
    return db_col_null(s, col) ? NULL : arena_strdup(r->arena, db_col_text(s, col));
}

/* Reads the unit's records (live) into d.  0 or -1. */
static int load(http_req_t *r, const char *path, data_t *d) {
    char hi[512];
    scope_upper(path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT t.id, t.org_path, t.release_date, t.wf_state, t.handover_on, t.placement, "
                                     "t.placed_on, t.aid_until, t.ended_on, t.key_subject, "
                                     "EXISTS (SELECT 1 FROM resettle_team_member m WHERE m.released_id = t.id "
                                     "AND m.deleted_at IS NULL) "
                                     "FROM resettle_person t WHERE t.org_path >= $1 AND t.org_path < $2 "
                                     "AND t.deleted_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    int cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (d->np == cap) {
            cap = cap ? cap * 2 : 64;
            person_t *grown = arena_alloc(r->arena, sizeof(person_t) * (size_t)cap);
            if (d->np) memcpy(grown, d->p, sizeof(person_t) * (size_t)d->np);
            d->p = grown;
        }
        person_t *x = &d->p[d->np++];
        x->id = db_col_int(s, 0);
        x->path = col_copy(r, s, 1);
        x->release = col_copy(r, s, 2);
        x->state = col_copy(r, s, 3);
        x->handed = col_copy(r, s, 4);
        x->placement = col_copy(r, s, 5);
        x->placed = col_copy(r, s, 6);
        x->aid_until = col_copy(r, s, 7);
        x->ended = col_copy(r, s, 8);
        x->key = db_col_int(s, 9) != 0;
        x->team = db_col_int(s, 10) != 0;
        if (!x->release || !x->state) d->np--;
    }
    db_reset(s);
    if (rc != DB_DONE) return -1;
    /* visits and re-offences of the unit's records (the children share the owner's path) */
    for (int kind = 0; kind < 2; kind++) {
        s = db_prepare(r->db, kind == 0 ? "SELECT released_id, visited_on, org_path FROM resettle_visit "
                                          "WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL"
                                        : "SELECT released_id, occurred_on, org_path FROM resettle_reoffence "
                                          "WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL");
        if (!s) return -1;
        db_bind_text(s, 1, path, -1);
        db_bind_text(s, 2, hi, -1);
        visit_t *arr = NULL;
        int n = 0;
        cap = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            if (db_col_null(s, 1)) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                visit_t *grown = arena_alloc(r->arena, sizeof(visit_t) * (size_t)cap);
                if (n) memcpy(grown, arr, sizeof(visit_t) * (size_t)n);
                arr = grown;
            }
            arr[n].released = db_col_int(s, 0);
            arr[n].on = arena_printf(r->arena, "%.10s", db_col_text(s, 1));
            arr[n].path = arena_strdup(r->arena, db_col_text(s, 2));
            n++;
        }
        db_reset(s);
        if (rc != DB_DONE) return -1;
        if (n) qsort(arr, (size_t)n, sizeof(visit_t), visit_cmp);
        if (kind == 0)
            d->v = arr, d->nv = n;
        else
            d->re = arr, d->nre = n;
    }
    return 0;
}

static void write_rate(jw_t *w, const char *k, int64_t num, int64_t den) {
    jw_key(w, k);
    if (!den) return jw_null(w);
    char text[32];
    snprintf(text, sizeof(text), "%.1f", 100.0 * (double)num / (double)den);
    jw_raw(w, text);
}

static void write_counts(jw_t *w, const int64_t n[NK]) {
    for (int k = 0; k < NK; k++)
        jw_kint(w, keys[k], n[k]);
    write_rate(w, "handover_rate", n[K_HANDED], n[K_RELEASED]);
    write_rate(w, "placement_rate", n[K_PLACED], n[K_REGISTER]);
    write_rate(w, "aid_rate", n[K_AIDED], n[K_REGISTER]);
}

static void rate_text(char *out, size_t n, int64_t num, int64_t den) {
    if (!den)
        snprintf(out, n, "—");
    else
        snprintf(out, n, "%.1f%%", 100.0 * (double)num / (double)den);
}

static int write_xlsx(http_req_t *r, const unit_t *org, unit_t *rows, int nrows, unit_t *months, int nmonths,
                      const char *month, buf_t *out) {
    xlsx_tmp_t tmp;
    lxw_workbook *wb = xlsx_tmp_open(&tmp);
    if (!wb) return xlsx_tmp_finish(&tmp, NULL, NULL), -1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "安置帮教统计表");
    lxw_format *bold = workbook_add_format(wb), *title = workbook_add_format(wb), *cellf = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_border(bold, LXW_BORDER_THIN);
    format_set_text_wrap(bold);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_border(cellf, LXW_BORDER_THIN);
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, NK + 3, 10, NULL);
    lxw_row_t row = 0;
    worksheet_write_string(ws, row++, 0, arena_printf(r->arena, "刑满释放人员安置帮教工作统计表 (%s)", org->name),
                           title);
    worksheet_write_string(ws, row++, 0, arena_printf(r->arena, "统计月份: %s", month), NULL);
    for (int part = 0; part < 2; part++) {
        row++;
        worksheet_write_string(ws, row++, 0, part == 0 ? "一、分单位" : "二、近十二个月", bold);
        worksheet_write_string(ws, row, 0, part == 0 ? "单位" : "月份", bold);
        for (int k = 0; k < NK; k++)
            worksheet_write_string(ws, row, (lxw_col_t)(1 + k), labels[k], bold);
        worksheet_write_string(ws, row, NK + 1, "衔接率", bold);
        worksheet_write_string(ws, row, NK + 2, "安置率", bold);
        worksheet_write_string(ws, row++, NK + 3, "帮教率", bold);
        int n = part == 0 ? nrows + 1 : nmonths;
        for (int i = 0; i < n; i++, row++) {
            const unit_t *u = part == 0 ? (i < nrows ? &rows[i] : org) : &months[i];
            worksheet_write_string(ws, row, 0, part == 0 && i == nrows ? "合计" : u->name, cellf);
            for (int k = 0; k < NK; k++)
                worksheet_write_number(ws, row, (lxw_col_t)(1 + k), (double)u->n[k], cellf);
            char t[3][24];
            rate_text(t[0], sizeof(t[0]), u->n[K_HANDED], u->n[K_RELEASED]);
            rate_text(t[1], sizeof(t[1]), u->n[K_PLACED], u->n[K_REGISTER]);
            rate_text(t[2], sizeof(t[2]), u->n[K_AIDED], u->n[K_REGISTER]);
            for (int k = 0; k < 3; k++)
                worksheet_write_string(ws, row, (lxw_col_t)(NK + 1 + k), t[k], cellf);
        }
    }
    row++;
    worksheet_write_string(ws, row++, 0,
                           "说明: 衔接率 = 已衔接 / 当月释放人数; 安置率、帮教率以月末在册帮教对象为分母; "
                           "帮教 = 已建立帮教小组且统计期末前规定期间内有走访记录。",
                           NULL);
    return xlsx_tmp_finish(&tmp, wb, out);
}

static void resettlement_stats(http_req_t *r) {
    const char *month = http_query(r, "month"), *format = http_query(r, "format");
    int64_t org = http_query_id(r, "org");
    char this_month[8], today[11];
    wf_today(today);
    snprintf(this_month, sizeof(this_month), "%.7s", today);
    json_t *errs = json_object();
    if (org == -2) json_object_set_new(errs, "org", json_string("org 须为机构编号"));
    if (month && (strlen(month) != 7 || month[4] != '-' || !date_valid(arena_printf(r->arena, "%s-01", month))))
        json_object_set_new(errs, "month", json_string("统计月份应为 YYYY-MM"));
    if (format && strcmp(format, "json") && strcmp(format, "xlsx"))
        json_object_set_new(errs, "format", json_string("format 只能是 json 或 xlsx"));
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        json_decref(errs);
        return;
    }
    json_decref(errs);
    if (!month) month = this_month;
    /* the unit: given, or the caller's own (the root of their scope) */
    const principal_t *p = auth_principal(r);
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, level, path FROM org_units WHERE id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, org > 0 ? org : p ? p->org_id : 0);
    unit_t top = {0};
    int rc = db_step(s);
    if (rc == DB_ROW) {
        top.id = db_col_int(s, 0);
        top.name = arena_strdup(r->arena, db_col_text(s, 1));
        top.level = arena_strdup(r->arena, db_col_text(s, 2));
        top.path = arena_strdup(r->arena, db_col_text(s, 3));
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!top.path || !scope_covers(r, top.path)) return http_invalid(r, "org", "机构不存在或不在您的管辖范围内");

    /* the rows: the units one level below (an office: itself) */
    unit_t *rows = NULL;
    int nrows = 0, cap = 0;
    if (strcmp(top.level, "office") && strcmp(top.level, "village")) {
        s = db_prepare(r->db, "SELECT id, name, level, path FROM org_units WHERE parent_id = $1 "
                              "AND level IN ('province', 'city', 'district', 'office') ORDER BY id");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, top.id);
        while ((rc = db_step(s)) == DB_ROW) {
            if (nrows == cap) {
                cap = cap ? cap * 2 : 32;
                unit_t *grown = arena_alloc(r->arena, sizeof(unit_t) * (size_t)cap);
                if (nrows) memcpy(grown, rows, sizeof(unit_t) * (size_t)nrows);
                rows = grown;
            }
            unit_t *u = &rows[nrows++];
            memset(u, 0, sizeof(*u));
            u->id = db_col_int(s, 0);
            u->name = arena_strdup(r->arena, db_col_text(s, 1));
            u->level = arena_strdup(r->arena, db_col_text(s, 2));
            u->path = arena_strdup(r->arena, db_col_text(s, 3));
        }
        db_reset(s);
        if (rc != DB_DONE) return http_store_error(r); /* else a unit's rows missing from the table */
    }
    data_t d = {.handover_days = resettle_setting(r->db, "resettle_handover_days"),
                .visit_days = resettle_setting(r->db, "resettle_visit_days")};
    int64_t aid_years = resettle_setting(r->db, "resettle_aid_years");
    if (d.handover_days < 0 || d.visit_days < 0 || aid_years < 0)
        return http_store_error(r); /* not rates over 0 days */
    snprintf(d.today, sizeof(d.today), "%s", today);
    if (load(r, top.path, &d) != 0) return http_store_error(r);
    for (int i = 0; i < d.np; i++) {
        shift_days(d.p[i].release, d.handover_days, d.p[i].due);
        d.p[i].unit = row_of(rows, nrows, d.p[i].path);
    }
    fill_month(&d, month, &top, rows, nrows);
    /* the last twelve months of the unit */
    unit_t months[12];
    int y = atoi(month), m = atoi(month + 5);
    for (int i = 11; i >= 0; i--) {
        memset(&months[i], 0, sizeof(months[i]));
        months[i].path = top.path;
        months[i].name = arena_printf(r->arena, "%04d-%02d", y % 10000, m % 100);
        if (strcmp(months[i].name, month) == 0)
            memcpy(months[i].n, top.n, sizeof(top.n)); /* already counted */
        else
            fill_month(&d, months[i].name, &months[i], NULL, 0);
        if (--m == 0) m = 12, y--;
    }

    if (format && strcmp(format, "xlsx") == 0) {
        buf_t file = BUF_INIT;
        if (write_xlsx(r, &top, rows, nrows, months, 12, month, &file) != 0) {
            buf_free(&file);
            log_error("resettlement stats: xlsx failed");
            return http_error(r, 500, "export_failed", "统计表生成失败");
        }
        char detail[200];
        snprintf(detail, sizeof(detail), "{\"report\":\"resettlement_stats\",\"org\":%lld,\"month\":\"%.7s\"}",
                 (long long)top.id, month);
        if (auth_audit(r, "record.export", "released-persons", 0, "ok", detail) != 0) {
            buf_free(&file);
            return http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
        }
        http_set_header(r, "Cache-Control", "no-store");
        http_set_header(
            r, "Content-Disposition",
            arena_printf(r->arena, "attachment; filename=\"resettlement-stats.xlsx\"; filename*=UTF-8''%s",
                         engine_rfc5987(r, arena_printf(r->arena, "安置帮教统计表-%s-%s.xlsx", top.name, month))));
        http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.data,
                        file.len);
        buf_free(&file);
        return;
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", top.id);
    jw_kstr(w, "name", top.name);
    jw_kstr(w, "level", top.level);
    jw_obj_end(w);
    jw_kstr(w, "month", month);
    /* the records behind the figures, for the page's links (protected:
     * the office's own, others through a grant) */
    jw_kstr(w, "entity", "released-persons");
    jw_key(w, "settings");
    jw_obj(w);
    jw_kint(w, "handover_days", d.handover_days);
    jw_kint(w, "visit_days", d.visit_days);
    jw_kint(w, "aid_years", aid_years);
    jw_obj_end(w);
    jw_key(w, "labels");
    jw_obj(w);
    for (int k = 0; k < NK; k++)
        jw_kstr(w, keys[k], labels[k]);
    jw_obj_end(w);
    jw_key(w, "rows");
    jw_arr(w);
    for (int i = 0; i < nrows; i++) {
        jw_obj(w);
        jw_kint(w, "id", rows[i].id);
        jw_kstr(w, "name", rows[i].name);
        jw_kstr(w, "level", rows[i].level);
        write_counts(w, rows[i].n);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "total");
    jw_obj(w);
    write_counts(w, top.n);
    jw_obj_end(w);
    jw_key(w, "months");
    jw_arr(w);
    for (int i = 0; i < 12; i++) {
        jw_obj(w);
        jw_kstr(w, "month", months[i].name);
        write_counts(w, months[i].n);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/resettlement/stats", resettlement_stats, .perm = "resettle.stats"},
    {0},
};

void resettlement_stats_register(void) { router_add(routes); }
