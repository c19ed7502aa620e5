/* checks.c — the entity's rule with its context (entity_t.check; issue 15
 * point 4; docs/engine.md "Rules across fields and records").
 *
 * A rule sees the operation, the record before and after, the store (read
 * only) and, when it asks, the records and persons the record links to.
 * Nothing is loaded unless the rule calls check_linked(): a create of an
 * entity whose rule never looks at a link costs no extra query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/scope.h"
#include "engine/engine.h"
#include "util/timeutil.h"

const char *check_store_error(check_ctx_t *c, const char *why) {
    if (c->r && c->r->ev) http_store_error(c->r);
    return why;
}

/* An org unit: {id, name, path} when in the caller's scope. */
static json_t *linked_unit(check_ctx_t *c, int64_t id) {
    if (!c->db) return NULL;
    db_stmt_t *s = db_prepare(c->db, "SELECT name, path FROM org_units WHERE id = $1");
    if (!s) return check_store_error(c, NULL), NULL;
    db_bind_int(s, 1, id);
    json_t *out = NULL;
    int rc = db_step(s);
    if (rc == DB_ROW && scope_covers(c->r, db_col_text(s, 1)))
        out = json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)id, "name", db_col_text(s, 0), "path", db_col_text(s, 1));
    db_reset(s);
    if (rc < 0) check_store_error(c, NULL); /* not "no such unit" */
    return out;
}

/* A person of the registry: any live one may be linked (一次录入、多方共享,
 * values.c), so the rule sees the fields it needs whoever registered them;
 * gender and birth date come from the resident ID at registration. */
static json_t *linked_person(check_ctx_t *c, int64_t id) {
    if (!c->db) return NULL;
    db_stmt_t *s = db_prepare(c->db, "SELECT name, gender, birth_date, id_type FROM persons WHERE id = $1");
    if (!s) return check_store_error(c, NULL), NULL;
    db_bind_int(s, 1, id);
    json_t *out = NULL;
    int rc = db_step(s);
    if (rc == DB_ROW)
        out = json_pack("{s:I,s:s?,s:s?,s:s?,s:s?}", "id", (json_int_t)id, "name", db_col_text(s, 0), "gender",
                        db_col_text(s, 1), "birth_date", db_col_text(s, 2), "id_type", db_col_text(s, 3));
    db_reset(s);
    if (rc < 0) check_store_error(c, NULL); /* not "no such person" */
    return out;
}

json_t *check_linked(check_ctx_t *c, const char *field) {
    const field_t *f = field ? entity_field(c->e, field) : NULL;
    if (!f || (f->type != F_REF && f->type != F_PERSON)) return NULL;
    json_t *v = json_object_get(c->after, field);
    if (!json_is_integer(v)) return NULL;
    if (!c->linked) c->linked = json_object();
    json_t *got = json_object_get(c->linked, field);
    if (got) return json_is_null(got) ? NULL : got; /* asked before: loaded once */
    int64_t id = json_integer_value(v);
    json_t *out;
    if (f->type == F_PERSON)
        out = linked_person(c, id);
    else if (engine_entity_ref(f))
        out = engine_linked_record(c->r, entity_find(f->ref), id);
    else
        out = linked_unit(c, id);
    json_object_set_new(c->linked, field, out ? out : json_null());
    return out;
}

int64_t check_count(check_ctx_t *c, const char *sql, int64_t id) {
    db_stmt_t *s = db_prepare(c->db, sql);
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return n;
}

int check_age(const char *birth, const char *on) {
    char today[21];
    if (!on) {
        iso_from_unix(now_unix(), today);
        today[10] = '\0';
        on = today;
    }
    int by, bm, bd, oy, om, od;
    if (!birth || !date_valid(birth) || strlen(on) < 10 || sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
        sscanf(on, "%4d-%2d-%2d", &oy, &om, &od) != 3)
        return -1;
    int years = oy - by - (om < bm || (om == bm && od < bd));
    return years < 0 ? -1 : years;
}

const char *engine_check_run(check_ctx_t *c, const char **field) {
    *field = NULL;
    if (!c->e->check || !c->after) return NULL;
    if (!c->db) c->db = c->r->db;
    const char *why = c->e->check(c, field);
    json_decref(c->linked);
    c->linked = NULL;
    return why;
}

int engine_check_answer(check_ctx_t *c) {
    const char *field = NULL, *why = engine_check_run(c, &field);
    if (!why) return 0;
    db_rollback(c->r->db);
    json_t *fe = json_pack("{s:s}", field ? field : "record", why);
    engine_field_error(c->r, c->e, fe);
    json_decref(fe);
    return -1;
}
