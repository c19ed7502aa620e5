/* mediation.c — people's mediation (人民调解; plan clause 7, issue 8): the
 * mediation organisations (调委会), their mediators, the cases with their
 * workflow, and the cases' parties.  All four are engine entities; this file
 * adds only what the declarations cannot say: the deadline rules of the
 * workflow (hooks below).  Documents: mediation_docs.c; statistics:
 * mediation_stats.c; demo data: cmd/demo_mediation.c; scale data
 * (sifasuo generate): mediation_generate.c.
 *
 * Deadlines.  《人民调解工作若干规定》第三十七条: a dispute is in general
 * settled within one month of acceptance — 30 calendar days from the day
 * of acceptance (受理), not from registration, so the workflow's own
 * overall deadline is off and the accept hook sets due_at.  It may be
 * extended once (延期, with a reason, at most 30 days).  The internal steps
 * have working-day limits (state deadlines): decide on acceptance within
 * 3 working days of registration, visit the parties (回访) within 15
 * working days of the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define MEDIATION_ROLES "office_director office_staff district_admin district_staff city_staff mediator"
#define SETTLE_DAYS 30     /* 若干规定 第三十七条: 一般在一个月内调结 */
#define MAX_EXTENSION_DAYS 30


/* ---- 人民调解委员会 ---- */

static const field_t org_fields[] = {
    {"name", "调解组织名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"org_type", "组织类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "mediation_org_type"},
    {"village_id", "所在村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"uscc", "统一社会信用代码", F_TEXT, 0, .max = 18, .check = uscc_check},
    {"industry", "行业领域", F_TEXT, FF_SEARCH, .max = 100},
    {"established_on", "成立日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"address", "办公地址", F_TEXT, 0, .max = 200},
    {"phone", "办公电话", F_TEXT, 0, .max = 30},
    {"status", "状态", F_CODE, FF_FILTER | FF_LIST, .code_list = "mediation_org_status"},
    {0},
};

static const entity_t mediation_orgs = {
    .name = "mediation-orgs",
    .label = "人民调解组织",
    .table = "mediation_org",
    .perm = "mediation.org",
    .fields = org_fields,
    .default_sort = "name",
    .roles = MEDIATION_ROLES,
    .read_roles = "city_leader", /* reads and counts the city's mediation, changes nothing */
    .line = "mediation", .line_label = "人民调解", .cockpit = "",
};

/* ---- 人民调解员 ---- */

static const field_t mediator_fields[] = {
    {"person_id", "调解员", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"mediation_org_id", "所属调解组织", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "mediation-orgs"},
    {"employment", "专兼职", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "mediator_employment"},
    {"training_hours", "年度培训学时", F_INT, FF_FILTER | FF_SORT | FF_LIST, .min = 0, .max = 2000},
    {"appointed_on", "聘任日期", F_DATE, FF_FILTER | FF_SORT},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"status", "状态", F_CODE, FF_FILTER | FF_LIST, .code_list = "mediator_status"},
    {0},
};

static const entity_t mediators = {
    .name = "mediators",
    .label = "人民调解员",
    .table = "mediator",
    .perm = "mediation.mediator",
    .fields = mediator_fields,
    .default_sort = "-id",
    .roles = MEDIATION_ROLES,
    .read_roles = "city_leader", /* reads and counts the city's mediation, changes nothing */
    .line = "mediation", .line_label = "人民调解", .cockpit = "",
};

/* ---- 人民调解案件 ---- */

static const field_t case_fields[] = {
    {"case_no", "案件编号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST | FF_SORT, .max = 40,
     .readonly_why = "受理时由系统按本所年度顺序编号"},
    {"title", "案由", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"received_on", "登记日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"source", "案件来源", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "mediation_source"},
    {"category", "纠纷类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "dispute_category"},
    {"summary", "纠纷概要", F_TEXT, FF_SEARCH, .max = 2000},
    {"amount", "涉及金额 (元)", F_DECIMAL, FF_FILTER | FF_SORT, .scale = 2, .min = 0, .max = 100000000000000},
    {"village_id", "发生地村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"mediation_org_id", "调解组织", F_REF, FF_FILTER, .ref = "mediation-orgs"},
    {"mediator_id", "调解员", F_REF, FF_FILTER, .ref = "mediators"},
    {"major", "重大疑难复杂", F_BOOL, FF_READONLY | FF_FILTER | FF_LIST},
    {"major_reason", "提请司法所参与理由", F_TEXT, FF_READONLY, .max = 500},
    {"accepted_on", "受理日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"reject_reason", "不予受理理由", F_TEXT, FF_READONLY, .max = 500},
    {"extension_reason", "延期理由", F_TEXT, FF_READONLY, .max = 500},
    {"extension_days", "延期天数", F_INT, FF_READONLY, .min = 1, .max = MAX_EXTENSION_DAYS},
    {"agreement_form", "协议形式", F_CODE, FF_READONLY | FF_FILTER, .code_list = "agreement_form"},
    {"agreement_content", "协议内容", F_TEXT, FF_READONLY, .max = 4000},
    {"performance_deadline", "履行期限", F_DATE, 0},
    {"resolved_level", "化解层级", F_CODE, FF_READONLY | FF_FILTER, .code_list = "mediation_level"},
    {"referral", "调解不成去向", F_CODE, FF_READONLY | FF_FILTER, .code_list = "mediation_referral"},
    {"failure_reason", "调解不成原因", F_TEXT, FF_READONLY, .max = 1000},
    {"closed_on", "结案日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"visit_note", "回访情况", F_TEXT, FF_READONLY, .max = 2000},
    {"visited_on", "回访日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {0},
};

static const wf_state_t case_states[] = {
    {"registered", "登记", 3}, /* 3 working days to decide on acceptance */
    {"accepted", "已受理", 0},
    {"rejected", "不予受理", 0, true},
    {"mediating", "调解中", 0},
    {"succeeded", "调解成功", 15}, /* 15 working days to visit the parties */
    {"failed", "调解不成", 15},
    {"visited", "已回访", 0},
    {"archived", "已归档", 0, true},
    {0},
};
/* the transitions' hooks (below) */
static int accept_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int extend_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int major_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t case_transitions[] = {
    {"accept", "受理", "registered", "accepted", .hook = accept_hook},
    {"reject", "不予受理", "registered", "rejected", .requires = "reject_reason"},
    {"start", "开始调解", "accepted", "mediating"},
    {"extend", "延期", "mediating", "mediating", .requires = "extension_reason extension_days", .hook = extend_hook},
    /* clause 7: the office joins major, complex disputes — one action from
     * either open state, the case staying where it is */
    {"refer_major", "提请司法所参与", "accepted", "accepted", .requires = "major_reason", .hook = major_hook},
    {"refer_major", "提请司法所参与", "mediating", "mediating", .requires = "major_reason", .hook = major_hook},
    /* the case is closed on the day of its result (the statistics count it
     * in that period), and the visit dated the day it is recorded */
    {"succeed", "调解成功", "mediating", "succeeded", .requires = "agreement_form agreement_content resolved_level",
     .stamp = "closed_on", .meets_deadline = true},
    {"fail", "调解不成", "mediating", "failed", .requires = "referral failure_reason resolved_level",
     .stamp = "closed_on", .meets_deadline = true},
    {"visit", "回访", "succeeded failed", "visited", .requires = "visit_note", .stamp = "visited_on",
     .meets_deadline = true},
    {"archive", "归档", "visited", "archived"},
    /* An archived case is locked (issue 15 point 6).  A file review (卷宗评查)
     * may find an error in it: the district, not the office that archived
     * it, may take it out of the archive — with a reason, audited — for the
     * office to correct and archive again.  A rejected application stays
     * closed: the party applies anew, as a new case. */
    {"unarchive", "撤销归档", "archived", "visited", .perm = "mediation.case.unarchive"},
    {0},
};
static const perm_def_t case_perms[] = {
    {"mediation.case.unarchive", "人民调解案件: 撤销归档 (须说明原因)", "district_admin"},
    {0},
};
static const workflow_t case_flow_v1 = {1, "registered", case_states, case_transitions, 0, 3};
static const workflow_t *const case_flows[] = {&case_flow_v1, NULL};

/* Demo data (init --demo): committees, mediators and cases of every state;
 * SIFASUO_DEMO_CASES cases per office (default 12: ~2,600 a year; Shanghai
 * has ~1,000 an office); at national scale the committees only. */
static int mediation_demo(const engine_demo_t *d, char *err, size_t errlen) {
    const char *dc = getenv("SIFASUO_DEMO_CASES");
    return demo_seed_mediation(d->db, d->nation ? -1 : dc ? atoi(dc) : 12, err, errlen);
}

/* The parties go with their case: a case deleted as registered by mistake
 * takes its parties along (and a restore brings them back). */
static const entity_child_t case_children[] = {
    {"parties", "mediation-parties", CHILD_DELETE_CASCADE},
    {0},
};
/* 案件编号 on acceptance (受理), per office and year, in the format the
 * offices' registers already use: (2026)沪调字第57-0012号.  A rejected
 * application (不予受理) is not a case and takes no number. */
extern const entity_document_t mediation_case_documents[]; /* mediation_docs.c */
static const entity_number_t case_number = {"case_no", "({year})沪调字第{office}-{seq:4}号", "accept"};

static const entity_t mediation_cases = {
    .name = "mediation-cases",
    .label = "人民调解案件",
    .table = "mediation_case",
    .perm = "mediation.case",
    .fields = case_fields,
    .flows = case_flows,
    .default_sort = "-received_on",
    .roles = MEDIATION_ROLES,
    .read_roles = "city_leader", /* reads and counts the city's mediation, changes nothing */
    .line = "mediation", .line_label = "人民调解", .cockpit = "", .panels = "documents portal",
    .attachments = true, /* evidence, agreements signed on paper, photos of the site */
    .documents = mediation_case_documents, /* mediation_docs.c */
    .demo = mediation_demo,
    .children = case_children,
    .number = &case_number,
    .generate = &mediation_case_generator, /* mediation_generate.c */
};

/* ---- 当事人: many per case, a person of the registry or an organisation ---- */

static const field_t party_fields[] = {
    {"case_id", "案件", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "mediation-cases"},
    {"role", "当事人地位", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "mediation_party_role"},
    {"person_id", "当事人 (自然人)", F_PERSON, FF_FILTER | FF_LIST},
    {"unit_name", "当事人 (单位)", F_TEXT, FF_SEARCH | FF_LIST, .max = 200, .was = "org_name"},
    {"unit_uscc", "单位统一社会信用代码", F_TEXT, 0, .max = 18, .check = uscc_check},
    {"agent", "代理人", F_TEXT, 0, .max = 100},
    {0},
};

/* A party is a person of the registry or a unit, never neither nor both. */
static const char *party_check(check_ctx_t *c, const char **field) {
    json_t *rec = c->after;
    const char *org = json_string_value(json_object_get(rec, "unit_name"));
    bool person = json_is_integer(json_object_get(rec, "person_id")), unit = org && *org;
    if (!person && !unit) return *field = "person_id", "请选择当事人 (自然人), 或填写当事人 (单位)";
    if (person && unit) return *field = "unit_name", "当事人是自然人时不填单位名称";
    const char *code = json_string_value(json_object_get(rec, "unit_uscc"));
    if (person && code && *code) return *field = "unit_uscc", "当事人是自然人时不填统一社会信用代码";
    return NULL;
}

static const entity_t mediation_parties = {
    .name = "mediation-parties",
    .label = "调解案件当事人",
    .table = "mediation_party",
    .perm = "mediation.party",
    .fields = party_fields,
    .default_sort = "id",
    .roles = MEDIATION_ROLES,
    .read_roles = "city_leader", /* reads and counts the city's mediation, changes nothing */
    .check = party_check,
    .parent = "case_id", /* no party added to, changed in or removed from a closed case */
    .line = "mediation", .line_label = "人民调解", .cockpit = "",
};

/* ---- workflow hooks (inside the transition's transaction) ---- */

/* date + days calendar days into out. */
static void add_days(const char *date, int days, char out[11]) {
    int64_t t = 0;
    unix_from_iso(date, &t);
    char iso[21];
    iso_from_unix(t + (int64_t)days * 86400, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

static int hook_update(http_req_t *r, const char *sql, const char *a, const char *b, int64_t id) {
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, a, -1);
    db_bind_text(s, 2, b, -1);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* 受理: the 30-day settlement period starts today. */
static int accept_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    char today[11], due[11];
    wf_today(today);
    add_days(today, SETTLE_DAYS, due);
    if (hook_update(r, "UPDATE mediation_case SET accepted_on = $1, due_at = $2 WHERE id = $3", today, due, id) != 0) {
        http_store_error(r);
        return -1;
    }
    return 0;
}

/* 延期: once per case, the deadline moves by extension_days. */
static int extend_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    db_stmt_t *s = db_prepare(r->db, "SELECT due_at, extension_days FROM mediation_case WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return http_store_error(r), -1;
    }
    char due[11] = "";
    if (!db_col_null(s, 0)) snprintf(due, sizeof(due), "%s", db_col_text(s, 0));
    int64_t days = db_col_int(s, 1);
    db_reset(s);
    /* the UPDATE before this hook already wrote the new extension_days; a
     * second extension is recognised by the audit trail of the first */
    s = db_prepare(r->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'workflow.extend' AND entity = $1 AND entity_id = $2");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    int64_t before = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (before < 0) return http_store_error(r), -1;
    if (before > 0) {
        http_error(r, 409, "already_extended", "调解期限只能延长一次");
        return -1;
    }
    if (!*due) wf_today(due);
    char moved[11];
    add_days(due, (int)days, moved);
    if (hook_update(r, "UPDATE mediation_case SET due_at = $1, state_due_at = $2 WHERE id = $3", moved, NULL, id) != 0) {
        http_store_error(r);
        return -1;
    }
    return 0;
}

/* 提请司法所参与: the case is flagged 重大疑难复杂 (counted apart in the
 * statistics, filtered with ?major=true); a second referral is refused. */
static int major_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    db_stmt_t *s = db_prepare(r->db, "UPDATE mediation_case SET major = 1 WHERE id = $1 AND (major IS NULL OR major = 0)");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r), -1;
    if (n == 0) {
        http_error(r, 409, "already_major", "该案件已提请司法所参与");
        return -1;
    }
    return 0;
}

void mediation_declare(void) {
    entity_register(&mediation_orgs);
    entity_register(&mediators);
    perm_register(case_perms); /* before the entity: its defaults, not the entity's roles */
    entity_register(&mediation_cases);
    entity_register(&mediation_parties);
}

/* The module's own routes (statistics); the entities' routes, and the
 * documents the case declares, are the engine's. */
void mediation_routes_register(void) {
    mediation_stats_register();
}
