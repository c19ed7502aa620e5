/* accounts.c — users and their passwords (issue 3 points 1–2). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "util/crypto.h"
#include "util/timeutil.h"

/* Case-insensitive substring search (ASCII). */
static bool contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (!n) return false;
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

void password_generate(char *out, int n) {
    static const char *sets[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "@#%+=!"};
    unsigned char rnd[2 * PASSWORD_GENERATED_MAX];
    if (n > PASSWORD_GENERATED_MAX) n = PASSWORD_GENERATED_MAX;
    crypto_random(rnd, sizeof(rnd));
    for (int i = 0; i < n; i++) {
        const char *set = sets[i < 4 ? i : rnd[PASSWORD_GENERATED_MAX + i] % 4];
        out[i] = set[rnd[i] % strlen(set)];
    }
    out[n] = '\0';
}

const char PASSWORD_CHECK_UNAVAILABLE[] = "暂时无法校验密码, 请稍后再试";

const char *password_policy_check(db_t *db, int64_t user_id, const char *username, const char *pw) {
    int64_t min_len = setting_int(db, "password.min_length");
    int64_t min_classes = setting_int(db, "password.min_classes");
    size_t chars = 0;
    bool upper = false, lower = false, digit = false, other = false;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
        if ((*p & 0xC0) != 0x80) chars++;
        if (isupper(*p)) upper = true;
        else if (islower(*p)) lower = true;
        else if (isdigit(*p)) digit = true;
        else other = true;
    }
    static char msg[128];
    if ((int64_t)chars < min_len) {
        snprintf(msg, sizeof(msg), "密码至少需要 %lld 个字符", (long long)min_len);
        return msg;
    }
    if (upper + lower + digit + other < min_classes) {
        snprintf(msg, sizeof(msg), "密码须包含大写字母、小写字母、数字、符号中的至少 %lld 类", (long long)min_classes);
        return msg;
    }
    if (username && contains_ci(pw, username)) return "密码不能包含用户名";
    if (user_id > 0) {
        int64_t keep = setting_int(db, "password.history");
        db_stmt_t *s = db_prepare(db, "SELECT password_hash FROM password_history WHERE user_id = $1 "
                                      "ORDER BY id DESC LIMIT $2");
        if (!s) return PASSWORD_CHECK_UNAVAILABLE;
        db_bind_int(s, 1, user_id);
        db_bind_int(s, 2, keep);
        bool reused = false;
        int rc = DB_DONE;
        while (!reused && (rc = db_step(s)) == DB_ROW)
            reused = password_verify(db_col_text(s, 0), pw);
        db_reset(s);
        if (rc < 0) return PASSWORD_CHECK_UNAVAILABLE; /* not "never used": the history cut short */
        if (reused) {
            snprintf(msg, sizeof(msg), "新密码不能与最近 %lld 次使用过的密码相同", (long long)keep);
            return msg;
        }
    }
    return NULL;
}

int password_set(db_t *db, int64_t user_id, const char *pw, bool must_change) {
    char hash[256], now[21];
    if (password_hash(pw, hash, sizeof(hash)) != 0) return -1;
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(db, "UPDATE users SET password_hash = $1, password_changed_at = $2, must_change = $3, "
                                  "failed_count = 0, locked_until = NULL WHERE id = $4");
    if (!s) return -1;
    db_bind_text(s, 1, hash, -1);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, must_change);
    db_bind_int(s, 4, user_id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return -1;
    s = db_prepare(db, "INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)");
    if (!s) return -1;
    db_bind_int(s, 1, user_id);
    db_bind_text(s, 2, hash, -1);
    db_bind_text(s, 3, now, -1);
    rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Checks a set of roles for separation of duties: at most one administrator
 * role, and never an administrator role together with business roles. */
const char *roles_conflict(db_t *db, const int64_t *role_ids, int n) {
    int admins = 0, business = 0;
    for (int i = 0; i < n; i++) {
        db_stmt_t *s = db_prepare(db, "SELECT admin_kind FROM roles WHERE id = $1");
        if (!s) return "暂时无法校验角色";
        db_bind_int(s, 1, role_ids[i]);
        int rc = db_step(s);
        if (rc == DB_ROW) {
            if (db_col_null(s, 0)) business++;
            else admins++;
        }
        db_reset(s);
        if (rc != DB_ROW) return "角色不存在";
    }
    if (admins > 1) return "三员分立: 一个账户只能担任一种管理员角色";
    if (admins && business) return "三员分立: 管理员账户不能同时担任业务角色";
    return NULL;
}

int64_t user_create(db_t *db, const char *username, const char *display_name, int64_t org_id, const int64_t *role_ids,
                    int nroles, const char *password, bool must_change, char *err, size_t errlen) {
    const char *why = roles_conflict(db, role_ids, nroles);
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    why = password_policy_check(db, 0, username, password);
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    char hash[256];
    if (password_hash(password, hash, sizeof(hash)) != 0) {
        snprintf(err, errlen, "密码加密失败");
        return -1;
    }
    db_stmt_t *s = db_prepare(db, "INSERT INTO users (username, display_name, org_id, password_hash, must_change) "
                                  "VALUES ($1, $2, $3, $4, $5) RETURNING id");
    if (!s) goto fail;
    db_bind_text(s, 1, username, -1);
    db_bind_text(s, 2, display_name, -1);
    db_bind_int(s, 3, org_id);
    db_bind_text(s, 4, hash, -1);
    db_bind_int(s, 5, must_change);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (db_is_constraint(rc)) {
        snprintf(err, errlen, "用户名 %s 已存在, 或所属机构不存在", username);
        return -1;
    }
    if (!id) goto fail;
    for (int i = 0; i < nroles; i++) {
        s = db_prepare(db, "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        if (!s) goto fail;
        db_bind_int(s, 1, id);
        db_bind_int(s, 2, role_ids[i]);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    s = db_prepare(db, "INSERT INTO password_history (user_id, password_hash) VALUES ($1, $2)");
    if (!s) goto fail;
    db_bind_int(s, 1, id);
    db_bind_text(s, 2, hash, -1);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;
    return id;
fail:
    snprintf(err, errlen, "写入账户失败: %s", db_errmsg(db));
    return -1;
}
