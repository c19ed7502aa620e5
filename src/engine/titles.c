/* titles.c — the titles of referenced records (a case's 调解组织 and 调解员),
 * from a process-wide cache instead of a subquery in every statement.
 *
 * Why: on PostgreSQL each further table a statement names costs the backend
 * its locks, its executor set-up and its plan — a case's GET with the two ref
 * names as subqueries cost 200 K more backend instructions than without,
 * even when both refs were empty (docs/performance.md, issue 15).  Titles
 * change rarely (a mediator's person, an organisation's name), so they are
 * kept here by id and read from the store only on a miss.
 *
 * Consistency: a cache per target entity, emptied
 *  - in this process, when the engine writes that entity (engine_titles_wrote,
 *    from engine_notify_write, inside the writing transaction), and
 *  - when the entity's row in cache_generations moved, checked at most once
 *    per TITLES_CHECK_MS: triggers (schema.c, titles_ddl) bump it in the
 *    transaction that changes a title or a unit path, whoever writes (another
 *    node, a merge, an office change, psql).
 * A value read from the store is kept only when no emptying happened while it
 * was read (the epoch), so a title read before a change is never kept after
 * it in this process; another process's change shows within the check time.
 *
 * The cache holds "<org_path>|<title>" (as the subquery gave it), so
 * engine_ref_display still decides, per reader, whether the title may show. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "util/log.h"

#define TITLES_CHECK_MS 1000
#define TITLES_SLOTS 8192 /* per entity; emptied when three quarters full */

typedef struct {
    int64_t id; /* 0: empty */
    char *text;
} tslot_t;

typedef struct {
    const entity_t *e;
    char gen_name[96];
    char *sql; /* the title of $1, "<org_path>|<title>" */
    pthread_mutex_t lock;
    int64_t gen;        /* the stored generation at the last check */
    int64_t checked_ms; /* 0: never checked */
    uint64_t epoch;     /* bumped by every emptying */
    tslot_t *slots;
    size_t used;
} tcache_t;

static tcache_t *caches;
static int ncaches;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

static void empty(tcache_t *c) {
    for (size_t i = 0; i < TITLES_SLOTS; i++) {
        free(c->slots[i].text);
        c->slots[i] = (tslot_t){0};
    }
    c->used = 0;
    c->epoch++;
}

static tcache_t *cache_of(const entity_t *e) {
    for (int i = 0; i < ncaches; i++)
        if (caches[i].e == e) return &caches[i];
    return NULL;
}

static size_t slot_of(int64_t id) { return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 51) & (TITLES_SLOTS - 1); }

static void mark_target(const entity_t *e, void *arg) {
    (void)arg;
    for (const field_t *f = e->fields; f->name; f++) {
        if (!engine_entity_ref(f)) continue;
        const entity_t *te = entity_find(f->ref);
        if (!te || !entity_title_field(te) || cache_of(te)) continue;
        tcache_t *c = &caches[ncaches++];
        *c = (tcache_t){.e = te, .gen = -1};
        pthread_mutex_init(&c->lock, NULL);
        snprintf(c->gen_name, sizeof(c->gen_name), "titles:%s", te->name);
        c->slots = calloc(TITLES_SLOTS, sizeof(tslot_t));
        buf_t sql = BUF_INIT;
        buf_puts(&sql, "SELECT ");
        engine_ref_name_sql(f, "x", &sql);
        buf_printf(&sql, " FROM (SELECT CAST($1 AS BIGINT) AS %s) x", f->name);
        c->sql = strdup(sql.data);
        buf_free(&sql);
        if (!c->slots || !c->sql) {
            log_error("titles: out of memory");
            abort();
        }
    }
}

static void count_refs(const entity_t *e, void *arg) {
    for (const field_t *f = e->fields; f->name; f++) *(int *)arg += engine_entity_ref(f);
}

void engine_titles_init(void) {
    if (caches) return;
    int n = 0;
    entity_each(count_refs, &n);
    caches = calloc((size_t)n + 1, sizeof(tcache_t));
    if (!caches) {
        log_error("titles: out of memory");
        abort();
    }
    entity_each(mark_target, NULL);
}

bool engine_titles_target(const entity_t *e) {
    if (!caches) engine_titles_init();
    return cache_of(e) != NULL;
}

const char *engine_titles_generation(const entity_t *e) {
    tcache_t *c = engine_titles_target(e) ? cache_of(e) : NULL;
    return c ? c->gen_name : NULL;
}

void engine_titles_wrote(const entity_t *e) {
    tcache_t *c = caches ? cache_of(e) : NULL;
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    empty(c);
    pthread_mutex_unlock(&c->lock);
}

void engine_titles_forget(void) {
    for (int i = 0; i < ncaches; i++) engine_titles_wrote(caches[i].e);
}

/* The stored generation of c, or -1 on a store error. */
static int64_t stored(tcache_t *c, db_t *db) {
    db_stmt_t *s = db_prepare(db, "SELECT generation FROM cache_generations WHERE name = $1");
    if (!s) return -1;
    db_bind_text(s, 1, c->gen_name, -1);
    int64_t g = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return g;
}

const char *engine_ref_title(http_req_t *r, const entity_t *te, int64_t id) {
    tcache_t *c = caches ? cache_of(te) : NULL;
    if (!c || id <= 0) return NULL;
    int64_t now = mono_ms();
    pthread_mutex_lock(&c->lock);
    bool due = now - c->checked_ms >= TITLES_CHECK_MS;
    pthread_mutex_unlock(&c->lock);
    if (due) {
        /* read outside the lock: a store's round trip must not stall the
         * other workers; the worst a race costs is one emptying too many */
        int64_t g = stored(c, r->db);
        pthread_mutex_lock(&c->lock);
        if (g < 0) log_warn("%s: cannot read its generation: %s", c->gen_name, db_errmsg(r->db));
        else {
            if (g != c->gen) empty(c);
            c->gen = g;
            c->checked_ms = now;
        }
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_lock(&c->lock);
    for (size_t i = slot_of(id);; i = (i + 1) & (TITLES_SLOTS - 1)) {
        if (c->slots[i].id == 0) break;
        if (c->slots[i].id == id) {
            const char *hit = arena_strdup(r->arena, c->slots[i].text);
            pthread_mutex_unlock(&c->lock);
            return hit;
        }
    }
    uint64_t epoch = c->epoch;
    pthread_mutex_unlock(&c->lock);

    db_stmt_t *s = db_prepare(r->db, c->sql);
    if (!s) return NULL;
    db_bind_int(s, 1, id);
    const char *text = db_step(s) == DB_ROW && !db_col_null(s, 0) ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (!text) return NULL; /* no such record: not kept, it may yet be made */

    /* inside a transaction the row may be this one's uncommitted write */
    if (db_in_tx(r->db)) return text;
    pthread_mutex_lock(&c->lock);
    if (c->epoch == epoch) {
        if (c->used >= TITLES_SLOTS / 4 * 3) empty(c);
        size_t i = slot_of(id);
        while (c->slots[i].id != 0 && c->slots[i].id != id) i = (i + 1) & (TITLES_SLOTS - 1);
        if (c->slots[i].id == 0) {
            char *copy = strdup(text);
            if (copy) {
                c->slots[i] = (tslot_t){id, copy};
                c->used++;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
    return text;
}
