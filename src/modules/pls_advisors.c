/* pls_advisors.c — grassroots legal service supervision (指导监督基层公共法律
 * 服务; plan clause 11, issue 22 points 5–6; docs/public-legal-services.md):
 *
 *   village-advisors       村(居)法律顾问: lawyers and 基层法律工作者 selected
 *                          (选聘) for villages, their firm with its 统一社会信用
 *                          代码, exit (退出) with a reason
 *   advisor-villages       the villages each advisor serves (children)
 *   advisor-logs           their service logs (驻村值班, 法治讲座, 合同/决策审查 …)
 *   advisor-evaluations    the annual evaluation by the village and the office
 *   grassroots-practices   基层法律服务所, with
 *   grassroots-workers     their 基层法律服务工作者 (执业证号),
 *   practice-inspections   the annual inspection (年度考核) and
 *   practice-complaints    complaints and their handling
 *
 * Two standards rules read them: every 村(居) has a serving advisor
 * (c11_advisor_coverage, naming the uncovered villages), and every serving
 * advisor met last month's on-site quota (c11_advisor_duty).  The quotas are
 * settings of the city bureau. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "modules/pls.h"
#include "modules/standards.h"
#include "util/json.h"
#include "util/validate.h"

/* ---- code lists ---- */

static const code_seed_t advisor_kinds[] = {
    {"lawyer", "律师"},
    {"grassroots_worker", "基层法律服务工作者"},
    {0},
};
static const code_seed_t selections[] = {
    {"open", "公开选聘"},
    {"two_way", "双向选择"},
    {"assigned", "区司法局统筹选派"},
    {0},
};
static const code_seed_t exit_reasons[] = {
    {"term_ended", "聘期届满不再续聘"},
    {"resigned", "本人辞任"},
    {"evaluation_failed", "考核不称职"},
    {"discipline", "违法违纪或受行业处分"},
    {"licence_lost", "执业证被吊销、注销"},
    {"other", "其他"},
    {0},
};
static const code_seed_t service_kinds[] = {
    {"onsite", "驻村(居)值班服务"},
    {"lecture", "法治讲座"},
    {"contract_review", "合同审查"},
    {"decision_review", "村(居)重大事项/决策法律审核"},
    {"consultation", "法律咨询"},
    {"mediation", "参与矛盾纠纷调解"},
    {"other", "其他"},
    {0},
};
static const code_seed_t ratings[] = {
    {"excellent", "优秀"}, {"competent", "称职"}, {"basic", "基本称职"}, {"incompetent", "不称职"}, {0},
};
static const code_seed_t practice_statuses[] = {
    {"active", "正常执业"},
    {"rectifying", "停业整顿"},
    {"closed", "已注销"},
    {0},
};
static const code_seed_t worker_statuses[] = {
    {"practising", "执业"},
    {"suspended", "停止执业"},
    {"cancelled", "已注销"},
    {0},
};
static const code_seed_t inspection_results[] = {
    {"pass", "合格"}, {"basic", "基本合格"}, {"fail", "不合格"}, {"deferred", "暂缓考核"}, {0},
};
static const code_seed_t complaint_findings[] = {
    {"substantiated", "投诉属实"},
    {"partly", "部分属实"},
    {"unfounded", "投诉不属实"},
    {0},
};
static const code_list_decl_t advisor_lists[] = {
    {"pls_advisor_kind", "村(居)法律顾问身份", advisor_kinds},
    {"pls_selection", "选聘方式", selections},
    {"pls_exit_reason", "法律顾问退出原因", exit_reasons},
    {0},
};
static const code_list_decl_t log_lists[] = {
    {"pls_service_kind", "法律顾问服务类别", service_kinds},
    {0},
};
static const code_list_decl_t evaluation_lists[] = {
    {"pls_rating", "考核评估等次", ratings},
    {0},
};
static const code_list_decl_t practice_lists[] = {
    {"pls_practice_status", "基层法律服务所状态", practice_statuses},
    {"pls_worker_status", "基层法律服务工作者执业状态", worker_statuses},
    {"pls_inspection_result", "年度考核结果", inspection_results},
    {"pls_complaint_finding", "投诉核查结论", complaint_findings},
    {0},
};

/* NULL when the later date is not before the earlier one (either empty). */
static const char *in_order(check_ctx_t *c, const char **field, const char *early, const char *late, const char *why) {
    const char *a = pls_text(c->after, early), *b = pls_text(c->after, late);
    if (a && b && strcmp(b, a) < 0) return *field = late, why;
    return NULL;
}

/* ---- 基层法律服务所 and its workers, inspections, complaints ---- */

static const field_t practice_fields[] = {
    {"name", "基层法律服务所名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"uscc", "统一社会信用代码", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 18, .check = uscc_check},
    {"licence_no", "执业许可证号", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 40},
    {"address", "地址", F_TEXT, FF_REQUIRED, .max = 200},
    {"director", "负责人", F_TEXT, FF_LIST, .max = 50},
    {"phone", "联系电话", F_TEXT, 0, .max = 30},
    {"established_on", "设立日期", F_DATE, FF_FILTER | FF_SORT},
    {"status", "执业状态", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_practice_status"},
    {0},
};
static const entity_child_t practice_children[] = {
    {"workers", "grassroots-workers", CHILD_DELETE_REFUSE},
    {"inspections", "practice-inspections", CHILD_DELETE_REFUSE},
    {"complaints", "practice-complaints", CHILD_DELETE_REFUSE},
    {0},
};
static int practices_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t practices = {
    .name = "grassroots-practices",
    .label = "基层法律服务所",
    .table = "grassroots_practice",
    .perm = "pls.practice",
    .fields = practice_fields,
    .default_sort = "name",
    .roles = PLS_ROLES,
    .unique = "uscc",
    .code_lists = practice_lists,
    .children = practice_children,
    .demo = practices_demo,
    PLS_LINE,
    .cockpit = "",
};

static const field_t worker_fields[] = {
    {"practice_id", "基层法律服务所", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "grassroots-practices"},
    {"person_id", "姓名", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"licence_no", "执业证号", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 40},
    {"licensed_on", "执业证颁发日期", F_DATE, FF_FILTER | FF_SORT},
    {"status", "执业状态", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_worker_status"},
    {0},
};
static const entity_t workers = {
    .name = "grassroots-workers",
    .label = "基层法律服务工作者",
    .table = "grassroots_worker",
    .perm = "pls.practice",
    .fields = worker_fields,
    .default_sort = "licence_no",
    .roles = PLS_ROLES,
    .unique = "licence_no",
    .parent = "practice_id",
    PLS_LINE,
};

static const field_t inspection_fields[] = {
    {"practice_id", "基层法律服务所", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "grassroots-practices"},
    {"year", "考核年度", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 2000, .max = 2100},
    {"inspected_on", "考核日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT},
    {"result", "考核结果", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_inspection_result"},
    {"findings", "考核情况", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {"rectification", "整改要求", F_TEXT, 0, .max = 1000},
    {0},
};
/* The inspection of a year falls after that year's start; a result below
 * 合格 says what to put right. */
static const char *inspection_rule(check_ctx_t *c, const char **field) {
    const char *on = pls_text(c->after, "inspected_on"), *res = pls_text(c->after, "result");
    json_int_t year = json_integer_value(json_object_get(c->after, "year"));
    if (on && year && strtol(on, NULL, 10) < year) return *field = "inspected_on", "考核日期不能早于考核年度";
    if (res && (strcmp(res, "basic") == 0 || strcmp(res, "fail") == 0) && !pls_text(c->after, "rectification"))
        return *field = "rectification", "考核结果为基本合格或不合格的, 须填写整改要求";
    return NULL;
}
static const entity_t inspections = {
    .name = "practice-inspections",
    .label = "基层法律服务所年度考核",
    .table = "practice_inspection",
    .perm = "pls.practice",
    .fields = inspection_fields,
    .default_sort = "-year",
    .roles = PLS_ROLES,
    .check = inspection_rule,
    .unique = "practice_id year",
    .parent = "practice_id",
    .title = "findings",
    PLS_LINE,
};

static const field_t complaint_fields[] = {
    {"practice_id", "被投诉的基层法律服务所", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "grassroots-practices"},
    {"worker_id", "被投诉的工作者", F_REF, FF_FILTER, .ref = "grassroots-workers"},
    {"complainant_id", "投诉人", F_PERSON, FF_FILTER},
    {"received_on", "收到投诉日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"content", "投诉事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {"finding", "核查结论", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "pls_complaint_finding"},
    {"measures", "处理措施及答复", F_TEXT, FF_READONLY, .max = 2000},
    {"handled_on", "办结日期", F_DATE, FF_READONLY | FF_FILTER},
    {0},
};
static const wf_state_t complaint_states[] = {
    {"received", "待处理", 0}, /* due_at: the city's days from receipt (.deadline) */
    {"handled", "已办结", 0, true},
    {0},
};
static const wf_transition_t complaint_transitions[] = {
    {"handle", "办结", "received", "handled", .requires = "finding measures", .stamp = "handled_on",
     .meets_deadline = true},
    {0},
};
static const workflow_t complaint_flow_v1 = {1, "received", complaint_states, complaint_transitions, 0, 1};
static const workflow_t *const complaint_flows[] = {&complaint_flow_v1, NULL};
/* The worker complained of belongs to the practice complained of. */
static const char *complaint_rule(check_ctx_t *c, const char **field) {
    json_t *w = check_linked(c, "worker_id");
    json_t *p = json_object_get(c->after, "practice_id");
    if (w && json_is_integer(p) && json_integer_value(json_object_get(w, "practice_id")) != json_integer_value(p))
        return *field = "worker_id", "该工作者不属于被投诉的基层法律服务所";
    return NULL;
}
static int complaint_deadline(check_ctx_t *c, char due[11]) {
    return pls_due_after(c, due, "received_on", "handled_on", "pls_complaint_days");
}
static const entity_t complaints = {
    .name = "practice-complaints",
    .label = "基层法律服务投诉",
    .table = "practice_complaint",
    .perm = "pls.complaint",
    .fields = complaint_fields,
    .flows = complaint_flows,
    .default_sort = "-received_on",
    .roles = PLS_ROLES,
    .check = complaint_rule,
    .parent = "practice_id",
    .title = "content",
    .deadline = complaint_deadline,
    PLS_LINE,
    .cockpit = "",
    .cockpit_by_state = true,
};

/* ---- 村(居)法律顾问 ---- */

static const field_t advisor_fields[] = {
    {"person_id", "姓名", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"kind", "身份", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_advisor_kind"},
    {"licence_no", "执业证号", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 40},
    {"firm_name", "执业机构", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"firm_uscc", "执业机构统一社会信用代码", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 18, .check = uscc_check},
    {"practice_id", "所属基层法律服务所", F_REF, FF_FILTER, .ref = "grassroots-practices"},
    {"selection", "选聘方式", F_CODE, FF_REQUIRED | FF_FILTER, .code_list = "pls_selection"},
    {"appointed_on", "聘任日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"term_end", "聘期至", F_DATE, FF_FILTER | FF_SORT},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"exit_on", "退出日期", F_DATE, FF_READONLY | FF_FILTER},
    {"exit_reason", "退出原因", F_CODE, FF_READONLY | FF_FILTER, .code_list = "pls_exit_reason"},
    {"exit_note", "退出说明", F_TEXT, FF_READONLY, .max = 1000},
    {0},
};
static const wf_state_t advisor_states[] = {
    {"serving", "在任", 0},
    {"exited", "已退出", 0, true},
    {0},
};
static const wf_transition_t advisor_transitions[] = {
    {"exit", "退出", "serving", "exited", .requires = "exit_on exit_reason exit_note"},
    {0},
};
static const workflow_t advisor_flow_v1 = {1, "serving", advisor_states, advisor_transitions};
static const workflow_t *const advisor_flows[] = {&advisor_flow_v1, NULL};
/* A 基层法律工作者's firm is a 基层法律服务所 of the register when named;
 * the term and the exit come after the appointment. */
static const char *advisor_rule(check_ctx_t *c, const char **field) {
    const char *why = in_order(c, field, "appointed_on", "term_end", "聘期至不能早于聘任日期");
    if (!why) why = in_order(c, field, "appointed_on", "exit_on", "退出日期不能早于聘任日期");
    if (why) return why;
    const char *kind = pls_text(c->after, "kind");
    if (kind && strcmp(kind, "lawyer") == 0 && json_is_integer(json_object_get(c->after, "practice_id")))
        return *field = "practice_id", "律师不属于基层法律服务所, 请清空此项";
    json_t *p = check_linked(c, "practice_id");
    const char *uscc = pls_text(c->after, "firm_uscc");
    if (p && uscc && pls_text(p, "uscc") && strcmp(pls_text(p, "uscc"), uscc) != 0)
        return *field = "firm_uscc", "与所选基层法律服务所的统一社会信用代码不一致";
    return NULL;
}
static const entity_child_t advisor_children[] = {
    {"villages", "advisor-villages", CHILD_DELETE_CASCADE},
    {"logs", "advisor-logs", CHILD_DELETE_REFUSE},
    {"evaluations", "advisor-evaluations", CHILD_DELETE_REFUSE},
    {0},
};
static int advisors_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t advisors = {
    .name = "village-advisors",
    .label = "村(居)法律顾问",
    .table = "village_advisor",
    .perm = "pls.advisor",
    .fields = advisor_fields,
    .flows = advisor_flows,
    .default_sort = "-appointed_on",
    .roles = PLS_ROLES,
    .check = advisor_rule,
    .code_lists = advisor_lists,
    .children = advisor_children,
    .demo = advisors_demo,
    PLS_LINE,
    .cockpit = "",
    .cockpit_by_state = true,
};

static const field_t assignment_fields[] = {
    {"advisor_id", "村(居)法律顾问", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "village-advisors"},
    {"village_id", "服务村(居)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "org_units"},
    {"from_on", "服务起始日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"to_on", "服务终止日期", F_DATE, FF_FILTER | FF_LIST},
    {"note", "备注", F_TEXT, 0, .max = 200},
    {0},
};
/* A 村(居)委会, served from a date after the appointment, not twice at once. */
static const char *assignment_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    if ((why = in_order(c, field, "from_on", "to_on", "服务终止日期不能早于起始日期"))) return why;
    json_t *a = check_linked(c, "advisor_id");
    const char *from = pls_text(c->after, "from_on"), *appointed = a ? pls_text(a, "appointed_on") : NULL;
    if (from && appointed && strcmp(from, appointed) < 0) return *field = "from_on", "服务起始日期不能早于聘任日期";
    if (c->op == CHECK_IMPORT || !json_is_integer(json_object_get(c->after, "id"))) return NULL;
    db_stmt_t *s = db_prepare(c->db, "SELECT COUNT(*) FROM advisor_village WHERE deleted_at IS NULL AND id <> $1 "
                                     "AND advisor_id = $2 AND village_id = $3 AND (to_on IS NULL OR to_on >= $4) "
                                     "AND (CAST($5 AS TEXT) IS NULL OR from_on <= $5)");
    if (!s) return check_store_error(c, "暂时无法核对服务村(居), 请稍后重试");
    const char *to = pls_text(c->after, "to_on");
    db_bind_int(s, 1, json_integer_value(json_object_get(c->after, "id")));
    db_bind_int(s, 2, json_integer_value(json_object_get(c->after, "advisor_id")));
    db_bind_int(s, 3, json_integer_value(json_object_get(c->after, "village_id")));
    db_bind_text(s, 4, from ? from : "", -1);
    if (to)
        db_bind_text(s, 5, to, -1);
    else
        db_bind_null(s, 5);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (n != 0)
        return *field = "village_id",
               n < 0 ? check_store_error(c, "暂时无法核对服务村(居), 请稍后重试") : "该顾问在此期间已服务该村(居)";
    return NULL;
}
static const entity_t assignments = {
    .name = "advisor-villages",
    .label = "法律顾问服务村(居)",
    .table = "advisor_village",
    .perm = "pls.advisor",
    .fields = assignment_fields,
    .default_sort = "-from_on",
    .roles = PLS_ROLES,
    .check = assignment_rule,
    .parent = "advisor_id",
    .title = "note",
    PLS_LINE,
};

static const field_t log_fields[] = {
    {"advisor_id", "村(居)法律顾问", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "village-advisors"},
    {"village_id", "服务村(居)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "org_units"},
    {"served_on", "服务日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"kind", "服务类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_service_kind"},
    {"hours", "服务时长 (小时)", F_INT, 0, .min = 0, .max = 24},
    {"people", "服务人次", F_INT, 0, .min = 0, .max = 100000},
    {"content", "服务内容", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {0},
};
/* A log is of a village the advisor serves on that day. */
static const char *log_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    json_t *adv = json_object_get(c->after, "advisor_id"), *vil = json_object_get(c->after, "village_id");
    const char *on = pls_text(c->after, "served_on");
    if (!json_is_integer(adv) || !json_is_integer(vil) || !on) return NULL;
    db_stmt_t *s =
        db_prepare(c->db, "SELECT COUNT(*) FROM advisor_village WHERE deleted_at IS NULL AND advisor_id = $1 "
                          "AND village_id = $2 AND from_on <= $3 AND (to_on IS NULL OR to_on >= $3)");
    if (!s) return check_store_error(c, "暂时无法核对服务村(居), 请稍后重试");
    db_bind_int(s, 1, json_integer_value(adv));
    db_bind_int(s, 2, json_integer_value(vil));
    db_bind_text(s, 3, on, -1);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (n <= 0)
        return *field = "village_id", n < 0 ? check_store_error(c, "暂时无法核对服务村(居), 请稍后重试")
                                            : "服务日期当天该顾问不服务这个村(居)";
    return NULL;
}
static const entity_t logs = {
    .name = "advisor-logs",
    .label = "法律顾问服务日志",
    .table = "advisor_log",
    .perm = "pls.advisor_log",
    .fields = log_fields,
    .default_sort = "-served_on",
    .roles = PLS_ROLES,
    .check = log_rule,
    .code_lists = log_lists,
    .parent = "advisor_id",
    .title = "content",
    PLS_LINE,
    .cockpit = "",
};

static const field_t evaluation_fields[] = {
    {"advisor_id", "村(居)法律顾问", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "village-advisors"},
    {"year", "考核年度", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 2000, .max = 2100},
    {"village_rating", "村(居)评价", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_rating"},
    {"village_opinion", "村(居)评价意见", F_TEXT, 0, .max = 1000},
    {"office_rating", "司法所评价", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_rating"},
    {"office_opinion", "司法所评价意见", F_TEXT, FF_LIST, .max = 1000},
    {"conclusion", "考核等次", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_rating"},
    {"evaluated_on", "评估日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT},
    {0},
};
/* An advisor found 不称职 is told why. */
static const char *evaluation_rule(check_ctx_t *c, const char **field) {
    const char *res = pls_text(c->after, "conclusion");
    if (res && strcmp(res, "incompetent") == 0 && !pls_text(c->after, "office_opinion"))
        return *field = "office_opinion", "考核等次为不称职的, 须填写司法所评价意见";
    return NULL;
}
static const entity_t evaluations = {
    .name = "advisor-evaluations",
    .label = "法律顾问年度考核评估",
    .table = "advisor_evaluation",
    .perm = "pls.advisor",
    .fields = evaluation_fields,
    .default_sort = "-year",
    .roles = PLS_ROLES,
    .check = evaluation_rule,
    .code_lists = evaluation_lists,
    .unique = "advisor_id year",
    .parent = "advisor_id",
    .title = "office_opinion",
    PLS_LINE,
};

/* ---- the standards rules ---- */

/* Every 村(居) existing on the date has an advisor serving it then (an
 * assignment running, its advisor appointed and not exited); the evidence
 * names each uncovered village, linked to its assignments.  Two set
 * queries: the covered villages (few rows: the assignments), then every
 * village checked against them. */
static int id_cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}
static int eval_coverage(std_eval_t *e) {
    int *total = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *bare = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int64_t *covered = NULL;
    int nc = 0, cap = 0, rc;
    db_stmt_t *s = std_scoped(
        e, "SELECT DISTINCT av.village_id FROM advisor_village av JOIN village_advisor a ON a.id = av.advisor_id "
           "JOIN org_units v ON v.id = av.village_id WHERE av.deleted_at IS NULL AND a.deleted_at IS NULL "
           "AND v.path >= $1 AND v.path < $2 AND av.from_on <= $3 AND (av.to_on IS NULL OR av.to_on >= $3) "
           "AND a.appointed_on <= $3 AND (a.exit_on IS NULL OR a.exit_on > $3) ORDER BY av.village_id");
    if (!s) return DB_ERR;
    while ((rc = db_step(s)) == DB_ROW) {
        if (nc == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *c2 = arena_alloc(e->arena, sizeof(int64_t) * (size_t)cap);
            if (nc) memcpy(c2, covered, sizeof(int64_t) * (size_t)nc);
            covered = c2;
        }
        covered[nc++] = db_col_int(s, 0);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    s = std_scoped(e, "SELECT id, path, name FROM org_units WHERE level = 'village' AND path >= $1 AND path < $2 "
                      "AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) ORDER BY id");
    if (!s) return DB_ERR;
    while ((rc = db_step(s)) == DB_ROW) {
        int u = std_unit_of_path(e, db_col_text(s, 1));
        if (u < 0) continue;
        total[u]++;
        int64_t id = db_col_int(s, 0);
        if (nc && bsearch(&id, covered, (size_t)nc, sizeof(int64_t), id_cmp)) continue;
        bare[u]++;
        std_record_filter(&e->res[u], "advisor-villages", "village_id", id,
                          arena_printf(e->arena, "%s (无在任村(居)法律顾问)", db_col_text(s, 2)));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        if (!total[i])
            std_set(e, i, STD_PASS, "0", "每个村(居)", "辖区无村(居)委会");
        else
            std_set(e, i, bare[i] ? STD_FAIL : STD_PASS, arena_printf(e->arena, "%d/%d", total[i] - bare[i], total[i]),
                    "每个村(居)", "辖区村(居) %d 个, 已配备在任法律顾问 %d 个%s", total[i], total[i] - bare[i],
                    bare[i] ? arena_printf(e->arena, ", 未配备 %d 个", bare[i]) : "");
    }
    return 0;
}

/* The calendar month before as_of's: first and last day. */
static void last_month(const char *as_of, char from[11], char to[11]) {
    int y = 0, m = 0;
    sscanf(as_of, "%d-%d", &y, &m);
    if (--m < 1) m = 12, y--;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    char buf[48];
    snprintf(buf, sizeof(buf), "%04d-%02d-01", y, m);
    snprintf(from, 11, "%.10s", buf);
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, last);
    snprintf(to, 11, "%.10s", buf);
}

/* Every advisor who served a village through the whole of last month was
 * there on at least pls_onsite_days_month days (驻村值班 logs on distinct
 * days); the evidence names those short of it. */
static int eval_duty(std_eval_t *e) {
    int64_t quota;
    if (std_setting(e->db, "pls_onsite_days_month", &quota) != 0) return DB_ERR;
    char from[11], to[11];
    last_month(e->as_of, from, to);
    int *serving = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *short_ = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    /* the month's on-site days per advisor, in one pass over the logs (a
     * count per advisor made SQLite walk every on-site log for each) */
    int64_t *ids = NULL, *days = NULL;
    int nd = 0, cap = 0, rc;
    db_stmt_t *s =
        std_scoped(e, "SELECT advisor_id, COUNT(DISTINCT served_on) FROM advisor_log WHERE deleted_at IS NULL "
                      "AND org_path >= $1 AND org_path < $2 AND kind = 'onsite' AND served_on >= $4 "
                      "AND served_on <= $5 AND CAST($5 AS TEXT) < CAST($3 AS TEXT) "
                      "GROUP BY advisor_id ORDER BY advisor_id");
    if (!s) return DB_ERR;
    db_bind_text(s, 4, from, -1);
    db_bind_text(s, 5, to, -1);
    while ((rc = db_step(s)) == DB_ROW) {
        if (nd == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *i2 = arena_alloc(e->arena, sizeof(int64_t) * (size_t)cap),
                    *d2 = arena_alloc(e->arena, sizeof(int64_t) * (size_t)cap);
            if (nd) memcpy(i2, ids, sizeof(int64_t) * (size_t)nd), memcpy(d2, days, sizeof(int64_t) * (size_t)nd);
            ids = i2, days = d2;
        }
        ids[nd] = db_col_int(s, 0);
        days[nd++] = db_col_int(s, 1);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    s = std_scoped(
        e,
        "SELECT a.id, a.org_path, p.name, a.licence_no FROM village_advisor a JOIN persons p ON p.id = a.person_id "
        "WHERE a.deleted_at IS NULL AND a.org_path >= $1 AND a.org_path < $2 AND CAST($5 AS TEXT) < CAST($3 AS TEXT) "
        "AND a.appointed_on <= $4 AND (a.exit_on IS NULL OR a.exit_on > $5) AND EXISTS (SELECT 1 FROM "
        "advisor_village av WHERE av.advisor_id = a.id AND av.deleted_at IS NULL AND av.from_on <= $4 "
        "AND (av.to_on IS NULL OR av.to_on >= $5)) ORDER BY a.id");
    if (!s) return DB_ERR;
    db_bind_text(s, 4, from, -1);
    db_bind_text(s, 5, to, -1);
    while ((rc = db_step(s)) == DB_ROW) {
        int u = std_unit_of_path(e, db_col_text(s, 1));
        if (u < 0) continue;
        serving[u]++;
        int64_t id = db_col_int(s, 0);
        const int64_t *hit = nd ? bsearch(&id, ids, (size_t)nd, sizeof(int64_t), id_cmp) : NULL;
        int64_t on = hit ? days[hit - ids] : 0;
        if (on >= quota) continue;
        short_[u]++;
        char masked[64];
        mask_name(db_col_text(s, 2), masked, sizeof(masked));
        std_record(&e->res[u], "village-advisors", id,
                   arena_printf(e->arena, "%s (执业证号 %s) %.7s 驻村(居) %lld 天, 应不少于 %lld 天", masked,
                                db_col_text(s, 3), from, (long long)on, (long long)quota));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    const char *req = arena_printf(e->arena, "每月驻村(居) ≥ %lld 天", (long long)quota);
    for (int i = 0; i < e->n; i++) {
        if (!serving[i])
            std_set(e, i, STD_PASS, "0", req, "%.7s 无整月在任的村(居)法律顾问", from);
        else
            std_set(e, i, short_[i] ? STD_FAIL : STD_PASS,
                    arena_printf(e->arena, "%d/%d", serving[i] - short_[i], serving[i]), req,
                    "%.7s 在任法律顾问 %d 名, 达到驻村(居)天数 %d 名%s", from, serving[i], serving[i] - short_[i],
                    short_[i] ? arena_printf(e->arena, ", 未达到 %d 名", short_[i]) : "");
    }
    return 0;
}

static const std_rule_t advisor_rules[] = {
    {"c11_advisor_coverage", "11", "村(居)法律顾问全覆盖",
     "指导监督村(居)法律顾问工作: 每个村(居)委会都有在任的村(居)法律顾问 (律师或基层法律服务工作者) 提供服务; "
     "核查日存续的村(居)中, 没有在任顾问服务的逐个列出。",
     "office", NULL, "长期",
     "org_units 村(居) (核查日存续); advisor_village.village_id, from_on ≤ 核查日 ≤ to_on; "
     "village_advisor.appointed_on ≤ 核查日 < exit_on",
     "village-advisors advisor-villages", eval_coverage},
    {"c11_advisor_duty", "11", "村(居)法律顾问履职 (驻村天数)",
     "村(居)法律顾问每月到所服务的村(居)驻点服务不少于规定天数 (市局设置); 按核查日上一个自然月整月在任的顾问核查, "
     "以服务日志中「驻村(居)值班服务」的不同日期计; 服务日志自 2026 年起在平台登记, 此前未到期。",
     "office", "2026-01-01", "每月 (2026 年起)",
     "village_advisor 整月在任; advisor_log.kind = onsite, served_on 在上月内 (去重日期)",
     "village-advisors advisor-villages advisor-logs", eval_duty},
};
/* Duty quotas and time limits: settings of the city bureau (platform
 * defaults; no national figure — docs/public-legal-services.md). */
static const std_setting_decl_t advisor_settings[] = {
    {"pls_onsite_days_month", "条款 11: 村(居)法律顾问每月驻村(居)服务天数不少于", 2, 0, 31},
    {"pls_lectures_year", "条款 11: 村(居)法律顾问每年法治讲座不少于 (次)", 2, 0, 52},
    {"pls_reviews_year", "条款 11: 村(居)法律顾问每年合同及重大事项法律审核不少于 (件)", 4, 0, 200},
    {"pls_complaint_days", "条款 11: 基层法律服务投诉办结期限 (工作日)", 20, 1, 90},
    {0},
};

/* ---- demo data ---- */

static int64_t insert(db_t *db, const entity_t *e, int64_t org, const char *path, const char *state, json_t *f) {
    int64_t id = engine_insert_raw(db, e, org, path, state, f);
    json_decref(f);
    return id;
}

typedef struct office_row {
    int64_t id;
    char path[128], name[96], region[8];
} office_row_t;

/* The first n offices (陆家嘴 and 南京东路 first) into o; how many, -1 on a
 * store error. */
static int offices(db_t *db, office_row_t *o, int n) {
    db_stmt_t *q =
        db_prepare(db, "SELECT o.id, o.path, o.name, d.code FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                       "WHERE o.level = 'office' ORDER BY CASE o.name WHEN '陆家嘴街道司法所' THEN 0 "
                       "WHEN '南京东路街道司法所' THEN 1 ELSE 2 END, o.id");
    if (!q) return -1;
    int k = 0, rc = DB_DONE;
    while (k < n && (rc = db_step(q)) == DB_ROW) {
        o[k].id = db_col_int(q, 0);
        snprintf(o[k].path, sizeof(o[k].path), "%s", db_col_text(q, 1));
        snprintf(o[k].name, sizeof(o[k].name), "%s", db_col_text(q, 2));
        snprintf(o[k].region, sizeof(o[k].region), "%.6s", db_col_null(q, 3) ? "310000" : db_col_text(q, 3));
        k++;
    }
    db_reset(q);
    return rc < 0 ? -1 : k;
}

/* A valid 统一社会信用代码 of type (authority and class, "31" a law firm,
 * "33" a 基层法律服务所) in region, numbered n. */
static void demo_uscc(char out[19], const char *type, const char *region, int n) {
    snprintf(out, 19, "%.2s%.6sMA%07d", type, region, n % 10000000);
    uscc_complete(out);
}

static const char *const given[] = {"周明华", "吴志刚", "郑晓燕", "冯建平", "褚丽萍", "卫国强", "蒋雪梅",
                                    "韩立新", "杨海波", "朱文静", "秦志远", "许慧敏", "何建军", "吕红霞",
                                    "施永明", "孔令华", "曹晓东", "严春燕", "华振宇", "金美玲"};

/* 基层法律服务所 in the first four offices: two workers each, the 2025
 * inspection (one 基本合格 with rectification), and in 陆家嘴 two complaints,
 * one handled. */
static int practices_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    office_row_t o[4];
    int n = offices(d->db, o, 4);
    if (n < 0) goto fail;
    for (int i = 0; i < n; i++) {
        char uscc[19], town[96], name[128];
        demo_uscc(uscc, "33", o[i].region, 500 + i);
        snprintf(town, sizeof(town), "%s", o[i].name);
        char *cut = strstr(town, "司法所");
        if (cut) *cut = '\0';
        snprintf(name, sizeof(name), "上海市%s法律服务所", town);
        int64_t practice =
            insert(d->db, &practices, o[i].id, o[i].path, NULL,
                   json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", name, "uscc", uscc, "licence_no",
                             "沪司基法证字第 0100 号", "address", "社区事务受理服务中心二楼", "director", "顾振华",
                             "phone", "021-58880000", "established_on", "2008-06-18", "status", "active"));
        if (practice < 0) goto fail;
        int64_t worker = 0;
        for (int k = 0; k < 2; k++) {
            int64_t person = pls_demo_person(d, o[i].id, given[(i * 2 + k) % 20], 60 + k);
            if (person <= 0) goto fail;
            char licence[32];
            snprintf(licence, sizeof(licence), "3101%04lld%04d", (long long)(o[i].id % 10000), k + 1);
            worker = insert(d->db, &workers, o[i].id, o[i].path, NULL,
                            json_pack("{s:I,s:I,s:s,s:s,s:s}", "practice_id", (json_int_t)practice, "person_id",
                                      (json_int_t)person, "licence_no", licence, "licensed_on", "2015-03-01", "status",
                                      "practising"));
            if (worker < 0) goto fail;
        }
        json_t *f = json_pack("{s:I,s:i,s:s,s:s,s:s}", "practice_id", (json_int_t)practice, "year", 2025,
                              "inspected_on", "2026-03-20", "result", i == 1 ? "basic" : "pass", "findings",
                              i == 1 ? "业务档案不完整, 收费公示不规范" : "执业规范, 档案齐全, 收费公示到位");
        if (i == 1) json_object_set_new(f, "rectification", json_string("一个月内补齐业务档案, 更新收费公示"));
        if (insert(d->db, &inspections, o[i].id, o[i].path, NULL, f) < 0) goto fail;
        if (i != 0) continue;
        for (int k = 0; k < 2; k++) {
            f = json_pack("{s:I,s:I,s:s,s:s}", "practice_id", (json_int_t)practice, "worker_id", (json_int_t)worker,
                          "received_on", k ? "2026-12-02" : "2026-08-11", "content",
                          k ? "代理合同纠纷后未按约退还部分代理费" : "接待时态度生硬, 未一次性告知所需材料");
            const char *state = "received";
            if (!k) {
                state = "handled";
                json_object_set_new(f, "finding", json_string("partly"));
                json_object_set_new(f, "measures", json_string("约谈该工作者并责令改正, 已向投诉人书面答复。"));
                json_object_set_new(f, "handled_on", json_string("2026-08-28"));
            } else {
                json_object_set_new(f, "due_at", json_string("2026-12-30"));
            }
            if (insert(d->db, &complaints, o[i].id, o[i].path, state, f) < 0) goto fail;
        }
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* Advisors in every office, one for every three villages from 2025, with
 * last month's on-site days (and in the first 24 offices a lecture and a
 * review each) — except that
 * in 陆家嘴 (and one office in twenty) the last village has nobody (the
 * coverage rule names it) and 陆家嘴's second advisor was there one day (the
 * duty rule names him);
 * an advisor who left in June 2026 for a new one, and the 2025 evaluations
 * in 陆家嘴 and 南京东路. */
static int advisors_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    office_row_t *o = calloc(512, sizeof(*o));
    if (!o) return snprintf(err, errlen, "内存不足"), -1;
    int n = offices(d->db, o, 512);
    if (n < 0) goto fail;
    int serial = 0;
    for (int i = 0; i < n; i++) {
        int64_t vil[256];
        int nv = 0, rc = DB_DONE;
        db_stmt_t *q =
            db_prepare(d->db, "SELECT id FROM org_units WHERE parent_id = $1 AND level = 'village' ORDER BY id");
        if (!q) goto fail;
        db_bind_int(q, 1, o[i].id);
        while (nv < 256 && (rc = db_step(q)) == DB_ROW)
            vil[nv++] = db_col_int(q, 0);
        db_reset(q);
        if (rc < 0) goto fail;
        if ((i == 0 || i % 20 == 7) && nv > 1) nv--; /* 陆家嘴 and one office in twenty: the last village uncovered */
        int64_t practice = 0;
        char practice_uscc[19] = "", practice_name[128] = "";
        q = db_prepare(d->db, "SELECT id, uscc, name FROM grassroots_practice WHERE org_id = $1 ORDER BY id LIMIT 1");
        if (!q) goto fail;
        db_bind_int(q, 1, o[i].id);
        if (db_step(q) == DB_ROW) {
            practice = db_col_int(q, 0);
            snprintf(practice_uscc, sizeof(practice_uscc), "%s", db_col_text(q, 1));
            snprintf(practice_name, sizeof(practice_name), "%s", db_col_text(q, 2));
        }
        db_reset(q);
        for (int a = 0, v = 0; v < nv; a++, v += 3) {
            bool grassroots = practice && a % 4 == 3;
            char uscc[19], licence[32], firm[128];
            if (grassroots) {
                snprintf(uscc, sizeof(uscc), "%s", practice_uscc);
                snprintf(firm, sizeof(firm), "%s", practice_name);
            } else {
                demo_uscc(uscc, "31", o[i].region, 1000 + a % 5);
                snprintf(firm, sizeof(firm), "上海市%s律师事务所",
                         (const char *[]){"明理", "正诚", "衡平", "申和", "律信"}[a % 5]);
            }
            snprintf(licence, sizeof(licence), "131012%04lld%07d", (long long)(o[i].id % 10000), ++serial);
            int64_t person = pls_demo_person(d, o[i].id, given[(i + a) % 20], a);
            if (person <= 0) goto fail;
            json_t *f = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "person_id", (json_int_t)person, "kind",
                                  grassroots ? "grassroots_worker" : "lawyer", "licence_no", licence, "firm_name", firm,
                                  "firm_uscc", uscc, "selection", a % 2 ? "two_way" : "open", "appointed_on",
                                  "2025-01-01", "term_end", "2027-12-31");
            if (grassroots) json_object_set_new(f, "practice_id", json_integer(practice));
            int64_t adv = insert(d->db, &advisors, o[i].id, o[i].path, "serving", f);
            if (adv < 0) goto fail;
            for (int k = v; k < v + 3 && k < nv; k++) {
                if (insert(d->db, &assignments, o[i].id, o[i].path, NULL,
                           json_pack("{s:I,s:I,s:s}", "advisor_id", (json_int_t)adv, "village_id", (json_int_t)vil[k],
                                     "from_on", i == 0 && a == 0 ? "2026-07-01" : "2025-01-01")) < 0)
                    goto fail;
            }
            /* last month: on-site days, a lecture, a contract review */
            int days = i == 0 && a == 1 ? 1 : 2;
            for (int k = 0; k < days + (i < 24 ? 2 : 0); k++) { /* lectures and reviews: the first 24 offices */
                static const char *const kinds[] = {"onsite", "onsite", "lecture", "contract_review"};
                int kk = k < days ? 0 : k - days + 2;
                char on[11];
                snprintf(on, sizeof(on), "2026-11-%02d", 3 + 7 * k);
                if (insert(d->db, &logs, o[i].id, o[i].path, NULL,
                           json_pack("{s:I,s:I,s:s,s:s,s:i,s:i,s:s}", "advisor_id", (json_int_t)adv, "village_id",
                                     (json_int_t)vil[v], "served_on", on, "kind", kinds[kk], "hours", kk == 2 ? 2 : 4,
                                     "people", kk == 2 ? 45 : 6, "content",
                                     kk == 0   ? "驻点接待居民法律咨询, 解答继承、租赁问题"
                                     : kk == 2 ? "民法典婚姻家庭编专题讲座"
                                               : "审查居委会与物业公司的委托服务合同")) < 0)
                    goto fail;
            }
            if (i < 2 && insert(d->db, &evaluations, o[i].id, o[i].path, NULL,
                                json_pack("{s:I,s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "advisor_id", (json_int_t)adv, "year",
                                          2025, "village_rating", a % 3 ? "competent" : "excellent", "village_opinion",
                                          "驻点准时, 解答耐心", "office_rating", "competent", "office_opinion",
                                          "履职到位, 服务日志完整", "conclusion", a % 3 ? "competent" : "excellent",
                                          "evaluated_on", "2026-01-20")) < 0)
                goto fail;
            /* 陆家嘴's first villages were served by an advisor who left */
            if (i == 0 && a == 0) {
                int64_t was = pls_demo_person(d, o[i].id, "陆文涛", 90);
                if (was <= 0) goto fail;
                char old[19];
                demo_uscc(old, "31", o[i].region, 1999);
                f = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "person_id", (json_int_t)was, "kind",
                              "lawyer", "licence_no", "13101201510999999", "firm_name", "上海市申江律师事务所",
                              "firm_uscc", old, "selection", "open", "appointed_on", "2025-01-01", "term_end",
                              "2027-12-31", "exit_on", "2026-06-30", "exit_reason", "resigned", "exit_note",
                              "本人因执业机构变更申请辞任, 经区局同意退出, 所服务村(居)已另行选聘");
                int64_t gone = insert(d->db, &advisors, o[i].id, o[i].path, "exited", f);
                if (gone < 0) goto fail;
                for (int k = 0; k < 3 && k < nv; k++)
                    if (insert(d->db, &assignments, o[i].id, o[i].path, NULL,
                               json_pack("{s:I,s:I,s:s,s:s}", "advisor_id", (json_int_t)gone, "village_id",
                                         (json_int_t)vil[k], "from_on", "2025-01-01", "to_on", "2026-06-30")) < 0)
                        goto fail;
            }
        }
    }
    free(o);
    return 0;
fail:
    free(o);
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void pls_advisors_declare(void) {
    entity_register(&practices);
    entity_register(&workers);
    entity_register(&inspections);
    entity_register(&complaints);
    entity_register(&advisors);
    entity_register(&assignments);
    entity_register(&logs);
    entity_register(&evaluations);
    std_rules_register(advisor_rules, (int)(sizeof(advisor_rules) / sizeof(advisor_rules[0])), advisor_settings);
}
