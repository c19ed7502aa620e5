/* annual_report.c — each district's annual self-assessment report to the
 * city bureau (plan 四(三): 自查自评, 每年 10 月底前报市局; issue 6 point 5).
 *
 *   POST /api/v1/annual-reports/generate {district, year[, regenerate]}  draft from live data
 *   GET  /api/v1/annual-reports/:id/docx                 the report as Word (.docx)
 *   GET  /api/v1/annual-reports/:id/xlsx                 its tables as Excel (.xlsx)
 *   GET  /api/v1/annual-reports/overview?year=Y          every district's status (the city's view)
 *
 * The report is an engine entity (annual-reports): its six sections are
 * editable text fields, the offices × rules table is a snapshot taken at
 * generation (compliance_table, JSON).  Workflow: draft → approved by the
 * district → submitted to the city (the deadline is 31 October of the
 * report's year: due_at, so the engine's to-do and escalation apply) →
 * received; the city may send it back.  One report per district and year
 * (annual_report.report_key is unique). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/standards.h"
#include "util/docx.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xlsx_tmp.h"

#define REPORT_ROLES "district_admin district_staff city_staff city_leader"

static const field_t report_fields[] = {
    /* fixed by generate with the report's key (district:year) and its data as of
     * that year: an edited year would leave the key, the deadline and the
     * content on the old one (docs/standards.md) */
    {"year", "年度", F_INT, FF_REQUIRED | FF_READONLY | FF_FILTER | FF_SORT | FF_LIST, .min = 2022, .max = 2100,
     .readonly_why = "年度在生成报告时确定, 不能修改; 其他年度的报告请用「生成报告」"},
    {"title", "报告标题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"as_of", "数据截止日期", F_DATE, FF_READONLY | FF_LIST},
    {"s1_basic", "一、基本情况", F_TEXT, 0, .max = 20000},
    {"s2_compliance", "二、各项规范化指标达标情况", F_TEXT, 0, .max = 20000},
    {"compliance_table", "达标情况表 (生成时快照)", F_TEXT, FF_READONLY, .max = 200000},
    {"s3_problems", "三、问题清单及整改情况", F_TEXT, 0, .max = 20000},
    {"s4_experience", "四、经验做法与特色亮点", F_TEXT, FF_SEARCH, .max = 20000},
    {"s5_issues", "五、存在问题", F_TEXT, 0, .max = 20000},
    {"s6_next", "六、下一步工作", F_TEXT, 0, .max = 20000},
    {"submitted_on", "报送市局日期", F_DATE, FF_READONLY | FF_FILTER | FF_LIST},
    {"received_on", "市局接收日期", F_DATE, FF_READONLY | FF_FILTER},
    {"city_note", "市局意见", F_TEXT, FF_READONLY, .max = 2000},
    {0},
};

static const wf_state_t report_states[] = {
    {"draft", "草稿", 0},
    {"approved", "区局已审定", 0},
    {"submitted", "已报市局", 0},
    {"received", "市局已接收", 0, true},
    {0},
};
/* the transitions' hooks (below) */
static int hook_submitted(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int hook_received(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int hook_sent_back(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int hook_no_placeholder(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t report_transitions[] = {
    {"approve", "区局审定", "draft", "approved", .perm = "annual_report.approve", .hook = hook_no_placeholder},
    {"redraft", "退回修改", "approved", "draft", .perm = "annual_report.approve"},
    {"submit", "报送市局", "approved", "submitted", .perm = "annual_report.approve", .hook = hook_submitted},
    {"receive", "市局接收", "submitted", "received", .perm = "annual_report.receive", .hook = hook_received},
    {"send_back", "市局退回", "submitted", "draft", .perm = "annual_report.receive", .requires = "city_note",
     .hook = hook_sent_back, .notify = "report_sent_back"},
    {0},
};
/* escalation: overdue (after 31 October) for 1 working day → escalated */
static const workflow_t report_flow_v1 = {1, "draft", report_states, report_transitions, .escalate_after_days = 1};
static const workflow_t *const report_flows[] = {&report_flow_v1, NULL};

static const perm_def_t report_perms[] = {
    {"annual_report.approve", "年度报告: 区局审定、报送市局", "district_admin"},
    {"annual_report.receive", "年度报告: 市局接收、退回", "city_staff city_leader"},
    {"annual_report.generate", "年度报告: 从实时数据生成草稿", "district_admin district_staff"},
    {0},
};

static const entity_t reports = {
    .name = "annual-reports",
    .label = "年度自查自评报告",
    .table = "annual_report",
    .perm = "annual_report",
    .fields = report_fields,
    .flows = report_flows,
    .default_sort = "-year",
    .roles = REPORT_ROLES,
    .unique = "org_id year",
    /* a report is generated from live data with its (district, year) key,
     * deadline and snapshot; a hand-made one would lack them */
    .create_via = "年度报告须从实时数据生成: 请使用「生成报告」(POST /api/v1/annual-reports/generate)",
    .line = "standards", .line_label = "规范化建设", .cockpit = "", .panels = "annual-report", .detail_hide = "compliance_table",
};

/* Runs one UPDATE of the report row in the transition's transaction: $1 is
 * its id, $2 (when the SQL names it) today.  Answers 503 itself on failure. */
static int report_update(http_req_t *r, int64_t id, const char *sql) {
    char today[11];
    wf_today(today);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_int(s, 1, id);
    if (strstr(sql, "$2")) db_bind_text(s, 2, today, -1);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) {
        http_store_error(r);
        return -1;
    }
    return 0;
}
/* 审定 and 报送 are refused (409 placeholder_left, naming the section) while
 * a section still holds the generator's placeholder "(请填写…)" — a report
 * reached the city with "（请填写本区经验做法与特色亮点）" in it (issue 19
 * point 6). */
static int hook_no_placeholder(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)body;
    static const char *const cols[] = {"s1_basic", "s2_compliance", "s3_problems", "s4_experience", "s5_issues", "s6_next"};
    db_stmt_t *s = db_prepare(r->db, "SELECT s1_basic, s2_compliance, s3_problems, s4_experience, s5_issues, s6_next "
                                     "FROM annual_report WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    const char *section = NULL;
    for (int k = 0; rc == DB_ROW && k < 6 && !section; k++) {
        const char *t = db_col_text(s, k);
        if (t && (strstr(t, "(请填写") || strstr(t, "（请填写"))) {
            const field_t *f = entity_field(e, cols[k]);
            section = arena_strdup(r->arena, f ? f->label : cols[k]);
        }
    }
    db_reset(s);
    if (rc != DB_ROW) return http_store_error(r), -1;
    if (section)
        return http_error(r, 409, "placeholder_left",
                          arena_printf(r->arena, "报告「%s」中仍有待填写的提示文字「(请填写…)」, 请修改后再%s", section,
                                       strcmp(action, "approve") == 0 ? "审定" : "报送")),
               -1;
    return 0;
}

static int hook_submitted(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    if (hook_no_placeholder(r, e, id, action, body) != 0) return -1;
    /* on time or late, the deadline has been met by the act of sending */
    return report_update(r, id,
                         "UPDATE annual_report SET submitted_on = $2, due_at = NULL, escalated = 0 WHERE id = $1");
}
static int hook_received(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    return report_update(r, id, "UPDATE annual_report SET received_on = $2 WHERE id = $1");
}
static int hook_sent_back(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    /* back to draft: not submitted any more, the 31 October deadline applies again */
    return report_update(
        r, id, "UPDATE annual_report SET submitted_on = NULL, due_at = CAST(year AS TEXT) || '-10-31' WHERE id = $1");
}

void annual_reports_declare(void) {
    perm_register(report_perms);
    entity_register(&reports);
}

/* ---- generation ---- */

static int64_t count_q(http_req_t *r, const char *sql, const char *lo, const char *hi, const char *as_of) {
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    if (strstr(sql, "$3")) db_bind_text(s, 3, as_of, -1);
    int64_t v = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return v;
}

static const char *pct(http_req_t *r, int64_t a, int64_t b) {
    if (b <= 0) return "—";
    int64_t pm = a * 1000 / b;
    return arena_printf(r->arena, "%lld.%lld%%", (long long)(pm / 10), (long long)(pm % 10));
}

/* A rule's clause as the report names it: 条款16, or 四（三） for a
 * clause that is not a number. */
static const char *clause_label(http_req_t *r, const std_rule_t *x) {
    if (x->clause[0] >= '0' && x->clause[0] <= '9') return arena_printf(r->arena, "条款%s", x->clause);
    return doc_fullwidth(r, x->clause);
}

typedef struct draft {
    const char *title, *as_of, *s1, *s2, *table, *s3, *s4, *s5, *s6;
} draft_t;

/* Builds every generated section from live data. */
static int draft_build(http_req_t *r, int64_t district, const char *dname, const char *path, int year, draft_t *d) {
    char hi[256], today[11];
    scope_upper(path, hi, sizeof(hi));
    wf_today(today);
    char ye[24];
    snprintf(ye, sizeof(ye), "%04d-12-31", year);
    d->as_of = arena_strdup(r->arena, strcmp(today, ye) < 0 ? today : ye);
    d->title = arena_printf(r->arena, "%s %d 年度司法所规范化建设自查自评报告", dname, year);

    /* 一、基本情况 */
    int64_t offices = count_q(r,
                              "SELECT COUNT(*) FROM org_units WHERE level = 'office' AND path >= $1 AND path < $2 "
                              "AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)",
                              path, hi, d->as_of);
    int64_t staff = count_q(r,
                            "SELECT COUNT(*) FROM staff WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 "
                            "AND joined_on <= $3 AND (left_on IS NULL OR left_on > $3)",
                            path, hi, d->as_of);
    int64_t posts =
        count_q(r,
                "SELECT COUNT(*) FROM staff WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 "
                "AND post_type = 'political_legal' AND joined_on <= $3 AND (left_on IS NULL OR left_on > $3)",
                path, hi, d->as_of);
    int64_t cert =
        count_q(r,
                "SELECT COUNT(*) FROM staff WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 "
                "AND post_type = 'political_legal' AND joined_on <= $3 AND (left_on IS NULL OR left_on > $3) "
                "AND cert_date IS NOT NULL AND cert_date <= $3",
                path, hi, d->as_of);
    int64_t villages = count_q(r,
                               "SELECT COUNT(*) FROM org_units WHERE level = 'village' AND path >= $1 AND path < $2 "
                               "AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)",
                               path, hi, d->as_of);
    if (offices < 0 || staff < 0 || posts < 0 || cert < 0 || villages < 0) return -1;
    d->s1 = arena_printf(
        r->arena,
        "截至%s，本区共有司法所 %lld 个，服务村（居）委会 %lld 个；在所工作人员 %lld 名，其中政法专项编制 %lld 名，"
        "平均每所 %s 名；专项编制人员中具有法律职业资格 %lld 名，占 %s。",
        doc_date(r, d->as_of), (long long)offices, (long long)villages, (long long)staff, (long long)posts,
        offices ? arena_printf(r->arena, "%.1f", (double)posts / (double)offices) : "—", (long long)cert,
        pct(r, cert, posts));

    /* 二、达标情况: the offices × rules table and a sentence per rule */
    std_cell_t *cells;
    int ncells;
    if (standards_matrix(r->db, r->arena, path, d->as_of, &cells, &ncells) != 0) return -1;
    /* per rule: as many as std_rules holds */
    int *pass = arena_calloc(r->arena, sizeof(int) * (size_t)std_nrules * 3), *fail = pass + std_nrules,
        *nd = fail + std_nrules;
    buf_t table = BUF_INIT, s2 = BUF_INIT, s5 = BUF_INIT;
    jw_t w;
    jw_init(&w, &table);
    jw_obj(&w);
    standards_matrix_write(&w, cells, ncells);
    jw_obj_end(&w);
    for (int i = 0; i < ncells; i++) {
        const std_cell_t *c = &cells[i];
        if (c->status == STD_PASS)
            pass[c->rule]++;
        else if (c->status == STD_FAIL)
            fail[c->rule]++;
        else
            nd[c->rule]++;
    }
    int failing_rules = 0;
    for (int k = 0; k < std_nrules; k++) {
        const std_rule_t *x = &std_rules[k];
        if (!pass[k] && !fail[k] && !nd[k]) continue;
        if (strcmp(x->level, "office") == 0)
            buf_printf(&s2, "%s（%s）：达标 %d 个所，未达标 %d 个所%s。\n", x->title, clause_label(r, x), pass[k], fail[k],
                       nd[k] ? arena_printf(r->arena, "，未到期 %d 个所", nd[k]) : "");
        else {
            const char *msg = "";
            for (int i = 0; i < ncells; i++)
                if (cells[i].rule == k) msg = cells[i].message;
            buf_printf(&s2, "%s（%s）：%s。\n", x->title, clause_label(r, x), doc_fullwidth(r, msg));
        }
        if (fail[k]) {
            failing_rules++;
            buf_printf(&s5, "%d. %s：%d 个%s未达标", failing_rules, x->title, fail[k],
                       strcmp(x->level, "office") == 0 ? "所" : "单位");
            int listed = 0;
            for (int i = 0; i < ncells && listed < 5; i++)
                if (cells[i].rule == k && cells[i].status == STD_FAIL && strcmp(cells[i].level, "office") == 0)
                    buf_printf(&s5, "%s%s", listed++ ? "、" : "（", cells[i].org_name);
            buf_printf(&s5, "%s。\n", listed ? (fail[k] > listed ? "等）" : "）") : "");
        }
    }
    if (!failing_rules) buf_puts(&s5, "各项可核查的规范化指标均已达标。\n");
    d->table = arena_strdup(r->arena, table.data);
    d->s2 = arena_strdup(r->arena, s2.len ? s2.data : "暂无核查结果。");
    d->s5 = arena_strdup(r->arena, s5.data);
    buf_free(&table);
    buf_free(&s2);
    buf_free(&s5);

    /* 三、问题清单 */
    db_stmt_t *s = db_prepare(
        r->db, "SELECT wf_state, COUNT(*), SUM(CASE WHEN due_at IS NOT NULL AND due_at < $3 THEN 1 ELSE 0 END) "
               "FROM problem WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 GROUP BY wf_state");
    if (!s) return -1;
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, today, -1);
    int64_t total = 0, closed = 0, overdue = 0, submitted = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *st = db_col_text(s, 0);
        int64_t n = db_col_int(s, 1);
        total += n;
        if (st && strcmp(st, "closed") == 0)
            closed += n;
        else
            overdue += db_col_int(s, 2);
        if (st && strcmp(st, "submitted") == 0) submitted += n;
    }
    db_reset(s);
    if (rc != DB_DONE) return -1; /* counts of a list cut short are not the district's */
    d->s3 = arena_printf(
        r->arena,
        "本区问题清单共列问题 %lld 个，已整改销号 %lld 个（销号率 %s），已申请销号待审核 %lld 个，正在整改 %lld 个，"
        "其中逾期未完成 %lld 个。逾期问题已纳入督办。",
        (long long)total, (long long)closed, pct(r, closed, total), (long long)submitted,
        (long long)(total - closed - submitted), (long long)overdue);

    /* 四、经验做法: the district's published typical experiences of the year, to edit */
    buf_t s4 = BUF_INIT;
    s = db_prepare(
        r->db, "SELECT title, summary FROM experience WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 "
               "AND published_on >= $3 AND published_on <= $4 ORDER BY published_on, id LIMIT 20");
    if (!s) return -1;
    char y0[24];
    snprintf(y0, sizeof(y0), "%04d-01-01", year);
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, y0, -1);
    db_bind_text(s, 4, ye, -1);
    int ne = 0;
    while ((rc = db_step(s)) == DB_ROW)
        buf_printf(&s4, "%d. %s%s%s\n", ++ne, db_col_text(s, 0), db_col_text(s, 1) ? "：" : "",
                   db_col_text(s, 1) ? db_col_text(s, 1) : "");
    db_reset(s);
    if (rc != DB_DONE) return buf_free(&s4), -1;
    d->s4 = arena_strdup(r->arena, ne ? s4.data : "（请填写本区经验做法与特色亮点）");
    buf_free(&s4);
    d->s6 = arena_printf(r->arena,
                         "1. 对照未达标指标，逐所细化整改措施，明确责任人和完成时限，逐项销号。\n"
                         "2. 健全长效机制，巩固已达标成果，防止反弹。\n"
                         "3. 总结推广典型经验，于%d年10月31日前完成下一年度自查自评。",
                         year + 1);
    return 0;
}

/* The live report of a key ("<district>:<year>"): its id (state copied),
 * 0 when none, -1 on a store error.  A deleted report is not the year's
 * report: generate makes a new one (migration 0070). */
static int64_t live_report(db_t *db, const char *key, char state[32]) {
    db_stmt_t *s = db_prepare(db, "SELECT id, wf_state FROM annual_report WHERE report_key = $1 AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, key, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_DONE ? 0 : -1;
    if (rc == DB_ROW) snprintf(state, 32, "%s", db_col_text(s, 1));
    db_reset(s);
    return id;
}

/* 409 naming the district's report of the year. */
static void report_exists(http_req_t *r, const char *dname, int year, int64_t id) {
    jw_obj(&r->json);
    jw_key(&r->json, "error");
    jw_obj(&r->json);
    jw_kstr(&r->json, "code", "report_exists");
    jw_kstr(&r->json, "message", arena_printf(r->arena, "%s %d 年度报告已存在, 可打开编辑或重新生成", dname, year));
    jw_kint(&r->json, "id", id);
    jw_obj_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 409);
}

static void generate(http_req_t *r) {
    json_t *body = http_json_body(r);
    if (!body) return;
    json_t *dj = json_object_get(body, "district"), *yj = json_object_get(body, "year");
    bool regenerate = json_is_true(json_object_get(body, "regenerate"));
    char today[11];
    wf_today(today);
    int this_year = atoi(today);
    json_t *errs = json_object();
    if (!json_is_integer(dj)) json_object_set_new(errs, "district", json_string("请选择区司法局"));
    if (!json_is_integer(yj) || json_integer_value(yj) < 2022 || json_integer_value(yj) > this_year)
        json_object_set_new(errs, "year",
                            json_string(arena_printf(r->arena, "年度应为 2022 到 %d 之间的整数", this_year)));
    int64_t district = json_is_integer(dj) ? json_integer_value(dj) : 0;
    int year = json_is_integer(yj) ? (int)json_integer_value(yj) : 0;
    json_decref(body);
    const char *path = NULL, *dname = NULL;
    if (!json_object_size(errs)) {
        db_stmt_t *s = db_prepare(r->db, "SELECT path, name, level FROM org_units WHERE id = $1");
        if (!s) {
            json_decref(errs);
            return http_store_error(r);
        }
        db_bind_int(s, 1, district);
        int rc = db_step(s);
        if (rc == DB_ROW && strcmp(db_col_text(s, 2), "district") == 0) {
            path = arena_strdup(r->arena, db_col_text(s, 0));
            dname = arena_strdup(r->arena, db_col_text(s, 1));
        }
        db_reset(s);
        if (rc < 0) {
            json_decref(errs);
            return http_store_error(r); /* not "区司法局不存在" */
        }
        if (!path || !scope_covers(r, path))
            json_object_set_new(errs, "district", json_string("区司法局不存在或不在您的管辖范围内"));
    }
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        json_decref(errs);
        return;
    }
    json_decref(errs);
    char key[64];
    snprintf(key, sizeof(key), "%lld:%d", (long long)district, year);
    char state[32] = "";
    int64_t existing = live_report(r->db, key, state);
    if (existing < 0) return http_store_error(r);
    if (existing && !regenerate) return report_exists(r, dname, year, existing);
    if (existing && strcmp(state, "draft") != 0)
        return http_error(r, 409, "report_not_draft", "报告已审定或报送, 不能重新生成; 如需修改请先退回");
    draft_t d;
    if (draft_build(r, district, dname, path, year, &d) != 0) return http_store_error(r);
    char now[21], due[24];
    iso_from_unix(now_unix(), now);
    snprintf(due, sizeof(due), "%04d-10-31", year);
    const principal_t *p = auth_principal(r);
    if (db_begin(r->db) != 0) return http_store_error(r);
    int64_t id = existing;
    db_stmt_t *s;
    if (!existing) {
        s = db_prepare(r->db, "INSERT INTO annual_report (org_id, org_path, version, created_at, created_by, "
                              "updated_at, updated_by, wf_state, "
                              "wf_version, state_since, due_at, report_key, year, title, as_of, s1_basic, "
                              "s2_compliance, compliance_table, "
                              "s3_problems, s4_experience, s5_issues, s6_next) VALUES ($1, $2, 1, $3, $4, $3, $4, "
                              "'draft', 1, $5, $6, $7, "
                              "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, district);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, now, -1);
        db_bind_int(s, 4, p->user_id);
        db_bind_text(s, 5, today, -1);
        db_bind_text(s, 6, due, -1);
        db_bind_text(s, 7, key, -1);
        db_bind_int(s, 8, year);
        const char *vals[] = {d.title, d.as_of, d.s1, d.s2, d.table, d.s3, d.s4, d.s5, d.s6};
        for (int i = 0; i < 9; i++)
            db_bind_text(s, 9 + i, vals[i], -1);
        int rc = db_step(s);
        id = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (rc == DB_UNIQUE) {
            /* PostgreSQL: a simultaneous generate of the key committed first */
            db_rollback(r->db);
            int64_t won = live_report(r->db, key, state);
            return won > 0 ? report_exists(r, dname, year, won) : http_store_error(r);
        }
    } else {
        /* regenerate a draft: the generated sections anew, the free text (四) kept */
        s = db_prepare(
            r->db,
            "UPDATE annual_report SET as_of = $1, s1_basic = $2, s2_compliance = $3, compliance_table = $4, "
            "s3_problems = $5, s5_issues = $6, version = version + 1, updated_at = $7, updated_by = $8 WHERE id = $9");
        if (!s) return http_store_error(r);
        const char *vals[] = {d.as_of, d.s1, d.s2, d.table, d.s3, d.s5, now};
        for (int i = 0; i < 7; i++)
            db_bind_text(s, 1 + i, vals[i], -1);
        db_bind_int(s, 8, p->user_id);
        db_bind_int(s, 9, id);
        if (db_step(s) != DB_DONE) id = 0;
        db_reset(s);
    }
    if (!id) return http_store_error(r);
    if (engine_notify_write(r->db, &reports, path, p->user_id) != 0) return http_store_error(r);
    char *detail = arena_printf(r->arena, "{\"district\":%lld,\"year\":%d,\"as_of\":\"%s\",\"regenerate\":%s}",
                                (long long)district, year, d.as_of, existing ? "true" : "false");
    if (auth_audit(r, existing ? "annual_report.regenerate" : "record.create", reports.name, id, "ok", detail) != 0 ||
        db_commit(r->db) != 0)
        return http_store_error(r);
    buf_t sql = BUF_INIT;
    s = engine_load_record(r, &reports, id, &sql);
    if (s) {
        engine_write_record(r, &reports, s);
        db_reset(s);
        http_send_json(r, existing ? 200 : 201);
    }
    buf_free(&sql);
}

/* ---- downloads ---- */

typedef struct report {
    int64_t id, org_id;
    int year;
    const char *title, *as_of, *state, *org_name, *sec[6], *table;
} report_t;

static const char *const section_titles[6] = {"一、基本情况",           "二、各项规范化指标达标情况",
                                              "三、问题清单及整改情况", "四、经验做法与特色亮点",
                                              "五、存在问题",           "六、下一步工作"};

/* Loads the report through the engine's scope rules; answers and returns -1 when not found. */
static int report_load(http_req_t *r, report_t *rep) {
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, &reports, id, &sql);
    buf_free(&sql);
    if (!s) return -1;
    db_reset(s);
    /* engine_load_record left its row; read ours plainly (same id, already scope-checked) */
    db_stmt_t *q = db_prepare(
        r->db, "SELECT a.id, a.org_id, a.year, a.title, a.as_of, a.wf_state, o.name, a.s1_basic, a.s2_compliance, "
               "a.s3_problems, a.s4_experience, a.s5_issues, a.s6_next, a.compliance_table "
               "FROM annual_report a JOIN org_units o ON o.id = a.org_id WHERE a.id = $1");
    if (!q) {
        http_store_error(r);
        return -1;
    }
    db_bind_int(q, 1, id);
    if (db_step(q) != DB_ROW) {
        db_reset(q);
        http_error(r, 404, "not_found", "记录不存在");
        return -1;
    }
    rep->id = db_col_int(q, 0);
    rep->org_id = db_col_int(q, 1);
    rep->year = (int)db_col_int(q, 2);
    const char **dst[] = {&rep->title, &rep->as_of, &rep->state, &rep->org_name};
    for (int i = 0; i < 4; i++)
        *dst[i] = db_col_text(q, 3 + i) ? arena_strdup(r->arena, db_col_text(q, 3 + i)) : "";
    for (int i = 0; i < 6; i++)
        rep->sec[i] = db_col_text(q, 7 + i) ? arena_strdup(r->arena, db_col_text(q, 7 + i)) : "";
    rep->table = db_col_text(q, 13) ? arena_strdup(r->arena, db_col_text(q, 13)) : "{}";
    db_reset(q);
    return 0;
}

static const char *status_mark(const char *st) {
    return !st ? "—" : strcmp(st, "pass") == 0 ? "达标" : strcmp(st, "fail") == 0 ? "未达标" : "未到期";
}

/* The snapshot table's rules and rows (jansson, freed by the caller). */
static json_t *table_of(const report_t *rep) {
    json_t *t = json_loads(rep->table, 0, NULL);
    return t ? t : json_object();
}

static int audit_download(http_req_t *r, const report_t *rep, const char *format) {
    char *detail = arena_printf(r->arena, "{\"format\":\"%s\",\"year\":%d}", format, rep->year);
    if (auth_audit(r, "record.export", reports.name, rep->id, "ok", detail) != 0) {
        http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
        return -1;
    }
    return 0;
}

static void send_file(http_req_t *r, const report_t *rep, const char *ext, const char *type, buf_t *file) {
    http_set_header(r, "Cache-Control", "no-store");
    http_set_header(r, "Content-Disposition",
                    arena_printf(r->arena, "attachment; filename=\"annual-report-%d.%s\"; filename*=UTF-8''%s",
                                 rep->year, ext, engine_rfc5987(r, arena_printf(r->arena, "%s.%s", rep->title, ext))));
    http_send_bytes(r, 200, type, file->data, file->len);
}

static void download_docx(http_req_t *r) {
    report_t rep;
    if (report_load(r, &rep) != 0) return;
    docx_t d;
    docx_init(&d);
    docx_title(&d, rep.title);
    docx_para(&d, arena_printf(r->arena, "报送单位：%s　　数据截止：%s", rep.org_name, doc_date(r, rep.as_of)), DOCX_CENTER);
    json_t *t = table_of(&rep);
    for (int i = 0; i < 6; i++) {
        docx_para(&d, section_titles[i], DOCX_BOLD);
        /* one paragraph per line of the section */
        char *text = arena_strdup(r->arena, rep.sec[i]);
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
            if (*line) docx_para(&d, line, DOCX_INDENT);
        if (i == 1) docx_para(&d, "各司法所逐项达标情况见附表。", DOCX_INDENT);
    }
    docx_para(&d, rep.org_name, DOCX_RIGHT);
    /* 附表 at the end, a landscape section of its own: the office column wide
     * enough for a name on one line, each rule column for 未达标 on one, the
     * heading row repeated on every page (issue 19 point 6) */
    json_t *rules = json_object_get(t, "rules"), *offices = json_object_get(t, "offices");
    int nr = (int)json_array_size(rules);
    if (nr && json_array_size(offices)) {
        docx_landscape_section(&d);
        docx_para(&d, "附表：各司法所规范化指标达标情况", DOCX_CENTER | DOCX_BOLD);
        int cols = nr + 1;
        int *widths = arena_calloc(r->arena, sizeof(int) * (size_t)cols);
        widths[0] = 2800;
        for (int k = 0; k < nr; k++)
            widths[k + 1] = (docx_text_width(&d) - widths[0]) / nr;
        d.cell_sz = nr > 12 ? 16 : 18; /* 8–9 pt: three characters fit a column of a dozen */
        const char **cells = arena_calloc(r->arena, sizeof(char *) * (size_t)cols);
        docx_table_begin(&d, cols, widths);
        cells[0] = "司法所";
        for (int k = 0; k < nr; k++)
            cells[k + 1] = arena_printf(r->arena, "条款%s\n%s",
                                        json_string_value(json_object_get(json_array_get(rules, k), "clause")),
                                        json_string_value(json_object_get(json_array_get(rules, k), "title")));
        docx_header_row(&d, cells);
        size_t oi;
        json_t *o;
        json_array_foreach(offices, oi, o) {
            cells[0] = json_string_value(json_object_get(o, "name"));
            json_t *res = json_object_get(o, "results");
            for (int k = 0; k < nr; k++)
                cells[k + 1] = status_mark(json_string_value(
                    json_object_get(res, json_string_value(json_object_get(json_array_get(rules, k), "id")))));
            docx_row(&d, cells);
        }
        docx_table_end(&d);
    }
    json_decref(t);
    buf_t file = BUF_INIT;
    int rc = docx_finish(&d, &file);
    docx_free(&d);
    if (rc != 0) {
        buf_free(&file);
        return http_error(r, 500, "export_failed", "报告生成失败");
    }
    if (audit_download(r, &rep, "docx") == 0)
        send_file(r, &rep, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", &file);
    buf_free(&file);
}

/* The report's .xlsx into out: 0, -2 on a store error (nothing to send), -1
 * when the file could not be made. */
static int write_xlsx(http_req_t *r, const report_t *rep, buf_t *out) {
    xlsx_tmp_t tmp;
    lxw_workbook *wb = xlsx_tmp_open(&tmp);
    int rc = -1;
    json_t *t = table_of(rep);
    if (!wb) {
        xlsx_tmp_finish(&tmp, NULL, NULL);
        goto out;
    }
    lxw_format *bold = workbook_add_format(wb), *cell = workbook_add_format(wb), *bad = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_border(bold, LXW_BORDER_THIN);
    format_set_text_wrap(bold);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_text_wrap(cell); /* a problem's title and measures whole, not cut at the column's edge */
    format_set_align(cell, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(bad, LXW_BORDER_THIN);
    lxw_format *rate = workbook_add_format(wb); /* 53.8%, not 0.538462 */
    format_set_border(rate, LXW_BORDER_THIN);
    format_set_num_format(rate, "0.0%");
    format_set_font_color(bad, LXW_COLOR_RED);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "达标情况");
    json_t *rules = json_object_get(t, "rules"), *offices = json_object_get(t, "offices");
    int nr = (int)json_array_size(rules);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)nr, 14, NULL);
    worksheet_write_string(ws, 0, 0, rep->title, NULL);
    worksheet_write_string(ws, 1, 0, arena_printf(r->arena, "数据截止：%s", doc_date(r, rep->as_of)), NULL);
    worksheet_write_string(ws, 2, 0, "司法所", bold);
    for (int k = 0; k < nr; k++) {
        json_t *x = json_array_get(rules, k);
        worksheet_write_string(ws, 2, (lxw_col_t)(k + 1),
                               arena_printf(r->arena, "条款%s %s", json_string_value(json_object_get(x, "clause")),
                                            json_string_value(json_object_get(x, "title"))),
                               bold);
    }
    worksheet_write_string(ws, 2, (lxw_col_t)(nr + 1), "达标率", bold);
    /* headers whole (a taller wrapped row), frozen, repeated on each printed
     * page; A4 landscape, one page wide (issue 19 point 6) */
    worksheet_set_row(ws, 2, 64, NULL);
    worksheet_freeze_panes(ws, 3, 1);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);
    worksheet_repeat_rows(ws, 2, 2);
    worksheet_fit_to_pages(ws, 1, 0);
    size_t oi;
    json_t *o;
    lxw_row_t row = 3;
    json_array_foreach(offices, oi, o) {
        worksheet_write_string(ws, row, 0, json_string_value(json_object_get(o, "name")), cell);
        json_t *res = json_object_get(o, "results");
        int p = 0, f = 0;
        for (int k = 0; k < nr; k++) {
            const char *st = json_string_value(
                json_object_get(res, json_string_value(json_object_get(json_array_get(rules, k), "id"))));
            if (st && strcmp(st, "pass") == 0) p++;
            if (st && strcmp(st, "fail") == 0) f++;
            worksheet_write_string(ws, row, (lxw_col_t)(k + 1), status_mark(st),
                                   st && strcmp(st, "fail") == 0 ? bad : cell);
        }
        worksheet_write_number(ws, row, (lxw_col_t)(nr + 1), p + f ? (double)p / (double)(p + f) : 0, rate);
        row++;
    }
    /* sheet 2: the problem list of the district */
    lxw_worksheet *ps = workbook_add_worksheet(wb, "问题清单");
    /* 序号, not the internal id */
    static const char *const head[] = {"序号",     "司法所", "问题",     "对应指标", "状态",
                                       "整改措施", "责任人", "办理期限", "可销号"};
    for (int k = 0; k < 9; k++)
        worksheet_write_string(ps, 0, (lxw_col_t)k, head[k], bold);
    worksheet_set_column(ps, 1, 2, 24, NULL);
    worksheet_set_column(ps, 3, 3, 24, NULL);
    worksheet_set_column(ps, 5, 5, 40, NULL);
    worksheet_set_column(ps, 7, 7, 12, NULL);
    worksheet_freeze_panes(ps, 1, 0);
    worksheet_set_landscape(ps);
    worksheet_set_paper(ps, 9);
    worksheet_repeat_rows(ps, 0, 0);
    worksheet_fit_to_pages(ps, 1, 0);
    db_stmt_t *s = db_prepare(
        r->db, "SELECT p.id, o.name, p.title, p.rule, p.wf_state, p.measures, p.owner, p.due_at, p.ready_for_closure "
               "FROM problem p JOIN org_units o ON o.id = p.org_id JOIN annual_report a ON a.id = $1 "
               "WHERE p.deleted_at IS NULL AND p.org_path >= a.org_path "
               "AND p.org_path < substr(a.org_path, 1, length(a.org_path) - 1) || '0' ORDER BY p.id LIMIT 100000");
    if (!s) {
        rc = -2; /* the store's: 503, not a sheet cut short */
        goto out;
    }
    db_bind_int(s, 1, rep->id);
    const entity_t *pe = entity_find("problems");
    const workflow_t *pflow = pe ? entity_flow(pe, 0) : NULL;
    row = 1;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        worksheet_write_number(ps, row, 0, (double)row, cell);
        for (int k = 1; k < 8; k++) {
            const char *v = db_col_text(s, k);
            if (k == 4 && v && pflow) v = wf_state_label(pflow, v);
            if (k == 3 && v) {
                const std_rule_t *x = std_rule_find(v);
                v = x ? x->title : v;
            }
            worksheet_write_string(ps, row, (lxw_col_t)k, v ? v : "", cell);
        }
        worksheet_write_string(ps, row, 8, db_col_int(s, 8) == 1 ? "是" : "否", cell);
        row++;
    }
    db_reset(s);
    if (step != DB_DONE) {
        rc = -2;
        goto out;
    }
    rc = xlsx_tmp_finish(&tmp, wb, out);
    wb = NULL;
out:
    if (wb) xlsx_tmp_finish(&tmp, wb, NULL); /* failed on the way: closed and removed */
    json_decref(t);
    return rc;
}

static void download_xlsx(http_req_t *r) {
    report_t rep;
    if (report_load(r, &rep) != 0) return;
    buf_t file = BUF_INIT;
    int wrc = write_xlsx(r, &rep, &file);
    if (wrc == -2) return buf_free(&file), http_store_error(r);
    if (wrc != 0) {
        buf_free(&file);
        log_error("annual report %lld: xlsx failed", (long long)rep.id);
        return http_error(r, 500, "export_failed", "报表生成失败");
    }
    if (audit_download(r, &rep, "xlsx") == 0)
        send_file(r, &rep, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &file);
    buf_free(&file);
}

/* The city's glance: every district in scope with its report of the year. */
static void overview(http_req_t *r) {
    char today[11];
    wf_today(today);
    const char *y = http_query(r, "year");
    int year = y ? atoi(y) : atoi(today);
    if (year < 2022 || year > 2100) return http_invalid(r, "year", "年度应为 2022 到 2100 之间的整数");
    const char *scope = scope_path(r);
    char hi[256];
    scope_upper(scope ? scope : "/", hi, sizeof(hi));
    db_stmt_t *s = db_prepare(
        r->db, "SELECT d.id, d.name, a.id, a.wf_state, a.submitted_on, a.received_on, a.due_at FROM org_units d "
               "LEFT JOIN annual_report a ON a.report_key = CAST(d.id AS TEXT) || ':' || $3 AND a.deleted_at IS NULL "
               "WHERE d.level = 'district' AND d.path >= $1 AND d.path < $2 AND d.valid_to IS NULL ORDER BY d.id");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, arena_printf(r->arena, "%d", year), -1);
    char deadline[24];
    snprintf(deadline, sizeof(deadline), "%04d-10-31", year);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "year", year);
    jw_kstr(w, "deadline", deadline);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *st = db_col_text(s, 3), *sub = db_col_text(s, 4);
        bool overdue = (!sub && strcmp(today, deadline) > 0) || (sub && strcmp(sub, deadline) > 0);
        jw_obj(w);
        jw_kint(w, "district_id", db_col_int(s, 0));
        jw_kstr(w, "district", db_col_text(s, 1));
        jw_key(w, "report_id");
        if (db_col_null(s, 2))
            jw_null(w);
        else
            jw_int(w, db_col_int(s, 2));
        jw_kstr(w, "state", st ? st : "none");
        jw_kstr(w, "state_label", st ? wf_state_label(&report_flow_v1, st) : "未生成");
        jw_kstr(w, "submitted_on", sub);
        jw_kstr(w, "received_on", db_col_text(s, 5));
        jw_kbool(w, "overdue", overdue);
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) {
        buf_clear(r->out);
        jw_init(&r->json, r->out);
        return http_store_error(r);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"POST", "/api/v1/annual-reports/generate", generate, .perm = "annual_report.generate"},
    {"GET", "/api/v1/annual-reports/overview", overview, .perm = "annual_report.read"},
    {"GET", "/api/v1/annual-reports/:id/docx", download_docx, .perm = "annual_report.read"},
    {"GET", "/api/v1/annual-reports/:id/xlsx", download_xlsx, .perm = "annual_report.read"},
    {0},
};

void annual_reports_routes_register(void) { router_add(routes); }
