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
/* The path of org unit id (in r's arena), NULL when there is no such unit.
 * From the org units module's in-memory snapshot when it has one (a list's
 * ?org_id= then costs no round trip; another process's edit shows within a
 * second, gencache.h), else from the store.  For reads: a write that must
 * see the committed tree reads it in its transaction. */
const char *scope_unit_path(http_req_t *r, int64_t id);
/* The org units module sets this: true with *path set (NULL: no such unit)
 * when its snapshot answers, false when the snapshot cannot be loaded. */
extern bool (*scope_unit_path_hook)(http_req_t *r, int64_t id, const char **path);
#endif
