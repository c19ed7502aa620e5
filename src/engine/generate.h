/* generate.h — scale-data generators (`sifasuo generate <kind> --count N
 * [--batch N] [--bulk]`, issue 9 point 2; issue 15 point 3: declared by
 * the line, not by cmd/).
 *
 * A kind is an engine entity that declares .generate (its name is the
 * kind: "mediation-cases"), or a module's own registration for data that is
 * not an engine entity (engine_generator_register("persons", …)).  The
 * driver, cmd/generate.c, owns the rest: argument parsing, batches of
 * --batch items per transaction, progress and rate on stderr, the bulk
 * index drop and rebuild of an entity kind, statistics and one audit row
 * per run.  A generator inserts item i inside the open transaction; items
 * are numbered across runs (prepare finds where earlier runs stopped), so
 * generated keys stay unique. */
#ifndef SFS_ENGINE_GENERATE_H
#define SFS_ENGINE_GENERATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "store/db.h"

#define GEN_PATH_MAX 64

struct keys;
/* One run, as the driver gives it to the generator. */
typedef struct engine_gen {
    db_t *db;
    const struct keys *keys;
    int64_t start; /* prepare sets it: items earlier runs made, this run's first index */
    int64_t count; /* items this run makes */
    int64_t batch; /* items per transaction (--batch, else the generator's default) */
    bool bulk;     /* an entity kind's derived indexes are dropped for the load and rebuilt after */
    /* engine_gen_offices: every office, the owners of generated rows */
    int noffices;
    int64_t *offices;
    char (*region)[7];          /* each office's district code (GB/T 2260) */
    char (*path)[GEN_PATH_MAX]; /* each office's org path (/1/22/38/) */
    void *own;                  /* the generator's own state; its .done frees it */
} engine_gen_t;

/* What a line declares (entity_t.generate) or a module registers. */
typedef struct engine_generator {
    const char *label; /* "人员" in the messages; NULL → the entity's label */
    int64_t batch;     /* default items per transaction */
    /* Loads what items refer to (engine_gen_offices) and sets g->start.
     * 0, or -1 with a Chinese err (nothing written). */
    int (*prepare)(engine_gen_t *g, char *err, size_t errlen);
    /* Inserts (or buffers) item i inside the open transaction: 0, or -1
     * (db_errmsg tells why, or a message is already on stderr). */
    int (*one)(engine_gen_t *g, int64_t i);
    /* NULL, or writes what one() buffered; before each commit. */
    int (*flush)(engine_gen_t *g);
    /* NULL, or frees g->own; called once prepare ran, whatever happened. */
    void (*done)(engine_gen_t *g);
} engine_generator_t;

/* A kind as the driver sees it. */
typedef struct engine_gen_kind {
    const char *kind;
    const char *label;
    const engine_generator_t *gen;
    const entity_t *entity; /* NULL for a module registration (no bulk index rebuild) */
} engine_gen_kind_t;

/* Registers a generator for a kind that is not an engine entity (persons);
 * call from modules_perms_register.  A second call for a kind is ignored. */
void engine_generator_register(const char *kind, const char *label, const engine_generator_t *gen);
/* Finds kind among the registrations and the entities declaring .generate. */
bool engine_generator_find(const char *kind, engine_gen_kind_t *out);
/* Calls fn for every kind: the registrations, then the entities in
 * registration order. */
void engine_generator_each(void (*fn)(const engine_gen_kind_t *k, void *arg), void *arg);

/* Fills g's offices (each with its district's code and path); -1 with a
 * Chinese err when there are none (run init --demo first).  The driver
 * frees them (engine_gen_release). */
int engine_gen_offices(engine_gen_t *g, char *err, size_t errlen);
/* Frees what engine_gen_offices loaded. */
void engine_gen_release(engine_gen_t *g);

/* splitmix64 of i: the same item gets the same values on every run. */
static inline uint64_t engine_gen_mix(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
#endif
