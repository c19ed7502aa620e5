/* registry.c — the table of declared entities and their permissions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"

/* Grows as modules register (at start, before any worker runs). */
static const entity_t **entities;
static int nentities, entities_cap;

/* Identifiers go into DDL and SQL text, so only [a-z0-9_] (and '-' in URL
 * names) are accepted; a bad declaration is a programming error. */
static void check_ident(const char *s, bool dash) {
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || (dash && *p == '-'))) {
            fprintf(stderr, "entity declaration: bad identifier \"%s\"\n", s);
            abort();
        }
}

/* Each entity gets <perm>.read/create/update/delete/restore, and one per
 * workflow action, granted by default to the entity's roles. */
static void register_perms(const entity_t *e) {
    static const struct {
        const char *action, *label;
    } std[] = {{"read", "查看"}, {"create", "新建"}, {"update", "修改"}, {"delete", "删除"}, {"restore", "恢复已删除"},
               {"export", "导出"}, {"import", "导入"}};
    /* every version's actions: a record begun under an old version can still finish */
    size_t nflow = 0;
    if (e->flows)
        for (const workflow_t *const *w = e->flows; *w; w++)
            for (const wf_transition_t *t = (*w)->transitions; t->action; t++) nflow++;
    perm_def_t *defs = calloc(sizeof(std) / sizeof(std[0]) + nflow + 1, sizeof(perm_def_t));
    if (!defs) abort();
    size_t n = 0;
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
        char key[128], label[256];
        snprintf(key, sizeof(key), "%s.%s", e->perm, std[i].action);
        snprintf(label, sizeof(label), "%s%s", std[i].label, e->label);
        defs[n].key = strdup(key);
        defs[n].label = strdup(label);
        /* restore is an administrator's act: district admins by default */
        defs[n].defaults = strcmp(std[i].action, "restore") == 0 ? "district_admin" : e->roles;
        n++;
    }
    if (e->flows)
        for (const workflow_t *const *w = e->flows; *w; w++)
            for (const wf_transition_t *t = (*w)->transitions; t->action; t++) {
                char key[128], label[256];
                if (t->perm) snprintf(key, sizeof(key), "%s", t->perm);
                else snprintf(key, sizeof(key), "%s.%s", e->perm, t->action);
                bool seen = perm_find(key) != NULL;
                for (size_t k = 0; k < n && !seen; k++) seen = strcmp(defs[k].key, key) == 0;
                if (seen) continue;
                snprintf(label, sizeof(label), "%s: %s", e->label, t->label);
                defs[n].key = strdup(key);
                defs[n].label = strdup(label);
                defs[n].defaults = e->roles;
                n++;
            }
    perm_register(defs);
}

/* A field's name is both a column and a key of the record's JSON, so it may
 * not be one of the spine's (schema.c each_column, records.c
 * engine_write_record_of): the record would carry the key twice. */
static void check_field_name(const entity_t *e, const field_t *f) {
    static const char *const spine[] = {"id",        "org_id",     "org_name",       "org_path",     "version",
                                        "created_at", "created_by", "updated_at",     "updated_by",   "deleted_at",
                                        "wf_state",   "wf_version", "wf_state_label", "state_since",  "due_at",
                                        "state_due_at", "overdue",  "escalated",      "actions",      NULL};
    bool clash = false;
    for (const char *const *k = spine; *k; k++) clash |= strcmp(f->name, *k) == 0;
    /* a person field x is also written as x_name (the masked name) */
    for (const field_t *p = e->fields; p->name; p++) {
        size_t l = strlen(p->name);
        if (p->type == F_PERSON && strncmp(f->name, p->name, l) == 0 && strcmp(f->name + l, "_name") == 0) clash = true;
    }
    if (clash) {
        fprintf(stderr, "entity %s: field \"%s\" clashes with a key every record carries\n", e->name, f->name);
        abort();
    }
}

/* The statements the engine builds for an entity bind into a fixed
 * sql_binds_t (engine.h): a create binds 11 spine values and each field's
 * (a personal-information field: its ciphertext, mask and blind index), an
 * update a few more, the to-do inbox the scope and one per state.  A
 * declaration that could overflow it is refused here, at start (issue 15:
 * no silent limits), rather than failing its requests with 503. */
#define WRITE_SPINE_BINDS 16
static void check_binds(const entity_t *e) {
    int need = WRITE_SPINE_BINDS;
    for (const field_t *f = e->fields; f->name; f++)
        need += !(f->flags & FF_PI) ? 1 : (f->flags & FF_FILTER) ? 3 : 2;
    if (need > SQL_BINDS_MAX) {
        fprintf(stderr, "entity %s: its fields need %d bound values in one statement, more than SQL_BINDS_MAX (%d)\n",
                e->name, need, SQL_BINDS_MAX);
        exit(2);
    }
    if (e->flows)
        for (const workflow_t *const *w = e->flows; *w; w++) {
            int states = 0;
            for (const wf_state_t *st = (*w)->states; st->key; st++)
                states++;
            if (2 + states > SQL_BINDS_MAX) {
                fprintf(stderr, "entity %s: workflow version %d has %d states, more than SQL_BINDS_MAX (%d) less 2\n",
                        e->name, (*w)->version, states, SQL_BINDS_MAX);
                exit(2);
            }
        }
}

void entity_register(const entity_t *e) {
    for (int i = 0; i < nentities; i++)
        if (entities[i] == e) return;
    check_ident(e->name, true);
    check_ident(e->table, false);
    for (const field_t *f = e->fields; f->name; f++) {
        check_ident(f->name, false);
        if (f->was) check_ident(f->was, false);
        check_field_name(e, f);
    }
    /* a unique key names org_id or plain fields (personal information is
     * stored encrypted: no key can compare it) */
    char key[256];
    snprintf(key, sizeof(key), "%s", e->unique ? e->unique : "");
    char *save = NULL;
    for (char *c = strtok_r(key, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
        const field_t *f = entity_field(e, c);
        if (strcmp(c, "org_id") != 0 && (!f || (f->flags & FF_PI))) {
            fprintf(stderr, "entity %s: unique key column \"%s\" is neither org_id nor a plain field\n", e->name, c);
            abort();
        }
    }
    check_binds(e);
    if (nentities == entities_cap) {
        entities_cap = entities_cap ? entities_cap * 2 : 32;
        entities = realloc(entities, sizeof(*entities) * (size_t)entities_cap);
        if (!entities) abort();
    }
    entities[nentities++] = e;
    register_perms(e);
}

const entity_t *entity_find(const char *name) {
    for (int i = 0; i < nentities; i++)
        if (strcmp(entities[i]->name, name) == 0) return entities[i];
    return NULL;
}

void entity_each(void (*fn)(const entity_t *e, void *arg), void *arg) {
    for (int i = 0; i < nentities; i++) fn(entities[i], arg);
}

const field_t *entity_field(const entity_t *e, const char *name) {
    for (const field_t *f = e->fields; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

const field_t *entity_sort_field(const entity_t *e, const char *sort) {
    if (!sort || !*sort) sort = e->default_sort;
    if (!sort) return NULL;
    return entity_field(e, sort + (sort[0] == '-' || sort[0] == '+'));
}

const workflow_t *entity_flow(const entity_t *e, int version) {
    if (!e->flows || !e->flows[0]) return NULL;
    const workflow_t *last = NULL;
    for (const workflow_t *const *w = e->flows; *w; w++) {
        if (version && (*w)->version == version) return *w;
        last = *w;
    }
    return version ? NULL : last;
}

/* ---- write observers ---- */
/* Grows as modules register (at start). */
static engine_write_fn *observers;
static int nobservers, observers_cap;

void engine_on_write(engine_write_fn fn) {
    if (nobservers == observers_cap) {
        observers_cap = observers_cap ? observers_cap * 2 : 8;
        observers = realloc(observers, sizeof(*observers) * (size_t)observers_cap);
        if (!observers) abort();
    }
    observers[nobservers++] = fn;
}

int engine_notify_write(db_t *db, const entity_t *e, const char *org_path, int64_t user_id) {
    for (int i = 0; i < nobservers; i++) {
        int rc = observers[i](db, e, org_path, user_id);
        if (rc) return rc;
    }
    return 0;
}
