/* admin.c — the administrators' API (issue 3 points 1, 5–7):
 *
 *   users        GET/POST /api/v1/users, PATCH /api/v1/users/:id,
 *                POST /api/v1/users/:id/password, GET /api/v1/assignable-roles
 *                                                         (user.manage, 系统管理员)
 *   roles        GET /api/v1/roles, GET /api/v1/permissions,
 *                POST /api/v1/roles                                  (role.manage, 安全管理员)
 *                (grants of roles and permissions: grants.c)
 *   settings     GET /api/v1/settings, PUT /api/v1/settings/:key     (policy.manage)
 *   API tokens   GET/POST /api/v1/api-tokens, DELETE /api/v1/api-tokens/:id,
 *                GET /api/v1/token-permissions                 (token.manage)
 *   break-glass  POST /api/v1/breakglass (breakglass.request), GET (breakglass.list)
 *
 * Every change is audited in the transaction that makes it; targets outside
 * the administrator's org subtree answer 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "util/timeutil.h"

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The path s's one row names, when it lies in the caller's scope; NULL when
 * there is no row or it is out of scope.  A store error answers 503 here
 * (the first answer is the one sent), so that the caller's "not found"
 * never reaches a user whose store is failing over. */
static const char *path_in_scope(http_req_t *r, db_stmt_t *s) {
    if (!s) return http_store_error(r), NULL;
    int rc = db_step(s);
    const char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (rc < 0) http_store_error(r);
    return path && scope_covers(r, path) ? path : NULL;
}

/* The org unit's path when it exists and lies in the caller's scope. */
const char *auth_org_in_scope(http_req_t *r, int64_t org_id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (s) db_bind_int(s, 1, org_id);
    return path_in_scope(r, s);
}

/* The user's org path when the user exists and is in scope, else NULL. */
const char *auth_user_in_scope(http_req_t *r, int64_t user_id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = $1");
    if (s) db_bind_int(s, 1, user_id);
    return path_in_scope(r, s);
}

/* ---- users ---- */

/* The user's roles as "roles": [...]; -1 on a store error (the caller
 * answers 503: an account shown without its roles looks like one without). */
static int write_user_roles(http_req_t *r, int64_t uid) {
    jw_t *w = &r->json;
    db_stmt_t *s = db_prepare(r->db, "SELECT ro.key, ro.name, ro.admin_kind FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id "
                                     "WHERE ur.user_id = $1 ORDER BY ro.id");
    if (!s) return -1;
    jw_key(w, "roles");
    jw_arr(w);
    db_bind_int(s, 1, uid);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kstr(w, "key", db_col_text(s, 0));
        jw_kstr(w, "name", db_col_text(s, 1));
        jw_kstr(w, "admin_kind", db_col_text(s, 2)); /* such accounts are managed on the server only */
        jw_obj_end(w);
    }
    db_reset(s);
    jw_arr_end(w);
    return rc == DB_DONE ? 0 : -1;
}

/* GET /users?q=&org_id=&status=&role=&after= — org_id: that unit and its
 * subtree (in the caller's scope); status: active, disabled or locked
 * (active excludes locked accounts); role: a role key. */
static void list_users(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    int64_t after = http_query_id(r, "after"), org_id = http_query_id(r, "org_id");
    const char *q = http_query(r, "q"), *status = http_query(r, "status"), *role = http_query(r, "role");
    const char *lo = p->org_path;
    if (org_id == -2 || after == -2) return http_error(r, 422, "validation_failed", "参数 org_id/after 必须是正整数");
    if (org_id > 0 && !(lo = auth_org_in_scope(r, org_id))) return http_invalid(r, "org_id", "机构不存在或不在您的管辖范围内");
    if (status && strcmp(status, "active") && strcmp(status, "disabled") && strcmp(status, "locked"))
        return http_invalid(r, "status", "状态只能是 active、disabled 或 locked");
    char hi[512], now_iso[21];
    scope_upper(lo, hi, sizeof(hi));
    iso_from_unix(now_unix(), now_iso);
    db_stmt_t *s = db_prepare(r->db,
                              "SELECT u.id, u.username, u.display_name, u.org_id, o.name, u.status, u.last_login_at, "
                              "u.locked_until, u.totp_enabled FROM users u JOIN org_units o ON o.id = u.org_id "
                              "WHERE o.path >= $1 AND o.path < $2 AND u.id > $3 "
                              "AND ($4 = '' OR u.username LIKE '%' || $4 || '%' OR u.display_name LIKE '%' || $4 || '%') "
                              "AND ($5 = '' OR ($5 = 'locked' AND u.locked_until > $6) "
                              "OR ($5 = u.status AND ($5 = 'disabled' OR u.locked_until IS NULL OR u.locked_until <= $6))) "
                              "AND ($7 = '' OR EXISTS (SELECT 1 FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id "
                              "WHERE ur.user_id = u.id AND ro.key = $7)) "
                              "ORDER BY u.id LIMIT 101");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, after > 0 ? after : 0);
    db_bind_text(s, 4, q ? q : "", -1);
    db_bind_text(s, 5, status ? status : "", -1);
    db_bind_text(s, 6, now_iso, -1);
    db_bind_text(s, 7, role ? role : "", -1);
    /* collect first: writing roles needs another statement */
    int64_t ids[101];
    int n = 0;
    jw_t *w = &r->json;
    buf_t rows = BUF_INIT;
    int64_t now = now_unix();
    struct {
        int64_t id, org_id;
        char *username, *display, *org, *status, *last;
        bool locked, totp;
    } u[100];
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == 100) {
            ids[n++] = 0;
            break;
        }
        int64_t lu = 0;
        if (!db_col_null(s, 7)) unix_from_iso(db_col_text(s, 7), &lu);
        u[n].id = ids[n] = db_col_int(s, 0);
        u[n].username = arena_strdup(r->arena, db_col_text(s, 1));
        u[n].display = arena_strdup(r->arena, db_col_text(s, 2));
        u[n].org_id = db_col_int(s, 3);
        u[n].org = arena_strdup(r->arena, db_col_text(s, 4));
        u[n].status = arena_strdup(r->arena, db_col_text(s, 5));
        u[n].last = db_col_null(s, 6) ? NULL : arena_strdup(r->arena, db_col_text(s, 6));
        u[n].locked = lu > now;
        u[n].totp = db_col_int(s, 8) != 0;
        n++;
    }
    db_reset(s);
    buf_free(&rows);
    if (rc < 0) return http_store_error(r);
    bool more = n == 101;
    if (more) n = 100;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < n; i++) {
        jw_obj(w);
        jw_kint(w, "id", u[i].id);
        jw_kstr(w, "username", u[i].username);
        jw_kstr(w, "display_name", u[i].display);
        jw_key(w, "org");
        jw_obj(w);
        jw_kint(w, "id", u[i].org_id);
        jw_kstr(w, "name", u[i].org);
        jw_obj_end(w);
        jw_kstr(w, "status", u[i].locked ? "locked" : u[i].status);
        jw_kstr(w, "last_login_at", u[i].last);
        jw_kbool(w, "totp_enabled", u[i].totp);
        if (write_user_roles(r, u[i].id) != 0) return http_store_error(r);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "next");
    if (more) jw_str(w, arena_printf(r->arena, "%lld", (long long)u[n - 1].id));
    else jw_null(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* 三员分立 (issue 18 point 1): the system administrator makes accounts
 * without business roles; the security administrator grants them (grants.c). */
#define ROLES_ARE_SECADMINS "三员分立: 账户的角色由安全管理员在「授权管理」中授予, 系统管理员只建立账户"

/* True when the account holds one of the three administrator roles: such
 * accounts are managed on the server (sifasuo user), never through the API. */
bool auth_admin_account(http_req_t *r, int64_t user_id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id "
                                     "WHERE ur.user_id = $1 AND ro.admin_kind IS NOT NULL");
    if (!s) return true;
    db_bind_int(s, 1, user_id);
    bool admin = db_step(s) != DB_ROW || db_col_int(s, 0) > 0;
    db_reset(s);
    return admin;
}

static void create_user(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *username = jstr(b, "username"), *display = jstr(b, "display_name"), *pw = jstr(b, "password");
    json_t *org = json_object_get(b, "org_id");
    /* no password: a one-time one, shown once in the answer (as a reset) */
    bool made = !json_object_get(b, "password");
    char made_pw[PASSWORD_GENERATED_MAX + 1];
    if (made) {
        int64_t len = setting_int(r->db, "password.min_length");
        password_generate(made_pw, len > 16 ? (int)len : 16);
        pw = made_pw;
    }
    json_t *roles = json_object_get(b, "roles");
    char err[256];
    const char *org_path = json_is_integer(org) ? auth_org_in_scope(r, json_integer_value(org)) : NULL;
    if (!username || !*username || strlen(username) > 64) http_invalid(r, "username", "请填写用户名 (不超过 64 个字符)");
    else if (!display || !*display) http_invalid(r, "display_name", "请填写姓名");
    else if (!org_path) http_invalid(r, "org_id", "所属机构不存在或不在您的管辖范围内");
    else if (!pw) http_invalid(r, "password", "初始密码必须是文本");
    else if (roles && !(json_is_array(roles) && json_array_size(roles) == 0)) http_invalid(r, "roles", ROLES_ARE_SECADMINS);
    else if (db_begin(r->db) != 0) http_store_error(r);
    else {
        int64_t id = user_create(r->db, username, display, json_integer_value(org), NULL, 0, pw, true, err, sizeof(err));
        json_t *d = json_pack("{s:s,s:s,s:{s:I,s:s?},s:[]}", "username", username, "display_name", display, "unit", "id",
                              json_integer_value(org), "name", scope_unit_name(r, json_integer_value(org)), "roles");
        char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(d);
        if (id < 0) {
            db_rollback(r->db);
            http_invalid(r, strstr(err, "密码") ? "password" : "username", err);
        } else if (!detail || auth_audit(r, "user.create", "users", id, "ok", detail) != 0 || db_commit(r->db) != 0) {
            db_rollback(r->db);
            http_store_error(r);
        } else {
            jw_obj(&r->json);
            jw_kint(&r->json, "id", id);
            if (made) jw_kstr(&r->json, "password", pw); /* shown once */
            jw_obj_end(&r->json);
            http_send_json(r, 201);
        }
        free(detail);
    }
    json_decref(b);
}

static void update_user(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    if (id < 0 || !auth_user_in_scope(r, id)) return http_error(r, 404, "not_found", "账户不存在");
    if (auth_admin_account(r, id)) return http_error(r, 403, "forbidden", "三员分立: 管理员账户只能在服务器上用 sifasuo user 命令管理");
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *status = jstr(b, "status"), *display = jstr(b, "display_name");
    json_t *roles_j = json_object_get(b, "roles");
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (strcmp(k, "status") && strcmp(k, "display_name") && strcmp(k, "roles")) {
            http_invalid(r, k, "未知字段");
            goto out;
        }
    }
    if (status && strcmp(status, "active") && strcmp(status, "disabled")) {
        http_invalid(r, "status", "状态只能是 active 或 disabled");
        goto out;
    }
    if (roles_j) {
        http_invalid(r, "roles", ROLES_ARE_SECADMINS);
        goto out;
    }
    if (db_begin(r->db) != 0) goto fail;
    if (status || display) {
        db_stmt_t *s = db_prepare(r->db, "UPDATE users SET status = COALESCE($1, status), "
                                         "display_name = COALESCE($2, display_name), failed_count = 0, "
                                         "locked_until = CASE WHEN $1 = 'active' THEN NULL ELSE locked_until END WHERE id = $3");
        if (!s) goto fail;
        db_bind_text(s, 1, status, -1);
        db_bind_text(s, 2, display, -1);
        db_bind_int(s, 3, id);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
        if (status && strcmp(status, "disabled") == 0) {
            char now[21];
            iso_from_unix(now_unix(), now);
            s = db_prepare(r->db, "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL");
            if (!s) goto fail;
            db_bind_text(s, 1, now, -1);
            db_bind_int(s, 2, id);
            db_step(s);
            db_reset(s);
        }
    }
    char *detail = json_dumps(b, JSON_COMPACT | JSON_ENSURE_ASCII);
    int arc = auth_audit(r, "user.update", "users", id, "ok", detail);
    free(detail);
    if (arc != 0 || db_commit(r->db) != 0) goto fail;
    jw_obj(&r->json);
    jw_kint(&r->json, "id", id);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    goto out;
fail:
    http_store_error(r);
out:
    json_decref(b);
}

static void reset_password(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    if (id < 0 || !auth_user_in_scope(r, id)) return http_error(r, 404, "not_found", "账户不存在");
    if (auth_admin_account(r, id)) return http_error(r, 403, "forbidden", "三员分立: 管理员账户只能在服务器上用 sifasuo user 命令管理");
    json_t *b = http_json_body(r);
    if (!b) return;
    /* 三员分立: the one-time password of an account that may see personal
     * information in full must not reach the system administrator alone */
    if (auth_account_unmasks(r, id)) {
        if (json_object_get(b, "password"))
            http_invalid(r, "password", "该账户可查看完整个人信息: 重置密码须经安全管理员复核, 一次性密码由系统生成");
        else grant_reset_request(r, id);
        json_decref(b);
        return;
    }
    /* without a password the server makes a one-time one and shows it once:
     * the administrator hands it over, the user must change it at sign-in */
    json_t *given = json_object_get(b, "password");
    const char *pw = json_string_value(given);
    char made[PASSWORD_GENERATED_MAX + 1];
    if (!given) {
        int64_t len = setting_int(r->db, "password.min_length");
        password_generate(made, len > 16 ? (int)len : 16);
        pw = made;
    }
    const char *why = pw ? password_policy_check(r->db, id, NULL, pw) : "新密码必须是文本";
    if (why == PASSWORD_CHECK_UNAVAILABLE)
        http_store_error(r);
    else if (why)
        http_invalid(r, "password", why);
    else if (db_begin(r->db) != 0 || password_set(r->db, id, pw, true) != 0 ||
             auth_audit(r, "password.reset", "users", id, "ok", NULL) != 0 || db_commit(r->db) != 0)
        http_store_error(r);
    else {
        jw_obj(&r->json);
        jw_kbool(&r->json, "must_change_password", true);
        if (!given) jw_kstr(&r->json, "password", pw); /* shown once */
        jw_obj_end(&r->json);
        http_send_json(r, 200);
    }
    json_decref(b);
}

/* ---- roles and permissions ---- */

static void write_perm(const perm_def_t *pd, void *arg) {
    jw_t *w = arg;
    jw_obj(w);
    jw_kstr(w, "key", pd->key);
    jw_kstr(w, "label", pd->label);
    jw_kstr(w, "admin_kind", perm_admin_kind(pd->key));
    jw_obj_end(w);
}

static void list_permissions(http_req_t *r) {
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    jw_arr(&r->json);
    perm_each(write_perm, &r->json);
    jw_arr_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static void write_token_perm(const perm_def_t *pd, void *arg) {
    if (!perm_admin_kind(pd->key)) write_perm(pd, arg);
}

/* GET /token-permissions — what an API token may be given (no
 * administrative permission): the token form's choices. */
static void list_token_permissions(http_req_t *r) {
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    jw_arr(&r->json);
    perm_each(write_token_perm, &r->json);
    jw_arr_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static void list_roles(http_req_t *r) {
    db_stmt_t *s = db_prepare(r->db, "SELECT id, key, name, builtin, admin_kind, require_totp, description FROM roles ORDER BY id");
    if (!s) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int64_t *ids = NULL; /* every role: grows in the request's arena */
    int n = 0, cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *more = arena_alloc(r->arena, sizeof(*ids) * (size_t)cap);
            if (n) memcpy(more, ids, sizeof(*ids) * (size_t)n);
            ids = more;
        }
        ids[n++] = db_col_int(s, 0);
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "key", db_col_text(s, 1));
        jw_kstr(w, "name", db_col_text(s, 2));
        jw_kbool(w, "builtin", db_col_int(s, 3) != 0);
        jw_kstr(w, "admin_kind", db_col_text(s, 4));
        jw_kbool(w, "require_totp", db_col_int(s, 5) != 0);
        jw_kstr(w, "description", db_col_text(s, 6));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    /* permissions per role, as a map id → [perm] */
    jw_key(w, "permissions");
    jw_obj(w);
    for (int i = 0; i < n; i++) {
        jw_key(w, arena_printf(r->arena, "%lld", (long long)ids[i]));
        jw_arr(w);
        s = db_prepare(r->db, "SELECT perm FROM role_permissions WHERE role_id = $1 ORDER BY perm");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, ids[i]);
        while ((rc = db_step(s)) == DB_ROW)
            jw_str(w, db_col_text(s, 0));
        db_reset(s);
        if (rc != DB_DONE) return http_store_error(r); /* a role's permissions cut short */
        jw_arr_end(w);
    }
    jw_obj_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* GET /assignable-roles — the roles the system administrator may give an
 * account (not the three administrator roles): the user form's choices,
 * without the permission sets, which are the security administrator's. */
static void list_assignable_roles(http_req_t *r) {
    db_stmt_t *s = db_prepare(r->db, "SELECT key, name, description FROM roles WHERE admin_kind IS NULL ORDER BY id");
    if (!s) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kstr(w, "key", db_col_text(s, 0));
        jw_kstr(w, "name", db_col_text(s, 1));
        jw_kstr(w, "description", db_col_text(s, 2));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void create_role(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *key = jstr(b, "key"), *name = jstr(b, "name"), *desc = jstr(b, "description");
    json_t *perms = json_object_get(b, "permissions");
    if (!key || !*key) http_invalid(r, "key", "请填写角色标识");
    else if (!name || !*name) http_invalid(r, "name", "请填写角色名称");
    else if (perms && !(json_is_array(perms) && json_array_size(perms) == 0))
        http_invalid(r, "permissions", "新角色建立后, 再在角色权限中为它授予权限 (授权须经安全管理员的授权流程)");
    else if (db_begin(r->db) != 0) http_store_error(r);
    else {
        db_stmt_t *s = db_prepare(r->db, "INSERT INTO roles (key, name, description) VALUES ($1, $2, $3) RETURNING id");
        int64_t id = 0;
        int rc = DB_ERR;
        if (s) {
            db_bind_text(s, 1, key, -1);
            db_bind_text(s, 2, name, -1);
            db_bind_text(s, 3, desc, -1);
            rc = db_step(s);
            id = rc == DB_ROW ? db_col_int(s, 0) : 0;
            db_reset(s);
        }
        if (db_is_constraint(rc)) {
            db_rollback(r->db);
            http_invalid(r, "key", "角色标识或名称已存在");
        } else if (!id) {
            http_store_error(r);
        } else {
            json_t *d = json_pack("{s:s,s:s,s:[]}", "key", key, "name", name, "permissions");
            char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
            json_decref(d);
            int arc = detail ? auth_audit(r, "role.create", "roles", id, "ok", detail) : -1;
            free(detail);
            if (arc != 0 || db_commit(r->db) != 0)
                http_store_error(r);
            else {
                jw_obj(&r->json);
                jw_kint(&r->json, "id", id);
                jw_obj_end(&r->json);
                http_send_json(r, 201);
            }
        }
    }
    json_decref(b);
}

/* ---- settings ---- */

static void get_settings(http_req_t *r) {
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    settings_write_json(r->db, &r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static void put_setting(http_req_t *r) {
    const char *key = http_param(r, "key");
    if (!setting_known(key)) return http_error(r, 404, "not_found", "设置项不存在");
    json_t *b = http_json_body(r);
    if (!b) return;
    json_t *v = json_object_get(b, "value");
    int64_t lo, hi;
    setting_bounds(key, &lo, &hi);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        http_invalid(r, "value", arena_printf(r->arena, "值必须是 %lld 到 %lld 之间的整数", (long long)lo, (long long)hi));
    } else if (db_begin(r->db) != 0) {
        http_store_error(r);
    } else {
        int64_t before = setting_int(r->db, key);
        db_stmt_t *s = db_prepare(r->db, "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3) "
                                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by");
        char val[24], detail[160];
        snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
        snprintf(detail, sizeof(detail), "{\"key\":\"%s\",\"before\":%lld,\"after\":%s}", key, (long long)before, val);
        int rc = DB_ERR;
        if (s) {
            db_bind_text(s, 1, key, -1);
            db_bind_text(s, 2, val, -1);
            db_bind_int(s, 3, auth_principal(r)->user_id);
            rc = db_step(s);
            db_reset(s);
        }
        if (rc != DB_DONE || auth_audit(r, "setting.change", "settings", 0, "ok", detail) != 0 || db_commit(r->db) != 0)
            http_store_error(r);
        else {
            settings_changed();
            get_settings(r);
        }
    }
    json_decref(b);
}

/* ---- API tokens ---- */

static void list_tokens(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    char hi[512];
    scope_upper(p->org_path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT t.id, t.name, t.org_id, o.name, t.permissions, t.created_at, t.expires_at, "
                                     "t.revoked_at, t.last_used_at FROM api_tokens t JOIN org_units o ON o.id = t.org_id "
                                     "WHERE o.path >= $1 AND o.path < $2 ORDER BY t.id DESC LIMIT 500");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, p->org_path, -1);
    db_bind_text(s, 2, hi, -1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "name", db_col_text(s, 1));
        jw_key(w, "org");
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 2));
        jw_kstr(w, "name", db_col_text(s, 3));
        jw_obj_end(w);
        jw_kstr(w, "permissions", db_col_text(s, 4));
        jw_kstr(w, "created_at", db_col_text(s, 5));
        jw_kstr(w, "expires_at", db_col_text(s, 6));
        jw_kstr(w, "revoked_at", db_col_text(s, 7));
        jw_kstr(w, "last_used_at", db_col_text(s, 8));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* POST /api-tokens {name, org_id, expires_at} — a token without
 * permissions: what it may do is granted by the security administrator
 * (PUT /api-tokens/:id/permissions, grants.c). */
static void create_token(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *name = jstr(b, "name"), *expires = jstr(b, "expires_at");
    json_t *org = json_object_get(b, "org_id"), *perms = json_object_get(b, "permissions");
    int64_t exp = 0;
    if (!name || !*name) http_invalid(r, "name", "请填写令牌名称 (对方系统名称)");
    else if (!json_is_integer(org) || !auth_org_in_scope(r, json_integer_value(org))) http_invalid(r, "org_id", "数据范围机构不存在或不在您的管辖范围内");
    else if (!expires || !unix_from_iso(expires, &exp) || exp <= now_unix() || exp > now_unix() + 366LL * 86400)
        http_invalid(r, "expires_at", "有效期须为今后一年以内的日期");
    else if (perms && !(json_is_array(perms) && json_array_size(perms) == 0))
        http_invalid(r, "permissions", "三员分立: 令牌的权限由安全管理员在「授权管理」中授予, 系统管理员只建立令牌");
    else {
        char secret[80], raw[65], digest[65], expiso[21];
        random_hex(raw, 32);
        snprintf(secret, sizeof(secret), "sfs_%s", raw);
        token_digest(secret, digest);
        iso_from_unix(exp, expiso);
        int64_t org_id = json_integer_value(org);
        json_t *d = json_pack("{s:s,s:{s:I,s:s?},s:s,s:[]}", "name", name, "unit", "id", (json_int_t)org_id, "name",
                              scope_unit_name(r, org_id), "expires_at", expiso, "permissions");
        char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(d);
        if (!detail || db_begin(r->db) != 0) {
            http_store_error(r);
        } else {
            db_stmt_t *s = db_prepare(r->db, "INSERT INTO api_tokens (name, token_hash, org_id, permissions, created_by, "
                                             "expires_at) VALUES ($1, $2, $3, '', $4, $5) RETURNING id");
            int64_t id = 0;
            if (s) {
                db_bind_text(s, 1, name, -1);
                db_bind_text(s, 2, digest, -1);
                db_bind_int(s, 3, org_id);
                db_bind_int(s, 4, auth_principal(r)->user_id);
                db_bind_text(s, 5, expiso, -1);
                if (db_step(s) == DB_ROW) id = db_col_int(s, 0);
                db_reset(s);
            }
            if (!id || auth_audit(r, "token.create", "api_tokens", id, "ok", detail) != 0 || db_commit(r->db) != 0) {
                db_rollback(r->db);
                http_store_error(r);
            } else {
                jw_obj(&r->json);
                jw_kint(&r->json, "id", id);
                jw_kstr(&r->json, "token", secret); /* shown once */
                jw_kstr(&r->json, "expires_at", expiso);
                jw_obj_end(&r->json);
                http_send_json(r, 201);
            }
        }
        free(detail);
    }
    json_decref(b);
}

static void revoke_token(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    db_stmt_t *s = db_prepare(r->db, "SELECT o.path FROM api_tokens t JOIN org_units o ON o.id = t.org_id WHERE t.id = $1");
    if (s) db_bind_int(s, 1, id);
    if (!path_in_scope(r, s)) return http_error(r, 404, "not_found", "令牌不存在");
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    s = db_prepare(r->db, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE || auth_audit(r, "token.revoke", "api_tokens", id, "ok", NULL) != 0 || db_commit(r->db) != 0)
        return http_store_error(r);
    http_send_bytes(r, 204, NULL, NULL, 0);
}

/* ---- break-the-glass ---- */

static void request_breakglass(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *entity = jstr(b, "entity"), *reason = jstr(b, "reason");
    json_t *org = json_object_get(b, "org_id");
    int64_t org_id = json_is_integer(org) ? json_integer_value(org) : 0;
    const entity_t *pe = entity ? entity_find(entity) : NULL;
    if (!pe || !pe->protected_) http_invalid(r, "entity", "请指明调阅的受保护业务类别");
    else if (!reason || strlen(reason) < 12) http_invalid(r, "reason", "请说明调阅理由 (不少于 4 个汉字)");
    else if (!p->user_id) http_error(r, 403, "forbidden", "接口令牌不能紧急调阅");
    else {
        /* a unit of the requester's own scope only: a grant opens records
         * below it, never beyond what the user's scope covers */
        db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
        int found = 0;
        if (s) {
            db_bind_int(s, 1, org_id);
            int rc = db_step(s);
            found = rc == DB_ROW && scope_covers(r, db_col_text(s, 0));
            db_reset(s);
            if (rc < 0) return http_store_error(r); /* not "机构不存在" */
        }
        int64_t hours = setting_int(r->db, "breakglass.hours");
        char exp[21];
        iso_from_unix(now_unix() + hours * 3600, exp);
        /* lists read the union of a user's active grants of one entity, at
         * most ENGINE_GRANTS_MAX of them (access.c): a further one is
         * refused here rather than left out there */
        char now[21];
        iso_from_unix(now_unix(), now);
        int64_t active = -1;
        if (found && (s = db_prepare(r->db, "SELECT COUNT(*) FROM breakglass WHERE user_id = $1 AND entity = $2 "
                                            "AND expires_at > $3"))) {
            db_bind_int(s, 1, p->user_id);
            db_bind_text(s, 2, entity, -1);
            db_bind_text(s, 3, now, -1);
            if (db_step(s) == DB_ROW) active = db_col_int(s, 0);
            db_reset(s);
        }
        if (!found) http_invalid(r, "org_id", "机构不存在或不在您的管辖范围内");
        else if (active < 0) http_store_error(r);
        else if (active >= ENGINE_GRANTS_MAX)
            http_error(r, 422, "too_many_grants",
                       arena_printf(r->arena, "同一业务类别最多同时持有 %d 项有效的紧急调阅授权, 请待已有授权到期后再申请",
                                    ENGINE_GRANTS_MAX));
        else if (db_begin(r->db) != 0) http_store_error(r);
        else {
            s = db_prepare(r->db, "INSERT INTO breakglass (user_id, org_id, entity, reason, expires_at) "
                                  "VALUES ($1, $2, $3, $4, $5) RETURNING id");
            int64_t id = 0;
            if (s) {
                db_bind_int(s, 1, p->user_id);
                db_bind_int(s, 2, org_id);
                db_bind_text(s, 3, entity, -1);
                db_bind_text(s, 4, reason, -1);
                db_bind_text(s, 5, exp, -1);
                if (db_step(s) == DB_ROW) id = db_col_int(s, 0);
                db_reset(s);
            }
            char *detail = json_dumps(b, JSON_COMPACT | JSON_ENSURE_ASCII);
            int arc = id ? auth_audit(r, "breakglass.grant", entity, org_id, "ok", detail) : -1;
            free(detail);
            if (arc != 0 || db_commit(r->db) != 0) http_store_error(r);
            else {
                jw_obj(&r->json);
                jw_kint(&r->json, "id", id);
                jw_kstr(&r->json, "expires_at", exp);
                jw_obj_end(&r->json);
                http_send_json(r, 201);
            }
        }
    }
    json_decref(b);
}

static void list_breakglass(http_req_t *r) {
    db_stmt_t *s = db_prepare(r->db, "SELECT b.id, u.username, u.display_name, b.org_id, o.name, b.entity, b.reason, "
                                     "b.created_at, b.expires_at FROM breakglass b JOIN users u ON u.id = b.user_id "
                                     "JOIN org_units o ON o.id = b.org_id ORDER BY b.id DESC LIMIT 500");
    if (!s) return http_store_error(r);
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
        jw_kint(w, "org_id", db_col_int(s, 3));
        jw_kstr(w, "org_name", db_col_text(s, 4));
        jw_kstr(w, "entity", db_col_text(s, 5));
        jw_kstr(w, "reason", db_col_text(s, 6));
        jw_kstr(w, "created_at", db_col_text(s, 7));
        jw_kstr(w, "expires_at", db_col_text(s, 8));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

int auth_breakglass_active(http_req_t *r, const char *entity, const char *org_path) {
    const principal_t *p = auth_principal(r);
    if (!p || !p->user_id) return 0;
    char now[21];
    iso_from_unix(now_unix(), now);
    /* a grant on a unit covers its subtree: the grant's path is a prefix of org_path */
    db_stmt_t *s = db_prepare(r->db, "SELECT o.path FROM breakglass b JOIN org_units o ON o.id = b.org_id "
                                     "WHERE b.user_id = $1 AND b.entity = $2 AND b.expires_at > $3");
    if (!s) return -1;
    db_bind_int(s, 1, p->user_id);
    db_bind_text(s, 2, entity, -1);
    db_bind_text(s, 3, now, -1);
    bool ok = false;
    int rc = DB_DONE;
    while (!ok && (rc = db_step(s)) == DB_ROW)
        ok = strncmp(org_path, db_col_text(s, 0), strlen(db_col_text(s, 0))) == 0;
    db_reset(s);
    return ok ? 1 : rc < 0 ? -1 : 0;
}

static const route_t admin_routes[] = {
    {"GET", "/api/v1/users", list_users, .perm = "user.manage"},
    {"POST", "/api/v1/users", create_user, .perm = "user.manage"},
    {"PATCH", "/api/v1/users/:id", update_user, .perm = "user.manage"},
    {"POST", "/api/v1/users/:id/password", reset_password, .perm = "user.manage"},
    {"GET", "/api/v1/assignable-roles", list_assignable_roles, .perm = "user.manage"},
    {"GET", "/api/v1/roles", list_roles, .perm = "role.manage"},
    {"POST", "/api/v1/roles", create_role, .perm = "role.manage"},
    /* the security administrator picks the account or token to grant to (grants.c) */
    {"GET", "/api/v1/grant-accounts", list_users, .perm = "role.manage"},
    {"GET", "/api/v1/grant-tokens", list_tokens, .perm = "role.manage"},
    {"GET", "/api/v1/permissions", list_permissions, .perm = "role.manage"},
    {"GET", "/api/v1/settings", get_settings, .perm = "policy.manage"},
    {"PUT", "/api/v1/settings/:key", put_setting, .perm = "policy.manage"},
    {"GET", "/api/v1/api-tokens", list_tokens, .perm = "token.manage"},
    {"POST", "/api/v1/api-tokens", create_token, .perm = "token.manage"},
    {"DELETE", "/api/v1/api-tokens/:id", revoke_token, .perm = "token.manage"},
    {"GET", "/api/v1/token-permissions", list_token_permissions, .perm = "token.manage"},
    {"POST", "/api/v1/breakglass", request_breakglass, .perm = "breakglass.request"},
    {"GET", "/api/v1/breakglass", list_breakglass, .perm = "breakglass.list"},
    {0},
};

void admin_routes_register(void) { router_add(admin_routes); }
