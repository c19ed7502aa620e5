/* workflow.c — transitions (POST …/<id>/actions/<action>), deadlines in
 * working days, the to-do inbox (GET /api/v1/todo) and the escalation
 * scheduler (DESIGN.md "The resource engine"; issue 4 points 5 and 7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/calendar.h"
#include "engine/values.h"
#include "engine/notify.h"
#include "engine/workflow.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"
#include "util/vec.h"

const wf_state_t *wf_state_find(const workflow_t *wf, const char *state) {
    for (const wf_state_t *s = wf->states; s->key; s++)
        if (state && strcmp(s->key, state) == 0) return s;
    return NULL;
}

const char *wf_state_label(const workflow_t *wf, const char *state) {
    const wf_state_t *s = wf_state_find(wf, state);
    return s ? s->label : state;
}

void wf_today(char out[11]) {
    char iso[21];
    iso_from_unix(now_unix() + 8 * 3600, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

bool wf_overdue(const char *due, const char *state_due) {
    bool d = due && *due, sd = state_due && *state_due;
    if (!d && !sd) return false; /* a finished record: no clock to read (lists call this per row) */
    char today[11];
    wf_today(today);
    return (d && strcmp(due, today) < 0) || (sd && strcmp(state_due, today) < 0);
}

int wf_start_dates(db_t *db, const workflow_t *wf, const char *state, const char *now_iso, wf_dates_t *d) {
    memset(d, 0, sizeof(*d));
    wf_today(d->today);
    const wf_state_t *st = wf_state_find(wf, state);
    if (wf->deadline_days > 0 && cal_add_workdays(db, d->today, wf->deadline_days, d->due) != 0) return -1;
    if (st && st->deadline_days > 0 && cal_add_workdays(db, d->today, st->deadline_days, d->state_due) != 0) return -1;
    return 0;
}


/* Is state in the space-separated list (or the list "*")? */
static bool in_list(const char *list, const char *state) {
    if (!list || !state) return false;
    if (strcmp(list, "*") == 0) return true;
    size_t n = strlen(state);
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, state, n) == 0) return true;
        p += l;
    }
    return false;
}

static const char *transition_perm(http_req_t *r, const entity_t *e, const wf_transition_t *t) {
    return t->perm ? t->perm : arena_printf(r->arena, "%s.%s", e->perm, t->action);
}

/* Writes key: [{action, label}…], the transitions out of state (only those
 * the user may fire when permitted_only): what a 409 offers instead. */
static void write_actions_from(http_req_t *r, const entity_t *e, const workflow_t *wf, const char *state,
                               const char *key, bool permitted_only) {
    jw_t *w = &r->json;
    jw_key(w, key);
    jw_arr(w);
    for (const wf_transition_t *t = wf->transitions; t->action; t++)
        if (in_list(t->from, state) && (!permitted_only || auth_can(auth_principal(r), transition_perm(r, e, t)))) {
            jw_obj(w);
            jw_kstr(w, "action", t->action);
            jw_kstr(w, "label", t->label);
            jw_obj_end(w);
        }
    jw_arr_end(w);
}

const wf_state_t *wf_locked(const workflow_t *wf, const char *state) {
    const wf_state_t *st = wf && state ? wf_state_find(wf, state) : NULL;
    if (!st || !st->final) return NULL;
    /* the registers: an edit after approval is itself the reopen */
    if (wf->reopen_from && wf->reopen_to && in_list(wf->reopen_from, state)) return NULL;
    return st;
}

bool wf_is_reopen(const workflow_t *wf, const wf_transition_t *t) {
    for (const wf_state_t *st = wf->states; st->key; st++)
        if (st->final && in_list(t->from, st->key)) return true;
    return false;
}

bool wf_import_state_allowed(const entity_t *e, const principal_t *p, const char *state) {
    const workflow_t *wf = entity_flow(e, 0);
    if (!wf || !state) return false;
    if (strcmp(state, wf->initial) == 0) return true;
    if (!e->import_states || !in_list(e->import_states, state)) return false;
    char perm[128];
    for (const wf_transition_t *t = wf->transitions; t->action; t++) {
        if (strcmp(t->to, state) != 0) continue;
        snprintf(perm, sizeof(perm), "%s.%s", e->perm, t->action);
        if (auth_can(p, t->perm ? t->perm : perm)) return true;
    }
    return false;
}

bool wf_leaves(const wf_transition_t *t, const char *state) { return in_list(t->from, state); }

const char *wf_locked_message(http_req_t *r, const workflow_t *wf, const wf_state_t *st, const char *verb) {
    const char *msg = arena_printf(r->arena, "记录已处于「%s」状态, 不能%s", st->label, verb);
    for (const wf_transition_t *t = wf->transitions; t->action; t++)
        if (in_list(t->from, st->key))
            return arena_printf(r->arena, "%s; 如需更正, 请先「%s」(须说明原因)", msg, t->label);
    return msg;
}

void wf_locked_error(http_req_t *r, const entity_t *e, const workflow_t *wf, const wf_state_t *st,
                     const char *message) {
    buf_clear(r->out);
    jw_t *w = &r->json;
    jw_init(w, r->out);
    jw_obj(w);
    jw_key(w, "error");
    jw_obj(w);
    jw_kstr(w, "code", "record_final");
    jw_kstr(w, "message", message);
    jw_kstr(w, "state", st->key);
    jw_kstr(w, "state_label", st->label);
    write_actions_from(r, e, wf, st->key, "reopen", true);
    jw_obj_end(w);
    jw_obj_end(w);
    http_send_json(r, 409);
}

int wf_reopen(http_req_t *r, const workflow_t *wf, const char *state, buf_t *set, sql_binds_t *b) {
    if (!wf->reopen_from || !wf->reopen_to || !in_list(wf->reopen_from, state)) return 0;
    if (b->n + 4 > SQL_BINDS_MAX) return -1; /* never silently keep a reviewed state */
    char now[21];
    iso_from_unix(now_unix(), now);
    wf_dates_t d;
    if (wf_start_dates(r->db, wf, wf->reopen_to, now, &d) != 0) return -1;
    const char *vals[4] = {wf->reopen_to, arena_strdup(r->arena, d.today),
                           d.state_due[0] ? arena_strdup(r->arena, d.state_due) : NULL,
                           d.due[0] ? arena_strdup(r->arena, d.due) : NULL};
    for (int i = 0; i < 4; i++)
        sql_bind_text(b, vals[i]);
    buf_printf(set, ", wf_state = $%d, state_since = $%d, state_due_at = $%d, due_at = $%d, escalated = 0", b->n - 3,
               b->n - 2, b->n - 1, b->n);
    return 0;
}

void wf_write_actions(http_req_t *r, const entity_t *e, const workflow_t *wf, const char *state, jw_t *w) {
    const wf_state_t *st = wf_state_find(wf, state);
    jw_key(w, "actions");
    jw_arr(w);
    for (const wf_transition_t *t = wf->transitions; t->action; t++) {
        if (!in_list(t->from, state) || !auth_can(auth_principal(r), transition_perm(r, e, t))) continue;
        jw_obj(w);
        jw_kstr(w, "action", t->action);
        jw_kstr(w, "label", t->label);
        jw_kstr(w, "to", t->to);
        if (st && st->final) jw_kbool(w, "reopen", true); /* needs a reason */
        jw_key(w, "requires");
        jw_arr(w);
        char req[256];
        snprintf(req, sizeof(req), "%s", t->requires ? t->requires : "");
        char *save = NULL;
        for (char *k = strtok_r(req, " ", &save); k; k = strtok_r(NULL, " ", &save)) jw_str(w, k);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* ---- actions ---- */

/* 409 naming the actions the current state allows. */
static void not_allowed(http_req_t *r, const entity_t *e, const workflow_t *wf, const char *state, const char *action) {
    buf_clear(r->out);
    jw_t *w = &r->json;
    jw_init(w, r->out);
    jw_obj(w);
    jw_key(w, "error");
    jw_obj(w);
    jw_kstr(w, "code", "action_not_allowed");
    jw_kstr(w, "message",
            arena_printf(r->arena, "当前状态「%s」不能执行「%s」", wf_state_label(wf, state), action));
    write_actions_from(r, e, wf, state, "allowed", false);
    jw_obj_end(w);
    jw_obj_end(w);
    http_send_json(r, 409);
}

/* Four-eyes (wf_transition_t.distinct_from): the latest of the named
 * earlier actions on the record must have been someone else's.  Read from
 * workflow_steps (migration 0071), not the audit trail, which may be purged
 * after 180 days.  0, or -1 after answering 403 / 503. */
static int four_eyes(http_req_t *r, const entity_t *e, const workflow_t *wf, const wf_transition_t *t, int64_t id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT user_id, action FROM workflow_steps WHERE entity = $1 AND record_id = $2 "
                                     "ORDER BY id DESC");
    if (!s) {
        http_store_error(r);
        return -1;
    }
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    int rc;
    int64_t by = 0;
    const char *earlier = NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *a = db_col_text(s, 1);
        if (!in_list(t->distinct_from, a)) continue;
        by = db_col_null(s, 0) ? 0 : db_col_int(s, 0);
        earlier = arena_strdup(r->arena, a);
        break;
    }
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE) {
        http_store_error(r);
        return -1;
    }
    if (!earlier || by != auth_principal(r)->user_id) return 0;
    const char *label = earlier;
    for (const wf_transition_t *c = wf->transitions; c->action; c++)
        if (strcmp(c->action, earlier) == 0) label = c->label;
    http_error(r, 403, "four_eyes",
               arena_printf(r->arena, "该记录由您本人「%s」, 「%s」须由另一人办理", label, t->label));
    return -1;
}

/* Records that the caller did action on the record now (the row four_eyes
 * reads), inside the transition's transaction.  0 or a negative DB_*. */
static int step_record(http_req_t *r, const entity_t *e, int64_t id, const char *action, const char *now) {
    db_stmt_t *s = db_prepare(r->db, "DELETE FROM workflow_steps WHERE entity = $1 AND record_id = $2 AND action = $3");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    db_bind_text(s, 3, action, -1);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    s = db_prepare(r->db, "INSERT INTO workflow_steps (entity, record_id, action, user_id, done_at) "
                          "VALUES ($1, $2, $3, $4, $5)");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    db_bind_text(s, 3, action, -1);
    db_bind_int(s, 4, auth_principal(r)->user_id);
    db_bind_text(s, 5, now, -1);
    rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* The record's number when its declaration names this action
 * (entity_t.number.at) and it has none yet (a case accepted again after a
 * reopen keeps its number), inside the transition's transaction.  0 or -1. */
static int number_at_transition(http_req_t *r, const entity_t *e, int64_t id, const char *action, int64_t org,
                                const char *opath) {
    if (!e->number || !e->number->at || strcmp(e->number->at, action) != 0) return 0;
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = $1", e->number->field, e->table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    bool has = rc == DB_ROW && !db_col_null(s, 0) && *db_col_text(s, 0);
    db_reset(s);
    if (rc != DB_ROW) return -1;
    if (has) return 0;
    const char *no;
    if (engine_number_next(r, e, org, opath, &no) != 0) return -1;
    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = $1 WHERE id = $2", e->table, e->number->field);
    if (!(s = db_prepare(r->db, sql))) return -1;
    db_bind_text(s, 1, no, -1);
    db_bind_int(s, 2, id);
    rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* True when text is NULL or only blanks. */
static bool blank_text(const char *text) {
    for (const char *c = text ? text : ""; *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r') return false;
    return true;
}

/* One field a transition's body sets (its requires, or its accepts when
 * given): parsed and checked as on a create, its SET clause appended to set
 * with its value bound in b; a problem goes into errs at the field.  An
 * accepted field left out or blank is left alone. */
static void body_field(http_req_t *r, const entity_t *e, const char *fname, json_t *body, bool required, json_t *errs,
                       sql_binds_t *b, buf_t *set) {
    const field_t *f = entity_field(e, fname);
    json_t *val = json_object_get(body, fname);
    if (!f) return;
    if (!val || json_is_null(val) || (json_is_string(val) && !*json_string_value(val))) {
        if (required) json_object_set_new(errs, fname, json_string("此操作必须填写"));
        return;
    }
    value_t v;
    const char *why;
    if (value_parse(r, f, val, &v, &why) != 0 || value_check_ref(r, f, &v, &why) != 0) {
        json_object_set_new(errs, fname, json_string(why));
        return;
    }
    int ph = v.is_int ? sql_bind_int(b, v.i) : sql_bind_text(b, v.text); /* fewer than the fields (registry.c) */
    buf_printf(set, ", %s = $%d", f->name, ph);
}

static void fire_action(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e) return http_error(r, 404, "not_found", "接口不存在");
    const char *action = http_param(r, "action");
    int64_t id = http_param_id(r, "id");
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT org_path, wf_state, wf_version, version, deleted_at, org_id FROM %s WHERE id = $1", e->table);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    /* may read first (access.c): 403/404 before anything about the state */
    engine_read_t ra = rc == DB_ROW ? engine_may_read(r, e, db_col_text(s, 0)) : ENGINE_READ_NOT_FOUND;
    if (rc != DB_ROW || !ENGINE_READABLE(ra) || !db_col_null(s, 4) || db_col_null(s, 1)) {
        db_reset(s);
        if (rc < 0) return http_store_error(r);
        if (!ENGINE_READABLE(ra)) return engine_read_refuse(r, ra);
        return http_error(r, 404, "not_found", "记录不存在");
    }
    char *state = arena_strdup(r->arena, db_col_text(s, 1));
    const char *opath = arena_strdup(r->arena, db_col_text(s, 0));
    int wfv = (int)db_col_int(s, 2);
    int64_t version = db_col_int(s, 3);
    int64_t org = db_col_int(s, 5);
    db_reset(s);
    const workflow_t *wf = entity_flow(e, wfv); /* the version the record started under */
    if (!wf) return http_error(r, 409, "workflow_missing", "该记录的流程版本已不存在");
    /* permission before state (issue 18 point 5): one who may fire this
     * action from no state gets 403, not a 409 that tells the state */
    const wf_transition_t *t = NULL;
    bool known = false, may = false;
    for (const wf_transition_t *c = wf->transitions; c->action; c++) {
        if (strcmp(c->action, action) != 0) continue;
        known = true;
        may = may || auth_can(auth_principal(r), transition_perm(r, e, c));
        if (in_list(c->from, state)) t = c;
    }
    if (!known) return http_error(r, 404, "not_found", "流程中没有该操作");
    if (!may) return http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    if (!t) return not_allowed(r, e, wf, state, action);
    if (!auth_can(auth_principal(r), transition_perm(r, e, t)))
        return http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    if (t->distinct_from && four_eyes(r, e, wf, t, id) != 0) return;
    json_t *body = http_json_body(r);
    if (!body) return;
    json_t *errs = json_object();
    /* the fields the transition requires; nothing else but a comment */
    buf_t set = BUF_INIT;
    sql_binds_t b = {0};
    char req[256];
    snprintf(req, sizeof(req), "%s", t->requires ? t->requires : "");
    const char *k;
    json_t *j;
    /* a transition out of a final state reopens a locked record: only with
     * a reason, kept in the audit row (issue 15 point 6) */
    const wf_state_t *from = wf_state_find(wf, state);
    bool reopen = from && from->final;
    json_object_foreach(body, k, j) {
        if (strcmp(k, "comment") == 0 || strcmp(k, "version") == 0 || (reopen && strcmp(k, "reason") == 0)) continue;
        if (!in_list(req, k) && !in_list(t->accepts, k)) json_object_set_new(errs, k, json_string("此操作不接受该字段"));
    }
    const char *reason = reopen ? json_string_value(json_object_get(body, "reason")) : NULL;
    if (reopen) {
        size_t chars = 0;
        bool blank = true;
        for (const char *c = reason ? reason : ""; *c; c++) {
            chars += ((unsigned char)*c & 0xC0) != 0x80;
            blank = blank && (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r');
        }
        if (blank)
            json_object_set_new(
                errs, "reason",
                json_string(arena_printf(r->arena, "「%s」须说明原因 (记录已处于「%s」状态)", t->label, from->label)));
        else if (chars > 500)
            json_object_set_new(errs, "reason", json_string("原因不能超过 500 个字"));
    }
    char *save = NULL;
    for (char *fname = strtok_r(req, " ", &save); fname; fname = strtok_r(NULL, " ", &save))
        body_field(r, e, fname, body, true, errs, &b, &set);
    char acc[256];
    snprintf(acc, sizeof(acc), "%s", t->accepts ? t->accepts : "");
    for (char *fname = strtok_r(acc, " ", &save); fname; fname = strtok_r(NULL, " ", &save))
        body_field(r, e, fname, body, false, errs, &b, &set);
    if (t->comment_required && blank_text(json_string_value(json_object_get(body, "comment"))))
        json_object_set_new(errs, "comment", json_string(arena_printf(r->arena, "「%s」须说明理由", t->label)));
    json_t *cv = json_object_get(body, "version");
    if (cv && json_is_integer(cv) && json_integer_value(cv) != version) {
        json_decref(errs);
        json_decref(body);
        buf_free(&set);
        return http_error(r, 409, "version_conflict", "该记录已被他人修改, 请刷新后再提交");
    }
    if (json_object_size(errs)) {
        engine_field_error(r, e, errs);
        json_decref(errs);
        json_decref(body);
        buf_free(&set);
        return;
    }
    json_decref(errs);
    char now[21];
    iso_from_unix(now_unix(), now);
    wf_dates_t d;
    const wf_state_t *to = wf_state_find(wf, t->to);
    if (wf_start_dates(r->db, wf, t->to, now, &d) != 0) {
        json_decref(body);
        buf_free(&set);
        return http_store_error(r);
    }
    /* the overall deadline stays; a final state clears both */
    int p_to = sql_bind_text(&b, t->to);
    int p_since = sql_bind_text(&b, arena_strdup(r->arena, d.today));
    int p_sdue = sql_bind_text(&b, d.state_due[0] ? arena_strdup(r->arena, d.state_due) : NULL);
    int p_now = sql_bind_text(&b, arena_strdup(r->arena, now));
    int p_by = sql_bind_int(&b, auth_principal(r)->user_id);
    int p_id = sql_bind_int(&b, id);
    int p_ver = sql_bind_int(&b, version);
    buf_t up = BUF_INIT;
    json_t *before = NULL;
    /* the transition's date (.stamp) is today, as state_since */
    const char *stamp = t->stamp ? arena_printf(r->arena, ", %s = $%d", t->stamp, p_since) : "";
    buf_printf(&up, "UPDATE %s SET wf_state = $%d, state_since = $%d, state_due_at = $%d, escalated = 0, "
                    "version = version + 1, updated_at = $%d, updated_by = $%d%s%s%s WHERE id = $%d AND version = $%d",
               e->table, p_to, p_since, p_sdue, p_now, p_by, (to && to->final) || t->meets_deadline ? ", due_at = NULL" : "",
               stamp, set.data ? set.data : "", p_id, p_ver);
    if (db_begin(r->db) != 0) goto fail;
    /* a transition that writes fields runs the entity's rule (issue 15 point 4) */
    if ((t->requires || t->accepts) && e->check && !(before = engine_record_snapshot(r, e, id))) {
        db_rollback(r->db);
        goto out;
    }
    s = db_prepare(r->db, up.data);
    if (!s) goto fail;
    engine_bind_all(s, &b);
    rc = db_step(s);
    int64_t changed = db_changes(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;
    if (changed == 0) {
        db_rollback(r->db);
        http_error(r, 409, "version_conflict", "该记录已被他人修改, 请刷新后再提交");
        goto out;
    }
    if (t->hook && t->hook(r, e, id, action, body) != 0) {
        db_rollback(r->db);
        if (!r->answered) http_error(r, 409, "hook_refused", "流程处理未能完成");
        goto out;
    }
    if (number_at_transition(r, e, id, action, org, opath) != 0) goto fail;
    if (before) {
        json_t *after = engine_record_snapshot(r, e, id);
        check_ctx_t cc = {.r = r, .e = e, .op = CHECK_ACTION, .action = action, .before = before, .after = after};
        int crc = after ? engine_check_answer(&cc) : -1;
        json_decref(after);
        if (crc != 0) {
            if (!after) db_rollback(r->db);
            goto out;
        }
    }
    if (step_record(r, e, id, action, now) != 0) goto fail;
    if (notify_transition(r, e, id, t, json_string_value(json_object_get(body, "comment"))) != 0) goto fail;
    if (engine_notify_write(r->db, e, opath, auth_principal(r)->user_id) != 0) goto fail;
    json_t *detail = json_pack("{s:s,s:s,s:s,s:O?}", "action", action, "from", state, "to", t->to, "comment",
                               json_object_get(body, "comment"));
    if (reopen) {
        json_object_set_new(detail, "reopen", json_true());
        json_object_set_new(detail, "reason", json_string(reason));
    }
    char *dt = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII);
    int arc = auth_audit(r, arena_printf(r->arena, "workflow.%s", action), e->name, id, "ok", dt);
    free(dt);
    json_decref(detail);
    if (arc != 0 || db_commit(r->db) != 0) goto fail;
    engine_answer_record(r, e, id, 200); /* as GET shows it: children, why it is locked */
    goto out;
fail:
    http_store_error(r);
out:
    json_decref(before);
    json_decref(body);
    buf_free(&set);
    buf_free(&up);
}

/* ---- to-do inbox ---- */

typedef struct todo_item {
    const char *entity, *entity_label; /* a declared entity's, or a source's */
    int64_t id;
    const char *state, *state_label, *due, *state_due, *title;
} todo_item_t;

struct wf_todo {
    http_req_t *r;
    todo_item_t *items;
    int n, cap;
    jw_t *counts;
    int rc;
};
typedef wf_todo_t todo_ctx_t;

static wf_todo_fn *todo_sources; /* grows (registered at start) */
static int ntodo_sources, todo_sources_cap;

void wf_todo_source(wf_todo_fn fn) {
    for (int i = 0; i < ntodo_sources; i++)
        if (todo_sources[i] == fn) return; /* registered again (a second server in one process) */
    todo_sources = vec_reserve(todo_sources, ntodo_sources, &todo_sources_cap, sizeof(*todo_sources), 8);
    todo_sources[ntodo_sources++] = fn;
}

void wf_todo_count(wf_todo_t *t, const char *name, int64_t n) { jw_kint(t->counts, name, n); }

static todo_item_t *todo_push(todo_ctx_t *c) {
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        todo_item_t *ni = arena_alloc(c->r->arena, sizeof(todo_item_t) * (size_t)cap);
        if (c->n) memcpy(ni, c->items, sizeof(todo_item_t) * (size_t)c->n);
        c->items = ni;
        c->cap = cap;
    }
    return &c->items[c->n++];
}

void wf_todo_add(wf_todo_t *t, const char *name, const char *label, int64_t id, const char *title, const char *state,
                 const char *state_label, const char *deadline) {
    todo_item_t *it = todo_push(t);
    *it = (todo_item_t){0};
    it->entity = name, it->entity_label = label, it->id = id, it->title = title;
    it->state = state, it->state_label = state_label, it->due = deadline;
}

static int todo_cmp(const void *a, const void *b) {
    const todo_item_t *x = a, *y = b;
    const char *dx = x->state_due && *x->state_due ? x->state_due : x->due;
    const char *dy = y->state_due && *y->state_due ? y->state_due : y->due;
    if (!dx && !dy) return x->id < y->id ? -1 : 1;
    if (!dx) return 1;
    if (!dy) return -1;
    int c = strcmp(dx, dy);
    return c ? c : (x->id < y->id ? -1 : 1);
}

static void todo_rows(todo_ctx_t *c, const entity_t *e, const workflow_t *wf, db_stmt_t *s);

void wf_title_sql(const entity_t *e, char *out, size_t n) {
    const field_t *title = entity_title_field(e);
    if (title && title->type == F_PERSON)
        snprintf(out, n, "(SELECT pn.name FROM persons pn WHERE pn.id = t.%s)", title->name);
    else if (title)
        snprintf(out, n, "t.%s%s", title->name, (title->flags & FF_PI) ? "_masked" : "");
    else
        snprintf(out, n, "NULL");
}

static void todo_entity(const entity_t *e, void *arg) {
    todo_ctx_t *c = arg;
    http_req_t *r = c->r;
    const workflow_t *wf = entity_flow(e, 0);
    if (!wf || c->rc) return;
    const principal_t *p = auth_principal(r);
    /* one access path (access.c): only records the user may read; a
     * protected entity outside the office within a grant's subtree only */
    engine_grants_t grants;
    engine_read_t ra = engine_read_range(r, e, &grants);
    if (!ENGINE_READABLE(ra)) return;
    /* the ranges to read: the scope, or each grant's subtree within it */
    const char *ranges[ENGINE_GRANTS_MAX];
    int nranges = 0;
    if (!grants.n) ranges[nranges++] = p->org_path;
    for (int g = 0; g < grants.n; g++) {
        const char *gp = grants.path[g], *sp = p->org_path, *in = NULL;
        if (strncmp(gp, sp, strlen(sp)) == 0) in = gp;      /* the grant inside the scope */
        else if (strncmp(sp, gp, strlen(gp)) == 0) in = sp; /* the scope inside the grant */
        if (in) ranges[nranges++] = in;
    }
    /* nested or repeated grants: a range within another is read once */
    const char *read[ENGINE_GRANTS_MAX];
    int nread = 0;
    for (int k = 0; k < nranges; k++) {
        bool within = false;
        for (int m = 0; m < nranges && !within; m++) {
            size_t lm = strlen(ranges[m]), lk = strlen(ranges[k]);
            within = m != k && strncmp(ranges[k], ranges[m], lm) == 0 && (lk > lm || m < k);
        }
        if (!within) read[nread++] = ranges[k];
    }
    if (!nread) return;
    /* states from which this user may fire some transition */
    buf_t states = BUF_INIT;
    sql_binds_t b = {0};
    char hi[512] = "";
    sql_bind_text(&b, read[0]); /* $1, $2: each range's, set below */
    sql_bind_text(&b, hi);
    for (const wf_state_t *st = wf->states; st->key; st++) {
        /* a final state waits for nobody: its reopen is no to-do */
        if (st->final) continue;
        bool can = false;
        for (const wf_transition_t *t = wf->transitions; t->action && !can; t++)
            can = in_list(t->from, st->key) && auth_can(p, transition_perm(r, e, t));
        if (can) /* 2 + the states fit (registry.c, check_binds) */
            buf_printf(&states, "%s$%d", states.len ? ", " : "", sql_bind_text(&b, st->key));
    }
    if (!states.len) {
        buf_free(&states);
        return;
    }
    /* the item's title: the record's (entity_title_field), as refs show it */
    char texpr[256];
    wf_title_sql(e, texpr, sizeof(texpr));
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT t.id, t.wf_state, t.due_at, t.state_due_at, %s FROM %s t WHERE t.org_path >= $1 AND t.org_path < $2 "
             "AND t.deleted_at IS NULL AND t.wf_state IN (%s) ORDER BY COALESCE(t.state_due_at, t.due_at, '9999-12-31'), t.id LIMIT 200",
             texpr, e->table, states.data);
    char csql[2048];
    snprintf(csql, sizeof(csql), "SELECT COUNT(*) FROM %s WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL "
                                 "AND wf_state IN (%s)", e->table, states.data);
    buf_free(&states);
    int64_t count = 0;
    for (int k = 0; k < nread; k++) {
        scope_upper(read[k], hi, sizeof(hi));
        b.v[0].s = read[k];
        db_stmt_t *s = db_prepare(r->db, csql);
        if (!s) {
            c->rc = -1;
            return;
        }
        engine_bind_all(s, &b);
        int rc = db_step(s);
        count += rc == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (rc != DB_ROW) { /* COUNT(*) always has its row: not a count of 0 */
            c->rc = -1;
            return;
        }
        s = db_prepare(r->db, sql);
        if (!s) {
            c->rc = -1;
            return;
        }
        engine_bind_all(s, &b);
        todo_rows(c, e, wf, s);
    }
    jw_kint(c->counts, e->name, count);
    /* protected records shown through a grant: audited (after the reads) */
    if (grants.n && count > 0 && engine_read_audit(r, e, 0, "todo") != 0) c->rc = -1;
}

/* The to-do rows of e that s (bound) selects, onto c; resets s.  A store
 * error sets c->rc (503: not a to-do list cut short). */
static void todo_rows(todo_ctx_t *c, const entity_t *e, const workflow_t *wf, db_stmt_t *s) {
    http_req_t *r = c->r;
    const field_t *title = entity_title_field(e); /* a person's name comes in full: masked here */
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        todo_item_t *it = todo_push(c);
        it->entity = e->name;
        it->entity_label = e->label;
        it->id = db_col_int(s, 0);
        it->state = arena_strdup(r->arena, db_col_text(s, 1));
        it->state_label = wf_state_label(wf, it->state);
        it->due = db_col_null(s, 2) ? NULL : arena_strdup(r->arena, db_col_text(s, 2));
        it->state_due = db_col_null(s, 3) ? NULL : arena_strdup(r->arena, db_col_text(s, 3));
        char masked[256];
        const char *tt = db_col_null(s, 4) ? NULL : db_col_text(s, 4);
        if (tt && title && title->type == F_PERSON) tt = mask_name(tt, masked, sizeof(masked));
        it->title = tt ? arena_strdup(r->arena, tt) : NULL;
    }
    db_reset(s);
    if (rc != DB_DONE) c->rc = -1;
}

static void get_todo(http_req_t *r) {
    /* counts first (a separate buffer), then the merged list, overdue first */
    buf_t counts = BUF_INIT;
    jw_t cw;
    jw_init(&cw, &counts);
    jw_obj(&cw);
    todo_ctx_t c = {.r = r, .counts = &cw};
    entity_each(todo_entity, &c);
    for (int i = 0; i < ntodo_sources && !c.rc; i++)
        c.rc = todo_sources[i](r, &c);
    jw_obj_end(&cw);
    if (c.rc) {
        buf_free(&counts);
        return http_store_error(r);
    }
    if (c.n) qsort(c.items, (size_t)c.n, sizeof(todo_item_t), todo_cmp);
    char today[11], week[11];
    wf_today(today);
    cal_add_workdays(r->db, today, 5, week);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int due_this_week = 0, overdue = 0;
    for (int i = 0; i < c.n && i < 200; i++) {
        todo_item_t *it = &c.items[i];
        const char *deadline = it->state_due ? it->state_due : it->due;
        bool od = wf_overdue(it->due, it->state_due);
        overdue += od;
        due_this_week += deadline && strcmp(deadline, week) <= 0 && !od;
        jw_obj(w);
        jw_kstr(w, "entity", it->entity);
        jw_kstr(w, "entity_label", it->entity_label);
        jw_kint(w, "id", it->id);
        jw_kstr(w, "title", it->title);
        jw_kstr(w, "wf_state", it->state);
        jw_kstr(w, "wf_state_label", it->state_label);
        jw_kstr(w, "deadline", deadline);
        jw_kbool(w, "overdue", od);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "counts");
    jw_raw(w, counts.data);
    jw_kint(w, "overdue", overdue);
    jw_kint(w, "due_this_week", due_this_week);
    jw_obj_end(w);
    buf_free(&counts);
    http_send_json(r, 200);
}

/* ---- scheduler ---- */

typedef struct {
    db_t *db;
    const struct keys *keys;
    int escalated, rc;
} tick_t;

static void tick_entity(const entity_t *e, void *arg) {
    tick_t *t = arg;
    const workflow_t *wf = entity_flow(e, 0);
    if (!wf || t->rc) return;
    char today[11], sql[512];
    wf_today(today);
    snprintf(sql, sizeof(sql), "SELECT id, COALESCE(state_due_at, due_at), wf_version, org_id FROM %s WHERE deleted_at IS NULL "
                               "AND escalated = 0 AND COALESCE(state_due_at, due_at) < $1 "
                               "ORDER BY COALESCE(state_due_at, due_at), id LIMIT 1000", e->table);
    db_stmt_t *s = db_prepare(t->db, sql);
    if (!s) {
        t->rc = -1;
        return;
    }
    db_bind_text(s, 1, today, -1);
    struct {
        int64_t id, org;
        char due[11];
        int v;
    } rows[1000];
    int n = 0, step;
    while ((step = db_step(s)) == DB_ROW && n < 1000) {
        rows[n].id = db_col_int(s, 0);
        snprintf(rows[n].due, sizeof(rows[n].due), "%s", db_col_text(s, 1));
        rows[n].v = (int)db_col_int(s, 2);
        rows[n].org = db_col_int(s, 3);
        n++;
    }
    db_reset(s);
    if (step < 0) { /* logged by the caller; the next tick escalates them */
        t->rc = -1;
        return;
    }
    for (int i = 0; i < n; i++) {
        const workflow_t *rw = entity_flow(e, rows[i].v);
        int after = rw ? rw->escalate_after_days : 0;
        int late = cal_workdays_between(t->db, rows[i].due, today);
        if (late < after) continue;
        if (db_begin(t->db) != 0) {
            t->rc = -1;
            return;
        }
        snprintf(sql, sizeof(sql), "UPDATE %s SET escalated = 1 WHERE id = $1 AND escalated = 0", e->table);
        s = db_prepare(t->db, sql);
        if (!s) {
            db_rollback(t->db);
            t->rc = -1;
            return;
        }
        db_bind_int(s, 1, rows[i].id);
        db_step(s);
        db_reset(s);
        char detail[128];
        snprintf(detail, sizeof(detail), "{\"deadline\":\"%s\",\"working_days_late\":%d}", rows[i].due, late);
        audit_event_t ev = {.action = "workflow.escalate", .entity = e->name, .entity_id = rows[i].id, .result = "ok",
                            .detail_json = detail, .username = "scheduler", .org_id = rows[i].org, .ip = "local"};
        if (audit_write(t->db, t->keys, &ev) != 0 || db_commit(t->db) != 0) {
            db_rollback(t->db);
            t->rc = -1;
            return;
        }
        t->escalated++;
    }
}

/* The notices of deadlines near or passed (notify.c), before the escalation. */
static void tick_notices(const entity_t *e, void *arg) {
    tick_t *t = arg;
    if (!t->rc && entity_flow(e, 0) && notify_deadlines(t->db, e) < 0) t->rc = -1;
}

static wf_tick_fn *tick_fns; /* grows (registered at start) */
static int ntick_fns, tick_fns_cap;

void wf_on_tick(wf_tick_fn fn) {
    for (int i = 0; i < ntick_fns; i++)
        if (tick_fns[i] == fn) return;
    tick_fns = vec_reserve(tick_fns, ntick_fns, &tick_fns_cap, sizeof(*tick_fns), 4);
    tick_fns[ntick_fns++] = fn;
}

int wf_scheduler_tick(db_t *db, const struct keys *keys) {
    tick_t t = {db, keys, 0, 0};
    entity_each(tick_notices, &t); /* first: they read the records not escalated yet */
    entity_each(tick_entity, &t);
    for (int i = 0; i < ntick_fns && !t.rc; i++) {
        int n = tick_fns[i](db, keys);
        if (n < 0) t.rc = -1;
        else t.escalated += n;
    }
    return t.rc ? -1 : t.escalated;
}

static const route_t wf_routes[] = {
    {"GET", "/api/v1/todo", get_todo},
    {"POST", "/api/v1/:entity/:id/actions/:action", fire_action},
    {0},
};

void wf_routes_register(void) { router_add(wf_routes); }
