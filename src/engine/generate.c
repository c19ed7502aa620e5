/* generate.c — the kinds `sifasuo generate` knows (generate.h): the entities
 * declaring .generate and the modules' own registrations; and the offices
 * every generator spreads its rows over. */
#include "engine/generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Module registrations (kinds that are not engine entities): a handful. */
#define GEN_MAX_REGISTERED 8
#define GEN_MAX_OFFICES 65536

static engine_gen_kind_t registered[GEN_MAX_REGISTERED];
static int nregistered;

void engine_generator_register(const char *kind, const char *label, const engine_generator_t *gen) {
    for (int i = 0; i < nregistered; i++)
        if (strcmp(registered[i].kind, kind) == 0) return;
    if (nregistered == GEN_MAX_REGISTERED) abort(); /* a programming error, found by the first run */
    registered[nregistered++] = (engine_gen_kind_t){kind, label, gen, NULL};
}

static engine_gen_kind_t kind_of(const entity_t *e) {
    return (engine_gen_kind_t){e->name, e->generate->label ? e->generate->label : e->label, e->generate, e};
}

bool engine_generator_find(const char *kind, engine_gen_kind_t *out) {
    for (int i = 0; i < nregistered; i++)
        if (strcmp(registered[i].kind, kind) == 0) {
            *out = registered[i];
            return true;
        }
    const entity_t *e = entity_find(kind);
    if (!e || !e->generate) return false;
    *out = kind_of(e);
    return true;
}

typedef struct each_arg {
    void (*fn)(const engine_gen_kind_t *k, void *arg);
    void *arg;
} each_arg_t;

static void each_entity(const entity_t *e, void *arg) {
    const each_arg_t *a = arg;
    if (!e->generate) return;
    engine_gen_kind_t k = kind_of(e);
    a->fn(&k, a->arg);
}

void engine_generator_each(void (*fn)(const engine_gen_kind_t *k, void *arg), void *arg) {
    for (int i = 0; i < nregistered; i++)
        fn(&registered[i], arg);
    each_arg_t a = {fn, arg};
    entity_each(each_entity, &a);
}

int engine_gen_offices(engine_gen_t *g, char *err, size_t errlen) {
    db_stmt_t *s =
        db_prepare(g->db, "SELECT o.id, d.code, o.path FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                          "WHERE o.level = 'office' ORDER BY o.id");
    if (!s) {
        snprintf(err, errlen, "%s", db_errmsg(g->db));
        return -1;
    }
    g->offices = malloc(sizeof(*g->offices) * GEN_MAX_OFFICES);
    g->region = malloc(sizeof(*g->region) * GEN_MAX_OFFICES);
    g->path = malloc(sizeof(*g->path) * GEN_MAX_OFFICES);
    if (!g->offices || !g->region || !g->path) abort();
    g->noffices = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW && g->noffices < GEN_MAX_OFFICES) {
        const char *c = db_col_text(s, 1);
        const char *path = db_col_text(s, 2);
        if (!path || strlen(path) >= GEN_PATH_MAX) {
            db_reset(s);
            snprintf(err, errlen, "机构路径过长: %s", path ? path : "");
            return -1;
        }
        snprintf(g->path[g->noffices], GEN_PATH_MAX, "%s", path);
        g->offices[g->noffices] = db_col_int(s, 0);
        snprintf(g->region[g->noffices], 7, "%.6s", c && strlen(c) >= 6 && c[0] >= '1' && c[0] <= '6' ? c : "310101");
        g->noffices++;
    }
    db_reset(s);
    if (rc < 0) { /* not fewer offices to spread the data over */
        snprintf(err, errlen, "%s", db_errmsg(g->db));
        return -1;
    }
    if (!g->noffices) {
        snprintf(err, errlen, "没有司法所: 请先运行 sifasuo init --demo [--scale nation]");
        return -1;
    }
    return 0;
}

void engine_gen_release(engine_gen_t *g) {
    free(g->offices);
    free(g->region);
    free(g->path);
    g->offices = NULL;
    g->region = NULL;
    g->path = NULL;
    g->noffices = 0;
}
