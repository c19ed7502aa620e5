/* grants.c — separation of duties that holds (三员分立, issue 18 point 1).
 *
 * The system administrator makes accounts and API tokens, without business
 * permissions; giving them business roles or permissions, and changing a
 * business role's permission set, is the security administrator's:
 *
 *   PUT  /api/v1/users/:id/roles              {"roles": [key…]}        the account's whole role set
 *   PUT  /api/v1/api-tokens/:id/permissions   {"permissions": [perm…]} the token's whole permission set
 *   PUT  /api/v1/roles/:id/permissions        {"permissions": [perm…]} a business role's set
 *   GET  /api/v1/grants?status=pending|applied|rejected
 *   POST /api/v1/grants/:id/approve | reject
 *   GET  /api/v1/lockouts, POST /api/v1/lockouts/:id/ack   (policy.manage; point 4)
 *
 * A password reset (admin.c) of an account holding pi.unmask is a grant of
 * kind "reset": the system administrator who asks never sees the one-time
 * password; the security administrator who approves receives it to hand
 * over — so taking over such an account needs two administrators.
 *
 * A grant that adds pi.unmask or an export permission (perm_needs_second)
 * waits, pending, for another security administrator to approve it: the
 * four-eyes rule of a 等保 level-3 system's 授权管理, kept among the
 * security administrators because granting is their duty alone (the system
 * administrator must not decide grants, the auditor must stay independent
 * of what it audits).  Anything else applies at once.  Either way the grant
 * has a row in `grants` and one audit row saying what was granted, to whom,
 * in which unit, by whom and approved by whom.
 *
 * An API token that reaches personal information (perm_reaches_pi) expires
 * within TOKEN_PI_DAYS of the grant: its expiry is brought forward.
 *
 * The three administrator roles are not edited by anyone: their permission
 * sets are fixed in code (roles.c admin_perms, re-applied at every start). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "util/log.h"
#include "util/timeutil.h"

#define TOKEN_PI_DAYS 90
#define GRANT_ROLES_MAX 16

/* ---- which permissions are sensitive ---- */

bool perm_needs_second(const char *perm) {
    size_t n = strlen(perm);
    return strcmp(perm, "pi.unmask") == 0 || (n > 7 && strcmp(perm + n - 7, ".export") == 0);
}

typedef struct {
    const char *perm;
    bool hit;
} pi_probe_t;

/* Is probe->perm one of e's permissions, and does e hold personal
 * information (a PI field, or a link to the person registry)? */
static void probe_entity(const entity_t *e, void *arg) {
    pi_probe_t *c = arg;
    if (c->hit || !e->perm) return;
    size_t l = strlen(e->perm);
    if (strncmp(c->perm, e->perm, l) != 0 || c->perm[l] != '.') return;
    for (const field_t *f = e->fields; f && f->name; f++)
        if ((f->flags & FF_PI) || f->type == F_PERSON) {
            c->hit = true;
            return;
        }
}

bool perm_reaches_pi(const char *perm) {
    if (strcmp(perm, "pi.unmask") == 0 || strncmp(perm, "person.", 7) == 0) return true;
    pi_probe_t c = {perm, false};
    entity_each(probe_entity, &c);
    return c.hit;
}

/* ---- small string sets in the request's arena ---- */

typedef struct {
    const char **v;
    int n, cap;
} strset_t;

static bool set_has(const strset_t *s, const char *x) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0) return true;
    return false;
}

static void set_add(http_req_t *r, strset_t *s, const char *x) {
    if (set_has(s, x)) return;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 32;
        const char **nv = arena_alloc(r->arena, sizeof(char *) * (size_t)cap);
        if (s->n) memcpy(nv, s->v, sizeof(char *) * (size_t)s->n);
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = arena_strdup(r->arena, x);
}

static char *set_join(http_req_t *r, const strset_t *s) {
    buf_t b = BUF_INIT;
    for (int i = 0; i < s->n; i++) {
        if (i) buf_putc(&b, ' ');
        buf_puts(&b, s->v[i]);
    }
    char *out = arena_strdup(r->arena, b.data ? b.data : "");
    buf_free(&b);
    return out;
}

static json_t *set_json(const strset_t *s) {
    json_t *a = json_array();
    for (int i = 0; i < s->n; i++) json_array_append_new(a, json_string(s->v[i]));
    return a;
}

/* Adds the permissions of a role (by id) to out; -1 on a store error. */
static int role_perms_into(http_req_t *r, int64_t role_id, strset_t *out) {
    db_stmt_t *s = db_prepare(r->db, "SELECT perm FROM role_permissions WHERE role_id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, role_id);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) set_add(r, out, db_col_text(s, 0));
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- a grant: its target and the new set ---- */

typedef struct {
    const char *kind;        /* "user", "token", "role" */
    int64_t id;              /* the target's */
    const char *name;        /* the account's "display (username)", the token's or role's name */
    int64_t org_id;          /* the account's or token's unit; 0 for a role */
    const char *org_name;
    const char *role_kind;   /* a role's admin_kind (refused when set) */
    const char *expires_at;  /* a token's */
    strset_t items;          /* role keys (user) or permissions */
    int64_t role_ids[GRANT_ROLES_MAX];
    int nroles;
    strset_t before, after;  /* effective permissions before and after */
    strset_t sensitive;      /* added ones that need a second approver */
    bool reaches_pi;         /* a token's new set reaches personal information */
} grant_t;

/* Loads the target of g (kind and id set) and checks it may be granted to by
 * the caller; answers the request itself and returns -1 when not. */
static int load_target(http_req_t *r, grant_t *g) {
    const principal_t *p = auth_principal(r);
    db_stmt_t *s;
    if (strcmp(g->kind, "user") == 0 || strcmp(g->kind, "reset") == 0) {
        if (g->id <= 0 || !auth_user_in_scope(r, g->id)) return http_error(r, 404, "not_found", "账户不存在"), -1;
        if (auth_admin_account(r, g->id))
            return http_error(r, 403, "forbidden", "三员分立: 管理员账户的角色由系统固定, 只能在服务器上用 sifasuo user 命令分配"), -1;
        if (g->id == p->user_id) return http_error(r, 403, "forbidden", "不能给自己授权"), -1;
        s = db_prepare(r->db, "SELECT u.display_name || ' (' || u.username || ')', u.org_id, o.name FROM users u "
                              "JOIN org_units o ON o.id = u.org_id WHERE u.id = $1");
    } else if (strcmp(g->kind, "token") == 0) {
        s = db_prepare(r->db, "SELECT t.name, t.org_id, o.name, o.path, t.revoked_at, t.expires_at FROM api_tokens t "
                              "JOIN org_units o ON o.id = t.org_id WHERE t.id = $1");
    } else {
        s = db_prepare(r->db, "SELECT name, 0, NULL, admin_kind FROM roles WHERE id = $1");
    }
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, g->id);
    int rc = db_step(s);
    bool revoked = false, out_of_scope = false;
    if (rc == DB_ROW) {
        g->name = arena_strdup(r->arena, db_col_text(s, 0));
        g->org_id = db_col_int(s, 1);
        g->org_name = db_col_null(s, 2) ? NULL : arena_strdup(r->arena, db_col_text(s, 2));
        if (strcmp(g->kind, "token") == 0) {
            out_of_scope = !scope_covers(r, db_col_text(s, 3));
            revoked = !db_col_null(s, 4);
            g->expires_at = arena_strdup(r->arena, db_col_text(s, 5));
        } else if (strcmp(g->kind, "role") == 0) {
            g->role_kind = db_col_null(s, 3) ? NULL : arena_strdup(r->arena, db_col_text(s, 3));
        }
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r), -1;
    const char *what = strcmp(g->kind, "token") == 0 ? "令牌不存在" : strcmp(g->kind, "role") == 0 ? "角色不存在" : "账户不存在";
    if (rc != DB_ROW || out_of_scope) return http_error(r, 404, "not_found", what), -1;
    if (revoked) return http_error(r, 409, "token_revoked", "令牌已撤销, 不能再授权"), -1;
    if (g->role_kind)
        return http_error(r, 403, "forbidden", "三员分立: 管理员角色的权限由系统固定, 任何人都不能修改"), -1;
    return 0;
}

/* Reads the new set (a JSON array) into g and works out what it adds;
 * answers 422 itself and returns -1 when it is not acceptable. */
static int parse_set(http_req_t *r, grant_t *g, json_t *arr) {
    bool user = strcmp(g->kind, "user") == 0;
    const char *field = user ? "roles" : "permissions";
    if (!json_is_array(arr)) return http_invalid(r, field, user ? "roles 必须是角色数组" : "permissions 必须是权限数组"), -1;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *k = json_string_value(v);
        if (user) {
            int64_t id = k ? role_lookup(r->db, k) : 0;
            if (id < 0) return http_store_error(r), -1;
            if (!id) return http_invalid(r, field, "角色不存在"), -1;
            int admin = role_is_admin(r->db, id);
            if (admin < 0) return http_store_error(r), -1;
            if (admin)
                return http_invalid(r, field, "三员分立: 管理员角色只能由运维人员在服务器上用 sifasuo user 命令分配"), -1;
            bool dup = false;
            for (int k2 = 0; k2 < g->nroles; k2++) dup |= g->role_ids[k2] == id;
            if (dup) continue;
            if (g->nroles == GRANT_ROLES_MAX)
                return http_error(r, 422, "too_many_roles",
                                  arena_printf(r->arena, "角色过多: 一个账户最多 %d 个角色", GRANT_ROLES_MAX)), -1;
            g->role_ids[g->nroles++] = id;
            db_stmt_t *s = db_prepare(r->db, "SELECT key FROM roles WHERE id = $1");
            if (!s) return http_store_error(r), -1;
            db_bind_int(s, 1, id);
            int rc = db_step(s);
            if (rc == DB_ROW) set_add(r, &g->items, db_col_text(s, 0));
            db_reset(s);
            if (rc != DB_ROW) return http_store_error(r), -1; /* the role was just found */
            if (role_perms_into(r, id, &g->after) != 0) return http_store_error(r), -1;
        } else {
            if (!k || !perm_find(k) || perm_admin_kind(k))
                return http_invalid(r, field, "权限不存在, 或是管理类权限 (三员分立: 管理类权限只属于对应的管理员角色)"), -1;
            set_add(r, &g->items, k);
            set_add(r, &g->after, k);
        }
    }
    const char *why = user ? roles_conflict(r->db, g->role_ids, g->nroles) : NULL;
    if (why) return http_invalid(r, field, why), -1;
    /* what the target holds now */
    db_stmt_t *s;
    if (user) s = db_prepare(r->db, "SELECT role_id FROM user_roles WHERE user_id = $1");
    else if (strcmp(g->kind, "token") == 0) s = db_prepare(r->db, "SELECT permissions FROM api_tokens WHERE id = $1");
    else s = db_prepare(r->db, "SELECT perm FROM role_permissions WHERE role_id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, g->id);
    int64_t held[64];
    int nheld = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (user) {
            if (nheld < 64) held[nheld++] = db_col_int(s, 0);
        } else if (strcmp(g->kind, "token") == 0) {
            char *list = arena_strdup(r->arena, db_col_text(s, 0)), *save = NULL;
            for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save)) set_add(r, &g->before, t);
        } else {
            set_add(r, &g->before, db_col_text(s, 0));
        }
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r), -1;
    for (int k = 0; k < nheld; k++)
        if (role_perms_into(r, held[k], &g->before) != 0) return http_store_error(r), -1;
    for (int k = 0; k < g->after.n; k++) {
        if (!set_has(&g->before, g->after.v[k]) && perm_needs_second(g->after.v[k])) set_add(r, &g->sensitive, g->after.v[k]);
        if (perm_reaches_pi(g->after.v[k])) g->reaches_pi = true;
    }
    return 0;
}

/* Writes g's new set to its target (in the caller's transaction); a token
 * reaching personal information gets its expiry brought within
 * TOKEN_PI_DAYS.  0, or -1 on a store error. */
static int apply_grant(http_req_t *r, grant_t *g) {
    db_stmt_t *s;
    int rc;
    if (strcmp(g->kind, "token") == 0) {
        int64_t exp = 0, cap = now_unix() + TOKEN_PI_DAYS * 86400LL;
        unix_from_iso(g->expires_at, &exp);
        if (g->reaches_pi && exp > cap) {
            char iso[21];
            iso_from_unix(cap, iso);
            g->expires_at = arena_strdup(r->arena, iso);
        }
        s = db_prepare(r->db, "UPDATE api_tokens SET permissions = $1, expires_at = $2 WHERE id = $3");
        if (!s) return -1;
        db_bind_text(s, 1, set_join(r, &g->items), -1);
        db_bind_text(s, 2, g->expires_at, -1);
        db_bind_int(s, 3, g->id);
        rc = db_step(s);
        db_reset(s);
        return rc == DB_DONE ? 0 : -1;
    }
    bool user = strcmp(g->kind, "user") == 0;
    s = db_prepare(r->db, user ? "DELETE FROM user_roles WHERE user_id = $1" : "DELETE FROM role_permissions WHERE role_id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, g->id);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return -1;
    int n = user ? g->nroles : g->items.n;
    for (int i = 0; i < n; i++) {
        s = db_prepare(r->db, user ? "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)"
                                   : "INSERT INTO role_permissions (role_id, perm) VALUES ($1, $2)");
        if (!s) return -1;
        db_bind_int(s, 1, g->id);
        if (user) db_bind_int(s, 2, g->role_ids[i]);
        else db_bind_text(s, 2, g->items.v[i], -1);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return -1;
    }
    return 0;
}

/* The audit detail of a grant: what, to whom, in which unit, by whom,
 * approved by whom (NULL: none was needed, or not yet). */
static char *grant_detail(http_req_t *r, const grant_t *g, int64_t grant_id, const char *requested_by,
                          const char *approved_by) {
    strset_t added = {0}, removed = {0};
    for (int i = 0; i < g->after.n; i++)
        if (!set_has(&g->before, g->after.v[i])) set_add(r, &added, g->after.v[i]);
    for (int i = 0; i < g->before.n; i++)
        if (!set_has(&g->after, g->before.v[i])) set_add(r, &removed, g->before.v[i]);
    json_t *d = json_object();
    json_object_set_new(d, "grant", json_integer(grant_id));
    json_object_set_new(d, "to", json_pack("{s:s,s:I,s:s}", "kind", g->kind, "id", (json_int_t)g->id, "name", g->name));
    json_object_set_new(d, "unit", g->org_id ? json_pack("{s:I,s:s?}", "id", (json_int_t)g->org_id, "name", g->org_name)
                                             : json_null());
    json_object_set_new(d, strcmp(g->kind, "user") == 0 ? "roles" : "permissions", set_json(&g->items));
    json_object_set_new(d, "added", set_json(&added));
    json_object_set_new(d, "removed", set_json(&removed));
    json_object_set_new(d, "sensitive", set_json(&g->sensitive));
    if (strcmp(g->kind, "token") == 0) json_object_set_new(d, "expires_at", json_string(g->expires_at));
    json_object_set_new(d, "requested_by", json_string(requested_by ? requested_by : ""));
    json_object_set_new(d, "approved_by", approved_by ? json_string(approved_by) : json_null());
    char *out = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    return out;
}

static const char *apply_action(const grant_t *g) {
    return strcmp(g->kind, "user") == 0 ? "user.roles" : strcmp(g->kind, "token") == 0 ? "token.permissions" : "role.permissions";
}

static const char *target_entity(const grant_t *g) {
    return strcmp(g->kind, "user") == 0 ? "users" : strcmp(g->kind, "token") == 0 ? "api_tokens" : "roles";
}

/* Applies g at once, or stores it pending a second security administrator
 * when it adds a sensitive permission; answers 200 or 202. */
static void submit_grant(http_req_t *r, grant_t *g) {
    const principal_t *p = auth_principal(r);
    bool pending = g->sensitive.n > 0;
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO grants (target_kind, target_id, org_id, granted, sensitive, status, "
                                     "requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id");
    int64_t id = 0;
    if (s) {
        db_bind_text(s, 1, g->kind, -1);
        db_bind_int(s, 2, g->id);
        if (g->org_id) db_bind_int(s, 3, g->org_id);
        else db_bind_null(s, 3);
        db_bind_text(s, 4, set_join(r, &g->items), -1);
        db_bind_text(s, 5, set_join(r, &g->sensitive), -1);
        db_bind_text(s, 6, pending ? "pending" : "applied", -1);
        db_bind_int(s, 7, p->user_id);
        db_bind_text(s, 8, now, -1);
        if (db_step(s) == DB_ROW) id = db_col_int(s, 0);
        db_reset(s);
    }
    if (!id || (!pending && apply_grant(r, g) != 0)) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    char *detail = grant_detail(r, g, id, p->username, NULL);
    int arc = pending ? auth_audit(r, "grant.request", target_entity(g), g->id, "ok", detail)
                      : auth_audit(r, apply_action(g), target_entity(g), g->id, "ok", detail);
    free(detail);
    if (arc != 0 || db_commit(r->db) != 0) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "id", id);
    jw_kstr(w, "status", pending ? "pending" : "applied");
    if (pending)
        jw_kstr(w, "message", "授权含查看完整个人信息或导出权限, 已提交, 须由另一名安全管理员批准后生效");
    if (strcmp(g->kind, "token") == 0) jw_kstr(w, "expires_at", g->expires_at);
    jw_obj_end(w);
    http_send_json(r, pending ? 202 : 200);
}

static void grant_request(http_req_t *r, const char *kind, const char *field) {
    grant_t g = {.kind = kind, .id = http_param_id(r, "id")};
    if (load_target(r, &g) != 0) return;
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (strcmp(k, field) != 0) {
            http_invalid(r, k, "未知字段");
            json_decref(b);
            return;
        }
    }
    if (parse_set(r, &g, json_object_get(b, field)) == 0) submit_grant(r, &g);
    json_decref(b);
}

static void put_user_roles(http_req_t *r) { grant_request(r, "user", "roles"); }
static void put_token_permissions(http_req_t *r) { grant_request(r, "token", "permissions"); }
static void put_role_permissions(http_req_t *r) { grant_request(r, "role", "permissions"); }

/* ---- the pending grants and their decision ---- */

#define GRANT_COLS                                                                                                     \
    "g.id, g.target_kind, g.target_id, g.org_id, o.name, g.granted, g.sensitive, g.status, g.requested_by, ru.username, " \
    "ru.display_name, g.requested_at, du.username, du.display_name, g.decided_at, "                                     \
    "CASE WHEN g.target_kind IN ('user', 'reset') THEN (SELECT tu.display_name || ' (' || tu.username || ')' "         \
    "FROM users tu WHERE tu.id = g.target_id) WHEN g.target_kind = 'token' THEN (SELECT t.name FROM api_tokens t "     \
    "WHERE t.id = g.target_id) ELSE (SELECT ro.name FROM roles ro WHERE ro.id = g.target_id) END "
#define GRANT_FROM                                                                                                     \
    "FROM grants g LEFT JOIN org_units o ON o.id = g.org_id JOIN users ru ON ru.id = g.requested_by "                   \
    "LEFT JOIN users du ON du.id = g.decided_by "
/* role grants are global; an account's or token's within the caller's subtree */
#define GRANT_SCOPE "(g.org_id IS NULL OR (o.path >= $1 AND o.path < $2)) "

static const char *role_name_of(http_req_t *r, const char *key) {
    db_stmt_t *s = db_prepare(r->db, "SELECT name FROM roles WHERE key = $1");
    if (!s) return key;
    db_bind_text(s, 1, key, -1);
    const char *name = db_step(s) == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : key;
    db_reset(s);
    return name;
}

/* A space-separated list as [{key, name}]: role names or permission labels. */
static void write_named_list(http_req_t *r, const char *key, const char *list, bool roles) {
    jw_t *w = &r->json;
    jw_key(w, key);
    jw_arr(w);
    char *copy = arena_strdup(r->arena, list ? list : ""), *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        const perm_def_t *pd = roles ? NULL : perm_find(t);
        jw_obj(w);
        jw_kstr(w, "key", t);
        jw_kstr(w, "name", roles ? role_name_of(r, t) : pd ? pd->label : t);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

typedef struct {
    int64_t id, target_id, org_id, requested_by;
    const char *kind, *org, *granted, *sensitive, *status, *req_user, *req_name, *requested_at, *dec_user, *dec_name,
        *decided_at, *target;
} grant_row_t;

static void read_grant_row(http_req_t *r, db_stmt_t *s, grant_row_t *g) {
#define TXT(i) (db_col_null(s, i) ? NULL : arena_strdup(r->arena, db_col_text(s, i)))
    *g = (grant_row_t){.id = db_col_int(s, 0), .kind = TXT(1), .target_id = db_col_int(s, 2),
                       .org_id = db_col_null(s, 3) ? 0 : db_col_int(s, 3), .org = TXT(4), .granted = TXT(5),
                       .sensitive = TXT(6), .status = TXT(7), .requested_by = db_col_int(s, 8), .req_user = TXT(9),
                       .req_name = TXT(10), .requested_at = TXT(11), .dec_user = TXT(12), .dec_name = TXT(13),
                       .decided_at = TXT(14), .target = TXT(15)};
#undef TXT
}

static const char *kind_label(const char *kind) {
    return strcmp(kind, "user") == 0    ? "账户角色"
           : strcmp(kind, "token") == 0 ? "接口令牌权限"
           : strcmp(kind, "reset") == 0 ? "重置密码"
                                        : "角色权限";
}

bool auth_account_unmasks(http_req_t *r, int64_t user_id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id "
                                     "WHERE ur.user_id = $1 AND rp.perm = 'pi.unmask'");
    if (!s) return true; /* unsure: the careful way */
    db_bind_int(s, 1, user_id);
    bool yes = db_step(s) != DB_ROW || db_col_int(s, 0) > 0;
    db_reset(s);
    return yes;
}

/* The audit detail of a reset: whose, in which unit, asked and approved by. */
static char *reset_detail(const grant_t *g, int64_t grant_id, const char *requested_by, const char *approved_by) {
    json_t *d = json_pack("{s:I,s:{s:s,s:I,s:s},s:{s:I,s:s?},s:s,s:s?}", "grant", (json_int_t)grant_id, "to", "kind", "user",
                          "id", (json_int_t)g->id, "name", g->name, "unit", "id", (json_int_t)g->org_id, "name", g->org_name,
                          "requested_by", requested_by ? requested_by : "", "approved_by", approved_by);
    char *out = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(d);
    return out;
}

void grant_reset_request(http_req_t *r, int64_t user_id) {
    const principal_t *p = auth_principal(r);
    grant_t g = {.kind = "reset", .id = user_id};
    if (load_target(r, &g) != 0) return;
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO grants (target_kind, target_id, org_id, granted, sensitive, status, "
                                     "requested_by, requested_at) VALUES ('reset', $1, $2, '', 'pi.unmask', 'pending', $3, $4) "
                                     "RETURNING id");
    int64_t id = 0;
    if (s) {
        db_bind_int(s, 1, g.id);
        db_bind_int(s, 2, g.org_id);
        db_bind_int(s, 3, p->user_id);
        db_bind_text(s, 4, now, -1);
        if (db_step(s) == DB_ROW) id = db_col_int(s, 0);
        db_reset(s);
    }
    char *detail = id ? reset_detail(&g, id, p->username, NULL) : NULL;
    int arc = detail ? auth_audit(r, "grant.request", "users", g.id, "ok", detail) : -1;
    free(detail);
    if (arc != 0 || db_commit(r->db) != 0) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    jw_obj(&r->json);
    jw_kint(&r->json, "id", id);
    jw_kstr(&r->json, "status", "pending");
    jw_kstr(&r->json, "message", "该账户可查看完整个人信息: 重置密码已提交, 由安全管理员复核后生成一次性密码并交给本人");
    jw_obj_end(&r->json);
    http_send_json(r, 202);
}

/* Approves a reset: a one-time password, set (must change), the account's
 * sessions ended, audited; the password is in the answer, once, for the
 * approving security administrator to hand over.  Inside the decision's
 * transaction; 0, or -1 on a store error. */
static int apply_reset(http_req_t *r, const grant_t *g, int64_t grant_id, const char *requested_by, char *pw, size_t pwlen) {
    int64_t len = setting_int(r->db, "password.min_length");
    password_generate(pw, len > 16 ? (int)(len < (int64_t)pwlen - 1 ? len : (int64_t)pwlen - 1) : 16);
    char now[21];
    iso_from_unix(now_unix(), now);
    if (password_set(r->db, g->id, pw, true) != 0) return -1;
    db_stmt_t *s = db_prepare(r->db, "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, g->id);
    int rc = db_step(s);
    db_reset(s);
    char *detail = rc == DB_DONE ? reset_detail(g, grant_id, requested_by, auth_principal(r)->username) : NULL;
    int arc = detail ? auth_audit(r, "password.reset", "users", g->id, "ok", detail) : -1;
    free(detail);
    return arc == 0 ? 0 : -1;
}

static void write_grant(http_req_t *r, const grant_row_t *g) {
    const principal_t *p = auth_principal(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "id", g->id);
    jw_kstr(w, "target_kind", g->kind);
    jw_kstr(w, "target_kind_label", kind_label(g->kind));
    jw_key(w, "target");
    jw_obj(w);
    jw_kint(w, "id", g->target_id);
    jw_kstr(w, "name", g->target);
    jw_obj_end(w);
    jw_key(w, "org");
    if (g->org_id) {
        jw_obj(w);
        jw_kint(w, "id", g->org_id);
        jw_kstr(w, "name", g->org);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    write_named_list(r, "granted", g->granted, strcmp(g->kind, "user") == 0);
    write_named_list(r, "sensitive", g->sensitive, false);
    jw_kstr(w, "status", g->status);
    jw_kstr(w, "requested_by", g->req_name);
    jw_kstr(w, "requested_by_username", g->req_user);
    jw_kstr(w, "requested_at", g->requested_at);
    jw_kstr(w, "decided_by", g->dec_name);
    jw_kstr(w, "decided_at", g->decided_at);
    jw_kbool(w, "mine", g->requested_by == p->user_id);
    jw_obj_end(w);
}

/* GET /grants?status= — newest first, at most 200. */
static void list_grants(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    const char *status = http_query(r, "status");
    if (status && strcmp(status, "pending") && strcmp(status, "applied") && strcmp(status, "rejected"))
        return http_invalid(r, "status", "状态只能是 pending、applied 或 rejected");
    char hi[512];
    scope_upper(p->org_path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT " GRANT_COLS GRANT_FROM "WHERE " GRANT_SCOPE
                                     "AND ($3 = '' OR g.status = $3) ORDER BY g.id DESC LIMIT 200");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, status ? status : "", -1);
    grant_row_t rows[200];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < 200) read_grant_row(r, s, &rows[n++]);
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    jw_arr(&r->json);
    for (int i = 0; i < n; i++) write_grant(r, &rows[i]);
    jw_arr_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

/* POST /grants/:id/approve | reject — approve by another security
 * administrator than the one who asked; reject by anyone of them (the asker
 * withdraws).  The target is checked again: it may have changed meanwhile. */
static void decide_grant(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    const char *action = http_param(r, "action");
    bool approve = strcmp(action, "approve") == 0;
    if (!approve && strcmp(action, "reject") != 0) return http_error(r, 404, "not_found", "接口不存在");
    int64_t id = http_param_id(r, "id");
    char hi[512];
    scope_upper(p->org_path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT " GRANT_COLS GRANT_FROM "WHERE " GRANT_SCOPE "AND g.id = $3");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, id);
    grant_row_t row;
    int rc = db_step(s);
    if (rc == DB_ROW) read_grant_row(r, s, &row);
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (rc != DB_ROW) return http_error(r, 404, "not_found", "授权申请不存在");
    if (strcmp(row.status, "pending") != 0) return http_error(r, 409, "already_decided", "该授权申请已处理");
    if (approve && row.requested_by == p->user_id)
        return http_error(r, 403, "second_approver_required", "须由另一名安全管理员批准, 不能批准自己提出的授权");
    grant_t g = {.kind = row.kind, .id = row.target_id};
    bool reset = strcmp(row.kind, "reset") == 0;
    char pw[PASSWORD_GENERATED_MAX + 1] = "";
    json_t *set = NULL;
    if (approve && load_target(r, &g) != 0) return;
    if (approve && !reset) {
        set = json_array();
        char *copy = arena_strdup(r->arena, row.granted), *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) json_array_append_new(set, json_string(t));
        int prc = parse_set(r, &g, set);
        json_decref(set);
        if (prc != 0) return;
        /* what the request flagged, even if the target gained some of it meanwhile */
        char *copy2 = arena_strdup(r->arena, row.sensitive), *save2 = NULL;
        for (char *t = strtok_r(copy2, " ", &save2); t; t = strtok_r(NULL, " ", &save2)) set_add(r, &g.sensitive, t);
    }
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    s = db_prepare(r->db, "UPDATE grants SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'");
    if (!s) goto fail;
    db_bind_text(s, 1, approve ? "applied" : "rejected", -1);
    db_bind_int(s, 2, p->user_id);
    db_bind_text(s, 3, now, -1);
    db_bind_int(s, 4, id);
    rc = db_step(s);
    int64_t changed = db_changes(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;
    if (changed != 1) {
        db_rollback(r->db);
        return http_error(r, 409, "already_decided", "该授权申请已处理");
    }
    int arc;
    if (approve && reset) {
        arc = apply_reset(r, &g, id, row.req_user, pw, sizeof(pw));
    } else if (approve) {
        if (apply_grant(r, &g) != 0) goto fail;
        char *detail = grant_detail(r, &g, id, row.req_user, p->username);
        arc = auth_audit(r, apply_action(&g), target_entity(&g), g.id, "ok", detail);
        free(detail);
    } else {
        json_t *d = json_pack("{s:I,s:{s:s,s:I,s:s?},s:s,s:s?,s:s}", "grant", (json_int_t)id, "to", "kind", row.kind, "id",
                              (json_int_t)row.target_id, "name", row.target, "granted", row.granted ? row.granted : "",
                              "requested_by", row.req_user, "rejected_by", p->username);
        char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(d);
        arc = auth_audit(r, "grant.reject", "grants", id, "ok", detail);
        free(detail);
    }
    if (arc != 0 || db_commit(r->db) != 0) goto fail;
    jw_obj(&r->json);
    jw_kint(&r->json, "id", id);
    jw_kstr(&r->json, "status", approve ? "applied" : "rejected");
    if (approve && strcmp(g.kind, "token") == 0) jw_kstr(&r->json, "expires_at", g.expires_at);
    if (approve && reset) jw_kstr(&r->json, "password", pw); /* shown once, to the approver */
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    return;
fail:
    db_rollback(r->db);
    http_store_error(r);
}

/* The to-do source (engine/workflow.h): pending grants another security
 * administrator asked for, within the caller's scope. */
static int todo_grants(http_req_t *r, wf_todo_t *t) {
    const principal_t *p = auth_principal(r);
    if (!auth_can(p, "role.manage")) return 0;
    char hi[512];
    scope_upper(p->org_path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT " GRANT_COLS GRANT_FROM "WHERE " GRANT_SCOPE
                                     "AND g.status = 'pending' AND g.requested_by <> $3 ORDER BY g.id LIMIT 200");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, p->user_id);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        grant_row_t g;
        read_grant_row(r, s, &g);
        wf_todo_add(t, "grant-approvals", "授权审批", g.id,
                    arena_printf(r->arena, "%s: %s (%s 提出)", kind_label(g.kind), g.target ? g.target : "?", g.req_name),
                    "pending", "待批准", NULL);
        n++;
    }
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    wf_todo_count(t, "grant-approvals", n);
    return 0;
}

/* ---- lockouts, told to the security administrators (point 4) ---- */

#define LOCKOUT_SQL                                                                                                    \
    "SELECT l.id, u.username, u.display_name, o.name, l.locked_at, l.locked_until, l.ip, l.owner_told_at, "           \
    "l.acknowledged_at, au.display_name FROM account_lockouts l JOIN users u ON u.id = l.user_id "                      \
    "JOIN org_units o ON o.id = u.org_id LEFT JOIN users au ON au.id = l.acknowledged_by "                              \
    "WHERE o.path >= $1 AND o.path < $2 "

/* GET /lockouts?open=1 — the lockouts of accounts in the caller's subtree,
 * newest first; open=1: those no security administrator acknowledged yet. */
static void list_lockouts(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    const char *open = http_query(r, "open");
    char hi[512];
    scope_upper(p->org_path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, LOCKOUT_SQL "AND ($3 = 0 OR l.acknowledged_at IS NULL) ORDER BY l.id DESC LIMIT 200");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, open && strcmp(open, "1") == 0);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "username", db_col_text(s, 1));
        jw_kstr(w, "display_name", db_col_text(s, 2));
        jw_kstr(w, "org_name", db_col_text(s, 3));
        jw_kstr(w, "locked_at", db_col_text(s, 4));
        jw_kstr(w, "locked_until", db_col_text(s, 5));
        jw_kstr(w, "ip", db_col_text(s, 6));
        jw_kstr(w, "owner_told_at", db_col_text(s, 7));
        jw_kstr(w, "acknowledged_at", db_col_text(s, 8));
        jw_kstr(w, "acknowledged_by", db_col_text(s, 9));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void ack_lockout(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    int64_t id = http_param_id(r, "id");
    char hi[512], now[21];
    scope_upper(p->org_path, hi, sizeof(hi));
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(r->db, LOCKOUT_SQL "AND l.id = $3");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    const char *who = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 1)) : NULL;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!who) return http_error(r, 404, "not_found", "锁定记录不存在");
    if (db_begin(r->db) != 0) return http_store_error(r);
    s = db_prepare(r->db, "UPDATE account_lockouts SET acknowledged_by = $1, acknowledged_at = $2 "
                          "WHERE id = $3 AND acknowledged_at IS NULL");
    if (!s) goto fail;
    db_bind_int(s, 1, p->user_id);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, id);
    rc = db_step(s);
    db_reset(s);
    json_t *d = json_pack("{s:s}", "account", who);
    char *detail = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = rc == DB_DONE ? auth_audit(r, "lockout.ack", "account_lockouts", id, "ok", detail) : -1;
    free(detail);
    if (arc != 0 || db_commit(r->db) != 0) goto fail;
    http_send_bytes(r, 204, NULL, NULL, 0);
    return;
fail:
    db_rollback(r->db);
    http_store_error(r);
}

/* The to-do source: lockouts not yet acknowledged, for the security
 * administrators (policy.manage) of the account's unit. */
static int todo_lockouts(http_req_t *r, wf_todo_t *t) {
    const principal_t *p = auth_principal(r);
    if (!auth_can(p, "policy.manage")) return 0;
    char hi[512];
    scope_upper(p->org_path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, LOCKOUT_SQL "AND l.acknowledged_at IS NULL ORDER BY l.id LIMIT 200");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        wf_todo_add(t, "account-lockouts", "账户锁定", db_col_int(s, 0),
                    arena_printf(r->arena, "%s (%s) 因连续登录失败被锁定", db_col_text(s, 2), db_col_text(s, 1)), "open",
                    "待知悉", NULL);
        n++;
    }
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    wf_todo_count(t, "account-lockouts", n);
    return 0;
}

/* Tokens granted before this rule (or edited in the store) that reach
 * personal information and expire later than TOKEN_PI_DAYS from now: their
 * expiry is brought within it, each audited (token.expiry).  Runs at start,
 * after the modules have declared their entities.  Returns how many, or -1. */
int grants_expire_pi_tokens(db_t *db, const keys_t *keys) {
    int64_t cap = now_unix() + TOKEN_PI_DAYS * 86400LL;
    char cap_iso[21];
    iso_from_unix(cap, cap_iso);
    db_stmt_t *s = db_prepare(db, "SELECT id, name, permissions, expires_at FROM api_tokens "
                                  "WHERE revoked_at IS NULL AND expires_at > $1 ORDER BY id");
    if (!s) return -1;
    db_bind_text(s, 1, cap_iso, -1);
    int64_t ids[256];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < 256) {
        char *perms = strdup(db_col_text(s, 2)), *save = NULL;
        bool pi = false;
        for (char *t = perms ? strtok_r(perms, " ", &save) : NULL; t && !pi; t = strtok_r(NULL, " ", &save))
            pi = perm_reaches_pi(t);
        free(perms);
        if (pi) ids[n++] = db_col_int(s, 0);
    }
    db_reset(s);
    if (rc < 0) return -1;
    for (int i = 0; i < n; i++) {
        if (db_begin(db) != 0) return -1;
        s = db_prepare(db, "UPDATE api_tokens SET expires_at = $1 WHERE id = $2");
        if (!s) goto fail;
        db_bind_text(s, 1, cap_iso, -1);
        db_bind_int(s, 2, ids[i]);
        rc = db_step(s);
        db_reset(s);
        char detail[96];
        snprintf(detail, sizeof(detail), "{\"expires_at\":\"%s\",\"reason\":\"personal information\"}", cap_iso);
        audit_event_t ev = {.action = "token.expiry", .entity = "api_tokens", .entity_id = ids[i], .result = "ok",
                            .detail_json = detail, .username = "system", .ip = "local"};
        if (rc != DB_DONE || audit_write(db, keys, &ev) != 0 || db_commit(db) != 0) goto fail;
    }
    return n;
fail:
    db_rollback(db);
    return -1;
}

static const route_t grant_routes[] = {
    {"PUT", "/api/v1/users/:id/roles", put_user_roles, .perm = "role.manage"},
    {"PUT", "/api/v1/api-tokens/:id/permissions", put_token_permissions, .perm = "role.manage"},
    {"PUT", "/api/v1/roles/:id/permissions", put_role_permissions, .perm = "role.manage"},
    {"GET", "/api/v1/grants", list_grants, .perm = "role.manage"},
    {"POST", "/api/v1/grants/:id/:action", decide_grant, .perm = "role.manage"},
    {"GET", "/api/v1/lockouts", list_lockouts, .perm = "policy.manage"},
    {"POST", "/api/v1/lockouts/:id/ack", ack_lockout, .perm = "policy.manage"},
    {0},
};

void grant_routes_register(void) {
    router_add(grant_routes);
    wf_todo_source(todo_grants);
    wf_todo_source(todo_lockouts);
}
