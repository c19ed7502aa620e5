/* registers.c — the organisation and staff registers (issue 5; plan clauses
 * 2, 14–20; the data sets of SF/T 0017-2017 全国司法所管理信息系统技术规范):
 * office profile, premises, equipment, funding, party branch, institutional
 * rules, extension to villages, staff, training, commendations, rotations
 * and stints — engine entities that share one two-step verification
 * workflow — and office changes, whose workflow ends by applying the change
 * to the org tree (office_change.c).
 *
 * These registers are what the standards engine (issue 6) checks, "as of a
 * date" and per year, so each fact a rule needs is its own typed column
 * (a count, a date, a code, a yes/no), never free text; docs/registers.md
 * lists rule → columns. */
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "modules/registers.h"
#include "util/validate.h"

#define REGISTER_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"

/* ---- checks ---- */

static const char *idcard_check(const char *v) {
    char norm[19];
    const char *why = NULL;
    if (!idcard_normalize(v, norm)) return "公民身份号码应为 18 位";
    return idcard_valid(norm, NULL, &why) ? NULL : (why ? why : "公民身份号码无效");
}
/* An office line: digits with an optional area code and extension, e.g. 021-58881234. */
static const char *office_phone_check(const char *v) {
    size_t n = strlen(v), digits = 0;
    for (const char *p = v; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p != '-')
            return "电话号码只能包含数字和 \"-\", 如 021-58881234";
    }
    return digits >= 7 && n <= 20 ? NULL : "电话号码应为 7 到 20 位, 如 021-58881234";
}

/* ---- 信息校核 → 信息审核: one workflow for every register (SF/T 0017) ----
 * The office enters a record (entered), the office director checks it
 * (checked), the district approves it (approved).  An edit of a checked or
 * approved record sends it back to entered (workflow_t.reopen_from). */
static const wf_state_t verify_states[] = {
    {"entered", "待所长校核", 0},
    {"checked", "待区局审核", 0},
    {"approved", "已审核", 0, true},
    {0},
};
static const wf_transition_t verify_transitions[] = {
    {"check", "校核无误", "entered", "checked", .perm = "register.check"},
    /* four-eyes: a district administrator holds both permissions */
    {"approve", "审核通过", "checked", "approved", .perm = "register.approve", .distinct_from = "check"},
    {"send_back", "退回修改", "checked", "entered", .perm = "register.approve", .comment_required = true}, /* says why */
    {0},
};
static const workflow_t verify_v1 = {
    1, "entered", verify_states, verify_transitions, .reopen_from = "checked approved", .reopen_to = "entered"};
const workflow_t *const register_verify_flows[] = {&verify_v1, NULL};
/* a register taken over from paper or an older system may be imported as
 * already checked or approved, by whoever may check or approve it (issue 16
 * point 8: an import otherwise leaves every row a to-do) */
#define REGISTER_IMPORT_STATES "checked approved"

static const perm_def_t register_perms[] = {
    {"register.check", "组织队伍台账: 所长校核", "office_director district_admin"},
    {"register.approve", "组织队伍台账: 区局审核", "district_admin district_staff"},
    {0},
};

/* ---- 1. office profile (机构信息) ---- */
static const field_t office_profile_fields[] = {
    {"office_type", "所在区划类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "office_type"},
    {"rank", "机构规格", F_CODE, FF_FILTER | FF_LIST, .code_list = "office_rank"},
    {"established_on", "设立日期", F_DATE, FF_SORT},
    {"approval_doc", "设立批复文号", F_TEXT, FF_SEARCH, .max = 100},
    {"filing_status", "市局备案状态", F_CODE, FF_FILTER | FF_LIST, .code_list = "filing_status"},
    {"filed_on", "备案日期", F_DATE, 0},
    {"approved_posts", "核定政法专项编制数", F_INT, FF_FILTER | FF_SORT | FF_LIST, .min = 0, .max = 100},
    {"address", "办公地址", F_TEXT, FF_SEARCH, .max = 200},
    {"phone", "办公电话", F_TEXT, 0, .max = 20, .check = office_phone_check},
    {"service_hours", "对外服务时间", F_TEXT, 0, .max = 100},
    {"contact_point", "基层联系点", F_BOOL, FF_FILTER},
    {"contact_point_since", "确定为联系点日期", F_DATE, 0},
    {"station_colocated", "站所合一 (公共法律服务工作站)", F_BOOL, FF_FILTER},
    {"director_attends_meetings", "所长列席街镇行政会议", F_BOOL, FF_FILTER},
    {0},
};
/* Demo data (init --demo, city scale): every office's registers. */
static int registers_demo(const engine_demo_t *d, char *err, size_t errlen) {
    return d->nation ? 0 : demo_seed_registers(d->db, d->keys, err, errlen);
}

static const entity_t office_profiles = {
    .name = "office-profiles",
    .label = "司法所机构信息",
    .table = "office_profile",
    .perm = "register.office",
    .fields = office_profile_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-id",
    .roles = REGISTER_ROLES,
    .unique = "org_id",
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
    .demo = registers_demo,
};

/* ---- 3. staff (工作人员; clauses 15–17) ----
 * Not linked to the person registry: that registry holds the people the
 * offices serve (parties, residents), and a staff member found there would
 * show up in every search of it.  ID number and phone are personal
 * information here as there (encrypted, masked, unmask audited). */
static const field_t staff_fields[] = {
    {"name", "姓名", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 50},
    {"gender", "性别", F_CODE, FF_LIST, .code_list = "gender"},
    /* beside the masked ID number it leaves a handful of candidates: masked
     * with it (issue 18 point 3) */
    {"birth_date", "出生日期", F_DATE, 0, .masked_with = "id_number"},
    {"id_number", "公民身份号码", F_TEXT, FF_PI | FF_FILTER, .mask = "idcard", .check = idcard_check},
    {"phone", "手机号码", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"education", "学历", F_CODE, 0, .code_list = "education"},
    {"major", "专业", F_TEXT, FF_SEARCH, .max = 50},
    {"party_membership", "政治面貌", F_CODE, 0, .code_list = "party_membership"},
    {"post_type", "编制 (用工) 类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "post_type"},
    {"position", "职务", F_CODE, FF_FILTER | FF_LIST, .code_list = "position"},
    {"appointed_on", "任现职日期", F_DATE, FF_FILTER | FF_SORT},
    {"joined_on", "到所日期", F_DATE, FF_REQUIRED | FF_SORT},
    {"left_on", "离所日期", F_DATE, FF_SORT},
    {"status", "人员状态", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "staff_status"},
    {"cert_number", "法律职业资格证书编号", F_TEXT, 0, .max = 30},
    {"cert_class", "法律职业资格证书类别", F_CODE, FF_FILTER | FF_LIST, .code_list = "certificate_class"},
    {"cert_date", "取得法律职业资格日期", F_DATE, 0},
    {"enforcement_cert_number", "执法证号", F_TEXT, 0, .max = 30},
    {"enforcement_cert_expiry", "执法证有效期至", F_DATE, 0},
    {"post_diverted", "专项编制被挤占挪用", F_BOOL, FF_FILTER},
    {"diverted_note", "挤占挪用情况说明", F_TEXT, 0, .max = 500},
    {0},
};
static const entity_t staff = {
    .name = "staff",
    .label = "司法所工作人员",
    .table = "staff",
    .perm = "register.staff",
    .fields = staff_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "name",
    .roles = REGISTER_ROLES,
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
    .attachments = true, /* scans of certificates (法律职业资格证书, 执法证), appointment letters */
};

/* ---- 4. training, commendations, rotations and stints ---- */
static const field_t training_fields[] = {
    {"staff_id", "参训人员", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "staff"},
    {"title", "培训名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"kind", "培训类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "training_kind"},
    {"organizer", "主办单位", F_TEXT, FF_SEARCH, .max = 100},
    {"start_on", "开始日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"end_on", "结束日期", F_DATE, 0},
    {"hours", "学时", F_DECIMAL, 0, .scale = 1, .min = 0, .max = 20000},
    {0},
};
static const entity_t trainings = {
    .name = "staff-trainings",
    .label = "教育培训",
    .table = "staff_training",
    .perm = "register.training",
    .fields = training_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-start_on",
    .roles = REGISTER_ROLES,
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
};

static const field_t commendation_fields[] = {
    {"staff_id", "受表彰人员 (集体表彰不填)", F_REF, FF_FILTER | FF_LIST, .ref = "staff"},
    {"title", "表彰名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"level", "表彰级别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "commendation_level"},
    {"awarded_by", "授予单位", F_TEXT, FF_SEARCH, .max = 100},
    {"awarded_on", "授予日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"doc_number", "表彰文号", F_TEXT, 0, .max = 100},
    {0},
};
static const entity_t commendations = {
    .name = "commendations",
    .label = "表彰奖励",
    .table = "commendation",
    .perm = "register.commendation",
    .fields = commendation_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-awarded_on",
    .roles = REGISTER_ROLES,
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
};

/* clause 17: 交流任职 and city/district cadres' stints at offices — the
 * person may come from outside the office, so a name, and the staff record
 * when there is one. */
static const field_t rotation_fields[] = {
    {"person_name", "姓名", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 50},
    {"staff_id", "本所人员档案", F_REF, FF_FILTER, .ref = "staff"},
    {"kind", "类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "rotation_kind"},
    {"home_unit", "原单位", F_TEXT, FF_SEARCH, .max = 100},
    {"post", "任职 / 挂职岗位", F_TEXT, 0, .max = 100},
    {"start_on", "开始日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"end_on", "结束日期", F_DATE, FF_SORT | FF_LIST},
    {0},
};
static const entity_t rotations = {
    .name = "staff-rotations",
    .label = "交流任职与挂职锻炼",
    .table = "staff_rotation",
    .perm = "register.rotation",
    .fields = rotation_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-start_on",
    .roles = REGISTER_ROLES,
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
};

/* ---- 5. premises (业务用房; clause 18) ---- */
static const field_t premises_fields[] = {
    {"address", "地址", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"in_use_from", "启用日期", F_DATE, FF_SORT},
    {"in_use_to", "停用日期", F_DATE, 0},
    {"property_clear", "产权明晰", F_BOOL, FF_FILTER | FF_LIST},
    {"property_note", "产权情况", F_TEXT, 0, .max = 200},
    {"floor_area", "建筑面积 (m²)", F_DECIMAL, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .scale = 2, .min = 0,
     .max = 10000000},
    {"has_business_room", "业务用房", F_BOOL, 0},
    {"has_archive_room", "档案室", F_BOOL, FF_FILTER},
    {"has_duty_room", "值班备勤室", F_BOOL, FF_FILTER},
    {"has_mediation_room", "调解室", F_BOOL, 0},
    {"has_announcement_room", "矫正宣告室", F_BOOL, 0},
    {"signage_status", "外观标识", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "signage_status"},
    {"signage_done_on", "外观标识规范完成日期", F_DATE, FF_FILTER | FF_SORT},
    {"photo_exterior", "外观照片", F_FILE, 0},
    {"floor_plan", "平面图 (PDF 或图片)", F_FILE, 0},
    {0},
};
static const entity_t premises = {
    .name = "premises",
    .label = "业务用房",
    .table = "premises",
    .perm = "register.premises",
    .fields = premises_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-id",
    .roles = REGISTER_ROLES,
    .line = "organisation", .line_label = "组织队伍", .cockpit = "场所装备经费",
};

/* ---- 6. equipment (装备; clause 19) ---- */
static const field_t equipment_fields[] = {
    {"item", "装备项目 (市局标准清单)", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST | FF_SORT,
     .code_list = "equipment_standard"},
    {"category", "装备类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "equipment_category"},
    {"model", "品牌型号", F_TEXT, FF_SEARCH, .max = 100},
    {"quantity", "数量", F_INT, FF_REQUIRED | FF_LIST, .min = 0, .max = 10000},
    {"acquired_on", "配备日期", F_DATE, FF_SORT | FF_LIST},
    {"renewal_due", "应更新日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"retired_on", "报废日期", F_DATE, 0},
    {0},
};
static const entity_t equipment = {
    .name = "equipment",
    .label = "装备配备",
    .table = "equipment",
    .perm = "register.equipment",
    .fields = equipment_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "item",
    .roles = REGISTER_ROLES,
    .line = "standards", .line_label = "规范化建设", .cockpit = "场所装备经费",
};

/* ---- 7. funding (经费保障; clause 20): one row per office, year and category ---- */
static const field_t funding_fields[] = {
    {"year", "年度", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 2000, .max = 2100},
    {"category", "经费类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "funding_category"},
    {"amount", "金额 (元)", F_DECIMAL, FF_REQUIRED | FF_SORT | FF_LIST, .scale = 2, .min = 0, .max = 100000000000},
    {"in_budget", "列入财政预算", F_BOOL, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"source", "经费来源", F_CODE, FF_LIST, .code_list = "funding_source"},
    {"note", "说明", F_TEXT, 0, .max = 500},
    {0},
};
static const entity_t funding = {
    .name = "funding",
    .label = "经费保障",
    .table = "funding",
    .perm = "register.funding",
    .fields = funding_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-year",
    .roles = REGISTER_ROLES,
    .unique = "org_id year category",
    .line = "standards", .line_label = "规范化建设", .cockpit = "场所装备经费",
};

/* ---- 8. party branch, institutional rules, extension to villages ---- */
static const field_t party_fields[] = {
    {"name", "党组织名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"kind", "组织形式", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "party_branch_kind"},
    {"secretary", "书记", F_TEXT, FF_SEARCH | FF_LIST, .max = 50},
    {"members", "党员人数", F_INT, FF_LIST, .min = 0, .max = 1000},
    {"established_on", "成立日期", F_DATE, 0},
    {"last_election_on", "最近换届日期", F_DATE, FF_SORT},
    {0},
};
static const entity_t party_branches = {
    .name = "party-branches",
    .label = "党组织建设",
    .table = "party_branch",
    .perm = "register.party",
    .fields = party_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-id",
    .roles = REGISTER_ROLES,
    .unique = "org_id",
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
};

static const field_t rule_fields[] = {
    {"title", "制度名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"category", "制度类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "rule_category"},
    {"adopted_on", "制定日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"revised_on", "最近修订日期", F_DATE, 0},
    {"in_force", "现行有效", F_BOOL, FF_FILTER | FF_LIST},
    {"document", "制度文本 (PDF)", F_FILE, 0},
    {0},
};
static const entity_t office_rules = {
    .name = "office-rules",
    .label = "制度建设",
    .table = "office_rule",
    .perm = "register.rule",
    .fields = rule_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-adopted_on",
    .roles = REGISTER_ROLES,
    .line = "standards", .line_label = "规范化建设", .cockpit = "场所装备经费",
};

static const field_t extension_fields[] = {
    {"village_id", "村(居)", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "org_units"},
    {"kind", "延伸方式", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "extension_kind"},
    {"started_on", "开始日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"ended_on", "结束日期", F_DATE, 0},
    {"note", "工作内容", F_TEXT, FF_SEARCH, .max = 500},
    {0},
};
static const entity_t extensions = {
    .name = "village-extensions",
    .label = "向村居延伸",
    .table = "village_extension",
    .perm = "register.extension",
    .fields = extension_fields,
    .flows = register_verify_flows,
    .import_states = REGISTER_IMPORT_STATES,
    .default_sort = "-started_on",
    .roles = REGISTER_ROLES,
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
};

/* The registers that describe an office itself: when offices merge they stay
 * with the closed office (its history for the years it existed) instead of
 * moving to the successor with its staff, villages and business records. */
const char *const registers_of_office[] = {"office-profiles", "premises", "funding", "party-branches", NULL};

void registers_declare(void) {
    perm_register(register_perms); /* before the entities: their transitions name these */
    entity_register(&office_profiles);
    entity_register(&staff);
    entity_register(&trainings);
    entity_register(&commendations);
    entity_register(&rotations);
    entity_register(&premises);
    entity_register(&equipment);
    entity_register(&funding);
    entity_register(&party_branches);
    entity_register(&office_rules);
    entity_register(&extensions);
    office_changes_declare();
}
