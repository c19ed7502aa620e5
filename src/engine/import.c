/* import.c — the "import" job: a CSV file into an entity's table (issue 4
 * point 11; docs/engine.md "Import").
 *
 * Runs on the job worker (jobs.c) with its own store connection, as the
 * user who uploaded the file: a request-like context (arena, connection,
 * the user's unit as scope) lets every row go through the engine's own
 * validation (values.c) exactly as a create would.
 *
 *   1. decode: UTF-8 (BOM optional), else GB18030/GBK via iconv;
 *   2. parse the whole file (cells in place), map the header: field name or
 *      Chinese label, 所属机构 / org_id optional; anything else fails the job;
 *   3. validate every row, outside any transaction: codes by code or label,
 *      decimals as text, dates YYYY-MM-DD (or Excel's 2026/11/2), references
 *      in scope, personal information encrypted and masked here;
 *   4. unless a dry run, or all_or_nothing with a rejected row: one
 *      transaction inserts the valid rows (one prepared statement), writes a
 *      record.create audit row per record and one record.import row, and
 *      sets the job 'done' — committed together or not at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "engine/codes.h"
#include "engine/jobs.h"
#include "engine/values.h"
#include "engine/workflow.h"
#include "util/csv.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define IMPORT_MAX_ROWS 200000
#define IMPORT_MAX_ERRORS 1000 /* per-row errors kept in the result; the count covers all */
#define IMPORT_MAX_FILE (64 * 1024 * 1024)
#define IMPORT_BATCH 100 /* rows per INSERT statement */

/* ---- small maps (arena-backed, open addressing) ---- */

typedef struct {
    const char *key;
    int64_t id;
    const char *path, *why;
} mapent_t;

typedef struct {
    mapent_t *e;
    size_t cap, n;
} map_t;

static uint64_t fnv(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static mapent_t *map_get(map_t *m, const char *key) {
    if (!m->cap) return NULL;
    for (size_t i = fnv(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->e[i].key) return NULL;
        if (strcmp(m->e[i].key, key) == 0) return &m->e[i];
    }
}

static mapent_t *map_put(map_t *m, const char *key) {
    if (m->n * 2 >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        mapent_t *ne = calloc(cap, sizeof(*ne));
        if (!ne) abort();
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key) {
                size_t k = fnv(m->e[i].key) & (cap - 1);
                while (ne[k].key)
                    k = (k + 1) & (cap - 1);
                ne[k] = m->e[i];
            }
        free(m->e);
        m->e = ne;
        m->cap = cap;
    }
    size_t i = fnv(key) & (m->cap - 1);
    while (m->e[i].key)
        i = (i + 1) & (m->cap - 1);
    m->n++;
    m->e[i].key = key;
    return &m->e[i];
}

/* ---- the import ---- */

typedef struct {
    int64_t i;
    const char *s;
    unsigned char kind; /* 0 NULL, 1 integer, 2 text */
} bv_t;

typedef struct {
    const char *code, *label;
} code_pair_t;

typedef struct {
    const field_t *f;
    int csv_col; /* -1: only the id column is there */
    int id_col;  /* a person or record ref's "<label>编号" column (our export's), else -1 */
    int nb; /* binds: 1, or 2–3 for personal information */
    code_pair_t *codes;
    int ncodes;
} mapped_t;

typedef struct {
    job_t *j;
    const entity_t *e;
    http_req_t req;
    principal_t p;
    const char *mode;
    bool dry_run, skip_invalid;
    const char *state; /* the workflow state the records start in (io.c checked it); NULL without one */
    const char *charset;
    text_decoding_t dec; /* the charset's reason, a suspect choice */
    json_t *preview;     /* the first rows as decoded (issue 19 point 4) */
    json_t *preview_alt; /* a suspect UTF-8 file's first rows read as GBK */
    /* header */
    int ncsv;      /* header cells */
    bool *ignored; /* csv column without a name */
    mapped_t *m;   /* mapped fields, in declaration order */
    int nm;
    int org_col; /* -1 when absent */
    int nb;      /* binds per row: org_id, org_path, then the fields' */
    /* rows */
    char **cells; /* every record's cells, back to back */
    int64_t ncells, capcells;
    int64_t *rec_start;
    int *rec_n;
    int64_t *rec_row; /* spreadsheet row number (header = 1) */
    int64_t nrec;
    /* valid rows */
    bv_t *vals;
    int64_t *valid_row;
    int64_t nvalid;
    /* errors */
    json_t *errors;
    int64_t nerrors;
    map_t orgs, refs, keys, names; /* keys: unique key → the file's row that has it */
} imp_t;

static void add_error(imp_t *im, int64_t row, const char *field, const char *label, const char *msg) {
    im->nerrors++;
    if (json_array_size(im->errors) >= IMPORT_MAX_ERRORS) return;
    json_t *o =
        json_pack("{s:I,s:s?,s:s?,s:s}", "row", (json_int_t)row, "field", field, "label", label, "message", msg);
    json_array_append_new(im->errors, o);
}

static bool is_space_at(const char *s, size_t *len) {
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return *len = 1, true;
    if (c == 0xC2 && (unsigned char)s[1] == 0xA0) return *len = 2, true;                                /* NBSP */
    if (c == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) return *len = 3, true; /* U+3000 */
    if (c == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) return *len = 3, true; /* stray BOM */
    return false;
}

/* Trims spaces (ASCII, NBSP, ideographic) at both ends, in place. */
static char *trim(char *s) {
    size_t l;
    while (*s && is_space_at(s, &l))
        s += l;
    char *end = s + strlen(s);
    for (;;) {
        if (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
            end--;
        else if (end - s >= 2 && (unsigned char)end[-2] == 0xC2 && (unsigned char)end[-1] == 0xA0)
            end -= 2;
        else if (end - s >= 3 && (unsigned char)end[-3] == 0xE3 && (unsigned char)end[-2] == 0x80 &&
                 (unsigned char)end[-1] == 0x80)
            end -= 3;
        else
            break;
    }
    *end = '\0';
    return s;
}

/* A header name compared loosely: no spaces, full-width brackets as ASCII. */
static void header_key(const char *in, char *out, size_t n) {
    size_t o = 0;
    for (const char *p = in; *p && o + 4 < n;) {
        size_t l;
        if (is_space_at(p, &l)) {
            p += l;
            continue;
        }
        if (!strncmp(p, "\xEF\xBC\x88", 3))
            out[o++] = '(', p += 3; /* （ */
        else if (!strncmp(p, "\xEF\xBC\x89", 3))
            out[o++] = ')', p += 3; /* ） */
        else
            out[o++] = *p++;
    }
    out[o] = '\0';
}

static const char *const system_cols[][2] = {
    {"id", "编号"},
    {"wf_state", "状态"},
    {"due_at", "办理期限"},
    {"created_at", "创建时间"},
    {"updated_at", "更新时间"},
    {"deleted_at", "删除时间"},
    {"version", "版本"},
    {NULL, NULL},
};

/* Maps the header; on a problem records errors (row 1) and returns -1. */
static int map_header(imp_t *im, char **cells, int n) {
    const entity_t *e = im->e;
    int nfields = 0;
    for (const field_t *f = e->fields; f->name; f++)
        nfields++;
    int *col_of = arena_alloc(im->j->arena, sizeof(int) * (size_t)(nfields + 1));
    int *id_of = arena_alloc(im->j->arena, sizeof(int) * (size_t)(nfields + 1));
    for (int i = 0; i < nfields; i++)
        col_of[i] = id_of[i] = -1;
    im->org_col = -1;
    im->ncsv = n;
    im->ignored = arena_calloc(im->j->arena, (size_t)n + 1);
    int bad = 0;
    for (int c = 0; c < n; c++) {
        char *h = trim(cells[c]);
        if (!*h) {
            im->ignored[c] = true;
            continue;
        }
        char key[256], lk[256];
        header_key(h, key, sizeof(key));
        const char *why = NULL;
        if (!strcmp(key, "org_id") || !strcmp(key, "所属机构")) {
            if (im->org_col >= 0)
                why = "列重复";
            else
                im->org_col = c;
        } else {
            int idx = 0;
            const field_t *hit = NULL;
            bool id_column = false; /* "<label>编号": a ref's number beside its name */
            for (const field_t *f = e->fields; f->name; f++, idx++) {
                header_key(f->label, lk, sizeof(lk));
                if (!strcmp(key, f->name) || !strcmp(key, lk)) {
                    hit = f;
                    break;
                }
                size_t l = strlen(lk);
                if ((f->type == F_PERSON || f->type == F_REF) && !strncmp(key, lk, l) && !strcmp(key + l, "编号")) {
                    hit = f;
                    id_column = true;
                    break;
                }
            }
            int *slot = hit ? (id_column ? &id_of[idx] : &col_of[idx]) : NULL;
            if (hit && (hit->flags & FF_READONLY))
                why = "该字段由流程填写, 不能导入, 请删除该列";
            else if (hit && *slot >= 0)
                why = "列重复";
            else if (hit)
                *slot = c;
            else {
                why = "未知的列";
                for (int s = 0; system_cols[s][0]; s++)
                    if (!strcmp(key, system_cols[s][0]) || !strcmp(key, system_cols[s][1]))
                        why = "该列由系统生成, 导入前请删除";
            }
        }
        if (why) {
            add_error(im, 1, h, h, arena_printf(im->j->arena, "第 %d 列「%s」: %s", c + 1, h, why));
            bad++;
        }
    }
    int idx = 0;
    for (const field_t *f = e->fields; f->name; f++, idx++)
        if ((f->flags & FF_REQUIRED) && !(f->flags & FF_READONLY) && col_of[idx] < 0 && id_of[idx] < 0) {
            add_error(im, 1, f->name, f->label, arena_printf(im->j->arena, "缺少必填列「%s」", f->label));
            bad++;
        }
    if (bad) return -1;
    /* the mapped fields, in declaration order, with their binds */
    im->m = arena_calloc(im->j->arena, sizeof(mapped_t) * (size_t)(nfields + 1));
    im->nb = 2;
    idx = 0;
    for (const field_t *f = e->fields; f->name; f++, idx++) {
        if (col_of[idx] < 0 && id_of[idx] < 0) continue;
        mapped_t *mp = &im->m[im->nm++];
        mp->f = f;
        mp->csv_col = col_of[idx];
        mp->id_col = id_of[idx];
        mp->nb = (f->flags & FF_PI) ? ((f->flags & FF_FILTER) ? 3 : 2) : 1;
        im->nb += mp->nb;
    }
    return 0;
}

/* Loads the active (code, label) pairs of each mapped code field, so a cell
 * may hold either. */
static int load_codes(imp_t *im) {
    for (int k = 0; k < im->nm; k++) {
        mapped_t *mp = &im->m[k];
        if (mp->f->type != F_CODE) continue;
        db_stmt_t *s = db_prepare(im->j->db, "SELECT code, label FROM code_items WHERE list_key = $1 AND active = 1");
        if (!s) return -1;
        db_bind_text(s, 1, mp->f->code_list, -1);
        int cap = 16;
        mp->codes = malloc(sizeof(code_pair_t) * (size_t)cap);
        if (!mp->codes) abort();
        int rc;
        while ((rc = db_step(s)) == DB_ROW) {
            if (mp->ncodes == cap) {
                cap *= 2;
                code_pair_t *nc = realloc(mp->codes, sizeof(code_pair_t) * (size_t)cap);
                if (!nc) abort();
                mp->codes = nc;
            }
            mp->codes[mp->ncodes].code = arena_strdup(im->j->arena, db_col_text(s, 0));
            mp->codes[mp->ncodes].label = arena_strdup(im->j->arena, db_col_text(s, 1));
            mp->ncodes++;
        }
        db_reset(s);
        if (rc != DB_DONE) return -1; /* a part of the list would reject (or skip) rows with valid codes */
    }
    return 0;
}

/* The upper end of the importer's scope as a path range [org_path, hi). */
static void scope_hi(const imp_t *im, char *hi, size_t n) {
    snprintf(hi, n, "%s", im->p.org_path);
    size_t l = strlen(hi);
    if (l && hi[l - 1] == '/') hi[l - 1] = '0';
}

/* A person, or a record of ref field f's target, by its display name (the
 * person's name; the target's title, entity_title_field), unique among
 * those the importer may see: a live, unmerged person registered in the
 * importer's scope; a live record in it.  Cached per (field, name). */
static const mapent_t *name_lookup(imp_t *im, const field_t *f, const char *text) {
    const char *key = arena_printf(im->j->arena, "%s\x1f%s", f->name, text);
    mapent_t *hit = map_get(&im->names, key);
    if (hit) return hit;
    mapent_t *ent = map_put(&im->names, key);
    const entity_t *te = f->type == F_REF ? entity_find(f->ref) : NULL;
    const field_t *tf = te ? entity_title_field(te) : NULL;
    const char *what = te ? te->label : "人员";
    char sql[512];
    if (f->type == F_PERSON)
        snprintf(sql, sizeof(sql), "SELECT p.id FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.name = $1 "
                                   "AND p.merged_into IS NULL AND o.path >= $2 AND o.path < $3 ORDER BY p.id LIMIT 2");
    else if (tf && tf->type == F_PERSON)
        snprintf(sql, sizeof(sql), "SELECT t.id FROM %s t JOIN persons pn ON pn.id = t.%s WHERE pn.name = $1 "
                 "AND t.deleted_at IS NULL AND t.org_path >= $2 AND t.org_path < $3 ORDER BY t.id LIMIT 2", te->table, tf->name);
    else if (tf && !(tf->flags & FF_PI))
        snprintf(sql, sizeof(sql), "SELECT t.id FROM %s t WHERE t.%s = $1 "
                 "AND t.deleted_at IS NULL AND t.org_path >= $2 AND t.org_path < $3 ORDER BY t.id LIMIT 2", te->table, tf->name);
    else {
        ent->why = arena_printf(im->j->arena, "「%s」: %s只能按编号导入, 请填写编号", text, what);
        return ent;
    }
    char hi[512];
    scope_hi(im, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(im->j->db, sql);
    if (!s) {
        ent->why = "暂时无法按名称查找, 请稍后重试";
        return ent;
    }
    db_bind_text(s, 1, text, -1);
    db_bind_text(s, 2, im->p.org_path, -1);
    db_bind_text(s, 3, hi, -1);
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (n++ == 0) ent->id = db_col_int(s, 0);
    db_reset(s);
    if (rc < 0) ent->why = "暂时无法按名称查找, 请稍后重试";
    else if (n == 0)
        ent->why = arena_printf(im->j->arena, "「%s」: 找不到这个名称的%s (或不在您的管辖范围内)", text, what);
    else if (n > 1)
        ent->why = arena_printf(im->j->arena, "「%s」: 有多个同名的%s, 请在「%s编号」列填写编号", text, what, f->label);
    return ent;
}

/* An org unit by id or exact name, within the importer's scope (cached). */
static const mapent_t *org_lookup(imp_t *im, const char *text) {
    mapent_t *hit = map_get(&im->orgs, text);
    if (hit) return hit;
    db_t *db = im->j->db;
    char *end;
    long long id = strtoll(text, &end, 10);
    db_stmt_t *s;
    char hi[512];
    scope_hi(im, hi, sizeof(hi));
    if (*text && !*end) {
        s = db_prepare(db, "SELECT id, path FROM org_units WHERE id = $1 AND path >= $2 AND path < $3");
        if (s) db_bind_int(s, 1, id);
    } else {
        s = db_prepare(
            db, "SELECT id, path FROM org_units WHERE name = $1 AND path >= $2 AND path < $3 ORDER BY id LIMIT 2");
        if (s) db_bind_text(s, 1, text, -1);
    }
    mapent_t *ent = map_put(&im->orgs, arena_strdup(im->j->arena, text));
    if (!s) {
        ent->why = "暂时无法校验机构";
        return ent;
    }
    db_bind_text(s, 2, im->p.org_path, -1);
    db_bind_text(s, 3, hi, -1);
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n++ == 0) {
            ent->id = db_col_int(s, 0);
            ent->path = arena_strdup(im->j->arena, db_col_text(s, 1));
        }
    }
    db_reset(s);
    if (rc != DB_DONE) /* not "不存在", nor one unit when the rest went unread */
        ent->id = 0, ent->path = NULL, ent->why = "暂时无法校验机构";
    else if (n == 0)
        ent->why = "机构不存在或不在您的管辖范围内";
    else if (n > 1)
        ent->why = "有多个同名机构, 请填写机构编号";
    return ent;
}

/* value_check_ref, remembered per (field, id): a file names the same few
 * villages or persons over and over.  A stored file's hash (F_FILE) is
 * checked the same way: uploaded by a unit in the importer's scope. */
static const char *ref_check(imp_t *im, const field_t *f, const value_t *v) {
    if (v->null || (f->type != F_REF && f->type != F_PERSON && f->type != F_FILE)) return NULL;
    char key[160];
    if (f->type == F_FILE) snprintf(key, sizeof(key), "%s#%s", f->name, v->text);
    else snprintf(key, sizeof(key), "%s#%lld", f->name, (long long)v->i);
    mapent_t *hit = map_get(&im->refs, key);
    if (hit) return hit->why;
    const char *why = NULL;
    if (value_check_ref(&im->req, f, v, &why) != 0 && !why) why = "引用的记录不存在或不在您的管辖范围内";
    /* no children added to a record in a final state (issue 15 point 6);
     * checked here, before the write's transaction, as the references are */
    if (!why && im->e->parent && f->type == F_REF && strcmp(f->name, im->e->parent) == 0) {
        const wf_state_t *st;
        const workflow_t *wf;
        if (engine_parent_locked(im->j->db, im->e, v->i, false, &st, &wf) != 0)
            why = "暂时无法核对所属记录, 请稍后重试";
        else if (st) {
            char *m = engine_parent_locked_text(im->e, v->i, st, "添加");
            why = arena_strdup(im->j->arena, m);
            free(m);
        }
    }
    mapent_t *ent = map_put(&im->refs, arena_strdup(im->j->arena, key));
    ent->why = why;
    return why;
}

/* Excel rewrites dates as 2026/11/2; accept y/m/d with / - . or 年月日. */
static const char *norm_date(imp_t *im, const char *s) {
    int y, m, d;
    char a[8], b[8];
    if (sscanf(s, "%4d%7[/.-]%2d%7[/.-]%2d", &y, a, &m, b, &d) == 5 || sscanf(s, "%4d年%2d月%2d日", &y, &m, &d) == 3) {
        char *out = arena_printf(im->j->arena, "%04d-%02d-%02d", y, m, d);
        return date_valid(out) ? out : s;
    }
    return s;
}

/* "1,200.50" → "1200.50" (thousands separators only where they belong). */
static const char *norm_number(imp_t *im, const char *s) {
    if (!strchr(s, ',')) return s;
    const char *p = s + (*s == '-');
    const char *dot = strchr(p, '.');
    size_t intlen = dot ? (size_t)(dot - p) : strlen(p);
    /* groups of three after the first 1–3 digits */
    size_t first = intlen % 4;
    if (first == 0 || first > 3) return s;
    for (size_t i = 0; i < intlen; i++) {
        bool comma_pos = i >= first && (i - first) % 4 == 0;
        if (comma_pos ? p[i] != ',' : (p[i] < '0' || p[i] > '9')) return s;
    }
    char *out = arena_alloc(im->j->arena, strlen(s) + 1), *o = out;
    for (const char *c = s; *c; c++)
        if (*c != ',') *o++ = *c;
    *o = '\0';
    return out;
}

static int bool_of(const char *s) {
    static const char *const yes[] = {"是", "true", "TRUE", "True", "1", "y", "Y", "yes", "YES", "√", NULL};
    static const char *const no[] = {"否", "false", "FALSE", "False", "0", "n", "N", "no", "NO", "×", NULL};
    for (int i = 0; yes[i]; i++)
        if (!strcmp(s, yes[i])) return 1;
    for (int i = 0; no[i]; i++)
        if (!strcmp(s, no[i])) return 0;
    return -1;
}

/* Checks one row; stores its binds when valid.  Returns true when valid. */
/* A row of an entity with a unique key (entity_t.unique) may neither clash
 * with a live record nor with an earlier row of the file. */
static bool unique_row(imp_t *im, int64_t row, const bv_t *out) {
    json_t *keys = json_object();
    buf_t text = BUF_INIT;
    bool has_null = false;
    char key[256];
    snprintf(key, sizeof(key), "%s", im->e->unique);
    char *save = NULL;
    for (char *c = strtok_r(key, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
        const bv_t *v = NULL;
        if (strcmp(c, "org_id") == 0) v = &out[0];
        for (int k = 0, b = 2; k < im->nm && !v; b += im->m[k].nb, k++)
            if (strcmp(im->m[k].f->name, c) == 0) v = &out[b];
        if (!v || v->kind == 0) {
            has_null = true; /* NULL equals nothing */
            break;
        }
        json_object_set_new(keys, c, v->kind == 1 ? json_integer(v->i) : json_string(v->s));
        if (v->kind == 1) buf_printf(&text, "%lld\x1f", (long long)v->i);
        else buf_printf(&text, "%s\x1f", v->s);
    }
    bool ok = true;
    if (!has_null) {
        const mapent_t *seen = map_get(&im->keys, text.data);
        int64_t clash = seen ? 0 : engine_unique_clash(im->j->db, im->e, 0, keys);
        if (seen) {
            add_error(im, row, NULL, NULL,
                      arena_printf(im->j->arena, "与第 %lld 行重复: 不能有两条相同的%s", (long long)seen->id,
                                   im->e->label));
            ok = false;
        } else if (clash != 0) {
            add_error(im, row, NULL, NULL,
                      clash > 0 ? arena_printf(im->j->arena, "已有%s (编号 %lld), 请直接修改该记录", im->e->label,
                                               (long long)clash)
                                : "查重失败");
            ok = false;
        } else {
            map_put(&im->keys, arena_strdup(im->j->arena, text.data))->id = row;
        }
    }
    json_decref(keys);
    buf_free(&text);
    return ok;
}

/* A parsed value as GET shows it (records.c write_record), for the rule. */
static json_t *rule_value(const field_t *f, const value_t *v) {
    if (v->null) return json_null();
    if (f->type == F_BOOL) return json_boolean(v->i);
    if (f->type == F_DECIMAL && v->is_int) {
        char d[40];
        decimal_format(v->i, f->scale, d, sizeof(d));
        return json_string(d);
    }
    return v->is_int ? json_integer(v->i) : json_string(v->text ? v->text : "");
}

/* The entity's rule on one row (entity_t.check, op CHECK_IMPORT): a reason
 * becomes the row's error at the field it names. */
static bool row_rule(imp_t *im, int64_t row, json_t *rec) {
    /* the columns the file leaves out are empty, as a create would save them */
    for (const field_t *f = im->e->fields; f->name; f++)
        if (!json_object_get(rec, f->name)) json_object_set_new(rec, f->name, json_null());
    check_ctx_t c = {.r = &im->req, .db = im->req.db, .e = im->e, .op = CHECK_IMPORT, .after = rec};
    const char *field = NULL, *why = engine_check_run(&c, &field);
    if (!why) return true;
    const field_t *f = field ? entity_field(im->e, field) : NULL;
    add_error(im, row, f ? f->name : NULL, f ? f->label : NULL, why);
    return false;
}

static bool check_row(imp_t *im, int64_t rec) {
    char **cells = im->cells + im->rec_start[rec];
    int n = im->rec_n[rec];
    int64_t row = im->rec_row[rec];
    bv_t *out = im->vals + im->nvalid * im->nb;
    bool ok = true;
    for (int c = im->ncsv; c < n; c++)
        if (*trim(cells[c])) {
            add_error(im, row, NULL, NULL,
                      arena_printf(im->j->arena, "第 %d 列没有列名 (表头只有 %d 列)", c + 1, im->ncsv));
            ok = false;
            break;
        }
    for (int c = 0; c < n && c < im->ncsv; c++)
        if (im->ignored[c] && *trim(cells[c])) {
            add_error(im, row, NULL, NULL, arena_printf(im->j->arena, "第 %d 列没有列名, 但填写了内容", c + 1));
            ok = false;
        }
    /* the owner: the given unit (in scope), else the importer's */
    out[0] = (bv_t){.i = im->j->org_id, .kind = 1};
    out[1] = (bv_t){.s = im->p.org_path, .kind = 2};
    if (im->org_col >= 0 && im->org_col < n) {
        const char *t = trim(cells[im->org_col]);
        if (*t) {
            const mapent_t *o = org_lookup(im, t);
            if (o->why) {
                add_error(im, row, "org_id", "所属机构", o->why);
                ok = false;
            } else {
                out[0].i = o->id;
                out[1].s = o->path;
            }
        }
    }
    /* the row as the entity's rule sees it, only when there is one */
    json_t *seen = im->e->check ? json_pack("{s:I}", "org_id", (json_int_t)out[0].i) : NULL;
    int b = 2;
    for (int k = 0; k < im->nm; k++) {
        const mapped_t *mp = &im->m[k];
        const field_t *f = mp->f;
        bv_t *dst = out + b;
        b += mp->nb;
        const char *src = mp->csv_col >= 0 && mp->csv_col < n ? trim(cells[mp->csv_col]) : "";
        bool by_id = false; /* the "<label>编号" column, when filled, wins over the name */
        if (mp->id_col >= 0 && mp->id_col < n && *trim(cells[mp->id_col])) src = trim(cells[mp->id_col]), by_id = true;
        json_t *j;
        const char *why = NULL;
        if (!*src) {
            j = json_null();
        } else {
            switch (f->type) {
            case F_INT:
            case F_REF:
            case F_PERSON: {
                char *end;
                long long v = strtoll(src, &end, 10);
                if (!*end)
                    j = json_integer(v);
                else if (by_id || f->type == F_INT)
                    j = json_string(src); /* value_parse: 必须是整数 */
                else {
                    /* the display name (issue 15 point 7) */
                    const mapent_t *o = f->type == F_REF && (!f->ref || !strcmp(f->ref, "org_units"))
                                            ? org_lookup(im, src)
                                            : name_lookup(im, f, src);
                    if (o->why)
                        why = o->why, j = NULL;
                    else
                        j = json_integer(o->id);
                }
                break;
            }
            case F_BOOL: {
                int v = bool_of(src);
                if (v < 0)
                    why = "应为「是」或「否」", j = NULL;
                else
                    j = json_boolean(v);
                break;
            }
            case F_DECIMAL:
                src = norm_number(im, src);
                j = json_string(src);
                break;
            case F_DATE:
                src = norm_date(im, src);
                j = json_string(src);
                break;
            case F_CODE: {
                /* a code, or the label of one */
                bool is_code = false;
                for (int i = 0; i < mp->ncodes && !is_code; i++)
                    is_code = !strcmp(mp->codes[i].code, src);
                for (int i = 0; i < mp->ncodes && !is_code; i++)
                    if (!strcmp(mp->codes[i].label, src)) src = mp->codes[i].code, is_code = true;
                j = json_string(src);
                break;
            }
            default:
                /* our own export's formula guard: '=… back to =… */
                if (src[0] == '\'' && csv_formula_like(src + 1)) src++;
                j = json_string(src);
            }
        }
        value_t v;
        if (!why && !j) why = "含有无效字符";
        if (!why) {
            if (value_parse(&im->req, f, j, &v, &why) != 0) {
                if (!why) why = "无效的值";
            } else {
                why = ref_check(im, f, &v);
            }
        }
        /* the rule's copy now: v.text may point into j */
        if (!why && seen && !(f->flags & FF_PI)) json_object_set_new(seen, f->name, rule_value(f, &v));
        json_decref(j);
        if (why) {
            if (f->type == F_CODE && *src) why = arena_printf(im->j->arena, "「%s」不是有效的代码或名称", src);
            add_error(im, row, f->name, f->label, why);
            ok = false;
            continue;
        }
        if (f->flags & FF_PI) {
            const char *enc, *masked, *idx;
            if (engine_pi_encode(&im->req, f, v.null ? NULL : src, &enc, &masked, &idx) != 0) {
                add_error(im, row, f->name, f->label, "加密失败");
                ok = false;
                continue;
            }
            if (seen) /* the rule sees it masked, as GET shows it */
                json_object_set_new(seen, f->name, masked ? json_string(masked) : json_null());
            dst[0] = (bv_t){.s = enc, .kind = enc ? 2 : 0};
            dst[1] = (bv_t){.s = masked, .kind = masked ? 2 : 0};
            if (mp->nb == 3) dst[2] = (bv_t){.s = idx, .kind = idx ? 2 : 0};
        } else if (v.null) {
            dst[0] = (bv_t){0};
        } else if (v.is_int) {
            dst[0] = (bv_t){.i = v.i, .kind = 1};
        } else {
            /* the text value_parse checked: our source string (it lives as
             * long as the job), or its own arena copy (datetimes) */
            dst[0] = (bv_t){.s = f->type == F_DATETIME ? v.text : src, .kind = 2};
        }
    }
    if (ok && seen) ok = row_rule(im, row, seen);
    json_decref(seen);
    if (ok && im->e->unique) ok = unique_row(im, row, out);
    if (ok) im->valid_row[im->nvalid++] = row;
    return ok;
}

/* Parses every record into im->cells; returns -1 on a broken file. */
static int parse_all(imp_t *im, char *text, size_t n, char **header, int *nheader) {
    csv_reader_t c;
    csv_reader_init(&c, text, n);
    int k = csv_next(&c);
    if (k <= 0) {
        csv_reader_free(&c);
        add_error(im, 1, NULL, NULL, k < 0 ? "引号未闭合" : "文件为空");
        return -1;
    }
    if (k > 512) {
        csv_reader_free(&c);
        add_error(im, 1, NULL, NULL, "列数超过 512");
        return -1;
    }
    /* the header: copied out of the reader's array */
    for (int i = 0; i < k; i++)
        header[i] = c.cells[i];
    *nheader = k;
    int64_t caprec = 1024;
    im->rec_start = malloc(sizeof(int64_t) * (size_t)caprec);
    im->rec_n = malloc(sizeof(int) * (size_t)caprec);
    im->rec_row = malloc(sizeof(int64_t) * (size_t)caprec);
    if (!im->rec_start || !im->rec_n || !im->rec_row) abort();
    int64_t row = 1;
    while ((k = csv_next(&c)) != 0) {
        row++;
        if (k < 0) {
            csv_reader_free(&c);
            add_error(im, row, NULL, NULL, "引号未闭合: 从这一行起的内容无法解析");
            return -1;
        }
        bool empty = true;
        for (int i = 0; i < k && empty; i++)
            empty = !*trim(c.cells[i]);
        if (empty) continue; /* blank lines, rows of bare commas */
        if (im->nrec == IMPORT_MAX_ROWS) {
            csv_reader_free(&c);
            add_error(im, row, NULL, NULL, arena_printf(im->j->arena, "超过 %d 行, 请分批导入", IMPORT_MAX_ROWS));
            return -1;
        }
        if (im->nrec == caprec) {
            caprec *= 2;
            im->rec_start = realloc(im->rec_start, sizeof(int64_t) * (size_t)caprec);
            im->rec_n = realloc(im->rec_n, sizeof(int) * (size_t)caprec);
            im->rec_row = realloc(im->rec_row, sizeof(int64_t) * (size_t)caprec);
            if (!im->rec_start || !im->rec_n || !im->rec_row) abort();
        }
        if (im->ncells + k > im->capcells) {
            im->capcells = (im->capcells + k) * 2;
            im->cells = realloc(im->cells, sizeof(char *) * (size_t)im->capcells);
            if (!im->cells) abort();
        }
        memcpy(im->cells + im->ncells, c.cells, sizeof(char *) * (size_t)k);
        im->rec_start[im->nrec] = im->ncells;
        im->rec_n[im->nrec] = k;
        im->rec_row[im->nrec] = row;
        im->ncells += k;
        im->nrec++;
    }
    csv_reader_free(&c);
    return 0;
}

/* The first IMPORT_PREVIEW records of text (n bytes, UTF-8) as arrays of
 * cells, read from a copy of its first 256 KiB (the parse is in place). */
#define IMPORT_PREVIEW 6
static json_t *preview_of(const char *text, size_t n) {
    size_t take = n < 256 * 1024 ? n : 256 * 1024;
    char *copy = malloc(take + 1);
    if (!copy) abort();
    memcpy(copy, text, take);
    copy[take] = '\0';
    csv_reader_t c;
    csv_reader_init(&c, copy, take);
    json_t *rows = json_array();
    int k;
    while (json_array_size(rows) < IMPORT_PREVIEW && (k = csv_next(&c)) > 0) {
        json_t *row = json_array();
        for (int i = 0; i < k; i++)
            json_array_append_new(row, json_string(utf8_valid(c.cells[i], strlen(c.cells[i])) ? c.cells[i] : ""));
        json_array_append_new(rows, row);
    }
    csv_reader_free(&c);
    free(copy);
    return rows;
}

static char *result_json(imp_t *im, long long ms_parse, long long ms_check, long long ms_write) {
    json_t *cols = json_array();
    for (int k = 0; k < im->nm; k++)
        json_array_append_new(cols, json_pack("{s:s,s:s}", "field", im->m[k].f->name, "label", im->m[k].f->label));
    if (im->org_col >= 0) json_array_append_new(cols, json_pack("{s:s,s:s}", "field", "org_id", "label", "所属机构"));
    json_t *res = json_pack("{s:O,s:b,s:I,s:s?,s:o,s:{s:I,s:I,s:I}}", "errors", im->errors, "errors_truncated",
                            im->nerrors > (int64_t)json_array_size(im->errors), "error_count", (json_int_t)im->nerrors,
                            "charset", im->charset, "columns", cols, "timing_ms", "parse", (json_int_t)ms_parse,
                            "validate", (json_int_t)ms_check, "write", (json_int_t)ms_write);
    /* the encoding chosen and why; the first rows as decoded (the preview) */
    if (im->dec.why) json_object_set_new(res, "charset_reason", json_string(im->dec.why));
    json_object_set_new(res, "charset_suspect", json_boolean(im->dec.suspect));
    if (im->dec.suspect) json_object_set_new(res, "charset_note", json_string(im->dec.note));
    if (im->preview) json_object_set_new(res, "preview", json_incref(im->preview));
    if (im->preview_alt)
        json_object_set_new(res, "preview_alternative",
                            json_pack("{s:s,s:O}", "charset", "GB18030", "rows", im->preview_alt));
    char *s = json_dumps(res, JSON_COMPACT);
    json_decref(res);
    return s;
}

static long long ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The record.create audit detail of one imported row: where it came from
 * and its values as stored (personal information masked). */
static void create_detail(imp_t *im, int64_t vi, buf_t *out) {
    buf_clear(out);
    jw_t w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_kint(&w, "import_job", im->j->id);
    jw_kint(&w, "row", im->valid_row[vi]);
    jw_key(&w, "after");
    jw_obj(&w);
    const bv_t *v = im->vals + vi * im->nb;
    jw_kint(&w, "org_id", v[0].i);
    int b = 2;
    for (int k = 0; k < im->nm; k++) {
        const field_t *f = im->m[k].f;
        const bv_t *x = v + b + ((f->flags & FF_PI) ? 1 : 0); /* the masked copy */
        b += im->m[k].nb;
        jw_key(&w, f->name);
        if (x->kind == 0)
            jw_null(&w);
        else if (x->kind == 2)
            jw_str(&w, x->s);
        else if (f->type == F_BOOL)
            jw_bool(&w, x->i != 0);
        else if (f->type == F_DECIMAL) {
            char d[40];
            decimal_format(x->i, f->scale, d, sizeof(d));
            jw_str(&w, d);
        } else
            jw_int(&w, x->i);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* INSERT … VALUES (row 1), …, (row k) RETURNING id.  $1 created_at/updated_at,
 * $2 created_by/updated_by, $3–$7 the workflow's start (when there is one),
 * then nb parameters per row: org_id, org_path, the fields'. */
static void insert_sql(imp_t *im, const workflow_t *wf, int k, buf_t *sql) {
    buf_printf(sql, "INSERT INTO %s (org_id, org_path, version, created_at, created_by, updated_at, updated_by",
               im->e->table);
    if (wf) buf_puts(sql, ", wf_state, wf_version, state_since, due_at, state_due_at");
    for (int m = 0; m < im->nm; m++) {
        const field_t *f = im->m[m].f;
        if (f->flags & FF_PI) {
            buf_printf(sql, ", %s_enc, %s_masked", f->name, f->name);
            if (im->m[m].nb == 3) buf_printf(sql, ", %s_index", f->name);
        } else {
            buf_printf(sql, ", %s", f->name);
        }
    }
    buf_puts(sql, ") VALUES ");
    int p = wf ? 8 : 3;
    for (int r = 0; r < k; r++) {
        buf_printf(sql, "%s($%d, $%d, 1, $1, $2, $1, $2", r ? ", " : "", p, p + 1);
        p += 2;
        if (wf) buf_puts(sql, ", $3, $4, $5, $6, $7");
        for (int b = 2; b < im->nb; b++)
            buf_printf(sql, ", $%d", p++);
        buf_putc(sql, ')');
    }
    buf_puts(sql, " RETURNING id");
}

/* The imported rows' numbers (entity_t.number at creation), in the write's
 * transaction: one block per owning unit, taken in one upsert, then each
 * row's number in row order.  0 or -1. */
static int number_rows(imp_t *im, const int64_t *ids) {
    const entity_t *e = im->e;
    typedef struct {
        int64_t org, count, next;
        const char *path;
        engine_numbers_t blk;
    } unit_t;
    unit_t *units = NULL;
    int nunits = 0, rc = -1;
    int *unit_of = malloc(sizeof(int) * (size_t)(im->nvalid + 1));
    if (!unit_of) abort();
    for (int64_t i = 0; i < im->nvalid; i++) {
        const bv_t *v = im->vals + i * im->nb; /* org_id, org_path, then the fields */
        int u = 0;
        while (u < nunits && units[u].org != v[0].i) u++;
        if (u == nunits) {
            units = realloc(units, sizeof(*units) * (size_t)(nunits + 1));
            if (!units) abort();
            units[nunits++] = (unit_t){.org = v[0].i, .path = v[1].s};
        }
        units[u].count++;
        unit_of[i] = u;
    }
    for (int u = 0; u < nunits; u++) {
        if (engine_number_reserve(im->j->db, e, units[u].org, units[u].path, units[u].count, &units[u].blk) != 0)
            goto out;
        units[u].next = units[u].blk.first;
    }
    char sql[256];
    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = $1 WHERE id = $2", e->table, e->number->field);
    for (int64_t i = 0; i < im->nvalid; i++) {
        unit_t *un = &units[unit_of[i]];
        char *no = engine_number_format(e->number->pattern, un->blk.year, un->blk.office, un->blk.district, un->next++);
        db_stmt_t *s = no ? db_prepare(im->j->db, sql) : NULL;
        if (!s) {
            free(no);
            goto out;
        }
        db_bind_text(s, 1, no, -1);
        db_bind_int(s, 2, ids[i]);
        int step = db_step(s);
        db_reset(s);
        free(no);
        if (step != DB_DONE) goto out;
    }
    rc = 0;
out:
    for (int u = 0; u < nunits; u++) free(units[u].blk.district);
    free(units);
    free(unit_of);
    return rc;
}

/* The entity's own deadline (entity_t.deadline) of each written row, as a
 * create sets it: from the row as stored (create_detail's "after", with
 * its id and initial state), inside the import's transaction.  0 or -1. */
static int rows_deadline(imp_t *im, const int64_t *ids) {
    const entity_t *e = im->e;
    const workflow_t *wf = entity_flow(e, 0);
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE %s SET due_at = $1 WHERE id = $2", e->table);
    buf_t text = BUF_INIT;
    int rc = 0;
    for (int64_t vi = 0; vi < im->nvalid && rc == 0; vi++) {
        create_detail(im, vi, &text);
        json_t *detail = json_loads(text.data, 0, NULL);
        json_t *after = json_object_get(detail, "after");
        if (!after) {
            json_decref(detail);
            rc = -1;
            break;
        }
        json_object_set_new(after, "id", json_integer(ids[vi]));
        if (wf) {
            json_object_set_new(after, "wf_state", json_string(im->state));
            json_object_set_new(after, "wf_version", json_integer(wf->version));
        }
        check_ctx_t c = {.r = &im->req, .db = im->j->db, .e = e, .op = CHECK_IMPORT, .after = after};
        char due[11] = "";
        rc = e->deadline(&c, due);
        json_decref(c.linked);
        json_decref(detail);
        if (rc != 0) break;
        db_stmt_t *s = db_prepare(im->j->db, sql);
        if (!s) {
            rc = -1;
            break;
        }
        db_bind_text(s, 1, due[0] ? due : NULL, -1);
        db_bind_int(s, 2, ids[vi]);
        rc = db_step(s) == DB_DONE ? 0 : -1;
        db_reset(s);
    }
    buf_free(&text);
    return rc;
}

/* Writes the valid rows, their audit rows and the job's outcome in one
 * transaction.  Returns JOB_FINISHED, JOB_ABORTED, or JOB_ERROR. */
static int write_rows(imp_t *im, long long ms_parse, long long ms_check) {
    job_t *j = im->j;
    db_t *db = j->db;
    const entity_t *e = im->e;
    const char *ip = json_string_value(json_object_get(j->options, "ip"));
    const char *ua = json_string_value(json_object_get(j->options, "user_agent"));
    job_progress(j, "writing", true);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char now[21];
    iso_from_unix(now_unix(), now);
    const workflow_t *wf = entity_flow(e, 0);
    wf_dates_t d;
    if (wf && wf_start_dates(db, wf, im->state, now, &d) != 0) return JOB_ERROR;
    /* batches of up to IMPORT_BATCH rows per INSERT: one round trip each
     * on PostgreSQL instead of one per row */
    int shared = wf ? 7 : 2;
    int batch = IMPORT_BATCH;
    if (batch * im->nb + shared > 30000) batch = (30000 - shared) / im->nb;
    buf_t sql = BUF_INIT, sql_last = BUF_INIT;
    int64_t nlast = im->nvalid % batch;
    insert_sql(im, wf, batch, &sql);
    if (nlast) insert_sql(im, wf, (int)nlast, &sql_last);
    int64_t *ids = malloc(sizeof(int64_t) * (size_t)(im->nvalid + 1));
    buf_t detail = BUF_INIT;
    int rc = JOB_ERROR;
    if (!ids) abort();
    if (db_begin(db) != 0) goto out;
    for (int64_t i = 0; i < im->nvalid; i += batch) {
        if (job_cancelled(j) || job_stopping()) {
            rc = job_stopping() ? JOB_ABORTED : JOB_ERROR;
            goto out;
        }
        int k = im->nvalid - i >= batch ? batch : (int)(im->nvalid - i);
        db_stmt_t *s = db_prepare(db, k == batch ? sql.data : sql_last.data);
        if (!s) goto out;
        db_bind_text(s, 1, now, -1);
        db_bind_int(s, 2, j->created_by);
        if (wf) {
            db_bind_text(s, 3, im->state, -1);
            db_bind_int(s, 4, wf->version);
            db_bind_text(s, 5, d.today, -1);
            db_bind_text(s, 6, d.due[0] ? d.due : NULL, -1);
            db_bind_text(s, 7, d.state_due[0] ? d.state_due : NULL, -1);
        }
        int p = shared + 1;
        for (int r = 0; r < k; r++) {
            const bv_t *v = im->vals + (i + r) * im->nb;
            for (int b = 0; b < im->nb; b++, p++) {
                if (v[b].kind == 1)
                    db_bind_int(s, p, v[b].i);
                else if (v[b].kind == 2)
                    db_bind_text(s, p, v[b].s, -1);
                else
                    db_bind_null(s, p);
            }
        }
        int n = 0, step;
        while ((step = db_step(s)) == DB_ROW && n < k)
            ids[i + n++] = db_col_int(s, 0);
        db_reset(s);
        if (step != DB_DONE || n != k) {
            log_error("import job %lld: insert of rows %lld… failed: %s", (long long)j->id, (long long)im->valid_row[i],
                      db_errmsg(db));
            goto out;
        }
        /* RETURNING's order is unspecified (SQLite says so); the ids were
         * assigned in VALUES order, so ascending order is row order */
        qsort(ids + i, (size_t)k, sizeof(int64_t), cmp_i64);
    }
    /* the outcome first, the audit rows last (on PostgreSQL they hold the
     * chain lock until COMMIT: keep that short) */
    if (e->number && !e->number->at && im->nvalid && number_rows(im, ids) != 0) goto out;
    if (e->deadline && im->nvalid && rows_deadline(im, ids) != 0) goto out;
    long long ms_insert = ms_since(&t0);
    if (im->nvalid && engine_notify_write(db, e, im->p.org_path, j->created_by) != 0) goto out;
    char *res = result_json(im, ms_parse, ms_check, ms_insert);
    int frc = job_finish(j, "done", im->nvalid, NULL, res);
    free(res);
    if (frc != 0) goto out;
    /* one record.create row per record (so each record's history starts
     * with its creation and source row), chained in batches */
    enum { AUDIT_CHUNK = 1000 };
    audit_event_t *evs = calloc(AUDIT_CHUNK, sizeof(*evs));
    buf_t *details = calloc(AUDIT_CHUNK, sizeof(*details));
    if (!evs || !details) abort();
    int arc = 0;
    for (int64_t i = 0; i < im->nvalid && arc == 0; i += AUDIT_CHUNK) {
        if (job_cancelled(j) || job_stopping()) {
            arc = 1;
            break;
        }
        int k = im->nvalid - i >= AUDIT_CHUNK ? AUDIT_CHUNK : (int)(im->nvalid - i);
        for (int x = 0; x < k; x++) {
            create_detail(im, i + x, &details[x]);
            evs[x] = (audit_event_t){.action = "record.create",
                                     .entity = e->name,
                                     .entity_id = ids[i + x],
                                     .result = "ok",
                                     .detail_json = details[x].data,
                                     .user_id = j->created_by,
                                     .username = j->username,
                                     .org_id = j->org_id,
                                     .ip = ip,
                                     .user_agent = ua};
        }
        arc = audit_write_many(db, auth_keys(), evs, (size_t)k);
    }
    for (int x = 0; x < AUDIT_CHUNK; x++)
        buf_free(&details[x]);
    free(details);
    free(evs);
    if (arc != 0) {
        if (job_stopping()) rc = JOB_ABORTED;
        goto out;
    }
    buf_clear(&detail);
    buf_printf(&detail,
               "{\"job\":%lld,\"rows\":%lld,\"rejected\":%lld,\"mode\":\"%s\",\"charset\":\"%s\",\"first_id\":%lld,"
               "\"last_id\":%lld",
               (long long)j->id, (long long)im->nvalid, (long long)j->rejected,
               im->skip_invalid ? "skip_invalid" : "all_or_nothing", im->charset, (long long)(im->nvalid ? ids[0] : 0),
               (long long)(im->nvalid ? ids[im->nvalid - 1] : 0));
    if (im->state) buf_printf(&detail, ",\"state\":\"%s\"", im->state); /* a declared state key: no quoting needed */
    buf_puts(&detail, "}");
    audit_event_t ev = {.action = "record.import",
                        .entity = e->name,
                        .result = "ok",
                        .detail_json = detail.data,
                        .user_id = j->created_by,
                        .username = j->username,
                        .org_id = j->org_id,
                        .ip = ip,
                        .user_agent = ua};
    if (audit_write(db, auth_keys(), &ev) != 0) goto out;
    if (job_cancelled(j) || job_stopping()) {
        rc = job_stopping() ? JOB_ABORTED : JOB_ERROR;
        goto out;
    }
    if (db_commit(db) != 0) goto out;
    rc = JOB_FINISHED;
    log_info("import job %lld: %lld rows of %s written in %lld ms (inserts %lld ms)", (long long)j->id,
             (long long)im->nvalid, e->name, ms_since(&t0), ms_insert);
out:
    if (db_in_tx(db)) db_rollback(db);
    free(ids);
    buf_free(&detail);
    buf_free(&sql);
    buf_free(&sql_last);
    return rc;
}

/* Reads the whole input file (at most IMPORT_MAX_FILE bytes). */
static char *read_input(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > IMPORT_MAX_FILE) {
        fclose(f);
        return NULL;
    }
    char *data = malloc((size_t)st.st_size + 1);
    if (!data) abort();
    size_t got = fread(data, 1, (size_t)st.st_size, f);
    fclose(f);
    data[got] = '\0';
    *n = got;
    return data;
}

static int finish_failed(imp_t *im, const char *msg) {
    char *res = result_json(im, 0, 0, 0);
    int rc = job_finish(im->j, "failed", 0, msg, res);
    free(res);
    return rc == 0 ? JOB_FINISHED : JOB_ERROR;
}

static int run_import(job_t *j) {
    imp_t im = {.j = j, .errors = json_array(), .charset = NULL};
    im.e = j->entity ? entity_find(j->entity) : NULL;
    json_t *o = j->options;
    im.mode = json_string_value(json_object_get(o, "mode"));
    im.skip_invalid = im.mode && !strcmp(im.mode, "skip_invalid");
    im.dry_run = json_is_true(json_object_get(o, "dry_run"));
    const workflow_t *start_wf = im.e ? entity_flow(im.e, 0) : NULL;
    im.state = json_string_value(json_object_get(o, "state"));
    if (!im.state && start_wf) im.state = start_wf->initial;
    im.p =
        (principal_t){.user_id = j->created_by, .username = j->username, .org_id = j->org_id, .org_path = j->org_path};
    /* the importer's read rights when the import was accepted (io.c): the
     * rows may link only what the importer may read (engine/access.c) */
    json_t *acc = json_object_get(o, "access");
    im.p.org_level = json_string_value(json_object_get(acc, "org_level"));
    json_t *rd = json_object_get(acc, "read");
    im.p.perms = arena_alloc(j->arena, sizeof(char *) * (json_array_size(rd) + 1));
    for (size_t i = 0; i < json_array_size(rd); i++)
        if (json_is_string(json_array_get(rd, i))) im.p.perms[im.p.nperms++] = json_string_value(json_array_get(rd, i));
    im.req = (http_req_t){.arena = j->arena,
                          .db = j->db,
                          .auth = &im.p,
                          .username = j->username,
                          .user_id = j->created_by,
                          .org_id = j->org_id};
    int rc = JOB_ERROR;
    char *raw = NULL, *text = NULL;
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!im.e) {
        rc = finish_failed(&im, "业务类别不存在");
        goto out;
    }
    job_progress(j, "parsing", true);
    raw = j->input ? read_input(j->input, &n) : NULL;
    if (!raw) {
        rc = finish_failed(&im, "上传的文件已不存在");
        goto out;
    }
    /* the encoding: the user's choice (charset=utf-8|gb18030), else decided
     * from the bytes, with the reason; a valid UTF-8 file that reads as
     * improbable text is not imported without the user's choice */
    const char *want = json_string_value(json_object_get(o, "charset"));
    long long tn = text_decode(raw, n, want, &text, &im.dec);
    if (tn < 0) {
        rc = finish_failed(&im, im.dec.error);
        goto out;
    }
    im.charset = im.dec.charset;
    im.preview = preview_of(text, (size_t)tn);
    if (im.dec.suspect) {
        char *alt = NULL;
        text_decoding_t ad;
        long long an = text_decode(raw, n, "gb18030", &alt, &ad);
        if (an >= 0) im.preview_alt = preview_of(alt, (size_t)an);
        if (alt && alt != raw) free(alt);
        if (!im.dry_run) {
            rc = finish_failed(&im, arena_printf(j->arena, "未导入任何数据: %s。请对照预览选择编码 (GBK 或 UTF-8) "
                                                           "后重新导入",
                                                 im.dec.note));
            goto out;
        }
    }
    char *header[512];
    int nheader = 0;
    if (parse_all(&im, text, (size_t)tn, header, &nheader) != 0 || map_header(&im, header, nheader) != 0) {
        const char *msg = json_string_value(json_object_get(json_array_get(im.errors, 0), "message"));
        rc = finish_failed(
            &im, arena_printf(j->arena, "文件无法导入: %s%s", msg ? msg : "格式有误", im.nerrors > 1 ? " 等" : ""));
        goto out;
    }
    if (load_codes(&im) != 0) goto out;
    long long ms_parse = ms_since(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    j->total = im.nrec;
    im.vals = malloc(sizeof(bv_t) * (size_t)(im.nrec * im.nb + 1));
    im.valid_row = malloc(sizeof(int64_t) * (size_t)(im.nrec + 1));
    if (!im.vals || !im.valid_row) abort();
    for (int64_t r = 0; r < im.nrec; r++) {
        if (!check_row(&im, r)) j->rejected++;
        j->done = r + 1;
        if ((r & 255) == 0 && job_progress(j, "validating", false)) break;
    }
    long long ms_check = ms_since(&t0);
    if (job_stopping()) {
        rc = JOB_ABORTED;
        goto out;
    }
    if (job_cancelled(j)) {
        char *res = result_json(&im, ms_parse, ms_check, 0);
        rc = job_finish(j, "cancelled", 0, "已取消, 未写入任何数据", res) == 0 ? JOB_FINISHED : JOB_ERROR;
        free(res);
        goto out;
    }
    if (im.dry_run || (j->rejected && !im.skip_invalid) || im.nvalid == 0) {
        const char *status = "done", *error = NULL;
        if (!im.dry_run && j->rejected) {
            status = "failed";
            error = arena_printf(
                j->arena, "有 %lld 行数据有误, 未导入任何数据 (全部正确才导入; 可改用 skip_invalid 只导入正确的行)",
                (long long)j->rejected);
        }
        char *res = result_json(&im, ms_parse, ms_check, 0);
        rc = job_finish(j, status, 0, error, res) == 0 ? JOB_FINISHED : JOB_ERROR;
        free(res);
        goto out;
    }
    rc = write_rows(&im, ms_parse, ms_check);
out:
    for (int k = 0; k < im.nm; k++)
        free(im.m[k].codes);
    free(im.orgs.e);
    free(im.refs.e);
    free(im.names.e);
    free(im.keys.e);
    free(im.cells);
    free(im.rec_start);
    free(im.rec_n);
    free(im.rec_row);
    free(im.vals);
    free(im.valid_row);
    if (text && text != raw && text != raw + 3) free(text);
    free(raw);
    json_decref(im.errors);
    json_decref(im.preview);
    json_decref(im.preview_alt);
    return rc;
}

void import_job_register(void) { job_kind_register("import", run_import); }
