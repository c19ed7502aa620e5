/* pufa.c — legal education and rule-of-law culture (普法依法治理; plan
 * clause 6, issue 23; docs/pufa.md): 普法 activities in the eight settings
 * with their photos, the yearly plans whose items they tick off, the
 * democratic rule-of-law model villages (民主法治示范村(社区)) with their
 * criteria and biennial reviews, the 法治带头人 and 法律明白人 of each
 * village, and each village's rules (村规民约) with their legality review
 * and versions.  Two standards rules read them: the coverage of every
 * village with 法治带头人 and 法律明白人, and the model villages' reviews
 * on time (standards.h, std_rules_register).
 *
 * Villages are the org tree's 村(居)委会 (org_units level 'village', under
 * their office): every village field is an org-unit reference that the
 * entity's rule holds to a village. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "modules/standards.h"
#include "util/json.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define PUFA_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define LINE .line = "legal-education", .line_label = "普法依法治理"
#define COCKPIT .cockpit = "" /* counted on the cockpit under the line's name (children are not) */

/* ---- code lists ---- */

static const code_seed_t settings_codes[] = {
    {"organs", "机关"},  {"villages", "乡村"},    {"communities", "社区"},
    {"schools", "学校"}, {"enterprises", "企业"}, {"units", "单位"},
    {"online", "网络"},  {"families", "家庭"},    {0},
};
static const code_seed_t form_codes[] = {
    {"lecture", "法治讲座"},
    {"consultation", "法律咨询"},
    {"exhibition", "法治宣传展板"},
    {"performance", "法治文艺演出"},
    {"training", "培训"},
    {"online", "线上宣传"},
    {"other", "其他"},
    {0},
};
static const code_seed_t level_codes[] = {
    {"national", "全国"},
    {"city", "市级"},
    {"district", "区级"},
    {0},
};
static const code_seed_t review_codes[] = {
    {"passed", "复核合格"},
    {"rectify", "限期整改"},
    {"failed", "复核不合格"},
    {0},
};
static const code_seed_t role_codes[] = {
    {"leader", "法治带头人"},
    {"understander", "法律明白人"},
    {0},
};
static const code_seed_t identity_codes[] = {
    {"committee", "村(居)两委成员"}, {"mediator", "人民调解员"}, {"grid", "网格员"}, {"group_leader", "村(居)民小组长"},
    {"party_member", "党员"},        {"volunteer", "志愿者"},    {"other", "其他"},  {0},
};
static const code_seed_t legality_codes[] = {
    {"lawful", "合法"},
    {"amend", "修改后合法"},
    {"unlawful", "不合法"},
    {0},
};
static const code_list_decl_t activity_lists[] = {
    {"pufa_setting", "普法阵地 (八进)", settings_codes},
    {"pufa_form", "普法活动形式", form_codes},
    {0},
};
static const code_list_decl_t village_lists[] = {
    {"model_village_level", "示范村(社区)命名级别", level_codes},
    {"model_village_review", "示范村(社区)复核结论", review_codes},
    {0},
};
static const code_list_decl_t people_lists[] = {
    {"rol_person_role", "法治带头人/法律明白人", role_codes},
    {"rol_person_identity", "人员身份", identity_codes},
    {0},
};
static const code_list_decl_t rules_lists[] = {
    {"village_rule_legality", "村规民约合法性审查结论", legality_codes},
    {0},
};

/* ---- village fields: org units of level 'village' ---- */

/* NULL when field of the record names a 村(居)委会 (or is empty), else the
 * reason.  Read only, inside the write's transaction.  Every line with a
 * village field uses it (modules.h). */
const char *village_field_rule(check_ctx_t *c, const char *field) {
    json_t *v = json_object_get(c->after, field);
    if (!json_is_integer(v)) return NULL;
    db_stmt_t *s = db_prepare(c->db, "SELECT level FROM org_units WHERE id = $1");
    if (!s) return check_store_error(c, "暂时无法核对村(居), 请稍后重试");
    db_bind_int(s, 1, json_integer_value(v));
    int rc = db_step(s);
    bool village = rc == DB_ROW && strcmp(db_col_text(s, 0), "village") == 0;
    db_reset(s);
    if (rc < 0) return check_store_error(c, "暂时无法核对村(居), 请稍后重试");
    return village ? NULL : "请选择村(居)委会";
}

static bool blank(json_t *rec, const char *field) {
    const char *s = json_string_value(json_object_get(rec, field));
    return !s || !*s;
}

/* ---- 普法年度计划 and its items (八五普法) ---- */

static const field_t plan_fields[] = {
    {"year", "年度", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 2021, .max = 2035},
    {"title", "计划名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"note", "说明", F_TEXT, 0, .max = 2000},
    /* the plan against its activities: kept by plan_progress (on every write of an item or an activity) */
    {"items_total", "计划事项 (项)", F_INT, FF_READONLY | FF_LIST, .readonly_why = "由计划事项自动统计"},
    {"items_done", "已完成 (项)", F_INT, FF_READONLY | FF_LIST, .readonly_why = "由已关联完成活动的计划事项自动统计"},
    {0},
};
static const entity_child_t plan_children[] = {
    {"items", "pufa-plan-items", CHILD_DELETE_CASCADE},
    {0},
};
static const entity_t pufa_plans = {
    .name = "pufa-plans",
    .label = "普法年度计划",
    .table = "pufa_plan",
    .perm = "pufa.plan",
    .fields = plan_fields,
    .default_sort = "-year",
    .roles = PUFA_ROLES,
    .unique = "org_id year",
    .children = plan_children,
    LINE,
};

static const field_t plan_item_fields[] = {
    {"plan_id", "普法年度计划", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "pufa-plans"},
    {"content", "计划事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"setting", "普法阵地", F_CODE, FF_FILTER | FF_LIST, .code_list = "pufa_setting"},
    {"due_on", "计划完成日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"activity_id", "完成活动", F_REF, FF_FILTER | FF_LIST, .ref = "pufa-activities"},
    {0},
};
/* An item is ticked off by the activity that carried it out, held in the
 * plan's year. */
static const char *plan_item_rule(check_ctx_t *c, const char **field) {
    json_t *act = check_linked(c, "activity_id"), *plan = check_linked(c, "plan_id");
    if (!act || !plan) return NULL;
    const char *held = json_string_value(json_object_get(act, "held_on"));
    json_int_t year = json_integer_value(json_object_get(plan, "year"));
    if (held && strtol(held, NULL, 10) != year) return *field = "activity_id", "完成活动的举办日期须在计划年度内";
    return NULL;
}
static const entity_t pufa_plan_items = {
    .name = "pufa-plan-items",
    .label = "普法计划事项",
    .table = "pufa_plan_item",
    .perm = "pufa.plan",
    .fields = plan_item_fields,
    .default_sort = "due_on",
    .roles = PUFA_ROLES,
    .check = plan_item_rule,
    .parent = "plan_id",
    .title = "content",
    LINE,
};

/* The plans of the units under path (an office's, or a district's when it
 * imported) counted again: their items, and those ticked off by an activity
 * still on record.  Inside the write's transaction.  0 or a store error. */
static int plan_progress_refresh(db_t *db, const char *path) {
    char hi[512];
    scope_upper(path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(
        db, "UPDATE pufa_plan SET items_total = (SELECT COUNT(*) FROM pufa_plan_item i WHERE i.plan_id = pufa_plan.id "
            "AND i.deleted_at IS NULL), items_done = (SELECT COUNT(*) FROM pufa_plan_item i JOIN pufa_activity a ON "
            "a.id = i.activity_id AND a.deleted_at IS NULL WHERE i.plan_id = pufa_plan.id AND i.deleted_at IS NULL) "
            "WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : rc;
}

/* ---- 普法活动 (八进), with photos ---- */

static const field_t activity_fields[] = {
    {"theme", "活动主题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"held_on", "活动日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"setting", "普法阵地", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "pufa_setting"},
    {"form", "活动形式", F_CODE, FF_FILTER, .code_list = "pufa_form"},
    {"place", "活动地点", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 200},
    {"audience", "受众人数", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 0, .max = 10000000},
    {"village_id", "所在村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"unit_name", "所在单位", F_TEXT, FF_SEARCH, .max = 200},
    {"laws", "宣传的法律法规", F_TEXT, FF_SEARCH, .max = 500},
    {"assessor_publicity", "人民陪审员制度宣传", F_BOOL, FF_FILTER | FF_LIST},
    {"materials", "宣传材料", F_FILE},
    {"summary", "活动情况", F_TEXT, 0, .max = 2000},
    {0},
};
static const char *activity_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    return NULL;
}
static const entity_child_t activity_children[] = {
    {"photos", "pufa-activity-photos", CHILD_DELETE_CASCADE},
    {0},
};
static int activities_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t pufa_activities = {
    .name = "pufa-activities",
    .label = "普法活动",
    .table = "pufa_activity",
    .perm = "pufa.activity",
    .fields = activity_fields,
    .default_sort = "-held_on",
    .roles = PUFA_ROLES,
    .check = activity_rule,
    .code_lists = activity_lists,
    .children = activity_children,
    .demo = activities_demo,
    LINE,
    COCKPIT,
};

static const field_t photo_fields[] = {
    {"activity_id", "普法活动", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "pufa-activities"},
    {"photo", "照片", F_FILE, FF_REQUIRED | FF_LIST},
    {"caption", "说明", F_TEXT, FF_SEARCH | FF_LIST, .max = 200},
    {0},
};
static const entity_t pufa_activity_photos = {
    .name = "pufa-activity-photos",
    .label = "活动照片",
    .table = "pufa_activity_photo",
    .perm = "pufa.activity",
    .fields = photo_fields,
    .default_sort = "id",
    .roles = PUFA_ROLES,
    .parent = "activity_id",
    .title = "caption",
    LINE,
};

/* ---- 民主法治示范村(社区): candidates, criteria, naming, biennial review ---- */

static const field_t model_fields[] = {
    {"name", "示范村(社区)名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"village_id", "村(居)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "org_units"},
    {"level", "命名级别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "model_village_level"},
    {"named_year", "命名年度", F_INT, FF_READONLY | FF_FILTER | FF_SORT | FF_LIST, .min = 2000, .max = 2100},
    {"named_on", "命名日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"named_doc", "命名文件", F_TEXT, FF_READONLY, .max = 100},
    /* the criteria checklist (建设指导标准), ticked before declaring */
    {"c_party", "党组织领导有力", F_BOOL, 0},
    {"c_self_gov", "村(居)民自治规范 (民主选举、决策、管理、监督)", F_BOOL, 0},
    {"c_rules", "村规民约合法并经审查", F_BOOL, 0},
    {"c_education", "法治宣传教育常态化 (法治带头人、法律明白人)", F_BOOL, 0},
    {"c_disputes", "矛盾纠纷及时化解 (人民调解)", F_BOOL, 0},
    {"c_services", "公共法律服务到位 (村居法律顾问)", F_BOOL, 0},
    {"c_safety", "平安建设成效明显, 无重大违法犯罪和群体性事件", F_BOOL, 0},
    {"declare_note", "申报材料说明", F_TEXT, FF_READONLY, .max = 1000},
    {"revoke_reason", "撤销理由", F_TEXT, FF_READONLY, .max = 500},
    {0},
};
static const char *const criteria[] = {"c_party",    "c_self_gov", "c_rules",  "c_education",
                                       "c_disputes", "c_services", "c_safety", NULL};
/* A village is declared only with every criterion met; the village field
 * names a 村(居)委会. */
static const char *model_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    if (c->op == CHECK_ACTION && strcmp(c->action, "declare") == 0) {
        for (int i = 0; criteria[i]; i++)
            if (!json_is_true(json_object_get(c->after, criteria[i]))) {
                *field = criteria[i];
                return arena_printf(c->r->arena, "创建标准「%s」尚未达到, 不能申报",
                                    entity_field(c->e, criteria[i])->label);
            }
    }
    if (c->op == CHECK_ACTION && strcmp(c->action, "name") == 0) {
        const char *on = json_string_value(json_object_get(c->after, "named_on"));
        json_int_t year = json_integer_value(json_object_get(c->after, "named_year"));
        if (on && strtol(on, NULL, 10) != year) return *field = "named_on", "命名日期须在命名年度内";
    }
    return NULL;
}
static const wf_state_t model_states[] = {
    {"candidate", "创建中", 0},        {"declared", "已申报", 0},          {"named", "已命名", 0},
    {"rejected", "未获命名", 0, true}, {"revoked", "已撤销命名", 0, true}, {0},
};
static const wf_transition_t model_transitions[] = {
    {"declare", "申报", "candidate", "declared", .requires = "declare_note"},
    {"name", "命名", "declared", "named", .requires = "named_year named_on named_doc"},
    {"reject", "未获命名", "declared", "rejected"},
    {"redo", "退回创建", "declared", "candidate"},
    {"revoke", "撤销命名", "named", "revoked", .requires = "revoke_reason"},
    {0},
};
static const workflow_t model_flow_v1 = {1, "candidate", model_states, model_transitions};
static const workflow_t *const model_flows[] = {&model_flow_v1, NULL};
static const entity_child_t model_children[] = {
    {"reviews", "model-village-reviews", CHILD_DELETE_REFUSE},
    {0},
};
static const entity_t model_villages = {
    .name = "model-villages",
    .label = "民主法治示范村(社区)",
    .table = "model_village",
    .perm = "pufa.model",
    .fields = model_fields,
    .flows = model_flows,
    .default_sort = "-named_year",
    .roles = PUFA_ROLES,
    .check = model_rule,
    .unique = "village_id level",
    .code_lists = village_lists,
    .children = model_children,
    LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

static const field_t review_fields[] = {
    {"model_village_id", "示范村(社区)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "model-villages"},
    {"reviewed_on", "复核日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"result", "复核结论", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "model_village_review"},
    {"findings", "复核发现", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {0},
};
/* Only a named village is reviewed (a review kept after a revocation may
 * still be corrected). */
static const char *review_rule(check_ctx_t *c, const char **field) {
    if (c->op == CHECK_UPDATE) return NULL;
    json_t *m = check_linked(c, "model_village_id");
    const char *st = m ? json_string_value(json_object_get(m, "wf_state")) : NULL;
    if (st && strcmp(st, "named") != 0) return *field = "model_village_id", "只有已命名的示范村(社区)需要复核";
    return NULL;
}
static const entity_t model_village_reviews = {
    .name = "model-village-reviews",
    .label = "示范村(社区)复核",
    .table = "model_village_review",
    .perm = "pufa.model",
    .fields = review_fields,
    .default_sort = "-reviewed_on",
    .roles = PUFA_ROLES,
    .check = review_rule,
    .parent = "model_village_id",
    .title = "findings",
    LINE,
};

/* ---- 法治带头人 and 法律明白人 ---- */

static const field_t people_fields[] = {
    {"person_id", "姓名", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"role", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "rol_person_role"},
    {"village_id", "所在村(居)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "org_units"},
    {"identity", "身份", F_CODE, FF_FILTER | FF_LIST, .code_list = "rol_person_identity"},
    {"appointed_on", "确定日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT},
    {"training_sessions", "参加培训 (次)", F_INT, FF_FILTER | FF_LIST, .min = 0, .max = 1000},
    {"training_hours", "培训学时", F_INT, FF_FILTER, .min = 0, .max = 10000},
    {"last_trained_on", "最近培训日期", F_DATE, FF_FILTER | FF_SORT},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"left_on", "退出日期", F_DATE, FF_FILTER},
    {0},
};
static const char *people_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    const char *from = json_string_value(json_object_get(c->after, "appointed_on")),
               *to = json_string_value(json_object_get(c->after, "left_on"));
    if (from && to && strcmp(to, from) < 0) return *field = "left_on", "退出日期不能早于确定日期";
    return NULL;
}
static int people_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t rol_people = {
    .name = "rol-people",
    .label = "法治带头人/法律明白人",
    .table = "rol_person",
    .perm = "pufa.person",
    .fields = people_fields,
    .default_sort = "-appointed_on",
    .roles = PUFA_ROLES,
    .check = people_rule,
    .code_lists = people_lists,
    .demo = people_demo,
    .unique = "person_id role",
    LINE,
    COCKPIT,
};

/* ---- 村规民约: versions, legality review, adoption ---- */

static const field_t rules_fields[] = {
    {"village_id", "村(居)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "org_units"},
    {"title", "名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"version_no", "版本", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 1, .max = 1000},
    {"content", "条文", F_TEXT, FF_SEARCH, .max = 4000},
    {"document", "文本 (PDF)", F_FILE},
    {"changes", "修订说明", F_TEXT, 0, .max = 1000},
    /* the lawful-administration line's review (issue 21) where it was done on the platform */
    {"legality_review_id", "合法性审查记录", F_REF, FF_READONLY | FF_FILTER, .ref = "legality-reviews",
     .readonly_why = "在「依据合法性审查记录通过」时选择"},
    {"review_on", "合法性审查日期", F_DATE, FF_READONLY | FF_FILTER},
    {"review_result", "审查结论", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "village_rule_legality"},
    {"review_opinion", "审查意见", F_TEXT, FF_READONLY, .max = 2000},
    {"adopted_on", "村(居)民会议通过日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT | FF_LIST},
    {"filed_on", "报街道(乡镇)备案日期", F_DATE, FF_READONLY},
    {"superseded_on", "废止日期", F_DATE, FF_READONLY},
    {0},
};
static const char *village_rules_rule(check_ctx_t *c, const char **field) {
    const char *why = village_field_rule(c, "village_id");
    if (why) return *field = "village_id", why;
    if (c->op == CHECK_ACTION && strcmp(c->action, "pass_review") == 0) {
        const char *res = json_string_value(json_object_get(c->after, "review_result"));
        if (res && strcmp(res, "unlawful") == 0)
            return *field = "review_result", "审查结论为不合法的, 请选择「退回修改」";
    }
    if (c->op == CHECK_ACTION && strcmp(c->action, "pass_linked") == 0) {
        json_t *rv = check_linked(c, "legality_review_id");
        *field = "legality_review_id";
        if (!rv) return "合法性审查记录不存在或不在您的管辖范围内";
        const char *type = json_string_value(json_object_get(rv, "review_type")),
                   *op = json_string_value(json_object_get(rv, "opinion"));
        json_t *rv_village = json_object_get(rv, "village_id");
        if (!type || strcmp(type, "village_rules") != 0) return "所选审查记录不是村规民约 (居民公约) 合法性审查";
        if (json_is_integer(rv_village) &&
            json_integer_value(rv_village) != json_integer_value(json_object_get(c->after, "village_id")))
            return "所选审查记录所涉村(居)与本村规民约不一致";
        if (!op) return "所选审查记录尚未出具审查意见";
        if (strcmp(op, "unlawful") == 0) return "所选审查记录的结论为不合法, 请选择「退回修改」";
    }
    if (c->op == CHECK_ACTION && strcmp(c->action, "return") == 0 && blank(c->after, "review_opinion"))
        return *field = "review_opinion", "请填写审查意见";
    return NULL;
}
static int adopt_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int linked_review_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_state_t rules_states[] = {
    {"draft", "草拟", 0},        {"reviewing", "合法性审查中", 10}, /* 10 working days for the office's review */
    {"reviewed", "审查通过", 0}, {"in_force", "现行有效", 0},       {"superseded", "已废止", 0, true}, {0},
};
static const wf_transition_t rules_transitions[] = {
    {"submit", "提交合法性审查", "draft", "reviewing"},
    /* reviewed on the platform (依法行政 合法性审查): the review's date, conclusion and reasons are copied */
    {"pass_linked", "依据合法性审查记录通过", "reviewing", "reviewed", .requires = "legality_review_id",
     .hook = linked_review_hook},
    /* reviewed elsewhere: the date, conclusion and opinion as recorded */
    {"pass_review", "审查通过", "reviewing", "reviewed", .requires = "review_on review_result review_opinion"},
    {"return", "退回修改", "reviewing", "draft", .requires = "review_on review_result review_opinion"},
    {"adopt", "表决通过", "reviewed", "in_force", .requires = "adopted_on filed_on", .hook = adopt_hook},
    {"supersede", "废止", "in_force", "superseded", .requires = "superseded_on"},
    {0},
};
static const workflow_t rules_flow_v1 = {1, "draft", rules_states, rules_transitions};
static const workflow_t *const rules_flows[] = {&rules_flow_v1, NULL};
static const entity_t village_rules = {
    .name = "village-rules",
    .label = "村规民约",
    .table = "village_rule",
    .perm = "pufa.rules",
    .fields = rules_fields,
    .flows = rules_flows,
    .default_sort = "-version_no",
    .roles = PUFA_ROLES,
    .check = village_rules_rule,
    .unique = "village_id version_no",
    .code_lists = rules_lists,
    LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

/* 依据合法性审查记录通过: the version's review is the lawful-administration
 * line's review record — its opinion date, conclusion (修改后合法 → amend)
 * and reasons are copied so the version reads the same whichever way it was
 * reviewed; the rule (village_rules_rule) then checks the record is a
 * 村规民约 review of this village with a lawful conclusion. */
static int linked_review_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    db_stmt_t *s = db_prepare(
        r->db, "UPDATE village_rule SET review_on = (SELECT l.opinion_on FROM legality_review l WHERE l.id = "
               "village_rule.legality_review_id), review_result = (SELECT CASE l.opinion WHEN 'lawful_if_changed' "
               "THEN 'amend' ELSE l.opinion END FROM legality_review l WHERE l.id = village_rule.legality_review_id), "
               "review_opinion = (SELECT substr(l.opinion_reasons, 1, 2000) FROM legality_review l WHERE l.id = "
               "village_rule.legality_review_id) WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : (http_store_error(r), -1);
}

/* 表决通过: the village's version in force until now is superseded on the
 * new one's adoption date — one version in force per village.  Inside the
 * transition's transaction, each superseded version audited. */
static int adopt_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)action, (void)body;
    db_stmt_t *s = db_prepare(r->db, "SELECT o.id, n.adopted_on, o.org_path FROM village_rule n JOIN village_rule o "
                                     "ON o.village_id = n.village_id AND o.id <> n.id AND o.deleted_at IS NULL "
                                     "AND o.wf_state = 'in_force' WHERE n.id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int64_t old[16];
    const char *on = NULL;
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < 16) {
        old[n++] = db_col_int(s, 0);
        on = arena_strdup(r->arena, db_col_text(s, 1));
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r), -1;
    for (int i = 0; i < n; i++) {
        s = db_prepare(r->db, "UPDATE village_rule SET wf_state = 'superseded', superseded_on = $1, "
                              "version = version + 1, updated_at = $2, updated_by = $3, state_since = $5, "
                              "due_at = NULL, state_due_at = NULL WHERE id = $4");
        if (!s) return http_store_error(r), -1;
        char now[21];
        iso_from_unix(now_unix(), now);
        db_bind_text(s, 1, on, -1);
        db_bind_text(s, 2, now, -1);
        db_bind_int(s, 3, auth_principal(r)->user_id);
        db_bind_int(s, 4, old[i]);
        db_bind_text(s, 5, now, -1);
        rc = db_step(s);
        db_reset(s);
        char *detail = arena_printf(r->arena, "{\"from\":\"in_force\",\"to\":\"superseded\",\"superseded_by\":%lld}",
                                    (long long)id);
        if (rc != DB_DONE || auth_audit(r, "workflow.supersede", e->name, old[i], "ok", detail) != 0)
            return http_store_error(r), -1;
    }
    return 0;
}

/* The write observer (engine_on_write): a plan's progress follows its
 * items and the activities they name. */
static int plan_progress(db_t *db, const entity_t *e, const char *org_path, int64_t user_id) {
    (void)user_id;
    if (e != &pufa_plan_items && e != &pufa_activities) return 0;
    return plan_progress_refresh(db, org_path) == 0 ? 0 : -1;
}

/* At every start (engine_on_migrate): a plan never counted — made before
 * the counts existed — is counted once; afterwards plan_progress keeps it. */
static int plan_progress_backfill(db_t *db, char *err, size_t errlen) {
    db_stmt_t *s = db_prepare(db, "SELECT DISTINCT org_path FROM pufa_plan WHERE items_total IS NULL AND "
                                  "deleted_at IS NULL ORDER BY org_path");
    if (!s) return snprintf(err, errlen, "%s", db_errmsg(db)), -1;
    char(*paths)[128] = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            void *np = realloc(paths, sizeof(*paths) * (size_t)cap);
            if (!np) break;
            paths = np;
        }
        snprintf(paths[n++], sizeof(paths[0]), "%s", db_col_text(s, 0));
    }
    db_reset(s);
    if (rc != DB_DONE || (n && db_begin(db) != 0)) return free(paths), snprintf(err, errlen, "%s", db_errmsg(db)), -1;
    for (int i = 0; i < n; i++)
        if (plan_progress_refresh(db, paths[i]) != 0) {
            snprintf(err, errlen, "%s", db_errmsg(db));
            db_rollback(db);
            return free(paths), -1;
        }
    free(paths);
    if (n && db_commit(db) != 0) return snprintf(err, errlen, "%s", db_errmsg(db)), -1;
    return 0;
}

/* ---- the standards rules: coverage and reviews ---- */

/* A village of the evaluation: its unit (office) and counts by role. */
typedef struct village {
    int64_t id;
    const char *name;
    int unit, leaders, understanders;
} village_t;

static int village_cmp(const void *a, const void *b) {
    int64_t x = ((const village_t *)a)->id, y = ((const village_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* Every village of the offices evaluated must have at least
 * pufa_min_leaders 法治带头人 and pufa_min_understanders 法律明白人 serving
 * on the date; the evidence names the villages below it. */
static int eval_coverage(std_eval_t *e) {
    int64_t min_l, min_u;
    if (std_setting(e->db, "pufa_min_leaders", &min_l) != 0 ||
        std_setting(e->db, "pufa_min_understanders", &min_u) != 0)
        return DB_ERR;
    village_t *v = NULL;
    int nv = 0, cap = 0, rc;
    db_stmt_t *s =
        std_scoped(e, "SELECT id, path, name FROM org_units WHERE level = 'village' AND path >= $1 "
                      "AND path < $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) ORDER BY id");
    if (!s) return DB_ERR;
    while ((rc = db_step(s)) == DB_ROW) {
        int u = std_unit_of_path(e, db_col_text(s, 1));
        if (u < 0) continue;
        if (nv == cap) {
            cap = cap ? cap * 2 : 256;
            village_t *nvv = arena_alloc(e->arena, sizeof(village_t) * (size_t)cap);
            if (nv) memcpy(nvv, v, sizeof(village_t) * (size_t)nv);
            v = nvv;
        }
        v[nv++] = (village_t){db_col_int(s, 0), arena_strdup(e->arena, db_col_text(s, 2)), u, 0, 0};
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    s = std_scoped(e, "SELECT village_id, role, COUNT(*) FROM rol_person WHERE deleted_at IS NULL AND org_path >= $1 "
                      "AND org_path < $2 AND appointed_on <= $3 AND (left_on IS NULL OR left_on > $3) "
                      "GROUP BY village_id, role");
    if (!s) return DB_ERR;
    while ((rc = db_step(s)) == DB_ROW) {
        village_t key = {.id = db_col_int(s, 0)};
        village_t *hit = nv ? bsearch(&key, v, (size_t)nv, sizeof(village_t), village_cmp) : NULL;
        if (!hit) continue;
        if (strcmp(db_col_text(s, 1), "leader") == 0)
            hit->leaders += (int)db_col_int(s, 2);
        else
            hit->understanders += (int)db_col_int(s, 2);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    int *total = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *below = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    for (int k = 0; k < nv; k++) {
        total[v[k].unit]++;
        if (v[k].leaders >= min_l && v[k].understanders >= min_u) continue;
        below[v[k].unit]++;
        std_record_filter(&e->res[v[k].unit], "rol-people", "village_id", v[k].id,
                          arena_printf(e->arena, "%s (法治带头人 %d/%lld, 法律明白人 %d/%lld)", v[k].name, v[k].leaders,
                                       (long long)min_l, v[k].understanders, (long long)min_u));
    }
    const char *req =
        arena_printf(e->arena, "每村(居) 带头人 ≥ %lld, 明白人 ≥ %lld", (long long)min_l, (long long)min_u);
    for (int i = 0; i < e->n; i++) {
        if (!total[i])
            std_set(e, i, STD_PASS, "0", req, "辖区无村(居)委会");
        else
            std_set(e, i, below[i] ? STD_FAIL : STD_PASS,
                    arena_printf(e->arena, "%d/%d", total[i] - below[i], total[i]), req,
                    "辖区村(居) %d 个, 法治带头人、法律明白人配备达标 %d 个%s", total[i], total[i] - below[i],
                    below[i] ? arena_printf(e->arena, ", 未达标 %d 个", below[i]) : "");
    }
    return 0;
}

/* date + years (29 February → 28 February) into out. */
static void add_years(const char *date, int64_t years, char out[11]) {
    int y = 0, m = 0, d = 0;
    sscanf(date, "%d-%d-%d", &y, &m, &d);
    y += (int)years;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) d = 28;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* date + months (the day kept, else the month's last) into out. */
static void add_months(const char *date, int64_t months, char out[11]) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 0, m = 0, d = 0;
    sscanf(date, "%d-%d-%d", &y, &m, &d);
    int64_t k = (int64_t)y * 12 + (m - 1) + months;
    if (k < 0 || k >= 12 * 10000 || d < 1 || d > 31) k = 0, d = 1; /* malformed: 0000-01-01 */
    unsigned yy = (unsigned)(k / 12), mm = (unsigned)(k % 12) + 1;
    unsigned last = (unsigned)mdays[mm - 1] + (mm == 2 && ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0));
    unsigned dd = (unsigned)d > last ? last : (unsigned)d;
    snprintf(out, 11, "%04u-%02u-%02u", yy % 10000, mm % 100, dd % 100);
}

/* Every named model village is reviewed within pufa_review_years of its
 * naming or its last review: overdue → fail naming the village; none due
 * yet → not yet due, with the first deadline.  The latest review's
 * conclusion counts too: 限期整改 brings the next review forward to half the
 * cycle (the rectification is checked again); 复核不合格 with the title still
 * held fails until the title is revoked (撤销命名) — dynamic management. */
static int eval_reviews(std_eval_t *e) {
    int64_t years;
    if (std_setting(e->db, "pufa_review_years", &years) != 0) return DB_ERR;
    bool *reviewed = arena_calloc(e->arena, (size_t)e->n + 1);
    int *named = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1)),
        *overdue = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1)),
        *failed = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    const char **next = arena_calloc(e->arena, sizeof(char *) * ((size_t)e->n + 1));
    db_stmt_t *s = std_scoped(
        e, "SELECT m.org_path, m.id, m.named_on, (SELECT MAX(r.reviewed_on) FROM model_village_review r WHERE "
           "r.model_village_id = m.id AND r.deleted_at IS NULL AND r.reviewed_on <= $3), "
           "m.name, (SELECT r.result FROM model_village_review r WHERE r.model_village_id = m.id AND "
           "r.deleted_at IS NULL AND r.reviewed_on <= $3 ORDER BY r.reviewed_on DESC, r.id DESC LIMIT 1) "
           "FROM model_village m WHERE m.deleted_at IS NULL "
           "AND m.org_path >= $1 AND m.org_path < $2 AND m.wf_state = 'named' AND m.named_on <= $3 ORDER BY m.id");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = std_unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        const char *last = db_col_text(s, 3), *base = last ? last : db_col_text(s, 2);
        const char *result = last ? db_col_text(s, 5) : NULL;
        char due[11];
        if (result && strcmp(result, "rectify") == 0)
            add_months(base, years * 6, due);
        else
            add_years(base, years, due);
        named[i]++;
        if (last) reviewed[i] = true;
        if (result && strcmp(result, "failed") == 0) {
            overdue[i]++, failed[i]++;
            std_record(&e->res[i], "model-villages", db_col_int(s, 1),
                       arena_printf(e->arena, "%s (%s 复核不合格, 尚未撤销命名)", db_col_text(s, 4), last));
        } else if (strcmp(due, e->as_of) < 0) {
            overdue[i]++;
            std_record(&e->res[i], "model-villages", db_col_int(s, 1),
                       arena_printf(e->arena, "%s (应于 %s 前复核)", db_col_text(s, 4), due));
        } else {
            if (!next[i] || strcmp(due, next[i]) < 0) next[i] = arena_strdup(e->arena, due);
            std_record(&e->res[i], "model-villages", db_col_int(s, 1),
                       arena_printf(e->arena, "%s (下次复核期限 %s)", db_col_text(s, 4), due));
        }
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    const char *req = arena_printf(e->arena, "每 %lld 年复核", (long long)years);
    for (int i = 0; i < e->n; i++) {
        if (!named[i])
            std_set(e, i, STD_PASS, "0", req, "辖区无已命名的民主法治示范村(社区)");
        else if (overdue[i])
            std_set(e, i, STD_FAIL, arena_printf(e->arena, "未达标 %d 个", overdue[i]), req,
                    "已命名示范村(社区) %d 个, %s%s%s", named[i],
                    overdue[i] > failed[i] ? arena_printf(e->arena, "逾期未复核 %d 个", overdue[i] - failed[i]) : "",
                    overdue[i] > failed[i] && failed[i] ? ", " : "",
                    failed[i] ? arena_printf(e->arena, "复核不合格尚未撤销命名 %d 个", failed[i]) : "");
        else if (!reviewed[i])
            std_set(e, i, STD_NOT_DUE, "未到期", req, "已命名示范村(社区) %d 个, 尚未到复核期限 (最早 %s)", named[i],
                    next[i]);
        else
            std_set(e, i, STD_PASS, "按期", req, "已命名示范村(社区) %d 个, 均在复核期限内", named[i]);
    }
    return 0;
}

static const std_rule_t pufa_rules[] = {
    {"c6_rol_coverage", "6", "法治带头人、法律明白人全覆盖",
     "推进“法治带头人”“法律明白人”全覆盖: 每个村(居)配备不少于规定数量的法治带头人和法律明白人 (市局可调整), "
     "三年行动期末 (2024 年底) 起核查。",
     "office", "2024-12-31", "2024-12-31",
     "org_units 村(居) (核查日存续); rol_person.role, village_id, appointed_on ≤ 核查日 < left_on", "rol-people",
     eval_coverage},
    {"c6_model_review", "6", "民主法治示范村(社区)按期复核",
     "已命名的民主法治示范村(社区)实行动态管理, 自命名或上次复核起每两年 (市局可调整) 复核一次; "
     "尚无到期的复核时为未到期。",
     "office", NULL, "命名或上次复核后 2 年",
     "model_village 已命名, named_on; model_village_review.reviewed_on ≤ 核查日",
     "model-villages model-village-reviews", eval_reviews},
};
static const std_setting_decl_t pufa_settings[] = {
    {"pufa_min_leaders", "条款 6: 每个村(居)法治带头人不少于 (名)", 1, 0, 20},
    {"pufa_min_understanders", "条款 6: 每个村(居)法律明白人不少于 (名)", 3, 0, 50},
    {"pufa_review_years", "条款 6: 民主法治示范村(社区)复核周期 (年)", 2, 1, 10},
    {0},
};

/* ---- demo data ---- */

/* In the first three offices with villages: two activities each (one
 * publicising the assessor system), a plan for the year with two items,
 * one ticked off. */
static int activities_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    db_stmt_t *q = db_prepare(d->db, "SELECT o.id, o.path, (SELECT MIN(v.id) FROM org_units v WHERE v.parent_id = o.id "
                                     "AND v.level = 'village') FROM org_units o WHERE o.level = 'office' AND EXISTS "
                                     "(SELECT 1 FROM org_units v WHERE v.parent_id = o.id AND v.level = 'village') "
                                     "ORDER BY o.name = '陆家嘴街道司法所' DESC, o.id LIMIT 3");
    if (!q) goto fail;
    int64_t office[3], village[3];
    char path[3][128];
    int n = 0, rc;
    while ((rc = db_step(q)) == DB_ROW && n < 3) {
        office[n] = db_col_int(q, 0);
        snprintf(path[n], sizeof(path[n]), "%s", db_col_text(q, 1));
        village[n++] = db_col_int(q, 2);
    }
    db_reset(q);
    if (rc < 0) goto fail;
    static const char *const themes[][3] = {
        {"民法典进社区宣讲", "社区", "communities"},
        {"人民陪审员制度宣传日", "乡村", "villages"},
    };
    for (int i = 0; i < n; i++) {
        int64_t act = 0;
        for (int k = 0; k < 2; k++) {
            db_stmt_t *s = db_prepare(
                d->db, "INSERT INTO pufa_activity (org_id, org_path, created_at, updated_at, theme, held_on, setting, "
                       "form, place, audience, village_id, laws, assessor_publicity, summary) VALUES ($1, $2, $3, $3, "
                       "$4, $5, $6, 'lecture', $7, $8, $9, $10, $11, $12) RETURNING id");
            if (!s) goto fail;
            db_bind_int(s, 1, office[i]);
            db_bind_text(s, 2, path[i], -1);
            db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
            db_bind_text(s, 4, themes[k][0], -1);
            db_bind_text(s, 5, k ? "2026-09-15" : "2026-05-20", -1);
            db_bind_text(s, 6, themes[k][2], -1);
            db_bind_text(s, 7, k ? "村委会会议室" : "社区文化活动中心", -1);
            db_bind_int(s, 8, 40 + 25 * k + 7 * i);
            db_bind_int(s, 9, village[i]);
            db_bind_text(s, 10, k ? "中华人民共和国人民陪审员法" : "中华人民共和国民法典", -1);
            db_bind_int(s, 11, k);
            db_bind_text(s, 12, k ? "介绍人民陪审员的条件、产生方式和职责" : "围绕婚姻家庭、继承、相邻关系答疑", -1);
            rc = db_step(s);
            if (rc == DB_ROW && !k) act = db_col_int(s, 0);
            db_reset(s);
            if (rc != DB_ROW) goto fail;
        }
        db_stmt_t *s =
            db_prepare(d->db, "INSERT INTO pufa_plan (org_id, org_path, created_at, updated_at, year, title, "
                              "note) VALUES ($1, $2, $3, $3, 2026, '2026 年度普法依法治理工作计划', "
                              "'八五普法规划第六年') RETURNING id");
        if (!s) goto fail;
        db_bind_int(s, 1, office[i]);
        db_bind_text(s, 2, path[i], -1);
        db_bind_text(s, 3, "2026-01-10T09:00:00Z", -1);
        rc = db_step(s);
        int64_t plan = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (!plan) goto fail;
        for (int k = 0; k < 2; k++) {
            s = db_prepare(d->db, "INSERT INTO pufa_plan_item (org_id, org_path, created_at, updated_at, plan_id, "
                                  "content, setting, due_on, activity_id) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)");
            if (!s) goto fail;
            db_bind_int(s, 1, office[i]);
            db_bind_text(s, 2, path[i], -1);
            db_bind_text(s, 3, "2026-01-10T09:00:00Z", -1);
            db_bind_int(s, 4, plan);
            db_bind_text(s, 5, k ? "宪法宣传周进学校" : "民法典宣传月进社区", -1);
            db_bind_text(s, 6, k ? "schools" : "communities", -1);
            db_bind_text(s, 7, k ? "2026-12-04" : "2026-05-31", -1);
            if (k)
                db_bind_null(s, 8);
            else
                db_bind_int(s, 8, act);
            rc = db_step(s);
            db_reset(s);
            if (rc != DB_DONE) goto fail;
        }
        if (plan_progress_refresh(d->db, path[i]) != 0) goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* A fictitious resident of office (born 1976-05-<day>, sequence 9xx in the
 * office's district, so no demo resident shares the number) for demo data:
 * its id, or <= 0. */
static int64_t demo_person(const engine_demo_t *d, int64_t office, const char *name, int k) {
    db_stmt_t *s =
        db_prepare(d->db, "SELECT p.code FROM org_units o JOIN org_units p ON p.id = o.parent_id WHERE o.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, office);
    char id[19] = "";
    if (db_step(s) == DB_ROW && db_col_text(s, 0) && strlen(db_col_text(s, 0)) >= 6)
        snprintf(id, sizeof(id), "%.6s197605%02d9%02d", db_col_text(s, 0), 10 + k, k);
    db_reset(s);
    if (!id[0]) snprintf(id, sizeof(id), "310115197605%02d9%02d", 10 + k, k);
    idcard_complete(id);
    return person_insert(d->db, d->keys, office, name, id, NULL, NULL, 0);
}

/* The rest of the city as a real one looks: every village of every other
 * office has one 法治带头人 and three 法律明白人 — fictitious residents of the
 * office's district, born on the 29th or 30th of a month (the registry's
 * other demo residents are born on the 1st to 28th, so no number clashes)
 * — except the last village of 南京东路 and, in one office in forty, the
 * last two villages (one without anyone, one with a 带头人 and two 明白人):
 * those offices fail the coverage rule with evidence naming the villages,
 * the others pass.  In 陆家嘴 (skip, whose first two villages people_demo
 * fills) every village but the last is covered.  One transaction. */
static int coverage_demo(const engine_demo_t *d, int64_t skip) {
    static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                           "徐", "孙", "朱", "马", "胡", "郭", "林", "何", "高", "罗"};
    static const char *const given[] = {"建国", "秀兰", "志刚", "美华", "国庆", "玉珍", "德明", "丽萍",
                                        "永康", "雪梅", "立新", "桂芳", "春生", "慧敏", "家豪", "文英"};
    static const char *const identity[] = {"committee", "mediator", "grid", "grid"};
    struct row {
        int64_t office, village;
        char path[128], code[8];
        bool short_last;
    } *v = NULL;
    int n = 0, cap = 0, rc;
    db_stmt_t *q = db_prepare(d->db, "SELECT o.id, o.path, d.code, v.id, o.name = '南京东路街道司法所' "
                                     "FROM org_units v JOIN org_units o ON o.id = v.parent_id "
                                     "JOIN org_units d ON d.id = o.parent_id WHERE v.level = 'village' "
                                     "AND o.level = 'office' ORDER BY o.id, v.id");
    if (!q) return -1;
    while ((rc = db_step(q)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct row *nv = realloc(v, sizeof(*v) * (size_t)cap);
            if (!nv) break;
            v = nv;
        }
        struct row *x = &v[n++];
        x->office = db_col_int(q, 0), x->village = db_col_int(q, 3), x->short_last = db_col_int(q, 4) != 0;
        snprintf(x->path, sizeof(x->path), "%s", db_col_text(q, 1));
        const char *c = db_col_text(q, 2);
        snprintf(x->code, sizeof(x->code), "%.6s", c && strlen(c) >= 6 && c[0] >= '1' ? c : "310101");
    }
    db_reset(q);
    if (rc != DB_DONE || db_begin(d->db) != 0) return free(v), -1;
    int offices = 0, made = 0, rank = 0;
    for (int i = 0; i < n; i++) {
        bool first = i == 0 || v[i - 1].office != v[i].office;
        if (first)
            offices++, rank = 0;
        else
            rank++;
        bool last = i + 1 == n || v[i + 1].office != v[i].office,
             second_last = !last && (i + 2 == n || v[i + 2].office != v[i].office);
        bool fails = offices % 40 == 13;
        if (v[i].office == skip && (rank < 2 || last)) continue;
        if (last && (v[i].short_last || fails)) continue;
        int people = second_last && fails ? 3 : 4;
        for (int k = 0; k < people; k++, made++) {
            /* one date in 22 a year (months but February, days 29 and 30), 1960–1995, then the sequence */
            int date = made % (22 * 36), seq = 100 + made / (22 * 36);
            int month = 1 + (date % 22) / 2, day = 29 + date % 2;
            if (month >= 2) month++;
            char id[19], name[16];
            snprintf(id, sizeof(id), "%s%04d%02d%02d%03d", v[i].code, 1960 + date / 22, month, day, seq);
            idcard_complete(id);
            snprintf(name, sizeof(name), "%s%s", surnames[made % 20], given[(made / 20) % 16]);
            int64_t person = person_insert(d->db, d->keys, v[i].office, name, id, NULL, NULL, 0);
            if (person <= 0) goto fail;
            db_stmt_t *s = db_prepare(d->db, "INSERT INTO rol_person (org_id, org_path, created_at, updated_at, "
                                             "person_id, role, village_id, identity, appointed_on, training_sessions, "
                                             "training_hours, last_trained_on) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, "
                                             "'2023-03-01', 1, 4, '2025-09-12')");
            if (!s) goto fail;
            db_bind_int(s, 1, v[i].office);
            db_bind_text(s, 2, v[i].path, -1);
            db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
            db_bind_int(s, 4, person);
            db_bind_text(s, 5, k == 0 ? "leader" : "understander", -1);
            db_bind_int(s, 6, v[i].village);
            db_bind_text(s, 7, identity[k], -1);
            rc = db_step(s);
            db_reset(s);
            if (rc != DB_DONE) goto fail;
        }
    }
    free(v);
    return db_commit(d->db);
fail:
    free(v);
    db_rollback(d->db);
    return -1;
}

/* In 陆家嘴 (else the first office with two villages): one 法治带头人 and
 * three 法律明白人 in its first village (covered), one 明白人 in its second
 * (not covered); a model village named in 2023 and reviewed in 2025, one
 * named in 2025 (not yet due); the first village's rules in force. */
static int people_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    db_stmt_t *q =
        db_prepare(d->db, "SELECT o.id, o.path FROM org_units o WHERE o.level = 'office' AND "
                          "(SELECT COUNT(*) FROM org_units v WHERE v.parent_id = o.id AND v.level = 'village') >= 2 "
                          "ORDER BY o.name = '陆家嘴街道司法所' DESC, o.id LIMIT 1");
    if (!q) goto fail;
    if (db_step(q) != DB_ROW) return db_reset(q), 0;
    int64_t office = db_col_int(q, 0);
    char path[128];
    snprintf(path, sizeof(path), "%s", db_col_text(q, 1));
    db_reset(q);
    int64_t villages[2], persons[5];
    q = db_prepare(d->db, "SELECT id FROM org_units WHERE parent_id = $1 AND level = 'village' ORDER BY id LIMIT 2");
    if (!q) goto fail;
    db_bind_int(q, 1, office);
    int nv = 0, step = DB_DONE;
    while (nv < 2 && (step = db_step(q)) == DB_ROW)
        villages[nv++] = db_col_int(q, 0);
    db_reset(q);
    if (step < 0) goto fail;
    static const char *const names[] = {"顾建国", "沈丽华", "蒋志明", "陶文静", "钱海涛"};
    for (int i = 0; i < 5; i++)
        if ((persons[i] = demo_person(d, office, names[i], i)) <= 0) goto fail;
    for (int i = 0; i < 5; i++) {
        db_stmt_t *s = db_prepare(d->db, "INSERT INTO rol_person (org_id, org_path, created_at, updated_at, person_id, "
                                         "role, village_id, identity, appointed_on, training_sessions, training_hours, "
                                         "last_trained_on) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, '2024-03-01', 2, 8, "
                                         "'2026-06-18')");
        if (!s) goto fail;
        db_bind_int(s, 1, office);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
        db_bind_int(s, 4, persons[i]);
        db_bind_text(s, 5, i == 0 ? "leader" : "understander", -1);
        db_bind_int(s, 6, villages[i == 4]);
        db_bind_text(s, 7, i == 0 ? "committee" : i == 1 ? "mediator" : "grid", -1);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    for (int i = 0; i < 2; i++) {
        db_stmt_t *s = db_prepare(
            d->db,
            "INSERT INTO model_village (org_id, org_path, created_at, updated_at, wf_state, wf_version, "
            "state_since, name, village_id, level, named_year, named_on, named_doc, c_party, c_self_gov, c_rules, "
            "c_education, c_disputes, c_services, c_safety, declare_note) VALUES ($1, $2, $3, $3, 'named', 1, "
            "$9, (SELECT name FROM org_units WHERE id = $4), $4, $5, $6, $7, $8, 1, 1, 1, 1, 1, 1, 1, '创建材料齐全') "
            "RETURNING id");
        if (!s) goto fail;
        db_bind_int(s, 1, office);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
        db_bind_int(s, 4, villages[i]);
        db_bind_text(s, 5, i ? "district" : "city", -1);
        db_bind_int(s, 6, i ? 2025 : 2023);
        db_bind_text(s, 7, i ? "2025-10-20" : "2023-11-15", -1);
        db_bind_text(s, 8, i ? "区司法局命名文件 (演示)" : "市级民主法治示范村命名文件 (演示)", -1);
        db_bind_text(s, 9, "2026-11-30T09:00:00Z", -1);
        int rc = db_step(s);
        int64_t mid = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (!mid) goto fail;
        if (i) continue;
        s = db_prepare(d->db, "INSERT INTO model_village_review (org_id, org_path, created_at, updated_at, "
                              "model_village_id, reviewed_on, result, findings) VALUES ($1, $2, $3, $3, $4, "
                              "'2025-10-28', 'passed', '村务公开规范, 法治宣传阵地完好, 复核合格')");
        if (!s) goto fail;
        db_bind_int(s, 1, office);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
        db_bind_int(s, 4, mid);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    db_stmt_t *s = db_prepare(d->db, "INSERT INTO village_rule (org_id, org_path, created_at, updated_at, wf_state, "
                                     "wf_version, state_since, village_id, title, version_no, content, review_on, "
                                     "review_result, review_opinion, adopted_on, filed_on) VALUES ($1, $2, $3, $3, "
                                     "'in_force', 1, $5, $4, '村规民约', 1, '第一条 遵守法律法规, 维护公共秩序……', "
                                     "'2024-04-10', 'lawful', '内容合法, 同意提交村民会议表决', '2024-05-06', "
                                     "'2024-05-20')");
    if (!s) goto fail;
    db_bind_int(s, 1, office);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
    db_bind_int(s, 4, villages[0]);
    db_bind_text(s, 5, "2026-11-30T09:00:00Z", -1);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE || coverage_demo(d, office) != 0) goto fail;
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void pufa_declare(void) {
    entity_register(&pufa_activities);
    entity_register(&pufa_activity_photos);
    entity_register(&pufa_plans);
    entity_register(&pufa_plan_items);
    entity_register(&rol_people);
    entity_register(&model_villages);
    entity_register(&model_village_reviews);
    entity_register(&village_rules);
    engine_on_write(plan_progress);
    engine_on_migrate(plan_progress_backfill);
    std_rules_register(pufa_rules, (int)(sizeof(pufa_rules) / sizeof(pufa_rules[0])), pufa_settings);
}
