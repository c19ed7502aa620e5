/* assessors.c — helping select people's assessors (协助开展人民陪审员选任;
 * plan clause 13, issue 23; docs/pufa.md): a selection round of the
 * district's basic-level court (quota, candidates), and each candidate's
 * way through the qualification review against the 人民陪审员法 (age,
 * education, the exclusions of articles 6 and 7), the publicity period with
 * objections, and the court's selection.  Publicity of the assessor system
 * is a 普法 activity marked as such (pufa.c, assessor_publicity).
 *
 * What the registry knows is checked by the rule: the age, from the birth
 * date of the person's resident ID; a criminal punishment, when the person
 * is (or was) a 社区矫正对象 or a 刑满释放人员 of the 安置帮教 line; a
 * practising 基层法律服务工作者 or a serving 村(居)法律顾问.  Dismissal from
 * public office and the other exclusions are not in the registry: the
 * reviewer records them and confirms their check before a candidate
 * passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/calendar.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "modules/standards.h"
#include "util/validate.h"

#define ASSESSOR_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define LINE .line = "assessors", .line_label = "人民陪审员"
#define COCKPIT .cockpit = "" /* counted on the cockpit under the line's name (children are not) */
#define MIN_AGE 28            /* 人民陪审员法 第五条 (二) */
#define PUBLICITY_WORKDAYS 5  /* 人民陪审员选任办法: 公示期不少于五个工作日 */

static const code_seed_t source_codes[] = {
    {"random", "随机抽选"},
    {"application", "个人申请"},
    {"recommendation", "组织推荐"},
    {0},
};
static const code_seed_t education_codes[] = {
    {"junior", "初中及以下"}, {"senior", "高中(中专)"},   {"college", "大专"},
    {"bachelor", "本科"},     {"postgraduate", "研究生"}, {0},
};
static const code_seed_t refuse_codes[] = {
    {"age", "未满二十八周岁 (第五条)"},
    {"education", "文化程度不符 (第五条)"},
    {"conduct", "品行、身体条件不符 (第五条)"},
    {"post", "职务原因不能担任 (第六条)"},
    {"excluded", "有不得担任情形 (第七条)"},
    {"declined", "本人不同意担任"},
    {"objection", "公示异议成立"},
    {"other", "其他"},
    {0},
};
static const code_list_decl_t candidate_lists[] = {
    {"assessor_source", "人民陪审员候选人产生方式", source_codes},
    {"assessor_education", "文化程度", education_codes},
    {"assessor_refuse_reason", "资格审查不通过理由", refuse_codes},
    {0},
};

/* ---- 选任工作 (a selection round) ---- */

static const field_t selection_fields[] = {
    {"title", "选任工作名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"year", "年度", F_INT, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST, .min = 2018, .max = 2100},
    {"court", "基层人民法院", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 100},
    {"quota", "拟任命名额 (名)", F_INT, FF_REQUIRED | FF_LIST, .min = 1, .max = 10000},
    {"note", "说明", F_TEXT, 0, .max = 1000},
    {"submitted_on", "报送法院日期", F_DATE, FF_READONLY | FF_FILTER},
    {"finished_on", "选任结束日期", F_DATE, FF_READONLY},
    {0},
};

/* 人民陪审员法 第九条: candidates drawn at random number at least five
 * times the quota (setting assessor_candidate_multiple) before the list
 * goes to the court. */
static const char *selection_rule(check_ctx_t *c, const char **field) {
    if (c->op != CHECK_ACTION || strcmp(c->action, "submit") != 0) return NULL;
    int64_t id = json_integer_value(json_object_get(c->after, "id"));
    int64_t quota = json_integer_value(json_object_get(c->after, "quota"));
    int64_t k;
    if (std_setting(c->db, "assessor_candidate_multiple", &k) != 0)
        return *field = "submitted_on", check_store_error(c, "暂时无法读取候选人倍数设置, 请稍后重试");
    int64_t n = check_count(c,
                            "SELECT COUNT(*) FROM assessor_candidate WHERE selection_id = $1 AND deleted_at IS NULL "
                            "AND source = 'random'",
                            id);
    if (n < 0) return *field = "submitted_on", check_store_error(c, "暂时无法核对候选人人数, 请稍后重试");
    if (n < quota * k)
        return *field = "submitted_on",
               arena_printf(c->r->arena,
                            "随机抽选的候选人 %lld 名, 少于拟任命名额 %lld 名的 %lld 倍 (%lld 名; 人民陪审员法第九条)",
                            (long long)n, (long long)quota, (long long)k, (long long)(quota * k));
    return NULL;
}

static const wf_state_t selection_states[] = {
    {"collecting", "候选人产生与审查", 0},
    {"submitted", "已报送法院", 0},
    {"finished", "选任结束", 0, true},
    {0},
};
static const wf_transition_t selection_transitions[] = {
    {"submit", "报送法院", "collecting", "submitted", .requires = "submitted_on"},
    {"finish", "选任结束", "submitted", "finished", .requires = "finished_on"},
    {0},
};
static const workflow_t selection_flow_v1 = {1, "collecting", selection_states, selection_transitions};
static const workflow_t *const selection_flows[] = {&selection_flow_v1, NULL};
static const entity_child_t selection_children[] = {
    {"candidates", "assessor-candidates", CHILD_DELETE_REFUSE},
    {0},
};
static int assessors_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t selections = {
    .name = "assessor-selections",
    .label = "人民陪审员选任",
    .table = "assessor_selection",
    .perm = "assessor.selection",
    .fields = selection_fields,
    .flows = selection_flows,
    .default_sort = "-year",
    .roles = ASSESSOR_ROLES,
    .check = selection_rule,
    .children = selection_children,
    .demo = assessors_demo,
    LINE,
};

/* ---- 候选人 ---- */

static const field_t candidate_fields[] = {
    {"selection_id", "选任工作", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "assessor-selections"},
    {"person_id", "候选人", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST},
    {"source", "产生方式", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "assessor_source"},
    {"recommender", "推荐单位", F_TEXT, FF_SEARCH, .max = 100},
    {"education", "文化程度", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "assessor_education"},
    {"education_reason", "文化程度特殊情况说明", F_TEXT, 0, .max = 500},
    {"occupation", "工作单位及职务", F_TEXT, FF_SEARCH, .max = 200},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    /* 第六条, 第七条: what the registry does not know, recorded by the reviewer */
    {"x_post", "系人大常委会组成人员或监察、审判、检察、公安、国安、司法行政机关工作人员", F_BOOL, 0},
    {"x_legal", "系律师、公证员、仲裁员、基层法律服务工作者", F_BOOL, 0},
    {"x_criminal", "受过刑事处罚", F_BOOL, 0},
    {"x_dismissed", "被开除公职", F_BOOL, 0},
    {"x_revoked", "被吊销律师、公证员执业证书", F_BOOL, 0},
    {"x_dishonest", "被纳入失信被执行人名单", F_BOOL, 0},
    {"x_removed", "因受惩戒被免除人民陪审员职务", F_BOOL, 0},
    {"review_confirmed", "审查人已核实上述情形", F_BOOL, FF_READONLY},
    {"review_note", "资格审查意见", F_TEXT, FF_READONLY, .max = 1000},
    {"refuse_reason", "不通过理由", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "assessor_refuse_reason"},
    {"refuse_note", "不通过说明", F_TEXT, FF_READONLY, .max = 1000},
    {"publicity_from", "公示开始日期", F_DATE, FF_READONLY},
    {"publicity_to", "公示结束日期", F_DATE, FF_READONLY},
    {"objection", "公示异议", F_TEXT, FF_READONLY, .max = 1000},
    {"objection_result", "异议核查结果", F_TEXT, FF_READONLY, .max = 1000},
    {"selected_on", "法院选任日期", F_DATE, FF_READONLY},
    {0},
};

/* The exclusions of articles 6 and 7, in declaration order. */
static const char *const exclusions[] = {"x_post",    "x_legal",     "x_criminal", "x_dismissed",
                                         "x_revoked", "x_dishonest", "x_removed",  NULL};

/* The candidate's age in full years today, from the registry (-1 when the
 * person's birth date is unknown). */
static int candidate_age(check_ctx_t *c) {
    json_t *p = check_linked(c, "person_id");
    const char *birth = p ? json_string_value(json_object_get(p, "birth_date")) : NULL;
    return birth ? check_age(birth, NULL) : -1;
}

/* The exclusions of articles 6 and 7 the platform's other lines know of a
 * person ($1).  Read over the whole store, not the reviewer's scope: the
 * qualification review is the check against what the judicial
 * administration knows (第十条); the message names the exclusion and the
 * kind of record, never the record, its office or its contents. */
static const struct known_exclusion {
    const char *field, *article, *source, *sql;
} known_exclusions[] = {
    {"x_criminal", "七", "社区矫正或安置帮教",
     "SELECT (SELECT COUNT(*) FROM corr_subject WHERE person_id = $1 AND deleted_at IS NULL) + "
     "(SELECT COUNT(*) FROM resettle_person WHERE person_id = $1 AND deleted_at IS NULL)"},
    {"x_legal", "六", "基层法律服务工作者执业或村(居)法律顾问在任",
     "SELECT (SELECT COUNT(*) FROM grassroots_worker WHERE person_id = $1 AND deleted_at IS NULL AND "
     "status = 'practising') + (SELECT COUNT(*) FROM village_advisor WHERE person_id = $1 AND "
     "deleted_at IS NULL AND wf_state = 'serving')"},
};

static const char *qualify_rule(check_ctx_t *c, const char **field) {
    json_t *a = c->after;
    int age = candidate_age(c);
    if (age < 0) return *field = "person_id", "人员库中没有候选人的出生日期, 无法核对年龄";
    if (age < MIN_AGE)
        return *field = "person_id",
               "候选人未满二十八周岁 (人民陪审员法第五条), 不能通过资格审查, 请选择「资格审查不通过」";
    json_t *person = json_object_get(a, "person_id");
    for (size_t i = 0; json_is_integer(person) && i < sizeof(known_exclusions) / sizeof(known_exclusions[0]); i++) {
        const struct known_exclusion *k = &known_exclusions[i];
        int64_t n = check_count(c, k->sql, json_integer_value(person));
        *field = k->field;
        if (n < 0) return check_store_error(c, "暂时无法核对人员库记录, 请稍后重试");
        if (n > 0)
            return arena_printf(c->r->arena,
                                "人员库中的%s记录表明候选人「%s」, 不得担任人民陪审员 (人民陪审员法第%s条), "
                                "请选择「资格审查不通过」",
                                k->source, entity_field(c->e, k->field)->label, k->article);
    }
    for (int i = 0; exclusions[i]; i++)
        if (json_is_true(json_object_get(a, exclusions[i]))) {
            *field = exclusions[i];
            return arena_printf(c->r->arena, "候选人「%s」, 不得担任人民陪审员 (人民陪审员法第%s条)",
                                entity_field(c->e, exclusions[i])->label, i < 2 ? "六" : "七");
        }
    const char *edu = json_string_value(json_object_get(a, "education"));
    const char *why = json_string_value(json_object_get(a, "education_reason"));
    if (edu && strcmp(edu, "junior") == 0 && (!why || !*why))
        return *field = "education_reason", "担任人民陪审员一般应当具有高中以上文化程度; 低于高中的, 请说明特殊情况";
    if (!json_is_true(json_object_get(a, "review_confirmed")))
        return *field = "review_confirmed", "请核实候选人无人民陪审员法第六条、第七条所列情形后勾选确认";
    return NULL;
}

static const char *candidate_rule(check_ctx_t *c, const char **field) {
    json_t *a = c->after;
    const char *src = json_string_value(json_object_get(a, "source")),
               *rec = json_string_value(json_object_get(a, "recommender"));
    if (src && strcmp(src, "recommendation") == 0 && (!rec || !*rec))
        return *field = "recommender", "组织推荐的, 请填写推荐单位";
    if (c->op != CHECK_ACTION) return NULL;
    if (strcmp(c->action, "qualify") == 0) return qualify_rule(c, field);
    if ((strcmp(c->action, "refuse") == 0 || strcmp(c->action, "uphold") == 0)) {
        const char *why = json_string_value(json_object_get(a, "refuse_reason"));
        int age = candidate_age(c);
        if (why && strcmp(why, "age") == 0 && age >= MIN_AGE)
            return *field = "refuse_reason", "候选人已年满二十八周岁, 不能以年龄为由不通过";
    }
    if (strcmp(c->action, "publicise") == 0) {
        const char *from = json_string_value(json_object_get(a, "publicity_from")),
                   *to = json_string_value(json_object_get(a, "publicity_to"));
        int days = cal_workdays_between(c->db, from, to);
        if (days == CAL_ERR) return *field = "publicity_to", "暂时无法计算工作日, 请稍后重试";
        days += cal_is_workday(c->db, from) ? 1 : 0;
        if (days < PUBLICITY_WORKDAYS)
            return *field = "publicity_to",
                   arena_printf(c->r->arena, "公示期不少于 %d 个工作日 (所填期间含 %d 个工作日)", PUBLICITY_WORKDAYS,
                                days < 0 ? 0 : days);
    }
    if (strcmp(c->action, "select") == 0) {
        const char *to = json_string_value(json_object_get(a, "publicity_to")),
                   *on = json_string_value(json_object_get(a, "selected_on"));
        if (to && on && strcmp(on, to) <= 0) return *field = "selected_on", "公示期满后方可选任";
        /* 第十条: those from application or recommendation at most a fifth of the quota */
        json_t *sel = check_linked(c, "selection_id");
        if (sel && src && strcmp(src, "random") != 0) {
            int64_t quota = json_integer_value(json_object_get(sel, "quota"));
            int64_t n =
                check_count(c,
                            "SELECT COUNT(*) FROM assessor_candidate WHERE selection_id = $1 AND deleted_at IS NULL "
                            "AND wf_state = 'selected' AND source <> 'random'",
                            json_integer_value(json_object_get(sel, "id")));
            if (n > quota / 5)
                return *field = "selected_on",
                       arena_printf(c->r->arena,
                                    "个人申请和组织推荐产生的人民陪审员不得超过名额数的五分之一 (%lld 名; "
                                    "人民陪审员法第十条)",
                                    (long long)(quota / 5));
        }
    }
    return NULL;
}

static const wf_state_t candidate_states[] = {
    {"applied", "待资格审查", 10},          {"qualified", "资格审查通过", 0},
    {"publicising", "公示中", 0},           {"objected", "异议核查中", 5},
    {"refused", "资格审查不通过", 0, true}, {"selected", "已选任", 0, true},
    {"not_selected", "未选任", 0, true},    {0},
};
static const wf_transition_t candidate_transitions[] = {
    {"qualify", "资格审查通过", "applied", "qualified", .requires = "review_confirmed review_note"},
    {"refuse", "资格审查不通过", "applied", "refused", .requires = "refuse_reason refuse_note"},
    {"publicise", "公示", "qualified", "publicising", .requires = "publicity_from publicity_to"},
    {"object", "收到异议", "publicising", "objected", .requires = "objection"},
    {"dismiss", "异议不成立", "objected", "publicising", .requires = "objection_result"},
    {"uphold", "异议成立", "objected", "refused", .requires = "objection_result refuse_reason refuse_note"},
    {"select", "法院选任", "publicising", "selected", .requires = "selected_on"},
    {"not_select", "未被选任", "publicising", "not_selected", .requires = "selected_on"},
    {0},
};
static const workflow_t candidate_flow_v1 = {1, "applied", candidate_states, candidate_transitions};
static const workflow_t *const candidate_flows[] = {&candidate_flow_v1, NULL};
static const entity_t candidates = {
    .name = "assessor-candidates",
    .label = "人民陪审员候选人",
    .table = "assessor_candidate",
    .perm = "assessor.candidate",
    .fields = candidate_fields,
    .flows = candidate_flows,
    .default_sort = "-id",
    .roles = ASSESSOR_ROLES,
    .check = candidate_rule,
    .code_lists = candidate_lists,
    .parent = "selection_id",
    .unique = "selection_id person_id",
    LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

static const std_setting_decl_t assessor_settings[] = {
    {"assessor_candidate_multiple", "条款 13: 随机抽选候选人不少于拟任命名额的 (倍)", 5, 5, 20},
    {0},
};

/* Demo: a selection round of the first office with people in the registry,
 * quota 1, with its registry's residents as candidates in each state. */
static int assessors_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    db_stmt_t *q = db_prepare(d->db, "SELECT o.id, o.path FROM org_units o WHERE o.level = 'office' AND "
                                     "(SELECT COUNT(*) FROM persons p WHERE p.org_id = o.id) >= 3 "
                                     "ORDER BY o.name = '陆家嘴街道司法所' DESC, o.id LIMIT 1");
    if (!q) goto fail;
    if (db_step(q) != DB_ROW) return db_reset(q), 0;
    int64_t office = db_col_int(q, 0);
    char path[128];
    snprintf(path, sizeof(path), "%s", db_col_text(q, 1));
    db_reset(q);
    db_stmt_t *s =
        db_prepare(d->db, "INSERT INTO assessor_selection (org_id, org_path, created_at, updated_at, wf_state, "
                          "wf_version, state_since, title, year, court, quota, note) VALUES ($1, $2, $3, $3, "
                          "'collecting', 1, $4, '2026 年度人民陪审员选任', 2026, '区人民法院', 1, "
                          "'协助区司法局开展候选人资格审查') RETURNING id");
    if (!s) goto fail;
    db_bind_int(s, 1, office);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
    db_bind_text(s, 4, "2026-11-30T09:00:00Z", -1);
    int rc = db_step(s);
    int64_t sel = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (!sel) goto fail;
    q = db_prepare(d->db, "SELECT id FROM persons WHERE org_id = $1 ORDER BY id LIMIT 3");
    if (!q) goto fail;
    db_bind_int(q, 1, office);
    int64_t people[3];
    int n = 0;
    rc = DB_DONE;
    while (n < 3 && (rc = db_step(q)) == DB_ROW)
        people[n++] = db_col_int(q, 0);
    db_reset(q);
    if (rc < 0) goto fail;
    static const char *const states[] = {"applied", "qualified", "publicising"};
    for (int i = 0; i < n; i++) {
        s = db_prepare(d->db,
                       "INSERT INTO assessor_candidate (org_id, org_path, created_at, updated_at, wf_state, "
                       "wf_version, state_since, selection_id, person_id, source, education, occupation, "
                       "review_confirmed, review_note, publicity_from, publicity_to) VALUES ($1, $2, $3, $3, $4, 1, "
                       "$5, $6, $7, 'random', $8, '社区工作者', $9, $10, $11, $12)");
        if (!s) goto fail;
        db_bind_int(s, 1, office);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
        db_bind_text(s, 4, states[i], -1);
        db_bind_text(s, 5, "2026-11-30T09:00:00Z", -1);
        db_bind_int(s, 6, sel);
        db_bind_int(s, 7, people[i]);
        db_bind_text(s, 8, i ? "bachelor" : "senior", -1);
        if (i) {
            db_bind_int(s, 9, 1);
            db_bind_text(s, 10, "符合人民陪审员法第五条规定的条件, 无第六条、第七条所列情形", -1);
        } else {
            db_bind_null(s, 9);
            db_bind_null(s, 10);
        }
        if (i == 2) {
            db_bind_text(s, 11, "2026-12-01", -1);
            db_bind_text(s, 12, "2026-12-07", -1);
        } else {
            db_bind_null(s, 11);
            db_bind_null(s, 12);
        }
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void assessors_declare(void) {
    entity_register(&selections);
    entity_register(&candidates);
    std_rules_register(NULL, 0, assessor_settings);
}
