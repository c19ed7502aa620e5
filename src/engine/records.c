/* records.c — the generic endpoints every declared entity gets (engine.h).
 *
 * SQL here is assembled from the static declarations only (table and column
 * names checked at registration); every value from the request is bound. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/changes.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/notify.h"
#include "engine/openapi.h"
#include "engine/values.h"
#include "engine/webhooks.h"
#include "engine/workflow.h"
#include "store/fts_scope.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"

void engine_field_error(http_req_t *r, const entity_t *e, json_t *fields) {
    /* the message names the field, by its Chinese label (a record form has
     * many; users see names, not keys); fields keeps the keys for the form */
    const char *k = json_object_iter_key(json_object_iter(fields));
    const char *v = json_string_value(json_object_iter_value(json_object_iter(fields)));
    const field_t *f = k && e ? entity_field(e, k) : NULL;
    const char *name = f                                   ? f->label
                       : k && strcmp(k, "org_id") == 0    ? "所属机构"
                       : k && strcmp(k, "version") == 0   ? "记录版本号"
                       : k && strcmp(k, "record") == 0 && e ? e->label
                                                           : k;
    http_error_fields(r, 422, "validation_failed", name && v ? arena_printf(r->arena, "%s: %s", name, v) : "提交的数据有误",
                      fields);
}


bool engine_scope_covers(http_req_t *r, const char *path) { return path && scope_covers(r, path); }

/* The entity named in the URL, or NULL after answering 404. */
static const entity_t *entity_of(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e) http_error(r, 404, "not_found", "接口不存在");
    return e;
}

/* Checks <perm>.<action>; answers 403 when missing. */
static bool allowed(http_req_t *r, const entity_t *e, const char *action) {
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.%s", e->perm, action);
    if (auth_can(auth_principal(r), perm)) return true;
    http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    return false;
}

void engine_select_cols_of(const entity_t *e, const bool *sel, buf_t *sql) {
    buf_puts(sql, "t.id, t.org_id, t.org_path, t.version, t.created_at, t.created_by, t.updated_at, t.updated_by, "
                  "t.deleted_at, t.wf_state, t.wf_version, t.due_at, t.state_due_at, t.escalated");
    int i = 0;
    for (const field_t *f = e->fields; f->name; f++, i++) {
        if (sel && !sel[i]) continue;
        if (f->flags & FF_PI) buf_printf(sql, ", t.%s_masked", f->name);
        else if (f->masked_with) buf_printf(sql, ", SUBSTR(t.%s, 1, 4) || '-**-**'", f->name); /* year only */
        else buf_printf(sql, ", t.%s", f->name);
    }
    /* after every field, so column positions above stay as they are: the
     * linked person's name, shown masked next to the bare id */
    i = 0;
    for (const field_t *f = e->fields; f->name; f++, i++)
        if (f->type == F_PERSON && (!sel || sel[i]))
            buf_printf(sql, ", (SELECT pn.name FROM persons pn WHERE pn.id = t.%s)", f->name);
    /* an entity ref's title (issue 15 point 7) is not selected: it comes
     * from the titles cache by the ref's id (titles.c), so a row's statement
     * names no other table */
}

bool engine_entity_ref(const field_t *f) { return f->type == F_REF && f->ref && strcmp(f->ref, "org_units") != 0; }

/* The target's unit path comes with its title ("<org_path>|<title>"), so
 * engine_ref_display can ask the reader's access (issue 18 point 2) without
 * a statement per row. */
void engine_ref_name_sql(const field_t *f, const char *alias, buf_t *sql) {
    const entity_t *te = entity_find(f->ref);
    const field_t *tf = entity_title_field(te);
    if (!tf) buf_puts(sql, "NULL"); /* refused at start (registry.c); never here */
    else if (tf->type == F_PERSON)
        buf_printf(sql, "(SELECT rt.org_path || '|' || pn.name FROM %s rt JOIN persons pn ON pn.id = rt.%s "
                        "WHERE rt.id = %s.%s)",
                   te->table, tf->name, alias, f->name);
    else
        buf_printf(sql, "(SELECT rt.org_path || '|' || rt.%s%s FROM %s rt WHERE rt.id = %s.%s)", tf->name,
                   (tf->flags & FF_PI) ? "_masked" : "", te->table, alias, f->name);
}

const char *engine_ref_display(http_req_t *r, const field_t *f, const char *raw, char *out, size_t outlen) {
    if (!raw) return NULL;
    const entity_t *te = f->type == F_PERSON ? NULL : entity_find(f->ref);
    const field_t *tf = te ? entity_title_field(te) : NULL;
    if (te) {
        /* a linked record's title only for a reader who may read it (the
         * one access path): a record another unit linked for this one, or
         * one since moved, shows as withheld, not by its title */
        const char *bar = strchr(raw, '|');
        if (!bar) return raw;
        char path[512];
        snprintf(path, sizeof(path), "%.*s", (int)(bar - raw), raw);
        if (!ENGINE_READABLE(engine_may_read(r, te, path))) return ENGINE_REF_WITHHELD;
        raw = bar + 1;
    }
    if (f->type == F_PERSON || (tf && tf->type == F_PERSON)) return mask_name(raw, out, outlen);
    return raw;
}

void engine_select_cols(const entity_t *e, buf_t *sql) { engine_select_cols_of(e, NULL, sql); }

static int write_children(http_req_t *r, const entity_t *e, db_stmt_t *parent, int col);

/* What load_sql's statement reads: the record, the record with its child
 * counts (as GET shows it), or the children of a parent (e the child kind). */
typedef enum { LOAD_RECORD, LOAD_WITH_COUNTS, LOAD_CHILDREN } load_what_t;
static const char *load_sql(db_kind_t kind, const entity_t *e, load_what_t what, buf_t *sql);

/* parent_lock: for a child's GET (entity_t.parent), why its parent locks it
 * ("" when it does not); NULL elsewhere (lists do not look parents up).
 * full: the record's own answer (GET, a write's), which carries its children
 * (the row holds their counts, child_counts_sql) and why it is locked; a list row says
 * only whether (the message on each row was a third of a page of archived
 * cases).  -1 when the children could not be read (a full row only). */
static int write_row(http_req_t *r, const entity_t *e, const bool *sel, db_stmt_t *s, const char *parent_lock,
                     bool full) {
    jw_t *w = &r->json;
    int locked = parent_lock ? *parent_lock != '\0' : -1; /* -1: not said (no workflow, no parent) */
    const char *lock_why = parent_lock;
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_kint(w, "org_id", db_col_int(s, 1));
    jw_kstr(w, "org_name", scope_unit_name(r, db_col_int(s, 1)));
    jw_kint(w, "version", db_col_int(s, 3));
    jw_kstr(w, "created_at", db_col_text(s, 4));
    jw_kstr(w, "updated_at", db_col_text(s, 6));
    if (!db_col_null(s, 8)) jw_kstr(w, "deleted_at", db_col_text(s, 8));
    if (!db_col_null(s, 9)) {
        const workflow_t *wf = entity_flow(e, (int)db_col_int(s, 10));
        const char *st = db_col_text(s, 9);
        jw_kstr(w, "wf_state", st);
        jw_kstr(w, "wf_state_label", wf ? wf_state_label(wf, st) : st);
        jw_kint(w, "wf_version", db_col_int(s, 10));
        jw_kstr(w, "due_at", db_col_text(s, 11));
        jw_kstr(w, "state_due_at", db_col_text(s, 12));
        jw_kbool(w, "overdue", wf_overdue(db_col_text(s, 11), db_col_text(s, 12)));
        jw_kbool(w, "escalated", db_col_int(s, 13) != 0);
        if (wf && !sel && db_col_null(s, 8)) wf_write_actions(r, e, wf, st, w);
        const wf_state_t *lk = wf ? wf_locked(wf, st) : NULL;
        if (lk && locked != 1) {
            locked = 1;
            lock_why = full ? wf_locked_message(r, wf, lk, "修改或删除") : NULL;
        } else if (locked < 0) {
            locked = 0;
        }
    }
    /* final states lock the record (issue 15 point 6): the UI offers no 编辑/删除 */
    if (locked >= 0) {
        jw_kbool(w, "locked", locked == 1);
        if (locked == 1 && lock_why && *lock_why) jw_kstr(w, "locked_reason", lock_why);
    }
    /* a countdown (field_t.countdown) counts while the record is live;
     * looked up at the first such field only (lists of other entities pay nothing) */
    bool counting = true;
    char today[11] = "";
    int c = ENGINE_SPINE_COLS, i = 0;
    for (const field_t *f = e->fields; f->name; f++, i++) {
        if (sel && !sel[i]) continue;
        if (f->countdown) {
            int64_t to, from;
            if (!*today) {
                wf_today(today);
                if (!db_col_null(s, 9)) {
                    const workflow_t *wf = entity_flow(e, (int)db_col_int(s, 10));
                    const wf_state_t *st = wf ? wf_state_find(wf, db_col_text(s, 9)) : NULL;
                    counting = !(st && st->final);
                }
            }
            jw_key2(w, f->name, "_days");
            if (counting && !db_col_null(s, c) && unix_from_iso(db_col_text(s, c), &to) && unix_from_iso(today, &from))
                jw_int(w, (to - from) / 86400);
            else
                jw_null(w);
        }
        jw_key(w, f->name);
        if (db_col_null(s, c)) {
            jw_null(w);
            c++;
            continue;
        }
        switch (f->type) {
        case F_INT:
        case F_REF:
        case F_PERSON: jw_int(w, db_col_int(s, c)); break;
        case F_BOOL: jw_bool(w, db_col_int(s, c) != 0); break;
        case F_DECIMAL: {
            char d[40];
            decimal_format(db_col_int(s, c), f->scale, d, sizeof(d));
            jw_str(w, d);
            break;
        }
        default: jw_str(w, db_col_text(s, c));
        }
        c++;
    }
    i = 0;
    for (const field_t *f = e->fields; f->name; f++, i++) /* the persons' names, masked: "张*" */
        if (f->type == F_PERSON && (!sel || sel[i])) {
            char masked[64];
            jw_key2(w, f->name, "_name");
            jw_str(w, db_col_null(s, c) ? NULL : mask_name(db_col_text(s, c), masked, sizeof(masked)));
            c++;
        }
    /* the refs' names, by the ref's own column: an org unit's from the
     * snapshot, a record's title from the titles cache */
    i = 0;
    for (const field_t *f = e->fields; f->name; f++, i++) {
        if (f->type != F_REF || (sel && !sel[i])) continue;
        jw_key2(w, f->name, "_name");
        int fc = engine_field_col(e, f);
        if (sel) { /* a narrowed row: count the field's own position */
            fc = ENGINE_SPINE_COLS;
            int k = 0;
            for (const field_t *g = e->fields; g != f; g++, k++) fc += sel[k];
        }
        if (db_col_null(s, fc)) jw_null(w);
        else if (!engine_entity_ref(f)) jw_str(w, scope_unit_name(r, db_col_int(s, fc)));
        else {
            char shown[256];
            const char *raw = engine_ref_title(r, entity_find(f->ref), db_col_int(s, fc));
            jw_str(w, engine_ref_display(r, f, raw, shown, sizeof(shown)));
        }
    }
    int rc = full ? write_children(r, e, s, c) : 0;
    jw_obj_end(w);
    return rc;
}

static int write_record(http_req_t *r, const entity_t *e, const bool *sel, db_stmt_t *s, const char *parent_lock,
                        bool full) {
    return write_row(r, e, sel, s, parent_lock, full);
}

void engine_write_record_of(http_req_t *r, const entity_t *e, const bool *sel, db_stmt_t *s) {
    write_record(r, e, sel, s, NULL, false);
}

/* ---- children (entity_t.children; issue 15 point 8) ---- */

/* The columns a child row carries: its list fields but the parent's. */
static void child_sel(const entity_t *ce, bool sel[SQL_BINDS_MAX]) {
    int i = 0;
    for (const field_t *f = ce->fields; f->name && i < SQL_BINDS_MAX; f++, i++)
        sel[i] = (f->flags & FF_LIST) && strcmp(f->name, ce->parent) != 0;
}

/* The count column of child kind ce on its parent's table: n_<child table>,
 * the parent's live children of that kind, kept by triggers on the child's
 * table in the writing transaction whoever writes (schema.c children_ddl). */
void engine_child_count_col(const entity_t *ce, char *out, size_t n) { snprintf(out, n, "n_%s", ce->table); }

/* Appends to the parent's SELECT one column per declared child kind: how
 * many live children it has (engine_child_count_col).  A parent without
 * children is then read with one statement that names no child table; on
 * PostgreSQL naming a table costs every execution its lock, open and
 * executor set-up whether it has rows or not (docs/performance.md, "Issue
 * 15, fourth pass"): with the parties' aggregate in it, a case without
 * parties cost 191 K backend instructions, 123 K without. */
static void child_counts_sql(const entity_t *e, buf_t *sql) {
    for (const entity_child_t *c = e->children; c && c->key; c++) {
        char col[160];
        engine_child_count_col(entity_find(c->entity), col, sizeof(col));
        buf_printf(sql, ", t.%s", col);
    }
}

/* The live children of child kind ce of one parent ($1), at most
 * ENGINE_CHILDREN_MAX + 1 in id order, their list columns. */
static void children_sql(const entity_t *ce, buf_t *sql) {
    bool sel[SQL_BINDS_MAX] = {0};
    child_sel(ce, sel);
    buf_puts(sql, "SELECT ");
    engine_select_cols_of(ce, sel, sql);
    buf_printf(sql, " FROM %s t WHERE t.%s = $1 AND t.deleted_at IS NULL ORDER BY t.id LIMIT %d", ce->table, ce->parent,
               ENGINE_CHILDREN_MAX + 1);
}

int engine_child_columns(const entity_t *ce) {
    bool sel[SQL_BINDS_MAX] = {0};
    child_sel(ce, sel);
    int n = ENGINE_SPINE_COLS, i = 0;
    for (const field_t *f = ce->fields; f->name && i < SQL_BINDS_MAX; f++, i++)
        if (sel[i]) n += 1 + (f->type == F_PERSON);
    return n;
}

/* The parent's GET: each declared child kind the caller may read, under its
 * key, {"entity", "items": [the live children in id order, their list
 * columns], "more": true past ENGINE_CHILDREN_MAX (the child's list,
 * filtered by the parent, has them all)}.  The parent's row holds, from
 * column col, each kind's count (child_counts_sql): a kind is read with a
 * statement of its own only when the parent has any.  Children outside the
 * caller's scope are left out, as the list would.  -1 on a store error (a
 * kind's children cut short, or none shown where there are some). */
static int write_children(http_req_t *r, const entity_t *e, db_stmt_t *parent, int col) {
    jw_t *w = &r->json;
    int64_t parent_id = db_col_int(parent, 0);
    for (const entity_child_t *c = e->children; c && c->key; c++, col++) {
        const entity_t *ce = entity_find(c->entity);
        char perm[128];
        snprintf(perm, sizeof(perm), "%s.read", ce ? ce->perm : "");
        if (!ce || !auth_can(auth_principal(r), perm)) continue;
        bool sel[SQL_BINDS_MAX] = {0};
        child_sel(ce, sel);
        jw_key(w, c->key);
        jw_obj(w);
        jw_kstr(w, "entity", ce->name);
        jw_key(w, "items");
        jw_arr(w);
        int n = 0;
        bool more = false;
        buf_t sql = BUF_INIT;
        bool any = db_col_int(parent, col) > 0;
        db_stmt_t *s = any ? db_prepare(r->db, load_sql(db_kind(r->db), ce, LOAD_CHILDREN, &sql)) : NULL;
        int rc = any && !s ? DB_ERR : DB_DONE;
        if (s) {
            db_bind_int(s, 1, parent_id);
            while ((rc = db_step(s)) == DB_ROW) {
                if (!scope_covers(r, db_col_text(s, 2))) continue;
                if (n == ENGINE_CHILDREN_MAX) {
                    more = true;
                    break;
                }
                write_row(r, ce, sel, s, NULL, false);
                n++;
            }
            db_reset(s);
        }
        buf_free(&sql);
        if (rc < 0) return -1; /* a break at ENGINE_CHILDREN_MAX leaves DB_ROW: not an error */
        jw_arr_end(w);
        jw_kbool(w, "more", more);
        jw_obj_end(w);
    }
    return 0;
}

void engine_write_record(http_req_t *r, const entity_t *e, db_stmt_t *s) { engine_write_record_of(r, e, NULL, s); }

/* ---- final states lock the record and its children (issue 15 point 6) ---- */

static const entity_t *parent_entity(const entity_t *e) {
    const field_t *pf = e->parent ? entity_field(e, e->parent) : NULL;
    return pf && pf->ref ? entity_find(pf->ref) : NULL;
}

int engine_parent_locked(db_t *db, const entity_t *e, int64_t parent_id, bool lock, const wf_state_t **st,
                         const workflow_t **wf) {
    *st = NULL;
    *wf = NULL;
    const entity_t *pe = parent_entity(e);
    if (!pe || !pe->flows || parent_id <= 0) return 0;
    char sql[256];
    /* not FOR SHARE: the child's write then updates this row (its count of
     * children, schema.c children_ddl), and two writers each holding a share
     * lock and each waiting to update would deadlock */
    snprintf(sql, sizeof(sql), "SELECT wf_state, wf_version FROM %s WHERE id = $1 AND deleted_at IS NULL%s", pe->table,
             lock && db_kind(db) == DB_POSTGRES ? " FOR NO KEY UPDATE" : "");
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return DB_ERR;
    db_bind_int(s, 1, parent_id);
    int rc = db_step(s);
    if (rc == DB_ROW && !db_col_null(s, 0)) {
        *wf = entity_flow(pe, (int)db_col_int(s, 1));
        *st = wf_locked(*wf, db_col_text(s, 0)); /* points into the static declaration */
    }
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

char *engine_parent_locked_text(const entity_t *e, int64_t parent_id, const wf_state_t *st, const char *verb) {
    const entity_t *pe = parent_entity(e);
    char *out = NULL;
    if (asprintf(&out, "所属%s (编号 %lld) 已处于「%s」状态, 不能%s%s", pe ? pe->label : "记录", (long long)parent_id,
                 st->label, verb, e->label) < 0)
        abort();
    return out;
}

const char *engine_parent_locked_message(http_req_t *r, const entity_t *e, int64_t parent_id, const wf_state_t *st,
                                         const char *verb) {
    /* the parent by its title (names, not ids), shown as the child's ref
     * field shows it to this reader (a person's name masked) */
    const entity_t *pe = parent_entity(e);
    const char *raw = pe ? engine_ref_title(r, pe, parent_id) : NULL;
    char shown[256];
    const char *title = raw ? engine_ref_display(r, entity_field(e, e->parent), raw, shown, sizeof(shown)) : NULL;
    if (title && *title)
        return arena_printf(r->arena, "所属%s「%s」已处于「%s」状态, 不能%s%s", pe->label, title, st->label, verb,
                            e->label);
    char *m = engine_parent_locked_text(e, parent_id, st, verb);
    const char *out = arena_strdup(r->arena, m);
    free(m);
    return out;
}

/* Inside a write's transaction: 0 when the child's parent parent_id (0:
 * none) does not lock it, else -1 after rolling back and answering 409
 * record_final (or 503). */
static int parent_guard(http_req_t *r, const entity_t *e, int64_t parent_id, const char *verb) {
    if (!e->parent || parent_id <= 0) return 0;
    const wf_state_t *st;
    const workflow_t *wf;
    if (engine_parent_locked(r->db, e, parent_id, true, &st, &wf) != 0) {
        db_rollback(r->db);
        http_store_error(r);
        return -1;
    }
    if (!st) return 0;
    db_rollback(r->db);
    wf_locked_error(r, parent_entity(e), wf, st, engine_parent_locked_message(r, e, parent_id, st, verb));
    return -1;
}

/* The parent a child's row (selected with engine_select_cols) names, 0 when none. */
static int64_t row_parent(const entity_t *e, db_stmt_t *s) {
    const field_t *pf = e->parent ? entity_field(e, e->parent) : NULL;
    if (!pf) return 0;
    int c = engine_field_col(e, pf);
    return db_col_null(s, c) ? 0 : db_col_int(s, c);
}

/* The parent a create's or update's body names, 0 when it names none. */
static int64_t body_parent(const entity_t *e, json_t *body) {
    json_t *j = e->parent ? json_object_get(body, e->parent) : NULL;
    return json_is_integer(j) ? json_integer_value(j) : 0;
}

/* ---- filters ---- */

void engine_bind_all(db_stmt_t *s, const sql_binds_t *b) {
    for (int i = 0; i < b->n; i++) {
        if (b->v[i].is_int) db_bind_int(s, i + 1, b->v[i].i);
        else db_bind_text(s, i + 1, b->v[i].s, -1);
    }
}

int64_t *engine_collect_ids(http_req_t *r, db_stmt_t *s, int *n) {
    int64_t *ids = NULL;
    int cap = 0, rc;
    *n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *more = arena_alloc(r->arena, sizeof(*ids) * (size_t)cap);
            if (*n) memcpy(more, ids, sizeof(*ids) * (size_t)*n);
            ids = more;
        }
        ids[(*n)++] = db_col_int(s, 0);
    }
    db_reset(s);
    if (rc != DB_DONE) *n = -1;
    return ids;
}

static bool reserved_param(const char *k) {
    static const char *const names[] = {"q", "sort", "after", "limit", "total", "deleted", "format", "columns", "unmask", "fields", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(k, names[i]) == 0) return true;
    return false;
}

/* One typed filter value into a bind; NULL when fine, else the reason. */
static const char *filter_value(http_req_t *r, const field_t *f, const char *raw, sql_binds_t *b, int *ph) {
    switch (f->type) {
    case F_INT:
    case F_REF:
    case F_PERSON: {
        char *end;
        long long v = strtoll(raw, &end, 10);
        if (!*raw || *end) return "必须是整数";
        *ph = sql_bind_int(b, v);
        return NULL;
    }
    case F_DECIMAL: {
        int64_t v;
        if (!decimal_parse(raw, f->scale, &v)) return "必须是数字";
        *ph = sql_bind_int(b, v);
        return NULL;
    }
    case F_BOOL:
        if (strcmp(raw, "true") && strcmp(raw, "false") && strcmp(raw, "1") && strcmp(raw, "0")) return "必须是 true 或 false";
        *ph = sql_bind_int(b, strcmp(raw, "true") == 0 || strcmp(raw, "1") == 0);
        return NULL;
    case F_DATE:
        if (!date_valid(raw)) return "日期格式应为 YYYY-MM-DD";
        *ph = sql_bind_text(b, raw);
        return NULL;
    case F_DATETIME: {
        int64_t t;
        if (!unix_from_iso(raw, &t)) return "时间格式应为 ISO-8601";
        char *iso = arena_alloc(r->arena, 21);
        iso_from_unix(t, iso);
        *ph = sql_bind_text(b, iso);
        return NULL;
    }
    default:
        *ph = sql_bind_text(b, raw);
        return NULL;
    }
}

/* A list's conditions over <t>_counts (schema.c, counts_ddl), when they
 * are the scope, ?org_id= and ?wf_state= only: then its total is a sum of
 * precomputed cells instead of a count of rows (count_total). */
typedef struct {
    bool ok;
    buf_t sql; /* " WHERE …" over <t>_counts t (and <t>_counts_new t) */
    sql_binds_t b;
    /* PostgreSQL: the same conditions over the roll-up <t>_counts_up u
     * (schema.c counts_up_ddl): the deepest org range's unit ($up, one of
     * b; "" when the ranges do not nest: none) and the states */
    const char *up;
    int up_ph;
    buf_t up_state; /* " AND u.wf_state …" */
} count_where_t;

/* walk: the scope range as "+t.org_path" (SQLite) or "(t.org_path || '')"
 * (PostgreSQL), an expression no index holds, so the planner cannot take
 * the scope index and must walk the sort order (list_records).
 * cw, when not NULL, receives the same conditions over <t>_counts.
 * base_io, when not NULL, keeps the ?org_id= range the first call looked
 * up for the next (a list builds its WHERE twice when it walks). */
typedef struct {
    bool known;
    const char *lo, *hi;
    bool audited; /* a break-the-glass list's audit row is written */
    int64_t q_matches; /* SQLite: q's matches in the scope's unit, up to Q_GATHER_CAP + 1 (list_index) */
} org_range_t;

/* 422 when the request's filters carry more than ENGINE_FILTER_VALUES_MAX
 * values (engine.h): each bound, they would outgrow sql_binds_t. */
static bool too_many_filter_values(http_req_t *r) {
    http_query(r, "q"); /* parses the query string */
    int n = 0;
    for (int i = 0; i < r->nquery; i++) {
        if (reserved_param(r->qkeys[i])) continue;
        n++;
        for (const char *c = r->qvals[i]; *c; c++)
            n += *c == ',';
    }
    if (n <= ENGINE_FILTER_VALUES_MAX) return false;
    http_error(r, 422, "too_many_filter_values",
               arena_printf(r->arena, "筛选条件的值过多 (%d 个): 一次查询最多 %d 个", n, ENGINE_FILTER_VALUES_MAX));
    return true;
}

/* q's length in characters, its control characters left out (q_arg drops
 * them): Q_INDEXED_CHARS or more go through SQLite's search index, whose
 * tokens are the bigrams and trigrams of the text (store/fts_scope.c). */
#define Q_INDEXED_CHARS 2
static size_t q_chars(const char *q) {
    size_t n = 0;
    for (const char *c = q; *c; c++)
        n += ((unsigned char)*c & 0xC0) != 0x80 && (unsigned char)*c >= 0x20;
    return n;
}

/* SQLite: the VM steps a one-character q's count may spend reading the
 * scope's rows (list_run): 12–15 a row, so about 14 000 rows, 20 ms at
 * 10^6 — past the 10 001 matches the count stops at when the character is
 * in every row (150 000 steps for the city's 纠). */
#define Q_SCAN_STEPS 200000

/* SQLite: q's matches in the scope's unit gathered into a set at most (q_join). */
#define Q_GATHER_CAP 20000

/* SQLite: whether the list's q goes through the search index. */
static bool q_indexed(http_req_t *r, const entity_t *e) {
    const char *q = http_query(r, "q"), *del = http_query(r, "deleted");
    return db_kind(r->db) == DB_SQLITE && q && q_chars(q) >= Q_INDEXED_CHARS && !(del && strcmp(del, "1") == 0);
}

/* q as its condition binds it: an FTS5 phrase (fts), or a LIKE pattern with
 * its metacharacters escaped (PostgreSQL).  On SQLite the phrase names the
 * unit of the scope (scope: the list's base range) whose tokens it asks
 * (store/fts_scope.c): the office of an office's or a deeper unit's range,
 * the district of a district's, none of the city's, so the index yields
 * the scope's matches alone (a district's 2 500 of 物业费's 40 367 at
 * 10^6, each then checked against the scope: 16 ms of the count's 23).
 * q's control characters are dropped: the first marks the scope. */
static const char *q_arg(http_req_t *r, const char *q, bool fts, bool lite, const char *scope) {
    int sl = 0;
    if (fts && scope) {
        int len = (int)strlen(scope);
        for (int level = 1; level <= 2; level++) {
            int l = fts_scope_depth(scope, len, level);
            if (l && l <= FTS_SCOPE_PATH_MAX) sl = l;
        }
    }
    char *arg = arena_alloc(r->arena, 2 * strlen(q) + (size_t)sl + 5), *o = arg;
    *o++ = fts ? '"' : '%';
    if (sl) {
        *o++ = '\1';
        memcpy(o, scope, (size_t)sl);
        o += sl;
        *o++ = '\1';
    }
    for (const char *qc = q; *qc; qc++) {
        if (fts && (unsigned char)*qc < 0x20) continue;
        if (fts && *qc == '"')
            *o++ = '"';
        else if (!lite && (*qc == '%' || *qc == '_' || *qc == '\\'))
            *o++ = '\\';
        *o++ = *qc;
    }
    *o++ = fts ? '"' : '%';
    *o = '\0';
    return arg;
}

static int where_sql(http_req_t *r, const entity_t *e, buf_t *sql, sql_binds_t *b, bool walk, count_where_t *cw,
                     org_range_t *base_io) {
    if (too_many_filter_values(r)) return -1;
    const principal_t *p = auth_principal(r);
    bool lite = db_kind(r->db) == DB_SQLITE;
    /* SQLite, ?overdue=: the open records past their deadline are few, and
     * <t>_lf_due_at holds them with their path; given the scope's range
     * too, the planner took that and read every row of the scope (8 s for
     * the city at 10^6 cases) */
    const char *ov = e->flows ? http_query(r, "overdue") : NULL;
    bool overdue = ov && (strcmp(ov, "1") == 0 || strcmp(ov, "true") == 0);
    const char *pc = !walk && !(overdue && lite) ? "t.org_path" : lite ? "+t.org_path" : "(t.org_path || '')";
    /* the field of the list's sort when it is the default one: only that
     * sort has code × sort indexes (schema.c index_ddl) */
    const field_t *dsf = walk ? entity_sort_field(e, NULL) : NULL;
    const field_t *walk_sort = dsf && entity_sort_field(e, http_query(r, "sort")) == dsf ? dsf : NULL;
    const field_t *sort_f = walk ? entity_sort_field(e, http_query(r, "sort")) : NULL;
    const char *scope = p ? p->org_path : "/";
    json_t *errs = json_object();
    char *hi = arena_alloc(r->arena, strlen(scope) + 1);
    scope_upper(scope, hi, strlen(scope) + 1);
    /* ?org_id= inside the caller's scope is the narrower range: it stands
     * for both, because SQLite's planner, given two ranges on org_path,
     * may search the index by the wide one (the whole city) and test the
     * other on every entry — 0.8 ms instead of 0.05 for a district's count
     * of 800 */
    const char *base = scope, *base_hi = hi;
    const char *org_q = http_query(r, "org_id");
    if (base_io && base_io->known) {
        base = base_io->lo;
        base_hi = base_io->hi;
    } else if (org_q) {
        char *end;
        long long oid = strtoll(org_q, &end, 10);
        const char *opath = *org_q && !*end ? scope_unit_path(r, oid) : NULL;
        if (opath && scope_covers(r, opath)) {
            base = opath;
            char *ohi = arena_alloc(r->arena, strlen(base) + 1);
            scope_upper(base, ohi, strlen(base) + 1);
            base_hi = ohi;
        }
    }
    if (base_io) *base_io = (org_range_t){true, base, base_hi, base_io->audited, base_io->q_matches};
    /* no join: a count stays within the live-row indexes, and the planner
     * cannot start from org_units (the org name comes from the snapshot,
     * engine_select_cols) */
    buf_printf(sql, " FROM %s t WHERE %s >= $%d AND %s < $%d", e->table, pc, sql_bind_text(b, base), pc,
               sql_bind_text(b, base_hi));
    if (cw) {
        cw->ok = true;
        buf_printf(&cw->sql, " WHERE t.org_path >= $%d AND t.org_path < $%d", sql_bind_text(&cw->b, base),
                   sql_bind_text(&cw->b, base_hi));
        cw->up = base;
    }
    /* one access path (access.c): a protected entity outside the owning
     * office is listed only within a break-the-glass grant's subtree */
    engine_grants_t grants;
    engine_read_t ra = engine_read_range(r, e, &grants);
    if (!ENGINE_READABLE(ra)) {
        json_decref(errs);
        engine_read_refuse(r, ra);
        return -1;
    }
    if (grants.n) {
        if (cw) cw->ok = false;
        /* audited once a request (a list builds its WHERE twice when it walks) */
        if (!(base_io && base_io->audited) && engine_read_audit(r, e, 0, "list") != 0) {
            json_decref(errs);
            http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示记录");
            return -1;
        }
        if (base_io) base_io->audited = true;
        for (int g = 0; g < grants.n; g++) { /* the union of the grants' subtrees */
            char *ghi = arena_alloc(r->arena, strlen(grants.path[g]) + 1);
            scope_upper(grants.path[g], ghi, strlen(grants.path[g]) + 1);
            buf_printf(sql, "%s(%s >= $%d AND %s < $%d)", g ? " OR " : " AND (", pc, sql_bind_text(b, grants.path[g]), pc,
                       sql_bind_text(b, ghi));
        }
        buf_puts(sql, ")");
    }
    const char *del = http_query(r, "deleted");
    if (del && strcmp(del, "1") == 0) {
        char perm[128];
        snprintf(perm, sizeof(perm), "%s.restore", e->perm);
        if (!auth_can(p, perm)) json_object_set_new(errs, "deleted", json_string("无权查看已删除记录"));
        buf_puts(sql, " AND t.deleted_at IS NOT NULL");
        if (cw) cw->ok = false;
    } else {
        buf_puts(sql, " AND t.deleted_at IS NULL");
    }
    http_query(r, "q"); /* parse once */
    for (int i = 0; i < r->nquery; i++) {
        const char *k = r->qkeys[i], *raw = r->qvals[i];
        if (reserved_param(k)) continue;
        char name[96];
        snprintf(name, sizeof(name), "%s", k);
        char *dot = strchr(name, '.');
        const char *op = NULL;
        if (dot) {
            *dot = '\0';
            op = dot + 1;
        }
        if (strcmp(name, "org_id") == 0 && !op && raw == org_q && base != scope)
            continue; /* the base range already (looked up above) */
        if (strcmp(name, "org_id") == 0 && !op) {
            char *end;
            long long oid = strtoll(raw, &end, 10);
            const char *opath = *raw && !*end ? scope_unit_path(r, oid) : NULL;
            if (!opath || !scope_covers(r, opath)) {
                json_object_set_new(errs, k, json_string("机构不存在或不在您的管辖范围内"));
                continue;
            }
            if (strcmp(opath, base) == 0) continue; /* the base range already */
            char *ohi = arena_alloc(r->arena, strlen(opath) + 1);
            scope_upper(opath, ohi, strlen(opath) + 1);
            buf_printf(sql, " AND %s >= $%d AND %s < $%d", pc, sql_bind_text(b, opath), pc, sql_bind_text(b, ohi));
            if (cw) {
                buf_printf(&cw->sql, " AND t.org_path >= $%d AND t.org_path < $%d", sql_bind_text(&cw->b, opath),
                           sql_bind_text(&cw->b, ohi));
                /* ranges of units nest or do not meet */
                if (strncmp(opath, cw->up, strlen(cw->up)) == 0) cw->up = opath;
                else if (strncmp(cw->up, opath, strlen(opath)) != 0) cw->up = "";
            }
            continue;
        }
        if (strcmp(name, "wf_state") == 0 && !op && e->flows && db_kind(r->db) != DB_SQLITE && *raw &&
            !strchr(raw, ',')) {
            /* PostgreSQL, one state: as a range, not an equality, so the
             * planner keeps t.wf_state in a list's ORDER BY (list_records,
             * state_lead) and must walk <t>_lw_<sort> */
            int ph = sql_bind_text(b, raw);
            buf_printf(sql, " AND t.wf_state >= $%d AND t.wf_state <= $%d", ph, ph);
            if (cw) {
                int cph = sql_bind_text(&cw->b, raw);
                buf_printf(&cw->sql, " AND t.wf_state = $%d", cph);
                buf_printf(&cw->up_state, " AND u.wf_state = $%d", cph);
            }
            continue;
        }
        if (strcmp(name, "wf_state") == 0 && !op && e->flows) {
            buf_puts(sql, " AND t.wf_state IN (");
            if (cw) buf_puts(&cw->sql, " AND t.wf_state IN ("), buf_puts(&cw->up_state, " AND u.wf_state IN (");
            char *list = arena_strdup(r->arena, raw), *save = NULL;
            int n = 0;
            for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                buf_printf(sql, "%s$%d", n ? ", " : "", sql_bind_text(b, c));
                if (cw) {
                    int cph = sql_bind_text(&cw->b, c);
                    buf_printf(&cw->sql, "%s$%d", n ? ", " : "", cph);
                    buf_printf(&cw->up_state, "%s$%d", n ? ", " : "", cph);
                }
                n++;
            }
            buf_puts(sql, n ? ")" : "NULL)");
            if (cw) buf_puts(&cw->sql, n ? ")" : "NULL)"), buf_puts(&cw->up_state, n ? ")" : "NULL)");
            continue;
        }
        if (cw) cw->ok = false; /* any other filter: rows are counted */
        if (strcmp(name, "overdue") == 0 && !op && e->flows) {
            if (!overdue) {
                if (strcmp(raw, "0") && strcmp(raw, "false")) json_object_set_new(errs, k, json_string("必须是 1 或 0"));
                continue;
            }
            char today[21];
            iso_from_unix(now_unix() + 8 * 3600, today);
            today[10] = '\0';
            buf_printf(sql, " AND %sdue_at < $%d", walk && lite ? "+t." : "t.",
                       sql_bind_text(b, arena_strdup(r->arena, today)));
            continue;
        }
        const field_t *f = entity_field(e, name);
        if (!f) {
            json_object_set_new(errs, k, json_string("未知的筛选条件"));
            continue;
        }
        /* a walk (SQLite): no index may take this filter either, or the
         * planner sorts its matches (a tenth of a million rows: 0.5 s),
         * unless it is a code whose pair with the sort exists (schema.c) */
        const char *tp = walk && lite && !(f->type == F_CODE && (f->flags & FF_FILTER) && walk_sort && !op && !strchr(raw, ',')) ? "+t." : "t.";
        if (f->masked_with) { /* masked with a PI field: a filter would be an oracle */
            json_object_set_new(errs, k, json_string("该字段随个人信息脱敏, 不能作为筛选条件"));
            continue;
        }
        if (f->flags & FF_PI) {
            if (!(f->flags & FF_FILTER) || op) {
                json_object_set_new(errs, k, json_string("该字段只能按完整值精确查询"));
                continue;
            }
            char norm[19], idx[65];
            const char *val = raw;
            if (f->mask && strcmp(f->mask, "idcard") == 0 && idcard_normalize(raw, norm)) val = norm;
            pi_blind_index(auth_keys(), val, idx);
            buf_printf(sql, " AND t.%s_index = $%d", f->name, sql_bind_text(b, arena_strdup(r->arena, idx)));
            continue;
        }
        if (op && strcmp(op, "from") && strcmp(op, "to")) {
            json_object_set_new(errs, k, json_string("只支持 .from 与 .to"));
            continue;
        }
        if (op && !field_ranged(f)) {
            json_object_set_new(errs, k, json_string("该字段不支持范围查询"));
            continue;
        }
        if (!op && f->type == F_CODE && strchr(raw, ',')) {
            buf_printf(sql, " AND %s%s IN (", tp, f->name);
            char *list = arena_strdup(r->arena, raw), *save = NULL;
            int n = 0;
            for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save))
                buf_printf(sql, "%s$%d", n++ ? ", " : "", sql_bind_text(b, c));
            buf_puts(sql, ")");
            continue;
        }
        int ph = 0;
        const char *why = filter_value(r, f, raw, b, &ph);
        if (why) {
            json_object_set_new(errs, k, json_string(why));
            continue;
        }
        const char *rel = !op ? "=" : strcmp(op, "from") == 0 ? ">=" : "<=";
        if (walk && lite && op && sort_f == f) {
            /* a range of the sort field itself: a range of the walked
             * index too (its key is engine_sort_expr), or the walk reads
             * every row outside it first (the oldest half of the cases
             * for received_on.from with sort=received_on) */
            char key[160];
            buf_printf(sql, " AND %s %s $%d", engine_sort_expr(f, "t.", key, sizeof(key)), rel, ph);
        }
        buf_printf(sql, " AND %s%s %s $%d", tp, f->name, rel, ph);
    }
    /* q: case-sensitive substring match over the searchable fields, the
     * same rows on both engines.  SQLite: 2+ characters through the FTS5
     * table (a phrase of trigrams, or one bigram, is an exact substring), 1
     * through instr() (no token to look up) so a surname is found;
     * PostgreSQL: LIKE with q's metacharacters escaped, which the GIN
     * trigram index serves (strpos cannot use it). */
    const char *q = http_query(r, "q");
    if (q && *q) {
        if (cw) cw->ok = false;
        bool fts = lite && q_chars(q) >= Q_INDEXED_CHARS;
        int ph = sql_bind_text(b, lite && !fts ? q : q_arg(r, q, fts, lite, base));
        int n = 0;
        for (const field_t *f = e->fields; f->name; f++) {
            if (!(f->flags & FF_SEARCH) || (f->flags & FF_PI)) continue;
            if (fts) {
                if (!n++) buf_printf(sql, " AND t.id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH $%d", e->table, e->table, ph);
            } else if (lite) {
                buf_printf(sql, "%sinstr(t.%s, $%d) > 0", n++ ? " OR " : " AND (", f->name, ph);
            } else {
                buf_printf(sql, "%st.%s LIKE $%d ESCAPE '\\'", n++ ? " OR " : " AND (", f->name, ph);
            }
        }
        buf_puts(sql, n ? ")" : " AND 1 = 0");
    }
    if (cw && cw->ok && !lite) cw->up_ph = sql_bind_text(&cw->b, cw->up);
    if (b->overflow || (cw && cw->b.overflow)) { /* not reached within ENGINE_FILTER_VALUES_MAX */
        json_decref(errs);
        http_error(r, 422, "too_many_filter_values",
                   arena_printf(r->arena, "筛选条件过多: 一次查询最多 %d 个值", ENGINE_FILTER_VALUES_MAX));
        return -1;
    }
    if (json_object_size(errs)) {
        engine_field_error(r, e, errs);
        json_decref(errs);
        return -1;
    }
    json_decref(errs);
    return 0;
}

int engine_where(http_req_t *r, const entity_t *e, buf_t *sql, sql_binds_t *b) {
    return where_sql(r, e, sql, b, false, NULL, NULL);
}

/* ---- list ---- */

typedef struct {
    const char *col; /* expression */
    bool desc, numeric;
    bool field; /* a declared field's (it has <t>_lw_<field>) */
    /* the key every empty value (NULL, '') has: an SQL literal, and whether
     * it sorts above every value (due_at) rather than below; NULL: the
     * column is never empty (id, created_at, updated_at) */
    const char *empty;
    bool empty_high;
} sort_t;

/* The literal an empty value of f sorts as (engine_sort_expr): below every
 * value of its type.  A timestamp's is '-infinity', which PostgreSQL reads
 * as a timestamp ('' is no timestamp: a sortable F_DATETIME broke its
 * schema) and SQLite's ISO text sorts after. */
static const char *sort_empty(const field_t *f) {
    bool numeric = f->type == F_INT || f->type == F_DECIMAL || f->type == F_REF || f->type == F_BOOL;
    return numeric ? "-9000000000000000000" : f->type == F_DATETIME ? "'-infinity'" : "''";
}

const char *engine_sort_expr(const field_t *f, const char *prefix, char *out, size_t outlen) {
    snprintf(out, outlen, "COALESCE(%s%s, %s)", prefix, f->name, sort_empty(f));
    return out;
}

/* The spine columns a list may sort by. */
static const char *const sort_spine[] = {"id", "created_at", "updated_at", "due_at", NULL};

bool engine_sort_allowed(const entity_t *e, const char *name) {
    for (int i = 0; sort_spine[i]; i++)
        if (strcmp(name, sort_spine[i]) == 0) return true;
    const field_t *f = entity_field(e, name);
    return f && (f->flags & FF_SORT) && !(f->flags & FF_PI);
}

/* Parses ?sort=; -1 after answering 422. */
static int parse_sort(http_req_t *r, const entity_t *e, sort_t *st) {
    const char *s = http_query(r, "sort");
    if (!s || !*s) s = e->default_sort ? e->default_sort : "-id";
    if (strchr(s, ',')) { /* one key (its index, schema.c), never a silent first-of-several */
        http_error(r, 422, "too_many_sort_keys", "排序字段过多: 一次只能按 1 个字段排序");
        return -1;
    }
    st->desc = s[0] == '-';
    const char *name = s + (s[0] == '-' || s[0] == '+');
    for (int i = 0; sort_spine[i]; i++)
        if (strcmp(name, sort_spine[i]) == 0) {
            st->col = strcmp(name, "id") == 0 ? NULL
                      : strcmp(name, "due_at") == 0 ? "COALESCE(t.due_at, '9999-12-31')"
                                                    : arena_printf(r->arena, "t.%s", name);
            st->numeric = false;
            if (strcmp(name, "due_at") == 0) st->empty = "'9999-12-31'", st->empty_high = true;
            return 0;
        }
    const field_t *f = entity_field(e, name);
    if (!engine_sort_allowed(e, name)) {
        json_t *fe = json_pack("{s:s}", "sort", "不能按该字段排序");
        http_error_fields(r, 422, "validation_failed", "不能按该字段排序", fe);
        json_decref(fe);
        return -1;
    }
    char key[160];
    st->numeric = f->type == F_INT || f->type == F_DECIMAL || f->type == F_REF || f->type == F_BOOL;
    st->col = arena_strdup(r->arena, engine_sort_expr(f, "t.", key, sizeof(key)));
    st->field = true;
    st->empty = sort_empty(f);
    return 0;
}

/* The list's order (?sort=, its default, the id as tie-break) as an ORDER
 * BY clause over alias t, for the export (engine.h).  -1 after answering 422. */
int engine_order_by(http_req_t *r, const entity_t *e, buf_t *sql) {
    sort_t st = {0};
    if (parse_sort(r, e, &st) != 0) return -1;
    const char *dir = st.desc ? "DESC" : "ASC";
    /* empty values last, as the list shows them (list_records' two parts) */
    if (st.col && st.empty && st.empty_high == st.desc)
        buf_printf(sql, " ORDER BY (%s = %s) ASC, %s %s, t.id %s", st.col, st.empty, st.col, dir, dir);
    else if (st.col) buf_printf(sql, " ORDER BY %s %s, t.id %s", st.col, dir, dir);
    else buf_printf(sql, " ORDER BY t.id %s", dir);
    return 0;
}

/* Cursor: the last row's sort value and id, as hex (opaque to clients). */
static char *cursor_make(http_req_t *r, const char *val, int64_t id) {
    char raw[600];
    int n = snprintf(raw, sizeof(raw), "%s\x1f%lld", val ? val : "", (long long)id);
    if (n < 0 || (size_t)n >= sizeof(raw)) n = 0;
    char *hex = arena_alloc(r->arena, (size_t)n * 2 + 1);
    hex_encode(raw, (size_t)n, hex);
    return hex;
}

static bool cursor_parse(http_req_t *r, const char *hex, const char **val, int64_t *id) {
    size_t n = strlen(hex);
    if (n % 2 || n > 1200) return false;
    char *raw = arena_alloc(r->arena, n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned int byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) return false;
        raw[i] = (char)byte;
    }
    raw[n / 2] = '\0';
    char *sep = strrchr(raw, '\x1f');
    if (!sep) return false;
    *sep = '\0';
    char *end;
    *id = strtoll(sep + 1, &end, 10);
    *val = raw;
    return *end == '\0' && *id > 0;
}

/* Whether a cursor's sort value cv is an empty value's key (st->empty):
 * the next page continues among the empties, which come last. */
static bool cursor_in_empties(const sort_t *st, const char *cv) {
    if (st->numeric) return strtoll(cv, NULL, 10) <= strtoll(st->empty, NULL, 10);
    char lit[32];
    snprintf(lit, sizeof(lit), "%.*s", (int)strlen(st->empty) - 2, st->empty + 1); /* without its quotes */
    int c = strcmp(cv, lit);
    return st->empty_high ? c >= 0 : c <= 0;
}

/* `total` is counted up to this many rows; beyond, the answer says
 * "total": TOTAL_CAP, "total_capped": true (docs/api.md "Lists"). */
#define TOTAL_CAP 10000

/* Rows matching the filters, counted up to TOTAL_CAP + 1 over the live-row
 * indexes (schema.c): a covering index scan that stops early.  -1 on error. */
static int64_t count_capped(http_req_t *r, const char *where, const sql_binds_t *b) {
    buf_t sql = BUF_INIT;
    buf_printf(&sql, "SELECT COUNT(*) FROM (SELECT 1%s LIMIT %d) c", where, TOTAL_CAP + 1);
    db_stmt_t *s = db_prepare_custom(http_read_db(r), sql.data);
    buf_free(&sql);
    if (!s) return -1;
    engine_bind_all(s, b);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return n;
}

/* Cells of <t>_counts read at most: a scope wider than this (a ministry's
 * 40 000 offices times their states) counts its rows, capped, instead. */
#define COUNT_CELLS 5000

/* PostgreSQL: the total as one expression: the changes not yet folded
 * (<t>_counts_new, conditions where) plus the roll-up's row of the scope's
 * unit in each state (<t>_counts_up, the unit's placeholder up_ph, states
 * up_state) — one row a state whatever the scope's size (schema.c
 * counts_up_ddl), where the cells were a district's hundreds. */
static void count_sum_sql(const entity_t *e, const char *where, const char *up_state, int up_ph, buf_t *out) {
    buf_printf(out,
               "(COALESCE((SELECT SUM(t.n) FROM %s_counts_new t%s), 0) + "
               "COALESCE((SELECT SUM(u.n) FROM %s_counts_up u WHERE u.org_path = $%d%s), 0))",
               e->table, where, e->table, up_ph, up_state ? up_state : "");
}

/* The list's total: the sum of the precomputed cells when the filters allow
 * it, else count_capped.  SQLite: like the count, the sum stops past
 * TOTAL_CAP (a district's archived cases are over it after a few offices'
 * cells); a scope of more than COUNT_CELLS cells is counted instead.
 * PostgreSQL: one statement adds the changes not yet folded into the cells
 * (<t>_counts_new, schema.c) to the roll-up's row of the scope's unit
 * (count_sum_sql).  -1 on error. */
static int64_t count_total(http_req_t *r, const entity_t *e, const char *where, const sql_binds_t *b,
                           const count_where_t *cw) {
    char sql[2600];
    int len;
#define FITS(n) ((n) > 0 && (size_t)(n) < sizeof(sql))
    if (!cw->ok) return count_capped(r, where, b);
    if (db_kind(r->db) != DB_SQLITE) {
        /* one round trip: the changes not yet folded plus the scope's
         * row in the roll-up, a state (count_sum_sql) */
        buf_t q = BUF_INIT;
        buf_puts(&q, "SELECT ");
        count_sum_sql(e, cw->sql.data, cw->up_state.data, cw->up_ph, &q);
        db_stmt_t *s = db_prepare(http_read_db(r), q.data);
        buf_free(&q);
        if (!s) return -1;
        engine_bind_all(s, &cw->b);
        int64_t sum = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
        db_reset(s);
        return sum;
    }
    len = snprintf(sql, sizeof(sql), "SELECT t.n FROM %s_counts t%s", e->table, cw->sql.data);
    if (!FITS(len)) return count_capped(r, where, b);
#undef FITS
    db_stmt_t *s = db_prepare(http_read_db(r), sql);
    if (!s) return -1;
    engine_bind_all(s, &cw->b);
    int64_t sum = 0, cells = 0;
    int rc = DB_DONE;
    while (sum <= TOTAL_CAP && cells <= COUNT_CELLS && (rc = db_step(s)) == DB_ROW) {
        sum += db_col_int(s, 0);
        cells++;
    }
    db_reset(s);
    if (rc < 0) return -1;
    return cells <= COUNT_CELLS ? sum : count_capped(r, where, b);
}

/* ---- PostgreSQL: the count in the page's statement (issue 26) ----
 *
 * A list counted from the cells (count_where_t.ok) made two round trips on
 * PostgreSQL: the count, which decides the plan (walk_sort_order: walk when
 * over TOTAL_CAP), then the page.  A round trip costs more than either
 * statement executes (≈ 20 µs of PostgreSQL's CPU and 10 of sifasuo's
 * against 25–35 µs of execution, docs/performance.md).  So the count rides
 * in the page's statement as a column, and the plan is decided by what the
 * same conditions counted last time on this node: a memo of one word per
 * slot, no lock.  It only chooses a plan — the answer's rows and total come
 * from the one statement, one snapshot — and each folded answer refreshes
 * it, so a list that crossed the cap is served by the other plan once. */
#define WALK_MEMO_SLOTS 1024
static _Atomic uint64_t walk_memo[WALK_MEMO_SLOTS];

/* FNV-1a over the table, the cells' conditions and their values */
static uint64_t walk_memo_key(const entity_t *e, const count_where_t *cw) {
    uint64_t h = 1469598103934665603ULL;
#define MIX(p, n)                                                                                                      \
    for (size_t k_ = 0; k_ < (n); k_++) h = (h ^ ((const unsigned char *)(p))[k_]) * 1099511628211ULL
    MIX(e->table, strlen(e->table) + 1);
    MIX(cw->sql.data, cw->sql.len + 1);
    for (int i = 0; i < cw->b.n; i++) {
        if (cw->b.v[i].is_int) MIX(&cw->b.v[i].i, sizeof(cw->b.v[i].i));
        else MIX(cw->b.v[i].s, strlen(cw->b.v[i].s) + 1);
    }
#undef MIX
    return h & ~3ULL; /* bit 1: a slot in use; bit 0: over the cap */
}

/* 1 walk, 0 not, -1 not known on this node */
static int walk_memo_get(uint64_t key) {
    uint64_t v = atomic_load_explicit(&walk_memo[(key >> 2) % WALK_MEMO_SLOTS], memory_order_relaxed);
    return (v & 2) && (v & ~3ULL) == key ? (int)(v & 1) : -1;
}

static void walk_memo_put(uint64_t key, int64_t total) {
    atomic_store_explicit(&walk_memo[(key >> 2) % WALK_MEMO_SLOTS], key | 2 | (total > TOTAL_CAP),
                          memory_order_relaxed);
}

/* sql with each placeholder $k as $(k + off), appended to out */
static void renumber(const char *sql, int off, buf_t *out) {
    for (const char *c = sql; *c;) {
        if (*c == '$' && c[1] >= '0' && c[1] <= '9') {
            char *end;
            long k = strtol(c + 1, &end, 10);
            buf_printf(out, "$%ld", k + off);
            c = end;
        } else {
            buf_putc(out, *c++);
        }
    }
}

/* The total (count_sum_sql) as one scalar column of the page's SELECT.
 * The cells' placeholders follow the page's own: their values are
 * appended to b.  false when they do not fit (the caller counts apart). */
static bool fold_count_col(const entity_t *e, const count_where_t *cw, buf_t *sql, sql_binds_t *b) {
    if (b->n + cw->b.n > SQL_BINDS_MAX) return false;
    int off = b->n;
    for (int i = 0; i < cw->b.n; i++) b->v[b->n++] = cw->b.v[i];
    buf_t w = BUF_INIT, st = BUF_INIT;
    renumber(cw->sql.data, off, &w);
    if (cw->up_state.data) renumber(cw->up_state.data, off, &st);
    buf_puts(sql, ", ");
    count_sum_sql(e, w.data, st.data, cw->up_ph + off, sql);
    buf_free(&w);
    buf_free(&st);
    return true;
}

/* PostgreSQL: folds each entity's <t>_counts_new into its cells, in one
 * statement (atomic; rows committed later stay for the next fold).  The
 * job thread calls it once a minute; a failure is logged and the rows
 * wait for the next fold (the lists add them meanwhile). */
static void fold_entity(const entity_t *e, void *arg) {
    db_t *db = arg;
    char sql[800];
    snprintf(sql, sizeof(sql),
             "WITH d AS (DELETE FROM %s_counts_new RETURNING wf_state, org_path, n) "
             "INSERT INTO %s_counts (wf_state, org_path, n) SELECT wf_state, org_path, SUM(n) FROM d GROUP BY 1, 2 "
             "ON CONFLICT (wf_state, org_path) DO UPDATE SET n = %s_counts.n + EXCLUDED.n",
             e->table, e->table, e->table);
    db_stmt_t *s = db_prepare(db, sql);
    int rc = s ? db_step(s) : -1;
    if (s) db_reset(s);
    if (rc != DB_DONE) log_error("counts: folding %s_counts_new failed: %s", e->table, db_errmsg(db));
}

void engine_fold_counts(db_t *db) {
    if (db_kind(db) != DB_SQLITE) entity_each(fold_entity, db);
}

static bool walk_in_index(http_req_t *r, const entity_t *e);

/* A row a walk passes over costs about a quarter of a match a sort reads
 * when the walk's index holds every condition (walk_in_index): an index
 * entry checked in place against a table row fetched, checked and put in
 * the sorter (an office's 4 365 archived cases at 10^6: sorted 6.6 ms,
 * walked by <t>_lw_received_on past ~4 800 other offices' entries 0.6 ms) */
#define WALK_ENTRY_SHARE 4

/* A walk's row with q costs WALK_PROBE_COST sorted matches: each row it
 * passes is looked up in the search index by rowid (q_join), about 4 µs
 * against a match's 1 (a district's 6 706 matches of 物业费 by closing
 * date at 10^6: walked, 25 ms; sorted, 8). */
#define WALK_PROBE_COST 4

/* SQLite's planner takes the scope (or filter) range and sorts every match,
 * even when walking an index in the sort order would stop after limit + 1
 * rows.  Walk when that is cheaper: about (limit + 1) * N / M rows visited
 * against M rows sorted, N the table's rows (MAX(id), an upper bound), M the
 * matches (counted up to the cap: more than that, walk).
 * PostgreSQL's planner weighs the LIMIT itself, but planning with the
 * values, over an entity's seventy-odd indexes, cost 0.5-1 ms a list, more
 * than running it; a generic plan, made once per statement, is as good only
 * when the scope cannot lead it astray.  So past the cap the list walks
 * there too, and with a kept plan (list_records); below, the planner
 * chooses with the values.  SQLite weighs a walk whose index holds every
 * condition at WALK_ENTRY_SHARE entries a sorted match. */
static bool walk_sort_order(http_req_t *r, const entity_t *e, int64_t matches, int limit, int64_t *rows, bool probe) {
    *rows = 0;
    if (db_kind(r->db) != DB_SQLITE) return matches > TOTAL_CAP;
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT MAX(id) FROM %s", e->table);
    *rows = db_query_int(r->db, sql, 0);
    if (matches > TOTAL_CAP) return true;
    int64_t share = walk_in_index(r, e) ? WALK_ENTRY_SHARE : 1, cost = probe ? WALK_PROBE_COST : 1;
    return matches * matches * share >= cost * (int64_t)(limit + 1) * *rows;
}

/* ?fields=a,b: the declared fields a list's items carry, besides the spine
 * (id, org, version, times, state).  NULL with *bad false when absent (all
 * fields, and each record's workflow actions); NULL with *bad true after
 * answering 422.  A list screen asks for the columns it shows: at 20 rows a
 * page, rendering every field was half the list's cost (docs/performance.md). */
static const bool *parse_fields(http_req_t *r, const entity_t *e, bool *bad) {
    const char *q = http_query(r, "fields");
    *bad = false;
    if (!q) return NULL;
    int nf = 0;
    for (const field_t *f = e->fields; f->name; f++) nf++;
    int asked = 1;
    for (const char *c = q; *c; c++)
        asked += *c == ',';
    if (asked > nf) {
        http_error(r, 422, "too_many_fields",
                   arena_printf(r->arena, "fields 列出的字段过多 (%d 个): 最多 %d 个 (本类记录的字段数)", asked, nf));
        *bad = true;
        return NULL;
    }
    bool *sel = arena_alloc(r->arena, (size_t)nf + 1);
    memset(sel, 0, (size_t)nf + 1);
    for (const char *p = q;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int i = 0;
        const field_t *f = e->fields;
        for (; f->name && len; f++, i++)
            if (strlen(f->name) == len && memcmp(f->name, p, len) == 0) break;
        if (!len || !f->name) {
            http_invalid(r, "fields", len ? arena_printf(r->arena, "没有字段 %.*s", (int)(len < 40 ? len : 40), p) : "字段名不能为空");
            *bad = true;
            return NULL;
        }
        sel[i] = true;
        if (!end) break;
        p = end + 1;
    }
    return sel;
}

/* where (" FROM <t> t WHERE …", from where_sql) with SQLite's INDEXED BY
 * idx; unchanged when idx is NULL. */
static void name_index(buf_t *where, const entity_t *e, const char *idx) {
    if (!idx) return;
    int head = (int)(strlen(" FROM ") + strlen(e->table) + strlen(" t"));
    buf_t out = BUF_INIT;
    buf_printf(&out, "%.*s INDEXED BY %s%s", head, where->data, idx, where->data + head);
    buf_free(where);
    *where = out;
}

static const char *sort_spine_name(http_req_t *r, const entity_t *e);

/* SQLite: a list with q in id order, which the search index yields itself
 * (its rowids, either way), the matches driving and none passed over. */
static bool q_index_order(http_req_t *r, const entity_t *e) {
    const char *spine = sort_spine_name(r, e);
    return q_indexed(r, e) && spine && strcmp(spine, "id") == 0;
}

/* SQLite, q through the search index: where_sql's IN set of its matches,
 * gathered whole before the first row and then looked up cheaply (0.1 µs),
 * unless they are more than Q_GATHER_CAP in the scope's unit (the city's
 * 10^6 of a two-character q, 纠纷, gathered for a count that stops at
 * 10 001: 170–270 ms).  Then a join: the search index outer when the
 * matches drive (idx <t>_lq, each match checked in (id, org_path)), the
 * walk's index outer when the list walks an order, each row it passes
 * looked up in the search index by rowid (about 4 µs, WALK_PROBE_COST).
 * In id order (q_index_order) the search index always drives, in its own
 * order.  A scope that drives (fewer rows than matches) keeps the set. */
static void q_join(http_req_t *r, buf_t *where, const entity_t *e, const char *idx, bool walk, const org_range_t *base) {
    const char *t = e->table;
    if (!q_indexed(r, e)) return;
    bool by_id = idx && strcmp(idx, arena_printf(r->arena, "%s_lq", t)) == 0;
    if (walk && q_index_order(r, e))
        walk = false; /* the index's own order: it drives */
    else if (base->q_matches <= Q_GATHER_CAP || (!walk && !by_id))
        return;
    const char *in = arena_printf(r->arena, " AND t.id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH $", t, t);
    const char *at = strstr(where->data, in), *end = at ? strchr(at + strlen(in), ')') : NULL;
    if (!end) return;
    int ph = atoi(at + strlen(in));
    const char *w = where->data, *cond = strstr(w, " WHERE ");
    buf_t out = BUF_INIT;
    if (walk) /* " FROM <t> t[ INDEXED BY <idx>] CROSS JOIN <t>_fts f WHERE …" */
        buf_printf(&out, "%.*s CROSS JOIN %s_fts f%.*s", (int)(cond - w), w, t, (int)(at - cond), cond);
    else /* " FROM <t>_fts f CROSS JOIN <t> t INDEXED BY <t>_lq WHERE …" */
        buf_printf(&out, " FROM %s_fts f CROSS JOIN%.*s", t, (int)(at - w) - 5, w + 5);
    buf_printf(&out, " AND f.%s_fts MATCH $%d AND f.rowid = t.id%s", t, ph, end + 1);
    buf_free(where);
    *where = out;
}

/* Live rows in the scope's range (base), from the cells of <t>_counts,
 * summed until past cap.  -1 on error. */
static int64_t scope_rows(http_req_t *r, const entity_t *e, const org_range_t *base, int64_t cap) {
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT t.n FROM %s_counts t WHERE t.org_path >= $1 AND t.org_path < $2", e->table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, base->lo, -1);
    db_bind_text(s, 2, base->hi, -1);
    int64_t sum = 0;
    int rc = DB_DONE;
    while (sum <= cap && (rc = db_step(s)) == DB_ROW) sum += db_col_int(s, 0);
    db_reset(s);
    return rc < 0 ? -1 : sum;
}

/* The rows matching every condition of where but the scope's own range
 * (base: the first two binds of where_sql), read through index idx and
 * counted up to cap + 1.  -1 on error. */
static int64_t probe_rows(http_req_t *r, const entity_t *e, const char *where, const sql_binds_t *b,
                          const org_range_t *base, const char *idx, int64_t cap) {
    buf_t w = BUF_INIT, sql = BUF_INIT;
    buf_puts(&w, where);
    name_index(&w, e, idx);
    sql_binds_t all = *b;
    /* the cap bound, not written: one statement whatever the scope's size */
    buf_printf(&sql, "SELECT COUNT(*) FROM (SELECT 1%s LIMIT $%d) c", w.data, sql_bind_int(&all, cap + 1));
    buf_free(&w);
    char top_hi[2]; /* the bound value must outlive the step below only */
    scope_upper("/", top_hi, sizeof(top_hi));
    for (int i = 0; i < all.n && i < 2; i++) /* the scope's range, widened to every unit */
        if (!all.v[i].is_int) all.v[i].s = all.v[i].s == base->lo ? "/" : all.v[i].s == base->hi ? top_hi : all.v[i].s;
    db_stmt_t *s = db_prepare(r->db, sql.data);
    buf_free(&sql);
    if (!s) return -1;
    engine_bind_all(s, &all);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return n;
}

/* The rows q's search index matches in the unit of the scope's range
 * (base, q_arg), counted up to cap + 1.  -1 on error. */
static int64_t fts_rows(http_req_t *r, const entity_t *e, const char *q, const org_range_t *base, int64_t cap) {
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM (SELECT rowid FROM %s_fts WHERE %s_fts MATCH $1 LIMIT $2)",
             e->table, e->table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, q_arg(r, q, true, true, base->lo), -1);
    db_bind_int(s, 2, cap + 1);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return n;
}

/* A walk's budget (db_set_budget) per match of the list, in VM steps:
 * a walk spends about ten on each row it visits (the index entry, the
 * table row, the filters), so the walk may visit about as many rows as the
 * sort would read instead.  (60 let a skewed walk read 70 000 rows.) */
#define WALK_STEPS_PER_MATCH 10

/* VM steps of gathering one of q's matches before a walk (list_run). */
#define WALK_GATHER_STEPS 5

/* Rows a probe reads at most before the list's index is chosen. */
#define PROBE_CAP 10000

/* The largest scope whose range filter is weighed against its matches
 * elsewhere (list_index): the probe reads up to this many index entries. */
#define PROBE_SCOPE 50000

/* The declared filter a list's query parameter i names (<f>, or <f>.from
 * and <f>.to: *op), or NULL: a reserved parameter, another field. */
static const field_t *param_filter(http_req_t *r, const entity_t *e, int i, bool *op) {
    const char *k = r->qkeys[i], *dot = strchr(k, '.');
    *op = dot != NULL;
    if (reserved_param(k)) return NULL;
    char name[96];
    snprintf(name, sizeof(name), "%.*s", dot ? (int)(dot - k) : (int)strlen(k), k);
    const field_t *f = entity_field(e, name);
    return f && (f->flags & FF_FILTER) ? f : NULL;
}

/* The spine column the list sorts by (sort_spine: ?sort= or the entity's
 * default), or NULL for a declared field. */
static const char *sort_spine_name(http_req_t *r, const entity_t *e) {
    const char *s = http_query(r, "sort");
    if (!s || !*s) s = e->default_sort ? e->default_sort : "-id";
    s += s[0] == '-' || s[0] == '+';
    for (int i = 0; sort_spine[i]; i++)
        if (strcmp(s, sort_spine[i]) == 0) return sort_spine[i];
    return NULL;
}

/* SQLite: the index a list's statements read, chosen here rather than by
 * the planner, whose choice depended on the data's shape and on whether
 * ANALYZE had run (a one-sided range, amount.from, looked worse than the
 * scope's two-sided one: the scope's every row read and sorted).  A walk
 * (walk_sort_order) reads the sort's index: the state's pair <t>_lw_<s>
 * for one state, a code's pair with the default sort, else <t>_lk_<s>
 * (a spine column's too), which holds the scope and the range filters, so
 * the rows a walk passes over are index entries (schema.c range_cols).
 * Otherwise a field filter's <t>_lf_<f> (an equality before a range), unless
 * the scope holds fewer live rows (S, from the cells) than the filter
 * matches outside it (probed up to S + 1): then the scope's own index, or
 * the state's.  Either way the rows read are bounded by the smaller of the
 * two.  NULL: the planner's choice is the only sensible one (q through
 * FTS5, ?deleted=1 walked, a walk by id, a personal information lookup).  *err on a store error. */
static const char *list_index(http_req_t *r, const entity_t *e, bool walk, const char *where, const sql_binds_t *b,
                              org_range_t *base, bool *err) {
    *err = false;
    const char *del = http_query(r, "deleted"), *q = http_query(r, "q"), *wfs = http_query(r, "wf_state");
    const char *ov = e->flows ? http_query(r, "overdue") : NULL;
    bool deleted = del && strcmp(del, "1") == 0, overdue = ov && (strcmp(ov, "1") == 0 || strcmp(ov, "true") == 0);
    bool fts = q && q_chars(q) >= Q_INDEXED_CHARS;
    const field_t *cand = NULL, *code = NULL;
    bool cand_eq = false;
    for (int i = 0; i < r->nquery; i++) {
        bool dot;
        const field_t *f = param_filter(r, e, i, &dot);
        if (!f) continue;
        if (f->flags & FF_PI) return NULL; /* its blind index, an equality of one value */
        if (!dot && f->type == F_CODE && !strchr(r->qvals[i], ',') && !code) code = f; /* one code: its pair */
        if (!cand || (!cand_eq && !dot)) cand = f, cand_eq = !dot;
    }
    const char *t = e->table;
    if (walk) {
        if (deleted) return NULL;
        const char *spine = sort_spine_name(r, e);
        if (spine) /* id: the table itself; due_at without a workflow: always empty */
            return strcmp(spine, "id") == 0 || (strcmp(spine, "due_at") == 0 && !e->flows)
                       ? NULL
                       : arena_printf(r->arena, "%s_lk_%s", t, spine);
        const field_t *sf = entity_sort_field(e, http_query(r, "sort"));
        if (!sf || !(sf->flags & FF_SORT) || (sf->flags & FF_PI)) return NULL;
        if (e->flows && wfs && *wfs && !strchr(wfs, ',')) return arena_printf(r->arena, "%s_lw_%s", t, sf->name);
        if (code && sf == entity_sort_field(e, NULL)) return arena_printf(r->arena, "%s_lf_%s_%s", t, code->name, sf->name);
        return arena_printf(r->arena, "%s_lk_%s", t, sf->name);
    }
    if (deleted) return arena_printf(r->arena, "%s_dead", t);
    if (overdue) return arena_printf(r->arena, "%s_lf_due_at", t);
    const char *alt = e->flows && wfs ? arena_printf(r->arena, "%s_lf_wf_state", t) : arena_printf(r->arena, "%s_live", t);
    if (fts) {
        /* q: the FTS5 match drives and each match's row is checked against
         * the scope, unless the scope holds fewer live rows than q matches:
         * then the scope's index drives and each of its rows is looked up
         * in the matches, gathered once (an office's q over the city's
         * 40 367 matches at 10^6: a table row each, 97 ms) */
        int64_t in_scope = scope_rows(r, e, base, PROBE_CAP);
        if (in_scope < 0) return *err = true, NULL;
        const char *by_id = arena_printf(r->arena, "%s_lq", t);
        int64_t matches = fts_rows(r, e, q, base, Q_GATHER_CAP);
        if (matches < 0) return *err = true, NULL;
        base->q_matches = matches; /* q_join */
        return in_scope <= PROBE_CAP && matches > in_scope ? alt : by_id;
    }
    if (!cand) return alt;
    const char *mine = arena_printf(r->arena, "%s_lf_%s", t, cand->name);
    /* an equality: (<f>, org_path) is sought to the scope's own matches,
     * never more rows than the scope's index would read (an office's
     * category read all its 4 635 cases at 10^6: 17 ms, its 354 matches) */
    if (cand_eq) return mine;
    /* a scope of up to PROBE_SCOPE rows is weighed (an office at 10^7,
     * 46 000 cases: its amount.from read the city's 2.2 million amounts
     * for the count's 10 001, 190 ms); a larger one takes the filter's */
    int64_t in_scope = scope_rows(r, e, base, PROBE_SCOPE);
    if (in_scope < 0) return *err = true, NULL;
    if (in_scope > PROBE_SCOPE) return mine;
    int64_t outside = probe_rows(r, e, where, b, base, mine, in_scope);
    if (outside < 0) return *err = true, NULL;
    /* a range over more rows outside the scope than in it: the scope's
     * rows in (org_path, <f>), the range checked in the index (through
     * <t>_live every row of the scope was a table read: an office's
     * visited_on.from, 13.9 ms at 10^6) */
    return outside > in_scope ? arena_printf(r->arena, "%s_lo_%s", t, cand->name) : mine;
}

/* SQLite: whether the index a walk reads (list_index, walk) holds every
 * condition of the list besides the scope, so that each row the walk
 * passes over is an index entry, not a table row: the state's
 * <t>_lw_<s> with one state and no field filter, a code's pair with the
 * default sort and that code alone, <t>_lk_<s> with range filters only
 * (schema.c range_cols). */
static bool walk_in_index(http_req_t *r, const entity_t *e) {
    const char *q = http_query(r, "q"), *del = http_query(r, "deleted");
    const char *wfs = e->flows ? http_query(r, "wf_state") : NULL, *ov = e->flows ? http_query(r, "overdue") : NULL;
    if ((q && *q) || (del && strcmp(del, "1") == 0) || (ov && (strcmp(ov, "1") == 0 || strcmp(ov, "true") == 0)))
        return false;
    bool one_state = wfs && *wfs && !strchr(wfs, ',');
    if (wfs && *wfs && !one_state) return false;
    const char *spine = sort_spine_name(r, e);
    const field_t *sf = spine ? NULL : entity_sort_field(e, http_query(r, "sort"));
    if (spine ? strcmp(spine, "id") == 0 || (strcmp(spine, "due_at") == 0 && !e->flows) || one_state : !sf)
        return false;
    int codes = 0, ranges = 0, others = 0;
    for (int i = 0; i < r->nquery; i++) {
        bool dot;
        const field_t *f = param_filter(r, e, i, &dot);
        if (!f) continue;
        if (one_state || (f->flags & FF_PI) || f->masked_with) return false;
        if (!dot && f->type == F_CODE && !strchr(r->qvals[i], ',') && sf == entity_sort_field(e, NULL))
            codes++;
        else if (field_ranged(f))
            ranges++;
        else
            others++;
    }
    return others == 0 && (codes == 0 || (codes == 1 && ranges == 0 && !spine));
}

/* SQLite: the order a first page past the cap may be answered in instead
 * of the one asked (list_run): with q, id order in the direction asked
 * (the search index's own); else the range's own, in the direction asked,
 * when the list asks a range (.from/.to) of a field it can be sorted by
 * (<t>_lk_<f>) other than the sort's; else, with one code, the entity's
 * default sort (the code's pair <t>_lf_<code>_<s>, schema.c); else, for
 * overdue records, by deadline; else, for one state sorted by a spine
 * column, the default sort.  NULL: none. */
static const char *reorder_sort(http_req_t *r, const entity_t *e, bool desc) {
    const char *dflt = e->default_sort ? e->default_sort : "-id", *so = http_query(r, "sort");
    if (!so || !*so) so = dflt;
    /* q: the order of its search index, which yields the matches alone
     * (a walk of another order looks up each row it passes, q_join) */
    if (q_indexed(r, e)) return q_index_order(r, e) ? NULL : desc ? "-id" : "id";
    const char *name = so + (so[0] == '-' || so[0] == '+');
    const field_t *code = NULL;
    for (int i = 0; i < r->nquery; i++) {
        bool dot;
        const field_t *f = param_filter(r, e, i, &dot);
        if (!f || (f->flags & FF_PI) || f->masked_with) continue;
        if (dot && (f->flags & FF_SORT) && field_ranged(f) && strcmp(f->name, name) != 0)
            return arena_printf(r->arena, "%s%s", desc ? "-" : "", f->name);
        if (!dot && f->type == F_CODE && !strchr(r->qvals[i], ',')) code = f;
    }
    const field_t *dsf = entity_sort_field(e, NULL);
    bool dflt_walks = dsf && (dsf->flags & FF_SORT) && !(dsf->flags & FF_PI) && strcmp(so, dflt) != 0;
    if (code && dflt_walks) return dflt;
    /* overdue: by deadline, the most overdue first, which <t>_lk_due_at
     * walks to at once (the city's overdue cases by 回访日期 at 10^7 walked
     * the closed ones first: 8–10 s; by deadline, 0.7 ms) */
    const char *ov = e->flows ? http_query(r, "overdue") : NULL;
    if (ov && (strcmp(ov, "1") == 0 || strcmp(ov, "true") == 0)) return strcmp(so, "due_at") == 0 ? NULL : "due_at";
    /* one state in a spine's order: the default one, which the state's
     * pair <t>_lw_<s> walks (the city's registered cases by creation time
     * at 10^7 walked every older case: 2 s) */
    const char *wfs = e->flows ? http_query(r, "wf_state") : NULL;
    if (wfs && *wfs && !strchr(wfs, ',') && sort_spine_name(r, e) && strcmp(name, "id") != 0 && dflt_walks) return dflt;
    return NULL;
}

/* One list answer.  sorted_by: NULL, or the order this run was given
 * instead of the one asked for (a first run past its walk's budget, below,
 * asks for a second with it, and leaves its count in *counted).  Returns 1
 * when a second run is wanted, with nothing sent and the list's ?sort=
 * replaced. */
static int list_run(http_req_t *r, const char *sorted_by, int64_t *counted) {
    int again = 0;
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "read")) return 0;
    const field_t *pi_filter = engine_pi_lookup_field(r, e); /* audited and limited (access.c) */
    if (pi_filter && !engine_pi_lookup_allowed(r)) return 0;
    sort_t st = {0};
    if (parse_sort(r, e, &st) != 0) return 0;
    bool bad;
    const bool *sel = parse_fields(r, e, &bad);
    if (bad) return 0;
    const char *lim = http_query(r, "limit");
    int limit = lim ? atoi(lim) : 50;
    if (limit < 1 || limit > 500) return http_error(r, 422, "validation_failed", "limit 须在 1 到 500 之间"), 0;
    const char *after = http_query(r, "after"), *tq = http_query(r, "total");
    const char *cv = NULL;
    int64_t cid = 0, total = -1;
    if (after && !cursor_parse(r, after, &cv, &cid))
        return http_error(r, 422, "validation_failed", "after 游标无效"), 0;
    /* total: on the first page unless total=0, on later ones with total=1 */
    bool want_total = tq ? strcmp(tq, "0") != 0 : !after;
    bool walk = false;
    int64_t table_rows = 0; /* MAX(id), when the walk was weighed against a sort */
    buf_t where = BUF_INIT, sql = BUF_INIT;
    sql_binds_t b = {0};
    count_where_t cw = {.sql = BUF_INIT};
    org_range_t base = {0}; /* looked up once for both where_sql */
    if (where_sql(r, e, &where, &b, false, &cw, &base) != 0) goto out;
    bool lite = db_kind(r->db) == DB_SQLITE, idx_err = false;
    if (lite) {
        const char *idx = list_index(r, e, false, where.data, &b, &base, &idx_err);
        if (idx_err) {
            http_store_error(r);
            goto out;
        }
        name_index(&where, e, idx);
        q_join(r, &where, e, idx, false, &base);
    }
    /* the same capped count decides the plan, on every page (the matches
     * may have changed, and a cursor is the client's to forge); on
     * PostgreSQL only when it comes from the cells or is wanted anyway */
    /* PostgreSQL, the total from the cells: in the page's statement when
     * this node knows the plan from the same list's last count */
    uint64_t memo_key = !lite && cw.ok ? walk_memo_key(e, &cw) : 0;
    int memo = memo_key ? walk_memo_get(memo_key) : -1;
    bool skip_count = memo >= 0, fold = skip_count;
    if (skip_count) {
        walk = memo == 1;
    } else if (sorted_by && *counted > TOTAL_CAP) { /* the same conditions, counted by the first run */
        total = *counted;
        walk = true;
    } else if (want_total || lite || cw.ok) {
        /* SQLite, a one-character q (no token to look up): the scope's rows
         * are read, each checked by instr(), until the count's cap; within a
         * budget, past which the list is refused rather than read whole (a
         * character in no case: 3.2 s for the city at 10^6) */
        const char *q1 = http_query(r, "q");
        bool scan = lite && q1 && q_chars(q1) > 0 && q_chars(q1) < Q_INDEXED_CHARS;
        if (scan) db_set_budget(r->db, Q_SCAN_STEPS);
        total = count_total(r, e, where.data, &b, &cw);
        bool over = scan && db_budget_spent(r->db) > Q_SCAN_STEPS;
        if (scan) db_set_budget(r->db, 0);
        if (over) {
            http_error(r, 422, "q_too_short",
                       arena_printf(r->arena, "按单字「%s」检索的范围过大: 请输入两个字以上, 或先选择单位缩小范围", q1));
            goto out;
        }
        if (total < 0) {
            http_store_error(r);
            goto out;
        }
        walk = walk_sort_order(r, e, total, limit, &table_rows, q_indexed(r, e) && base.q_matches > Q_GATHER_CAP);
        if (memo_key) walk_memo_put(memo_key, total);
    }
    if (walk) {
        buf_clear(&where);
        b.n = 0;
        if (where_sql(r, e, &where, &b, true, NULL, &base) != 0) goto out;
        if (lite) {
            const char *idx = list_index(r, e, true, where.data, &b, &base, &idx_err);
            name_index(&where, e, idx);
            q_join(r, &where, e, idx, true, &base);
        }
    }
    /* SQLite: a walk's cost assumes the matches spread evenly over the sort
     * order; when they do not (cases received in a half-year, walked by
     * closing date from the oldest), it reads rows without end.  So when
     * sorting the matches is bounded (at most TOTAL_CAP), the walk gets a
     * budget worth about that sort, and past it the page sorts instead. */
    bool budgeted = lite && walk && total >= 0 && total <= TOTAL_CAP;
    /* Past the cap sorting the matches is not bounded either.  A first
     * page that ranges over a date or an amount the list could be ordered
     * by walks within the same budget, and past it is answered in that
     * field's order, same direction, saying so (sorted_by): the range
     * bounds that walk's key (the city's cases accepted since January by
     * closing date walked every case closed before January: 50-60 ms at
     * 10^6, without end at 10^7).  With a code instead, the default order,
     * which the code's pair index walks (reorder_sort) */
    const char *reorder =
        lite && walk && total > TOTAL_CAP && !after && !sorted_by && !pi_filter ? reorder_sort(r, e, st.desc) : NULL;
    if (reorder) budgeted = true;
    /* a walk with q's IN set (q_join leaves it with ?deleted=1) first
     * gathers its matches, about four VM steps each: 160 000 of a
     * district's 183 000 for 40 367 matches at 10^6, against six for each
     * entry walked; without them in the budget the walk gave up and the
     * page sorted instead (45 ms, not 20); a page of two parts (empties
     * last) gathers them twice */
    int64_t gather = 0;
    const char *qq = http_query(r, "q");
    if (budgeted && qq && strstr(where.data, " AND t.id IN (SELECT rowid FROM ") &&
        (gather = fts_rows(r, e, qq, &base, 100000000)) < 0) {
        http_store_error(r);
        goto out;
    }
    int where_binds = b.n;
    size_t json_at = r->out->len;
    jw_t json_state = r->json;
page:;
    buf_clear(&sql);
    /* PostgreSQL, one state and a field's sort: the state leads the order
     * (a no-op: it is one value, given as a range by where_sql).  Only
     * <t>_lw_<sort> then yields the order; without it, the
     * planner, which sees the state's rows spread evenly over the sort
     * key, walks <t>_ls_<sort> through every newer row of other states
     * (the newest cases are the open ones: 27 874 rows and 69 ms for a
     * district's first 21 archived ones at 10^6, against 56 rows and
     * 0.7 ms) */
    const char *wfs = http_query(r, "wf_state");
    bool lead = db_kind(r->db) != DB_SQLITE && e->flows && st.field && wfs && *wfs && !strchr(wfs, ',');
    const char *dir = st.desc ? "DESC" : "ASC";
    /* empty values (NULL, '') come last in either direction (issue 16).
     * Their key (st.empty) is at one end of the index, so in the direction
     * that would show them first the page has two parts, each a range of
     * the same index and limited alike: the values (beyond the empty key),
     * then the empties (the key itself, in id order); the merge sorts at
     * most 2 (limit + 1) rows.  A cursor among the empties needs only the
     * second. */
    bool split = st.empty && st.empty_high == st.desc;
    if (split) fold = false; /* two parts, each limited: no one row to carry the total */
    bool in_empties = split && after && cursor_in_empties(&st, cv);
    /* a walk in id order with q: the search index's own (q_join) */
    bool fts_order = walk && q_index_order(r, e);
    const char *idcol = fts_order ? "f.rowid" : "t.id";
    buf_t cur = BUF_INIT;
    if (after) {
        /* a row value: both engines use it as a range of the sort index */
        const char *cmp = st.desc ? "<" : ">";
        if (!st.col) {
            buf_printf(&cur, " AND %s %s $%d", idcol, cmp, sql_bind_int(&b, cid));
        } else if (lead) {
            int ps = sql_bind_text(&b, wfs);
            int pv = st.numeric ? sql_bind_int(&b, strtoll(cv, NULL, 10)) : sql_bind_text(&b, cv);
            buf_printf(&cur, " AND (t.wf_state, %s, t.id) %s ($%d, $%d, $%d)", st.col, cmp, ps, pv,
                       sql_bind_int(&b, cid));
        } else {
            int pv = st.numeric ? sql_bind_int(&b, strtoll(cv, NULL, 10)) : sql_bind_text(&b, cv);
            buf_printf(&cur, " AND (%s, t.id) %s ($%d, $%d)", st.col, cmp, pv, sql_bind_int(&b, cid));
        }
    }
    /* SQLite, not a walk: the matches are few for the table, so sort them;
     * "+" keeps the planner from walking the sort index instead, which it
     * did when the filter's index looked no better (an office's overdue
     * cases, none: every row of the table read, 1 s at 10^6) */
    const char *nw = !walk && db_kind(r->db) == DB_SQLITE ? "+" : "";
    buf_t order = BUF_INIT;
    if (lead) buf_printf(&order, " ORDER BY t.wf_state %s, %s %s, t.id %s", dir, st.col, dir, dir);
    else if (st.col) buf_printf(&order, " ORDER BY %s%s %s, t.id %s", nw, st.col, dir, dir);
    else buf_printf(&order, " ORDER BY %s%s %s", nw, idcol, dir);
    int plim = sql_bind_int(&b, limit + 1);
    /* SQLite, sorting the matches: the sort carries their ids only, and
     * the page's rows are read by id afterwards.  SQLite builds the whole
     * result row of every match before its sorter keeps the first
     * limit + 1 (8 261 matches sorted with every column: 146 M
     * instructions; their ids alone: 40 M, issue 27) */
    bool by_id = !walk && db_kind(r->db) == DB_SQLITE;
    if (by_id) {
        buf_puts(&sql, "SELECT ");
        engine_select_cols_of(e, sel, &sql);
        if (st.col) buf_printf(&sql, ", %s", st.col);
        buf_printf(&sql, " FROM %s t WHERE t.id IN (SELECT t.id%s", e->table, where.data);
    }
    if (!split && by_id) {
        buf_printf(&sql, "%s%s LIMIT $%d)%s", cur.data ? cur.data : "", order.data, plim, order.data);
    } else if (!split) {
        buf_puts(&sql, "SELECT ");
        engine_select_cols_of(e, sel, &sql);
        /* the total before the sort key, which stays the last column */
        if (fold) fold = fold_count_col(e, &cw, &sql, &b);
        if (st.col) buf_printf(&sql, ", %s", st.col);
        buf_printf(&sql, "%s%s%s LIMIT $%d", where.data, cur.data ? cur.data : "", order.data, plim);
    } else if (by_id) {
        /* one pass, empties last by the order itself: the two parts below
         * would read every match twice (once for the values, once more to
         * find the empties among them) */
        if (in_empties) {
            buf_printf(&sql, "%s AND +%s = %s", cur.data, st.col, st.empty);
        } else if (after) {
            const char *cmp = st.desc ? "<" : ">";
            int pv = st.numeric ? sql_bind_int(&b, strtoll(cv, NULL, 10)) : sql_bind_text(&b, cv);
            buf_printf(&sql, " AND ((+%s <> %s AND (+%s, t.id) %s ($%d, $%d)) OR +%s = %s)", st.col, st.empty, st.col,
                       cmp, pv, sql_bind_int(&b, cid), st.col, st.empty);
        }
        const char *ord =
            arena_printf(r->arena, " ORDER BY (+%s = %s) ASC, +%s %s, t.id %s", st.col, st.empty, st.col, dir, dir);
        buf_printf(&sql, "%s LIMIT $%d)%s", ord, plim, ord);
    } else {
        if (!in_empties) {
            buf_puts(&sql, "SELECT * FROM (SELECT ");
            engine_select_cols_of(e, sel, &sql);
            buf_printf(&sql, ", 0 AS sort_part, %s AS sort_key%s AND %s%s %s %s%s%s LIMIT $%d) p UNION ALL ", st.col,
                       where.data, nw, st.col, st.empty_high ? "<" : ">", st.empty, cur.data ? cur.data : "",
                       order.data, plim);
        }
        buf_puts(&sql, "SELECT * FROM (SELECT ");
        engine_select_cols_of(e, sel, &sql);
        /* the key is one value here: ordered by id alone, so that the
         * index (key, id) yields the order (with the key in the ORDER BY
         * SQLite sorted every empty of the table) */
        buf_t order_q = BUF_INIT;
        if (lead) buf_printf(&order_q, " ORDER BY t.wf_state %s, t.id %s", dir, dir);
        else buf_printf(&order_q, " ORDER BY %st.id %s", nw, dir);
        buf_printf(&sql, ", 1 AS sort_part, %s AS sort_key%s AND %s%s = %s%s%s LIMIT $%d) q", st.col, where.data, nw,
                   st.col, st.empty, in_empties && cur.data ? cur.data : "", order_q.data, plim);
        buf_free(&order_q);
        if (!in_empties) buf_printf(&sql, " ORDER BY sort_part, sort_key %s, id %s LIMIT $%d", dir, dir, plim);
    }
    buf_free(&cur);
    buf_free(&order);
    /* PostgreSQL: a walk filtered by scope and state only keeps its plan
     * (walk_sort_order); with any other filter, which a kept plan might
     * take an index of and sort, the planner sees the values */
    db_t *rdb = http_read_db(r); /* a list may come from a hot standby */
    db_stmt_t *s = walk && cw.ok ? db_prepare(rdb, sql.data) : db_prepare_custom(rdb, sql.data);
    if (!s) {
        http_store_error(r);
        goto out;
    }
    engine_bind_all(s, &b);
    int ncols = db_column_count(s);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0, rc;
    const char *last_val = NULL;
    int64_t last_id = 0;
    /* the budget counts this statement's steps only, not those of what
     * writing a row reads (the org snapshot, titles) */
    /* a walk expects to visit (limit + 1) N / M rows when the matches
     * spread evenly; eight times that is left to chance before the sort,
     * never more than the sort's own M (issue 27: a skewed walk of 8 000
     * matches spent 90 000 steps before giving up, then sorted anyway).
     * Past the cap the matches are at least the cap, and what follows a
     * walk given up is cheap (the range's own order): twice that is left */
    int64_t expect = total > 0 ? (int64_t)(limit + 1) * table_rows / total : 0;
    int64_t tries = (reorder ? 2 : 8) * expect;
    int64_t left =
        WALK_STEPS_PER_MATCH * ((tries < total ? tries : total) + 1000) + WALK_GATHER_STEPS * gather * (split ? 2 : 1);
    for (;;) {
        if (budgeted) db_set_budget(r->db, left > 0 ? left : 1);
        rc = db_step(s);
        if (budgeted) {
            left -= db_budget_spent(r->db);
            db_set_budget(r->db, 0);
        }
        if (rc != DB_ROW || n == limit) break;
        if (fold && n == 0) total = db_col_int(s, ncols - (st.col ? 2 : 1));
        engine_write_record_of(r, e, sel, s);
        last_id = db_col_int(s, 0);
        if (st.col) last_val = arena_strdup(r->arena, db_col_text(s, ncols - 1) ? db_col_text(s, ncols - 1) : "");
        n++;
    }
    bool more = rc == DB_ROW;
    db_reset(s);
    if (rc == DB_OVER_BUDGET && reorder) { /* the range's own order instead, or the default */
        r->out->len = json_at;
        r->json = json_state;
        http_query_set(r, "sort", reorder);
        *counted = total;
        again = 1;
        goto out;
    }
    if (rc == DB_OVER_BUDGET && budgeted) { /* the bounded sort instead */
        r->out->len = json_at;
        r->json = json_state;
        walk = budgeted = false;
        buf_clear(&where);
        b.n = 0;
        if (where_sql(r, e, &where, &b, false, NULL, &base) != 0) goto out;
        const char *idx = list_index(r, e, false, where.data, &b, &base, &idx_err);
        if (idx_err) {
            http_store_error(r);
            goto out;
        }
        name_index(&where, e, idx);
        q_join(r, &where, e, idx, false, &base);
        goto page;
    }
    if (rc < 0) {
        http_store_error(r);
        goto out;
    }
    if (skip_count) {
        /* no row on a first page: nothing matches, in the same snapshot;
         * not folded (a split page) or no row after a cursor: counted
         * apart when wanted, with the WHERE's binds only */
        if (fold && n == 0 && !after) {
            total = 0;
        } else if ((!fold || n == 0) && want_total) {
            b.n = where_binds;
            if ((total = count_total(r, e, where.data, &b, &cw)) < 0) {
                http_store_error(r);
                goto out;
            }
        }
        if (total >= 0) walk_memo_put(memo_key, total);
    }
    if (pi_filter && engine_pi_lookup_audit(r, e->name, pi_filter->name, n > 0) != 0) goto out;
    jw_arr_end(w);
    jw_key(w, "next");
    if (more) jw_str(w, cursor_make(r, last_val, last_id));
    else jw_null(w);
    if (want_total) {
        jw_kint(w, "total", total > TOTAL_CAP ? TOTAL_CAP : total);
        if (total > TOTAL_CAP) jw_kbool(w, "total_capped", true);
    }
    if (sorted_by) jw_kstr(w, "sorted_by", sorted_by);
    jw_obj_end(w);
    http_send_json(r, 200);
out:
    buf_free(&where);
    buf_free(&sql);
    buf_free(&cw.sql);
    buf_free(&cw.up_state);
    return again;
}

static void list_records(http_req_t *r) {
    int64_t counted = -1;
    if (list_run(r, NULL, &counted)) list_run(r, http_query(r, "sort"), &counted);
}

/* ---- one record ---- */

/* One record by id ($1), as lists and GET show it (no join: the org's
 * name comes from the snapshot, engine_select_cols). */
void engine_record_sql(const entity_t *e, buf_t *sql) {
    buf_puts(sql, "SELECT ");
    engine_select_cols(e, sql);
    buf_printf(sql, " FROM %s t WHERE t.id = $1", e->table);
}

/* The statement load_sql names by what (load_what_t). */
static void record_sql(const entity_t *e, load_what_t what, buf_t *sql) {
    if (what == LOAD_CHILDREN) {
        children_sql(e, sql);
        return;
    }
    buf_puts(sql, "SELECT ");
    engine_select_cols(e, sql);
    if (what == LOAD_WITH_COUNTS) child_counts_sql(e, sql);
    buf_printf(sql, " FROM %s t WHERE t.id = $1", e->table);
}

/* The text of load_record's statement for e, built once per process and
 * kept for its life: reading one record is a hot path (issue 9: one record
 * by id at >= 60% of nginx) and formatting its forty column names on every
 * request cost about a tenth of it.  One table for all workers (a
 * thread-local one would leave its strings unreachable when a worker exits,
 * which LeakSanitizer reports); NULL when the table is full, and the caller
 * then builds the text itself.  The kind is part of the key only because
 * the texts were once dialect-specific; they are the same on both stores. */
#define LOAD_SQL_CACHE 128
static const char *load_sql(db_kind_t kind, const entity_t *e, load_what_t what, buf_t *sql) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static struct {
        const entity_t *e;
        db_kind_t kind;
        load_what_t what;
        char *sql;
    } cache[LOAD_SQL_CACHE];
    if (what == LOAD_WITH_COUNTS && !e->children) what = LOAD_RECORD;
    const char *found = NULL;
    pthread_mutex_lock(&mu);
    int i = 0;
    for (; i < LOAD_SQL_CACHE && cache[i].e; i++)
        if (cache[i].e == e && cache[i].kind == kind && cache[i].what == what) {
            found = cache[i].sql;
            break;
        }
    if (!found && i < LOAD_SQL_CACHE) {
        buf_t text = BUF_INIT;
        record_sql(e, what, &text);
        cache[i].sql = strdup(text.data);
        buf_free(&text);
        if (cache[i].sql) {
            cache[i].kind = kind;
            cache[i].what = what;
            cache[i].e = e;
            found = cache[i].sql;
        }
    }
    pthread_mutex_unlock(&mu);
    if (found) return found;
    buf_clear(sql); /* the table is full: this caller builds its own */
    record_sql(e, what, sql);
    return sql->data;
}

/* Selects the record (deleted ones too when with_deleted) in the caller's
 * scope, with its child counts (child_counts_sql) when children.  Returns the
 * statement positioned on the row, or NULL after answering (404 / 403
 * protected / 503). */
static db_stmt_t *load_record(http_req_t *r, const entity_t *e, int64_t id, bool with_deleted, bool children,
                              buf_t *sql) {
    db_stmt_t *s = db_prepare(r->db, load_sql(db_kind(r->db), e, children ? LOAD_WITH_COUNTS : LOAD_RECORD, sql));
    if (!s) {
        http_store_error(r);
        return NULL;
    }
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        if (rc < 0) http_store_error(r);
        else http_error(r, 404, "not_found", "记录不存在");
        return NULL;
    }
    /* may read first (access.c), then anything about the record */
    engine_read_t a = engine_may_read(r, e, db_col_text(s, 2));
    if (!ENGINE_READABLE(a) || (!with_deleted && !db_col_null(s, 8))) {
        db_reset(s);
        if (!ENGINE_READABLE(a)) engine_read_refuse(r, a);
        else http_error(r, 404, "not_found", "记录不存在");
        return NULL;
    }
    return s;
}

/* The record by id, deleted or not, without an access decision: for a
 * write's snapshots and answer, after the write's own load_record decided.
 * The statement on the row, or NULL (none, or a store error). */
static db_stmt_t *select_record(http_req_t *r, const entity_t *e, int64_t id, bool children, buf_t *sql) {
    db_stmt_t *s = db_prepare(r->db, load_sql(db_kind(r->db), e, children ? LOAD_WITH_COUNTS : LOAD_RECORD, sql));
    if (!s) return NULL;
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW) return s;
    db_reset(s);
    return NULL;
}

db_stmt_t *engine_load_record(http_req_t *r, const entity_t *e, int64_t id, buf_t *sql) {
    return load_record(r, e, id, false, false, sql);
}

int engine_field_col(const entity_t *e, const field_t *f) {
    int c = ENGINE_SPINE_COLS;
    for (const field_t *x = e->fields; x->name && x != f; x++) c++;
    return c;
}

static void get_record(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "read")) return;
    buf_t sql = BUF_INIT;
    /* a deleted record is gone for everyone but those who may restore it */
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.restore", e->perm);
    db_stmt_t *s = load_record(r, e, http_param_id(r, "id"), auth_can(auth_principal(r), perm), true, &sql);
    if (s) {
        bool prot = e->protected_;
        int64_t id = db_col_int(s, 0);
        /* a child shows whether its parent locks it (the UI hides 编辑/删除) */
        const char *parent_lock = NULL;
        int64_t pid = row_parent(e, s);
        if (pid) {
            const wf_state_t *st;
            const workflow_t *wf;
            if (engine_parent_locked(r->db, e, pid, false, &st, &wf) == 0)
                parent_lock = st ? engine_parent_locked_message(r, e, pid, st, "修改或删除") : "";
        }
        int wrc = write_record(r, e, NULL, s, parent_lock, true);
        db_reset(s);
        if (wrc != 0) {
            http_store_error(r); /* not a record without its children */
        } else if (prot && engine_read_audit(r, e, id, "get") != 0) {
            /* every read of a protected record is audited */
            buf_clear(r->out);
            jw_init(&r->json, r->out);
            http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示记录");
        } else {
            http_send_json(r, 200);
        }
    }
    buf_free(&sql);
}

/* The loaded row s as JSON, as GET shows it (personal information masked). */
static json_t *row_json(http_req_t *r, const entity_t *e, db_stmt_t *s) {
    buf_t *saved = r->out;
    buf_t tmp = BUF_INIT;
    jw_t saved_w = r->json;
    r->out = &tmp;
    jw_init(&r->json, &tmp);
    engine_write_record(r, e, s);
    json_t *out = json_loads(tmp.data, 0, NULL);
    buf_free(&tmp);
    r->out = saved;
    r->json = saved_w;
    return out;
}

/* Reads one record's current values as JSON for the audit trail and the
 * entity's check (personal information masked). */
json_t *engine_record_snapshot(http_req_t *r, const entity_t *e, int64_t id) {
    buf_t sql = BUF_INIT;
    json_t *out = NULL;
    db_stmt_t *s = select_record(r, e, id, false, &sql);
    if (s) {
        out = row_json(r, e, s);
        db_reset(s);
    }
    buf_free(&sql);
    return out;
}

json_t *engine_linked_record(http_req_t *r, const entity_t *e, int64_t id) {
    buf_t sql = BUF_INIT;
    json_t *out = NULL;
    db_stmt_t *s = db_prepare(r->db, load_sql(db_kind(r->db), e, LOAD_RECORD, &sql));
    int rc = DB_ERR;
    if (s) {
        db_bind_int(s, 1, id);
        rc = db_step(s);
        engine_read_t a =
            rc == DB_ROW && db_col_null(s, 8) ? engine_may_read(r, e, db_col_text(s, 2)) : ENGINE_READ_NOT_FOUND;
        if (ENGINE_READABLE(a)) out = row_json(r, e, s);
        if (a == ENGINE_READ_STORE_ERROR) rc = DB_ERR;
        db_reset(s);
    }
    buf_free(&sql);
    if (rc < 0 && r->ev) http_store_error(r); /* a request: 503, not a rule's "no such record" */
    return out;
}

/* The entity's rule on the saved record (engine.h check): rolls back and
 * answers 422 when it fails. */
static int record_rule(http_req_t *r, const entity_t *e, check_op_t op, json_t *before, json_t *after) {
    if (!e->check || !after) return 0;
    check_ctx_t c = {.r = r, .db = r->db, .e = e, .op = op, .before = before, .after = after};
    return engine_check_answer(&c);
}

/* The record's own deadline (entity_t.deadline) after a create or update
 * of a record not in a final state: due_at written, and after's copy set
 * to match.  0, or -1 on a store error (nothing answered). */
static int record_deadline(http_req_t *r, const entity_t *e, check_op_t op, json_t *before, json_t *after) {
    if (!e->deadline || !after) return 0;
    const char *state = json_string_value(json_object_get(after, "wf_state"));
    const workflow_t *wf = entity_flow(e, (int)json_integer_value(json_object_get(after, "wf_version")));
    const wf_state_t *st = state && wf ? wf_state_find(wf, state) : NULL;
    if (st && st->final) return 0;
    check_ctx_t c = {.r = r, .db = r->db, .e = e, .op = op, .before = before, .after = after};
    char due[11] = "";
    int rc = e->deadline(&c, due);
    json_decref(c.linked); /* check_linked's loads, if the function asked */
    if (rc != 0) return -1;
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE %s SET due_at = $1 WHERE id = $2", e->table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, due[0] ? due : NULL, -1);
    db_bind_int(s, 2, json_integer_value(json_object_get(after, "id")));
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return -1;
    json_object_set_new(after, "due_at", due[0] ? json_string(due) : json_null());
    return 0;
}

/* Validates the body's fields; fills cols/vals.  Answers 422 and returns -1
 * on any problem.  creating: required fields must be present. */
typedef struct {
    int n;
    const field_t *f[SQL_BINDS_MAX]; /* an entity has fewer fields (registry.c, check_binds) */
    value_t v[SQL_BINDS_MAX];
} changes_t;

/* Parses and checks a create's or update's fields into c.  NULL when all
 * pass, else the complaints by field name (owned: json_decref). */
static json_t *check_fields(http_req_t *r, const entity_t *e, json_t *body, bool creating, changes_t *c,
                            bool allow_readonly) {
    json_t *errs = json_object();
    const char *k;
    json_t *j;
    c->n = 0;
    json_object_foreach(body, k, j) {
        if (strcmp(k, "version") == 0 || strcmp(k, "org_id") == 0 || strcmp(k, "comment") == 0) continue;
        const field_t *f = entity_field(e, k);
        if (!f) {
            json_object_set_new(errs, k, json_string("未知字段"));
            continue;
        }
        if ((f->flags & FF_READONLY) && !allow_readonly) {
            json_object_set_new(errs, k, json_string(f->readonly_why ? f->readonly_why : "只读字段, 由流程设置"));
            continue;
        }
        const char *why = NULL;
        value_t v;
        if (value_parse(r, f, j, &v, &why) != 0 || value_check_ref(r, f, &v, &why) != 0) {
            json_object_set_new(errs, k, json_string(why));
            continue;
        }
        c->f[c->n] = f; /* each field once (a JSON object's keys), fewer than SQL_BINDS_MAX */
        c->v[c->n] = v;
        c->n++;
    }
    if (creating)
        for (const field_t *f = e->fields; f->name; f++) {
            if (json_object_get(body, f->name)) continue;
            if (f->type == F_DATE && (f->flags & FF_TODAY) && !(f->flags & FF_READONLY)) {
                /* absent (not null): today, Shanghai time, as the form showed it */
                char today[11];
                wf_today(today);
                c->f[c->n] = f;
                c->v[c->n] = (value_t){.text = arena_strdup(r->arena, today)};
                c->n++;
            } else if ((f->flags & FF_REQUIRED) && !(f->flags & FF_READONLY)) {
                json_object_set_new(errs, f->name, json_string("必填"));
            }
        }
    if (json_object_size(errs)) return errs;
    json_decref(errs);
    return NULL;
}

/* check_fields, answering 422 at the fields when any fails. */
static int collect_fields(http_req_t *r, const entity_t *e, json_t *body, bool creating, changes_t *c, bool allow_readonly) {
    json_t *errs = check_fields(r, e, body, creating, c, allow_readonly);
    if (!errs) return 0;
    engine_field_error(r, e, errs);
    json_decref(errs);
    return -1;
}

/* Personal information on its way into the store (engine.h). */
int engine_pi_encode(http_req_t *r, const field_t *f, const char *plain, const char **enc, const char **masked,
                     const char **index) {
    *enc = *masked = *index = NULL;
    if (!plain) return 0;
    char norm[19], m[160], idx[65];
    if (f->mask && strcmp(f->mask, "idcard") == 0 && idcard_normalize(plain, norm)) plain = norm;
    char *e = pi_encrypt(auth_keys(), plain, strlen(plain));
    if (!e) return -1;
    *enc = arena_strdup(r->arena, e);
    free(e);
    if (f->mask && strcmp(f->mask, "idcard") == 0) mask_idcard(plain, m, sizeof(m));
    else if (f->mask && strcmp(f->mask, "phone") == 0) mask_phone(plain, m, sizeof(m));
    else if (f->mask && strcmp(f->mask, "name") == 0) mask_name(plain, m, sizeof(m));
    else mask_generic(plain, 1, 1, m, sizeof(m));
    *masked = arena_strdup(r->arena, m);
    if (f->flags & FF_FILTER) {
        pi_blind_index(auth_keys(), plain, idx);
        *index = arena_strdup(r->arena, idx);
    }
    return 0;
}

/* Appends "col = $n" (or the pi triple) for each change and binds.
 * Returns -1 when personal information could not be encrypted: nothing may
 * then be written (never a NULL where the value should be). */
static int set_clause(http_req_t *r, const changes_t *c, buf_t *sql, sql_binds_t *b, bool insert_cols, buf_t *vals) {
    for (int i = 0; i < c->n; i++) {
        const field_t *f = c->f[i];
        const value_t *v = &c->v[i];
        if (f->flags & FF_PI) {
            const char *enc, *masked, *idx;
            if (engine_pi_encode(r, f, v->text, &enc, &masked, &idx) != 0) return -1;
            int p1 = sql_bind_text(b, enc), p2 = sql_bind_text(b, masked);
            if (insert_cols) {
                buf_printf(sql, ", %s_enc, %s_masked", f->name, f->name);
                buf_printf(vals, ", $%d, $%d", p1, p2);
            } else {
                buf_printf(sql, ", %s_enc = $%d, %s_masked = $%d", f->name, p1, f->name, p2);
            }
            if (f->flags & FF_FILTER) {
                int p3 = sql_bind_text(b, idx);
                if (insert_cols) {
                    buf_printf(sql, ", %s_index", f->name);
                    buf_printf(vals, ", $%d", p3);
                } else {
                    buf_printf(sql, ", %s_index = $%d", f->name, p3);
                }
            }
            continue;
        }
        int ph = v->null ? sql_bind_text(b, NULL) : v->is_int ? sql_bind_int(b, v->i) : sql_bind_text(b, v->text);
        if (insert_cols) {
            buf_printf(sql, ", %s", f->name);
            buf_printf(vals, ", $%d", ph);
        } else {
            buf_printf(sql, ", %s = $%d", f->name, ph);
        }
    }
    return 0;
}

/* After a committed write the caller was allowed (its load_record, or
 * create's engine_may_read before writing): the record as GET shows it.
 * Never an error after the commit: when the row cannot be read back, the
 * answer carries its id only. */
void engine_answer_record(http_req_t *r, const entity_t *e, int64_t id, int status) {
    buf_t sql = BUF_INIT;
    db_stmt_t *s = select_record(r, e, id, true, &sql);
    int wrc = s ? write_record(r, e, NULL, s, NULL, true) : -1; /* as GET shows it, children included */
    if (s) db_reset(s);
    if (wrc != 0) {
        buf_clear(r->out); /* the children could not be read: the id alone, not a record without them */
        jw_init(&r->json, r->out);
        jw_obj(&r->json);
        jw_kint(&r->json, "id", id);
        jw_obj_end(&r->json);
    }
    http_send_json(r, status);
    buf_free(&sql);
}

/* ---- uniqueness (entity_t.unique; docs/engine.md "Unique keys") ---- */

int64_t engine_unique_clash(db_t *db, const entity_t *e, int64_t self, json_t *keys) {
    if (!e->unique) return 0;
    buf_t sql = BUF_INIT;
    sql_binds_t b = {0};
    int p_self = sql_bind_int(&b, self);
    buf_printf(&sql, "SELECT o.id FROM %s o WHERE o.deleted_at IS NULL AND o.id <> $%d", e->table, p_self);
    char key[256];
    snprintf(key, sizeof(key), "%s", e->unique);
    char *save = NULL;
    int64_t found = 0;
    for (char *c = strtok_r(key, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
        json_t *v = json_object_get(keys, c);
        if (!v) {
            /* unchanged: the record's own value */
            buf_printf(&sql, " AND o.%s = (SELECT s.%s FROM %s s WHERE s.id = $%d)", c, c, e->table, p_self);
            continue;
        }
        if (json_is_null(v)) goto out; /* NULL equals nothing: the index lets it be */
        int ph = json_is_integer(v) ? sql_bind_int(&b, json_integer_value(v)) : sql_bind_text(&b, json_string_value(v));
        buf_printf(&sql, " AND o.%s = $%d", c, ph);
    }
    buf_puts(&sql, " ORDER BY o.id LIMIT 1");
    db_stmt_t *s = db_prepare(db, sql.data);
    if (!s) {
        found = -1;
        goto out;
    }
    engine_bind_all(s, &b);
    int rc = db_step(s);
    found = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_DONE ? 0 : -1;
    db_reset(s);
out:
    buf_free(&sql);
    return found;
}

/* "该机构已有同一年度、经费类别的经费保障 (编号 12), 请直接修改该记录" */
void engine_unique_error(http_req_t *r, const entity_t *e, int64_t existing) {
    char key[256];
    snprintf(key, sizeof(key), "%s", e->unique);
    buf_t labels = BUF_INIT;
    bool by_org = false;
    char *save = NULL;
    for (char *c = strtok_r(key, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
        const field_t *f = entity_field(e, c);
        if (!f) {
            by_org = true;
            continue;
        }
        buf_printf(&labels, "%s%s", labels.len ? "、" : "", f->label);
    }
    const char *msg = arena_printf(r->arena, "%s已有%s%s%s%s (编号 %lld), 请直接修改该记录", by_org ? "该机构" : "",
                                   labels.len ? "同一" : "", labels.len ? labels.data : "", labels.len ? "的" : "",
                                   e->label, (long long)existing);
    buf_free(&labels);
    buf_clear(r->out);
    jw_init(&r->json, r->out);
    jw_obj(&r->json);
    jw_key(&r->json, "error");
    jw_obj(&r->json);
    jw_kstr(&r->json, "code", "duplicate");
    jw_kstr(&r->json, "message", msg);
    jw_kint(&r->json, "id", existing);
    jw_obj_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 409);
}

/* Inside the write's transaction, before it: 0 when the key is free, else
 * rolls back and answers (409 naming the record, or 503) and returns -1. */
static int unique_guard(http_req_t *r, const entity_t *e, int64_t self, json_t *keys) {
    int64_t clash = engine_unique_clash(r->db, e, self, keys);
    if (clash == 0) return 0;
    db_rollback(r->db);
    if (clash < 0) http_store_error(r);
    else engine_unique_error(r, e, clash);
    return -1;
}

/* The write itself hit a unique index (DB_UNIQUE): on PostgreSQL a
 * concurrent write of the same key committed between unique_guard's check
 * and ours (SQLite's writes are serial).  Rolls back, then answers as the
 * check would have: 409 naming the record that now holds the key, or 503
 * when none does (another index refused the row). */
static void unique_raced(http_req_t *r, const entity_t *e, int64_t self, json_t *keys) {
    db_rollback(r->db);
    int64_t clash = e->unique ? engine_unique_clash(r->db, e, self, keys) : 0;
    if (clash > 0) engine_unique_error(r, e, clash);
    else http_store_error(r);
}

/* The changed key columns of an entity with a unique key, as stored. */
static json_t *unique_keys(const entity_t *e, const changes_t *c) {
    json_t *k = json_object();
    if (!e->unique) return k;
    for (int i = 0; i < c->n; i++) {
        const field_t *f = c->f[i];
        char needle[160];
        snprintf(needle, sizeof(needle), " %s ", f->name);
        char padded[300];
        snprintf(padded, sizeof(padded), " %s ", e->unique);
        if (!strstr(padded, needle)) continue;
        const value_t *v = &c->v[i];
        json_object_set_new(k, f->name, v->null ? json_null() : v->is_int ? json_integer(v->i) : json_string(v->text));
    }
    return k;
}

static char *json_text(json_t *j) { return j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL; }

/* A child created with its parent (create_children): its kind's key, its
 * row in the body's list, the parent. */
typedef struct {
    const char *key;
    size_t i;
    const entity_t *parent;
    int64_t parent_id;
} child_row_t;

/* Answers 422 for row i (from 0) of child kind key of ce: the fields as
 * "<key>.<i>.<field>", the message naming the row ("第 2 条…: 姓名: 必填"). */
static void child_error(http_req_t *r, const entity_t *ce, const char *key, size_t i, json_t *errs) {
    json_t *fe = json_object();
    const char *fk, *msg = NULL;
    json_t *fv;
    json_object_foreach(errs, fk, fv) {
        const field_t *f = entity_field(ce, fk);
        if (!msg)
            msg = arena_printf(r->arena, "第 %zu 条%s: %s%s%s", i + 1, ce->label, f ? f->label : "", f ? ": " : "",
                               json_string_value(fv));
        json_object_set(fe, arena_printf(r->arena, "%s.%zu.%s", key, i, fk), fv);
    }
    http_error_fields(r, 422, "validation_failed", msg, fe);
    json_decref(fe);
}

/* Inserts one record of e from its checked fields c, owned by org (path
 * opath), inside the caller's transaction: the number, the unique-key
 * check, the row, the change note, the deadline, the entity's rule and the
 * audit row ("after"; hook, may be NULL, runs right after the INSERT — see
 * engine_create_hook_fn; a child created with its parent, row: "with_parent",
 * and a failing rule answered at the row's fields).  0 with *id_out; -1
 * after answering (a guard rolls back; the request's end rolls back the rest). */
static int insert_record(http_req_t *r, const entity_t *e, const changes_t *c, int64_t org, const char *opath,
                         const child_row_t *row, engine_create_hook_fn hook, void *arg, int64_t *id_out) {
    const principal_t *p = auth_principal(r);
    buf_t sql = BUF_INIT, vals = BUF_INIT;
    sql_binds_t b = {0};
    json_t *keys = NULL;
    int ret = -1;
    char now[21];
    iso_from_unix(now_unix(), now);
    const workflow_t *wf = entity_flow(e, 0);
    buf_printf(&sql, "INSERT INTO %s (org_id, org_path, version, created_at, created_by, updated_at, updated_by", e->table);
    buf_printf(&vals, "$%d, $%d, 1, $%d, $%d, $%d, $%d", sql_bind_int(&b, org), sql_bind_text(&b, opath),
               sql_bind_text(&b, now), sql_bind_int(&b, p->user_id), sql_bind_text(&b, now),
               sql_bind_int(&b, p->user_id));
    if (wf) {
        wf_dates_t d;
        if (wf_start_dates(r->db, wf, wf->initial, now, &d) != 0) goto fail;
        buf_puts(&sql, ", wf_state, wf_version, state_since, due_at, state_due_at");
        buf_printf(&vals, ", $%d, $%d, $%d, $%d, $%d", sql_bind_text(&b, wf->initial), sql_bind_int(&b, wf->version),
                   sql_bind_text(&b, arena_strdup(r->arena, d.today)),
                   sql_bind_text(&b, d.due[0] ? arena_strdup(r->arena, d.due) : NULL),
                   sql_bind_text(&b, d.state_due[0] ? arena_strdup(r->arena, d.state_due) : NULL));
    }
    if (set_clause(r, c, &sql, &b, true, &vals) != 0) goto fail;
    /* the record's number (entity_t.number) is taken inside the transaction */
    const char *number = NULL;
    int number_ph = 0;
    if (e->number && !e->number->at) {
        number_ph = sql_bind_text(&b, NULL);
        buf_printf(&sql, ", %s", e->number->field);
        buf_printf(&vals, ", $%d", number_ph);
    }
    if (b.overflow) goto fail;
    buf_printf(&sql, ") VALUES (%s) RETURNING id", vals.data);
    if (number_ph) {
        if (engine_number_next(r, e, org, opath, &number) != 0) goto fail;
        b.v[number_ph - 1].s = number;
    }
    if (e->unique) {
        keys = unique_keys(e, c);
        json_object_set_new(keys, "org_id", json_integer(org));
        if (unique_guard(r, e, 0, keys) != 0) goto out;
    }
    db_stmt_t *s = db_prepare(r->db, sql.data);
    if (!s) goto fail;
    engine_bind_all(s, &b);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (rc == DB_UNIQUE) {
        unique_raced(r, e, 0, keys);
        goto out;
    }
    if (!id) goto fail;
    if (hook && hook(r, e, id, arg) != 0) {
        if (!r->answered) goto fail;
        if (db_in_tx(r->db)) db_rollback(r->db);
        goto out;
    }
    if (engine_notify_write(r->db, e, opath, p->user_id) != 0) goto fail;
    if (org != p->org_id && notify_assigned(r, e, id, org) != 0) goto fail; /* a 交办 */
    json_t *after = engine_record_snapshot(r, e, id);
    if (record_deadline(r, e, CHECK_CREATE, NULL, after) != 0) {
        json_decref(after);
        goto fail;
    }
    if (row && e->check) { /* a child's rule, answered at its row */
        check_ctx_t cc = {.r = r, .db = r->db, .e = e, .op = CHECK_CREATE, .after = after};
        const char *field = NULL, *why = engine_check_run(&cc, &field);
        if (why) {
            json_decref(after);
            db_rollback(r->db);
            json_t *errs = json_pack("{s:s}", field ? field : "record", why);
            child_error(r, e, row->key, row->i, errs);
            json_decref(errs);
            goto out;
        }
    } else if (record_rule(r, e, CHECK_CREATE, NULL, after) != 0) {
        json_decref(after);
        goto out;
    }
    json_t *detail = json_pack("{s:O?}", "after", after);
    if (row)
        json_object_set_new(detail, "with_parent",
                            json_pack("{s:s,s:I}", "entity", row->parent->name, "id", (json_int_t)row->parent_id));
    char *dt = json_text(detail);
    int arc = auth_audit(r, "record.create", e->name, id, "ok", dt);
    free(dt);
    json_decref(detail);
    json_decref(after);
    if (arc != 0) goto fail;
    *id_out = id;
    ret = 0;
    goto out;
fail:
    http_store_error(r);
out:
    buf_free(&sql);
    buf_free(&vals);
    json_decref(keys);
    return ret;
}

/* The children a create's body carries under their keys ("parties": [...],
 * docs/engine.md "Children"), taken out of body into a new object (owned),
 * each kind checked for the caller's create permission and its count.  NULL
 * with *bad false when there are none; NULL with *bad true after answering. */
static json_t *take_children(http_req_t *r, const entity_t *e, json_t *body, bool *bad) {
    *bad = false;
    json_t *kids = NULL;
    for (const entity_child_t *k = e->children; k && k->key; k++) {
        json_t *items = json_object_get(body, k->key);
        if (!items) continue;
        const entity_t *ce = entity_find(k->entity);
        char *why = NULL;
        if (!json_is_array(items))
            why = arena_printf(r->arena, "%s应为列表", ce->label);
        else if (json_array_size(items) > ENGINE_CHILDREN_MAX)
            why = arena_printf(r->arena, "一次最多随%s新建 %d 条%s", e->label, ENGINE_CHILDREN_MAX, ce->label);
        if (why) {
            json_t *fe = json_pack("{s:s}", k->key, why);
            http_error_fields(r, 422, "validation_failed", why, fe);
            json_decref(fe);
            goto bad;
        }
        if (ce->create_via) {
            http_error(r, 405, "create_elsewhere", ce->create_via);
            goto bad;
        }
        if (!allowed(r, ce, "create")) goto bad;
        if (!kids) kids = json_object();
        json_object_set(kids, k->key, items);
        json_object_del(body, k->key);
    }
    return kids;
bad:
    json_decref(kids);
    *bad = true;
    return NULL;
}

/* Creates the children take_children took, after their parent (id) in its
 * transaction: each owned by the parent's unit, its parent field filled in,
 * checked and written as its own create would be (audited with
 * "with_parent").  A failing child answers 422 naming its kind and row
 * ("parties.1.name" at the field) and nothing is kept. */
static int create_children(http_req_t *r, const entity_t *e, json_t *kids, int64_t parent, int64_t org,
                           const char *opath) {
    for (const entity_child_t *k = e->children; k && k->key; k++) {
        json_t *items = json_object_get(kids, k->key);
        if (!items) continue;
        const entity_t *ce = entity_find(k->entity);
        engine_read_t ra = engine_may_read(r, ce, opath);
        if (!ENGINE_READABLE(ra)) {
            engine_read_refuse(r, ra);
            return -1;
        }
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) {
            if (!json_is_object(item)) {
                const char *why = arena_printf(r->arena, "第 %zu 条%s应为对象", i + 1, ce->label);
                json_t *fe = json_pack("{s:s}", arena_printf(r->arena, "%s.%zu", k->key, i), why);
                http_error_fields(r, 422, "validation_failed", why, fe);
                json_decref(fe);
                return -1;
            }
            json_object_set_new(item, ce->parent, json_integer(parent));
            changes_t c;
            json_t *errs = check_fields(r, ce, item, true, &c, false);
            if (errs) {
                child_error(r, ce, k->key, i, errs);
                json_decref(errs);
                return -1;
            }
            child_row_t row = {k->key, i, e, parent};
            int64_t cid;
            int rc = insert_record(r, ce, &c, org, opath, &row, NULL, NULL, &cid);
            if (rc != 0) return -1;
        }
    }
    return 0;
}

/* POST /api/v1/<entity>'s write (engine.h): one record, and with it the
 * children its body carries under their keys (taken out of body) — all in
 * one transaction, or nothing. */
int64_t engine_create(http_req_t *r, const entity_t *e, json_t *body, engine_create_hook_fn hook, void *arg) {
    const principal_t *p = auth_principal(r);
    int64_t created = 0;
    changes_t c;
    bool bad;
    json_t *kids = take_children(r, e, body, &bad);
    if (bad) goto out;
    json_t *org_j = json_object_get(body, "org_id");
    int64_t org = org_j ? (json_is_integer(org_j) ? json_integer_value(org_j) : -1) : p->org_id;
    if (collect_fields(r, e, body, true, &c, false) != 0) goto out;
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (!s) goto fail;
    db_bind_int(s, 1, org);
    int orc = db_step(s);
    const char *opath = orc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (orc < 0) goto fail; /* the store failed (a failover): 503, not "no such org" */
    if (!opath || !scope_covers(r, opath)) {
        json_t *fe = json_pack("{s:s}", "org_id", "所属机构不存在或不在您的管辖范围内");
        engine_field_error(r, e, fe);
        json_decref(fe);
        goto out;
    }
    /* the author must be able to read what they create (a protected record
     * outside the office: a grant first), decided before anything is
     * written: never a 403 after the commit */
    engine_read_t ra = engine_may_read(r, e, opath);
    if (!ENGINE_READABLE(ra)) {
        engine_read_refuse(r, ra);
        goto out;
    }
    if (db_begin(r->db) != 0) goto fail;
    if (parent_guard(r, e, body_parent(e, body), "添加") != 0) goto out;
    int64_t id;
    if (insert_record(r, e, &c, org, opath, NULL, hook, arg, &id) != 0) goto out;
    if (kids && create_children(r, e, kids, id, org, opath) != 0) goto out;
    if (db_commit(r->db) != 0) goto fail;
    created = id;
    goto out;
fail:
    http_store_error(r);
out:
    json_decref(kids);
    return created;
}

static void create_record(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "create")) return;
    if (e->create_via) {
        http_set_header(r, "Allow", "GET, HEAD"); /* the collection is still listed */
        return http_error(r, 405, "create_elsewhere", e->create_via);
    }
    json_t *body = http_json_body(r);
    if (!body) return;
    int64_t id = engine_create(r, e, body, NULL, NULL);
    if (id > 0) engine_answer_record(r, e, id, 201);
    json_decref(body);
}

/* Only the fields that differ between two snapshots, for the audit trail. */
static json_t *diff(json_t *before, json_t *after) {
    json_t *d = json_pack("{s:{},s:{}}", "before", "after");
    const char *k;
    json_t *v;
    json_object_foreach(after, k, v) {
        if (!strcmp(k, "version") || !strcmp(k, "updated_at")) continue;
        json_t *old = json_object_get(before, k);
        if (!json_equal(old, v)) {
            json_object_set(json_object_get(d, "before"), k, old ? old : json_null());
            json_object_set(json_object_get(d, "after"), k, v);
        }
    }
    return d;
}

/* Applies a guarded update: version must match.  Answers 409 with the
 * current version when it does not, and 409 naming the holder when a
 * concurrent write took the key (keys: the changed key columns, as for
 * unique_guard).  Returns 0, or -1 after answering. */
static int guarded_update(http_req_t *r, const entity_t *e, int64_t id, int64_t version, buf_t *set, sql_binds_t *b,
                          json_t *keys) {
    char now[21];
    iso_from_unix(now_unix(), now);
    buf_t sql = BUF_INIT;
    buf_printf(
        &sql,
        "UPDATE %s SET version = version + 1, updated_at = $%d, updated_by = $%d%s WHERE id = $%d AND version = $%d",
        e->table, sql_bind_text(b, arena_strdup(r->arena, now)), sql_bind_int(b, auth_principal(r)->user_id),
        set->data ? set->data : "", sql_bind_int(b, id), sql_bind_int(b, version));
    db_stmt_t *s = db_prepare(r->db, sql.data);
    buf_free(&sql);
    if (!s) {
        http_store_error(r);
        return -1;
    }
    engine_bind_all(s, b);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    if (rc == DB_UNIQUE) {
        unique_raced(r, e, id, keys);
        return -1;
    }
    if (rc != DB_DONE) {
        http_store_error(r);
        return -1;
    }
    if (n == 0) {
        db_rollback(r->db);
        http_error(r, 409, "version_conflict", "该记录已被他人修改, 请刷新后再提交");
        return -1;
    }
    return 0;
}

static int64_t body_version(http_req_t *r, json_t *body) {
    json_t *v = json_object_get(body, "version");
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        json_t *fe = json_pack("{s:s}", "version", "缺少记录版本号 version (防止覆盖他人的修改)");
        engine_field_error(r, NULL, fe);
        json_decref(fe);
        return -1;
    }
    return json_integer_value(v);
}

static void update_record(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "update")) return;
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT, set = BUF_INIT;
    json_t *body = NULL, *before = NULL, *keys = NULL;
    db_stmt_t *s = load_record(r, e, id, false, false, &sql);
    if (!s) goto out;
    const char *state = db_col_null(s, 9) ? NULL : arena_strdup(r->arena, db_col_text(s, 9));
    const workflow_t *wf = state ? entity_flow(e, (int)db_col_int(s, 10)) : NULL;
    const char *opath = arena_strdup(r->arena, db_col_text(s, 2));
    int64_t parent = row_parent(e, s);
    db_reset(s);
    const wf_state_t *lk = wf_locked(wf, state);
    if (lk) {
        wf_locked_error(r, e, wf, lk, wf_locked_message(r, wf, lk, "修改"));
        goto out;
    }
    body = http_json_body(r);
    if (!body) goto out;
    int64_t version = body_version(r, body);
    if (version < 0) goto out;
    if (json_object_get(body, "org_id")) {
        json_t *fe = json_pack("{s:s}", "org_id", "所属机构不能在此修改");
        engine_field_error(r, e, fe);
        json_decref(fe);
        goto out;
    }
    changes_t c;
    if (collect_fields(r, e, body, false, &c, false) != 0) goto out;
    sql_binds_t b = {0};
    if (set_clause(r, &c, &set, &b, false, NULL) != 0) goto fail;
    /* an edit of a reviewed record sends it back for review */
    if (c.n && wf && wf_reopen(r, wf, state, &set, &b) != 0) goto fail;
    if (db_begin(r->db) != 0) goto fail;
    /* neither the parent it leaves nor the one it moves to may be locked */
    if (parent_guard(r, e, parent, "修改") != 0) goto out;
    int64_t moved_to = body_parent(e, body);
    if (moved_to != parent && parent_guard(r, e, moved_to, "添加") != 0) goto out;
    before = engine_record_snapshot(r, e, id);
    if (!before) goto out_rollback;
    if (e->unique) {
        keys = unique_keys(e, &c);
        if (json_object_size(keys) && unique_guard(r, e, id, keys) != 0) goto out;
    }
    if (guarded_update(r, e, id, version, &set, &b, keys) != 0) goto out;
    if (engine_notify_write(r->db, e, opath, auth_principal(r)->user_id) != 0) goto fail;
    json_t *after = engine_record_snapshot(r, e, id);
    if (record_deadline(r, e, CHECK_UPDATE, before, after) != 0) {
        json_decref(after);
        goto fail;
    }
    if (record_rule(r, e, CHECK_UPDATE, before, after) != 0) {
        json_decref(after);
        goto out;
    }
    json_t *d = diff(before, after);
    char *dt = json_text(d);
    int arc = auth_audit(r, "record.update", e->name, id, "ok", dt);
    free(dt);
    json_decref(d);
    json_decref(after);
    if (arc != 0 || db_commit(r->db) != 0) goto fail;
    engine_answer_record(r, e, id, 200);
    goto out;
out_rollback:
    db_rollback(r->db);
    goto out;
fail:
    http_store_error(r);
out:
    json_decref(keys);
    json_decref(before);
    json_decref(body);
    buf_free(&sql);
    buf_free(&set);
}

/* Soft delete and restore share the guarded update. */
/* Deleting a parent (entity_t.children), inside its transaction: a kind
 * declared CHILD_DELETE_REFUSE with live children answers 409 naming how
 * many; CHILD_DELETE_CASCADE deletes them with the parent, at the same
 * instant, each audited.  Restoring the parent brings back the children
 * deleted with it (those whose deleted_at is the parent's), each audited.
 * 0, or -1 having answered (the transaction rolled back). */
static int children_follow(http_req_t *r, const entity_t *e, int64_t id, bool deleted, const char *when,
                           const char *opath) {
    if (!e->children) return 0;
    int64_t uid = auth_principal(r)->user_id;
    for (const entity_child_t *c = e->children; c->key; c++) {
        const entity_t *ce = entity_find(c->entity);
        if (!ce) continue;
        char sql[512];
        db_stmt_t *s;
        if (deleted && c->on_delete == CHILD_DELETE_REFUSE) {
            snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE %s = $1 AND deleted_at IS NULL", ce->table,
                     ce->parent);
            if (!(s = db_prepare(r->db, sql))) return http_store_error(r), -1;
            db_bind_int(s, 1, id);
            int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
            db_reset(s);
            if (n < 0) return http_store_error(r), -1;
            if (n > 0) {
                db_rollback(r->db);
                http_error(r, 409, "has_children",
                           arena_printf(r->arena, "该%s还有 %lld 条%s, 请先删除后再删除本记录", e->label, (long long)n,
                                        ce->label));
                return -1;
            }
            continue;
        }
        if (deleted)
            snprintf(sql, sizeof(sql),
                     "UPDATE %s SET deleted_at = $1, updated_at = $1, updated_by = $2, version = version + 1 "
                     "WHERE %s = $3 AND deleted_at IS NULL RETURNING id",
                     ce->table, ce->parent);
        else
            snprintf(sql, sizeof(sql),
                     "UPDATE %s SET deleted_at = NULL, updated_at = $1, updated_by = $2, version = version + 1 "
                     "WHERE %s = $3 AND deleted_at = $4 RETURNING id",
                     ce->table, ce->parent);
        /* only a cascade deleted children with the parent: a refusing kind had none live */
        if (!deleted && (!when || c->on_delete != CHILD_DELETE_CASCADE)) continue;
        if (!(s = db_prepare(r->db, sql))) return http_store_error(r), -1;
        char now[21];
        iso_from_unix(now_unix(), now);
        db_bind_text(s, 1, deleted ? when : now, -1);
        db_bind_int(s, 2, uid);
        db_bind_int(s, 3, id);
        if (!deleted) db_bind_text(s, 4, when, -1);
        int nids = 0;
        int64_t *ids = engine_collect_ids(r, s, &nids);
        if (nids < 0) return http_store_error(r), -1;
        if (nids == 0) continue;
        if (engine_notify_write(r->db, ce, opath, uid) != 0) return http_store_error(r), -1;
        json_t *detail = json_pack("{s:{s:s,s:I}}", deleted ? "cascade_from" : "restored_with", "entity", e->name, "id",
                                   (json_int_t)id);
        char *dt = json_text(detail);
        json_decref(detail);
        int arc = 0;
        for (int i = 0; i < nids && !arc; i++)
            arc = auth_audit(r, deleted ? "record.delete" : "record.restore", ce->name, ids[i], "ok", dt);
        free(dt);
        if (arc != 0) return http_store_error(r), -1;
    }
    return 0;
}

static void set_deleted(http_req_t *r, bool deleted) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, deleted ? "delete" : "restore")) return;
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT, set = BUF_INIT;
    db_stmt_t *s = load_record(r, e, id, true, false, &sql);
    if (!s) goto out;
    int64_t version = db_col_int(s, 3);
    bool is_deleted = !db_col_null(s, 8);
    const char *deleted_at = is_deleted ? arena_strdup(r->arena, db_col_text(s, 8)) : NULL;
    const char *opath = arena_strdup(r->arena, db_col_text(s, 2));
    const char *state = db_col_null(s, 9) ? NULL : arena_strdup(r->arena, db_col_text(s, 9));
    const workflow_t *wf = state ? entity_flow(e, (int)db_col_int(s, 10)) : NULL;
    int64_t parent = row_parent(e, s);
    db_reset(s);
    if (is_deleted == deleted) {
        http_error(r, deleted ? 404 : 409, deleted ? "not_found" : "not_deleted", deleted ? "记录不存在" : "该记录未被删除");
        goto out;
    }
    /* a final record is not deleted; a restore brings one back as it was
     * (still locked), so it is allowed */
    const wf_state_t *lk = deleted ? wf_locked(wf, state) : NULL;
    if (lk) {
        wf_locked_error(r, e, wf, lk, wf_locked_message(r, wf, lk, "删除"));
        goto out;
    }
    sql_binds_t b = {0};
    char now[21];
    iso_from_unix(now_unix(), now);
    if (deleted)
        buf_printf(&set, ", deleted_at = $%d", sql_bind_text(&b, arena_strdup(r->arena, now)));
    else buf_puts(&set, ", deleted_at = NULL");
    if (db_begin(r->db) != 0) goto fail;
    if (parent_guard(r, e, parent, deleted ? "删除" : "恢复") != 0) goto out;
    /* a restore must not bring back a second live record of the key (no
     * changed columns: the record's own values) */
    if (!deleted && e->unique && unique_guard(r, e, id, NULL) != 0) goto out;
    if (guarded_update(r, e, id, version, &set, &b, NULL) != 0) goto out;
    if (children_follow(r, e, id, deleted, deleted ? now : deleted_at, opath) != 0) goto out;
    if (engine_notify_write(r->db, e, opath, auth_principal(r)->user_id) != 0) goto fail;
    if (auth_audit(r, deleted ? "record.delete" : "record.restore", e->name, id, "ok", NULL) != 0 || db_commit(r->db) != 0)
        goto fail;
    engine_answer_record(r, e, id, 200);
    goto out;
fail:
    http_store_error(r);
out:
    buf_free(&sql);
    buf_free(&set);
}

static void delete_record(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (e && e->delete_via) return http_error(r, 405, "delete_elsewhere", e->delete_via);
    set_deleted(r, true);
}
static void restore_record(http_req_t *r) { set_deleted(r, false); }

/* History reads in Chinese (issue 15 point 7): each audit action a record's
 * trail may hold, by the label a clerk knows.  Workflow actions take their
 * transition's label; an action not listed here shows as 其他操作, never as
 * its key. */
static const char *const history_labels[][2] = {
    {"record.create", "创建"},
    {"record.update", "修改"},
    {"record.delete", "删除"},
    {"record.restore", "恢复"},
    {"record.export", "导出"},
    {"record.import", "导入"},
    {"pi.unmask", "查看完整个人信息"},
    {"document.generate", "生成文书"},
    {"file.upload", "上传文件"},
    {"file.download", "下载文件"},
    {"attachment.add", "上传附件"},
    {"attachment.download", "下载附件"},
    {"attachment.delete", "删除附件"},
    {"workflow.escalate", "超期升级督办"},
    {"workflow.reopen", "重新打开"},
    {"problem.ready", "规则已达标, 待销号"},
    {"problem.not_ready", "规则仍未达标"},
    {"person.merge", "人员合并"},
    {"person.merge.request", "申请合并人员"},
    {"person.merge.reject", "驳回人员合并"},
    {"breakglass.grant", "紧急调阅授权"},
    {"annual_report.regenerate", "重新生成"},
    {"access.denied", "拒绝访问"},
    {"portal.submit", "群众经公众门户提交"},
    {"portal.reply", "答复群众"},
    {NULL, NULL},
};

const char *engine_action_label(http_req_t *r, const entity_t *e, const char *action, json_t *detail) {
    if (!action) return "其他操作";
    if (strncmp(action, "workflow.", 9) == 0 && e && e->flows) {
        const char *a = action + 9;
        /* the newest version that has the action: labels may be reworded */
        int n = 0;
        while (e->flows[n]) n++;
        for (int v = n - 1; v >= 0; v--)
            for (const wf_transition_t *t = e->flows[v]->transitions; t->action; t++)
                if (strcmp(t->action, a) == 0) return t->label;
    }
    if (strcmp(action, "record.create") == 0 && json_object_get(detail, "import_job")) return "导入";
    if (strcmp(action, "document.generate") == 0) {
        const char *title = json_string_value(json_object_get(detail, "title"));
        if (title) return arena_printf(r->arena, "生成文书「%s」", title);
    }
    for (int i = 0; history_labels[i][0]; i++)
        if (strcmp(history_labels[i][0], action) == 0) return history_labels[i][1];
    return "其他操作";
}

/* The names a history's changed ref and person values show (an update's
 * before/after carry ids): remembered per request, one lookup per value. */
typedef struct {
    const field_t *f;
    int64_t id;
    const char *name;
} name_memo_t;

static const char *history_ref_name(http_req_t *r, const field_t *f, int64_t id, name_memo_t *memo, int *n) {
    for (int i = 0; i < *n; i++)
        if (memo[i].f == f && memo[i].id == id) return memo[i].name;
    const char *name = NULL;
    if (f->type == F_REF && !engine_entity_ref(f)) name = scope_unit_name(r, id);
    else if (f->type == F_REF) {
        char shown[256];
        const char *raw = engine_ref_title(r, entity_find(f->ref), id);
        name = raw ? arena_strdup(r->arena, engine_ref_display(r, f, raw, shown, sizeof(shown))) : NULL;
    } else {
        db_stmt_t *s = db_prepare(r->db, "SELECT name FROM persons WHERE id = $1");
        if (s) {
            db_bind_int(s, 1, id);
            if (db_step(s) == DB_ROW && !db_col_null(s, 0)) {
                char shown[256];
                name = arena_strdup(r->arena, engine_ref_display(r, f, db_col_text(s, 0), shown, sizeof(shown)));
            }
            db_reset(s);
        }
    }
    if (*n < 64) memo[(*n)++] = (name_memo_t){f, id, name};
    return name;
}

/* For an item's detail.before / detail.after: {"<field>": "<name>"} of its
 * ref and person values, so the timeline shows 案件「…」, not #12. */
static void write_history_names(http_req_t *r, const entity_t *e, json_t *side, name_memo_t *memo, int *n) {
    jw_t *w = &r->json;
    jw_obj(w);
    const char *k;
    json_t *v;
    json_object_foreach(side, k, v) {
        const field_t *f = entity_field(e, k);
        if (!f || (f->type != F_REF && f->type != F_PERSON) || !json_is_integer(v)) continue;
        jw_kstr(w, k, history_ref_name(r, f, json_integer_value(v), memo, n));
    }
    jw_obj_end(w);
}

/* The record's timeline: the audit rows about it, oldest first, each with
 * its action's Chinese label and the actor's name (系统 for the scheduler). */
static void record_history(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "read")) return;
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT;
    db_stmt_t *s = load_record(r, e, id, true, false, &sql);
    buf_free(&sql);
    if (!s) return;
    db_reset(s);
    if (engine_read_audit(r, e, id, "history") != 0)
        return http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示记录");
    s = db_prepare(r->db, "SELECT a.id, a.at, a.action, a.username, a.result, a.detail, u.display_name, a.user_id "
                          "FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
                          "WHERE a.entity = $1 AND a.entity_id = $2 AND a.action <> 'record.read_protected' "
                          "ORDER BY a.id LIMIT 1000");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    /* every row first: the names' lookups may not run while s is open (SQLite) */
    typedef struct {
        int64_t id, user_id;
        const char *at, *action, *username, *result, *detail, *display;
    } hist_row_t;
    int cap = 64, nrows = 0, rc;
    hist_row_t *rows = arena_alloc(r->arena, sizeof(hist_row_t) * (size_t)cap);
    while ((rc = db_step(s)) == DB_ROW) {
        if (nrows == cap) {
            hist_row_t *more = arena_alloc(r->arena, sizeof(hist_row_t) * (size_t)cap * 2);
            memcpy(more, rows, sizeof(hist_row_t) * (size_t)cap);
            rows = more, cap *= 2;
        }
        hist_row_t *h = &rows[nrows++];
        h->id = db_col_int(s, 0);
        h->at = arena_strdup(r->arena, db_col_text(s, 1));
        h->action = arena_strdup(r->arena, db_col_text(s, 2));
        h->username = db_col_null(s, 3) ? NULL : arena_strdup(r->arena, db_col_text(s, 3));
        h->result = arena_strdup(r->arena, db_col_text(s, 4));
        h->detail = db_col_null(s, 5) ? NULL : arena_strdup(r->arena, db_col_text(s, 5));
        h->display = db_col_null(s, 6) ? NULL : arena_strdup(r->arena, db_col_text(s, 6));
        h->user_id = db_col_null(s, 7) ? 0 : db_col_int(s, 7);
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    name_memo_t memo[64];
    int nmemo = 0;
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < nrows; i++) {
        const hist_row_t *h = &rows[i];
        const char *action = h->action;
        json_t *detail = h->detail ? json_loads(h->detail, 0, NULL) : NULL;
        jw_obj(w);
        jw_kint(w, "id", h->id);
        jw_kstr(w, "at", h->at);
        jw_kstr(w, "action", action);
        jw_kstr(w, "action_label", engine_action_label(r, e, action, detail));
        jw_kstr(w, "username", h->username);
        jw_kstr(w, "actor", h->display ? h->display : !h->user_id ? "系统" : h->username);
        jw_kstr(w, "result", h->result);
        jw_key(w, "detail");
        static const char *const sides[] = {"before", "after"};
        if (!h->detail) jw_null(w);
        else if (!detail) jw_raw(w, h->detail);
        else {
            /* the names an entity ref had in the writer's view stay out: the
             * reader gets before_names/after_names, decided for them */
            for (int k = 0; k < 2; k++) {
                json_t *side = json_object_get(detail, sides[k]);
                if (!json_is_object(side)) continue;
                for (const field_t *f = e->fields; f->name; f++)
                    if (engine_entity_ref(f)) json_object_del(side, arena_printf(r->arena, "%s_name", f->name));
            }
            char *dt = json_dumps(detail, JSON_COMPACT);
            if (dt) jw_raw(w, dt);
            else jw_null(w);
            free(dt);
        }
        for (int k = 0; k < 2; k++) {
            json_t *side = json_object_get(detail, sides[k]);
            if (!json_is_object(side)) continue;
            jw_key(w, arena_printf(r->arena, "%s_names", sides[k]));
            write_history_names(r, e, side, memo, &nmemo);
        }
        jw_obj_end(w);
        json_decref(detail);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* Personal information in full: pi.unmask, audited, refused if the audit
 * row cannot be written. */
static void unmask_record(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "read")) return;
    if (!auth_can(auth_principal(r), "pi.unmask")) return http_error(r, 403, "forbidden", "您没有查看完整个人信息的权限");
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT;
    db_stmt_t *s = load_record(r, e, id, true, false, &sql);
    if (!s) goto out;
    db_reset(s);
    buf_clear(&sql);
    buf_puts(&sql, "SELECT id");
    int n = 0;
    for (const field_t *f = e->fields; f->name; f++)
        if (f->flags & FF_PI) buf_printf(&sql, ", %s_enc", f->name), n++;
        else if (f->masked_with) buf_printf(&sql, ", %s", f->name), n++; /* in clear, shown masked */
    buf_printf(&sql, " FROM %s WHERE id = $1", e->table);
    if (!n) {
        http_error(r, 404, "not_found", "该类记录没有个人信息字段");
        goto out;
    }
    s = db_prepare(r->db, sql.data);
    if (!s) {
        http_store_error(r);
        goto out;
    }
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        http_store_error(r);
        goto out;
    }
    /* decrypted and the statement reset before the audit row: a write while
     * this read is still open needs its snapshot to be current (SQLite), so
     * any commit by another connection in between failed it with 503 */
    struct pi_value {
        buf_t plain;
        bool ok;
    } *v = arena_calloc(r->arena, sizeof(*v) * (size_t)n);
    int k = 0;
    for (const field_t *f = e->fields; f->name; f++) {
        if (!(f->flags & FF_PI) && !f->masked_with) continue;
        if (db_col_null(s, k + 1)) v[k].ok = false;
        else if (f->masked_with) v[k].ok = true, buf_puts(&v[k].plain, db_col_text(s, k + 1));
        else v[k].ok = pi_decrypt(auth_keys(), db_col_text(s, k + 1), &v[k].plain) == 0;
        k++;
    }
    db_reset(s);
    if (auth_audit(r, "pi.unmask", e->name, id, "ok", NULL) != 0) {
        http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示个人信息");
    } else {
        jw_t *w = &r->json;
        jw_obj(w);
        jw_kint(w, "id", id);
        k = 0;
        for (const field_t *f = e->fields; f->name; f++) {
            if (!(f->flags & FF_PI) && !f->masked_with) continue;
            jw_key(w, f->name);
            if (v[k].ok) jw_str(w, v[k].plain.data);
            else jw_null(w);
            k++;
        }
        jw_obj_end(w);
        http_set_header(r, "Cache-Control", "no-store");
        http_send_json(r, 200);
    }
    for (k = 0; k < n; k++) {
        if (v[k].plain.data) OPENSSL_cleanse(v[k].plain.data, v[k].plain.len);
        buf_free(&v[k].plain);
    }
out:
    buf_free(&sql);
}

static const route_t engine_routes[] = {
    {"GET", "/api/v1/:entity", list_records},
    {"POST", "/api/v1/:entity", create_record},
    {"GET", "/api/v1/:entity/:id", get_record},
    {"PATCH", "/api/v1/:entity/:id", update_record},
    {"DELETE", "/api/v1/:entity/:id", delete_record},
    {"POST", "/api/v1/:entity/:id/restore", restore_record},
    {"GET", "/api/v1/:entity/:id/history", record_history},
    {"POST", "/api/v1/:entity/:id/unmask", unmask_record},
    {0},
};

void engine_routes_register(void) {
    notify_routes_register(); /* /api/v1/notifications before /api/v1/:entity */
    wf_routes_register();
    meta_routes_register();
    engine_io_routes_register(); /* export, import, jobs: before the /:entity/:id patterns */
    files_routes_register();      /* /api/v1/files before /api/v1/:entity */
    documents_routes_register();  /* declared documents (document.c) */
    changes_routes_register();    /* /api/v1/changes, /webhooks, /openapi.json before /api/v1/:entity */
    webhooks_routes_register();
    openapi_routes_register();
    router_add(engine_routes);
}

/* A record made from another (a consultation's mediation case, an outside
 * body's referral): a raw insert in the caller's transaction in the
 * workflow's initial state with its dates, audited as a creation with
 * `derived_from`.  Takes fields; the new id, or -1. */
int64_t engine_insert_derived(http_req_t *r, const entity_t *target, int64_t org, const char *path, json_t *fields,
                              json_t *from) {
    char now[21];
    iso_from_unix(now_unix(), now);
    const workflow_t *wf = target->flows ? entity_flow(target, 0) : NULL;
    wf_dates_t d = {0};
    if (wf && wf_start_dates(r->db, wf, wf->initial, now, &d) != 0) return json_decref(fields), -1;
    const principal_t *p = auth_principal(r);
    json_object_set_new(fields, "created_at", json_string(now));
    json_object_set_new(fields, "updated_at", json_string(now));
    if (p && p->user_id) { /* an API token is no user: its name is in the audit row */
        json_object_set_new(fields, "created_by", json_integer(p->user_id));
        json_object_set_new(fields, "updated_by", json_integer(p->user_id));
    }
    if (wf) json_object_set_new(fields, "state_since", json_string(d.today));
    if (wf && d.state_due[0]) json_object_set_new(fields, "state_due_at", json_string(d.state_due));
    int64_t id = engine_insert_raw(r->db, target, org, path, NULL, fields);
    json_t *detail = json_pack("{s:O,s:O}", "after", fields, "derived_from", from);
    json_decref(fields);
    char *dt = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(detail);
    int arc = id > 0 && dt ? auth_audit(r, "record.create", target->name, id, "ok", dt) : -1;
    free(dt);
    return arc == 0 ? id : -1;
}
