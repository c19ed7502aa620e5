/* problems.c — the problem list (问题清单; plan 二 2023 提升年: 列出清单、
 * 细化措施、逐项销号) and the library of typical experiences (典型经验;
 * 2024 深化年), both engine entities.
 *
 * A failing rule opens one problem per (unit, rule): the table's auto_key
 * '<rule>:<unit id>' is unique (migration 0060), so re-evaluation never
 * duplicates one.  When the rule passes again the problem is flagged
 * ready_for_closure, but it closes only on the district's approval; when a
 * closed problem's rule fails again it is reopened.  Users add problems by
 * hand through the generic create (auto_key NULL).  Overdue problems (60
 * working days) reach the to-do inbox of everyone who may act on them and
 * are escalated by the engine's scheduler 5 working days later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/standards.h"
#include "util/timeutil.h"

#define STD_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"

static const perm_def_t problem_perms[] = {
    {"problem.rectify", "问题清单: 整改、申请销号", "office_director office_staff district_admin district_staff"},
    {"problem.approve", "问题清单: 审核销号、退回、重新打开", "district_admin district_staff"},
    {0},
};

static const field_t problem_fields[] = {
    {"title", "问题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 200},
    {"rule", "对应指标", F_CODE, FF_FILTER | FF_LIST, .code_list = "standard_rule"},
    {"source", "问题来源", F_CODE, FF_FILTER | FF_LIST | FF_READONLY, .code_list = "problem_source"},
    {"finding", "核查结果", F_TEXT, FF_READONLY, .max = 2000},
    {"description", "问题描述", F_TEXT, FF_SEARCH, .max = 2000},
    {"measures", "整改措施", F_TEXT, FF_SEARCH, .max = 4000},
    {"owner", "责任人", F_TEXT, FF_SEARCH | FF_LIST, .max = 50},
    {"target_date", "计划完成日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"evidence_file", "整改佐证材料", F_FILE, 0},
    {"evidence_file2", "整改佐证材料 (二)", F_FILE, 0},
    {"ready_for_closure", "指标已恢复达标 (可销号)", F_BOOL, FF_FILTER | FF_LIST | FF_READONLY},
    {"review_note", "销号审核意见", F_TEXT, FF_READONLY, .max = 500},
    {"override_reason", "强制销号理由 (指标未达标)", F_TEXT, FF_READONLY, .max = 500},
    {"void_reason", "作废理由", F_TEXT, FF_READONLY, .max = 500},
    {0},
};

static const wf_state_t problem_states[] = {
    {"open", "待整改", 0},         {"rectifying", "整改中", 0}, {"submitted", "待区局销号", 5},
    {"closed", "已销号", 0, true}, {"reopened", "重新整改", 0}, {"voided", "已作废", 0, true}, {0},
};
static int close_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t problem_transitions[] = {
    {"start", "开始整改", "open reopened", "rectifying", .perm = "problem.rectify"},
    {"submit", "申请销号", "open rectifying reopened", "submitted", .perm = "problem.rectify"},
    /* the reviewer weighs the measures, the evidence and whether the rule
     * passes now, and may record an opinion (销号审核意见); 销号 needs the
     * rule to pass (ready_for_closure) — or the district's override with its
     * written reason (issue 19 point 3) */
    {"close", "审核销号", "submitted", "closed", .perm = "problem.approve", .accepts = "review_note",
     .shows = "measures evidence_file evidence_file2 ready_for_closure", .notify = "closed", .hook = close_hook},
    {"close_override", "强制销号 (指标未达标)", "submitted", "closed", .perm = "problem.approve",
     .requires = "override_reason", .shows = "measures evidence_file evidence_file2 ready_for_closure",
     .notify = "closed"},
    /* never deleted: a problem opened in error, or one whose office is
     * gone, is voided by the district with its reason */
    {"void", "作废", "open rectifying submitted reopened", "voided", .perm = "problem.approve", .requires = "void_reason"},
    {"send_back", "退回整改", "submitted", "rectifying", .perm = "problem.approve", .requires = "review_note",
     .notify = "sent_back"},
    /* out of a final state: the engine asks for a reason (the body's
     * "reason", kept in the audit row), so no review note besides */
    {"reopen", "重新打开", "closed", "reopened", .perm = "problem.approve"},
    {0},
};
static const workflow_t problem_flow_v1 = {
    1, "open", problem_states, problem_transitions, .deadline_days = 60, .escalate_after_days = 5};
static const workflow_t *const problem_flows[] = {&problem_flow_v1, NULL};

/* The reasons of an override and a void are written, not blank. */
static const char *problem_rule(check_ctx_t *c, const char **field) {
    if (c->op != CHECK_ACTION) return NULL;
    const char *f = strcmp(c->action, "void") == 0 ? "void_reason" : strcmp(c->action, "close_override") == 0 ? "override_reason" : NULL;
    const char *v = f ? json_string_value(json_object_get(c->after, f)) : NULL;
    if (f && (!v || strlen(v) < 4)) return *field = f, "请写明理由 (至少 4 个字)";
    return NULL;
}

static const entity_t problems = {
    .name = "problems",
    .label = "问题清单",
    .table = "problem",
    .perm = "problem",
    .fields = problem_fields,
    .flows = problem_flows,
    .default_sort = "-id",
    .roles = STD_ROLES,
    .check = problem_rule,
    .delete_via = "问题清单中的问题不能删除; 如系误报或已无须整改, 请由区局「作废」并写明理由",
    .line = "standards", .line_label = "规范化建设", .cockpit = "",
    .attachments = true, /* evidence of rectification beyond the two file fields */
};

/* 审核销号 of a problem a rule opened: only once the rule passes again. */
static int close_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    db_stmt_t *s = db_prepare(r->db, "SELECT auto_key IS NOT NULL AND ready_for_closure = 0 FROM problem WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    bool failing = rc == DB_ROW && db_col_int(s, 0) == 1;
    db_reset(s);
    if (rc != DB_ROW) return http_store_error(r), -1;
    if (failing)
        return http_error(r, 409, "rule_still_failing",
                          "对应指标仍未达标, 不能审核销号; 如确需销号, 请选择「强制销号」并写明理由"),
               -1;
    return 0;
}

/* ---- 典型经验: a searchable library linked to offices (the owner) and rules ---- */
static const field_t experience_fields[] = {
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"kind", "类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "experience_kind"},
    {"rule", "对应指标", F_CODE, FF_FILTER | FF_LIST, .code_list = "standard_rule"},
    {"summary", "经验概要", F_TEXT, FF_SEARCH, .max = 4000},
    {"content", "详细内容", F_TEXT, FF_SEARCH, .max = 20000},
    {"published_on", "发布日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"attachment", "附件", F_FILE, 0},
    {"review_note", "审核意见", F_TEXT, FF_READONLY, .max = 500},
    {0},
};
static const wf_state_t experience_states[] = {
    {"draft", "草稿", 0},
    {"submitted", "已报区局", 5},
    {"published", "已发布", 0, true},
    {0},
};
static const wf_transition_t experience_transitions[] = {
    {"submit", "报送区局", "draft", "submitted"},
    {"publish", "发布", "submitted", "published", .perm = "experience.publish"},
    {"return", "退回修改", "submitted", "draft", .perm = "experience.publish", .requires = "review_note",
     .notify = "sent_back"},
    {0},
};
static const workflow_t experience_flow_v1 = {1, "draft", experience_states, experience_transitions};
static const workflow_t *const experience_flows[] = {&experience_flow_v1, NULL};
static const perm_def_t experience_perms[] = {
    {"experience.publish", "典型经验: 发布、退回", "district_admin district_staff city_staff city_leader"},
    {0},
};
static const entity_t experiences = {
    .name = "experiences",
    .label = "典型经验",
    .table = "experience",
    .perm = "experience",
    .fields = experience_fields,
    .flows = experience_flows,
    .default_sort = "-published_on",
    .roles = STD_ROLES,
    .line = "standards", .line_label = "规范化建设", .cockpit = "",
};

void problems_declare(void) {
    perm_register(problem_perms);
    perm_register(experience_perms);
    entity_register(&problems);
    entity_register(&experiences);
}

/* The system's audit row for a problem it opened or changed. */
static int problem_audit(db_t *db, const char *action, int64_t id, int64_t org_id, int64_t user_id,
                         const char *detail) {
    const keys_t *keys = auth_keys();
    if (!keys) return 0; /* a command without keys (never the server) */
    audit_event_t ev = {.action = action,
                        .entity = "problems",
                        .entity_id = id,
                        .result = "ok",
                        .detail_json = detail,
                        .user_id = user_id,
                        .username = user_id ? NULL : "system",
                        .org_id = org_id};
    return audit_write(db, keys, &ev);
}

static char *detail_of(const char *rule, const char *state, const char *finding) {
    buf_t b = BUF_INIT;
    jw_t w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "rule", rule);
    jw_kstr(&w, "state", state);
    jw_kstr(&w, "finding", finding);
    jw_kstr(&w, "by", "规范化指标核查");
    jw_obj_end(&w);
    return buf_detach(&b);
}

int problems_sync(db_t *db, const std_rule_t *rule, const std_unit_t *u, const std_result_t *res, const char *as_of,
                  int64_t user_id) {
    if (res->status == STD_NOT_DUE) return 0;
    char key[96];
    snprintf(key, sizeof(key), "%s:%lld", rule->id, (long long)u->id);
    db_stmt_t *s =
        db_prepare(db, "SELECT id, wf_state, ready_for_closure, deleted_at FROM problem WHERE auto_key = $1");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, key, -1);
    int rc = db_step(s);
    int64_t id = 0;
    char state[32] = "";
    bool ready = false, deleted = false;
    if (rc == DB_ROW) {
        id = db_col_int(s, 0);
        snprintf(state, sizeof(state), "%s", db_col_text(s, 1) ? db_col_text(s, 1) : "");
        ready = db_col_int(s, 2) == 1;
        deleted = !db_col_null(s, 3);
    }
    db_reset(s);
    if (rc < 0) return rc;
    if (deleted) return 0; /* removed by a user (before problems were kept): not reopened by the system */
    if (strcmp(state, "voided") == 0) return 0; /* voided by the district with a reason: stays so */
    char now[21];
    iso_from_unix(now_unix(), now);
    bool fail = res->status == STD_FAIL;
    if (!id) {
        if (!fail) return 0;
        wf_dates_t d;
        if (wf_start_dates(db, &problem_flow_v1, "open", now, &d) != 0) return DB_ERR;
        s = db_prepare(
            db,
            "INSERT INTO problem (org_id, org_path, version, created_at, created_by, updated_at, updated_by, wf_state, "
            "wf_version, state_since, due_at, state_due_at, auto_key, title, rule, source, finding, ready_for_closure) "
            "VALUES ($1, $2, 1, $3, $4, $3, $4, 'open', 1, $5, $6, $7, $8, $9, $10, 'rule', $11, 0) RETURNING id");
        if (!s) return DB_ERR;
        db_bind_int(s, 1, u->id);
        db_bind_text(s, 2, u->path, -1);
        db_bind_text(s, 3, now, -1);
        if (user_id)
            db_bind_int(s, 4, user_id);
        else
            db_bind_null(s, 4);
        db_bind_text(s, 5, d.today, -1);
        db_bind_text(s, 6, d.due[0] ? d.due : NULL, -1);
        db_bind_text(s, 7, d.state_due[0] ? d.state_due : NULL, -1);
        db_bind_text(s, 8, key, -1);
        db_bind_text(s, 9, rule->title, -1);
        db_bind_text(s, 10, rule->id, -1);
        db_bind_text(s, 11, res->message, -1);
        rc = db_step(s);
        id = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (!id) return rc < 0 ? rc : DB_ERR;
        char *dt = detail_of(rule->id, "open", res->message);
        rc = problem_audit(db, "record.create", id, u->id, user_id, dt);
        free(dt);
        return rc;
    }
    if (strcmp(state, "closed") == 0) {
        if (!fail) return 0;
        /* closed, and the rule fails again: back on the list */
        wf_dates_t d;
        if (wf_start_dates(db, &problem_flow_v1, "reopened", now, &d) != 0) return DB_ERR;
        s = db_prepare(db, "UPDATE problem SET wf_state = 'reopened', state_since = $1, due_at = $2, state_due_at = "
                           "NULL, escalated = 0, "
                           "ready_for_closure = 0, finding = $3, version = version + 1, updated_at = $4 WHERE id = $5");
        if (!s) return DB_ERR;
        db_bind_text(s, 1, d.today, -1);
        db_bind_text(s, 2, d.due[0] ? d.due : NULL, -1);
        db_bind_text(s, 3, res->message, -1);
        db_bind_text(s, 4, now, -1);
        db_bind_int(s, 5, id);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
        char *dt = detail_of(rule->id, "reopened", res->message);
        rc = problem_audit(db, "workflow.reopen", id, u->id, user_id, dt);
        free(dt);
        return rc;
    }
    if (ready == !fail) return 0; /* the flag already says it */
    s = db_prepare(db, "UPDATE problem SET ready_for_closure = $1, finding = $2, version = version + 1, updated_at = "
                       "$3 WHERE id = $4");
    if (!s) return DB_ERR;
    db_bind_int(s, 1, fail ? 0 : 1);
    db_bind_text(s, 2, res->message, -1);
    db_bind_text(s, 3, now, -1);
    db_bind_int(s, 4, id);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    char *dt = detail_of(rule->id, state, res->message);
    rc = problem_audit(db, fail ? "problem.not_ready" : "problem.ready", id, u->id, user_id, dt);
    free(dt);
    (void)as_of;
    return rc;
}

/* ---- problems follow the org tree (issue 19 point 3; office_change.c) ---- */

/* Voids problem id (state was `state`) with reason, as the system within
 * the office change's request; audited workflow.void.  0 or -1. */
static int problem_void(http_req_t *r, int64_t id, const char *state, const char *reason, int64_t merged_into) {
    char now[21], today[11];
    iso_from_unix(now_unix(), now);
    wf_today(today);
    db_stmt_t *s = db_prepare(r->db, "UPDATE problem SET wf_state = 'voided', void_reason = $1, state_since = $2, "
                                     "due_at = NULL, state_due_at = NULL, escalated = 0, auto_key = NULL, "
                                     "version = version + 1, updated_at = $3, updated_by = $4 WHERE id = $5");
    if (!s) return -1;
    db_bind_text(s, 1, reason, -1);
    db_bind_text(s, 2, today, -1);
    db_bind_text(s, 3, now, -1);
    db_bind_int(s, 4, auth_principal(r)->user_id);
    db_bind_int(s, 5, id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return -1;
    json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "action", "void", "from", state, "to", "voided", "reason", reason);
    if (merged_into) json_object_set_new(d, "merged_into", json_integer(merged_into));
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    rc = auth_audit(r, "workflow.void", "problems", id, "ok", dt);
    free(dt);
    return rc == 0 ? 0 : -1;
}

int problems_follow_merge(http_req_t *r, int64_t from, int64_t to, const char *to_name) {
    char suffix[32];
    snprintf(suffix, sizeof(suffix), ":%lld", (long long)from);
    size_t sl = strlen(suffix);
    db_stmt_t *s = db_prepare(r->db, "SELECT id, auto_key, wf_state FROM problem WHERE org_id = $1 AND "
                                     "auto_key IS NOT NULL AND deleted_at IS NULL ORDER BY id");
    if (!s) return -1;
    db_bind_int(s, 1, to);
    struct moved {
        int64_t id;
        const char *key, *state;
    } *m = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *key = db_col_text(s, 1);
        size_t kl = strlen(key);
        if (kl <= sl || strcmp(key + kl - sl, suffix) != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct moved *nm = arena_alloc(r->arena, sizeof(*m) * (size_t)cap);
            if (n) memcpy(nm, m, sizeof(*m) * (size_t)n);
            m = nm;
        }
        m[n++] = (struct moved){db_col_int(s, 0), arena_strdup(r->arena, key), arena_strdup(r->arena, db_col_text(s, 2))};
    }
    db_reset(s);
    if (rc != DB_DONE) return -1;
    for (int i = 0; i < n; i++) {
        char *newkey = arena_printf(r->arena, "%.*s:%lld", (int)(strlen(m[i].key) - sl), m[i].key, (long long)to);
        if (!(s = db_prepare(r->db, "SELECT id FROM problem WHERE auto_key = $1"))) return -1;
        db_bind_text(s, 1, newkey, -1);
        rc = db_step(s);
        int64_t own = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (rc < 0) return -1;
        bool final = strcmp(m[i].state, "closed") == 0 || strcmp(m[i].state, "voided") == 0;
        if (own && !final) {
            /* the successor lists the rule already: one problem per rule */
            char *why = arena_printf(r->arena, "机构合并: 并入%s, 与其同一指标的问题 (编号 %lld) 合并整改", to_name,
                                     (long long)own);
            if (problem_void(r, m[i].id, m[i].state, why, own) != 0) return -1;
            continue;
        }
        if (!(s = db_prepare(r->db, "UPDATE problem SET auto_key = $1, version = version + 1 WHERE id = $2")))
            return -1;
        if (own)
            db_bind_null(s, 1); /* a closed one keeps its history, no key */
        else
            db_bind_text(s, 1, newkey, -1);
        db_bind_int(s, 2, m[i].id);
        rc = db_step(s);
        db_reset(s);
        char *dt = arena_printf(r->arena, "{\"from_key\":\"%s\",\"to_key\":%s%s%s}", m[i].key, own ? "" : "\"",
                                own ? "null" : newkey, own ? "" : "\"");
        if (rc != DB_DONE || auth_audit(r, "problem.rekey", "problems", m[i].id, "ok", dt) != 0) return -1;
    }
    return 0;
}

int problems_close_revoked(http_req_t *r, const char *office_path, const char *name, const char *effective_on) {
    char hi[256];
    snprintf(hi, sizeof(hi), "%s", office_path);
    size_t l = strlen(hi);
    if (l && hi[l - 1] == '/') hi[l - 1] = '0'; /* the subtree's upper bound: '/' + 1 */
    db_stmt_t *s = db_prepare(r->db, "SELECT id, wf_state FROM problem WHERE org_path >= $1 AND org_path < $2 AND "
                                     "deleted_at IS NULL AND wf_state NOT IN ('closed', 'voided') ORDER BY id");
    if (!s) return -1;
    db_bind_text(s, 1, office_path, -1);
    db_bind_text(s, 2, hi, -1);
    int64_t ids[512];
    const char *states[512];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < 512) {
        ids[n] = db_col_int(s, 0);
        states[n++] = arena_strdup(r->arena, db_col_text(s, 1));
    }
    db_reset(s);
    if (rc != DB_DONE && rc != DB_ROW) return -1;
    char *why = arena_printf(r->arena, "机构撤销: %s自 %s 起撤销", name, effective_on);
    for (int i = 0; i < n; i++)
        if (problem_void(r, ids[i], states[i], why, 0) != 0) return -1;
    return 0;
}
