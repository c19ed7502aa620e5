/* changes.c — the change feed (issue 25 point 2; changes.h, docs/api.md
 * "Change feed").
 *
 * No table of its own: the audit log already holds one row per record
 * write, written in the write's transaction (DESIGN.md: one event log for
 * the audit trail and each record's history; the feed is the third reader).
 * Its ids are in commit order on both stores — SQLite has one writer at a
 * time, and on PostgreSQL every append takes the chain's advisory lock and
 * holds it until its transaction ends, so a row with a lower id is always
 * committed (or gone) before one with a higher id is written.  A reader
 * that has seen id N has therefore seen every change that will ever carry
 * an id below N, and the cursor is simply that id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/changes.h"
#include "engine/workflow.h"

static const char *const events[][2] = {
    {"record.create", "create"},   {"record.update", "update"}, {"record.delete", "delete"},
    {"record.restore", "restore"}, {NULL, NULL},
};

const char *changes_event(const char *action) {
    if (!action) return NULL;
    if (strncmp(action, "workflow.", 9) == 0 && action[9]) return "transition";
    for (int i = 0; events[i][0]; i++)
        if (strcmp(events[i][0], action) == 0) return events[i][1];
    return NULL;
}

/* ",a,b," of the entities: the SQL narrows by it with LIKE, C confirms. */
static const char *entity_list(http_req_t *r, const entity_t *const *ents, int n) {
    buf_t b = BUF_INIT;
    buf_putc(&b, ',');
    for (int i = 0; i < n; i++) buf_printf(&b, "%s,", ents[i]->name);
    const char *s = arena_strdup(r->arena, b.data);
    buf_free(&b);
    return s;
}

static bool listed(const entity_t *e, const entity_t *const *ents, int n) {
    for (int i = 0; i < n; i++)
        if (ents[i] == e) return true;
    return false;
}

/* The row of record id of e (deleted ones too), or NULL when it is gone or
 * on a store error (*err set). */
static db_stmt_t *load_row(http_req_t *r, const entity_t *e, int64_t id, bool *err) {
    buf_t sql = BUF_INIT;
    engine_record_sql(e, &sql);
    db_stmt_t *s = db_prepare(r->db, sql.data);
    buf_free(&sql);
    if (!s) return *err = true, NULL;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) return s;
    db_reset(s);
    if (rc != DB_DONE) *err = true;
    return NULL;
}

int changes_read(http_req_t *r, int64_t after, const entity_t *const *ents, int n, int limit, bool with_protected,
                 change_fn fn, void *arg, int64_t *next, bool *more) {
    *next = after;
    *more = false;
    if (n == 0) return 0;
    /* A page looks at CHANGES_SCAN_MAX ids of the log at most (logins,
     * reads and other entities' rows included), so a follower of a rare
     * entity pays for a window, not for the whole log, per page.  Every
     * row up to the head read here is committed already (the order above),
     * so the window's end is a safe cursor even when nothing in it matched. */
    int64_t head = db_query_int(r->db, "SELECT COALESCE(MAX(id), 0) FROM audit_log", -1);
    if (head < 0) return -1;
    int64_t upto = head - after > CHANGES_SCAN_MAX ? after + CHANGES_SCAN_MAX : head < after ? after : head;
    db_stmt_t *s = db_prepare(r->db, "SELECT id, at, action, entity, entity_id FROM audit_log WHERE id > $1 "
                                     "AND id <= $4 AND result = 'ok' AND entity_id IS NOT NULL "
                                     "AND $2 LIKE '%,' || entity || ',%' AND (action IN ('record.create', "
                                     "'record.update', 'record.delete', 'record.restore') OR action LIKE 'workflow.%') "
                                     "ORDER BY id LIMIT $3");
    if (!s) return -1;
    db_bind_int(s, 1, after);
    db_bind_text(s, 2, entity_list(r, ents, n), -1);
    db_bind_int(s, 3, limit);
    db_bind_int(s, 4, upto);
    /* read the page first: the records are loaded on the same connection */
    change_t *page = arena_alloc(r->arena, sizeof(*page) * (size_t)limit);
    int got = 0, rc;
    while (got < limit && (rc = db_step(s)) == DB_ROW) {
        change_t *c = &page[got++];
        *c = (change_t){.id = db_col_int(s, 0), .at = arena_strdup(r->arena, db_col_text(s, 1))};
        const char *action = db_col_text(s, 2);
        c->event = changes_event(action);
        c->action = strcmp(c->event, "transition") == 0 ? arena_strdup(r->arena, action + 9) : NULL;
        c->e = entity_find(db_col_text(s, 3));
        c->record_id = db_col_int(s, 4);
    }
    db_reset(s);
    if (got < limit && rc != DB_DONE) return -1;
    *more = got == limit || upto < head;
    for (int i = 0; i < got; i++) {
        const change_t *c = &page[i];
        *next = c->id;
        if (!c->e || !listed(c->e, ents, n)) continue;
        bool err = false;
        db_stmt_t *rec = load_row(r, c->e, c->record_id, &err);
        if (err) return -1;
        if (!rec) continue; /* never stored for good: nothing to tell */
        /* the one access path, on the record's unit now */
        engine_read_t a = engine_may_read(r, c->e, db_col_text(rec, 2));
        if (a == ENGINE_READ_STORE_ERROR) { /* not a change the reader may not see: its cursor would pass it */
            db_reset(rec);
            return -1;
        }
        if (a != ENGINE_READ_OK) { /* a break-the-glass grant is for a person, not a feed */
            db_reset(rec);
            continue;
        }
        bool shown = !db_col_null(rec, 8) ? false : !c->e->protected_ || with_protected;
        int stop = fn(r, c, shown ? rec : NULL, arg);
        db_reset(rec);
        if (stop) return stop < 0 ? -1 : 1;
    }
    if (got < limit) *next = upto; /* the whole window was read */
    return 0;
}

void changes_write(http_req_t *r, const change_t *c, db_stmt_t *rec) {
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "cursor", arena_printf(r->arena, "%lld", (long long)c->id));
    jw_kstr(w, "at", c->at);
    jw_kstr(w, "entity", c->e->name);
    jw_kstr(w, "entity_label", c->e->label);
    jw_kint(w, "record_id", c->record_id);
    jw_kstr(w, "event", c->event);
    jw_kstr(w, "action", c->action);
    jw_kstr(w, "action_label",
            engine_action_label(r, c->e, c->action ? arena_printf(r->arena, "workflow.%s", c->action)
                                                   : arena_printf(r->arena, "record.%s", c->event),
                                NULL));
    jw_key(w, "record");
    if (rec) engine_write_record(r, c->e, rec);
    else jw_null(w);
    jw_obj_end(w);
}

typedef struct {
    http_req_t *r;
    const entity_t **out;
    int n;
} all_t;

static void add_readable(const entity_t *e, void *arg) {
    all_t *a = arg;
    if (a->n < CHANGES_ENTITIES_MAX * 4 && engine_can_read(a->r, e)) a->out[a->n++] = e;
}

int changes_entities(http_req_t *r, const char *list, const entity_t **out) {
    if (!list || !*list) {
        all_t a = {r, out, 0};
        entity_each(add_readable, &a);
        if (!a.n) return http_error(r, 403, "forbidden", "您没有读取任何业务记录的权限"), -1;
        return a.n;
    }
    char *copy = arena_strdup(r->arena, list), *save = NULL;
    int n = 0;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        const entity_t *e = entity_find(name);
        if (!e) return http_invalid(r, "entities", arena_printf(r->arena, "业务类别不存在: %.64s", name)), -1;
        if (n == CHANGES_ENTITIES_MAX)
            return http_invalid(r, "entities", "entities 最多列出 64 个业务类别"), -1;
        if (!engine_can_read(r, e))
            return http_error(r, 403, "forbidden", arena_printf(r->arena, "您没有读取「%s」的权限", e->label)), -1;
        if (!listed(e, out, n)) out[n++] = e;
    }
    if (!n) return http_invalid(r, "entities", "entities 应为逗号分隔的业务类别名称"), -1;
    return n;
}

/* ---- GET /api/v1/changes ---- */

/* The feed's protected records are read like GET reads them: audited. */
static int emit(http_req_t *r, const change_t *c, db_stmt_t *rec, void *arg) {
    int *count = arg;
    if (rec && c->e->protected_ && engine_read_audit(r, c->e, c->record_id, "changes") != 0) return -1;
    changes_write(r, c, rec);
    (*count)++;
    return 0;
}

/* A cursor is the id of a change; "0" (or none) starts at the beginning. */
static int64_t parse_cursor(const char *v) {
    if (!v || !*v) return 0;
    if (strlen(v) > 18) return -1;
    int64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        x = x * 10 + (*p - '0');
    }
    return x;
}

/* after=now: no changes, and the cursor of the newest one — where a reader
 * that first copies the records through the lists starts following. */
static void head_cursor(http_req_t *r) {
    int64_t head = db_query_int(r->db, "SELECT COALESCE(MAX(id), 0) FROM audit_log", -1);
    if (head < 0) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    jw_arr_end(w);
    jw_kstr(w, "next", arena_printf(r->arena, "%lld", (long long)head));
    jw_kbool(w, "more", false);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_changes(http_req_t *r) {
    const char *av = http_query(r, "after");
    if (av && strcmp(av, "now") == 0) return head_cursor(r);
    int64_t after = parse_cursor(av);
    if (after < 0) return http_invalid(r, "after", "after 应为上一页返回的游标 (非负整数) 或 now");
    const char *lim = http_query(r, "limit");
    int limit = CHANGES_LIMIT_DEFAULT;
    if (lim && ((limit = atoi(lim)) < 1 || limit > CHANGES_LIMIT_MAX))
        return http_invalid(r, "limit", "limit 应为 1 到 500");
    const entity_t **ents = arena_alloc(r->arena, sizeof(*ents) * CHANGES_ENTITIES_MAX * 4);
    int n = changes_entities(r, http_query(r, "entities"), ents);
    if (n < 0) return;
    /* a cursor past the log's end was not made by this store's log (one
     * restored from a backup since): following it could skip what is
     * written next, so the reader starts over */
    int64_t head = after > 0 ? db_query_int(r->db, "SELECT COALESCE(MAX(id), 0) FROM audit_log", -1) : 0;
    if (head < 0) return http_store_error(r); /* not 410: the reader would start over for nothing */
    if (after > 0 && after > head)
        return http_error(r, 410, "cursor_expired", "游标超出变更日志的末尾 (数据库可能已从备份恢复), 请从头同步 (after=0)");
    /* a cursor from before a purge of the log (sifasuo audit purge) would
     * silently miss what was purged: the reader starts over instead */
    if (after > 0) {
        db_stmt_t *s = db_prepare(r->db, "SELECT 1 FROM audit_log WHERE action = 'audit.purge' AND id > $1 LIMIT 1");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, after);
        int rc = db_step(s);
        db_reset(s);
        if (rc < 0) return http_store_error(r);
        if (rc == DB_ROW)
            return http_error(r, 410, "cursor_expired", "游标早于日志清理, 其间的变更已不可读取, 请从头同步 (after=0)");
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int count = 0;
    int64_t next;
    bool more;
    if (changes_read(r, after, ents, n, limit, true, emit, &count, &next, &more) != 0) return http_store_error(r);
    jw_arr_end(w);
    jw_kstr(w, "next", arena_printf(r->arena, "%lld", (long long)next));
    jw_kbool(w, "more", more);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t changes_routes[] = {
    {"GET", "/api/v1/changes", get_changes},
    {0},
};

void changes_routes_register(void) { router_add(changes_routes); }
