/* standards_rules.c — the 规范化 rules of the three-year plan (司法所规范化
 * 建设三年行动方案; ../shared/DOMAIN.md "Standards that software can check"),
 * one row each of std_rules[], and their evaluators.
 *
 * Every evaluator reads the registers "as of" a date, from dates the
 * registers keep (joined_on/left_on of staff, in_use_from/in_use_to of
 * premises, acquired_on/retired_on of equipment, funding per year …), with
 * one or a few queries over the whole subtree, and sets a result for each
 * unit of its level.  Where a register keeps only the present (a yes/no on
 * the office profile), the rule says so in .facts and reads the present.
 * A failure before the rule's .effective date is reported "not yet due"
 * (standards.c applies that), so evaluators only decide pass or fail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/standards.h"
#include "util/json.h"

/* ---- helpers shared by the evaluators ---- */

int std_unit_index(const std_eval_t *e, int64_t id) {
    int lo = 0, hi = e->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (e->units[mid].id == id) return mid;
        if (e->units[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The unit whose subtree holds path ("/1/22/38/"): walks the ids in the
 * path and returns the first that is a unit of this evaluation, or -1. */
static int unit_of_path(const std_eval_t *e, const char *path) {
    for (const char *p = path; p && *p;) {
        if (*p == '/') p++;
        if (!*p) break;
        char *end;
        int64_t id = strtoll(p, &end, 10);
        if (end == p) break;
        int i = std_unit_index(e, id);
        if (i >= 0) return i;
        p = end;
    }
    return -1;
}

void std_record_filter(std_result_t *r, const char *entity, const char *filter, int64_t id, const char *label) {
    if (r->nrecords >= 30) return; /* enough to act on; the message gives the count */
    if (r->nrecords++) buf_putc(&r->records, ',');
    jw_t w;
    jw_init(&w, &r->records);
    jw_obj(&w);
    jw_kstr(&w, "entity", entity);
    jw_kint(&w, "id", id);
    jw_kstr(&w, "label", label);
    if (filter) jw_kstr(&w, "filter", filter);
    jw_obj_end(&w);
}

void std_record(std_result_t *r, const char *entity, int64_t id, const char *label) {
    std_record_filter(r, entity, NULL, id, label);
}

void std_set(std_eval_t *e, int i, std_status_t st, const char *actual, const char *required, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    std_result_t *r = &e->res[i];
    r->status = st;
    r->actual = actual ? arena_strdup(e->arena, actual) : NULL;
    r->required = required ? arena_strdup(e->arena, required) : NULL;
    r->message = arena_strdup(e->arena, msg);
}

/* Prepares sql over the evaluation's subtree: $1, $2 are the scope bounds,
 * $3 the as_of date when the SQL names it. */
static db_stmt_t *scoped(std_eval_t *e, const char *sql) {
    db_stmt_t *s = db_prepare(e->db, sql);
    if (!s) return NULL;
    db_bind_text(s, 1, e->scope, -1);
    db_bind_text(s, 2, e->scope_hi, -1);
    if (strstr(sql, "$3")) db_bind_text(s, 3, e->as_of, -1);
    return s;
}

static const char *itoa_a(std_eval_t *e, int64_t v) { return arena_printf(e->arena, "%lld", (long long)v); }

/* The live record filter every query starts with. */
#define LIVE "deleted_at IS NULL AND org_path >= $1 AND org_path < $2"
/* A register fact counts once the district approved it (信息审核 → 已审核,
 * registers.c): a record entered or checked only, or edited since its
 * approval (back to entered), is not yet a fact for a formal assessment. */
#define APPROVED "wf_state = 'approved'"
#define REGISTER LIVE " AND " APPROVED
/* A staff member belongs to the office on $3 (to-date history). */
#define PRESENT "joined_on <= $3 AND (left_on IS NULL OR left_on > $3)"
/* …and is in post (在岗) there (issue 19 point 2, clause 15 专编专用): not
 * seconded out (借调) nor off post (离岗) — the status is the present one,
 * the register keeps no history of it — and a 退休 record counts only up
 * to its leaving date (one without a date is not in post). */
#define IN_POST PRESENT " AND (status = 'on_duty' OR (status = 'retired' AND left_on IS NOT NULL))"
/* A staff member of the office (工作人员): not a hired legal counsel
 * (聘任法律顾问, clause 15's 运用聘任法律顾问等方式充实力量 — help, not staff). */
#define STAFF_MEMBER "post_type <> 'legal_adviser'"

/* True on a year's last day: a yearly rule (逐年, 每年) is judged then; before
 * it a failure is not yet due (issue 19 point 2). */
static bool year_end(const std_eval_t *e) { return strcmp(e->as_of + 4, "-12-31") == 0; }

/* Calls judge for the office profile of each unit (the first live one,
 * columns org_path, id, then cols); a unit without one fails with
 * "无已审核的司法所机构信息".  Clauses 14 and 4 read the profile. */
static int each_profile(std_eval_t *e, const char *sql, const char *required,
                        void (*judge)(std_eval_t *e, int i, db_stmt_t *s)) {
    db_stmt_t *s = scoped(e, sql);
    if (!s) return DB_ERR;
    int rc;
    bool *seen = arena_calloc(e->arena, (size_t)e->n + 1);
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0 || seen[i]) continue;
        seen[i] = true;
        std_record(&e->res[i], "office-profiles", db_col_int(s, 1), "机构信息");
        judge(e, i, s);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++)
        if (!seen[i]) std_set(e, i, STD_FAIL, "无", required, "无已审核的司法所机构信息 (设立批复、备案、列席会议等; 未登记或待审核)");
    return 0;
}

/* ---- clause 14: the office exists, is approved and filed with the city ---- */
static void judge_c14(std_eval_t *e, int i, db_stmt_t *s) {
    const char *status = db_col_text(s, 2), *filed_on = db_col_text(s, 3), *doc = db_col_text(s, 4);
    bool filed = status && strcmp(status, "filed") == 0 && (!filed_on || strcmp(filed_on, e->as_of) <= 0);
    if (filed)
        std_set(e, i, STD_PASS, "已备案", "已备案", "设立批复 %s, %s 报市局备案", doc ? doc : "(未填文号)",
                filed_on ? filed_on : "");
    else
        std_set(e, i, STD_FAIL, "未备案", "已备案", "设立批复 %s; 尚未报市局备案 (备案状态: %s)",
                doc ? doc : "(未填文号)", status && strcmp(status, "pending") == 0 ? "备案中" : "未备案");
}
/* The office change that established an office is the fact: approved by
 * the staffing authority (编办批复, submit) and filed with the city (备案,
 * file), applied — so an office created through the workflow passes from
 * its filing date without anyone typing the filing into its profile
 * (issue 19 point 1).  The profile's filing stands for offices older than
 * the platform. */
static int eval_c14_filed(std_eval_t *e) {
    int rc = each_profile(
        e, "SELECT org_path, id, filing_status, filed_on, approval_doc FROM office_profile WHERE " REGISTER " ORDER BY id",
        "已备案", judge_c14);
    if (rc) return rc;
    /* the change is the district's record, outside an office's subtree: by
     * the office it made (establishments are few) */
    db_stmt_t *s = db_prepare(e->db, "SELECT result_org_id, id, approval_doc, filing_doc, filing_date FROM "
                                     "office_change WHERE deleted_at IS NULL AND wf_state = 'applied' AND "
                                     "change_type = 'establish' AND result_org_id IS NOT NULL AND filing_date <= $1 "
                                     "ORDER BY id");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, e->as_of, -1);
    while ((rc = db_step(s)) == DB_ROW) {
        int i = std_unit_index(e, db_col_int(s, 0));
        if (i < 0) continue;
        std_record(&e->res[i], "office-changes", db_col_int(s, 1), "设立变更 (编办批复、市局备案)");
        std_set(e, i, STD_PASS, "已备案", "已备案", "设立经编办批复 %s, %s 报市局备案 (%s)", db_col_text(s, 2),
                db_col_text(s, 4), db_col_text(s, 3));
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : rc;
}

/* ---- clause 15: at least N dedicated political-legal posts, not diverted ---- */
static int eval_c15_posts(std_eval_t *e) {
    int64_t min;
    if (std_setting(e->db, "min_posts", &min) != 0) return DB_ERR;
    int *count = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *diverted = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int64_t *approved = arena_calloc(e->arena, sizeof(int64_t) * ((size_t)e->n + 1));
    for (int i = 0; i < e->n; i++)
        approved[i] = -1;
    db_stmt_t *s = scoped(e, "SELECT org_path, id, name, post_diverted FROM staff WHERE " REGISTER
                             " AND post_type = 'political_legal' AND " IN_POST " ORDER BY id");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        count[i]++;
        bool div = db_col_int(s, 3) == 1;
        if (div) diverted[i]++;
        std_record(&e->res[i], "staff", db_col_int(s, 1),
                   div ? arena_printf(e->arena, "%s (被挤占挪用)", db_col_text(s, 2)) : db_col_text(s, 2));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    s = scoped(e, "SELECT org_path, approved_posts FROM office_profile WHERE " REGISTER
                  " AND approved_posts IS NOT NULL ORDER BY id");
    if (!s) return DB_ERR;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i >= 0 && approved[i] < 0) approved[i] = db_col_int(s, 1);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    const char *req = arena_printf(e->arena, "≥ %lld", (long long)min);
    for (int i = 0; i < e->n; i++) {
        char approved_txt[48] = "核定数未登记";
        if (approved[i] >= 0) snprintf(approved_txt, sizeof(approved_txt), "核定 %lld 名", (long long)approved[i]);
        /* 核定 (approved) posts are the plan's 政法专项编制不少于4名: unregistered is not shown */
        bool ok = count[i] >= min && approved[i] >= min && diverted[i] == 0;
        std_set(e, i, ok ? STD_PASS : STD_FAIL, itoa_a(e, count[i]), req,
                "政法专项编制在岗 %d 名 (%s), 要求不少于 %lld 名%s%s", count[i], approved_txt, (long long)min,
                approved[i] < 0 ? "; 机构信息未登记核定编制数" : approved[i] < min ? "; 核定编制数不足" : "",
                diverted[i] ? arena_printf(e->arena, "; %d 名专项编制被挤占挪用", diverted[i]) : "");
    }
    return 0;
}

/* Staff present on a date with whether they held the certificate then. */
typedef struct cert_count {
    int staff, certified;
} cert_count_t;

/* ---- clause 16: at least N holders of the legal professional qualification (by 2022-12-31) ---- */
static int eval_c16_certified(std_eval_t *e) {
    int64_t min;
    if (std_setting(e->db, "min_certified", &min) != 0) return DB_ERR;
    int *n = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    db_stmt_t *s = scoped(e, "SELECT org_path, id, name, cert_date FROM staff WHERE " REGISTER " AND " IN_POST
                             " AND " STAFF_MEMBER " AND cert_date IS NOT NULL AND cert_date <= $3 ORDER BY id");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        n[i]++;
        std_record(&e->res[i], "staff", db_col_int(s, 1),
                   arena_printf(e->arena, "%s (%s 取得)", db_col_text(s, 2), db_col_text(s, 3)));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    const char *req = arena_printf(e->arena, "≥ %lld", (long long)min);
    for (int i = 0; i < e->n; i++)
        std_set(e, i, n[i] >= min ? STD_PASS : STD_FAIL, itoa_a(e, n[i]), req,
                "具有法律职业资格的在所人员 %d 名, 要求不少于 %lld 名", n[i], (long long)min);
    return 0;
}

/* ---- clause 16: the share of certificate holders among dedicated-post
 * staff rises every year — as of D against the previous 31 December ---- */
static int eval_c16_share_rising(std_eval_t *e) {
    char prev[24];
    snprintf(prev, sizeof(prev), "%04d-12-31", e->year - 1);
    cert_count_t *now = arena_calloc(e->arena, sizeof(cert_count_t) * ((size_t)e->n + 1));
    cert_count_t *before = arena_calloc(e->arena, sizeof(cert_count_t) * ((size_t)e->n + 1));
    db_stmt_t *s = scoped(e, "SELECT org_path, joined_on, left_on, cert_date, status FROM staff WHERE " REGISTER
                             " AND post_type = 'political_legal' AND joined_on <= $3 ORDER BY id");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        const char *joined = db_col_text(s, 1), *left = db_col_text(s, 2), *cert = db_col_text(s, 3),
                   *status = db_col_text(s, 4);
        /* in post as IN_POST says */
        if (strcmp(status, "on_duty") != 0 && !(strcmp(status, "retired") == 0 && left)) continue;
        const char *dates[2] = {e->as_of, prev};
        cert_count_t *acc[2] = {&now[i], &before[i]};
        for (int k = 0; k < 2; k++) {
            if (strcmp(joined, dates[k]) > 0 || (left && strcmp(left, dates[k]) <= 0)) continue;
            acc[k]->staff++;
            if (cert && strcmp(cert, dates[k]) <= 0) acc[k]->certified++;
        }
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        /* shares in per mille, integer arithmetic */
        int a = now[i].staff ? now[i].certified * 1000 / now[i].staff : 0;
        int b = before[i].staff ? before[i].certified * 1000 / before[i].staff : 0;
        bool full = now[i].staff > 0 && now[i].certified == now[i].staff;
        bool ok = full || (now[i].staff > 0 && a > b);
        /* 逐年提升: judged at the year's end; before it a shortfall is not yet due */
        std_status_t st = ok ? STD_PASS : year_end(e) ? STD_FAIL : STD_NOT_DUE;
        std_set(e, i, st, arena_printf(e->arena, "%d.%d%%", a / 10, a % 10),
                arena_printf(e->arena, "> %d.%d%%", b / 10, b % 10),
                "专项编制人员持证 %d/%d 名 (%d.%d%%), %s 为 %d/%d 名 (%d.%d%%)%s", now[i].certified, now[i].staff,
                a / 10, a % 10, prev, before[i].certified, before[i].staff, b / 10, b % 10,
                full ? ", 已全部持证"
                : ok ? ", 占比提高"
                : st == STD_NOT_DUE ? arena_printf(e->arena, ", 占比尚未提高 (年度指标, %d-12-31 核查)", e->year)
                     : ", 占比未提高");
    }
    return 0;
}

/* ---- clause 16: every director / deputy appointed from 2022-08-04 holds the certificate ---- */
static int eval_c16_leaders(std_eval_t *e) {
    int *appointed = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *missing = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    db_stmt_t *s = scoped(
        e, "SELECT org_path, id, name, position, appointed_on, cert_date FROM staff WHERE " REGISTER
           " AND position IN ('director', 'deputy_director') AND appointed_on >= '2022-08-04' AND appointed_on <= $3 "
           /* serving on D, or appointed in D's year and gone since: an appointment without the
            * certificate stays in that year's result (issue 19 point 2) */
           "AND ((" PRESENT ") OR appointed_on >= $4) ORDER BY id");
    if (!s) return DB_ERR;
    char jan1[16];
    snprintf(jan1, sizeof(jan1), "%04d-01-01", e->year);
    db_bind_text(s, 4, jan1, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        const char *cert = db_col_text(s, 5), *on = db_col_text(s, 4);
        bool ok = cert && strcmp(cert, on) <= 0;
        appointed[i]++;
        if (!ok) missing[i]++;
        std_record(&e->res[i], "staff", db_col_int(s, 1),
                   arena_printf(e->arena, "%s (%s, %s 任职, %s)", db_col_text(s, 2),
                                strcmp(db_col_text(s, 3), "director") == 0 ? "所长" : "副所长", on,
                                ok ? "持证" : "任职时未持证"));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        if (!appointed[i])
            std_set(e, i, STD_PASS, "0", "0", "2022-08-04 以来无新任所长、副所长");
        else
            std_set(e, i, missing[i] ? STD_FAIL : STD_PASS, itoa_a(e, missing[i]), "0",
                    "2022-08-04 以来新任所长、副所长 %d 名, 任职时未持法律职业资格证书 %d 名", appointed[i],
                    missing[i]);
    }
    return 0;
}

/* ---- clause 17 (district): rotations and stints at offices recorded each year ---- */
static int eval_c17_rotation(std_eval_t *e) {
    int64_t min;
    if (std_setting(e->db, "min_rotations", &min) != 0) return DB_ERR;
    char from[24];
    snprintf(from, sizeof(from), "%04d-01-01", e->year);
    int *n = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    db_stmt_t *s = scoped(e, "SELECT org_path, id, person_name, start_on FROM staff_rotation WHERE " REGISTER
                             " AND start_on <= $3 AND (end_on IS NULL OR end_on >= $4) ORDER BY id");
    if (!s) return DB_ERR;
    db_bind_text(s, 4, from, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        n[i]++;
        std_record(&e->res[i], "staff-rotations", db_col_int(s, 1),
                   arena_printf(e->arena, "%s (%s 起)", db_col_text(s, 2), db_col_text(s, 3)));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++)
        std_set(e, i, n[i] >= min ? STD_PASS : year_end(e) ? STD_FAIL : STD_NOT_DUE, itoa_a(e, n[i]),
                arena_printf(e->arena, "≥ %lld", (long long)min),
                "%d 年区内司法所交流任职、挂职锻炼登记 %d 人次, 要求不少于 %lld 人次%s", e->year, n[i], (long long)min,
                n[i] >= min || year_end(e) ? "" : arena_printf(e->arena, " (年度指标, %d-12-31 核查)", e->year));
    return 0;
}

/* ---- clause 18: premises with clear property rights, enough floor area and the rooms ---- */
typedef struct premises_acc {
    int64_t area; /* 0.01 m² */
    int count;
    bool unclear, business, archive, duty, signage, undated;
    const char *signage_on;
} premises_acc_t;

static int load_premises(std_eval_t *e, premises_acc_t *acc) {
    db_stmt_t *s = scoped(
        e,
        "SELECT org_path, id, address, floor_area, property_clear, has_business_room, has_archive_room, has_duty_room, "
        "signage_status, signage_done_on FROM premises WHERE " REGISTER
        " AND (in_use_from IS NULL OR in_use_from <= $3) AND (in_use_to IS NULL OR in_use_to > $3) ORDER BY id");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        premises_acc_t *a = &acc[i];
        a->count++;
        a->area += db_col_int(s, 3);
        if (db_col_int(s, 4) != 1) a->unclear = true;
        a->business |= db_col_int(s, 5) == 1;
        a->archive |= db_col_int(s, 6) == 1;
        a->duty |= db_col_int(s, 7) == 1;
        const char *sg = db_col_text(s, 8), *sg_on = db_col_text(s, 9);
        /* the deadline (2023-12-31) depends on the day it was done: no date, no pass */
        if (sg && strcmp(sg, "done") == 0 && !sg_on) a->undated = true;
        if (sg && strcmp(sg, "done") == 0 && sg_on && strcmp(sg_on, e->as_of) <= 0) {
            a->signage = true;
            a->signage_on = arena_strdup(e->arena, sg_on);
        }
        std_record(&e->res[i], "premises", db_col_int(s, 1), db_col_text(s, 2));
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : rc;
}

static int eval_c18_premises(std_eval_t *e) {
    int64_t min;
    if (std_setting(e->db, "min_floor_area", &min) != 0) return DB_ERR;
    premises_acc_t *acc = arena_calloc(e->arena, sizeof(premises_acc_t) * ((size_t)e->n + 1));
    int rc = load_premises(e, acc);
    if (rc) return rc;
    for (int i = 0; i < e->n; i++) {
        premises_acc_t *a = &acc[i];
        const char *area =
            arena_printf(e->arena, "%lld.%02lld", (long long)(a->area / 100), (long long)(a->area % 100));
        const char *req = arena_printf(e->arena, "≥ %lld m²", (long long)min);
        if (!a->count) {
            std_set(e, i, STD_FAIL, "0", req, "无在用业务用房登记");
            continue;
        }
        buf_t why = BUF_INIT;
        if (a->area < min * 100) buf_printf(&why, "; 建筑面积 %s m², 要求不少于 %lld m²", area, (long long)min);
        if (a->unclear) buf_puts(&why, "; 产权不明晰");
        if (!a->business) buf_puts(&why, "; 缺业务用房");
        if (!a->archive) buf_puts(&why, "; 缺档案室");
        if (!a->duty) buf_puts(&why, "; 缺值班备勤室");
        if (why.len)
            std_set(e, i, STD_FAIL, area, req, "在用业务用房 %d 处%s", a->count, why.data);
        else
            std_set(e, i, STD_PASS, area, req,
                    "在用业务用房 %d 处, 建筑面积 %s m², 产权明晰, 业务、档案、值班备勤用房齐全", a->count, area);
        buf_free(&why);
    }
    return 0;
}

/* ---- clause 18: exterior signage standardised (by 2023-12-31) ---- */
static int eval_c18_signage(std_eval_t *e) {
    premises_acc_t *acc = arena_calloc(e->arena, sizeof(premises_acc_t) * ((size_t)e->n + 1));
    int rc = load_premises(e, acc);
    if (rc) return rc;
    for (int i = 0; i < e->n; i++) {
        if (acc[i].signage)
            std_set(e, i, STD_PASS, "已规范", "已规范", "外观标识已按《司法所外观标识规范》完成%s%s",
                    acc[i].signage_on ? " (" : "",
                    acc[i].signage_on ? arena_printf(e->arena, "%s)", acc[i].signage_on) : "");
        else
            std_set(e, i, STD_FAIL, "未规范", "已规范",
                    !acc[i].count   ? "无在用业务用房登记, 外观标识无从核实"
                    : acc[i].undated ? "外观标识登记为已规范, 但未登记完成日期, 无法核实是否按期完成"
                                     : "外观标识尚未规范");
    }
    return 0;
}

/* ---- clause 19: the city's standard equipment list, in number and renewed in time ---- */
static int eval_c19_equipment(std_eval_t *e) {
    /* the standard list is data (equipment_standard): as long as it is */
    const char **codes = NULL, **labels = NULL;
    int64_t *mins = NULL;
    int nitems = 0, cap = 0;
    db_stmt_t *s = db_prepare(
        e->db, "SELECT s.code, s.min_count, COALESCE(c.label, s.code) FROM equipment_standard s "
               "LEFT JOIN code_items c ON c.list_key = 'equipment_standard' AND c.code = s.code ORDER BY s.code");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (nitems == cap) {
            cap = cap ? cap * 2 : 32;
            const char **nc = arena_alloc(e->arena, sizeof(*nc) * (size_t)cap),
                       **nl = arena_alloc(e->arena, sizeof(*nl) * (size_t)cap);
            int64_t *nm = arena_alloc(e->arena, sizeof(*nm) * (size_t)cap);
            if (nitems) {
                memcpy(nc, codes, sizeof(*nc) * (size_t)nitems);
                memcpy(nl, labels, sizeof(*nl) * (size_t)nitems);
                memcpy(nm, mins, sizeof(*nm) * (size_t)nitems);
            }
            codes = nc, labels = nl, mins = nm;
        }
        codes[nitems] = arena_strdup(e->arena, db_col_text(s, 0));
        mins[nitems] = db_col_int(s, 1);
        labels[nitems] = arena_strdup(e->arena, db_col_text(s, 2));
        nitems++;
    }
    db_reset(s);
    if (rc < 0) return rc;
    int64_t *have = arena_calloc(e->arena, sizeof(int64_t) * ((size_t)nitems + 1) * ((size_t)e->n + 1));
    int *overdue = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    s = scoped(
        e, "SELECT org_path, id, item, quantity, renewal_due FROM equipment WHERE " REGISTER
           " AND (acquired_on IS NULL OR acquired_on <= $3) AND (retired_on IS NULL OR retired_on > $3) ORDER BY id");
    if (!s) return DB_ERR;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        const char *item = db_col_text(s, 2), *due = db_col_text(s, 4);
        int k = 0;
        while (k < nitems && strcmp(codes[k], item) != 0)
            k++;
        if (k < nitems) have[(size_t)i * (size_t)nitems + (size_t)k] += db_col_int(s, 3);
        if (due && strcmp(due, e->as_of) < 0) {
            overdue[i]++;
            std_record(&e->res[i], "equipment", db_col_int(s, 1),
                       arena_printf(e->arena, "%s (应于 %s 更新)", k < nitems ? labels[k] : item, due));
        }
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        buf_t why = BUF_INIT;
        int short_items = 0;
        for (int k = 0; k < nitems; k++) {
            int64_t h = have[(size_t)i * (size_t)nitems + (size_t)k];
            if (h < mins[k]) {
                buf_printf(&why, "%s%s %lld/%lld", short_items ? ", " : "; 配备不足: ", labels[k], (long long)h,
                           (long long)mins[k]);
                short_items++;
            }
        }
        if (overdue[i]) buf_printf(&why, "; 逾期未更新 %d 项", overdue[i]);
        if (why.len)
            std_set(e, i, STD_FAIL, itoa_a(e, short_items + overdue[i]), "0", "对照市局装备标准清单 %d 项%s", nitems,
                    why.data);
        else
            std_set(e, i, STD_PASS, "0", "0", "市局装备标准清单 %d 项均已按数配备, 无逾期未更新", nitems);
        buf_free(&why);
    }
    return 0;
}

/* ---- clause 20: the five funding categories in the year's budget ---- */
static int eval_c20_funding(std_eval_t *e) {
    static const char *const cats[] = {"personnel", "public_use", "equipment", "infrastructure", "casework"};
    static const char *const labels[] = {"人员经费", "公用经费", "业务装备经费", "基础设施建设经费", "办案(业务)经费"};
    unsigned *have = arena_calloc(e->arena, sizeof(unsigned) * ((size_t)e->n + 1));
    /* 实现全额保障: a category budgeted at 0 is not guaranteed (issue 19 point 2) */
    db_stmt_t *s = scoped(e, "SELECT org_path, id, category FROM funding WHERE " REGISTER
                             " AND year = $3 AND in_budget = 1 AND amount > 0 ORDER BY id");
    if (!s) return DB_ERR;
    db_bind_int(s, 3, e->year);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        for (int k = 0; k < 5; k++)
            if (strcmp(db_col_text(s, 2), cats[k]) == 0) {
                have[i] |= 1u << k;
                std_record(&e->res[i], "funding", db_col_int(s, 1),
                           arena_printf(e->arena, "%d 年%s", e->year, labels[k]));
            }
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        buf_t missing = BUF_INIT;
        int n = 0;
        for (int k = 0; k < 5; k++)
            if (have[i] & (1u << k))
                n++;
            else
                buf_printf(&missing, "%s%s", missing.len ? "、" : "", labels[k]);
        if (n == 5)
            std_set(e, i, STD_PASS, "5", "5", "%d 年五类经费均已列入财政预算", e->year);
        else
            std_set(e, i, STD_FAIL, itoa_a(e, n), "5", "%d 年列入财政预算的经费 %d 类, 缺: %s", e->year, n,
                    missing.data);
        buf_free(&missing);
    }
    return 0;
}

/* ---- clause 4: the director attends (列席) the street/town administrative
 * meetings and reports regularly to the party (工)委 ----
 * Read from the records of each meeting attended and each report
 * (rule_of_law.c: admin-meetings, party-reports) in the twelve months up
 * to as_of: at least one of each.  Each record found is evidence. */
static int c4_count(std_eval_t *e, const char *sql, const char *since, const char *entity, int *count,
                    const char *what) {
    db_stmt_t *s = scoped(e, sql);
    if (!s) return DB_ERR;
    db_bind_text(s, 4, since, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        count[i]++;
        std_record(&e->res[i], entity, db_col_int(s, 1),
                   arena_printf(e->arena, "%s %s: %s", db_col_text(s, 2), what, db_col_text(s, 3)));
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : rc;
}
static int eval_c4_meetings(std_eval_t *e) {
    char since[16]; /* the day a year before as_of */
    snprintf(since, sizeof(since), "%04d%s", atoi(e->as_of) - 1, e->as_of + 4);
    int *meetings = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *reports = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int rc = c4_count(e,
                      "SELECT org_path, id, held_on, title FROM admin_meeting WHERE " LIVE
                      " AND attended = 1 AND held_on > $4 AND held_on <= $3 ORDER BY held_on DESC, id",
                      since, "admin-meetings", meetings, "列席");
    if (rc == 0)
        rc = c4_count(e,
                      "SELECT org_path, id, reported_on, title FROM party_report WHERE " LIVE
                      " AND reported_to = 'party_committee' AND reported_on > $4 AND reported_on <= $3 "
                      "ORDER BY reported_on DESC, id",
                      since, "party-reports", reports, "汇报");
    if (rc != 0) return rc;
    for (int i = 0; i < e->n; i++) {
        const char *actual = arena_printf(e->arena, "列席 %d 次, 汇报 %d 次", meetings[i], reports[i]);
        if (meetings[i] && reports[i])
            std_set(e, i, STD_PASS, actual, "各不少于 1 次", "近 12 个月所长列席街道(乡镇)行政会议 %d 次, 向党(工)委汇报 %d 次",
                    meetings[i], reports[i]);
        else
            std_set(e, i, STD_FAIL, actual, "各不少于 1 次", "近 12 个月%s%s", meetings[i] ? "" : "无所长列席街道(乡镇)行政会议记录",
                    reports[i] ? "" : (meetings[i] ? "无向党(工)委汇报工作记录" : "、无向党(工)委汇报工作记录"));
    }
    return 0;
}

/* ---- 四(一) (city): every district has at least N grassroots contact points ---- */
static int eval_c41_contact_points(std_eval_t *e) {
    int64_t min;
    if (std_setting(e->db, "min_contact_points", &min) != 0) return DB_ERR;
    for (int i = 0; i < e->n; i++) {
        /* the districts existing on as_of under this city, with their contact points */
        db_stmt_t *s = db_prepare(
            e->db, "SELECT d.id, d.name, (SELECT COUNT(*) FROM office_profile p WHERE p.deleted_at IS NULL "
                   "AND p.wf_state = 'approved' AND p.contact_point = 1 "
                   "AND (p.contact_point_since IS NULL OR p.contact_point_since <= $3) "
                   "AND p.org_path >= d.path AND p.org_path < substr(d.path, 1, length(d.path) - 1) || '0') "
                   "FROM org_units d WHERE d.level = 'district' AND d.path >= $1 AND d.path < $2 "
                   "AND d.valid_from <= $3 AND (d.valid_to IS NULL OR d.valid_to > $3) ORDER BY d.id");
        if (!s) return DB_ERR;
        char hi[256];
        snprintf(hi, sizeof(hi), "%.*s0", (int)strlen(e->units[i].path) - 1, e->units[i].path);
        db_bind_text(s, 1, e->units[i].path, -1);
        db_bind_text(s, 2, hi, -1);
        db_bind_text(s, 3, e->as_of, -1);
        int rc, districts = 0, lacking = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            districts++;
            if (db_col_int(s, 2) < min) {
                lacking++;
                std_record(
                    &e->res[i], "org_units", db_col_int(s, 0),
                    arena_printf(e->arena, "%s (联系点 %lld 个)", db_col_text(s, 1), (long long)db_col_int(s, 2)));
            }
        }
        db_reset(s);
        if (rc != DB_DONE) return rc;
        std_set(e, i, lacking ? STD_FAIL : STD_PASS, itoa_a(e, districts - lacking), itoa_a(e, districts),
                "%d 个区中 %d 个区已确定不少于 %lld 个基层联系点", districts, districts - lacking, (long long)min);
    }
    return 0;
}

/* ---- 四(三) (district): the annual self-assessment report reaches the city by 31 October ---- */
static int eval_c43_annual_report(std_eval_t *e) {
    char deadline[24];
    snprintf(deadline, sizeof(deadline), "%04d-10-31", e->year);
    const char **sub = arena_calloc(e->arena, sizeof(char *) * ((size_t)e->n + 1));
    int64_t *ids = arena_calloc(e->arena, sizeof(int64_t) * ((size_t)e->n + 1));
    db_stmt_t *s = scoped(e, "SELECT org_path, id, submitted_on FROM annual_report WHERE " LIVE
                             " AND year = $4 AND submitted_on IS NOT NULL AND submitted_on <= $3 ORDER BY id");
    if (!s) return DB_ERR;
    db_bind_int(s, 4, e->year);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        sub[i] = arena_strdup(e->arena, db_col_text(s, 2));
        ids[i] = db_col_int(s, 1);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        if (ids[i])
            std_record(&e->res[i], "annual-reports", ids[i], arena_printf(e->arena, "%d 年度自查自评报告", e->year));
        if (sub[i] && strcmp(sub[i], deadline) <= 0)
            std_set(e, i, STD_PASS, sub[i], deadline, "%d 年度自查自评报告已于 %s 报送市局", e->year, sub[i]);
        else if (sub[i])
            std_set(e, i, STD_FAIL, sub[i], deadline, "%d 年度自查自评报告 %s 报送, 逾期 (应于 %s 前)", e->year, sub[i],
                    deadline);
        else if (strcmp(e->as_of, deadline) <= 0)
            std_set(e, i, STD_NOT_DUE, "未报送", deadline, "%d 年度自查自评报告尚未报送, 截止 %s", e->year, deadline);
        else
            std_set(e, i, STD_FAIL, "未报送", deadline, "%d 年度自查自评报告未报送市局 (截止 %s)", e->year, deadline);
    }
    return 0;
}

/* The rules, in the order of the plan's table (DOMAIN.md). */
static const std_rule_t plan_rules[] = {
    {"c14_filed", "14", "司法所设立并报市局备案",
     "每个街道、乡镇设立司法所; 设立、撤销、合并、调整规格、更名须经区机构编制部门批准并报市司法局备案。", "office",
     NULL, NULL,
     "office_profile.filing_status, filed_on, approval_doc (备案日期之前按未备案计); 或已实施的设立变更 "
     "office_change.approval_doc, filing_doc, filing_date ≤ 核查日",
     "office-profiles office-changes", eval_c14_filed},
    {"c15_posts", "15", "政法专项编制不少于规定数且专编专用",
     "每个司法所政法专项编制不少于 4 名 (市局可调整), 单列管理, 专编专用, 不得挤占挪用。", "office", NULL, NULL,
     "staff.post_type = 政法专项编制, joined_on/left_on (在所), post_diverted; office_profile.approved_posts (现值)",
     "staff office-profiles", eval_c15_posts},
    {"c16_certified", "16", "具有法律职业资格的人员不少于规定数",
     "2022 年底前每个司法所至少有 1 名具有法律职业资格的人员。", "office", "2022-12-31", "2022-12-31",
     "staff.joined_on/left_on (在所), cert_date (取得日期不晚于核查日)", "staff", eval_c16_certified},
    {"c16_share_rising", "16", "持证人员占专项编制人员比例逐年提高",
     "司法所政法专项编制人员中具有法律职业资格的比例逐年提高 (核查日与上年 12 月 31 日相比; 已全部持证视为达标)。",
     "office", "2023-01-01", "每年", "staff.post_type = 政法专项编制, joined_on/left_on, cert_date, 两个日期各算一次",
     "staff", eval_c16_share_rising},
    /* the plan's own words: 逐年提升司法所政法专项编制工作人员中具备法律职业资格证书人员的总体比重 —
     * a district's and the city's overall share, judged at the year's end */
    {"c16_share_district", "16", "全区司法所持证人员总体比重逐年提升",
     "要逐年提升司法所政法专项编制工作人员中具备法律职业资格证书人员的总体比重 (全区各所合计, 12 月 31 日与上年末相比)。",
     "district", "2023-01-01", "每年 12 月 31 日",
     "区内各所 staff.post_type = 政法专项编制, 在岗 (在所且非借调、离岗), cert_date; 核查日与上年 12 月 31 日各算一次",
     "staff", eval_c16_share_rising},
    {"c16_share_city", "16", "全市司法所持证人员总体比重逐年提升",
     "要逐年提升司法所政法专项编制工作人员中具备法律职业资格证书人员的总体比重 (全市合计, 12 月 31 日与上年末相比)。",
     "city", "2023-01-01", "每年 12 月 31 日",
     "全市各所 staff.post_type = 政法专项编制, 在岗, cert_date; 核查日与上年 12 月 31 日各算一次 "
     "(由每日计算和重算更新, 不随单条写入重算)",
     /* reads nothing: re-evaluating the whole city's staff at every staff
      * write (five dates each) made those writes ~10× slower on PostgreSQL;
      * a yearly city-wide share is kept by the daily computation */
     "", eval_c16_share_rising},
    {"c16_leaders_certified", "16", "新任所长、副所长具有法律职业资格",
     "2022 年 8 月 4 日起新任司法所所长、副所长应当具有法律职业资格。", "office", NULL, "2022-08-04 起",
     "staff.position = 所长/副所长, appointed_on (任现职日期, 只保留现职), cert_date ≤ appointed_on", "staff",
     eval_c16_leaders},
    {"c17_rotation", "17", "市、区干部交流任职和到所锻炼有记录",
     "推动市、区司法局干部与司法所干部双向交流任职、挂职锻炼, 每区每年不少于规定人次并登记。", "district", NULL, "每年",
     "staff_rotation.start_on/end_on 与本年度相交的记录, 按区汇总", "staff-rotations", eval_c17_rotation},
    {"c18_premises", "18", "业务用房产权明晰、面积达标、功能用房齐全",
     "业务用房产权明晰, 面积符合《司法业务用房建设标准》, 设有业务、档案、值班备勤等用房。", "office", NULL, NULL,
     "premises.in_use_from/in_use_to (在用), floor_area 合计, property_clear, has_business_room, has_archive_room, "
     "has_duty_room",
     "premises", eval_c18_premises},
    {"c18_signage", "18", "外观标识规范", "2023 年底前全面落实《司法所外观标识规范》。", "office", "2023-12-31",
     "2023-12-31", "premises 在用, signage_status = 已规范, signage_done_on ≤ 核查日", "premises", eval_c18_signage},
    {"c19_equipment", "19", "装备按市局标准配备并及时更新",
     "按市局司法所装备配备标准清单配齐办公通讯、执法执勤、交通工具等装备, 到期及时更新。", "office", NULL, NULL,
     "equipment.item, quantity, acquired_on/retired_on (在用), renewal_due; equipment_standard.min_count", "equipment",
     eval_c19_equipment},
    {"c20_funding", "20", "五类经费列入预算、足额保障",
     "人员经费、公用经费、业务装备经费、基础设施建设经费、办案(业务)经费纳入区或街道(乡镇)财政预算。", "office", NULL,
     "每年", "funding.year = 核查年度, category, in_budget", "funding", eval_c20_funding},
    {"c4_meetings", "4", "所长列席街道(乡镇)行政会议", "司法所所长列席街道(乡镇)行政办公会议, 定期向党(工)委汇报工作。",
     "office", NULL, "近 12 个月", "admin_meeting.attended, held_on; party_report.reported_to = 党(工)委, reported_on (核查日前 12 个月)",
     "admin-meetings party-reports", eval_c4_meetings},
    {"c41_contact_points", "四(一)", "全市基层联系点制度",
     "建立全市司法所基层联系点制度, 每区不少于规定数量的司法所确定为基层联系点。", "city", NULL, NULL,
     "office_profile.contact_point, contact_point_since ≤ 核查日, 按区汇总", "office-profiles",
     eval_c41_contact_points},
    {"c43_annual_report", "四(三)", "区年度自查自评报告按时报送市局",
     "各区每年开展自查自评, 于 10 月 31 日前向市司法局报送年度报告。", "district", NULL, "每年 10 月 31 日",
     "annual_report.year, submitted_on (报送日期)", "annual-reports", eval_c43_annual_report},
};
const std_rule_t *std_rules = plan_rules;
int std_nrules = (int)(sizeof(plan_rules) / sizeof(plan_rules[0]));

int std_unit_of_path(const std_eval_t *e, const char *path) { return unit_of_path(e, path); }
db_stmt_t *std_scoped(std_eval_t *e, const char *sql) { return scoped(e, sql); }

const std_rule_t *std_rule_find(const char *id) {
    for (int i = 0; i < std_nrules; i++)
        if (strcmp(std_rules[i].id, id) == 0) return &std_rules[i];
    return NULL;
}
