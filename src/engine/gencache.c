/* gencache.c — when a process-wide snapshot is reloaded (see gencache.h). */
#include "engine/gencache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

struct gencache_retired {
    void *snap;
    int64_t at_ms;
    gencache_retired_t *next;
};

/* The coarse clock is a few nanoseconds (vDSO) and a millisecond is plenty. */
static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool fresh(gencache_t *c, int64_t now) {
    return atomic_load(&c->snap) && atomic_load(&c->local) == atomic_load(&c->seen_local) &&
           now - atomic_load(&c->checked_ms) < GENCACHE_CHECK_MS;
}

/* The stored generation; false on a store error. */
static bool stored_generation(gencache_t *c, db_t *db, int64_t *gen) {
    db_stmt_t *s = db_prepare(db, "SELECT generation FROM cache_generations WHERE name = $1");
    if (!s) return false;
    db_bind_text(s, 1, c->name, -1);
    int rc = db_step(s);
    if (rc == DB_ROW) *gen = db_col_int(s, 0);
    db_reset(s);
    return rc == DB_ROW;
}

/* Frees the retired snapshots whose time is up (under the lock). */
static void reap(gencache_t *c, int64_t now) {
    gencache_retired_t **p = &c->retired;
    while (*p) {
        gencache_retired_t *r = *p;
        if (now - r->at_ms >= GENCACHE_RETIRE_S * 1000) {
            *p = r->next;
            c->free_snap(r->snap);
            free(r);
        } else {
            p = &r->next;
        }
    }
}

void *gencache_get(gencache_t *c, db_t *db) {
    int64_t now = mono_ms();
    if (fresh(c, now)) return atomic_load(&c->snap);
    pthread_mutex_lock(&c->lock);
    void *cur = atomic_load(&c->snap);
    if (fresh(c, now)) goto out; /* another thread checked meanwhile */
    uint64_t local = atomic_load(&c->local);
    int64_t gen;
    if (!stored_generation(c, db, &gen)) {
        log_warn("%s: cannot read its generation: %s", c->name, db_errmsg(db));
        goto out; /* checked_ms unchanged: the next call tries again */
    }
    if (!cur || gen != c->gen || local != atomic_load(&c->seen_local)) {
        void *next = c->load(db);
        if (!next) {
            log_warn("%s: cannot load: %s", c->name, db_errmsg(db));
            goto out;
        }
        if (cur) {
            gencache_retired_t *r = malloc(sizeof(*r));
            if (r) {
                *r = (gencache_retired_t){cur, now, c->retired};
                c->retired = r;
            } /* else: leak one snapshot rather than free one in use */
        }
        reap(c, now);
        atomic_store(&c->snap, next);
        cur = next;
        c->gen = gen;
    }
    atomic_store(&c->seen_local, local);
    atomic_store(&c->checked_ms, now);
out:
    pthread_mutex_unlock(&c->lock);
    return cur;
}

void gencache_invalidate(gencache_t *c) { atomic_fetch_add(&c->local, 1); }

int gencache_lock_for_write(gencache_t *c, db_t *db) {
    db_stmt_t *s = db_prepare(db, "UPDATE cache_generations SET generation = generation + 1 WHERE name = $1");
    if (!s) return -1;
    db_bind_text(s, 1, c->name, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}
