/* user_cmd.c — `sifasuo user add|passwd|disable|enable|list` and the
 * first-administrator / demo accounts of `init` (issue 3 point 1).
 * Passwords come on stdin (--password-stdin), never on the command line
 * where `ps` and shell history would keep them. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "cmd/cli.h"
#include "util/timeutil.h"

/* The value after flag in the command's own words, or NULL. */
static const char *flag(cli_opts_t *o, const char *name) {
    for (int i = 0; i + 1 < o->argc; i++)
        if (strcmp(o->argv[i], name) == 0) return o->argv[i + 1];
    return NULL;
}

static bool has(cli_opts_t *o, const char *name) {
    for (int i = 0; i < o->argc; i++)
        if (strcmp(o->argv[i], name) == 0) return true;
    return false;
}

static int read_password(char *out, size_t n) {
    if (!fgets(out, (int)n, stdin)) return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] ? 0 : -1;
}

/* Audit rows written by operator commands name the OS account. */
static int cli_audit(db_t *db, const keys_t *keys, const char *action, int64_t user_id, const char *detail) {
    struct passwd *pw = getpwuid(getuid());
    char who[96];
    snprintf(who, sizeof(who), "cli:%s", pw ? pw->pw_name : "?");
    audit_event_t ev = {.action = action, .entity = "users", .entity_id = user_id, .result = "ok",
                        .detail_json = detail, .username = who, .ip = "local"};
    return audit_write(db, keys, &ev);
}

static int64_t user_id_by_name(db_t *db, const char *username) {
    db_stmt_t *s = db_prepare(db, "SELECT id FROM users WHERE username = $1");
    if (!s) return 0;
    db_bind_text(s, 1, username, -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    return id;
}

static int user_add(cli_opts_t *o, db_t *db, const keys_t *keys) {
    const char *username = flag(o, "--username"), *org = flag(o, "--org"), *name = flag(o, "--name");
    if (!username || !org || !has(o, "--password-stdin")) {
        fprintf(stderr, "用法: sifasuo user add --username 用户名 --org 机构ID --role 角色 [--role 角色2] "
                        "[--name 姓名] --password-stdin\n");
        return 2;
    }
    int64_t roles[16];
    int nroles = 0;
    for (int i = 0; i + 1 < o->argc; i++) {
        if (strcmp(o->argv[i], "--role") != 0) continue;
        int64_t id = role_lookup(db, o->argv[i + 1]);
        if (id < 0) {
            fprintf(stderr, "读取角色失败: %s\n", db_errmsg(db));
            return 1;
        }
        if (!id) {
            fprintf(stderr, "未知角色: %s\n", o->argv[i + 1]);
            return 2;
        }
        if (nroles < 16) roles[nroles++] = id;
    }
    if (!nroles) {
        fprintf(stderr, "至少需要一个 --role\n");
        return 2;
    }
    char pw[512], err[256];
    if (read_password(pw, sizeof(pw)) != 0) {
        fprintf(stderr, "请从标准输入提供密码\n");
        return 2;
    }
    if (db_begin(db) != 0) goto store;
    int64_t id = user_create(db, username, name ? name : username, atoll(org), roles, nroles, pw,
                             has(o, "--must-change"), err, sizeof(err));
    if (id < 0) {
        db_rollback(db);
        fprintf(stderr, "创建账户失败: %s\n", err);
        return 1;
    }
    /* what was granted, to whom, in which unit (the operator's command is the grant) */
    json_t *role_keys = json_array();
    for (int i = 0; i + 1 < o->argc; i++)
        if (strcmp(o->argv[i], "--role") == 0) json_array_append_new(role_keys, json_string(o->argv[i + 1]));
    json_t *d = json_pack("{s:s,s:I,s:O}", "username", username, "unit", (json_int_t)atoll(org), "roles", role_keys);
    char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(d);
    json_decref(role_keys);
    int arc = detail ? cli_audit(db, keys, "user.create", id, detail) : -1;
    free(detail);
    if (arc != 0 || db_commit(db) != 0) goto store;
    printf("已创建账户 %s (id %lld)\n", username, (long long)id);
    return 0;
store:
    db_rollback(db);
    fprintf(stderr, "写入失败: %s\n", db_errmsg(db));
    return 1;
}

static int user_passwd(cli_opts_t *o, db_t *db, const keys_t *keys) {
    const char *username = flag(o, "--username");
    if (!username || !has(o, "--password-stdin")) {
        fprintf(stderr, "用法: sifasuo user passwd --username 用户名 --password-stdin [--must-change]\n");
        return 2;
    }
    int64_t id = user_id_by_name(db, username);
    if (!id) {
        fprintf(stderr, "账户不存在: %s\n", username);
        return 1;
    }
    char pw[512];
    if (read_password(pw, sizeof(pw)) != 0) {
        fprintf(stderr, "请从标准输入提供密码\n");
        return 2;
    }
    const char *why = password_policy_check(db, id, username, pw);
    if (why) {
        fprintf(stderr, "%s\n", why);
        return 1;
    }
    if (db_begin(db) != 0 || password_set(db, id, pw, has(o, "--must-change")) != 0 ||
        cli_audit(db, keys, "password.reset", id, NULL) != 0 || db_commit(db) != 0) {
        db_rollback(db);
        fprintf(stderr, "写入失败: %s\n", db_errmsg(db));
        return 1;
    }
    printf("已重设 %s 的密码\n", username);
    return 0;
}

static int user_status(cli_opts_t *o, db_t *db, const keys_t *keys, const char *status) {
    const char *username = flag(o, "--username");
    if (!username) {
        fprintf(stderr, "用法: sifasuo user %s --username 用户名\n", strcmp(status, "active") ? "disable" : "enable");
        return 2;
    }
    int64_t id = user_id_by_name(db, username);
    if (!id) {
        fprintf(stderr, "账户不存在: %s\n", username);
        return 1;
    }
    if (db_begin(db) != 0) goto fail;
    db_stmt_t *s = db_prepare(db, "UPDATE users SET status = $1, failed_count = 0, locked_until = NULL WHERE id = $2");
    if (!s) goto fail;
    db_bind_text(s, 1, status, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;
    /* a disabled account loses its sessions at once */
    s = db_prepare(db, "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL AND $3 = 1");
    if (!s) goto fail;
    char now[21];
    iso_from_unix(now_unix(), now);
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, id);
    db_bind_int(s, 3, strcmp(status, "active") != 0);
    db_step(s);
    db_reset(s);
    if (cli_audit(db, keys, strcmp(status, "active") ? "user.disable" : "user.enable", id, NULL) != 0) goto fail;
    if (db_commit(db) != 0) goto fail;
    printf("账户 %s 已%s\n", username, strcmp(status, "active") ? "停用" : "启用");
    return 0;
fail:
    db_rollback(db);
    fprintf(stderr, "写入失败: %s\n", db_errmsg(db));
    return 1;
}

static int user_list(db_t *db) {
    db_stmt_t *s = db_prepare(db, "SELECT u.id, u.username, u.display_name, o.name, u.status, u.last_login_at, "
                                  "(SELECT COUNT(*) FROM user_roles ur WHERE ur.user_id = u.id) "
                                  "FROM users u JOIN org_units o ON o.id = u.org_id ORDER BY u.id");
    if (!s) return 1;
    printf("%-6s %-16s %-12s %-8s %-22s %s\n", "ID", "用户名", "姓名", "状态", "最近登录", "所属机构");
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        printf("%-6lld %-16s %-12s %-8s %-22s %s\n", (long long)db_col_int(s, 0), db_col_text(s, 1), db_col_text(s, 2),
               db_col_text(s, 4), db_col_null(s, 5) ? "-" : db_col_text(s, 5), db_col_text(s, 3));
    db_reset(s);
    if (rc != DB_DONE) { /* not the whole list: say so and exit non-zero */
        fprintf(stderr, "读取账户失败: %s\n", db_errmsg(db));
        return 1;
    }
    return 0;
}

int cmd_user(cli_opts_t *o) {
    if (o->argc < 1) {
        fprintf(stderr, "用法: sifasuo user add|passwd|disable|enable|list …\n");
        return 2;
    }
    db_t *db = cli_open_store(o);
    if (!db) return 2;
    keys_t keys;
    char err[256];
    bool fresh = db_query_int(db, "SELECT COUNT(*) FROM audit_log", 1) == 0;
    if (keys_load_or_create(o->key_file, &keys, fresh, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        db_close(db);
        return 2;
    }
    if (roles_seed(db, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        db_close(db);
        return 2;
    }
    const char *sub = o->argv[0];
    int rc;
    if (strcmp(sub, "add") == 0) rc = user_add(o, db, &keys);
    else if (strcmp(sub, "passwd") == 0) rc = user_passwd(o, db, &keys);
    else if (strcmp(sub, "disable") == 0) rc = user_status(o, db, &keys, "disabled");
    else if (strcmp(sub, "enable") == 0) rc = user_status(o, db, &keys, "active");
    else if (strcmp(sub, "list") == 0) rc = user_list(db);
    else {
        fprintf(stderr, "未知子命令: user %s\n", sub);
        rc = 2;
    }
    db_close(db);
    return rc;
}

/* ---- accounts made by init ---- */

int init_first_admin(db_t *db, const keys_t *keys, int64_t org_id) {
    char pw[17], err[256];
    password_generate(pw, 16);
    int64_t role = role_lookup(db, "sysadmin");
    if (role <= 0 || db_begin(db) != 0) return -1;
    int64_t id = user_create(db, "admin", "系统管理员", org_id, &role, 1, pw, true, err, sizeof(err));
    if (id < 0 || cli_audit(db, keys, "user.create", id, "{\"first_admin\":true}") != 0 || db_commit(db) != 0) {
        db_rollback(db);
        fprintf(stderr, "创建系统管理员失败: %s\n", id < 0 ? err : db_errmsg(db));
        return -1;
    }
    printf("\n已创建系统管理员 admin, 一次性密码 (只显示这一次, 首次登录须修改):\n    %s\n\n", pw);
    return 0;
}

/* The demo accounts: one per role, in real offices, so the demo shows each
 * user's view (and two offices for access tests). */
static const struct demo_account {
    const char *username, *display_name, *org_name, *role;
} demo_accounts[] = {
    {"sysadmin", "系统管理员", "上海市司法局", "sysadmin"},
    {"secadmin", "安全管理员", "上海市司法局", "secadmin"},
    /* a grant of pi.unmask or export needs a second security administrator */
    {"secadmin2", "复核安全管理员", "上海市司法局", "secadmin"},
    {"auditor", "审计管理员", "上海市司法局", "auditadmin"},
    {"lingdao", "王局长", "上海市司法局", "city_leader"},
    {"shiju", "李处长", "上海市司法局", "city_staff"},
    {"pudong", "陈科长", "浦东新区司法局", "district_admin"},
    {"pudong_staff", "赵明", "浦东新区司法局", "district_staff"},
    {"pudong_sqjz", "钱矫正", "浦东新区司法局", "corrections_officer"}, /* 区社区矫正机构 */
    /* 市社区矫正管理局 (inside the city bureau): the city's corrections
     * returns, district by district (issue 20 point 10) */
    {"shi_sqjz", "郑矫正", "上海市司法局", "corrections_officer"},
    {"ljz_director", "周所长", "陆家嘴街道司法所", "office_director"},
    {"ljz", "刘芳", "陆家嘴街道司法所", "office_staff"},
    {"njdl", "孙伟", "南京东路街道司法所", "office_staff"},
    {"tiaojie", "吴调解", "陆家嘴街道司法所", "mediator"},
    {NULL, NULL, NULL, NULL},
};

#define DEMO_PASSWORD "Sfs@demo2026"

int init_demo_accounts(db_t *db, const keys_t *keys) {
    char err[256];
    if (db_begin(db) != 0) return -1;
    for (const struct demo_account *a = demo_accounts; a->username; a++) {
        db_stmt_t *s = db_prepare(db, "SELECT id FROM org_units WHERE name = $1 ORDER BY id LIMIT 1");
        if (!s) goto fail;
        db_bind_text(s, 1, a->org_name, -1);
        int64_t org = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        int64_t role = role_lookup(db, a->role);
        if (!org || role <= 0) {
            snprintf(err, sizeof(err), "演示机构或角色不存在: %s / %s", a->org_name, a->role);
            goto fail_msg;
        }
        int64_t id = user_create(db, a->username, a->display_name, org, &role, 1, DEMO_PASSWORD, false, err, sizeof(err));
        if (id < 0) goto fail_msg;
        if (cli_audit(db, keys, "user.create", id, "{\"demo\":true}") != 0) goto fail;
    }
    if (db_commit(db) != 0) goto fail;
    printf("\n演示账户 (密码均为 %s; 管理员角色首次登录须绑定动态验证码):\n", DEMO_PASSWORD);
    for (const struct demo_account *a = demo_accounts; a->username; a++)
        printf("    %-14s %-8s %s\n", a->username, a->display_name, a->org_name);
    printf("\n");
    return 0;
fail:
    snprintf(err, sizeof(err), "%s", db_errmsg(db));
fail_msg:
    db_rollback(db);
    fprintf(stderr, "创建演示账户失败: %s\n", err);
    return -1;
}
