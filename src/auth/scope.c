#include "auth/scope.h"

#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "util/arena.h"

const char *(*scope_path_hook)(http_req_t *r);
bool (*scope_unit_path_hook)(http_req_t *r, int64_t id, const char **path);

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

const char *scope_unit_path(http_req_t *r, int64_t id) {
    const char *path = NULL;
    if (scope_unit_path_hook && scope_unit_path_hook(r, id, &path)) return path;
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (!s) return NULL;
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW) path = arena_strdup(r->arena, db_col_text(s, 0));
    db_reset(s);
    return path;
}
