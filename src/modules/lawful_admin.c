/* lawful_admin.c — lawful administration of the street/town (依法行政; plan
 * clause 5, issue 21 points 1–4, 8): the office as legal adviser of its
 * street/town government.
 *
 *   legality-reviews        合法性审查/审核 of the departments' major decisions,
 *                           normative documents, major enforcement decisions
 *                           (法制审核), contracts, 村规民约 and other matters
 *   review-deadlines        the working days each type of review has (settings)
 *   enforcement-officers    the street/town's enforcement officers and 执法证
 *   enforcement-publicity   行政执法公示 items
 *   enforcement-records     执法全过程记录
 *   admin-disputes          行政复议答复 and 行政应诉答辩, hearings, outcomes
 *   counsel-contracts       government legal counsel (the office, or a firm)
 *   counsel-matters         the matters counsel handled
 *
 * plus GET /api/v1/lawful/returns (the figures for the annual report and the
 * city) and the to-do of certificates that expire within 60 days.  The legal
 * basis of every deadline is in docs/lawful-administration.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "cmd/demo.h"
#include "engine/calendar.h"
#include "engine/codes.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "modules/returns.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define LAWFUL_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define LINE .line = "administration", .line_label = "依法行政", .cockpit = ""
#define CERT_ALERT_DAYS 60 /* issue 21: 执法证 expiry alerts 60 days ahead */

/* ---- code lists ---- */
static const code_seed_t review_types[] = {
    {"major_decision", "重大行政决策合法性审查"},
    {"normative_doc", "行政规范性文件合法性审核"},
    {"enforcement_decision", "重大行政执法决定法制审核"},
    {"contract", "合同 (行政协议) 合法性审查"},
    {"village_rules", "村规民约 (居民公约) 合法性审查"},
    {"other", "其他事项合法性审查"},
    {0},
};
static const code_seed_t review_opinions[] = {
    {"lawful", "合法"},
    {"lawful_if_changed", "修改后合法"},
    {"unlawful", "不合法"},
    {0},
};
static const code_seed_t adoptions[] = {
    {"adopted", "全部采纳"},
    {"partly", "部分采纳"},
    {"not_adopted", "未采纳"},
    {0},
};
static const code_seed_t publicity_kinds[] = {
    {"before", "事前公开 (主体、权限、依据、程序等)"},
    {"during", "事中公示 (执法人员亮证执法)"},
    {"after", "事后公开 (执法决定)"},
    {0},
};
static const code_seed_t record_kinds[] = {
    {"text", "文字记录"},
    {"audio_video", "音像记录"},
    {0},
};
static const code_seed_t officer_statuses[] = {
    {"active", "在岗持证"},
    {"suspended", "暂扣证件"},
    {"left", "调离/注销"},
    {0},
};
static const code_seed_t dispute_kinds[] = {
    {"reconsideration", "行政复议"},
    {"litigation", "行政诉讼"},
    {0},
};
static const code_seed_t dispute_outcomes[] = {
    {"upheld", "维持"},
    {"dismissed", "驳回"},
    {"revoked", "撤销"},
    {"confirmed_unlawful", "确认违法"},
    {"changed", "变更"},
    {"ordered", "责令履行"},
    {"mediated", "调解/和解"},
    {"withdrawn", "撤回申请/撤诉"},
    {0},
};
static const code_seed_t counsel_kinds[] = {
    {"office", "司法所 (政府法律顾问)"},
    {"firm", "律师事务所"},
    {"public_lawyer", "公职律师"},
    {0},
};
static const code_seed_t counsel_statuses[] = {
    {"serving", "在聘"},
    {"renewed", "已续聘"},
    {"exited", "已解聘/退出"},
    {0},
};
static const code_seed_t counsel_ratings[] = {
    {"excellent", "优秀"}, {"good", "称职"}, {"fair", "基本称职"}, {"poor", "不称职"}, {0},
};
static const code_seed_t matter_kinds[] = {
    {"advice", "法律咨询意见"},
    {"review", "审查把关"},
    {"litigation", "代理复议诉讼"},
    {"negotiation", "参与谈判、信访接待"},
    {"training", "法治培训"},
    {"other", "其他"},
    {0},
};
static const code_list_decl_t review_lists[] = {
    {"lawful_review_type", "合法性审查类型", review_types},
    {"lawful_review_opinion", "合法性审查意见", review_opinions},
    {"lawful_adoption", "审查意见采纳情况", adoptions},
    {0},
};
static const code_list_decl_t enforcement_lists[] = {
    {"enforcement_publicity_kind", "行政执法公示类别", publicity_kinds},
    {"enforcement_record_kind", "执法全过程记录形式", record_kinds},
    {"enforcement_officer_status", "执法人员状态", officer_statuses},
    {0},
};
static const code_list_decl_t dispute_lists[] = {
    {"admin_dispute_kind", "复议应诉类别", dispute_kinds},
    {"admin_dispute_outcome", "复议应诉结果", dispute_outcomes},
    {0},
};
static const code_list_decl_t counsel_lists[] = {
    {"counsel_kind", "法律顾问类别", counsel_kinds},
    {"counsel_status", "法律顾问聘任状态", counsel_statuses},
    {"counsel_rating", "法律顾问年度评价", counsel_ratings},
    {"counsel_matter_kind", "法律顾问服务事项类别", matter_kinds},
    {0},
};

/* ---- the working days of each type of review (settings) ----
 * The defaults below hold until the city (or a district, for its own
 * offices) records its own in 审查期限设置; the nearest setting up the tree
 * wins.  The legal basis of each: docs/lawful-administration.md. */
static const struct review_days {
    const char *type;
    int days, extension;
} default_days[] = {
    {"major_decision", 7, 7}, /* 重大行政决策程序暂行条例 第二十八条: 一般不少于 7 个工作日 */
    {"normative_doc", 5, 10}, /* 国办发〔2018〕115号: 原则上不少于 5 个、最长不超过 15 个工作日 */
    {"enforcement_decision", 5, 5}, /* 国办发〔2018〕118号 (法制审核, 未定时限): 本市通行做法 */
    {"contract", 5, 5},
    {"village_rules", 10, 5},
    {"other", 5, 5},
    {NULL, 5, 5},
};

/* The days and extension days of a type of review for a record owned at path. */
static int review_days(db_t *db, const char *type, const char *path, int *days, int *extension) {
    const struct review_days *d = default_days;
    while (d->type && (!type || strcmp(d->type, type) != 0))
        d++;
    *days = d->days, *extension = d->extension;
    db_stmt_t *s = db_prepare(db, "SELECT days, extension_days FROM review_deadline WHERE deleted_at IS NULL "
                                  "AND review_type = $1 AND substr($2, 1, length(org_path)) = org_path "
                                  "ORDER BY length(org_path) DESC, id LIMIT 1");
    if (!s) return -1;
    db_bind_text(s, 1, type ? type : "other", -1);
    db_bind_text(s, 2, path, -1);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *days = (int)db_col_int(s, 0);
        if (!db_col_null(s, 1)) *extension = (int)db_col_int(s, 1);
    }
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

static const field_t deadline_fields[] = {
    {"review_type", "审查类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "lawful_review_type"},
    {"days", "审查期限 (工作日)", F_INT, FF_REQUIRED | FF_LIST, .min = 1, .max = 60},
    {"extension_days", "可延长 (工作日, 一次)", F_INT, FF_LIST, .min = 0, .max = 60},
    {"basis", "依据", F_TEXT, FF_LIST, .max = 300},
    {0},
};

/* ---- 合法性审查 ---- */

static const field_t review_fields[] = {
    {"review_no", "审查编号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST | FF_SORT, .max = 40,
     .readonly_why = "受理时由系统按本所年度顺序编号"},
    {"title", "送审事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"review_type", "审查类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "lawful_review_type"},
    {"department", "送审部门", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"village_id", "所涉村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"requested_on", "送审日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"contact", "送审联系人", F_TEXT, 0, .max = 50},
    {"summary", "送审材料及主要内容", F_TEXT, FF_SEARCH, .max = 4000},
    {"draft_file", "送审稿 (PDF)", F_FILE, 0},
    {"reviewer_id", "审查人 (持法律职业资格)", F_REF, FF_READONLY | FF_FILTER, .ref = "staff"},
    {"accepted_on", "受理日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"return_reason", "退回补充材料理由", F_TEXT, FF_READONLY, .max = 500},
    {"reject_reason", "不予受理理由", F_TEXT, FF_READONLY, .max = 500},
    {"extension_reason", "延期理由", F_TEXT, FF_READONLY, .max = 500},
    {"extended_on", "延期日期", F_DATE, FF_READONLY},
    {"opinion", "审查结论", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "lawful_review_opinion"},
    {"opinion_reasons", "审查意见及理由", F_TEXT, FF_READONLY, .max = 4000},
    {"opinion_on", "出具意见日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"adoption", "采纳情况", F_CODE, FF_READONLY | FF_FILTER, .code_list = "lawful_adoption"},
    {"adoption_note", "采纳情况说明", F_TEXT, FF_READONLY, .max = 1000},
    {"feedback_on", "反馈日期", F_DATE, FF_READONLY},
    {0},
};

static const wf_state_t review_states[] = {
    {"submitted", "待受理", 2},                                /* 2 working days to accept or return */
    {"returned", "退回补充", 0},   {"reviewing", "审查中", 0}, /* due_at: the type's working days from acceptance
                                                                  (accept_hook) */
    {"opined", "已出具意见", 10}, /* the department reports adoption within 10 working days */
    {"closed", "已办结", 0, true}, {"rejected", "不予受理", 0, true}, {0},
};
static int accept_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int extend_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t review_transitions[] = {
    {"accept", "受理并指定审查人", "submitted", "reviewing", .requires = "reviewer_id", .hook = accept_hook},
    {"return", "退回补充材料", "submitted reviewing", "returned", .requires = "return_reason"},
    {"resubmit", "补充后重新报送", "returned", "submitted"},
    {"reject", "不予受理", "submitted", "rejected", .requires = "reject_reason"},
    {"extend", "延期 (一次)", "reviewing", "reviewing", .requires = "extension_reason", .hook = extend_hook},
    {"opine", "出具审查意见", "reviewing", "opined", .requires = "opinion opinion_reasons", .stamp = "opinion_on",
     .meets_deadline = true},
    {"feedback", "登记采纳情况", "opined", "closed", .requires = "adoption adoption_note", .stamp = "feedback_on"},
    {0},
};
/* overdue by one working day → escalated (督办) */
static const workflow_t review_flow_v1 = {1, "submitted", review_states, review_transitions, 0, 1};
static const workflow_t *const review_flows[] = {&review_flow_v1, NULL};

/* The reviewer holds the legal professional qualification and is on duty:
 * the staff register's 取得法律职业资格日期 (the same fact clause 16 reads). */
static const char *review_check(check_ctx_t *c, const char **field) {
    json_t *now = json_object_get(c->after, "reviewer_id");
    if (!json_is_integer(now)) return NULL;
    /* decided when the reviewer is named: one who leaves later does not undo the review */
    json_t *was = c->before ? json_object_get(c->before, "reviewer_id") : NULL;
    if (json_is_integer(was) && json_integer_value(was) == json_integer_value(now)) return NULL;
    json_t *st = check_linked(c, "reviewer_id");
    *field = "reviewer_id";
    if (!st) return "审查人不在工作人员台账中";
    const char *cert = json_string_value(json_object_get(st, "cert_date"));
    if (!cert || !*cert) return "审查人须具有法律职业资格 (工作人员台账未登记取得法律职业资格日期)";
    const char *status = json_string_value(json_object_get(st, "status"));
    if (status && strcmp(status, "on_duty") != 0) return "审查人须为在岗人员";
    return NULL;
}

static int review_opinion_doc(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    static const int cols[] = {2200, 6826};
    doc_title(o, "合法性审查意见书");
    doc_para(o, arena_printf(r->arena, "%s", doc_value(r, e, rec, "review_no")), DOCX_RIGHT);
    doc_para(o, arena_printf(r->arena, "%s:", doc_value(r, e, rec, "department")), 0);
    doc_para(o,
             arena_printf(r->arena, "你单位于 %s 送审的《%s》(%s) 收悉。本所依法进行了审查, 现提出意见如下:",
                          doc_value(r, e, rec, "requested_on"), doc_value(r, e, rec, "title"),
                          doc_value(r, e, rec, "review_type")),
             DOCX_INDENT);
    doc_table(o, 2, cols);
    const char *rows[][2] = {
        {"审查结论", doc_value(r, e, rec, "opinion")},
        {"审查意见及理由", doc_value(r, e, rec, "opinion_reasons")},
        {"受理日期", doc_value(r, e, rec, "accepted_on")},
        {"审查人", doc_value(r, e, rec, "reviewer_id")},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        doc_row(o, rows[i]);
    doc_table_end(o);
    doc_para(o, "请于收到本意见书后十个工作日内将采纳情况书面反馈本所。本意见仅供决策参考, 不代替集体讨论决定。",
             DOCX_INDENT);
    doc_para(o, arena_printf(r->arena, "%s (印章)", json_string_value(json_object_get(rec, "org_name"))), DOCX_RIGHT);
    doc_para(o, doc_value(r, e, rec, "opinion_on"), DOCX_RIGHT);
    return 0;
}
static const entity_document_t review_documents[] = {
    {"opinion", "合法性审查意见书", "opinion", "尚未出具审查意见", review_opinion_doc},
    {0},
};
/* 审查编号 on acceptance, per office and year: (2026)法审字第57-003号 */
static const entity_number_t review_number = {"review_no", "({year})法审字第{office}-{seq:3}号", "accept"};

static int demo_lawful(const engine_demo_t *d, char *err, size_t errlen);

static const entity_t deadlines = {
    .name = "review-deadlines",
    .label = "合法性审查期限设置",
    .table = "review_deadline",
    .perm = "lawful.deadline",
    .fields = deadline_fields,
    .default_sort = "-id",
    .roles = "city_staff district_admin",
    .unique = "org_id review_type",
    LINE,
};

static const entity_t reviews = {
    .name = "legality-reviews",
    .label = "合法性审查",
    .table = "legality_review",
    .perm = "lawful.review",
    .fields = review_fields,
    .flows = review_flows,
    .default_sort = "-requested_on",
    .roles = LAWFUL_ROLES,
    .check = review_check,
    .code_lists = review_lists,
    .title = "title",
    LINE,
    .cockpit_by_state = true,
    .number = &review_number,
    .documents = review_documents,
    .panels = "documents",
    .demo = demo_lawful,
};

/* ---- hooks of the review ---- */

static int set_dates(http_req_t *r, const char *sql, const char *a, const char *b, int64_t id) {
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, a, -1);
    db_bind_text(s, 2, b, -1);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    return rc == DB_DONE ? (int)n : -1;
}

/* The record's type and owner path, for the deadline. */
static int review_of(http_req_t *r, int64_t id, char type[32], char path[256], char due[11]) {
    db_stmt_t *s = db_prepare(r->db, "SELECT review_type, org_path, due_at FROM legality_review WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        snprintf(type, 32, "%s", db_col_text(s, 0));
        snprintf(path, 256, "%s", db_col_text(s, 1));
        snprintf(due, 11, "%s", db_col_null(s, 2) ? "" : db_col_text(s, 2));
    }
    db_reset(s);
    return rc == DB_ROW ? 0 : -1;
}

/* 受理: the review runs the type's working days from today. */
static int accept_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    char type[32], path[256], due[11], today[11];
    int days, ext;
    wf_today(today);
    if (review_of(r, id, type, path, due) != 0 || review_days(r->db, type, path, &days, &ext) != 0 ||
        cal_add_workdays(r->db, today, days, due) != 0 ||
        set_dates(r, "UPDATE legality_review SET accepted_on = $1, due_at = $2 WHERE id = $3", today, due, id) < 0)
        return http_store_error(r), -1;
    return 0;
}

/* 延期: once, by the type's extension days, with a reason. */
static int extend_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    char type[32], path[256], due[11], today[11], moved[11];
    int days, ext;
    wf_today(today);
    if (review_of(r, id, type, path, due) != 0 || review_days(r->db, type, path, &days, &ext) != 0)
        return http_store_error(r), -1;
    if (ext <= 0) return http_error(r, 409, "no_extension", "该类审查不能延期"), -1;
    if (cal_add_workdays(r->db, *due ? due : today, ext, moved) != 0) return http_store_error(r), -1;
    int n = set_dates(r,
                      "UPDATE legality_review SET extended_on = $1, due_at = $2, escalated = 0 "
                      "WHERE id = $3 AND extended_on IS NULL",
                      today, moved, id);
    if (n < 0) return http_store_error(r), -1;
    if (n == 0) return http_error(r, 409, "already_extended", "审查期限只能延长一次"), -1;
    return 0;
}

/* ---- 执法人员与执法证 ---- */

static const field_t officer_fields[] = {
    {"name", "姓名", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 50},
    {"department", "所在执法部门", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"cert_number", "行政执法证号", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 30},
    {"enforcement_area", "执法类别 (领域)", F_TEXT, 0, .max = 100},
    {"cert_issued_on", "发证日期", F_DATE, 0},
    {"cert_expiry", "执法证有效期至", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"trained_hours", "年度法律知识培训学时", F_INT, 0, .min = 0, .max = 1000},
    {"status", "状态", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "enforcement_officer_status"},
    {0},
};
static const entity_t officers = {
    .name = "enforcement-officers",
    .label = "行政执法人员",
    .table = "enforcement_officer",
    .perm = "lawful.officer",
    .fields = officer_fields,
    .default_sort = "cert_expiry",
    .roles = LAWFUL_ROLES,
    .code_lists = enforcement_lists,
    LINE,
};

static const field_t publicity_fields[] = {
    {"title", "公示事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "公示类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "enforcement_publicity_kind"},
    {"department", "执法部门", F_TEXT, FF_SEARCH | FF_LIST, .max = 100},
    {"case_no", "执法案件编号", F_TEXT, FF_SEARCH | FF_LIST, .max = 60},
    {"published_on", "公示日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"channel", "公示渠道", F_TEXT, 0, .max = 100},
    {"review_id", "法制审核", F_REF, FF_FILTER, .ref = "legality-reviews"},
    {0},
};
static const entity_t publicity = {
    .name = "enforcement-publicity",
    .label = "行政执法公示",
    .table = "enforcement_publicity",
    .perm = "lawful.publicity",
    .fields = publicity_fields,
    .default_sort = "-published_on",
    .roles = LAWFUL_ROLES,
    LINE,
};

static const field_t record_fields[] = {
    {"case_no", "执法案件编号", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 60},
    {"title", "执法环节", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "记录形式", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "enforcement_record_kind"},
    {"recorded_on", "记录日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"officer_id", "执法人员", F_REF, FF_FILTER | FF_LIST, .ref = "enforcement-officers"},
    {"file", "记录文件 (PDF/图片)", F_FILE, 0},
    {"review_id", "法制审核", F_REF, FF_FILTER, .ref = "legality-reviews"},
    {0},
};
static const entity_t records = {
    .name = "enforcement-records",
    .label = "执法全过程记录",
    .table = "enforcement_record",
    .perm = "lawful.record",
    .fields = record_fields,
    .default_sort = "-recorded_on",
    .roles = LAWFUL_ROLES,
    LINE,
};

/* ---- 行政复议答复 / 行政应诉答辩 ---- */

static const field_t dispute_fields[] = {
    {"title", "案由", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "admin_dispute_kind"},
    {"case_no", "复议/诉讼案号", F_TEXT, FF_SEARCH | FF_LIST, .max = 60},
    {"claimant", "申请人/原告", F_TEXT, FF_REQUIRED | FF_PI, .mask = "name", .max = 100},
    {"authority", "复议机关/受理法院", F_TEXT, FF_REQUIRED, .max = 100},
    {"department", "被申请/被诉部门", F_TEXT, FF_SEARCH, .max = 100},
    {"copy_received_on", "收到申请书/起诉状副本日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"copy_file", "申请书/起诉状副本 (PDF)", F_FILE, 0},
    {"reply_file", "答复书/答辩状及证据目录 (PDF)", F_FILE, 0},
    {"reply_summary", "答复/答辩要点", F_TEXT, FF_READONLY, .max = 4000},
    {"replied_on", "提交答复/答辩日期", F_DATE, FF_READONLY | FF_FILTER},
    {"hearing_on", "开庭/听证日期", F_DATE, FF_FILTER | FF_SORT},
    {"judgment_file", "复议决定书/裁判文书 (PDF)", F_FILE, 0},
    {"responsible_person", "出庭负责人", F_TEXT, 0, .max = 50},
    {"head_appeared", "行政机关负责人出庭应诉", F_BOOL, FF_FILTER},
    {"outcome", "结果", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "admin_dispute_outcome"},
    {"concluded_on", "结案日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {0},
};
static const wf_state_t dispute_states[] = {
    {"received", "待答复", 0}, /* due_at from the copy's receipt: dispute_deadline */
    {"replied", "已答复", 0},
    {"concluded", "已结案", 0, true},
    {0},
};
static const wf_transition_t dispute_transitions[] = {
    {"reply", "提交答复/答辩", "received", "replied", .requires = "reply_summary", .stamp = "replied_on",
     .meets_deadline = true},
    {"conclude", "登记结果", "replied", "concluded", .requires = "outcome", .stamp = "concluded_on"},
    {0},
};
static const workflow_t dispute_flow_v1 = {1, "received", dispute_states, dispute_transitions, 0, 1};
static const workflow_t *const dispute_flows[] = {&dispute_flow_v1, NULL};

/* The reply's deadline from the day the copy was received:
 *  行政复议 — 行政复议法 (2023) 第四十八条: within 10 days, and 第八十八条
 *    counts "十日" as working days;
 *  行政诉讼 — 行政诉讼法 第六十七条: within 15 days, calendar days (民事诉讼法
 *    第八十五条, as 第一百零一条 of the former applies): a last day that is
 *    a holiday or weekend moves to the next working day.
 * None once the reply is in. */
static int dispute_deadline(check_ctx_t *c, char due[11]) {
    const char *kind = json_string_value(json_object_get(c->after, "kind"));
    const char *got = json_string_value(json_object_get(c->after, "copy_received_on"));
    due[0] = '\0';
    if (!kind || !got || json_is_string(json_object_get(c->after, "replied_on"))) return 0;
    if (strcmp(kind, "reconsideration") == 0) return cal_add_workdays(c->db, got, 10, due);
    int64_t t = 0;
    if (!unix_from_iso(got, &t)) return -1;
    char iso[21], last[11];
    iso_from_unix(t + 15 * 86400, iso);
    snprintf(last, sizeof(last), "%.10s", iso);
    int k = cal_day_kind(c->db, last);
    if (k < 0) return -1;
    if (k == 1) return snprintf(due, 11, "%s", last), 0;
    return cal_add_workdays(c->db, last, 1, due);
}

static const entity_t disputes = {
    .name = "admin-disputes",
    .label = "行政复议与应诉",
    .table = "admin_dispute",
    .perm = "lawful.dispute",
    .fields = dispute_fields,
    .flows = dispute_flows,
    .default_sort = "-copy_received_on",
    .roles = LAWFUL_ROLES,
    .code_lists = dispute_lists,
    .title = "title",
    LINE,
    .cockpit_by_state = true,
    .deadline = dispute_deadline,
};

/* ---- 政府法律顾问 ---- */

static const field_t counsel_fields[] = {
    {"name", "法律顾问 (机构)", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"kind", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "counsel_kind"},
    {"uscc", "统一社会信用代码", F_TEXT, 0, .max = 18, .check = uscc_check},
    {"lawyers", "承办律师", F_TEXT, 0, .max = 200},
    {"start_on", "聘期起", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"end_on", "聘期止", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"fee", "年度服务费 (元)", F_DECIMAL, 0, .scale = 2, .min = 0, .max = 10000000000},
    {"status", "聘任状态", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "counsel_status"},
    {"rating_year", "评价年度", F_INT, 0, .min = 2000, .max = 2999},
    {"rating", "年度评价", F_CODE, FF_FILTER, .code_list = "counsel_rating"},
    {"exit_reason", "解聘/退出原因", F_TEXT, 0, .max = 500},
    {0},
};
/* A firm names its 统一社会信用代码; the term ends after it starts; an
 * exit says why. */
static const char *counsel_check(check_ctx_t *c, const char **field) {
    const char *kind = json_string_value(json_object_get(c->after, "kind"));
    const char *uscc = json_string_value(json_object_get(c->after, "uscc"));
    const char *from = json_string_value(json_object_get(c->after, "start_on"));
    const char *to = json_string_value(json_object_get(c->after, "end_on"));
    const char *status = json_string_value(json_object_get(c->after, "status"));
    const char *why = json_string_value(json_object_get(c->after, "exit_reason"));
    if (kind && strcmp(kind, "firm") == 0 && (!uscc || !*uscc))
        return *field = "uscc", "律师事务所须填写统一社会信用代码";
    if (from && to && strcmp(to, from) < 0) return *field = "end_on", "聘期止不能早于聘期起";
    if (status && strcmp(status, "exited") == 0 && (!why || !*why))
        return *field = "exit_reason", "解聘或退出须说明原因";
    return NULL;
}
static const entity_child_t counsel_children[] = {
    {"matters", "counsel-matters", CHILD_DELETE_REFUSE},
    {0},
};
static const entity_t counsel = {
    .name = "counsel-contracts",
    .label = "政府法律顾问",
    .table = "counsel_contract",
    .perm = "lawful.counsel",
    .fields = counsel_fields,
    .default_sort = "-start_on",
    .roles = LAWFUL_ROLES,
    .check = counsel_check,
    .code_lists = counsel_lists,
    .children = counsel_children,
    LINE,
};

static const field_t matter_fields[] = {
    {"contract_id", "法律顾问", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "counsel-contracts"},
    {"title", "服务事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "counsel_matter_kind"},
    {"handled_on", "日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"hours", "用时 (小时)", F_INT, 0, .min = 0, .max = 1000},
    {"note", "情况说明", F_TEXT, 0, .max = 2000},
    {0},
};
static const entity_t matters = {
    .name = "counsel-matters",
    .label = "法律顾问服务事项",
    .table = "counsel_matter",
    .perm = "lawful.counsel_matter",
    .fields = matter_fields,
    .default_sort = "-handled_on",
    .roles = LAWFUL_ROLES,
    .parent = "contract_id",
    LINE,
};

/* ---- the to-do: enforcement certificates expiring within 60 days ---- */

static int todo_certificates(http_req_t *r, wf_todo_t *t) {
    if (!auth_can(auth_principal(r), "lawful.officer.read")) return 0;
    const char *scope = scope_path(r);
    char hi[512], today[11], until[11];
    scope_upper(scope ? scope : "/", hi, sizeof(hi));
    wf_today(today);
    int64_t now = 0;
    unix_from_iso(today, &now);
    char iso[21];
    iso_from_unix(now + (int64_t)CERT_ALERT_DAYS * 86400, iso);
    snprintf(until, sizeof(until), "%.10s", iso);
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, cert_expiry FROM enforcement_officer WHERE deleted_at IS NULL "
                                     "AND org_path >= $1 AND org_path < $2 AND status = 'active' AND cert_expiry <= $3 "
                                     "ORDER BY cert_expiry, id LIMIT 200");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, until, -1);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *exp = db_col_text(s, 2);
        bool gone = strcmp(exp, today) < 0;
        wf_todo_add(t, "enforcement-officers", "执法证到期提醒", db_col_int(s, 0),
                    arena_printf(r->arena, "%s 的执法证%s %s 到期", db_col_text(s, 1), gone ? "已于" : "将于", exp),
                    gone ? "expired" : "expiring", gone ? "已过期" : "即将到期", arena_strdup(r->arena, exp));
        n++;
    }
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    wf_todo_count(t, "enforcement-officers", n);
    return 0;
}

/* ---- 报表: GET /api/v1/lawful/returns?year=&org_id= ---- */

#define IN_SCOPE "deleted_at IS NULL AND org_path >= $1 AND org_path < $2"
static void get_returns(http_req_t *r) {
    returns_period_t p;
    if (!returns_period(r, false, &p)) return;
    const char *lo = p.lo, *hi = p.hi, *from = p.from, *to = p.to;
    int year = p.year;
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "year", year);
    jw_kstr(w, "org_path", lo);
    int bad = 0;
    /* reviews received in the year, by type; opinions given in it, by conclusion; adoption */
    bad |= returns_grouped(r, w, "reviews_by_type", "lawful_review_type",
                   "SELECT review_type, COUNT(*) FROM legality_review WHERE " IN_SCOPE
                   " AND requested_on >= $3 AND requested_on <= $4 GROUP BY review_type ORDER BY review_type",
                   lo, hi, from, to);
    bad |= returns_grouped(r, w, "opinions_by_conclusion", "lawful_review_opinion",
                   "SELECT opinion, COUNT(*) FROM legality_review WHERE " IN_SCOPE
                   " AND opinion_on >= $3 AND opinion_on <= $4 GROUP BY opinion ORDER BY opinion",
                   lo, hi, from, to);
    bad |= returns_grouped(r, w, "adoption", "lawful_adoption",
                   "SELECT adoption, COUNT(*) FROM legality_review WHERE " IN_SCOPE
                   " AND feedback_on >= $3 AND feedback_on <= $4 GROUP BY adoption ORDER BY adoption",
                   lo, hi, from, to);
    int64_t overdue = returns_count(r,
                               "SELECT COUNT(*) FROM legality_review WHERE " IN_SCOPE
                               " AND requested_on >= $3 AND requested_on <= $4 AND escalated = 1",
                               lo, hi, from, to);
    jw_kint(w, "reviews_escalated", overdue);
    /* reconsideration and litigation concluded in the year */
    bad |= returns_grouped(r, w, "reconsideration_outcomes", "admin_dispute_outcome",
                   "SELECT outcome, COUNT(*) FROM admin_dispute WHERE " IN_SCOPE " AND kind = 'reconsideration' "
                   "AND concluded_on >= $3 AND concluded_on <= $4 GROUP BY outcome ORDER BY outcome",
                   lo, hi, from, to);
    bad |= returns_grouped(r, w, "litigation_outcomes", "admin_dispute_outcome",
                   "SELECT outcome, COUNT(*) FROM admin_dispute WHERE " IN_SCOPE " AND kind = 'litigation' "
                   "AND concluded_on >= $3 AND concluded_on <= $4 GROUP BY outcome ORDER BY outcome",
                   lo, hi, from, to);
    /* 负责人出庭率: litigation heard in the year with the head appearing */
    int64_t heard = returns_count(r,
                             "SELECT COUNT(*) FROM admin_dispute WHERE " IN_SCOPE " AND kind = 'litigation' "
                             "AND hearing_on >= $3 AND hearing_on <= $4",
                             lo, hi, from, to);
    int64_t appeared = returns_count(r,
                                "SELECT COUNT(*) FROM admin_dispute WHERE " IN_SCOPE " AND kind = 'litigation' "
                                "AND hearing_on >= $3 AND hearing_on <= $4 AND head_appeared = 1",
                                lo, hi, from, to);
    jw_kint(w, "hearings", heard);
    jw_kint(w, "head_appeared", appeared);
    jw_kint(w, "head_appearance_permille", heard > 0 ? appeared * 1000 / heard : 0);
    int64_t lost = returns_count(r,
                            "SELECT COUNT(*) FROM admin_dispute WHERE " IN_SCOPE " AND outcome IN "
                            "('revoked', 'confirmed_unlawful', 'changed', 'ordered') "
                            "AND concluded_on >= $3 AND concluded_on <= $4",
                            lo, hi, from, to);
    jw_kint(w, "disputes_lost", lost);
    /* counsel coverage: offices (and their units) with counsel serving in the year */
    int64_t offices = returns_count(r,
                               "SELECT COUNT(*) FROM org_units WHERE level = 'office' AND path >= $1 AND path < $2 "
                               "AND valid_from <= $4 AND (valid_to IS NULL OR valid_to > $3)",
                               lo, hi, from, to);
    int64_t covered = returns_count(r,
                               "SELECT COUNT(*) FROM org_units o WHERE o.level = 'office' AND o.path >= $1 "
                               "AND o.path < $2 AND EXISTS (SELECT 1 FROM counsel_contract c WHERE "
                               "c.deleted_at IS NULL AND c.org_path >= o.path "
                               "AND c.org_path < substr(o.path, 1, length(o.path) - 1) || '0' "
                               "AND c.start_on <= $4 AND c.end_on >= $3)",
                               lo, hi, from, to);
    jw_kint(w, "offices", offices);
    jw_kint(w, "offices_with_counsel", covered);
    jw_kint(w, "counsel_matters",
            returns_count(r,
                     "SELECT COUNT(*) FROM counsel_matter WHERE " IN_SCOPE " AND handled_on >= $3 AND handled_on <= $4",
                     lo, hi, from, to));
    jw_obj_end(w);
    if (bad || overdue < 0 || heard < 0 || appeared < 0 || lost < 0 || offices < 0 || covered < 0) {
        buf_clear(r->out);
        return http_store_error(r);
    }
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/lawful/returns", get_returns, .perm = "lawful.review.read"},
    {0},
};

/* ---- demo data: a year of lawful administration in twelve offices ---- */

static uint64_t demo_seed;
static int pick(int n) { return (int)(demo_splitmix64(&demo_seed) % (uint64_t)n); }

static const struct keys *demo_keys;

/* The claimant's name as the engine stores personal information. */
static int demo_pi_name(json_t *f) {
    const char *plain = json_string_value(json_object_get(f, "claimant"));
    if (!plain) return 0;
    char *enc = pi_encrypt(demo_keys, plain, strlen(plain));
    if (!enc) return -1;
    char m[64];
    mask_name(plain, m, sizeof(m));
    json_object_set_new(f, "claimant_enc", json_string(enc));
    json_object_set_new(f, "claimant_masked", json_string(m));
    json_object_del(f, "claimant");
    free(enc);
    return 0;
}

static int64_t add(db_t *db, const entity_t *e, int64_t org, const char *path, const char *state, json_t *f) {
    if (demo_pi_name(f) != 0) return json_decref(f), -1;
    int64_t id = engine_insert_raw(db, e, org, path, state, f);
    json_decref(f);
    return id;
}

static void date_of(int year, int day_of_year, char out[11]) {
    int64_t t = 0;
    char base[11], iso[21];
    snprintf(base, sizeof(base), "%04d-01-01", year);
    unix_from_iso(base, &t);
    iso_from_unix(t + (int64_t)day_of_year * 86400, iso);
    snprintf(out, 11, "%.10s", iso);
}

static const char *const departments[] = {"党政办公室",     "城市管理执法中队",     "社区管理办公室", "平安办",
                                          "营商环境办公室", "规划建设和管理办公室", "社区服务办公室"};
static const char *const matters_of[] = {"关于调整辖区老旧小区加装电梯补贴标准的决定",
                                         "辖区停车管理办法 (征求意见稿)",
                                         "对某餐饮店违法占道经营的行政处罚决定",
                                         "街道与物业服务企业的综合管理服务协议",
                                         "某村村规民约 (修订稿)",
                                         "关于加强集体资产管理的若干规定",
                                         "对违法搭建拆除的强制执行决定",
                                         "街道社区食堂委托运营合同"};
static const char *const review_types_by_matter[] = {
    "major_decision", "normative_doc", "enforcement_decision", "contract",
    "village_rules",  "normative_doc", "enforcement_decision", "contract"};

static int demo_lawful(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    demo_seed = 20260101;
    demo_keys = d->keys;
    db_t *db = d->db;
    /* the city's settings, one per type */
    db_stmt_t *c = db_prepare(db, "SELECT id, path FROM org_units WHERE level = 'city' ORDER BY id LIMIT 1");
    if (!c) goto fail;
    if (db_step(c) == DB_ROW) {
        int64_t city = db_col_int(c, 0);
        char cpath[64];
        snprintf(cpath, sizeof(cpath), "%s", db_col_text(c, 1));
        db_reset(c);
        static const char *const basis[] = {"《重大行政决策程序暂行条例》第二十八条",
                                            "国办发〔2018〕115号",
                                            "国办发〔2018〕118号; 本市做法",
                                            "本市做法",
                                            "民发〔2018〕24号; 本市做法",
                                            "本市做法"};
        for (int k = 0; default_days[k].type; k++)
            if (add(db, &deadlines, city, cpath, NULL,
                    json_pack("{s:s,s:i,s:i,s:s}", "review_type", default_days[k].type, "days", default_days[k].days,
                              "extension_days", default_days[k].extension, "basis", basis[k])) < 0)
                goto fail;
    } else {
        db_reset(c);
    }
    /* twelve offices (the demo accounts' two first): reviews, officers, publicity, records, disputes, counsel */
    db_stmt_t *q = db_prepare(
        db, "SELECT id, path FROM org_units WHERE level = 'office' "
            "ORDER BY CASE WHEN name IN ('陆家嘴街道司法所', '南京东路街道司法所') THEN 0 ELSE 1 END, id LIMIT 12");
    if (!q) goto fail;
    struct {
        int64_t id;
        char path[64];
    } office[12];
    int n = 0, step = DB_DONE;
    while (n < 12 && (step = db_step(q)) == DB_ROW) {
        office[n].id = db_col_int(q, 0);
        snprintf(office[n].path, sizeof(office[n].path), "%s", db_col_text(q, 1));
        n++;
    }
    db_reset(q);
    if (step < 0) goto fail;
    for (int i = 0; i < n; i++) {
        int64_t o = office[i].id;
        const char *p = office[i].path;
        /* the certified reviewer: the office's first staff member holding the qualification */
        int64_t reviewer = 0;
        db_stmt_t *s = db_prepare(db, "SELECT id FROM staff WHERE org_id = $1 AND deleted_at IS NULL AND cert_date IS "
                                      "NOT NULL AND status = 'on_duty' ORDER BY id LIMIT 1");
        if (!s) goto fail;
        db_bind_int(s, 1, o);
        if (db_step(s) == DB_ROW) reviewer = db_col_int(s, 0);
        db_reset(s);
        int64_t first_review = 0;
        for (int k = 0; k < 8; k++) {
            char req[11], acc[11], op[11], fb[11], due[11], no[48];
            int day = 10 + k * 40 + pick(20); /* through the year to late November */
            date_of(2026, day, req);
            date_of(2026, day + 1, acc);
            date_of(2026, day + 6, op);
            date_of(2026, day + 12, fb);
            date_of(2026, day + 8, due);
            snprintf(no, sizeof(no), "(2026)法审字第%lld-%03d号", (long long)o, k + 1);
            int m = (i + k) % 8;
            /* the last two of each office are still open: one waiting, one under review */
            const char *state = k == 7 ? "submitted" : k == 6 ? "reviewing" : "closed";
            json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "title", matters_of[m], "review_type",
                                  review_types_by_matter[m], "department", departments[(i + k) % 7], "requested_on",
                                  req, "summary", "送审稿、起草说明、征求意见情况及相关依据。", "state_since", req);
            if (strcmp(state, "submitted") != 0) {
                json_object_set_new(f, "review_no", json_string(no));
                json_object_set_new(f, "accepted_on", json_string(acc));
                if (reviewer) json_object_set_new(f, "reviewer_id", json_integer(reviewer));
            }
            if (strcmp(state, "reviewing") == 0) json_object_set_new(f, "due_at", json_string(due));
            if (strcmp(state, "closed") == 0) {
                static const char *const ops[] = {"lawful", "lawful_if_changed", "lawful", "unlawful"};
                static const char *const ads[] = {"adopted", "adopted", "partly", "not_adopted"};
                int w = pick(4);
                json_object_set_new(f, "opinion", json_string(ops[w]));
                json_object_set_new(f, "opinion_reasons",
                                    json_string(w == 3 ? "缺乏上位法依据, 设定了减损公民权利的规定。"
                                                       : "主体合法、权限合法、程序基本完备, 个别条款表述需修改。"));
                json_object_set_new(f, "opinion_on", json_string(op));
                json_object_set_new(f, "adoption", json_string(ads[w]));
                json_object_set_new(f, "adoption_note", json_string("已按审查意见修改后提交集体讨论。"));
                json_object_set_new(f, "feedback_on", json_string(fb));
            }
            int64_t id = add(db, &reviews, o, p, state, f);
            if (id < 0) goto fail;
            if (!first_review) first_review = id;
        }
        /* the counters past the numbers written */
        s = db_prepare(db,
                       "INSERT INTO number_seq (entity, org_id, year, last) VALUES ('legality-reviews', $1, 2026, 7) "
                       "ON CONFLICT (entity, org_id, year) DO UPDATE SET last = 7");
        if (!s) goto fail;
        db_bind_int(s, 1, o);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
        static const char *const names[] = {"王建国", "李卫东", "张海燕", "陈志强", "刘晓明"};
        int64_t officer = 0;
        for (int k = 0; k < 5; k++) {
            char exp[11];
            /* one certificate in each office runs out within 60 days of the demo's today */
            date_of(k == 0 ? 2027 : 2028, k == 0 ? 10 + i : 100 + pick(200), exp);
            char certno[32];
            snprintf(certno, sizeof(certno), "沪执字 %06lld%02d", (long long)o, k + 1);
            officer =
                add(db, &officers, o, p, NULL,
                    json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "name", names[k], "department", departments[1 + k % 3],
                              "cert_number", certno, "enforcement_area", "城市管理综合执法", "cert_expiry", exp,
                              "trained_hours", 40 + pick(30), "status", "active"));
            if (officer < 0) goto fail;
        }
        if (add(db, &publicity, o, p, NULL,
                json_pack("{s:s,s:s,s:s,s:s,s:I}", "title", "违法搭建拆除行政处罚决定公开", "kind", "after",
                          "department", "城市管理执法中队", "published_on", "2026-09-15", "review_id",
                          (json_int_t)first_review)) < 0 ||
            add(db, &records, o, p, NULL,
                json_pack("{s:s,s:s,s:s,s:s,s:I}", "case_no", "城管罚字〔2026〕第 0815 号", "title",
                          "现场检查、调查取证", "kind", "audio_video", "recorded_on", "2026-08-20", "officer_id",
                          (json_int_t)officer)) < 0)
            goto fail;
        /* one reconsideration and one lawsuit a year, in several offices */
        if (i % 3 == 0) {
            json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "title", "不服违法建筑拆除决定", "kind",
                                  "litigation", "case_no", "(2026)沪0115行初 123 号", "claimant", "赵立新", "authority",
                                  "区人民法院", "department", "城市管理执法中队", "copy_received_on", "2026-05-06");
            json_object_set_new(f, "replied_on", json_string("2026-05-18"));
            json_object_set_new(f, "reply_summary", json_string("事实清楚、程序合法, 请求驳回诉讼请求。"));
            json_object_set_new(f, "hearing_on", json_string("2026-07-09"));
            json_object_set_new(f, "responsible_person", json_string("街道办事处副主任"));
            json_object_set_new(f, "head_appeared", json_true());
            json_object_set_new(f, "outcome", json_string(i == 3 ? "confirmed_unlawful" : "dismissed"));
            json_object_set_new(f, "concluded_on", json_string("2026-09-30"));
            if (add(db, &disputes, o, p, "concluded", f) < 0) goto fail;
        }
        if (i % 4 == 1) {
            json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "title", "不服政府信息公开答复", "kind",
                                  "reconsideration", "case_no", "区府复字〔2026〕第 88 号", "claimant", "钱国平",
                                  "authority", "区人民政府", "department", "党政办公室", "copy_received_on",
                                  "2026-11-25", "due_at", "2026-12-09");
            if (add(db, &disputes, o, p, "received", f) < 0) goto fail;
        }
        /* counsel: the office for the government, and a firm in most offices */
        int64_t contract =
            add(db, &counsel, o, p, NULL,
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "name", "上海市某某律师事务所", "kind", "firm", "uscc",
                          "31310000MD0000000B", "lawyers", "孙律师、周律师", "start_on", "2026-01-01", "end_on",
                          "2026-12-31", "rating_year", 2025, "status", i % 5 == 4 ? "exited" : "serving"));
        if (contract < 0) goto fail;
        if (i % 5 == 4) {
            s = db_prepare(db, "UPDATE counsel_contract SET exit_reason = '年度评价不称职, 未续聘', rating = 'poor' "
                               "WHERE id = $1");
            if (!s) goto fail;
            db_bind_int(s, 1, contract);
            rc = db_step(s);
            db_reset(s);
            if (rc != DB_DONE) goto fail;
        }
        for (int k = 0; k < 3; k++)
            if (add(db, &matters, o, p, NULL,
                    json_pack("{s:I,s:s,s:s,s:s,s:i}", "contract_id", (json_int_t)contract, "title",
                              k == 0   ? "列席街道主任办公会提供法律意见"
                              : k == 1 ? "审查物业服务合同"
                                       : "接待信访群众",
                              "kind",
                              k == 0   ? "advice"
                              : k == 1 ? "review"
                                       : "negotiation",
                              "handled_on",
                              k == 0   ? "2026-03-12"
                              : k == 1 ? "2026-06-03"
                                       : "2026-10-21",
                              "hours", 2 + pick(6))) < 0)
                goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(db));
    return -1;
}

void lawful_admin_declare(void) {
    entity_register(&deadlines);
    entity_register(&reviews);
    entity_register(&officers);
    entity_register(&publicity);
    entity_register(&records);
    entity_register(&disputes);
    entity_register(&counsel);
    entity_register(&matters);
    /* the module's own route and to-do source (only `serve` serves them) */
    router_add(routes);
    wf_todo_source(todo_certificates);
}
