/* office_change.c — office changes (司法所设立、撤销、合并、调整规格、更名;
 * plan clause 14) and their application to the org tree.
 *
 * The district drafts a change, submits it with the staffing authority's
 * approval document (编办批复), the city bureau files it (备案), and filing
 * done, the city applies it on or after its effective date — the hook
 * office_change_apply, inside the transition's transaction:
 *   establish    a new office under the district, valid_from = effective date
 *   revoke       the office's valid_to = effective date; its accounts disabled
 *   merge        villages, staff, business records and user accounts move to
 *                the surviving office (paths rewritten); the closed office
 *                keeps its own registers (registers_of_office), valid_to and
 *                successor_id; each village's former parent goes to
 *                org_unit_history
 *   rename       the old name goes to org_unit_history with the dates it held
 *   change_rank  the office profile's rank (the applied change is the
 *                history: rank as of D = the last applied change_rank up to D)
 * Units are never deleted, so a past year reports on that year's structure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "modules/registers.h"
#include "modules/standards.h"
#include "util/timeutil.h"

static const field_t change_fields[] = {
    {"change_type", "变更类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "office_change_type"},
    {"office_id", "涉及司法所", F_REF, FF_FILTER | FF_LIST, .ref = "org_units"},
    {"merge_into_id", "并入司法所 (合并时)", F_REF, 0, .ref = "org_units"},
    {"new_name", "新名称 (设立、更名时)", F_TEXT, FF_SEARCH, .max = 50},
    {"new_type", "区划类型 (设立时)", F_CODE, 0, .code_list = "office_type"},
    {"new_rank", "新规格 (设立、调整规格时)", F_CODE, 0, .code_list = "office_rank"},
    {"effective_on", "生效日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"reason", "变更理由", F_TEXT, FF_SEARCH, .max = 1000},
    {"approval_doc", "编办批复文号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST, .max = 100},
    {"approval_date", "批复日期", F_DATE, FF_READONLY},
    {"filing_doc", "市局备案编号", F_TEXT, FF_READONLY, .max = 100},
    {"filing_date", "备案日期", F_DATE, FF_READONLY},
    {"return_reason", "退回理由", F_TEXT, FF_READONLY, .max = 500},
    {"result_org_id", "实施后的机构", F_REF, FF_READONLY, .ref = "org_units"},
    {0},
};

static const wf_state_t change_states[] = {
    {"draft", "区局拟稿", 0},     {"submitted", "已报市局备案", 10}, /* the city files within 10 working days */
    {"filed", "已备案待实施", 0}, {"applied", "已实施", 0, true},    {"withdrawn", "已撤回", 0, true}, {0},
};
static int office_change_apply(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t change_transitions[] = {
    {"submit", "报市局备案", "draft", "submitted", .requires = "approval_doc approval_date"},
    {"file", "备案", "submitted", "filed", .perm = "office_change.file", .requires = "filing_doc filing_date"},
    {"send_back", "退回", "submitted", "draft", .perm = "office_change.file", .requires = "return_reason",
     .notify = "sent_back"},
    {"apply", "实施 (调整组织机构)", "filed", "applied", .perm = "office_change.apply", .hook = office_change_apply},
    {"withdraw", "撤回", "draft", "withdrawn"},
    {0},
};
static const workflow_t change_v1 = {1, "draft", change_states, change_transitions};
static const workflow_t *const change_flows[] = {&change_v1, NULL};

static const entity_t office_changes = {
    .name = "office-changes",
    .label = "司法所机构变更",
    .table = "office_change",
    .perm = "office_change",
    .fields = change_fields,
    .flows = change_flows,
    .default_sort = "-effective_on",
    .roles = "district_admin district_staff city_staff city_leader",
    .line = "organisation", .line_label = "组织队伍", .cockpit = "",
};

static const perm_def_t change_perms[] = {
    {"office_change.file", "司法所机构变更: 市局备案", "city_staff"},
    {"office_change.apply", "司法所机构变更: 实施", "city_staff"},
    {0},
};

/* ---- applying ---- */

typedef struct unit {
    int64_t id, parent_id;
    char path[256], name[256], level[16], valid_from[11];
    bool current; /* valid_to unset */
    int depth;
} unit_t;

/* Loads a unit; 1 found, 0 not, -1 store error. */
static int unit_load(db_t *db, int64_t id, unit_t *u) {
    memset(u, 0, sizeof(*u));
    db_stmt_t *s = db_prepare(
        db, "SELECT id, parent_id, path, name, level, valid_from, valid_to, depth FROM org_units WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        u->id = db_col_int(s, 0);
        u->parent_id = db_col_null(s, 1) ? 0 : db_col_int(s, 1);
        snprintf(u->path, sizeof(u->path), "%s", db_col_text(s, 2));
        snprintf(u->name, sizeof(u->name), "%s", db_col_text(s, 3));
        snprintf(u->level, sizeof(u->level), "%s", db_col_text(s, 4));
        snprintf(u->valid_from, sizeof(u->valid_from), "%s", db_col_text(s, 5));
        u->current = db_col_null(s, 6);
        u->depth = (int)db_col_int(s, 7);
    }
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* Runs one statement with text/int binds given as a sql_binds_t; -1 on error. */
static int exec(db_t *db, const char *sql, const sql_binds_t *b) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return -1;
    engine_bind_all(s, b);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE || rc == DB_ROW ? 0 : -1;
}

#define BT(b, val) sql_bind_text(&(b), (val))
#define BI(b, val) sql_bind_int(&(b), (val))

static bool stays_with_office(const entity_t *e) {
    for (int i = 0; registers_of_office[i]; i++)
        if (strcmp(registers_of_office[i], e->name) == 0) return true;
    return false;
}

typedef struct move_ctx {
    db_t *db;
    const unit_t *from, *to;
    int rc;
} move_ctx_t;

/* Moves a table's rows of the closed office (and of its villages) to the
 * successor: org_id of the office's own rows, org_path of all.  extra
 * narrows the rows ($1 = the closed office, $2 = the successor). */
static int move_rows(db_t *db, const char *table, const unit_t *from, const unit_t *to, const char *extra) {
    char hi[256], sql[1024];
    scope_upper(from->path, hi, sizeof(hi));
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET org_id = CASE WHEN org_id = $1 THEN $2 ELSE org_id END, "
             "org_path = CAST($3 AS TEXT) || substr(org_path, $4) WHERE org_path >= $5 AND org_path < $6%s",
             table, extra);
    sql_binds_t b = {0};
    BI(b, from->id);
    BI(b, to->id);
    BT(b, to->path);
    BI(b, (int64_t)strlen(from->path) + 1);
    BT(b, from->path);
    BT(b, hi);
    return exec(db, sql, &b);
}

static void move_entity(const entity_t *e, void *arg) {
    move_ctx_t *c = arg;
    if (!c->rc && move_rows(c->db, e->table, c->from, c->to, stays_with_office(e) ? " AND org_id <> $1" : "") != 0)
        c->rc = -1;
}

typedef struct change {
    char type[32], effective_on[11], new_name[256], new_type[32], new_rank[32];
    int64_t district_id, office_id, merge_into_id;
} change_t;

/* The accounts of a closed office (docs/registers.md "Office changes"):
 * merged, they move with its records to the successor (to != NULL), so its
 * clerks keep their roles and their to-dos; revoked, nothing survives to
 * move them to, so they are disabled (sessions ended) until an
 * administrator places them.  The office's API tokens follow the same way.
 * One audit row per account, with the change as its reason.  0 or -1. */
static int close_office_accounts(http_req_t *r, const unit_t *from, const unit_t *to, int64_t change_id,
                                 const change_t *c) {
    db_stmt_t *s = db_prepare(r->db, "SELECT id FROM users WHERE org_id = $1 ORDER BY id");
    if (!s) return -1;
    db_bind_int(s, 1, from->id);
    int n;
    int64_t *ids = engine_collect_ids(r, s, &n);
    if (n < 0) return -1;
    char now[21];
    iso_from_unix(now_unix(), now);
    sql_binds_t b = {0};
    if (to) {
        BI(b, to->id);
        BI(b, from->id);
        if (exec(r->db, "UPDATE users SET org_id = $1 WHERE org_id = $2", &b) != 0 ||
            exec(r->db, "UPDATE api_tokens SET org_id = $1 WHERE org_id = $2", &b) != 0)
            return -1;
    } else {
        BT(b, now);
        BI(b, from->id);
        if (exec(r->db, "UPDATE sessions SET ended_at = $1 WHERE ended_at IS NULL AND user_id IN "
                        "(SELECT id FROM users WHERE org_id = $2)", &b) != 0 ||
            exec(r->db, "UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND revoked_at IS NULL", &b) != 0)
            return -1;
        b.n = 0;
        BI(b, from->id);
        if (exec(r->db, "UPDATE users SET status = 'disabled' WHERE org_id = $1", &b) != 0) return -1;
    }
    for (int i = 0; i < n; i++) {
        json_t *d = to ? json_pack("{s:I,s:I,s:I,s:s}", "from_org", (json_int_t)from->id, "to_org", (json_int_t)to->id,
                                   "office_change", (json_int_t)change_id, "reason",
                                   arena_printf(r->arena, "%s于 %s 并入%s", from->name, c->effective_on, to->name))
                       : json_pack("{s:I,s:I,s:s}", "org", (json_int_t)from->id, "office_change", (json_int_t)change_id,
                                   "reason",
                                   arena_printf(r->arena, "%s于 %s 撤销, 账号停用; 请管理员调整所属机构后启用",
                                                from->name, c->effective_on));
        char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(d);
        int arc = auth_audit(r, to ? "user.move" : "user.disable", "users", ids[i], "ok", dt);
        free(dt);
        if (arc != 0) return -1;
    }
    return 0;
}

static int apply_establish(http_req_t *r, const change_t *c, int64_t id, int64_t *result) {
    unit_t d;
    int rc = unit_load(r->db, c->district_id, &d);
    if (rc < 0) return -1;
    if (rc == 0 || strcmp(d.level, "district") != 0)
        return http_invalid(r, "org_id", "设立司法所的变更须由区司法局提出"), 1;
    if (!c->new_name[0]) return http_invalid(r, "new_name", "设立司法所须填写名称"), 1;
    const char *type = strcmp(c->new_type, "subdistrict") == 0 ? "街道"
                       : strcmp(c->new_type, "dev_zone") == 0  ? "开发区"
                                                               : "乡镇";
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO org_units (parent_id, path, depth, level, type, name, valid_from) "
                                     "VALUES ($1, $2, $3, 'office', $4, $5, $6) RETURNING id");
    if (!s) return -1;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "#change-%lld", (long long)id); /* unique until the real path is known */
    db_bind_int(s, 1, d.id);
    db_bind_text(s, 2, tmp, -1);
    db_bind_int(s, 3, d.depth + 1);
    db_bind_text(s, 4, type, -1);
    db_bind_text(s, 5, c->new_name, -1);
    db_bind_text(s, 6, c->effective_on, -1);
    rc = db_step(s);
    *result = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (!*result) return -1;
    sql_binds_t b = {0};
    BT(b, arena_printf(r->arena, "%s%lld/", d.path, (long long)*result));
    BI(b, *result);
    return exec(r->db, "UPDATE org_units SET path = $1 WHERE id = $2", &b);
}

/* The office named by the change, which must be a current office. */
static int current_office(http_req_t *r, int64_t id, const char *field, unit_t *u) {
    int rc = id ? unit_load(r->db, id, u) : 0;
    if (rc < 0) return -1;
    if (rc == 0 || strcmp(u->level, "office") != 0 || !scope_covers(r, u->path))
        return http_invalid(r, field, "请选择司法所"), 1;
    if (!u->current) return http_invalid(r, field, "该司法所已撤销或合并"), 1;
    return 0;
}

/* Keeps the name and parent the units matching "o.<column> = $1" have had
 * until the change's effective date, in org_unit_history (valid from the
 * end of their last history row, or their own start). */
static int remember(db_t *db, const char *column, int64_t unit, const char *effective_on, int64_t change_id) {
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO org_unit_history (org_id, name, parent_id, valid_from, valid_to, change_id) "
             "SELECT o.id, o.name, o.parent_id, COALESCE((SELECT MAX(h.valid_to) FROM org_unit_history h "
             "WHERE h.org_id = o.id), o.valid_from), $2, $3 FROM org_units o WHERE o.%s = $1",
             column);
    sql_binds_t b = {0};
    BI(b, unit);
    BT(b, effective_on);
    BI(b, change_id);
    return exec(db, sql, &b);
}

static int apply_merge(http_req_t *r, const change_t *c, int64_t id, int64_t *result) {
    unit_t from, to;
    int rc = current_office(r, c->office_id, "office_id", &from);
    if (rc) return rc;
    if ((rc = current_office(r, c->merge_into_id, "merge_into_id", &to))) return rc;
    if (from.id == to.id) return http_invalid(r, "merge_into_id", "不能并入自身"), 1;
    if (from.depth != to.depth) return http_invalid(r, "merge_into_id", "只能并入同级司法所"), 1;
    /* villages first (the org tree), then every entity's records, then persons */
    char hi[256];
    scope_upper(from.path, hi, sizeof(hi));
    if (remember(r->db, "parent_id", from.id, c->effective_on, id) != 0) return -1;
    sql_binds_t b = {0};
    BI(b, to.id);
    BI(b, from.id);
    if (exec(r->db, "UPDATE org_units SET parent_id = $1 WHERE parent_id = $2", &b) != 0) return -1;
    b.n = 0;
    BT(b, to.path);
    BI(b, (int64_t)strlen(from.path) + 1);
    BT(b, from.path);
    BT(b, hi);
    if (exec(r->db, "UPDATE org_units SET path = CAST($1 AS TEXT) || substr(path, $2) WHERE path > $3 AND path < $4",
             &b) != 0)
        return -1;
    move_ctx_t mc = {r->db, &from, &to, 0};
    entity_each(move_entity, &mc);
    if (mc.rc) return -1;
    /* the moved records' files stay usable by their new owner; an upload the
     * successor holds already keeps its own row */
    if (move_rows(r->db, "files", &from, &to,
                  " AND NOT (org_id = $1 AND EXISTS (SELECT 1 FROM files f2 WHERE f2.sha256 = files.sha256 AND "
                  "f2.org_id = $2))") != 0)
        return -1;
    b.n = 0;
    BI(b, to.id);
    BI(b, from.id);
    if (exec(r->db, "UPDATE persons SET org_id = $1 WHERE org_id = $2", &b) != 0) return -1;
    if (close_office_accounts(r, &from, &to, id, c) != 0) return -1;
    /* its problems, moved with its records: the successor's own (unit, rule) */
    if (problems_follow_merge(r, from.id, to.id, to.name) != 0) return -1;
    b.n = 0;
    BT(b, c->effective_on);
    BI(b, to.id);
    BI(b, from.id);
    if (exec(r->db, "UPDATE org_units SET valid_to = $1, successor_id = $2 WHERE id = $3", &b) != 0) return -1;
    *result = to.id;
    return 0;
}

static int apply_rename(http_req_t *r, const change_t *c, int64_t id, int64_t *result) {
    unit_t u;
    int rc = current_office(r, c->office_id, "office_id", &u);
    if (rc) return rc;
    if (!c->new_name[0]) return http_invalid(r, "new_name", "更名须填写新名称"), 1;
    if (remember(r->db, "id", u.id, c->effective_on, id) != 0) return -1;
    sql_binds_t b = {0};
    BT(b, c->new_name);
    BI(b, u.id);
    if (exec(r->db, "UPDATE org_units SET name = $1 WHERE id = $2", &b) != 0) return -1;
    *result = u.id;
    return 0;
}

static int office_change_apply(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    db_stmt_t *s =
        db_prepare(r->db, "SELECT change_type, effective_on, new_name, new_type, new_rank, org_id, office_id, "
                          "merge_into_id FROM office_change WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return http_store_error(r), -1;
    }
    change_t c = {0};
    snprintf(c.type, sizeof(c.type), "%s", db_col_text(s, 0));
    snprintf(c.effective_on, sizeof(c.effective_on), "%s", db_col_text(s, 1));
    snprintf(c.new_name, sizeof(c.new_name), "%s", db_col_null(s, 2) ? "" : db_col_text(s, 2));
    snprintf(c.new_type, sizeof(c.new_type), "%s", db_col_null(s, 3) ? "" : db_col_text(s, 3));
    snprintf(c.new_rank, sizeof(c.new_rank), "%s", db_col_null(s, 4) ? "" : db_col_text(s, 4));
    c.district_id = db_col_int(s, 5);
    c.office_id = db_col_null(s, 6) ? 0 : db_col_int(s, 6);
    c.merge_into_id = db_col_null(s, 7) ? 0 : db_col_int(s, 7);
    db_reset(s);
    char today[11];
    wf_today(today);
    if (strcmp(c.effective_on, today) > 0) {
        http_invalid(r, "effective_on", "生效日期未到, 不能实施");
        return -1;
    }
    int64_t result = 0;
    int rc;
    unit_t u;
    if (strcmp(c.type, "establish") == 0)
        rc = apply_establish(r, &c, id, &result);
    else if (strcmp(c.type, "merge") == 0)
        rc = apply_merge(r, &c, id, &result);
    else if (strcmp(c.type, "rename") == 0)
        rc = apply_rename(r, &c, id, &result);
    else if ((rc = current_office(r, c.office_id, "office_id", &u)) == 0) {
        sql_binds_t b = {0};
        result = u.id;
        if (strcmp(c.type, "revoke") == 0) {
            BT(b, c.effective_on);
            BI(b, u.id);
            rc = exec(r->db, "UPDATE org_units SET valid_to = $1 WHERE id = $2", &b);
            if (rc == 0) rc = close_office_accounts(r, &u, NULL, id, &c);
            if (rc == 0) rc = problems_close_revoked(r, u.path, u.name, c.effective_on);
        } else if (!c.new_rank[0]) {
            http_invalid(r, "new_rank", "调整规格须填写新规格");
            rc = 1;
        } else {
            BT(b, c.new_rank);
            BI(b, u.id);
            rc = exec(
                r->db,
                "UPDATE office_profile SET rank = $1, version = version + 1 WHERE org_id = $2 AND deleted_at IS NULL",
                &b);
        }
    }
    if (rc < 0) return http_store_error(r), -1;
    if (rc > 0) return -1; /* answered */
    sql_binds_t b = {0};
    BI(b, result);
    BI(b, id);
    if (exec(r->db, "UPDATE office_change SET result_org_id = $1 WHERE id = $2", &b) != 0)
        return http_store_error(r), -1;
    /* the results follow the tree: the district's dates from the effective
     * day recomputed, those of units gone removed (issue 19 point 3) */
    unit_t district;
    if (unit_load(r->db, c.district_id, &district) != 1 ||
        standards_org_changed(r->db, district.path, c.effective_on, auth_principal(r)->user_id) != 0)
        return http_store_error(r), -1;
    /* the org tree snapshot reloads on its next read, which for this
     * caller comes after the transition commits; a read racing the commit
     * may still load the old tree, and migration 0010's generation bump
     * replaces it within GENCACHE_CHECK_MS */
    org_units_invalidate();
    engine_titles_forget(); /* records moved units: a ref's title carries its unit */
    return 0;
}

void office_changes_declare(void) {
    perm_register(change_perms);
    entity_register(&office_changes);
}
