/* roles.c — permissions, built-in roles and settings.
 *
 * Permissions are declared by modules (perm_register) with the roles that
 * get them by default.  Roles are data the security administrator edits;
 * a permission's defaults are applied once per (permission, role) pair
 * (seeded_grants), so edits survive restarts, and a new module's
 * permissions, or a role added later to a permission's defaults, still
 * reach their roles.
 *
 * Separation of duties (三员分立): the three administrator roles each hold a
 * disjoint set of administrative permissions, and none of them can be given
 * to another role (role_perm_allowed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth/auth.h"
#include "util/log.h"
#include "util/vec.h"

#define ALL_BUSINESS \
    "city_leader city_staff district_admin district_staff office_director office_staff mediator corrections_officer"

static const struct builtin_role {
    const char *key, *name, *admin_kind;
    int require_totp;
    const char *description;
    /* 1: the role reads and counts, never writes — a permission's defaults
     * reach it only when the permission reads (perm_reads) */
    int read_only;
} builtin_roles[] = {
    {"sysadmin", "系统管理员", "sys", 1, "管理账户与系统配置; 不接触业务数据, 不能查看审计日志"},
    {"secadmin", "安全管理员", "sec", 1, "管理角色、权限与安全策略"},
    {"auditadmin", "审计管理员", "audit", 1, "只读审计日志"},
    {"city_leader", "市局领导", NULL, 0, "全市数据只读与统计", 1},
    {"city_staff", "市局业务处室", NULL, 0, "全市业务指导与监督"},
    {"district_admin", "区局管理员", NULL, 0, "本区业务管理与审批"},
    {"district_staff", "区局业务人员", NULL, 0, "本区业务办理"},
    {"office_director", "司法所所长", NULL, 0, "本所业务审核"},
    {"office_staff", "司法所工作人员", NULL, 0, "本所业务录入与办理"},
    {"mediator", "人民调解员", NULL, 0, "调解案件办理"},
    {"corrections_officer", "区社区矫正机构", NULL, 0, "本区社区矫正对象的委托、审批与处置 (社区矫正法 第九条)"},
    {"api_client", "外部系统", NULL, 0, "其他机关系统的接口访问"},
    {NULL, NULL, NULL, 0, NULL},
};

/* The administrative permissions and the one administrator kind that may hold each. */
static const struct {
    const char *perm, *kind;
} admin_perms[] = {
    {"user.manage", "sys"},   {"token.manage", "sys"},  {"config.manage", "sys"},
    {"role.manage", "sec"},   {"policy.manage", "sec"}, {"audit.read", "audit"},
    {"breakglass.list", "audit"}, {"calendar.manage", "sys"}, {"codes.manage", "sys"},
};

static const perm_def_t identity_perms[] = {
    {"org.read", "查看组织机构", "sysadmin secadmin auditadmin api_client " ALL_BUSINESS},
    {"user.manage", "管理用户账户", "sysadmin"},
    {"token.manage", "管理接口令牌", "sysadmin"},
    {"config.manage", "系统配置", "sysadmin"},
    {"role.manage", "管理角色与权限", "secadmin"},
    {"policy.manage", "管理安全策略", "secadmin"},
    {"audit.read", "查看审计日志", "auditadmin"},
    {"breakglass.list", "查看紧急调阅记录", "auditadmin"},
    {"pi.unmask", "查看完整个人信息", "office_director district_admin"},
    {"breakglass.request", "紧急调阅受保护记录", "city_staff district_admin district_staff office_director"},
    {0},
};

/* One table per module and per entity; grows (at start). */
static const perm_def_t **perm_tables;
static int nperm_tables, perm_tables_cap;

void perm_register(const perm_def_t *table) {
    for (int i = 0; i < nperm_tables; i++)
        if (perm_tables[i] == table) return;
    perm_tables = vec_reserve(perm_tables, nperm_tables, &perm_tables_cap, sizeof(*perm_tables), 64);
    perm_tables[nperm_tables++] = table;
}

static void register_identity_perms(void) { perm_register(identity_perms); }

const perm_def_t *perm_find(const char *key) {
    register_identity_perms();
    for (int i = 0; i < nperm_tables; i++)
        for (const perm_def_t *p = perm_tables[i]; p->key; p++)
            if (strcmp(p->key, key) == 0) return p;
    return NULL;
}

/* A key declared twice (a module's table before the engine's standard
 * actions: corrections.subject.create is the institution's alone) is
 * visited once, as its first declaration, the one perm_find answers: the
 * later one's defaults are never seeded, nor its label listed. */
void perm_each(void (*fn)(const perm_def_t *p, void *arg), void *arg) {
    register_identity_perms();
    for (int i = 0; i < nperm_tables; i++)
        for (const perm_def_t *p = perm_tables[i]; p->key; p++)
            if (perm_find(p->key) == p) fn(p, arg);
}

/* The administrator kind allowed to hold perm; NULL for a business permission. */
const char *perm_admin_kind(const char *perm) {
    for (size_t i = 0; i < sizeof(admin_perms) / sizeof(admin_perms[0]); i++)
        if (strcmp(admin_perms[i].perm, perm) == 0) return admin_perms[i].kind;
    return NULL;
}

/* May a role of admin kind role_kind (NULL = business role) hold perm?  An
 * administrative permission only for its own administrator kind; an
 * administrator role only its own kind's permissions plus org.read. */
bool role_perm_allowed(const char *role_kind, const char *perm) {
    const char *k = perm_admin_kind(perm);
    if (k) return role_kind && strcmp(k, role_kind) == 0;
    if (role_kind) return strcmp(perm, "org.read") == 0;
    return true;
}

static int grant(db_t *db, const char *role_key, const char *perm);

/* The administrator roles' permission sets are fixed in code (issue 18
 * point 1): at every start each is reset to its kind's administrative
 * permissions plus org.read, whatever the table says.  No interface edits
 * them (grants.c refuses), so this undoes only edits made in the store. */
static int admin_roles_fix(db_t *db) {
    for (const struct builtin_role *b = builtin_roles; b->key; b++) {
        if (!b->admin_kind) continue;
        db_stmt_t *s = db_prepare(db, "DELETE FROM role_permissions WHERE role_id = (SELECT id FROM roles WHERE key = $1)");
        if (!s) return -1;
        db_bind_text(s, 1, b->key, -1);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE || grant(db, b->key, "org.read") != 0) return -1;
        for (size_t i = 0; i < sizeof(admin_perms) / sizeof(admin_perms[0]); i++)
            if (strcmp(admin_perms[i].kind, b->admin_kind) == 0 && grant(db, b->key, admin_perms[i].perm) != 0) return -1;
    }
    return 0;
}

static int grant(db_t *db, const char *role_key, const char *perm) {
    db_stmt_t *s = db_prepare(db, "INSERT INTO role_permissions (role_id, perm) SELECT id, $2 FROM roles WHERE key = $1 "
                                  "ON CONFLICT DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, role_key, -1);
    db_bind_text(s, 2, perm, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* A sorted list of owned strings. */
typedef struct {
    char **v;
    int n, cap;
} strlist_t;

static int str_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Reads the one text column of sql's rows into out, sorted; 0, or -1 on a
 * store error.  A start reads what is seeded in one statement rather than
 * asking per pair: some 2 700 pairs, each an INSERT … ON CONFLICT round trip
 * on PostgreSQL. */
static int strlist_load(db_t *db, const char *sql, strlist_t *out) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        out->v = vec_reserve(out->v, out->n, &out->cap, sizeof(*out->v), 1024);
        out->v[out->n++] = strdup(db_col_text(s, 0) ? db_col_text(s, 0) : "");
    }
    db_reset(s);
    if (out->n) qsort(out->v, (size_t)out->n, sizeof(*out->v), str_cmp);
    return rc == DB_DONE ? 0 : -1;
}

static bool strlist_has(const strlist_t *l, const char *x) {
    return l->n && bsearch(&x, l->v, (size_t)l->n, sizeof(*l->v), str_cmp) != NULL;
}

static void strlist_free(strlist_t *l) {
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    *l = (strlist_t){0};
}

typedef struct {
    db_t *db;
    int rc;
    /* the first start after migration 0312 on a store seeded before it:
     * seeded_permissions has rows, seeded_grants none */
    bool upgrade;
    /* the audit log holds every role edit (no 'audit.purge' ever cut it) */
    bool audit_whole;
    /* what the store has seeded, read once: seeded_permissions' perm and
     * seeded_grants' "perm role", each sorted (strcmp) */
    strlist_t perms, pairs;
} seed_ctx_t;

/* Does perm only read: a record's read or export, a line's statistics? */
static bool perm_reads(const char *perm) {
    static const char *const suffixes[] = {".read", ".export", ".stats"};
    size_t n = strlen(perm);
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t l = strlen(suffixes[i]);
        if (n > l && strcmp(perm + n - l, suffixes[i]) == 0) return true;
    }
    return false;
}

/* Does a permission's default list reach the role key?  A read-only role
 * (市局领导: 全市数据只读与统计) only with a permission that reads, whatever
 * a module's default list says. */
static bool default_reaches(const char *role_key, const char *perm) {
    for (const struct builtin_role *b = builtin_roles; b->key; b++)
        if (strcmp(b->key, role_key) == 0) return !b->read_only || perm_reads(perm);
    return true;
}

/* Inserts a row ($1, $2) with sql (INSERT … ON CONFLICT DO NOTHING);
 * 1 when it was new, 0 when it was there, -1 on a store error. */
static int insert_once(db_t *db, const char *sql, const char *a, const char *b) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, a, -1);
    if (b) db_bind_text(s, 2, b, -1);
    int rc = db_step(s);
    int64_t fresh = db_changes(s);
    db_reset(s);
    return rc != DB_DONE ? -1 : fresh ? 1 : 0;
}

/* Does the role hold perm now?  1, 0, or -1 on a store error. */
static int role_holds(db_t *db, const char *role_key, const char *perm) {
    db_stmt_t *s = db_prepare(db, "SELECT 1 FROM role_permissions rp JOIN roles r ON r.id = rp.role_id "
                                  "WHERE r.key = $1 AND rp.perm = $2");
    if (!s) return -1;
    db_bind_text(s, 1, role_key, -1);
    db_bind_text(s, 2, perm, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* Does the audit log show that an edit of the role left perm out?  Every
 * edit of a role's permissions is one 'role.permissions' row (grants.c
 * submit_grant / decide_grant; admin.c before issue 18).  Its detail names
 * what was removed ("removed"); a row from before issue 18 holds only the
 * new set ("permissions"), and a set without perm counts as a revocation
 * (it may also be an edit from before perm reached the role's defaults:
 * then the grant is withheld, never wrongly given).  1, 0, or -1 on a
 * store error. */
static int audit_shows_revoked(db_t *db, const char *role_key, const char *perm) {
    db_stmt_t *s = db_prepare(db, "SELECT a.detail FROM audit_log a JOIN roles r ON r.id = a.entity_id "
                                  "WHERE a.action = 'role.permissions' AND a.entity = 'roles' AND r.key = $1");
    if (!s) return -1;
    db_bind_text(s, 1, role_key, -1);
    int rc = DB_DONE, revoked = 0;
    while (!revoked && (rc = db_step(s)) == DB_ROW) {
        const char *text = db_col_text(s, 0);
        json_t *d = text ? json_loads(text, 0, NULL) : NULL;
        json_t *removed = json_object_get(d, "removed"), *set = json_object_get(d, "permissions"), *v;
        bool listed = false;
        size_t i;
        json_array_foreach(json_is_array(removed) ? removed : set, i, v) {
            if (json_is_string(v) && strcmp(json_string_value(v), perm) == 0) listed = true;
        }
        /* a detail we cannot read may have revoked it */
        revoked = json_is_array(removed) ? listed : json_is_array(set) ? !listed : 1;
        json_decref(d);
    }
    if (revoked) rc = DB_DONE;
    db_reset(s);
    return rc == DB_DONE ? revoked : -1;
}

/* Applies p's defaults to the roles they reach, each (permission, role)
 * pair once: a pair seeded before is never granted again, so a revocation
 * in 角色管理 stands.  On the upgrade run (ctx.upgrade) a pair of a
 * permission seeded before is judged: held -> recorded; missing -> granted
 * only when the permission reads and the (whole) audit log shows no edit
 * of the role that left it out; else recorded, withheld and logged. */
static void seed_perm(const perm_def_t *p, void *arg) {
    seed_ctx_t *c = arg;
    if (c->rc) return;
    int fresh_perm =
        strlist_has(&c->perms, p->key)
            ? 0
            : insert_once(c->db, "INSERT INTO seeded_permissions (perm) VALUES ($1) ON CONFLICT DO NOTHING", p->key,
                          NULL);
    if (fresh_perm < 0) {
        c->rc = -1;
        return;
    }
    char roles[512];
    snprintf(roles, sizeof(roles), "%s", p->defaults ? p->defaults : "");
    char *save = NULL;
    for (char *k = strtok_r(roles, " ", &save); k && !c->rc; k = strtok_r(NULL, " ", &save)) {
        if (!default_reaches(k, p->key)) continue;
        char pair[256];
        snprintf(pair, sizeof(pair), "%s %s", p->key, k);
        if (strlist_has(&c->pairs, pair)) continue; /* seeded before: the role editors' word stands */
        int fresh = insert_once(
            c->db, "INSERT INTO seeded_grants (perm, role_key) VALUES ($1, $2) ON CONFLICT DO NOTHING", p->key, k);
        if (fresh <= 0) { /* seeded before: the role editors' word stands */
            if (fresh < 0) c->rc = -1;
            continue;
        }
        if (c->upgrade && !fresh_perm) {
            int held = role_holds(c->db, k, p->key);
            int revoked = held == 0 && c->audit_whole && perm_reads(p->key) ? audit_shows_revoked(c->db, k, p->key) : 0;
            if (held < 0 || revoked < 0) {
                c->rc = -1;
                continue;
            }
            if (held) continue;
            if (!c->audit_whole || !perm_reads(p->key) || revoked) {
                log_warn("角色 %s 的默认权限 %s 未授予: %s; 如需要, 请安全管理员在角色管理中授予", k, p->key,
                         !perm_reads(p->key) ? "升级时不补授写权限"
                         : revoked           ? "审计日志显示曾被收回"
                                             : "审计日志已清除过, 无法判断是否曾被收回");
                continue;
            }
            log_info("角色 %s 补授默认权限 %s (升级: 该角色后来加入默认授予)", k, p->key);
        }
        if (grant(c->db, k, p->key) != 0) c->rc = -1;
    }
}

int roles_seed(db_t *db, char *err, size_t errlen) {
    register_identity_perms();
    if (db_begin(db) != 0) goto fail;
    for (const struct builtin_role *b = builtin_roles; b->key; b++) {
        db_stmt_t *s = db_prepare(db, "INSERT INTO roles (key, name, builtin, admin_kind, require_totp, description) "
                                      "VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT DO NOTHING");
        if (!s) goto fail;
        db_bind_text(s, 1, b->key, -1);
        db_bind_text(s, 2, b->name, -1);
        db_bind_text(s, 3, b->admin_kind, -1);
        db_bind_int(s, 4, b->require_totp);
        db_bind_text(s, 5, b->description, -1);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    /* (no parameters to bind: constant statements) */
    int64_t pairs = db_query_int(db, "SELECT COUNT(*) FROM seeded_grants", -1),
            perms = db_query_int(db, "SELECT COUNT(*) FROM seeded_permissions", -1),
            purges = db_query_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.purge'", -1);
    if (pairs < 0 || perms < 0 || purges < 0) goto fail;
    seed_ctx_t c = {db, 0, .upgrade = pairs == 0 && perms > 0, .audit_whole = purges == 0};
    if (strlist_load(db, "SELECT perm FROM seeded_permissions", &c.perms) != 0 ||
        strlist_load(db, "SELECT perm || ' ' || role_key FROM seeded_grants", &c.pairs) != 0)
        c.rc = -1;
    perm_each(seed_perm, &c);
    strlist_free(&c.perms);
    strlist_free(&c.pairs);
    if (c.rc || admin_roles_fix(db) != 0) goto fail;
    if (db_commit(db) != 0) goto fail;
    return 0;
fail:
    snprintf(err, errlen, "初始化角色失败: %s", db_errmsg(db));
    db_rollback(db);
    return -1;
}

int role_is_admin(db_t *db, int64_t role_id) {
    db_stmt_t *s = db_prepare(db, "SELECT admin_kind FROM roles WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, role_id);
    int rc = db_step(s);
    int admin = rc == DB_ROW ? !db_col_null(s, 0) : rc == DB_DONE ? 1 /* no such role: never granted */ : -1;
    db_reset(s);
    return admin;
}

int64_t role_lookup(db_t *db, const char *key_or_name) {
    db_stmt_t *s = db_prepare(db, "SELECT id FROM roles WHERE key = $1 OR name = $1");
    if (!s) return -1;
    db_bind_text(s, 1, key_or_name, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_DONE ? 0 : -1;
    db_reset(s);
    return id;
}

/* ---- settings ---- */

/* Bounds keep a policy from being switched off by mistake (a zero-length
 * password, a lockout after 0 failures). */
static const struct {
    const char *key;
    int64_t dflt, min, max;
    const char *label;
} setting_defaults[] = {
    {"password.min_length", 10, 8, 64, "密码最短长度"},
    {"password.min_classes", 3, 2, 4, "密码至少包含的字符类别数 (大写、小写、数字、符号)"},
    {"password.history", 5, 1, 24, "不得与最近几次密码相同"},
    {"password.expiry_days", 90, 0, 365, "密码有效期 (天, 0 为不过期)"},
    {"lockout.threshold", 5, 3, 10, "连续失败几次锁定账户"},
    {"lockout.minutes", 15, 5, 1440, "锁定时长 (分钟)"},
    {"session.idle_minutes", 30, 5, 120, "会话空闲超时 (分钟)"},
    {"session.absolute_hours", 12, 1, 24, "会话最长时长 (小时)"},
    {"login.ip_limit", 30, 3, 10000, "同一地址 10 分钟内最多失败登录次数"},
    {"breakglass.hours", 2, 1, 24, "紧急调阅授权时长 (小时)"},
    {"pi.lookup_per_minute", 20, 1, 1000, "每人每分钟按证件号码、电话等个人信息精确查询的次数上限"},
    /* the public portal (issue 24, docs/portal.md) */
    {"portal.ip_per_hour", 30, 1, 100000, "公众门户: 同一地址每小时最多提交次数"},
    {"portal.phone_per_day", 5, 1, 1000, "公众门户: 同一手机号码每天最多提交次数"},
    {"portal.track_per_hour", 60, 1, 100000, "公众门户: 同一地址每小时最多查询进度次数"},
    {"portal.pow_bits", 16, 8, 24, "公众门户: 提交前的计算验证难度 (位; 每加 1 位耗时加倍)"},
};

void setting_bounds(const char *key, int64_t *min, int64_t *max) {
    *min = 0, *max = 0;
    for (size_t i = 0; i < sizeof(setting_defaults) / sizeof(setting_defaults[0]); i++)
        if (strcmp(setting_defaults[i].key, key) == 0) *min = setting_defaults[i].min, *max = setting_defaults[i].max;
}

/* Settings are read on every request (session timeouts), so each thread
 * keeps them for a few seconds: a change reaches every worker within
 * SETTINGS_TTL_US, and the worker that made it at once (settings_changed). */
#define NSETTINGS (sizeof(setting_defaults) / sizeof(setting_defaults[0]))
#define SETTINGS_TTL_US 5000000LL
static __thread struct {
    db_t *db;
    long long loaded_us;
    int64_t v[NSETTINGS];
} cache;

void settings_changed(void) { cache.db = NULL; }

/* The setting's value into *v (the default when the store has none); 0, or
 * -1 when the store cannot say. */
static int setting_read(db_t *db, size_t i, int64_t *v) {
    *v = setting_defaults[i].dflt;
    db_stmt_t *s = db_prepare(db, "SELECT value FROM settings WHERE key = $1");
    if (!s) return -1;
    db_bind_text(s, 1, setting_defaults[i].key, -1);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        const char *t = db_col_text(s, 0);
        char *end;
        long long x = t ? strtoll(t, &end, 10) : 0;
        if (t && *t && !*end) *v = x;
    }
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int64_t setting_int(db_t *db, const char *key) {
    size_t i = 0;
    while (i < NSETTINGS && strcmp(setting_defaults[i].key, key) != 0) i++;
    if (i == NSETTINGS) return 0;
    long long now = time_mono_us();
    if (cache.db != db || now - cache.loaded_us > SETTINGS_TTL_US) {
        /* a read the store cannot answer keeps the value read last (an
         * administrator's stricter limit is not swapped for the default
         * while the store fails over), the default only when there is none;
         * read again after the TTL as usual (not on every call: a store
         * failing over would be asked once per setting per call) */
        bool had = cache.db == db;
        for (size_t k = 0; k < NSETTINGS; k++) {
            int64_t v;
            if (setting_read(db, k, &v) == 0 || !had) cache.v[k] = v; /* v: the default on a first failed read */
        }
        cache.db = db;
        cache.loaded_us = now;
    }
    return cache.v[i];
}

/* Lists the settings with their values (for the security administrator). */
void settings_write_json(db_t *db, jw_t *w) {
    jw_arr(w);
    for (size_t i = 0; i < sizeof(setting_defaults) / sizeof(setting_defaults[0]); i++) {
        jw_obj(w);
        jw_kstr(w, "key", setting_defaults[i].key);
        jw_kstr(w, "label", setting_defaults[i].label);
        jw_kint(w, "value", setting_int(db, setting_defaults[i].key));
        jw_kint(w, "default", setting_defaults[i].dflt);
        jw_kint(w, "min", setting_defaults[i].min);
        jw_kint(w, "max", setting_defaults[i].max);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

bool setting_known(const char *key) {
    for (size_t i = 0; i < sizeof(setting_defaults) / sizeof(setting_defaults[0]); i++)
        if (strcmp(setting_defaults[i].key, key) == 0) return true;
    return false;
}
