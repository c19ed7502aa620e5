/* calendar.c — the working-day calendar (see calendar.h).
 *
 * Days are counted as integers since 1970-01-01 (Howard Hinnant's civil
 * calendar algorithms), so arithmetic never meets a time zone.  The cached
 * snapshot is the holidays table sorted by day, with a running sum of each
 * row's effect on the Monday–Friday count; so "working days between" is two
 * binary searches whatever the span, and "add n working days" walks n days
 * with a cursor instead of a search per day. */
#include "util/validate.h"
#include "engine/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/gencache.h"
#include "util/timeutil.h"

/* ---- dates as day numbers ---- */

enum { FIRST_YEAR = 1900, LAST_YEAR = 2999 }; /* date_valid's range */

static int32_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d) {
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* Parses a real "YYYY-MM-DD" in the supported years. */
static bool parse_day(const char *s, int32_t *day) {
    if (!date_valid(s)) return false;
    *day = days_from_civil(atoi(s), atoi(s + 5), atoi(s + 8));
    return true;
}

/* day must lie in the supported years (four-digit, positive). */
static void format_day(int32_t day, char out[11]) {
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    const int parts[3][2] = {{y, 4}, {m, 2}, {d, 2}};
    char *p = out + 10;
    *p = '\0';
    for (int i = 2; i >= 0; i--) {
        int v = parts[i][0];
        for (int k = 0; k < parts[i][1]; k++, v /= 10) *--p = (char)('0' + v % 10);
        if (i) *--p = '-';
    }
}

static int floor_div7(int32_t a) { return a >= 0 ? a / 7 : -((-a + 6) / 7); }

/* 0 = Monday … 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int32_t day) { return (int)(day + 3 - 7 * floor_div7(day + 3)); }

static bool is_weekend(int32_t day) { return weekday(day) >= 5; }

/* Mondays–Fridays up to and including day, counted from 1970-01-05 (a
 * Monday); only differences are used. */
static int32_t weekdays_upto(int32_t day) {
    int32_t k = day - 4;
    int32_t q = floor_div7(k), r = k - 7 * q;
    return 5 * q + (r + 1 < 5 ? r + 1 : 5);
}

/* ---- the cached calendar ---- */

typedef struct cal_snap {
    int n;
    int32_t *day;    /* the holidays rows' dates, ascending */
    bool *workday;   /* kind = 'workday' */
    int32_t *prefix; /* [i] = the rows 0..i-1's net effect on the Monday–Friday count */
} cal_snap_t;

static void cal_snap_free(void *p) {
    cal_snap_t *s = p;
    if (!s) return;
    free(s->day);
    free(s->workday);
    free(s->prefix);
    free(s);
}

typedef struct {
    int32_t day;
    bool workday;
} cal_row_t;

static int row_cmp(const void *a, const void *b) {
    int32_t x = ((const cal_row_t *)a)->day, y = ((const cal_row_t *)b)->day;
    return (x > y) - (x < y);
}

static void *cal_snap_load(db_t *db) {
    db_stmt_t *st = db_prepare(db, "SELECT date, kind FROM holidays");
    if (!st) return NULL;
    size_t cap = 512, n = 0;
    cal_row_t *rows = malloc(cap * sizeof(*rows));
    int rc = DB_ERR;
    while (rows && (rc = db_step(st)) == DB_ROW) {
        int32_t day;
        const char *date = db_col_text(st, 0), *kind = db_col_text(st, 1);
        if (!date || !parse_day(date, &day)) continue; /* not a date we count with: ignored */
        if (n == cap) {
            cal_row_t *more = realloc(rows, 2 * cap * sizeof(*rows));
            if (!more) break;
            rows = more, cap *= 2;
        }
        rows[n++] = (cal_row_t){day, kind && strcmp(kind, "workday") == 0};
    }
    db_reset(st);
    cal_snap_t *s = calloc(1, sizeof(*s));
    if (!rows || !s || rc != DB_DONE) goto fail;
    qsort(rows, n, sizeof(*rows), row_cmp); /* both engines sort alike this way */
    s->n = (int)n;
    s->day = malloc((n + 1) * sizeof(*s->day));
    s->workday = malloc((n + 1) * sizeof(*s->workday));
    s->prefix = malloc((n + 1) * sizeof(*s->prefix));
    if (!s->day || !s->workday || !s->prefix) goto fail;
    s->prefix[0] = 0;
    for (size_t i = 0; i < n; i++) {
        s->day[i] = rows[i].day;
        s->workday[i] = rows[i].workday;
        int effect = rows[i].workday ? is_weekend(rows[i].day) : -!is_weekend(rows[i].day);
        s->prefix[i + 1] = s->prefix[i] + effect;
    }
    free(rows);
    return s;
fail:
    free(rows);
    cal_snap_free(s);
    return NULL;
}

static gencache_t cal_cache = GENCACHE_INIT("calendar", cal_snap_load, cal_snap_free);

void cal_invalidate(void) { gencache_invalidate(&cal_cache); }

/* The index of the first row dated after day. */
static int upper_bound(const cal_snap_t *s, int32_t day) {
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->day[mid] <= day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool snap_is_workday(const cal_snap_t *s, int32_t day) {
    int i = upper_bound(s, day) - 1;
    if (i >= 0 && s->day[i] == day) return s->workday[i];
    return !is_weekend(day);
}

/* Working days in (a, b] for a <= b. */
static int snap_between(const cal_snap_t *s, int32_t a, int32_t b) {
    return (weekdays_upto(b) - weekdays_upto(a)) + (s->prefix[upper_bound(s, b)] - s->prefix[upper_bound(s, a)]);
}

int cal_day_kind(db_t *db, const char *date) {
    int32_t day;
    if (!parse_day(date, &day)) return -1;
    const cal_snap_t *s = gencache_get(&cal_cache, db);
    if (!s) return -1;
    return snap_is_workday(s, day);
}

bool cal_is_workday(db_t *db, const char *date) { return cal_day_kind(db, date) == 1; }

int cal_add_workdays(db_t *db, const char *date, int n, char out[11]) {
    out[0] = '\0';
    int32_t day;
    if (n < 0 || n > CAL_MAX_DAYS || !parse_day(date, &day)) return -1;
    const cal_snap_t *s = gencache_get(&cal_cache, db);
    if (!s) return -1;
    const int32_t last = days_from_civil(LAST_YEAR, 12, 31);
    int i = upper_bound(s, day); /* the cursor: first row after the current day */
    while (n > 0) {
        if (++day > last) return -1;
        while (i < s->n && s->day[i] < day) i++;
        bool work = i < s->n && s->day[i] == day ? s->workday[i] : !is_weekend(day);
        n -= work;
    }
    format_day(day, out);
    return 0;
}

int cal_workdays_between(db_t *db, const char *from, const char *to) {
    int32_t a, b;
    if (!parse_day(from, &a) || !parse_day(to, &b)) return CAL_ERR;
    const cal_snap_t *s = gencache_get(&cal_cache, db);
    if (!s) return CAL_ERR;
    return a <= b ? snap_between(s, a, b) : -snap_between(s, b, a);
}

/* ---- HTTP: reading and editing the calendar ---- */

static const perm_def_t calendar_perms[] = {
    {"calendar.manage", "维护工作日历 (节假日与调休)", "sysadmin"},
    {0},
};

#define BAD_DATE "日期应为 YYYY-MM-DD 格式的有效日期 (1900–2999 年)"


/* "2024-10-01" → 20241001: the audit row's entity id. */
static int64_t date_id(const char *date) {
    return (int64_t)atoi(date) * 10000 + atoi(date + 5) * 100 + atoi(date + 8);
}

/* GET /api/v1/calendar?year=2024 — the year's rows and its working-day count. */
static void get_calendar(http_req_t *r) {
    const char *ys = http_query(r, "year");
    int year;
    if (ys) {
        bool digits = strlen(ys) == 4 && strspn(ys, "0123456789") == 4;
        year = digits ? atoi(ys) : 0;
        if (year < FIRST_YEAR || year > LAST_YEAR) return http_invalid(r, "year", "年份应为 1900 到 2999 之间的四位数字");
    } else {
        char iso[21];
        iso_from_unix(now_unix() + 8 * 3600, iso); /* the year in Beijing */
        year = atoi(iso);
    }
    char first[11], last[11], before[11];
    snprintf(first, sizeof(first), "%04d-01-01", year);
    snprintf(last, sizeof(last), "%04d-12-31", year);
    format_day(days_from_civil(year, 1, 1) - 1, before);
    db_stmt_t *s = db_prepare(r->db, "SELECT date, kind, name, source FROM holidays WHERE date >= $1 AND date <= $2 "
                                     "ORDER BY date");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, first, -1);
    db_bind_text(s, 2, last, -1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "year", year);
    jw_key(w, "days");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kstr(w, "date", db_col_text(s, 0));
        jw_kstr(w, "kind", db_col_text(s, 1));
        jw_kstr(w, "name", db_col_text(s, 2));
        jw_kstr(w, "source", db_col_text(s, 3));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    int workdays = cal_workdays_between(r->db, before, last);
    if (workdays == CAL_ERR) return http_store_error(r);
    jw_kint(w, "workdays", workdays);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* GET /api/v1/calendar/workdays?from=2024-09-30&days=1 → {"date":"2024-10-08"} */
static void get_workdays(http_req_t *r) {
    const char *from = http_query(r, "from"), *ds = http_query(r, "days");
    json_t *fields = json_object();
    int32_t day;
    if (!from || !parse_day(from, &day)) json_object_set_new(fields, "from", json_string("起始日期" BAD_DATE));
    size_t len = ds ? strlen(ds) : 0;
    int days = len >= 1 && len <= 5 && strspn(ds, "0123456789") == len ? atoi(ds) : -1;
    if (days < 0 || days > CAL_MAX_DAYS)
        json_object_set_new(fields, "days", json_string("工作日天数应为 0 到 10000 之间的整数"));
    if (json_object_size(fields)) {
        http_invalid_fields(r, fields);
        json_decref(fields);
        return;
    }
    json_decref(fields);
    char out[11];
    if (cal_add_workdays(r->db, from, days, out) != 0) return http_invalid(r, "days", "结果超出日历范围 (2999 年以后)");
    jw_obj(&r->json);
    jw_kstr(&r->json, "from", from);
    jw_kint(&r->json, "days", days);
    jw_kstr(&r->json, "date", out);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

/* The row for date as {"kind","name","source"}; *row = NULL when there is
 * none.  Returns 0 or -1 on a store error. */
static int read_row(db_t *db, const char *date, json_t **row) {
    *row = NULL;
    db_stmt_t *s = db_prepare(db, "SELECT kind, name, source FROM holidays WHERE date = $1");
    if (!s) return -1;
    db_bind_text(s, 1, date, -1);
    int rc = db_step(s);
    if (rc == DB_ROW)
        *row = json_pack("{s:s?,s:s?,s:s?}", "kind", db_col_text(s, 0), "name", db_col_text(s, 1), "source",
                         db_col_text(s, 2));
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* Writes the audit row of an edit: {"date","before","after"} (NULL = no row). */
static int audit_edit(http_req_t *r, const char *action, const char *date, json_t *before, json_t *after) {
    json_t *d = json_pack("{s:s,s:O?,s:O?}", "date", date, "before", before, "after", after);
    char *text = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    int rc = text ? auth_audit(r, action, "holidays", date_id(date), "ok", text) : -1;
    free(text);
    json_decref(d);
    return rc;
}

/* PUT /api/v1/calendar/:date {kind, name[, source]} — creates or replaces the day. */
static void put_day(http_req_t *r) {
    const char *date = http_param(r, "date");
    int32_t day;
    if (!parse_day(date, &day)) return http_invalid(r, "date", BAD_DATE);
    json_t *b = http_json_body(r);
    if (!b) return;
    json_t *fields = json_object(), *before = NULL, *after = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (strcmp(k, "kind") && strcmp(k, "name") && strcmp(k, "source"))
            json_object_set_new(fields, k, json_string("未知字段"));
    }
    const char *kind = json_string_value(json_object_get(b, "kind"));
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *src_j = json_object_get(b, "source");
    const char *source = json_string_value(src_j);
    if (!kind || (strcmp(kind, "holiday") && strcmp(kind, "workday")))
        json_object_set_new(fields, "kind", json_string("类型应为 holiday (放假) 或 workday (调休上班)"));
    else if (!strcmp(kind, "workday") && !is_weekend(day))
        json_object_set_new(fields, "kind", json_string("调休上班日应为周六或周日 (周一至周五本就是工作日)"));
    if (!text_valid(name, 50)) json_object_set_new(fields, "name", json_string("请填写名称, 不超过 50 个字"));
    if (src_j && !json_is_null(src_j) && !text_valid(source, 200))
        json_object_set_new(fields, "source", json_string("来源应为文本, 不超过 200 个字"));
    if (json_object_size(fields)) {
        http_invalid_fields(r, fields);
        goto out;
    }
    if (!source) source = arena_printf(r->arena, "管理员维护 (%s)", auth_principal(r)->username);
    if (db_begin(r->db) != 0 || gencache_lock_for_write(&cal_cache, r->db) != 0 || read_row(r->db, date, &before) != 0)
        goto fail;
    db_stmt_t *s = db_prepare(r->db, before ? "UPDATE holidays SET kind = $2, name = $3, source = $4 WHERE date = $1"
                                            : "INSERT INTO holidays (date, kind, name, source) VALUES ($1, $2, $3, $4)");
    if (!s) goto fail;
    db_bind_text(s, 1, date, -1);
    db_bind_text(s, 2, kind, -1);
    db_bind_text(s, 3, name, -1);
    db_bind_text(s, 4, source, -1);
    int rc = db_step(s);
    db_reset(s);
    after = json_pack("{s:s,s:s,s:s}", "kind", kind, "name", name, "source", source);
    if (rc != DB_DONE || audit_edit(r, "calendar.set", date, before, after) != 0 || db_commit(r->db) != 0) goto fail;
    cal_invalidate();
    jw_obj(&r->json);
    jw_kstr(&r->json, "date", date);
    jw_kstr(&r->json, "kind", kind);
    jw_kstr(&r->json, "name", name);
    jw_kstr(&r->json, "source", source);
    jw_obj_end(&r->json);
    http_send_json(r, before ? 200 : 201);
    goto out;
fail:
    http_store_error(r);
out:
    json_decref(before);
    json_decref(after);
    json_decref(fields);
    json_decref(b);
}

/* DELETE /api/v1/calendar/:date — the day follows the weekday rule again. */
static void delete_day(http_req_t *r) {
    const char *date = http_param(r, "date");
    int32_t day;
    if (!parse_day(date, &day)) return http_invalid(r, "date", BAD_DATE);
    json_t *before = NULL;
    if (db_begin(r->db) != 0 || gencache_lock_for_write(&cal_cache, r->db) != 0 || read_row(r->db, date, &before) != 0)
        return http_store_error(r);
    if (!before) {
        db_rollback(r->db);
        return http_error(r, 404, "not_found", "该日期没有节假日或调休安排");
    }
    db_stmt_t *s = db_prepare(r->db, "DELETE FROM holidays WHERE date = $1");
    int rc = DB_ERR;
    if (s) {
        db_bind_text(s, 1, date, -1);
        rc = db_step(s);
        db_reset(s);
    }
    if (rc != DB_DONE || audit_edit(r, "calendar.delete", date, before, NULL) != 0 || db_commit(r->db) != 0) {
        json_decref(before);
        return http_store_error(r);
    }
    json_decref(before);
    cal_invalidate();
    jw_obj(&r->json);
    jw_kstr(&r->json, "date", date);
    jw_kbool(&r->json, "deleted", true);
    jw_kbool(&r->json, "workday", !is_weekend(day));
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/calendar", get_calendar, .perm = "org.read"},
    {"GET", "/api/v1/calendar/workdays", get_workdays},
    {"PUT", "/api/v1/calendar/:date", put_day, .body_limit = 4096, .perm = "calendar.manage"},
    {"DELETE", "/api/v1/calendar/:date", delete_day, .perm = "calendar.manage"},
    {0},
};

void calendar_perms_register(void) { perm_register(calendar_perms); }

void calendar_register(void) {
    calendar_perms_register();
    router_add(routes);
}
