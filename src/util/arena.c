#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 16384

struct arena_block {
    arena_block_t *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

static arena_block_t *block_new(size_t cap, arena_block_t *next) {
    arena_block_t *b = malloc(sizeof(*b) + cap);
    if (!b) {
        fputs("out of memory\n", stderr);
        abort();
    }
    b->next = next;
    b->cap = cap;
    return b;
}

void arena_init(arena_t *a) {
    a->head = NULL;
    a->used = 0;
}

void *arena_alloc(arena_t *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    if (!a->head || a->used + n > a->head->cap) {
        if (n > ARENA_BLOCK / 2) {
            /* big allocation: own block, slotted behind head so head keeps its free space */
            arena_block_t *b = block_new(n, a->head ? a->head->next : NULL);
            if (a->head) a->head->next = b;
            else {
                a->head = b;
                a->used = n;
            }
            return b->data;
        }
        a->head = block_new(ARENA_BLOCK, a->head);
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    return p;
}

void *arena_calloc(arena_t *a, size_t n) {
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena_t *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(arena_t *a, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof(tmp)) return arena_strndup(a, tmp, (size_t)n);
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_reset(arena_t *a) {
    if (!a->head) return;
    /* keep one standard-size block for reuse */
    arena_block_t *keep = NULL, *b = a->head;
    while (b) {
        arena_block_t *next = b->next;
        if (!keep && b->cap == ARENA_BLOCK) keep = b;
        else free(b);
        b = next;
    }
    if (keep) keep->next = NULL;
    a->head = keep;
    a->used = 0;
}

void arena_free(arena_t *a) {
    arena_block_t *b = a->head;
    while (b) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}
