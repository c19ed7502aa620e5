/* access.c — one access path (issue 15 point 5; DESIGN.md "One access path").
 *
 * Every way a record leaves the server asks here whether the caller may
 * read it: GET, lists, export, history, files, the to-do, the answers to
 * create / update / actions, the records a person's involvements show, and
 * the records a write links (F_REF).  The decision is, in this order:
 *
 *   1. <perm>.read                       else 403 forbidden
 *   2. the record's unit in the scope    else 404 (never say it exists)
 *   3. protected entities: office-level users of the owning office, holders
 *      of <perm>.read_protected (the district corrections institution) in
 *      their scope, or an active break-the-glass grant on the unit's
 *      subtree  else 403 protected
 *
 * "May read" is decided before anything about the record's state is said,
 * so a workflow action on a record the caller may not read is 403/404, not
 * 409.  Personal information is never in the answer in clear: rows carry
 * the masked copies (engine_select_cols); full values only through the
 * audited unmask endpoints (pi.unmask), which ask here first too.  A read
 * through a grant is audited (engine_read_audit). */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "util/timeutil.h"

bool engine_can_read(http_req_t *r, const entity_t *e) {
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.read", e->perm);
    return auth_can(auth_principal(r), perm);
}

/* Office- and village-level users see their own office's protected records
 * (their scope is that office). */
static bool office_level(const principal_t *p) {
    return p && p->org_level && (strcmp(p->org_level, "office") == 0 || strcmp(p->org_level, "village") == 0);
}

/* Whoever reads a protected entity's records in their whole scope: the
 * office's own users, and holders of <perm>.read_protected (entity_t.protected_roles). */
static bool reads_scope(http_req_t *r, const entity_t *e) {
    if (!e->protected_ || office_level(auth_principal(r))) return true;
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.read_protected", e->perm);
    return auth_can(auth_principal(r), perm);
}

engine_read_t engine_may_read(http_req_t *r, const entity_t *e, const char *org_path) {
    if (!engine_can_read(r, e)) return ENGINE_READ_FORBIDDEN;
    if (!org_path || !scope_covers(r, org_path)) return ENGINE_READ_NOT_FOUND;
    if (reads_scope(r, e)) return ENGINE_READ_OK;
    int grant = auth_breakglass_active(r, e->name, org_path);
    return grant < 0 ? ENGINE_READ_STORE_ERROR : grant ? ENGINE_READ_GRANTED : ENGINE_READ_PROTECTED;
}

void engine_read_refuse(http_req_t *r, engine_read_t a) {
    switch (a) {
    case ENGINE_READ_FORBIDDEN:
        http_error(r, 403, "forbidden", "您没有执行此操作的权限");
        break;
    case ENGINE_READ_PROTECTED:
        http_error(r, 403, "protected", "受保护的业务数据: 本所以外须先申请紧急调阅授权");
        break;
    case ENGINE_READ_STORE_ERROR:
        http_store_error(r);
        break;
    default:
        http_error(r, 404, "not_found", "记录不存在");
    }
}

int engine_read_audit(http_req_t *r, const entity_t *e, int64_t id, const char *via) {
    if (!e->protected_) return 0;
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"via\":\"%s\"}", via);
    return auth_audit(r, "record.read_protected", e->name, id, "ok", detail);
}

engine_read_t engine_read_range(http_req_t *r, const entity_t *e, engine_grants_t *g) {
    g->n = 0;
    if (!engine_can_read(r, e)) return ENGINE_READ_FORBIDDEN;
    if (reads_scope(r, e)) return ENGINE_READ_OK;
    const principal_t *p = auth_principal(r);
    if (!p || !p->user_id) return ENGINE_READ_PROTECTED;
    /* each grant opens one subtree: the newest active ones the user holds */
    db_stmt_t *s =
        db_prepare(r->db, "SELECT o.path FROM breakglass g JOIN org_units o ON o.id = g.org_id "
                          "WHERE g.user_id = $1 AND g.entity = $2 AND g.expires_at > $3 ORDER BY g.id DESC LIMIT 8");
    if (!s) return ENGINE_READ_STORE_ERROR;
    char now[21];
    iso_from_unix(now_unix(), now);
    db_bind_int(s, 1, p->user_id);
    db_bind_text(s, 2, e->name, -1);
    db_bind_text(s, 3, now, -1);
    int rc = DB_DONE;
    while (g->n < ENGINE_GRANTS_MAX && (rc = db_step(s)) == DB_ROW)
        g->path[g->n++] = arena_strdup(r->arena, db_col_text(s, 0));
    db_reset(s);
    if (rc < 0) return g->n = 0, ENGINE_READ_STORE_ERROR; /* not "no grant" (403), nor fewer subtrees */
    return g->n ? ENGINE_READ_GRANTED : ENGINE_READ_PROTECTED;
}

int engine_person_readable(http_req_t *r, int64_t person_id, const char *person_org_path) {
    if (person_org_path && scope_covers(r, person_org_path)) return 1;
    /* 一次录入、多方共享: registering an ID number another unit holds
     * answers 409 with the person's id and records the sharing with the
     * caller's unit (persons.c: person.shared) */
    const principal_t *p = auth_principal(r);
    db_stmt_t *s = db_prepare(r->db, "SELECT 1 FROM audit_log WHERE entity = 'persons' AND entity_id = $1 "
                                     "AND action = 'person.shared' AND org_id = $2 LIMIT 1");
    if (!s) return -1;
    db_bind_int(s, 1, person_id);
    db_bind_int(s, 2, p ? p->org_id : 0);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* ---- exact look-ups by personal information (issue 18 point 3) ----
 *
 * A filter that names a full ID number or phone answers "is this person
 * here?": with a masked number and a birth date beside it, a handful of
 * guesses recovered a full number.  So every such look-up is an audit row
 * pi.lookup (who, which field, hit or miss — never the value), and a user
 * past pi.lookup_per_minute of them in the last minute gets 429 before the
 * store is asked.  The count is read from those audit rows, so it holds
 * across the nodes that share the store. */

const field_t *engine_pi_lookup_field(http_req_t *r, const entity_t *e) {
    http_query(r, "q"); /* parse once */
    for (int i = 0; i < r->nquery; i++) {
        const field_t *f = entity_field(e, r->qkeys[i]);
        if (f && (f->flags & FF_PI)) return f;
    }
    return NULL;
}

bool engine_pi_lookup_allowed(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    char since[21];
    iso_from_unix(now_unix() - 60, since);
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM audit_log WHERE at > $1 AND action = 'pi.lookup' "
                                     "AND result = 'ok' AND username = $2");
    if (!s) return http_store_error(r), false;
    db_bind_text(s, 1, since, -1);
    db_bind_text(s, 2, p && p->username ? p->username : "-", -1);
    int rc = db_step(s);
    int64_t n = rc == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (n < 0) return http_store_error(r), false;
    int64_t limit = setting_int(r->db, "pi.lookup_per_minute");
    if (n < limit) return true;
    /* the refusal is audited too (no value), and does not count */
    if (auth_audit(r, "pi.lookup", NULL, 0, "denied", "{\"reason\":\"rate limited\"}") != 0)
        return http_error(r, 503, "audit_failed", "审计记录写入失败, 请稍后再试"), false;
    http_set_header(r, "Retry-After", "60");
    http_error(r, 429, "rate_limited",
               arena_printf(r->arena, "按证件号码、电话等个人信息精确查询过于频繁 (每分钟最多 %lld 次), 请稍后再试",
                            (long long)limit));
    return false;
}

int engine_pi_lookup_audit(http_req_t *r, const char *entity, const char *field, bool hit) {
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"field\":\"%s\",\"hit\":%s}", field, hit ? "true" : "false");
    if (auth_audit(r, "pi.lookup", entity, 0, "ok", detail) == 0) return 0;
    http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示查询结果");
    return -1;
}
