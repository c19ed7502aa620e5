/* codes.c — code lists (see codes.h).
 *
 * The cached snapshot holds every list and item in one arena: lists sorted
 * by key, each list's items in display order plus an index sorted by code,
 * so a lookup is two binary searches with no query.  Sorting happens here,
 * not in SQL, so both engines (whose text collations differ) order alike. */
#include "util/validate.h"
#include "engine/codes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "engine/gencache.h"
#include "store/migrations.h"
#include "util/arena.h"

typedef struct code_item {
    const char *code, *label;
    int64_t sort;
    bool active;
} code_item_t;

typedef struct code_list {
    const char *key, *name, *description;
    bool editable;
    int n;
    code_item_t *items;    /* display order: sort, then code */
    code_item_t **by_code; /* for lookups */
} code_list_t;

typedef struct codes_snap {
    arena_t arena; /* everything below */
    int n;
    code_list_t *lists; /* by key */
} codes_snap_t;

static void codes_snap_free(void *p) {
    codes_snap_t *s = p;
    if (!s) return;
    arena_free(&s->arena);
    free(s);
}

typedef struct {
    const char *list;
    code_item_t item;
} loaded_item_t;

static int list_cmp(const void *a, const void *b) {
    return strcmp(((const code_list_t *)a)->key, ((const code_list_t *)b)->key);
}

static int loaded_cmp(const void *a, const void *b) {
    const loaded_item_t *x = a, *y = b;
    int c = strcmp(x->list, y->list);
    if (c) return c;
    if (x->item.sort != y->item.sort) return x->item.sort < y->item.sort ? -1 : 1;
    return strcmp(x->item.code, y->item.code);
}

static int by_code_cmp(const void *a, const void *b) {
    return strcmp((*(code_item_t *const *)a)->code, (*(code_item_t *const *)b)->code);
}

/* Copies a column into the arena ("" for NULL in NOT NULL columns). */
static const char *col(codes_snap_t *s, db_stmt_t *st, int i, bool nullable) {
    const char *v = db_col_text(st, i);
    return v ? arena_strdup(&s->arena, v) : nullable ? NULL : "";
}

static void *codes_snap_load(db_t *db) {
    codes_snap_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    arena_init(&s->arena);
    db_stmt_t *st = db_prepare(db, "SELECT COUNT(*) FROM code_lists");
    int64_t nlists = st && db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
    if (st) db_reset(st);
    st = db_prepare(db, "SELECT COUNT(*) FROM code_items");
    int64_t nitems = st && db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
    if (st) db_reset(st);
    if (nlists < 0 || nitems < 0) goto fail;
    /* the counts bound the arrays; rows added since are read next time */
    s->lists = arena_calloc(&s->arena, (size_t)nlists * sizeof(*s->lists) + 1);
    loaded_item_t *items = arena_calloc(&s->arena, (size_t)nitems * sizeof(*items) + 1);
    st = db_prepare(db, "SELECT key, name, description, editable FROM code_lists");
    if (!st) goto fail;
    int rc = DB_DONE;
    while (s->n < nlists && (rc = db_step(st)) == DB_ROW)
        s->lists[s->n++] = (code_list_t){.key = col(s, st, 0, false), .name = col(s, st, 1, false),
                                         .description = col(s, st, 2, true), .editable = db_col_int(st, 3) != 0};
    db_reset(st);
    if (rc < 0) goto fail;
    st = db_prepare(db, "SELECT list_key, code, label, sort, active FROM code_items");
    if (!st) goto fail;
    int64_t n = 0;
    while (n < nitems && (rc = db_step(st)) == DB_ROW)
        items[n++] = (loaded_item_t){col(s, st, 0, false),
                                     {col(s, st, 1, false), col(s, st, 2, false), db_col_int(st, 3), db_col_int(st, 4) != 0}};
    db_reset(st);
    if (rc < 0) goto fail;
    qsort(s->lists, (size_t)s->n, sizeof(*s->lists), list_cmp);
    qsort(items, (size_t)n, sizeof(*items), loaded_cmp);
    /* both sorted by list key: hand each list its run of items */
    int64_t i = 0;
    for (int l = 0; l < s->n; l++) {
        code_list_t *cl = &s->lists[l];
        while (i < n && strcmp(items[i].list, cl->key) < 0) i++; /* orphans (no list): skipped */
        int64_t start = i;
        while (i < n && strcmp(items[i].list, cl->key) == 0) i++;
        cl->n = (int)(i - start);
        cl->items = arena_alloc(&s->arena, (size_t)cl->n * sizeof(*cl->items) + 1);
        cl->by_code = arena_alloc(&s->arena, (size_t)cl->n * sizeof(*cl->by_code) + 1);
        for (int j = 0; j < cl->n; j++) {
            cl->items[j] = items[start + j].item;
            cl->by_code[j] = &cl->items[j];
        }
        qsort(cl->by_code, (size_t)cl->n, sizeof(*cl->by_code), by_code_cmp);
    }
    return s;
fail:
    codes_snap_free(s);
    return NULL;
}

static gencache_t codes_cache = GENCACHE_INIT("codes", codes_snap_load, codes_snap_free);

void codes_invalidate(void) { gencache_invalidate(&codes_cache); }

static const code_list_t *find_list(const codes_snap_t *s, const char *key) {
    if (!s || !key) return NULL;
    code_list_t probe = {.key = key};
    return bsearch(&probe, s->lists, (size_t)s->n, sizeof(*s->lists), list_cmp);
}

static const code_item_t *find_item(const code_list_t *l, const char *code) {
    if (!l || !code) return NULL;
    code_item_t probe = {.code = code}, *pp = &probe;
    code_item_t **hit = bsearch(&pp, l->by_code, (size_t)l->n, sizeof(*l->by_code), by_code_cmp);
    return hit ? *hit : NULL;
}

bool code_valid(db_t *db, const char *list, const char *code) {
    const code_item_t *it = find_item(find_list(gencache_get(&codes_cache, db), list), code);
    return it && it->active;
}

const char *code_label(db_t *db, const char *list, const char *code) {
    const code_item_t *it = find_item(find_list(gencache_get(&codes_cache, db), list), code);
    return it ? it->label : NULL;
}

/* ---- the lists the migrations seed (code_list_seeded) ---- */

#define MAX_SEEDED 512
static char *seeded[MAX_SEEDED];
static int nseeded = -1; /* -1: not scanned yet */

/* p is at the opening quote of an SQL string ('' stands for '): copies it
 * into out (when out is not NULL, truncated to outlen) and returns the
 * character after the closing quote. */
static const char *sql_string(const char *p, char *out, size_t outlen) {
    size_t n = 0;
    for (p++; *p; p++) {
        if (*p == '\'' && p[1] != '\'') return out ? (out[n] = '\0', p + 1) : p + 1;
        if (*p == '\'') p++;
        if (out && n + 1 < outlen) out[n++] = *p;
    }
    if (out) out[n] = '\0';
    return p;
}

/* Collects the first value of every row of every INSERT INTO code_lists …
 * VALUES (…), (…) statement of sql, skipping comments and strings. */
static void seed_scan(const char *sql) {
    static const char insert[] = "INSERT INTO code_lists";
    const size_t ilen = sizeof(insert) - 1;
    bool in_insert = false, in_values = false;
    for (const char *p = sql; *p;) {
        if (p[0] == '-' && p[1] == '-') {
            p = strchr(p, '\n');
            if (!p) break;
        } else if (*p == '\'') {
            p = sql_string(p, NULL, 0);
        } else if (!in_insert && strncasecmp(p, insert, ilen) == 0 &&
                   !(isalnum((unsigned char)p[ilen]) || p[ilen] == '_')) {
            in_insert = true;
            p += ilen;
        } else if (in_insert && !in_values && strncasecmp(p, "VALUES", 6) == 0 &&
                   !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
            in_values = true;
            p += 6;
        } else if (*p == ';') {
            in_insert = in_values = false;
            p++;
        } else if (in_values && *p == '(') {
            const char *q = p + 1;
            while (isspace((unsigned char)*q)) q++;
            if (*q != '\'') {
                p++;
                continue;
            }
            char key[128];
            p = sql_string(q, key, sizeof(key));
            if (nseeded < MAX_SEEDED) seeded[nseeded++] = strdup(key);
        } else {
            p++;
        }
    }
}

bool code_list_seeded(const char *list) {
    if (nseeded < 0) {
        nseeded = 0;
        for (const migration_t *m = migrations; m->sql; m++) seed_scan(m->sql);
    }
    for (int i = 0; list && i < nseeded; i++)
        if (seeded[i] && strcmp(seeded[i], list) == 0) return true;
    return false;
}

static void write_item(jw_t *w, const code_item_t *it) {
    jw_obj(w);
    jw_kstr(w, "code", it->code);
    jw_kstr(w, "label", it->label);
    jw_kint(w, "sort", it->sort);
    jw_kbool(w, "active", it->active);
    jw_obj_end(w);
}

static void write_items(jw_t *w, const code_list_t *l) {
    jw_arr(w);
    for (int i = 0; l && i < l->n; i++) write_item(w, &l->items[i]);
    jw_arr_end(w);
}

/* 0 with *l set, 1 for an unknown list, -1 when the cache cannot load. */
static int lookup_list(db_t *db, const char *key, const code_list_t **l) {
    const codes_snap_t *s = gencache_get(&codes_cache, db);
    *l = find_list(s, key);
    return !s ? -1 : *l ? 0 : 1;
}

int codes_write_items(db_t *db, const char *list, jw_t *w) {
    const code_list_t *l;
    int rc = lookup_list(db, list, &l);
    write_items(w, l);
    return rc;
}

static void write_list_head(jw_t *w, const code_list_t *l) {
    jw_kstr(w, "key", l->key);
    jw_kstr(w, "name", l->name);
    jw_kstr(w, "description", l->description);
    jw_kbool(w, "editable", l->editable);
}

int codes_write_json(db_t *db, const char *list, jw_t *w) {
    const code_list_t *l;
    int rc = lookup_list(db, list, &l);
    if (rc) return rc;
    jw_obj(w);
    write_list_head(w, l);
    jw_key(w, "items");
    write_items(w, l);
    jw_obj_end(w);
    return 0;
}

/* ---- HTTP ---- */

static const perm_def_t codes_perms[] = {
    {"codes.manage", "维护代码表 (字典)", "sysadmin"},
    {0},
};


/* A code: 1–32 of [A-Za-z0-9_], so it is safe in URLs, exports and SQL dumps. */
static bool code_ok(const char *s) {
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 32 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* GET /api/v1/codes — every list, without items. */
static void get_lists(http_req_t *r) {
    const codes_snap_t *s = gencache_get(&codes_cache, r->db);
    if (!s) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < s->n; i++) {
        jw_obj(w);
        write_list_head(w, &s->lists[i]);
        jw_kint(w, "count", s->lists[i].n);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* GET /api/v1/codes/:list */
static void get_list(http_req_t *r) {
    int rc = codes_write_json(r->db, http_param(r, "list"), &r->json);
    if (rc > 0) return http_error(r, 404, "not_found", "代码表不存在");
    if (rc < 0) return http_store_error(r);
    http_send_json(r, 200);
}

/* The stored item as {"label","sort","active"}, or *row = NULL.  0 or -1. */
static int read_item(db_t *db, const char *list, const char *code, json_t **row) {
    *row = NULL;
    db_stmt_t *s = db_prepare(db, "SELECT label, sort, active FROM code_items WHERE list_key = $1 AND code = $2");
    if (!s) return -1;
    db_bind_text(s, 1, list, -1);
    db_bind_text(s, 2, code, -1);
    int rc = db_step(s);
    if (rc == DB_ROW)
        *row = json_pack("{s:s,s:I,s:b}", "label", db_col_text(s, 0) ? db_col_text(s, 0) : "", "sort",
                         (json_int_t)db_col_int(s, 1), "active", db_col_int(s, 2) != 0);
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* The list's editable flag: 1/0, 2 when there is no such list, -1 on error. */
static int list_editable(db_t *db, const char *list) {
    db_stmt_t *s = db_prepare(db, "SELECT editable FROM code_lists WHERE key = $1");
    if (!s) return -1;
    db_bind_text(s, 1, list, -1);
    int rc = db_step(s);
    int out = rc == DB_ROW ? db_col_int(s, 0) != 0 : rc == DB_DONE ? 2 : -1;
    db_reset(s);
    return out;
}

/* Another active item of the list already shows this label: 1, 0, or -1. */
static int label_taken(db_t *db, const char *list, const char *code, const char *label) {
    db_stmt_t *s = db_prepare(db, "SELECT 1 FROM code_items WHERE list_key = $1 AND label = $2 AND code <> $3 "
                                  "AND active = 1");
    if (!s) return -1;
    db_bind_text(s, 1, list, -1);
    db_bind_text(s, 2, label, -1);
    db_bind_text(s, 3, code, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int64_t next_sort(db_t *db, const char *list) {
    db_stmt_t *s = db_prepare(db, "SELECT COALESCE(MAX(sort), 0) + 10 FROM code_items WHERE list_key = $1");
    if (!s) return -1;
    db_bind_text(s, 1, list, -1);
    int64_t v = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return v;
}

/* PUT /api/v1/codes/:list/:code {label?, sort?, active?} — changes an item
 * (fields left out keep their value) or, for a new code, creates it (label
 * required; sort defaults to after the last item, active to true).  There
 * is no delete: {"active": false} retires a code and keeps its label. */
static void put_item(http_req_t *r) {
    const char *list = http_param(r, "list"), *code = http_param(r, "code");
    if (!code_ok(code)) return http_invalid(r, "code", "代码只能由字母、数字和下划线组成, 不超过 32 个字符");
    json_t *b = http_json_body(r);
    if (!b) return;
    json_t *fields = json_object(), *before = NULL, *after = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (strcmp(k, "label") && strcmp(k, "sort") && strcmp(k, "active"))
            json_object_set_new(fields, k, json_string("未知字段"));
    }
    json_t *label_j = json_object_get(b, "label"), *sort_j = json_object_get(b, "sort"),
           *active_j = json_object_get(b, "active");
    if (label_j && !text_valid(json_string_value(label_j), 50))
        json_object_set_new(fields, "label", json_string("名称不能为空, 不超过 50 个字"));
    if (sort_j && (!json_is_integer(sort_j) || json_integer_value(sort_j) < 0 || json_integer_value(sort_j) > 100000))
        json_object_set_new(fields, "sort", json_string("排序号应为 0 到 100000 之间的整数"));
    if (active_j && !json_is_boolean(active_j))
        json_object_set_new(fields, "active", json_string("启用状态应为 true 或 false"));
    if (json_object_size(fields)) {
        http_invalid_fields(r, fields);
        goto out;
    }
    if (db_begin(r->db) != 0 || gencache_lock_for_write(&codes_cache, r->db) != 0) goto fail;
    int editable = list_editable(r->db, list);
    if (editable < 0) goto fail;
    if (editable == 2 || editable == 0) {
        db_rollback(r->db);
        if (editable == 2) http_error(r, 404, "not_found", "代码表不存在");
        else http_error(r, 409, "code_list_locked", "该代码表由国家标准或系统规定, 不可修改");
        goto out;
    }
    if (read_item(r->db, list, code, &before) != 0) goto fail;
    const char *label = label_j ? json_string_value(label_j)
                        : before ? json_string_value(json_object_get(before, "label")) : NULL;
    int64_t sort = sort_j ? json_integer_value(sort_j)
                   : before ? json_integer_value(json_object_get(before, "sort")) : next_sort(r->db, list);
    bool active = active_j ? json_is_true(active_j) : before ? json_is_true(json_object_get(before, "active")) : true;
    if (!label) {
        db_rollback(r->db);
        http_invalid(r, "label", "新增代码须填写名称");
        goto out;
    }
    if (sort < 0) goto fail;
    int taken = active ? label_taken(r->db, list, code, label) : 0;
    if (taken < 0) goto fail;
    if (taken) {
        db_rollback(r->db);
        http_invalid(r, "label", "该代码表中已有同名的启用代码");
        goto out;
    }
    db_stmt_t *s = db_prepare(r->db, before ? "UPDATE code_items SET label = $3, sort = $4, active = $5 "
                                              "WHERE list_key = $1 AND code = $2"
                                            : "INSERT INTO code_items (list_key, code, label, sort, active) "
                                              "VALUES ($1, $2, $3, $4, $5)");
    if (!s) goto fail;
    db_bind_text(s, 1, list, -1);
    db_bind_text(s, 2, code, -1);
    db_bind_text(s, 3, label, -1);
    db_bind_int(s, 4, sort);
    db_bind_int(s, 5, active);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;
    after = json_pack("{s:s,s:I,s:b}", "label", label, "sort", (json_int_t)sort, "active", active);
    json_t *d = json_pack("{s:s,s:s,s:O?,s:O}", "list", list, "code", code, "before", before, "after", after);
    char *text = d ? json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    int arc = text ? auth_audit(r, before ? "code.update" : "code.create", "code_items", 0, "ok", text) : -1;
    free(text);
    json_decref(d);
    if (arc != 0 || db_commit(r->db) != 0) goto fail;
    codes_invalidate();
    jw_obj(&r->json);
    jw_kstr(&r->json, "list", list);
    jw_kstr(&r->json, "code", code);
    jw_kstr(&r->json, "label", label);
    jw_kint(&r->json, "sort", sort);
    jw_kbool(&r->json, "active", active);
    jw_obj_end(&r->json);
    http_send_json(r, before ? 200 : 201);
    goto out;
fail:
    http_store_error(r);
out:
    json_decref(before);
    json_decref(after);
    json_decref(fields);
    json_decref(b);
}

/* ---- the lists entities declare (entity_t.code_lists) ----
 *
 * At every start, inside one transaction: a declared list missing from the
 * store is created, and each declared code is inserted only when no item of
 * that code exists in the list.  Codes are never deleted (only
 * deactivated), so "the code exists" covers every administrator's change:
 * an edited label, a new sort, a deactivation and a code they added are
 * all kept; only what the store has never had is added. */

typedef struct {
    db_t *db;
    int rc, added;
    char *err;
    size_t errlen;
} seed_t;

static int seed_step(seed_t *c, db_stmt_t *s) {
    int rc = s ? db_step(s) : -1;
    int64_t changed = rc == DB_DONE ? db_changes(s) : 0;
    if (s) db_reset(s);
    if (rc != DB_DONE) {
        snprintf(c->err, c->errlen, "写入声明的字典失败: %s", db_errmsg(c->db));
        return c->rc = -1;
    }
    c->added += changed > 0;
    return 0;
}

static void seed_entity(const entity_t *e, void *arg) {
    seed_t *c = arg;
    for (const code_list_decl_t *l = e->code_lists; c->rc == 0 && l && l->key; l++) {
        db_stmt_t *s = db_prepare(c->db, "INSERT INTO code_lists (key, name, editable) SELECT $1, $2, $3 "
                                         "WHERE NOT EXISTS (SELECT 1 FROM code_lists WHERE key = $1)");
        if (s) {
            db_bind_text(s, 1, l->key, -1);
            db_bind_text(s, 2, l->name, -1);
            db_bind_int(s, 3, l->fixed ? 0 : 1);
        }
        if (seed_step(c, s) != 0) return;
        int sort = 0;
        for (const code_seed_t *k = l->codes; k && k->code; k++) {
            sort += 10;
            s = db_prepare(c->db, "INSERT INTO code_items (list_key, code, label, sort, active) SELECT $1, $2, $3, $4, 1 "
                                  "WHERE NOT EXISTS (SELECT 1 FROM code_items WHERE list_key = $1 AND code = $2)");
            if (s) {
                db_bind_text(s, 1, l->key, -1);
                db_bind_text(s, 2, k->code, -1);
                db_bind_text(s, 3, k->label, -1);
                db_bind_int(s, 4, sort);
            }
            if (seed_step(c, s) != 0) return;
        }
    }
}

int codes_seed_declared(db_t *db, char *err, size_t errlen) {
    seed_t c = {db, 0, 0, err, errlen};
    if (db_begin(db) != 0) {
        snprintf(err, errlen, "写入声明的字典失败: %s", db_errmsg(db));
        return -1;
    }
    entity_each(seed_entity, &c);
    if (c.rc != 0 || db_commit(db) != 0) {
        if (c.rc == 0) snprintf(err, errlen, "写入声明的字典失败: %s", db_errmsg(db));
        db_rollback(db);
        return -1;
    }
    if (c.added) codes_invalidate();
    return 0;
}

static const route_t routes[] = {
    {"GET", "/api/v1/codes", get_lists},
    {"GET", "/api/v1/codes/:list", get_list},
    {"PUT", "/api/v1/codes/:list/:code", put_item, .body_limit = 4096, .perm = "codes.manage"},
    {0},
};

void codes_perms_register(void) { perm_register(codes_perms); }

void codes_register(void) {
    codes_perms_register();
    router_add(routes);
}
