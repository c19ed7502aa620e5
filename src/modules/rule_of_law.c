/* rule_of_law.c — grassroots rule-of-law building (基层法治; plan clause 4,
 * issue 21 points 5–7): the office coordinates the street/town's rule-of-law
 * work.
 *
 *   rol-tasks            rule-of-law tasks assigned to units, with deadlines
 *                        and 考核 (score); their 督察 visits (rol-inspections)
 *   rol-trainings        training sessions the office delivers
 *   admin-meetings       the director's attendance (列席) at the street/town's
 *                        administrative meetings, with the legal opinions given
 *   party-reports        the regular work reports to the party (工)委
 *   observation-points   法治观察点, their observers and the issues they
 *                        report; an issue becomes a task or a legality review
 *
 * The clause-4 standards rule (standards_rules.c, c4_meetings) reads
 * admin-meetings and party-reports. */
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

#define ROL_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define LINE .line = "rule-of-law", .line_label = "基层法治", .cockpit = ""

static const code_seed_t task_kinds[] = {
    {"decision", "推进依法决策"},
    {"enforcement", "规范执法"},
    {"village", "村(居)依法治理"},
    {"education", "普法宣传"},
    {"dispute", "矛盾纠纷化解"},
    {"other", "其他"},
    {0},
};
static const code_seed_t ratings[] = {
    {"good", "好"},
    {"fair", "较好"},
    {"poor", "需整改"},
    {0},
};
static const code_seed_t report_bodies[] = {
    {"party_committee", "街道党工委 / 乡镇党委"},
    {"government", "街道办事处 / 乡镇政府"},
    {0},
};
static const code_seed_t meeting_kinds[] = {
    {"executive", "主任 (镇长) 办公会议"},
    {"party", "党(工)委会议"},
    {"special", "专题会议"},
    {0},
};
static const code_list_decl_t task_lists[] = {
    {"rol_task_kind", "法治建设任务类别", task_kinds},
    {"rol_rating", "督察评价", ratings},
    {0},
};
static const code_list_decl_t report_lists[] = {
    {"rol_report_body", "汇报对象", report_bodies},
    {0},
};
static const code_list_decl_t meeting_lists[] = {
    {"rol_meeting_kind", "会议类别", meeting_kinds},
    {0},
};

/* ---- 法治建设任务, 督察, 考核 ---- */

static const field_t task_fields[] = {
    {"title", "任务", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "rol_task_kind"},
    {"unit_id", "责任单位 (村居)", F_REF, FF_FILTER | FF_LIST, .ref = "org_units"},
    {"department", "责任部门", F_TEXT, FF_SEARCH | FF_LIST, .max = 100},
    {"content", "任务要求", F_TEXT, FF_SEARCH, .max = 4000},
    {"assigned_on", "交办日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT},
    {"deadline_on", "完成期限", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"source_issue_id", "来源 (观察点问题)", F_REF, FF_READONLY | FF_FILTER, .ref = "observation-issues",
     .readonly_why = "由法治观察点反映的问题转办时填写"},
    {"completion_note", "完成情况", F_TEXT, FF_READONLY, .max = 2000},
    {"completed_on", "完成日期", F_DATE, FF_READONLY},
    {"score", "考核得分", F_INT, FF_READONLY | FF_FILTER | FF_SORT | FF_LIST, .min = 0, .max = 100},
    {"assessment", "考核意见", F_TEXT, FF_READONLY, .max = 1000},
    {0},
};
static const wf_state_t task_states[] = {
    {"assigned", "办理中", 0}, /* due_at: the task's own 完成期限 (task_deadline) */
    {"completed", "待考核", 10},
    {"assessed", "已考核", 0, true},
    {0},
};
static const wf_transition_t task_transitions[] = {
    {"complete", "报告完成", "assigned", "completed", .requires = "completion_note", .stamp = "completed_on",
     .meets_deadline = true},
    {"send_back", "退回重办", "completed", "assigned"},
    {"assess", "考核评分", "completed", "assessed", .requires = "score assessment"},
    {0},
};
static const workflow_t task_flow_v1 = {1, "assigned", task_states, task_transitions, 0, 1};
static const workflow_t *const task_flows[] = {&task_flow_v1, NULL};

/* The deadline is the task's own 完成期限. */
static int task_deadline(check_ctx_t *c, char due[11]) {
    const char *d = json_string_value(json_object_get(c->after, "deadline_on"));
    snprintf(due, 11, "%s", d && !json_is_string(json_object_get(c->after, "completed_on")) ? d : "");
    return 0;
}
static const char *task_check(check_ctx_t *c, const char **field) {
    const char *a = json_string_value(json_object_get(c->after, "assigned_on"));
    const char *d = json_string_value(json_object_get(c->after, "deadline_on"));
    if (a && d && strcmp(d, a) < 0) return *field = "deadline_on", "完成期限不能早于交办日期";
    return NULL;
}
static const entity_child_t task_children[] = {
    {"inspections", "rol-inspections", CHILD_DELETE_CASCADE},
    {0},
};
static int demo_rol(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t tasks = {
    .name = "rol-tasks",
    .label = "法治建设任务",
    .table = "rol_task",
    .perm = "rol.task",
    .fields = task_fields,
    .flows = task_flows,
    .notify_assigned = true, /* a district's task for an office: 交办, told to those who report it */
    .default_sort = "deadline_on",
    .roles = ROL_ROLES,
    .check = task_check,
    .code_lists = task_lists,
    .children = task_children,
    LINE,
    .cockpit_by_state = true,
    .deadline = task_deadline,
    .demo = demo_rol,
};

static const field_t inspection_fields[] = {
    {"task_id", "任务", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "rol-tasks"},
    {"inspected_on", "督察日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"inspectors", "督察人员", F_TEXT, FF_REQUIRED | FF_LIST, .max = 100},
    {"findings", "督察发现", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 2000},
    {"rating", "评价", F_CODE, FF_FILTER | FF_LIST, .code_list = "rol_rating"},
    {0},
};
static const entity_t inspections = {
    .name = "rol-inspections",
    .label = "法治督察",
    .table = "rol_inspection",
    .perm = "rol.inspection",
    .fields = inspection_fields,
    .default_sort = "-inspected_on",
    .roles = ROL_ROLES,
    .parent = "task_id",
    LINE,
};

static const field_t training_fields[] = {
    {"title", "培训主题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"held_on", "培训日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"audience", "培训对象", F_TEXT, FF_REQUIRED | FF_LIST, .max = 200},
    {"participants", "参训人数", F_INT, FF_REQUIRED | FF_LIST, .min = 1, .max = 100000},
    {"trainer", "授课人", F_TEXT, 0, .max = 100},
    {"hours", "学时", F_INT, 0, .min = 0, .max = 100},
    {0},
};
static const entity_t trainings = {
    .name = "rol-trainings",
    .label = "法治培训",
    .table = "rol_training",
    .perm = "rol.training",
    .fields = training_fields,
    .default_sort = "-held_on",
    .roles = ROL_ROLES,
    LINE,
};

/* ---- 列席行政会议, 向党(工)委汇报 (clause 4; the standards rule reads them) ---- */

static const field_t meeting_fields[] = {
    {"title", "会议名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "会议类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "rol_meeting_kind"},
    {"held_on", "会议日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"attended", "所长列席", F_BOOL, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"attendee", "列席人", F_TEXT, 0, .max = 50},
    {"topics", "议题", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 2000},
    {"opinions", "提出的法律意见", F_TEXT, FF_SEARCH, .max = 4000},
    {"opinions_count", "法律意见条数", F_INT, FF_LIST, .min = 0, .max = 100},
    {"review_id", "相关合法性审查", F_REF, FF_FILTER, .ref = "legality-reviews"},
    {0},
};
static const entity_t meetings = {
    .name = "admin-meetings",
    .label = "列席行政会议",
    .table = "admin_meeting",
    .perm = "rol.meeting",
    .fields = meeting_fields,
    .default_sort = "-held_on",
    .roles = ROL_ROLES,
    .code_lists = meeting_lists,
    LINE,
};

static const field_t report_fields[] = {
    {"title", "汇报事项", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"reported_to", "汇报对象", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "rol_report_body"},
    {"reported_on", "汇报日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"reporter", "汇报人", F_TEXT, 0, .max = 50},
    {"summary", "汇报内容", F_TEXT, FF_SEARCH, .max = 4000},
    {"instructions", "领导批示/要求", F_TEXT, 0, .max = 2000},
    {0},
};
static const entity_t reports = {
    .name = "party-reports",
    .label = "向党(工)委汇报",
    .table = "party_report",
    .perm = "rol.report",
    .fields = report_fields,
    .default_sort = "-reported_on",
    .roles = ROL_ROLES,
    .code_lists = report_lists,
    LINE,
};

/* ---- 法治观察点, 观察员, 反映的问题 ---- */

static const field_t point_fields[] = {
    {"name", "观察点名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"village_id", "所在村(居)", F_REF, FF_FILTER | FF_LIST, .ref = "org_units"},
    {"address", "地址", F_TEXT, 0, .max = 200},
    {"established_on", "设立日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"focus", "观察重点", F_TEXT, 0, .max = 500},
    {0},
};
static const entity_child_t point_children[] = {
    {"observers", "observers", CHILD_DELETE_CASCADE},
    {0},
};
static const entity_t points = {
    .name = "observation-points",
    .label = "法治观察点",
    .table = "observation_point",
    .perm = "rol.point",
    .fields = point_fields,
    .default_sort = "name",
    .roles = ROL_ROLES,
    .children = point_children,
    LINE,
};

static const field_t observer_fields[] = {
    {"point_id", "观察点", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "observation-points"},
    {"name", "观察员", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 50},
    {"occupation", "身份 (职业)", F_TEXT, FF_LIST, .max = 100},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"appointed_on", "聘任日期", F_DATE, FF_SORT},
    {0},
};
static const entity_t observers = {
    .name = "observers",
    .label = "法治观察员",
    .table = "observer",
    .perm = "rol.observer",
    .fields = observer_fields,
    .default_sort = "name",
    .roles = ROL_ROLES,
    .parent = "point_id",
    LINE,
};

static const field_t issue_fields[] = {
    {"title", "问题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"point_id", "观察点", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "observation-points"},
    {"reported_on", "反映日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"reporter", "反映人 (观察员)", F_TEXT, 0, .max = 50},
    {"content", "具体情况", F_TEXT, FF_SEARCH, .max = 4000},
    {"task_deadline", "转办任务完成期限", F_DATE, FF_READONLY},
    {"task_id", "转办的法治任务", F_REF, FF_READONLY | FF_FILTER, .ref = "rol-tasks"},
    {"review_type", "转送审查类型", F_CODE, FF_READONLY, .code_list = "lawful_review_type"},
    {"review_id", "转送的合法性审查", F_REF, FF_READONLY | FF_FILTER, .ref = "legality-reviews"},
    {"handling_note", "处理情况", F_TEXT, FF_READONLY, .max = 2000},
    {0},
};
static const wf_state_t issue_states[] = {
    {"reported", "待处理", 5}, /* 5 working days to decide what becomes of it */
    {"tasked", "已转法治任务", 0, true}, {"reviewed", "已转合法性审查", 0, true}, {"closed", "已办结", 0, true}, {0},
};
static int to_task_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int to_review_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t issue_transitions[] = {
    {"to_task", "转为法治任务", "reported", "tasked", .requires = "task_deadline", .hook = to_task_hook},
    {"to_review", "转为合法性审查", "reported", "reviewed", .requires = "review_type", .hook = to_review_hook},
    {"close", "直接办结", "reported", "closed", .requires = "handling_note"},
    {0},
};
static const workflow_t issue_flow_v1 = {1, "reported", issue_states, issue_transitions, 0, 1};
static const workflow_t *const issue_flows[] = {&issue_flow_v1, NULL};
static const entity_t issues = {
    .name = "observation-issues",
    .label = "观察点反映问题",
    .table = "observation_issue",
    .perm = "rol.issue",
    .fields = issue_fields,
    .flows = issue_flows,
    .default_sort = "-reported_on",
    .roles = ROL_ROLES,
    .title = "title",
    LINE,
    .cockpit_by_state = true,
};

/* ---- an issue becomes a task or a review ---- */

/* The issue's owner, title, content and the point's name, into r's arena. */
typedef struct issue_row {
    int64_t org;
    const char *path, *title, *content, *point, *deadline, *review_type;
} issue_row_t;
static int load_issue(http_req_t *r, int64_t id, issue_row_t *o) {
    db_stmt_t *s = db_prepare(r->db, "SELECT i.org_id, i.org_path, i.title, i.content, p.name, i.task_deadline, "
                                     "i.review_type FROM observation_issue i "
                                     "LEFT JOIN observation_point p ON p.id = i.point_id WHERE i.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        o->org = db_col_int(s, 0);
        const char **v[] = {&o->path, &o->title, &o->content, &o->point, &o->deadline, &o->review_type};
        for (int i = 0; i < 6; i++)
            *v[i] = db_col_null(s, i + 1) ? NULL : arena_strdup(r->arena, db_col_text(s, i + 1));
    }
    db_reset(s);
    return rc == DB_ROW ? 0 : -1;
}

/* Makes the derived record (raw insert in the transition's transaction),
 * audits its creation and links it from the issue (column link). */
static int spawn(http_req_t *r, const entity_t *target, const issue_row_t *is, json_t *fields, int64_t issue,
                 const char *link) {
    char now[21];
    iso_from_unix(now_unix(), now);
    wf_dates_t d;
    const workflow_t *wf = entity_flow(target, 0);
    if (wf_start_dates(r->db, wf, wf->initial, now, &d) != 0) return json_decref(fields), -1;
    json_object_set_new(fields, "created_at", json_string(now));
    json_object_set_new(fields, "updated_at", json_string(now));
    json_object_set_new(fields, "created_by", json_integer(auth_principal(r)->user_id));
    json_object_set_new(fields, "updated_by", json_integer(auth_principal(r)->user_id));
    json_object_set_new(fields, "state_since", json_string(d.today));
    if (d.state_due[0]) json_object_set_new(fields, "state_due_at", json_string(d.state_due));
    int64_t id = engine_insert_raw(r->db, target, is->org, is->path, NULL, fields);
    json_t *detail = json_pack("{s:O,s:{s:s,s:I}}", "after", fields, "derived_from", "entity", "observation-issues",
                               "id", (json_int_t)issue);
    json_decref(fields);
    char *dt = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(detail);
    int arc = id > 0 ? auth_audit(r, "record.create", target->name, id, "ok", dt) : -1;
    free(dt);
    if (arc != 0) return -1;
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE observation_issue SET %s = $1 WHERE id = $2", link);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_int(s, 1, id);
    db_bind_int(s, 2, issue);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* 转为法治任务: a task owned by the issue's office, due on the date given. */
static int to_task_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    issue_row_t is;
    char today[11];
    wf_today(today);
    if (load_issue(r, id, &is) != 0) return http_store_error(r), -1;
    if (is.deadline && strcmp(is.deadline, today) < 0)
        return http_invalid(r, "task_deadline", "完成期限不能早于今天"), -1;
    json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:I}", "title", is.title, "kind", "other", "department",
                          arena_printf(r->arena, "法治观察点: %s", is.point ? is.point : ""), "assigned_on", today,
                          "deadline_on", is.deadline, "content", is.content, "source_issue_id", (json_int_t)id);
    json_object_set_new(f, "due_at", json_string(is.deadline));
    if (spawn(r, entity_find("rol-tasks"), &is, f, id, "task_id") != 0) return http_store_error(r), -1;
    return 0;
}

/* 转为合法性审查: a review request of the office, waiting for acceptance. */
static int to_review_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    issue_row_t is;
    char today[11];
    wf_today(today);
    if (load_issue(r, id, &is) != 0) return http_store_error(r), -1;
    const entity_t *re = entity_find("legality-reviews");
    if (!re) return http_error(r, 409, "hook_refused", "合法性审查未启用"), -1;
    json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s?}", "title", is.title, "review_type", is.review_type, "department",
                          arena_printf(r->arena, "法治观察点: %s", is.point ? is.point : ""), "requested_on", today,
                          "summary", is.content);
    if (spawn(r, re, &is, f, id, "review_id") != 0) return http_store_error(r), -1;
    return 0;
}

/* ---- demo data: every office's meetings and reports of the year, and one
 * of each in the years before (the clause-4 rule reads them: about one
 * office in eight falls short); tasks,
 * trainings, points and issues in twelve offices ---- */

static int64_t add(db_t *db, const entity_t *e, int64_t org, const char *path, const char *state, json_t *f) {
    int64_t id = engine_insert_raw(db, e, org, path, state, f);
    json_decref(f);
    return id;
}

static int demo_rol(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    uint64_t seed = 40404;
    db_t *db = d->db;
    db_stmt_t *q =
        db_prepare(db, "SELECT id, path FROM org_units WHERE level = 'office' "
                       "ORDER BY CASE WHEN name IN ('陆家嘴街道司法所', '南京东路街道司法所') THEN 0 ELSE 1 END, id");
    if (!q) goto fail;
    int64_t ids[400];
    char paths[400][64];
    int n = 0, rc = DB_DONE;
    while (n < 400 && (rc = db_step(q)) == DB_ROW) {
        ids[n] = db_col_int(q, 0);
        snprintf(paths[n], sizeof(paths[n]), "%s", db_col_text(q, 1));
        n++;
    }
    db_reset(q);
    if (rc < 0) goto fail;
    static const char *const topics[] = {"老旧小区综合治理方案", "年度重大行政决策事项目录", "营商环境优化措施",
                                         "违法建筑整治专项行动", "社区食堂运营补贴",         "防汛防台工作预案"};
    for (int i = 0; i < n; i++) {
        unsigned roll = (unsigned)(demo_splitmix64(&seed) % 100);
        /* 88 %: attends the meetings and reports; 6 %: attends but has not
         * reported this year; 6 %: neither on record */
        int nmeet = roll < 94 ? 4 + (int)(demo_splitmix64(&seed) % 6) : 0;
        int nrep = roll < 88 ? 1 + (int)(demo_splitmix64(&seed) % 3) : 0;
        for (int k = 0; k < nmeet; k++) {
            char day[11];
            snprintf(day, sizeof(day), "2026-%02d-%02d", 1 + k * 11 / nmeet, 8 + (int)(demo_splitmix64(&seed) % 18));
            if (add(db, &meetings, ids[i], paths[i], NULL,
                    json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:i}", "title",
                              k % 3 == 2 ? "街道党工委会议" : "街道主任办公会议", "kind",
                              k % 3 == 2 ? "party" : "executive", "held_on", day, "attended", 1, "attendee",
                              "司法所所长", "topics", topics[k % 6], "opinions",
                              "建议补充公平竞争审查和风险评估程序, 相关条款提交合法性审查后再行决策。",
                              "opinions_count", 1 + (int)(demo_splitmix64(&seed) % 3))) < 0)
                goto fail;
        }
        for (int k = 0; k < nrep; k++) {
            char day[11];
            snprintf(day, sizeof(day), "2026-%02d-15", 3 + k * 4);
            if (add(db, &reports, ids[i], paths[i], NULL,
                    json_pack("{s:s,s:s,s:s,s:s,s:s}", "title",
                              k == 0 ? "司法所年度工作计划" : "上半年法治建设工作情况", "reported_to",
                              "party_committee", "reported_on", day, "reporter", "司法所所长", "summary",
                              "汇报依法行政、矛盾纠纷化解、社区矫正和普法工作情况及下一步打算。")) < 0)
                goto fail;
        }
        /* the earlier years since the plan began (2022): a meeting and a
         * report each, so the history of the clause-4 rule is not empty */
        for (int y = 2022; y <= 2025; y++) {
            char day[11];
            snprintf(day, sizeof(day), "%04d-06-%02d", y, 10 + (int)(demo_splitmix64(&seed) % 15));
            if (nmeet && add(db, &meetings, ids[i], paths[i], NULL,
                             json_pack("{s:s,s:s,s:s,s:b,s:s,s:s}", "title", "街道主任办公会议", "kind", "executive",
                                       "held_on", day, "attended", 1, "attendee", "司法所所长", "topics",
                                       topics[y % 6])) < 0)
                goto fail;
            snprintf(day, sizeof(day), "%04d-03-15", y);
            if (nrep && add(db, &reports, ids[i], paths[i], NULL,
                            json_pack("{s:s,s:s,s:s,s:s}", "title", "司法所年度工作计划", "reported_to",
                                      "party_committee", "reported_on", day, "reporter", "司法所所长")) < 0)
                goto fail;
        }
        if (i >= 12) continue;
        /* twelve offices: tasks with a visit, a training, a point with observers and issues */
        for (int k = 0; k < 3; k++) {
            char assigned[11], deadline[11];
            snprintf(assigned, sizeof(assigned), "2026-%02d-10", 2 + k * 4);
            snprintf(deadline, sizeof(deadline), "2026-%02d-28", k == 2 ? 12 : 4 + k * 4);
            const char *state = k == 2 ? "assigned" : k == 1 ? "completed" : "assessed";
            json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "title",
                                  k == 0   ? "村规民约合法性审查全覆盖"
                                  : k == 1 ? "行政执法全过程记录规范化"
                                           : "年度法治政府建设报告",
                                  "kind",
                                  k == 0   ? "village"
                                  : k == 1 ? "enforcement"
                                           : "decision",
                                  "department", k == 1 ? "城市管理执法中队" : "党政办公室", "content",
                                  "按区委依法治区办年度要点落实。", "assigned_on", assigned, "deadline_on", deadline,
                                  "state_since", assigned);
            if (k == 2) json_object_set_new(f, "due_at", json_string(deadline));
            if (k < 2) {
                json_object_set_new(f, "completion_note", json_string("已完成并报送材料。"));
                json_object_set_new(f, "completed_on", json_string(deadline));
            }
            if (k == 0) {
                json_object_set_new(f, "score", json_integer(80 + (int)(demo_splitmix64(&seed) % 20)));
                json_object_set_new(f, "assessment", json_string("按期完成, 资料齐全。"));
            }
            int64_t task = add(db, &tasks, ids[i], paths[i], state, f);
            if (task < 0 ||
                add(db, &inspections, ids[i], paths[i], NULL,
                    json_pack("{s:I,s:s,s:s,s:s,s:s}", "task_id", (json_int_t)task, "inspected_on", assigned,
                              "inspectors", "区委依法治区办、司法所", "findings", "台账基本齐全, 个别村居未按时报送。",
                              "rating", k == 1 ? "fair" : "good")) < 0)
                goto fail;
        }
        if (add(db, &trainings, ids[i], paths[i], NULL,
                json_pack("{s:s,s:s,s:s,s:i,s:s,s:i}", "title", "行政执法人员法律知识培训", "held_on", "2026-06-18",
                          "audience", "街道执法人员、村居干部", "participants", 40 + (int)(demo_splitmix64(&seed) % 60),
                          "trainer", "司法所所长", "hours", 3)) < 0)
            goto fail;
        int64_t point = add(db, &points, ids[i], paths[i], NULL,
                            json_pack("{s:s,s:s,s:s}", "name", "营商环境法治观察点", "established_on", "2024-05-01",
                                      "focus", "涉企执法、政务服务"));
        if (point < 0 ||
            add(db, &observers, ids[i], paths[i], NULL,
                json_pack("{s:I,s:s,s:s,s:s}", "point_id", (json_int_t)point, "name", "周明", "occupation", "企业法务",
                          "appointed_on", "2024-05-01")) < 0 ||
            add(db, &issues, ids[i], paths[i], "reported",
                json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "title", "小区停车收费标准未公示", "point_id", (json_int_t)point,
                          "reported_on", "2026-12-01", "reporter", "周明", "content",
                          "物业擅自调整停车收费, 未按规定公示。", "state_since", "2026-12-01")) < 0 ||
            add(db, &issues, ids[i], paths[i], "closed",
                json_pack("{s:s,s:I,s:s,s:s,s:s}", "title", "商户反映执法检查过于频繁", "point_id", (json_int_t)point,
                          "reported_on", "2026-07-02", "content", "同一商户一周内被多个部门检查。", "handling_note",
                          "已协调推行“综合查一次”。")) < 0)
            goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(db));
    return -1;
}

void rule_of_law_declare(void) {
    entity_register(&tasks);
    entity_register(&inspections);
    entity_register(&trainings);
    entity_register(&meetings);
    entity_register(&reports);
    entity_register(&points);
    entity_register(&observers);
    entity_register(&issues);
}
