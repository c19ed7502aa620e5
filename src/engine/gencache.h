/* gencache.h — a process-wide cache of a small, rarely edited table set
 * (the working-day calendar, the code lists), shared by every worker thread.
 *
 * A cache holds one immutable snapshot.  Readers take it without locking;
 * it is rebuilt when either
 *  - this process committed an edit (gencache_invalidate, called after the
 *    commit: every thread sees the new data on its next call), or
 *  - the table set's row in cache_generations (bumped by triggers on every
 *    change, migration 0005) moved: checked at most once per
 *    GENCACHE_CHECK_MS, so another process's edit shows within that time.
 * So the hot path costs an atomic load and a clock read, never a query.
 *
 * A replaced snapshot is kept GENCACHE_RETIRE_S seconds before it is freed,
 * so pointers into it (code_label) stay valid for the rest of a request. */
#ifndef SFS_GENCACHE_H
#define SFS_GENCACHE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store/db.h"

#define GENCACHE_CHECK_MS 1000
#define GENCACHE_RETIRE_S 60

typedef struct gencache_retired gencache_retired_t;

typedef struct gencache {
    const char *name;            /* its row in cache_generations */
    void *(*load)(db_t *db);     /* builds a snapshot; NULL on a store error */
    void (*free_snap)(void *s);  /* frees one */
    /* state: zero-initialised, guarded as noted */
    _Atomic(void *) snap;        /* current snapshot, NULL before the first load */
    _Atomic int64_t checked_ms;  /* monotonic time of the last generation check */
    _Atomic uint64_t local;      /* bumped by gencache_invalidate */
    _Atomic uint64_t seen_local; /* the value of local at the last check */
    pthread_mutex_t lock;        /* serialises checks and reloads; below it */
    int64_t gen;                 /* the stored generation the snapshot was loaded at */
    gencache_retired_t *retired; /* replaced snapshots awaiting their time */
} gencache_t;

#define GENCACHE_INIT(name_, load_, free_)                                                                              \
    { .name = (name_), .load = (load_), .free_snap = (free_), .lock = PTHREAD_MUTEX_INITIALIZER }

/* The current snapshot, loaded or reloaded through db when due.  When a
 * reload fails the previous snapshot is returned (stale beats none) and the
 * next call tries again; NULL only when nothing could ever be loaded. */
void *gencache_get(gencache_t *c, db_t *db);
/* Marks the snapshot stale for every thread: call after committing an edit,
 * or after pointing the process at another store (tests). */
void gencache_invalidate(gencache_t *c);
/* Takes the table set's write lock inside the caller's transaction (a row
 * lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds one), so
 * concurrent edits read their "before" state one after another. */
int gencache_lock_for_write(gencache_t *c, db_t *db);
#endif
