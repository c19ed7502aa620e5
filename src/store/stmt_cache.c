/* stmt_cache.c — the per-connection cache of prepared statements, keyed by
 * their SQL text, shared by both drivers (sqlite.c, postgres.c).
 *
 * A statement is in use from db_prepare until db_reset (db_stmt_t.active).
 * When the table is full a new statement takes the place of an idle one on
 * its probe path, never one in use: a caller may hold a statement (its rows
 * still being read) while it prepares any number of others.  When every
 * statement is in use the table doubles instead (issue 15: no silent limits). */
#include <stdlib.h>
#include <string.h>

#include "store/driver.h"
#include "util/log.h"

/* Eight bytes a step (a multiply-xorshift mix): a record's statement with
 * its children and ref names is some 4 KB of text, hashed on every prepare;
 * a byte at a time that was 4 % of a GET. */
uint64_t stmt_hash(const char *sql) {
    size_t n = strlen(sql);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
    for (; n >= 8; n -= 8, sql += 8) {
        memcpy(&w, sql, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, sql, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

db_stmt_t *stmt_cache_find(const stmt_cache_t *c, const char *sql, uint64_t h) {
    if (!c->cap) return NULL;
    size_t mask = c->cap - 1, slot = h & mask;
    for (size_t probe = 0; probe < c->cap; probe++, slot = (slot + 1) & mask) {
        db_stmt_t *s = c->slot[slot];
        if (!s) return NULL;
        if (s->hash == h && strcmp(s->sql, sql) == 0) return s;
    }
    return NULL;
}

/* Puts s into the first empty slot of its probe path; false when none. */
static bool put_empty(stmt_cache_t *c, db_stmt_t *s) {
    size_t mask = c->cap - 1, slot = s->hash & mask;
    for (size_t probe = 0; probe < c->cap; probe++, slot = (slot + 1) & mask)
        if (!c->slot[slot]) {
            c->slot[slot] = s;
            c->n++;
            return true;
        }
    return false;
}

static void grow(stmt_cache_t *c) {
    stmt_cache_t g = {.cap = c->cap ? c->cap * 2 : STMT_CACHE_SIZE};
    g.slot = calloc(g.cap, sizeof(*g.slot));
    if (!g.slot) abort();
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i]) put_empty(&g, c->slot[i]);
    free(c->slot);
    *c = g;
}

void stmt_cache_add(stmt_cache_t *c, db_stmt_t *s, void (*drop)(db_stmt_t *)) {
    if (!c->cap) grow(c);
    if (put_empty(c, s)) return;
    /* full: replace an idle statement in place (the probe chains stay whole) */
    size_t mask = c->cap - 1, slot = s->hash & mask;
    for (size_t probe = 0; probe < c->cap; probe++, slot = (slot + 1) & mask)
        if (!c->slot[slot]->active) {
            drop(c->slot[slot]);
            c->slot[slot] = s;
            return;
        }
    grow(c); /* every statement is in use */
    log_warn("statement cache: %zu statements in use at once on one connection, grown to %zu slots", c->n, c->cap);
    put_empty(c, s);
}

void stmt_cache_free(stmt_cache_t *c, void (*drop)(db_stmt_t *)) {
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i]) drop(c->slot[i]);
    free(c->slot);
    *c = (stmt_cache_t){0};
}
