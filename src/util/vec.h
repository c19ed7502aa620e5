/* vec.h — room for one more item in an array that grows (registries filled
 * at start: entities, permissions, hooks, routes, job kinds), so no table
 * drops an entry past a fixed size (issue 15: no silent limits). */
#ifndef SFS_VEC_H
#define SFS_VEC_H
#include <stdlib.h>

/* Returns p, or a larger copy when its n items fill *cap (doubled, first
 * when 0); items are elem bytes.  Aborts when memory is exhausted. */
static inline void *vec_reserve(void *p, int n, int *cap, size_t elem, int first) {
    if (n < *cap) return p;
    *cap = *cap ? *cap * 2 : first;
    p = realloc(p, elem * (size_t)*cap);
    if (!p) abort();
    return p;
}
#endif
