/* arena.h — region allocator for request-scoped memory (h2o-style pool).
 *
 * Everything a request allocates comes from its worker's arena and is freed
 * at once when the request ends (arena_reset).  Allocation never returns
 * NULL: on out-of-memory the process aborts, as Kore's allocators do. */
#ifndef SFS_ARENA_H
#define SFS_ARENA_H
#include <stddef.h>

typedef struct arena_block arena_block_t;
typedef struct arena {
    arena_block_t *head;  /* current block; older blocks chained behind */
    size_t used;          /* bytes used in head */
} arena_t;

void arena_init(arena_t *a);
void *arena_alloc(arena_t *a, size_t n);           /* 16-byte aligned, uninitialised */
void *arena_calloc(arena_t *a, size_t n);
char *arena_strdup(arena_t *a, const char *s);
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every block but the first, which is kept for reuse. */
void arena_reset(arena_t *a);
void arena_free(arena_t *a);
#endif
