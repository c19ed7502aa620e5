/* auth.h — identity and access control (issue 3): who is asking, what they
 * may do, and within which part of the org tree.
 *
 * The auth hook (installed by auth_init) runs before every routed handler:
 * it identifies the principal from the session cookie or a Bearer token,
 * enforces CSRF and Origin on unsafe methods, and checks the route's
 * permission.  Handlers read the principal with auth_principal(r). */
#ifndef SFS_AUTH_H
#define SFS_AUTH_H
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "store/db.h"
#include "util/crypto.h"

/* A permission a module declares: "<entity>.<action>" and the like. */
typedef struct perm_def {
    const char *key;      /* "org.read" */
    const char *label;    /* "查看组织机构" */
    const char *defaults; /* space-separated role keys granted it by default */
} perm_def_t;

/* Registers a table of permissions ending in {0}; call before serving. */
void perm_register(const perm_def_t *table);
const perm_def_t *perm_find(const char *key);
/* Calls fn for every registered permission (a key declared twice: its first
 * declaration only). */
void perm_each(void (*fn)(const perm_def_t *p, void *arg), void *arg);

typedef struct principal {
    int64_t user_id;  /* 0 for an API token */
    int64_t token_id; /* 0 for a user */
    int64_t session_id;
    const char *username;
    const char *display_name;
    int64_t org_id;
    const char *org_path, *org_name, *org_level;
    int nroles;
    const char **role_keys, **role_names;
    int nperms;
    const char **perms;
    bool perms_sorted; /* perms in strcmp order (auth_sort_perms): auth_can bisects */
    const char *csrf;
    bool must_change;   /* password must change before anything else */
    bool totp_setup;    /* a role requires TOTP and the user has none yet */
    bool touch;         /* last_seen_at is due an update (after the reply) */
} principal_t;

/* Loads keys (creating them only when create is set — a store that already
 * holds data must never get fresh keys), installs the hooks. */
int auth_init(const char *key_file, bool create, char *err, size_t errlen);
const keys_t *auth_keys(void);
/* The signed-in principal, or NULL on public routes. */
const principal_t *auth_principal(http_req_t *r);
bool auth_can(const principal_t *p, const char *perm);
/* Sorts p->perms so that auth_can bisects them; after loading a principal. */
void auth_sort_perms(principal_t *p);

/* The principal of live API token token_id, as a request made with it
 * would have (for work done on the token's behalf off a request: webhook
 * deliveries); r needs db and arena only.  1, 0 when the token is revoked,
 * expired or unknown, -1 on a store error. */
int auth_token_principal(http_req_t *r, int64_t token_id, principal_t *p);

/* Built-in roles and the default grants; idempotent (init and every start). */
int roles_seed(db_t *db, char *err, size_t errlen);
/* Role id by key or Chinese name; 0 when unknown, -1 when the store cannot
 * say (not "角色不存在"). */
int64_t role_lookup(db_t *db, const char *key_or_name);

/* Password policy (configurable in settings); NULL when pw is acceptable,
 * else the Chinese reason — PASSWORD_CHECK_UNAVAILABLE itself (compare the
 * pointer) when the store could not say whether pw was used before: a 503,
 * not a 422. */
const char *password_policy_check(db_t *db, int64_t user_id, const char *username, const char *pw);
extern const char PASSWORD_CHECK_UNAVAILABLE[];
/* A one-time password of n (at most PASSWORD_GENERATED_MAX) characters from
 * the CSPRNG: the first four one of each class (upper, lower, digit,
 * symbol), no look-alikes (0/O, 1/l/I); out holds n + 1 bytes. */
#define PASSWORD_GENERATED_MAX 64
void password_generate(char *out, int n);
/* Sets a new password (policy already checked), records history. */
int password_set(db_t *db, int64_t user_id, const char *pw, bool must_change);

/* A setting as an integer, with the built-in default when unset (cached per
 * thread for a few seconds; settings_changed() drops this thread's copy). */
int64_t setting_int(db_t *db, const char *key);
void settings_changed(void);
void setting_bounds(const char *key, int64_t *min, int64_t *max);
/* 1 for the three administrator roles, 0 for others, -1 when the store
 * cannot say (callers refuse: never read as "not an administrator"). */
int role_is_admin(db_t *db, int64_t role_id);

/* Creates a user; returns the id or a negative error (err set). */
int64_t user_create(db_t *db, const char *username, const char *display_name, int64_t org_id, const int64_t *role_ids,
                    int nroles, const char *password, bool must_change, char *err, size_t errlen);

/* Separation-of-duties check of a role set; NULL when fine. */
const char *roles_conflict(db_t *db, const int64_t *role_ids, int n);

/* Writes an audit row for this request (principal, ip, user agent filled in). */
int auth_audit(http_req_t *r, const char *action, const char *entity, int64_t entity_id, const char *result,
               const char *detail_json);

/* Break-the-glass: 1 when the principal holds an unexpired grant for
 * entity within org_path (issue 3 point 6), 0 when not, -1 on a store error. */
int auth_breakglass_active(http_req_t *r, const char *entity, const char *org_path);

const char *perm_admin_kind(const char *perm);
bool role_perm_allowed(const char *role_kind, const char *perm);
void settings_write_json(db_t *db, jw_t *w);
bool setting_known(const char *key);

bool recovery_code_use(db_t *db, int64_t user_id, const char *code);
/* 2*bytes hex characters of CSPRNG output. */
void random_hex(char *out, size_t bytes);
/* SHA-256 hex of a bearer secret (session token, API token, recovery code). */
void token_digest(const char *token, char out[65]);

/* Deletes old login attempts and long-ended sessions (job thread). */
void auth_housekeeping(db_t *db);

/* Scope checks of the administrators' API (admin.c): the unit's or the
 * user's org path when it exists within the caller's subtree, else NULL. */
const char *auth_org_in_scope(http_req_t *r, int64_t org_id);
const char *auth_user_in_scope(http_req_t *r, int64_t user_id);
/* True when the account holds one of the three administrator roles (or
 * when the store cannot say): such accounts are managed on the server. */
bool auth_admin_account(http_req_t *r, int64_t user_id);

/* Separation of duties (grants.c): does a grant adding perm need a second
 * security administrator (pi.unmask, any export)?  Does perm reach personal
 * information (an API token holding it expires within 90 days)? */
bool perm_needs_second(const char *perm);
bool perm_reaches_pi(const char *perm);
/* Brings the expiry of every live token reaching personal information
 * within 90 days (audited); at start.  How many, or -1. */
int grants_expire_pi_tokens(db_t *db, const keys_t *keys);
/* Does the account hold pi.unmask (true when the store cannot say)?  A
 * password reset of such an account is asked for (grant_reset_request,
 * answers 202) and done when a security administrator approves it. */
bool auth_account_unmasks(http_req_t *r, int64_t user_id);
void grant_reset_request(http_req_t *r, int64_t user_id);

void session_routes_register(void);
void admin_routes_register(void);
void grant_routes_register(void);
#endif
