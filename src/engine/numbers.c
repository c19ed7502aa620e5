/* numbers.c — a record's number (编号) from its declaration (entity_t.number;
 * issue 15 point 8): "({year})沪调字第{office}-{seq:4}号" → "(2026)沪调字第57-0012号".
 *
 * The sequence is one row of number_seq per (entity, office, year), taken
 * with one upsert inside the write's transaction.  On SQLite the write
 * already holds the database's write lock (BEGIN IMMEDIATE); on PostgreSQL
 * INSERT … ON CONFLICT DO UPDATE locks the counter row until the
 * transaction ends, so a second create of the same office waits for the
 * first and then reads its committed value.  A write that rolls back rolls
 * its increment back with it: no gaps, no duplicates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "util/buf.h"

/* The Shanghai districts' one-character short names, as the city's
 * documents number them (沪浦…, 沪徐…), by GB/T 2260 code. */
static const struct {
    const char *code, *short_name;
} district_short[] = {
    {"310101", "黄"}, {"310104", "徐"}, {"310105", "长"}, {"310106", "静"}, {"310107", "普"}, {"310109", "虹"},
    {"310110", "杨"}, {"310112", "闵"}, {"310113", "宝"}, {"310114", "嘉"}, {"310115", "浦"}, {"310116", "金"},
    {"310117", "松"}, {"310118", "青"}, {"310120", "奉"}, {"310151", "崇"},
};

/* A district's short name: the table's, else its name without 司法局 and
 * the trailing 新区/区/县 (东城区司法局 → 东城); malloc'd. */
static char *district_short_name(const char *code, const char *name) {
    for (size_t i = 0; code && i < sizeof(district_short) / sizeof(district_short[0]); i++)
        if (strcmp(code, district_short[i].code) == 0) return strdup(district_short[i].short_name);
    char *s = strdup(name ? name : "");
    if (!s) return NULL;
    static const char *const tails[] = {"司法局", "新区", "区", "县", NULL};
    for (const char *const *t = tails; *t; t++) {
        size_t n = strlen(s), l = strlen(*t);
        if (n > l && strcmp(s + n - l, *t) == 0) s[n - l] = '\0';
    }
    return s;
}

char *engine_number_format(const char *pattern, int year, int64_t office, const char *district, int64_t seq) {
    buf_t out = BUF_INIT;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            buf_putc(&out, *p++);
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end) goto bad;
        char word[32];
        size_t n = (size_t)(end - p - 1);
        if (n == 0 || n >= sizeof(word)) goto bad;
        memcpy(word, p + 1, n);
        word[n] = '\0';
        if (strcmp(word, "year") == 0)
            buf_printf(&out, "%04d", year);
        else if (strcmp(word, "office") == 0)
            buf_printf(&out, "%lld", (long long)office);
        else if (strcmp(word, "district") == 0)
            buf_puts(&out, district ? district : "");
        else if (strcmp(word, "seq") == 0)
            buf_printf(&out, "%lld", (long long)seq);
        else if (strncmp(word, "seq:", 4) == 0 && word[4] >= '1' && word[4] <= '9' && word[5] == '\0')
            buf_printf(&out, "%0*lld", word[4] - '0', (long long)seq);
        else
            goto bad;
        p = end + 1;
    }
    if (!out.data) buf_puts(&out, "");
    return out.data;
bad:
    buf_free(&out);
    return NULL;
}

/* The owning unit's office (itself, or the office above a village) and
 * district, from the org tree along its path "/1/4/57/123/". */
typedef struct {
    int64_t office;
    char *district; /* short name, malloc'd */
} number_units_t;

static int number_units(db_t *db, int64_t org, const char *org_path, number_units_t *u) {
    u->office = org;
    u->district = NULL;
    db_stmt_t *s = db_prepare(db, "SELECT id, level, name, code FROM org_units WHERE path = $1");
    if (!s) return -1;
    size_t len = strlen(org_path);
    for (size_t i = 1; i < len; i++) {
        if (org_path[i] != '/') continue;
        char prefix[256];
        if (i + 1 >= sizeof(prefix)) break;
        memcpy(prefix, org_path, i + 1);
        prefix[i + 1] = '\0';
        db_bind_text(s, 1, prefix, -1);
        int rc = db_step(s);
        if (rc == DB_ROW) {
            const char *level = db_col_text(s, 1);
            if (strcmp(level, "office") == 0)
                u->office = db_col_int(s, 0);
            else if (strcmp(level, "district") == 0) {
                free(u->district);
                u->district = district_short_name(db_col_null(s, 3) ? NULL : db_col_text(s, 3), db_col_text(s, 2));
            }
        }
        db_reset(s);
        if (rc < 0) return -1;
    }
    return 0;
}

int engine_number_reserve(db_t *db, const entity_t *e, int64_t org, const char *org_path, int64_t n,
                          engine_numbers_t *out) {
    number_units_t u;
    memset(out, 0, sizeof(*out));
    if (number_units(db, org, org_path, &u) != 0) {
        free(u.district);
        return -1;
    }
    char today[11];
    wf_today(today);
    int year = atoi(today);
    db_stmt_t *s = db_prepare(db, "INSERT INTO number_seq (entity, org_id, year, last) VALUES ($1, $2, $3, $4) "
                                  "ON CONFLICT (entity, org_id, year) DO UPDATE SET last = number_seq.last + $4 "
                                  "RETURNING last");
    if (!s) {
        free(u.district);
        return -1;
    }
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, u.office);
    db_bind_int(s, 3, year);
    db_bind_int(s, 4, n);
    int rc = db_step(s);
    int64_t last = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (last < n) {
        free(u.district);
        return -1;
    }
    *out = (engine_numbers_t){.year = year, .office = u.office, .district = u.district, .first = last - n + 1};
    return 0;
}

int engine_number_next(http_req_t *r, const entity_t *e, int64_t org, const char *org_path, const char **out) {
    *out = NULL;
    engine_numbers_t b;
    if (engine_number_reserve(r->db, e, org, org_path, 1, &b) != 0) return -1;
    char *no = engine_number_format(e->number->pattern, b.year, b.office, b.district, b.first);
    free(b.district);
    if (!no) return -1;
    *out = arena_strdup(r->arena, no);
    free(no);
    return 0;
}
