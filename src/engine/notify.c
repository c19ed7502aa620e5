/* notify.c — 消息提醒 (issue 16 point 4).
 *
 *   GET  /api/v1/notifications[?unread=1&limit=N&after=ID]   my notices, newest first, with
 *                                                            the unread count (the bell)
 *   POST /api/v1/notifications/read   {"ids": [...]} or {"all": true}: marked read
 *
 * Notices are made by the server, never posted by a client: a transition
 * that declares one (wf_transition_t.notify; a send-back that must say why)
 * tells the record's creator in the action's own transaction, and the
 * a record created for another unit (a 交办, entity_t.notify_assigned)
 * tells the users there who act on it, and the
 * scheduler (wf_scheduler_tick) tells the creator of a record whose deadline
 * is within 3 working days or has passed, once per deadline (dedup).  A
 * notice keeps the record's title as it was then; opening the record asks
 * the one access path again, so a notice reveals no more than its title. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/calendar.h"
#include "engine/notify.h"
#include "engine/workflow.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define NOTIFY_DUE_DAYS 3    /* working days ahead: "due within 3 working days" */
#define NOTIFY_TICK_MAX 500  /* records per entity and pass: the rest next minute */
#define NOTIFY_PAGE_MAX 100
#define NOTIFY_READ_IDS_MAX 200

/* One notice.  dedup: NULL, or a key that makes a second insert a no-op. */
static int notify_insert(db_t *db, int64_t user, const char *kind, const char *entity, int64_t record_id,
                         const char *title, const char *label, const char *body, const char *dedup) {
    char now[21];
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(db, "INSERT INTO notifications (user_id, kind, entity, record_id, title, label, body, dedup, "
                                  "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup) DO NOTHING");
    if (!s) return -1;
    db_bind_int(s, 1, user);
    db_bind_text(s, 2, kind, -1);
    db_bind_text(s, 3, entity, -1);
    db_bind_int(s, 4, record_id);
    db_bind_text(s, 5, title && *title ? title : "(无标题)", -1);
    db_bind_text(s, 6, label, -1);
    if (body && *body) db_bind_text(s, 7, body, -1);
    else db_bind_null(s, 7);
    if (dedup) db_bind_text(s, 8, dedup, -1);
    else db_bind_null(s, 8);
    db_bind_text(s, 9, now, -1);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    return rc == DB_DONE ? (int)n : -1;
}

/* The title column as shown: a person's name masked. */
static const char *shown_title(const entity_t *e, const char *raw, char *buf, size_t n) {
    const field_t *f = entity_title_field(e);
    if (raw && f && f->type == F_PERSON) return mask_name(raw, buf, n);
    return raw;
}

/* Record id's column col (as text, NULL when null) and its title as shown,
 * both in the request's arena: 1 found, 0 no such record, -1 store error. */
static int record_head(http_req_t *r, const entity_t *e, int64_t id, const char *col, const char **val,
                       const char **title) {
    char texpr[256], sql[512];
    wf_title_sql(e, texpr, sizeof(texpr));
    snprintf(sql, sizeof(sql), "SELECT t.%s, %s FROM %s t WHERE t.id = $1", col, texpr, e->table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? 0 : -1;
    }
    *val = db_col_null(s, 0) ? NULL : arena_strdup(r->arena, db_col_text(s, 0));
    char masked[256];
    const char *t = db_col_null(s, 1) ? NULL : shown_title(e, db_col_text(s, 1), masked, sizeof(masked));
    *title = t ? arena_strdup(r->arena, t) : NULL;
    db_reset(s);
    return 1;
}

int notify_transition(http_req_t *r, const entity_t *e, int64_t id, const wf_transition_t *t, const char *comment) {
    const char *kind = t->notify ? t->notify : t->comment_required ? "sent_back" : NULL;
    if (!kind) return 0;
    const char *by, *title;
    int found = record_head(r, e, id, "created_by", &by, &title);
    if (found <= 0) return found;
    int64_t creator = by ? strtoll(by, NULL, 10) : 0;
    if (!creator || creator == auth_principal(r)->user_id) return 0;
    return notify_insert(r->db, creator, kind, e->name, id, title, t->label, comment, NULL) < 0 ? -1 : 0;
}

int notify_holders(http_req_t *r, const entity_t *e, int64_t id, const char *perm, const char *kind, const char *label,
                   const char *body) {
    const char *path, *title;
    int rc = record_head(r, e, id, "org_path", &path, &title);
    if (rc <= 0 || !path) return rc < 0 ? -1 : 0;
    /* a unit's path is a prefix of the paths below it ("/1/4/" of "/1/4/57/") */
    db_stmt_t *s =
        db_prepare(r->db, "SELECT DISTINCT u.id FROM users u JOIN org_units o ON o.id = u.org_id "
                          "JOIN user_roles ur ON ur.user_id = u.id JOIN role_permissions rp ON rp.role_id = ur.role_id "
                          "WHERE u.status = 'active' AND u.id <> $1 AND rp.perm = $2 "
                          "AND substr($3, 1, length(o.path)) = o.path ORDER BY u.id LIMIT 64");
    if (!s) return -1;
    db_bind_int(s, 1, auth_principal(r)->user_id);
    db_bind_text(s, 2, perm, -1);
    db_bind_text(s, 3, path, -1);
    int64_t users[64];
    int nu = 0;
    while ((rc = db_step(s)) == DB_ROW && nu < 64)
        users[nu++] = db_col_int(s, 0);
    db_reset(s);
    if (rc < 0) return -1;
    for (int i = 0; i < nu; i++)
        if (notify_insert(r->db, users[i], kind, e->name, id, title, label, body, NULL) < 0) return -1;
    return 0;
}

#define NOTIFY_ASSIGN_PERMS 8 /* transitions out of a first state, at most */

int notify_assigned(http_req_t *r, const entity_t *e, int64_t id, int64_t org) {
    const workflow_t *wf = entity_flow(e, 0);
    if (!wf || !e->notify_assigned) return 0;
    /* the permissions of the transitions out of the first state: whoever
     * holds one has the record in their to-do */
    buf_t sql = BUF_INIT;
    sql_binds_t b = {0};
    int p_org = sql_bind_int(&b, org), p_me = sql_bind_int(&b, auth_principal(r)->user_id), n = 0;
    buf_puts(&sql, "SELECT DISTINCT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id "
                   "JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE u.status = 'active' AND u.org_id = ");
    buf_printf(&sql, "$%d AND u.id <> $%d AND rp.perm IN (", p_org, p_me);
    for (const wf_transition_t *t = wf->transitions; t->action && n < NOTIFY_ASSIGN_PERMS; t++) {
        if (!wf_leaves(t, wf->initial)) continue;
        const char *perm = t->perm ? t->perm : arena_printf(r->arena, "%s.%s", e->perm, t->action);
        buf_printf(&sql, n++ ? ", $%d" : "$%d", sql_bind_text(&b, perm));
    }
    buf_puts(&sql, ") ORDER BY u.id");
    int rc = 0;
    if (n == 0) goto out;
    char texpr[256], tsql[512];
    wf_title_sql(e, texpr, sizeof(texpr));
    snprintf(tsql, sizeof(tsql), "SELECT %s FROM %s t WHERE t.id = $1", texpr, e->table);
    db_stmt_t *s = db_prepare(r->db, tsql);
    if (!s) goto fail;
    db_bind_int(s, 1, id);
    char masked[256];
    const char *title = NULL;
    if (db_step(s) == DB_ROW && !db_col_null(s, 0))
        title = arena_strdup(r->arena, shown_title(e, db_col_text(s, 0), masked, sizeof(masked)));
    db_reset(s);
    s = db_prepare(r->db, sql.data);
    if (!s) goto fail;
    engine_bind_all(s, &b);
    int64_t users[64];
    int nu = 0, step;
    while ((step = db_step(s)) == DB_ROW && nu < 64) users[nu++] = db_col_int(s, 0);
    db_reset(s);
    if (step < 0) goto fail;
    const char *body = arena_printf(r->arena, "%s交办的%s", auth_principal(r)->display_name ? auth_principal(r)->display_name
                                                                                         : auth_principal(r)->username,
                                    e->label);
    for (int i = 0; i < nu; i++)
        if (notify_insert(r->db, users[i], "assigned", e->name, id, title, "交办", body, NULL) < 0) goto fail;
    goto out;
fail:
    rc = -1;
out:
    buf_free(&sql);
    return rc;
}

/* Records not escalated yet only: the scheduler's partial index on the
 * deadline (schema.c) serves the range, and the notices run before the
 * escalation in the same pass, so a record is told overdue before it is
 * marked escalated. */
int notify_deadlines(db_t *db, const entity_t *e) {
    char today[11], horizon[11], texpr[256], sql[1024];
    wf_today(today);
    if (cal_add_workdays(db, today, NOTIFY_DUE_DAYS, horizon) != 0) return -1;
    wf_title_sql(e, texpr, sizeof(texpr));
    /* the key of the notice a row would make: not made yet */
    char key[256];
    snprintf(key, sizeof(key),
             "('%s:' || t.id || ':' || COALESCE(t.state_due_at, t.due_at) || "
             "CASE WHEN COALESCE(t.state_due_at, t.due_at) < $2 THEN ':overdue' ELSE ':due_soon' END)",
             e->name);
    snprintf(sql, sizeof(sql),
             "SELECT t.id, t.created_by, COALESCE(t.state_due_at, t.due_at), %s FROM %s t WHERE t.deleted_at IS NULL "
             "AND t.escalated = 0 AND COALESCE(t.state_due_at, t.due_at) <= $1 AND t.created_by IS NOT NULL "
             "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedup = %s) "
             "ORDER BY COALESCE(t.state_due_at, t.due_at), t.id LIMIT %d",
             texpr, e->table, key, NOTIFY_TICK_MAX);
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, horizon, -1);
    db_bind_text(s, 2, today, -1);
    struct row {
        int64_t id, user;
        char due[11];
        char title[200];
    } *rows = calloc(NOTIFY_TICK_MAX, sizeof(*rows));
    if (!rows) {
        db_reset(s);
        return -1;
    }
    int n = 0, rc;
    while (n < NOTIFY_TICK_MAX && (rc = db_step(s)) == DB_ROW) {
        rows[n].id = db_col_int(s, 0);
        rows[n].user = db_col_int(s, 1);
        snprintf(rows[n].due, sizeof(rows[n].due), "%s", db_col_text(s, 2));
        char masked[200];
        const char *t = db_col_null(s, 3) ? "" : shown_title(e, db_col_text(s, 3), masked, sizeof(masked));
        snprintf(rows[n].title, sizeof(rows[n].title), "%s", t ? t : "");
        n++;
    }
    db_reset(s);
    int made = 0;
    if (n && db_begin(db) != 0) made = -1;
    for (int i = 0; i < n && made >= 0; i++) {
        bool late = strcmp(rows[i].due, today) < 0;
        char dedup[160], label[64];
        snprintf(dedup, sizeof(dedup), "%s:%lld:%s:%s", e->name, (long long)rows[i].id, rows[i].due,
                 late ? "overdue" : "due_soon");
        snprintf(label, sizeof(label), "%s (%s)", late ? "已逾期" : "即将到期", rows[i].due);
        int k = notify_insert(db, rows[i].user, late ? "overdue" : "due_soon", e->name, rows[i].id, rows[i].title, label,
                              NULL, dedup);
        made = k < 0 ? -1 : made + k;
    }
    if (n) {
        if (made < 0) db_rollback(db);
        else if (db_commit(db) != 0) made = -1;
    }
    free(rows);
    return rc < 0 ? -1 : made; /* a list cut short: the caller logs, the next tick (deduplicated) finishes it */
}

/* ---- the endpoints ---- */

static void list_notifications(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    if (!p->user_id) return http_error(r, 403, "forbidden", "接口令牌没有消息提醒");
    const char *unread = http_query(r, "unread"), *lim = http_query(r, "limit");
    int64_t after = http_query_id(r, "after");
    int limit = 20;
    if (lim && ((limit = atoi(lim)) < 1 || limit > NOTIFY_PAGE_MAX))
        return http_invalid(r, "limit", "limit 应为 1 到 100");
    if (after == -2) return http_invalid(r, "after", "after 应为正整数");
    bool only_unread = unread && strcmp(unread, "1") == 0;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT id, kind, entity, record_id, title, label, body, created_at, read_at FROM notifications "
             "WHERE user_id = $1 AND ($2 = 0 OR id < $2)%s ORDER BY id DESC LIMIT $3",
             only_unread ? " AND read_at IS NULL" : "");
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, p->user_id);
    db_bind_int(s, 2, after > 0 ? after : 0);
    db_bind_int(s, 3, limit + 1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0, rc;
    int64_t last = 0;
    bool more = false;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == limit) {
            more = true;
            break;
        }
        const char *ent = db_col_null(s, 2) ? NULL : db_col_text(s, 2);
        const entity_t *e = ent ? entity_find(ent) : NULL;
        jw_obj(w);
        jw_kint(w, "id", last = db_col_int(s, 0));
        jw_kstr(w, "kind", db_col_text(s, 1));
        jw_kstr(w, "entity", ent);
        jw_kstr(w, "entity_label", e ? e->label : NULL);
        jw_key(w, "record_id");
        if (db_col_null(s, 3)) jw_null(w);
        else jw_int(w, db_col_int(s, 3));
        jw_kstr(w, "title", db_col_text(s, 4));
        jw_kstr(w, "label", db_col_text(s, 5));
        jw_kstr(w, "body", db_col_null(s, 6) ? NULL : db_col_text(s, 6));
        jw_kstr(w, "created_at", db_col_text(s, 7));
        jw_kstr(w, "read_at", db_col_null(s, 8) ? NULL : db_col_text(s, 8));
        jw_obj_end(w);
        n++;
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_key(w, "next");
    if (more) jw_int(w, last);
    else jw_null(w);
    s = db_prepare(r->db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, p->user_id);
    rc = db_step(s);
    int64_t count = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (rc != DB_ROW) return http_store_error(r);
    jw_kint(w, "unread", count);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void mark_read(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    if (!p->user_id) return http_error(r, 403, "forbidden", "接口令牌没有消息提醒");
    json_t *body = http_json_body(r);
    if (!body) return;
    json_t *ids = json_object_get(body, "ids");
    bool all = json_is_true(json_object_get(body, "all"));
    size_t n = json_is_array(ids) ? json_array_size(ids) : 0;
    if (!all && (!json_is_array(ids) || n == 0 || n > NOTIFY_READ_IDS_MAX)) {
        json_decref(body);
        return http_invalid(r, "ids", "请给出要标为已读的消息 (ids, 1 到 200 个), 或 all: true");
    }
    for (size_t i = 0; !all && i < n; i++)
        if (!json_is_integer(json_array_get(ids, i)) || json_integer_value(json_array_get(ids, i)) < 1) {
            json_decref(body);
            return http_invalid(r, "ids", "消息编号应为正整数");
        }
    char now[21];
    iso_from_unix(now_unix(), now);
    int64_t marked = 0;
    if (db_begin(r->db) != 0) goto fail;
    db_stmt_t *s = db_prepare(r->db, all ? "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL"
                                         : "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 "
                                           "AND read_at IS NULL");
    if (!s) goto fail;
    for (size_t i = 0; i < (all ? 1 : n); i++) {
        db_bind_text(s, 1, now, -1);
        db_bind_int(s, 2, p->user_id);
        if (!all) db_bind_int(s, 3, json_integer_value(json_array_get(ids, i)));
        int rc = db_step(s);
        marked += db_changes(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    if (db_commit(r->db) != 0) goto fail;
    json_decref(body);
    jw_obj(&r->json);
    jw_kint(&r->json, "marked", marked);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
    return;
fail:
    json_decref(body);
    http_store_error(r);
}

static const route_t notify_routes[] = {
    {"GET", "/api/v1/notifications", list_notifications},
    {"POST", "/api/v1/notifications/read", mark_read},
    {0},
};

void notify_routes_register(void) { router_add(notify_routes); }
