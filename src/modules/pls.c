/* pls.c — public legal services (公共法律服务; plan clause 10, issue 22;
 * docs/public-legal-services.md):
 *
 *   service-points           街道(乡镇)公共法律服务工作站, 村(居)工作室 and the
 *                            points in parks, enterprises and office buildings:
 *                            address, map position, hours, staffing, services
 *   legal-consultations      法律咨询 by channel and category, the answer, the
 *                            referral (转介) and its outcome, satisfaction; a
 *                            referral to mediation registers the mediation case
 *                            with the parties already in the person registry
 *   reconsideration-intakes  代收行政复议申请: intake, the printed 回执, forwarding
 *                            within the city's setting, the body's acknowledgement
 *   legal-aid-preapps        法律援助申请初审与转交: the economic-hardship facts,
 *                            forwarding to the district's legal aid centre, result
 *
 * plus GET /api/v1/pls/returns (the line's figures per office, district and
 * month, drillable) and GET /api/v1/pls/map (the service points for the map
 * of the districts).  Village legal advisors and 基层法律服务所: pls_advisors.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "cmd/demo.h"
#include "engine/calendar.h"
#include "engine/codes.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "modules/pls.h"
#include "modules/returns.h"
#include "modules/standards.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"
#include "util/xlsx_tmp.h"

#define COCKPIT .cockpit = ""

/* ---- code lists ---- */

static const code_seed_t point_kinds[] = {
    {"station", "街道(乡镇)公共法律服务工作站"},
    {"village_room", "村(居)公共法律服务工作室"},
    {"park", "园区服务点"},
    {"enterprise", "企业服务点"},
    {"building", "商务楼宇服务点"},
    {"other", "其他服务点"},
    {0},
};
static const code_seed_t point_statuses[] = {
    {"open", "运行中"},
    {"suspended", "暂停服务"},
    {"closed", "已撤销"},
    {0},
};
static const code_seed_t channels[] = {
    {"walk_in", "来访"},    {"phone", "电话"},           {"hotline_12348", "12348 热线转来"},
    {"online", "网上咨询"}, {"village", "村(居)工作室"}, {0},
};
static const code_seed_t categories[] = {
    {"marriage_family", "婚姻家庭"},
    {"inheritance", "继承"},
    {"labor", "劳动社保"},
    {"contract", "合同债务"},
    {"housing", "房产物业"},
    {"neighborhood", "相邻关系"},
    {"damages", "人身损害赔偿"},
    {"consumer", "消费者权益"},
    {"traffic", "交通事故"},
    {"administrative", "行政争议"},
    {"criminal", "刑事"},
    {"enterprise", "企业经营"},
    {"other", "其他"},
    {0},
};
static const code_seed_t referrals[] = {
    {"lawyer", "律师服务"},    {"notary", "公证"},        {"appraisal", "司法鉴定"},       {"arbitration", "仲裁"},
    {"legal_aid", "法律援助"}, {"mediation", "人民调解"}, {"reconsideration", "行政复议"}, {0},
};
static const code_seed_t referral_outcomes[] = {
    {"accepted", "已受理/承接"},
    {"resolved", "问题已解决"},
    {"declined", "未予受理"},
    {"abandoned", "当事人未前往/放弃"},
    {0},
};
static const code_seed_t satisfactions[] = {
    {"very", "非常满意"}, {"satisfied", "满意"}, {"basic", "基本满意"}, {"dissatisfied", "不满意"}, {0},
};
static const code_seed_t apply_modes[] = {
    {"written", "书面申请"},
    {"oral", "口头申请 (制作笔录)"},
    {0},
};
static const code_seed_t forward_methods[] = {
    {"in_person", "专人送达"},
    {"post", "邮寄 (EMS)"},
    {"online", "网上行政复议平台"},
    {0},
};
static const code_seed_t aid_kinds[] = {
    {"civil", "民事"},         {"administrative", "行政"},       {"criminal", "刑事"},
    {"labor", "劳动争议仲裁"}, {"non_litigation", "非诉讼事项"}, {0},
};
static const code_seed_t hardships[] = {
    {"minimum_living", "最低生活保障对象"},
    {"extreme_poverty", "特困供养人员"},
    {"low_income", "低收入家庭"},
    {"other", "其他经济困难 (个人诚信承诺)"},
    {"exempt", "免予核查经济困难状况 (法律援助法第四十二条)"},
    {0},
};
static const code_seed_t aid_results[] = {
    {"granted", "给予法律援助"},
    {"refused", "不予法律援助"},
    {"withdrawn", "申请人撤回"},
    {0},
};
static const code_list_decl_t point_lists[] = {
    {"pls_point_kind", "公共法律服务站点类型", point_kinds},
    {"pls_point_status", "站点状态", point_statuses},
    {0},
};
static const code_list_decl_t consultation_lists[] = {
    {"pls_channel", "法律咨询渠道", channels},     {"pls_category", "法律咨询类别", categories},
    {"pls_referral", "转介去向", referrals},       {"pls_referral_outcome", "转介结果", referral_outcomes},
    {"pls_satisfaction", "满意度", satisfactions}, {0},
};
static const code_list_decl_t intake_lists[] = {
    {"pls_apply_mode", "行政复议申请方式", apply_modes},
    {"pls_forward_method", "转送方式", forward_methods},
    {0},
};
static const code_list_decl_t aid_lists[] = {
    {"pls_aid_kind", "法律援助事项类别", aid_kinds},
    {"pls_hardship", "经济困难情形", hardships},
    {"pls_aid_result", "法律援助审查结果", aid_results},
    {0},
};

const char *pls_text(json_t *rec, const char *field) {
    const char *s = json_string_value(json_object_get(rec, field));
    return s && *s ? s : NULL;
}

int pls_due_after(check_ctx_t *c, char due[11], const char *date_field, const char *done_field, const char *setting) {
    const char *from = pls_text(c->after, date_field);
    due[0] = '\0';
    if (!from || pls_text(c->after, done_field)) return 0;
    int64_t days;
    if (std_setting(c->db, setting, &days) != 0) return -1; /* not due on the day itself */
    return cal_add_workdays(c->db, from, (int)days, due);
}

/* ---- 公共法律服务站点 ---- */

static const field_t point_fields[] = {
    {"name", "站点名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"kind", "站点类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_point_kind"},
    {"village_id", "所在村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"address", "地址", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    /* WGS-84 degrees, six decimals (about 0.1 m); Shanghai lies within these ranges */
    {"lng", "经度", F_DECIMAL, 0, .scale = 6, .min = 120500000, .max = 122500000},
    {"lat", "纬度", F_DECIMAL, 0, .scale = 6, .min = 30500000, .max = 32000000},
    {"hours", "服务时间", F_TEXT, FF_REQUIRED | FF_LIST, .max = 100},
    {"staff_count", "值守人员 (名)", F_INT, FF_REQUIRED | FF_FILTER | FF_LIST, .min = 0, .max = 500},
    {"staffing", "人员配置", F_TEXT, 0, .max = 500},
    {"svc_consult", "法律咨询", F_BOOL, FF_FILTER},
    {"svc_lawyer", "律师服务指引", F_BOOL, 0},
    {"svc_notary", "公证服务指引", F_BOOL, 0},
    {"svc_appraisal", "司法鉴定指引", F_BOOL, 0},
    {"svc_arbitration", "仲裁指引", F_BOOL, 0},
    {"svc_legal_aid", "法律援助受理", F_BOOL, FF_FILTER},
    {"svc_reconsideration", "代收行政复议申请", F_BOOL, FF_FILTER},
    {"svc_mediation", "人民调解", F_BOOL, 0},
    {"online", "提供线上服务", F_BOOL, FF_FILTER},
    {"phone", "服务电话", F_TEXT, 0, .max = 30},
    {"opened_on", "启用日期", F_DATE, FF_FILTER | FF_SORT},
    {"status", "状态", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_point_status"},
    {0},
};
/* The yes/no services a point offers, in the map query's column order. */
static const char *const point_services[] = {"svc_consult",         "svc_lawyer",      "svc_notary",
                                             "svc_appraisal",       "svc_arbitration", "svc_legal_aid",
                                             "svc_reconsideration", "svc_mediation"};
#define NPOINT_SERVICES (int)(sizeof(point_services) / sizeof(point_services[0]))
/* A 村(居) room names its village; one workstation per street/town (站所合一:
 * co-located with the office); a position is given whole. */
static const char *point_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    const char *kind = pls_text(c->after, "kind");
    if (kind && strcmp(kind, "village_room") == 0 && !json_is_integer(json_object_get(c->after, "village_id")))
        return *field = "village_id", "村(居)公共法律服务工作室须选择所在村(居)";
    if (json_is_null(json_object_get(c->after, "lng")) != json_is_null(json_object_get(c->after, "lat")))
        return *field = "lat", "经度和纬度须同时填写";
    if (kind && strcmp(kind, "station") == 0 && c->op != CHECK_IMPORT) {
        int64_t n = check_count(c,
                                "SELECT COUNT(*) FROM pls_point WHERE org_id = $1 AND kind = 'station' "
                                "AND deleted_at IS NULL",
                                json_integer_value(json_object_get(c->after, "org_id")));
        if (n > 1) return *field = "kind", "本单位已有街道(乡镇)公共法律服务工作站 (站所合一, 每个街道乡镇一个)";
    }
    return NULL;
}
static int points_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t points = {
    .name = "service-points",
    .label = "公共法律服务站点",
    .table = "pls_point",
    .perm = "pls.point",
    .fields = point_fields,
    .default_sort = "name",
    .roles = PLS_ROLES,
    .check = point_rule,
    .code_lists = point_lists,
    .demo = points_demo,
    PLS_LINE,
    COCKPIT,
};

/* ---- 法律咨询 ---- */

static const field_t consultation_fields[] = {
    {"consult_no", "咨询编号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST | FF_SORT, .max = 40,
     .readonly_why = "登记时由系统按本所年度顺序编号"},
    {"consulted_on", "咨询日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"channel", "咨询渠道", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_channel"},
    {"point_id", "服务站点", F_REF, FF_FILTER, .ref = "service-points"},
    {"village_id", "所在村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"person_id", "咨询人", F_PERSON, FF_FILTER | FF_LIST},
    {"category", "咨询类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_category"},
    {"title", "咨询事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"question", "咨询内容", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 1800},
    {"answer", "解答意见", F_TEXT, 0, .max = 4000}, /* required but while 待解答 (consultation_rule) */
    {"counterpart_person_id", "对方当事人 (自然人)", F_PERSON, FF_FILTER},
    {"counterpart_unit", "对方当事人 (单位)", F_TEXT, FF_SEARCH, .max = 200},
    {"referral", "转介去向", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "pls_referral"},
    {"referral_to", "承接机构", F_TEXT, FF_READONLY, .max = 200},
    {"dispute_category", "纠纷类型", F_CODE, FF_READONLY | FF_FILTER, .code_list = "dispute_category"},
    {"mediation_org_id", "承接调解组织", F_REF, FF_READONLY | FF_FILTER, .ref = "mediation-orgs"},
    {"referred_on", "转介日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"mediation_case_id", "人民调解案件", F_REF, FF_READONLY | FF_FILTER, .ref = "mediation-cases"},
    {"outcome", "转介结果", F_CODE, FF_READONLY | FF_FILTER, .code_list = "pls_referral_outcome"},
    {"outcome_note", "结果说明", F_TEXT, FF_READONLY, .max = 1000},
    {"followed_on", "跟踪日期", F_DATE, FF_READONLY | FF_FILTER},
    {"satisfaction", "满意度", F_CODE, FF_FILTER, .code_list = "pls_satisfaction"},
    {0},
};
static const wf_state_t consultation_states[] = {
    {"answered", "已解答", 0},           {"referred", "已转介", 10}, /* 10 working days to learn what became of the
                                                                        referral */
    {"followed", "已跟踪结果", 0, true}, {"closed", "已办结", 0, true}, {0},
};
static int refer_mediation_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t consultation_transitions[] = {
    {"refer", "转介", "answered", "referred", .requires = "referral referral_to", .stamp = "referred_on"},
    {"refer_mediation", "转人民调解", "answered", "referred", .requires = "dispute_category mediation_org_id",
     .stamp = "referred_on", .hook = refer_mediation_hook},
    {"follow", "登记转介结果", "referred", "followed", .requires = "outcome outcome_note", .stamp = "followed_on"},
    {"close", "办结", "answered", "closed"},
    {0},
};
static const workflow_t consultation_flow_v1 = {1, "answered", consultation_states, consultation_transitions, 0, 1};
/* v2 (issue 24): a question a resident asks through the public portal
 * waits for its answer (待解答, 3 working days: the office's commitment);
 * staff entries are answered on the spot as before. */
static const wf_state_t consultation_states_v2[] = {
    {"pending", "待解答", 3},      {"answered", "已解答", 0},
    {"referred", "已转介", 10},    {"followed", "已跟踪结果", 0, true},
    {"closed", "已办结", 0, true}, {0},
};
static const wf_transition_t consultation_transitions_v2[] = {
    {"refer", "转介", "answered", "referred", .requires = "referral referral_to", .stamp = "referred_on"},
    {"refer_mediation", "转人民调解", "answered", "referred", .requires = "dispute_category mediation_org_id",
     .stamp = "referred_on", .hook = refer_mediation_hook},
    {"follow", "登记转介结果", "referred", "followed", .requires = "outcome outcome_note", .stamp = "followed_on"},
    {"close", "办结", "answered", "closed"},
    {"answer", "解答", "pending", "answered", .requires = "answer"}, /* last: v1's actions keep their places */
    {0},
};
static const workflow_t consultation_flow_v2 = {2, "answered", consultation_states_v2, consultation_transitions_v2,
                                                0, 1};
static const workflow_t *const consultation_flows[] = {&consultation_flow_v1, &consultation_flow_v2, NULL};
/* The other party is a person or a unit, not both; a consultation at a
 * village room names the village; a mediation referral goes through its
 * own action, which registers the case. */
static const char *consultation_rule(check_ctx_t *c, const char **field) {
    const char *st = pls_text(c->after, "wf_state");
    if (!pls_text(c->after, "answer") && !(st && strcmp(st, "pending") == 0))
        return *field = "answer", "请填写解答意见";
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    if (json_is_integer(json_object_get(c->after, "counterpart_person_id")) && pls_text(c->after, "counterpart_unit"))
        return *field = "counterpart_unit", "对方当事人是自然人时不填单位名称";
    const char *channel = pls_text(c->after, "channel");
    if (channel && strcmp(channel, "village") == 0 && !json_is_integer(json_object_get(c->after, "village_id")))
        return *field = "village_id", "在村(居)工作室接待的咨询须选择村(居)";
    if (c->op == CHECK_ACTION && strcmp(c->action, "refer") == 0) {
        const char *to = pls_text(c->after, "referral");
        if (to && strcmp(to, "mediation") == 0)
            return *field = "referral", "转人民调解请使用「转人民调解」, 由系统登记调解案件";
    }
    return NULL;
}
static const entity_number_t consultation_number = {"consult_no", "({year})法咨字第{office}-{seq:4}号", NULL};
static int consultations_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t consultations = {
    .name = "legal-consultations",
    .label = "法律咨询",
    .table = "legal_consultation",
    .perm = "pls.consultation",
    .fields = consultation_fields,
    .flows = consultation_flows,
    .default_sort = "-consulted_on",
    .roles = PLS_ROLES,
    .check = consultation_rule,
    .code_lists = consultation_lists,
    .number = &consultation_number,
    .title = "title",
    .panels = "portal", /* a resident's question from the public portal: its channel and replies */
    .demo = consultations_demo,
    PLS_LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

/* A record derived from the consultation (engine_insert_derived). */
static int64_t derive(http_req_t *r, const entity_t *target, int64_t org, const char *path, json_t *fields,
                      int64_t consultation) {
    json_t *from = json_pack("{s:s,s:I}", "entity", "legal-consultations", "id", (json_int_t)consultation);
    int64_t id = engine_insert_derived(r, target, org, path, fields, from);
    json_decref(from);
    return id;
}

/* 转人民调解: the mediation case is registered for the consultation's office
 * — 案由 the consultation's matter, the dispute's type and the committee as
 * chosen, waiting for acceptance (受理) — with the 咨询人 as 申请人 and the
 * other party as 被申请人, both the registry's persons (or the unit) the
 * consultation already names: nobody is typed again.  Linked both ways. */
static int refer_mediation_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    if (!auth_can(auth_principal(r), "mediation.case.create") || !auth_can(auth_principal(r), "mediation.party.create"))
        return http_error(r, 403, "forbidden", "您没有登记人民调解案件的权限"), -1;
    const entity_t *cases = entity_find("mediation-cases"), *parties = entity_find("mediation-parties");
    if (!cases || !parties) return http_error(r, 409, "hook_refused", "人民调解未启用"), -1;
    db_stmt_t *s = db_prepare(r->db, "SELECT org_id, org_path, person_id, counterpart_person_id, counterpart_unit, "
                                     "title, question, dispute_category, mediation_org_id, village_id, consult_no "
                                     "FROM legal_consultation WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) return db_reset(s), http_store_error(r), -1;
    int64_t org = db_col_int(s, 0), person = db_col_null(s, 2) ? 0 : db_col_int(s, 2),
            other = db_col_null(s, 3) ? 0 : db_col_int(s, 3), morg = db_col_int(s, 8),
            village = db_col_null(s, 9) ? 0 : db_col_int(s, 9);
    const char *path = arena_strdup(r->arena, db_col_text(s, 1));
    const char *unit = db_col_null(s, 4) ? NULL : arena_strdup(r->arena, db_col_text(s, 4));
    const char *title = arena_strdup(r->arena, db_col_text(s, 5));
    const char *summary = arena_printf(r->arena, "由法律咨询转介 (咨询编号 %s): %s",
                                       db_col_null(s, 10) ? "—" : db_col_text(s, 10), db_col_text(s, 6));
    const char *category = arena_strdup(r->arena, db_col_text(s, 7));
    db_reset(s);
    if (!person) return http_invalid(r, "person_id", "转人民调解须先登记咨询人 (申请人)"), -1;
    if (!other && !unit) return http_invalid(r, "counterpart_person_id", "转人民调解须先登记对方当事人"), -1;
    char today[11];
    wf_today(today);
    json_t *f =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "title", title, "received_on", today, "source", "party_application",
                  "category", category, "summary", summary, "mediation_org_id", (json_int_t)morg);
    if (village) json_object_set_new(f, "village_id", json_integer(village));
    int64_t case_id = derive(r, cases, org, path, f, id);
    if (case_id < 0) return http_store_error(r), -1;
    json_t *applicant = json_pack("{s:I,s:s,s:I}", "case_id", (json_int_t)case_id, "role", "applicant", "person_id",
                                  (json_int_t)person);
    json_t *respondent = json_pack("{s:I,s:s}", "case_id", (json_int_t)case_id, "role", "respondent");
    if (other)
        json_object_set_new(respondent, "person_id", json_integer(other));
    else
        json_object_set_new(respondent, "unit_name", json_string(unit));
    if (derive(r, parties, org, path, applicant, id) < 0) return json_decref(respondent), http_store_error(r), -1;
    if (derive(r, parties, org, path, respondent, id) < 0) return http_store_error(r), -1;
    s = db_prepare(r->db, "UPDATE legal_consultation SET mediation_case_id = $1, referral = 'mediation', "
                          "referral_to = (SELECT name FROM mediation_org WHERE id = $2) WHERE id = $3");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, case_id);
    db_bind_int(s, 2, morg);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : (http_store_error(r), -1);
}

/* ---- 代收行政复议申请 ---- */

static const field_t intake_fields[] = {
    {"receipt_no", "回执编号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST | FF_SORT, .max = 40,
     .readonly_why = "收件时由系统按本所年度顺序编号"},
    {"received_on", "收到申请日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"applicant_id", "申请人", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"agent", "委托代理人", F_TEXT, FF_PI, .mask = "name", .max = 100},
    {"respondent", "被申请人 (行政机关)", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"act", "申请复议的行政行为", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 500},
    {"act_known_on", "知道该行政行为日期", F_DATE, 0},
    {"requests", "行政复议请求", F_TEXT, FF_REQUIRED, .max = 2000},
    {"mode", "申请方式", F_CODE, FF_REQUIRED | FF_FILTER, .code_list = "pls_apply_mode"},
    {"materials", "提交材料清单", F_TEXT, FF_REQUIRED, .max = 1000},
    {"pages", "材料页数", F_INT, 0, .min = 0, .max = 10000},
    {"application_file", "申请书及材料 (PDF)", F_FILE, 0},
    {"body", "行政复议机关", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"forwarded_on", "转送日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"forward_method", "转送方式", F_CODE, FF_READONLY, .code_list = "pls_forward_method"},
    {"forward_late", "逾期转送", F_BOOL, FF_READONLY | FF_FILTER},
    {"acknowledged_on", "复议机关签收日期", F_DATE, FF_READONLY | FF_FILTER},
    {"ack_note", "签收情况 (收件登记号等)", F_TEXT, FF_READONLY, .max = 500},
    {"withdraw_reason", "撤回说明", F_TEXT, FF_READONLY, .max = 500},
    {0},
};
static const wf_state_t intake_states[] = {
    {"received", "已收件待转送", 0}, /* due_at: the city's forwarding days from receipt (.deadline) */
    {"forwarded", "已转送", 5},      /* 5 working days to have the body's acknowledgement on file */
    {"acknowledged", "复议机关已签收", 0, true},
    {"withdrawn", "申请人撤回", 0, true},
    {0},
};
static int forward_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t intake_transitions[] = {
    {"forward", "转送复议机关", "received", "forwarded", .requires = "forward_method", .stamp = "forwarded_on",
     .hook = forward_hook},
    {"acknowledge", "登记签收", "forwarded", "acknowledged", .requires = "acknowledged_on ack_note"},
    {"withdraw", "申请人撤回", "received", "withdrawn", .requires = "withdraw_reason"},
    {0},
};
static const workflow_t intake_flow_v1 = {1, "received", intake_states, intake_transitions, 0, 1};
static const workflow_t *const intake_flows[] = {&intake_flow_v1, NULL};
static const char *intake_rule(check_ctx_t *c, const char **field) {
    const char *got = pls_text(c->after, "received_on"), *known = pls_text(c->after, "act_known_on");
    const char *sent = pls_text(c->after, "forwarded_on"), *ack = pls_text(c->after, "acknowledged_on");
    if (got && known && strcmp(known, got) > 0)
        return *field = "act_known_on", "知道行政行为的日期不能晚于收到申请日期";
    if (sent && ack && strcmp(ack, sent) < 0) return *field = "acknowledged_on", "签收日期不能早于转送日期";
    char today[11];
    wf_today(today);
    if (ack && strcmp(ack, today) > 0) return *field = "acknowledged_on", "签收日期不能晚于今天";
    return NULL;
}
static int intake_deadline(check_ctx_t *c, char due[11]) {
    return pls_due_after(c, due, "received_on", "forwarded_on", "pls_forward_days");
}
/* 转送: whether it left within the deadline is kept (forward_late, the
 * returns count it), then the deadline is met. */
static int forward_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    db_stmt_t *s = db_prepare(r->db, "UPDATE reconsideration_intake SET forward_late = CASE WHEN due_at IS NOT NULL "
                                     "AND due_at < forwarded_on THEN 1 ELSE 0 END, due_at = NULL WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : (http_store_error(r), -1);
}

/* 代收行政复议申请回执: what the applicant takes home — who received what and
 * when, for which body, and by when it will be forwarded. */
static int receipt_doc(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    static const int cols[] = {2600, 6426};
    const char *office = json_string_value(json_object_get(rec, "org_name"));
    const char *due = pls_text(rec, "due_at");
    doc_title(o, "代收行政复议申请回执");
    doc_para(o, doc_value(r, e, rec, "receipt_no"), DOCX_RIGHT);
    doc_table(o, 2, cols);
    const char *rows[][2] = {
        {"申请人", doc_value(r, e, rec, "applicant_id")},      {"委托代理人", doc_value(r, e, rec, "agent")},
        {"被申请人", doc_value(r, e, rec, "respondent")},      {"申请复议的行政行为", doc_value(r, e, rec, "act")},
        {"行政复议请求", doc_value(r, e, rec, "requests")},    {"申请方式", doc_value(r, e, rec, "mode")},
        {"提交材料", doc_value(r, e, rec, "materials")},       {"材料页数", doc_value(r, e, rec, "pages")},
        {"收到申请日期", doc_value(r, e, rec, "received_on")}, {"行政复议机关", doc_value(r, e, rec, "body")},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        doc_row(o, rows[i]);
    doc_table_end(o);
    const char *sent = pls_text(rec, "forwarded_on");
    const char *when = sent  ? arena_printf(r->arena, "已于%s转送", doc_date(r, sent))
                       : due ? arena_printf(r->arena, "将于%s前转送", doc_date(r, due))
                             : "将在规定期限内转送";
    doc_para(o,
             arena_printf(r->arena,
                          "本所已代收您的行政复议申请及上列材料, %s%s。是否受理由行政复议机关决定, "
                          "本回执不作为受理凭证; 申请期限是否届满, 以行政复议机关的认定为准。"
                          "如需查询转送情况, 请凭本回执编号向本所询问。",
                          when, doc_value(r, e, rec, "body")),
             DOCX_INDENT);
    doc_para(o, "申请人（签名）：" DOC_BLANK "　　经办人（签名）：" DOC_BLANK, 0);
    doc_para(o, arena_printf(r->arena, "%s (印章)", office ? office : ""), DOCX_RIGHT);
    doc_para(o, doc_value(r, e, rec, "received_on"), DOCX_RIGHT);
    return 0;
}
static const entity_document_t intake_documents[] = {
    {"receipt", "代收行政复议申请回执", "receipt_no", "尚未编号", receipt_doc},
    {0},
};
static const entity_number_t intake_number = {"receipt_no", "({year})代收复字第{office}-{seq:3}号", NULL};
static int intakes_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t intakes = {
    .name = "reconsideration-intakes",
    .label = "代收行政复议申请",
    .table = "reconsideration_intake",
    .perm = "pls.intake",
    .fields = intake_fields,
    .flows = intake_flows,
    .default_sort = "-received_on",
    .roles = PLS_ROLES,
    .check = intake_rule,
    .code_lists = intake_lists,
    .number = &intake_number,
    .documents = intake_documents,
    .panels = "documents portal",
    .attachments = true, /* the application and its materials, also as the public portal took them */
    .deadline = intake_deadline,
    .title = "receipt_no",
    .demo = intakes_demo,
    PLS_LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

/* ---- 法律援助申请初审与转交 ---- */

static const field_t aid_fields[] = {
    {"applicant_id", "申请人", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"applied_on", "申请日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"matter", "申请事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"case_kind", "事项类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_aid_kind"},
    {"hardship", "经济困难情形", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pls_hardship"},
    {"household_size", "家庭人口 (人)", F_INT, 0, .min = 1, .max = 30},
    {"monthly_income", "家庭月人均收入 (元)", F_DECIMAL, 0, .scale = 2, .min = 0, .max = 100000000},
    {"hardship_facts", "经济困难事实", F_TEXT, FF_REQUIRED, .max = 2000},
    {"proof_file", "证明材料 (PDF/图片)", F_FILE, 0},
    {"prelim_note", "初审意见", F_TEXT, FF_READONLY, .max = 1000},
    {"aid_centre", "转交法律援助机构", F_TEXT, FF_READONLY | FF_LIST, .max = 100},
    {"forwarded_on", "转交日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"result", "审查结果", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "pls_aid_result"},
    {"decided_on", "决定日期", F_DATE, FF_READONLY | FF_FILTER},
    {"decision_no", "决定书编号", F_TEXT, FF_READONLY, .max = 60},
    {"result_note", "结果说明", F_TEXT, FF_READONLY, .max = 1000},
    {0},
};
static const wf_state_t aid_states[] = {
    {"applied", "待初审", 0}, /* due_at: the city's days from the application (.deadline) */
    {"supplementing", "待补正材料", 0}, {"forwarded", "已转交", 0}, {"decided", "已有结果", 0, true}, {0},
};
static const wf_transition_t aid_transitions[] = {
    {"ask_more", "告知补正材料", "applied", "supplementing", .requires = "prelim_note"},
    {"resubmit", "材料已补正", "supplementing", "applied"},
    {"forward", "初审并转交", "applied", "forwarded", .requires = "prelim_note aid_centre", .stamp = "forwarded_on",
     .meets_deadline = true},
    {"record_result", "登记审查结果", "forwarded", "decided", .requires = "result decided_on result_note"},
    {0},
};
static const workflow_t aid_flow_v1 = {1, "applied", aid_states, aid_transitions, 0, 1};
static const workflow_t *const aid_flows[] = {&aid_flow_v1, NULL};
/* A result after the forwarding; an exemption from the means test needs no
 * income, anything else states the household and its income. */
static const char *aid_rule(check_ctx_t *c, const char **field) {
    const char *sent = pls_text(c->after, "forwarded_on"), *decided = pls_text(c->after, "decided_on");
    if (sent && decided && strcmp(decided, sent) < 0) return *field = "decided_on", "决定日期不能早于转交日期";
    const char *h = pls_text(c->after, "hardship");
    if (h && strcmp(h, "exempt") != 0) {
        if (!json_is_integer(json_object_get(c->after, "household_size")))
            return *field = "household_size", "请填写家庭人口 (免予核查经济困难状况的除外)";
        if (json_is_null(json_object_get(c->after, "monthly_income")) || !json_object_get(c->after, "monthly_income"))
            return *field = "monthly_income", "请填写家庭月人均收入 (免予核查经济困难状况的除外)";
    }
    return NULL;
}
static int aid_deadline(check_ctx_t *c, char due[11]) {
    return pls_due_after(c, due, "applied_on", "forwarded_on", "pls_aid_forward_days");
}
static int aid_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t aid = {
    .name = "legal-aid-preapps",
    .label = "法律援助申请初审",
    .table = "legal_aid_preapp",
    .perm = "pls.aid",
    .fields = aid_fields,
    .flows = aid_flows,
    .default_sort = "-applied_on",
    .roles = PLS_ROLES,
    .check = aid_rule,
    .code_lists = aid_lists,
    .deadline = aid_deadline,
    .title = "matter",
    .panels = "portal",
    .demo = aid_demo,
    PLS_LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

/* The line's time limits, settings of the city bureau (标准设置). */
static const std_setting_decl_t pls_settings[] = {
    {"pls_forward_days", "条款 10: 代收行政复议申请转送复议机关期限 (工作日)", 5, 1, 30},
    {"pls_aid_forward_days", "条款 10: 法律援助申请初审转交期限 (工作日)", 3, 1, 30},
    {0},
};

/* ---- GET /api/v1/pls/returns?year=&month=&org_id= ---- */

#define IN_SCOPE "deleted_at IS NULL AND org_path >= $1 AND org_path < $2"

/* The figures counted per unit (the drill-down table) and for the whole;
 * with entity, the records behind one are that entity's list filtered by
 * date (the period) and extra ("field=value"): the returns' `links`. */
static const struct figure {
    const char *key, *sql, *entity, *date, *extra;
} figures[] = {
    {"consultations",
     "SELECT COUNT(*) FROM legal_consultation WHERE " IN_SCOPE " AND consulted_on >= $3 AND consulted_on <= $4",
     "legal-consultations", "consulted_on", NULL},
    {"referrals",
     "SELECT COUNT(*) FROM legal_consultation WHERE " IN_SCOPE " AND referred_on >= $3 AND referred_on <= $4",
     "legal-consultations", "referred_on", NULL},
    {"mediation_referrals",
     "SELECT COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
     " AND referred_on >= $3 AND referred_on <= $4 AND mediation_case_id IS NOT NULL",
     "legal-consultations", "referred_on", "referral=mediation"},
    {"intakes",
     "SELECT COUNT(*) FROM reconsideration_intake WHERE " IN_SCOPE " AND received_on >= $3 AND received_on <= $4",
     "reconsideration-intakes", "received_on", NULL},
    {"intakes_forwarded",
     "SELECT COUNT(*) FROM reconsideration_intake WHERE " IN_SCOPE " AND forwarded_on >= $3 AND forwarded_on <= $4",
     "reconsideration-intakes", "forwarded_on", NULL},
    {"intakes_late",
     "SELECT COUNT(*) FROM reconsideration_intake WHERE " IN_SCOPE
     " AND forwarded_on >= $3 AND forwarded_on <= $4 AND forward_late = 1",
     "reconsideration-intakes", "forwarded_on", "forward_late=true"},
    {"intakes_acknowledged",
     "SELECT COUNT(*) FROM reconsideration_intake WHERE " IN_SCOPE
     " AND acknowledged_on >= $3 AND acknowledged_on <= $4",
     "reconsideration-intakes", "acknowledged_on", NULL},
    {"aid_applications",
     "SELECT COUNT(*) FROM legal_aid_preapp WHERE " IN_SCOPE " AND applied_on >= $3 AND applied_on <= $4",
     "legal-aid-preapps", "applied_on", NULL},
    {"aid_forwarded",
     "SELECT COUNT(*) FROM legal_aid_preapp WHERE " IN_SCOPE " AND forwarded_on >= $3 AND forwarded_on <= $4",
     "legal-aid-preapps", "forwarded_on", NULL},
    {"advisor_services", "SELECT COUNT(*) FROM advisor_log WHERE " IN_SCOPE " AND served_on >= $3 AND served_on <= $4",
     "advisor-logs", "served_on", NULL},
    /* villages existing at the period's end, and those with an advisor serving then */
    {"villages",
     "SELECT COUNT(*) FROM org_units WHERE level = 'village' AND path >= $1 AND path < $2 "
     "AND valid_from <= $4 AND (valid_to IS NULL OR valid_to > $4) AND CAST($3 AS TEXT) <= CAST($4 AS TEXT)"},
    {"villages_covered",
     "SELECT COUNT(DISTINCT av.village_id) FROM advisor_village av JOIN village_advisor a ON a.id = av.advisor_id "
     "JOIN org_units v ON v.id = av.village_id WHERE av.deleted_at IS NULL AND a.deleted_at IS NULL "
     "AND v.path >= $1 AND v.path < $2 AND v.valid_from <= $4 AND (v.valid_to IS NULL OR v.valid_to > $4) "
     "AND av.from_on <= $4 AND (av.to_on IS NULL OR av.to_on >= $4) AND a.appointed_on <= $4 "
     "AND (a.exit_on IS NULL OR a.exit_on > $4) AND CAST($3 AS TEXT) <= CAST($4 AS TEXT)"},
    {"advisors_serving",
     "SELECT COUNT(*) FROM village_advisor WHERE " IN_SCOPE
     " AND appointed_on <= $4 AND (exit_on IS NULL OR exit_on > $4) AND CAST($3 AS TEXT) <= CAST($4 AS TEXT)"},
    {"points",
     "SELECT COUNT(*) FROM pls_point WHERE " IN_SCOPE " AND status = 'open' AND CAST($3 AS TEXT) <= CAST($4 AS TEXT)",
     "service-points", NULL, "status=open"},
};
#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

/* The grouped figures: [{code, label, count}] each, by the record's own
 * date; the records behind a row are entity's list by date and field = code. */
static const struct grouping {
    const char *name, *list, *sql, *entity, *date, *field;
} groupings[] = {
    {"by_channel", "pls_channel",
     "SELECT channel, COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
     " AND consulted_on >= $3 AND consulted_on <= $4 GROUP BY channel ORDER BY channel",
     "legal-consultations", "consulted_on", "channel"},
    {"by_category", "pls_category",
     "SELECT category, COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
     " AND consulted_on >= $3 AND consulted_on <= $4 GROUP BY category ORDER BY category",
     "legal-consultations", "consulted_on", "category"},
    {"referrals_by_type", "pls_referral",
     "SELECT referral, COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
     " AND referred_on >= $3 AND referred_on <= $4 GROUP BY referral ORDER BY referral",
     "legal-consultations", "referred_on", "referral"},
    {"referral_outcomes", "pls_referral_outcome",
     "SELECT outcome, COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
     " AND referred_on >= $3 AND referred_on <= $4 GROUP BY outcome ORDER BY outcome",
     "legal-consultations", "referred_on", "outcome"},
    {"satisfaction", "pls_satisfaction",
     "SELECT satisfaction, COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
     " AND consulted_on >= $3 AND consulted_on <= $4 GROUP BY satisfaction ORDER BY satisfaction",
     "legal-consultations", "consulted_on", "satisfaction"},
    {"aid_results", "pls_aid_result",
     "SELECT result, COUNT(*) FROM legal_aid_preapp WHERE " IN_SCOPE
     " AND decided_on >= $3 AND decided_on <= $4 GROUP BY result ORDER BY result",
     "legal-aid-preapps", "decided_on", "result"},
    {"advisor_services_by_kind", "pls_service_kind",
     "SELECT kind, COUNT(*) FROM advisor_log WHERE " IN_SCOPE
     " AND served_on >= $3 AND served_on <= $4 GROUP BY kind ORDER BY kind",
     "advisor-logs", "served_on", "kind"},
};

static int write_figures(http_req_t *r, jw_t *w, const char *lo, const char *hi, const char *from, const char *to) {
    for (size_t i = 0; i < NFIGURES; i++) {
        int64_t n = returns_count(r, figures[i].sql, lo, hi, from, to);
        if (n < 0) return -1;
        jw_kint(w, figures[i].key, n);
    }
    return 0;
}

/* The year's figures month by month (by_month, a year's returns only):
 * each counts its records by their own date, as the figures do. */
static const struct monthly {
    const char *key, *sql;
} monthly[] = {
    {"consultations", "SELECT SUBSTR(consulted_on, 6, 2), COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
                      " AND consulted_on >= $3 AND consulted_on <= $4 GROUP BY SUBSTR(consulted_on, 6, 2)"},
    {"referrals", "SELECT SUBSTR(referred_on, 6, 2), COUNT(*) FROM legal_consultation WHERE " IN_SCOPE
                  " AND referred_on >= $3 AND referred_on <= $4 GROUP BY SUBSTR(referred_on, 6, 2)"},
    {"intakes", "SELECT SUBSTR(received_on, 6, 2), COUNT(*) FROM reconsideration_intake WHERE " IN_SCOPE
                " AND received_on >= $3 AND received_on <= $4 GROUP BY SUBSTR(received_on, 6, 2)"},
    {"aid_applications", "SELECT SUBSTR(applied_on, 6, 2), COUNT(*) FROM legal_aid_preapp WHERE " IN_SCOPE
                         " AND applied_on >= $3 AND applied_on <= $4 GROUP BY SUBSTR(applied_on, 6, 2)"},
    {"advisor_services", "SELECT SUBSTR(served_on, 6, 2), COUNT(*) FROM advisor_log WHERE " IN_SCOPE
                         " AND served_on >= $3 AND served_on <= $4 GROUP BY SUBSTR(served_on, 6, 2)"},
};
#define NMONTHLY (sizeof(monthly) / sizeof(monthly[0]))

/* by_month: [{month: 1..12, <each monthly key>: n}].  0, or -1 on a store error. */
static int write_by_month(http_req_t *r, jw_t *w, const char *lo, const char *hi, const char *from, const char *to) {
    int64_t n[NMONTHLY][12] = {{0}};
    for (size_t k = 0; k < NMONTHLY; k++) {
        db_stmt_t *s = returns_statement(r, monthly[k].sql, lo, hi, from, to);
        if (!s) return -1;
        int rc;
        while ((rc = db_step(s)) == DB_ROW) {
            int m = db_col_null(s, 0) ? 0 : atoi(db_col_text(s, 0));
            if (m >= 1 && m <= 12) n[k][m - 1] = db_col_int(s, 1);
        }
        db_reset(s);
        if (rc != DB_DONE) return -1;
    }
    jw_key(w, "by_month");
    jw_arr(w);
    for (int m = 0; m < 12; m++) {
        jw_obj(w);
        jw_kint(w, "month", m + 1);
        for (size_t k = 0; k < NMONTHLY; k++)
            jw_kint(w, monthly[k].key, n[k][m]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    return 0;
}

/* Opens one `links` entry, key: {entity, query, … — the list's filters that
 * show the records behind a figure: date within [from, to] (when the figure
 * has a date), extra ("field=value"), and org_id (the unit shown, 0: the
 * caller's whole scope).  The caller closes the object. */
static void write_link(http_req_t *r, jw_t *w, const char *key, const char *entity, const char *date, const char *extra,
                       const char *from, const char *to, int64_t org) {
    jw_key(w, key);
    jw_obj(w);
    jw_kstr(w, "entity", entity);
    jw_key(w, "query");
    jw_obj(w);
    if (date) {
        jw_kstr(w, arena_printf(r->arena, "%s.from", date), from);
        jw_kstr(w, arena_printf(r->arena, "%s.to", date), to);
    }
    const char *eq = extra ? strchr(extra, '=') : NULL;
    if (eq) jw_kstr(w, arena_printf(r->arena, "%.*s", (int)(eq - extra), extra), eq + 1);
    if (org) jw_kstr(w, "org_id", arena_printf(r->arena, "%lld", (long long)org));
    jw_obj_end(w);
}

/* `links` (each figure with records behind it) and `group_links` (each
 * grouping: the list's filters, and `field`, which a row's code fills). */
static void write_links(http_req_t *r, jw_t *w, const char *from, const char *to, int64_t org) {
    jw_key(w, "links");
    jw_obj(w);
    for (size_t i = 0; i < NFIGURES; i++)
        if (figures[i].entity) {
            write_link(r, w, figures[i].key, figures[i].entity, figures[i].date, figures[i].extra, from, to, org);
            jw_obj_end(w);
        }
    jw_obj_end(w);
    jw_key(w, "group_links");
    jw_obj(w);
    for (size_t i = 0; i < sizeof(groupings) / sizeof(groupings[0]); i++) {
        write_link(r, w, groupings[i].name, groupings[i].entity, groupings[i].date, NULL, from, to, org);
        jw_kstr(w, "field", groupings[i].field);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* ---- the advisors' duties in a period (part of the returns) ---- */

/* Grouped counts per advisor: sql's rows (advisor_id, a, b, c) in advisor
 * order, bound with the scope and period; *n is -1 on a store error. */
typedef struct per_advisor {
    int64_t id, n[3];
} per_advisor_t;
static int per_advisor_cmp(const void *a, const void *b) {
    int64_t x = ((const per_advisor_t *)a)->id, y = ((const per_advisor_t *)b)->id;
    return x < y ? -1 : x > y;
}
static per_advisor_t *per_advisor(http_req_t *r, const char *sql, const char *lo, const char *hi, const char *from,
                                  const char *to, int *n) {
    *n = 0;
    db_stmt_t *s = returns_statement(r, sql, lo, hi, from, to);
    if (!s) return *n = -1, NULL;
    int cap = 0, rc;
    per_advisor_t *v = NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            per_advisor_t *v2 = arena_alloc(r->arena, sizeof(*v2) * (size_t)cap);
            if (*n) memcpy(v2, v, sizeof(*v2) * (size_t)*n);
            v = v2;
        }
        per_advisor_t *x = &v[(*n)++];
        x->id = db_col_int(s, 0);
        for (int k = 0; k < 3; k++)
            x->n[k] = db_col_null(s, k + 1) ? 0 : db_col_int(s, k + 1);
    }
    db_reset(s);
    if (rc != DB_DONE) return *n = -1, NULL;
    return v ? v : arena_alloc(r->arena, sizeof(per_advisor_t));
}

#define ADVISORS_LISTED 300
/* The advisors serving at the period's end in [lo, hi) (at most
 * ADVISORS_LISTED, with the total): villages served then, on-site days,
 * lectures and reviews in the period — against the city's quotas, which
 * go with them. */
static int write_advisor_duties(http_req_t *r, jw_t *w, const char *lo, const char *hi, const char *from,
                                const char *to) {
    int nl, nv;
    per_advisor_t *logs = per_advisor(
        r,
        "SELECT advisor_id, COUNT(DISTINCT CASE WHEN kind = 'onsite' THEN served_on END), "
        "SUM(CASE WHEN kind = 'lecture' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN kind IN ('contract_review', 'decision_review') THEN 1 ELSE 0 END) FROM advisor_log "
        "WHERE " IN_SCOPE " AND served_on >= $3 AND served_on <= $4 GROUP BY advisor_id ORDER BY advisor_id",
        lo, hi, from, to, &nl);
    per_advisor_t *vils =
        per_advisor(r,
                    "SELECT advisor_id, COUNT(*), 0, 0 FROM advisor_village WHERE " IN_SCOPE " AND from_on <= $4 "
                    "AND (to_on IS NULL OR to_on >= $4) AND CAST($3 AS TEXT) <= CAST($4 AS TEXT) "
                    "GROUP BY advisor_id ORDER BY advisor_id",
                    lo, hi, from, to, &nv);
    if (nl < 0 || nv < 0) return -1;
    jw_key(w, "quotas");
    jw_obj(w);
    int64_t onsite, lectures, reviews;
    if (std_setting(r->db, "pls_onsite_days_month", &onsite) != 0 ||
        std_setting(r->db, "pls_lectures_year", &lectures) != 0 ||
        std_setting(r->db, "pls_reviews_year", &reviews) != 0)
        return -1;
    jw_kint(w, "onsite_days_month", onsite);
    jw_kint(w, "lectures_year", lectures);
    jw_kint(w, "reviews_year", reviews);
    jw_obj_end(w);
    jw_kstr(w, "advisor_entity", "village-advisors");
    db_stmt_t *s =
        returns_statement(r,
                          "SELECT a.id, p.name, a.firm_name, a.org_id FROM village_advisor a "
                          "JOIN persons p ON p.id = a.person_id WHERE a.deleted_at IS NULL "
                          "AND a.org_path >= $1 AND a.org_path < $2 AND a.appointed_on <= $4 "
                          "AND (a.exit_on IS NULL OR a.exit_on > $4) AND CAST($3 AS TEXT) <= CAST($4 AS TEXT) "
                          "ORDER BY a.org_path, a.id",
                          lo, hi, from, to);
    if (!s) return -1;
    jw_key(w, "advisors");
    jw_arr(w);
    int rc, total = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (++total > ADVISORS_LISTED) continue;
        per_advisor_t key = {.id = db_col_int(s, 0)};
        const per_advisor_t *l = nl ? bsearch(&key, logs, (size_t)nl, sizeof(key), per_advisor_cmp) : NULL;
        const per_advisor_t *v = nv ? bsearch(&key, vils, (size_t)nv, sizeof(key), per_advisor_cmp) : NULL;
        char masked[64];
        mask_name(db_col_text(s, 1), masked, sizeof(masked));
        jw_obj(w);
        jw_kint(w, "id", key.id);
        jw_kstr(w, "name", masked);
        jw_kstr(w, "firm_name", db_col_text(s, 2));
        jw_kstr(w, "org_name", scope_unit_name(r, db_col_int(s, 3)));
        jw_kint(w, "villages", v ? v->n[0] : 0);
        jw_kint(w, "onsite_days", l ? l->n[0] : 0);
        jw_kint(w, "lectures", l ? l->n[1] : 0);
        jw_kint(w, "reviews", l ? l->n[2] : 0);
        jw_obj_end(w);
    }
    db_reset(s);
    jw_arr_end(w);
    jw_kint(w, "advisors_listed_total", total);
    return rc == DB_DONE ? 0 : -1;
}

/* The units one level down from [lo, hi) existing on `to` (the city → its
 * districts, a district → its offices); *n is -1 on a store error. */
typedef struct child {
    int64_t id;
    const char *name, *path, *level;
} child_t;
static child_t *children_of(http_req_t *r, const char *lo, const char *hi, const char *to, int *n) {
    *n = 0;
    db_stmt_t *s =
        db_prepare(r->db, "SELECT id, name, path, level FROM org_units WHERE level IN ('district', 'office') "
                          "AND path > $1 AND path < $2 AND path NOT LIKE $3 AND valid_from <= $4 "
                          "AND (valid_to IS NULL OR valid_to > $4) ORDER BY path");
    if (!s) return *n = -1, NULL;
    /* children only: a path one segment below lo (…/<id>/) */
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, arena_printf(r->arena, "%s%%/%%/", lo), -1);
    db_bind_text(s, 4, to, -1);
    int cap = 0, rc;
    child_t *kids = NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            child_t *k2 = arena_alloc(r->arena, sizeof(*k2) * (size_t)cap);
            if (*n) memcpy(k2, kids, sizeof(*k2) * (size_t)*n);
            kids = k2;
        }
        kids[(*n)++] = (child_t){db_col_int(s, 0), arena_strdup(r->arena, db_col_text(s, 1)),
                                 arena_strdup(r->arena, db_col_text(s, 2)), arena_strdup(r->arena, db_col_text(s, 3))};
    }
    db_reset(s);
    if (rc != DB_DONE) *n = -1;
    return kids;
}

/* ---- the returns as an Excel workbook (?format=xlsx) ---- */

/* The figures' column heads, in the order of figures[]. */
static const char *const figure_labels[] = {
    "法律咨询",       "转介",
    "其中转人民调解", "代收行政复议申请",
    "已转送复议机关", "其中逾期转送",
    "复议机关已签收", "法律援助初审",
    "已转交援助机构", "法律顾问服务 (次)",
    "村(居)数",       "已有法律顾问的村(居)",
    "在任法律顾问",   "运行中的服务站点",
};
_Static_assert(sizeof(figure_labels) / sizeof(figure_labels[0]) == NFIGURES, "a label for every figure");
/* The groupings' titles, in the order of groupings[]. */
static const char *const grouping_titles[] = {
    "法律咨询 (按渠道)", "法律咨询 (按类别)",     "转介 (按去向)", "转介结果", "满意度",
    "法律援助审查结果",  "法律顾问服务 (按类别)",
};
_Static_assert(sizeof(grouping_titles) / sizeof(grouping_titles[0]) == sizeof(groupings) / sizeof(groupings[0]),
               "a title for every grouping");
static const char *const monthly_labels[] = {"法律咨询", "转介", "代收行政复议申请", "法律援助初审",
                                             "法律顾问服务 (次)"};
_Static_assert(sizeof(monthly_labels) / sizeof(monthly_labels[0]) == NMONTHLY, "a label for every monthly figure");

static int count_figures(http_req_t *r, const char *lo, const char *hi, const char *from, const char *to,
                         int64_t *out) {
    for (size_t i = 0; i < NFIGURES; i++)
        if ((out[i] = returns_count(r, figures[i].sql, lo, hi, from, to)) < 0) return -1;
    return 0;
}

/* One row of the units' table: name, the figures, the coverage rate. */
static void xlsx_unit_row(lxw_worksheet *ws, lxw_row_t row, const char *name, const int64_t *f, lxw_format *fmt,
                          lxw_format *pct) {
    worksheet_write_string(ws, row, 0, name, fmt);
    for (size_t c = 0; c < NFIGURES; c++)
        worksheet_write_number(ws, row, (lxw_col_t)(1 + c), (double)f[c], fmt);
    size_t villages = 10, covered = 11; /* figures[] order */
    if (f[villages] > 0)
        worksheet_write_number(ws, row, (lxw_col_t)(1 + NFIGURES), (double)f[covered] / (double)f[villages], pct);
    else
        worksheet_write_string(ws, row, (lxw_col_t)(1 + NFIGURES), "—", fmt);
}

/* The workbook: the units one level down and the whole with every figure,
 * the grouped tables under them, and (a year's) the months on a second
 * sheet.  0, or -1 (store or file error). */
static int write_returns_xlsx(http_req_t *r, const returns_period_t *p, const char *unit, const child_t *kids, int n,
                              buf_t *out) {
    int64_t whole[NFIGURES], f[NFIGURES];
    if (count_figures(r, p->lo, p->hi, p->from, p->to, whole) != 0) return -1;
    xlsx_tmp_t tmp;
    lxw_workbook *wb = xlsx_tmp_open(&tmp);
    if (!wb) return xlsx_tmp_finish(&tmp, NULL, NULL), -1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "公共法律服务统计");
    lxw_format *head = workbook_add_format(wb), *title = workbook_add_format(wb), *cell = workbook_add_format(wb),
               *bold = workbook_add_format(wb), *pct = workbook_add_format(wb), *bpct = workbook_add_format(wb);
    format_set_bold(head), format_set_border(head, LXW_BORDER_THIN), format_set_text_wrap(head);
    format_set_bold(title), format_set_font_size(title, 14);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_bold(bold), format_set_border(bold, LXW_BORDER_THIN);
    format_set_border(pct, LXW_BORDER_THIN), format_set_num_format(pct, "0.0%");
    format_set_bold(bpct), format_set_border(bpct, LXW_BORDER_THIN), format_set_num_format(bpct, "0.0%");
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(1 + NFIGURES), 11, NULL);
    const char *period =
        p->month ? arena_printf(r->arena, "%d 年 %d 月", p->year, p->month) : arena_printf(r->arena, "%d 年", p->year);
    worksheet_write_string(ws, 0, 0, arena_printf(r->arena, "公共法律服务统计 (%s, %s)", unit, period), title);
    worksheet_write_string(
        ws, 1, 0,
        arena_printf(r->arena,
                     "统计期间 %s 至 %s; 各项按记录自身的日期统计 (咨询、转介、收件、转送、签收、申请、"
                     "转交、服务日期), 村(居)、顾问覆盖、在任顾问与站点按期末日计",
                     p->from, p->to),
        NULL);
    worksheet_write_string(ws, 3, 0, "单位", head);
    for (size_t c = 0; c < NFIGURES; c++)
        worksheet_write_string(ws, 3, (lxw_col_t)(1 + c), figure_labels[c], head);
    worksheet_write_string(ws, 3, (lxw_col_t)(1 + NFIGURES), "覆盖率", head);
    lxw_row_t row = 4;
    for (int i = 0; i < n; i++, row++) {
        char khi[512];
        scope_upper(kids[i].path, khi, sizeof(khi));
        if (count_figures(r, kids[i].path, khi, p->from, p->to, f) != 0) return xlsx_tmp_finish(&tmp, wb, NULL), -1;
        xlsx_unit_row(ws, row, kids[i].name, f, cell, pct);
    }
    xlsx_unit_row(ws, row++, n ? "合计 (含本级)" : unit, whole, bold, bpct);
    /* the grouped tables, one under another */
    for (size_t g = 0; g < sizeof(groupings) / sizeof(groupings[0]); g++) {
        row++;
        worksheet_write_string(ws, row, 0, grouping_titles[g], head);
        worksheet_write_string(ws, row++, 1, "件数", head);
        db_stmt_t *s = returns_statement(r, groupings[g].sql, p->lo, p->hi, p->from, p->to);
        if (!s) return xlsx_tmp_finish(&tmp, wb, NULL), -1;
        int rc;
        int64_t sum = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            const char *code = db_col_null(s, 0) ? NULL : db_col_text(s, 0);
            const char *label = code ? code_label(r->db, groupings[g].list, code) : NULL;
            worksheet_write_string(ws, row, 0, label ? label : code ? code : "未填写", cell);
            worksheet_write_number(ws, row++, 1, (double)db_col_int(s, 1), cell);
            sum += db_col_int(s, 1);
        }
        db_reset(s);
        if (rc != DB_DONE) return xlsx_tmp_finish(&tmp, wb, NULL), -1;
        worksheet_write_string(ws, row, 0, "合计", bold);
        worksheet_write_number(ws, row++, 1, (double)sum, bold);
    }
    if (!p->month) {
        lxw_worksheet *ms = workbook_add_worksheet(wb, "按月");
        worksheet_set_column(ms, 0, 0, 10, NULL);
        worksheet_set_column(ms, 1, NMONTHLY, 14, NULL);
        worksheet_write_string(ms, 0, 0, "月份", head);
        for (size_t k = 0; k < NMONTHLY; k++)
            worksheet_write_string(ms, 0, (lxw_col_t)(1 + k), monthly_labels[k], head);
        for (int m = 0; m < 12; m++)
            worksheet_write_string(ms, (lxw_row_t)(1 + m), 0, arena_printf(r->arena, "%d 月", m + 1), cell);
        for (size_t k = 0; k < NMONTHLY; k++) {
            int64_t v[12] = {0};
            db_stmt_t *s = returns_statement(r, monthly[k].sql, p->lo, p->hi, p->from, p->to);
            if (!s) return xlsx_tmp_finish(&tmp, wb, NULL), -1;
            int rc;
            while ((rc = db_step(s)) == DB_ROW) {
                int m = db_col_null(s, 0) ? 0 : atoi(db_col_text(s, 0));
                if (m >= 1 && m <= 12) v[m - 1] = db_col_int(s, 1);
            }
            db_reset(s);
            if (rc != DB_DONE) return xlsx_tmp_finish(&tmp, wb, NULL), -1;
            for (int m = 0; m < 12; m++)
                worksheet_write_number(ms, (lxw_row_t)(1 + m), (lxw_col_t)(1 + k), (double)v[m], cell);
        }
    }
    return xlsx_tmp_finish(&tmp, wb, out);
}

/* ?format=xlsx: the workbook as a download, audited as an export. */
static void send_returns_xlsx(http_req_t *r, const returns_period_t *p, int64_t org, const child_t *kids, int n) {
    const char *unit = scope_unit_name(r, org ? org : auth_principal(r)->org_id);
    if (!unit) unit = "本单位";
    buf_t file = BUF_INIT;
    if (write_returns_xlsx(r, p, unit, kids, n, &file) != 0) {
        buf_free(&file);
        log_error("pls returns: xlsx failed");
        return http_error(r, 500, "export_failed", "统计表生成失败");
    }
    const char *detail = arena_printf(r->arena, "{\"report\":\"pls_returns\",\"org\":%lld,\"year\":%d,\"month\":%d}",
                                      (long long)org, p->year, p->month);
    if (auth_audit(r, "record.export", "legal-consultations", 0, "ok", detail) != 0) {
        buf_free(&file);
        return http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
    }
    const char *period =
        p->month ? arena_printf(r->arena, "%d年%d月", p->year, p->month) : arena_printf(r->arena, "%d年", p->year);
    http_set_header(r, "Cache-Control", "no-store");
    http_set_header(
        r, "Content-Disposition",
        arena_printf(r->arena, "attachment; filename=\"pls-returns.xlsx\"; filename*=UTF-8''%s",
                     engine_rfc5987(r, arena_printf(r->arena, "公共法律服务统计-%s-%s.xlsx", unit, period))));
    http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.data, file.len);
    buf_free(&file);
}

static void get_returns(http_req_t *r) {
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "json") && strcmp(format, "xlsx"))
        return http_invalid(r, "format", "format 只能是 json 或 xlsx");
    returns_period_t p;
    if (!returns_period(r, true, &p)) return;
    const char *lo = p.lo, *hi = p.hi, *from = p.from, *to = p.to;
    const char *org_q = http_query(r, "org_id"); /* checked by returns_period */
    int64_t org = org_q && *org_q ? atoll(org_q) : 0;
    int n;
    child_t *kids = children_of(r, lo, hi, to, &n);
    if (n < 0) return http_store_error(r);
    if (format && strcmp(format, "xlsx") == 0) return send_returns_xlsx(r, &p, org, kids, n);
    int year = p.year, month = p.month;
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "year", year);
    if (month) jw_kint(w, "month", month);
    jw_kstr(w, "from", from);
    jw_kstr(w, "to", to);
    int bad = write_figures(r, w, lo, hi, from, to);
    write_links(r, w, from, to, org);
    for (size_t i = 0; i < sizeof(groupings) / sizeof(groupings[0]); i++)
        bad |= returns_grouped(r, w, groupings[i].name, groupings[i].list, groupings[i].sql, lo, hi, from, to);
    bad |= write_advisor_duties(r, w, lo, hi, from, to);
    if (!month) bad |= write_by_month(r, w, lo, hi, from, to);
    /* the units one level down, each with the same figures: a click drills into one */
    jw_key(w, "units");
    jw_arr(w);
    for (int i = 0; i < n && !bad; i++) {
        char khi[512];
        scope_upper(kids[i].path, khi, sizeof(khi));
        jw_obj(w);
        jw_kint(w, "id", kids[i].id);
        jw_kstr(w, "name", kids[i].name);
        jw_kstr(w, "level", kids[i].level);
        bad |= write_figures(r, w, kids[i].path, khi, from, to);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    if (bad) {
        buf_clear(r->out);
        return http_store_error(r);
    }
    http_send_json(r, 200);
}

/* ---- GET /api/v1/pls/map?org_id= : the points on the map of the districts ---- */

static void get_map(http_req_t *r) {
    returns_period_t p;
    if (!returns_period(r, false, &p)) return;
    const char *lo = p.lo, *hi = p.hi;
    /* the district of each point: the unit of level district whose path begins its own */
    struct district {
        const char *path, *name;
    } dist[64];
    int nd = 0, rc = DB_DONE;
    db_stmt_t *s = db_prepare(r->db, "SELECT path, name FROM org_units WHERE level = 'district' ORDER BY path");
    if (!s) return http_store_error(r);
    while (nd < 64 && (rc = db_step(s)) == DB_ROW) {
        dist[nd].path = arena_strdup(r->arena, db_col_text(s, 0));
        dist[nd++].name = arena_strdup(r->arena, db_col_text(s, 1));
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r); /* else points without their district */
    s = db_prepare(r->db, "SELECT id, name, kind, address, hours, lng, lat, staff_count, status, org_id, org_path, "
                          "staffing, phone, online, svc_consult, svc_lawyer, svc_notary, svc_appraisal, "
                          "svc_arbitration, svc_legal_aid, svc_reconsideration, svc_mediation "
                          "FROM pls_point WHERE deleted_at IS NULL AND org_path >= $1 AND org_path < $2 "
                          "ORDER BY id LIMIT 5001");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "entity", points.name);
    jw_key(w, "points");
    jw_arr(w);
    int n = 0;
    while ((rc = db_step(s)) == DB_ROW && n < 5000) {
        n++;
        const char *kind = db_col_text(s, 2), *status = db_col_text(s, 8);
        const char *kl = code_label(r->db, "pls_point_kind", kind), *sl = code_label(r->db, "pls_point_status", status);
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "name", db_col_text(s, 1));
        jw_kstr(w, "kind", kind);
        jw_kstr(w, "kind_label", kl ? kl : kind);
        jw_kstr(w, "address", db_col_text(s, 3));
        jw_kstr(w, "hours", db_col_text(s, 4));
        if (db_col_null(s, 5) || db_col_null(s, 6)) {
            jw_key(w, "lng"), jw_null(w);
            jw_key(w, "lat"), jw_null(w);
        } else {
            jw_key(w, "lng"), jw_raw(w, arena_printf(r->arena, "%.6f", (double)db_col_int(s, 5) / 1e6));
            jw_key(w, "lat"), jw_raw(w, arena_printf(r->arena, "%.6f", (double)db_col_int(s, 6) / 1e6));
        }
        jw_kint(w, "staff_count", db_col_int(s, 7));
        jw_kstr(w, "staffing", db_col_null(s, 11) ? NULL : db_col_text(s, 11));
        jw_kstr(w, "phone", db_col_null(s, 12) ? NULL : db_col_text(s, 12));
        jw_kbool(w, "online", !db_col_null(s, 13) && db_col_int(s, 13));
        /* the services offered, by their labels: what a resident looks for on the map */
        jw_key(w, "services");
        jw_arr(w);
        for (int k = 0; k < NPOINT_SERVICES; k++)
            if (!db_col_null(s, 14 + k) && db_col_int(s, 14 + k))
                jw_str(w, entity_field(&points, point_services[k])->label);
        jw_arr_end(w);
        jw_kstr(w, "status", status);
        jw_kstr(w, "status_label", sl ? sl : status);
        jw_kstr(w, "org_name", scope_unit_name(r, db_col_int(s, 9)));
        const char *in = NULL, *path = db_col_text(s, 10);
        for (int k = 0; k < nd && !in; k++)
            if (strncmp(path, dist[k].path, strlen(dist[k].path)) == 0) in = dist[k].name;
        jw_kstr(w, "district", in);
        jw_obj_end(w);
    }
    db_reset(s);
    jw_arr_end(w);
    jw_kbool(w, "truncated", rc == DB_ROW);
    jw_obj_end(w);
    if (rc != DB_DONE && rc != DB_ROW) {
        buf_clear(r->out);
        return http_store_error(r);
    }
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/pls/returns", get_returns, .perm = "pls.consultation.read"},
    {"GET", "/api/v1/pls/map", get_map, .perm = "pls.point.read"},
    {0},
};

/* ---- demo data ---- */

int64_t pls_demo_person(const engine_demo_t *d, int64_t office, const char *name, int k) {
    db_stmt_t *s =
        db_prepare(d->db, "SELECT p.code FROM org_units o JOIN org_units p ON p.id = o.parent_id WHERE o.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, office);
    char region[7] = "310115", id[19];
    if (db_step(s) == DB_ROW && db_col_text(s, 0) && strlen(db_col_text(s, 0)) >= 6)
        snprintf(region, sizeof(region), "%.6s", db_col_text(s, 0));
    db_reset(s);
    snprintf(id, sizeof(id), "%s%04d%02d%02d8%02d", region, 1960 + (int)(office % 40), 1 + k / 28 % 12, 1 + k % 28,
             k % 100);
    idcard_complete(id);
    return person_insert(d->db, d->keys, office, name, id, NULL, NULL, 0);
}

/* Rough centres of the 16 districts (WGS-84), for the demo points' positions. */
static const struct {
    const char *name;
    double lng, lat;
} centres[] = {
    {"黄浦", 121.486, 31.222}, {"徐汇", 121.436, 31.170}, {"长宁", 121.401, 31.210}, {"静安", 121.452, 31.256},
    {"普陀", 121.396, 31.257}, {"虹口", 121.490, 31.279}, {"杨浦", 121.527, 31.292}, {"闵行", 121.403, 31.100},
    {"宝山", 121.434, 31.398}, {"嘉定", 121.238, 31.356}, {"浦东", 121.640, 31.150}, {"金山", 121.230, 30.790},
    {"松江", 121.215, 31.020}, {"青浦", 121.080, 31.140}, {"奉贤", 121.560, 30.910}, {"崇明", 121.500, 31.630},
};

typedef struct demo_office {
    int64_t id, village, person[6];
    int npersons;
    char path[128], name[96], district[64];
} demo_office_t;

/* Every office of Shanghai (陆家嘴 and 南京东路, the demo accounts', first)
 * with its district, first village and first six residents; *n set.
 * NULL (and *n = 0) when the tree has none, NULL and *n = -1 on a store
 * error; malloc'd. */
static demo_office_t *demo_offices(db_t *db, int *n) {
    *n = 0;
    db_stmt_t *q = db_prepare(
        db, "SELECT o.id, o.path, o.name, d.name, (SELECT MIN(v.id) FROM org_units v WHERE v.parent_id = o.id AND "
            "v.level = 'village') FROM org_units o JOIN org_units d ON d.id = o.parent_id AND d.level = 'district' "
            "WHERE o.level = 'office' ORDER BY CASE o.name WHEN '陆家嘴街道司法所' THEN 0 "
            "WHEN '南京东路街道司法所' THEN 1 ELSE 2 END, o.id");
    if (!q) return *n = -1, NULL;
    int cap = 0, rc;
    demo_office_t *o = NULL;
    while ((rc = db_step(q)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            demo_office_t *o2 = realloc(o, sizeof(*o) * (size_t)cap);
            if (!o2) break;
            o = o2;
        }
        demo_office_t *x = &o[(*n)++];
        memset(x, 0, sizeof(*x));
        x->id = db_col_int(q, 0);
        snprintf(x->path, sizeof(x->path), "%s", db_col_text(q, 1));
        snprintf(x->name, sizeof(x->name), "%s", db_col_text(q, 2));
        snprintf(x->district, sizeof(x->district), "%s", db_col_text(q, 3));
        x->village = db_col_null(q, 4) ? 0 : db_col_int(q, 4);
    }
    db_reset(q);
    for (int i = 0; rc == DB_DONE && i < *n && i < 12; i++) {
        db_stmt_t *s = db_prepare(db, "SELECT id FROM persons WHERE org_id = $1 ORDER BY id LIMIT 6");
        if (!s) {
            rc = DB_ERR;
            break;
        }
        db_bind_int(s, 1, o[i].id);
        while (o[i].npersons < 6 && (rc = db_step(s)) == DB_ROW)
            o[i].person[o[i].npersons++] = db_col_int(s, 0);
        db_reset(s);
        if (rc == DB_ROW) rc = DB_DONE; /* six: enough */
    }
    if (rc != DB_DONE) return free(o), *n = -1, NULL;
    return o;
}

/* The district's name without 司法局 / 区 (浦东新区司法局 → 浦东新区). */
static const char *district_short(const demo_office_t *o, char *out, size_t n) {
    snprintf(out, n, "%s", o->district);
    char *p = strstr(out, "司法局");
    if (p) *p = '\0';
    return out;
}

static int64_t add(db_t *db, const entity_t *e, const demo_office_t *o, const char *state, json_t *f) {
    int64_t id = engine_insert_raw(db, e, o->id, o->path, state, f);
    json_decref(f);
    return id;
}

/* A workstation in every office (站所合一), placed near its district's
 * centre; in the first six offices also a village room and points in a
 * park, an enterprise and an office building. */
static int points_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    int n, placed[sizeof(centres) / sizeof(centres[0])] = {0};
    demo_office_t *o = demo_offices(d->db, &n);
    if (n < 0) return snprintf(err, errlen, "%s", db_errmsg(d->db)), -1;
    for (int i = 0; i < n; i++) {
        /* the district's offices on a sunflower spiral round its centre,
         * tighter in the seven central districts */
        double lng = 121.47, lat = 31.23, step = 0.004;
        size_t c = 0;
        for (size_t k = 0; k < sizeof(centres) / sizeof(centres[0]); k++)
            if (strncmp(o[i].district, centres[k].name, strlen(centres[k].name)) == 0)
                lng = centres[k].lng, lat = centres[k].lat, c = k + 1, step = k < 7 ? 0.0035 : 0.009;
        int nth = c ? placed[c - 1]++ : 0;
        lng += step * sqrt(nth) * cos(nth * 2.39996);
        lat += step * sqrt(nth) * sin(nth * 2.39996);
        char town[96];
        snprintf(town, sizeof(town), "%s", o[i].name);
        char *cut = strstr(town, "司法所");
        if (cut) *cut = '\0';
        char pname[160], paddr[160];
        snprintf(pname, sizeof(pname), "%s公共法律服务工作站", town);
        snprintf(paddr, sizeof(paddr), "%s内 (站所合一)", o[i].name);
        json_t *f =
            json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:i,s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:s}", "name", pname,
                      "kind", "station", "address", paddr, "lng", (json_int_t)(lng * 1e6), "lat",
                      (json_int_t)(lat * 1e6), "hours", "工作日 9:00-17:00, 周六上午值班", "staff_count", 3 + i % 3,
                      "staffing", "司法所工作人员 2 名, 值班律师 1 名", "svc_consult", 1, "svc_lawyer", 1, "svc_notary",
                      1, "svc_appraisal", 1, "svc_arbitration", 1, "svc_legal_aid", 1, "svc_reconsideration", 1,
                      "svc_mediation", 1, "online", 1, "opened_on", "2023-03-01", "status", "open");
        if (add(d->db, &points, &o[i], NULL, f) < 0) goto fail;
        if (i >= 6) continue;
        static const struct {
            const char *kind, *name, *address;
            double dx, dy;
        } extra[] = {
            {"village_room", "公共法律服务工作室", "活动室", 0.010, 0.006},
            {"park", "园区法律服务点", "科技园区综合服务中心一楼", -0.012, 0.008},
            {"enterprise", "企业法律服务点", "某集团总部法务部", 0.008, -0.011},
            {"building", "楼宇法律服务点", "商务楼宇党群服务站", -0.006, -0.009},
        };
        for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
            bool room = strcmp(extra[k].kind, "village_room") == 0;
            if (room && !o[i].village) continue;
            char vname[96] = "";
            if (room) {
                db_stmt_t *s = db_prepare(d->db, "SELECT name FROM org_units WHERE id = $1");
                if (!s) goto fail;
                db_bind_int(s, 1, o[i].village);
                if (db_step(s) == DB_ROW) snprintf(vname, sizeof(vname), "%s", db_col_text(s, 0));
                db_reset(s);
            }
            char nm[160], ad[200];
            snprintf(nm, sizeof(nm), "%s%s", room ? vname : town, extra[k].name);
            snprintf(ad, sizeof(ad), "%s%s", room ? vname : "", extra[k].address);
            f = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:i,s:b,s:b,s:b,s:b,s:s,s:s}", "name", nm, "kind", extra[k].kind,
                          "address", ad, "lng", (json_int_t)((lng + extra[k].dx) * 1e6), "lat",
                          (json_int_t)((lat + extra[k].dy) * 1e6), "hours",
                          room ? "每周二、周四 9:00-11:30 (村居法律顾问值班)" : "每月第一、三周周三 14:00-17:00",
                          "staff_count", room ? 1 : 2, "svc_consult", 1, "svc_lawyer", 1, "svc_mediation", room,
                          "online", 0, "opened_on", "2024-05-10", "status", "open");
            if (room) json_object_set_new(f, "village_id", json_integer(o[i].village));
            if (add(d->db, &points, &o[i], NULL, f) < 0) goto fail;
        }
    }
    free(o);
    return 0;
fail:
    free(o);
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* The first link of a kind for office, or 0. */
static int64_t first_id(db_t *db, const char *sql, int64_t office) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return -1;
    db_bind_int(s, 1, office);
    int64_t id = db_step(s) == DB_ROW && !db_col_null(s, 0) ? db_col_int(s, 0) : 0;
    db_reset(s);
    return id;
}

/* The counters of entity in office past the numbers the demo wrote. */
static int demo_counter(db_t *db, const char *entity, int64_t office, int last) {
    db_stmt_t *s = db_prepare(db, "INSERT INTO number_seq (entity, org_id, year, last) VALUES ($1, $2, 2026, $3) "
                                  "ON CONFLICT (entity, org_id, year) DO UPDATE SET last = $3");
    if (!s) return -1;
    db_bind_text(s, 1, entity, -1);
    db_bind_int(s, 2, office);
    db_bind_int(s, 3, last);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Eight consultations in each of twelve offices, of every channel: three
 * answered and closed, referrals to legal aid, a notary and reconsideration
 * followed up, one to a lawyer awaiting its outcome, and one referred to
 * mediation, linked to a case of the office. */
static int consultations_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    int n;
    demo_office_t *o = demo_offices(d->db, &n);
    if (n < 0) return snprintf(err, errlen, "%s", db_errmsg(d->db)), -1;
    static const struct {
        const char *channel, *category, *title, *state, *referral, *to, *outcome, *satisfaction;
    } rows[] = {
        {"walk_in", "marriage_family", "离婚后子女抚养费如何主张", "closed", NULL, NULL, NULL, "satisfied"},
        {"hotline_12348", "labor", "单位拖欠工资如何维权", "followed", "legal_aid", "区法律援助中心", "accepted",
         "very"},
        {"online", "contract", "借款到期不还如何起诉", "closed", NULL, NULL, NULL, "satisfied"},
        {"village", "neighborhood", "楼上装修导致房屋渗水", "referred", "mediation", NULL, NULL, NULL},
        {"walk_in", "inheritance", "父母遗产继承如何办理公证", "followed", "notary", "区公证处", "resolved", "very"},
        {"phone", "housing", "物业费收费标准争议", "closed", NULL, NULL, NULL, "dissatisfied"},
        {"walk_in", "administrative", "不服市场监管部门罚款决定", "followed", "reconsideration",
         "区人民政府 (行政复议)", "accepted", "basic"},
        {"walk_in", "damages", "小区内被犬只咬伤如何索赔", "referred", "lawyer", "公共法律服务工作站值班律师", NULL,
         NULL},
    };
    for (int i = 0; i < n && i < 12; i++) {
        if (o[i].npersons < 2) continue;
        int64_t point =
            first_id(d->db, "SELECT MIN(id) FROM pls_point WHERE org_id = $1 AND kind = 'station'", o[i].id);
        int64_t mcase = first_id(d->db, "SELECT MIN(id) FROM mediation_case WHERE org_id = $1", o[i].id);
        int64_t morg = first_id(d->db, "SELECT MIN(id) FROM mediation_org WHERE org_id = $1", o[i].id);
        if (point < 0 || mcase < 0 || morg < 0) goto fail;
        for (int k = 0; k < 8; k++) {
            char on[11], ref[11], fol[11], no[48];
            int month = k == 3 ? 11 : k == 7 ? 12 : 2 + k;
            snprintf(on, sizeof(on), "2026-%02d-%02d", month, k == 3 ? 24 : k == 7 ? 1 : 10 + i);
            snprintf(ref, sizeof(ref), "%s", on);
            snprintf(fol, sizeof(fol), "2026-%02d-%02d", month, 22 + i % 6);
            snprintf(no, sizeof(no), "(2026)法咨字第%lld-%04d号", (long long)o[i].id, k + 1);
            const char *channel = rows[k].channel;
            if (strcmp(channel, "village") == 0 && !o[i].village) channel = "walk_in";
            bool mediation = rows[k].referral && strcmp(rows[k].referral, "mediation") == 0;
            if (mediation && (!mcase || !morg)) continue;
            json_t *f =
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "consult_no", no, "consulted_on", on, "channel",
                          channel, "category", rows[k].category, "title", rows[k].title, "question",
                          "咨询人到站咨询, 陈述了事情经过并出示了相关材料。", "answer",
                          "告知了相关法律规定、维权途径和所需材料, 建议先行协商, 协商不成可通过调解、仲裁或诉讼解决。",
                          "person_id", (json_int_t)o[i].person[k % o[i].npersons], "counterpart_person_id",
                          (json_int_t)o[i].person[(k + 1) % o[i].npersons], "state_since", on);
            if (point) json_object_set_new(f, "point_id", json_integer(point));
            if (strcmp(channel, "village") == 0) json_object_set_new(f, "village_id", json_integer(o[i].village));
            if (rows[k].referral) {
                json_object_set_new(f, "referral", json_string(rows[k].referral));
                json_object_set_new(f, "referred_on", json_string(ref));
                json_object_set_new(f, "state_since", json_string(ref));
            }
            if (rows[k].to) json_object_set_new(f, "referral_to", json_string(rows[k].to));
            if (mediation) {
                json_object_set_new(f, "mediation_case_id", json_integer(mcase));
                json_object_set_new(f, "mediation_org_id", json_integer(morg));
                json_object_set_new(f, "dispute_category", json_string("neighborhood"));
                json_object_set_new(f, "referral_to", json_string("人民调解委员会"));
            }
            if (rows[k].outcome) {
                json_object_set_new(f, "outcome", json_string(rows[k].outcome));
                json_object_set_new(f, "outcome_note", json_string("电话回访, 承接机构已受理, 当事人表示认可。"));
                json_object_set_new(f, "followed_on", json_string(fol));
            }
            if (rows[k].satisfaction) json_object_set_new(f, "satisfaction", json_string(rows[k].satisfaction));
            if (add(d->db, &consultations, &o[i], rows[k].state, f) < 0) goto fail;
        }
        if (demo_counter(d->db, consultations.name, o[i].id, 8) != 0) goto fail;
    }
    free(o);
    return 0;
fail:
    free(o);
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* Two applications received in each of twelve offices: one forwarded and
 * acknowledged (in the third office forwarded late), one received this
 * month and waiting to be forwarded. */
static int intakes_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    int n;
    demo_office_t *o = demo_offices(d->db, &n);
    if (n < 0) return snprintf(err, errlen, "%s", db_errmsg(d->db)), -1;
    int64_t days;
    if (std_setting(d->db, "pls_forward_days", &days) != 0) goto fail;
    for (int i = 0; i < n && i < 12; i++) {
        if (!o[i].npersons) continue;
        char dist[64], body[96], respondent[128];
        district_short(&o[i], dist, sizeof(dist));
        snprintf(body, sizeof(body), "上海市%s人民政府", dist);
        snprintf(respondent, sizeof(respondent), "上海市%s市场监督管理局", dist);
        for (int k = 0; k < 2; k++) {
            char no[48], due[11];
            snprintf(no, sizeof(no), "(2026)代收复字第%lld-%03d号", (long long)o[i].id, k + 1);
            const char *got = k ? "2026-12-03" : "2026-10-12";
            json_t *f =
                json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s}", "receipt_no", no, "received_on", got,
                          "applicant_id", (json_int_t)o[i].person[(k + 2) % o[i].npersons], "respondent", respondent,
                          "act", "对申请人作出的行政处罚决定 (罚款 5000 元)", "act_known_on",
                          k ? "2026-11-20" : "2026-09-20", "requests", "请求撤销该行政处罚决定", "mode", "written",
                          "materials", "行政复议申请书 1 份, 身份证复印件 1 份, 行政处罚决定书复印件 1 份", "pages", 6,
                          "body", body, "state_since", got);
            const char *state = "received";
            if (k) {
                if (cal_add_workdays(d->db, got, (int)days, due) != 0) goto fail_json;
                json_object_set_new(f, "due_at", json_string(due));
            } else {
                bool late = i == 2;
                state = "acknowledged";
                json_object_set_new(f, "forwarded_on", json_string(late ? "2026-10-23" : "2026-10-14"));
                json_object_set_new(f, "forward_method", json_string("in_person"));
                json_object_set_new(f, "forward_late", json_boolean(late));
                json_object_set_new(f, "acknowledged_on", json_string(late ? "2026-10-26" : "2026-10-16"));
                json_object_set_new(f, "ack_note", json_string("复议机关收件登记号 2026-0456"));
            }
            if (add(d->db, &intakes, &o[i], state, f) < 0) goto fail;
            continue;
        fail_json:
            json_decref(f);
            goto fail;
        }
        if (demo_counter(d->db, intakes.name, o[i].id, 2) != 0) goto fail;
    }
    free(o);
    return 0;
fail:
    free(o);
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* Two pre-applications in each of twelve offices: one forwarded and granted,
 * one received this month waiting for the office's check. */
static int aid_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    int n;
    demo_office_t *o = demo_offices(d->db, &n);
    if (n < 0) return snprintf(err, errlen, "%s", db_errmsg(d->db)), -1;
    int64_t days;
    if (std_setting(d->db, "pls_aid_forward_days", &days) != 0) goto fail;
    for (int i = 0; i < n && i < 12; i++) {
        if (!o[i].npersons) continue;
        char dist[64], centre[96];
        district_short(&o[i], dist, sizeof(dist));
        snprintf(centre, sizeof(centre), "上海市%s法律援助中心", dist);
        for (int k = 0; k < 2; k++) {
            const char *on = k ? "2026-12-04" : "2026-09-08";
            json_t *f =
                json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:I,s:s,s:s}", "applicant_id",
                          (json_int_t)o[i].person[(k + 3) % o[i].npersons], "applied_on", on, "matter",
                          k ? "追索劳动报酬 (劳动争议仲裁)" : "交通事故人身损害赔偿诉讼", "case_kind",
                          k ? "labor" : "civil", "hardship", k ? "low_income" : "minimum_living", "household_size", 3,
                          "monthly_income", (json_int_t)(k ? 98000 : 62000), "hardship_facts",
                          k ? "夫妻二人均为灵活就业, 育有一子, 家庭月收入约 2940 元。"
                            : "申请人为本市最低生活保障对象, 持有低保证明。",
                          "state_since", on);
            const char *state = "applied";
            if (k) {
                char due[11];
                if (cal_add_workdays(d->db, on, (int)days, due) != 0) {
                    json_decref(f);
                    goto fail;
                }
                json_object_set_new(f, "due_at", json_string(due));
            } else {
                char no[64];
                snprintf(no, sizeof(no), "%.6s援决字〔2026〕第 %lld 号", dist, (long long)(100 + i));
                state = "decided";
                json_object_set_new(f, "prelim_note", json_string("材料齐全, 符合经济困难标准, 予以转交。"));
                json_object_set_new(f, "aid_centre", json_string(centre));
                json_object_set_new(f, "forwarded_on", json_string("2026-09-09"));
                json_object_set_new(f, "result", json_string("granted"));
                json_object_set_new(f, "decided_on", json_string("2026-09-15"));
                json_object_set_new(f, "decision_no", json_string(no));
                json_object_set_new(f, "result_note", json_string("已指派律师承办。"));
            }
            if (add(d->db, &aid, &o[i], state, f) < 0) goto fail;
        }
    }
    free(o);
    return 0;
fail:
    free(o);
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void pls_declare(void) {
    entity_register(&points);
    entity_register(&consultations);
    entity_register(&intakes);
    entity_register(&aid);
    std_rules_register(NULL, 0, pls_settings);
    pls_advisors_declare();
    /* the module's own routes (only `serve` serves them) */
    router_add(routes);
}
