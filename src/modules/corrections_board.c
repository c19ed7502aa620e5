/* corrections_board.c — community corrections' daily board and returns
 * (issue 20 points 3 and 10; docs/corrections.md):
 *
 *   GET /api/v1/corrections/overdue?org_id=ID
 *       who is overdue today: subjects unreported past the 报到 deadline,
 *       and subjects in supervision whose next report or visit is past due,
 *       each with the open alert's level; the district institution's
 *       morning list (≤ 50 ms over 10 000 subjects: bench/corrections_overdue.py)
 *   GET /api/v1/corrections/hours?subject_id=ID&year=YYYY
 *       one subject's education and public-benefit hours per month
 *   GET /api/v1/corrections/returns?org_id=ID&month=YYYY-MM[&format=xlsx]
 *       the institution's monthly return: per unit below org (districts of
 *       the city, offices of a district) 在册 (by type), 新入矫, 解除, 终止,
 *       脱管, 漏管, 警告, 撤销, 收监; and the unit's months of the year
 *
 * Both read through the one access path (engine_read_range on
 * corrections-subjects): the office, the institution, or the subtrees of
 * the caller's break-the-glass grants (audited), never anyone else.
 *
 * The scheduler's tick (wf_on_tick) raises the alerts: 逾期未报到, 未按期报告
 * (脱管预警), 外出逾期未归; and escalates an alert still open after
 * corr_alert_escalate_workdays working days to the district institution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/calendar.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "engine/values.h"
#include "engine/workflow.h"
#include "modules/corrections.h"
#include "modules/modules.h"
#include "modules/standards.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"
#include "util/xlsx_tmp.h"

/* ---- the ranges a caller reads ---- */

typedef struct ranges {
    int n;
    const char *lo[ENGINE_GRANTS_MAX], *hi[ENGINE_GRANTS_MAX];
} ranges_t;

/* The subtrees of path the caller may read corrections in: path itself
 * (office, institution) or the grants' subtrees within it.  Answers and
 * returns -1 when none; a read through grants is audited. */
static int corr_ranges(http_req_t *r, const char *path, ranges_t *out) {
    const entity_t *e = entity_find("corrections-subjects");
    engine_grants_t g;
    engine_read_t a = e ? engine_read_range(r, e, &g) : ENGINE_READ_FORBIDDEN;
    if (!ENGINE_READABLE(a)) return engine_read_refuse(r, a), -1;
    out->n = 0;
    if (a == ENGINE_READ_OK) {
        out->lo[0] = path;
        out->n = 1;
    } else {
        for (int i = 0; i < g.n; i++) {
            const char *p = g.path[i], *lo = NULL;
            if (strncmp(p, path, strlen(path)) == 0)
                lo = p; /* a grant below path */
            else if (strncmp(path, p, strlen(p)) == 0)
                lo = path; /* path inside a grant */
            if (!lo) continue;
            /* each subtree once: two grants over one office must not count it twice */
            bool inside = false;
            for (int k = 0; k < out->n && !inside; k++) {
                if (strncmp(lo, out->lo[k], strlen(out->lo[k])) == 0)
                    inside = true;
                else if (strncmp(out->lo[k], lo, strlen(lo)) == 0)
                    out->lo[k] = lo, inside = true;
            }
            if (!inside) out->lo[out->n++] = lo;
        }
        if (engine_read_audit(r, e, 0, "list") != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败"), -1;
    }
    for (int i = 0; i < out->n; i++) {
        char hi[512];
        scope_upper(out->lo[i], hi, sizeof(hi));
        out->hi[i] = arena_strdup(r->arena, hi);
    }
    return 0;
}

/* The unit of ?org_id= (in scope), else the caller's scope root: its path
 * and name.  Answers and returns -1. */
static int the_unit(http_req_t *r, int64_t *id, const char **path, const char **name) {
    int64_t org = http_query_id(r, "org_id");
    if (org == -2) return http_invalid(r, "org_id", "所属机构应为机构编号"), -1;
    if (org <= 0) {
        const char *sp = scope_path(r);
        db_stmt_t *s = db_prepare(r->db, "SELECT id FROM org_units WHERE path = $1");
        if (!s) return http_store_error(r), -1;
        db_bind_text(s, 1, sp ? sp : "/", -1);
        int rc = db_step(s);
        org = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (rc < 0) return http_store_error(r), -1; /* not "所属机构不存在" */
    }
    scope_unit_t u;
    if (org <= 0 || !scope_unit(r, org, &u) || !u.path || !scope_covers(r, u.path))
        return http_invalid(r, "org_id", "所属机构不存在或不在您的管辖范围内"), -1;
    *id = org;
    *path = arena_strdup(r->arena, u.path);
    *name = arena_strdup(r->arena, u.name);
    return 0;
}

/* ---- who is overdue ---- */

typedef struct overdue {
    int64_t id, org;
    const char *case_no, *name, *cls, *state, *kind, *due, *level;
} overdue_t;

static int overdue_cmp(const void *a, const void *b) {
    const overdue_t *x = a, *y = b;
    int c = strcmp(x->due, y->due);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Today's list: one statement per range, reading only the rows past a due
 * date through the subject table's due-date indexes. */
static void get_overdue(http_req_t *r) {
    int64_t org;
    const char *path, *name;
    ranges_t rg;
    if (the_unit(r, &org, &path, &name) != 0 || corr_ranges(r, path, &rg) != 0) return;
    char today[11];
    wf_today(today);
    overdue_t *items = NULL;
    int n = 0, cap = 0;
    for (int k = 0; k < rg.n; k++) {
        db_stmt_t *s = db_prepare(
            r->db,
            "SELECT s.id, s.org_id, s.case_no, p.name, s.supervision_class, s.wf_state, s.due_at, s.next_report_due, "
            "s.next_visit_due, (SELECT MIN(a.level) FROM corr_alert a WHERE a.subject_id = s.id AND a.wf_state IN "
            "('open', 'escalated') AND a.deleted_at IS NULL) FROM corr_subject s LEFT JOIN persons p ON p.id = "
            "s.person_id "
            "WHERE s.deleted_at IS NULL AND s.org_path >= $1 AND s.org_path < $2 AND ("
            "(s.wf_state = 'supervised' AND (s.next_report_due < $3 OR s.next_visit_due < $3)) "
            "OR (s.wf_state = 'entrusted' AND s.due_at < $3))");
        if (!s) return http_store_error(r);
        db_bind_text(s, 1, rg.lo[k], -1);
        db_bind_text(s, 2, rg.hi[k], -1);
        db_bind_text(s, 3, today, -1);
        int rc;
        while ((rc = db_step(s)) == DB_ROW) {
            const char *st = db_col_text(s, 5);
            /* one line per thing overdue: 报到, 报告, 走访 */
            for (int w = 0; w < 3; w++) {
                int col = w == 0 ? 6 : w == 1 ? 7 : 8;
                bool entrusted = strcmp(st, "entrusted") == 0;
                if ((w == 0) != entrusted || db_col_null(s, col) || strcmp(db_col_text(s, col), today) >= 0) continue;
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    overdue_t *m = arena_alloc(r->arena, sizeof(overdue_t) * (size_t)cap);
                    if (n) memcpy(m, items, sizeof(overdue_t) * (size_t)n);
                    items = m;
                }
                overdue_t *o = &items[n++];
                o->id = db_col_int(s, 0);
                o->org = db_col_int(s, 1);
                o->case_no = db_col_null(s, 2) ? NULL : arena_strdup(r->arena, db_col_text(s, 2));
                char masked[64] = "";
                if (!db_col_null(s, 3)) mask_name(db_col_text(s, 3), masked, sizeof(masked));
                o->name = arena_strdup(r->arena, masked);
                o->cls = db_col_null(s, 4) ? NULL : arena_strdup(r->arena, db_col_text(s, 4));
                o->state = arena_strdup(r->arena, st);
                o->kind = w == 0 ? "unreported" : w == 1 ? "report" : "visit";
                o->due = arena_strdup(r->arena, db_col_text(s, col));
                o->level = db_col_null(s, 9) ? NULL : arena_strdup(r->arena, db_col_text(s, 9));
            }
        }
        db_reset(s);
        if (rc < 0) return http_store_error(r);
    }
    if (n) qsort(items, (size_t)n, sizeof(overdue_t), overdue_cmp);
    static const char *const kinds[][2] = {
        {"unreported", "逾期未报到"}, {"report", "未按期报告"}, {"visit", "未按期走访"}};
    /* the labels once per request, not per row (a district's list has thousands) */
    static const char *const classes[] = {"strict", "normal", "lenient"}, *const levels[] = {"office", "institution"};
    const char *class_label[3], *level_label[2];
    for (int k = 0; k < 3; k++)
        class_label[k] = code_label(r->db, "corr_class", classes[k]);
    for (int k = 0; k < 2; k++)
        level_label[k] = code_label(r->db, "corr_alert_level", levels[k]);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "as_of", today);
    jw_kstr(w, "entity", "corrections-subjects"); /* the items' records (the web app names no entity) */
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", org);
    jw_kstr(w, "name", name);
    jw_obj_end(w);
    jw_kint(w, "total", n);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < n; i++) {
        overdue_t *o = &items[i];
        jw_obj(w);
        jw_kint(w, "id", o->id);
        jw_kstr(w, "case_no", o->case_no);
        jw_kstr(w, "person_name", o->name);
        jw_kint(w, "org_id", o->org);
        jw_kstr(w, "org_name", scope_unit_name(r, o->org));
        jw_kstr(w, "supervision_class", o->cls);
        const char *cl = NULL, *ll = NULL;
        for (int k = 0; k < 3 && o->cls; k++)
            if (strcmp(o->cls, classes[k]) == 0) cl = class_label[k];
        for (int k = 0; k < 2 && o->level; k++)
            if (strcmp(o->level, levels[k]) == 0) ll = level_label[k];
        jw_kstr(w, "supervision_class_label", cl);
        jw_kstr(w, "kind", o->kind);
        for (int k = 0; k < 3; k++)
            if (strcmp(kinds[k][0], o->kind) == 0) jw_kstr(w, "kind_label", kinds[k][1]);
        jw_kstr(w, "due", o->due);
        jw_kint(w, "days_overdue", cal_workdays_between(r->db, o->due, today));
        jw_kstr(w, "alert_level", o->level);
        jw_kstr(w, "alert_level_label", ll);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* ---- the monthly return ---- */

enum {
    C_REGISTER,
    C_CONTROL,
    C_PROBATION,
    C_PAROLE,
    C_MEDICAL,
    C_NEW,
    C_RELEASED,
    C_TERMINATED,
    C_LOST,
    C_MISSED,
    C_WARNING,
    C_REVOKED,
    C_CUSTODY,
    N_COLS
};
static const char *const col_keys[N_COLS] = {"register", "control",  "probation",  "parole", "medical_parole",
                                             "new",      "released", "terminated", "lost",   "missed",
                                             "warning",  "revoked",  "custody"};
static const char *const col_labels[N_COLS] = {"在册人数", "其中: 管制",    "缓刑",    "假释", "暂予监外执行",
                                               "新入矫",   "期满解除",      "终止",    "脱管", "漏管",
                                               "警告",     "撤销缓刑/假释", "收监执行"};

typedef struct unit_row {
    int64_t id;
    const char *name, *path, *level;
    int64_t c[N_COLS];        /* the month asked */
    int64_t year[12][N_COLS]; /* each month of its year */
} unit_row_t;

/* Each statement gives (org_path, key, month, until, count) over the year
 * [$3, $4]: key picks the column (or the statement's own), month is the
 * "YYYY-MM" it happened in — for 在册 the month of 报到, and until the month
 * the subject left (released, terminated or moved out; NULL: still on the
 * register): on the register at the end of every month from the one to the
 * other.  One pass per statement over the year, whatever the month asked. */
typedef struct tally_sql {
    const char *sql;
    int col; /* -1: by key */
    bool span;
} tally_sql_t;
static const tally_sql_t tallies[] = {
    {"SELECT org_path, corr_type, substr(reported_on, 1, 7), substr(COALESCE(released_on, ended_on, moved_out_on), "
     "1, 7), COUNT(*) FROM corr_subject WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 AND "
     "reported_on <= $4 AND COALESCE(released_on, ended_on, moved_out_on, '9999-12-31') >= $3 "
     "GROUP BY org_path, corr_type, substr(reported_on, 1, 7), substr(COALESCE(released_on, ended_on, moved_out_on), "
     "1, 7)",
     -1, true},
    {"SELECT org_path, 'new', substr(reported_on, 1, 7), NULL, COUNT(*) FROM corr_subject WHERE deleted_at IS NULL "
     "AND org_path >= $1 AND org_path < $2 AND reported_on >= $3 AND reported_on <= $4 "
     "GROUP BY org_path, substr(reported_on, 1, 7)",
     C_NEW, false},
    {"SELECT org_path, 'released', substr(released_on, 1, 7), NULL, COUNT(*) FROM corr_subject WHERE deleted_at IS "
     "NULL AND org_path >= $1 AND org_path < $2 AND released_on >= $3 AND released_on <= $4 "
     "GROUP BY org_path, substr(released_on, 1, 7)",
     C_RELEASED, false},
    {"SELECT org_path, 'terminated', substr(ended_on, 1, 7), NULL, COUNT(*) FROM corr_subject WHERE deleted_at IS "
     "NULL AND org_path >= $1 AND org_path < $2 AND ended_on >= $3 AND ended_on <= $4 "
     "GROUP BY org_path, substr(ended_on, 1, 7)",
     C_TERMINATED, false},
    {"SELECT org_path, kind, substr(raised_on, 1, 7), NULL, COUNT(*) FROM corr_alert WHERE deleted_at IS NULL "
     "AND org_path >= $1 AND org_path < $2 AND raised_on >= $3 AND raised_on <= $4 "
     "GROUP BY org_path, kind, substr(raised_on, 1, 7)",
     -1, false},
    {"SELECT org_path, kind, substr(decided_on, 1, 7), NULL, COUNT(*) FROM corr_sanction WHERE deleted_at IS NULL "
     "AND org_path >= $1 AND org_path < $2 AND wf_state = 'approved' AND decided_on >= $3 AND decided_on <= $4 "
     "GROUP BY org_path, kind, substr(decided_on, 1, 7)",
     -1, false},
};

static int col_of_key(const char *k) {
    static const struct {
        const char *key;
        int col;
    } map[] = {{"control", C_CONTROL},
               {"probation", C_PROBATION},
               {"parole", C_PAROLE},
               {"medical_parole", C_MEDICAL},
               {"missed_report", C_LOST},
               {"unreported", C_MISSED},
               {"warning", C_WARNING},
               {"revoke_probation", C_REVOKED},
               {"revoke_parole", C_REVOKED},
               {"custody", C_CUSTODY},
               {NULL, 0}};
    for (int i = 0; map[i].key; i++)
        if (strcmp(map[i].key, k) == 0) return map[i].col;
    return -1;
}

/* The month (1–12) of "YYYY-MM" in year y; 0 before the year, 13 after it
 * (or when NULL). */
static int month_in(const char *ym, int y) {
    if (!ym) return 13;
    int yy = atoi(ym), m = atoi(ym + 5);
    return yy < y ? 0 : yy > y ? 13 : m;
}

/* Counts year y into rows (each a unit whose subtree takes the records
 * below its path; what lies below none, such as a record the district owns
 * itself, into other) within the ranges.  0 or -1 (store error). */
static int tally(http_req_t *r, const ranges_t *rg, unit_row_t *rows, int nrows, unit_row_t *other, int y) {
    char from[11], to[11];
    snprintf(from, sizeof(from), "%04d-01-01", y);
    snprintf(to, sizeof(to), "%04d-12-31", y);
    for (size_t t = 0; t < sizeof(tallies) / sizeof(tallies[0]); t++)
        for (int k = 0; k < rg->n; k++) {
            db_stmt_t *s = db_prepare(r->db, tallies[t].sql);
            if (!s) return -1;
            db_bind_text(s, 1, rg->lo[k], -1);
            db_bind_text(s, 2, rg->hi[k], -1);
            db_bind_text(s, 3, from, -1);
            db_bind_text(s, 4, to, -1);
            int rc;
            while ((rc = db_step(s)) == DB_ROW) {
                const char *p = db_col_text(s, 0), *key = db_col_null(s, 1) ? "" : db_col_text(s, 1);
                int col = tallies[t].col >= 0 ? tallies[t].col : col_of_key(key);
                if (col < 0) continue;
                unit_row_t *u = other;
                for (int i = 0; i < nrows; i++)
                    if (strncmp(p, rows[i].path, strlen(rows[i].path)) == 0) {
                        u = &rows[i];
                        break;
                    }
                int64_t n = db_col_int(s, 4);
                int m = month_in(db_col_null(s, 2) ? NULL : db_col_text(s, 2), y);
                if (!tallies[t].span) {
                    if (m >= 1 && m <= 12) u->year[m - 1][col] += n;
                    continue;
                }
                /* on the register at the end of each month from 报到 until the month of leaving */
                int until = month_in(db_col_null(s, 3) ? NULL : db_col_text(s, 3), y);
                for (int x = m < 1 ? 1 : m; x < until && x <= 12; x++) {
                    u->year[x - 1][col] += n;
                    u->year[x - 1][C_REGISTER] += n;
                }
            }
            db_reset(s);
            if (rc < 0) return -1;
        }
    return 0;
}

static int write_returns_xlsx(http_req_t *r, const char *unit_name, const char *month, unit_row_t *rows, int n,
                              unit_row_t *total, buf_t *out) {
    xlsx_tmp_t tmp;
    lxw_workbook *wb = xlsx_tmp_open(&tmp);
    if (!wb) return xlsx_tmp_finish(&tmp, NULL, NULL), -1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "社区矫正工作统计月报");
    lxw_format *bold = workbook_add_format(wb), *title = workbook_add_format(wb), *cell = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_border(bold, LXW_BORDER_THIN);
    format_set_text_wrap(bold);
    format_set_bold(title);
    format_set_font_size(title, 14);
    format_set_border(cell, LXW_BORDER_THIN);
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, N_COLS, 10, NULL);
    worksheet_write_string(ws, 0, 0, arena_printf(r->arena, "社区矫正工作统计月报 (%s)", unit_name), title);
    worksheet_write_string(ws, 1, 0, arena_printf(r->arena, "统计月份: %s; 在册人数为月末数", month), NULL);
    worksheet_write_string(ws, 3, 0, "单位", bold);
    for (int c = 0; c < N_COLS; c++)
        worksheet_write_string(ws, 3, (lxw_col_t)(1 + c), col_labels[c], bold);
    lxw_row_t row = 4;
    for (int i = 0; i <= n; i++, row++) {
        unit_row_t *u = i < n ? &rows[i] : total;
        worksheet_write_string(ws, row, 0, i < n ? u->name : "合计", i < n ? cell : bold);
        for (int c = 0; c < N_COLS; c++)
            worksheet_write_number(ws, row, (lxw_col_t)(1 + c), (double)u->c[c], cell);
    }
    return xlsx_tmp_finish(&tmp, wb, out);
}

static void write_cols(jw_t *w, const int64_t *c) {
    for (int k = 0; k < N_COLS; k++)
        jw_kint(w, col_keys[k], c[k]);
}

static void get_returns(http_req_t *r) {
    const char *month = http_query(r, "month"), *format = http_query(r, "format");
    char today[11];
    wf_today(today);
    int y = atoi(today), m = atoi(today + 5);
    if (month) {
        if (strlen(month) != 7 || month[4] != '-' || sscanf(month, "%d-%d", &y, &m) != 2 || y < 2000 || y > 2999 ||
            m < 1 || m > 12)
            return http_invalid(r, "month", "统计月份格式应为 YYYY-MM");
    }
    if (format && strcmp(format, "json") && strcmp(format, "xlsx"))
        return http_invalid(r, "format", "format 只能是 json 或 xlsx");
    int64_t org;
    const char *path, *name;
    ranges_t rg;
    if (the_unit(r, &org, &path, &name) != 0 || corr_ranges(r, path, &rg) != 0) return;
    /* the rows: the districts of a city, the offices of a district, or the office itself */
    unit_row_t *rows = NULL;
    int n = 0, cap = 0;
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, path, level FROM org_units WHERE parent_id = $1 "
                                     "AND level IN ('district', 'office') ORDER BY id");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, org);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            unit_row_t *x = arena_calloc(r->arena, sizeof(unit_row_t) * (size_t)cap);
            if (n) memcpy(x, rows, sizeof(unit_row_t) * (size_t)n);
            rows = x;
        }
        unit_row_t *u = &rows[n++];
        memset(u, 0, sizeof(*u));
        u->id = db_col_int(s, 0);
        u->name = arena_strdup(r->arena, db_col_text(s, 1));
        u->path = arena_strdup(r->arena, db_col_text(s, 2));
        u->level = arena_strdup(r->arena, db_col_text(s, 3));
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!n) {
        rows = arena_calloc(r->arena, sizeof(unit_row_t));
        rows[0] = (unit_row_t){.id = org, .name = name, .path = path, .level = "office"};
        n = 1;
    }
    unit_row_t *other = arena_calloc(r->arena, sizeof(unit_row_t)), *total = arena_calloc(r->arena, sizeof(unit_row_t));
    if (tally(r, &rg, rows, n, other, y) != 0) return http_store_error(r);
    /* the month asked per row; the unit's total (its rows and what lies below none) each month */
    *total = (unit_row_t){.id = org, .name = name, .path = path};
    for (int i = 0; i <= n; i++) {
        unit_row_t *u = i < n ? &rows[i] : other;
        memcpy(u->c, u->year[m - 1], sizeof(u->c));
        for (int k = 0; k < 12; k++)
            for (int c = 0; c < N_COLS; c++)
                total->year[k][c] += u->year[k][c];
    }
    memcpy(total->c, total->year[m - 1], sizeof(total->c));
    const char *ym = arena_printf(r->arena, "%04d-%02d", y, m);
    if (format && strcmp(format, "xlsx") == 0) {
        buf_t file = BUF_INIT;
        if (write_returns_xlsx(r, name, ym, rows, n, total, &file) != 0) {
            buf_free(&file);
            log_error("corrections returns: xlsx failed");
            return http_error(r, 500, "export_failed", "统计表生成失败");
        }
        char detail[160];
        snprintf(detail, sizeof(detail), "{\"report\":\"corrections_returns\",\"org\":%lld,\"month\":\"%s\"}",
                 (long long)org, ym);
        if (auth_audit(r, "record.export", "corrections-subjects", 0, "ok", detail) != 0) {
            buf_free(&file);
            return http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
        }
        http_set_header(r, "Cache-Control", "no-store");
        http_set_header(
            r, "Content-Disposition",
            arena_printf(r->arena, "attachment; filename=\"corrections-returns.xlsx\"; filename*=UTF-8''%s",
                         engine_rfc5987(r, arena_printf(r->arena, "社区矫正统计月报-%s-%s.xlsx", name, ym))));
        http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.data,
                        file.len);
        buf_free(&file);
        return;
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "month", ym);
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", org);
    jw_kstr(w, "name", name);
    jw_obj_end(w);
    jw_key(w, "columns");
    jw_arr(w);
    for (int c = 0; c < N_COLS; c++) {
        jw_obj(w);
        jw_kstr(w, "key", col_keys[c]);
        jw_kstr(w, "label", col_labels[c]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "rows");
    jw_arr(w);
    for (int i = 0; i < n; i++) {
        jw_obj(w);
        jw_kint(w, "id", rows[i].id);
        jw_kstr(w, "name", rows[i].name);
        jw_kstr(w, "level", rows[i].level);
        write_cols(w, rows[i].c);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "total");
    jw_obj(w);
    write_cols(w, total->c);
    jw_obj_end(w);
    jw_key(w, "months");
    jw_arr(w);
    for (int k = 0; k < m; k++) {
        jw_obj(w);
        jw_kstr(w, "month", arena_printf(r->arena, "%04d-%02d", y, k + 1));
        write_cols(w, total->year[k]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* ---- education and public-benefit hours per month (法 第三十六条, 第四十二条) ---- */

/* GET /api/v1/corrections/hours?subject_id=ID&year=YYYY: one subject's
 * hours of education and of public-benefit activity in each month of the
 * year, read through the one access path of the subject. */
static void get_hours(http_req_t *r) {
    int64_t id = http_query_id(r, "subject_id");
    if (id <= 0) return http_invalid(r, "subject_id", "请指定社区矫正对象");
    char today[11];
    wf_today(today);
    const char *y = http_query(r, "year");
    int year = y ? atoi(y) : atoi(today);
    if (year < 2000 || year > 2999) return http_invalid(r, "year", "年度应为 2000 到 2999 之间的年份");
    const entity_t *e = entity_find("corrections-subjects");
    db_stmt_t *s = db_prepare(r->db, "SELECT org_path FROM corr_subject WHERE id = $1 AND deleted_at IS NULL");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    const char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    engine_read_t a = e ? engine_may_read(r, e, path) : ENGINE_READ_FORBIDDEN;
    if (!ENGINE_READABLE(a)) return engine_read_refuse(r, a);
    if (a == ENGINE_READ_GRANTED && engine_read_audit(r, e, id, "hours") != 0)
        return http_error(r, 503, "audit_failed", "审计记录写入失败");
    int64_t edu[12] = {0}, pub[12] = {0};
    char from[11], to[11];
    snprintf(from, sizeof(from), "%04d-01-01", year);
    snprintf(to, sizeof(to), "%04d-12-31", year);
    s = db_prepare(r->db, "SELECT substr(on_date, 6, 2), kind, SUM(hours) FROM corr_record WHERE subject_id = $1 "
                          "AND deleted_at IS NULL AND kind IN ('education', 'public_service') AND on_date >= $2 "
                          "AND on_date <= $3 AND hours IS NOT NULL GROUP BY 1, 2");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    db_bind_text(s, 2, from, -1);
    db_bind_text(s, 3, to, -1);
    while ((rc = db_step(s)) == DB_ROW) {
        int m = atoi(db_col_text(s, 0));
        if (m < 1 || m > 12) continue;
        int64_t *into = strcmp(db_col_text(s, 1), "education") == 0 ? &edu[m - 1] : &pub[m - 1];
        *into += db_col_int(s, 2);
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "subject_id", id);
    jw_kint(w, "year", year);
    jw_key(w, "months");
    jw_arr(w);
    for (int m = 0; m < 12; m++) {
        char a1[32], a2[32];
        decimal_format(edu[m], 1, a1, sizeof(a1));
        decimal_format(pub[m], 1, a2, sizeof(a2));
        jw_obj(w);
        jw_kstr(w, "month", arena_printf(r->arena, "%04d-%02d", year, m + 1));
        jw_kstr(w, "education", a1);
        jw_kstr(w, "public_service", a2);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/corrections/overdue", get_overdue, .perm = "corrections.subject.read"},
    {"GET", "/api/v1/corrections/returns", get_returns, .perm = "corrections.subject.read"},
    {"GET", "/api/v1/corrections/hours", get_hours, .perm = "corrections.record.read"},
    {0},
};

/* ---- the scheduler: alerts ---- */

typedef struct due_row {
    int64_t subject, org;
    char path[GEN_PATH_MAX * 2], due[11], name[64], kind[16];
} due_row_t;

/* Inserts one alert (with its audit row) in its own transaction. */
static int raise_alert(db_t *db, const struct keys *keys, const due_row_t *d, const char *today, const char *now) {
    const entity_t *e = entity_find("corrections-alerts");
    const char *what = strcmp(d->kind, "unreported") == 0      ? "逾期未报到 (报到期限"
                       : strcmp(d->kind, "leave_overdue") == 0 ? "外出逾期未归 (应返回日期"
                                                               : "未按期报告 (应报告日期";
    char summary[200], due[11];
    snprintf(summary, sizeof(summary), "%s %s %s)", d->name, what, d->due);
    if (cal_add_workdays(db, today, 1, due) != 0) return -1;
    /* 漏管 is the office's and the institution's at once (法 第二十一条); the others the office's first */
    bool both = strcmp(d->kind, "unreported") == 0;
    json_t *f = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)d->subject, "kind",
                          d->kind, "summary", summary, "due_on", d->due, "raised_on", today, "level",
                          both ? "institution" : "office", "created_at", now, "state_since", today, "due_at", due);
    if (both) json_object_set_new(f, "escalated_on", json_string(today));
    json_object_set_new(f, "updated_at", json_string(now));
    if (db_begin(db) != 0) return json_decref(f), -1;
    int64_t id = engine_insert_raw(db, e, d->org, d->path, both ? "escalated" : "open", f);
    json_decref(f);
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"due_on\":\"%s\"}", d->kind, d->due);
    audit_event_t ev = {.action = "corrections.alert",
                        .entity = "corrections-alerts",
                        .entity_id = id,
                        .result = "ok",
                        .detail_json = detail,
                        .username = "scheduler",
                        .org_id = d->org,
                        .ip = "local"};
    if (id < 0 || audit_write(db, keys, &ev) != 0 || db_commit(db) != 0) return db_rollback(db), -1;
    return 0;
}

/* What is past due and not alerted yet: unreported subjects, missed
 * reports (one alert per missed due date), approved leaves not back. */
static const char *const due_sql[] = {
    "SELECT s.id, s.org_id, s.org_path, s.due_at, p.name, 'unreported' FROM corr_subject s LEFT JOIN persons p ON "
    "p.id = s.person_id WHERE s.deleted_at IS NULL AND s.wf_state = 'entrusted' AND s.due_at < $1 AND NOT EXISTS "
    "(SELECT 1 FROM corr_alert a WHERE a.subject_id = s.id AND a.kind = 'unreported' AND a.deleted_at IS NULL) "
    "ORDER BY s.id LIMIT 500",
    "SELECT s.id, s.org_id, s.org_path, s.next_report_due, p.name, 'missed_report' FROM corr_subject s LEFT JOIN "
    "persons p ON p.id = s.person_id WHERE s.deleted_at IS NULL AND s.wf_state = 'supervised' AND "
    "s.next_report_due < $1 AND NOT EXISTS (SELECT 1 FROM corr_alert a WHERE a.subject_id = s.id AND a.kind = "
    "'missed_report' AND a.due_on = s.next_report_due AND a.deleted_at IS NULL) ORDER BY s.id LIMIT 500",
    "SELECT l.subject_id, l.org_id, l.org_path, l.leave_to, p.name, 'leave_overdue' FROM corr_leave l JOIN "
    "corr_subject s ON s.id = l.subject_id LEFT JOIN persons p ON p.id = s.person_id WHERE l.deleted_at IS NULL "
    "AND l.wf_state = 'approved' AND l.leave_to < $1 AND NOT EXISTS (SELECT 1 FROM corr_alert a WHERE "
    "a.subject_id = l.subject_id AND a.kind = 'leave_overdue' AND a.due_on = l.leave_to AND a.deleted_at IS NULL) "
    "ORDER BY l.id LIMIT 500",
    NULL,
};

static int corrections_tick(db_t *db, const struct keys *keys) {
    char today[11], now[21];
    wf_today(today);
    iso_from_unix(now_unix(), now);
    int changed = 0;
    for (int q = 0; due_sql[q]; q++) {
        db_stmt_t *s = db_prepare(db, due_sql[q]);
        if (!s) return -1;
        db_bind_text(s, 1, today, -1);
        due_row_t *rows = calloc(500, sizeof(due_row_t));
        if (!rows) abort();
        int n = 0, rc;
        while (n < 500 && (rc = db_step(s)) == DB_ROW) {
            due_row_t *d = &rows[n++];
            d->subject = db_col_int(s, 0);
            d->org = db_col_int(s, 1);
            snprintf(d->path, sizeof(d->path), "%s", db_col_text(s, 2));
            snprintf(d->due, sizeof(d->due), "%s", db_col_text(s, 3));
            if (db_col_null(s, 4))
                snprintf(d->name, sizeof(d->name), "矫正对象");
            else
                mask_name(db_col_text(s, 4), d->name, sizeof(d->name));
            snprintf(d->kind, sizeof(d->kind), "%s", db_col_text(s, 5));
        }
        db_reset(s);
        if (rc < 0) return free(rows), -1; /* not "no check-in is due": the next run raises them */
        for (int i = 0; i < n; i++) {
            if (raise_alert(db, keys, &rows[i], today, now) != 0) {
                free(rows);
                return -1;
            }
            changed++;
        }
        free(rows);
    }
    /* escalation: an alert open for corr_alert_escalate_workdays working
     * days after the missed date goes up to the district institution */
    int64_t after;
    if (std_setting(db, "corr_alert_escalate_workdays", &after) != 0) return -1;
    db_stmt_t *s = db_prepare(db, "SELECT id, org_id, due_on FROM corr_alert WHERE deleted_at IS NULL AND "
                                  "wf_state = 'open' AND level = 'office' ORDER BY id LIMIT 1000");
    if (!s) return -1;
    struct {
        int64_t id, org;
        char due[11];
    } *up = calloc(1000, sizeof(*up));
    if (!up) abort();
    int n = 0, step = DB_DONE;
    while (n < 1000 && (step = db_step(s)) == DB_ROW) {
        up[n].id = db_col_int(s, 0);
        up[n].org = db_col_int(s, 1);
        snprintf(up[n].due, sizeof(up[n].due), "%s", db_col_text(s, 2));
        n++;
    }
    db_reset(s);
    if (step < 0) return free(up), -1; /* the caller logs; the next run escalates them */
    for (int i = 0; i < n; i++) {
        int late = cal_workdays_between(db, up[i].due, today);
        if (late == CAL_ERR || late < after) continue;
        if (db_begin(db) != 0) goto fail;
        s = db_prepare(db,
                       "UPDATE corr_alert SET wf_state = 'escalated', state_since = $1, level = 'institution', "
                       "escalated_on = $1, escalated = 1, version = version + 1 WHERE id = $2 AND wf_state = 'open'");
        if (!s) {
            db_rollback(db);
            goto fail;
        }
        db_bind_text(s, 1, today, -1);
        db_bind_int(s, 2, up[i].id);
        int rc = db_step(s);
        db_reset(s);
        char detail[96];
        snprintf(detail, sizeof(detail), "{\"level\":\"institution\",\"working_days_late\":%d}", late);
        audit_event_t ev = {.action = "workflow.escalate",
                            .entity = "corrections-alerts",
                            .entity_id = up[i].id,
                            .result = "ok",
                            .detail_json = detail,
                            .username = "scheduler",
                            .org_id = up[i].org,
                            .ip = "local"};
        if (rc != DB_DONE || audit_write(db, keys, &ev) != 0 || db_commit(db) != 0) {
            db_rollback(db);
            goto fail;
        }
        changed++;
    }
    free(up);
    return changed;
fail:
    free(up);
    return -1;
}

/* ---- scale data: `sifasuo generate corrections-subjects --count N` ---- */

/* The subjects of one district institution's caseload (浦东新区, where the
 * demo's institution account sits): the bench's "who is overdue" list reads
 * them.  In supervision, a tenth of them past their next report. */
static int gen_prepare(engine_gen_t *g, char *err, size_t errlen) {
    if (engine_gen_offices(g, err, errlen) != 0) return -1;
    db_stmt_t *s = db_prepare(g->db, "SELECT path FROM org_units WHERE name = '浦东新区司法局' ORDER BY id LIMIT 1");
    if (!s) return snprintf(err, errlen, "%s", db_errmsg(g->db)), -1;
    char district[GEN_PATH_MAX] = "";
    if (db_step(s) == DB_ROW) snprintf(district, sizeof(district), "%s", db_col_text(s, 0));
    db_reset(s);
    int k = 0;
    for (int i = 0; i < g->noffices; i++)
        if (!*district || strncmp(g->path[i], district, strlen(district)) == 0) {
            g->offices[k] = g->offices[i];
            memcpy(g->path[k], g->path[i], sizeof(g->path[k]));
            memcpy(g->region[k], g->region[i], sizeof(g->region[k]));
            k++;
        }
    if (!k) return snprintf(err, errlen, "没有可用的司法所"), -1;
    g->noffices = k;
    s = db_prepare(g->db, "SELECT COUNT(*) FROM corr_subject");
    if (!s) return snprintf(err, errlen, "%s", db_errmsg(g->db)), -1;
    g->start = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    return 0;
}

static int gen_one(engine_gen_t *g, int64_t i) {
    static const char *const types[] = {"probation", "probation", "probation", "parole", "control", "medical_parole"};
    static const char *const classes[] = {"strict", "normal", "normal", "lenient"};
    uint64_t x = engine_gen_mix((uint64_t)i);
    int o = (int)(i % g->noffices);
    char today[11], eff[11], end[11], last[11], next[11], no[64];
    wf_today(today);

    int64_t back = 30 + (int64_t)(x % 700);
    char iso[21];
    int64_t t0 = now_unix() + 8 * 3600;
    iso_from_unix(t0 - back * 86400, iso);
    snprintf(eff, sizeof(eff), "%.10s", iso);
    iso_from_unix(t0 + (int64_t)(30 + (x >> 12) % 900) * 86400, iso);
    snprintf(end, sizeof(end), "%.10s", iso);
    const char *cls = classes[(x >> 20) % 4];
    int step = cls[0] == 's' ? 7 : cls[0] == 'l' ? 60 : 30;
    bool missed = (x >> 28) % 10 == 0; /* a tenth past due */
    int64_t ago = missed ? step + 1 + (int64_t)((x >> 32) % 20) : (int64_t)((x >> 32) % (uint64_t)step);
    iso_from_unix(t0 - ago * 86400, iso);
    snprintf(last, sizeof(last), "%.10s", iso);
    iso_from_unix(t0 - ago * 86400 + (int64_t)step * 86400, iso);
    snprintf(next, sizeof(next), "%.10s", iso);
    snprintf(no, sizeof(no), "(%.4s)沪浦矫字第%lld-G%07lld号", today, (long long)g->offices[o], (long long)i);
    db_stmt_t *s = db_prepare(
        g->db,
        "INSERT INTO corr_subject (org_id, org_path, created_at, updated_at, wf_state, wf_version, state_since, "
        "case_no, corr_type, decision_organ, decision_doc, effective_on, start_on, end_on, entrusted_on, "
        "reported_on, announced_on, supervision_class, class_reason, last_report_on, next_report_due, "
        "last_visit_on, next_visit_due) VALUES ($1, $2, $3, $3, 'supervised', 1, $4, $5, $6, '上海市浦东新区人民法院', "
        "'(2026)沪0115刑初1号', $7, $7, $8, $7, $7, $7, $9, '生成数据', $10, $11, $10, $11)");
    if (!s) return -1;
    char now[21];
    iso_from_unix(now_unix(), now);
    db_bind_int(s, 1, g->offices[o]);
    db_bind_text(s, 2, g->path[o], -1);
    db_bind_text(s, 3, now, -1);
    db_bind_text(s, 4, today, -1);
    db_bind_text(s, 5, no, -1);
    db_bind_text(s, 6, types[(x >> 40) % 6], -1);
    db_bind_text(s, 7, eff, -1);
    db_bind_text(s, 8, end, -1);
    db_bind_text(s, 9, cls, -1);
    db_bind_text(s, 10, last, -1);
    db_bind_text(s, 11, next, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

const engine_generator_t corrections_subject_generator = {
    .label = "社区矫正对象",
    .batch = 2000,
    .prepare = gen_prepare,
    .one = gen_one,
};

void corrections_board_declare(void) {
    router_add(routes);
    wf_on_tick(corrections_tick);
}
