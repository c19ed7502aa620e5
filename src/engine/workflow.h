/* workflow.h — states, transitions, working-day deadlines, the to-do inbox
 * and the scheduler that marks overdue records and escalates them. */
#ifndef SFS_WORKFLOW_H
#define SFS_WORKFLOW_H
#include "engine/engine.h"

struct principal;

typedef struct wf_dates {
    char today[11];     /* Beijing date */
    char due[11];       /* overall deadline, "" when none */
    char state_due[11]; /* deadline of the state entered, "" when none */
} wf_dates_t;

const char *wf_state_label(const workflow_t *wf, const char *state);
const wf_state_t *wf_state_find(const workflow_t *wf, const char *state);
/* The final state that locks a record in state (no update, delete or
 * children; issue 15 point 6), NULL when the record may be edited: the state
 * is not final, or the workflow reopens it on an edit (reopen_from). */
const wf_state_t *wf_locked(const workflow_t *wf, const char *state);
/* True when an import of e by p may start its records in state: the
 * current workflow's initial state, or one of e->import_states into which p
 * may move a record (it holds the permission of a transition to it). */
bool wf_import_state_allowed(const entity_t *e, const struct principal *p, const char *state);
/* True when state is one of t's space-separated from states. */
bool wf_leaves(const wf_transition_t *t, const char *state);
/* True when t leaves a final state: a reopen, fired only with a reason. */
bool wf_is_reopen(const workflow_t *wf, const wf_transition_t *t);
/* Answers 409 record_final: message, the state and its label, and "reopen":
 * the transitions out of it the caller may fire (each needs a reason). */
void wf_locked_error(http_req_t *r, const entity_t *e, const workflow_t *wf, const wf_state_t *st, const char *message);
/* "记录已处于「已归档」状态, 不能修改" + how to reopen, if the workflow can, in r's arena. */
const char *wf_locked_message(http_req_t *r, const workflow_t *wf, const wf_state_t *st, const char *verb);
/* True when a deadline (overall or of the state) lies before today. */
bool wf_overdue(const char *due, const char *state_due);
/* Deadlines for a record entering state today (creation: both). */
int wf_start_dates(db_t *db, const workflow_t *wf, const char *state, const char *now_iso, wf_dates_t *d);
/* Today's date in Beijing (UTC+8), the offices' calendar. */
void wf_today(char out[11]);
/* Marks overdue records escalated once they are past their deadline by the
 * workflow's escalate_after_days working days, writing an audit row each.
 * Returns the number escalated, or -1. */
int wf_scheduler_tick(db_t *db, const struct keys *keys);
/* A module's periodic work beside the escalation (社区矫正: the check-ins
 * missed raise alerts): run by every wf_scheduler_tick after it, on its
 * connection outside a transaction; returns the records it changed, or -1.
 * Registered at start. */
typedef int (*wf_tick_fn)(db_t *db, const struct keys *keys);
void wf_on_tick(wf_tick_fn fn);

/* "actions": the transitions the caller may fire from state, under the
 * record's own workflow version (the UI's buttons). */
void wf_write_actions(http_req_t *r, const entity_t *e, const workflow_t *wf, const char *state, jw_t *w);

/* When wf reopens records in state on an edit (reopen_from), appends the
 * move to reopen_to (state, its dates, the overall deadline) to an UPDATE's
 * SET list.  0 (also when nothing to do) or -1 on a store error. */
int wf_reopen(http_req_t *r, const workflow_t *wf, const char *state, buf_t *set, sql_binds_t *b);

/* To-do sources beside the declared entities' workflows (persons.c: merge
 * requests awaiting the caller's approval).  GET /todo calls each with the
 * request; it adds its count under its own name (wf_todo_count) and its
 * items (wf_todo_add, strings the request's arena keeps).  Non-zero: a
 * store error (the to-do answers 503).  Registered at start. */
typedef struct wf_todo wf_todo_t;
typedef int (*wf_todo_fn)(http_req_t *r, wf_todo_t *t);
void wf_todo_source(wf_todo_fn fn);
void wf_todo_count(wf_todo_t *t, const char *name, int64_t n);
void wf_todo_add(wf_todo_t *t, const char *name, const char *label, int64_t id, const char *title, const char *state,
                 const char *state_label, const char *deadline);

/* The SQL of a record's title over the alias t (entity_title_field, as the
 * to-do and the notices show it): a person's name comes in full, to be
 * masked by the caller (mask_name); "NULL" when the entity has none. */
void wf_title_sql(const entity_t *e, char *out, size_t n);

void wf_routes_register(void);
void meta_routes_register(void);
#endif
