/* resettlement.c — 安置帮教 (plan clause 9, issue 20 points 8–11;
 * docs/resettlement.md): people released from prison helped back into
 * society by the office of the place they live.
 *
 *   released-persons          刑满释放人员 (安置帮教对象): a person of the
 *                             registry, where they come from, the hand-over
 *                             (衔接) within the city's deadline or the
 *                             reason it failed (未衔接), 重点帮教对象, the
 *                             placement (安置) and the 5-year aid period
 *   resettle-team-members     帮教小组 members, with roles
 *   resettle-visits           走访 and talks
 *   resettle-measures         help given (就业, 社保, 住房, 就学, 临时救助 …)
 *                             with its outcome
 *   resettle-reoffences       重新违法犯罪 records
 *   prerelease-lists          the prisons' monthly pre-release lists, as
 *                             imported (resettlement_import.c): counts only
 *
 * Every one but the lists is protected (.protected_): the owning office reads it; anyone
 * else only through a break-the-glass grant, audited — through every path
 * the engine serves (engine/access.c).  The statistics
 * (resettlement_stats.c) give counts, never a name.  A released person
 * enters through resettlement_intake() alone (resettlement.h). */
#include "modules/resettlement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "engine/workflow.h"
#include "modules/corrections.h"
#include "modules/modules.h"
#include "modules/standards.h"
#include "util/json.h"
#include "util/timeutil.h"

#define RES_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define LINE .line = "resettlement", .line_label = "安置帮教"

/* ---- code lists ---- */

static const code_seed_t source_codes[] = {
    {"prison", "监狱刑满释放"},
    {"detention", "看守所刑满释放"},
    {"corrections", "社区矫正期满移交"},
    {"other", "其他"},
    {0},
};
static const code_seed_t crime_codes[] = {
    {"violent", "暴力犯罪"},
    {"property", "侵财犯罪"},
    {"drugs", "毒品犯罪"},
    {"organised", "涉黑涉恶犯罪"},
    {"state_security", "危害国家安全犯罪"},
    {"duty", "职务犯罪"},
    {"sexual", "性侵害犯罪"},
    {"traffic", "危险驾驶、交通肇事"},
    {"fraud", "诈骗 (含电信网络诈骗)"},
    {"other", "其他"},
    {0},
};
static const code_seed_t way_codes[] = {
    {"escorted", "必接必送 (狱门接回)"},
    {"reported", "本人到所报到"},
    {"corrections", "社区矫正期满移交"},
    {"visited", "上门见面核实"},
    {0},
};
static const code_seed_t unreached_codes[] = {
    {"unknown_whereabouts", "下落不明 (人户分离, 无法联系)"},
    {"left_city", "已离沪 (去外省市)"},
    {"refused", "本人拒绝接受帮教"},
    {"wrong_info", "名单信息有误 (查无此人)"},
    {"in_custody", "释放后又被羁押"},
    {"deceased", "已死亡"},
    {"other", "其他"},
    {0},
};
static const code_seed_t key_codes[] = {
    {"recidivist", "累犯、惯犯"},
    {"organised", "涉黑涉恶"},
    {"drugs", "涉毒"},
    {"state_security", "危害国家安全、邪教"},
    {"violent", "严重暴力犯罪"},
    {"risk", "危险性评估为高, 有重新犯罪倾向"},
    {"no_support", "无家可归、无亲可投、无生活来源"},
    {"other", "其他"},
    {0},
};
static const code_seed_t placement_codes[] = {
    {"employed", "单位就业"}, {"self_employed", "自主创业、灵活就业"},
    {"farming", "务农"},      {"assisted", "纳入低保、救助"},
    {"schooling", "就学"},    {"retired", "退休、养老"},
    {"unplaced", "未安置"},   {0},
};
static const code_seed_t end_codes[] = {
    {"reoffended", "重新犯罪被羁押"}, {"deceased", "死亡"}, {"moved", "迁居他处, 已移交"}, {"other", "其他"}, {0},
};
static const code_list_decl_t person_lists[] = {
    {"resettle_source", "安置帮教对象来源", source_codes},
    {"resettle_crime_category", "罪名类别", crime_codes},
    {"resettle_handover_way", "衔接方式", way_codes},
    {"resettle_unreached_reason", "未衔接原因", unreached_codes},
    {"resettle_key_reason", "重点帮教对象类别", key_codes},
    {"resettle_placement", "安置情况", placement_codes},
    {"resettle_end_reason", "终止帮教原因", end_codes},
    {0},
};

static const code_seed_t team_roles[] = {
    {"leader", "组长"},
    {"office", "司法所工作人员"},
    {"police", "社区民警"},
    {"committee", "村(居)委会干部"},
    {"social_worker", "社会工作者"},
    {"volunteer", "志愿者"},
    {"family", "家庭成员"},
    {"employer", "用工单位"},
    {"other", "其他"},
    {0},
};
static const code_seed_t visit_kinds[] = {
    {"home", "家访"}, {"field", "走访 (单位、社区)"}, {"talk", "到所谈话"}, {"phone", "电话、视频"}, {0},
};
static const code_seed_t measure_kinds[] = {
    {"employment", "就业帮扶"},
    {"training", "职业技能培训"},
    {"social_security", "社会保险"},
    {"subsistence", "最低生活保障"},
    {"housing", "住房保障"},
    {"schooling", "就学"},
    {"relief", "临时救助"},
    {"psychological", "心理疏导"},
    {"legal_aid", "法律援助"},
    {"household", "户籍、证件办理"},
    {"other", "其他"},
    {0},
};
static const code_seed_t outcomes[] = {
    {"in_progress", "办理中"},
    {"done", "已落实"},
    {"failed", "未落实"},
    {0},
};
static const code_seed_t reoffence_kinds[] = {
    {"crime", "重新犯罪"},
    {"violation", "违法 (行政处罚)"},
    {"drugs", "吸毒"},
    {0},
};
static const code_list_decl_t team_lists[] = {{"resettle_team_role", "帮教小组成员角色", team_roles}, {0}};
static const code_list_decl_t visit_lists[] = {{"resettle_visit_kind", "帮教走访方式", visit_kinds}, {0}};
static const code_list_decl_t measure_lists[] = {
    {"resettle_measure_kind", "帮扶措施类别", measure_kinds},
    {"resettle_outcome", "帮扶结果", outcomes},
    {0},
};
static const code_list_decl_t reoffence_lists[] = {{"resettle_reoffence_kind", "重新违法犯罪类别", reoffence_kinds},
                                                   {0}};

/* ---- the city's settings (standard_settings; 市局 changes them) ---- */
static const std_setting_decl_t resettle_settings[] = {
    {"resettle_handover_days", "安置帮教: 刑满释放人员衔接期限 (自释放之日起, 日)", 30, 1, 180},
    {"resettle_aid_years", "安置帮教: 帮教期 (自释放之日起, 年)", 5, 1, 10},
    {"resettle_visit_days", "安置帮教: 走访间隔 (一般对象, 日; 也是计入帮教率的走访期间)", 90, 7, 366},
    {"resettle_key_visit_days", "安置帮教: 走访间隔 (重点帮教对象, 日)", 30, 7, 366},
    {0},
};

/* A setting, with its declared default when the store has none yet; -1
 * when the store cannot say. */
int64_t resettle_setting(db_t *db, const char *key) {
    int64_t v;
    if (std_setting(db, key, &v) != 0) return -1;
    if (v > 0) return v;
    for (const std_setting_decl_t *d = resettle_settings; d->key; d++)
        if (strcmp(d->key, key) == 0) return d->value;
    return 0;
}

/* date + days (calendar days) into out; -1 when date is malformed. */
static int date_plus_days(const char *date, int64_t days, char out[11]) {
    int64_t t;
    if (!date || !date_valid(date) || !unix_from_iso(date, &t)) return -1;
    char iso[21];
    iso_from_unix(t + days * 86400, iso);
    snprintf(out, 11, "%.10s", iso);
    return 0;
}
/* date + years (29 February → 28 February) into out. */
static int date_plus_years(const char *date, int64_t years, char out[11]) {
    if (!date || !date_valid(date)) return -1;
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    y += (int)years;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) d = 28;
    char text[40];
    snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
    snprintf(out, 11, "%.10s", text);
    return 0;
}

/* ---- 刑满释放人员 (安置帮教对象) ---- */

static const field_t person_fields[] = {
    {"person_id", "姓名", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"source", "来源", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "resettle_source"},
    {"prison", "原服刑 (执行) 单位", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"crime", "罪名", F_TEXT, FF_SEARCH, .max = 100},
    {"crime_category", "罪名类别", F_CODE, FF_FILTER, .code_list = "resettle_crime_category"},
    {"sentence", "原判刑期", F_TEXT, 0, .max = 60},
    {"release_date", "释放日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"residence", "释放后居住地", F_TEXT, FF_PI, .max = 200},
    {"key_subject", "重点帮教对象", F_BOOL, FF_FILTER | FF_LIST},
    {"key_reason", "重点帮教对象类别", F_CODE, FF_FILTER, .code_list = "resettle_key_reason"},
    {"handover_way", "衔接方式", F_CODE, FF_READONLY | FF_FILTER, .code_list = "resettle_handover_way"},
    {"handover_on", "衔接日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"unreached_reason", "未衔接原因", F_CODE, FF_READONLY | FF_FILTER | FF_LIST,
     .code_list = "resettle_unreached_reason"},
    {"unreached_note", "未衔接情况说明", F_TEXT, FF_READONLY, .max = 500},
    {"aid_until", "帮教期满日", F_DATE, FF_READONLY | FF_FILTER | FF_SORT,
     .readonly_why = "由释放日期和市局设定的帮教期 (年) 计算"},
    {"placement", "安置情况", F_CODE, FF_FILTER | FF_LIST, .code_list = "resettle_placement"},
    {"placed_on", "安置日期", F_DATE, FF_FILTER},
    {"end_reason", "终止帮教原因", F_CODE, FF_READONLY | FF_FILTER, .code_list = "resettle_end_reason"},
    {"ended_on", "解除 (终止) 日期", F_DATE, FF_READONLY | FF_FILTER},
    {"batch_id", "预释放名单", F_REF, FF_READONLY | FF_FILTER, .ref = "prerelease-lists",
     .readonly_why = "导入预释放名单时记录"},
    {"corrections_id", "原社区矫正档案", F_REF, FF_READONLY | FF_FILTER, .ref = "corrections-subjects",
     .readonly_why = "社区矫正期满移交时记录"},
    {"note", "备注", F_TEXT, 0, .max = 1000},
    {0},
};

static const wf_state_t person_states[] = {
    {"pending", "待衔接", 0},   /* due_at: release + resettle_handover_days (person_deadline) */
    {"unreached", "未衔接", 0}, /* the deadline stays: an unreached person is still owed a hand-over */
    {"aiding", "帮教中", 0},    /* due_at: the next visit (next_visit_due) */
    {"ended", "帮教期满", 0, true}, {"terminated", "终止帮教", 0, true}, {0},
};
static int end_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int visit_due_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t person_transitions[] = {
    {"handover", "衔接", "pending unreached", "aiding", .requires = "handover_way", .stamp = "handover_on",
     .meets_deadline = true, .hook = visit_due_hook},
    {"unreached", "登记未衔接", "pending", "unreached", .requires = "unreached_reason unreached_note"},
    {"end", "帮教期满解除", "aiding", "ended", .stamp = "ended_on", .hook = end_hook},
    {"terminate", "终止帮教", "pending unreached aiding", "terminated", .requires = "end_reason", .stamp = "ended_on"},
    {"reopen", "恢复帮教", "terminated", "aiding", .perm = "resettle.person.reopen", .hook = visit_due_hook},
    {0},
};
/* escalated (督办) one working day past the hand-over deadline or a missed visit */
static const workflow_t person_flow_v1 = {1, "pending", person_states, person_transitions, 0, 1};
static const workflow_t *const person_flows[] = {&person_flow_v1, NULL};

/* The next visit of a person in aid: the latest visit (else the hand-over)
 * plus resettle_key_visit_days for a key subject, resettle_visit_days for
 * the others, into due; "" when neither date is known.  0, or -1 on a
 * store error. */
static int next_visit_due(db_t *db, int64_t id, char due[11]) {
    db_stmt_t *s =
        db_prepare(db, "SELECT t.key_subject, COALESCE((SELECT MAX(v.visited_on) FROM resettle_visit v "
                       "WHERE v.released_id = t.id AND v.deleted_at IS NULL), t.handover_on, t.release_date) "
                       "FROM resettle_person t WHERE t.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    char last[11] = "";
    bool key = false;
    if (rc == DB_ROW) {
        key = db_col_int(s, 0) != 0;
        if (!db_col_null(s, 1)) snprintf(last, sizeof(last), "%.10s", db_col_text(s, 1));
    }
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE) return -1;
    due[0] = '\0';
    int64_t days = resettle_setting(db, key ? "resettle_key_visit_days" : "resettle_visit_days");
    if (days < 0) return -1;
    if (last[0] && date_plus_days(last, days, due) != 0) due[0] = '\0';
    return 0;
}

/* Writes the next visit into a person's due_at while in aid (a visit made
 * or edited, the hand-over, 恢复帮教), escalation cleared when it moved.
 * 0, or -1 on a store error. */
static int set_visit_due(db_t *db, int64_t id) {
    char due[11];
    if (next_visit_due(db, id, due) != 0) return -1;
    db_stmt_t *s = db_prepare(db, "UPDATE resettle_person SET due_at = $1, escalated = CASE WHEN due_at = $1 "
                                  "THEN escalated ELSE 0 END WHERE id = $2 AND wf_state = 'aiding'");
    if (!s) return -1;
    db_bind_text(s, 1, due[0] ? due : NULL, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

static int visit_due_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    return set_visit_due(r->db, id) == 0 ? 0 : (http_store_error(r), -1);
}

/* The hand-over is due resettle_handover_days after release while the
 * person is not yet handed over, the next visit while in aid; the aid
 * period's end is written beside it (the record's own fields decide). */
static int person_deadline(check_ctx_t *c, char due[11]) {
    const char *release = json_string_value(json_object_get(c->after, "release_date"));
    const char *state = json_string_value(json_object_get(c->after, "wf_state"));
    due[0] = '\0';
    if (!release) return 0;
    char until[11];
    int64_t years = resettle_setting(c->db, "resettle_aid_years"),
            handover = resettle_setting(c->db, "resettle_handover_days");
    if (years < 0 || handover < 0) return -1;
    if (date_plus_years(release, years, until) != 0) return 0;
    db_stmt_t *s = db_prepare(c->db, "UPDATE resettle_person SET aid_until = $1 WHERE id = $2");
    if (!s) return -1;
    db_bind_text(s, 1, until, -1);
    db_bind_int(s, 2, json_integer_value(json_object_get(c->after, "id")));
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return -1;
    json_object_set_new(c->after, "aid_until", json_string(until));
    if (state && strcmp(state, "aiding") == 0)
        return next_visit_due(c->db, json_integer_value(json_object_get(c->after, "id")), due);
    if (state && strcmp(state, "pending") && strcmp(state, "unreached")) return 0;
    if (json_is_string(json_object_get(c->after, "handover_on"))) return 0;
    if (date_plus_days(release, handover, due) != 0) due[0] = '\0';
    return 0;
}

/* A release date is not in the future beyond a pre-release list's month
 * ahead, nor before 1950; a key subject names a category; 帮教期满解除 only
 * once the aid period is over. */
static const char *person_rule(check_ctx_t *c, const char **field) {
    const char *release = json_string_value(json_object_get(c->after, "release_date"));
    char today[11], limit[11];
    wf_today(today);
    if (release && date_plus_days(today, 366, limit) == 0 && strcmp(release, limit) > 0)
        return *field = "release_date", "释放日期不能晚于一年以后";
    if (release && strcmp(release, "1950-01-01") < 0) return *field = "release_date", "释放日期有误";
    if (json_is_true(json_object_get(c->after, "key_subject")) &&
        !json_is_string(json_object_get(c->after, "key_reason")))
        return *field = "key_reason", "重点帮教对象须选择类别";
    const char *placed = json_string_value(json_object_get(c->after, "placed_on"));
    if (placed && release && strcmp(placed, release) < 0) return *field = "placed_on", "安置日期不能早于释放日期";
    if (c->op == CHECK_ACTION && c->action && strcmp(c->action, "handover") == 0 && release &&
        strcmp(today, release) < 0)
        return *field = "handover_way", "尚未释放, 不能登记衔接 (释放当日起可衔接)";
    return NULL;
}

/* 帮教期满解除: not before the aid period has run (release + the years). */
static int end_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    db_stmt_t *s = db_prepare(r->db, "SELECT aid_until FROM resettle_person WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    char until[11] = "";
    int rc = db_step(s);
    if (rc == DB_ROW && !db_col_null(s, 0)) snprintf(until, sizeof(until), "%s", db_col_text(s, 0));
    db_reset(s);
    if (rc < 0) return http_store_error(r), -1; /* not "no aid period": 解除 before it has run */
    char today[11];
    wf_today(today);
    if (until[0] && strcmp(today, until) < 0)
        return http_error(
                   r, 409, "aid_period_running",
                   arena_printf(r->arena, "帮教期至 %s 届满, 届满前不能解除; 如需提前结束请使用「终止帮教」", until)),
               -1;
    return 0;
}

static const entity_child_t person_children[] = {
    {"team", "resettle-team-members", CHILD_DELETE_CASCADE},
    {"visits", "resettle-visits", CHILD_DELETE_CASCADE},
    {"measures", "resettle-measures", CHILD_DELETE_CASCADE},
    {"reoffences", "resettle-reoffences", CHILD_DELETE_CASCADE},
    {0},
};
static int resettle_demo(const engine_demo_t *d, char *err, size_t errlen);
static const struct engine_generator released_generator;
static const entity_t released_persons = {
    .name = "released-persons",
    .label = "安置帮教对象",
    .table = "resettle_person",
    .perm = "resettle.person",
    .fields = person_fields,
    .flows = person_flows,
    .default_sort = "-release_date",
    .protected_ = true,
    .roles = RES_ROLES,
    .check = person_rule,
    .deadline = person_deadline,
    .code_lists = person_lists,
    .children = person_children,
    .cockpit = "",
    .cockpit_by_state = true,
    .demo = resettle_demo,
    .generate = &released_generator,
    LINE,
};

/* ---- children: 帮教小组, 走访, 帮扶措施, 重新违法犯罪 ---- */

#define PARENT_FIELD                                                                                                   \
    { "released_id", "安置帮教对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "released-persons" }

static const field_t team_fields[] = {
    PARENT_FIELD,
    {"member_name", "成员姓名", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 50},
    {"role", "角色", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "resettle_team_role"},
    {"unit", "工作单位", F_TEXT, FF_LIST, .max = 100},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .max = 20},
    {"joined_on", "加入日期", F_DATE, FF_TODAY | FF_FILTER},
    {0},
};
static const entity_t team_members = {
    .name = "resettle-team-members",
    .label = "帮教小组成员",
    .table = "resettle_team_member",
    .perm = "resettle.record",
    .fields = team_fields,
    .default_sort = "-id",
    .protected_ = true,
    .roles = RES_ROLES,
    .code_lists = team_lists,
    .parent = "released_id",
    .title = "member_name",
    LINE,
};

/* A dated record of the person's aid: not before the release. */
static const char *after_release(check_ctx_t *c, const char *date_field, const char **field) {
    const char *on = json_string_value(json_object_get(c->after, date_field));
    json_t *parent = on ? check_linked(c, "released_id") : NULL;
    const char *release = parent ? json_string_value(json_object_get(parent, "release_date")) : NULL;
    char today[11];
    wf_today(today);
    if (on && strcmp(on, today) > 0) return *field = date_field, "日期不能晚于今天";
    if (on && release && strcmp(on, release) < 0) return *field = date_field, "日期不能早于释放日期";
    return NULL;
}

static const field_t visit_fields[] = {
    PARENT_FIELD,
    {"visited_on", "走访日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"kind", "方式", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "resettle_visit_kind"},
    {"visitors", "走访人", F_TEXT, FF_REQUIRED | FF_LIST, .max = 100},
    {"content", "帮教情况", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 2000},
    {"next_on", "下次走访日期", F_DATE, FF_FILTER},
    {0},
};
static const char *visit_rule(check_ctx_t *c, const char **field) { return after_release(c, "visited_on", field); }
/* A visit moves its person's next visit (the person's due_at); the visit
 * itself has no deadline. */
static int visit_deadline(check_ctx_t *c, char due[11]) {
    due[0] = '\0';
    json_t *parent = json_object_get(c->after, "released_id");
    return json_is_integer(parent) ? set_visit_due(c->db, json_integer_value(parent)) : 0;
}
static const entity_t visits = {
    .name = "resettle-visits",
    .label = "帮教走访记录",
    .table = "resettle_visit",
    .perm = "resettle.record",
    .fields = visit_fields,
    .default_sort = "-visited_on",
    .protected_ = true,
    .roles = RES_ROLES,
    .check = visit_rule,
    .deadline = visit_deadline,
    .code_lists = visit_lists,
    .parent = "released_id",
    .title = "content",
    LINE,
};

static const field_t measure_fields[] = {
    PARENT_FIELD,
    {"kind", "帮扶类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "resettle_measure_kind"},
    {"content", "帮扶内容", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 500},
    {"started_on", "开始日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT},
    {"partner", "协同部门", F_TEXT, 0, .max = 100},
    {"outcome", "结果", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "resettle_outcome"},
    {"outcome_note", "结果说明", F_TEXT, 0, .max = 500},
    {"amount", "救助金额 (元)", F_DECIMAL, 0, .scale = 2, .min = 0, .max = 100000000},
    {0},
};
static const char *measure_rule(check_ctx_t *c, const char **field) {
    const char *why = after_release(c, "started_on", field);
    if (why) return why;
    const char *outcome = json_string_value(json_object_get(c->after, "outcome"));
    const char *note = json_string_value(json_object_get(c->after, "outcome_note"));
    if (outcome && strcmp(outcome, "in_progress") && (!note || !*note))
        return *field = "outcome_note", "已落实或未落实的措施须说明结果";
    return NULL;
}
static const entity_t measures = {
    .name = "resettle-measures",
    .label = "帮扶措施",
    .table = "resettle_measure",
    .perm = "resettle.record",
    .fields = measure_fields,
    .default_sort = "-started_on",
    .protected_ = true,
    .roles = RES_ROLES,
    .check = measure_rule,
    .code_lists = measure_lists,
    .parent = "released_id",
    .title = "content",
    LINE,
};

static const field_t reoffence_fields[] = {
    PARENT_FIELD,
    {"occurred_on", "发生日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"kind", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "resettle_reoffence_kind"},
    {"charge", "涉嫌罪名或违法行为", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"organ", "处理机关", F_TEXT, 0, .max = 100},
    {"outcome", "处理结果", F_TEXT, 0, .max = 500},
    {0},
};
static const char *reoffence_rule(check_ctx_t *c, const char **field) { return after_release(c, "occurred_on", field); }
static const entity_t reoffences = {
    .name = "resettle-reoffences",
    .label = "重新违法犯罪记录",
    .table = "resettle_reoffence",
    .perm = "resettle.record",
    .fields = reoffence_fields,
    .default_sort = "-occurred_on",
    .protected_ = true,
    .roles = RES_ROLES,
    .check = reoffence_rule,
    .code_lists = reoffence_lists,
    .parent = "released_id",
    .title = "charge",
    LINE,
};

/* ---- the prisons' pre-release lists (made by the import) ---- */

static const field_t batch_fields[] = {
    {"month", "名单月份", F_TEXT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .max = 7},
    {"prison", "发送单位 (监狱、看守所)", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"received_on", "接收日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"file_name", "文件名", F_TEXT, 0, .max = 200},
    {"rows", "名单人数", F_INT, FF_LIST, .min = 0, .max = 1000000},
    {"matched", "人员库已有", F_INT, 0, .min = 0, .max = 1000000},
    {"registered", "新登记入人员库", F_INT, 0, .min = 0, .max = 1000000},
    {"duplicates", "此前已接收", F_INT, 0, .min = 0, .max = 1000000},
    {"note", "备注", F_TEXT, 0, .max = 1000},
    {0},
};
static const entity_t batches = {
    .name = "prerelease-lists",
    .label = "预释放人员名单",
    .table = "resettle_batch",
    .perm = "resettle.prerelease",
    .fields = batch_fields,
    .default_sort = "-received_on",
    /* not protected: a list record holds its counts, month, sender and
     * file name — no one's data (the people are released-persons) — and
     * the district that imports it reads it */
    .roles = RES_ROLES,
    .create_via = "预释放人员名单请通过「导入预释放名单」上传监狱、看守所发来的 CSV 或 Excel 文件",
    .title = "prison",
    LINE,
};

static const perm_def_t resettle_perms[] = {
    {"resettle.stats", "查看安置帮教统计", RES_ROLES},
    {"resettle.person.reopen", "恢复帮教 (撤销终止)", "district_admin office_director"},
    {0},
};

/* ---- the one intake ---- */

int64_t resettlement_intake(http_req_t *r, const resettle_intake_t *in, int64_t *existing, const char **why) {
    *existing = 0;
    if (why) *why = NULL;
    if (in->person_id <= 0 || in->office_id <= 0 || !in->release_date || !date_valid(in->release_date)) {
        if (why) *why = "缺少人员、接收司法所或释放日期";
        return -1;
    }
    db_t *db = r->db;
    db_stmt_t *s = db_prepare(db, "SELECT path, level FROM org_units WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, in->office_id);
    const char *path = NULL;
    bool office = false;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        path = arena_strdup(r->arena, db_col_text(s, 0));
        office = strcmp(db_col_text(s, 1), "office") == 0;
    }
    db_reset(s);
    if (rc < 0) return -1; /* a store error (no why), not "须为司法所" */
    if (!path || !office) {
        if (why) *why = "接收单位须为司法所";
        return -1;
    }
    s = db_prepare(db, "SELECT id FROM resettle_person WHERE person_id = $1 AND release_date = $2 AND org_id = $3 "
                       "AND deleted_at IS NULL LIMIT 1");
    if (!s) return -1;
    db_bind_int(s, 1, in->person_id);
    db_bind_text(s, 2, in->release_date, -1);
    db_bind_int(s, 3, in->office_id);
    rc = db_step(s);
    if (rc == DB_ROW) *existing = db_col_int(s, 0);
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE) return -1;
    if (*existing) return 0;

    char due[11] = "", until[11] = "", now[21];
    iso_from_unix(now_unix(), now);
    int64_t handover = resettle_setting(db, "resettle_handover_days"),
            years = resettle_setting(db, "resettle_aid_years");
    if (handover < 0 || years < 0) return -1;
    if ((!in->handover_way && date_plus_days(in->release_date, handover, due) != 0) ||
        date_plus_years(in->release_date, years, until) != 0)
        return -1;
    json_t *f = json_object();
    json_object_set_new(f, "created_at", json_string(now));
    json_object_set_new(f, "updated_at", json_string(now));
    json_object_set_new(f, "state_since", json_string(now));
    const principal_t *p = auth_principal(r);
    if (p && p->user_id) {
        json_object_set_new(f, "created_by", json_integer(p->user_id));
        json_object_set_new(f, "updated_by", json_integer(p->user_id));
    }
    if (in->handover_way) {
        json_object_set_new(f, "handover_way", json_string(in->handover_way));
        json_object_set_new(f, "handover_on", json_string(in->release_date));
    } else
        json_object_set_new(f, "due_at", json_string(due));
    json_object_set_new(f, "person_id", json_integer(in->person_id));
    json_object_set_new(f, "source", json_string(in->source ? in->source : "other"));
    json_object_set_new(f, "prison", json_string(in->prison && *in->prison ? in->prison : "不详"));
    json_object_set_new(f, "release_date", json_string(in->release_date));
    json_object_set_new(f, "aid_until", json_string(until));
    json_object_set_new(f, "key_subject", json_boolean(in->key_subject));
    if (in->crime) json_object_set_new(f, "crime", json_string(in->crime));
    if (in->crime_category) json_object_set_new(f, "crime_category", json_string(in->crime_category));
    if (in->sentence) json_object_set_new(f, "sentence", json_string(in->sentence));
    if (in->key_reason)
        json_object_set_new(f, "key_reason", json_string(in->key_reason));
    else if (in->key_subject)
        json_object_set_new(f, "key_reason", json_string("other"));
    if (in->note) json_object_set_new(f, "note", json_string(in->note));
    if (in->batch_id) json_object_set_new(f, "batch_id", json_integer(in->batch_id));
    if (in->corrections_id) json_object_set_new(f, "corrections_id", json_integer(in->corrections_id));
    if (in->residence && *in->residence) {
        const char *enc, *masked, *index;
        if (engine_pi_encode(r, entity_field(&released_persons, "residence"), in->residence, &enc, &masked, &index) !=
            0) {
            json_decref(f);
            return -1;
        }
        json_object_set_new(f, "residence_enc", json_string(enc));
        json_object_set_new(f, "residence_masked", json_string(masked));
    }
    int64_t id =
        engine_insert_raw(db, &released_persons, in->office_id, path, in->handover_way ? "aiding" : "pending", f);
    json_decref(f);
    if (id <= 0) return -1;
    if (in->handover_way && set_visit_due(db, id) != 0) return -1;

    /* 一次录入、多方共享: a person registered by another unit is shared
     * with the receiving office, so its staff may link and print them */
    s = db_prepare(db, "SELECT o.path FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, in->person_id);
    bool elsewhere = false;
    rc = db_step(s);
    if (rc == DB_ROW) {
        const char *pp = db_col_text(s, 0);
        elsewhere = strncmp(pp, path, strlen(path)) != 0;
    }
    db_reset(s);
    if (rc < 0) return -1;
    if (elsewhere) {
        audit_event_t ev = {.action = "person.shared",
                            .entity = "persons",
                            .entity_id = in->person_id,
                            .result = "ok",
                            .detail_json = "{\"via\":\"resettlement_intake\"}",
                            .user_id = p ? p->user_id : 0,
                            .username = p ? p->username : "系统",
                            .org_id = in->office_id,
                            .ip = r->peer};
        if (audit_write(db, auth_keys(), &ev) != 0) return -1;
    }
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"intake\":\"%s\",\"batch\":%lld,\"corrections\":%lld}",
             in->source ? in->source : "other", (long long)in->batch_id, (long long)in->corrections_id);
    if (auth_audit(r, "record.create", released_persons.name, id, "ok", detail) != 0) return -1;
    if (engine_notify_write(db, &released_persons, path, p ? p->user_id : 0) != 0) return -1;
    return id;
}

/* ---- community corrections' hand-over (corrections.h) ---- */

/* 社区矫正期满解除 of a subject who came from prison (假释, 暂予监外执行) or
 * was marked 需衔接安置帮教: the same person, at the same office, enters
 * 安置帮教 on the release date, handed over at once (the office supervised
 * them itself) — nothing typed again.  A subject whose correction was
 * terminated (revoked, taken into custody, died) is not released to the
 * office and is not handed on. */
static int from_corrections(http_req_t *r, const corrections_handoff_t *h) {
    if (!h->applicable || strcmp(h->end_kind, "released") != 0) return 0;
    static const char *const types[][2] = {
        {"control", "管制"}, {"probation", "缓刑"}, {"parole", "假释"}, {"medical_parole", "暂予监外执行"}};
    const char *type = h->corr_type;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(types[i][0], h->corr_type) == 0) type = types[i][1];
    char today[11];
    wf_today(today);
    resettle_intake_t in = {
        .person_id = h->person_id,
        .office_id = h->office_id,
        .source = "corrections",
        .release_date = h->ended_on ? h->ended_on : today,
        .prison = arena_printf(r->arena, "社区矫正期满解除 (%s)", type),
        .note = h->release_cert_no ? arena_printf(r->arena, "解除社区矫正证明书 %s", h->release_cert_no) : NULL,
        .handover_way = "corrections",
        .corrections_id = h->subject_id};
    int64_t existing = 0;
    const char *why = NULL;
    if (resettlement_intake(r, &in, &existing, &why) >= 0) return 0;
    if (why)
        http_error(r, 422, "resettlement_handoff", arena_printf(r->arena, "移交安置帮教未成功: %s", why));
    else
        http_store_error(r);
    return -1;
}

/* ---- scale data: `sifasuo generate released-persons --count N` ---- */

/* Item i: a person released on one of the 2 190 days before 2026-12-01,
 * owned by office i mod offices and linked to a person that office
 * registered (else any); every tenth 待衔接, every fiftieth 帮教期满, the
 * rest 帮教中 with a visit, half of them with a 帮教小组 member, a third
 * placed, a seventh key subjects.  Marked in the note; a run continues
 * after the earlier ones.  For the statistics' measurements
 * (docs/resettlement.md). */
typedef struct gen_people {
    int64_t fallback, *person; /* one person per office (index as g->offices) */
} gen_people_t;

static int released_prepare(engine_gen_t *g, char *err, size_t errlen) {
    g->start = db_query_int(g->db, "SELECT COUNT(*) FROM resettle_person WHERE note = '生成数据'", 0);
    if (engine_gen_offices(g, err, errlen) != 0) return -1;
    gen_people_t *own = calloc(1, sizeof(*own));
    if (!own || !(own->person = calloc((size_t)g->noffices, sizeof(int64_t)))) {
        free(own);
        return snprintf(err, errlen, "内存不足"), -1;
    }
    g->own = own;
    own->fallback = db_query_int(g->db, "SELECT MIN(id) FROM persons", 0);
    if (!own->fallback) return snprintf(err, errlen, "人员库为空: 请先 generate persons 或 init --demo"), -1;
    db_stmt_t *s = db_prepare(g->db, "SELECT org_id, MIN(id) FROM persons GROUP BY org_id");
    if (!s) return snprintf(err, errlen, "%s", db_errmsg(g->db)), -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        for (int k = 0; k < g->noffices; k++)
            if (g->offices[k] == db_col_int(s, 0)) own->person[k] = db_col_int(s, 1);
    db_reset(s);
    if (rc != DB_DONE) return snprintf(err, errlen, "%s", db_errmsg(g->db)), -1;
    return 0;
}

static void released_done(engine_gen_t *g) {
    gen_people_t *own = g->own;
    if (own) free(own->person);
    free(own);
    g->own = NULL;
}

static int released_one(engine_gen_t *g, int64_t i) {
    gen_people_t *own = g->own;
    int office = (int)(i % g->noffices);
    const char *state = i % 10 == 0 ? "pending" : i % 50 == 1 ? "ended" : "aiding";
    char release[11], until[11], handed[11], due[11], visit[11];
    date_plus_days("2020-12-02", i * 37 % 2190, release); /* spread over the six years */
    date_plus_years(release, 5, until);
    date_plus_days(release, 3, handed);
    date_plus_days(release, 30, due);
    date_plus_days("2026-01-01", i % 330, visit);
    bool aiding = strcmp(state, "aiding") == 0, pending = strcmp(state, "pending") == 0;
    json_t *f = json_object();
    json_object_set_new(f, "created_at", json_string("2026-11-30T09:00:00Z"));
    json_object_set_new(f, "updated_at", json_string("2026-11-30T09:00:00Z"));
    json_object_set_new(f, "state_since", json_string("2026-11-30T09:00:00Z"));
    json_object_set_new(f, "person_id", json_integer(own->person[office] ? own->person[office] : own->fallback));
    json_object_set_new(f, "source", json_string("prison"));
    json_object_set_new(f, "prison", json_string("上海市提篮桥监狱"));
    json_object_set_new(f, "release_date", json_string(release));
    json_object_set_new(f, "aid_until", json_string(until));
    json_object_set_new(f, "key_subject", json_boolean(i % 7 == 0));
    if (i % 7 == 0) json_object_set_new(f, "key_reason", json_string("recidivist"));
    if (!pending) {
        json_object_set_new(f, "handover_on", json_string(handed));
        json_object_set_new(f, "handover_way", json_string("reported"));
    } else
        json_object_set_new(f, "due_at", json_string(due));
    if (i % 3 == 0) json_object_set_new(f, "placement", json_string("employed"));
    if (strcmp(state, "ended") == 0) json_object_set_new(f, "ended_on", json_string(until));
    json_object_set_new(f, "note", json_string("生成数据"));
    int64_t id = engine_insert_raw(g->db, &released_persons, g->offices[office], g->path[office], state, f);
    json_decref(f);
    if (id <= 0 || !aiding) return id > 0 ? 0 : -1;
    f = json_object();
    json_object_set_new(f, "created_at", json_string("2026-11-30T09:00:00Z"));
    json_object_set_new(f, "updated_at", json_string("2026-11-30T09:00:00Z"));
    json_object_set_new(f, "released_id", json_integer(id));
    json_object_set_new(f, "visited_on", json_string(strcmp(visit, release) < 0 ? release : visit));
    json_object_set_new(f, "kind", json_string("home"));
    json_object_set_new(f, "visitors", json_string("司法所"));
    json_object_set_new(f, "content", json_string("走访"));
    int64_t v = engine_insert_raw(g->db, &visits, g->offices[office], g->path[office], NULL, f);
    json_decref(f);
    if (v <= 0) return -1;
    if (i % 2 == 0) {
        f = json_object();
        json_object_set_new(f, "created_at", json_string("2026-11-30T09:00:00Z"));
        json_object_set_new(f, "updated_at", json_string("2026-11-30T09:00:00Z"));
        json_object_set_new(f, "released_id", json_integer(id));
        json_object_set_new(f, "member_name", json_string("帮教组长"));
        json_object_set_new(f, "role", json_string("leader"));
        int64_t m = engine_insert_raw(g->db, &team_members, g->offices[office], g->path[office], NULL, f);
        json_decref(f);
        if (m <= 0) return -1;
    }
    return set_visit_due(g->db, id);
}

static const struct engine_generator released_generator = {
    .batch = 500, .prepare = released_prepare, .one = released_one, .done = released_done};

/* ---- demo data: one office's caseload in every state ---- */

static int demo_child(db_t *db, const entity_t *e, int64_t office, const char *path, json_t *f) {
    int64_t id = engine_insert_raw(db, e, office, path, NULL, f);
    json_decref(f);
    return id > 0 ? 0 : -1;
}

/* Eight people of the office's registry: two waiting for hand-over (one
 * past the deadline), one not reached with a reason, three in aid (one a
 * key subject with his team, visits and help), one whose period ended and
 * one ended by a new crime. */
static int resettle_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    db_stmt_t *q =
        db_prepare(d->db, "SELECT id, path FROM org_units WHERE level = 'office' AND name = '陆家嘴街道司法所'");
    if (!q) goto fail;
    if (db_step(q) != DB_ROW) return db_reset(q), 0;
    int64_t office = db_col_int(q, 0);
    char path[128];
    snprintf(path, sizeof(path), "%s", db_col_text(q, 1));
    db_reset(q);
    q = db_prepare(d->db, "SELECT id FROM persons WHERE org_id = $1 AND merged_into IS NULL ORDER BY id DESC LIMIT 8");
    if (!q) goto fail;
    db_bind_int(q, 1, office);
    int64_t people[8];
    int n = 0, rc = DB_DONE;
    while (n < 8 && (rc = db_step(q)) == DB_ROW)
        people[n++] = db_col_int(q, 0);
    db_reset(q);
    if (rc < 0) goto fail;
    if (n < 8) return 0;
    json_t *bf = json_object();
    json_object_set_new(bf, "month", json_string("2026-11"));
    json_object_set_new(bf, "prison", json_string("上海市提篮桥监狱"));
    json_object_set_new(bf, "received_on", json_string("2026-10-28"));
    json_object_set_new(bf, "file_name", json_string("提篮桥监狱2026年11月预释放人员名单.xlsx"));
    json_object_set_new(bf, "rows", json_integer(3));
    json_object_set_new(bf, "matched", json_integer(1));
    json_object_set_new(bf, "registered", json_integer(2));
    json_object_set_new(bf, "duplicates", json_integer(0));
    int64_t batch = engine_insert_raw(d->db, &batches, office, path, NULL, bf);
    json_decref(bf);
    if (batch <= 0) goto fail;
    static const struct demo_person {
        const char *state, *release, *due, *source, *prison, *crime, *category, *sentence, *placement;
        bool key;
        const char *key_reason, *handover_on, *unreached, *end_reason, *ended_on;
    } demo[8] = {
        {"pending", "2026-12-03", "2027-01-02", "prison", "上海市提篮桥监狱", "盗窃罪", "property", "有期徒刑二年",
         NULL, false, NULL, NULL, NULL, NULL, NULL},
        {"pending", "2026-10-20", "2026-11-19", "prison", "上海市提篮桥监狱", "诈骗罪", "fraud", "有期徒刑三年", NULL,
         true, "recidivist", NULL, NULL, NULL, NULL},
        {"unreached", "2026-10-30", "2026-11-29", "prison", "上海市青浦监狱", "故意伤害罪", "violent",
         "有期徒刑一年六个月", NULL, false, NULL, NULL, "left_city", NULL, NULL},
        {"aiding", "2026-06-15", NULL, "prison", "上海市南汇监狱", "贩卖毒品罪", "drugs", "有期徒刑五年", "employed",
         true, "drugs", "2026-06-15", NULL, NULL, NULL},
        {"aiding", "2025-09-01", NULL, "detention", "上海市看守所", "危险驾驶罪", "traffic", "拘役四个月",
         "self_employed", false, NULL, "2025-09-05", NULL, NULL, NULL},
        {"aiding", "2024-03-10", NULL, "prison", "上海市五角场监狱", "抢夺罪", "property", "有期徒刑二年", "unplaced",
         false, NULL, "2024-03-12", NULL, NULL, NULL},
        {"ended", "2021-05-20", NULL, "prison", "上海市周浦监狱", "职务侵占罪", "duty", "有期徒刑三年", "employed",
         false, NULL, "2021-05-21", NULL, NULL, "2026-05-20"},
        {"terminated", "2025-01-08", NULL, "prison", "上海市提篮桥监狱", "盗窃罪", "property", "有期徒刑一年",
         "unplaced", false, NULL, "2025-01-09", NULL, "reoffended", "2026-08-02"},
    };
    int64_t rec[8];
    for (int i = 0; i < 8; i++) {
        const struct demo_person *x = &demo[i];
        json_t *f = json_object();
        char until[11];
        date_plus_years(x->release, 5, until);
        json_object_set_new(f, "person_id", json_integer(people[i]));
        json_object_set_new(f, "source", json_string(x->source));
        json_object_set_new(f, "prison", json_string(x->prison));
        json_object_set_new(f, "crime", json_string(x->crime));
        json_object_set_new(f, "crime_category", json_string(x->category));
        json_object_set_new(f, "sentence", json_string(x->sentence));
        json_object_set_new(f, "release_date", json_string(x->release));
        json_object_set_new(f, "aid_until", json_string(until));
        json_object_set_new(f, "key_subject", json_boolean(x->key));
        if (x->key_reason) json_object_set_new(f, "key_reason", json_string(x->key_reason));
        if (x->due) json_object_set_new(f, "due_at", json_string(x->due));
        if (x->placement) json_object_set_new(f, "placement", json_string(x->placement));
        if (x->placement && strcmp(x->placement, "unplaced"))
            json_object_set_new(f, "placed_on", json_string(x->handover_on));
        if (x->handover_on) {
            json_object_set_new(f, "handover_on", json_string(x->handover_on));
            json_object_set_new(f, "handover_way", json_string(x->key ? "escorted" : "reported"));
        }
        if (x->unreached) {
            json_object_set_new(f, "unreached_reason", json_string(x->unreached));
            json_object_set_new(f, "unreached_note",
                                json_string("经派出所、居委会核实, 本人已随家属去外省市居住, 电话无法接通"));
        }
        if (x->end_reason) json_object_set_new(f, "end_reason", json_string(x->end_reason));
        if (x->ended_on) json_object_set_new(f, "ended_on", json_string(x->ended_on));
        if (i < 2) json_object_set_new(f, "batch_id", json_integer(batch));
        json_object_set_new(f, "state_since", json_string("2026-11-30T01:00:00Z"));
        rec[i] = engine_insert_raw(d->db, &released_persons, office, path, x->state, f);
        json_decref(f);
        if (rec[i] <= 0) goto fail;
    }
    /* the key subject's team, visits, help; a re-offence for the terminated one */
    static const struct {
        const char *name, *role, *unit;
    } team[] = {
        {"刘芳", "leader", "陆家嘴街道司法所"},
        {"王警官", "police", "陆家嘴派出所"},
        {"陈阿姨", "committee", "梅园居委会"},
        {"林社工", "social_worker", "新航社区服务站"},
    };
    for (int i = 0; i < 4; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "released_id", json_integer(rec[3]));
        json_object_set_new(f, "member_name", json_string(team[i].name));
        json_object_set_new(f, "role", json_string(team[i].role));
        json_object_set_new(f, "unit", json_string(team[i].unit));
        json_object_set_new(f, "joined_on", json_string("2026-06-15"));
        if (demo_child(d->db, &team_members, office, path, f) != 0) goto fail;
    }
    static const struct {
        int who;
        const char *on, *kind, *content;
    } vs[] = {
        {3, "2026-06-15", "home", "狱门接回, 送至家中, 与家属座谈, 了解就业意愿"},
        {3, "2026-09-20", "field", "到用工单位了解工作表现, 单位反映遵守纪律"},
        {3, "2026-11-18", "talk", "到所谈话, 情绪稳定, 已按时参加社区戒毒康复活动"},
        {4, "2026-10-08", "phone", "电话回访, 经营早餐店, 收入稳定"},
    };
    for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        json_t *f = json_object();
        json_object_set_new(f, "released_id", json_integer(rec[vs[i].who]));
        json_object_set_new(f, "visited_on", json_string(vs[i].on));
        json_object_set_new(f, "kind", json_string(vs[i].kind));
        json_object_set_new(f, "visitors", json_string("刘芳、林社工"));
        json_object_set_new(f, "content", json_string(vs[i].content));
        if (demo_child(d->db, &visits, office, path, f) != 0) goto fail;
    }
    static const struct {
        int who;
        const char *kind, *content, *on, *outcome, *note;
    } ms[] = {
        {3, "employment", "推荐至物业公司任保安", "2026-06-20", "done", "2026-07-01 起签订劳动合同"},
        {3, "relief", "申请临时救助金 1500 元", "2026-06-16", "done", "街道社区事务受理中心已发放"},
        {5, "housing", "协助申请公共租赁住房", "2026-10-15", "in_progress", NULL},
        {5, "training", "推荐参加中式烹调师培训", "2026-09-01", "failed", "本人未按时参加"},
    };
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
        json_t *f = json_object();
        json_object_set_new(f, "released_id", json_integer(rec[ms[i].who]));
        json_object_set_new(f, "kind", json_string(ms[i].kind));
        json_object_set_new(f, "content", json_string(ms[i].content));
        json_object_set_new(f, "started_on", json_string(ms[i].on));
        json_object_set_new(f, "outcome", json_string(ms[i].outcome));
        if (ms[i].note) json_object_set_new(f, "outcome_note", json_string(ms[i].note));
        if (strcmp(ms[i].kind, "relief") == 0) json_object_set_new(f, "amount", json_integer(150000));
        if (demo_child(d->db, &measures, office, path, f) != 0) goto fail;
    }
    json_t *f = json_object();
    json_object_set_new(f, "released_id", json_integer(rec[7]));
    json_object_set_new(f, "occurred_on", json_string("2026-08-01"));
    json_object_set_new(f, "kind", json_string("crime"));
    json_object_set_new(f, "charge", json_string("涉嫌盗窃罪"));
    json_object_set_new(f, "organ", json_string("浦东分局陆家嘴派出所"));
    json_object_set_new(f, "outcome", json_string("已刑事拘留"));
    if (demo_child(d->db, &reoffences, office, path, f) != 0) goto fail;
    for (int i = 3; i < 6; i++) /* those in aid: the next visit (the one never visited is overdue) */
        if (set_visit_due(d->db, rec[i]) != 0) goto fail;
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void resettlement_routes_register(void) {
    resettlement_import_register();
    resettlement_stats_register();
}

void resettlement_declare(void) {
    perm_register(resettle_perms);
    entity_register(&batches);
    entity_register(&released_persons);
    entity_register(&team_members);
    entity_register(&visits);
    entity_register(&measures);
    entity_register(&reoffences);
    std_rules_register(NULL, 0, resettle_settings);
    corrections_handoff_register(from_corrections);
}
