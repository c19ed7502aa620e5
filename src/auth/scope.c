#include "auth/scope.h"

#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "store/db.h"
#include "util/arena.h"

const char *(*scope_path_hook)(http_req_t *r);
bool (*scope_unit_hook)(http_req_t *r, int64_t id, scope_unit_t *u);

void scope_upper(const char *path, char *out, size_t n) {
    snprintf(out, n, "%s", path);
    size_t l = strlen(out);
    if (l && out[l - 1] == '/') out[l - 1] = '0';
}

const char *scope_path(http_req_t *r) { return scope_path_hook ? scope_path_hook(r) : NULL; }

bool scope_covers(http_req_t *r, const char *path) {
    const char *own = scope_path(r);
    return !own || strncmp(path, own, strlen(own)) == 0;
}

/* A store error answers 503 here when r is a request (the first answer is
 * the one sent: the caller's "no such unit" after it never leaves). */
static bool unit_from_store(http_req_t *r, int64_t id, scope_unit_t *u) {
    db_stmt_t *s = db_prepare(r->db, "SELECT path, name FROM org_units WHERE id = $1");
    int rc = DB_ERR;
    if (s) {
        db_bind_int(s, 1, id);
        rc = db_step(s);
        if (rc == DB_ROW) {
            u->path = arena_strdup(r->arena, db_col_text(s, 0));
            u->name = arena_strdup(r->arena, db_col_text(s, 1));
        }
        db_reset(s);
    }
    if (rc < 0 && r->ev) http_store_error(r);
    return u->path != NULL;
}

bool scope_unit(http_req_t *r, int64_t id, scope_unit_t *u) {
    *u = (scope_unit_t){0};
    if (scope_unit_hook && scope_unit_hook(r, id, u)) return u->path != NULL;
    return unit_from_store(r, id, u);
}

const char *scope_unit_path(http_req_t *r, int64_t id) {
    scope_unit_t u;
    return scope_unit(r, id, &u) ? arena_strdup(r->arena, u.path) : NULL;
}

const char *scope_unit_name(http_req_t *r, int64_t id) {
    scope_unit_t u;
    if (scope_unit(r, id, &u)) return u.name;
    /* a record's unit exists (a foreign key): one the snapshot does not know
     * yet was added by another process within the last second */
    return unit_from_store(r, id, &u) ? u.name : NULL;
}
