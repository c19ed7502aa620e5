/* values.c — one field's value: JSON in (validated, with a Chinese reason),
 * bound to a statement, and JSON out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "engine/codes.h"
#include "engine/values.h"
#include "util/timeutil.h"
#include "util/validate.h"

/* Counts UTF-8 characters (not bytes): limits are in characters a clerk sees. */
static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Parses a fixed-point decimal "123.45" (or a JSON integer) into units of
 * 10^-scale without floating point.  Returns false when malformed or when
 * it has more decimals than scale. */
bool decimal_parse(const char *s, int scale, int64_t *out) {
    bool neg = *s == '-';
    if (neg || *s == '+') s++;
    if (!*s) return false;
    int64_t v = 0;
    int frac = -1;
    for (; *s; s++) {
        if (*s == '.') {
            if (frac >= 0) return false;
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9') return false;
        if (frac >= 0 && ++frac > scale) return false;
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (*s - '0');
    }
    for (int i = frac < 0 ? 0 : frac; i < scale; i++) {
        if (v > INT64_MAX / 10) return false;
        v *= 10;
    }
    *out = neg ? -v : v;
    return true;
}

void decimal_format(int64_t v, int scale, char *out, size_t n) {
    if (scale <= 0 || scale > 18) {
        snprintf(out, n, "%lld", (long long)v);
        return;
    }
    /* digits of |v|, then the point inserted scale places from the right */
    char digits[32];
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int len = snprintf(digits, sizeof(digits), "%0*llu", scale + 1, (unsigned long long)a);
    if (len < 0 || (size_t)len + 3 > n) {
        snprintf(out, n, "0");
        return;
    }
    size_t o = 0;
    if (v < 0) out[o++] = '-';
    for (int i = 0; i < len; i++) {
        if (i == len - scale) out[o++] = '.';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

int value_parse(http_req_t *r, const field_t *f, json_t *j, value_t *v, const char **why) {
    memset(v, 0, sizeof(*v));
    *why = NULL;
    if (json_is_null(j)) {
        if (f->flags & FF_REQUIRED) {
            *why = "必填";
            return -1;
        }
        v->null = true;
        return 0;
    }
    switch (f->type) {
    case F_FILE: {
        /* the hash POST /api/v1/files answered; value_check_ref checks the file */
        const char *h = json_is_string(j) ? json_string_value(j) : "";
        size_t n = strspn(h, "0123456789abcdef");
        if (n != 64 || h[64]) return *why = "文件编号无效, 请先上传文件", -1;
        v->text = h;
        return 0;
    }
    case F_TEXT: {
        if (!json_is_string(j)) return *why = "必须是文本", -1;
        const char *s = json_string_value(j);
        size_t max = f->max ? (size_t)f->max : 2000;
        if ((f->flags & FF_REQUIRED) && !*s) return *why = "必填", -1;
        if (!utf8_valid(s, json_string_length(j)) || strlen(s) != json_string_length(j)) return *why = "含有无效字符", -1;
        if (utf8_chars(s) > max) {
            *why = arena_printf(r->arena, "不能超过 %zu 个字", max);
            return -1;
        }
        if (f->check && (*why = f->check(s))) return -1;
        v->text = s;
        return 0;
    }
    case F_CODE: {
        if (!json_is_string(j) || !*json_string_value(j)) return *why = "必须是代码表中的值", -1;
        v->text = json_string_value(j);
        if (!engine_code_valid(r->db, f->code_list, v->text)) {
            *why = "不是有效的代码";
            return -1;
        }
        return 0;
    }
    case F_INT:
    case F_REF:
    case F_PERSON: {
        if (!json_is_integer(j)) return *why = f->type == F_INT ? "必须是整数" : "必须是记录编号 (整数)", -1;
        v->i = json_integer_value(j);
        if (f->type == F_INT && (f->min || f->max) && (v->i < f->min || v->i > f->max)) {
            *why = arena_printf(r->arena, "须在 %lld 到 %lld 之间", (long long)f->min, (long long)f->max);
            return -1;
        }
        if (f->type != F_INT && v->i <= 0) return *why = "必须是记录编号 (正整数)", -1;
        v->is_int = true;
        return 0;
    }
    case F_DECIMAL: {
        char tmp[64];
        const char *s = NULL;
        if (json_is_string(j)) s = json_string_value(j);
        else if (json_is_integer(j)) {
            snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(j));
            s = tmp;
        } else if (json_is_real(j)) {
            /* a JSON number with a fraction: take its shortest decimal text,
             * never a binary float, so 0.1 stays exactly 0.1 */
            snprintf(tmp, sizeof(tmp), "%.15g", json_real_value(j));
            s = tmp;
        } else {
            return *why = "必须是数字", -1;
        }
        if (!decimal_parse(s, f->scale, &v->i)) {
            *why = arena_printf(r->arena, "必须是数字, 最多 %d 位小数", f->scale);
            return -1;
        }
        if ((f->min || f->max) && (v->i < f->min || v->i > f->max)) {
            char lo[32], hi[32];
            decimal_format(f->min, f->scale, lo, sizeof(lo));
            decimal_format(f->max, f->scale, hi, sizeof(hi));
            *why = arena_printf(r->arena, "须在 %s 到 %s 之间", lo, hi);
            return -1;
        }
        v->is_int = true;
        return 0;
    }
    case F_DATE: {
        if (!json_is_string(j) || !date_valid(json_string_value(j))) return *why = "日期格式应为 YYYY-MM-DD", -1;
        v->text = json_string_value(j);
        return 0;
    }
    case F_DATETIME: {
        int64_t t;
        if (!json_is_string(j) || !unix_from_iso(json_string_value(j), &t)) return *why = "时间格式应为 ISO-8601", -1;
        char *iso = arena_alloc(r->arena, 21);
        iso_from_unix(t, iso);
        v->text = iso;
        return 0;
    }
    case F_BOOL: {
        if (!json_is_boolean(j)) return *why = "必须是 true 或 false", -1;
        v->i = json_is_true(j);
        v->is_int = true;
        return 0;
    }
    }
    return *why = "不支持的字段类型", -1;
}

/* A file may be named when a unit in the caller's scope uploaded it. */
static int file_check(http_req_t *r, const char *hash, const char **why) {
    db_stmt_t *s = db_prepare(r->db, "SELECT org_path FROM files WHERE sha256 = $1");
    if (!s) return *why = "暂时无法校验文件", -1;
    db_bind_text(s, 1, hash, -1);
    bool ok = false;
    int rc = DB_DONE;
    while (!ok && (rc = db_step(s)) == DB_ROW)
        ok = engine_scope_covers(r, db_col_text(s, 0));
    db_reset(s);
    if (rc < 0) return *why = "暂时无法校验文件", -1; /* not "不存在" */
    return ok ? 0 : (*why = "文件不存在或不在您的管辖范围内, 请先上传", -1);
}

/* Refs must point at a live record the caller may see. */
int value_check_ref(http_req_t *r, const field_t *f, const value_t *v, const char **why) {
    if (!v->null && f->type == F_FILE) return file_check(r, v->text, why);
    if (v->null || (f->type != F_REF && f->type != F_PERSON)) return 0;
    const char *table = "org_units";
    const char *pathcol = "path";
    if (f->type == F_PERSON) {
        /* a record links only a person its author may read (issue 15
         * point 5): one registered in the author's scope, or one shared with
         * the author's unit — 一次录入、多方共享: registering an ID number
         * another unit holds answers 409 with the person's id and records
         * the sharing (persons.c, send_existing: audit row person.shared).
         * Missing and not shared read the same. */
        db_stmt_t *s = db_prepare(r->db, "SELECT p.merged_into, o.path FROM persons p JOIN org_units o ON o.id = p.org_id "
                                         "WHERE p.id = $1");
        if (!s) return *why = "暂时无法校验引用", -1;
        db_bind_int(s, 1, v->i);
        int rc = db_step(s);
        bool merged = rc == DB_ROW && !db_col_null(s, 0);
        char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 1)) : NULL;
        db_reset(s);
        int mine = rc == DB_ROW ? engine_person_readable(r, v->i, path) : 0;
        if (mine < 0) return *why = "暂时无法校验引用", -1;
        if (rc != DB_ROW || !mine)
            return *why = "人员不存在或不在您的管辖范围内 (其他单位登记的人员: 先按证件号码登记, 再按提示关联)", -1;
        if (merged) return *why = "该人员已合并到其他人员, 请使用合并后的人员", -1;
        return 0;
    }
    const entity_t *t = NULL;
    if (f->ref && strcmp(f->ref, "org_units") != 0) {
        t = entity_find(f->ref);
        if (!t) return *why = "引用的业务类别不存在", -1;
        table = t->table;
        pathcol = "org_path";
    }
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = $1", pathcol, table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return *why = "暂时无法校验引用", -1;
    db_bind_int(s, 1, v->i);
    int rc = db_step(s);
    /* a record may link only what its author may read (access.c): the same
     * words whether it is missing, elsewhere or protected */
    engine_read_t a = rc == DB_ROW && t ? engine_may_read(r, t, db_col_text(s, 0)) : ENGINE_READ_NOT_FOUND;
    bool ok = rc == DB_ROW && (t ? ENGINE_READABLE(a) : engine_scope_covers(r, db_col_text(s, 0)));
    db_reset(s);
    if (rc < 0 || a == ENGINE_READ_STORE_ERROR) return *why = "暂时无法校验引用", -1; /* not "不存在" */
    if (!ok) return *why = "引用的记录不存在或不在您的管辖范围内", -1;
    return 0;
}

bool engine_code_valid(db_t *db, const char *list, const char *code) { return code_valid(db, list, code); }
