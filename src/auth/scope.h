/* scope.h — data scope: a user reads and writes only within the subtree of
 * their own org unit (DESIGN.md "Organisation tree and data scope").
 *
 * A subtree is the half-open range [path, upper(path)) on the materialised
 * path, which both engines answer from a btree index: upper() replaces the
 * final '/' with '0', the next byte, so '/1/4/' ≤ p < '/1/40' holds exactly
 * for the paths that start with '/1/4/'. */
#ifndef SFS_SCOPE_H
#define SFS_SCOPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* Writes the exclusive upper bound of path's subtree into out. */
void scope_upper(const char *path, char *out, size_t n);
/* The caller's scope root path, or NULL when the request is unscoped. */
const char *scope_path(http_req_t *r);
/* True when path lies within the caller's scope. */
bool scope_covers(http_req_t *r, const char *path);
/* Identity layer sets this: returns the org path of the signed-in principal. */
extern const char *(*scope_path_hook)(http_req_t *r);
/* An org unit as the lookups below see it. */
typedef struct scope_unit {
    const char *path, *name;
} scope_unit_t;
/* Org unit id's path and name; false when there is no such unit, or when
 * the store cannot say (a request is answered 503 then).  From the org units module's in-memory snapshot when it
 * has one (no round trip; another process's edit shows within a second,
 * gencache.h), else from the store.  The strings point into the snapshot
 * (kept GENCACHE_RETIRE_S seconds after it is replaced) or r's arena: use
 * them within the request, copy to keep.  For reads: a write that must see
 * the committed tree reads it in its transaction. */
bool scope_unit(http_req_t *r, int64_t id, scope_unit_t *u);
/* Its path, copied into r's arena; NULL when there is no such unit. */
const char *scope_unit_path(http_req_t *r, int64_t id);
/* Its name (as scope_unit; a unit the snapshot does not know yet is looked
 * up in the store), NULL when there is no such unit: a record's org_name, so
 * a list page's rows cost no subquery each. */
const char *scope_unit_name(http_req_t *r, int64_t id);
/* The org units module sets this: true with *u set (u->path NULL: no such
 * unit) when its snapshot answers, false when the snapshot cannot be loaded. */
extern bool (*scope_unit_hook)(http_req_t *r, int64_t id, scope_unit_t *u);
#endif
