/* org_units.c — the organisation tree API (DESIGN.md "Organisation tree and
 * data scope"; issue 2 point 5).
 *
 *   GET /api/v1/org-units?parent=ID   one level of children (keyset paged);
 *                                     &as_of=YYYY-MM-DD: as the tree stood that day
 *   GET /api/v1/org-units/ID          one unit with its ancestors
 *   GET /api/v1/org-units/ID/stats    counts by level below it
 *
 * Subtrees are index range scans on the materialised path, never id lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/scope.h"
#include "http/http.h"
#include "modules/modules.h"
#include "util/timeutil.h"

#define ORG_COLS "o.id, o.parent_id, o.path, o.depth, o.level, o.type, o.name, o.code, o.valid_from, o.valid_to"

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

static void write_org(jw_t *w, db_stmt_t *s) {
    jw_kint(w, "id", db_col_int(s, 0));
    jw_key(w, "parent_id");
    if (db_col_null(s, 1)) jw_null(w);
    else jw_int(w, db_col_int(s, 1));
    jw_kstr(w, "path", db_col_text(s, 2));
    jw_kint(w, "depth", db_col_int(s, 3));
    jw_kstr(w, "level", db_col_text(s, 4));
    jw_kstr(w, "type", db_col_text(s, 5));
    jw_kstr(w, "name", db_col_text(s, 6));
    jw_kstr(w, "code", db_col_text(s, 7));
    jw_kstr(w, "valid_from", db_col_text(s, 8));
    jw_kstr(w, "valid_to", db_col_text(s, 9));
}

/* Loads the unit's path (arena copy) if the unit exists and is in the
 * caller's scope; answers 404 otherwise (no existence leak) and returns NULL. */
static const char *load_path_in_scope(http_req_t *r, int64_t id) {
    if (id <= 0) {
        http_error(r, 404, "not_found", "组织机构不存在");
        return NULL;
    }
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (!s) {
        http_store_error(r);
        return NULL;
    }
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    const char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (rc < 0) {
        http_store_error(r);
        return NULL;
    }
    if (!path || !scope_covers(r, path)) {
        http_error(r, 404, "not_found", "组织机构不存在");
        return NULL;
    }
    return path;
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
    db_stmt_t *s;
    if (as_of) {
        /* the structure on that date (office changes, issue 5): units valid
         * then, with the name and parent they had (org_unit_history) */
        if (!load_path_in_scope(r, parent)) return;
        s = db_prepare(r->db, "SELECT " ORG_COLS_AS_OF ", " CHILDREN_AS_OF " FROM org_units o " HISTORY_AS_OF
                              "WHERE o.id IN (SELECT id FROM org_units WHERE parent_id = $1 "
                              "UNION SELECT org_id FROM org_unit_history WHERE parent_id = $1) "
                              "AND COALESCE(h.parent_id, o.parent_id) = $1 AND " VALID_AS_OF("o")
                              " AND o.id > $2 ORDER BY o.id LIMIT $3");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, parent);
        db_bind_text(s, 4, as_of, -1);
    } else if (parent > 0) {
        if (!load_path_in_scope(r, parent)) return;
        s = db_prepare(r->db,
                       "SELECT " ORG_COLS ", (SELECT COUNT(*) FROM org_units c WHERE c.parent_id = o.id) "
                       "FROM org_units o WHERE o.parent_id = $1 AND o.id > $2 ORDER BY o.id LIMIT $3");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, parent);
    } else {
        /* no parent: the caller's own unit (or the roots when unscoped) */
        const char *own = scope_path(r);
        s = db_prepare(r->db,
                       "SELECT " ORG_COLS ", (SELECT COUNT(*) FROM org_units c WHERE c.parent_id = o.id) "
                       "FROM org_units o WHERE (CASE WHEN CAST($1 AS TEXT) IS NULL THEN o.parent_id IS NULL ELSE o.path = CAST($1 AS TEXT) END) "
                       "AND o.id > $2 ORDER BY o.id LIMIT $3");
        if (!s) return http_store_error(r);
        db_bind_text(s, 1, own, -1);
    }
    db_bind_int(s, 2, after > 0 ? after : 0);
    db_bind_int(s, 3, limit + 1);
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
        write_org(w, s);
        jw_kint(w, "child_count", db_col_int(s, 10));
        jw_obj_end(w);
        last = db_col_int(s, 0);
        n++;
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_key(w, "next");
    if (more) {
        char nx[24];
        snprintf(nx, sizeof(nx), "%lld", (long long)last);
        jw_str(w, nx);
    } else {
        jw_null(w);
    }
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_one(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    /* one read for the unit, its path and the scope check */
    db_stmt_t *s = db_prepare(r->db, "SELECT " ORG_COLS " FROM org_units o WHERE o.id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id > 0 ? id : 0);
    int rc = db_step(s);
    if (rc != DB_ROW || !scope_covers(r, db_col_text(s, 2))) {
        db_reset(s);
        if (rc < 0) return http_store_error(r);
        return http_error(r, 404, "not_found", "组织机构不存在");
    }
    const char *path = arena_strdup(r->arena, db_col_text(s, 2));
    jw_t *w = &r->json;
    jw_obj(w);
    write_org(w, s);
    db_reset(s);
    /* ancestors, root first, read off the path: one query for up to 8 levels */
    jw_key(w, "ancestors");
    jw_arr(w);
    int64_t ids[8] = {0};
    int n = 0;
    for (const char *p = path + 1; *p && n < 8;) {
        int64_t aid = 0;
        while (*p >= '0' && *p <= '9') aid = aid * 10 + (*p++ - '0');
        if (*p == '/') p++;
        if (aid && aid != id) ids[n++] = aid;
    }
    if (n) {
        s = db_prepare(r->db, "SELECT id, name, level FROM org_units WHERE id IN ($1, $2, $3, $4, $5, $6, $7, $8) ORDER BY depth");
        if (!s) return http_store_error(r);
        for (int i = 0; i < 8; i++) db_bind_int(s, i + 1, ids[i]);
        while (db_step(s) == DB_ROW) {
            jw_obj(w);
            jw_kint(w, "id", db_col_int(s, 0));
            jw_kstr(w, "name", db_col_text(s, 1));
            jw_kstr(w, "level", db_col_text(s, 2));
            jw_obj_end(w);
        }
        db_reset(s);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_stats(http_req_t *r) {
    static const char *const levels[] = {"province", "city", "department", "district", "office", "village", NULL};
    int64_t id = http_param_id(r, "id");
    const char *path = load_path_in_scope(r, id);
    if (!path) return;
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
        int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
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

void org_units_register(void) { router_add(routes); }
