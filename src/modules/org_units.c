/* org_units.c — the organisation tree API (DESIGN.md "Organisation tree and
 * data scope"; issue 2 point 5).
 *
 *   GET /api/v1/org-units?parent=ID   one level of children (keyset paged);
 *   GET /api/v1/org-units?q=TEXT      units in scope whose name holds TEXT;
 *                                     &as_of=YYYY-MM-DD: as the tree stood that day
 *   GET /api/v1/org-units/ID          one unit with its ancestors
 *   GET /api/v1/org-units/ID/stats    counts by level below it
 *
 * Subtrees are index range scans on the materialised path, never id lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/gencache.h"
#include "http/http.h"
#include "modules/modules.h"
#include "util/arena.h"
#include "util/timeutil.h"

/* ---- the tree in memory ----
 *
 * The tree is small (6.8 k units in Shanghai, ~40 k nationwide) and edited
 * rarely, so every worker reads one process-wide snapshot (gencache.h): a
 * unit by id is a binary search, its answer is rendered once per snapshot,
 * and a level of children is a run of an array.  Migration 0010's triggers
 * bump the generation on every change, so an edit by any process shows
 * within GENCACHE_CHECK_MS; a writer in this process calls
 * org_units_invalidate() after its commit for at once. */

/* As of a date $4 (list_children ?as_of=): valid then, with the name and
 * parent from the org_unit_history row covering it, children counted the same way. */
#define VALID_AS_OF(t) t ".valid_from <= $4 AND (" t ".valid_to IS NULL OR " t ".valid_to > $4)"
#define HISTORY_AS_OF "LEFT JOIN org_unit_history h ON h.org_id = o.id AND h.valid_from <= $4 AND h.valid_to > $4 "
#define ORG_COLS_AS_OF                                                                                                 \
    "o.id, COALESCE(h.parent_id, o.parent_id), o.path, o.depth, o.level, o.type, COALESCE(h.name, o.name), o.code, "   \
    "o.valid_from, o.valid_to"
#define CHILDREN_AS_OF                                                                                                 \
    "(SELECT COUNT(*) FROM org_units c WHERE c.parent_id = o.id AND " VALID_AS_OF("c")                                 \
    " AND NOT EXISTS (SELECT 1 FROM org_unit_history ch WHERE ch.org_id = c.id AND ch.valid_from <= $4 "              \
    "AND ch.valid_to > $4)) + (SELECT COUNT(*) FROM org_unit_history ch JOIN org_units c ON c.id = ch.org_id "         \
    "WHERE ch.parent_id = o.id AND ch.valid_from <= $4 AND ch.valid_to > $4 AND " VALID_AS_OF("c") ")"

typedef struct org_unit {
    int64_t id, parent_id, depth; /* parent_id 0: a root */
    const char *path, *level, *type, *name, *code, *valid_from, *valid_to;
    const char *body; /* GET /api/v1/org-units/ID, rendered */
    size_t body_len;
    int64_t kids, nkids; /* children: snap->by_parent[kids .. kids + nkids) */
} org_unit_t;

typedef struct {
    arena_t arena;
    int64_t n, nroots;
    org_unit_t *units;       /* by id */
    org_unit_t **by_parent;  /* by (parent_id, id): roots first, then each unit's children */
} org_snap_t;

static void write_org(jw_t *w, const org_unit_t *u) {
    jw_kint(w, "id", u->id);
    jw_key(w, "parent_id");
    if (!u->parent_id) jw_null(w);
    else jw_int(w, u->parent_id);
    jw_kstr(w, "path", u->path);
    jw_kint(w, "depth", u->depth);
    jw_kstr(w, "level", u->level);
    jw_kstr(w, "type", u->type);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "code", u->code);
    jw_kstr(w, "valid_from", u->valid_from);
    jw_kstr(w, "valid_to", u->valid_to);
}

static int unit_cmp(const void *a, const void *b) {
    int64_t x = ((const org_unit_t *)a)->id, y = ((const org_unit_t *)b)->id;
    return (x > y) - (x < y);
}

static int parent_cmp(const void *a, const void *b) {
    const org_unit_t *x = *(org_unit_t *const *)a, *y = *(org_unit_t *const *)b;
    if (x->parent_id != y->parent_id) return (x->parent_id > y->parent_id) - (x->parent_id < y->parent_id);
    return (x->id > y->id) - (x->id < y->id);
}

static const org_unit_t *unit_by_id(const org_snap_t *s, int64_t id) {
    org_unit_t probe = {.id = id};
    return s && id > 0 ? bsearch(&probe, s->units, (size_t)s->n, sizeof(*s->units), unit_cmp) : NULL;
}

static void org_snap_free(void *p) {
    org_snap_t *s = p;
    if (!s) return;
    arena_free(&s->arena);
    free(s);
}

static const char *dup_col(org_snap_t *s, db_stmt_t *st, int i) {
    const char *v = db_col_text(st, i);
    return v ? arena_strdup(&s->arena, v) : NULL;
}

/* Renders one unit's answer: its columns and its ancestors, root first. */
static void render(org_snap_t *s, org_unit_t *u, buf_t *tmp) {
    jw_t w;
    buf_clear(tmp);
    jw_init(&w, tmp);
    jw_obj(&w);
    write_org(&w, u);
    jw_key(&w, "ancestors");
    jw_arr(&w);
    int n = 0;
    for (const char *p = u->path + 1; *p && n < 8;) {
        int64_t aid = 0;
        while (*p >= '0' && *p <= '9') aid = aid * 10 + (*p++ - '0');
        if (*p == '/') p++;
        const org_unit_t *a = aid && aid != u->id ? unit_by_id(s, aid) : NULL;
        if (!a) continue;
        n++;
        jw_obj(&w);
        jw_kint(&w, "id", a->id);
        jw_kstr(&w, "name", a->name);
        jw_kstr(&w, "level", a->level);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    u->body = arena_strndup(&s->arena, tmp->data, tmp->len);
    u->body_len = tmp->len;
}

static void *org_snap_load(db_t *db) {
    org_snap_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    arena_init(&s->arena);
    int64_t total = db_query_int(db, "SELECT COUNT(*) FROM org_units", -1);
    db_stmt_t *st = total < 0 ? NULL : db_prepare(db, "SELECT id, parent_id, path, depth, level, type, name, code, "
                                                      "valid_from, valid_to FROM org_units ORDER BY id");
    if (!st) goto fail;
    /* the count bounds the array; a unit added since is read next time */
    s->units = arena_calloc(&s->arena, (size_t)total * sizeof(*s->units) + 1);
    int rc = DB_DONE;
    while (s->n < total && (rc = db_step(st)) == DB_ROW) {
        org_unit_t *u = &s->units[s->n++];
        *u = (org_unit_t){.id = db_col_int(st, 0), .parent_id = db_col_null(st, 1) ? 0 : db_col_int(st, 1),
                          .path = dup_col(s, st, 2), .depth = db_col_int(st, 3), .level = dup_col(s, st, 4),
                          .type = dup_col(s, st, 5), .name = dup_col(s, st, 6), .code = dup_col(s, st, 7),
                          .valid_from = dup_col(s, st, 8), .valid_to = dup_col(s, st, 9)};
    }
    db_reset(st);
    if (rc < 0) goto fail;
    s->by_parent = arena_alloc(&s->arena, (size_t)s->n * sizeof(*s->by_parent) + 1);
    for (int64_t i = 0; i < s->n; i++) s->by_parent[i] = &s->units[i];
    qsort(s->by_parent, (size_t)s->n, sizeof(*s->by_parent), parent_cmp);
    while (s->nroots < s->n && s->by_parent[s->nroots]->parent_id == 0) s->nroots++;
    for (int64_t i = s->nroots; i < s->n;) {
        int64_t j = i;
        while (j < s->n && s->by_parent[j]->parent_id == s->by_parent[i]->parent_id) j++;
        org_unit_t *parent = (org_unit_t *)unit_by_id(s, s->by_parent[i]->parent_id);
        if (parent) parent->kids = i, parent->nkids = j - i;
        i = j;
    }
    buf_t tmp = BUF_INIT;
    for (int64_t i = 0; i < s->n; i++) render(s, &s->units[i], &tmp);
    buf_free(&tmp);
    return s;
fail:
    org_snap_free(s);
    return NULL;
}

static gencache_t org_cache = GENCACHE_INIT("org_units", org_snap_load, org_snap_free);

void org_units_invalidate(void) { gencache_invalidate(&org_cache); }

/* scope_unit_hook: a unit's path and name from the snapshot. */
static bool unit_lookup(http_req_t *r, int64_t id, scope_unit_t *out) {
    const org_snap_t *s = gencache_get(&org_cache, r->db);
    if (!s) return false;
    const org_unit_t *u = unit_by_id(s, id);
    if (u) *out = (scope_unit_t){u->path, u->name};
    return true;
}

/* The current snapshot, or NULL after answering 503. */
static const org_snap_t *snapshot(http_req_t *r) {
    const org_snap_t *s = gencache_get(&org_cache, r->db);
    if (!s) http_store_error(r);
    return s;
}

/* The unit if it exists and is in the caller's scope; answers 404 otherwise
 * (no existence leak) and returns NULL. */
static const org_unit_t *unit_in_scope(http_req_t *r, const org_snap_t *s, int64_t id) {
    const org_unit_t *u = unit_by_id(s, id);
    if (!u || !scope_covers(r, u->path)) {
        http_error(r, 404, "not_found", "组织机构不存在");
        return NULL;
    }
    return u;
}

/* The keyset cursor of a children page: the last id, or null at the end. */
static void write_next(jw_t *w, bool more, int64_t last) {
    jw_key(w, "next");
    if (more) {
        char nx[24];
        snprintf(nx, sizeof(nx), "%lld", (long long)last);
        jw_str(w, nx);
    } else {
        jw_null(w);
    }
}

/* One level of children as the tree stood on as_of (office changes, issue
 * 5): units valid then, with the name and parent they had
 * (org_unit_history).  Rare, so read from the store, not the snapshot. */
static void list_as_of(http_req_t *r, int64_t parent, int64_t after, int limit, const char *as_of) {
    db_stmt_t *s = db_prepare(r->db, "SELECT " ORG_COLS_AS_OF ", " CHILDREN_AS_OF " FROM org_units o " HISTORY_AS_OF
                                     "WHERE o.id IN (SELECT id FROM org_units WHERE parent_id = $1 "
                                     "UNION SELECT org_id FROM org_unit_history WHERE parent_id = $1) "
                                     "AND COALESCE(h.parent_id, o.parent_id) = $1 AND " VALID_AS_OF("o")
                                     " AND o.id > $2 ORDER BY o.id LIMIT $3");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, parent);
    db_bind_int(s, 2, after > 0 ? after : 0);
    db_bind_int(s, 3, limit + 1);
    db_bind_text(s, 4, as_of, -1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0, rc;
    int64_t last = 0;
    bool more = false;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == limit) {
            more = true;
            break;
        }
        jw_obj(w);
        const org_unit_t u = {.id = db_col_int(s, 0), .parent_id = db_col_null(s, 1) ? 0 : db_col_int(s, 1),
                              .path = db_col_text(s, 2), .depth = db_col_int(s, 3), .level = db_col_text(s, 4),
                              .type = db_col_text(s, 5), .name = db_col_text(s, 6), .code = db_col_text(s, 7),
                              .valid_from = db_col_text(s, 8), .valid_to = db_col_text(s, 9)};
        write_org(w, &u); /* the columns of ORG_COLS_AS_OF, valid until the next step */
        jw_kint(w, "child_count", db_col_int(s, 10));
        jw_obj_end(w);
        last = db_col_int(s, 0);
        n++;
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    write_next(w, more, last);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* GET /api/v1/org-units?q=TEXT: the units in the caller's scope whose name
 * holds TEXT (a village found by part of its name, in a picker on a phone,
 * without opening the tree), each with its parent's name, at most limit
 * (default 20).  A scan of the in-memory snapshot: ~7 000 units, microseconds. */
static void search_units(http_req_t *r, const org_snap_t *s, const char *q, int limit) {
    const char *own = scope_path(r);
    size_t lown = own ? strlen(own) : 0;
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0;
    bool more = false;
    for (int64_t i = 0; i < s->n; i++) {
        const org_unit_t *u = &s->units[i];
        if ((own && strncmp(u->path, own, lown) != 0) || !strstr(u->name, q)) continue;
        if (n == limit) {
            more = true;
            break;
        }
        const org_unit_t *p = u->parent_id ? unit_by_id(s, u->parent_id) : NULL;
        jw_obj(w);
        write_org(w, u);
        jw_kint(w, "child_count", u->nkids);
        jw_kstr(w, "parent_name", p ? p->name : NULL);
        jw_obj_end(w);
        n++;
    }
    jw_arr_end(w);
    jw_kbool(w, "more", more);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void list_children(http_req_t *r) {
    int64_t parent = http_query_id(r, "parent");
    int64_t after = http_query_id(r, "after");
    const char *lim = http_query(r, "limit");
    if (parent == -2 || after == -2) {
        http_error(r, 422, "validation_failed", "参数 parent/after 必须是正整数");
        return;
    }
    int limit = 200;
    if (lim) {
        limit = atoi(lim);
        if (limit < 1 || limit > 1000) {
            http_error(r, 422, "validation_failed", "参数 limit 必须在 1 到 1000 之间");
            return;
        }
    }
    const char *as_of = http_query(r, "as_of");
    if (as_of && (!date_valid(as_of) || parent <= 0)) {
        http_error(r, 422, "validation_failed", "参数 as_of 应为 YYYY-MM-DD, 且须与 parent 一起使用");
        return;
    }
    const char *q = http_query(r, "q");
    if (q && (!*q || strlen(q) > 100)) {
        http_error(r, 422, "validation_failed", "参数 q 应为 1 到 100 字节的名称片段");
        return;
    }
    if (q && (parent > 0 || after > 0 || as_of)) {
        http_error(r, 422, "validation_failed", "参数 q 不能与 parent、after 或 as_of 一起使用");
        return;
    }
    const org_snap_t *s = snapshot(r);
    if (!s) return;
    if (q) return search_units(r, s, q, lim ? limit : 20);
    if (as_of) {
        if (unit_in_scope(r, s, parent)) list_as_of(r, parent, after, limit, as_of);
        return;
    }
    org_unit_t *const *run;
    int64_t nrun;
    const char *own = scope_path(r);
    if (parent > 0) {
        const org_unit_t *p = unit_in_scope(r, s, parent);
        if (!p) return;
        run = s->by_parent + p->kids;
        nrun = p->nkids;
    } else if (!own) {
        /* no parent and unscoped: the roots */
        run = s->by_parent;
        nrun = s->nroots;
    } else {
        /* no parent: the caller's own unit (a scan, once per tree view) */
        run = NULL;
        nrun = 0;
        for (int64_t i = 0; i < s->n && !run; i++)
            if (strcmp(s->by_parent[i]->path, own) == 0) run = s->by_parent + i, nrun = 1;
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0;
    int64_t last = 0;
    bool more = false;
    for (int64_t i = 0; i < nrun; i++) {
        const org_unit_t *u = run[i];
        if (after > 0 && u->id <= after) continue;
        if (n == limit) {
            more = true;
            break;
        }
        jw_obj(w);
        write_org(w, u);
        jw_kint(w, "child_count", u->nkids);
        jw_obj_end(w);
        last = u->id;
        n++;
    }
    jw_arr_end(w);
    write_next(w, more, last);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_one(http_req_t *r) {
    const org_snap_t *s = snapshot(r);
    const org_unit_t *u = s ? unit_in_scope(r, s, http_param_id(r, "id")) : NULL;
    if (!u) return;
    buf_add(r->out, u->body, u->body_len);
    http_send_json(r, 200);
}

static void get_stats(http_req_t *r) {
    static const char *const levels[] = {"province", "city", "department", "district", "office", "village", NULL};
    int64_t id = http_param_id(r, "id");
    const org_snap_t *snap = snapshot(r);
    const org_unit_t *u = snap ? unit_in_scope(r, snap, id) : NULL;
    if (!u) return;
    const char *path = u->path;
    char hi[512];
    scope_upper(path, hi, sizeof(hi));
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "id", id);
    jw_key(w, "counts");
    jw_obj(w);
    for (int i = 0; levels[i]; i++) {
        /* strictly below: the unit itself is excluded by path > prefix */
        db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM org_units WHERE level = $1 AND path > $2 AND path < $3");
        if (!s) return http_store_error(r);
        db_bind_text(s, 1, levels[i], -1);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, hi, -1);
        int rc = db_step(s);
        int64_t n = rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (rc < 0) return http_store_error(r);
        if (n) jw_kint(w, levels[i], n);
    }
    jw_obj_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/org-units", list_children, .perm = "org.read"},
    {"GET", "/api/v1/org-units/:id", get_one, .perm = "org.read"},
    {"GET", "/api/v1/org-units/:id/stats", get_stats, .perm = "org.read"},
    {0},
};

void org_units_register(void) {
    router_add(routes);
    scope_unit_hook = unit_lookup;
}
