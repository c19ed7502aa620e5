/* session.c — sign-in, sessions, CSRF, and the auth hook (issue 3 points 2–4).
 *
 *   POST   /api/v1/session            sign in {username, password[, totp]}: one step; every
 *                                      refusal is the same 401 invalid_credentials
 *   GET    /api/v1/session            who am I (user, org, roles, permissions)
 *   DELETE /api/v1/session            sign out (ends the session on the server)
 *   POST   /api/v1/session/password   change own password {old_password, new_password}
 *   POST   /api/v1/session/totp/setup    start TOTP enrolment → otpauth URI
 *   POST   /api/v1/session/totp/enable   confirm {code} → recovery codes
 *   GET    /api/v1/session/sessions      my live sessions (when, where from, which is this one)
 *   POST   /api/v1/session/sessions/:id/end   end another of my sessions
 *
 * Tokens are 256 bits from the CSPRNG, kept only as SHA-256, new at every
 * sign-in.  The cookie is __Host-sid (HttpOnly, Secure, SameSite=Strict);
 * only plain-HTTP localhost drops Secure and the prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/pcache.h"
#include "auth/scope.h"
#include "util/log.h"
#include "util/timeutil.h"

static keys_t g_keys;
static bool g_keys_loaded;

const keys_t *auth_keys(void) { return g_keys_loaded ? &g_keys : NULL; }

const principal_t *auth_principal(http_req_t *r) { return r->auth; }

/* auth_can runs several times a request (each action offered, each child
 * kind, each column's permission) over a city user's hundred-odd
 * permissions: a loaded principal's are sorted once and bisected. */
static int cmp_perm(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

void auth_sort_perms(principal_t *p) {
    if (p->nperms > 1) qsort(p->perms, (size_t)p->nperms, sizeof(*p->perms), cmp_perm);
    p->perms_sorted = true;
}

bool auth_can(const principal_t *p, const char *perm) {
    if (!p) return false;
    if (p->perms_sorted) return bsearch(&perm, p->perms, (size_t)p->nperms, sizeof(*p->perms), cmp_perm) != NULL;
    for (int i = 0; i < p->nperms; i++)
        if (strcmp(p->perms[i], perm) == 0) return true;
    return false;
}

void random_hex(char *out, size_t bytes) {
    unsigned char b[64];
    if (bytes > sizeof(b)) bytes = sizeof(b);
    crypto_random(b, bytes);
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < bytes; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * bytes] = '\0';
}

void token_digest(const char *token, char out[65]) { sha256_hex(token, strlen(token), out); }

/* Actions after which a cached principal may be wrong (pcache.c). */
static bool changes_identity(const char *action) {
    static const char *const prefixes[] = {"user.", "role.", "password.", "totp.", "logout", "setting.", "token.", NULL};
    for (int i = 0; prefixes[i]; i++)
        if (strncmp(action, prefixes[i], strlen(prefixes[i])) == 0) return true;
    return false;
}

int auth_audit(http_req_t *r, const char *action, const char *entity, int64_t entity_id, const char *result,
               const char *detail_json) {
    const principal_t *p = r->auth;
    if (changes_identity(action)) r->identity_changed = true; /* caches dropped after the commit (after_request) */
    audit_event_t ev = {
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .result = result,
        .detail_json = detail_json,
        .user_id = p ? p->user_id : 0,
        .username = p ? p->username : r->username,
        .org_id = p ? p->org_id : 0,
        .ip = r->peer,
        .user_agent = http_header(r, "User-Agent"),
    };
    return audit_write(r->db, &g_keys, &ev);
}

/* ---- loading a principal ---- */

/* Fills roles and permissions of user_id into p (arena memory), in one
 * round trip: role rows ('r', key, name) then permission rows ('p', perm). */
static int load_grants(http_req_t *r, principal_t *p, int64_t user_id) {
    db_stmt_t *s = db_prepare(r->db,
                              "SELECT 'r', r.key, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1 "
                              "UNION ALL SELECT DISTINCT 'p', rp.perm, NULL FROM user_roles ur "
                              "JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, user_id);
    const char *keys[32], *names[32];
    int nroles = 0, cap = 64, rc;
    p->perms = arena_alloc(r->arena, sizeof(char *) * (size_t)cap);
    p->nperms = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (db_col_text(s, 0)[0] == 'r') {
            if (nroles < 32) {
                keys[nroles] = arena_strdup(r->arena, db_col_text(s, 1));
                names[nroles] = arena_strdup(r->arena, db_col_text(s, 2));
                nroles++;
            }
            continue;
        }
        if (p->nperms == cap) {
            const char **np = arena_alloc(r->arena, sizeof(char *) * (size_t)cap * 2);
            memcpy(np, p->perms, sizeof(char *) * (size_t)cap);
            p->perms = np;
            cap *= 2;
        }
        p->perms[p->nperms++] = arena_strdup(r->arena, db_col_text(s, 1));
    }
    db_reset(s);
    if (rc < 0) return -1;
    auth_sort_perms(p);
    p->nroles = nroles;
    p->role_keys = arena_alloc(r->arena, sizeof(char *) * (size_t)(nroles + 1));
    p->role_names = arena_alloc(r->arena, sizeof(char *) * (size_t)(nroles + 1));
    memcpy(p->role_keys, keys, sizeof(char *) * (size_t)nroles);
    memcpy(p->role_names, names, sizeof(char *) * (size_t)nroles);
    return 0;
}

static int load_org(http_req_t *r, principal_t *p) {
    db_stmt_t *s = db_prepare(r->db, "SELECT path, name, level FROM org_units WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, p->org_id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        p->org_path = arena_strdup(r->arena, db_col_text(s, 0));
        p->org_name = arena_strdup(r->arena, db_col_text(s, 1));
        p->org_level = arena_strdup(r->arena, db_col_text(s, 2));
    }
    db_reset(s);
    return rc == DB_ROW ? 0 : -1;
}

/* Plain-HTTP localhost is the only place the cookie drops Secure/__Host-. */
/* Splits a Host value ("name", "name:port", "[v6]:port") into its name
 * and port (default_port when absent).  False when malformed. */
static bool host_split(const char *host, char *name, size_t namelen, long *port, long default_port) {
    const char *end = host + strlen(host), *colon = NULL;
    if (*host == '[') {
        const char *close = strchr(host, ']');
        if (!close) return false;
        if (close[1] == ':') colon = close + 1;
        else if (close[1]) return false;
    } else {
        colon = strchr(host, ':');
    }
    const char *name_end = colon ? colon : end;
    if (name_end == host || (size_t)(name_end - host) >= namelen) return false;
    memcpy(name, host, (size_t)(name_end - host));
    name[name_end - host] = '\0';
    *port = default_port;
    if (colon) {
        char *e;
        if (!colon[1] || colon[1] == '-' || colon[1] == '+') return false;
        *port = strtol(colon + 1, &e, 10);
        if (*e || *port < 1 || *port > 65535) return false;
    }
    return true;
}

/* Plain HTTP on this machine (development): the one case where the session
 * cookie goes without Secure.  The host name must be exactly a loopback
 * name, with or without a port: "localhost.evil.com" is not localhost. */
static bool insecure_localhost(http_req_t *r) {
    if (r->w->cfg->tls_cert) return false;
    const char *host = http_header(r, "Host");
    char name[256];
    long port;
    if (!host || !host_split(host, name, sizeof(name), &port, 80)) return false;
    return strcmp(name, "127.0.0.1") == 0 || strcasecmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0;
}

static const char *cookie_name(http_req_t *r) { return insecure_localhost(r) ? "sid" : "__Host-sid"; }

/* Identifies the principal from a session token.  Returns 1 found, 0 none
 * (or expired), -1 store error. */
static int load_session(http_req_t *r, principal_t *p, const char *tok) {
    if (!tok || strlen(tok) < 32) return 0;
    int64_t now_c = now_unix();
    const principal_t *hit = pcache_get(tok, now_c, setting_int(r->db, "session.idle_minutes") * 60);
    if (hit) {
        *p = *hit; /* strings stay in the cache entry for the rest of this request */
        return 1;
    }
    char digest[65];
    token_digest(tok, digest);
    db_stmt_t *s = db_prepare(r->db, "SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.username, "
                                     "u.display_name, u.org_id, u.status, u.must_change, u.password_changed_at, "
                                     "s.totp_pending, o.path, o.name, o.level FROM sessions s JOIN users u ON u.id = s.user_id "
                                     "JOIN org_units o ON o.id = u.org_id WHERE s.token_hash = $1 AND s.ended_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, digest, -1);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? 0 : -1;
    }
    int64_t now = now_unix(), last = 0, exp = 0, changed = 0;
    unix_from_iso(db_col_text(s, 3), &last);
    unix_from_iso(db_col_text(s, 4), &exp);
    unix_from_iso(db_col_text(s, 10), &changed);
    p->session_id = db_col_int(s, 0);
    p->user_id = db_col_int(s, 1);
    p->csrf = arena_strdup(r->arena, db_col_text(s, 2));
    p->username = arena_strdup(r->arena, db_col_text(s, 5));
    p->display_name = arena_strdup(r->arena, db_col_text(s, 6));
    p->org_id = db_col_int(s, 7);
    bool active = strcmp(db_col_text(s, 8), "active") == 0;
    p->must_change = db_col_int(s, 9) != 0;
    p->totp_setup = db_col_int(s, 11) != 0;
    p->org_path = arena_strdup(r->arena, db_col_text(s, 12));
    p->org_name = arena_strdup(r->arena, db_col_text(s, 13));
    p->org_level = arena_strdup(r->arena, db_col_text(s, 14));
    db_reset(s);
    int64_t idle = setting_int(r->db, "session.idle_minutes") * 60;
    if (!active || now > exp || now - last > idle) return 0;
    int64_t expiry_days = setting_int(r->db, "password.expiry_days");
    if (expiry_days > 0 && now - changed > expiry_days * 86400) p->must_change = true;
    /* touch at most once a minute: reads stay reads */
    if (now - last >= 60) p->touch = true; /* after the reply: reads stay reads (after_request) */
    if (load_grants(r, p, p->user_id) != 0) return -1;
    pcache_put(tok, p, exp, p->touch ? now : last);
    return 1;
}

/* Fills p from the api_tokens row s selects (id, name, org_id, permissions,
 * expires_at), which it resets: 1, 0 when there is none or it expired, -1
 * on a store error. */
static int token_fill(http_req_t *r, principal_t *p, db_stmt_t *s) {
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? 0 : -1;
    }
    int64_t exp = 0;
    unix_from_iso(db_col_text(s, 4), &exp);
    p->token_id = db_col_int(s, 0);
    p->username = arena_printf(r->arena, "token:%s", db_col_text(s, 1));
    p->display_name = arena_strdup(r->arena, db_col_text(s, 1));
    p->org_id = db_col_int(s, 2);
    char *perms = arena_strdup(r->arena, db_col_text(s, 3));
    db_reset(s);
    if (now_unix() > exp) return 0;
    int n = 1;
    for (char *c = perms; *c; c++) n += *c == ' ';
    p->perms = arena_alloc(r->arena, sizeof(char *) * (size_t)n);
    char *save = NULL;
    for (char *k = strtok_r(perms, " ", &save); k; k = strtok_r(NULL, " ", &save)) p->perms[p->nperms++] = k;
    auth_sort_perms(p);
    static const char *tok_role[] = {"api_client"}, *tok_role_name[] = {"外部系统"};
    p->nroles = 1;
    p->role_keys = tok_role;
    p->role_names = tok_role_name;
    if (load_org(r, p) != 0) return -1;
    return 1;
}

/* Identifies the principal from "Authorization: Bearer <token>". */
static int token_principal(http_req_t *r, principal_t *p, const char *tok) {
    char digest[65];
    token_digest(tok, digest);
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, org_id, permissions, expires_at FROM api_tokens "
                                     "WHERE token_hash = $1 AND revoked_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, digest, -1);
    return token_fill(r, p, s);
}

int auth_token_principal(http_req_t *r, int64_t token_id, principal_t *p) {
    *p = (principal_t){0};
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, org_id, permissions, expires_at FROM api_tokens "
                                     "WHERE id = $1 AND revoked_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, token_id);
    return token_fill(r, p, s);
}

static int session_principal(http_req_t *r, principal_t *p) {
    return load_session(r, p, http_cookie(r, cookie_name(r)));
}

static bool unsafe_method(const char *m) { return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS"); }

/* When an Origin header is present it must name this host. */
/* The Origin of an unsafe request must be this site: the same scheme, host
 * and port (RFC 6454 §5).  The site's scheme is https except on plain-HTTP
 * localhost (insecure_localhost), since every other session cookie is
 * Secure and so lives only on https pages (a TLS proxy in front included);
 * a port left out is the scheme's default on either side. */
static bool origin_ok(http_req_t *r) {
    const char *origin = http_header(r, "Origin");
    if (!origin) return true;
    const char *host = http_header(r, "Host");
    if (!host) return false;
    const char *scheme = insecure_localhost(r) ? "http" : "https";
    long dflt = strcmp(scheme, "http") == 0 ? 80 : 443;
    size_t sl = strlen(scheme);
    if (strncasecmp(origin, scheme, sl) != 0 || strncmp(origin + sl, "://", 3) != 0) return false;
    char oname[256], hname[256];
    long oport, hport;
    if (!host_split(origin + sl + 3, oname, sizeof(oname), &oport, dflt) ||
        !host_split(host, hname, sizeof(hname), &hport, dflt))
        return false;
    return strcasecmp(oname, hname) == 0 && oport == hport;
}

static const char *scope_of(http_req_t *r) {
    const principal_t *p = r->auth;
    return p ? p->org_path : NULL;
}

/* Routes a principal with a pending duty (password change, TOTP enrolment)
 * may still use. */
static bool route_allowed_while_restricted(const route_t *rt) {
    return strncmp(rt->pattern, "/api/v1/session", 15) == 0;
}

/* 403 for a signed-in principal, and an audit row: refused attempts are
 * what an assessor looks for first. */
static void deny(http_req_t *r, const char *code, const char *message) {
    char detail[512];
    buf_t d = BUF_INIT;
    buf_puts(&d, "{\"code\":");
    json_escape(&d, code, strlen(code));
    buf_puts(&d, ",\"method\":");
    json_escape(&d, r->method, strlen(r->method));
    buf_puts(&d, ",\"path\":");
    json_escape(&d, r->path, strlen(r->path) > 200 ? 200 : strlen(r->path));
    buf_puts(&d, "}");
    snprintf(detail, sizeof(detail), "%s", d.data);
    buf_free(&d);
    if (auth_audit(r, "access.denied", NULL, 0, "denied", detail) != 0) log_error("audit write failed for a denial");
    http_error(r, 403, code, message);
}

/* An API token's last use, at most once a minute (a read stays a read). */
static void touch_token(http_req_t *r, int64_t token_id) {
    char now[21], before[21];
    int64_t t = now_unix();
    iso_from_unix(t, now);
    iso_from_unix(t - 60, before);
    db_stmt_t *s = db_prepare(r->db, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 "
                                     "AND (last_used_at IS NULL OR last_used_at < $3)");
    if (!s) return;
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, token_id);
    db_bind_text(s, 3, before, -1);
    db_step(s);
    db_reset(s);
}

static bool auth_hook(http_req_t *r) {
    const route_t *rt = r->route;
    if (rt->flags & ROUTE_PUBLIC) return true;
    principal_t *p = arena_calloc(r->arena, sizeof(*p));
    const char *authz = http_header(r, "Authorization");
    int found;
    bool bearer = authz && strncasecmp(authz, "Bearer ", 7) == 0;
    if (bearer) found = token_principal(r, p, authz + 7);
    else found = session_principal(r, p);
    if (found < 0) {
        http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
        return false;
    }
    if (found == 0) {
        http_error(r, 401, "unauthenticated", bearer ? "接口令牌无效、已过期或已吊销" : "未登录或登录已过期, 请重新登录");
        return false;
    }
    r->auth = p;
    r->user_id = p->user_id;
    r->username = p->username;
    if (!bearer && unsafe_method(r->method)) {
        const char *csrf = http_header(r, "X-CSRF-Token");
        if (!csrf || strlen(csrf) != strlen(p->csrf) || CRYPTO_memcmp(csrf, p->csrf, strlen(csrf)) != 0) {
            deny(r, "csrf_failed", "请求缺少有效的 CSRF 令牌, 请刷新页面后重试");
            return false;
        }
        if (!origin_ok(r)) {
            deny(r, "origin_mismatch", "请求来源与本站不符");
            return false;
        }
    }
    if ((p->must_change || p->totp_setup) && !route_allowed_while_restricted(rt)) {
        http_error(r, 403, p->must_change ? "must_change_password" : "totp_setup_required",
                   p->must_change ? "请先修改密码" : "您的角色要求启用双因素认证, 请先完成绑定");
        return false;
    }
    if (rt->perm && !auth_can(p, rt->perm)) {
        deny(r, "forbidden", "您没有执行此操作的权限");
        return false;
    }
    return true;
}

/* Runs after the reply, outside the request's read snapshot: the once-a-
 * minute "last seen" of a session or token. */
static void after_request(http_req_t *r) {
    if (r->identity_changed) pcache_invalidate();
    const principal_t *p = r->auth;
    if (!p) return;
    if (p->token_id) touch_token(r, p->token_id);
    if (p->touch && p->session_id) {
        char iso[21];
        iso_from_unix(now_unix(), iso);
        db_stmt_t *s = db_prepare(r->db, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2");
        if (s) {
            db_bind_text(s, 1, iso, -1);
            db_bind_int(s, 2, p->session_id);
            db_step(s);
            db_reset(s);
        }
    }
}

/* ---- session endpoints ---- */

static void write_principal(jw_t *w, const principal_t *p) {
    jw_key(w, "user");
    jw_obj(w);
    jw_kint(w, "id", p->user_id);
    jw_kstr(w, "username", p->username);
    jw_kstr(w, "display_name", p->display_name);
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", p->org_id);
    jw_kstr(w, "name", p->org_name);
    jw_kstr(w, "level", p->org_level);
    jw_kstr(w, "path", p->org_path);
    jw_obj_end(w);
    jw_key(w, "roles");
    jw_arr(w);
    for (int i = 0; i < p->nroles; i++) {
        jw_obj(w);
        jw_kstr(w, "key", p->role_keys[i]);
        jw_kstr(w, "name", p->role_names[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "permissions");
    jw_arr(w);
    for (int i = 0; i < p->nperms; i++) jw_str(w, p->perms[i]);
    jw_arr_end(w);
    jw_kbool(w, "must_change_password", p->must_change);
    jw_kbool(w, "totp_setup_required", p->totp_setup);
    jw_obj_end(w);
}

static void get_session(http_req_t *r) {
    const principal_t *p = r->auth;
    jw_obj(&r->json);
    write_principal(&r->json, p);
    jw_kstr(&r->json, "csrf_token", p->csrf);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

/* The failed sign-ins from the caller's address since `since`; -1 when the
 * store cannot say, and the sign-in is refused (fail closed: a count read as
 * 0 would lift the rate limit exactly while the store is failing). */
static int64_t count_ip_failures(http_req_t *r, int64_t since) {
    char iso[21];
    iso_from_unix(since, iso);
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND at > $2");
    if (!s) return -1;
    db_bind_text(s, 1, r->peer ? r->peer : "-", -1);
    db_bind_text(s, 2, iso, -1);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1; /* COUNT(*) always has its row */
    db_reset(s);
    return n;
}

/* Records a failed sign-in: the per-IP counter and the audit row, in one
 * transaction with the account's failure count. */
static void login_failed(http_req_t *r, const char *username, int64_t user_id, const char *why) {
    char iso[21], detail[256];
    iso_from_unix(now_unix(), iso);
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO login_attempts (ip, at) VALUES ($1, $2)");
    if (s) {
        db_bind_text(s, 1, r->peer ? r->peer : "-", -1);
        db_bind_text(s, 2, iso, -1);
        db_step(s);
        db_reset(s);
    }
    buf_t d = BUF_INIT;
    buf_puts(&d, "{\"reason\":");
    json_escape(&d, why, strlen(why));
    buf_puts(&d, "}");
    snprintf(detail, sizeof(detail), "%s", d.data);
    buf_free(&d);
    r->username = arena_strdup(r->arena, username);
    audit_event_t ev = {.action = "login.failure", .entity = "users", .entity_id = user_id, .result = "denied",
                        .detail_json = detail, .user_id = user_id, .username = username, .org_id = r->org_id,
                        .ip = r->peer, .user_agent = http_header(r, "User-Agent")};
    if (audit_write(r->db, &g_keys, &ev) != 0) log_error("audit write failed for a failed sign-in of %s", username);
}

/* Every refused sign-in answers the same status and body — unknown user,
 * wrong password, missing or wrong code, locked or disabled account — so
 * the answer tells an attacker neither what exists nor what was right
 * (issue 18 point 4).  The reason is in the audit row only. */
static void sign_in_refused(http_req_t *r) {
    http_error(r, 401, "invalid_credentials", "用户名、密码或动态验证码错误");
}

/* A wrong password or second factor: counts the failure, locks the account
 * at the threshold (audited, and kept in account_lockouts for the owner's
 * next sign-in and the security administrators' to-do), answers as any
 * refusal. */
static void credential_failed(http_req_t *r, json_t *body, const char *username, int64_t uid, int64_t failed,
                              const char *why) {
    int64_t threshold = setting_int(r->db, "lockout.threshold");
    int64_t minutes = setting_int(r->db, "lockout.minutes");
    bool lock = failed + 1 >= threshold;
    char until[21], now[21];
    iso_from_unix(now_unix() + minutes * 60, until);
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(r->db, "UPDATE users SET failed_count = $1, locked_until = $2 WHERE id = $3");
    if (s) {
        db_bind_int(s, 1, lock ? 0 : failed + 1);
        if (lock) db_bind_text(s, 2, until, -1);
        else db_bind_null(s, 2);
        db_bind_int(s, 3, uid);
        db_step(s);
        db_reset(s);
    }
    login_failed(r, username, uid, why);
    if (lock) {
        s = db_prepare(r->db, "INSERT INTO account_lockouts (user_id, locked_at, locked_until, ip) VALUES ($1, $2, $3, $4)");
        if (s) {
            db_bind_int(s, 1, uid);
            db_bind_text(s, 2, now, -1);
            db_bind_text(s, 3, until, -1);
            db_bind_text(s, 4, r->peer ? r->peer : "-", -1);
            if (db_step(s) != DB_DONE) log_error("could not record the lockout of %s", username);
            db_reset(s);
        }
        audit_event_t ev = {.action = "account.locked", .entity = "users", .entity_id = uid, .result = "ok",
                            .user_id = uid, .username = username, .org_id = r->org_id, .ip = r->peer,
                            .user_agent = http_header(r, "User-Agent")};
        if (audit_write(r->db, &g_keys, &ev) != 0) log_error("audit write failed for the lock of %s", username);
    }
    json_decref(body);
    sign_in_refused(r);
}

/* The lockouts of uid not yet told to the owner, as one Chinese sentence
 * (arena) into *notice, marked told; NULL when there is none.  Runs inside
 * the sign-in's transaction.  0, or -1 on a store error (the sign-in fails:
 * the owner is not silently left untold). */
static int lockout_notice(http_req_t *r, int64_t uid, const char *now_iso, const char **notice) {
    *notice = NULL;
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*), MAX(locked_at) FROM account_lockouts "
                                     "WHERE user_id = $1 AND owner_told_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, uid);
    int64_t n = 0, last = 0;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        n = db_col_int(s, 0);
        if (n && !db_col_null(s, 1)) unix_from_iso(db_col_text(s, 1), &last);
    }
    db_reset(s);
    if (rc != DB_ROW) return -1; /* COUNT(*) always has its row */
    if (!n) return 0;
    s = db_prepare(r->db, "UPDATE account_lockouts SET owner_told_at = $1 WHERE user_id = $2 AND owner_told_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, now_iso, -1);
    db_bind_int(s, 2, uid);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return -1;
    int64_t bj = last + 8 * 3600; /* Beijing time for the clerk */
    char day[21];
    iso_from_unix(bj, day);
    *notice = arena_printf(
        r->arena,
        "您的账户自上次登录以来因连续输错密码或动态验证码被锁定过 %lld 次 (最近一次: %.10s %02d:%02d 北京时间)。"
        "如果不是您本人操作, 请立即修改密码并告知安全管理员。",
        (long long)n, day, (int)(bj / 3600 % 24), (int)(bj / 60 % 60));
    return 0;
}

/* Accepts a TOTP code once: the step it matches must be later than the last
 * step this user used (RFC 6238 §5.2), recorded atomically. */
/* A code of enc_secret, not used before (RFC 6238 §5.2: each step once per
 * user).  new_secret: confirming a re-bind's new secret, whose codes were
 * never used — a code of it in the step the old one was just used in (to
 * start the re-bind) is no replay. */
static bool totp_accept(db_t *db, int64_t uid, const char *enc_secret, const char *code, bool new_secret) {
    if (!enc_secret) return false;
    buf_t secret = BUF_INIT;
    int64_t step = -1;
    if (pi_decrypt(&g_keys, enc_secret, &secret) == 0) {
        uint8_t raw[64];
        int n = base32_decode(secret.data, raw, sizeof(raw));
        if (n > 0) step = totp_match(raw, (size_t)n, code, now_unix(), 1);
        memset(raw, 0, sizeof(raw));
    }
    if (secret.data) memset(secret.data, 0, secret.len);
    buf_free(&secret);
    if (step < 0) return false;
    db_stmt_t *s = db_prepare(db, new_secret ? "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step <= $1"
                                             : "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1");
    if (!s) return false;
    db_bind_int(s, 1, step);
    db_bind_int(s, 2, uid);
    bool ok = db_step(s) == DB_DONE && db_changes(s) == 1;
    db_reset(s);
    return ok;
}

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void post_session(http_req_t *r) {
    json_t *body = http_json_body(r);
    if (!body) return;
    const char *username = jstr(body, "username"), *password = jstr(body, "password"), *totp = jstr(body, "totp");
    if (!username || !*username || !password || !*password) {
        json_decref(body);
        http_error(r, 422, "validation_failed", "请输入用户名和密码");
        return;
    }
    /* the strings outlive the JSON document (audit, access log) */
    username = arena_strdup(r->arena, username);
    password = arena_strdup(r->arena, password);
    totp = totp ? arena_strdup(r->arena, totp) : NULL;
    int64_t now = now_unix();
    int64_t ip_failures = count_ip_failures(r, now - 600);
    if (ip_failures < 0) {
        json_decref(body);
        goto store_error;
    }
    if (ip_failures >= setting_int(r->db, "login.ip_limit")) {
        json_decref(body);
        http_set_header(r, "Retry-After", "600");
        http_error(r, 429, "rate_limited", "登录尝试过于频繁, 请 10 分钟后再试");
        return;
    }
    db_stmt_t *s = db_prepare(r->db, "SELECT id, password_hash, status, failed_count, locked_until, totp_enabled, "
                                     "totp_secret, must_change, org_id FROM users WHERE username = $1");
    if (!s) goto store_error;
    db_bind_text(s, 1, username, -1);
    int rc = db_step(s);
    int64_t uid = 0, failed = 0, locked_until = 0;
    char *hash = NULL, *status = NULL, *totp_secret = NULL;
    bool totp_enabled = false;
    if (rc == DB_ROW) {
        uid = db_col_int(s, 0);
        hash = arena_strdup(r->arena, db_col_text(s, 1));
        status = arena_strdup(r->arena, db_col_text(s, 2));
        failed = db_col_int(s, 3);
        if (!db_col_null(s, 4)) unix_from_iso(db_col_text(s, 4), &locked_until);
        totp_enabled = db_col_int(s, 5) != 0;
        totp_secret = db_col_null(s, 6) ? NULL : arena_strdup(r->arena, db_col_text(s, 6));
        r->org_id = db_col_int(s, 8); /* sign-in rows carry the org, so district auditors see them */
    }
    db_reset(s);
    if (rc < 0) goto store_error;
    r->username = arena_strdup(r->arena, username);
    if (!uid) {
        password_verify("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3vFBJU8jKz3N7r3ZU7dCqZl0y4+3cQ3jW9w1O6jN8YU",
                        password); /* same work as a real check: no timing oracle for usernames */
        login_failed(r, username, 0, "unknown user");
        json_decref(body);
        return sign_in_refused(r);
    }
    /* the hash is checked in every case, so a locked or disabled account
     * takes as long as any other */
    bool right = password_verify(hash, password);
    if (locked_until > now) {
        login_failed(r, username, uid, "locked");
        json_decref(body);
        return sign_in_refused(r);
    }
    if (!right) return credential_failed(r, body, username, uid, failed, "wrong password");
    if (strcmp(status, "active") != 0) {
        login_failed(r, username, uid, "disabled");
        json_decref(body);
        return sign_in_refused(r);
    }
    /* username, password and code in one step: a missing code is a wrong one */
    if (totp_enabled && (!totp || !*totp || (!totp_accept(r->db, uid, totp_secret, totp, false) && !recovery_code_use(r->db, uid, totp))))
        return credential_failed(r, body, username, uid, failed, totp && *totp ? "wrong totp" : "missing totp");
    json_decref(body);
    /* does a role demand TOTP the user has not set up? */
    s = db_prepare(r->db, "SELECT COUNT(*) FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id "
                          "WHERE ur.user_id = $1 AND ro.require_totp = 1");
    if (!s) goto store_error;
    db_bind_int(s, 1, uid);
    rc = db_step(s);
    bool needs_totp = rc == DB_ROW && db_col_int(s, 0) > 0 && !totp_enabled;
    db_reset(s);
    if (rc != DB_ROW) goto store_error; /* not "no role demands it" */

    char token[65], digest[65], csrf[65], nowiso[21], expiso[21];
    random_hex(token, 32);
    random_hex(csrf, 32);
    token_digest(token, digest);
    iso_from_unix(now, nowiso);
    iso_from_unix(now + setting_int(r->db, "session.absolute_hours") * 3600, expiso);
    if (db_begin(r->db) != 0) goto store_error;
    s = db_prepare(r->db, "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, "
                          "totp_pending, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)");
    if (!s) goto tx_error;
    db_bind_text(s, 1, digest, -1);
    db_bind_int(s, 2, uid);
    db_bind_text(s, 3, csrf, -1);
    db_bind_text(s, 4, nowiso, -1);
    db_bind_text(s, 5, expiso, -1);
    db_bind_int(s, 6, needs_totp);
    db_bind_text(s, 7, r->peer, -1);
    db_bind_text(s, 8, http_header(r, "User-Agent"), -1);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) goto tx_error;
    s = db_prepare(r->db, "UPDATE users SET failed_count = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2");
    if (!s) goto tx_error;
    db_bind_text(s, 1, nowiso, -1);
    db_bind_int(s, 2, uid);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) goto tx_error;
    audit_event_t ev = {.action = "login.success", .entity = "users", .entity_id = uid, .result = "ok",
                        .user_id = uid, .username = username, .org_id = r->org_id, .ip = r->peer,
                        .user_agent = http_header(r, "User-Agent")};
    if (audit_write(r->db, &g_keys, &ev) != 0) goto tx_error;
    const char *notice;
    if (lockout_notice(r, uid, nowiso, &notice) != 0) goto tx_error;
    if (db_commit(r->db) != 0) goto store_error;

    /* answer as GET /session would, for the new session */
    char cookie[256];
    if (insecure_localhost(r))
        snprintf(cookie, sizeof(cookie), "sid=%s; Path=/; HttpOnly; SameSite=Strict", token);
    else
        snprintf(cookie, sizeof(cookie), "__Host-sid=%s; Path=/; HttpOnly; Secure; SameSite=Strict", token);
    http_set_header(r, "Set-Cookie", cookie);
    principal_t *p = arena_calloc(r->arena, sizeof(*p));
    if (load_session(r, p, token) != 1) goto store_error;
    r->auth = p;
    jw_obj(&r->json);
    write_principal(&r->json, p);
    jw_kstr(&r->json, "csrf_token", p->csrf);
    jw_kstr(&r->json, "security_notice", notice); /* null when there is nothing to tell */
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    return;
tx_error:
    db_rollback(r->db);
store_error:
    http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
}

static void delete_session(http_req_t *r) {
    const principal_t *p = r->auth;
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) goto fail;
    db_stmt_t *s = db_prepare(r->db, "UPDATE sessions SET ended_at = $1 WHERE id = $2");
    if (!s) goto fail_tx;
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, p->session_id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE || auth_audit(r, "logout", "users", p->user_id, "ok", NULL) != 0) goto fail_tx;
    if (db_commit(r->db) != 0) goto fail;
    char cookie[128];
    snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", cookie_name(r),
             insecure_localhost(r) ? "" : "; Secure");
    http_set_header(r, "Set-Cookie", cookie);
    http_send_bytes(r, 204, NULL, NULL, 0);
    return;
fail_tx:
    db_rollback(r->db);
fail:
    http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
}

static void change_password(http_req_t *r) {
    const principal_t *p = r->auth;
    if (!p->user_id) {
        http_error(r, 403, "forbidden", "接口令牌没有密码");
        return;
    }
    json_t *body = http_json_body(r);
    if (!body) return;
    const char *old = jstr(body, "old_password"), *new_pw = jstr(body, "new_password");
    if (!old || !new_pw) {
        json_decref(body);
        http_error(r, 422, "validation_failed", "请输入原密码和新密码");
        return;
    }
    db_stmt_t *s = db_prepare(r->db, "SELECT password_hash FROM users WHERE id = $1");
    if (!s) goto fail;
    db_bind_int(s, 1, p->user_id);
    int rc = db_step(s);
    char *hash = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (rc < 0) goto fail; /* not "原密码错误": the store failed */
    if (!hash || !password_verify(hash, old)) {
        json_decref(body);
        auth_audit(r, "password.change", "users", p->user_id, "denied", "{\"reason\":\"wrong old password\"}");
        http_invalid(r, "old_password", "原密码错误");
        return;
    }
    const char *why = password_policy_check(r->db, p->user_id, p->username, new_pw);
    if (why == PASSWORD_CHECK_UNAVAILABLE) {
        json_decref(body);
        return http_store_error(r);
    }
    if (why) {
        json_t *f = json_pack("{s:s}", "new_password", why);
        json_decref(body);
        http_error_fields(r, 422, "validation_failed", why, f);
        json_decref(f);
        return;
    }
    if (db_begin(r->db) != 0) goto fail;
    db_stmt_t *end = db_prepare(r->db, "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND id <> $3 AND ended_at IS NULL");
    char now[21];
    iso_from_unix(now_unix(), now);
    if (end) {
        db_bind_text(end, 1, now, -1);
        db_bind_int(end, 2, p->user_id);
        db_bind_int(end, 3, p->session_id);
        db_step(end);
        db_reset(end);
    }
    if (!end || password_set(r->db, p->user_id, new_pw, false) != 0 ||
        auth_audit(r, "password.change", "users", p->user_id, "ok", "{\"other_sessions_ended\":true}") != 0) {
        db_rollback(r->db);
        goto fail;
    }
    if (db_commit(r->db) != 0) goto fail;
    json_decref(body);
    jw_obj(&r->json);
    jw_kbool(&r->json, "ok", true);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    return;
fail:
    json_decref(body);
    http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
}

/* TOTP enrolment: a new secret, kept encrypted and not yet enabled. */
static void totp_setup(http_req_t *r) {
    const principal_t *p = r->auth;
    if (!p->user_id) return http_error(r, 403, "forbidden", "接口令牌不能绑定动态验证码");
    /* replacing a working second factor needs that factor: a stolen session
     * alone must not be able to switch it off */
    db_stmt_t *cur = db_prepare(r->db, "SELECT totp_enabled, totp_secret FROM users WHERE id = $1");
    if (!cur) return http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
    db_bind_int(cur, 1, p->user_id);
    int crc = db_step(cur);
    bool enabled = crc == DB_ROW && db_col_int(cur, 0) != 0;
    char *cur_secret = enabled && !db_col_null(cur, 1) ? arena_strdup(r->arena, db_col_text(cur, 1)) : NULL;
    db_reset(cur);
    /* a failed read is not "no factor yet": that would rebind (switch off)
     * a working factor without its code */
    if (crc != DB_ROW) return http_store_error(r);
    if (enabled) {
        json_t *b = http_json_body(r);
        if (!b) return;
        const char *code = jstr(b, "code");
        bool ok = code && totp_accept(r->db, p->user_id, cur_secret, code, false);
        json_decref(b);
        if (!ok) {
            auth_audit(r, "totp.setup", "users", p->user_id, "denied", "{\"reason\":\"current code missing or wrong\"}");
            return http_invalid(r, "code", "已绑定动态验证码: 重新绑定须先输入当前的验证码");
        }
    }
    uint8_t raw[20];
    crypto_random(raw, sizeof(raw));
    char b32[64], uri[512];
    base32_encode(raw, sizeof(raw), b32, sizeof(b32));
    totp_uri(uri, sizeof(uri), "司法所综合管理平台", p->username, b32);
    char *enc = pi_encrypt(&g_keys, b32, strlen(b32));
    if (db_begin(r->db) != 0) goto fail;
    /* a first binding takes effect when confirmed (totp_enable); a re-bind
     * keeps the working secret until the new one is confirmed (totp_next) */
    db_stmt_t *s = db_prepare(r->db, enabled ? "UPDATE users SET totp_next = $1 WHERE id = $2"
                                             : "UPDATE users SET totp_secret = $1, totp_next = NULL, totp_enabled = 0 "
                                               "WHERE id = $2");
    if (!s) goto fail_tx;
    db_bind_text(s, 1, enc, -1);
    db_bind_int(s, 2, p->user_id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE || auth_audit(r, "totp.setup", "users", p->user_id, "ok", NULL) != 0) goto fail_tx;
    if (db_commit(r->db) != 0) goto fail;
    free(enc);
    jw_obj(&r->json);
    jw_kstr(&r->json, "secret", b32);
    jw_kstr(&r->json, "otpauth_uri", uri);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    return;
fail_tx:
    db_rollback(r->db);
fail:
    free(enc);
    http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
}

static void totp_enable(http_req_t *r) {
    const principal_t *p = r->auth;
    json_t *body = http_json_body(r);
    if (!body) return;
    const char *code = jstr(body, "code");
    /* the secret being confirmed: a re-bind's new one, else the first */
    db_stmt_t *s = db_prepare(r->db, "SELECT COALESCE(totp_next, totp_secret), totp_next IS NOT NULL FROM users "
                                     "WHERE id = $1");
    if (!s) {
        json_decref(body);
        goto fail;
    }
    db_bind_int(s, 1, p->user_id);
    bool rebind = false;
    char *enc = NULL;
    int src = db_step(s);
    if (src == DB_ROW && !db_col_null(s, 0)) {
        enc = arena_strdup(r->arena, db_col_text(s, 0));
        rebind = db_col_int(s, 1) != 0;
    }
    db_reset(s);
    if (src < 0) {
        json_decref(body);
        goto fail; /* not "动态验证码错误" */
    }
    bool ok = code && totp_accept(r->db, p->user_id, enc, code, rebind);
    json_decref(body);
    if (!ok) {
        http_invalid(r, "code", "动态验证码错误, 请核对手机上的验证器");
        return;
    }
    /* ten single-use recovery codes, shown once, stored hashed */
    char codes[10][17];
    if (db_begin(r->db) != 0) goto fail;
    s = db_prepare(r->db, "DELETE FROM recovery_codes WHERE user_id = $1");
    if (!s) goto fail_tx;
    db_bind_int(s, 1, p->user_id);
    db_step(s);
    db_reset(s);
    for (int i = 0; i < 10; i++) {
        random_hex(codes[i], 8);
        char digest[65];
        token_digest(codes[i], digest);
        s = db_prepare(r->db, "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)");
        if (!s) goto fail_tx;
        db_bind_int(s, 1, p->user_id);
        db_bind_text(s, 2, digest, -1);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail_tx;
    }
    s = db_prepare(r->db, "UPDATE users SET totp_secret = COALESCE(totp_next, totp_secret), totp_next = NULL, "
                          "totp_enabled = 1 WHERE id = $1");
    if (!s) goto fail_tx;
    db_bind_int(s, 1, p->user_id);
    db_step(s);
    db_reset(s);
    s = db_prepare(r->db, "UPDATE sessions SET totp_pending = 0 WHERE user_id = $1");
    if (!s) goto fail_tx;
    db_bind_int(s, 1, p->user_id);
    db_step(s);
    db_reset(s);
    if (auth_audit(r, "totp.enable", "users", p->user_id, "ok", NULL) != 0) goto fail_tx;
    if (db_commit(r->db) != 0) goto fail;
    jw_obj(&r->json);
    jw_key(&r->json, "recovery_codes");
    jw_arr(&r->json);
    for (int i = 0; i < 10; i++) jw_str(&r->json, codes[i]);
    jw_arr_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    return;
fail_tx:
    db_rollback(r->db);
fail:
    http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
}

/* Uses up a recovery code; true when it was valid and unused. */
bool recovery_code_use(db_t *db, int64_t user_id, const char *code) {
    char digest[65], now[21];
    token_digest(code, digest);
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(db, "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 "
                                  "AND used_at IS NULL");
    if (!s) return false;
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, user_id);
    db_bind_text(s, 3, digest, -1);
    bool ok = db_step(s) == DB_DONE && db_changes(s) == 1;
    db_reset(s);
    return ok;
}

/* The caller's live sessions, newest first: started, last seen, expiry,
 * address and browser, and which is the one asking (account page). */
static void list_my_sessions(http_req_t *r) {
    const principal_t *p = r->auth;
    if (!p->user_id) return http_error(r, 403, "forbidden", "接口令牌没有登录会话");
    char now[21];
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(r->db, "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions "
                                     "WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 50");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, p->user_id);
    db_bind_text(s, 2, now, -1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "created_at", db_col_text(s, 1));
        jw_kstr(w, "last_seen_at", db_col_text(s, 2));
        jw_kstr(w, "expires_at", db_col_text(s, 3));
        jw_kstr(w, "ip", db_col_null(s, 4) ? NULL : db_col_text(s, 4));
        jw_kstr(w, "user_agent", db_col_null(s, 5) ? NULL : db_col_text(s, 5));
        jw_kbool(w, "current", db_col_int(s, 0) == p->session_id);
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r); /* clears what was written */
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* Ends one of the caller's other sessions (a browser left signed in
 * elsewhere); the current one ends by signing out.  Audited as
 * logout.session, which (a "logout") drops the cached principals. */
static void end_my_session(http_req_t *r) {
    const principal_t *p = r->auth;
    if (!p->user_id) return http_error(r, 403, "forbidden", "接口令牌没有登录会话");
    int64_t id = http_param_id(r, "id");
    if (id == p->session_id) return http_error(r, 422, "validation_failed", "当前会话请使用「退出登录」结束");
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "UPDATE sessions SET ended_at = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL");
    if (!s) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, id);
    db_bind_int(s, 3, p->user_id);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    if (rc != DB_DONE) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    if (n == 0) {
        db_rollback(r->db);
        return http_error(r, 404, "not_found", "会话不存在或已结束");
    }
    char detail[64];
    snprintf(detail, sizeof(detail), "{\"session\":%lld}", (long long)id);
    if (auth_audit(r, "logout.session", "users", p->user_id, "ok", detail) != 0 || db_commit(r->db) != 0) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    jw_obj(&r->json);
    jw_kbool(&r->json, "ok", true);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static const route_t session_routes[] = {
    {"POST", "/api/v1/session", post_session, ROUTE_PUBLIC},
    {"GET", "/api/v1/session", get_session},
    {"DELETE", "/api/v1/session", delete_session},
    {"POST", "/api/v1/session/password", change_password},
    {"POST", "/api/v1/session/totp/setup", totp_setup},
    {"POST", "/api/v1/session/totp/enable", totp_enable},
    {"GET", "/api/v1/session/sessions", list_my_sessions},
    {"POST", "/api/v1/session/sessions/:id/end", end_my_session},
    {0},
};

void session_routes_register(void) { router_add(session_routes); }

int auth_init(const char *key_file, bool create, char *err, size_t errlen) {
    if (keys_load_or_create(key_file, &g_keys, create, err, errlen) != 0) return -1;
    g_keys_loaded = true;
    http_auth_hook = auth_hook;
    http_done_hook = after_request;
    scope_path_hook = scope_of;
    return 0;
}

void auth_housekeeping(db_t *db) {
    /* login attempts matter for ten minutes, ended sessions not at all: a
     * day and thirty days of them are kept for the record */
    char day[21], month[21];
    int64_t now = now_unix();
    iso_from_unix(now - 86400, day);
    iso_from_unix(now - 30 * 86400, month);
    db_stmt_t *s = db_prepare(db, "DELETE FROM login_attempts WHERE at < $1");
    if (s) {
        db_bind_text(s, 1, day, -1);
        db_step(s);
        db_reset(s);
    }
    s = db_prepare(db, "DELETE FROM sessions WHERE (ended_at IS NOT NULL AND ended_at < $1) OR expires_at < $1");
    if (s) {
        db_bind_text(s, 1, month, -1);
        db_step(s);
        db_reset(s);
    }
}
